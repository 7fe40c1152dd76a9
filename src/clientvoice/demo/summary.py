"""What the demo prints: what was heard, whether we listened, the step timings and the report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from clientvoice.analysis import find_themes
from clientvoice.errors import ConfigurationError, MissingExtraError
from clientvoice.listener import Listener
from clientvoice.models import (
    Case,
    CaseStage,
    Feedback,
    FeedbackKind,
)
from clientvoice.reports.model import DEADLINES, SLACompliance
from clientvoice.simulation import SimulationReport
from clientvoice.stores.base import Store
from clientvoice.surveys.metrics import Score, ces, csat, nps
from clientvoice.workflow.engine import ProblemResolution

if TYPE_CHECKING:
    from clientvoice.demo.state import DemoState

__all__ = [
    "REPORT_TIMEZONE",
    "Listening",
    "Summary",
    "listening",
    "print_report",
    "print_summary",
    "print_timings",
    "summarize",
]


@attrs.frozen
class Summary:
    """What a store holds, in numbers a person reads: volumes, mix and survey scores."""

    counts: dict[str, int]
    by_channel: dict[str, int]
    by_kind: dict[str, int]
    by_language: dict[str, int]
    follow_up_requested: int
    nps: Score
    csat: Score
    ces: Score

    def lines(self) -> list[str]:
        """The summary as lines of text."""
        total = max(self.counts.get("feedback", 0), 1)

        def mix(counter: dict[str, int]) -> str:
            return ", ".join(
                f"{name} {count} ({100 * count / total:.0f}%)"
                for name, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            )

        return [
            f"customers     {self.counts.get('customers', 0):>8}",
            f"interactions  {self.counts.get('interactions', 0):>8}",
            f"feedback      {self.counts.get('feedback', 0):>8}",
            f"events        {self.counts.get('events', 0):>8}",
            f"dead letters  {self.counts.get('rejections', 0):>8}",
            "",
            f"by channel:   {mix(self.by_channel)}",
            f"by kind:      {mix(self.by_kind)}",
            f"by language:  {mix(self.by_language)}",
            f"follow-up requested: {self.follow_up_requested}",
            "",
            f"{self.nps}   promoters {self.nps.parts['promoters']}, "
            f"passives {self.nps.parts['passives']}, detractors {self.nps.parts['detractors']}",
            f"{self.csat}",
            f"{self.ces}",
        ]


def summarize(store: Store) -> Summary:
    """Read the whole store once and count what customers said."""
    kinds: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    follow_ups = 0
    nps_answers: list[int] = []
    csat_answers: list[int] = []
    ces_answers: list[int] = []
    feedback: Feedback
    for feedback in store.iter_feedback():
        kinds[feedback.kind.value if feedback.kind else "unknown"] += 1
        languages[feedback.language or "unknown"] += 1
        follow_ups += feedback.follow_up_requested
        if feedback.nps is not None:
            nps_answers.append(feedback.nps)
        if feedback.csat is not None:
            csat_answers.append(feedback.csat)
        if feedback.ces is not None:
            ces_answers.append(feedback.ces)
    channels: Counter[str] = Counter(i.channel for i in store.iter_interactions())
    return Summary(
        counts=store.counts(),
        by_channel=dict(channels),
        by_kind=dict(kinds),
        by_language=dict(languages),
        follow_up_requested=follow_ups,
        nps=nps(nps_answers),
        csat=csat(csat_answers),
        ces=ces(ces_answers),
    )


@attrs.frozen
class Listening:
    """Whether we listened, not just heard: promises kept and loops closed, from the cases."""

    cases: int
    by_stage: dict[str, int]
    service_levels: tuple[SLACompliance, ...]  # acknowledge, resolve, inform: as the report
    root_cause_found: int
    resolved: int
    informed: int
    unreachable: int
    breaches: int
    escalations: int
    apologies: int
    gesture_cost: float
    problems: int

    @property
    def loop_closure(self) -> float | None:
        """The share of resolved cases whose customer was told what was done."""
        return self.informed / self.resolved if self.resolved else None

    def lines(self) -> list[str]:
        """The summary as lines of text."""

        def share(level: SLACompliance) -> str:
            decided = level.met + level.breached
            if not decided:
                return "   n/a"
            pending = f"; {level.pending} not yet due" if level.pending else ""
            return f"{100 * level.met / decided:5.1f}% of {decided}{pending}"

        stages = ", ".join(f"{stage} {count}" for stage, count in self.by_stage.items() if count)
        closure = self.loop_closure
        return [
            f"cases         {self.cases:>8}   ({stages})",
            *(
                f"{_PAST[level.deadline] + ' on time':<23}{share(level)}"
                for level in self.service_levels
            ),
            f"root cause found       {self.root_cause_found} cases",
            "loop closure           "
            + (f"{100 * closure:5.1f}%" if closure is not None else "   n/a")
            + f"  ({self.informed} of {self.resolved} resolved cases told what we did;"
            f" {self.unreachable} unreachable)",
            f"SLA breaches {self.breaches}, escalations {self.escalations}",
            f"apologies {self.apologies}, recovery gestures cost {self.gesture_cost:.2f} EUR",
            f"problems resolved {self.problems}",
        ]


def listening(store: Store, now: datetime) -> Listening:
    """Read the cases and events once and measure how well we listened, as of ``now``.

    Promises kept are counted as the report counts them (:meth:`SLACompliance.of
    <clientvoice.reports.SLACompliance.of>`): a case still open past its deadline is late.
    """
    stages = {stage.value: 0 for stage in CaseStage}
    all_cases: list[Case] = []
    counts = {"root": 0, "resolved": 0, "informed": 0, "unreachable": 0, "apologies": 0}
    cost = 0.0
    for case in store.iter_cases():
        stages[case.stage.value] += 1
        all_cases.append(case)
        counts["root"] += case.root_cause is not None
        counts["resolved"] += case.resolved_at is not None
        counts["informed"] += case.informed_at is not None
        counts["unreachable"] += case.unreachable_reason is not None
        counts["apologies"] += case.apology
        cost += case.gesture.cost if case.gesture is not None else 0.0
    events: Counter[str] = Counter(stored.event.type for stored in store.iter_events())
    return Listening(
        cases=len(all_cases),
        by_stage=stages,
        service_levels=tuple(SLACompliance.of(all_cases, d, now) for d in DEADLINES),
        root_cause_found=counts["root"],
        resolved=counts["resolved"],
        informed=counts["informed"],
        unreachable=counts["unreachable"],
        breaches=events["sla.breached"],
        escalations=events["case.escalated"],
        apologies=counts["apologies"],
        gesture_cost=cost,
        problems=events["problem.resolved"],
    )


def print_summary(state: DemoState) -> None:
    """Print what was heard, whether we listened, themes and one case's story."""
    store = state.listener.store
    state.summary = summarize(store)
    state.listening = listening(store, state.listener.clock.now())
    if state.simulation is None:
        raise ConfigurationError("print_summary must come after listen_for_a_month")
    _print(
        state.echo, state.simulation, state.summary, state.listening, state.listener, state.problem
    )


def print_timings(state: DemoState) -> None:
    """Print how long each step so far took, in wall-clock seconds."""
    state.echo("")
    state.echo(
        "Time per step: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in state.timings)
    )


def print_report(state: DemoState) -> None:
    """Build the report of the simulated month, print it, and write ``report.html``."""
    from clientvoice.demodata import DEFAULT_START
    from clientvoice.reports import build_report, to_markdown, to_text, write_html

    now = state.listener.clock.now()
    state.report = build_report(
        state.listener.store,
        since=DEFAULT_START,
        until=DEFAULT_START + timedelta(days=state.days),
        tz=REPORT_TIMEZONE,
        now=now,
    )
    try:
        text = to_text(state.report, width=110)
    except MissingExtraError:
        text = to_markdown(state.report)
    state.echo("")
    for line in text.splitlines():
        state.echo(line)
    try:
        state.html = write_html(state.report, state.out / "report.html")
    except MissingExtraError as error:
        state.echo(f"No HTML report: {error}")


REPORT_TIMEZONE = "Europe/Madrid"
"""The zone the demo's report groups days in (Acme's customer care sits in Madrid)."""


def _print(
    echo: Callable[[str], None],
    simulation: SimulationReport,
    summary: Summary,
    heard: Listening,
    listener: Listener,
    problem: ProblemResolution | None,
) -> None:
    echo("")
    echo("What customers said (hearing)")
    echo("-----------------------------")
    for line in summary.lines():
        echo(line)
    echo("")
    echo("Whether we listened")
    echo("-------------------")
    for line in heard.lines():
        echo(line)
    echo("")
    for line in simulation.lines():
        echo(line)
    themes = find_themes(
        (f for f in listener.store.iter_feedback() if f.kind is FeedbackKind.COMPLAINT),
        max_themes=5,
        quotes=1,
    )
    if themes:
        echo("")
        echo("What complaints are about (themes, with the customers behind them)")
        echo("-----------------------------------------------------------------")
        for theme in themes:
            quote = theme.quotes[0][:70] if theme.quotes else ""
            echo(
                f"{theme.label:<28} {theme.count:>5} complaints from {theme.customers:>4} "
                f"customers  e.g. {quote!r}"
            )
    story = _a_case_story(listener, problem)
    if story:
        echo("")
        echo("One case, from what the customer said to what we told them")
        echo("-----------------------------------------------------------")
        for line in story:
            echo(line)
    rejected = listener.dead_letters()
    if rejected:
        echo("")
        echo(f"Dead letters ({len(rejected)} kept with their reason), for example:")
        for rejection in rejected[:4]:
            echo(f"  {rejection}")
    echo("")
    echo("Plugins: " + ", ".join(f"{p.name} ({p.source})" for p in listener.plugin_info()))


def _a_case_story(listener: Listener, problem: ProblemResolution | None) -> list[str]:
    """The timeline of one closed case that was escalated and apologised for, if any."""
    chosen = None
    for case in listener.store.iter_cases(stage=CaseStage.CLOSED):
        if case.apology and case.escalation_level and case.informed_at is not None:
            chosen = case
            break
    if chosen is None:
        return []
    feedback = listener.store.get_feedback(chosen.feedback_id) if chosen.feedback_id else None
    lines = [f"case {chosen.id} ({chosen.priority.value}, team {chosen.team})"]
    if feedback is not None:
        lines.append(f"  the customer said: {feedback.text[:100]!r}")
    for stored in listener.store.iter_events():
        event = stored.event
        if event.case_id != chosen.id:
            continue
        detail = event.reason or event.data.get("to") or event.data.get("deadline") or ""
        lines.append(
            f"  {event.occurred_at:%Y-%m-%d %H:%M}  {event.type:<22} {event.actor:<10} {detail}"
        )
    return lines


_PAST = {"acknowledge": "acknowledged", "resolve": "resolved", "inform": "informed"}
