"""A month simulated on SQLite: every breach is recorded and escalated exactly once, on time."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

import pytest

from clientvoice import Listener, ManualClock, SQLiteStore, hookimpl
from clientvoice.channels.outbox import OutboxChannel
from clientvoice.errors import ConfigurationError
from clientvoice.simulation import simulate

START = datetime(2026, 3, 2, tzinfo=timezone.utc)
MET_BY = {"acknowledge": "case.acknowledged", "resolve": "case.resolved"}


class Outbox:
    def __init__(self, folder):
        self.channel = OutboxChannel("email", folder)

    @hookimpl
    def clientvoice_register_channels(self, register):
        register(self.channel)


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    folder = tmp_path_factory.mktemp("month")
    clock = ManualClock(START)
    listener = Listener(
        SQLiteStore(folder / "month.db"),
        plugins=[Outbox(folder / "out")],
        autoload=False,
        clock=clock,
    )
    report = simulate(listener, days=30, records=600, seed=11)
    events = [stored.event for stored in listener.store.iter_events()]
    yield listener, report, events, folder
    listener.close()


def test_the_month_ran_with_breaches_and_closed_loops(month):
    _listener, report, _events, folder = month
    assert report.feedback == 600
    assert report.cases_opened > 100
    assert report.cases_closed > report.cases_opened // 2
    assert sum(report.breaches.values()) > 0  # the neglected cases breach
    assert report.events["case.escalated"] >= sum(report.breaches.values())
    # Messages really went out as files a mail client opens.
    assert len(list((folder / "out").glob("*.eml"))) == report.events["message.sent"]


def test_every_breach_is_recorded_once_at_its_deadline_and_escalates_once(month):
    _listener, _, events, _ = month
    breaches = defaultdict(list)
    escalations = defaultdict(list)
    for event in events:
        if event.type == "sla.breached":
            breaches[(event.case_id, event.data["deadline"])].append(event)
        elif event.type == "case.escalated":
            escalations[(event.case_id, event.data["deadline"], event.occurred_at)].append(event)
    assert breaches
    for (case_id, deadline), found in breaches.items():
        assert len(found) == 1, (case_id, deadline)
        (breach,) = found
        assert breach.occurred_at == datetime.fromisoformat(breach.data["due_at"])
        assert len(escalations[(case_id, deadline, breach.occurred_at)]) == 1
        met = [
            e.occurred_at
            for e in events
            if e.case_id == case_id and e.type == MET_BY.get(deadline, "case.informed")
        ]
        assert not met or met[0] > breach.occurred_at, "a met deadline was reported breached"


def test_every_deadline_missed_without_a_pause_was_reported(month):
    _listener, report, events, _ = month
    paused = {e.case_id for e in events if e.type == "case.waiting"}
    reported = {(e.case_id, e.data["deadline"]) for e in events if e.type == "sla.breached"}
    checked = 0
    for event in events:
        if event.type != "case.opened" or event.case_id in paused:
            continue
        for deadline in ("acknowledge", "resolve"):
            due = datetime.fromisoformat(event.data[f"{deadline}_due_at"])
            met = next(
                (
                    e.occurred_at
                    for e in events
                    if e.case_id == event.case_id and e.type == MET_BY[deadline]
                ),
                None,
            )
            missed = (met is None and due <= report.end) or (met is not None and met > due)
            assert ((event.case_id, deadline) in reported) == missed, (event.case_id, deadline)
            checked += 1
    assert checked > 200


def test_a_second_tick_at_the_end_does_nothing(month):
    listener, report, _, _ = month
    assert not listener.tick(report.end).did_anything


def test_simulate_needs_a_manual_clock():
    with Listener(autoload=False) as listener, pytest.raises(ConfigurationError):
        simulate(listener, days=1)
