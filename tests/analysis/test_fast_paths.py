"""The shortcuts that make the analyzer fast give the answers of the plain rules they replace.

Issue 8 asks for three times VADER's throughput without changing a single output. Each shortcut
is checked here against the straightforward computation it stands for: the cached tokenizer
against the regular expression, the per-word tables against the cue and phrase lists, the
ranking of key phrases against a plain sort, the verdict for texts without cue phrases against
the full kind and urgency rules, the direct construction of results against the class's own
constructor, the tokens of new pieces against the expression, shared word records against
records of their own, the stem look-up against a scan of every prefix, and accent stripping and
restoring against the translation table and the plain token-by-token rule.
"""

from __future__ import annotations

import html
import inspect
import sys

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice.analysis import _lexicon, analyze, language
from clientvoice.analysis._lexicon import (
    BOOST,
    CONCESSION,
    CONTRAST,
    MODAL,
    NEGATOR,
    NONE,
    RISK_CATEGORIES,
    VALENCE,
    Cue,
    Lexicon,
    Phrase,
    Word,
    _meaning,
    lexicon,
    normalize,
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
    _with_accents,
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
    ranked = _ranked(by_words[3], by_words[2], by_words[1], text, text, tokenize(text), limit)
    assert ranked == expected


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


# A piece made of these exercises every shortcut of the tokenizer for new pieces: letters of
# several scripts, the emoticon letters ("x", "d", "p"), apostrophes, marks, digits, mentions.
_PIECE_CHARACTERS = st.sampled_from([*"xXdpoéñaZΩ中'@_:.;,!?/-<^=8329²", "http://", "www."])
_PIECES_OF_NEW_TEXT = st.one_of(
    st.lists(_PIECE_CHARACTERS, min_size=1, max_size=8).map("".join),
    st.tuples(  # a word-like run, then maybe one mark: the shapes with a shortcut
        st.text(alphabet="xdpaéñΩ中'_8²-", min_size=1, max_size=5),
        st.sampled_from(["", *".,;:!?", "!!", ":)"]),
    ).map("".join),
)


@settings(max_examples=500, deadline=None)
@given(_PIECES_OF_NEW_TEXT)
def test_a_new_piece_gets_the_tokens_of_the_expression(piece: str) -> None:
    found = language._piece_tokens(piece)
    assert list(found) == TOKEN.findall(piece)
    assert all(token is sys.intern(token) for token in found)  # shared with the lexicons


@pytest.mark.parametrize("piece", ["great", "great,", "xd", "xd!", "ñandú.", "don't", "@ana:"])
def test_the_common_pieces_get_the_tokens_of_the_expression(piece: str) -> None:
    assert list(language._piece_tokens(piece)) == TOKEN.findall(piece)


@pytest.mark.parametrize("code", ["en", "es"])
def test_words_that_share_a_record_mean_what_their_own_would(
    code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = Lexicon(code)
    monkeypatch.setattr(_lexicon, "_share_records", lambda words: None)  # each its own
    own = Lexicon(code)
    assert shared.words.keys() == own.words.keys()
    records = {id(word) for word in shared.words.values()}
    assert len(records) < len(shared.words) / 2  # the sharing happened
    for token, word in shared.words.items():
        alone = own.words[token]
        if word is None or alone is None:
            assert word is alone
        else:
            assert _described(word) == _described(alone)


def _described(word: Word) -> tuple[object, ...]:
    """Everything a word record says, with its cues and phrases as plain values."""

    def plain(value: object) -> object:
        if isinstance(value, tuple):
            return tuple(plain(item) for item in value)
        if isinstance(value, Cue):
            return ("cue", value.rest, value.category, value.weight, value.text)
        if isinstance(value, Phrase):
            return ("phrase", value.rest, value.valence, value.negated, value.text)
        return value

    nexts = {second: plain(starts) for second, starts in word.next.items()}
    return (*(plain(value) for value in _meaning(word)), nexts)


@settings(max_examples=400, deadline=None)
@given(st.data(), st.sampled_from(["en", "es"]), st.text(alphabet="aeinrst'", max_size=4))
def test_unlisted_words_get_the_stems_a_scan_of_every_prefix_finds(
    data: st.DataObject, code: str, ending: str
) -> None:
    lex = lexicon(code)
    stem = data.draw(st.sampled_from(sorted(lex.stems.keys() | lex.cue_stems.keys())))
    token = stem[: data.draw(st.integers(min_value=0, max_value=len(stem)))] + ending
    valence_stems = [s for s in lex.stems if len(s) > 2 and token.startswith(s)]
    cue_stems = sorted(
        (s for s in lex.cue_stems if len(s) > 2 and token.startswith(s)), key=len, reverse=True
    )
    assert lex._stem_cues(token) == [cue for s in cue_stems for cue in lex.cue_stems[s]]
    if _lexicon._base_form(token, code) is None:  # (else that form is looked up first)
        expected = lex.stems[max(valence_stems, key=len)] if valence_stems else None
        assert lex._valence_of(token) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeéñ ’'&A;BÁ😀-", max_size=40))
def test_unlisted_tokens_are_resolved_as_by_the_plain_rule(text: str) -> None:
    for code in ("en", "es"):
        lex = lexicon(code)
        for token in tokenize(normalize(text)):
            resolved = lex._resolve(token)
            expected = _resolved_plainly(lex, token)
            if expected is None:
                assert resolved is None
            else:
                assert resolved is not None
                assert _described(resolved) == _described(expected)


def _resolved_plainly(lex: Lexicon, token: str) -> Word | None:
    """What an unlisted token means, built as its own record (without any shared one)."""
    found = lex._valence_of(token)
    cues = lex._stem_cues(token)
    content = token not in lex.stopwords and len(token) > 1 and token[0].isalpha()
    if found is None and not cues and not content:
        return None
    word = Word()
    if found is not None:
        word.valence, word.negated = found
    word.cues = tuple(cues)
    word.content = content
    return word.finish()


def test_the_emoticons_are_the_emoticon_entries_of_the_english_list() -> None:
    plain = [
        (key, valence)
        for key, valence in _lexicon._read_pairs(_lexicon.DATA / "en_base.tsv")
        if _lexicon._is_emoticon(key)
    ]
    assert list(_lexicon._emoticons()) == plain
    assert any(key == ":)" for key, _ in plain)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcñéÁ😀’'& ;.", max_size=30))
def test_accents_are_restored_as_by_the_plain_rule(text: str) -> None:
    normalized = normalize(text)
    phrases = tuple(dict.fromkeys(tokenize(normalized)))[:5]
    written = tokenize(text.lower().replace("’", "'"))
    plain = tokenize(normalized)
    expected = phrases
    if len(written) == len(plain):
        surface = {token: form for token, form in zip(plain, written, strict=True) if token != form}
        expected = tuple(" ".join(surface.get(p, p) for p in phrase.split()) for phrase in phrases)
    assert _with_accents(phrases, text, normalized, plain) == expected
    assert _with_accents(phrases, text, normalized, None) == expected


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from([*"aAéÉíÍñÑüÜ’‘´`\u00a0&;gt İẞΣ😀", *"àÀâÂöÖ"]), max_size=30)
)
def test_normalize_strips_accents_as_the_translation_table_does(text: str) -> None:
    unescaped = html.unescape(text) if "&" in text else text
    lowered = unescaped.lower()
    expected = lowered if lowered.isascii() else lowered.translate(_lexicon._STRIP)
    assert normalize(text) == expected
