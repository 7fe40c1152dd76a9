"""Which language a text is written in: Spanish, English, or another one.

The guess counts the text's common words in each language's list (``data/language.tsv``): the
articles, pronouns, prepositions and auxiliaries that make up a third of any sentence and tell
languages apart far better than content words do. A word shared by two languages counts half for
each. When those say nothing, a short text is often a feeling or a fault ("Vaya desastre", "no
me deja entrar", "Lousy"): a word only one language's analysis lexicon gives a meaning to (a
valence, a cue, a grammar role) counts for that language. When nothing tells (a product code, a
name, an emoji), letters only Spanish uses (ñ, ¿, ¡, accented vowels) decide, then plain Latin
letters suggest English; a text with no letters at all is undetermined (``"und"``, the BCP 47
code for it).

Besides ``es`` and ``en`` the lists know a few other languages (``pt``, ``fr``, ``it``, ``de``),
only so that a text in one of them is reported as such instead of being forced into Spanish or
English.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence

from clientvoice.analysis._lexicon import DATA, lexicon, normalize
from clientvoice.errors import ValidationError

__all__ = ["LANGUAGES", "UNDETERMINED", "detect_language", "tokenize"]

LANGUAGES = ("es", "en")
"""The languages clientvoice analyses."""

UNDETERMINED = "und"
"""The code :func:`detect_language` returns when nothing in the text tells a language."""

TOKEN = re.compile(
    r"(?=[hw@:;=8x<\\\-o^])(?:"  # only these can start one of the next three (a fast test)
    r"(?:https?://|www\.)\S+"  # links: one token that means nothing
    r"|@[\w']+"  # mentions (a hashtag's "#" is skipped: its word counts)
    r"|(?<!\w)(?:[:;=8x][-'^o]?[)(\]\[dpcs/\\|*3o@$l]+|<3|</3|\\o/|-_-|o_o|\^_?\^)(?!\w)"  # :) ;-(
    r")"
    r"|[^\W\d_]+(?:'[^\W\d_]+)*"  # words, with inner apostrophes (don't, l'eau)...
    r"(?:(?:-[^\W\d_]+){2,})?"  # ...and a chain of 3+ words is one ("state-of-the-art")
    r"|\d+(?:[.,/]\d+)*"
    r"|[!?¡¿]+|[.;:,]"
    r"|[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2764\u2639\u263A]",
)
"""The tokenizer every analysis uses, on normalized text (see ``_lexicon.normalize``).

:func:`tokenize` gives the same tokens faster."""

_PIECES: dict[str, tuple[str, ...]] = {}
_PIECES_LIMIT = 100_000  # distinct whitespace-separated pieces remembered (then forgotten)
_MARKS = frozenset(".,;:!?")  # one of these after a word is a token of its own

_SPANISH_LETTERS = re.compile(r"[ñ¿¡áéíóú]")
_LATIN_WORD = re.compile(r"[a-z]{2,}")
_COVERED = 0.15  # share of tokens that must be es/en function words to skip the other languages


def detect_language(text: str, candidates: Sequence[str] | None = None) -> str:
    """The language of ``text``: ``"es"``, ``"en"``, another code, or ``"und"``.

    :param text: any text; empty text is undetermined.
    :param candidates: restrict the answer to these codes (e.g. ``("es", "en")`` when the
        source is known to be one of them); the best candidate is returned whenever the text has
        any letters. None allows every language the lists know.
    :raises ValidationError: if ``text`` is not a string or a candidate is unknown.

    >>> detect_language("No me llegó el pedido")
    'es'
    >>> detect_language("The parcel never arrived")
    'en'
    """
    if type(text) is not str:
        raise ValidationError("text", text, "must be a string")
    if candidates is not None:
        known = _known_languages()
        if not candidates or any(code not in known for code in candidates):
            raise ValidationError(
                "candidates", candidates, f"must be among {', '.join(sorted(known))}"
            )
    lowered = normalize(text)
    return language_of(tokenize(lowered), text, candidates)


def tokenize(normalized: str) -> list[str]:
    """The tokens of normalized text: exactly ``TOKEN.findall(normalized)``, but faster.

    No token spans whitespace, and whether a piece of text between two spaces is a token does
    not depend on what lies beyond the spaces (the emoticon rule looks at the characters next
    to it, and a space is never part of a word). So the text is split at whitespace, and each
    piece's tokens are found once and remembered: most pieces ("the", "great,") recur from text
    to text, and a dictionary lookup costs far less than running the expression again.
    """
    tokens: list[str] = []
    pieces = _PIECES
    for piece in normalized.split():
        try:
            tokens += pieces[piece]
        except KeyError:
            found = _piece_tokens(piece)
            if len(pieces) >= _PIECES_LIMIT:
                pieces.clear()
            pieces[piece] = found
            tokens += found
    return tokens


def language_of(tokens: Sequence[str], text: str, candidates: Iterable[str] | None = None) -> str:
    """The language of already tokenized, normalized text (the analyzer's fast path)."""
    spanish, _, others, either = _TABLES[0] if _TABLES else _tables()
    found = either.intersection(tokens)  # the distinct es/en function words (one pass)
    es = len(found & spanish) if found else 0
    en = len(found) - es  # the two lists share no word
    words = len(tokens)
    # (found: es or en; the conditional is max(es, en) without the call)
    if candidates is None and found and (es if es > en else en) >= _COVERED * words:
        return "es" if es > en else "en" if en > es else UNDETERMINED  # as _pick(es, en, None)
    allowed = None if candidates is None else frozenset(candidates)
    esen_allowed = allowed is None or "es" in allowed or "en" in allowed
    if esen_allowed and (es or en) and max(es, en) >= _COVERED * words:
        return _pick(es, en, allowed)
    # Few es/en function words: maybe another language, maybe just names and numbers.
    scores = _other_scores(tokens, others)
    scores["es"], scores["en"] = es, en
    if allowed is not None:
        scores = {code: value for code, value in scores.items() if code in allowed}
    best = max(scores, key=lambda code: scores[code]) if scores else None
    if best is None or scores[best] <= 0:
        return _undecided(tokens, text, allowed)
    if best not in ("es", "en"):
        # another language must say so clearly: two of its words, more than es or en have
        if scores[best] >= 2 and scores[best] >= max(es, en) + 1:
            return best
        if es == en:
            return _undecided(tokens, text, allowed)
        return "es" if es > en else "en"
    if es == en:
        return _undecided(tokens, text, allowed)
    return best


# --------------------------------------------------------------------------------------------


def _piece_tokens(piece: str) -> tuple[str, ...]:
    """The tokens of one whitespace-free piece, interned (the lexicons share the strings).

    Most new pieces are a bare word or a word and one mark ("great,"), and for those the
    expression can only find the word and the mark: a run of letters is one word token (an
    emoticon made of letters, "xd", would be the same run), and a mark after a letter opens no
    emoticon. So they skip the expression. (Testing for more shapes costs the other pieces
    more than it saves.)
    """
    if piece.isalpha():
        return (sys.intern(piece),)
    last = piece[-1]
    if last in _MARKS:
        word = piece[:-1]
        if word.isalpha():
            return sys.intern(word), sys.intern(last)
    return tuple(map(sys.intern, TOKEN.findall(piece)))


def _pick(es: float, en: float, allowed: frozenset[str] | None) -> str:
    if allowed is not None and "es" not in allowed:
        return "en"
    if allowed is not None and "en" not in allowed:
        return "es"
    if es > en:
        return "es"
    if en > es:
        return "en"
    return UNDETERMINED if allowed is None else "en"


def _undecided(tokens: Sequence[str], text: str, allowed: frozenset[str] | None) -> str:
    """The language when the function words do not tell: by meaning, else by letters."""
    return _by_meaning(tokens, allowed) or _by_letters(text, allowed)


def _by_meaning(tokens: Sequence[str], allowed: frozenset[str] | None) -> str | None:
    """es or en by the words only one language's lexicon gives a meaning to (a feeling, a cue,
    a grammar role): "desastre total", "no me deja entrar", "lousy"; None when they do not
    tell."""
    if allowed is not None and ("es" not in allowed or "en" not in allowed):
        return None
    es = en = 0
    spanish, english = lexicon("es"), lexicon("en")
    for token in tokens:
        in_es, in_en = spanish.word(token), english.word(token)
        if in_es is None or in_en is None:
            continue  # a function word of one of them: the word lists have spoken
        if in_es.active and not in_en.active:
            es += 1
        elif in_en.active and not in_es.active:
            en += 1
    if es == en:
        return None
    return "es" if es > en else "en"


def _by_letters(text: str, allowed: frozenset[str] | None) -> str:
    lowered = text.lower()
    if (allowed is None or "es" in allowed) and _SPANISH_LETTERS.search(lowered):
        return "es"
    if _LATIN_WORD.search(lowered):
        if allowed is None or "en" in allowed:
            return "en"
        return sorted(allowed)[0]
    if allowed is not None and any(char.isalpha() for char in lowered):
        return "en" if "en" in allowed else sorted(allowed)[0]
    return UNDETERMINED


def _other_scores(
    tokens: Sequence[str], table: dict[str, tuple[tuple[str, float], ...]]
) -> dict[str, float]:
    scores: dict[str, float] = {}
    for token in tokens:
        found = table.get(token)
        if found is not None:
            for code, weight in found:
                scores[code] = scores.get(code, 0.0) + weight
    return scores


_Tables = tuple[
    frozenset[str], frozenset[str], dict[str, tuple[tuple[str, float], ...]], frozenset[str]
]
_TABLES: list[_Tables] = []


def _tables() -> _Tables:
    """The word tables, read on first use."""
    if not _TABLES:
        _TABLES.append(_load())
    return _TABLES[0]


def _load() -> _Tables:
    owners: dict[str, set[str]] = {}
    for line in (DATA / "language.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _, words = line.partition("\t")
        for word in words.split():
            for form in {word, normalize(word)}:
                owners.setdefault(sys.intern(form), set()).add(code)
    others: dict[str, tuple[tuple[str, float], ...]] = {}
    for word, codes in owners.items():
        share = 1.0 / len(codes)
        rest = tuple((code, share) for code in sorted(codes) if code not in ("es", "en"))
        if rest:
            others[word] = rest
    # A word both languages use counts for neither (it would add the same to both).
    spanish = frozenset(word for word, codes in owners.items() if codes & {"es", "en"} == {"es"})
    english = frozenset(word for word, codes in owners.items() if codes & {"es", "en"} == {"en"})
    return spanish, english, others, spanish | english


_KNOWN: list[frozenset[str]] = []


def _known_languages() -> frozenset[str]:
    if not _KNOWN:
        codes = {code for entries in _tables()[2].values() for code, _ in entries}
        _KNOWN.append(frozenset({"es", "en", *codes}))
    return _KNOWN[0]
