"""The shortcuts that make the analyzer fast give the answers of the plain rules they replace.

Issue 8 asks for three times VADER's throughput without changing a single output. Each shortcut
is checked here against the straightforward computation it stands for: the cached tokenizer
against the regular expression, the per-word tables against the cue and phrase lists, the
ranking of key phrases against a plain sort, the verdict for texts without cue phrases against
the full kind and urgency rules, and the direct construction of results against the class's own
constructor.
"""

from __future__ import annotations

import inspect

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice.analysis import analyze, language
from clientvoice.analysis._lexicon import (
    BOOST,
    CONCESSION,
    CONTRAST,
    MODAL,
    NEGATOR,
    NONE,
    RISK_CATEGORIES,
    VALENCE,
    Lexicon,
    Word,
    lexicon,
)
from clientvoice.analysis.language import TOKEN, tokenize
from clientvoice.analysis.text import (
    _NO_RISKS,
    TextAnalysis,
    _conclude,
    _kind,
    _ranked,
    _result,
    _urgency,
)
from clientvoice.models import FeedbackKind, Sentiment, Urgency

# Pieces of text that exercise every branch of the tokenizer, and every kind of whitespace.
_PIECES = [
    *("hola", "great", "don't", "l'eau", "state-of-the-art", "well-made", "ñandú", "café"),
    *(":)", ":-(", "<3", "</3", "\\o/", "-_-", "o_o", "^_^", "xd", ":p", "=)", "8)", "x)"),
    *("http://x.co/a?b=1", "www.ab.cd", "@user", "#tag", "3.5", "1,000", "24/7", "a1b2"),
    *("!!!", "?!", "¿", "¡", ".", ",", ";", ":", "...", "-", "'", '"', "(", ")", "&amp;"),
    *("😀", "😡", "❤", "⭐", "☺", "中文", "ΟΔΟΣ", "straße", "İ", "_", "__init__"),
]
_SPACES = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\x1c", "\x0b", ""]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_SPACES)), max_size=12))
def test_tokenize_gives_exactly_the_tokens_of_the_expression(parts: list[tuple[str, str]]) -> None:
    text = "".join(piece + space for piece, space in parts)
    assert tokenize(text) == TOKEN.findall(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_tokenize_agrees_with_the_expression_on_any_text(text: str) -> None:
    assert tokenize(text) == TOKEN.findall(text)
    assert tokenize(text) == TOKEN.findall(text)  # the second time from the remembered pieces


def test_tokenize_forgets_pieces_when_full_and_stays_right(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "_PIECES_LIMIT", 3)
    text = "one two three four five, six! seven :) eight"
    for _ in range(3):
        assert tokenize(text) == TOKEN.findall(text)
    assert len(language._PIECES) <= 3


@pytest.mark.parametrize("code", ["en", "es"])
def test_every_word_table_matches_its_cue_and_phrase_lists(code: str) -> None:
    lex = lexicon(code)
    analyze("Warm the lexicon: no me gustó, not good at all, could be better.", code)
    checked = 0
    for word in lex.words.values():
        if word is None:
            continue
        _check_word(word)
        checked += 1
    assert checked > 1000


def _check_word(word: Word) -> None:
    expected_role = (
        VALENCE
        if word.valence is not None
        else NEGATOR
        if word.negator
        else BOOST
        if word.boost
        else MODAL
        if word.modal
        else CONTRAST
        if word.contrast
        else CONCESSION
        if word.concession
        else NONE
    )
    assert word.role == expected_role
    assert word.active == (not word.plain)
    assert word.cue_solo == tuple(cue for cue in word.cues if not cue.rest)
    seconds = {cue.rest[0] for cue in word.cues if cue.rest}
    seconds |= {phrase.rest[0] for phrase in word.phrases}
    assert set(word.next) == seconds
    for second, (cues, phrases) in word.next.items():
        assert cues == tuple(c for c in word.cues if not c.rest or c.rest[0] == second)
        assert phrases == tuple(p for p in word.phrases if p.rest[0] == second)
    if word.valence is not None:
        assert word.strength == word.valence
        assert word.flipped == Lexicon.negate(lexicon("en"), word)
    assert word.simple == (
        word.role == VALENCE and not word.cues and not word.phrases and not word.comparative
    )
    assert word.idle == (word.role == NONE and not word.comparative and not word.cue_solo)


def test_risk_categories_are_those_of_the_loaded_cues() -> None:
    for code in ("en", "es"):
        lex = lexicon(code)
        for word in lex.words.values():
            for cue in word.cues if word is not None else ():
                assert cue.category.startswith("risk:") == (cue.category in RISK_CATEGORIES)


_WORDS = st.text(alphabet="abcdeé", min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_WORDS, min_size=1, max_size=3).map(" ".join), max_size=9),
    st.integers(min_value=1, max_value=6),
)
def test_key_phrases_are_ranked_as_a_plain_stable_sort(phrases: list[str], limit: int) -> None:
    by_words: dict[int, list[str]] = {1: [], 2: [], 3: []}
    for phrase in phrases:
        by_words[phrase.count(" ") + 1].append(phrase)
    ranked = sorted(phrases, key=lambda p: (-p.count(" "), -len(p.replace(" ", ""))))
    expected = tuple(dict.fromkeys(ranked))[:limit] if len(phrases) > 1 else tuple(phrases)
    text = " ".join(phrases)  # plain ASCII: no accents to restore
    assert _ranked(by_words[3], by_words[2], by_words[1], text, text, limit) == expected


@settings(max_examples=400, deadline=None)
@given(
    st.floats(min_value=-12, max_value=12, allow_nan=False),
    st.integers(min_value=0, max_value=5),
    st.booleans(),
    st.none() | st.floats(min_value=-1, max_value=1, allow_nan=False),
)
def test_without_cue_phrases_the_short_verdict_is_the_full_one(
    total: float, asked: int, question: bool, rating: float | None
) -> None:
    result = _conclude(total, 0, asked, question, {}, [], "en", rating, ())
    assert result.kind is _kind({}, result.score, question, _NO_RISKS)
    assert result.urgency is _urgency(result.kind, result.score, _NO_RISKS)
    assert result.risks == frozenset() and not result.follow_up_intent and result.cues == ()


def test_the_direct_result_is_the_constructed_one_and_stays_frozen() -> None:
    names = [field.name for field in attrs.fields(TextAnalysis)]
    assert list(inspect.signature(_result).parameters) == names  # a new field must be added
    values = (
        *("en", Sentiment.NEGATIVE, -0.5, FeedbackKind.COMPLAINT, Urgency.CRITICAL),
        *(frozenset({"legal"}), True, ("late delivery",), ("risk:legal: lawyer",), -0.5, 0.25),
    )
    made = _result(*values)
    assert made == TextAnalysis(*values)
    assert hash(made) == hash(TextAnalysis(*values))
    assert [getattr(made, name) for name in names] == list(values)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.score = 1.0  # type: ignore[misc]
