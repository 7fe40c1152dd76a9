"""Survey tokens: signed, expiring proof that a response answers one invitation.

A token names the invitation, the customer, the survey and the interaction the invitation is
about, and when it expires; it is signed with HMAC-SHA256 under a key that only the host
application knows::

    cv1.<base64url JSON claims>.<base64url HMAC-SHA256 of "cv1.<claims>">

:meth:`TokenSigner.verify` refuses a token that is malformed, whose signature does not hold, or
that has expired, with :class:`~clientvoice.SignatureError` whose ``reason`` says which; none ever
contains the key. Several keys may be given: the first signs, all verify, so a key can be rotated
without invalidating the links already sent. Whether the invitation is known and its token still
unused is the store's to say (:meth:`~clientvoice.stores.base.Store.claim_token`), checked by
:meth:`Surveys.answer <clientvoice.Surveys.answer>` (and
:meth:`Surveys.open_link <clientvoice.Surveys.open_link>` before a form is shown).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import attrs

from clientvoice.errors import ConfigurationError, SignatureError, ValidationError
from clientvoice.surveys.invitations import Invitation

__all__ = [
    "MAX_TOKEN_LENGTH",
    "TokenClaims",
    "TokenSigner",
]

MAX_TOKEN_LENGTH = 2048
"""Longer tokens are refused unread."""

_PREFIX = "cv1"
_MIN_KEY_BYTES = 16


@attrs.frozen
class TokenClaims:
    """What a verified token says: which invitation it answers, and until when it is good."""

    invitation_id: str
    customer_id: str
    survey_id: str
    interaction_id: str
    expires_at: datetime


class TokenSigner:
    """Issues and verifies survey tokens.

    :param keys: the signing key (bytes, or text encoded as UTF-8) of at least 16 bytes, or a
        list of them: the first signs, every one verifies.
    :raises ConfigurationError: when a key is missing or too short (the key is never shown).
    """

    def __init__(self, keys: bytes | str | Sequence[bytes | str]) -> None:
        listed = [keys] if isinstance(keys, (bytes, str)) else list(keys)
        if not listed:
            raise ConfigurationError("a survey token key is required")
        self._keys = tuple(_key(key, position) for position, key in enumerate(listed))

    def __repr__(self) -> str:
        return f"TokenSigner(<{len(self._keys)} key{'s' if len(self._keys) != 1 else ''}>)"

    def issue(self, invitation: Invitation) -> str:
        """The token for ``invitation``, good until its ``expires_at``."""
        claims = {
            "i": invitation.id,
            "c": invitation.customer_id,
            "s": invitation.survey_id,
            "x": invitation.interaction_id,
            "e": int(invitation.expires_at.timestamp()),
        }
        body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        signed = f"{_PREFIX}.{body}"
        return f"{signed}.{_b64(_mac(self._keys[0], signed))}"

    def verify(self, token: Any, *, now: datetime) -> TokenClaims:
        """The claims of ``token`` if it is authentic and has not expired at ``now``.

        :raises SignatureError: for a missing or malformed token, a bad signature (including one
            made with a key that is no longer listed) or an expired token.
        """
        if not isinstance(now, datetime) or now.utcoffset() is None:
            raise ValidationError("now", now, "must be a timezone-aware datetime")
        if type(token) is not str or not token:
            raise SignatureError("token", token, "is missing or not text")
        if len(token) > MAX_TOKEN_LENGTH:
            raise SignatureError(
                "token", token[:40], f"is longer than {MAX_TOKEN_LENGTH} characters"
            )
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _PREFIX:
            raise SignatureError("token", token[:40], "is not a clientvoice survey token")
        signed = f"{parts[0]}.{parts[1]}"
        try:
            given = _unb64(parts[2])
        except ValueError:
            raise SignatureError("token", token[:40], "has a malformed signature") from None
        if not any(hmac.compare_digest(given, _mac(key, signed)) for key in self._keys):
            raise SignatureError("token", token[:40], "has a bad signature")
        try:
            data = json.loads(_unb64(parts[1]))
            claims = TokenClaims(
                invitation_id=_text(data["i"]),
                customer_id=_text(data["c"]),
                survey_id=_text(data["s"]),
                interaction_id=_text(data["x"]),
                expires_at=datetime.fromtimestamp(_int(data["e"]), timezone.utc),
            )
        except (ValueError, KeyError, TypeError, OverflowError, OSError, RecursionError):
            # Signed with our key but not written by issue(): refuse it all the same.
            raise SignatureError("token", token[:40], "has malformed claims") from None
        if now >= claims.expires_at:
            raise SignatureError(
                "token",
                claims.invitation_id,
                f"expired at {claims.expires_at.isoformat()}",
            )
        return claims


# --------------------------------------------------------------------------------------------


def _key(key: Any, position: int) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes):
        raise ConfigurationError(f"survey token key #{position + 1} must be bytes or text")
    if len(key) < _MIN_KEY_BYTES:
        raise ConfigurationError(
            f"survey token key #{position + 1} is too short: use at least {_MIN_KEY_BYTES} bytes "
            "(e.g. secrets.token_bytes(32))"
        )
    return key


def _mac(key: bytes, signed: str) -> bytes:
    return hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64") from error


def _text(value: Any) -> str:
    if type(value) is not str or not value:
        raise ValueError("not text")
    return value


def _int(value: Any) -> int:
    if type(value) is not int:
        raise ValueError("not an int")
    return value
