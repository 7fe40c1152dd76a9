"""The demo: a month of real-looking feedback through the whole listening loop, on SQLite.

``clientvoice demo`` (and ``make demo``) call :func:`run`. It writes a generated JSONL export —
Spanish and English customers on seven channels, with a few malformed rows and resent duplicates,
as real exports have — and plays it into a new SQLite database over 30 simulated days: feedback
arrives when it was given, cases open, a simulated team acknowledges, understands, acts and
resolves (some late: warnings, breaches and escalations follow), apologies and recovery gestures
are recorded, one problem resolves many cases at once, and every customer told what was done gets
an e-mail written to ``out/outbox``. It then imports the export again to show nothing is stored
twice, and prints what was heard and whether we listened.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import attrs

from clientvoice._ids import stable_digest
from clientvoice.analysis import find_themes
from clientvoice.channels.files import read_records
from clientvoice.channels.outbox import OutboxChannel
from clientvoice.clock import ManualClock
from clientvoice.hookspecs import hookimpl
from clientvoice.listener import IngestReport, Listener
from clientvoice.models import Case, CaseStage, Feedback, FeedbackKind, RecoveryGesture
from clientvoice.simulation import SimulationReport, simulate
from clientvoice.stores.base import Store
from clientvoice.surveys.metrics import Score, ces, csat, nps
from clientvoice.workflow.engine import ProblemResolution

__all__ = ["DemoResult", "Listening", "Summary", "listening", "run", "summarize"]


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
    acknowledged_on_time: tuple[int, int]
    resolved_on_time: tuple[int, int]
    informed_on_time: tuple[int, int]
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

        def share(pair: tuple[int, int]) -> str:
            met, total = pair
            return f"{100 * met / total:5.1f}% of {total}" if total else "   n/a"

        stages = ", ".join(f"{stage} {count}" for stage, count in self.by_stage.items() if count)
        closure = self.loop_closure
        return [
            f"cases         {self.cases:>8}   ({stages})",
            f"acknowledged on time   {share(self.acknowledged_on_time)}",
            f"resolved on time       {share(self.resolved_on_time)}",
            f"informed on time       {share(self.informed_on_time)}",
            f"root cause found       {self.root_cause_found} cases",
            "loop closure           "
            + (f"{100 * closure:5.1f}%" if closure is not None else "   n/a")
            + f"  ({self.informed} of {self.resolved} resolved cases told what we did;"
            f" {self.unreachable} unreachable)",
            f"SLA breaches {self.breaches}, escalations {self.escalations}",
            f"apologies {self.apologies}, recovery gestures cost {self.gesture_cost:.2f} EUR",
            f"problems resolved {self.problems}",
        ]


def listening(store: Store) -> Listening:
    """Read the cases and events once and measure how well we listened."""
    stages = {stage.value: 0 for stage in CaseStage}
    acknowledged = [0, 0]
    resolved_on_time = [0, 0]
    informed_on_time = [0, 0]
    counts = {"root": 0, "resolved": 0, "informed": 0, "unreachable": 0, "apologies": 0}
    cost = 0.0
    cases = 0
    for case in store.iter_cases():
        cases += 1
        stages[case.stage.value] += 1
        _on_time(acknowledged, case.acknowledged_at, case.acknowledge_due_at)
        _on_time(resolved_on_time, case.resolved_at, case.resolve_due_at)
        _on_time(informed_on_time, case.informed_at, case.inform_due_at)
        counts["root"] += case.root_cause is not None
        counts["resolved"] += case.resolved_at is not None
        counts["informed"] += case.informed_at is not None
        counts["unreachable"] += case.unreachable_reason is not None
        counts["apologies"] += case.apology
        cost += case.gesture.cost if case.gesture is not None else 0.0
    events: Counter[str] = Counter(stored.event.type for stored in store.iter_events())
    return Listening(
        cases=cases,
        by_stage=stages,
        acknowledged_on_time=(acknowledged[0], acknowledged[1]),
        resolved_on_time=(resolved_on_time[0], resolved_on_time[1]),
        informed_on_time=(informed_on_time[0], informed_on_time[1]),
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


def _on_time(tally: list[int], done: object, due: object) -> None:
    if done is None or due is None:
        return
    tally[1] += 1
    tally[0] += done <= due  # type: ignore[operator]


@attrs.frozen
class DemoResult:
    """What :func:`run` did: the simulated month, the second import, and both summaries."""

    database: Path
    export: Path
    outbox: Path
    simulation: SimulationReport
    second: IngestReport
    summary: Summary
    listening: Listening
    problem: ProblemResolution | None
    seconds: float


class _Outbox:
    """The demo's delivery: e-mails to customers become .eml files in the outbox folder."""

    def __init__(self, folder: Path) -> None:
        self.channel = OutboxChannel("email", folder, sender="care@acme.example")

    @hookimpl
    def clientvoice_register_channels(self, register: Callable[[object], None]) -> None:
        register(self.channel)


def run(
    out: Path,
    *,
    records: int = 5_000,
    seed: int = 7,
    days: int = 30,
    echo: Callable[[str], None] = print,
) -> DemoResult:
    """Write an export into ``out``, play it over ``days`` days into ``out/clientvoice.db``.

    An existing database and outbox in ``out`` are replaced, so every run starts fresh.
    """
    from clientvoice.demodata import DEFAULT_START, write_jsonl

    out.mkdir(parents=True, exist_ok=True)
    database = out / "clientvoice.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    outbox = out / "outbox"
    if outbox.exists():
        for old in outbox.iterdir():
            old.unlink()
    export = out / "feedback-export.jsonl"
    echo(f"Generating {records:,} records of customer feedback (seed {seed}) into {export}")
    write_jsonl(
        export,
        records,
        seed=seed,
        start=DEFAULT_START,
        days=days,
        bad_share=0.004,
        duplicate_share=0.01,
    )
    started = time.perf_counter()
    clock = ManualClock(DEFAULT_START)
    with Listener.open(
        f"sqlite:///{database}",
        plugins=[_Outbox(outbox)],
        clock=clock,
        sender="The Acme customer care team",
    ) as listener:
        echo(f"Listening for {days} simulated days with {listener!r}")
        simulation = simulate(listener, days=days, seed=seed, source=read_records(export))
        problem = _resolve_a_problem(listener)
        if problem is not None:
            echo(
                f"Problem {problem.problem.title!r}: resolved {len(problem.cases)} cases at once "
                f"and told every customer"
            )
        listener.tick()
        second = listener.ingest_file(export)
        echo(f"Importing the same export again: {second}  (nothing is stored twice)")
        seconds = time.perf_counter() - started
        summary = summarize(listener.store)
        heard = listening(listener.store)
        _print(echo, simulation, summary, heard, listener, problem)
    echo(f"Database: {database}")
    echo(f"Messages to customers: {outbox}/*.eml")
    return DemoResult(
        database=database,
        export=export,
        outbox=outbox,
        simulation=simulation,
        second=second,
        summary=summary,
        listening=heard,
        problem=problem,
        seconds=seconds,
    )


def _resolve_a_problem(listener: Listener) -> ProblemResolution | None:
    """Link the largest group of open cases whose customers said the same thing; resolve it."""
    groups: dict[str, list[Case]] = {}
    for case in listener.store.iter_cases():
        if (
            case.stage
            not in (
                CaseStage.RECEIVED,
                CaseStage.ACKNOWLEDGED,
                CaseStage.UNDERSTANDING,
                CaseStage.ACTING,
            )
            or case.feedback_id is None
        ):
            continue
        text = listener.store.get_feedback(case.feedback_id).text
        key = " ".join(text.lower().split())
        if key:
            groups.setdefault(key, []).append(case)
    if not groups:
        return None
    text, cases = max(groups.items(), key=lambda item: (len(item[1]), item[0]))
    if len(cases) < 2:
        return None
    workflow = listener.workflow
    title = f"Many customers: {text[:60]}"
    problem = workflow.open_problem(
        title, by="quality-team", cases=[c.id for c in cases], theme=stable_digest(text)[:8]
    )
    return workflow.resolve_problem(
        problem.id,
        by="quality-team",
        resolution="We found the common cause and fixed it for everyone who reported it.",
        root_cause="one cause behind many reports",
        gesture=RecoveryGesture(kind="voucher", description="a 10 EUR voucher", value=10, cost=10),
    )


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
