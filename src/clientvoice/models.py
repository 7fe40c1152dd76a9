"""The records clientvoice works with: customers, what they said, and the cases opened for it.

Every model is a frozen attrs class with slots. Each one validates at construction and raises
:class:`~clientvoice.ValidationError` naming the field and the bad value, so an invalid record
cannot exist. Change a record with :func:`attrs.evolve` (which validates again) or through the
engine.

All datetimes must be timezone-aware; stores keep them in UTC.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from clientvoice.errors import ValidationError

__all__ = [
    "PHONE_CHANNELS",
    "Analysis",
    "Case",
    "CaseStage",
    "Consents",
    "ContactPoint",
    "Customer",
    "CustomerKind",
    "Direction",
    "Event",
    "Feedback",
    "FeedbackKind",
    "Heard",
    "Interaction",
    "Priority",
    "RecoveryGesture",
    "Rejection",
    "Route",
    "Sentiment",
    "Urgency",
    "normalize_contact",
]


class CustomerKind(str, enum.Enum):
    """Who the customer is to the organisation: everyone has customers, inside and out."""

    EXTERNAL = "external"
    """Someone who buys or uses what the organisation offers."""
    INTERNAL = "internal"
    """A colleague or a department served by another part of the organisation."""


class Direction(str, enum.Enum):
    """Whether the customer spoke to us (inbound) or we spoke to the customer (outbound)."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class FeedbackKind(str, enum.Enum):
    """What a piece of feedback is, in the customer's terms."""

    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    IDEA = "idea"
    PRAISE = "praise"
    QUESTION = "question"
    REQUEST = "request"
    OTHER = "other"


class Sentiment(str, enum.Enum):
    """The overall feeling of a text."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class Urgency(str, enum.Enum):
    """How soon someone must look at a piece of feedback, lowest first."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class Priority(str, enum.Enum):
    """The priority of a case, which selects its service-level targets."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class CaseStage(str, enum.Enum):
    """The stages of the listening workflow, in the order a case normally moves through them."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    UNDERSTANDING = "understanding"
    ACTING = "acting"
    RESOLVED = "resolved"
    INFORMED = "informed"
    CLOSED = "closed"


class ProblemStatus(str, enum.Enum):
    """Whether a problem is still being worked on."""

    OPEN = "open"
    RESOLVED = "resolved"


class MessageKind(str, enum.Enum):
    """What an outbound message is for."""

    ACKNOWLEDGEMENT = "acknowledgement"
    APOLOGY = "apology"
    PROGRESS = "progress"
    RESOLUTION = "resolution"
    THANKS = "thanks"
    SURVEY_INVITATION = "survey_invitation"


class DeliveryStatus(str, enum.Enum):
    """What became of an outbound message."""

    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


# --------------------------------------------------------------------------------------------
# Validators. attrs hands each one the attribute, so every error can name its field.

_E = TypeVar("_E", bound=enum.Enum)
_TOKEN = re.compile(r"^[a-z][a-z0-9_.\-]{0,63}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def _by_value(cls: type[_E]) -> dict[str, _E]:
    return {member.value: member for member in cls}


_CUSTOMER_KINDS = _by_value(CustomerKind)
_DIRECTIONS = _by_value(Direction)
_FEEDBACK_KINDS = _by_value(FeedbackKind)
_SENTIMENTS = _by_value(Sentiment)
_URGENCIES = _by_value(Urgency)
_STAGES = _by_value(CaseStage)
_PRIORITIES = _by_value(Priority)
_MESSAGE_KINDS = _by_value(MessageKind)
_DELIVERY_STATUSES = _by_value(DeliveryStatus)
_PROBLEM_STATUSES = _by_value(ProblemStatus)


def _member(members: dict[str, _E], value: Any) -> _E:
    """``value`` as a member if it is one or one of its values (any ``str`` equal to one); else
    unchanged, so the validator can name the field and list the choices. Looking the value up in
    a dict finds what ``cls(value)`` finds, without the cost of calling the enum."""
    if isinstance(value, str):
        return members.get(value, value)  # type: ignore[return-value]
    return value  # type: ignore[no-any-return]


# One named converter per enum: attrs' mypy plugin understands only named functions.
def _customer_kind(value: Any) -> CustomerKind:
    return _member(_CUSTOMER_KINDS, value)


def _direction(value: Any) -> Direction:
    return _member(_DIRECTIONS, value)


def _feedback_kind(value: Any) -> FeedbackKind:
    return _member(_FEEDBACK_KINDS, value)


def _sentiment(value: Any) -> Sentiment:
    return _member(_SENTIMENTS, value)


def _urgency(value: Any) -> Urgency:
    return _member(_URGENCIES, value)


def _stage(value: Any) -> CaseStage:
    return _member(_STAGES, value)


def _message_kind(value: Any) -> MessageKind:
    return _member(_MESSAGE_KINDS, value)


def _delivery_status(value: Any) -> DeliveryStatus:
    return _member(_DELIVERY_STATUSES, value)


def _problem_status(value: Any) -> ProblemStatus:
    return _member(_PROBLEM_STATUSES, value)


def _priority(value: Any) -> Priority:
    return _member(_PRIORITIES, value)


def _is_enum(cls: type[enum.Enum]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    choices = ", ".join(repr(m.value) for m in cls)

    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, cls):
            raise ValidationError(attribute.name, value, f"must be one of {choices}")

    return check


def _optional_enum(cls: type[enum.Enum]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    check = _is_enum(cls)

    def check_optional(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            check(instance, attribute, value)

    return check_optional


def _text(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str:
        raise ValidationError(attribute.name, value, "must be a string")


def _identifier(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str or not value or len(value) > 200 or value.strip() != value:
        raise ValidationError(
            attribute.name, value, "must be a non-empty string of at most 200 characters"
        )


def _optional_identifier(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _identifier(instance, attribute, value)


def _optional_text(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and type(value) is not str:
        raise ValidationError(attribute.name, value, "must be a string or None")


def _token(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str or not _TOKEN.match(value):
        raise ValidationError(
            attribute.name,
            value,
            "must be a lowercase name of letters, digits, '_', '-' or '.', starting with a letter",
        )


def _language(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str or not _LANGUAGE.match(value):
        raise ValidationError(
            attribute.name, value, "must be a language tag such as 'es', 'en' or 'es-MX'"
        )


def _optional_language(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _language(instance, attribute, value)


def _aware(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, datetime):
        raise ValidationError(attribute.name, value, "must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            attribute.name, value, "must be timezone-aware (naive datetimes are ambiguous)"
        )


def _optional_aware(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _aware(instance, attribute, value)


def _boolean(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not bool:
        raise ValidationError(attribute.name, value, "must be True or False")


def _optional_boolean(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _boolean(instance, attribute, value)


def _score(low: int, high: int) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        # bool is an int subclass: True must never pass as a score of 1.
        if type(value) is not int:
            raise ValidationError(
                attribute.name, value, f"must be a whole number from {low} to {high}"
            )
        if not low <= value <= high:
            raise ValidationError(attribute.name, value, f"must be from {low} to {high}")

    return check


def _non_negative_int(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not int or value < 0:
        raise ValidationError(attribute.name, value, "must be a whole number >= 0")


def _finite_number(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ValidationError(attribute.name, value, "must be a finite number")


def _unit_interval(low: float) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        if type(value) not in (int, float) or not low <= value <= 1.0:
            raise ValidationError(attribute.name, value, f"must be a number from {low} to 1")

    return check


def _timezone(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str or not _known_zone(value):
        raise ValidationError(
            attribute.name, value, "must be an IANA time zone such as 'Europe/Madrid'"
        )


@lru_cache(maxsize=1024)
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    if len(_KNOWN_ZONES) < 1024:
        _KNOWN_ZONES.add(name)
    return True


_KNOWN_ZONES: set[str] = set()  # names _known_zone accepted: a set is cheaper than its cache


def _strings(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    for item in value:
        if type(item) is not str or not item:
            raise ValidationError(attribute.name, item, "every item must be a non-empty string")


def _string_mapping(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Mapping):
        raise ValidationError(attribute.name, value, "must be a mapping of names to strings")
    for key, item in value.items():
        if type(key) is not str or not key or type(item) is not str:
            raise ValidationError(
                f"{attribute.name}.{key}", item, "keys and values must be non-empty strings"
            )


def _json_object(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Mapping):
        raise ValidationError(attribute.name, value, "must be a mapping")
    for key, item in value.items():
        if type(key) is not str:
            raise ValidationError(attribute.name, key, "keys must be strings")
        _check_json(f"{attribute.name}.{key}", item, 1)


def _check_json(path: str, value: Any, depth: int) -> None:
    if depth > 32:
        raise ValidationError(path, "...", "is nested more than 32 levels deep")
    if value is None or type(value) in (str, int, bool):
        return
    if type(value) is float:
        if not math.isfinite(value):
            raise ValidationError(path, value, "must be a finite number")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if type(key) is not str:
                raise ValidationError(path, key, "keys must be strings")
            _check_json(f"{path}.{key}", item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_json(f"{path}[{index}]", item, depth + 1)
    else:
        raise ValidationError(
            path, value, "must be JSON data (str, number, bool, None, list, dict)"
        )


def _frozenset_of_str(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        try:
            return frozenset(value)
        except TypeError:  # an unhashable item: the validator names the field
            return value
    return value  # the validator rejects it with the field's name


def _tuple(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return value


def _instance_of(
    cls: type[Any], optional: bool = False
) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, cls):
            raise ValidationError(attribute.name, value, f"must be a {cls.__name__}")

    return check


def _tuple_of(cls: type[Any]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is not tuple:
            raise ValidationError(attribute.name, value, f"must be a sequence of {cls.__name__}")
        for item in value:
            if not isinstance(item, cls):
                raise ValidationError(attribute.name, item, f"every item must be a {cls.__name__}")

    return check


# --------------------------------------------------------------------------------------------
# Combined checks. The models built for every record heard (Customer, Interaction, Feedback,
# Heard, Event) validate all their fields at once in ``__attrs_post_init__``: one inline test of the
# common case and, only when that test is in doubt, every field's validator in field order, which
# raises the error naming the first bad field exactly as attrs' own validators would. Their fields
# therefore keep their validator in ``metadata`` (see :func:`_checked`) instead of ``validator=``,
# which attrs would call one by one on every construction.

_CHECK = "clientvoice.check"

_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _checked(validator: _Validator) -> dict[str, _Validator]:
    """Field metadata naming the validator that :func:`_validate` runs."""
    return {_CHECK: validator}


def _validate(instance: Any) -> None:
    """Run every field validator of ``instance`` in field order: the exact, slow path."""
    for attribute in attrs.fields(type(instance)):
        check = attribute.metadata.get(_CHECK)
        if check is not None:
            check(instance, attribute, getattr(instance, attribute.name))


_KNOWN_TOKENS: set[str] = set()
_KNOWN_LANGUAGES: set[str] = set()
_KNOWN_LIMIT = 4096


def _is_token(value: str) -> bool:
    """Whether the string ``value`` passes :func:`_token`; remembers the few distinct ones."""
    if value in _KNOWN_TOKENS:
        return True
    if not _TOKEN.match(value):
        return False
    if len(_KNOWN_TOKENS) < _KNOWN_LIMIT:
        _KNOWN_TOKENS.add(value)
    return True


def _is_language(value: str) -> bool:
    """Whether the string ``value`` passes :func:`_language`; remembers the few distinct ones."""
    if value in _KNOWN_LANGUAGES:
        return True
    if not _LANGUAGE.match(value):
        return False
    if len(_KNOWN_LANGUAGES) < _KNOWN_LIMIT:
        _KNOWN_LANGUAGES.add(value)
    return True


def _is_flat_json(value: dict[Any, Any]) -> bool:
    """Whether every key is a string and every value None, a string, an int or a bool (then
    :func:`_json_object` accepts it); False means "ask the validator"."""
    for key, item in value.items():
        if type(key) is not str or (item is not None and type(item) not in _FLAT):
            return False
    return True


_FLAT = frozenset({str, int, bool})


def _are_names(items: frozenset[Any]) -> bool:
    """Whether every item is a non-empty string (then :func:`_strings` accepts them)."""
    for item in items:  # noqa: SIM110 - a loop is cheaper than all() over a generator
        if type(item) is not str or not item:
            return False
    return True


def _are_named_names(mapping: dict[Any, Any]) -> bool:
    """Whether keys are non-empty strings and values strings (:func:`_string_mapping`)."""
    for key, item in mapping.items():
        if type(key) is not str or not key or type(item) is not str:
            return False
    return True


def _are_contact_points(points: tuple[Any, ...]) -> bool:
    for point in points:  # noqa: SIM110 - a loop is cheaper than all() over a generator
        if type(point) is not ContactPoint:
            return False
    return True


# --------------------------------------------------------------------------------------------
# Customers

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_DROP = re.compile(r"[\s().\-/]")
_PHONE = re.compile(r"^\+?[0-9]{5,17}$")


PHONE_CHANNELS = frozenset({"phone", "mobile", "sms", "whatsapp", "telegram", "signal"})
"""Contact channels whose values are phone numbers."""


def normalize_contact(channel: str, value: str) -> str:
    """Return the canonical form of a contact point, or raise :class:`ValidationError`.

    E-mail addresses are lower-cased; phone numbers (``phone``, ``whatsapp``, ``sms`` and the other
    ``PHONE_CHANNELS``) keep only digits and a leading ``+``; social handles (any other
    channel) are lower-cased without a leading ``@``. Two spellings of the same
    address therefore identify the same customer.
    """
    if type(value) is not str:
        raise ValidationError(f"contacts.{channel}", value, "must be a string")
    text = value.strip()
    if channel == "email":
        text = text.lower()
        if not _EMAIL.match(text):
            raise ValidationError("contacts.email", value, "is not an e-mail address")
        return text
    if channel in PHONE_CHANNELS:
        text = _PHONE_DROP.sub("", text)
        if text.startswith("00"):
            text = "+" + text[2:]
        if not _PHONE.match(text):
            raise ValidationError(f"contacts.{channel}", value, "is not a phone number")
        return text
    text = text.lstrip("@").lower()
    if not text or len(text) > 200 or any(c.isspace() for c in text):
        raise ValidationError(f"contacts.{channel}", value, "is not a handle")
    return text


@attrs.frozen
class ContactPoint:
    """One way to reach a customer: an e-mail address, a phone number, a social handle.

    ``channel`` names the medium (``"email"``, ``"phone"``, ``"whatsapp"``, ``"x"``, ...);
    ``value`` is normalised on construction: e-mail addresses lower-cased, phone numbers
    reduced to digits and a leading ``+``, handles lower-cased without ``@``.
    """

    channel: str = attrs.field(metadata=_checked(_token))
    value: str = attrs.field()

    def __attrs_post_init__(self) -> None:
        channel = self.channel
        if not (type(channel) is str and _is_token(channel)):
            _validate(self)
        object.__setattr__(self, "value", normalize_contact(channel, self.value))


@attrs.frozen
class Consents:
    """What the customer agreed to.

    ``contact``: we may contact them about their own feedback (acknowledgements, progress,
    resolution); a reply to the customer's own request is always allowed. ``surveys``: we may ask
    them for their opinion unprompted.
    """

    contact: bool = attrs.field(default=True, validator=_boolean)
    surveys: bool = attrs.field(default=False, validator=_boolean)


@attrs.frozen(eq=True)
class Customer:
    """Someone whose voice we listen to: an external customer, or a colleague or department.

    ``preferred_name`` is what every message calls them (see :attr:`address_name`);
    ``segments`` are groups the customer belongs to (``{"smb", "mexico"}``) and ``memberships``
    named programmes with their level (``{"loyalty": "gold", "plan": "pro"}``); both can select
    routing rules, service levels and metrics.
    """

    id: str = attrs.field(metadata=_checked(_identifier))
    name: str = attrs.field(default="", metadata=_checked(_text))
    preferred_name: str | None = attrs.field(default=None, metadata=_checked(_optional_text))
    kind: CustomerKind = attrs.field(
        default=CustomerKind.EXTERNAL,
        converter=_customer_kind,
        metadata=_checked(_is_enum(CustomerKind)),
    )
    language: str = attrs.field(default="en", metadata=_checked(_language))
    timezone: str = attrs.field(default="UTC", metadata=_checked(_timezone))
    segments: frozenset[str] = attrs.field(
        factory=frozenset, converter=_frozenset_of_str, metadata=_checked(_strings)
    )
    memberships: Mapping[str, str] = attrs.field(factory=dict, metadata=_checked(_string_mapping))
    contacts: tuple[ContactPoint, ...] = attrs.field(
        default=(), converter=_tuple, metadata=_checked(_tuple_of(ContactPoint))
    )
    consents: Consents = attrs.field(factory=Consents, metadata=_checked(_instance_of(Consents)))
    created_at: datetime | None = attrs.field(default=None, metadata=_checked(_optional_aware))

    def __attrs_post_init__(self) -> None:
        # The common case in one test; on any doubt, every field's validator (see _validate).
        id_, language, zone, created = self.id, self.language, self.timezone, self.created_at
        preferred, memberships = self.preferred_name, self.memberships
        if not (
            type(id_) is str
            and 0 < len(id_) <= 200
            and id_.strip() == id_
            and type(self.name) is str
            and (preferred is None or type(preferred) is str)
            and type(self.kind) is CustomerKind
            and type(language) is str
            and _is_language(language)
            and type(zone) is str
            and (zone in _KNOWN_ZONES or _known_zone(zone))
            and type(self.segments) is frozenset
            and _are_names(self.segments)
            and type(memberships) is dict
            and _are_named_names(memberships)
            and type(self.contacts) is tuple
            and _are_contact_points(self.contacts)
            and type(self.consents) is Consents
            and (
                created is None
                or (
                    type(created) is datetime
                    and created.tzinfo is not None
                    and created.utcoffset() is not None
                )
            )
        ):
            _validate(self)

    @property
    def address_name(self) -> str | None:
        """The name to use when writing to the customer, or None when we do not know one."""
        return self.preferred_name or self.name or None

    def contact(self, channel: str) -> str | None:
        """The first contact value for ``channel`` (``"email"``, ``"phone"``...), if any."""
        for point in self.contacts:
            if point.channel == channel:
                return point.value
        return None


# --------------------------------------------------------------------------------------------
# What customers say


@attrs.frozen(eq=True)
class Interaction:
    """One exchange with a customer on one channel: an e-mail, a form post, a call, a review.

    ``(channel, external_id)`` identifies the interaction at its source; ingesting the same
    pair twice stores it once.
    """

    id: str = attrs.field(metadata=_checked(_identifier))
    customer_id: str = attrs.field(metadata=_checked(_identifier))
    channel: str = attrs.field(metadata=_checked(_token))
    occurred_at: datetime = attrs.field(metadata=_checked(_aware))
    direction: Direction = attrs.field(
        default=Direction.INBOUND, converter=_direction, metadata=_checked(_is_enum(Direction))
    )
    subject: str | None = attrs.field(default=None, metadata=_checked(_optional_text))
    body: str = attrs.field(default="", metadata=_checked(_text))
    agent: str | None = attrs.field(default=None, metadata=_checked(_optional_text))
    thread_id: str | None = attrs.field(default=None, metadata=_checked(_optional_identifier))
    external_id: str | None = attrs.field(default=None, metadata=_checked(_optional_identifier))
    metadata: Mapping[str, Any] = attrs.field(factory=dict, metadata=_checked(_json_object))

    def __attrs_post_init__(self) -> None:
        # The common case in one test; on any doubt, every field's validator (see _validate).
        id_, customer_id, channel, when = self.id, self.customer_id, self.channel, self.occurred_at
        subject, agent, thread_id, external_id = (
            self.subject,
            self.agent,
            self.thread_id,
            self.external_id,
        )
        metadata = self.metadata
        if not (
            type(id_) is str
            and 0 < len(id_) <= 200
            and id_.strip() == id_
            and type(customer_id) is str
            and 0 < len(customer_id) <= 200
            and customer_id.strip() == customer_id
            and type(channel) is str
            and _is_token(channel)
            and type(when) is datetime
            and when.tzinfo is not None
            and (type(when.tzinfo) is timezone or when.utcoffset() is not None)
            and type(self.direction) is Direction
            and (subject is None or type(subject) is str)
            and type(self.body) is str
            and (agent is None or type(agent) is str)
            and (
                thread_id is None
                or (
                    type(thread_id) is str
                    and 0 < len(thread_id) <= 200
                    and thread_id.strip() == thread_id
                )
            )
            and (
                external_id is None
                or (
                    type(external_id) is str
                    and 0 < len(external_id) <= 200
                    and external_id.strip() == external_id
                )
            )
            and type(metadata) is dict
            and (not metadata or _is_flat_json(metadata))
        ):
            _validate(self)


@attrs.frozen(eq=True)
class Analysis:
    """What analyzers understood of a piece of feedback. Every field may be unknown (None).

    ``sentiment_score`` runs from -1 (most negative) to 1 (most positive). ``themes`` are short
    labels shared by similar feedback. ``analyzers`` names who contributed, in order.
    """

    language: str | None = attrs.field(default=None, validator=_optional_language)
    sentiment: Sentiment | None = attrs.field(
        default=None, converter=_sentiment, validator=_optional_enum(Sentiment)
    )
    sentiment_score: float | None = attrs.field(default=None, validator=_unit_interval(-1.0))
    kind: FeedbackKind | None = attrs.field(
        default=None, converter=_feedback_kind, validator=_optional_enum(FeedbackKind)
    )
    urgency: Urgency | None = attrs.field(
        default=None, converter=_urgency, validator=_optional_enum(Urgency)
    )
    follow_up_intent: bool | None = attrs.field(default=None, validator=_optional_boolean)
    risks: frozenset[str] = attrs.field(
        factory=frozenset, converter=_frozenset_of_str, validator=_strings
    )
    themes: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_strings)
    analyzers: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_strings)

    def merged(self, other: Analysis) -> Analysis:
        """This analysis completed by ``other``: our known fields win, sets and lists are joined."""
        return Analysis(
            language=self.language if self.language is not None else other.language,
            sentiment=self.sentiment if self.sentiment is not None else other.sentiment,
            sentiment_score=(
                self.sentiment_score if self.sentiment_score is not None else other.sentiment_score
            ),
            kind=self.kind if self.kind is not None else other.kind,
            urgency=self.urgency if self.urgency is not None else other.urgency,
            follow_up_intent=(
                self.follow_up_intent
                if self.follow_up_intent is not None
                else other.follow_up_intent
            ),
            risks=self.risks | other.risks,
            themes=_join(self.themes, other.themes),
            analyzers=_join(self.analyzers, other.analyzers),
        )


def _join(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return first + tuple(item for item in second if item not in first)


@attrs.frozen(eq=True)
class Feedback:
    """What a customer told us in one interaction, with any ratings they gave.

    Ratings are validated on their scales: ``nps`` 0–10, ``csat`` 1–5, ``ces`` 1–7. ``kind`` is
    None until the source states it or an analyzer decides it. ``follow_up_requested`` is the
    "please follow up" checkbox: it always opens a case.
    """

    id: str = attrs.field(metadata=_checked(_identifier))
    customer_id: str = attrs.field(metadata=_checked(_identifier))
    interaction_id: str = attrs.field(metadata=_checked(_identifier))
    created_at: datetime = attrs.field(metadata=_checked(_aware))
    text: str = attrs.field(default="", metadata=_checked(_text))
    kind: FeedbackKind | None = attrs.field(
        default=None, converter=_feedback_kind, metadata=_checked(_optional_enum(FeedbackKind))
    )
    language: str | None = attrs.field(default=None, metadata=_checked(_optional_language))
    nps: int | None = attrs.field(default=None, metadata=_checked(_score(0, 10)))
    csat: int | None = attrs.field(default=None, metadata=_checked(_score(1, 5)))
    ces: int | None = attrs.field(default=None, metadata=_checked(_score(1, 7)))
    follow_up_requested: bool = attrs.field(default=False, metadata=_checked(_boolean))
    analysis: Analysis | None = attrs.field(
        default=None, metadata=_checked(_instance_of(Analysis, optional=True))
    )

    def __attrs_post_init__(self) -> None:
        # The common case in one test; on any doubt, every field's validator (see _validate).
        id_, customer_id, interaction_id, when = (
            self.id,
            self.customer_id,
            self.interaction_id,
            self.created_at,
        )
        kind, language, nps, csat, ces = self.kind, self.language, self.nps, self.csat, self.ces
        if not (
            type(id_) is str
            and 0 < len(id_) <= 200
            and id_.strip() == id_
            and type(customer_id) is str
            and 0 < len(customer_id) <= 200
            and customer_id.strip() == customer_id
            and type(interaction_id) is str
            and 0 < len(interaction_id) <= 200
            and interaction_id.strip() == interaction_id
            and type(when) is datetime
            and when.tzinfo is not None
            and (type(when.tzinfo) is timezone or when.utcoffset() is not None)
            and type(self.text) is str
            and (kind is None or type(kind) is FeedbackKind)
            and (language is None or (type(language) is str and _is_language(language)))
            and (nps is None or (type(nps) is int and 0 <= nps <= 10))
            and (csat is None or (type(csat) is int and 1 <= csat <= 5))
            and (ces is None or (type(ces) is int and 1 <= ces <= 7))
            and type(self.follow_up_requested) is bool
            and self.analysis is None
        ):
            _validate(self)

    @property
    def has_rating(self) -> bool:
        """Whether the customer gave any score."""
        return self.nps is not None or self.csat is not None or self.ces is not None


@attrs.frozen(eq=True)
class Heard:
    """One thing heard from a customer, as a channel parsed it: who, the exchange, what they said.

    ``customer`` may be a new customer or a reference to a known one; the store resolves it by id
    or by any of its contact points. ``feedback`` is None for an interaction that carries no
    feedback (an outbound message, a bare call log).
    """

    customer: Customer = attrs.field(metadata=_checked(_instance_of(Customer)))
    interaction: Interaction = attrs.field(metadata=_checked(_instance_of(Interaction)))
    feedback: Feedback | None = attrs.field(
        default=None, metadata=_checked(_instance_of(Feedback, optional=True))
    )

    def __attrs_post_init__(self) -> None:
        # The common case in one test; on any doubt, every field's validator (see _validate).
        if not (
            type(self.customer) is Customer
            and type(self.interaction) is Interaction
            and (self.feedback is None or type(self.feedback) is Feedback)
        ):
            _validate(self)


# --------------------------------------------------------------------------------------------
# Cases and events: the records the listening workflow moves and the audit trail it writes.


@attrs.frozen
class RecoveryGesture:
    """Something given to make up for a failure: a discount, a gift, a handwritten note.

    ``value`` is what the customer perceives (e.g. 20 for "20 EUR off"); ``cost`` what it cost the
    organisation, in ``currency``.
    """

    kind: str = attrs.field(validator=_token)
    description: str = attrs.field(default="", validator=_text)
    value: float = attrs.field(default=0.0, validator=_finite_number)
    cost: float = attrs.field(default=0.0, validator=_finite_number)
    currency: str = attrs.field(default="EUR", validator=_identifier)


@attrs.frozen
class Route:
    """Who takes care of a case: an owner (a person), a team, or both, and why."""

    owner: str | None = attrs.field(default=None, validator=_optional_text)
    team: str | None = attrs.field(default=None, validator=_optional_text)
    reason: str | None = attrs.field(default=None, validator=_optional_text)


@attrs.frozen(eq=True)
class Case:
    """Feedback that needs action, followed from receipt until the customer was told what we did.

    The listening workflow moves a case through :class:`CaseStage`; the timestamps record when each
    stage was reached and the ``*_due_at`` fields the service-level deadlines. ``version`` grows by
    one with every saved change, so concurrent writers can detect each other.
    """

    id: str = attrs.field(validator=_identifier)
    customer_id: str = attrs.field(validator=_identifier)
    feedback_id: str | None = attrs.field(validator=_optional_identifier)
    opened_at: datetime = attrs.field(validator=_aware)
    stage: CaseStage = attrs.field(
        default=CaseStage.RECEIVED, converter=_stage, validator=_is_enum(CaseStage)
    )
    priority: Priority = attrs.field(
        default=Priority.NORMAL, converter=_priority, validator=_is_enum(Priority)
    )
    owner: str | None = attrs.field(default=None, validator=_optional_text)
    team: str | None = attrs.field(default=None, validator=_optional_text)
    escalation_level: int = attrs.field(default=0, validator=_non_negative_int)
    acknowledge_due_at: datetime | None = attrs.field(default=None, validator=_optional_aware)
    resolve_due_at: datetime | None = attrs.field(default=None, validator=_optional_aware)
    inform_due_at: datetime | None = attrs.field(default=None, validator=_optional_aware)
    acknowledged_at: datetime | None = attrs.field(default=None, validator=_optional_aware)
    resolved_at: datetime | None = attrs.field(default=None, validator=_optional_aware)
    informed_at: datetime | None = attrs.field(default=None, validator=_optional_aware)
    closed_at: datetime | None = attrs.field(default=None, validator=_optional_aware)
    root_cause: str | None = attrs.field(default=None, validator=_optional_text)
    notes: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_strings)
    plan: str | None = attrs.field(default=None, validator=_optional_text)
    resolution: str | None = attrs.field(default=None, validator=_optional_text)
    apology: bool = attrs.field(default=False, validator=_boolean)
    gesture: RecoveryGesture | None = attrs.field(
        default=None, validator=_instance_of(RecoveryGesture, optional=True)
    )
    problem_id: str | None = attrs.field(default=None, validator=_optional_identifier)
    close_reason: str | None = attrs.field(default=None, validator=_optional_text)
    kind: FeedbackKind | None = attrs.field(
        default=None, converter=_feedback_kind, validator=_optional_enum(FeedbackKind)
    )
    channel: str | None = attrs.field(default=None, validator=_optional_text)
    opened_because: str | None = attrs.field(default=None, validator=_optional_text)
    acting_due_at: datetime | None = attrs.field(default=None, validator=_optional_aware)
    waiting_since: datetime | None = attrs.field(default=None, validator=_optional_aware)
    waiting_reason: str | None = attrs.field(default=None, validator=_optional_text)
    escalated_to: str | None = attrs.field(default=None, validator=_optional_text)
    breaches: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_strings)
    informed_how: str | None = attrs.field(default=None, validator=_optional_text)
    unreachable_reason: str | None = attrs.field(default=None, validator=_optional_text)
    reopened: int = attrs.field(default=0, validator=_non_negative_int)
    version: int = attrs.field(default=0, validator=_non_negative_int)

    @property
    def is_open(self) -> bool:
        """Whether the case still needs work (it is not closed)."""
        return self.stage is not CaseStage.CLOSED

    @property
    def is_waiting(self) -> bool:
        """Whether the case waits on the customer, with its service-level clocks paused."""
        return self.waiting_since is not None


@attrs.frozen(eq=True)
class Problem:
    """One underlying cause behind many cases: "a complaint represents many customers".

    Cases are linked to a problem through :attr:`Case.problem_id`; resolving the problem resolves
    every linked open case and informs each affected customer.
    """

    id: str = attrs.field(validator=_identifier)
    title: str = attrs.field(validator=_text)
    opened_at: datetime = attrs.field(validator=_aware)
    description: str = attrs.field(default="", validator=_text)
    theme: str | None = attrs.field(default=None, validator=_optional_text)
    owner: str | None = attrs.field(default=None, validator=_optional_text)
    status: ProblemStatus = attrs.field(
        default=ProblemStatus.OPEN, converter=_problem_status, validator=_is_enum(ProblemStatus)
    )
    root_cause: str | None = attrs.field(default=None, validator=_optional_text)
    resolution: str | None = attrs.field(default=None, validator=_optional_text)
    resolved_at: datetime | None = attrs.field(default=None, validator=_optional_aware)
    version: int = attrs.field(default=0, validator=_non_negative_int)


@attrs.frozen(eq=True)
class Timer:
    """Work the workflow must do at an instant: warn before a deadline, escalate at a breach.

    ``kind`` is a dotted name such as ``"resolve.breach"``; ``id`` is stable for the case, kind
    and instant, so scheduling the same timer twice stores it once, and a timer that fired is
    never fired again.
    """

    id: str = attrs.field(validator=_identifier)
    case_id: str = attrs.field(validator=_identifier)
    kind: str = attrs.field(validator=_token)
    due_at: datetime = attrs.field(validator=_aware)
    data: Mapping[str, Any] = attrs.field(factory=dict, validator=_json_object)


@attrs.frozen(eq=True)
class Event:
    """A change that happened, written with the change itself: the audit trail and the outbox.

    ``type`` is a dotted name such as ``"feedback.received"`` or ``"case.acknowledged"``;
    ``actor`` is who caused it (a user, ``"system"``, a plugin); ``reason`` why, in words. ``id`` is
    stable: a plugin that receives the same event twice can recognise it.
    """

    id: str = attrs.field(metadata=_checked(_identifier))
    type: str = attrs.field(metadata=_checked(_token))
    occurred_at: datetime = attrs.field(metadata=_checked(_aware))
    actor: str = attrs.field(default="system", metadata=_checked(_identifier))
    customer_id: str | None = attrs.field(default=None, metadata=_checked(_optional_identifier))
    case_id: str | None = attrs.field(default=None, metadata=_checked(_optional_identifier))
    feedback_id: str | None = attrs.field(default=None, metadata=_checked(_optional_identifier))
    reason: str | None = attrs.field(default=None, metadata=_checked(_optional_text))
    data: Mapping[str, Any] = attrs.field(factory=dict, metadata=_checked(_json_object))

    def __attrs_post_init__(self) -> None:
        # The common case in one test; on any doubt, every field's validator (see _validate).
        id_, type_, when, actor = self.id, self.type, self.occurred_at, self.actor
        customer_id, case_id, feedback_id = self.customer_id, self.case_id, self.feedback_id
        reason, data = self.reason, self.data
        if not (
            type(id_) is str
            and 0 < len(id_) <= 200
            and id_.strip() == id_
            and type(type_) is str
            and _is_token(type_)
            and type(when) is datetime
            and when.tzinfo is not None
            and (type(when.tzinfo) is timezone or when.utcoffset() is not None)
            and type(actor) is str
            and 0 < len(actor) <= 200
            and actor.strip() == actor
            and (
                customer_id is None
                or (
                    type(customer_id) is str
                    and 0 < len(customer_id) <= 200
                    and customer_id.strip() == customer_id
                )
            )
            and (
                case_id is None
                or (type(case_id) is str and 0 < len(case_id) <= 200 and case_id.strip() == case_id)
            )
            and (
                feedback_id is None
                or (
                    type(feedback_id) is str
                    and 0 < len(feedback_id) <= 200
                    and feedback_id.strip() == feedback_id
                )
            )
            and (reason is None or type(reason) is str)
            and type(data) is dict
            and (not data or _is_flat_json(data))
        ):
            _validate(self)


@attrs.frozen
class Message:
    """Something clientvoice says to a customer, already rendered in their language.

    ``channel`` is the channel that delivers it and ``to`` the address on that channel (an e-mail
    address, a phone number, a handle). ``in_reply_to`` names what it answers when the channel
    threads conversations (the interaction's ``thread_id`` or ``external_id``).
    ``personalised`` is False when the customer's name was unknown and the message says so by
    greeting them without it.
    """

    id: str = attrs.field(validator=_identifier)
    customer_id: str = attrs.field(validator=_identifier)
    channel: str = attrs.field(validator=_token)
    to: str = attrs.field(validator=_text)
    kind: MessageKind = attrs.field(converter=_message_kind, validator=_is_enum(MessageKind))
    language: str = attrs.field(validator=_language)
    subject: str = attrs.field(validator=_text)
    body: str = attrs.field(validator=_text)
    created_at: datetime = attrs.field(validator=_aware)
    case_id: str | None = attrs.field(default=None, validator=_optional_identifier)
    in_reply_to: str | None = attrs.field(default=None, validator=_optional_identifier)
    personalised: bool = attrs.field(default=True, validator=_boolean)


@attrs.frozen
class Delivery:
    """What a channel did with a :class:`Message`: sent it, failed, or found no way to reach.

    ``external_id`` is the id the channel gave the message (an e-mail's Message-ID); ``detail`` says
    what went wrong, in words, when it did.
    """

    message_id: str = attrs.field(validator=_identifier)
    channel: str = attrs.field(validator=_token)
    status: DeliveryStatus = attrs.field(
        converter=_delivery_status, validator=_is_enum(DeliveryStatus)
    )
    at: datetime = attrs.field(validator=_aware)
    external_id: str | None = attrs.field(default=None, validator=_optional_text)
    detail: str | None = attrs.field(default=None, validator=_optional_text)


@attrs.frozen
class Rejection:
    """An input that could not be accepted, kept in the dead-letter list with the reason.

    ``source`` names where it came from (a file path, ``"ingest"``, a channel), ``line`` its
    1-based line or row number when it has one, ``field`` the offending field when known, and
    ``raw`` the input as received (truncated to 10,000 characters) so it can be fixed and replayed.
    """

    source: str = attrs.field(validator=_text)
    reason: str = attrs.field(validator=_text)
    line: int | None = attrs.field(default=None)
    field: str | None = attrs.field(default=None, validator=_optional_text)
    raw: str = attrs.field(default="", validator=_text)
    received_at: datetime | None = attrs.field(default=None, validator=_optional_aware)

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.reason}"
