"""Understand one text: :func:`analyze` and the :class:`TextAnalysis` it returns.

One pass over the tokens does everything. Each token is looked up once in its language's
compiled lexicon (see ``_lexicon.py``), which says what it is: a word with a valence, a negator,
a booster, a contrast word, a modal, the first word of a phrase or of a cue. Sentiment follows
the rules people read by: a negator reverses and weakens the next three words of its clause ("no
me gustó"), except "never ... so" which is emphasis; a booster strengthens the next two ("muy",
"extremely"); a grammar phrase ("sin embargo", "kind of") plays its own role, not its words'; the
clause after "but"/"pero" outweighs the one before, a clause opened by "although"/"aunque"
counts for less, and "aunque" after the main clause objects like "pero"; a comparative after a
modal is wished for, not real ("could be better", "debería mejorar"); shouted words, exclamation
marks and repeated question marks add emphasis; emoji and emoticons carry their own valence; and
in a mixed text, a language may give what is wrong more weight than what is right. Cue phrases
found on the way decide the kind, the risks and the follow-up intent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import attrs

from clientvoice.analysis._lexicon import (
    BOOST,
    CONCESSION,
    CONTRAST,
    LEXICONS,
    MODAL,
    NEGATOR,
    RISK_CATEGORIES,
    VALENCE,
    Cue,
    Lexicon,
    Phrase,
    lexicon,
    normalize,
)
from clientvoice.analysis.language import LANGUAGES, UNDETERMINED, language_of, tokenize
from clientvoice.errors import ValidationError
from clientvoice.models import Analysis, FeedbackKind, Sentiment, Urgency

__all__ = [
    "NEUTRAL_BAND",
    "RISKS",
    "TextAnalysis",
    "analyze",
    "key_phrases_of",
    "rating_score",
]

NEUTRAL_BAND = 0.05
"""Scores within this distance of 0 are neutral (the convention of lexicon-based tools)."""

RISKS = (
    "cancellation",
    "legal",
    "safety",
    "repeat_contact",
    "fraud",
    "public_exposure",
)
"""The risk tokens :attr:`TextAnalysis.risks` may contain."""


@attrs.frozen
class TextAnalysis:
    """Everything clientvoice understands of one text, as :func:`analyze` returns it.

    ``score`` runs from -1 (most negative) to 1 (most positive) and already includes any rating
    given to :func:`analyze`; ``text_score`` is what the words alone say. ``cues`` lists the
    phrases behind the decisions, as ``"category: phrase"`` (``"risk:legal: lawyer"``,
    ``"complaint: not working"``), so a reader can see why.
    """

    language: str
    """``"es"``, ``"en"``, another language's code, or ``"und"`` when nothing tells."""
    sentiment: Sentiment
    score: float
    kind: FeedbackKind
    urgency: Urgency
    risks: frozenset[str] = frozenset()
    """Among :data:`RISKS`: ``cancellation`` (the customer says they will leave), ``legal``
    (lawyers, authorities, consumer agencies), ``safety`` (injury, fire, food poisoning),
    ``repeat_contact`` (not the first time they ask), ``fraud`` (charges they did not make),
    ``public_exposure`` (they will tell everyone)."""
    follow_up_intent: bool = False
    """Whether the customer asks to be contacted ("call me back", "llámenme")."""
    key_phrases: tuple[str, ...] = ()
    """The content phrases of the text, most telling first (at most five)."""
    cues: tuple[str, ...] = ()
    text_score: float = 0.0
    rating_score: float | None = None
    """The rating given to :func:`analyze`, on -1..1, when there was one."""

    def to_analysis(self, analyzer: str = "builtin") -> Analysis:
        """This result as the :class:`~clientvoice.Analysis` stored with feedback.

        The language is left unknown when it is undetermined; the key phrases become the
        analysis' themes.
        """
        return Analysis(
            language=None if self.language == UNDETERMINED else self.language,
            sentiment=self.sentiment,
            sentiment_score=self.score,
            kind=self.kind,
            urgency=self.urgency,
            follow_up_intent=self.follow_up_intent,
            risks=self.risks,
            themes=self.key_phrases[:3],
            analyzers=(analyzer,),
        )


def analyze(
    text: str,
    language: str | None = None,
    *,
    nps: int | None = None,
    csat: int | None = None,
    ces: int | None = None,
) -> TextAnalysis:
    """Understand ``text``: its language, sentiment, kind, urgency, risks and key phrases.

    :param text: what the customer wrote, in Spanish or English (other languages get their
        language code and a neutral reading; a text without words, such as "👍👍" or "10/10",
        is read for its emoji and ratings, with the language ``"und"``).
    :param language: ``"es"`` or ``"en"`` when known (a regional tag such as ``"es-MX"`` is
        fine); None detects it.
    :param nps: a 0–10 Net Promoter score given with the text, fused into the sentiment.
    :param csat: a 1–5 satisfaction score, fused likewise.
    :param ces: a 1–7 customer-effort score (7 = very easy), fused likewise.
    :raises ValidationError: if the text is not a string, the language is not a language tag,
        or a score is off its scale.

    >>> result = analyze("No me gustó nada, la app se cierra sola. Llámenme, por favor.")
    >>> result.language, result.sentiment.value, result.kind.value, result.follow_up_intent
    ('es', 'negative', 'complaint', True)
    """
    if type(text) is not str:
        raise ValidationError("text", text, "must be a string")
    rating = None
    if nps is not None or csat is not None or ces is not None:
        rating = rating_score(nps=nps, csat=csat, ces=ces)
    normalized = normalize(text)
    tokens = tokenize(normalized)
    code = language_of(tokens, text) if language is None else _base_language(language)
    if code in LANGUAGES:
        lex = LEXICONS.get(code) or lexicon(code)
        return _read(tokens, lex, text, normalized, code, rating)
    if code == UNDETERMINED:
        # no word of any language, but emoji, emoticons and ratings speak ("👍", "10/10"):
        # every lexicon reads them alike
        return _read(tokens, LEXICONS.get("en") or lexicon("en"), text, normalized, code, rating)
    # words of another language mean nothing to our lists
    return _conclude(0.0, 0, 0, False, {}, [], code, rating, ())


def rating_score(
    *, nps: int | None = None, csat: int | None = None, ces: int | None = None
) -> float | None:
    """The ratings given with a text on one -1..1 scale (their mean), or None without any.

    NPS 10 is 1, 7 is 0 (a passive) and 0 is -1; CSAT 5 is 1, 3 is 0 and 1 is -1; CES 7 (very
    easy) is 1, 4 is 0 and 1 is -1.

    :raises ValidationError: if a score is not a whole number on its scale.
    """
    found: list[float] = []
    if nps is not None:
        _check_score("nps", nps, 0, 10)
        found.append((nps - 7) / 3 if nps >= 7 else (nps - 7) / 7)
    if csat is not None:
        _check_score("csat", csat, 1, 5)
        found.append((csat - 3) / 2)
    if ces is not None:
        _check_score("ces", ces, 1, 7)
        found.append((ces - 4) / 3)
    if not found:
        return None
    return sum(found) / len(found)


# --------------------------------------------------------------------------------------------
# The pass over the tokens

_NEGATION_REACH = 3  # a negator reaches the next three words of its clause
_BOOST_REACH = 2
_SHOUT_FACTOR = 1.3
_EXCLAIM_STEP = 0.25
_MIDDLING_FACTOR = 0.3  # a text that calls itself so-so: its feelings count for a third
_EXCLAIM_MAX = 4
_QUESTION_STEP = 0.18  # from the second question mark on, each adds a little emphasis
_NORMALIZER = 15.0  # s / sqrt(s^2 + 15): about 0.5 for one strong word, 0.9 for a few
_PUNCTUATION = frozenset(".,;:!?¡¿-")
_CLAUSE_ENDS = frozenset(".;:!?")
# Three capitals in a row; spelled out, because the regular expression engine scans for a
# plain character class far faster than for a repeated one.
_CAPITALS = re.compile(r"[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ]")
_KINDS = frozenset({"complaint", "suggestion", "request", "question", "inquiry", "praise"})
_EMPHATIC = frozenset({"so", "this", "such", "tan", "tanto"})
_NEVER = frozenset({"never", "nunca", "jamas"})
_THEY = frozenset({"they", "he", "she", "ellos", "ellas"})  # others call, the customer does not ask
_SELF = frozenset({"i", "we", "yo", "nosotros"})  # "I don't open it much": not a failure
_IMPERATIVE = frozenset({"don't", "dont", "do"})  # "Don't let ...": advice, not a failure
_FAILURE_REACH = 1  # "stopped syncing": the failure verb right after the halt
_MODAL_REACH = 3  # "could" / "debería" reaches a comparative in the next three words
_MODAL_FACTOR = -0.3  # "could be better": the praise is wished for, so slightly the other way
_GRAMMAR_CUES = frozenset({"booster", "contrast", "concession", "negator", "modal", "comparative"})


def _read(
    tokens: Sequence[str],
    lex: Lexicon,
    text: str,
    normalized: str,
    language: str,
    rating: float | None,
) -> TextAnalysis:
    """Read the tokens once, in the lexicon of ``language``, and conclude.

    Each token costs one dictionary lookup (its :class:`~clientvoice.analysis._lexicon.Word`
    holds every role it plays, its cues and phrases by next token) and a few tests; the key
    phrases are collected on the way, as runs of up to three content words.
    """
    words = lex.words
    resolve = lex.word
    shouted: frozenset[str] | None = None  # found at the first word with a valence
    cues: dict[str, float] = {}
    evidence: list[str] = []
    total = positive = negative = 0.0  # of the current sentence
    kept_total = kept_positive = kept_negative = 0.0  # of the sentences before it
    factor = 1.0  # weight of the current clause (contrast)
    conceding = False  # inside a clause opened by "although"
    negated_at = -99
    modal_at = wished_at = -99
    halted_at = -99  # where a "stopped" / "dejó de" ended
    kind_until = -1  # tokens up to here belong to a kind phrase already counted
    thanks_until = -1  # tokens up to here belong to a praise phrase ("gracias de nuevo")
    pending = 0.0  # the valence of a negator that has not negated anything yet ("no!")
    boost = 0.0
    boosted_at = -99
    consumed = 0  # tokens up to here belong to a phrase already scored
    exclaim = 0
    asked = 0  # question marks: several add emphasis ("really???")
    question = False
    last_index = len(tokens) - 1
    # Key phrase candidates: runs of content words, cut every three, kept by length.
    triples: list[str] = []
    pairs: list[str] = []
    singles: list[str] = []
    run_start = -1  # where the current run of content words began, or -1
    valence: float
    candidates: tuple[Cue, ...]
    openings: tuple[Phrase, ...]  # the phrases that may start at a word
    for index, token in enumerate(tokens):
        try:
            word = words[token]
        except KeyError:
            word = resolve(token)
        if word is None:
            if run_start >= 0:
                if index - run_start == 1:
                    singles.append(tokens[run_start])
                else:
                    pairs.append(f"{tokens[run_start]} {tokens[run_start + 1]}")
                run_start = -1
            if token[0] in _PUNCTUATION:
                if "!" in token:
                    exclaim += token.count("!")
                if "?" in token or "¿" in token:
                    question = True
                    asked += token.count("?")
                negated_at = modal_at = wished_at = halted_at = -99
                if pending:
                    total += pending * factor
                    negative -= pending * factor
                    pending = 0.0
                if token[0] in _CLAUSE_ENDS:  # a sentence ends: its contrast ends with it
                    kept_total += total
                    kept_positive += positive
                    kept_negative += negative
                    total = positive = negative = 0.0
                    factor = 1.0
                    conceding = False
                elif token == ",":
                    conceding = False
            continue
        if word.content:
            if run_start < 0:
                run_start = index
            elif index - run_start == 2:
                triples.append(f"{tokens[run_start]} {tokens[run_start + 1]} {token}")
                run_start = -1
        elif run_start >= 0:
            if index - run_start == 1:
                singles.append(tokens[run_start])
            else:
                pairs.append(f"{tokens[run_start]} {tokens[run_start + 1]}")
            run_start = -1
        if not word.active:
            continue
        if word.simple:  # a word with a valence and nothing else: the common case, made short
            if index < consumed:
                continue
            valence = word.flipped if index - negated_at <= _NEGATION_REACH else word.strength
        else:
            following = tokens[index + 1] if index < last_index else ""
            starts = word.next.get(following)  # the cues and phrases it may start
            if starts is None:
                if word.idle:
                    continue
                candidates, openings = word.cue_solo, ()
            else:
                candidates, openings = starts
            if candidates:
                grammar_end = 0  # a grammar phrase ("sin embargo", "kind of") replaces its roles
                kind_length = -1  # the longest kind phrase starting here speaks for this word
                for cue in candidates:
                    rest = cue.rest
                    if len(rest) > 1 and tuple(tokens[index + 1 : index + 1 + len(rest)]) != rest:
                        continue
                    category = cue.category
                    if cue.special:
                        if category == "question":
                            if not _opens(tokens, index, lex):
                                continue
                        elif category == "exclamation":
                            if (
                                kind_length > len(rest)  # a longer question: "how long"
                                or not _opens(tokens, index, lex)
                                or not _valued(tokens, index + 1 + len(rest), lex)
                            ):
                                continue
                        elif category == "halt":  # "stopped", "dejó de": a failure may follow
                            halted_at = index + len(rest)
                            continue
                        else:
                            # "does not open", "no me deja entrar", "stopped syncing": the
                            # product fails at its job; "I don't open it much" is the customer's
                            # own doing
                            if index - halted_at > _FAILURE_REACH and (
                                index - negated_at > _NEGATION_REACH
                                or not _fault_of_product(tokens, negated_at)
                            ):
                                continue
                            cues["complaint"] = cues.get("complaint", 0.0) + cue.weight
                            evidence.append(cue.label)
                            continue
                    if category in _GRAMMAR_CUES:
                        if grammar_end or index < consumed:
                            continue  # the longest grammar phrase at a word wins
                        grammar_end = index + 1 + len(rest)
                        last = grammar_end - 1
                        if category == "booster":
                            boost, boosted_at = cue.weight, last
                        elif category == "modal":
                            modal_at = last
                        elif category == "negator":
                            negated_at = last
                        elif category == "comparative":
                            if index - modal_at <= _MODAL_REACH:
                                wished_at = last
                        elif category == "contrast" or (positive or negative):
                            # "but", or "although" after the main clause ("bonito, aunque caro")
                            total, positive, negative = total * 0.5, positive * 0.5, negative * 0.5
                            factor, conceding = 1.5, False
                        else:
                            conceding = True
                    else:
                        if category in _KINDS:
                            # the longest kind phrase speaks for its words: "please add" is a
                            # suggestion, not also a request; "no problem" is not a problem
                            if kind_length > len(rest) or index <= kind_until:
                                continue
                            if index - negated_at <= _NEGATION_REACH and (
                                category == "praise"
                                or (
                                    category == "complaint"
                                    and not rest
                                    and word.valence is not None
                                    and word.valence < 0
                                )
                            ):
                                # "not impressed", "no me encanta": praise denied; "no estaba
                                # quemada", "not dirty at all": a defect denied
                                continue
                            kind_length = len(rest)
                            if category == "praise":
                                thanks_until = index + kind_length
                        elif index <= thanks_until:
                            continue  # "thanks again" thanks; it does not say "again" of a fault
                        elif category == "follow_up" and index and tokens[index - 1] in _THEY:
                            continue  # "they call me at all hours": no one asks to be called

                        cues[category] = cues.get(category, 0.0) + cue.weight
                        evidence.append(cue.label)
                if kind_length > 0:
                    kind_until = index + kind_length
                if grammar_end and index >= consumed:
                    consumed = grammar_end
                    continue
            if index < consumed:
                continue
            if word.comparative and index - modal_at <= _MODAL_REACH:
                wished_at = index  # "could be better", "deberían ser más amables"
            item: Phrase | None = None
            for phrase in openings:
                rest = phrase.rest
                if len(rest) == 1 or tuple(tokens[index + 1 : index + 1 + len(rest)]) == rest:
                    item = phrase
                    consumed = index + 1 + len(rest)
                    break
            role = word.role
            if item is not None:
                valence = item.flipped if index - negated_at <= _NEGATION_REACH else item.valence
            elif role == VALENCE:
                valence = word.flipped if index - negated_at <= _NEGATION_REACH else word.strength
            elif role == NEGATOR:
                if pending:
                    total += pending * factor
                    negative -= pending * factor
                negated_at, pending = index, word.alone or 0.0
                continue
            elif role == BOOST:
                if word.alone is None or _modifies(tokens, index, lex):
                    boost, boosted_at = word.boost, index
                    if (
                        token in _EMPHATIC
                        and index - negated_at <= _NEGATION_REACH
                        and tokens[negated_at] in _NEVER
                    ):
                        negated_at = -99  # "never slept so well": emphasis, not negation
                    continue
                valence = word.alone
            elif role == MODAL:
                modal_at = index
                continue
            elif role == CONTRAST or (role == CONCESSION and (positive or negative)):
                # "but", or "although" after the main clause ("bonito, aunque caro")
                total, positive, negative = total * 0.5, positive * 0.5, negative * 0.5
                factor, conceding = 1.5, False
                continue
            elif role == CONCESSION:
                conceding = True
                continue
            else:
                continue
        if index - negated_at <= _NEGATION_REACH:
            pending = 0.0
        elif valence > 0 and index - wished_at <= _BOOST_REACH:
            valence *= _MODAL_FACTOR  # wished-for praise says it is not so yet
        if boost and index - boosted_at <= _BOOST_REACH:
            valence *= 1.0 + boost
        if shouted is None:  # _shouted(text), without the call when no word is in capitals
            shouted = _shouted(text) if _CAPITALS.search(text) else _NO_WORDS
        if shouted and token in shouted:
            valence *= _SHOUT_FACTOR
        valence *= factor * 0.5 if conceding else factor
        total += valence
        if valence > 0:
            positive += valence
        else:
            negative -= valence
    if pending:
        total += pending * factor
        negative -= pending * factor
    if run_start >= 0:
        if last_index == run_start:
            singles.append(tokens[run_start])
        else:
            pairs.append(f"{tokens[run_start]} {tokens[run_start + 1]}")
    total = kept_total + total
    positive = kept_positive + positive
    negative = kept_negative + negative
    if positive and "irony" in cues and (negative or "complaint" in cues):
        # "Oh great, another outage", "40 min on hold. Cheers for that": the praise next to a
        # fault, marked as ironic, means the other way
        total -= 2.0 * positive
        negative += positive
        positive = 0.0
    if positive and negative:  # mixed: what is wrong weighs more
        total -= (lex.negative_weight - 1.0) * negative
    if (
        not question
        and tokens
        and (tokens[0] in lex.yes_no_starts or tokens[0][0] == "@")  # (the check, made short)
        and _asks_yes_or_no(tokens, lex)
    ):
        cues["question"] = cues.get("question", 0.0) + 1.0  # "does the plan include ..."
    phrases = _ranked(triples, pairs, singles, text, normalized, tokens)
    return _conclude(total, exclaim, asked, question, cues, evidence, language, rating, phrases)


def _with_accents(
    phrases: tuple[str, ...], text: str, normalized: str, plain: Sequence[str] | None
) -> tuple[str, ...]:
    """The phrases with the accents the text had (normalizing took them off); ``plain`` are the
    tokens of ``normalized`` when the caller has them."""
    lowered = text.lower().replace("’", "'")
    if lowered == normalized:  # nothing taken off (only emoji, say): the same tokens
        return phrases
    written = tokenize(lowered)
    if plain is None:
        plain = tokenize(normalized)
    if len(written) != len(plain):
        return phrases
    surface = {token: form for token, form in zip(plain, written, strict=True) if token != form}
    if not surface:
        return phrases
    return tuple(" ".join(surface.get(part, part) for part in phrase.split()) for phrase in phrases)


def _opening(tokens: Sequence[str], lex: Lexicon) -> int:
    """Where the text's first word of substance is: past mentions, greetings and punctuation
    ("@bank hi, *does* the plan ..."); the number of tokens when there is none."""
    for index, token in enumerate(tokens):
        if not (token[0] == "@" or token in lex.greetings or token[0] in _PUNCTUATION):
            return index
    return len(tokens)


def _opens(tokens: Sequence[str], index: int, lex: Lexicon) -> bool:
    """Whether the token at ``index`` opens the text (see :func:`_opening`)."""
    return _opening(tokens, lex) >= index


def _asks_yes_or_no(tokens: Sequence[str], lex: Lexicon) -> bool:
    """Whether the text opens with a yes/no question's verb ("Hi, does the plan include ...",
    "is it open on Sundays")."""
    index = _opening(tokens, lex)
    return index + 1 < len(tokens) and (tokens[index], tokens[index + 1]) in lex.yes_no


def _fault_of_product(tokens: Sequence[str], negated_at: int) -> bool:
    """Whether the negator at ``negated_at`` says the product fails ("it does not open"), not
    that the customer does not do something ("I don't open it much") or is told not to
    ("Don't let the price scare you")."""
    before = tokens[max(0, negated_at - 2) : negated_at]
    if not _SELF.isdisjoint(before):
        return False
    start = negated_at - 1 if before and before[-1] == "do" else negated_at
    opening = start == 0 or tokens[start - 1][0] in _PUNCTUATION
    return not (opening and tokens[start] in _IMPERATIVE)


def _valued(tokens: Sequence[str], index: int, lex: Lexicon) -> bool:
    """Whether the token at ``index`` exists and has a valence ("what a *mess*")."""
    if index >= len(tokens):
        return False
    word = lex.word(tokens[index])
    return word is not None and (word.valence is not None or bool(word.phrases))


def _modifies(tokens: Sequence[str], index: int, lex: Lexicon) -> bool:
    """Whether the booster at ``index`` is followed by a word with a valence it strengthens."""
    return any(
        _valued(tokens, following, lex) for following in range(index + 1, index + 1 + _BOOST_REACH)
    )


def _conclude(
    total: float,
    exclaim: int,
    asked: int,
    question: bool,
    cues: dict[str, float],
    evidence: list[str],
    language: str,
    rating: float | None,
    phrases: tuple[str, ...],
) -> TextAnalysis:
    if cues and "middling" in cues:
        total *= _MIDDLING_FACTOR  # "regular", "nothing special": lukewarm whatever else it says
    if total and exclaim:
        total += math.copysign(min(exclaim, _EXCLAIM_MAX) * _EXCLAIM_STEP, total)
    if total and asked > 1:
        total += math.copysign(min(asked, _EXCLAIM_MAX) * _QUESTION_STEP, total)
    text_score = total / math.sqrt(total * total + _NORMALIZER) if total else 0.0
    score = text_score
    if rating is not None:
        score = rating if not total else 0.4 * text_score + 0.6 * rating
    if score >= NEUTRAL_BAND:
        sentiment = _POSITIVE
    elif score <= -NEUTRAL_BAND:
        sentiment = _NEGATIVE
    else:
        sentiment = _NEUTRAL
    clamped = score if -1.0 <= score <= 1.0 else (1.0 if score > 1.0 else -1.0)
    if not cues:
        # No cue phrase: the sentiment alone decides, as _kind and _urgency would, shortly.
        if score <= -0.5:
            kind = _COMPLAINT
            urgency = _HIGH if score <= -0.8 else _NORMAL
        elif question:
            kind = _COMPLAINT if score < 0 else _QUESTION
            urgency = _NORMAL
        else:
            kind = _PRAISE if score >= 0.2 else _OTHER
            urgency = _LOW
        # positional: the fields in their declared order (the fastest call)
        return _result(
            language, sentiment, clamped, kind, urgency, _NO_RISKS, False, phrases, (),
            text_score, rating,
        )  # fmt: skip
    risks = _NO_RISKS
    if not RISK_CATEGORIES.isdisjoint(cues):
        risks = frozenset([category[5:] for category in cues if category.startswith("risk:")])
    kind = _kind(cues, score, question, risks)
    if "repeat_contact" in risks and kind not in _ASKING:
        risks = risks - {"repeat_contact"}
    return _result(
        language,
        sentiment,
        clamped,
        kind,
        _urgency(kind, score, risks),
        risks,
        "follow_up" in cues,
        phrases,
        tuple(dict.fromkeys(evidence)),
        text_score,
        rating,
    )


def _result(
    language: str,
    sentiment: Sentiment,
    score: float,
    kind: FeedbackKind,
    urgency: Urgency,
    risks: frozenset[str],
    follow_up_intent: bool,
    key_phrases: tuple[str, ...],
    cues: tuple[str, ...],
    text_score: float,
    rating_score: float | None,
) -> TextAnalysis:
    """``TextAnalysis(...)`` without the generic constructor's overhead, for values this module
    computed itself: each field is stored through its slot directly (the class is frozen, and
    ``attrs`` would go through ``object.__setattr__`` by name, field by field)."""
    result = _NEW(TextAnalysis)
    _SET_LANGUAGE(result, language)
    _SET_SENTIMENT(result, sentiment)
    _SET_SCORE(result, score)
    _SET_KIND(result, kind)
    _SET_URGENCY(result, urgency)
    _SET_RISKS(result, risks)
    _SET_FOLLOW_UP_INTENT(result, follow_up_intent)
    _SET_KEY_PHRASES(result, key_phrases)
    _SET_CUES(result, cues)
    _SET_TEXT_SCORE(result, text_score)
    _SET_RATING_SCORE(result, rating_score)
    return result


_NEW = object.__new__
_SET_LANGUAGE, _SET_SENTIMENT, _SET_SCORE, _SET_KIND, _SET_URGENCY, _SET_RISKS = (
    TextAnalysis.__dict__[name].__set__
    for name in ("language", "sentiment", "score", "kind", "urgency", "risks")
)
_SET_FOLLOW_UP_INTENT, _SET_KEY_PHRASES, _SET_CUES, _SET_TEXT_SCORE, _SET_RATING_SCORE = (
    TextAnalysis.__dict__[name].__set__
    for name in ("follow_up_intent", "key_phrases", "cues", "text_score", "rating_score")
)


def key_phrases_of(
    tokens: Sequence[str], lex: Lexicon, text: str, normalized: str, limit: int = 5
) -> tuple[str, ...]:
    """The content phrases of a tokenized text, longest first, as written (accents kept).

    A phrase is a run of up to three content words: words that are not function words, not
    negators or boosters, not generic praise or blame (those are in the stopword lists).
    """
    words = lex.words
    buckets: tuple[list[str], list[str], list[str]] = ([], [], [])  # one, two, three words
    run: list[str] = []
    for token in tokens:
        try:
            word = words[token]
        except KeyError:
            word = lex.word(token)
        if word is not None and word.content:
            run.append(token)
            if len(run) == 3:
                buckets[2].append(" ".join(run))
                run = []
        elif run:
            buckets[len(run) - 1].append(" ".join(run))
            run = []
    if run:
        buckets[len(run) - 1].append(" ".join(run))
    # (the tokens given may be any: the accents are looked up in the text's own)
    return _ranked(buckets[2], buckets[1], buckets[0], text, normalized, None, limit)


def _ranked(
    triples: list[str],
    pairs: list[str],
    singles: list[str],
    text: str,
    normalized: str,
    tokens: Sequence[str] | None,
    limit: int = 5,
) -> tuple[str, ...]:
    """The phrases, longest first (in words, then in letters), without repeats, with the
    text's accents; among equals, the first written comes first. The lists are reordered;
    ``tokens`` are those of ``normalized``, or None."""
    ranked = triples  # our own lists: sorted and joined in place
    if len(ranked) > 1:
        ranked.sort(key=len, reverse=True)  # a stable sort, even reversed
    if pairs:
        if len(pairs) > 1:
            pairs.sort(key=len, reverse=True)
        ranked += pairs
    if singles:
        if len(singles) > 1:
            singles.sort(key=len, reverse=True)
        ranked += singles
    if len(ranked) < 2:
        if not ranked:
            return ()
        phrases: tuple[str, ...] = (ranked[0],)
    else:
        phrases = tuple(dict.fromkeys(ranked))[:limit]
    if normalized is not text and not text.isascii():
        phrases = _with_accents(phrases, text, normalized, tokens)
    return phrases


_NO_RISKS: frozenset[str] = frozenset()
_NO_WORDS: frozenset[str] = frozenset()
# The values as module constants: reading an enum member through its class costs a lookup.
_COMPLAINT, _SUGGESTION, _QUESTION = (
    FeedbackKind.COMPLAINT,
    FeedbackKind.SUGGESTION,
    FeedbackKind.QUESTION,
)
_REQUEST, _PRAISE, _OTHER = FeedbackKind.REQUEST, FeedbackKind.PRAISE, FeedbackKind.OTHER
_LOW, _NORMAL, _HIGH, _CRITICAL = Urgency.LOW, Urgency.NORMAL, Urgency.HIGH, Urgency.CRITICAL
_POSITIVE, _NEGATIVE, _NEUTRAL = Sentiment.POSITIVE, Sentiment.NEGATIVE, Sentiment.NEUTRAL
_ASKING = frozenset({_COMPLAINT, _REQUEST, _QUESTION})
_SERIOUS = frozenset({"legal", "fraud", "repeat_contact", "safety"})
_PRESSING = frozenset({"cancellation", "fraud", "repeat_contact", "public_exposure"})


def _kind(
    cues: dict[str, float], score: float, question: bool, risks: frozenset[str]
) -> FeedbackKind:
    """The kind, from cue phrases first and the sentiment second.

    A phrase that asks for something new ("would be nice", "deberían agregar") makes a
    suggestion even when the text is negative about what is missing, unless the complaint
    phrases are stronger; a negative text with a problem phrase is a complaint, also when it
    is asked as a question ("why can't I log in?").
    """
    said = cues.get("complaint", 0.0)  # what the complaint phrases say
    complaint = said
    if score <= -0.5:
        complaint += 2.0
    elif score <= -0.2 and said:
        complaint += 1.0
    elif score >= 0.5:
        complaint -= 1.0
    request = cues.get("request", 0.0)
    # a threat to leave is a complaint; a cancellation asked for calmly ("please cancel my
    # order") is a request, still urgent through its risk
    serious = bool(risks) and (
        not risks.isdisjoint(_SERIOUS) or ("cancellation" in risks and not request)
    )
    if serious:
        complaint += 1.0
        said += 1.0
    suggestion = cues.get("suggestion", 0.0)
    if suggestion >= max(1.0, said, request) and not serious:
        return _SUGGESTION
    if complaint >= 1.5 or (complaint >= 1.0 and score < 0.2):
        return _COMPLAINT
    if (question and (score < 0 or said >= 0.5)) or (request >= 1.0 and said >= 1.0):
        return _COMPLAINT  # asking for help with a problem ("why can't I log in?")
    if not question and "exclamation" in cues:
        # "What a mess", "Qué bonito quedó": an opening "what a" / "qué" before a word that
        # likes or dislikes, without a question mark, exclaims; it asks nothing
        if score < 0:
            return _COMPLAINT
    elif question or cues.get("question") or cues.get("inquiry"):
        # "Could someone call me back?" asks for an action, not for information; "quisiera
        # saber", "customer asked whether" announce a question
        asking = request >= 2.0 or (request >= 1.0 and ("follow_up" in cues or not question))
        return _REQUEST if asking and not cues.get("inquiry") else _QUESTION
    if request >= 1.0:
        return _REQUEST
    if complaint >= 1.0:
        return _COMPLAINT
    if score >= 0.2 or cues.get("praise"):
        return _PRAISE
    return _OTHER


def _urgency(kind: FeedbackKind, score: float, risks: frozenset[str]) -> Urgency:
    if risks:
        if "safety" in risks or "legal" in risks:
            return _CRITICAL
        if not risks.isdisjoint(_PRESSING):
            return _HIGH
    if kind is _COMPLAINT:
        return _HIGH if score <= -0.8 else _NORMAL
    if kind in _ASKING:
        return _NORMAL
    return _LOW


# --------------------------------------------------------------------------------------------
# Helpers


def _shouted(text: str) -> frozenset[str]:
    """Words written in capitals, when the text is not all capitals (shouting one word)."""
    if not _CAPITALS.search(text) or text.isupper():
        return frozenset()
    found = {
        normalize(token)
        for token in text.split()
        if len(token) > 2 and token.isupper() and token.isalpha()
    }
    return frozenset(found)


def _base_language(language: str) -> str:
    if type(language) is not str or not language:
        raise ValidationError("language", language, "must be a language tag such as 'es' or 'en'")
    code = language.replace("_", "-").split("-")[0].lower()
    if not code.isalpha() or not 2 <= len(code) <= 3:
        raise ValidationError("language", language, "must be a language tag such as 'es' or 'en'")
    return code


def _check_score(field: str, value: object, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise ValidationError(field, value, f"must be a whole number from {low} to {high}")
