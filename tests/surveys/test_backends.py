"""The built-in survey backends pass the contract and read the payloads their vendors publish."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from clientvoice import Listener, SignatureError, ValidationError, hookimpl
from clientvoice.surveys import Question, Survey
from clientvoice.surveys.delighted import DelightedBackend, sign_delighted
from clientvoice.surveys.link import LinkBackend
from clientvoice.surveys.typeform import TypeformBackend, sign_typeform
from clientvoice.testing.surveys import Respond, SurveyBackendContract

DATA = Path(__file__).resolve().parents[1] / "data" / "surveys"
SECRET = "whsec-test-0123456789abcdef"


class TestLinkBackend(SurveyBackendContract):
    @pytest.fixture
    def backend(self) -> LinkBackend:
        return LinkBackend("https://shop.example/survey?src=mail")

    @pytest.fixture
    def respond(self) -> Respond:
        def respond(token: str, answers: Mapping[str, Any]) -> tuple[Any, dict[str, str], bytes]:
            fields = {"token": token, **{key: str(value) for key, value in answers.items()}}
            return fields, {}, b""

        return respond


class TestTypeformBackend(SurveyBackendContract):
    @pytest.fixture
    def backend(self) -> TypeformBackend:
        return TypeformBackend("https://acme.typeform.com/to/lT4Z3j", secret=SECRET)

    @pytest.fixture
    def respond(self) -> Respond:
        def respond(token: str, answers: Mapping[str, Any]) -> tuple[Any, dict[str, str], bytes]:
            sample = json.loads((DATA / "typeform" / "form_response.json").read_text())
            response = sample["form_response"]
            response["hidden"] = {"token": token}
            response["answers"] = [
                {
                    "type": "number",
                    "number": value,
                    "field": {"id": "f1", "type": "opinion_scale", "ref": key},
                }
                if isinstance(value, int)
                else {
                    "type": "text",
                    "text": value,
                    "field": {"id": "f2", "type": "long_text", "ref": key},
                }
                for key, value in answers.items()
            ]
            body = json.dumps(sample).encode()
            return body, {"Typeform-Signature": sign_typeform(SECRET, body)}, body

        return respond


class TestDelightedBackend(SurveyBackendContract):
    @pytest.fixture
    def backend(self) -> DelightedBackend:
        return DelightedBackend(SECRET)

    @pytest.fixture
    def respond(self) -> Respond:
        def respond(token: str, answers: Mapping[str, Any]) -> tuple[Any, dict[str, str], bytes]:
            sample = json.loads((DATA / "delighted" / "survey_response_updated.json").read_text())
            data = sample["event_data"]
            data["person_properties"] = {"clientvoice_token": token}
            data["score"] = answers.get("nps")
            data["comment"] = answers.get("comment")
            data["additional_answers"] = []
            body = json.dumps(sample).encode()
            return body, {"X-Delighted-Webhook-Signature": sign_delighted(SECRET, body)}, body

        return respond


def test_the_published_typeform_sample_is_read():
    body = (DATA / "typeform" / "form_response.json").read_bytes()
    backend = TypeformBackend(secret=SECRET)
    backend.verify({"typeform-signature": sign_typeform(SECRET, body)}, body)
    (response,) = backend.parse(body, {})
    assert response.token is None  # the sample carries user_id, not a survey token
    assert response.external_id == "typeform:a3a12ec67a1365927098a606107fac15"
    assert response.submitted_at is not None and response.submitted_at.year == 2018
    assert response.answers["readable_ref_opinion_scale"] == 2
    assert response.answers["readable_ref_picture_choice"] == ["London", "Sydney"]
    assert response.answers["readable_ref_multiple_choice"] == "London"
    assert response.answers["readable_ref_long_text"].startswith("It's cold")
    survey = Survey(
        "city",
        {"en": "City"},
        [
            Question("readable_ref_opinion_scale", "csat", {"en": "Weather?"}),
            Question("readable_ref_long_text", "text", {"en": "Where?"}, required=False),
        ],
    )
    known = {question.id: response.answers[question.id] for question in survey.questions}
    assert survey.validate(known)["readable_ref_opinion_scale"] == 2


def test_the_published_delighted_sample_is_read():
    body = (DATA / "delighted" / "survey_response_updated.json").read_bytes()
    backend = DelightedBackend(SECRET)
    backend.verify({"X-Delighted-Webhook-Signature": sign_delighted(SECRET, body)}, body)
    (response,) = backend.parse(body, {})
    assert response.token is None  # person_properties is null in the sample
    assert response.answers["nps"] == 9
    assert response.answers["comment"] == "Your service is fast and flawless!"
    assert response.answers["enum_z9EvYV"] == ["Convenience", "Friendly staff"]
    assert response.external_id == "delighted:5435"
    assert backend.parse({"event_type": "unsubscribe.created", "event_data": {}}, {}) == []


@pytest.mark.parametrize(
    ("backend", "header"),
    [
        (TypeformBackend(secret=SECRET), "Typeform-Signature"),
        (DelightedBackend(SECRET), "X-Delighted-Webhook-Signature"),
    ],
)
def test_forged_and_unsigned_webhooks_are_refused(backend: Any, header: str):
    body = b'{"event_type": "form_response"}'
    with pytest.raises(SignatureError, match="missing"):
        backend.verify({}, body)
    with pytest.raises(SignatureError, match="does not match"):
        backend.verify({header: "sha256=AAAA"}, body)
    unconfigured = type(backend)()
    with pytest.raises(SignatureError, match="no secret"):
        unconfigured.verify({header: "sha256=AAAA"}, body)


def test_bad_payloads_are_refused_naming_the_field():
    typeform = TypeformBackend()
    with pytest.raises(ValidationError, match="event_type"):
        typeform.parse({"event_type": "ping"}, {})
    with pytest.raises(ValidationError, match="nested"):
        typeform.parse("[" * 100_000, {})
    with pytest.raises(ValidationError, match="payload"):
        LinkBackend().parse(b"\xff\xfe", {})


def test_built_in_backends_register_through_the_hook_unconfigured():
    listener = Listener(autoload=False)
    assert {"link", "typeform", "delighted"} <= set(listener.survey_backends.names())
    host = LinkBackend("https://host.example/s")

    class Host:
        @hookimpl
        def clientvoice_register_survey_backends(self, register: Any) -> None:
            register(host)

    listener = Listener(plugins=[Host()], autoload=False)
    assert listener.survey_backends["link"] is host
