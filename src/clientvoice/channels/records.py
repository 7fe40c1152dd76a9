"""The plain record channel: one JSON object (or dict) per thing a customer said.

This is the format of :meth:`Listener.ingest <clientvoice.Listener.ingest>`, of JSONL imports and,
after column mapping, of CSV imports. A record looks like::

    {
      "channel": "email",                      # optional when the caller names the channel
      "external_id": "ticket-8812",            # the source's id; re-ingesting it stores nothing
      "occurred_at": "2026-03-02T09:15:00+01:00",
      "customer": {"email": "ana@example.com", "name": "Ana López", "language": "es"},
      "subject": "Pedido retrasado",
      "text": "Mi pedido lleva una semana de retraso.",
      "kind": "complaint", "nps": 3, "follow_up_requested": true
    }

Parsing is strict: a field of the wrong type is an error naming the field, never a silent
conversion (``"8"`` is not an NPS of 8, ``true`` is not a score of 1). Unknown fields are errors
too, so a misspelt ``"nsp"`` is caught instead of dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone, tzinfo
from typing import Any

from dateutil.parser import isoparse

from clientvoice._ids import stable_digest, stable_id
from clientvoice.errors import ValidationError
from clientvoice.models import (
    Consents,
    ContactPoint,
    Customer,
    Feedback,
    Heard,
    Interaction,
)

__all__ = ["CUSTOMER_FIELDS", "RECORD_FIELDS", "RecordChannel", "parse_datetime", "parse_record"]

RECORD_FIELDS = frozenset(
    {
        "channel",
        "external_id",
        "occurred_at",
        "direction",
        "subject",
        "text",
        "agent",
        "thread_id",
        "metadata",
        "customer",
        "kind",
        "language",
        "nps",
        "csat",
        "ces",
        "follow_up_requested",
    }
)
"""The fields a record may carry."""

CUSTOMER_FIELDS = frozenset(
    {
        "id",
        "name",
        "preferred_name",
        "kind",
        "language",
        "timezone",
        "segments",
        "memberships",
        "email",
        "phone",
        "contacts",
        "consents",
    }
)
"""The fields of a record's ``customer`` object. ``email`` and ``phone`` are shortcuts for
``contacts``, which maps a channel (``"whatsapp"``, ``"x"``) to one value or a list of values."""


class RecordChannel:
    """A channel that hears plain records: dicts, or JSON objects as ``str`` or ``bytes``.

    Every standard channel (``"web"``, ``"email"``, ``"phone"``...) is a record channel out of the
    box, so any source can be ingested as records; richer channels for raw e-mail, signed webhooks
    and the like register under the same names through the same hook and take precedence.
    """

    def __init__(self, name: str, *, default_timezone: tzinfo | None = None) -> None:
        self.name = name
        self.default_timezone = default_timezone

    def __repr__(self) -> str:
        return f"RecordChannel({self.name!r})"

    def parse(self, payload: Any, *, now: datetime) -> Sequence[Heard]:
        """Parse one record (a mapping, or a JSON object as text or bytes)."""
        if isinstance(payload, (str, bytes, bytearray)):
            payload = _load_json(payload)
        return [
            parse_record(
                payload, channel=self.name, now=now, default_timezone=self.default_timezone
            )
        ]


def parse_record(
    record: Any,
    *,
    channel: str | None = None,
    now: datetime | None = None,
    default_timezone: tzinfo | None = None,
) -> Heard:
    """Turn one record into a validated :class:`~clientvoice.Heard`.

    :param record: the record, a mapping (see the module documentation for its fields).
    :param channel: the channel to use when the record names none. A record that names a channel
        different from this one is an error.
    :param now: when the record was received; used when it has no ``occurred_at``.
    :param default_timezone: the zone of naive timestamps. Without it a naive ``occurred_at`` is an
        error, because guessing the zone would shift every SLA.
    :raises ValidationError: naming the first bad field.
    """
    if type(record) is not dict and not isinstance(record, Mapping):
        raise ValidationError("record", record, "must be a JSON object")
    if not record.keys() <= RECORD_FIELDS:
        unknown = record.keys() - RECORD_FIELDS
        name = sorted(unknown)[0]
        raise ValidationError(
            name,
            record[name],
            f"is not a record field; known fields: {', '.join(sorted(RECORD_FIELDS))}",
        )
    get = record.get

    source = get("channel")
    if source is None:
        if channel is None:
            raise ValidationError("channel", None, "is required")
        source = channel
    elif channel is not None and source != channel:
        raise ValidationError(
            "channel", source, f"does not match the channel heard on ({channel!r})"
        )

    external_id = get("external_id")
    if external_id is not None:
        if type(external_id) is int:
            external_id = str(external_id)
        elif type(external_id) is not str or not external_id.strip():
            raise ValidationError("external_id", external_id, "must be a non-empty string")

    raw_when = get("occurred_at")
    if raw_when is None:
        if now is None:
            raise ValidationError("occurred_at", None, "is required")
        occurred_at = now
    else:
        occurred_at = parse_datetime(raw_when, "occurred_at", default_timezone)

    text = get("text")
    if text is None:
        text = ""
    elif type(text) is not str:
        raise ValidationError("text", text, "must be a string")

    customer_data = get("customer")
    subject = get("subject")
    if external_id is None:
        # No source id: the content is the identity, so the same record heard twice is one record.
        external_id = stable_id(
            "h",
            str(source),
            occurred_at.isoformat(),
            text,
            _customer_key(customer_data),
            str(subject),
        )
    # The interaction and its feedback have ids on the same parts: one hash for both.
    digest = stable_digest(str(source), external_id)
    interaction_id = f"int_{digest}"

    customer = _parse_customer(customer_data, interaction_id)

    thread_id = get("thread_id")
    if thread_id is not None:
        thread_id = _optional_id(thread_id, "thread_id")
    try:
        interaction = Interaction(
            id=interaction_id,
            customer_id=customer.id,
            channel=source,
            occurred_at=occurred_at,
            direction=get("direction", "inbound"),
            subject=subject,
            body=text,
            agent=get("agent"),
            thread_id=thread_id,
            external_id=external_id,
            metadata=get("metadata") or {},
        )
    except ValidationError as error:
        if error.field == "body":
            raise ValidationError("text", error.value, error.reason) from None
        raise

    kind, nps, csat, ces = get("kind"), get("nps"), get("csat"), get("ces")
    follow_up = get("follow_up_requested")
    feedback = None
    # Any feedback signal present (not missing, None or ""): the same test for each one.
    if (
        text
        or kind not in _NOTHING
        or nps not in _NOTHING
        or csat not in _NOTHING
        or ces not in _NOTHING
        or follow_up not in _NOTHING
    ):
        feedback = Feedback(
            id=f"fb_{digest}",
            customer_id=customer.id,
            interaction_id=interaction_id,
            created_at=occurred_at,
            text=text,
            kind=kind,
            language=get("language"),
            nps=nps,
            csat=csat,
            ces=ces,
            follow_up_requested=get("follow_up_requested", False),
        )
    return Heard(customer=customer, interaction=interaction, feedback=feedback)


_NOTHING = (None, "")


def parse_datetime(value: Any, field: str, default_timezone: tzinfo | None = None) -> datetime:
    """Parse an ISO 8601 timestamp (or accept a datetime); the result is always timezone-aware.

    :raises ValidationError: if the value is not a timestamp, or is naive and no
        ``default_timezone`` was given.
    """
    if type(value) is str:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            try:
                parsed = isoparse(value)
            except (ValueError, OverflowError):
                raise ValidationError(
                    field, value, "is not an ISO 8601 timestamp (e.g. 2026-03-02T09:15:00+01:00)"
                ) from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise ValidationError(field, value, "must be an ISO 8601 timestamp string")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        if default_timezone is None:
            raise ValidationError(
                field, value, "has no time zone offset; add one (e.g. +01:00 or Z) or set a default"
            )
        parsed = parsed.replace(tzinfo=default_timezone)
    return parsed


# --------------------------------------------------------------------------------------------


def _load_json(payload: str | bytes | bytearray) -> Any:
    import json

    try:
        return json.loads(payload)
    except RecursionError:
        raise ValidationError("record", "...", "JSON is nested too deeply") from None
    except ValueError as error:
        raise ValidationError("record", payload[:60], f"is not valid JSON: {error}") from None


def _optional_id(value: Any, field: str) -> str | None:
    if type(value) is int:
        return str(value)
    if value is not None and type(value) is not str:
        raise ValidationError(field, value, "must be a string")
    return value


def _customer_key(data: Any) -> str:
    if isinstance(data, Mapping):
        return repr(sorted((k, repr(v)) for k, v in data.items()))
    return repr(data)


_UTC = timezone.utc


# Consents are immutable: one instance of each serves every customer.
_DEFAULT_CONSENTS = Consents()
_CONSENTS = {
    (contact, surveys): Consents(contact=contact, surveys=surveys)
    for contact in (True, False)
    for surveys in (True, False)
}


def _parse_customer(data: Any, interaction_id: str) -> Customer:
    """The customer a record describes, validated.

    (Each description is parsed again: a cache of parsed descriptions was measured slower on a
    million records from 125k customers, as its upkeep and the garbage collector's work on its
    long-lived entries outweighed the few hits, and it held ~75 MB.)
    """
    if data is None:
        # Anonymous feedback: a customer of its own, so nothing is attributed to a stranger.
        return Customer(id=stable_id("cus", "anonymous", interaction_id))
    if not isinstance(data, Mapping):
        raise ValidationError("customer", data, "must be a JSON object")
    if not data.keys() <= CUSTOMER_FIELDS:
        name = sorted(data.keys() - CUSTOMER_FIELDS)[0]
        raise ValidationError(
            f"customer.{name}",
            data[name],
            f"is not a customer field; known fields: {', '.join(sorted(CUSTOMER_FIELDS))}",
        )
    try:
        contacts = _parse_contacts(data)
        customer_id = data.get("id")
        if type(customer_id) is int:
            customer_id = str(customer_id)
        if customer_id is None:
            if contacts:
                first = contacts[0]
                customer_id = stable_id("cus", first.channel, first.value)
            else:
                customer_id = stable_id("cus", "anonymous", interaction_id)
        consents = data.get("consents")
        if consents is None:
            consents_value = _DEFAULT_CONSENTS
        elif isinstance(consents, Mapping):
            extra = consents.keys() - {"contact", "surveys"}
            if extra:
                name = sorted(extra)[0]
                raise ValidationError(f"consents.{name}", consents[name], "is not a consent")
            contact, surveys = consents.get("contact", True), consents.get("surveys", False)
            if type(contact) is bool and type(surveys) is bool:
                consents_value = _CONSENTS[contact, surveys]  # what Consents(**consents) gives
            else:
                try:
                    consents_value = Consents(**consents)
                except ValidationError as error:
                    raise error.within("consents") from None
        else:
            raise ValidationError("consents", consents, "must be a JSON object")
        segments = data.get("segments", ())
        if not isinstance(segments, (list, tuple)):
            raise ValidationError("segments", segments, "must be a list of strings")
        return Customer(
            id=customer_id,
            name=data.get("name") or "",
            preferred_name=data.get("preferred_name"),
            kind=data.get("kind", "external"),
            language=data.get("language", "en"),
            timezone=data.get("timezone", "UTC"),
            segments=segments,
            memberships=data.get("memberships") or {},
            contacts=contacts,
            consents=consents_value,
        )
    except ValidationError as error:
        raise error.within("customer") from None


def _parse_contacts(data: Mapping[str, Any]) -> tuple[ContactPoint, ...]:
    email = data.get("email")
    if type(email) is str and email and data.get("phone") is None and data.get("contacts") is None:
        return (ContactPoint("email", email),)  # the common case: what the general path gives
    points: list[ContactPoint] = []
    seen: set[tuple[str, str]] = set()

    def add(channel: Any, value: Any) -> None:
        if value is None or value == "":
            return
        if type(channel) is not str:
            raise ValidationError("contacts", channel, "keys must be channel names")
        values = value if isinstance(value, (list, tuple)) else (value,)
        for item in values:
            try:
                point = ContactPoint(channel, item)
            except ValidationError as error:
                if error.field == "channel":
                    raise ValidationError("contacts", channel, error.reason) from None
                raise
            key = (point.channel, point.value)
            if key not in seen:
                seen.add(key)
                points.append(point)

    add("email", data.get("email"))
    add("phone", data.get("phone"))
    contacts = data.get("contacts")
    if contacts is not None:
        if not isinstance(contacts, Mapping):
            raise ValidationError("contacts", contacts, "must map channel names to values")
        for channel, value in contacts.items():
            add(channel, value)
    return tuple(points)
