"""``tick`` fires due timers in batches: the batch size never changes what happens or when.

Each batch is claimed, worked in memory and written in one transaction (store methods
``get_cases``, ``fire_timers``, ``save_cases``); a timer another worker fired first makes the
batch roll back and be claimed again, so its work is never done twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from clientvoice import (
    BusinessCalendar,
    Escalation,
    Listener,
    ManualClock,
    MemoryStore,
    ServiceLevel,
    ServiceLevels,
    SQLiteStore,
)
from clientvoice._ids import stable_id
from clientvoice.models import Timer

from .conftest import START, Mailbox, complaint

UTC = timezone.utc
H = timedelta(hours=1)
OFFICE = BusinessCalendar.weekdays("09:00", "17:00", name="office")
LEVELS = ServiceLevels(
    default=ServiceLevel(
        2 * H,
        16 * H,
        4 * H,
        calendar=OFFICE,
        escalation=Escalation(levels=("team lead", "manager", "director"), repeat_after=4 * H),
        name="std",
    )
)
LATE = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # Friday: nobody ticked all week


class StaleClaims(MemoryStore):
    """A store whose next claim returns a list read before another worker fired one of its
    timers (as a store without row locks could), to show the batch is claimed again."""

    stale: list[Timer] | None = None

    def claim_due_timers(self, now: datetime, *, limit: int = 500) -> list[Timer]:
        if self.stale is not None:
            stale, self.stale = self.stale, None
            return stale[:limit]
        return super().claim_due_timers(now, limit=limit)


def _busy_week(listener: Listener, clock: ManualClock) -> None:
    """Complaints through Monday, some acknowledged late, one waiting on the customer."""
    for n in range(12):
        clock.set(START + timedelta(minutes=37 * n))
        listener.hear("email", complaint(n, occurred_at=clock.now().isoformat()))
    clock.set(START + timedelta(hours=9))
    cases = sorted(listener.store.iter_cases(), key=lambda case: case.opened_at)
    for case in cases[:4]:
        listener.workflow.acknowledge(case.id, by="ana")
    listener.workflow.wait_for_customer(cases[1].id, by="ana", reason="which order?")
    listener.workflow.assign(cases[2].id, by="ana", owner="bo")


def _run(store: Any, batch_size: int) -> tuple[list[tuple[Any, ...]], dict[str, Any], Any]:
    clock = ManualClock(START)
    with Listener(
        store, plugins=[Mailbox()], autoload=False, clock=clock, service_levels=LEVELS
    ) as listener:
        _busy_week(listener, clock)
        clock.set(LATE)
        report = listener.workflow.tick(LATE, batch_size=batch_size)
        assert not listener.workflow.tick(LATE, batch_size=batch_size).did_anything
        events = [
            (s.event.id, s.event.type, s.event.occurred_at, s.event.case_id, s.event.data)
            for s in listener.store.iter_events()
        ]
        cases = {c.id: attrs.evolve(c, version=0) for c in listener.store.iter_cases()}
    return events, cases, report


@pytest.mark.parametrize("batch_size", [1, 2, 7])
def test_the_batch_size_changes_nothing_that_happens(tmp_path, batch_size):
    events, cases, report = _run(SQLiteStore(tmp_path / "big.db"), 1000)
    small_events, small_cases, small_report = _run(SQLiteStore(tmp_path / "small.db"), batch_size)
    assert report.breaches > 0 and report.escalations > report.breaches
    assert (small_report.breaches, small_report.escalations, small_report.warnings) == (
        report.breaches,
        report.escalations,
        report.warnings,
    )
    assert small_events == events  # the same events, in the same order
    assert small_cases == cases


def test_a_late_tick_replays_in_time_order_and_escalates_each_breach_once(tmp_path):
    events, cases, report = _run(SQLiteStore(tmp_path / "w.db"), 1000)
    fired = list(report.events)
    assert [e.occurred_at for e in fired] == sorted(e.occurred_at for e in fired)
    breached = [(e.data["deadline"], e.id) for e in fired if e.type == "sla.breached"]
    assert len(breached) == len(set(breached)) == report.breaches
    for case in cases.values():
        # Each breach escalated once, each repeat once more: one event per level, in order.
        escalated = [e for e in events if e[1] == "case.escalated" and e[3] == case.id]
        assert len(escalated) == case.escalation_level
        assert [e[4]["level"] for e in escalated] == list(range(1, case.escalation_level + 1))
    memory_events, memory_cases, _ = _run(MemoryStore(), 1000)
    assert memory_events == events and memory_cases == cases


def test_a_timer_another_worker_fired_first_is_not_worked_again():
    store = StaleClaims()
    clock = ManualClock(START)
    with Listener(
        store, plugins=[Mailbox()], autoload=False, clock=clock, service_levels=LEVELS
    ) as listener:
        _busy_week(listener, clock)
        due = store.due_timers(LATE)
        taken = next(
            t
            for t in due
            if t.kind == "acknowledge.breach" and not store.get_case(t.case_id).is_waiting
        )
        assert store.fire_timer(taken.id, LATE)  # the other worker, committed
        store.stale = due  # our claim still sees it
        report = listener.workflow.tick(LATE)
        assert report.did_anything
        ids = [s.event.id for s in store.iter_events()]
        assert len(ids) == len(set(ids))
        # The other worker fired it: this tick did none of its work (event ids come from the
        # timer's id), and did the work of every other due timer.
        of_taken = {stable_id("ev", taken.id, kind) for kind in ("sla.warning", "sla.breached")}
        assert of_taken.isdisjoint(ids)
        assert "acknowledge" not in store.get_case(taken.case_id).breaches
        assert {e.id for e in report.events} <= set(ids)
        assert report.warnings + report.breaches >= len(due) - 1
        assert store.due_timers(LATE) == []
        assert not listener.workflow.tick(LATE).did_anything
