"""The ``link`` survey backend: the host application serves the form, clientvoice the link.

:meth:`LinkBackend.invite` gives ``https://host/path?token=...``; the host shows its own form at
that address (a survey's questions and wording come from
:class:`~clientvoice.surveys.definitions.Survey`) and posts what was submitted, as a mapping of
field names to text or as the raw ``application/x-www-form-urlencoded`` body, to
:meth:`LinkBackend.parse`. The token travels in the ``token`` field (a hidden input). Nothing is
signed by a third party here: the token itself is the proof.

Every other field is an answer, by question id, and a field the survey does not ask about is
refused (a tampered form is not stored). The host's own fields that are not answers (a CSRF
token, a honeypot, a submit button's name) are named in ``ignore``: they are dropped unread::

    LinkBackend("https://shop.example/encuesta", ignore={"csrf_token"})
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from clientvoice.errors import ConfigurationError, ValidationError
from clientvoice.surveys import InvitationLink, SurveyResponse
from clientvoice.surveys.definitions import Survey
from clientvoice.surveys.invitations import Invitation

__all__ = ["MAX_FORM_BYTES", "LinkBackend"]

MAX_FORM_BYTES = 64_000
"""A submitted form longer than this is refused unread."""


class LinkBackend:
    """Survey links to the host's own form.

    :param base_url: the address of the form (``https://example.com/survey``); None leaves the
        backend unconfigured: :meth:`invite` then raises :class:`~clientvoice.ConfigurationError`.
    :param name: the backend's name, ``"link"`` unless the host runs several forms.
    :param token_field: the form field that carries the token.
    :param ignore: the host's own form fields that are not answers (``{"csrf_token"}``):
        :meth:`parse` drops them. Any other field that is not the token is an answer.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        name: str = "link",
        token_field: str = "token",
        ignore: Iterable[str] = (),
    ) -> None:
        if base_url is not None:
            parts = urlsplit(base_url) if isinstance(base_url, str) else None
            if parts is None or parts.scheme not in ("https", "http") or not parts.netloc:
                raise ConfigurationError(
                    f"the link backend needs an http(s) address, got {base_url!r}"
                )
        self.base_url = base_url
        self.name = name
        self.token_field = token_field
        if isinstance(ignore, str):
            ignore = (ignore,)
        ignored = frozenset(ignore)
        if not all(type(field) is str and field for field in ignored):
            raise ConfigurationError(f"ignore must name form fields, got {ignore!r}")
        if token_field in ignored:
            raise ConfigurationError(f"the token field {token_field!r} cannot be ignored")
        self.ignore = ignored

    def __repr__(self) -> str:
        ignoring = f", ignore={sorted(self.ignore)!r}" if self.ignore else ""
        return f"LinkBackend({self.base_url!r}, name={self.name!r}{ignoring})"

    def invite(self, invitation: Invitation, token: str, survey: Survey) -> InvitationLink:
        """The link to the form, carrying ``token``."""
        if self.base_url is None:
            raise ConfigurationError(
                "the built-in 'link' survey backend has no form address: register "
                "LinkBackend('https://your.site/survey') from a host plugin"
            )
        separator = "&" if "?" in self.base_url else "?"
        return InvitationLink(url=f"{self.base_url}{separator}{urlencode({'token': token})}")

    def parse(self, payload: Any, headers: Mapping[str, str] | None = None) -> list[SurveyResponse]:
        """The one response in a submitted form.

        ``payload`` is a mapping of field names to text (or lists of texts), or the raw
        url-encoded body as text or bytes. Every field but the token and the fields named in
        ``ignore`` is an answer, by question id; a missing token gives a response without one
        (refused later, with that reason).

        :raises ValidationError: when the payload is not a form.
        """
        fields = _fields(payload)
        for field in self.ignore:
            fields.pop(field, None)
        token = fields.pop(self.token_field, None)
        if isinstance(token, (list, tuple)):
            if len(token) != 1:
                raise ValidationError(self.token_field, token, "was sent more than once")
            token = token[0]
        if token is not None and type(token) is not str:
            raise ValidationError(self.token_field, token, "must be text")
        return [SurveyResponse(token=token or None, answers=fields, form=True)]


def _fields(payload: Any) -> dict[str, Any]:
    if isinstance(payload, Mapping):
        fields: dict[str, Any] = {}
        for key, value in payload.items():
            if type(key) is not str:
                raise ValidationError("payload", key, "field names must be text")
            if isinstance(value, (list, tuple)):
                value = list(value)
            fields[key] = value
        return fields
    if isinstance(payload, (bytes, bytearray)):
        if len(payload) > MAX_FORM_BYTES:
            raise ValidationError("payload", f"{len(payload)} bytes", "is too large")
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("payload", payload[:40], "is not UTF-8 text") from None
    if not isinstance(payload, str):
        raise ValidationError("payload", payload, "must be form fields or a url-encoded body")
    if len(payload) > MAX_FORM_BYTES:
        raise ValidationError("payload", f"{len(payload)} characters", "is too large")
    try:
        parsed = parse_qs(payload, keep_blank_values=True, max_num_fields=500)
    except ValueError as error:
        raise ValidationError("payload", payload[:40], f"is not a form body: {error}") from None
    return {key: values[0] if len(values) == 1 else values for key, values in parsed.items()}
