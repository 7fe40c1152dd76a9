"""Simulated weeks of listening: feedback arrives, a team works the cases, promises are kept or not.

:func:`simulate` moves the listener's :class:`~clientvoice.ManualClock` through ``days`` days in
steps, feeding generated feedback (:mod:`clientvoice.demodata`) as it "arrives", letting a
simulated team make each case's next move during opening hours (some cases are neglected, some
wait on the customer), and calling :meth:`~clientvoice.Listener.tick` at every step. A month runs
in seconds; the deadlines, warnings, breaches and escalations are the real engine's.
``clientvoice simulate --days 30`` runs it from the command line.
"""

from __future__ import annotations

import heapq
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
from dateutil import parser as date_parser

from clientvoice._ids import stable_digest
from clientvoice.channels.files import SourceRecord
from clientvoice.clock import ManualClock
from clientvoice.demodata import generate
from clientvoice.errors import ClientVoiceError, ConfigurationError, TransitionError
from clientvoice.listener import Listener
from clientvoice.models import CaseStage, RecoveryGesture

__all__ = ["SimulationReport", "Team", "simulate"]


@attrs.frozen
class Team:
    """How the simulated team works: elapsed hours before each move, and how often it slips.

    Each range is ``(low, high)`` hours, drawn uniformly per case; a neglected case takes
    ``neglect_factor`` times longer at every step.
    """

    acknowledge: tuple[float, float] = (0.2, 6.0)
    understand: tuple[float, float] = (0.5, 8.0)
    act: tuple[float, float] = (0.5, 12.0)
    resolve: tuple[float, float] = (2.0, 30.0)
    close: tuple[float, float] = (0.5, 24.0)
    neglect: float = 0.12
    neglect_factor: float = 6.0
    wait_share: float = 0.08
    wait_hours: tuple[float, float] = (4.0, 48.0)
    apology_share: float = 0.3


@attrs.frozen
class SimulationReport:
    """What happened in a simulation, counted from the store's own events."""

    start: datetime
    end: datetime
    feedback: int
    cases_opened: int
    cases_closed: int
    events: dict[str, int]
    breaches: dict[str, int]
    seconds: float

    def lines(self) -> list[str]:
        """The report as lines of text."""
        days = (self.end - self.start) / timedelta(days=1)
        breaches = ", ".join(f"{k} {v}" for k, v in sorted(self.breaches.items())) or "none"
        return [
            f"simulated     {days:.0f} days ({self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}) "
            f"in {self.seconds:.1f} s",
            f"feedback      {self.feedback:>8}",
            f"cases opened  {self.cases_opened:>8}",
            f"cases closed  {self.cases_closed:>8}",
            f"warnings      {self.events.get('sla.warning', 0):>8}",
            f"breaches      {sum(self.breaches.values()):>8}   ({breaches})",
            f"escalations   {self.events.get('case.escalated', 0):>8}",
            f"messages sent {self.events.get('message.sent', 0):>8}",
            f"customers informed {self.events.get('case.informed', 0):>3}",
        ]


def simulate(
    listener: Listener,
    *,
    days: int = 30,
    records: int = 1_000,
    seed: int = 7,
    step: timedelta = timedelta(minutes=30),
    team: Team | None = None,
    source: Iterable[Mapping[str, Any] | SourceRecord] | None = None,
    echo: Callable[[str], None] | None = None,
    on_day: Callable[[datetime], None] | None = None,
) -> SimulationReport:
    """Run ``days`` days of feedback and casework through ``listener``.

    :param listener: a listener whose clock is a :class:`~clientvoice.ManualClock`; the
        simulation starts at the clock's time.
    :param records: how many pieces of feedback arrive over the period (when no ``source``).
    :param source: the feedback to play instead of generated records: record dicts or the
        items of :func:`~clientvoice.read_records` (each arrives at its ``occurred_at``; those
        without a readable one arrive at the start, where bad ones are rejected as usual).
    :param seed: the same seed gives the same arrivals and the same team behaviour.
    :param step: how often the team looks at its cases and ``tick`` runs.
    :param echo: called with a line of progress at the end of each simulated day.
    :param on_day: called with the time at the end of each simulated day, after the team's
        work and ``tick`` (the clock is set to that time): whatever else happens daily, such
        as sending survey invitations and hearing their answers.
    :raises ConfigurationError: if the clock is not a ManualClock, or ``days``/``step`` are not
        positive.
    """
    clock = listener.clock
    if not isinstance(clock, ManualClock):
        raise ConfigurationError("simulate() needs a listener with a ManualClock")
    if days < 1 or step <= timedelta(0):
        raise ConfigurationError("days must be >= 1 and step positive")
    crew = team or Team()
    start = clock.now()
    end = start + timedelta(days=days)
    arrivals, first = _arrivals(
        source if source is not None else generate(records, seed=seed, start=start, days=days)
    )
    if first:
        listener.ingest(first)
    agenda: list[tuple[datetime, str, str]] = []
    seen_seq = _last_seq(listener)
    calendar = listener.workflow.service_levels.default.calendar
    began = time.perf_counter()
    now = start
    next_day = start + timedelta(days=1)
    while now < end:
        now = min(now + step, end)
        clock.set(now)
        batch = list(_due(arrivals, now))
        if batch:
            listener.ingest(batch)
        listener.tick(now)
        seen_seq = _plan_new_cases(listener, seen_seq, agenda, crew, seed)
        if calendar.is_open(now):
            _work(listener, agenda, now, crew, seed)
        if now >= next_day:
            if on_day is not None:
                on_day(now)
            if echo is not None:
                opened = len(list(listener.store.iter_cases()))
                echo(f"  {now:%Y-%m-%d}: {opened} cases so far")
            next_day += timedelta(days=1)
    return _report(listener, start, end, time.perf_counter() - began)


# -- arrivals -------------------------------------------------------------------------------------

_Arrival = tuple[datetime, Any]


def _arrivals(
    source: Iterable[Mapping[str, Any] | SourceRecord],
) -> tuple[list[_Arrival], list[Any]]:
    """Items with a readable time, latest first (to pop), and the rest, to ingest at once."""
    timed: list[_Arrival] = []
    untimed: list[Any] = []
    for item in source:
        record = item.record if isinstance(item, SourceRecord) else item
        when = _when(record)
        if when is None:
            untimed.append(item)
        else:
            timed.append((when, item))
    timed.sort(key=lambda pair: pair[0], reverse=True)
    return timed, untimed


def _when(record: Any) -> datetime | None:
    if not isinstance(record, Mapping) or not isinstance(record.get("occurred_at"), str):
        return None
    try:
        when = date_parser.isoparse(record["occurred_at"])
    except (ValueError, OverflowError):
        return None
    return when if when.tzinfo is not None else None


def _due(arrivals: list[_Arrival], now: datetime) -> Iterator[Any]:
    while arrivals and arrivals[-1][0] <= now:
        yield arrivals.pop()[1]


# -- the team -------------------------------------------------------------------------------------


def _plan_new_cases(
    listener: Listener, after: int, agenda: list[tuple[datetime, str, str]], crew: Team, seed: int
) -> int:
    for stored in listener.store.iter_events(after=after):
        after = stored.seq
        event = stored.event
        if event.type in ("case.opened", "case.reopened", "case.resumed") and event.case_id:
            rng = _rng(seed, event.case_id, event.type)
            delay = _hours(rng, crew.acknowledge, _neglected(rng, crew))
            move = (
                "acknowledge"
                if event.type != "case.resumed"
                else _next_move(listener, event.case_id)
            )
            if move:
                heapq.heappush(agenda, (event.occurred_at + delay, event.case_id, move))
    return after


def _work(
    listener: Listener,
    agenda: list[tuple[datetime, str, str]],
    now: datetime,
    crew: Team,
    seed: int,
) -> None:
    workflow = listener.workflow
    while agenda and agenda[0][0] <= now:
        _, case_id, move = heapq.heappop(agenda)
        case = listener.store.get_case(case_id)
        if case.is_waiting or _next_move(listener, case_id) != move:
            continue  # the case moved on without us (a problem, a resume), or waits
        rng = _rng(seed, case_id, move, str(case.version))
        slow = _neglected(rng, crew)
        agent = f"agent-{int(stable_digest(case_id)[:4], 16) % 7 + 1}"
        try:
            if move == "acknowledge":
                workflow.acknowledge(case_id, by=agent)
                if rng.random() < crew.wait_share:
                    workflow.wait_for_customer(case_id, by=agent, reason="need order number")
                    heapq.heappush(
                        agenda, (now + _hours(rng, crew.wait_hours, None), case_id, "resume")
                    )
                    continue
                following, span = "understand", crew.understand
            elif move == "resume":
                workflow.resume(case_id, by=agent)
                following, span = _next_move(listener, case_id) or "", crew.understand
            elif move == "understand":
                causes = ("packaging", "carrier delay", "app defect", "staff training", None)
                workflow.understand(
                    case_id, by=agent, note="called the customer", root_cause=rng.choice(causes)
                )
                following, span = "act", crew.act
            elif move == "act":
                workflow.act(case_id, by=agent, plan="replace the product")
                following, span = "resolve", crew.resolve
            elif move == "resolve":
                apology = rng.random() < crew.apology_share
                gesture = RecoveryGesture(kind="discount", value=10, cost=4) if apology else None
                workflow.resolve(
                    case_id,
                    by=agent,
                    resolution="We sent a replacement and checked the cause.",
                    apology=apology,
                    gesture=gesture,
                )
                following, span = "close", crew.close
            elif move == "close":
                current = listener.store.get_case(case_id)
                if current.stage is CaseStage.INFORMED:
                    workflow.close(case_id, by=agent)
                elif current.stage is CaseStage.RESOLVED:
                    workflow.close(case_id, by=agent, unreachable="no channel reaches them")
                continue
            else:
                continue
        except (TransitionError, ClientVoiceError):
            continue
        if following:
            heapq.heappush(agenda, (now + _hours(rng, span, slow), case_id, following))


def _next_move(listener: Listener, case_id: str) -> str | None:
    stage = listener.store.get_case(case_id).stage
    return {
        CaseStage.RECEIVED: "acknowledge",
        CaseStage.ACKNOWLEDGED: "understand",
        CaseStage.UNDERSTANDING: "act",
        CaseStage.ACTING: "resolve",
        CaseStage.RESOLVED: "close",
        CaseStage.INFORMED: "close",
    }.get(stage)


def _rng(seed: int, *parts: str) -> random.Random:
    return random.Random(int(stable_digest(str(seed), *parts), 16))


def _neglected(rng: random.Random, crew: Team) -> float | None:
    """The slow-down factor of a neglected case, or None for a case handled normally."""
    return crew.neglect_factor if rng.random() < crew.neglect else None


def _hours(rng: random.Random, span: tuple[float, float], slow: float | None) -> timedelta:
    """A delay drawn from ``span`` hours, ``slow`` times longer for a neglected case."""
    return timedelta(hours=rng.uniform(*span) * (slow or 1.0))


def _last_seq(listener: Listener) -> int:
    last = 0
    for stored in listener.store.iter_events():
        last = stored.seq
    return last


def _report(listener: Listener, start: datetime, end: datetime, seconds: float) -> SimulationReport:
    events: Counter[str] = Counter()
    breaches: Counter[str] = Counter()
    for stored in listener.store.iter_events():
        events[stored.event.type] += 1
        if stored.event.type == "sla.breached":
            breaches[str(stored.event.data.get("deadline"))] += 1
    return SimulationReport(
        start=start,
        end=end,
        feedback=listener.store.counts()["feedback"],
        cases_opened=events["case.opened"],
        cases_closed=len(list(listener.store.iter_cases(stage=CaseStage.CLOSED))),
        events=dict(events),
        breaches=dict(breaches),
        seconds=seconds,
    )
