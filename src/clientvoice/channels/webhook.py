"""Web forms and webhooks: JSON bodies, signed as the Standard Webhooks specification says.

A host application (or a form service) posts one JSON body per submission. A
:class:`SignedWebhookChannel` hears only requests that carry the three Standard Webhooks headers::

    webhook-id: msg_2Lb5rx0...            the message id, the same on every retry
    webhook-timestamp: 1772442900          when it was sent, in Unix seconds
    webhook-signature: v1,K5oZfzN95Z9...   base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"

:func:`verify_webhook` checks them (in constant time, against any of several secrets, so a secret
can be rotated without downtime) and refuses timestamps outside a tolerance window, so a captured
request cannot be replayed later; within the window a replay carries the same ``webhook-id``, which
becomes the interaction's ``external_id``, so it is stored once. :func:`sign_webhook` makes the
headers, so a host can sign what it sends too. Secrets are written ``whsec_`` + base64, as the
specification serialises them.

The body is a plain record (see :mod:`clientvoice.channels.records`), or a Standard Webhooks event
``{"type": ..., "timestamp": ..., "data": {record}}``. A channel given ``fields`` reads web forms
with their own field names instead: ``{"text": "message", "follow_up_requested": "call_me"}``;
checkbox values (``"on"``, ``"yes"``, ``"sí"``...) become booleans and digit strings scores.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone, tzinfo
from typing import Any

import attrs

from clientvoice._ids import stable_id
from clientvoice.channels._payloads import (
    as_bytes,
    evolve_interaction,
    load_json_object,
    merged_metadata,
)
from clientvoice.channels.files import _apply_paths, _check_mapping, _convert_cell
from clientvoice.channels.records import parse_record
from clientvoice.clock import Clock, SystemClock
from clientvoice.errors import ConfigurationError, SignatureError, ValidationError
from clientvoice.models import Heard

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_TOLERANCE",
    "SignedWebhookChannel",
    "VerifiedWebhook",
    "WebhookChannel",
    "new_webhook_secret",
    "sign_webhook",
    "verify_webhook",
]

DEFAULT_TOLERANCE = 300
"""Seconds a request's ``webhook-timestamp`` may differ from now (the reference libraries' five
minutes)."""

DEFAULT_MAX_BYTES = 1_000_000
"""Larger bodies are refused unread: no form submission is a megabyte."""

DEFAULT_MAX_DEPTH = 32
"""Deeper JSON nesting is refused before it is parsed (the depth metadata may have, too)."""

SECRET_PREFIX = "whsec_"

_ID = re.compile(r"^[A-Za-z0-9_\-:+/=]{1,200}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_CHECKBOX_ON = frozenset({"on", "checked"})
_SCORE = re.compile(r"^[0-9]{1,6}$")


@attrs.frozen
class VerifiedWebhook:
    """What :func:`verify_webhook` vouches for: the request's id and when it was sent."""

    id: str
    timestamp: datetime


def new_webhook_secret() -> str:
    """A fresh random signing secret (32 bytes), serialised as ``whsec_`` + base64."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode("ascii")


def sign_webhook(
    secret: str | bytes | Sequence[str | bytes],
    body: bytes | str,
    *,
    webhook_id: str | None = None,
    timestamp: datetime | int | None = None,
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``: ``webhook-id``, ``webhook-timestamp``
    and ``webhook-signature``.

    :param secret: a ``whsec_...`` secret, raw key bytes, or several of them (one signature each,
        space-separated, for rotating a secret without downtime).
    :param body: the exact bytes that will be sent (text is sent as UTF-8).
    :param webhook_id: the message id, kept the same on every retry; a fresh one if omitted.
    :param timestamp: when the request is sent (now if omitted), as a datetime or Unix seconds.
    :raises ConfigurationError: for a secret that is not valid.
    """
    keys = _keys(secret)
    if webhook_id is None:
        webhook_id = "msg_" + base64.b32encode(os.urandom(15)).decode("ascii").lower()
    elif not _ID.match(webhook_id):
        raise ConfigurationError(
            f"webhook id {webhook_id!r} must be 1-200 letters, digits or _-:+/= (no dots)"
        )
    if timestamp is None:
        timestamp = datetime.now(timezone.utc)
    seconds = _unix(timestamp) if isinstance(timestamp, datetime) else int(timestamp)
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    signatures = " ".join(f"v1,{_signature(key, webhook_id, seconds, data)}" for key in keys)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(seconds),
        "webhook-signature": signatures,
    }


def verify_webhook(
    secret: str | bytes | Sequence[str | bytes],
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    now: datetime,
    tolerance: float = DEFAULT_TOLERANCE,
) -> VerifiedWebhook:
    """Check a request signed the Standard Webhooks way; header names are matched in any case.

    :param secret: the secret (or several, during a rotation) the sender signs with.
    :param now: the current time, against which the timestamp is checked.
    :param tolerance: how many seconds the timestamp may be in the past or the future.
    :return: the verified id and timestamp.
    :raises SignatureError: naming the header that failed: ``webhook-id``,
        ``webhook-timestamp`` (missing, malformed, or outside the tolerance window) or
        ``webhook-signature`` (missing, no ``v1`` signature, or none that matches). The reason
        never contains the secret or the expected signature.
    """
    keys = _keys(secret)
    lowered = _lower_headers(headers)
    webhook_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "")
    for name, value in (
        ("webhook-id", webhook_id),
        ("webhook-timestamp", stamp),
        ("webhook-signature", signatures),
    ):
        if not value.strip():
            raise SignatureError(
                name,
                lowered.get(name),
                "is missing: a signed request needs the webhook-id, webhook-timestamp and "
                "webhook-signature headers",
            )
    if not _ID.match(webhook_id):
        raise SignatureError(
            "webhook-id", webhook_id, "must be 1-200 letters, digits or _-:+/= (no dots)"
        )
    if not _TIMESTAMP.match(stamp.strip()):
        raise SignatureError("webhook-timestamp", stamp, "must be whole seconds since 1970")
    seconds = int(stamp.strip())
    age = _unix(now) - seconds
    if age > tolerance:
        raise SignatureError(
            "webhook-timestamp",
            stamp,
            f"is {age} seconds old; requests older than {tolerance:g} seconds are refused "
            "(a replay, or a clock that is wrong)",
        )
    if -age > tolerance:
        raise SignatureError(
            "webhook-timestamp",
            stamp,
            f"is {-age} seconds in the future; more than {tolerance:g} seconds is refused "
            "(a clock that is wrong)",
        )
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    expected = [base64.b64decode(_signature(key, webhook_id, seconds, data)) for key in keys]
    found_v1 = False
    for entry in signatures.split():
        version, _, encoded = entry.partition(",")
        if version != "v1":
            continue  # other schemes (v1a: ed25519) are not ours to check
        found_v1 = True
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        for candidate in expected:
            if hmac.compare_digest(candidate, given):
                return VerifiedWebhook(
                    id=webhook_id, timestamp=datetime.fromtimestamp(seconds, timezone.utc)
                )
    if not found_v1:
        raise SignatureError(
            "webhook-signature", signatures[:80], "has no v1 (HMAC-SHA256) signature"
        )
    raise SignatureError(
        "webhook-signature",
        signatures[:80],
        "does not match the body: it was forged, altered on the way, or signed with another secret",
    )


class WebhookChannel:
    """Hears JSON bodies posted by web forms and webhooks, without checking signatures.

    This is the built-in ``web`` channel: it hears what the host application passes, plain
    records included. A body that comes straight from the internet should be signed: use
    :class:`SignedWebhookChannel`.

    :param name: the channel name (``"web"`` by default).
    :param max_bytes: larger bodies are refused before they are read.
    :param max_depth: more deeply nested JSON is refused before it is parsed.
    :param fields: a web form's field names, as ``{record field: form field}`` (dotted paths for
        nested fields, targets as in file mappings: ``"customer.email"``, ``"metadata.page"``).
        Without it the body is a record.
    :param default_timezone: the zone of naive timestamps (else they are refused).
    :raises ConfigurationError: for an invalid limit or field mapping.
    """

    def __init__(
        self,
        name: str = "web",
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_depth: int = DEFAULT_MAX_DEPTH,
        fields: Mapping[str, str] | None = None,
        default_timezone: tzinfo | None = None,
    ) -> None:
        self.name = name
        for option, value in (("max_bytes", max_bytes), ("max_depth", max_depth)):
            if type(value) is not int or value < 1:
                raise ConfigurationError(f"{option} must be a whole number >= 1, not {value!r}")
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.fields = dict(fields) if fields is not None else None
        self._paths = _check_mapping(self.fields) if self.fields is not None else None
        self.default_timezone = default_timezone

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def parse(
        self,
        payload: Any,
        *,
        now: datetime,
        headers: Mapping[str, str] | None = None,
        default_timezone: tzinfo | None = None,
    ) -> list[Heard]:
        """Parse one body: a record (or form) as a dict, or JSON text or bytes, possibly a
        Standard Webhooks event. Pure: signatures are :meth:`verify`'s job.

        :param headers: the request headers, if any: the ``webhook-id`` becomes the
            ``external_id`` of a record that has none.
        :param default_timezone: the zone of naive timestamps, instead of the channel's.
        :raises ValidationError: naming the field, for a body that is too large, too deep, not
            JSON, or not a valid record.
        """
        envelope: Mapping[str, Any] = {}
        body_id = None
        if isinstance(payload, Mapping):
            data: Any = payload
        else:
            raw = as_bytes(payload)
            if raw is None:
                if not isinstance(payload, str):
                    raise ValidationError(
                        "body", payload, "must be a JSON object, as a dict, text or bytes"
                    )
                raw = payload.encode("utf-8", "surrogatepass")
            data = load_json_object(
                raw, field="body", max_bytes=self.max_bytes, max_depth=self.max_depth
            )
            if "type" in data:
                envelope, data = data, _event_data(data)
            # Without an id of its own, a body is its own identity, whenever it is heard.
            body_id = stable_id("body", self.name, hashlib.sha256(raw).hexdigest())
        record = self._record(data)
        webhook_id = _lower_headers(headers).get("webhook-id") if headers else None
        if record.get("external_id") is None:
            record["external_id"] = webhook_id or body_id
        if record.get("external_id") is None:
            del record["external_id"]
        if record.get("occurred_at") is None and envelope.get("timestamp") is not None:
            record["occurred_at"] = envelope["timestamp"]
        item = parse_record(
            record,
            channel=self.name,
            now=now,
            default_timezone=default_timezone or self.default_timezone,
        )
        event_type = envelope.get("type")
        extra = {
            "webhook_id": webhook_id or None,
            "webhook_type": event_type if type(event_type) is str else None,
        }
        if any(value is not None for value in extra.values()):
            item = evolve_interaction(
                item, metadata=merged_metadata(item.interaction.metadata, extra)
            )
        return [item]

    # -- helpers ------------------------------------------------------------------------------

    def _record(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise ValidationError("data", data, "must be a JSON object")
        if self._paths is None or self.fields is None:
            return dict(data)
        record = _apply_paths(dict(data), self._paths)
        if "follow_up_requested" in self.fields:
            # An HTML checkbox posts "on" when ticked and nothing at all when not.
            ticked = record.get("follow_up_requested")
            if ticked is None:
                record["follow_up_requested"] = False
            elif type(ticked) is str and ticked.strip().lower() in _CHECKBOX_ON:
                record["follow_up_requested"] = True
        for field in ("nps", "csat", "ces"):
            value = record.get(field)
            if type(value) is str:  # forms post numbers as text
                digits = value.strip(" \t")
                if digits and not _SCORE.match(digits):
                    raise ValidationError(field, value, "must be a whole number")
                record[field] = int(digits) if digits else None
        ticked = record.get("follow_up_requested")
        if type(ticked) is str:
            record["follow_up_requested"] = (
                _convert_cell("follow_up_requested", ticked) if ticked.strip() else None
            )
        customer = record.get("customer")
        if isinstance(customer, dict):
            for name in ("segments", "memberships"):
                if type(customer.get(name)) is str:
                    customer[name] = _convert_cell(f"customer.{name}", customer[name])
            segments = customer.get("segments")
            if isinstance(segments, list) and not all(type(item) is str for item in segments):
                raise ValidationError(
                    "customer.segments", segments, "must be a list of names (text)"
                )
        return {key: value for key, value in record.items() if value is not None}


class SignedWebhookChannel(WebhookChannel):
    """A :class:`WebhookChannel` that hears only requests signed the Standard Webhooks way.

    :meth:`~clientvoice.Listener.hear` calls :meth:`verify` with the request's headers and raw
    body before anything in it is parsed, so pass the body as the bytes received::

        listener.hear("web", request.body, headers=request.headers)

    :param secret: a ``whsec_...`` secret, raw key bytes, or several while a secret is rotated.
    :param tolerance: seconds the ``webhook-timestamp`` may differ from now.
    :param clock: where :meth:`verify` gets "now" when it is not handed one (the real time).
    :param options: those of :class:`WebhookChannel`.
    :raises ConfigurationError: for an invalid secret, tolerance, limit or field mapping.
    """

    def __init__(
        self,
        name: str = "web",
        *,
        secret: str | bytes | Sequence[str | bytes],
        tolerance: float = DEFAULT_TOLERANCE,
        clock: Clock | None = None,
        **options: Any,
    ) -> None:
        super().__init__(name, **options)
        self._keys = _keys(secret)
        if type(tolerance) not in (int, float) or not 0 < tolerance < 86_400 * 366:
            raise ConfigurationError(
                f"tolerance must be a number of seconds > 0, not {tolerance!r}"
            )
        self.tolerance = tolerance
        self.clock: Clock = clock if clock is not None else SystemClock()

    def verify(
        self, headers: Mapping[str, str], body: bytes, *, now: datetime | None = None
    ) -> None:
        """Refuse a request that is too large or not signed with the secret.

        :param now: the current time; the channel's clock if omitted.
        :raises ValidationError: for a body over ``max_bytes``.
        :raises SignatureError: naming the header that failed (see :func:`verify_webhook`).
        """
        size = len(body)
        if size > self.max_bytes:
            raise ValidationError(
                "body", f"{size} bytes", f"is larger than the limit of {self.max_bytes} bytes"
            )
        verify_webhook(
            self._keys,
            headers,
            body,
            now=now if now is not None else self.clock.now(),
            tolerance=self.tolerance,
        )


# --------------------------------------------------------------------------------------------


def _keys(secret: str | bytes | Sequence[str | bytes]) -> tuple[bytes, ...]:
    if isinstance(secret, str | bytes | bytearray):
        items: Sequence[Any] = [secret]
    elif isinstance(secret, Sequence):
        items = secret
    else:
        raise ConfigurationError("a webhook secret must be a 'whsec_...' string or bytes")
    keys = tuple(_key(item) for item in items)
    if not keys:
        raise ConfigurationError("give at least one webhook secret")
    return keys


def _key(secret: Any) -> bytes:
    if isinstance(secret, bytes | bytearray):
        key = bytes(secret)
    elif isinstance(secret, str):
        text = secret.strip()
        if text.startswith(SECRET_PREFIX):
            text = text[len(SECRET_PREFIX) :]
        try:
            key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigurationError(
                "a webhook secret must be 'whsec_' followed by base64 (see new_webhook_secret())"
            ) from None
    else:
        raise ConfigurationError("a webhook secret must be a 'whsec_...' string or bytes")
    if not key:
        raise ConfigurationError("a webhook secret must not be empty")
    return key


def _signature(key: bytes, webhook_id: str, seconds: int, body: bytes) -> str:
    signed = b"%s.%d.%s" % (webhook_id.encode("utf-8"), seconds, body)
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def _unix(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ConfigurationError("webhook timestamps must be timezone-aware datetimes")
    return int(moment.timestamp())


def _lower_headers(headers: Mapping[str, Any]) -> dict[str, str]:
    lowered: dict[str, str] = {}
    if not isinstance(headers, Mapping):
        raise SignatureError("headers", headers, "must be a mapping of header names to values")
    for key, value in headers.items():
        if type(key) is not str:
            continue
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if type(value) is not str:
            raise SignatureError(key.lower(), value, "must be text")
        lowered[key.lower()] = value
    return lowered


def _event_data(event: Mapping[str, Any]) -> Any:
    """The record inside a Standard Webhooks event: its ``data``, or the event's other fields
    when the sender "squashed" the data into the top level."""
    if "data" in event:
        return event["data"]
    return {key: value for key, value in event.items() if key not in ("type", "timestamp")}
