"""simulate() calls an optional function at the end of every simulated day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from clientvoice import Listener, ManualClock
from clientvoice.simulation import simulate

START = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)


def test_on_day_is_called_once_a_day_with_the_clock_at_that_time():
    clock = ManualClock(START)
    listener = Listener(clock=clock, autoload=False)
    calls: list[tuple[datetime, datetime, int]] = []

    def day(now: datetime) -> None:
        calls.append((now, clock.now(), listener.store.counts()["feedback"]))

    simulate(listener, days=3, records=60, seed=3, on_day=day)
    assert [now for now, _, _ in calls] == [START + timedelta(days=n) for n in (1, 2, 3)]
    assert all(now == at for now, at, _ in calls)
    assert calls[0][2] < calls[-1][2] == 60  # feedback kept arriving between the calls


def test_without_on_day_nothing_is_called_and_the_month_runs_the_same():
    first = Listener(clock=ManualClock(START), autoload=False)
    second = Listener(clock=ManualClock(START), autoload=False)
    a = simulate(first, days=2, records=40, seed=3)
    b = simulate(second, days=2, records=40, seed=3, on_day=lambda now: None)
    assert (a.feedback, a.cases_opened, a.events) == (b.feedback, b.cases_opened, b.events)
