"""Workers share the work through the store's claims: nothing twice, nothing skipped."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from clientvoice import Listener
from clientvoice.clock import ManualClock
from clientvoice.errors import ValidationError
from clientvoice.hookspecs import hookimpl
from clientvoice.models import Event, Message, MessageKind
from clientvoice.stores.postgres import PostgresStore
from clientvoice.testing.stores import heard
from clientvoice.workers import WorkerReport, deliver_events, run_worker

HEARD_AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
A_WEEK_LATER = HEARD_AT + timedelta(days=7)


class Deliveries:
    """Remembers every event handed to the hook, in order, from any thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: list[str] = []

    @hookimpl
    def clientvoice_on_event(self, event: Event) -> None:
        with self.lock:
            self.ids.append(event.id)


def _complaints(count: int) -> list[dict[str, object]]:
    return [
        {
            "external_id": f"c{n}",
            "occurred_at": HEARD_AT.isoformat(),
            "customer": {"email": f"customer{n}@example.com"},
            "text": "My order never arrived",
            "kind": "complaint",
        }
        for n in range(count)
    ]


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_workers_in_threads_escalate_once_and_deliver_every_event_once(
    backend: str, postgres_url: str, tmp_path
) -> None:
    url = postgres_url if backend == "postgres" else f"sqlite:///{tmp_path / 'w.db'}"
    with Listener.open(url, autoload=False, clock=ManualClock(HEARD_AT)) as listener:
        listener.ingest(_complaints(60), channel="web")
    deliveries = Deliveries()
    clock = ManualClock(A_WEEK_LATER)
    stop = threading.Event()
    reports: list[WorkerReport] = []

    def work(name: str) -> None:
        with Listener.open(url, plugins=[deliveries], autoload=False, clock=clock) as own:
            reports.append(
                run_worker(own, stop_event=stop, poll_interval=0.02, batch_size=7, worker_id=name)
            )

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    with Listener.open(url, autoload=False) as watcher:
        store = watcher.store
        deadline = threading.Event()
        for _ in range(600):
            if not store.due_timers(clock.now(), limit=1) and not store.pending_events("hooks"):
                break
            deadline.wait(0.05)
        stop.set()
        for thread in threads:
            thread.join()
        events = [stored.event for stored in store.iter_events()]
        cases = list(store.iter_cases())
    assert sum(r.escalations for r in reports) == 120  # acknowledge and resolve, 60 cases
    assert sum(r.breaches for r in reports) == 120
    assert all(case.escalation_level == 2 for case in cases) and len(cases) == 60
    escalated = [(e.case_id, e.data["deadline"]) for e in events if e.type == "case.escalated"]
    assert len(escalated) == len(set(escalated)) == 120
    assert sorted(deliveries.ids) == sorted(e.id for e in events)  # each exactly once


def test_a_held_consumer_is_skipped_by_other_workers(postgres_url: str) -> None:
    with PostgresStore(postgres_url) as one, PostgresStore(postgres_url) as two:
        one.add_events(
            [Event(id=f"e{n}", type="case.opened", occurred_at=HEARD_AT) for n in range(3)]
        )
        with one.transaction():
            claimed = one.claim_events("hooks")
            assert [s.event.id for s in claimed] == ["e0", "e1", "e2"]
            with two.transaction():
                assert two.claim_events("hooks") == []
            one.confirm_events("hooks", claimed[-1].seq)
        with two.transaction():
            assert two.claim_events("hooks") == []  # confirmed: nothing left
        one.add_events([Event(id="e3", type="case.opened", occurred_at=HEARD_AT)])
        with two.transaction():
            assert [s.event.id for s in two.claim_events("hooks")] == ["e3"]


def test_an_event_committed_late_is_not_skipped(postgres_url: str) -> None:
    with PostgresStore(postgres_url) as slow, PostgresStore(postgres_url) as fast:
        with slow.transaction():
            slow.add_events([Event(id="slow", type="case.opened", occurred_at=HEARD_AT)])
            fast.add_events([Event(id="fast", type="case.opened", occurred_at=HEARD_AT)])
            seen = fast.pending_events("hooks")
            assert [s.event.id for s in seen] == ["fast"]
            fast.confirm_events("hooks", seen[-1].seq)
        # "slow" was inserted first but committed last: the consumer still gets it.
        assert [s.event.id for s in fast.pending_events("hooks")] == ["slow"]


def test_timers_of_a_held_case_are_left_to_its_holder(postgres_url: str) -> None:
    with Listener.open(postgres_url, autoload=False, clock=ManualClock(HEARD_AT)) as listener:
        listener.ingest(_complaints(2), channel="web")
    with PostgresStore(postgres_url) as one, PostgresStore(postgres_url) as two:
        with one.transaction():
            mine = one.claim_due_timers(A_WEEK_LATER, limit=1)
            with two.transaction():
                theirs = two.claim_due_timers(A_WEEK_LATER)
            assert {t.case_id for t in mine}.isdisjoint(t.case_id for t in theirs)
            assert len(mine) == 1 and len(theirs) == 4  # 4 timers per case
        assert len(one.due_timers(A_WEEK_LATER)) == 8  # claiming fires nothing by itself


def test_a_claimed_message_is_held_for_its_lease(postgres_url: str) -> None:
    with PostgresStore(postgres_url) as store:
        item = heard(1)
        store.ingest([item])
        message = Message(
            id="m1",
            customer_id=item.customer.id,
            kind=MessageKind.ACKNOWLEDGEMENT,
            channel="email",
            language="en",
            to="customer1@example.com",
            subject="We heard you",
            body="Thank you",
            created_at=HEARD_AT,
        )
        store.queue_messages([message])
        lease = timedelta(minutes=5)
        assert store.claim_messages(HEARD_AT, lease=lease) == [message]
        assert store.claim_messages(HEARD_AT + timedelta(minutes=4), lease=lease) == []
        assert store.claim_messages(HEARD_AT + lease, lease=lease) == [message]


def test_deliver_events_does_nothing_without_listeners(postgres_url: str) -> None:
    with Listener.open(postgres_url, autoload=False) as listener:
        listener.ingest(_complaints(1), channel="web")
        assert deliver_events(listener) == 0


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"poll_interval": -1, "max_rounds": 1}, "poll_interval"),
        ({"batch_size": 0, "max_rounds": 1}, "batch_size"),
        ({"max_rounds": 0}, "max_rounds"),
        ({}, "stop_event"),
    ],
)
def test_bad_worker_options_are_refused(options: dict[str, object], field: str) -> None:
    with Listener(autoload=False) as listener, pytest.raises(ValidationError) as caught:
        run_worker(listener, **options)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_worker_can_run_a_fixed_number_of_rounds() -> None:
    with Listener(autoload=False, clock=ManualClock(HEARD_AT)) as listener:
        listener.ingest(_complaints(3), channel="web")
        later = Listener(listener.store, autoload=False, clock=ManualClock(A_WEEK_LATER))
        report = run_worker(later, max_rounds=2, poll_interval=0)
    assert report.rounds == 2
    assert report.escalations == 6
