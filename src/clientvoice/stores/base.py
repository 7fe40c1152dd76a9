"""The Store contract: what every store (memory, SQLite, PostgreSQL, yours) must do.

A store keeps customers, interactions, feedback, cases, problems, the workflow's timers, messages
to customers, events and rejected input. Every method is
safe to call from several threads. Calls made inside ``with store.transaction():`` share one
transaction, which takes the write lock at its start, so a read-then-write sequence (load a case,
decide, save it) cannot interleave with another writer. Outside a transaction each call is its own
transaction.

The contract is tested by :class:`clientvoice.testing.StoreContract`, which every built-in store
passes and which third-party stores can run too.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from clientvoice.models import (
    Case,
    CaseStage,
    Customer,
    Delivery,
    DeliveryStatus,
    Event,
    Feedback,
    FeedbackKind,
    Heard,
    Interaction,
    Message,
    Problem,
    ProblemStatus,
    Rejection,
    Timer,
)

if TYPE_CHECKING:
    from clientvoice.privacy import ErasureReport
    from clientvoice.surveys.invitations import Invitation

__all__ = ["IngestResult", "Store", "StoredEvent", "StoredMessage"]


@attrs.frozen
class IngestResult:
    """What :meth:`Store.ingest` did with a batch.

    ``stored`` holds the items that were new, with customer ids resolved to the stored customers;
    ``duplicates`` the items whose ``(channel, external_id)`` was already stored (or repeated in
    the batch); ``customers_created`` how many customers were new.
    """

    stored: list[Heard]
    duplicates: list[Heard]
    customers_created: int


@attrs.frozen
class StoredEvent:
    """An event with its position in the store's event log (``seq`` grows with every event)."""

    seq: int
    event: Event


@attrs.frozen
class StoredMessage:
    """A message to a customer with what became of it so far.

    ``status`` is None while the message waits to be sent (``next_attempt_at`` says when to try),
    else the status of the last delivery. ``attempts`` counts deliveries tried.
    """

    message: Message
    status: DeliveryStatus | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_delivery: Delivery | None = None

    @property
    def delivered(self) -> bool:
        """Whether the message reached its channel."""
        return self.status is DeliveryStatus.SENT


class Store(abc.ABC):
    """Where clientvoice keeps what it heard and what it did about it."""

    #: The URL this store was opened with (``"memory://"``, ``"sqlite:///path.db"``...).
    url: str

    # -- transactions -------------------------------------------------------------------------

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Group calls into one transaction that holds the write lock from its start.

        Commits when the block ends, rolls back if it raises. Nested use joins the outer
        transaction.
        """

    # -- ingestion ----------------------------------------------------------------------------

    @abc.abstractmethod
    def ingest(
        self,
        batch: Sequence[Heard],
        *,
        events_for: Callable[[Heard], Sequence[Event]] | None = None,
    ) -> IngestResult:
        """Store a batch of heard items in one transaction, idempotently.

        Each item's customer is resolved: by ``customer.id`` if stored (a merged id leads to
        the customer it was merged into), else by any of its contact points, else it is created
        (with its contact points). Items whose ``(channel, external_id)`` is already stored, or
        repeats within the batch, are duplicates and change nothing. For each stored item,
        ``events_for(item)`` gives the events to store with it.

        Identity (:mod:`clientvoice.identity`): a description that resolved to a stored customer
        adds to it the contact points nobody owns, its segments and the membership programmes it
        lacks (other profile fields stay: the first description wins). When it names contact
        points of other stored customers, they are the same person: all are merged into the one
        created first as :meth:`merge_customers` does (actor ``"system"``, reason
        :data:`~clientvoice.identity.AUTOMATIC_MERGE_REASON`), before the items are stored.
        """

    # -- customers ----------------------------------------------------------------------------

    @abc.abstractmethod
    def save_customer(self, customer: Customer) -> Customer:
        """Insert or replace a customer and its contact points.

        :raises StoreError: if a contact point already belongs to another customer.
        """

    @abc.abstractmethod
    def get_customer(self, customer_id: str) -> Customer:
        """The customer with this id.

        :raises NotFoundError: if there is none.
        """

    @abc.abstractmethod
    def find_customer(self, channel: str, value: str) -> Customer | None:
        """The customer reachable at this contact point (normalised first), or None."""

    @abc.abstractmethod
    def iter_customers(self) -> Iterator[Customer]:
        """Every customer, ordered by id."""

    # -- interactions and feedback -----------------------------------------------------------

    @abc.abstractmethod
    def get_interaction(self, interaction_id: str) -> Interaction:
        """The interaction with this id.

        :raises NotFoundError: if there is none.
        """

    @abc.abstractmethod
    def get_feedback(self, feedback_id: str) -> Feedback:
        """The feedback with this id.

        :raises NotFoundError: if there is none.
        """

    @abc.abstractmethod
    def iter_feedback(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        channel: str | None = None,
        kind: FeedbackKind | None = None,
        customer_id: str | None = None,
    ) -> Iterator[Feedback]:
        """Feedback created in ``[since, until)`` matching the filters, oldest first.

        ``channel`` filters on the channel of the feedback's interaction.
        """

    @abc.abstractmethod
    def count_feedback(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        channel: str | None = None,
        kind: FeedbackKind | None = None,
        customer_id: str | None = None,
    ) -> int:
        """How many pieces of feedback :meth:`iter_feedback` would yield."""

    @abc.abstractmethod
    def iter_interactions(self, *, customer_id: str | None = None) -> Iterator[Interaction]:
        """Interactions in the order they were stored; a customer's oldest first."""

    # -- cases --------------------------------------------------------------------------------

    @abc.abstractmethod
    def add_cases(
        self, cases: Sequence[Case], events: Sequence[Event] = (), timers: Sequence[Timer] = ()
    ) -> list[Case]:
        """Store new cases (version 0) with their events and timers, in one transaction.

        A case whose id is already stored is skipped, and so are its events and timers (matched
        by ``case_id``). Returns the cases stored, each with version 1.
        """

    @abc.abstractmethod
    def save_case(self, case: Case, events: Sequence[Event] = ()) -> Case:
        """Store a new or changed case together with the events that describe the change.

        The stored version must equal ``case.version`` (0 for a new case); the saved case has
        ``version + 1`` and is returned.

        :raises ConflictError: if another writer saved the case since it was read.
        """

    @abc.abstractmethod
    def get_case(self, case_id: str) -> Case:
        """The case with this id.

        :raises NotFoundError: if there is none.
        """

    @abc.abstractmethod
    def iter_cases(
        self,
        *,
        stage: CaseStage | None = None,
        customer_id: str | None = None,
        problem_id: str | None = None,
        waiting: bool | None = None,
    ) -> Iterator[Case]:
        """Cases, oldest first, filtered by stage, customer, problem, or whether they wait on
        the customer (:attr:`Case.is_waiting`)."""

    # -- problems -----------------------------------------------------------------------------

    @abc.abstractmethod
    def save_problem(self, problem: Problem, events: Sequence[Event] = ()) -> Problem:
        """Store a new or changed problem with the events that describe the change.

        Versioned like :meth:`save_case`.

        :raises ConflictError: if another writer saved the problem since it was read.
        """

    @abc.abstractmethod
    def get_problem(self, problem_id: str) -> Problem:
        """The problem with this id.

        :raises NotFoundError: if there is none.
        """

    @abc.abstractmethod
    def iter_problems(self, *, status: ProblemStatus | None = None) -> Iterator[Problem]:
        """Problems, oldest first, optionally only those with one status."""

    # -- timers -------------------------------------------------------------------------------

    @abc.abstractmethod
    def schedule_timers(self, timers: Sequence[Timer]) -> None:
        """Add timers; a timer whose id is already stored (pending or fired) is ignored."""

    @abc.abstractmethod
    def cancel_timers(self, case_id: str, kinds: Sequence[str] | None = None) -> int:
        """Drop a case's pending timers (only those of ``kinds`` if given); returns how many."""

    @abc.abstractmethod
    def due_timers(self, now: datetime, *, limit: int = 500) -> list[Timer]:
        """Pending timers due at or before ``now``, earliest first (at most ``limit``)."""

    @abc.abstractmethod
    def fire_timer(self, timer_id: str, at: datetime) -> bool:
        """Mark a pending timer as fired; False if it was already fired or cancelled.

        Call it inside the transaction that does the timer's work: the first worker to fire a
        timer does the work, any other sees False and does nothing.
        """

    @abc.abstractmethod
    def iter_timers(self, *, case_id: str | None = None) -> Iterator[Timer]:
        """Pending timers, earliest first, optionally of one case."""

    # -- messages to customers ----------------------------------------------------------------

    @abc.abstractmethod
    def queue_messages(self, messages: Sequence[Message]) -> None:
        """Keep messages to send, due now; a message whose id is already stored is ignored."""

    @abc.abstractmethod
    def messages_to_send(self, now: datetime, *, limit: int = 100) -> list[Message]:
        """Queued messages whose next attempt is due at ``now``, oldest first."""

    @abc.abstractmethod
    def record_delivery(self, delivery: Delivery, *, retry_at: datetime | None = None) -> None:
        """Record what a channel did with a message.

        A failed delivery with ``retry_at`` stays queued until then; without it the message is
        finished with that status.

        :raises NotFoundError: if the message is not stored.
        """

    @abc.abstractmethod
    def get_message(self, message_id: str) -> StoredMessage:
        """A stored message with its delivery status.

        :raises NotFoundError: if there is none.
        """

    @abc.abstractmethod
    def iter_messages(
        self,
        *,
        customer_id: str | None = None,
        case_id: str | None = None,
        since: datetime | None = None,
    ) -> Iterator[StoredMessage]:
        """Messages oldest first, optionally of one customer or case, created at/after ``since``."""

    # -- events (audit log and outbox) --------------------------------------------------------

    @abc.abstractmethod
    def add_events(self, events: Sequence[Event]) -> None:
        """Append events to the log. An event whose id is already stored is ignored."""

    @abc.abstractmethod
    def iter_events(self, *, after: int = 0, limit: int | None = None) -> Iterator[StoredEvent]:
        """Events with ``seq > after``, in order."""

    @abc.abstractmethod
    def pending_events(self, consumer: str, *, limit: int = 1000) -> list[StoredEvent]:
        """Events ``consumer`` has not yet confirmed, in order (at most ``limit``)."""

    @abc.abstractmethod
    def confirm_events(self, consumer: str, up_to: int) -> None:
        """Record that ``consumer`` handled every event with ``seq <= up_to``."""

    # -- rejected input -----------------------------------------------------------------------

    @abc.abstractmethod
    def add_rejections(self, rejections: Sequence[Rejection]) -> None:
        """Keep rejected input in the dead-letter list."""

    @abc.abstractmethod
    def iter_rejections(self, *, source: str | None = None) -> Iterator[Rejection]:
        """The dead-letter list, oldest first, optionally from one source."""

    # -- lifecycle ----------------------------------------------------------------------------

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """How many of each record are stored, by table name.

        Keys: customers, interactions, feedback, cases, problems, messages, events, rejections.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections and files. Using the store afterwards is an error."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    # -- identity and privacy -----------------------------------------------------------------
    # Concrete methods that refuse until a store implements them, so a store written before
    # they existed keeps working; the built-in stores implement all of them.

    def merged_ids(self, customer_id: str) -> set[str]:
        """The ids of the customers merged into ``customer_id`` (empty when none were)."""
        raise NotImplementedError(f"{type(self).__name__} does not support merging customers")

    def merge_customers(
        self,
        keep_id: str,
        merge_id: str,
        *,
        at: datetime,
        actor: str = "system",
        reason: str | None = None,
    ) -> Customer:
        """Make two customers one, keeping the history of both; returns the surviving customer.

        Both ids are first resolved through earlier merges. In one transaction:

        - the survivor (``keep_id``) keeps its profile fields (name, preferred name, kind,
          language, time zone, consents: the first description wins) and gains the contact
          points, segments and membership programmes of ``merge_id`` that it lacks; its
          ``created_at`` becomes the earlier of the two;
        - every interaction, piece of feedback, case, message and survey invitation of
          ``merge_id`` is moved to ``keep_id``, and timer data naming ``merge_id`` is rewritten;
          events keep the ids they were written with (the log is history), and
          :meth:`merged_ids` lists the merged ids so that the customer's events can be found;
        - ``merge_id`` stops being a stored customer (``counts()["customers"]`` drops by one)
          but stays resolvable: :meth:`get_customer` of it returns the survivor, and ingested
          records naming it land on the survivor; ids merged into ``merge_id`` earlier now
          point at the survivor too;
        - a ``customer.merged`` event is added (``customer_id=keep_id``, ``data`` with
          ``merged_id`` and how many records of each kind moved), with ``actor`` and ``reason``.

        Merging a customer into itself (the same id, or ids already merged) raises
        :class:`~clientvoice.errors.ValidationError` naming ``merge_id``.

        :raises NotFoundError: if either customer is unknown.
        """
        raise NotImplementedError(f"{type(self).__name__} does not support merging customers")

    def erase_customer(
        self,
        customer_id: str,
        *,
        at: datetime,
        actor: str = "system",
        reason: str | None = None,
    ) -> ErasureReport:
        """Anonymise everything held about one customer, keeping what aggregates count.

        ``customer_id`` may be a merged id. In one transaction, following the rules of
        :class:`clientvoice.privacy.Erasure` (built with ``Erasure.of`` from the customer, the
        texts of their interactions and feedback (:func:`clientvoice.privacy.written_by`) and
        their merged ids):

        - the customer's records move to a fresh id, ``Erasure.anonymous_id`` (the old id is
          often a hash of a contact point, so whoever knows the address could find the records
          by it): the old id and the ids merged into it are forgotten (:meth:`get_customer` of
          them raises :class:`~clientvoice.errors.NotFoundError`, and a record naming them
          later makes a new customer); the customer under the new id has no name, preferred
          name, contact points (so :meth:`find_customer` finds nothing by them) or consents;
          kind, language, time zone, segments, memberships and ``created_at`` stay;
        - their interactions, feedback, cases (with a new version), messages (with the last
          delivery), timers of their cases (pending or fired) and survey invitations are
          rewritten through the matching ``Erasure`` method; scores, kinds, channels,
          timestamps, stages, SLA facts and analysis labels stay, so counts and metrics do
          not change;
        - events of the customer (any of their ids), of their feedback or of their cases pass
          through ``Erasure.event`` (their ``customer_id`` becomes the new id); any other
          event, and every dead letter, whose reason, data or raw record names one of their
          contact points (:meth:`Erasure.names_contact`, any spelling) is rewritten too;
        - the event ``ErasureReport.event`` (``customer.erased`` under the new id, counts only,
          the ``reason`` itself anonymised) is added.

        Stores that keep old bytes around (a write-ahead log, free pages) must not leave the
        erased values readable in their files once the call returns, as far as they can.
        Erasing the new id again is harmless (nothing is left to rewrite). Returns the counts
        of rewritten records and the new id.

        :raises NotFoundError: if the customer is unknown.
        """
        raise NotImplementedError(f"{type(self).__name__} does not support erasing customers")

    def export_customer(self, customer_id: str) -> dict[str, Any]:
        """Everything held about one customer as JSON-ready data: see
        :func:`clientvoice.privacy.export_customer`, which this calls."""
        from clientvoice.privacy import export_customer

        return export_customer(self, customer_id)

    # -- survey invitations and their tokens ----------------------------------------------------
    # Concrete methods that refuse until a store implements them (like the section above), so a
    # store written before surveys existed keeps working; the built-in stores implement them all
    # and StoreContract tests them.

    def save_invitation(self, invitation: Invitation) -> bool:
        """Keep a survey invitation; True if it is new, False if one with its id is stored.

        An invitation's id is stable for its survey and the interaction it is about, so deciding
        twice gives the same id: the first invitation stored wins and is never replaced (the
        second call changes nothing and returns False). Inside ``transaction()`` it commits with
        the rest, so the invitation and its message are stored together or not at all.
        """
        raise NotImplementedError(f"{type(self).__name__} does not keep survey invitations")

    def get_invitation(self, invitation_id: str) -> Invitation:
        """The stored invitation with this id, exactly as saved.

        :raises NotFoundError: if there is none.
        """
        raise NotImplementedError(f"{type(self).__name__} does not keep survey invitations")

    def iter_invitations(
        self, *, customer_id: str | None = None, since: datetime | None = None
    ) -> Iterator[Invitation]:
        """Stored invitations ordered by ``send_at`` then ``id``, optionally of one customer
        (exact id) and with ``send_at`` at or after ``since``. Invitations scheduled in the
        future are included: they count for fatigue and the contact budget already."""
        raise NotImplementedError(f"{type(self).__name__} does not keep survey invitations")

    def claim_token(self, invitation_id: str, at: datetime) -> bool:
        """Record that the token of ``invitation_id`` was used at ``at``: True the first time,
        False for every later claim.

        Atomic across threads and processes: of two concurrent claims exactly one gets True.
        A claim survives a restart. Call it only for a token whose signature and expiry were
        checked; the claim is the "one response per invitation" rule.

        :raises NotFoundError: if no invitation with this id is stored.
        """
        raise NotImplementedError(f"{type(self).__name__} does not keep survey invitations")

    def token_claimed_at(self, invitation_id: str) -> datetime | None:
        """When the token of ``invitation_id`` was claimed, or None if it was not (yet).

        :raises NotFoundError: if no invitation with this id is stored.
        """
        raise NotImplementedError(f"{type(self).__name__} does not keep survey invitations")

    # -- metrics ------------------------------------------------------------------------------
    # A concrete method computed from iter_feedback, iter_customers and iter_interactions, so
    # every store has it; SQL stores override it with one aggregate query giving the same result.

    def score_counts(
        self,
        metric: str,
        *,
        period: str | None = None,
        by: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        tz: str = "UTC",
    ) -> dict[tuple[date | None, str | None, int], int]:
        """How many times each answer of ``metric`` was given, per period and group.

        The result maps ``(period, group, answer)`` to a count > 0 (no zero counts are listed):

        - ``metric`` is ``"nps"``, ``"csat"`` or ``"ces"``: the :class:`~clientvoice.Feedback`
          field counted; feedback without that score is left out;
        - ``period`` is ``None`` (every key then has ``None`` there) or one of ``"day"``,
          ``"week"`` (starting on Monday), ``"month"``, ``"quarter"``: the period is named by the
          local date it starts on in the time zone ``tz`` (an IANA name), and a response belongs
          to the period holding the local date of its ``created_at`` in ``tz``
          (:func:`clientvoice.surveys.periods.period_of`), across daylight-saving changes;
        - ``by`` is ``None`` (the group is ``None``), ``"channel"`` (the channel of the
          feedback's interaction), ``"segment"`` (a response counts once in each of its
          customer's segments), ``"membership"`` (once in each ``"programme:level"`` of its
          customer) or ``"membership:<programme>"`` (the customer's level in that programme);
          a customer without any segment or membership counts in the group ``None``. Segments
          and memberships are read from the customer as stored now
          (:func:`clientvoice.surveys.periods.customer_groups` gives the rule);
        - ``since`` and ``until`` select feedback created in ``[since, until)`` as
          :meth:`iter_feedback` does (aware datetimes; None means unbounded).

        Counts per answer are enough to compute NPS, CSAT and CES and their margins exactly
        (:meth:`clientvoice.Score.from_counts`).

        :raises ValidationError: naming ``metric``, ``period``, ``by`` or ``tz`` when one is
            not valid.
        """
        from collections import Counter

        from clientvoice.surveys.periods import (
            check_grouping,
            check_metric,
            check_period,
            check_range,
            customer_groups,
            period_of,
            zone,
        )

        metric = check_metric(metric)
        by = check_grouping(by)
        zone_ = zone(tz)
        if period is not None:
            check_period(period)
        check_range(since, until)
        customers = (
            {customer.id: customer for customer in self.iter_customers()}
            if by is not None and by != "channel"
            else {}
        )
        channels = (
            {interaction.id: interaction.channel for interaction in self.iter_interactions()}
            if by == "channel"
            else {}
        )
        counts: Counter[tuple[date | None, str | None, int]] = Counter()
        for feedback in self.iter_feedback(since=since, until=until):
            answer = getattr(feedback, metric)
            if answer is None:
                continue
            key = None if period is None else period_of(feedback.created_at, period, zone_)
            groups: tuple[str | None, ...]
            if by is None:
                groups = (None,)
            elif by == "channel":
                groups = (channels.get(feedback.interaction_id),)
            else:
                customer = customers.get(feedback.customer_id)
                groups = (
                    (None,)
                    if customer is None
                    else customer_groups(customer.segments, customer.memberships, by)
                )
            for group in groups:
                counts[key, group, answer] += 1
        return dict(counts)

    # -- work shared by many workers ----------------------------------------------------------
    # Concrete methods, so every store has them. They are right for a store whose transactions
    # run one at a time (memory, SQLite: BEGIN IMMEDIATE); PostgreSQL overrides them with row
    # locks (FOR UPDATE SKIP LOCKED) so that workers running at once never take the same work.

    def claim_due_timers(self, now: datetime, *, limit: int = 500) -> list[Timer]:
        """Timers due at ``now`` for this transaction to fire, earliest first (at most
        ``limit``).

        Call it inside ``transaction()`` and fire the timers there: a store that lets
        transactions run at once holds the timers' cases until the transaction ends and leaves
        out timers of cases another transaction holds. Here: :meth:`due_timers`.
        """
        return self.due_timers(now, limit=limit)

    def claim_messages(
        self, now: datetime, *, limit: int = 100, lease: timedelta = timedelta(minutes=5)
    ) -> list[Message]:
        """Messages due at ``now`` for this worker to send, oldest first (at most ``limit``).

        A store that can moves each claimed message's next attempt to ``now + lease``, so no
        other worker sends it meanwhile, and a worker that dies while sending leaves it to be
        sent again after the lease; :meth:`record_delivery` then says what became of it. Here:
        :meth:`messages_to_send`, without a lease.
        """
        return self.messages_to_send(now, limit=limit)

    def claim_events(self, consumer: str, *, limit: int = 1000) -> list[StoredEvent]:
        """Events ``consumer`` has not confirmed, for this transaction to handle (in order).

        Call it inside ``transaction()`` and confirm there: a store that lets transactions run
        at once holds the consumer until the transaction ends and gives an empty list to any
        other transaction meanwhile. Here: :meth:`pending_events`.
        """
        return self.pending_events(consumer, limit=limit)

    # -- work in batches ----------------------------------------------------------------------
    # Concrete methods that loop over the single-item ones, so every store has them; the
    # built-in stores override them with one statement each (``tick`` fires timers in batches).

    def get_cases(self, case_ids: Sequence[str]) -> dict[str, Case]:
        """The stored cases among ``case_ids``, by id; ids with no case are left out."""
        from clientvoice.errors import NotFoundError

        found: dict[str, Case] = {}
        for case_id in case_ids:
            if case_id in found:
                continue
            try:
                found[case_id] = self.get_case(case_id)
            except NotFoundError:
                continue
        return found

    def save_cases(self, cases: Sequence[Case], events: Sequence[Event] = ()) -> None:
        """Store changed cases and the events that describe the changes, in one transaction.

        Versioned like :meth:`save_case`, case by case: each stored version must equal
        ``case.version``, and each case is stored with ``version + 1`` (read them again for the
        stored copies). Events are stored in the order given.

        :raises ConflictError: if another writer saved one of the cases since it was read (or a
            case is given twice); nothing of the batch is stored then.
        """
        with self.transaction():
            for case in cases:
                self.save_case(case)
            self.add_events(events)

    def fire_timers(self, timer_ids: Sequence[str], at: datetime) -> set[str]:
        """Mark pending timers as fired (see :meth:`fire_timer`); returns the ids this call
        marked, leaving out those already fired or cancelled."""
        with self.transaction():
            return {timer_id for timer_id in timer_ids if self.fire_timer(timer_id, at)}

    def claim_events_of(
        self, consumer: str, types: Sequence[str], *, limit: int = 1000
    ) -> tuple[list[StoredEvent], int]:
        """Like :meth:`claim_events`, for a consumer that only handles events of ``types``.

        Returns those events (in order, at most ``limit``) and the ``seq`` to confirm once they
        are handled, which also passes over the events of other types in between; ``0`` when
        there was nothing to claim (or another transaction holds the consumer). Here: a page of
        :meth:`claim_events`, filtered.
        """
        page = self.claim_events(consumer, limit=limit)
        wanted = set(types)
        return [stored for stored in page if stored.event.type in wanted], (
            page[-1].seq if page else 0
        )
