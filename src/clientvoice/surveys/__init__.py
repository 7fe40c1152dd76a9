"""Survey backends: the tools that ask customers for their scores and comments.

A survey backend is a plugin object registered through the ``clientvoice_register_survey_backends``
hook (:class:`SurveyBackend`). It does two things:

``invite(invitation, token, survey)``
    turns an :class:`~clientvoice.surveys.invitations.Invitation` and its signed token into what
    reaches the customer: an :class:`InvitationLink` with a URL to put in a message, or a payload
    for the tool's own API (which then sends its own e-mail).
``parse(payload, headers)``
    turns what the tool posts back (a form submission, a webhook body) into
    :class:`SurveyResponse` items, each carrying the token it answers. It is pure: no I/O and no
    clock reads; a payload it cannot read raises :class:`~clientvoice.ValidationError`.

A backend whose tool signs its requests also has ``verify(headers, body)``
(:class:`SignedSurveyBackend`), which raises :class:`~clientvoice.SignatureError` for a request
that is not authentic. Built-in backends (``link``, ``typeform``, ``delighted``) register through
the same hook as third-party ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import attrs

from clientvoice.errors import ValidationError
from clientvoice.surveys.definitions import (
    SCALES,
    Choice,
    Question,
    QuestionKind,
    Survey,
    ces_survey,
    csat_survey,
    nps_survey,
)
from clientvoice.surveys.invitations import (
    Contact,
    ContactBudget,
    ContactHistory,
    Decision,
    Invitation,
    InvitationPolicy,
    MemoryContactHistory,
    Occasion,
    QuietHours,
    Reason,
    Trigger,
)
from clientvoice.surveys.tokens import TokenClaims, TokenSigner

__all__ = [
    "SCALES",
    "Choice",
    "Contact",
    "ContactBudget",
    "ContactHistory",
    "Decision",
    "Invitation",
    "InvitationLink",
    "InvitationPolicy",
    "MemoryContactHistory",
    "Occasion",
    "Question",
    "QuestionKind",
    "QuietHours",
    "Reason",
    "SignedSurveyBackend",
    "Survey",
    "SurveyBackend",
    "SurveyResponse",
    "TokenClaims",
    "TokenSigner",
    "Trigger",
    "ces_survey",
    "csat_survey",
    "nps_survey",
]


@attrs.frozen
class InvitationLink:
    """What a backend gives to invite one customer.

    ``url`` is the link to put in the invitation message (the host's own form, a Typeform
    share link...); ``payload`` is a request body for the tool's API when the tool sends its
    own invitation (Delighted). At least one of them is set.
    """

    url: str | None = None
    payload: Mapping[str, Any] | None = None

    def __attrs_post_init__(self) -> None:
        if self.url is None and self.payload is None:
            raise ValidationError("url", None, "an invitation needs a url or a payload")
        if self.url is not None and (type(self.url) is not str or not self.url):
            raise ValidationError("url", self.url, "must be a non-empty string")
        if self.payload is not None and not isinstance(self.payload, Mapping):
            raise ValidationError("payload", self.payload, "must be a mapping")


def _answers(value: Any) -> Any:
    return dict(value) if isinstance(value, Mapping) else value


@attrs.frozen
class SurveyResponse:
    """One response as a backend read it, before it is checked against its token and survey.

    :param token: the survey token the response carries (a hidden field, a link parameter), or
        None when it carries none (then it is refused, with that reason).
    :param answers: answers by question id. For a ``strict`` response every key must be a
        question of the survey; otherwise keys that are not are kept aside in the feedback's
        metadata (a vendor's form often asks more than the survey defines).
    :param external_id: the tool's id for this response, so the same response heard twice is
        stored once.
    :param submitted_at: when the customer answered, if the tool says.
    :param strict: whether unknown answer keys are an error (True for forms the host serves).
    :param form: whether the answers are HTML form text, to be read with
        :meth:`~clientvoice.surveys.definitions.Survey.read_form` (``"9"`` is a score of 9).
    """

    token: str | None
    answers: Mapping[str, Any] = attrs.field(factory=dict, converter=_answers)
    external_id: str | None = None
    submitted_at: datetime | None = None
    strict: bool = True
    form: bool = False

    def __attrs_post_init__(self) -> None:
        if self.token is not None and type(self.token) is not str:
            raise ValidationError("token", self.token, "must be text or None")
        if not isinstance(self.answers, Mapping):
            raise ValidationError("answers", self.answers, "must map question ids to answers")
        for key in self.answers:
            if type(key) is not str:
                raise ValidationError("answers", key, "keys must be question ids (text)")
        if self.external_id is not None and (
            type(self.external_id) is not str or not self.external_id
        ):
            raise ValidationError("external_id", self.external_id, "must be non-empty text")
        if self.submitted_at is not None and (
            not isinstance(self.submitted_at, datetime) or self.submitted_at.utcoffset() is None
        ):
            raise ValidationError(
                "submitted_at", self.submitted_at, "must be a timezone-aware datetime"
            )
        for name in ("strict", "form"):
            if type(getattr(self, name)) is not bool:
                raise ValidationError(name, getattr(self, name), "must be True or False")


@runtime_checkable
class SurveyBackend(Protocol):
    """What a survey backend plugin provides.

    ``name`` is a unique lowercase token (``"link"``, ``"typeform"``): invitation policies name
    the backend that carries their invitations.
    """

    name: str

    def invite(self, invitation: Invitation, token: str, survey: Survey) -> InvitationLink:
        """What to send the customer for ``invitation``; ``token`` must travel with it and come
        back with the response."""
        ...

    def parse(self, payload: Any, headers: Mapping[str, str]) -> Sequence[SurveyResponse]:
        """The responses in one payload the tool posted. Pure; raises
        :class:`~clientvoice.ValidationError` naming the field when it cannot be read."""
        ...


@runtime_checkable
class SignedSurveyBackend(SurveyBackend, Protocol):
    """A backend whose tool signs the requests it posts."""

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check the request's signature; raise :class:`~clientvoice.SignatureError` if it does
        not hold (or the backend has no secret to check it with)."""
        ...
