"""A clientvoice survey backend for Pollster, a (fictional) hosted survey tool."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import clientvoice
from clientvoice.surveys import Invitation, InvitationLink, Survey, SurveyResponse

__all__ = ["PollsterBackend", "clientvoice_register_survey_backends", "sign"]

SIGNATURE_HEADER = "X-Pollster-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature Pollster sends with ``body``: hex HMAC-SHA256 under the shared secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class PollsterBackend:
    """Surveys hosted by Pollster.

    :param survey_url: the Pollster survey page; the token goes in its ``t`` parameter.
    :param secret: the secret shared with Pollster, which signs every posted response.
    """

    name = "pollster"

    def __init__(self, survey_url: str | None = None, *, secret: str | None = None) -> None:
        self.survey_url = survey_url
        self.secret = secret

    def invite(self, invitation: Invitation, token: str, survey: Survey) -> InvitationLink:
        """A link to the Pollster page, carrying the token and the customer's language."""
        if self.survey_url is None:
            raise clientvoice.ConfigurationError("PollsterBackend needs its survey_url")
        query = urlencode({"t": token, "lang": invitation.language})
        return InvitationLink(url=f"{self.survey_url}?{query}")

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Refuse a posted response whose signature does not match its body."""
        given = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), None)
        if self.secret is None:
            raise clientvoice.SignatureError(SIGNATURE_HEADER, None, "no secret configured")
        if not given:
            raise clientvoice.SignatureError(SIGNATURE_HEADER, None, "is missing")
        if not hmac.compare_digest(given.encode(), sign(self.secret, body).encode()):
            raise clientvoice.SignatureError(SIGNATURE_HEADER, given[:12], "does not match")

    def parse(self, payload: Any, headers: Mapping[str, str]) -> list[SurveyResponse]:
        """The one response in a posted body (bytes, text or an already-decoded dict)."""
        if isinstance(payload, (bytes, str)):
            try:
                payload = json.loads(payload)
            except (ValueError, RecursionError):
                raise clientvoice.ValidationError("payload", "...", "is not JSON") from None
        if not isinstance(payload, dict):
            raise clientvoice.ValidationError("payload", payload, "must be a JSON object")
        answers = payload.get("answers")
        if not isinstance(answers, dict) or not all(isinstance(k, str) for k in answers):
            raise clientvoice.ValidationError("answers", answers, "must be an object")
        response_id = payload.get("response_id")
        if not isinstance(response_id, str) or not response_id:
            raise clientvoice.ValidationError("response_id", response_id, "is required")
        token = payload.get("token")
        when = payload.get("submitted_at")
        try:
            submitted = datetime.fromisoformat(when.replace("Z", "+00:00")) if when else None
        except (AttributeError, ValueError):
            raise clientvoice.ValidationError("submitted_at", when, "is not a date") from None
        if submitted is not None and submitted.utcoffset() is None:
            raise clientvoice.ValidationError("submitted_at", when, "needs a time zone")
        return [
            SurveyResponse(
                token=token if isinstance(token, str) and token else None,
                answers=answers,
                external_id=f"pollster:{response_id}",
                submitted_at=submitted,
            )
        ]


@clientvoice.hookimpl
def clientvoice_register_survey_backends(register: Callable[[object], None]) -> None:
    """Register an unconfigured Pollster backend (the host registers a configured one)."""
    register(PollsterBackend())
