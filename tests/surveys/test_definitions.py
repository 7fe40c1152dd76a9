"""Survey definitions: scales, wording in both languages, and the checks on answers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientvoice import ValidationError
from clientvoice.surveys import (
    Choice,
    Question,
    Survey,
    ces_survey,
    csat_survey,
    nps_survey,
)

CHOICES = (Choice("price", {"en": "Price", "es": "Precio"}), Choice("staff", {"en": "Staff"}))
FULL = Survey(
    "full",
    {"en": "Everything", "es": "Todo"},
    [
        Question("nps", "nps", {"en": "Recommend?", "es": "¿Recomendaría?"}),
        Question("csat", "csat", {"en": "Satisfied?"}, required=False),
        Question("ces", "ces", {"en": "Easy?"}, required=False),
        Question("why", "text", {"en": "Why?"}, required=False, max_length=20),
        Question("best", "single_choice", {"en": "Best?"}, choices=CHOICES, required=False),
        Question("all", "multiple_choice", {"en": "All?"}, choices=CHOICES, required=False),
    ],
)


@pytest.mark.parametrize(
    ("survey", "kind", "low", "high"),
    [(nps_survey(), "nps", 0, 10), (csat_survey(), "csat", 1, 5), (ces_survey(), "ces", 1, 7)],
)
def test_score_surveys_accept_their_scale_only(survey: Survey, kind: str, low: int, high: int):
    assert survey.validate({kind: low}) == {kind: low}
    assert survey.validate({kind: high, "comment": "ok"}) == {kind: high, "comment": "ok"}
    for bad in (low - 1, high + 1, True, 5.0, "5"):
        with pytest.raises(ValidationError) as caught:
            survey.validate({kind: bad})
        assert caught.value.field == f"answers.{kind}"


def test_wording_exists_in_spanish_and_english():
    for survey in (nps_survey(), csat_survey(), ces_survey()):
        question = survey.questions[0]
        assert question.text("es") != question.text("en")
        assert question.text("es-MX") == question.text("es")
        assert question.text("fr") == question.text("en")


def test_choices_free_text_and_required_answers():
    answers = {"nps": 7, "why": "cheap", "best": "price", "all": ["price", "staff"]}
    assert FULL.validate(answers) == {**answers, "all": ("price", "staff")}
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "answers.nps"),
        ({"nps": 7, "why": "x" * 21}, "answers.why"),
        ({"nps": 7, "best": "nope"}, "answers.best"),
        ({"nps": 7, "all": ["price", "price"]}, "answers.all"),
        ({"nps": 7, "all": "price"}, "answers.all"),
        ({"nps": 7, "nsp": 7}, "answers.nsp"),
    ]
    for answers, field in cases:
        with pytest.raises(ValidationError) as caught:
            FULL.validate(answers)
        assert caught.value.field == field


def test_bad_definitions_are_refused_naming_the_field():
    with pytest.raises(ValidationError, match="choices"):
        Question("q", "single_choice", {"en": "?"})
    with pytest.raises(ValidationError, match="kind"):
        Question("q", "stars", {"en": "?"})
    with pytest.raises(ValidationError, match="questions"):
        Survey(
            "s", {"en": "S"}, [Question("a", "nps", {"en": "?"}), Question("b", "nps", {"en": "?"})]
        )


def test_form_text_is_read_into_answers():
    read = FULL.read_form({"nps": " 9 ", "why": "", "all": "staff", "best": "price"})
    assert read == {"nps": 9, "why": None, "all": ["staff"], "best": "price"}
    assert FULL.validate(read)["all"] == ("staff",)
    with pytest.raises(ValidationError, match=r"answers\.nps"):
        FULL.validate(FULL.read_form({"nps": "9.5"}))
    with pytest.raises(ValidationError, match="several"):
        FULL.read_form({"nps": ["1", "2"]})


@given(
    st.dictionaries(
        st.sampled_from(["nps", "csat", "ces", "why", "best", "all", "other"])
        | st.text(max_size=5),
        st.none()
        | st.integers(-5, 15)
        | st.booleans()
        | st.floats(allow_nan=True)
        | st.text(max_size=30)
        | st.lists(st.text(max_size=6), max_size=3),
    )
    | st.integers()
    | st.text()
)
def test_validate_never_crashes_and_names_the_question(answers: Any):
    try:
        checked = FULL.validate(answers)
    except ValidationError as error:
        assert error.field == "answers" or error.field.startswith("answers.")
        return
    assert 0 <= checked["nps"] <= 10
    for kind, (low, high) in (("csat", (1, 5)), ("ces", (1, 7))):
        if kind in checked:
            assert low <= checked[kind] <= high


@given(st.dictionaries(st.text(max_size=6), st.text(max_size=6) | st.lists(st.text(max_size=4))))
def test_read_form_never_crashes(fields: dict[str, Any]):
    try:
        FULL.validate(FULL.read_form(fields))
    except ValidationError as error:
        assert error.field.startswith("answers")
