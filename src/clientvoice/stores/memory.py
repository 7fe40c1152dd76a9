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
    Event,
    Feedback,
    FeedbackKind,
    Heard,
    Interaction,
    Rejection,
)
from clientvoice.stores._ingest import plan_batch
from clientvoice.stores.base import IngestResult, Store, StoredEvent

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
        self, *, stage: CaseStage | None = None, customer_id: str | None = None
    ) -> Iterator[Case]:
        with self._lock:
            matching = [
                c
                for c in self._cases.values()
                if (stage is None or c.stage == stage)
                and (customer_id is None or c.customer_id == customer_id)
            ]
        matching.sort(key=lambda c: (c.opened_at, c.id))
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
                "events": len(self._events),
                "rejections": len(self._rejections),
            }

    def close(self) -> None:
        self._closed = True
