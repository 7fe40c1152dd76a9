"""The demo: a month of real-looking feedback through the whole listening loop, on SQLite.

``clientvoice demo`` (and ``make demo``) call :func:`run`. Each part is a step in :data:`STEPS`,
a function taking the shared :class:`DemoState`; the modules of this package say where a change
goes: ``channels`` (hearing on real channels), ``surveys`` (invitations and answers), ``month``
(the simulated month, a problem resolved, the second import), ``summary`` (what is printed and
the report), ``state`` (what the steps share); this module runs them.

1. :func:`hear_on_real_channels`: in the first two days of the month, customers write e-mails
   that go through a real SMTP server on a free loopback port (aiosmtpd; the demo says so in
   one line and carries on without e-mail when it is not installed) and are heard as the raw
   bytes it received; a form service posts web forms signed the Standard Webhooks way (a forged
   one and a replayed one are refused with their reason); chats and phone notes arrive as
   transcripts. Each is heard at the time it arrived, so the report counts them.
2. :func:`ask_for_opinions`: survey invitations as the days pass — NPS after a closed case, CSAT
   after a chat, CES after a call — under sampling, quiet hours in the customer's zone, consent,
   a fatigue window across all surveys and one contact budget; some customers answer through
   the ``link`` backend's form (one twice, one after the link expired: both refused).
3. :func:`listen_for_a_month` writes a generated JSONL export — Spanish and English customers on
   seven channels, with a few malformed rows and resent duplicates, as real exports have — and
   plays it over 30 simulated days: feedback arrives when it was given, cases open, a simulated
   team acknowledges, understands, acts and resolves (some late: warnings, breaches and
   escalations follow), apologies and recovery gestures are recorded, and every customer told
   what was done gets an e-mail written to ``out/outbox``. The first two steps' daily work
   (hearing live traffic, inviting and hearing answers) happens at the end of each day.
4. :func:`resolve_a_problem` resolves many cases at once; :func:`import_again` imports the
   export again to show nothing is stored twice.
5. :func:`print_summary` and :func:`count_survey_answers` print what was heard, whether we
   listened, and what the surveys did (proving from the store that fatigue held);
   :func:`print_timings` the time of each step; :func:`print_report` ends with the report of
   the month (``out/report.html`` too), whose NPS/CSAT/CES trends include the survey answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from clientvoice.clock import ManualClock
from clientvoice.demo.channels import FORM_SECRET, ChannelTally, _Channels, hear_on_real_channels
from clientvoice.demo.month import import_again, listen_for_a_month, resolve_a_problem
from clientvoice.demo.state import DemoState, Step
from clientvoice.demo.summary import (
    REPORT_TIMEZONE,
    Listening,
    Summary,
    listening,
    print_report,
    print_summary,
    print_timings,
    summarize,
)
from clientvoice.demo.surveys import (
    FATIGUE,
    SURVEY_FORM,
    SURVEY_KEY,
    SurveyTally,
    ask_for_opinions,
    count_survey_answers,
    demo_surveys,
    fatigue_check,
)
from clientvoice.errors import ConfigurationError
from clientvoice.listener import IngestReport, Listener
from clientvoice.reports.model import Report
from clientvoice.simulation import SimulationReport
from clientvoice.stores import open_store
from clientvoice.workflow.engine import ProblemResolution

__all__ = [
    "FATIGUE",
    "FORM_SECRET",
    "REPORT_TIMEZONE",
    "STEPS",
    "SURVEY_FORM",
    "SURVEY_KEY",
    "ChannelTally",
    "DemoResult",
    "DemoState",
    "Listening",
    "Step",
    "Summary",
    "SurveyTally",
    "ask_for_opinions",
    "count_survey_answers",
    "demo_surveys",
    "fatigue_check",
    "hear_on_real_channels",
    "import_again",
    "listen_for_a_month",
    "listening",
    "print_report",
    "print_summary",
    "print_timings",
    "resolve_a_problem",
    "run",
    "summarize",
]


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
    channels: tuple[ChannelTally, ...] = ()
    surveys: SurveyTally | None = None


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
    clock = ManualClock(DEFAULT_START)
    store = open_store(f"sqlite:///{database}")
    try:
        surveys = demo_surveys(store, clock)
        opened = Listener(
            store,
            plugins=[_Channels(outbox, clock), surveys],
            clock=clock,
            sender="The Acme customer care team",
        )
    except BaseException:
        store.close()
        raise
    with opened as listener:
        state = DemoState(
            out=out,
            export=export,
            days=days,
            seed=seed,
            listener=listener,
            echo=echo,
            surveys=surveys,
        )
        for step in STEPS if steps is None else steps:
            began = time.perf_counter()
            step(state)
            state.timings.append((step.__name__, time.perf_counter() - began))
        seconds = time.perf_counter() - started
        summary = state.summary or summarize(listener.store)
        heard = state.listening or listening(listener.store, listener.clock.now())
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
        channels=state.channels,
        surveys=state.surveys_tally,
    )


STEPS: tuple[Step, ...] = (
    hear_on_real_channels,
    ask_for_opinions,
    listen_for_a_month,
    resolve_a_problem,
    import_again,
    print_summary,
    count_survey_answers,
    print_timings,
    print_report,
)
"""The demo's steps, in order; the report comes last so the demo ends with it."""
