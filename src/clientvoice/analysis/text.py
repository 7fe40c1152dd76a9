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

from clientvoice.analysis._lexicon import Lexicon, Phrase, Word, lexicon, normalize
from clientvoice.analysis.language import LANGUAGES, TOKEN, UNDETERMINED, language_of
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
        language code and a neutral reading).
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
    tokens = TOKEN.findall(normalized)
    code = language_of(tokens, text) if language is None else _base_language(language)
    if code in LANGUAGES:
        lex = lexicon(code)
        reading = _read(tokens, lex, text)
        phrases = _ranked(reading.runs, text, normalized) if reading.runs else ()
    else:  # words of another language mean nothing to our lists
        reading, phrases = _Reading(), ()
    return _conclude(reading, code, rating, phrases)


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
_EXCLAIM_MAX = 4
_QUESTION_STEP = 0.18  # from the second question mark on, each adds a little emphasis
_NORMALIZER = 15.0  # s / sqrt(s^2 + 15): about 0.5 for one strong word, 0.9 for a few
_PUNCTUATION = frozenset(".,;:!?¡¿-")
_CLAUSE_ENDS = frozenset(".;:!?")
_CAPITALS = re.compile(r"[A-ZÁÉÍÓÚÑ]{3}")
_KINDS = frozenset({"complaint", "suggestion", "request", "question", "praise"})
_EMPHATIC = frozenset({"so", "this", "such", "tan", "tanto"})
_NEVER = frozenset({"never", "nunca", "jamas"})
_MODAL_REACH = 3  # "could" / "debería" reaches a comparative in the next three words
_MODAL_FACTOR = -0.3  # "could be better": the praise is wished for, so slightly the other way
_GRAMMAR_CUES = frozenset({"booster", "contrast", "concession", "negator", "modal", "comparative"})


class _Reading:
    """What one pass over the tokens found."""

    __slots__ = (
        "asked",
        "cues",
        "evidence",
        "exclaim",
        "negative",
        "positive",
        "question",
        "runs",
        "sentences",
        "total",
    )

    def __init__(self) -> None:
        self.total = 0.0
        self.positive = 0.0
        self.negative = 0.0
        self.exclaim = 0
        self.asked = 0
        self.question = False
        self.cues: dict[str, float] = {}
        self.evidence: list[str] = []
        self.runs: list[list[str]] = []
        """Runs of up to three content words, the candidates for key phrases."""
        self.sentences: list[float] = []
        """The valence of each sentence that has one."""


def _read(tokens: Sequence[str], lex: Lexicon, text: str) -> _Reading:
    words = lex.words
    resolve = lex.word
    shouted = _shouted(text)
    reading = _Reading()
    cues = reading.cues
    total = positive = negative = 0.0  # of the current sentence
    kept_total = kept_positive = kept_negative = 0.0  # of the sentences before it
    sentences = reading.sentences
    factor = 1.0  # weight of the current clause (contrast)
    conceding = False  # inside a clause opened by "although"
    negated_at = -99
    modal_at = wished_at = -99
    kind_until = -1  # tokens up to here belong to a kind phrase already counted
    pending = 0.0  # the valence of a negator that has not negated anything yet ("no!")
    boost = 0.0
    boosted_at = -99
    consumed = 0  # tokens up to here belong to a phrase already scored
    exclaim = 0
    asked = 0  # question marks: several add emphasis ("really???")
    question = False
    runs = reading.runs
    last_index = len(tokens) - 1
    run: list[str] = []  # the content words read since the last other token
    for index, token in enumerate(tokens):
        try:
            word = words[token]
        except KeyError:
            word = resolve(token)
        if word is None:
            if run:
                runs.append(run)
                run = []
            if token[0] in _PUNCTUATION:
                if "!" in token:
                    exclaim += token.count("!")
                if "?" in token or "¿" in token:
                    question = True
                    asked += token.count("?")
                negated_at = modal_at = wished_at = -99
                if pending:
                    total += pending * factor
                    negative -= pending * factor
                    pending = 0.0
                if token[0] in _CLAUSE_ENDS:  # a sentence ends: its contrast ends with it
                    if total:
                        sentences.append(total)
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
            run.append(token)
            if len(run) == 3:
                runs.append(run)
                run = []
        elif run:
            runs.append(run)
            run = []
        if not word.active:
            continue
        following = None  # the next token, looked at only for phrases and cues
        if word.cues:
            following = tokens[index + 1] if index < last_index else ""
            grammar_end = 0  # a grammar phrase ("sin embargo", "kind of") replaces its words' roles
            kind_length = -1  # the longest kind phrase starting here speaks for this word
            for cue in word.cues:
                rest = cue.rest
                if rest and (
                    rest[0] != following
                    or (len(rest) > 1 and tuple(tokens[index + 1 : index + 1 + len(rest)]) != rest)
                ):
                    continue
                category = cue.category
                if category == "question" and not _opens(tokens, index):
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
                        kind_length = len(rest)
                    cues[category] = cues.get(category, 0.0) + cue.weight
                    reading.evidence.append(cue.label)
            if kind_length > 0:
                kind_until = index + kind_length
            if grammar_end and index >= consumed:
                consumed = grammar_end
                continue
        if index < consumed:
            continue
        if word.comparative and index - modal_at <= _MODAL_REACH:
            wished_at = index  # "could be better", "deberían ser más amables"
        item: Word | Phrase | None = None
        if word.phrases:
            if following is None:
                following = tokens[index + 1] if index < last_index else ""
            for phrase in word.phrases:
                rest = phrase.rest
                if rest[0] == following and (
                    len(rest) == 1 or tuple(tokens[index + 1 : index + 1 + len(rest)]) == rest
                ):
                    item = phrase
                    consumed = index + 1 + len(rest)
                    break
        valence: float
        if item is not None:
            assert item.valence is not None
            valence = lex.negate(item) if index - negated_at <= _NEGATION_REACH else item.valence
        elif word.valence is not None:
            valence = lex.negate(word) if index - negated_at <= _NEGATION_REACH else word.valence
        elif word.negator:
            if pending:
                total += pending * factor
                negative -= pending * factor
            negated_at, pending = index, word.alone or 0.0
            continue
        elif word.boost:
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
        elif word.modal:
            modal_at = index
            continue
        elif word.contrast or (word.concession and (positive or negative)):
            # "but", or "although" after the main clause ("bonito, aunque caro")
            total, positive, negative = total * 0.5, positive * 0.5, negative * 0.5
            factor, conceding = 1.5, False
            continue
        elif word.concession:
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
    if run:
        runs.append(run)
    if total:
        sentences.append(total)
    reading.total = kept_total + total
    reading.positive = kept_positive + positive
    reading.negative = kept_negative + negative
    if reading.positive and reading.negative:  # mixed: what is wrong weighs more
        reading.total -= (lex.negative_weight - 1.0) * reading.negative
    reading.exclaim, reading.question = exclaim, question
    reading.asked = asked
    return reading


def _with_accents(phrases: tuple[str, ...], text: str, normalized: str) -> tuple[str, ...]:
    """The phrases with the accents the text had (normalizing took them off)."""
    written = TOKEN.findall(text.lower().replace("’", "'"))
    plain = TOKEN.findall(normalized)
    if len(written) != len(plain):
        return phrases
    surface = {token: form for token, form in zip(plain, written, strict=True) if token != form}
    if not surface:
        return phrases
    return tuple(" ".join(surface.get(part, part) for part in phrase.split()) for phrase in phrases)


def _opens(tokens: Sequence[str], index: int) -> bool:
    """Whether the token at ``index`` opens the text (only mentions before it)."""
    return all(token[0] == "@" for token in tokens[:index])


def _modifies(tokens: Sequence[str], index: int, lex: Lexicon) -> bool:
    """Whether the booster at ``index`` is followed by a word with a valence it strengthens."""
    for following in tokens[index + 1 : index + 1 + _BOOST_REACH]:
        word = lex.word(following)
        if word is not None and (word.valence is not None or word.phrases):
            return True
    return False


def _conclude(
    reading: _Reading, language: str, rating: float | None, phrases: tuple[str, ...]
) -> TextAnalysis:
    total = reading.total
    if total and reading.exclaim:
        total += math.copysign(min(reading.exclaim, _EXCLAIM_MAX) * _EXCLAIM_STEP, total)
    if total and reading.asked > 1:
        total += math.copysign(min(reading.asked, _EXCLAIM_MAX) * _QUESTION_STEP, total)
    text_score = total / math.sqrt(total * total + _NORMALIZER) if total else 0.0
    score = text_score
    if rating is not None:
        score = rating if not total else 0.4 * text_score + 0.6 * rating
    if score >= NEUTRAL_BAND:
        sentiment = Sentiment.POSITIVE
    elif score <= -NEUTRAL_BAND:
        sentiment = Sentiment.NEGATIVE
    else:
        sentiment = Sentiment.NEUTRAL
    cues = reading.cues
    risks = _NO_RISKS
    if cues:
        found = [category[5:] for category in cues if category.startswith("risk:")]
        if found:
            risks = frozenset(found)
    kind = _kind(cues, score, reading.question, risks)
    if "repeat_contact" in risks and kind not in _ASKING:
        risks = risks - {"repeat_contact"}
    return TextAnalysis(
        language=language,
        sentiment=sentiment,
        score=max(-1.0, min(1.0, score)),
        kind=kind,
        urgency=_urgency(kind, score, risks),
        risks=risks,
        follow_up_intent="follow_up" in cues,
        key_phrases=phrases,
        cues=tuple(dict.fromkeys(reading.evidence)) if reading.evidence else (),
        text_score=text_score,
        rating_score=rating,
    )


def key_phrases_of(
    tokens: Sequence[str], lex: Lexicon, text: str, normalized: str, limit: int = 5
) -> tuple[str, ...]:
    """The content phrases of a tokenized text, longest first, as written (accents kept).

    A phrase is a run of up to three content words: words that are not function words, not
    negators or boosters, not generic praise or blame (those are in the stopword lists).
    """
    words = lex.words
    runs: list[list[str]] = []
    run: list[str] = []
    for token in tokens:
        try:
            word = words[token]
        except KeyError:
            word = lex.word(token)
        if word is not None and word.content:
            run.append(token)
            if len(run) == 3:
                runs.append(run)
                run = []
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return _ranked(runs, text, normalized, limit) if runs else ()


def _ranked(runs: list[list[str]], text: str, normalized: str, limit: int = 5) -> tuple[str, ...]:
    """The runs as phrases, longest first, without repeats, with the text's accents."""
    if len(runs) == 1:
        phrases: tuple[str, ...] = (" ".join(runs[0]),)
    else:
        ranked = sorted(runs, key=_phrase_rank)
        phrases = tuple(dict.fromkeys(" ".join(found) for found in ranked))[:limit]
    if normalized is not text and not text.isascii():
        phrases = _with_accents(phrases, text, normalized)
    return phrases


def _phrase_rank(run: list[str]) -> tuple[int, int]:
    return -len(run), -sum(map(len, run))


_NO_RISKS: frozenset[str] = frozenset()
_ASKING = frozenset({FeedbackKind.COMPLAINT, FeedbackKind.REQUEST, FeedbackKind.QUESTION})
_SERIOUS = frozenset({"cancellation", "legal", "fraud", "repeat_contact", "safety"})


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
    if risks & _SERIOUS:
        complaint += 1.0
        said += 1.0
    suggestion = cues.get("suggestion", 0.0)
    request = cues.get("request", 0.0)
    if suggestion >= max(1.0, said, request) and not risks & _SERIOUS:
        return FeedbackKind.SUGGESTION
    if complaint >= 1.5 or (complaint >= 1.0 and score < 0.2):
        return FeedbackKind.COMPLAINT
    if (question and (score < 0 or said >= 0.5)) or (request >= 1.0 and said >= 1.0):
        return FeedbackKind.COMPLAINT  # asking for help with a problem ("why can't I log in?")
    if question or cues.get("question"):
        # "Could someone call me back?" asks for an action, not for information
        asking = request >= 2.0 or (request >= 1.0 and ("follow_up" in cues or not question))
        return FeedbackKind.REQUEST if asking else FeedbackKind.QUESTION
    if request >= 1.0:
        return FeedbackKind.REQUEST
    if complaint >= 1.0:
        return FeedbackKind.COMPLAINT
    if score >= 0.2 or cues.get("praise"):
        return FeedbackKind.PRAISE
    return FeedbackKind.OTHER


def _urgency(kind: FeedbackKind, score: float, risks: frozenset[str]) -> Urgency:
    if "safety" in risks or "legal" in risks:
        return Urgency.CRITICAL
    if risks & {"cancellation", "fraud", "repeat_contact", "public_exposure"}:
        return Urgency.HIGH
    if kind is FeedbackKind.COMPLAINT:
        return Urgency.HIGH if score <= -0.8 else Urgency.NORMAL
    if kind in _ASKING:
        return Urgency.NORMAL
    return Urgency.LOW


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
