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
from datetime import datetime

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

        Each item's customer is resolved: by ``customer.id`` if stored, else by any of its contact
        points, else it is created (with its contact points). Items whose ``(channel,
        external_id)`` is already stored, or repeats within the batch, are duplicates and change
        nothing. For each stored item, ``events_for(item)`` gives the events to store with it.
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
