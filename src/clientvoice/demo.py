"""The demo: a month of real-looking feedback through the whole listening loop, on SQLite.

``clientvoice demo`` (and ``make demo``) call :func:`run`. It writes a generated JSONL export —
Spanish and English customers on seven channels, with a few malformed rows and resent duplicates,
as real exports have — and plays it into a new SQLite database over 30 simulated days: feedback
arrives when it was given, cases open, a simulated team acknowledges, understands, acts and
resolves (some late: warnings, breaches and escalations follow), apologies and recovery gestures
are recorded, one problem resolves many cases at once, and every customer told what was done gets
an e-mail written to ``out/outbox``. It then imports the export again to show nothing is stored
twice, prints what was heard and whether we listened, and ends with the report of the month
(``out/report.html`` too). Each part is a step in :data:`STEPS`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

import attrs

from clientvoice._ids import stable_digest
from clientvoice.analysis import find_themes
from clientvoice.channels.files import read_records
from clientvoice.channels.outbox import OutboxChannel
from clientvoice.clock import ManualClock
from clientvoice.errors import ConfigurationError, MissingExtraError
from clientvoice.hookspecs import hookimpl
from clientvoice.listener import IngestReport, Listener
from clientvoice.models import Case, CaseStage, Feedback, FeedbackKind, RecoveryGesture
from clientvoice.reports.model import Report
from clientvoice.simulation import SimulationReport, simulate
from clientvoice.stores.base import Store
from clientvoice.surveys.metrics import Score, ces, csat, nps
from clientvoice.workflow.engine import ProblemResolution

__all__ = [
    "REPORT_TIMEZONE",
    "STEPS",
    "DemoResult",
    "DemoState",
    "Listening",
    "Step",
    "Summary",
    "import_again",
    "listen_for_a_month",
    "listening",
    "print_report",
    "print_summary",
    "resolve_a_problem",
    "run",
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
    report: Report | None = None
    html: Path | None = None


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
    steps: Sequence[Step] | None = None,
) -> DemoResult:
    """Write an export into ``out``, play it over ``days`` days into ``out/clientvoice.db``,
    then run each of ``steps`` (default :data:`STEPS`) in order and write ``out/report.html``.

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
    with Listener.open(
        f"sqlite:///{database}",
        plugins=[_Outbox(outbox)],
        clock=ManualClock(DEFAULT_START),
        sender="The Acme customer care team",
    ) as listener:
        state = DemoState(
            out=out, export=export, days=days, seed=seed, listener=listener, echo=echo
        )
        for step in STEPS if steps is None else steps:
            step(state)
        seconds = time.perf_counter() - started
        summary = state.summary or summarize(listener.store)
        heard = state.listening or listening(listener.store)
    echo(f"Database: {database}")
    echo(f"Messages to customers: {outbox}/*.eml")
    if state.html is not None:
        echo(f"Report: {state.html}")
    if state.simulation is None or state.second is None:
        raise ConfigurationError(
            "the demo's steps must include listen_for_a_month and import_again"
        )
    return DemoResult(
        database=database,
        export=export,
        outbox=outbox,
        simulation=state.simulation,
        second=state.second,
        summary=summary,
        listening=heard,
        problem=state.problem,
        seconds=seconds,
        report=state.report,
        html=state.html,
    )


@attrs.define
class DemoState:
    """What the demo's steps share: the open listener, and what each step found so far.

    A step is a function taking this state; it reads what earlier steps left and sets what it
    finds, so adding a step to the demo is writing one function and listing it in
    :data:`STEPS`.
    """

    out: Path
    export: Path
    days: int
    seed: int
    listener: Listener
    echo: Callable[[str], None]
    simulation: SimulationReport | None = None
    problem: ProblemResolution | None = None
    second: IngestReport | None = None
    summary: Summary | None = None
    listening: Listening | None = None
    report: Report | None = None
    html: Path | None = None


Step = Callable[[DemoState], None]


def listen_for_a_month(state: DemoState) -> None:
    """Play the export over the simulated days while a simulated team works the cases."""
    state.echo(f"Listening for {state.days} simulated days with {state.listener!r}")
    state.simulation = simulate(
        state.listener, days=state.days, seed=state.seed, source=read_records(state.export)
    )


def resolve_a_problem(state: DemoState) -> None:
    """Resolve the largest group of open cases about the same thing as one problem."""
    state.problem = _resolve_a_problem(state.listener)
    if state.problem is not None:
        state.echo(
            f"Problem {state.problem.problem.title!r}: resolved {len(state.problem.cases)} "
            "cases at once and told every customer"
        )
    state.listener.tick()


def import_again(state: DemoState) -> None:
    """Import the same export a second time: nothing is stored twice."""
    state.second = state.listener.ingest_file(state.export)
    state.echo(f"Importing the same export again: {state.second}  (nothing is stored twice)")


def print_summary(state: DemoState) -> None:
    """Print what was heard, whether we listened, themes and one case's story."""
    store = state.listener.store
    state.summary = summarize(store)
    state.listening = listening(store)
    if state.simulation is None:
        raise ConfigurationError("print_summary must come after listen_for_a_month")
    _print(
        state.echo, state.simulation, state.summary, state.listening, state.listener, state.problem
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


STEPS: tuple[Step, ...] = (
    listen_for_a_month,
    resolve_a_problem,
    import_again,
    print_summary,
    print_report,
)
"""The demo's steps, in order; the report comes last so the demo ends with it."""

REPORT_TIMEZONE = "Europe/Madrid"
"""The zone the demo's report groups days in (Acme's customer care sits in Madrid)."""


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
