"""The ``typeform`` survey backend: invitations open a Typeform, its webhook brings answers back.

Build the typeform with a hidden field named ``token`` and give each question the *reference*
(``ref``) of the clientvoice question it asks (``nps``, ``comment``...). :meth:`invite` gives the
share link with the token in its ``#token=...`` fragment, which is how Typeform passes hidden
fields. Typeform posts each ``form_response`` to the host's webhook address, signed with the
webhook's secret: header ``Typeform-Signature: sha256=<base64 of HMAC-SHA256(secret, body)>``
(Typeform developer documentation, "Webhooks: secure your webhooks"; the payload format is at
https://www.typeform.com/developers/webhooks/example-payload/).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from clientvoice.errors import ConfigurationError, SignatureError, ValidationError
from clientvoice.surveys import InvitationLink, SurveyResponse
from clientvoice.surveys._webhooks import check_signature, json_object, parse_time, same, secret
from clientvoice.surveys.definitions import Survey
from clientvoice.surveys.invitations import Invitation

__all__ = ["SIGNATURE_HEADER", "TypeformBackend", "sign_typeform"]

SIGNATURE_HEADER = "Typeform-Signature"


def sign_typeform(secret_key: str | bytes, body: bytes) -> str:
    """The ``Typeform-Signature`` value Typeform sends for ``body`` (for tests and tools)."""
    key = secret_key.encode("utf-8") if isinstance(secret_key, str) else secret_key
    digest = hmac.new(key, body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


class TypeformBackend:
    """Surveys run on Typeform.

    :param form_url: the typeform's share link (``https://acme.typeform.com/to/lT4Z3j``); None
        leaves :meth:`invite` unconfigured.
    :param secret: the webhook's secret; without it every request is refused by :meth:`verify`.
    :param name: the backend's name.
    :param hidden_field: the hidden field that carries the token.
    """

    def __init__(
        self,
        form_url: str | None = None,
        *,
        secret: str | bytes | None = None,
        name: str = "typeform",
        hidden_field: str = "token",
    ) -> None:
        if form_url is not None and (
            not isinstance(form_url, str) or urlsplit(form_url).scheme != "https"
        ):
            raise ConfigurationError(f"a typeform link must be an https address, got {form_url!r}")
        self.form_url = form_url
        self._secret = _secret(secret)
        self.name = name
        self.hidden_field = hidden_field

    def __repr__(self) -> str:
        return f"TypeformBackend({self.form_url!r}, name={self.name!r})"

    def invite(self, invitation: Invitation, token: str, survey: Survey) -> InvitationLink:
        """The share link with the token as a hidden field."""
        if self.form_url is None:
            raise ConfigurationError(
                "the built-in 'typeform' backend has no form link: register "
                "TypeformBackend('https://you.typeform.com/to/ID', secret=...) from a host plugin"
            )
        return InvitationLink(url=f"{self.form_url}#{self.hidden_field}={quote(token, safe='')}")

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check ``Typeform-Signature`` against the raw body.

        :raises SignatureError: when the header is missing or does not match, or no secret was
            configured.
        """
        given, raw = check_signature(headers, body, SIGNATURE_HEADER, self._secret, self.name)
        assert self._secret is not None  # check_signature refuses without one
        if not same(given, sign_typeform(self._secret, raw)):
            raise SignatureError(SIGNATURE_HEADER, given[:20], "does not match the body")

    def parse(self, payload: Any, headers: Mapping[str, str] | None = None) -> list[SurveyResponse]:
        """The response in one ``form_response`` webhook.

        Answers are keyed by their field's ``ref`` (taken from the form definition when the
        answer does not repeat it): numbers (opinion scale, rating, number) stay numbers, texts
        text, a choice its ``ref`` when it has one, else its label.

        :raises ValidationError: naming the field, when the payload is not a form response.
        """
        data = json_object(payload)
        if data.get("event_type") != "form_response":
            raise ValidationError("event_type", data.get("event_type"), "must be 'form_response'")
        response = data.get("form_response")
        if not isinstance(response, Mapping):
            raise ValidationError("form_response", response, "must be an object")
        refs = _refs(response.get("definition"))
        answers: dict[str, Any] = {}
        listed = response.get("answers", [])
        if not isinstance(listed, list):
            raise ValidationError("form_response.answers", listed, "must be a list")
        for index, answer in enumerate(listed):
            where = f"form_response.answers[{index}]"
            if not isinstance(answer, Mapping) or not isinstance(answer.get("field"), Mapping):
                raise ValidationError(where, answer, "must be an answer with its field")
            field = answer["field"]
            ref = field.get("ref") or refs.get(field.get("id"))
            if not isinstance(ref, str) or not ref:
                raise ValidationError(f"{where}.field", field, "has no ref")
            answers[ref] = _value(answer, where)
        hidden = response.get("hidden") or {}
        if not isinstance(hidden, Mapping):
            raise ValidationError("form_response.hidden", hidden, "must be an object")
        token = hidden.get(self.hidden_field)
        response_id = response.get("token")
        if not isinstance(response_id, str) or not response_id:
            raise ValidationError("form_response.token", response_id, "must be the response id")
        return [
            SurveyResponse(
                token=token if isinstance(token, str) and token else None,
                answers=answers,
                external_id=f"{self.name}:{response_id}",
                submitted_at=parse_time(response.get("submitted_at"), "form_response.submitted_at"),
                strict=False,
            )
        ]


def _secret(value: str | bytes | None) -> bytes | None:
    try:
        return secret(value, "typeform")
    except ValidationError as error:
        raise ConfigurationError(str(error)) from None


def _refs(definition: Any) -> dict[Any, str]:
    if not isinstance(definition, Mapping) or not isinstance(definition.get("fields"), list):
        return {}
    return {
        field.get("id"): field["ref"]
        for field in definition["fields"]
        if isinstance(field, Mapping) and isinstance(field.get("ref"), str) and field["ref"]
    }


def _value(answer: Mapping[str, Any], where: str) -> Any:
    kind = answer.get("type")
    if kind == "choice":
        return _choice(answer.get("choice"), where)
    if kind == "choices":
        choices = answer.get("choices")
        if not isinstance(choices, Mapping):
            raise ValidationError(f"{where}.choices", choices, "must be an object")
        refs = choices.get("refs")
        labels = refs if isinstance(refs, list) else choices.get("labels", [])
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise ValidationError(f"{where}.choices", choices, "must list the choices")
        return list(labels)
    if not isinstance(kind, str) or kind not in answer:
        raise ValidationError(f"{where}.type", kind, "does not name the answer's value")
    value = answer[kind]
    if isinstance(value, (dict, list)):
        raise ValidationError(f"{where}.{kind}", value, "is not a plain value")
    return value


def _choice(choice: Any, where: str) -> str:
    if not isinstance(choice, Mapping):
        raise ValidationError(f"{where}.choice", choice, "must be an object")
    value = choice.get("ref") or choice.get("label") or choice.get("other")
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{where}.choice", choice, "has no ref or label")
    return value
