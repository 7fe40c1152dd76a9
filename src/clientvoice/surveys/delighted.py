"""The ``delighted`` survey backend: Delighted sends the survey, its webhook brings the score back.

:meth:`DelightedBackend.invite` gives the body to post to Delighted's people API
(``POST https://api.delighted.com/v1/people.json``), with the token in the person's properties
(``clientvoice_token``); Delighted keeps those properties and returns them in every webhook as
``person_properties``. Its webhooks (``survey_response.created`` when a score is given,
``survey_response.updated`` when it changes or a comment is added) are signed with the account's
API key: header ``X-Delighted-Webhook-Signature: sha256=<hex HMAC-SHA256(api key, body)>``
(documented at https://app.delighted.com/docs/api/webhooks).

One response per invitation: the first webhook of a response is the answer, and its score is
the one counted. A later ``updated`` webhook of the same response (same response id) is a
duplicate, except for words the customer added since (a comment written after the score): those
are stored as feedback of their own, in the answer's thread (see
:meth:`Surveys.answer <clientvoice.Surveys.answer>`). Another response to the same
invitation is refused as a reused token and kept in the dead letters.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from clientvoice.errors import ConfigurationError, SignatureError, ValidationError
from clientvoice.surveys import InvitationLink, SurveyResponse
from clientvoice.surveys._webhooks import check_signature, json_object, parse_time, same, secret
from clientvoice.surveys.definitions import Survey
from clientvoice.surveys.invitations import Invitation

__all__ = ["RESPONSE_EVENTS", "SIGNATURE_HEADER", "DelightedBackend", "sign_delighted"]

SIGNATURE_HEADER = "X-Delighted-Webhook-Signature"
RESPONSE_EVENTS = frozenset({"survey_response.created", "survey_response.updated"})
"""The webhook events that carry a response; others (``unsubscribe.created``) carry none."""

_SCORES = ("nps", "csat", "ces")


def sign_delighted(api_key: str | bytes, body: bytes) -> str:
    """The ``X-Delighted-Webhook-Signature`` value Delighted sends for ``body``."""
    key = api_key.encode("utf-8") if isinstance(api_key, str) else api_key
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


class DelightedBackend:
    """Surveys sent by Delighted.

    :param api_key: the Delighted API key, which also signs the webhooks; without it every
        webhook is refused by :meth:`verify`.
    :param name: the backend's name.
    :param token_property: the person property that carries the token.
    """

    def __init__(
        self,
        api_key: str | bytes | None = None,
        *,
        name: str = "delighted",
        token_property: str = "clientvoice_token",
    ) -> None:
        try:
            self._key = secret(api_key, "delighted")
        except ValidationError as error:
            raise ConfigurationError(str(error)) from None
        self.name = name
        self.token_property = token_property

    def __repr__(self) -> str:
        return f"DelightedBackend(name={self.name!r})"

    def invite(self, invitation: Invitation, token: str, survey: Survey) -> InvitationLink:
        """The people-API body that makes Delighted survey the customer, carrying the token."""
        payload: dict[str, Any] = {
            "properties": {
                self.token_property: token,
                "clientvoice_invitation": invitation.id,
                "locale": invitation.language,
            }
        }
        if invitation.channel in ("sms", "phone"):
            payload["phone_number"] = invitation.to
            payload["channel"] = "sms"
        else:
            payload["email"] = invitation.to
        return InvitationLink(payload=payload)

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check ``X-Delighted-Webhook-Signature`` against the raw body.

        :raises SignatureError: when it is missing, malformed or does not match.
        """
        given, raw = check_signature(headers, body, SIGNATURE_HEADER, self._key, self.name)
        assert self._key is not None
        if not same(given, sign_delighted(self._key, raw)):
            raise SignatureError(SIGNATURE_HEADER, given[:20], "does not match the body")

    def parse(self, payload: Any, headers: Mapping[str, str] | None = None) -> list[SurveyResponse]:
        """The response in one webhook (none for events that carry no response).

        The score is the answer to the question named by ``survey_type`` (``nps``, ``csat`` or
        ``ces``), the comment the answer to ``comment``; additional answers are keyed by their
        Delighted question id.

        :raises ValidationError: naming the field, when the payload is not a Delighted webhook.
        """
        data = json_object(payload)
        event = data.get("event_type")
        if not isinstance(event, str):
            raise ValidationError("event_type", event, "must name the event")
        if event not in RESPONSE_EVENTS:
            return []
        response = data.get("event_data")
        if not isinstance(response, Mapping):
            raise ValidationError("event_data", response, "must be an object")
        response_id = response.get("id")
        if not isinstance(response_id, (str, int)) or isinstance(response_id, bool):
            raise ValidationError("event_data.id", response_id, "must be the response id")
        answers: dict[str, Any] = {}
        kind = response.get("survey_type")
        score = response.get("score")
        if kind in _SCORES and score is not None:
            answers[str(kind)] = score
        elif score is not None:
            answers[f"{kind}_score"] = score
        comment = response.get("comment")
        if isinstance(comment, str) and comment.strip():
            answers["comment"] = comment
        for index, extra in enumerate(response.get("additional_answers") or []):
            key, value = _additional(extra, f"event_data.additional_answers[{index}]")
            answers[key] = value
        properties = response.get("person_properties") or {}
        if not isinstance(properties, Mapping):
            raise ValidationError("event_data.person_properties", properties, "must be an object")
        token = properties.get(self.token_property)
        return [
            SurveyResponse(
                token=token if isinstance(token, str) and token else None,
                answers=answers,
                external_id=f"{self.name}:{response_id}",
                submitted_at=parse_time(response.get("created_at"), "event_data.created_at"),
                strict=False,
            )
        ]


def _additional(extra: Any, where: str) -> tuple[str, Any]:
    if not isinstance(extra, Mapping):
        raise ValidationError(where, extra, "must be an object")
    question = extra.get("question")
    value = extra.get("value")
    if not isinstance(question, Mapping) or not isinstance(question.get("id"), str):
        raise ValidationError(f"{where}.question", question, "must name the question")
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where}.value", value, "must be an object")
    for name in ("free_response", "scale"):
        if value.get(name) is not None:
            return question["id"], value[name]
    one = value.get("select_one")
    if isinstance(one, Mapping):
        return question["id"], one.get("text")
    many = value.get("select_many")
    if isinstance(many, list):
        return question["id"], [item.get("text") for item in many if isinstance(item, Mapping)]
    return question["id"], None
