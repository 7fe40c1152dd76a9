"""The shipped word lists, loaded once and compiled into one lookup table per language.

Everything the analyzer knows about words lives in ``analysis/data/`` as plain TSV files (see
each file's header). This module reads them the first time a language is analysed, never at
import, so importing clientvoice stays cheap, and turns them into :class:`Word` records: one
per token, holding every role the token plays (a valence, a negator, a booster, the first word of
phrases and cues). Tokens not listed are resolved once through stems and inflections and then
remembered, so analysing a text costs one dictionary lookup per token.
"""

from __future__ import annotations

import html
import operator
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "BOOST",
    "CONCESSION",
    "CONTRAST",
    "CUE_CATEGORIES",
    "DATA",
    "LEXICONS",
    "MODAL",
    "NEGATOR",
    "NONE",
    "RISK_CATEGORIES",
    "VALENCE",
    "Cue",
    "Lexicon",
    "Phrase",
    "Word",
    "lexicon",
    "normalize",
]

DATA = Path(__file__).resolve().parent / "data"
"""The folder of the shipped word lists."""

CUE_CATEGORIES = (
    "complaint",
    "suggestion",
    "request",
    "question",
    "yes_no",
    "greeting",
    "inquiry",
    "exclamation",
    "middling",
    "irony",
    "halt",
    "failure",
    "praise",
    "follow_up",
    "risk:cancellation",
    "risk:legal",
    "risk:safety",
    "risk:repeat_contact",
    "risk:fraud",
    "risk:public_exposure",
)
"""The cue categories a ``<language>_cues.tsv`` file may use, besides the grammar ones."""

SPECIAL_CUES = frozenset({"question", "exclamation", "halt", "failure"})
"""Cue categories that count only where the text around them says so: a question word opening
the text, an exclamation before a word with a valence, a failure verb negated or after a halt."""

RISK_CATEGORIES: set[str] = set()
"""The risk categories (``"risk:legal"``, ...) of every cue loaded so far."""

NONE, VALENCE, NEGATOR, BOOST, MODAL, CONTRAST, CONCESSION = range(7)
"""The role a word plays in the sentiment of its clause, in the order the reading tests them
(:attr:`Word.role`): a word with a valence is read as such even if it is also a contrast word."""

_GRAMMAR = ("negator", "booster", "contrast", "concession", "modal", "comparative")
_NEGATION_FACTOR = -0.74  # a negated word keeps about three quarters of its strength, reversed
NEGATIVE_WEIGHT = {"es": 1.3, "en": 1.0}
"""Per language, the weight of negative words against positive ones (see the explanation docs)."""
_CACHE_LIMIT = 200_000  # distinct unknown tokens remembered per language
_EMOTICON_MARKS = frozenset(":;=()[]<>^_/\\|*{}")

# Accents off (the lists are written without them), except the tilde of ñ; typographic quotes
# become plain apostrophes so "don’t" is "don't".
_STRIP = str.maketrans(
    {
        **dict(zip("áéíóúàèìòùâêîôûäëïöüÁÉÍÓÚÀÈÌÒÙÂÊÎÔÛÄËÏÖÜ", "aeiou" * 8, strict=True)),
        "’": "'",
        "‘": "'",
        "´": "'",
        "`": "'",
        "\u00a0": " ",
    }
)
# The same, as one replace per character that lowercased text can hold (a capital cannot):
# ``str.translate`` looks every character up in its table, and is ten times slower on a review.
_UNACCENT = tuple(
    (chr(code), plain) for code, plain in _STRIP.items() if chr(code) == chr(code).lower()
)


def normalize(text: str) -> str:
    """``text`` lowercased, without accents (ñ kept), with plain apostrophes and with HTML
    entities decoded (``&gt;`` is ``>``, not the word "gt")."""
    if "&" in text:
        text = html.unescape(text)
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    for accented, plain in _UNACCENT:  # as lowered.translate(_STRIP)
        if accented in lowered:
            lowered = lowered.replace(accented, plain)
    return lowered


class Phrase:
    """A sentiment phrase of several words, attached to its first word."""

    __slots__ = ("flipped", "negated", "rest", "text", "valence")

    def __init__(self, rest: tuple[str, ...], valence: float, negated: float | None) -> None:
        self.rest = rest
        self.valence = valence
        self.negated = negated
        self.text = ""
        self.flipped = negated if negated is not None else valence * _NEGATION_FACTOR
        """The valence when negated (see :meth:`Lexicon.negate`)."""


class Cue:
    """A cue phrase (one or more words) that signals a category, attached to its first word."""

    __slots__ = ("category", "label", "rest", "special", "text", "weight")

    def __init__(self, rest: tuple[str, ...], category: str, weight: float, text: str) -> None:
        self.rest = rest
        self.category = category
        self.weight = weight
        self.text = text
        self.label = f"{category}: {text}"
        """How the cue is shown as evidence (``"complaint: not working"``)."""
        self.special = category in SPECIAL_CUES
        """Whether the reader tests more than the words before counting it (see SPECIAL_CUES)."""
        if category.startswith("risk:"):
            RISK_CATEGORIES.add(category)


class Word:
    """Everything one token means in one language. Unused roles keep their neutral value."""

    __slots__ = (
        "active",
        "alone",
        "boost",
        "comparative",
        "concession",
        "content",
        "contrast",
        "cue_solo",
        "cues",
        "flipped",
        "idle",
        "modal",
        "negated",
        "negator",
        "next",
        "phrases",
        "role",
        "simple",
        "strength",
        "valence",
    )

    def __init__(self) -> None:
        self.valence: float | None = None
        """Sentiment on -4..+4, or None for a word that carries none."""
        self.negated: float | None = None
        """The valence when negated, when it is not simply reversed and weakened."""
        self.negator = False
        self.boost = 0.0
        self.contrast = False
        self.concession = False
        self.modal = False
        """A word that makes a comparative after it wished-for rather than real ("could")."""
        self.comparative = False
        """A word that compares ("better", "más"): after a modal, what follows is wished for."""
        self.content = True
        """Whether the word can be part of a key phrase (a word, not a function word)."""
        self.phrases: tuple[Phrase, ...] = ()
        self.cues: tuple[Cue, ...] = ()
        self.alone: float | None = None
        """The valence of a negator or booster that modifies nothing ("no!", "damn")."""
        self.active = False
        """Whether the word plays any role (set by :meth:`finish`)."""
        # What the hot loop asks, precomputed by :meth:`finish`:
        self.role = NONE
        """The role the word plays alone (:data:`VALENCE`, :data:`NEGATOR`, ...)."""
        self.strength = 0.0
        """The valence as a number, 0.0 without one."""
        self.flipped = 0.0
        """The valence when negated, as :meth:`Lexicon.negate` gives it."""
        self.next: dict[str, tuple[tuple[Cue, ...], tuple[Phrase, ...]]] = {}
        """Per next token that may continue a cue or phrase of this word: the cues that may
        start here (those of one word and those whose second word it is) and the phrases whose
        second word it is, each in the order of :attr:`cues` and :attr:`phrases`."""
        self.cue_solo: tuple[Cue, ...] = ()
        """The cues of this word alone, for a next token not in :attr:`next`."""
        self.simple = False
        """A word with a valence and nothing else to look at (no cue, phrase, comparison)."""
        self.idle = False
        """A word that does nothing unless a cue or phrase of several words starts with it."""

    def finish(self) -> Word:
        """Precompute what the hot loop asks: whether the word plays a role, which one, and its
        cues and phrases by next token, so each costs one test or one dictionary lookup."""
        self.active = not self.plain
        if self.valence is not None:
            self.role = VALENCE
            self.strength = self.valence
            self.flipped = (
                self.negated if self.negated is not None else self.valence * _NEGATION_FACTOR
            )
        elif self.negator:
            self.role = NEGATOR
        elif self.boost:
            self.role = BOOST
        elif self.modal:
            self.role = MODAL
        elif self.contrast:
            self.role = CONTRAST
        elif self.concession:
            self.role = CONCESSION
        else:
            self.role = NONE
        cues, phrases = self.cues, self.phrases
        if cues or phrases:  # (most words have neither: their defaults are right)
            self.cue_solo = tuple(cue for cue in cues if not cue.rest)
            seconds = {cue.rest[0] for cue in cues if cue.rest} | {p.rest[0] for p in phrases}
            self.next = {
                second: (
                    tuple(cue for cue in cues if not cue.rest or cue.rest[0] == second),
                    tuple(phrase for phrase in phrases if phrase.rest[0] == second),
                )
                for second in seconds
            }
        self.simple = self.role == VALENCE and not cues and not phrases and not self.comparative
        self.idle = self.role == NONE and not self.comparative and not self.cue_solo
        return self

    @property
    def plain(self) -> bool:
        """Whether the word plays no role at all."""
        return (
            self.valence is None
            and not self.negator
            and not self.boost
            and not self.contrast
            and not self.concession
            and not self.modal
            and not self.comparative
            and not self.phrases
            and not self.cues
        )


class Lexicon:
    """The compiled word lists of one language.

    ``words`` maps every normalized token seen so far to its :class:`Word` (None when the token
    means nothing); :meth:`word` fills it for tokens not listed in the files.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self.words: dict[str, Word | None] = {}
        self.stems: dict[str, tuple[float, float | None]] = {}
        self.cue_stems: dict[str, list[Cue]] = {}
        self.stopwords: frozenset[str] = frozenset()
        self.yes_no: frozenset[tuple[str, str]] = frozenset()
        """Two-word openings that ask a yes/no question ("does the", "is it"), checked once per
        text, at its opening, rather than at every word."""
        self.yes_no_starts: frozenset[str] = frozenset()
        """The first words of the yes/no openings, and the greetings that may come before."""
        self.greetings: frozenset[str] = frozenset()
        """Words that may come before the opening question word ("hi", "buenas tardes")."""
        self._stem_sizes: list[int] = []  # the lengths of the stems, longest first
        self._cue_stem_sizes: list[int] = []
        self._stem_starts: frozenset[str] = frozenset()  # the first three letters of the stems
        self._cue_stem_starts: frozenset[str] = frozenset()
        self.negative_weight = NEGATIVE_WEIGHT.get(language, 1.0)
        """How much more a negative word counts than a positive one of the same valence."""
        self._lock = threading.Lock()
        self._load()

    # ---------------------------------------------------------------- lookups (the hot path)

    def word(self, token: str) -> Word | None:
        """The meaning of a normalized token, resolving and remembering unknown ones."""
        found = self.words.get(token, _UNKNOWN)
        if found is not _UNKNOWN:
            return found
        found = self._resolve(token)
        if len(self.words) < _CACHE_LIMIT:
            self.words[token] = found
        return found

    def negate(self, word: Word | Phrase) -> float:
        """The valence of ``word`` when negated."""
        if word.negated is not None:
            return word.negated
        assert word.valence is not None
        return word.valence * _NEGATION_FACTOR

    # ---------------------------------------------------------------- loading

    def _load(self) -> None:
        exact: dict[str, Word] = {}
        phrases: dict[str, list[Phrase]] = {}
        cues: dict[str, list[Cue]] = {}

        def entry(token: str) -> Word:
            found = exact.get(token)
            if found is None:
                found = exact[token] = Word()
            return found

        def put_valence(key: str, valence: float, negated: float | None) -> None:
            words = key.split()
            if len(words) > 1:
                phrase = Phrase(tuple(words[1:]), valence, negated)
                phrase.text = key
                phrases.setdefault(words[0], []).append(phrase)
            elif key.endswith("*") and key[:-1].isalpha():
                self.stems[key[:-1]] = (valence, negated)
            else:
                for form in _forms(key, self.language):
                    if form != key and form in exact and exact[form].valence is not None:
                        continue  # an explicit entry for the form wins over an inflection
                    word = entry(form)
                    word.valence, word.negated = valence, negated

        for key, valence, negated in _valences(self.language):
            put_valence(key, valence, negated)
        for name in ("emoji.tsv", "ratings.tsv"):  # the same in every language
            for key, valence in _read_pairs(DATA / name):
                entry(key).valence = valence

        yes_no: set[tuple[str, str]] = set()
        greetings: set[str] = set()
        for category, key, weight in _cues(self.language):
            words = key.split()
            if category == "greeting":
                greetings.update(words)
                continue
            if category == "yes_no":
                if len(words) != 2:
                    raise ValueError(
                        f"{self.language}_cues.tsv: a yes_no opening is two words, not {key!r}"
                    )
                yes_no.add((words[0], words[1]))
                continue
            if category in _GRAMMAR:
                if len(words) > 1:  # "kind of", "sin embargo": a phrase with a grammar role
                    cue = Cue(tuple(words[1:]), category, weight, key)
                    cues.setdefault(words[0], []).append(cue)
                    continue
                word = entry(words[0])
                if category == "negator":
                    word.alone = word.alone if word.valence is None else word.valence
                    word.negator, word.valence, word.negated = True, None, None
                elif category == "booster":
                    word.alone = word.alone if word.valence is None else word.valence
                    word.boost, word.valence, word.negated = weight, None, None
                elif category == "contrast":
                    word.contrast = True
                elif category == "modal":
                    word.modal = True
                elif category == "comparative":
                    word.comparative = True
                else:
                    word.concession = True
                continue
            if len(words) == 1 and words[0].endswith("*") and words[0][:-1].isalpha():
                self.cue_stems.setdefault(words[0][:-1], []).append(
                    Cue((), category, weight, words[0][:-1])
                )
                continue
            cue = Cue(tuple(words[1:]), category, weight, key)
            cues.setdefault(words[0], []).append(cue)

        # Only prefixes as long as some stem can be one: try those lengths alone, longest first.
        self._stem_sizes = sorted({len(stem) for stem in self.stems}, reverse=True)
        self._cue_stem_sizes = sorted({len(stem) for stem in self.cue_stems}, reverse=True)
        self.yes_no = frozenset(yes_no)
        self.greetings = frozenset(greetings)
        self.yes_no_starts = frozenset(first for first, _ in yes_no) | self.greetings
        # A token whose first three letters start no stem needs no look at its prefixes.
        self._stem_starts = frozenset(stem[:3] for stem in self.stems if len(stem) > 2)
        self._cue_stem_starts = frozenset(stem[:3] for stem in self.cue_stems if len(stem) > 2)
        stopwords = set(_stopwords(self.language))
        self.stopwords = frozenset(stopwords)
        for token in set(exact) | set(phrases) | set(cues):
            word = entry(token)
            if token in phrases:
                word.phrases = tuple(sorted(phrases[token], key=lambda p: -len(p.rest)))
            if token in cues:
                word.cues = tuple(sorted(cues[token], key=lambda c: -len(c.rest)))
            if word.valence is None and not word.negator and not word.boost:
                self._inherit(token, word)
            stem_cues = self._stem_cues(token)
            if stem_cues:
                word.cues = word.cues + tuple(stem_cues)
            word.content = (
                token[:1].isalpha()
                and token not in stopwords
                and not (word.negator or word.boost or word.modal)
            )
            word.finish()
        _share_records(exact)
        # interned keys: the tokenizer interns its tokens, so lookups match by identity
        self.words.update((sys.intern(token), word) for token, word in exact.items())

    def _inherit(self, token: str, word: Word) -> None:
        """Give a listed word the valence its stem or base form has, if it has none of its own."""
        found = self._valence_of(token)
        if found is not None:
            word.valence, word.negated = found

    def _resolve(self, token: str) -> Word | None:
        found = self._valence_of(token)
        cues = self._stem_cues(token)
        content = token not in self.stopwords and len(token) > 1 and token[0].isalpha()
        if found is None and not cues:
            # most unknown tokens: a content word and nothing more, or nothing at all; every
            # such word means the same, so they share one record
            return _CONTENT if content else None
        word = Word()
        if found is not None:
            word.valence, word.negated = found
        word.cues = tuple(cues)
        word.content = content
        return word.finish()

    def _valence_of(self, token: str) -> tuple[float, float | None] | None:
        base = _base_form(token, self.language)
        if base is not None and base != token:
            known = self.words.get(base)
            if known is not None and known.valence is not None:
                return known.valence, known.negated
        if token[:3] not in self._stem_starts:
            return None
        length = len(token)
        for size in self._stem_sizes:  # longest first, as a loop over every prefix would
            if 2 < size <= length:
                stem = self.stems.get(token[:size])
                if stem is not None:
                    return stem
        return None

    def _stem_cues(self, token: str) -> list[Cue]:
        found: list[Cue] = []
        if token[:3] not in self._cue_stem_starts:
            return found
        length = len(token)
        for size in self._cue_stem_sizes:
            if 2 < size <= length:
                found.extend(self.cue_stems.get(token[:size], ()))
        return found


LEXICONS: dict[str, Lexicon] = {}
"""The lexicons built so far, by language (:func:`lexicon` builds a missing one)."""
_LOCK = threading.Lock()


def lexicon(language: str) -> Lexicon:
    """The compiled lexicon of ``"es"`` or ``"en"``, built on first use and shared after."""
    found = LEXICONS.get(language)
    if found is None:
        with _LOCK:
            found = LEXICONS.get(language)
            if found is None:
                found = LEXICONS[language] = Lexicon(language)
    return found


# --------------------------------------------------------------------------------------------
# Reading the files


def _lines(path: Path) -> Iterator[list[str]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.rstrip("\n").split("\t")


def _read_pairs(path: Path) -> Iterator[tuple[str, float]]:
    for parts in _lines(path):
        yield parts[0].strip(), float(parts[1])


def _valences(language: str) -> Iterator[tuple[str, float, float | None]]:
    if language == "en":
        for key, valence in _read_pairs(DATA / "en_base.tsv"):
            yield key, valence, None
        files = [DATA / "en_feedback.tsv"]
    else:  # emoticons (":)", ":-(") are written the same in every language
        for key, valence in _emoticons():
            yield key, valence, None
        files = [DATA / f"{language}_lexicon.tsv"]
    for path in files:
        for parts in _lines(path):
            negated = float(parts[2]) if len(parts) > 2 and parts[2].strip() else None
            if negated == 0.0 and float(parts[1]) < 0:
                negated = None  # "0" marks "no special negated value" for negative words
            yield normalize(parts[0].strip()), float(parts[1]), negated


def _emoticons() -> Iterator[tuple[str, float]]:
    """The emoticons of the English base list, as ``_read_pairs`` would give them.

    Only the few short entries can be emoticons, so the rest of the long list is not parsed.
    """
    for line in (DATA / "en_base.tsv").read_text(encoding="utf-8").splitlines():
        head, _, rest = line.partition("\t")
        key = head.strip()
        if len(key) <= 4 and line.strip() and not line.startswith("#") and _is_emoticon(key):
            yield key, float(rest.split("\t")[0])


def _is_emoticon(key: str) -> bool:
    """Whether a lexicon entry is an emoticon (":)", ":-d", "<3") rather than a word."""
    return " " not in key and len(key) <= 4 and any(char in _EMOTICON_MARKS for char in key)


def _cues(language: str) -> Iterator[tuple[str, str, float]]:
    for parts in _lines(DATA / f"{language}_cues.tsv"):
        category = parts[0].strip()
        weight = float(parts[2]) if len(parts) > 2 and parts[2].strip() else 1.0
        for key in parts[1].split("|"):
            key = normalize(" ".join(key.split()))
            if key:
                yield category, key, weight


def _stopwords(language: str) -> Iterator[str]:
    path = DATA / f"{language}_stopwords.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            yield from (normalize(word) for word in line.split())


def _forms(key: str, language: str) -> list[str]:
    """A Spanish entry with its gender and number forms; an English entry as it is."""
    if language != "es" or not key.isalpha():
        return [key]
    if key.endswith("o"):
        stem = key[:-1]
        return [key, stem + "a", stem + "os", stem + "as"]
    if key.endswith(("e", "a", "i", "u")):
        return [key, key + "s"]
    if key.endswith("z"):
        return [key, key[:-1] + "ces"]
    return [key, key + "es"]


def _base_form(token: str, language: str) -> str | None:
    """The form a Spanish superlative or plural is listed under (``buenisimas`` -> ``bueno``)."""
    if language != "es" or len(token) < 5:
        return None
    for ending in ("isimos", "isimas", "isimo", "isima"):
        if token.endswith(ending):
            return token[: -len(ending)] + "o"
    if token.endswith("mente"):
        return token[:-5]
    return None


# --------------------------------------------------------------------------------------------
# Shared records

_UNKNOWN = Word()  # a token not looked at yet (a lookup default that is not None)
_CONTENT = Word().finish()
"""The meaning of every unlisted content word with no valence and no cue (shared, unchanged)."""

# Everything a word means, as one tuple (``next`` left out: it is empty where this is used).
_meaning = operator.attrgetter(*(name for name in Word.__slots__ if name != "next"))


def _share_records(words: dict[str, Word]) -> None:
    """Let words that mean exactly the same share one record.

    Most listed words only have a valence, and many have the same one, so this leaves thousands
    fewer objects to keep (and for the garbage collector to walk through). Records are never
    changed once finished, so sharing them changes no answer.
    """
    shared: dict[tuple[object, ...], Word] = {}
    for token, word in words.items():
        if word.simple and not word.next:
            words[token] = shared.setdefault(_meaning(word), word)
