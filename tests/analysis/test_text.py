"""The one-call analysis: sentiment rules, kind, urgency, risks, follow-up, ratings, errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice.analysis import TextAnalysis, analyze, detect_language
from clientvoice.analysis.text import rating_score
from clientvoice.errors import ValidationError
from clientvoice.models import FeedbackKind, Sentiment, Urgency


def score(text: str, language: str | None = None) -> float:
    return analyze(text, language).score


@pytest.mark.parametrize(
    ("plain", "negated"),
    [
        ("I liked it", "I did not like it"),
        ("Me gustó", "No me gustó"),
        ("The service was good", "The service was not good"),
        ("La comida es buena", "La comida no es buena"),
    ],
)
def test_negation_reverses_sentiment(plain: str, negated: str) -> None:
    assert score(plain) > 0.05
    assert score(negated) < -0.05


def test_negated_negative_is_mildly_positive() -> None:
    assert 0 < score("not bad at all") < score("very good")


@pytest.mark.parametrize(
    ("plain", "boosted"),
    [
        ("The staff was helpful", "The staff was extremely helpful"),
        ("El personal fue amable", "El personal fue muy amable"),
        ("It was bad", "It was really bad"),
    ],
)
def test_boosters_strengthen(plain: str, boosted: str) -> None:
    assert abs(score(boosted)) > abs(score(plain))


def test_contrast_gives_the_last_clause_more_weight() -> None:
    assert score("The room was nice but the staff was rude") < 0
    assert score("El personal fue grosero pero la habitación era bonita") > 0


def test_emoji_and_emoticons_carry_sentiment() -> None:
    assert score("Delivery today 😡") < 0
    assert score("Delivery today 😍") > 0
    assert score("Delivery today :(") < 0


def test_exclamation_and_capitals_add_emphasis() -> None:
    assert score("The food was good!!!") > score("The food was good")
    assert score("The food was GOOD today") > score("The food was good today")


def test_ratings_are_fused() -> None:
    neutral = analyze("I received the parcel")
    assert neutral.sentiment is Sentiment.NEUTRAL
    rated = analyze("I received the parcel", nps=1)
    assert rated.sentiment is Sentiment.NEGATIVE and rated.rating_score is not None
    assert analyze("Great!", csat=1).score < analyze("Great!").score
    assert rating_score(nps=10) == 1.0 and rating_score(nps=7) == 0.0 and rating_score() is None
    assert rating_score(csat=1, ces=7) == 0.0


def test_kinds_and_urgency() -> None:
    assert analyze("The app keeps crashing").kind is FeedbackKind.COMPLAINT
    assert analyze("Please add a dark mode").kind is FeedbackKind.SUGGESTION
    assert analyze("¿A qué hora abren?").kind is FeedbackKind.QUESTION
    assert analyze("Thanks, great job!").kind is FeedbackKind.PRAISE
    legal = analyze("My lawyer will hear about this")
    assert "legal" in legal.risks and legal.urgency is Urgency.CRITICAL
    assert any(cue.startswith("risk:legal") for cue in legal.cues)


def test_repeat_contact_only_counts_when_asking() -> None:
    assert "repeat_contact" in analyze("Third time I write, still no refund").risks
    assert "repeat_contact" not in analyze("We will come back again, lovely place!").risks


def test_follow_up_intent() -> None:
    assert analyze("Please call me back").follow_up_intent
    assert analyze("Llámenme al celular").follow_up_intent
    assert not analyze("I called the shop yesterday").follow_up_intent


def test_key_phrases_keep_accents() -> None:
    result = analyze("La atención telefónica es lenta")
    assert any("telefónica" in phrase for phrase in result.key_phrases)


def test_to_analysis() -> None:
    analysis = analyze("Terrible delivery, call me").to_analysis("mine")
    assert analysis.language == "en" and analysis.sentiment is Sentiment.NEGATIVE
    assert analysis.follow_up_intent is True and analysis.analyzers == ("mine",)
    assert analyze("12345").to_analysis().language is None


def test_other_languages_and_hints() -> None:
    assert analyze("Não gostei do produto, muito ruim").language == "pt"
    assert analyze("12345").language == "und"
    assert analyze("bueno", "es-MX").language == "es"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ((b"bytes",), "text"),
        (("ok", ""), "language"),
        (("ok", "e5!"), "language"),
    ],
)
def test_bad_input_names_the_field(arguments: tuple[object, ...], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        analyze(*arguments)  # type: ignore[arg-type]
    assert error.value.field == field


@pytest.mark.parametrize(("name", "value"), [("nps", 11), ("csat", 0), ("ces", True)])
def test_bad_ratings_name_the_field(name: str, value: object) -> None:
    with pytest.raises(ValidationError) as error:
        analyze("ok", **{name: value})  # type: ignore[arg-type]
    assert error.value.field == name


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # no function word tells: the words only one language's lexicon gives a meaning to do
        ("Vaya desastre", "es"),
        ("Caro, lento", "es"),
        ("no me deja entrar", "es"),
        ("Estafa", "es"),
        ("Lousy", "en"),
        ("Scam", "en"),
        # a word both lexicons feel about tells neither: plain Latin letters read as English
        ("Horrible", "en"),
    ],
)
def test_short_texts_are_told_by_the_words_only_one_lexicon_reads(text: str, language: str) -> None:
    assert detect_language(text) == language
    assert detect_language(text, candidates=("es", "en")) == language


def test_detect_language_validates() -> None:
    assert detect_language("the cat is on the table") == "en"
    assert detect_language("el gato está en la mesa", candidates=("es", "en")) == "es"
    with pytest.raises(ValidationError):
        detect_language("x", candidates=("xx",))
    with pytest.raises(ValidationError):
        detect_language(3)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from([None, "es", "en", "pt"]))
def test_any_text_gives_a_valid_result(text: str, language: str | None) -> None:
    result = analyze(text, language)
    assert isinstance(result, TextAnalysis)
    assert -1.0 <= result.score <= 1.0
    assert result.risks <= {
        "cancellation",
        "legal",
        "safety",
        "repeat_contact",
        "fraud",
        "public_exposure",
    }
    result.to_analysis()  # always a valid Analysis
