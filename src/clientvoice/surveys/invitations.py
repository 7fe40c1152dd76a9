"""When to ask a customer for their opinion, and when not to: the invitation policy.

An :class:`InvitationPolicy` decides, for one :class:`Occasion` (an interaction that may deserve a
survey), whether to invite the customer and when. It is pure logic: the past contacts it weighs
come from a :class:`ContactHistory` (the store implements it; :class:`MemoryContactHistory` is
the in-memory one), and "now" is handed in. The rules, in the order :meth:`InvitationPolicy.why_not`
reports them:

1. **trigger**: the occasion's kind, channel and outcome match the policy's :class:`Trigger`;
2. **consent**: the customer agreed to surveys (``Customer.consents.surveys``);
3. **contact point**: the customer can be reached on one of the policy's channels;
4. **sampling**: a deterministic draw keeps ``sampling_rate`` of the occasions (the same occasion
   always gets the same draw, so decisions are reproducible and testable);
5. **fatigue**: no other survey invitation within ``fatigue`` of the send time, across all surveys;
6. **contact budget**: the customer's :class:`ContactBudget` has room at the send time.

The send time is the occasion plus ``delay`` (never before ``now``); when it falls in the
customer's :class:`QuietHours` (in the customer's own time zone) it moves to the end of them.

The contact budget is shared by everything that speaks to the customer: survey invitations,
acknowledgements, follow-ups, status updates. An answer to the customer's own request (the
acknowledgement or the resolution of their case) is always allowed, but it still counts: it uses
room that an unprompted contact would otherwise have had.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta, timezone
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import attrs

from clientvoice._ids import stable_id
from clientvoice.errors import ValidationError
from clientvoice.models import Customer, Interaction

__all__ = [
    "ANSWER",
    "SURVEY_INVITATION",
    "Contact",
    "ContactBudget",
    "ContactHistory",
    "Decision",
    "Invitation",
    "InvitationPolicy",
    "MemoryContactHistory",
    "Occasion",
    "QuietHours",
    "Reason",
    "Trigger",
]

SURVEY_INVITATION = "survey_invitation"
"""The :attr:`Contact.kind` of a survey invitation (what fatigue counts)."""

ANSWER = "answer"
"""A conventional :attr:`Contact.kind` for a reply to the customer's own request."""


# --------------------------------------------------------------------------------------------
# Contacts: what the policy reads


def _aware(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError(attribute.name, value, "must be a timezone-aware datetime")


def _token(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str or not value or not value.isascii() or value != value.strip():
        raise ValidationError(attribute.name, value, "must be a non-empty name")


def _bool(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not bool:
        raise ValidationError(attribute.name, value, "must be True or False")


def _optional_text(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (type(value) is not str or not value):
        raise ValidationError(attribute.name, value, "must be a non-empty string or None")


@attrs.frozen
class Contact:
    """One time the organisation spoke to a customer (or will: scheduled contacts count too).

    ``kind`` is what it was (``"survey_invitation"``, ``"acknowledgement"``, ``"follow_up"``,
    ``"status_update"``..., e.g. a :class:`~clientvoice.MessageKind` value); ``answered_request``
    is True when it answered something the customer asked. Such a contact was never refused by
    the budget, but it counts towards it like any other. ``ref`` names the record it comes from
    (an invitation or message id), when known.
    """

    at: datetime = attrs.field(validator=_aware)
    kind: str = attrs.field(validator=_token)
    channel: str = attrs.field(default="email", validator=_token)
    answered_request: bool = attrs.field(default=False, validator=_bool)
    ref: str | None = attrs.field(default=None, validator=_optional_text)


@runtime_checkable
class ContactHistory(Protocol):
    """Where the policy reads past (and scheduled) contacts with a customer.

    ``contacts`` returns every contact with ``customer_id`` whose ``at`` is at or after ``since``
    — including contacts scheduled in the future — in any order.
    """

    def contacts(self, customer_id: str, since: datetime) -> Sequence[Contact]:
        """The customer's contacts at or after ``since``."""
        ...


class MemoryContactHistory:
    """A :class:`ContactHistory` kept in a dict: for tests, simulations and small applications."""

    def __init__(self, contacts: Mapping[str, Iterable[Contact]] | None = None) -> None:
        self._contacts: dict[str, list[Contact]] = {}
        for customer_id, items in (contacts or {}).items():
            for item in items:
                self.record(customer_id, item)

    def record(self, customer_id: str, contact: Contact) -> None:
        """Remember that ``contact`` happened (or is scheduled) with ``customer_id``."""
        if not isinstance(contact, Contact):
            raise ValidationError("contact", contact, "must be a Contact")
        self._contacts.setdefault(customer_id, []).append(contact)

    def contacts(self, customer_id: str, since: datetime) -> list[Contact]:
        """The customer's contacts at or after ``since``, oldest first."""
        found = [c for c in self._contacts.get(customer_id, ()) if c.at >= since]
        return sorted(found, key=lambda contact: contact.at)

    def __repr__(self) -> str:
        total = sum(len(items) for items in self._contacts.values())
        return f"MemoryContactHistory({total} contacts, {len(self._contacts)} customers)"


# --------------------------------------------------------------------------------------------
# Decisions


@attrs.frozen
class Reason:
    """Why a contact is not made: a stable ``code`` for programs, a ``detail`` for people."""

    code: str
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


def _positive_duration(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(attribute.name, value, "must be a positive timedelta")


@attrs.frozen
class ContactBudget:
    """At most ``max_contacts`` contacts with a customer in any window of length ``period``.

    Survey invitations, acknowledgements, follow-ups and status updates all draw on it. A contact
    that answers the customer's own request is never refused, but it counts: after two
    acknowledgements this week, a budget of two a week leaves no room for a survey.
    """

    max_contacts: int = attrs.field()
    period: timedelta = attrs.field(validator=_positive_duration)

    def __attrs_post_init__(self) -> None:
        if type(self.max_contacts) is not int or self.max_contacts < 1:
            raise ValidationError("max_contacts", self.max_contacts, "must be a whole number >= 1")

    def why_not(
        self,
        customer_id: str,
        at: datetime,
        history: ContactHistory,
        *,
        answered_request: bool = False,
        ref: str | None = None,
    ) -> list[Reason]:
        """Why one more contact with ``customer_id`` at ``at`` would break the budget (empty if
        it would not, and always empty for an answer to the customer's own request).

        Every window of length ``period`` that contains ``at`` is checked, so contacts already
        scheduled after ``at`` count too. A contact whose ``ref`` is ``ref`` is the one being
        weighed (decided again) and is not counted twice.
        """
        if answered_request:
            return []
        since = at - self.period
        times = sorted(
            contact.at
            for contact in history.contacts(customer_id, since)
            if since < contact.at < at + self.period and (ref is None or contact.ref != ref)
        )
        busiest = _busiest_window(times, at, self.period)
        if busiest + 1 > self.max_contacts:
            return [
                Reason(
                    "budget",
                    f"the customer already has {busiest} contact(s) within {_days(self.period)} "
                    f"of {at.isoformat()}; the budget allows {self.max_contacts}",
                )
            ]
        return []

    def allows(
        self,
        customer_id: str,
        at: datetime,
        history: ContactHistory,
        *,
        answered_request: bool = False,
    ) -> bool:
        """Whether one more contact at ``at`` fits the budget."""
        return not self.why_not(customer_id, at, history, answered_request=answered_request)


def _time(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, time) or value.tzinfo is not None:
        raise ValidationError(attribute.name, value, "must be a local time without time zone")


@attrs.frozen
class QuietHours:
    """Hours of the customer's day when nothing unprompted is sent: from ``start`` to ``end``,
    local to the customer (may span midnight: 21:00–09:00). ``start == end`` means none."""

    start: time = attrs.field(default=time(21, 0), validator=_time)
    end: time = attrs.field(default=time(9, 0), validator=_time)

    def contains(self, moment: time) -> bool:
        """Whether the local time ``moment`` is quiet."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def next_allowed(self, at: datetime, zone: str) -> datetime:
        """``at`` itself if it is not quiet in ``zone``, else the end of the quiet hours, in UTC."""
        tz = ZoneInfo(zone)
        local = at.astimezone(tz)
        if not self.contains(local.time().replace(tzinfo=None)):
            return at
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)  # quiet until tomorrow's end
        wake = datetime.combine(day, self.end, tzinfo=tz)
        # A wake-up time that does not exist (a DST gap) resolves forwards through UTC.
        return wake.astimezone(timezone.utc)


def _names(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(value)
    return value


def _optional_names(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, frozenset) or not all(type(v) is str and v for v in value):
        raise ValidationError(attribute.name, value, "must be None or a set of names")


@attrs.frozen
class Trigger:
    """Which occasions may lead to an invitation. None means "any"; a set lists the accepted
    values. An occasion matches when its kind, channel and outcome are all accepted."""

    kinds: frozenset[str] | None = attrs.field(
        default=None, converter=_names, validator=_optional_names
    )
    channels: frozenset[str] | None = attrs.field(
        default=None, converter=_names, validator=_optional_names
    )
    outcomes: frozenset[str] | None = attrs.field(
        default=None, converter=_names, validator=_optional_names
    )

    def why_not(self, occasion: Occasion) -> list[Reason]:
        """What of ``occasion`` this trigger does not accept (empty if it matches)."""
        reasons = []
        for what, accepted, value in (
            ("kind", self.kinds, occasion.kind),
            ("channel", self.channels, occasion.interaction.channel),
            ("outcome", self.outcomes, occasion.outcome),
        ):
            if accepted is not None and value not in accepted:
                listed = ", ".join(sorted(accepted))
                reasons.append(
                    Reason("trigger", f"the {what} {value!r} does not trigger it (only {listed})")
                )
        return reasons


def _text_or_none(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and type(value) is not str:
        raise ValidationError(attribute.name, value, "must be a string or None")


@attrs.frozen
class Occasion:
    """An interaction that may deserve a survey, with who had it.

    ``kind`` (``"purchase"``, ``"support"``, ``"case_closed"``...) and ``outcome``
    (``"resolved"``, ``"refund"``...) default to the interaction's ``metadata["kind"]`` and
    ``metadata["outcome"]`` when those are strings. ``case_id`` names the case the survey follows
    up, when there is one.
    """

    customer: Customer = attrs.field()
    interaction: Interaction = attrs.field()
    kind: str | None = attrs.field(default=None, validator=_text_or_none)
    outcome: str | None = attrs.field(default=None, validator=_text_or_none)
    case_id: str | None = attrs.field(default=None, validator=_optional_text)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.customer, Customer):
            raise ValidationError("customer", self.customer, "must be a Customer")
        if not isinstance(self.interaction, Interaction):
            raise ValidationError("interaction", self.interaction, "must be an Interaction")
        if self.interaction.customer_id != self.customer.id:
            raise ValidationError(
                "interaction.customer_id",
                self.interaction.customer_id,
                f"is not the customer's id ({self.customer.id!r})",
            )
        metadata = self.interaction.metadata
        for name in ("kind", "outcome"):
            if getattr(self, name) is None and type(metadata.get(name)) is str:
                object.__setattr__(self, name, metadata[name])


def _identifier(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str or not value or len(value) > 200 or value.strip() != value:
        raise ValidationError(
            attribute.name, value, "must be a non-empty string of at most 200 characters"
        )


def _optional_identifier(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _identifier(instance, attribute, value)


def _string(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str:
        raise ValidationError(attribute.name, value, "must be a string")


@attrs.frozen
class Invitation:
    """An invitation to answer ``survey_id``, about the interaction ``interaction_id``.

    ``id`` is stable for the survey and the interaction: deciding twice gives the same invitation.
    ``backend`` names the survey backend that carries it, ``channel`` and ``to`` where to send it;
    ``send_at`` when (never in quiet hours) and ``expires_at`` until when its token is good.
    ``case_id`` names the case it follows up, if any.
    """

    id: str = attrs.field(validator=_identifier)
    survey_id: str = attrs.field(validator=_identifier)
    customer_id: str = attrs.field(validator=_identifier)
    interaction_id: str = attrs.field(validator=_identifier)
    channel: str = attrs.field(validator=_token)
    to: str = attrs.field(validator=_string)
    language: str = attrs.field(validator=_token)
    send_at: datetime = attrs.field(validator=_aware)
    expires_at: datetime = attrs.field(validator=_aware)
    backend: str = attrs.field(default="link", validator=_token)
    case_id: str | None = attrs.field(default=None, validator=_optional_identifier)

    def __attrs_post_init__(self) -> None:
        if self.expires_at <= self.send_at:
            raise ValidationError("expires_at", self.expires_at, "must be after send_at")


@attrs.frozen
class Decision:
    """What the policy decided: an ``invitation`` to send, or the ``reasons`` not to.

    ``moved_by_quiet_hours`` tells whether the send time was pushed past the customer's quiet
    hours.
    """

    invitation: Invitation | None
    reasons: tuple[Reason, ...] = ()
    moved_by_quiet_hours: bool = False

    @property
    def invite(self) -> bool:
        """Whether to send the invitation."""
        return self.invitation is not None


def _rate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) not in (int, float) or not 0.0 <= value <= 1.0:
        raise ValidationError(attribute.name, value, "must be a number from 0 to 1")


def _duration(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise ValidationError(attribute.name, value, "must be a timedelta >= 0")


def _channels(value: Any) -> Any:
    if isinstance(value, str):
        return (value,)
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _channel_list(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not tuple or not value or not all(type(v) is str and v for v in value):
        raise ValidationError(attribute.name, value, "must be a non-empty list of channel names")


@attrs.frozen
class InvitationPolicy:
    """The rules for inviting customers to one survey (see the module documentation).

    :param survey_id: the survey invitations ask for.
    :param trigger: which occasions may lead to an invitation.
    :param delay: how long after the occasion to ask (e.g. a day after delivery).
    :param sampling_rate: the share of matching occasions to ask about, from 0 to 1.
    :param seed: any text; change it to draw a different (still reproducible) sample.
    :param fatigue: no other survey invitation to the same customer this close to the send time.
    :param quiet_hours: local hours when nothing is sent; None for none.
    :param budget: the customer's contact budget, shared with other kinds of contact; None for
        no budget.
    :param channels: where invitations may go, in order of preference (a contact point of the
        customer on that channel is needed).
    :param expires_after: how long the invitation's link stays good after it is sent.
    :param backend: the name of the survey backend that carries the invitations.
    """

    survey_id: str = attrs.field(validator=_token)
    trigger: Trigger = attrs.field(factory=Trigger)
    delay: timedelta = attrs.field(default=timedelta(0), validator=_duration)
    sampling_rate: float = attrs.field(default=1.0, validator=_rate)
    seed: str = attrs.field(default="clientvoice")
    fatigue: timedelta = attrs.field(default=timedelta(days=30), validator=_duration)
    quiet_hours: QuietHours | None = attrs.field(factory=QuietHours)
    budget: ContactBudget | None = attrs.field(default=None)
    channels: tuple[str, ...] = attrs.field(
        default=("email",), converter=_channels, validator=_channel_list
    )
    expires_after: timedelta = attrs.field(default=timedelta(days=14), validator=_positive_duration)
    backend: str = attrs.field(default="link", validator=_token)

    def decide(self, occasion: Occasion, history: ContactHistory, now: datetime) -> Decision:
        """Whether, when and where to invite the customer of ``occasion``.

        :param history: the customer's past and scheduled contacts.
        :param now: the current instant (timezone-aware); the send time is never earlier.
        """
        if not isinstance(now, datetime) or now.utcoffset() is None:
            raise ValidationError("now", now, "must be a timezone-aware datetime")
        customer = occasion.customer
        reasons = list(self.trigger.why_not(occasion))
        if not customer.consents.surveys:
            reasons.append(Reason("consent", "the customer has not agreed to surveys"))
        channel, to = self._contact_point(customer)
        if to is None:
            wanted = ", ".join(self.channels)
            reasons.append(Reason("contact_point", f"the customer has no contact on {wanted}"))
        draw = self.draw(occasion)
        if draw >= self.sampling_rate:
            reasons.append(
                Reason(
                    "sampling",
                    f"not in the {self.sampling_rate:.0%} sample (draw {draw:.4f})",
                )
            )

        send_at = max(occasion.interaction.occurred_at + self.delay, now).astimezone(timezone.utc)
        moved = False
        if self.quiet_hours is not None:
            allowed = self.quiet_hours.next_allowed(send_at, customer.timezone)
            moved = allowed != send_at
            send_at = allowed

        invitation_id = stable_id("inv", self.survey_id, occasion.interaction.id)
        reasons.extend(self._fatigue(customer.id, send_at, history, invitation_id))
        if self.budget is not None:
            reasons.extend(self.budget.why_not(customer.id, send_at, history, ref=invitation_id))

        if reasons or to is None:
            return Decision(None, tuple(reasons), moved)
        invitation = Invitation(
            id=invitation_id,
            survey_id=self.survey_id,
            customer_id=customer.id,
            interaction_id=occasion.interaction.id,
            channel=channel,
            to=to,
            language=customer.language,
            send_at=send_at,
            expires_at=send_at + self.expires_after,
            backend=self.backend,
            case_id=occasion.case_id,
        )
        return Decision(invitation, (), moved)

    def why_not(self, occasion: Occasion, history: ContactHistory, now: datetime) -> list[Reason]:
        """Every reason not to invite for ``occasion`` (empty when the policy would invite)."""
        return list(self.decide(occasion, history, now).reasons)

    def draw(self, occasion: Occasion) -> float:
        """The occasion's sampling draw in [0, 1): a hash of the seed, the survey, the customer
        and the interaction, so the same occasion gets the same draw in every process and run."""
        text = "\x1f".join(
            (self.seed, self.survey_id, occasion.customer.id, occasion.interaction.id)
        )
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2.0**64

    def contact(self, invitation: Invitation) -> Contact:
        """The :class:`Contact` to record in the history once ``invitation`` is scheduled."""
        return Contact(invitation.send_at, SURVEY_INVITATION, invitation.channel, ref=invitation.id)

    # -- helpers ------------------------------------------------------------------------------

    def _contact_point(self, customer: Customer) -> tuple[str, str | None]:
        for channel in self.channels:
            value = customer.contact(channel)
            if value is not None:
                return channel, value
        return self.channels[0], None

    def _fatigue(
        self, customer_id: str, send_at: datetime, history: ContactHistory, invitation_id: str
    ) -> list[Reason]:
        if self.fatigue <= timedelta(0):
            return []
        since = send_at - self.fatigue
        for contact in history.contacts(customer_id, since):
            if contact.kind == SURVEY_INVITATION and since < contact.at < send_at + self.fatigue:
                if contact.ref is not None and contact.ref == invitation_id:
                    continue  # the same invitation, decided again
                return [
                    Reason(
                        "fatigue",
                        f"another survey invitation at {contact.at.isoformat()} is within "
                        f"{_days(self.fatigue)} of {send_at.isoformat()}",
                    )
                ]
        return []


def _busiest_window(times: Sequence[datetime], at: datetime, period: timedelta) -> int:
    """The most contacts among ``times`` (sorted) in one window ``[s, s + period)`` that also
    contains ``at``. Windows starting at ``at`` or at a contact before it are enough to check:
    any other window holds no more contacts than the next of those."""
    starts = [t for t in times if at - period < t <= at] + [at]
    best = 0
    for start in starts:
        end = start + period
        if not start <= at < end:
            continue
        best = max(best, sum(1 for t in times if start <= t < end))
    return best


def _days(period: timedelta) -> str:
    if period % timedelta(days=1) == timedelta(0):
        days = period // timedelta(days=1)
        return f"{days} day{'s' if days != 1 else ''}"
    return str(period)
