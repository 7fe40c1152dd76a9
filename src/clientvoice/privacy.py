"""What the privacy duties mean for each kind of record: export one customer, erase one customer.

Every store reads and writes its own tables, but the rules live here, once: :func:`export_customer`
gathers everything held about a customer through the public :class:`~clientvoice.stores.base.Store`
methods, and :class:`Erasure` says what each record of an erased customer becomes, so that every
store anonymises the same fields in the same way.

The rule of erasure: what identifies the person or records what they said goes; what the
organisation counts stays. Names, contact points, the texts the customer wrote, the addresses
messages were sent to and message bodies are removed; e-mail addresses and phone numbers inside
the remaining free text (case notes, plans, event data, dead letters) are replaced by
:data:`REDACTED`. The customer's own ids go too (they are often a hash of a contact point): the
records move to a fresh id. Other ids, scores, kinds, channels, timestamps, segments,
memberships, case stages, SLA facts and analysis labels stay, so metrics computed before and
after erasure agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from clientvoice._codec import dump
from clientvoice._ids import new_id, stable_digest, stable_id
from clientvoice.models import (
    Analysis,
    Case,
    Consents,
    Customer,
    Delivery,
    Event,
    Feedback,
    Interaction,
    Message,
    Rejection,
    Timer,
)

if TYPE_CHECKING:
    from clientvoice.stores.base import Store
    from clientvoice.surveys.invitations import Invitation

__all__ = [
    "REDACTED",
    "Erasure",
    "ErasureReport",
    "anonymise_text",
    "export_customer",
    "written_by",
]

REDACTED = "[redacted]"
"""What stands in place of each piece of personal data removed from a text."""


@attrs.frozen
class ErasureReport:
    """What :meth:`Store.erase_customer` rewrote, counted by kind of record; no personal data.

    ``customer_id`` is the id the erased customer's records carry from now on: a fresh one,
    unrelated to the old id (an id derived from a contact point would lead back to the person).
    ``events`` counts rewritten events of the log (not the ``customer.erased`` event added),
    ``rejections`` dead letters whose raw record mentioned the customer.
    """

    customer_id: str
    erased_at: datetime
    contact_points: int = 0
    interactions: int = 0
    feedback: int = 0
    cases: int = 0
    messages: int = 0
    timers: int = 0
    invitations: int = 0
    events: int = 0
    rejections: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        data: dict[str, Any] = dump(self)
        return data

    def event(self, *, actor: str = "system", reason: str | None = None) -> Event:
        """The ``customer.erased`` event recording this erasure (counts only, no personal data).

        Its id depends only on the customer, so erasing the same customer twice logs it once.
        """
        counts = {
            name: value
            for name, value in self.as_dict().items()
            if name not in ("customer_id", "erased_at")
        }
        return Event(
            id=stable_id("ev", self.customer_id, "customer.erased"),
            type="customer.erased",
            occurred_at=self.erased_at,
            actor=actor,
            customer_id=self.customer_id,
            reason=reason,
            data=counts,
        )


def anonymise_text(text: str, personal: Iterable[str] = ()) -> str:
    """``text`` with e-mail addresses, phone numbers and each ``personal`` string replaced.

    Every e-mail address and every phone-like number (7 digits or more, spaces, dots, dashes,
    parentheses and a leading ``+`` allowed) is replaced by :data:`REDACTED`, whoever it belongs
    to; so is every whole-word occurrence of a ``personal`` string, ignoring case and, for phone
    numbers, the separators written between digits.
    """
    return Erasure(customer_id="-", personal=frozenset(personal)).text(text)


def written_by(interactions: Iterable[Interaction], feedback: Iterable[Feedback]) -> list[str]:
    """What a customer wrote: the subjects and bodies of their interactions and their feedback
    texts (the ``texts`` of :meth:`Erasure.of`)."""
    texts = [text for item in interactions for text in (item.subject or "", item.body)]
    texts.extend(item.text for item in feedback)
    return texts


def export_customer(store: Store, customer_id: str) -> dict[str, Any]:
    """Everything ``store`` holds about one customer, as a JSON-serialisable dict.

    ``customer_id`` may be any id the store resolves to the customer, a merged one included.
    Keys: ``customer`` (profile, contact points, consents), ``merged_ids`` (ids merged into this
    customer), ``interactions``, ``feedback`` (with its analysis), ``cases``, ``events`` (the
    events of the customer, of their feedback or of their cases, each with its log position
    ``seq``), ``messages`` (with delivery status), ``timers`` (pending, of their cases),
    ``invitations`` (survey invitations, when the store keeps them) and ``rejections`` (dead
    letters whose raw record names one of their contact points).

    :raises NotFoundError: if no customer has this id.
    """
    customer = store.get_customer(customer_id)
    merged = sorted(store.merged_ids(customer.id))
    ids = {customer.id, *merged}
    feedback = list(store.iter_feedback(customer_id=customer.id))
    cases = list(store.iter_cases(customer_id=customer.id))
    case_ids = {case.id for case in cases}
    feedback_ids = {item.id for item in feedback}
    events = [
        {"seq": stored.seq, "event": dump(stored.event)}
        for stored in store.iter_events()
        if stored.event.customer_id in ids
        or stored.event.case_id in case_ids
        or stored.event.feedback_id in feedback_ids
    ]
    erasure = Erasure.of(customer)
    exported: dict[str, Any] = {
        "customer": dump(customer),
        "merged_ids": merged,
        "interactions": [dump(item) for item in store.iter_interactions(customer_id=customer.id)],
        "feedback": [dump(item) for item in feedback],
        "cases": [dump(case) for case in cases],
        "events": events,
        "messages": [dump(item) for item in store.iter_messages(customer_id=customer.id)],
        "timers": [dump(timer) for case in cases for timer in store.iter_timers(case_id=case.id)],
        "invitations": [dump(item) for item in _invitations(store, customer.id)],
        "rejections": [
            dump(rejection)
            for rejection in store.iter_rejections()
            if erasure.names_contact(rejection.raw)
        ],
    }
    return exported


@attrs.frozen
class Erasure:
    """The anonymisation of one customer's records: what each kind of record becomes.

    ``personal`` holds the strings to remove wherever they appear: names, contact values and the
    texts the customer wrote. ``ids`` are the customer's ids (``customer_id`` and the ids merged
    into it), replaced wherever they appear by ``anonymous_id``, a fresh id: customer ids are
    often derived from a contact point (``cus_`` and a hash of the e-mail address), so keeping
    them would let anyone who knows the address find the records again. Build it with
    :meth:`of`, then pass each stored record of the customer through the method named after its
    kind and write back what it returns.
    """

    customer_id: str
    personal: frozenset[str] = frozenset()
    contacts: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    anonymous_id: str = attrs.field(factory=lambda: new_id("cus"))
    _pattern: re.Pattern[str] | None = attrs.field(init=False, default=None, eq=False)
    _contact_pattern: re.Pattern[str] | None = attrs.field(init=False, default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_pattern", _alternation(self.personal | self.contacts))
        object.__setattr__(self, "_contact_pattern", _alternation(self.contacts))

    @classmethod
    def of(
        cls, customer: Customer, texts: Iterable[str] = (), merged_ids: Iterable[str] = ()
    ) -> Erasure:
        """The erasure of ``customer`` (known also by ``merged_ids``): its names, each part of
        them longer than two letters, its contact values and each of ``texts`` are removed
        wherever they appear."""
        names = {customer.name, customer.preferred_name or ""}
        # Each part of a name too ("López" in "Sra. López called"), unless it is very short.
        names.update(part for name in list(names) for part in _WORD.findall(name) if len(part) > 2)
        names.update(texts)
        return cls(
            customer_id=customer.id,
            ids=frozenset({customer.id, *merged_ids}),
            personal=frozenset(
                value.strip() for value in names if value.strip() and value.strip() != REDACTED
            ),
            contacts=frozenset(point.value for point in customer.contacts if point.value),
        )

    # -- texts and values ----------------------------------------------------------------------

    def text(self, text: str) -> str:
        """``text`` with e-mail addresses, phone numbers and the personal strings redacted."""
        if not text:
            return text
        # The personal strings first: a quoted text is still whole before its parts go.
        result = text if self._pattern is None else self._pattern.sub(REDACTED, text)
        result = _EMAIL.sub(REDACTED, result)
        return _PHONE.sub(_redact_phone, result)

    def optional_text(self, text: str | None) -> str | None:
        """:meth:`text` for a field that may be None."""
        return None if text is None else self.text(text)

    def value(self, value: Any) -> Any:
        """A JSON value with every string in it (keys included) passed through :meth:`text`,
        and every string equal to one of the customer's ids replaced by the anonymous id."""
        if isinstance(value, str):
            return self.anonymous_id if value in self.ids else self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(key)): self.value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value

    def names_contact(self, text: str) -> bool:
        """Whether ``text`` contains one of the customer's contact points (any spelling)."""
        return self._contact_pattern is not None and self._contact_pattern.search(text) is not None

    def names_contact_in(self, event: Event) -> bool:
        """Whether the reason or data of ``event`` contain one of the customer's contact points."""
        if self._contact_pattern is None:
            return False
        text = f"{event.reason or ''} {json.dumps(dict(event.data), ensure_ascii=False)}"
        return self.names_contact(text)

    def identifier(self, value: str | None) -> str | None:
        """An identifier kept as it is unless it contains personal data, else replaced by a
        digest of it (``erased-...``), so records keep pointing at each other."""
        if value is None or self.text(value) == value:
            return value
        return f"erased-{stable_digest(value)}"

    # -- records -------------------------------------------------------------------------------

    def customer_of(self, customer_id: str) -> str:
        """The anonymous id in place of one of the customer's ids; any other id unchanged."""
        return self.anonymous_id if customer_id in self.ids else customer_id

    def customer(self, customer: Customer) -> Customer:
        """The customer under the anonymous id, without names, contact points or consents to
        be contacted; kind, language, time zone, segments, memberships and creation stay."""
        return attrs.evolve(
            customer,
            id=self.anonymous_id,
            name="",
            preferred_name=None,
            contacts=(),
            consents=Consents(contact=False, surveys=False),
        )

    def interaction(self, interaction: Interaction) -> Interaction:
        """The interaction without what the customer wrote; channel, time, direction stay."""
        return attrs.evolve(
            interaction,
            customer_id=self.customer_of(interaction.customer_id),
            subject=None if interaction.subject is None else REDACTED,
            body=REDACTED if interaction.body else "",
            metadata=self.value(dict(interaction.metadata)),
            thread_id=self.identifier(interaction.thread_id),
            external_id=self.identifier(interaction.external_id),
        )

    def feedback(self, feedback: Feedback) -> Feedback:
        """The feedback without its text; scores, kind, language and analysis labels stay."""
        analysis = feedback.analysis
        if analysis is not None:
            analysis = self.analysis(analysis)
        return attrs.evolve(
            feedback,
            customer_id=self.customer_of(feedback.customer_id),
            text=REDACTED if feedback.text else "",
            analysis=analysis,
        )

    def analysis(self, analysis: Analysis) -> Analysis:
        """The analysis with personal strings removed from its theme labels."""
        return attrs.evolve(analysis, themes=tuple(self.text(theme) for theme in analysis.themes))

    def case(self, case: Case) -> Case:
        """The case with its free text redacted; stage, dates, SLA facts and costs stay."""
        gesture = case.gesture
        if gesture is not None:
            gesture = attrs.evolve(gesture, description=self.text(gesture.description))
        return attrs.evolve(
            case,
            customer_id=self.customer_of(case.customer_id),
            root_cause=self.optional_text(case.root_cause),
            notes=tuple(self.text(note) for note in case.notes),
            plan=self.optional_text(case.plan),
            resolution=self.optional_text(case.resolution),
            close_reason=self.optional_text(case.close_reason),
            opened_because=self.optional_text(case.opened_because),
            waiting_reason=self.optional_text(case.waiting_reason),
            informed_how=self.optional_text(case.informed_how),
            unreachable_reason=self.optional_text(case.unreachable_reason),
            gesture=gesture,
        )

    def message(self, message: Message) -> Message:
        """The message without its address and body; kind, channel, language and time stay."""
        return attrs.evolve(
            message,
            customer_id=self.customer_of(message.customer_id),
            to=REDACTED,
            subject=self.text(message.subject),
            body=REDACTED if message.body else "",
        )

    def delivery(self, delivery: Delivery) -> Delivery:
        """The delivery with personal data removed from its detail and external id."""
        return attrs.evolve(
            delivery,
            detail=self.optional_text(delivery.detail),
            external_id=self.optional_text(delivery.external_id),
        )

    def invitation(self, invitation: Invitation) -> Invitation:
        """The survey invitation without its address; survey, channel and times stay."""
        return attrs.evolve(
            invitation, customer_id=self.customer_of(invitation.customer_id), to=REDACTED
        )

    def timer(self, timer: Timer) -> Timer:
        """The timer with personal data removed from its data."""
        return attrs.evolve(timer, data=self.value(dict(timer.data)))

    def event(self, event: Event) -> Event:
        """The event with personal data removed from its reason and data; type, time, ids stay."""
        return attrs.evolve(
            event,
            customer_id=None if event.customer_id is None else self.customer_of(event.customer_id),
            reason=self.optional_text(event.reason),
            data=self.value(dict(event.data)),
        )

    def rejection(self, rejection: Rejection) -> Rejection:
        """The dead letter with personal data removed from its raw record and reason."""
        return attrs.evolve(
            rejection,
            raw=self.text(rejection.raw),
            reason=self.text(rejection.reason),
            field=self.optional_text(rejection.field),
        )


# --------------------------------------------------------------------------------------------
# Helpers


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WORD = re.compile(r"\w+")
_PHONE = re.compile(r"(?<![\w.+-])\+?\(?\d[\d \t().-]{5,}\d(?!\w)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SEPARATORS = r"[\s().-]*"


def _redact_phone(match: re.Match[str]) -> str:
    """A phone-like match redacted when it holds at least 7 digits, else left as it was."""
    found = match.group()
    if _DATE.match(found):  # a date (an ISO timestamp's first part), not a phone number
        return found
    digits = sum(char.isdigit() for char in found)
    return REDACTED if digits >= 7 else found


def _alternation(values: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any of ``values`` as whole words, longest first."""
    parts = [_piece(value) for value in sorted(set(values), key=len, reverse=True) if value]
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


def _piece(value: str) -> str:
    """The pattern of one value: digits of a phone number may be written with separators, with
    ``+`` or ``00`` before them, and without a country code of 1 to 3 digits (as long as 8
    digits remain); a handle may carry its ``@``; a value starting or ending with a letter or
    digit is a whole word."""
    if re.fullmatch(r"\+?\d{7,}", value):
        digits = value.lstrip("+")
        spellings = [digits]
        if value.startswith("+"):
            spellings += [digits[cut:] for cut in (1, 2, 3) if len(digits) - cut >= 8]
        body = (
            r"(?:\+|00)?(?:"
            + "|".join(
                _SEPARATORS.join(re.escape(digit) for digit in spelling) for spelling in spellings
            )
            + ")"
        )
    else:
        body = re.escape(value)
        if "@" not in value and value[0].isalnum():
            body = "@?" + body
    start = r"(?<!\w)" if value[0].isalnum() or value[0] == "+" else ""
    end = r"(?!\w)" if value[-1].isalnum() else ""
    return f"{start}(?:{body}){end}"


def _invitations(store: Store, customer_id: str) -> list[Any]:
    """Survey invitations of the customer, when the store keeps them."""
    try:
        return list(store.iter_invitations(customer_id=customer_id))
    except NotImplementedError:  # a store written before survey invitations existed
        return []
