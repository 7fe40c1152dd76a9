"""MemoryStore: everything in the process's memory, for tests, notebooks and simulations.

It keeps the full Store contract (transactions, idempotent ingestion, the outbox) with one
re-entrant lock; nothing survives the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import attrs

from clientvoice.errors import ConflictError, NotFoundError, StoreError
from clientvoice.models import (
    Case,
    CaseStage,
    ContactPoint,
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
from clientvoice.stores._ingest import plan_batch
from clientvoice.stores.base import IngestResult, Store, StoredEvent, StoredMessage

__all__ = ["MemoryStore"]


class MemoryStore(Store):
    """A store held in memory. Thread-safe; not shared between processes."""

    def __init__(self) -> None:
        self.url = "memory://"
        self._lock = threading.RLock()
        self._customers: dict[str, Customer] = {}
        self._contacts: dict[tuple[str, str], str] = {}
        self._interactions: dict[str, Interaction] = {}
        self._keys: set[tuple[str, str]] = set()
        self._feedback: dict[str, Feedback] = {}
        self._cases: dict[str, Case] = {}
        self._events: list[Event] = []
        self._event_ids: set[str] = set()
        self._cursors: dict[str, int] = {}
        self._rejections: list[Rejection] = []
        self._problems: dict[str, Problem] = {}
        self._timers: dict[str, Timer] = {}
        self._fired: set[str] = set()
        self._messages: dict[str, StoredMessage] = {}
        self._closed = False

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._check_open()
        with self._lock:
            # Keep a copy to roll back to: simple, and this store is for small data.
            snapshot = self._snapshot()
            try:
                yield
            except BaseException:
                self._restore(snapshot)
                raise

    def _snapshot(self) -> tuple[object, ...]:
        return (
            dict(self._customers),
            dict(self._contacts),
            dict(self._interactions),
            set(self._keys),
            dict(self._feedback),
            dict(self._cases),
            list(self._events),
            set(self._event_ids),
            dict(self._cursors),
            list(self._rejections),
            dict(self._problems),
            dict(self._timers),
            set(self._fired),
            dict(self._messages),
        )

    def _restore(self, snapshot: tuple[object, ...]) -> None:
        (
            self._customers,
            self._contacts,
            self._interactions,
            self._keys,
            self._feedback,
            self._cases,
            self._events,
            self._event_ids,
            self._cursors,
            self._rejections,
            self._problems,
            self._timers,
            self._fired,
            self._messages,
        ) = snapshot  # type: ignore[assignment]

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self!r} is closed")

    # -- ingestion ----------------------------------------------------------------------------

    def ingest(
        self,
        batch: Sequence[Heard],
        *,
        events_for: Callable[[Heard], Sequence[Event]] | None = None,
    ) -> IngestResult:
        with self.transaction():
            plan = plan_batch(batch, lambda keys: keys & self._keys, self._resolve)
            for customer, first_heard in plan.new_customers:
                stored = (
                    customer
                    if customer.created_at
                    else attrs.evolve(customer, created_at=first_heard)
                )
                self._customers[customer.id] = stored
                for point in customer.contacts:
                    self._contacts.setdefault((point.channel, point.value), customer.id)
            for item in plan.stored:
                interaction = item.interaction
                assert interaction.external_id is not None
                self._interactions[interaction.id] = interaction
                self._keys.add((interaction.channel, interaction.external_id))
                if item.feedback is not None:
                    self._feedback[item.feedback.id] = item.feedback
                if events_for is not None:
                    self._append(events_for(item))
        return IngestResult(
            stored=plan.stored,
            duplicates=plan.duplicates,
            customers_created=len(plan.new_customers),
        )

    def _resolve(self, customers: Sequence[Customer]) -> dict[str, str]:
        resolved: dict[str, str] = {}
        for customer in customers:
            if customer.id in self._customers:
                resolved[customer.id] = customer.id
                continue
            for point in customer.contacts:
                owner = self._contacts.get((point.channel, point.value))
                if owner is not None:
                    resolved[customer.id] = owner
                    break
        return resolved

    # -- customers ----------------------------------------------------------------------------

    def save_customer(self, customer: Customer) -> Customer:
        with self.transaction():
            for point in customer.contacts:
                owner = self._contacts.get((point.channel, point.value))
                if owner is not None and owner != customer.id:
                    raise StoreError(
                        f"contact {point.channel}:{point.value} already belongs to customer {owner}"
                    )
            self._contacts = {k: v for k, v in self._contacts.items() if v != customer.id}
            for point in customer.contacts:
                self._contacts[(point.channel, point.value)] = customer.id
            self._customers[customer.id] = customer
        return customer

    def get_customer(self, customer_id: str) -> Customer:
        self._check_open()
        try:
            return self._customers[customer_id]
        except KeyError:
            raise NotFoundError("customer", customer_id) from None

    def find_customer(self, channel: str, value: str) -> Customer | None:
        point = ContactPoint(channel, value)
        owner = self._contacts.get((point.channel, point.value))
        return None if owner is None else self._customers[owner]

    def iter_customers(self) -> Iterator[Customer]:
        with self._lock:
            customers = sorted(self._customers.values(), key=lambda c: c.id)
        yield from customers

    # -- interactions and feedback -----------------------------------------------------------

    def get_interaction(self, interaction_id: str) -> Interaction:
        self._check_open()
        try:
            return self._interactions[interaction_id]
        except KeyError:
            raise NotFoundError("interaction", interaction_id) from None

    def get_feedback(self, feedback_id: str) -> Feedback:
        self._check_open()
        try:
            return self._feedback[feedback_id]
        except KeyError:
            raise NotFoundError("feedback", feedback_id) from None

    def iter_feedback(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        channel: str | None = None,
        kind: FeedbackKind | None = None,
        customer_id: str | None = None,
    ) -> Iterator[Feedback]:
        with self._lock:
            matching = [
                f
                for f in self._feedback.values()
                if (since is None or f.created_at >= since)
                and (until is None or f.created_at < until)
                and (kind is None or f.kind == kind)
                and (customer_id is None or f.customer_id == customer_id)
                and (channel is None or self._interactions[f.interaction_id].channel == channel)
            ]
        matching.sort(key=lambda f: (f.created_at, f.id))
        yield from matching

    def count_feedback(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        channel: str | None = None,
        kind: FeedbackKind | None = None,
        customer_id: str | None = None,
    ) -> int:
        return sum(
            1
            for _ in self.iter_feedback(
                since=since, until=until, channel=channel, kind=kind, customer_id=customer_id
            )
        )

    def iter_interactions(self, *, customer_id: str | None = None) -> Iterator[Interaction]:
        with self._lock:
            matching = [
                i
                for i in self._interactions.values()
                if customer_id is None or i.customer_id == customer_id
            ]
        if customer_id is not None:
            matching.sort(key=lambda i: (i.occurred_at, i.id))
        yield from matching

    # -- cases --------------------------------------------------------------------------------

    def add_cases(
        self, cases: Sequence[Case], events: Sequence[Event] = (), timers: Sequence[Timer] = ()
    ) -> list[Case]:
        with self.transaction():
            added = [
                attrs.evolve(case, version=1)
                for case in cases
                if case.version == 0 and case.id not in self._cases
            ]
            for case in added:
                self._cases[case.id] = case
            ids = {case.id for case in added}
            self._append([e for e in events if e.case_id in ids])
            self.schedule_timers([t for t in timers if t.case_id in ids])
        return added

    def save_case(self, case: Case, events: Sequence[Event] = ()) -> Case:
        with self.transaction():
            stored = self._cases.get(case.id)
            stored_version = 0 if stored is None else stored.version
            if stored_version != case.version:
                raise ConflictError(
                    f"case {case.id} was saved by another writer (stored version "
                    f"{stored_version}, this copy has {case.version}); load it again"
                )
            saved = attrs.evolve(case, version=case.version + 1)
            self._cases[case.id] = saved
            self._append(events)
        return saved

    def get_case(self, case_id: str) -> Case:
        self._check_open()
        try:
            return self._cases[case_id]
        except KeyError:
            raise NotFoundError("case", case_id) from None

    def iter_cases(
        self,
        *,
        stage: CaseStage | None = None,
        customer_id: str | None = None,
        problem_id: str | None = None,
        waiting: bool | None = None,
    ) -> Iterator[Case]:
        with self._lock:
            matching = [
                c
                for c in self._cases.values()
                if (stage is None or c.stage == stage)
                and (customer_id is None or c.customer_id == customer_id)
                and (problem_id is None or c.problem_id == problem_id)
                and (waiting is None or c.is_waiting == waiting)
            ]
        matching.sort(key=lambda c: (c.opened_at, c.id))
        yield from matching

    # -- problems -----------------------------------------------------------------------------

    def save_problem(self, problem: Problem, events: Sequence[Event] = ()) -> Problem:
        with self.transaction():
            stored = self._problems.get(problem.id)
            stored_version = 0 if stored is None else stored.version
            if stored_version != problem.version:
                raise ConflictError(
                    f"problem {problem.id} was saved by another writer (stored version "
                    f"{stored_version}, this copy has {problem.version}); load it again"
                )
            saved = attrs.evolve(problem, version=problem.version + 1)
            self._problems[problem.id] = saved
            self._append(events)
        return saved

    def get_problem(self, problem_id: str) -> Problem:
        self._check_open()
        try:
            return self._problems[problem_id]
        except KeyError:
            raise NotFoundError("problem", problem_id) from None

    def iter_problems(self, *, status: ProblemStatus | None = None) -> Iterator[Problem]:
        with self._lock:
            matching = [p for p in self._problems.values() if status is None or p.status == status]
        matching.sort(key=lambda p: (p.opened_at, p.id))
        yield from matching

    # -- timers -------------------------------------------------------------------------------

    def schedule_timers(self, timers: Sequence[Timer]) -> None:
        with self.transaction():
            for timer in timers:
                if timer.id not in self._timers and timer.id not in self._fired:
                    self._timers[timer.id] = timer

    def cancel_timers(self, case_id: str, kinds: Sequence[str] | None = None) -> int:
        with self.transaction():
            doomed = [
                t.id
                for t in self._timers.values()
                if t.case_id == case_id and (kinds is None or t.kind in kinds)
            ]
            for timer_id in doomed:
                del self._timers[timer_id]
                self._fired.add(timer_id)
        return len(doomed)

    def due_timers(self, now: datetime, *, limit: int = 500) -> list[Timer]:
        with self._lock:
            due = [t for t in self._timers.values() if t.due_at <= now]
        due.sort(key=lambda t: (t.due_at, t.id))
        return due[:limit]

    def fire_timer(self, timer_id: str, at: datetime) -> bool:
        with self.transaction():
            if self._timers.pop(timer_id, None) is None:
                return False
            self._fired.add(timer_id)
            return True

    def iter_timers(self, *, case_id: str | None = None) -> Iterator[Timer]:
        with self._lock:
            pending = [t for t in self._timers.values() if case_id is None or t.case_id == case_id]
        pending.sort(key=lambda t: (t.due_at, t.id))
        yield from pending

    # -- messages -----------------------------------------------------------------------------

    def queue_messages(self, messages: Sequence[Message]) -> None:
        with self.transaction():
            for message in messages:
                if message.id not in self._messages:
                    self._messages[message.id] = StoredMessage(
                        message=message, next_attempt_at=message.created_at
                    )

    def messages_to_send(self, now: datetime, *, limit: int = 100) -> list[Message]:
        with self._lock:
            due = [
                m
                for m in self._messages.values()
                if m.next_attempt_at is not None and m.next_attempt_at <= now
            ]
        due.sort(key=lambda m: (m.message.created_at, m.message.id))
        return [m.message for m in due[:limit]]

    def record_delivery(self, delivery: Delivery, *, retry_at: datetime | None = None) -> None:
        with self.transaction():
            stored = self._messages.get(delivery.message_id)
            if stored is None:
                raise NotFoundError("message", delivery.message_id)
            retry = retry_at if delivery.status is DeliveryStatus.FAILED else None
            self._messages[delivery.message_id] = attrs.evolve(
                stored,
                status=delivery.status,
                attempts=stored.attempts + 1,
                next_attempt_at=retry,
                last_delivery=delivery,
            )

    def get_message(self, message_id: str) -> StoredMessage:
        self._check_open()
        try:
            return self._messages[message_id]
        except KeyError:
            raise NotFoundError("message", message_id) from None

    def iter_messages(
        self,
        *,
        customer_id: str | None = None,
        case_id: str | None = None,
        since: datetime | None = None,
    ) -> Iterator[StoredMessage]:
        with self._lock:
            matching = [
                m
                for m in self._messages.values()
                if (customer_id is None or m.message.customer_id == customer_id)
                and (case_id is None or m.message.case_id == case_id)
                and (since is None or m.message.created_at >= since)
            ]
        matching.sort(key=lambda m: (m.message.created_at, m.message.id))
        yield from matching

    # -- events -------------------------------------------------------------------------------

    def add_events(self, events: Sequence[Event]) -> None:
        with self.transaction():
            self._append(events)

    def _append(self, events: Sequence[Event]) -> None:
        for event in events:
            if event.id not in self._event_ids:
                self._event_ids.add(event.id)
                self._events.append(event)

    def iter_events(self, *, after: int = 0, limit: int | None = None) -> Iterator[StoredEvent]:
        with self._lock:
            end = len(self._events) if limit is None else min(len(self._events), after + limit)
            selected = [StoredEvent(seq=i + 1, event=self._events[i]) for i in range(after, end)]
        yield from selected

    def pending_events(self, consumer: str, *, limit: int = 1000) -> list[StoredEvent]:
        return list(self.iter_events(after=self._cursors.get(consumer, 0), limit=limit))

    def confirm_events(self, consumer: str, up_to: int) -> None:
        with self.transaction():
            self._cursors[consumer] = max(self._cursors.get(consumer, 0), up_to)

    # -- rejected input -----------------------------------------------------------------------

    def add_rejections(self, rejections: Sequence[Rejection]) -> None:
        with self.transaction():
            self._rejections.extend(rejections)

    def iter_rejections(self, *, source: str | None = None) -> Iterator[Rejection]:
        with self._lock:
            selected = [r for r in self._rejections if source is None or r.source == source]
        yield from selected

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                "customers": len(self._customers),
                "interactions": len(self._interactions),
                "feedback": len(self._feedback),
                "cases": len(self._cases),
                "problems": len(self._problems),
                "messages": len(self._messages),
                "events": len(self._events),
                "rejections": len(self._rejections),
            }

    def close(self) -> None:
        self._closed = True
