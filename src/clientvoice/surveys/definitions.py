"""Survey definitions: the questions a survey asks, in Spanish and English, and their answer rules.

A :class:`Survey` is a list of :class:`Question` objects. Each question has a kind that fixes what
an answer may be:

=================== ==========================================================
``nps``             a whole number from 0 to 10 ("how likely are you to recommend us?")
``csat``            a whole number from 1 to 5 ("how satisfied are you?")
``ces``             a whole number from 1 to 7 ("it was easy to ...", 7 = strongly agree)
``text``            free text (at most ``max_length`` characters)
``single_choice``   the id of one of the question's choices
``multiple_choice`` a list of distinct choice ids
=================== ==========================================================

:meth:`Survey.validate` checks a whole submission and raises
:class:`~clientvoice.ValidationError` whose field is ``answers.<question id>``, so the person who
filled the form can be told which answer to fix. :func:`nps_survey`, :func:`csat_survey` and
:func:`ces_survey` build the usual one-score surveys (with an optional comment) in both languages.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any

import attrs

from clientvoice.errors import ValidationError

__all__ = [
    "SCALES",
    "Choice",
    "Question",
    "QuestionKind",
    "Survey",
    "ces_survey",
    "csat_survey",
    "nps_survey",
]


class QuestionKind(str, enum.Enum):
    """What kind of answer a question takes."""

    NPS = "nps"
    CSAT = "csat"
    CES = "ces"
    TEXT = "text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"


SCALES: Mapping[QuestionKind, tuple[int, int]] = {
    QuestionKind.NPS: (0, 10),
    QuestionKind.CSAT: (1, 5),
    QuestionKind.CES: (1, 7),
}
"""The inclusive range of each score kind."""

_ID = re.compile(r"^[a-z][a-z0-9_\-]{0,63}$")


def _identifier(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str or not _ID.match(value):
        raise ValidationError(
            attribute.name,
            value,
            "must be a lowercase id of letters, digits, '_' or '-', starting with a letter",
        )


def _wording(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Mapping) or not value:
        raise ValidationError(
            attribute.name, value, "must map language codes to text, e.g. {'en': ..., 'es': ...}"
        )
    for language, text in value.items():
        if type(language) is not str or not language or type(text) is not str or not text:
            raise ValidationError(
                f"{attribute.name}.{language}", text, "must be a non-empty text per language"
            )


def _kind(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, QuestionKind):
        try:
            return QuestionKind(value)
        except ValueError:
            return value
    return value


def _is_kind(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, QuestionKind):
        choices = ", ".join(kind.value for kind in QuestionKind)
        raise ValidationError(attribute.name, value, f"must be one of {choices}")


def _dict(value: Any) -> Any:
    return dict(value) if isinstance(value, Mapping) else value


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, (list, tuple)) else value


@attrs.frozen
class Choice:
    """One option of a choice question: an ``id`` answers carry, and its label per language."""

    id: str = attrs.field(validator=_identifier)
    label: Mapping[str, str] = attrs.field(converter=_dict, validator=_wording)

    def text(self, language: str) -> str:
        """The label in ``language`` (its base language, then English, then any)."""
        return _in_language(self.label, language)


@attrs.frozen
class Question:
    """One question of a survey.

    ``wording`` maps a language (``"es"``, ``"en"``) to the question's text. ``choices`` are
    required for choice questions and forbidden for the others. A ``required`` question must be
    answered; an optional one may be missing or None.
    """

    id: str = attrs.field(validator=_identifier)
    kind: QuestionKind = attrs.field(converter=_kind, validator=_is_kind)
    wording: Mapping[str, str] = attrs.field(converter=_dict, validator=_wording)
    choices: tuple[Choice, ...] = attrs.field(default=(), converter=_tuple)
    required: bool = attrs.field(default=True)
    max_length: int = attrs.field(default=5000)

    def __attrs_post_init__(self) -> None:
        if type(self.required) is not bool:
            raise ValidationError("required", self.required, "must be True or False")
        if type(self.max_length) is not int or self.max_length < 1:
            raise ValidationError("max_length", self.max_length, "must be a whole number >= 1")
        if type(self.choices) is not tuple or any(type(c) is not Choice for c in self.choices):
            raise ValidationError("choices", self.choices, "must be a sequence of Choice")
        is_choice = self.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
        if is_choice and not self.choices:
            raise ValidationError(
                "choices", self.choices, f"a {self.kind.value} question needs some"
            )
        if not is_choice and self.choices:
            raise ValidationError(
                "choices", self.choices, f"a {self.kind.value} question takes no choices"
            )
        ids = [choice.id for choice in self.choices]
        if len(set(ids)) != len(ids):
            raise ValidationError("choices", ids, "choice ids must be distinct")

    def text(self, language: str) -> str:
        """The question in ``language`` (its base language, then English, then any)."""
        return _in_language(self.wording, language)

    def check(self, answer: Any) -> Any:
        """``answer`` if it is a valid answer to this question (lists become tuples), else raise
        :class:`~clientvoice.ValidationError` with the field ``answers.<id>``."""
        field = f"answers.{self.id}"
        if answer is None:
            if self.required:
                raise ValidationError(field, None, "is required")
            return None
        scale = SCALES.get(self.kind)
        if scale is not None:
            low, high = scale
            # bool is an int subclass: True must never pass as a score of 1.
            if type(answer) is not int or not low <= answer <= high:
                raise ValidationError(field, answer, f"must be a whole number from {low} to {high}")
            return answer
        if self.kind is QuestionKind.TEXT:
            if type(answer) is not str:
                raise ValidationError(field, answer, "must be text")
            if len(answer) > self.max_length:
                raise ValidationError(field, answer, f"is longer than {self.max_length} characters")
            return answer
        known = [choice.id for choice in self.choices]
        if self.kind is QuestionKind.SINGLE_CHOICE:
            if type(answer) is not str or answer not in known:
                raise ValidationError(field, answer, f"must be one of {', '.join(known)}")
            return answer
        if not isinstance(answer, (list, tuple)):
            raise ValidationError(field, answer, "must be a list of choice ids")
        for item in answer:
            if type(item) is not str or item not in known:
                raise ValidationError(field, item, f"every item must be one of {', '.join(known)}")
        if len(set(answer)) != len(answer):
            raise ValidationError(field, answer, "must not repeat a choice")
        return tuple(answer)


@attrs.frozen
class Survey:
    """A survey: an ``id`` that invitations and responses name, a title and its questions.

    At most one question of each score kind (``nps``, ``csat``, ``ces``) may be asked, so that a
    response maps to one :class:`~clientvoice.Feedback` with at most one score of each kind.
    """

    id: str = attrs.field(validator=_identifier)
    title: Mapping[str, str] = attrs.field(converter=_dict, validator=_wording)
    questions: tuple[Question, ...] = attrs.field(converter=_tuple)

    def __attrs_post_init__(self) -> None:
        questions = self.questions
        if type(questions) is not tuple or not questions:
            raise ValidationError("questions", questions, "must be a non-empty list of Question")
        for question in questions:
            if type(question) is not Question:
                raise ValidationError("questions", question, "every item must be a Question")
        ids = [question.id for question in questions]
        if len(set(ids)) != len(ids):
            raise ValidationError("questions", ids, "question ids must be distinct")
        for kind in SCALES:
            if sum(1 for question in questions if question.kind is kind) > 1:
                raise ValidationError("questions", kind.value, "is asked more than once")

    def question(self, question_id: str) -> Question:
        """The question with this id, or :class:`~clientvoice.ValidationError`."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise ValidationError(
            f"answers.{question_id}", question_id, "is not a question of this survey"
        )

    def score_question(self, kind: QuestionKind | str) -> Question | None:
        """The question asking for the score ``kind`` (``"nps"``...), if the survey asks it."""
        wanted = _kind(kind)
        for question in self.questions:
            if question.kind is wanted:
                return question
        return None

    def validate(self, answers: Any) -> dict[str, Any]:
        """The submission ``answers`` (question id → answer) checked against every question.

        Unknown question ids are refused; lists become tuples; missing optional answers are
        left out.

        :raises ValidationError: naming ``answers.<question id>`` and the reason.
        """
        if not isinstance(answers, Mapping):
            raise ValidationError("answers", answers, "must map question ids to answers")
        by_id = {question.id: question for question in self.questions}
        for key in answers:
            if key not in by_id:
                raise ValidationError(
                    f"answers.{key}", answers[key], "is not a question of this survey"
                )
        checked: dict[str, Any] = {}
        for question in self.questions:
            value = question.check(answers.get(question.id))
            if value is not None:
                checked[question.id] = value
        return checked

    def read_form(self, fields: Any) -> dict[str, Any]:
        """Answers submitted by an HTML form (every value text, or a list of texts for a field
        sent several times) in the types :meth:`validate` expects.

        A score is read from its digits (``"9"`` is 9; ``"9.5"`` or ``"nine"`` stay text and
        :meth:`validate` refuses them, naming the question); an empty field is unanswered; a
        multiple-choice field sent once becomes a list of one; a field sent several times for a
        question that takes one answer is refused. Fields that are not questions are kept as
        they are, so that :meth:`validate` reports them.

        :raises ValidationError: when ``fields`` is not a mapping of names to text.
        """
        if not isinstance(fields, Mapping):
            raise ValidationError("answers", fields, "must map field names to text")
        by_id = {question.id: question for question in self.questions}
        read: dict[str, Any] = {}
        for key, value in fields.items():
            if type(key) is not str:
                raise ValidationError("answers", key, "field names must be text")
            question = by_id.get(key)
            if question is None:
                read[key] = value
                continue
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            if not all(type(item) is str for item in values):
                raise ValidationError(f"answers.{key}", value, "form fields must be text")
            values = [item.strip() for item in values if item.strip()]
            if question.kind is QuestionKind.MULTIPLE_CHOICE:
                read[key] = values or None
            elif not values:
                read[key] = None
            elif len(values) > 1:
                raise ValidationError(f"answers.{key}", value, "takes one answer, got several")
            elif question.kind in SCALES and values[0].isascii() and values[0].isdigit():
                read[key] = int(values[0])
            else:
                read[key] = values[0]
        return read


def nps_survey(survey_id: str = "nps", *, comment: bool = True) -> Survey:
    """The Net Promoter Score survey (0–10), in English and Spanish, with an optional comment."""
    return _one_score(
        survey_id,
        QuestionKind.NPS,
        {"en": "Customer recommendation", "es": "Recomendación"},
        {
            "en": "How likely are you to recommend us to a friend or colleague?",
            "es": "¿Qué probabilidad hay de que nos recomiende a un amigo o colega?",
        },
        {
            "en": "What is the main reason for your score?",
            "es": "¿Cuál es el motivo principal de su puntuación?",
        },
        comment,
    )


def csat_survey(survey_id: str = "csat", *, comment: bool = True) -> Survey:
    """The customer satisfaction survey (1–5), in English and Spanish, with an optional comment."""
    return _one_score(
        survey_id,
        QuestionKind.CSAT,
        {"en": "Customer satisfaction", "es": "Satisfacción"},
        {
            "en": "How satisfied are you with the service you received?",
            "es": "¿Qué tan satisfecho está con la atención recibida?",
        },
        {"en": "What could we have done better?", "es": "¿Qué podríamos haber hecho mejor?"},
        comment,
    )


def ces_survey(survey_id: str = "ces", *, comment: bool = True) -> Survey:
    """The customer effort survey (1–7, 7 = very easy), in English and Spanish."""
    return _one_score(
        survey_id,
        QuestionKind.CES,
        {"en": "Customer effort", "es": "Esfuerzo del cliente"},
        {
            "en": "The company made it easy for me to handle my issue.",
            "es": "La empresa me facilitó resolver mi gestión.",
        },
        {
            "en": "What made it easy or hard?",
            "es": "¿Qué lo hizo fácil o difícil?",
        },
        comment,
    )


# --------------------------------------------------------------------------------------------


def _one_score(
    survey_id: str,
    kind: QuestionKind,
    title: Mapping[str, str],
    score: Mapping[str, str],
    why: Mapping[str, str],
    comment: bool,
) -> Survey:
    questions: list[Question] = [Question(kind.value, kind, score)]
    if comment:
        questions.append(Question("comment", QuestionKind.TEXT, why, required=False))
    return Survey(survey_id, title, questions)


def _in_language(texts: Mapping[str, str], language: str) -> str:
    if language in texts:
        return texts[language]
    base = language.replace("_", "-").split("-")[0].lower()
    for candidate in (base, "en"):
        if candidate in texts:
            return texts[candidate]
    return next(iter(texts.values()))
