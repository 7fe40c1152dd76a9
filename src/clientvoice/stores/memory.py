"""MemoryStore: everything in the process's memory, for tests, notebooks and simulations.

It keeps the full Store contract (transactions, idempotent ingestion, the outbox) with one
re-entrant lock; nothing survives the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

import attrs

from clientvoice.errors import ConflictError, NotFoundError, StoreError, ValidationError
from clientvoice.identity import (
    AUTOMATIC_MERGE_REASON,
    check_instant,
    link_customers,
    merge_event,
    merged_profile,
    replace_id,
)
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
from clientvoice.privacy import Erasure, ErasureReport, written_by
from clientvoice.stores._ingest import plan_batch
from clientvoice.stores.base import IngestResult, Store, StoredEvent, StoredMessage
from clientvoice.surveys.invitations import Invitation

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
        self._merged: dict[str, str] = {}  # merged customer id -> the customer it lives on in
        # survey invitations by id, with when their token was claimed (None: not yet)
        self._invitations: dict[str, tuple[Invitation, datetime | None]] = {}
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
            dict(self._merged),
            dict(self._invitations),
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
            self._merged,
            self._invitations,
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
            plan = plan.redirected(
                link_customers(
                    plan.known,
                    owners=self._owners,
                    profile=self.get_customer,
                    merge=self._merge_automatically,
                    save=self._save_profile,
                )
            )
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
            if customer.id in self._merged:
                resolved[customer.id] = self._merged[customer.id]
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
            survivor = self._merged.get(customer_id)
            if survivor is not None:
                return self._customers[survivor]
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

    def get_cases(self, case_ids: Sequence[str]) -> dict[str, Case]:
        """The stored cases among ``case_ids``, by id."""
        self._check_open()
        with self._lock:
            return {case_id: self._cases[case_id] for case_id in case_ids if case_id in self._cases}

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

    # -- identity and privacy -----------------------------------------------------------------

    def merged_ids(self, customer_id: str) -> set[str]:
        with self._lock:
            return {old for old, survivor in self._merged.items() if survivor == customer_id}

    def merge_customers(
        self,
        keep_id: str,
        merge_id: str,
        *,
        at: datetime,
        actor: str = "system",
        reason: str | None = None,
    ) -> Customer:
        check_instant(at)
        with self.transaction():
            self._merge(keep_id, merge_id, at=at, actor=actor, reason=reason)
            return self.get_customer(keep_id)

    def erase_customer(
        self,
        customer_id: str,
        *,
        at: datetime,
        actor: str = "system",
        reason: str | None = None,
    ) -> ErasureReport:
        check_instant(at)
        with self.transaction():
            customer = self.get_customer(customer_id)
            cid = customer.id
            ids = {cid, *self.merged_ids(cid)}
            interactions = [i for i in self._interactions.values() if i.customer_id == cid]
            feedback = [f for f in self._feedback.values() if f.customer_id == cid]
            erasure = Erasure.of(customer, written_by(interactions, feedback), ids)
            cases = [c for c in self._cases.values() if c.customer_id == cid]
            case_ids = {c.id for c in cases}
            feedback_ids = {f.id for f in feedback}
            del self._customers[cid]
            self._customers[erasure.anonymous_id] = erasure.customer(customer)
            self._contacts = {key: owner for key, owner in self._contacts.items() if owner != cid}
            self._merged = {old: new for old, new in self._merged.items() if new != cid}
            for interaction in interactions:
                self._interactions[interaction.id] = erasure.interaction(interaction)
            for item in feedback:
                self._feedback[item.id] = erasure.feedback(item)
            for case in cases:
                self._cases[case.id] = attrs.evolve(erasure.case(case), version=case.version + 1)
            messages = [m for m in self._messages.values() if m.message.customer_id == cid]
            for stored in messages:
                self._messages[stored.message.id] = attrs.evolve(
                    stored,
                    message=erasure.message(stored.message),
                    last_delivery=None
                    if stored.last_delivery is None
                    else erasure.delivery(stored.last_delivery),
                )
            timers = [t for t in self._timers.values() if t.case_id in case_ids]
            for timer in timers:
                self._timers[timer.id] = erasure.timer(timer)
            invitations = [
                (invitation, claimed)
                for invitation, claimed in self._invitations.values()
                if invitation.customer_id == cid
            ]
            for invitation, claimed in invitations:
                self._invitations[invitation.id] = (erasure.invitation(invitation), claimed)
            events = 0
            for index, event in enumerate(self._events):
                if (
                    event.customer_id in ids
                    or event.case_id in case_ids
                    or event.feedback_id in feedback_ids
                    or erasure.names_contact_in(event)
                ):
                    rewritten = erasure.event(event)
                    if rewritten != event:
                        self._events[index] = rewritten
                        events += 1
            rejections = 0
            for index, rejection in enumerate(self._rejections):
                if erasure.names_contact(rejection.raw) or erasure.names_contact(rejection.reason):
                    self._rejections[index] = erasure.rejection(rejection)
                    rejections += 1
            report = ErasureReport(
                customer_id=erasure.anonymous_id,
                erased_at=at,
                contact_points=len(customer.contacts),
                interactions=len(interactions),
                feedback=len(feedback),
                cases=len(cases),
                messages=len(messages),
                timers=len(timers),
                invitations=len(invitations),
                events=events,
                rejections=rejections,
            )
            self._append([report.event(actor=actor, reason=erasure.optional_text(reason))])
        return report

    def _merge(
        self, keep_id: str, merge_id: str, *, at: datetime, actor: str, reason: str | None
    ) -> None:
        keep = self.get_customer(keep_id)
        merge = self.get_customer(merge_id)
        if keep.id == merge.id:
            raise ValidationError("merge_id", merge_id, f"is already customer {keep.id}")
        old, new = merge.id, keep.id
        kinds = ("interactions", "feedback", "cases", "messages", "invitations", "timers")
        moved = dict.fromkeys(kinds, 0)
        for interaction in list(self._interactions.values()):
            if interaction.customer_id == old:
                self._interactions[interaction.id] = attrs.evolve(interaction, customer_id=new)
                moved["interactions"] += 1
        for item in list(self._feedback.values()):
            if item.customer_id == old:
                self._feedback[item.id] = attrs.evolve(item, customer_id=new)
                moved["feedback"] += 1
        for case in list(self._cases.values()):
            if case.customer_id == old:
                # A new version, so a writer holding the case as it was cannot undo the move.
                self._cases[case.id] = attrs.evolve(case, customer_id=new, version=case.version + 1)
                moved["cases"] += 1
        for stored in list(self._messages.values()):
            if stored.message.customer_id == old:
                self._messages[stored.message.id] = attrs.evolve(
                    stored, message=attrs.evolve(stored.message, customer_id=new)
                )
                moved["messages"] += 1
        for invitation, claimed in list(self._invitations.values()):
            if invitation.customer_id == old:
                self._invitations[invitation.id] = (
                    attrs.evolve(invitation, customer_id=new),
                    claimed,
                )
                moved["invitations"] += 1
        for timer in list(self._timers.values()):
            data = replace_id(dict(timer.data), old, new)
            if data != timer.data:
                self._timers[timer.id] = attrs.evolve(timer, data=data)
                moved["timers"] += 1
        self._customers[new] = merged_profile(keep, merge)
        del self._customers[old]
        self._contacts = {
            key: new if owner == old else owner for key, owner in self._contacts.items()
        }
        self._merged = {
            gone: new if survivor == old else survivor for gone, survivor in self._merged.items()
        }
        self._merged[old] = new
        self._append([merge_event(new, old, at=at, moved=moved, actor=actor, reason=reason)])

    def _merge_automatically(self, keep_id: str, merge_id: str, at: datetime) -> None:
        self._merge(keep_id, merge_id, at=at, actor="system", reason=AUTOMATIC_MERGE_REASON)

    def _owners(self, points: Sequence[ContactPoint]) -> dict[ContactPoint, str]:
        owners: dict[ContactPoint, str] = {}
        for point in points:
            owner = self._contacts.get((point.channel, point.value))
            if owner is not None:
                owners[point] = owner
        return owners

    def _save_profile(self, customer: Customer) -> None:
        self._customers[customer.id] = customer
        for point in customer.contacts:
            self._contacts.setdefault((point.channel, point.value), customer.id)

    # -- survey invitations -----------------------------------------------------------------

    def save_invitation(self, invitation: Invitation) -> bool:
        if not isinstance(invitation, Invitation):
            raise ValidationError("invitation", invitation, "must be an Invitation")
        with self.transaction():
            if invitation.id in self._invitations:
                return False
            self._invitations[invitation.id] = (invitation, None)
            return True

    def get_invitation(self, invitation_id: str) -> Invitation:
        with self._lock:
            self._check_open()
            try:
                return self._invitations[invitation_id][0]
            except KeyError:
                raise NotFoundError("invitation", invitation_id) from None

    def iter_invitations(
        self, *, customer_id: str | None = None, since: datetime | None = None
    ) -> Iterator[Invitation]:
        with self._lock:
            self._check_open()
            selected = [
                invitation
                for invitation, _ in self._invitations.values()
                if (customer_id is None or invitation.customer_id == customer_id)
                and (since is None or invitation.send_at >= since)
            ]
        selected.sort(key=lambda invitation: (invitation.send_at, invitation.id))
        yield from selected

    def claim_token(self, invitation_id: str, at: datetime) -> bool:
        with self.transaction():
            try:
                invitation, claimed = self._invitations[invitation_id]
            except KeyError:
                raise NotFoundError("invitation", invitation_id) from None
            if claimed is not None:
                return False
            self._invitations[invitation_id] = (invitation, at)
            return True

    def token_claimed_at(self, invitation_id: str) -> datetime | None:
        with self._lock:
            self._check_open()
            try:
                return self._invitations[invitation_id][1]
            except KeyError:
                raise NotFoundError("invitation", invitation_id) from None

    def claim_messages(
        self, now: datetime, *, limit: int = 100, lease: timedelta = timedelta(minutes=5)
    ) -> list[Message]:
        """Messages due at ``now``, each held for ``lease`` (see :meth:`Store.claim_messages`),
        so that two threads never send one message."""
        with self.transaction():
            claimed = self.messages_to_send(now, limit=limit)
            for message in claimed:
                self._messages[message.id] = attrs.evolve(
                    self._messages[message.id], next_attempt_at=now + lease
                )
        return claimed
