"""StoreContract: what every store must do, as tests. Every built-in store runs these."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from clientvoice._codec import dump
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

    # -- survey invitations -------------------------------------------------------------------

    def test_invitations_are_saved_once_and_read_back(self, store: Store) -> None:
        first = _invitation("inv-1", "cust-a", T0)
        assert store.save_invitation(first) is True
        again = attrs.evolve(first, to="other@example.com")
        assert store.save_invitation(again) is False  # the first one stored wins
        assert store.get_invitation("inv-1") == first
        with pytest.raises(NotFoundError):
            store.get_invitation("inv-unknown")

    def test_invitations_are_listed_by_send_time_customer_and_since(self, store: Store) -> None:
        late = _invitation("inv-late", "cust-a", T0 + timedelta(days=3))
        early = _invitation("inv-early", "cust-a", T0)
        other = _invitation("inv-other", "cust-b", T0 + timedelta(days=1))
        for invitation in (late, early, other):
            store.save_invitation(invitation)
        assert list(store.iter_invitations()) == [early, other, late]
        assert list(store.iter_invitations(customer_id="cust-a")) == [early, late]
        since = T0 + timedelta(days=1)
        assert list(store.iter_invitations(since=since)) == [other, late]
        assert list(store.iter_invitations(customer_id="cust-b", since=since)) == [other]
        assert list(store.iter_invitations(customer_id="cust-zzz")) == []

    def test_a_token_is_claimed_once(self, store: Store) -> None:
        store.save_invitation(_invitation("inv-1", "cust-a", T0))
        assert store.token_claimed_at("inv-1") is None
        at = T0 + timedelta(hours=5)
        assert store.claim_token("inv-1", at) is True
        assert store.claim_token("inv-1", at + timedelta(minutes=1)) is False
        assert store.token_claimed_at("inv-1") == at
        with pytest.raises(NotFoundError):
            store.claim_token("inv-unknown", at)

    def test_an_invitation_saved_in_a_failed_transaction_is_not_kept(self, store: Store) -> None:
        def save_then_fail() -> None:
            with store.transaction():
                store.save_invitation(_invitation("inv-1", "cust-a", T0))
                raise RuntimeError("the message could not be queued")

        with pytest.raises(RuntimeError):
            save_then_fail()
        assert list(store.iter_invitations()) == []
        with pytest.raises(NotFoundError):
            store.get_invitation("inv-1")

    # -- identity: one person, one customer ---------------------------------------------------

    def test_a_known_customer_gains_new_contact_points_segments_and_programmes(
        self, store: Store
    ) -> None:
        store.ingest([heard(1, customer={"email": "ana@example.com", "name": "Ana"})])
        later = {
            "email": "ANA@example.com",
            "phone": "+34 600 111 222",
            "name": "Ana María",
            "segments": ["vip"],
            "memberships": {"loyalty": "gold"},
        }
        result = store.ingest([heard(2, customer=later)])
        assert result.customers_created == 0
        customer = store.find_customer("phone", "+34600111222")
        assert customer is not None
        assert customer == store.find_customer("email", "ana@example.com")
        assert customer.name == "Ana"  # the first description wins for profile fields
        assert [p.value for p in customer.contacts] == ["ana@example.com", "+34600111222"]
        assert customer.segments == {"vip"}
        assert customer.memberships == {"loyalty": "gold"}
        assert store.counts()["customers"] == 1

    def test_a_record_naming_two_customers_merges_them(self, store: Store) -> None:
        store.ingest([heard(1, customer={"email": "ana@example.com", "name": "Ana"})])
        store.ingest([heard(2, customer={"phone": "600111222", "name": "Ana L."})])
        ana = store.find_customer("email", "ana@example.com")
        phone = store.find_customer("phone", "600111222")
        assert ana is not None
        assert phone is not None
        assert ana.id != phone.id
        both = {"email": "ana@example.com", "phone": "600 111 222"}
        result = store.ingest([heard(3, customer=both)], events_for=_events)
        assert [item.interaction.customer_id for item in result.stored] == [ana.id]
        assert store.counts()["customers"] == 1
        assert store.counts()["interactions"] == 3
        survivor = store.get_customer(phone.id)  # the merged id stays resolvable
        assert (survivor.id, survivor.name) == (ana.id, "Ana")
        assert store.merged_ids(ana.id) == {phone.id}
        assert [f.customer_id for f in store.iter_feedback()] == [ana.id] * 3
        merged = [s.event for s in store.iter_events() if s.event.type == "customer.merged"]
        assert [(e.customer_id, e.data["merged_id"]) for e in merged] == [(ana.id, phone.id)]
        # A record naming the merged id lands on the survivor.
        late = store.ingest([heard(4, customer={"id": phone.id, "name": "x"})])
        assert late.customers_created == 0
        assert late.stored[0].interaction.customer_id == ana.id

    def test_new_customers_linked_in_one_batch_keep_every_contact_point(self, store: Store) -> None:
        batch = [
            heard(1, customer={"email": "ana@example.com"}),
            heard(2, customer={"email": "ana@example.com", "contacts": {"x": "@AnaL"}}),
        ]
        result = store.ingest(batch)
        assert result.customers_created == 1
        customer = store.find_customer("x", "anal")
        assert customer is not None
        assert customer == store.find_customer("email", "ana@example.com")

    def test_merging_customers_moves_their_history(self, store: Store) -> None:
        store.ingest([heard(1, email="ana@example.com"), heard(2, email="ana.l@example.com")])
        keep = store.find_customer("email", "ana@example.com")
        gone = store.find_customer("email", "ana.l@example.com")
        assert keep is not None
        assert gone is not None
        store.add_cases([_case("c1", gone.id, notes=("called back",))])
        store.schedule_timers([attrs.evolve(_timer("t1", "c1", 4), data={"who": gone.id})])
        store.queue_messages([attrs.evolve(_message("m1", 0), customer_id=gone.id)])
        store.save_invitation(_invitation("inv-1", gone.id, T0))
        before = store.counts()
        survivor = store.merge_customers(
            keep.id, gone.id, at=T0, actor="agent-7", reason="same person, confirmed by phone"
        )
        after = store.counts()
        assert after["customers"] == before["customers"] - 1
        for table in ("interactions", "feedback", "cases", "messages", "problems", "rejections"):
            assert after[table] == before[table], table
        assert after["events"] == before["events"] + 1
        assert survivor.id == keep.id
        assert {p.value for p in survivor.contacts} == {"ana@example.com", "ana.l@example.com"}
        assert store.find_customer("email", "ana.l@example.com") == survivor
        assert store.get_customer(gone.id) == survivor
        assert len(list(store.iter_feedback(customer_id=keep.id))) == 2
        assert list(store.iter_feedback(customer_id=gone.id)) == []
        assert len(list(store.iter_interactions(customer_id=keep.id))) == 2
        case = store.get_case("c1")
        assert (case.customer_id, case.version, case.notes) == (keep.id, 2, ("called back",))
        assert store.get_message("m1").message.customer_id == keep.id
        assert [i.id for i in store.iter_invitations(customer_id=keep.id)] == ["inv-1"]
        assert [t.data for t in store.iter_timers(case_id="c1")] == [{"who": keep.id}]
        event = list(store.iter_events())[-1].event
        assert (event.type, event.customer_id, event.actor, event.reason) == (
            "customer.merged",
            keep.id,
            "agent-7",
            "same person, confirmed by phone",
        )
        assert event.data["merged_id"] == gone.id
        assert (event.data["moved"]["feedback"], event.data["moved"]["cases"]) == (1, 1)
        with pytest.raises(ConflictError):  # a copy read before the move cannot undo it
            store.save_case(_case("c1", gone.id, version=1))

    def test_merges_follow_earlier_merges(self, store: Store) -> None:
        store.ingest([heard(n) for n in (1, 2, 3)])
        ids = [c.id for c in store.iter_customers()]
        store.merge_customers(ids[1], ids[0], at=T0)
        store.merge_customers(ids[2], ids[1], at=T0)
        assert store.get_customer(ids[0]).id == ids[2]
        assert store.merged_ids(ids[2]) == {ids[0], ids[1]}
        assert store.counts()["customers"] == 1
        with pytest.raises(ValidationError) as refused:
            store.merge_customers(ids[2], ids[0], at=T0)
        assert refused.value.field == "merge_id"
        with pytest.raises(NotFoundError):
            store.merge_customers(ids[2], "nobody", at=T0)
        for bad in (datetime(2026, 3, 2, 9, 0), "2026-03-02"):
            with pytest.raises(ValidationError) as refused:
                store.merge_customers(ids[2], ids[0], at=bad)  # type: ignore[arg-type]
            assert refused.value.field == "at"
            with pytest.raises(ValidationError) as refused:
                store.erase_customer(ids[2], at=bad)  # type: ignore[arg-type]
            assert refused.value.field == "at"
        assert store.counts()["customers"] == 1

    def test_a_merge_in_a_failed_transaction_changes_nothing(self, store: Store) -> None:
        store.ingest([heard(1), heard(2)])
        a, b = (c.id for c in store.iter_customers())

        def merge_then_fail() -> None:
            with store.transaction():
                store.merge_customers(a, b, at=T0)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            merge_then_fail()
        assert store.counts()["customers"] == 2
        assert store.get_customer(b).id == b
        assert store.merged_ids(a) == set()

    # -- privacy: export and erase one customer -----------------------------------------------

    def _ana(self, store: Store) -> Customer:
        """Ana, with feedback, a case, a message, a timer, events and a dead letter; and Bob."""
        ana = {"email": "ana.lopez@example.com", "phone": "+34 611 222 333", "name": "Ana López"}
        store.ingest(
            [
                heard(1, customer=ana, text="El pedido llegó roto, llamadme al 611 222 333"),
                heard(2, customer=ana, text="Sigo esperando", nps=2),
                heard(3, customer={"email": "bob@example.com", "name": "Bob"}, text="Great", nps=9),
            ],
            events_for=_events,
        )
        customer = store.find_customer("email", "ana.lopez@example.com")
        assert customer is not None
        feedback = list(store.iter_feedback(customer_id=customer.id))
        store.add_cases(
            [
                attrs.evolve(
                    _case("c1", customer.id),
                    feedback_id=feedback[0].id,
                    notes=("Ana López says ana.lopez@example.com is her work address",),
                    stage=CaseStage.ACKNOWLEDGED,
                    acknowledged_at=T0 + timedelta(hours=1),
                )
            ],
            events=[
                Event(
                    id="ev-c1",
                    type="case.opened",
                    occurred_at=T0,
                    case_id="c1",
                    data={"quote": "El pedido llegó roto, llamadme al 611 222 333"},
                )
            ],
            timers=[_timer("t1", "c1", 8)],
        )
        message = attrs.evolve(
            _message("m1", 0),
            customer_id=customer.id,
            to="ana.lopez@example.com",
            body="Hola, Ana López:\n\nGracias.\n",
        )
        store.queue_messages([message])
        store.record_delivery(attrs.evolve(_delivery("m1", DeliveryStatus.SENT), detail="ok"))
        invitation = _invitation("inv-ana", customer.id, T0)
        store.save_invitation(attrs.evolve(invitation, to="ana.lopez@example.com"))
        store.add_events(
            [
                Event(
                    id="ev-x",
                    type="webhook.sent",
                    occurred_at=T0,
                    data={"to": "ANA.LOPEZ@example.com"},
                )
            ]
        )
        store.add_rejections(
            [
                Rejection(source="x.jsonl", line=1, reason="bad", raw='{"phone": "611222333"}'),
                Rejection(source="x.jsonl", line=2, reason="bad", raw='{"email": "bob@x.io"}'),
            ]
        )
        return customer

    def test_export_holds_everything_about_one_customer(self, store: Store) -> None:
        ana = self._ana(store)
        exported = store.export_customer(ana.id)
        text = json.dumps(exported)  # JSON-serialisable as it is
        assert exported["customer"]["name"] == "Ana López"
        assert {c["value"] for c in exported["customer"]["contacts"]} == {
            "ana.lopez@example.com",
            "+34611222333",
        }
        assert "consents" in exported["customer"]
        assert len(exported["interactions"]) == 2
        assert [f["nps"] for f in exported["feedback"]] == [1, 2]
        assert [c["id"] for c in exported["cases"]] == ["c1"]
        assert [t["id"] for t in exported["timers"]] == ["t1"]
        assert [m["message"]["id"] for m in exported["messages"]] == ["m1"]
        assert exported["messages"][0]["status"] == "sent"
        assert [i["id"] for i in exported["invitations"]] == ["inv-ana"]
        event_ids = {e["event"]["id"] for e in exported["events"]}
        assert {"ev-c1", f"ev-{exported['feedback'][0]['id']}"} <= event_ids
        assert [r["line"] for r in exported["rejections"]] == [1]
        assert "bob@example.com" not in text
        assert "Great" not in text
        assert exported["merged_ids"] == []
        with pytest.raises(NotFoundError):
            store.export_customer("nobody")

    def test_erasure_anonymises_a_customer_and_keeps_the_aggregates(self, store: Store) -> None:
        ana = self._ana(store)
        bob = store.find_customer("email", "bob@example.com")
        assert bob is not None
        before = store.counts()
        nps_before = sorted(f.nps for f in store.iter_feedback() if f.nps is not None)
        case_before = store.get_case("c1")
        report = store.erase_customer(ana.id, at=T0 + timedelta(days=1), actor="dpo")
        assert (report.contact_points, report.interactions, report.feedback) == (2, 2, 2)
        assert (report.cases, report.messages, report.rejections, report.invitations) == (
            1,
            1,
            1,
            1,
        )
        assert report.events == 4  # her 2 feedback events, the case quoting her, the webhook
        after = store.counts()
        assert after == {**before, "events": before["events"] + 1}
        assert sorted(f.nps for f in store.iter_feedback() if f.nps is not None) == nps_before
        assert store.find_customer("email", "ana.lopez@example.com") is None
        assert store.find_customer("phone", "611222333") is None
        with pytest.raises(NotFoundError):  # the old id, derived from her address, is gone
            store.get_customer(ana.id)
        erased = store.get_customer(report.customer_id)
        assert report.customer_id != ana.id
        assert (erased.name, erased.contacts, erased.consents.contact) == ("", (), False)
        assert (erased.language, erased.segments, erased.created_at) == (
            ana.language,
            ana.segments,
            ana.created_at,
        )
        assert len(list(store.iter_feedback(customer_id=report.customer_id))) == 2
        case = store.get_case("c1")
        assert (case.customer_id, case.stage, case.acknowledged_at, case.feedback_id) == (
            report.customer_id,
            case_before.stage,
            case_before.acknowledged_at,
            case_before.feedback_id,
        )
        assert store.find_customer("email", "bob@example.com") == bob
        assert [f.text for f in store.iter_feedback(customer_id=bob.id)] == ["Great"]
        everything = json.dumps(
            {
                "customers": [dump(c) for c in store.iter_customers()],
                "interactions": [dump(i) for i in store.iter_interactions()],
                "feedback": [dump(f) for f in store.iter_feedback()],
                "cases": [dump(c) for c in store.iter_cases()],
                "messages": [dump(m) for m in store.iter_messages()],
                "timers": [dump(t) for t in store.iter_timers()],
                "events": [dump(s.event) for s in store.iter_events()],
                "rejections": [dump(r) for r in store.iter_rejections()],
                "invitations": [dump(i) for i in store.iter_invitations()],
            },
            ensure_ascii=False,
        ).lower()
        for personal in (
            "ana.lopez@example.com",
            "611222333",
            "611 222 333",
            "ana lópez",
            "el pedido llegó roto",
            "sigo esperando",
            ana.id,
        ):
            assert personal not in everything, personal
        assert "bob@example.com" in everything
        assert "bob@x.io" in everything
        erased_event = list(store.iter_events())[-1].event
        assert (erased_event.type, erased_event.customer_id, erased_event.actor) == (
            "customer.erased",
            report.customer_id,
            "dpo",
        )
        again = store.erase_customer(report.customer_id, at=T0 + timedelta(days=2))
        assert again.contact_points == 0  # nothing left to erase
        assert store.counts() == {**after, "events": after["events"] + 1}
        with pytest.raises(NotFoundError):
            store.erase_customer("nobody", at=T0)

    def test_new_records_after_erasure_make_a_new_customer(self, store: Store) -> None:
        ana = self._ana(store)
        report = store.erase_customer(ana.id, at=T0)
        result = store.ingest([heard(9, customer={"email": "ana.lopez@example.com"})])
        assert result.customers_created == 1
        assert result.stored[0].interaction.customer_id != report.customer_id
        assert store.count_feedback(customer_id=report.customer_id) == 2  # not linked again

    # -- metrics ------------------------------------------------------------------------------

    def test_score_counts_equal_the_generic_computation(self, store: Store) -> None:
        """A store's ``score_counts`` (often SQL) counts exactly what the generic method of
        :class:`Store` computes from iter_feedback, customers and interactions."""
        profiles = [
            {"segments": ["spain", "vip"], "memberships": {"loyalty": "gold"}},
            {"segments": ["spain"], "memberships": {"loyalty": "silver", "plan": "pro"}},
            {},
        ]
        items = [
            heard(
                n,
                channel=("web", "email", "chat")[n % 3],
                # every 23 hours from 2 March: across Madrid's daylight-saving change and months
                occurred_at=(T0 + timedelta(hours=23 * n)).isoformat(),
                customer={"email": f"metrics{n % 5}@example.com", **profiles[n % 5 % 3]},
                csat=n % 5 + 1,
                ces=n % 7 + 1 if n % 4 else None,
            )
            for n in range(40)
        ]
        store.ingest(items)
        for metric in ("nps", "csat", "ces"):
            for period in (None, "day", "week", "month", "quarter"):
                for by in (None, "segment", "channel", "membership", "membership:plan"):
                    for tz in ("UTC", "Europe/Madrid"):
                        query: dict[str, Any] = {"period": period, "by": by, "tz": tz}
                        assert store.score_counts(metric, **query) == Store.score_counts(
                            store, metric, **query
                        ), (metric, query)
        since, until = T0 + timedelta(days=3), T0 + timedelta(days=20)
        window = store.score_counts("ces", period="week", since=since, until=until)
        assert window == Store.score_counts(store, "ces", period="week", since=since, until=until)
        # By hand: every item has an NPS (n % 11); with ``by=None`` and no period the counts
        # are those of the answers.
        expected: dict[tuple[Any, Any, int], int] = {}
        for n in range(40):
            expected[None, None, n % 11] = expected.get((None, None, n % 11), 0) + 1
        assert store.score_counts("nps") == expected
        with pytest.raises(ValidationError):
            store.score_counts("nps", period="fortnight")

    def test_score_counts_over_more_periods_than_one_query_holds(self, store: Store) -> None:
        """Days over most of a year (more than 256 periods, so SQL stores slice their query)
        count as the generic method counts them."""
        store.ingest(
            [
                heard(
                    n,
                    occurred_at=(T0 + timedelta(days=11 * n, hours=n % 24)).isoformat(),
                    customer={"email": f"year{n % 4}@example.com"},
                )
                for n in range(32)
            ]
        )
        for tz in ("UTC", "America/Mexico_City"):
            counts = store.score_counts("nps", period="day", tz=tz)
            assert counts == Store.score_counts(store, "nps", period="day", tz=tz)
            assert sum(counts.values()) == 32
            assert len({day for day, _, _ in counts}) == 32

    # -- work shared by many workers ----------------------------------------------------------

    def test_work_is_claimed_in_the_transaction_that_does_it(self, store: Store) -> None:
        store.ingest([heard(1)])
        customer_id = heard(1).customer.id
        store.add_cases(
            [_case("c1", customer_id)], timers=[_timer("t1", "c1", 1), _timer("t2", "c1", 5)]
        )
        store.add_events([Event(id="e1", type="case.opened", occurred_at=T0)])
        with store.transaction():
            due = store.claim_due_timers(T0 + timedelta(hours=2))
            assert [t.id for t in due] == ["t1"]
            assert store.fire_timer("t1", T0 + timedelta(hours=2))
            claimed = store.claim_events("hooks")
            assert [s.event.id for s in claimed] == ["e1"]
            store.confirm_events("hooks", claimed[-1].seq)
        assert store.claim_due_timers(T0 + timedelta(hours=2)) == []
        assert store.pending_events("hooks") == []
        store.queue_messages([_message("m1", 0)])
        assert [m.id for m in store.claim_messages(T0 + timedelta(minutes=1))] == ["m1"]
        store.record_delivery(_delivery("m1", DeliveryStatus.SENT))
        assert store.claim_messages(T0 + timedelta(days=1)) == []

    # -- work in batches ----------------------------------------------------------------------

    def test_cases_are_read_in_bulk(self, store: Store) -> None:
        store.ingest([heard(1)])
        customer_id = heard(1).customer.id
        store.add_cases([_case("c1", customer_id), _case("c2", customer_id)])
        found = store.get_cases(["c2", "nope", "c1", "c2"])
        assert found == {"c1": store.get_case("c1"), "c2": store.get_case("c2")}
        assert store.get_cases([]) == {}

    def test_cases_are_saved_in_bulk_with_their_events(self, store: Store) -> None:
        store.ingest([heard(1), heard(2)])
        a, b = heard(1).customer.id, heard(2).customer.id
        store.add_cases([_case("c1", a), _case("c2", b), _case("c3", a)])
        c1, c2, c3 = (store.get_case(case_id) for case_id in ("c1", "c2", "c3"))
        events = [
            Event(id=f"e{n}", type="sla.breached", occurred_at=T0, case_id=f"c{n}") for n in (3, 1)
        ]
        store.save_cases(
            [
                attrs.evolve(c1, breaches=("acknowledge",), escalation_level=1),  # data only
                attrs.evolve(c3, stage=CaseStage.ACKNOWLEDGED, owner="ana", waiting_since=T0),
            ],
            events,
        )
        assert store.get_case("c1").breaches == ("acknowledge",)
        assert store.get_case("c1").version == 2
        assert store.get_case("c2") == c2
        assert (store.get_case("c3").stage, store.get_case("c3").version) == (
            CaseStage.ACKNOWLEDGED,
            2,
        )
        assert [c.id for c in store.iter_cases(stage=CaseStage.ACKNOWLEDGED)] == ["c3"]
        assert [c.id for c in store.iter_cases(waiting=True)] == ["c3"]
        assert [s.event.id for s in store.iter_events()] == ["e3", "e1"]
        store.save_cases([])  # nothing to do

    def test_a_stale_case_in_a_batch_saves_nothing(self, store: Store) -> None:
        store.ingest([heard(1)])
        customer_id = heard(1).customer.id
        store.add_cases([_case("c1", customer_id), _case("c2", customer_id)])
        c1, c2 = store.get_case("c1"), store.get_case("c2")
        store.save_case(attrs.evolve(c2, owner="ana"))  # another writer: c2 is now version 2
        event = Event(id="e1", type="case.escalated", occurred_at=T0, case_id="c1")
        with pytest.raises(ConflictError, match="c2"):
            store.save_cases(
                [attrs.evolve(c1, escalation_level=1), attrs.evolve(c2, escalation_level=1)],
                [event],
            )
        assert store.get_case("c1") == c1
        assert store.get_case("c2").escalation_level == 0
        assert store.counts()["events"] == 0
        with pytest.raises(ConflictError):  # the same case twice: the second copy is stale
            store.save_cases([attrs.evolve(c1, owner="bo"), attrs.evolve(c1, owner="cy")])
        assert store.get_case("c1") == c1

    def test_timers_are_fired_in_bulk_once(self, store: Store) -> None:
        store.schedule_timers([_timer("t1", "c1", 1), _timer("t2", "c1", 2), _timer("t3", "c2", 3)])
        assert store.fire_timer("t2", T0)
        store.cancel_timers("c2")
        assert store.fire_timers(["t1", "t2", "t3", "nope"], T0) == {"t1"}
        assert store.fire_timers(["t1"], T0) == set()
        assert store.fire_timers([], T0) == set()
        assert store.due_timers(T0 + timedelta(days=1)) == []

    def test_a_consumer_claims_only_the_events_of_its_types(self, store: Store) -> None:
        kinds = ["case.opened", "feedback.received", "case.opened", "case.opened"]
        kinds += ["feedback.received"]
        store.add_events(
            [Event(id=f"e{n}", type=kind, occurred_at=T0) for n, kind in enumerate(kinds)]
        )
        assert store.claim_events_of("opener", ["nothing.here"]) != ([], 0)  # passes them over
        seen: list[str] = []
        rounds = 0
        while rounds < 10:
            rounds += 1
            with store.transaction():
                page, up_to = store.claim_events_of("opener", ["feedback.received"], limit=1)
                if not up_to:
                    break
                assert len(page) <= 1
                assert all(stored.seq <= up_to for stored in page)
                seen.extend(stored.event.id for stored in page)
                store.confirm_events("opener", up_to)
        assert seen == ["e1", "e4"]
        assert store.pending_events("opener") == []
        assert store.claim_events_of("opener", ["feedback.received"]) == ([], 0)
        assert [s.event.id for s in store.pending_events("others")][:2] == ["e0", "e1"]


def _invitation(invitation_id: str, customer_id: str, send_at: datetime) -> Any:
    from clientvoice.surveys.invitations import Invitation

    return Invitation(
        id=invitation_id,
        survey_id="nps",
        customer_id=customer_id,
        interaction_id=f"int-{invitation_id}",
        channel="email",
        to=f"{customer_id}@example.com",
        language="es",
        send_at=send_at,
        expires_at=send_at + timedelta(days=14),
        case_id="case-1",
    )
