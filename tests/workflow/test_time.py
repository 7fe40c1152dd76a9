"""Deadlines in business time, warnings, breaches, escalation, pausing, follow-ups: ``tick``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from clientvoice import (
    BusinessCalendar,
    CasePolicy,
    CaseStage,
    Escalation,
    Listener,
    Priority,
    ServiceLevel,
    ServiceLevels,
    SLARule,
    hookimpl,
)

from .conftest import START, complaint

UTC = timezone.utc
H = timedelta(hours=1)
OFFICE = BusinessCalendar.weekdays("09:00", "17:00", name="office")


def levels(**escalation):
    return ServiceLevels(
        [
            SLARule(
                ServiceLevel(1 * H, 4 * H, 2 * H, calendar=OFFICE, name="club"),
                membership="club=gold",
            ),
            SLARule(ServiceLevel(1 * H, 8 * H, calendar=OFFICE, name="urgent"), priority="urgent"),
        ],
        default=ServiceLevel(
            2 * H, 16 * H, 4 * H, calendar=OFFICE, escalation=Escalation(**escalation), name="std"
        ),
    )


@pytest.fixture
def listener(tmp_path, mailbox, clock):
    from clientvoice import SQLiteStore

    with Listener(
        SQLiteStore(tmp_path / "t.db"),
        plugins=[mailbox],
        autoload=False,
        clock=clock,
        service_levels=levels(levels=("team lead", "manager"), repeat_after=8 * H),
    ) as listener:
        yield listener


def test_deadlines_are_set_in_business_time_by_the_matching_rule(listener):
    listener.hear("email", complaint(1))
    gold = complaint(2)
    gold["customer"]["memberships"] = {"club": "gold"}
    listener.hear("email", gold)
    standard, club = sorted(listener.store.iter_cases(), key=lambda c: c.customer_id)
    # Opened Monday 08:00 UTC, before opening: clocks start at 09:00.
    assert standard.acknowledge_due_at == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    assert standard.resolve_due_at == datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
    assert club.acknowledge_due_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert club.resolve_due_at == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def test_a_breach_warns_first_then_escalates_once_at_the_deadline(listener, clock):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    # Warning at 80 % of 2 business hours: 10:36.
    report = listener.tick(datetime(2026, 3, 2, 10, 35, tzinfo=UTC))
    assert (report.warnings, report.breaches) == (0, 0)
    report = listener.tick(datetime(2026, 3, 2, 10, 36, tzinfo=UTC))
    assert (report.warnings, report.breaches) == (1, 0)
    assert [e.type for e in report.events] == ["sla.warning"]
    report = listener.tick(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))
    assert (report.breaches, report.escalations) == (1, 1)
    breached, escalated = report.events
    assert breached.type == "sla.breached" and breached.data["deadline"] == "acknowledge"
    assert breached.occurred_at == case.acknowledge_due_at  # at the right instant
    assert escalated.type == "case.escalated" and escalated.data["to"] == "team lead"
    case = listener.store.get_case(case.id)
    assert case.escalation_level == 1 and case.escalated_to == "team lead"
    assert case.breaches == ("acknowledge",)
    # Idempotent: the same instant again, or later, does nothing new for that deadline.
    assert not listener.tick(datetime(2026, 3, 2, 11, 0, tzinfo=UTC)).did_anything
    assert listener.tick(datetime(2026, 3, 2, 11, 30, tzinfo=UTC)).breaches == 0


def test_still_unmet_it_escalates_up_the_chain_and_stops_at_the_top(listener):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    listener.tick(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))  # breach → team lead
    # repeat_after 8 business hours: Tuesday 11:00 → manager (the top of the chain).
    report = listener.tick(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    escalations = [e for e in report.events if e.type == "case.escalated"]
    assert [e.data["to"] for e in escalations] == ["manager"]
    assert listener.store.get_case(case.id).escalation_level == 2
    # The chain has ended: nothing is scheduled past the top for this deadline.
    pending = [t.kind for t in listener.store.iter_timers(case_id=case.id)]
    assert "acknowledge.escalation" not in pending


def test_meeting_the_deadline_cancels_its_warning_and_breach(listener):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    listener.workflow.acknowledge(case.id, by="luis")
    kinds = {t.kind for t in listener.store.iter_timers(case_id=case.id)}
    assert kinds == {"resolve.warning", "resolve.breach"}
    report = listener.tick(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert report.breaches == 0
    ack = next(e for e in listener.store.iter_events() if e.event.type == "case.acknowledged")
    assert ack.event.data["on_time"] is True


def test_waiting_on_the_customer_pauses_the_clocks(listener, clock):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    listener.workflow.acknowledge(case.id, by="luis")  # Monday 08:00
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))  # 1 business hour used of 16
    case = listener.workflow.wait_for_customer(case.id, by="luis", reason="foto del daño")
    assert case.is_waiting
    assert list(listener.store.iter_timers(case_id=case.id)) == []
    # Two business days later the customer replies with a new message: the case resumes
    # and the deadline moves by the business time spent waiting (16 h).
    clock.set(datetime(2026, 3, 4, 10, 0, tzinfo=UTC))
    reply = complaint(
        1,
        external_id="m1-reply",
        text="Adjunto la foto.",
        kind="other",
        occurred_at="2026-03-04T10:00:00+00:00",
    )
    listener.hear("email", reply)
    case = listener.store.get_case(case.id)
    assert not case.is_waiting
    assert case.resolve_due_at == datetime(
        2026, 3, 5, 17, 0, tzinfo=UTC
    )  # 15 h left from Wed 10:00
    resumed = [e.event for e in listener.store.iter_events() if e.event.type == "case.resumed"]
    assert resumed[0].reason == "the customer replied"
    assert resumed[0].data["paused_business_seconds"] == 16 * 3600
    assert {t.kind for t in listener.store.iter_timers(case_id=case.id)} == {
        "resolve.warning",
        "resolve.breach",
    }


def test_resolution_starts_the_inform_clock_and_informing_stops_it(listener, mailbox):
    from clientvoice import DeliveryStatus

    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    wf = listener.workflow
    wf.acknowledge(case.id, by="l")
    wf.understand(case.id, by="l")
    wf.act(case.id, by="l", plan="p")
    mailbox.status = DeliveryStatus.FAILED
    case = wf.resolve(case.id, by="l", resolution="r")
    assert case.stage is CaseStage.RESOLVED
    assert case.inform_due_at == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    # The failed message is retried by tick, with growing delays; once it goes out, informed.
    (failed,) = [
        m
        for m in listener.store.iter_messages(case_id=case.id)
        if m.attempts == 1 and m.status is DeliveryStatus.FAILED
    ]
    assert failed.next_attempt_at == START + timedelta(minutes=5)
    mailbox.status = DeliveryStatus.SENT
    report = listener.tick(START + timedelta(minutes=5))
    assert report.messages_sent == 1
    case = listener.store.get_case(case.id)
    assert case.stage is CaseStage.INFORMED
    assert {t.kind for t in listener.store.iter_timers(case_id=case.id)} == set()


def test_a_closed_case_asks_for_a_follow_up_through_the_hook(tmp_path, mailbox, clock):
    asked = []

    class Surveys:
        @hookimpl
        def clientvoice_request_follow_up(self, case, customer, now):
            asked.append((case.id, customer.language, now))
            return f"survey sent to {customer.id}"

    policy = CasePolicy(follow_up_after=timedelta(days=2))
    with Listener(
        plugins=[mailbox, Surveys()], autoload=False, clock=clock, case_policy=policy
    ) as listener:
        listener.hear("email", complaint())
        (case,) = listener.store.iter_cases()
        wf = listener.workflow
        for step in ("acknowledge", "understand"):
            getattr(wf, step)(case.id, by="l")
        wf.act(case.id, by="l", plan="p")
        wf.resolve(case.id, by="l", resolution="r")
        wf.close(case.id, by="l")
        assert listener.tick(START + timedelta(days=1)).follow_ups == 0
        report = listener.tick(START + timedelta(days=2))
        assert report.follow_ups == 1 and asked == [(case.id, "es", START + timedelta(days=2))]
        assert report.events[-1].reason.startswith("survey sent to")
        assert listener.tick(START + timedelta(days=3)).follow_ups == 0


def test_without_a_survey_backend_the_follow_up_is_recorded_as_skipped(listener, clock):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    wf = listener.workflow
    wf.acknowledge(case.id, by="l")
    wf.understand(case.id, by="l")
    wf.act(case.id, by="l", plan="p")
    wf.resolve(case.id, by="l", resolution="r")
    wf.close(case.id, by="l")
    report = listener.tick(START + timedelta(days=3))
    assert [e.type for e in report.events] == ["case.follow_up_skipped"]


def test_urgent_cases_get_the_urgent_promise(listener):
    class Urgent:
        @hookimpl
        def clientvoice_analyze_feedback(self):
            from clientvoice import Analysis

            return Analysis(urgency="critical")

    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    assert case.priority is Priority.NORMAL
    with Listener(
        listener.store,
        plugins=[Urgent()],
        autoload=False,
        clock=listener.clock,
        service_levels=levels(),
    ) as other:
        other.hear("email", complaint(2))
        urgent = next(c for c in other.store.iter_cases() if c.id != case.id)
        assert urgent.priority is Priority.URGENT
        assert urgent.resolve_due_at == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def test_a_late_tick_still_escalates_at_each_instant_and_stops_at_the_top(listener):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    # Nobody ticks until Wednesday: the breach (Mon 11:00) and the repeat 8 business hours
    # later (Tue 11:00) both happen in this one tick, each at its own instant.
    report = listener.tick(datetime(2026, 3, 4, 15, 0, tzinfo=UTC))
    escalated = [
        e
        for e in report.events
        if e.type == "case.escalated" and e.data["deadline"] == "acknowledge"
    ]
    assert [(e.occurred_at, e.data["to"]) for e in escalated] == [
        (datetime(2026, 3, 2, 11, 0, tzinfo=UTC), "team lead"),
        (datetime(2026, 3, 3, 11, 0, tzinfo=UTC), "manager"),
    ]
    assert listener.store.get_case(case.id).escalation_level >= 2
    later = listener.tick(datetime(2026, 3, 20, 15, 0, tzinfo=UTC))
    assert all(e.data.get("to") in ("team lead", "manager") for e in later.events)
    assert listener.store.get_case(case.id).escalation_level <= 3


def test_without_promises_the_acknowledgement_says_as_soon_as_we_can(mailbox, clock):
    no_promises = ServiceLevels(default=ServiceLevel(None, None, None))
    with Listener(
        plugins=[mailbox], autoload=False, clock=clock, service_levels=no_promises
    ) as lis:
        record = complaint()
        record["customer"]["language"] = "en"
        lis.hear("email", record)
        (case,) = lis.store.iter_cases()
        assert case.acknowledge_due_at is None
        assert list(lis.store.iter_timers()) == []
        lis.workflow.acknowledge(case.id, by="l")
        assert "as soon as we can" in mailbox.sent[-1].body
