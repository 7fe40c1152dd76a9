"""Helpers the survey backends share: reading a posted body, headers and HMAC signatures."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from dateutil.parser import isoparse

from clientvoice.errors import SignatureError, ValidationError

__all__ = ["MAX_BODY_BYTES", "check_signature", "header", "json_object", "parse_time", "secret"]

MAX_BODY_BYTES = 1_000_000
"""Bodies longer than this are refused unread."""


def json_object(payload: Any) -> Mapping[str, Any]:
    """``payload`` (a mapping, or JSON text or bytes) as a JSON object, or ValidationError."""
    if isinstance(payload, Mapping):
        return payload
    if isinstance(payload, (bytes, bytearray)):
        if len(payload) > MAX_BODY_BYTES:
            raise ValidationError("payload", f"{len(payload)} bytes", "is too large")
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("payload", payload[:40], "is not UTF-8 text") from None
    if not isinstance(payload, str):
        raise ValidationError("payload", payload, "must be a JSON object, as text or bytes")
    if len(payload) > MAX_BODY_BYTES:
        raise ValidationError("payload", f"{len(payload)} characters", "is too large")
    try:
        data = json.loads(payload)
    except RecursionError:
        raise ValidationError("payload", payload[:40], "is nested too deeply") from None
    except ValueError as error:
        raise ValidationError("payload", payload[:40], f"is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValidationError("payload", data, "must be a JSON object")
    return data


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` in ``headers``, whatever the case of its name."""
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted:
            return value if isinstance(value, str) else None
    return None


def secret(value: str | bytes | None, backend: str) -> bytes | None:
    """A configured secret as bytes (None when there is none)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, bytes) or not value:
        raise ValidationError("secret", "...", f"the {backend} secret must be non-empty text")
    return value


def check_signature(
    headers: Any, body: Any, name: str, key: bytes | None, backend: str
) -> tuple[str, bytes]:
    """The header ``name`` and the body, after the checks every signed backend makes first."""
    if not isinstance(headers, Mapping):
        raise SignatureError(name, headers, "headers must be a mapping")
    if key is None:
        raise SignatureError(
            name, None, f"cannot be checked: the {backend} backend was given no secret"
        )
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, (bytes, bytearray)):
        raise SignatureError("body", body, "the raw request body (bytes) is needed")
    given = header(headers, name)
    if not given:
        raise SignatureError(name, None, "is missing")
    return given, bytes(body)


def same(given: str, expected: str) -> bool:
    """Constant-time comparison of two signatures as text."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("ascii"))


def parse_time(value: Any, field: str) -> datetime | None:
    """An ISO 8601 text or Unix seconds as an aware datetime (UTC when no zone is given)."""
    if value is None:
        return None
    try:
        if type(value) is int:
            return datetime.fromtimestamp(value, timezone.utc)
        if type(value) is str:
            parsed = isoparse(value)
            return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError, OSError):
        pass
    raise ValidationError(field, value, "is not a date and time")
