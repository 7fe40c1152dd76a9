"""StoreContract: what every store must do, as tests. Every built-in store runs these."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from clientvoice.channels.records import parse_record
from clientvoice.errors import ConflictError, NotFoundError, StoreError, ValidationError
from clientvoice.models import (
    Case,
    CaseStage,
    ContactPoint,
    Customer,
    Delivery,
    DeliveryStatus,
    Event,
    FeedbackKind,
    Heard,
    Message,
    MessageKind,
    Priority,
    Problem,
    ProblemStatus,
    RecoveryGesture,
    Rejection,
    Timer,
)
from clientvoice.stores.base import Store

__all__ = ["StoreContract", "heard"]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=1)))


def heard(n: int, *, email: str | None = None, channel: str = "web", **fields: Any) -> Heard:
    """A valid heard item number ``n`` (a convenience for store tests)."""
    record: dict[str, Any] = {
        "channel": channel,
        "external_id": f"ext-{n}",
        "occurred_at": (T0 + timedelta(minutes=n)).isoformat(),
        "customer": {"email": email or f"customer{n}@example.com", "name": f"Customer {n}"},
        "text": f"feedback number {n}",
        "kind": "complaint" if n % 2 else "praise",
        "nps": n % 11,
    }
    record.update(fields)
    return parse_record(record)


def _events(item: Heard) -> list[Event]:
    assert item.feedback is not None
    return [
        Event(
            id=f"ev-{item.feedback.id}",
            type="feedback.received",
            occurred_at=item.feedback.created_at,
            feedback_id=item.feedback.id,
            customer_id=item.feedback.customer_id,
            data={"n": 1},
        )
    ]


def _case(case_id: str, customer_id: str, **fields: Any) -> Case:
    return Case(id=case_id, customer_id=customer_id, feedback_id=None, opened_at=T0, **fields)


def _timer(timer_id: str, case_id: str, hours: int, *, kind: str = "resolve.breach") -> Timer:
    return Timer(
        id=timer_id,
        case_id=case_id,
        kind=kind,
        due_at=T0 + timedelta(hours=hours),
        data={"n": hours},
    )


def _message(message_id: str, minutes: int) -> Message:
    return Message(
        id=message_id,
        customer_id="cust-1",
        channel="email",
        to="ana@example.com",
        kind=MessageKind.ACKNOWLEDGEMENT,
        language="es",
        subject="Hemos recibido tu mensaje",
        body="Hola, Ana:\n\nGracias.\n",
        created_at=T0 + timedelta(minutes=minutes),
        case_id=f"c{minutes + 1}",
    )


def _delivery(message_id: str, status: DeliveryStatus) -> Delivery:
    return Delivery(
        message_id=message_id,
        channel="email",
        status=status,
        at=T0 + timedelta(hours=1),
        external_id="<x@y>" if status is DeliveryStatus.SENT else None,
        detail=None if status is DeliveryStatus.SENT else "mailbox full",
    )


class StoreContract:
    """Tests every store must pass. Provide a ``store`` fixture yielding a new, empty store."""

    @pytest.fixture
    def store(self) -> Store:
        raise NotImplementedError("provide a 'store' fixture yielding an empty store")

    # -- ingestion ----------------------------------------------------------------------------

    def test_ingest_stores_customers_interactions_and_feedback(self, store: Store) -> None:
        items = [heard(1), heard(2)]
        result = store.ingest(items)
        assert len(result.stored) == 2
        assert result.duplicates == []
        assert result.customers_created == 2
        for item in items:
            assert store.get_interaction(item.interaction.id) == item.interaction
            assert item.feedback is not None
            assert store.get_feedback(item.feedback.id) == item.feedback
            customer = store.get_customer(item.customer.id)
            assert attrs.evolve(customer, created_at=None) == item.customer
            assert customer.created_at == item.interaction.occurred_at
        counts = store.counts()
        assert counts["customers"] == counts["interactions"] == counts["feedback"] == 2

    def test_ingesting_the_same_items_twice_stores_them_once(self, store: Store) -> None:
        items = [heard(n) for n in range(5)]
        store.ingest(items)
        again = store.ingest(items)
        assert again.stored == []
        assert len(again.duplicates) == 5
        assert again.customers_created == 0
        assert store.counts()["feedback"] == 5

    def test_repeats_within_a_batch_are_duplicates(self, store: Store) -> None:
        result = store.ingest([heard(1), heard(1), heard(2)])
        assert len(result.stored) == 2
        assert len(result.duplicates) == 1

    def test_the_same_external_id_on_two_channels_is_two_interactions(self, store: Store) -> None:
        result = store.ingest([heard(1, channel="web"), heard(1, channel="email")])
        assert len(result.stored) == 2

    def test_a_customer_is_found_again_by_contact_point(self, store: Store) -> None:
        store.ingest([heard(1, email="ana@example.com")])
        later = heard(
            2,
            customer={"phone": "+34 600 111 222", "contacts": {"email": "ANA@example.com"}},
        )
        assert later.customer.id != heard(1, email="ana@example.com").customer.id
        result = store.ingest([later])
        assert result.customers_created == 0
        (stored,) = result.stored
        first_id = heard(1, email="ana@example.com").customer.id
        assert stored.interaction.customer_id == first_id
        assert stored.feedback is not None
        assert stored.feedback.customer_id == first_id
        assert store.get_interaction(later.interaction.id).customer_id == first_id

    def test_a_customer_is_found_again_by_id(self, store: Store) -> None:
        store.ingest([heard(1, customer={"id": "crm-7", "name": "Luis"})])
        result = store.ingest([heard(2, customer={"id": "crm-7"})])
        assert result.customers_created == 0
        assert store.get_customer("crm-7").name == "Luis"  # the first description is kept

    def test_new_customers_sharing_a_contact_in_one_batch_become_one(self, store: Store) -> None:
        a = heard(1, customer={"email": "eva@example.com"})
        b = heard(
            2, customer={"phone": "+44 7700 900123", "contacts": {"email": "eva@example.com"}}
        )
        result = store.ingest([a, b])
        assert result.customers_created == 1
        assert {item.interaction.customer_id for item in result.stored} == {a.customer.id}

    def test_events_are_stored_with_the_items_they_describe(self, store: Store) -> None:
        items = [heard(1), heard(2)]
        store.ingest(items, events_for=_events)
        store.ingest(items, events_for=_events)  # duplicates: no new events
        stored = list(store.iter_events())
        assert [s.event.type for s in stored] == ["feedback.received"] * 2
        assert [s.seq for s in stored] == sorted({s.seq for s in stored})
        assert stored[0].event.data == {"n": 1}

    def test_an_item_without_external_id_is_refused(self, store: Store) -> None:
        item = heard(1)
        bare = attrs.evolve(item, interaction=attrs.evolve(item.interaction, external_id=None))
        with pytest.raises(ValidationError):
            store.ingest([bare])
        assert store.counts()["interactions"] == 0

    # -- customers ----------------------------------------------------------------------------

    def test_save_find_and_get_customers(self, store: Store) -> None:
        customer = Customer(
            id="c-1",
            name="María José",
            preferred_name="Majo",
            language="es-MX",
            timezone="America/Mexico_City",
            segments={"smb", "mexico"},
            memberships={"loyalty": "gold"},
            contacts=[ContactPoint("email", "majo@example.com"), ContactPoint("x", "@Majo")],
            created_at=T0,
        )
        store.save_customer(customer)
        assert store.get_customer("c-1") == customer
        found = store.find_customer("email", " MAJO@example.com ")
        assert found == customer
        assert store.find_customer("x", "@majo") == customer
        assert store.find_customer("email", "nobody@example.com") is None
        assert [c.id for c in store.iter_customers()] == ["c-1"]

    def test_a_contact_point_belongs_to_one_customer(self, store: Store) -> None:
        store.ingest([heard(1, email="ana@example.com")])
        other = attrs.evolve(heard(1, email="ana@example.com").customer, id="someone-else")
        with pytest.raises(StoreError):
            store.save_customer(other)

    def test_missing_records_raise_not_found(self, store: Store) -> None:
        with pytest.raises(NotFoundError):
            store.get_customer("nope")
        with pytest.raises(NotFoundError):
            store.get_interaction("nope")
        with pytest.raises(NotFoundError):
            store.get_feedback("nope")
        with pytest.raises(NotFoundError):
            store.get_case("nope")

    def test_customers_are_listed_by_id(self, store: Store) -> None:
        store.ingest([heard(n) for n in range(30)])
        ids = [c.id for c in store.iter_customers()]
        assert ids == sorted(ids)
        assert len(ids) == 30

    # -- reading feedback ---------------------------------------------------------------------

    def test_feedback_is_listed_oldest_first_and_filtered(self, store: Store) -> None:
        items = [heard(n, channel="email" if n % 3 == 0 else "web") for n in range(12)]
        store.ingest(list(reversed(items)))
        everything = list(store.iter_feedback())
        assert [f.created_at for f in everything] == sorted(f.created_at for f in everything)
        assert len(everything) == 12
        since, until = T0 + timedelta(minutes=3), T0 + timedelta(minutes=7)
        window = list(store.iter_feedback(since=since, until=until))
        assert [f.created_at for f in window] == [T0 + timedelta(minutes=n) for n in range(3, 7)]
        complaints = list(store.iter_feedback(kind=FeedbackKind.COMPLAINT))
        assert len(complaints) == 6
        assert all(f.kind is FeedbackKind.COMPLAINT for f in complaints)
        by_email = list(store.iter_feedback(channel="email"))
        assert len(by_email) == 4
        one = items[5].customer.id
        assert [f.customer_id for f in store.iter_feedback(customer_id=one)] == [one]
        assert store.count_feedback(channel="email", kind=FeedbackKind.COMPLAINT) == len(
            [f for f in by_email if f.kind is FeedbackKind.COMPLAINT]
        )
        assert store.count_feedback(since=since, until=until) == 4

    def test_listing_pages_through_many_records(self, store: Store) -> None:
        store.ingest([heard(n, email="same@example.com") for n in range(2500)])
        assert sum(1 for _ in store.iter_feedback()) == 2500
        assert sum(1 for _ in store.iter_interactions()) == 2500
        customer_id = heard(0, email="same@example.com").customer.id
        mine = list(store.iter_interactions(customer_id=customer_id))
        assert len(mine) == 2500
        assert [i.occurred_at for i in mine] == sorted(i.occurred_at for i in mine)

    # -- cases --------------------------------------------------------------------------------

    def test_cases_are_versioned(self, store: Store) -> None:
        store.ingest([heard(1)])
        customer_id = heard(1).customer.id
        gesture = RecoveryGesture(kind="discount", description="20% off", value=20.0, cost=12.5)
        case = _case("case-1", customer_id, priority=Priority.HIGH, notes=("called back",))
        saved = store.save_case(case)
        assert saved.version == 1
        assert store.get_case("case-1") == saved
        changed = attrs.evolve(saved, stage=CaseStage.RESOLVED, apology=True, gesture=gesture)
        again = store.save_case(changed)
        assert again.version == 2
        assert store.get_case("case-1").gesture == gesture
        with pytest.raises(ConflictError):
            store.save_case(changed)  # still version 1: someone else saved version 2
        with pytest.raises(ConflictError):
            store.save_case(_case("case-1", customer_id))  # "new" but exists

    def test_cases_are_listed_and_filtered(self, store: Store) -> None:
        store.ingest([heard(1), heard(2)])
        a, b = heard(1).customer.id, heard(2).customer.id
        store.save_case(_case("c1", a))
        store.save_case(_case("c2", b, stage=CaseStage.ACKNOWLEDGED))
        store.save_case(_case("c3", a, stage=CaseStage.ACKNOWLEDGED))
        assert [c.id for c in store.iter_cases()] == ["c1", "c2", "c3"]
        assert [c.id for c in store.iter_cases(stage=CaseStage.ACKNOWLEDGED)] == ["c2", "c3"]
        assert [c.id for c in store.iter_cases(customer_id=a)] == ["c1", "c3"]
        assert store.counts()["cases"] == 3

    def test_a_case_and_its_events_are_saved_together(self, store: Store) -> None:
        store.ingest([heard(1)])
        event = Event(id="e1", type="case.opened", occurred_at=T0, case_id="c1")
        store.save_case(_case("c1", heard(1).customer.id), [event])
        assert [s.event for s in store.iter_events()] == [event]

    def test_a_failed_transaction_changes_nothing(self, store: Store) -> None:
        store.ingest([heard(1)])
        customer_id = heard(1).customer.id

        def change_then_fail() -> None:
            with store.transaction():
                store.save_case(_case("c1", customer_id))
                store.add_events([Event(id="e1", type="case.opened", occurred_at=T0)])
                raise RuntimeError("the engine changed its mind")

        with pytest.raises(RuntimeError):
            change_then_fail()
        assert store.counts()["cases"] == 0
        assert store.counts()["events"] == 0
        with pytest.raises(NotFoundError):
            store.get_case("c1")

    def test_a_transaction_commits_everything_at_its_end(self, store: Store) -> None:
        store.ingest([heard(1)])
        with store.transaction():
            store.save_case(_case("c1", heard(1).customer.id))
            with store.transaction():  # nested use joins the outer transaction
                store.add_events([Event(id="e1", type="case.opened", occurred_at=T0)])
        assert store.counts()["cases"] == 1
        assert store.counts()["events"] == 1

    def test_new_cases_are_added_in_bulk_once_with_their_events_and_timers(
        self, store: Store
    ) -> None:
        store.ingest([heard(1), heard(2)])
        a, b = heard(1).customer.id, heard(2).customer.id
        cases = [_case("c1", a), _case("c2", b)]
        events = [
            Event(id=f"e-{c.id}", type="case.opened", occurred_at=T0, case_id=c.id) for c in cases
        ]
        timers = [_timer("t1", "c1", 1), _timer("t2", "c2", 2)]
        added = store.add_cases(cases, events, timers)
        assert [(c.id, c.version) for c in added] == [("c1", 1), ("c2", 1)]
        assert store.get_case("c2").version == 1
        again = store.add_cases(
            [_case("c1", a, priority=Priority.HIGH), _case("c3", a)],
            [Event(id="e-c1-again", type="case.opened", occurred_at=T0, case_id="c1")],
            [_timer("t3", "c1", 3)],
        )
        assert [c.id for c in again] == ["c3"]
        assert store.get_case("c1").priority is Priority.NORMAL
        assert [s.event.id for s in store.iter_events()] == ["e-c1", "e-c2"]
        assert [t.id for t in store.iter_timers()] == ["t1", "t2"]

    def test_cases_are_found_by_problem_and_by_waiting(self, store: Store) -> None:
        store.ingest([heard(1)])
        a = heard(1).customer.id
        store.save_case(_case("c1", a, problem_id="p1"))
        store.save_case(_case("c2", a, waiting_since=T0, stage=CaseStage.ACKNOWLEDGED))
        store.save_case(_case("c3", a))
        assert [c.id for c in store.iter_cases(problem_id="p1")] == ["c1"]
        assert [c.id for c in store.iter_cases(waiting=True)] == ["c2"]
        assert [c.id for c in store.iter_cases(waiting=False)] == ["c1", "c3"]
        resumed = attrs.evolve(store.get_case("c2"), waiting_since=None)
        store.save_case(resumed)
        assert list(store.iter_cases(waiting=True)) == []

    # -- problems -----------------------------------------------------------------------------

    def test_problems_are_versioned_listed_and_filtered(self, store: Store) -> None:
        problem = Problem(id="p1", title="Checkout crash", opened_at=T0, theme="checkout")
        event = Event(id="e1", type="problem.opened", occurred_at=T0)
        saved = store.save_problem(problem, [event])
        assert saved.version == 1
        assert store.get_problem("p1") == saved
        assert [s.event.id for s in store.iter_events()] == ["e1"]
        with pytest.raises(ConflictError):
            store.save_problem(problem)
        done = store.save_problem(attrs.evolve(saved, status=ProblemStatus.RESOLVED))
        store.save_problem(Problem(id="p2", title="Late parcels", opened_at=T0))
        assert [p.id for p in store.iter_problems()] == ["p1", "p2"]
        assert [p.id for p in store.iter_problems(status=ProblemStatus.OPEN)] == ["p2"]
        assert store.get_problem("p1") == done
        assert store.counts()["problems"] == 2
        with pytest.raises(NotFoundError):
            store.get_problem("nope")

    # -- timers -------------------------------------------------------------------------------

    def test_due_timers_fire_once(self, store: Store) -> None:
        store.schedule_timers([_timer("t2", "c1", 2), _timer("t1", "c1", 1), _timer("t9", "c2", 9)])
        store.schedule_timers([_timer("t1", "c1", 1)])  # the same id again: stored once
        due = store.due_timers(T0 + timedelta(hours=5))
        assert [t.id for t in due] == ["t1", "t2"]
        assert due[0].data == {"n": 1}
        assert store.fire_timer("t1", T0) is True
        assert store.fire_timer("t1", T0) is False  # another worker got there first
        assert [t.id for t in store.due_timers(T0 + timedelta(hours=5))] == ["t2"]
        store.schedule_timers([_timer("t1", "c1", 1)])  # a fired timer is never scheduled again
        assert [t.id for t in store.iter_timers(case_id="c1")] == ["t2"]
        assert store.due_timers(T0 + timedelta(hours=5), limit=0) == []

    def test_cancelled_timers_never_fire(self, store: Store) -> None:
        store.schedule_timers(
            [
                _timer("a", "c1", 1, kind="ack.warning"),
                _timer("b", "c1", 2, kind="ack.breach"),
                _timer("c", "c1", 3, kind="resolve.breach"),
                _timer("d", "c2", 1),
            ]
        )
        assert store.cancel_timers("c1", ["ack.warning", "ack.breach"]) == 2
        assert [t.id for t in store.iter_timers(case_id="c1")] == ["c"]
        assert store.fire_timer("a", T0) is False
        assert store.cancel_timers("c1") == 1
        assert store.cancel_timers("c1", []) == 0
        assert [t.id for t in store.iter_timers()] == ["d"]

    # -- messages -----------------------------------------------------------------------------

    def test_messages_are_queued_sent_retried_and_read_back(self, store: Store) -> None:
        first, second = _message("m1", 0), _message("m2", 1)
        store.queue_messages([second, first])
        store.queue_messages([first])  # stored once
        assert store.counts()["messages"] == 2
        now = T0 + timedelta(hours=1)
        assert [m.id for m in store.messages_to_send(now)] == ["m1", "m2"]
        assert store.messages_to_send(now, limit=1) == [first]
        store.record_delivery(_delivery("m1", DeliveryStatus.SENT))
        failed = _delivery("m2", DeliveryStatus.FAILED)
        store.record_delivery(failed, retry_at=now + timedelta(minutes=5))
        assert store.messages_to_send(now) == []
        assert [m.id for m in store.messages_to_send(now + timedelta(minutes=5))] == ["m2"]
        stored = store.get_message("m2")
        assert (stored.status, stored.attempts, stored.last_delivery) == (
            DeliveryStatus.FAILED,
            1,
            failed,
        )
        assert store.get_message("m1").delivered
        assert store.get_message("m1").message == first
        store.record_delivery(_delivery("m2", DeliveryStatus.FAILED))  # no retry: finished
        assert store.messages_to_send(now + timedelta(days=1)) == []
        assert store.get_message("m2").attempts == 2
        assert [m.message.id for m in store.iter_messages(customer_id="cust-1")] == ["m1", "m2"]
        assert [m.message.id for m in store.iter_messages(case_id="c2")] == ["m2"]
        assert [m.message.id for m in store.iter_messages(since=T0 + timedelta(minutes=1))] == [
            "m2"
        ]
        with pytest.raises(NotFoundError):
            store.record_delivery(_delivery("nope", DeliveryStatus.SENT))
        with pytest.raises(NotFoundError):
            store.get_message("nope")

    # -- events and the outbox ----------------------------------------------------------------

    def test_event_ids_are_stored_once(self, store: Store) -> None:
        event = Event(id="e1", type="case.opened", occurred_at=T0)
        store.add_events([event])
        store.add_events([event])
        assert store.counts()["events"] == 1

    def test_each_consumer_confirms_its_own_progress(self, store: Store) -> None:
        events = [Event(id=f"e{n}", type="case.opened", occurred_at=T0) for n in range(5)]
        store.add_events(events)
        pending = store.pending_events("webhooks")
        assert [s.event.id for s in pending] == [e.id for e in events]
        store.confirm_events("webhooks", pending[1].seq)
        assert [s.event.id for s in store.pending_events("webhooks")] == ["e2", "e3", "e4"]
        assert len(store.pending_events("analytics")) == 5
        store.confirm_events("webhooks", pending[0].seq)  # never goes back
        assert len(store.pending_events("webhooks")) == 3
        assert [s.event.id for s in store.pending_events("webhooks", limit=2)] == ["e2", "e3"]
        assert [s.event.id for s in store.iter_events(after=pending[3].seq)] == ["e4"]

    # -- rejected input -----------------------------------------------------------------------

    def test_rejections_are_kept_and_read_back(self, store: Store) -> None:
        rejections = [
            Rejection(
                source="a.jsonl",
                line=3,
                field="nps",
                reason="nps: must be from 0 to 10",
                raw='{"nps": 11}',
                received_at=T0,
            ),
            Rejection(source="b.csv", line=9, reason="row: has 3 cells", raw="a,b,c"),
        ]
        store.add_rejections(rejections)
        assert list(store.iter_rejections()) == rejections
        assert list(store.iter_rejections(source="b.csv")) == rejections[1:]
        assert store.counts()["rejections"] == 2

    # -- lifecycle ----------------------------------------------------------------------------

    def test_a_closed_store_refuses_work(self, store: Store) -> None:
        store.close()
        with pytest.raises(StoreError):
            store.ingest([heard(1)])
