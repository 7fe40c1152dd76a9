"""The demo: a month of real-looking feedback through the whole listening loop, on SQLite.

``clientvoice demo`` (and ``make demo``) call :func:`run`. Each part is a step in :data:`STEPS`:

1. :func:`hear_on_real_channels`: the weekend before the month, customers write e-mails that go
   through a real SMTP server on a free loopback port (aiosmtpd; the demo says so in one line
   and carries on without e-mail when it is not installed) and are heard as the raw bytes it
   received; a form service posts web forms signed the Standard Webhooks way (a forged one and
   a replayed one are refused with their reason); chats and phone notes arrive as transcripts.
2. :func:`ask_for_opinions`: survey invitations as the days pass — NPS after a closed case, CSAT
   after a chat, CES after a call — under sampling, quiet hours in the customer's zone, consent,
   a fatigue window across all surveys and one contact budget; some customers answer through
   the ``link`` backend's form (one twice, one after the link expired: both refused).
3. :func:`listen_for_a_month` writes a generated JSONL export — Spanish and English customers on
   seven channels, with a few malformed rows and resent duplicates, as real exports have — and
   plays it over 30 simulated days: feedback arrives when it was given, cases open, a simulated
   team acknowledges, understands, acts and resolves (some late: warnings, breaches and
   escalations follow), apologies and recovery gestures are recorded, and every customer told
   what was done gets an e-mail written to ``out/outbox``.
4. :func:`resolve_a_problem` resolves many cases at once; :func:`import_again` imports the
   export again to show nothing is stored twice.
5. :func:`print_summary` and :func:`count_survey_answers` print what was heard, whether we
   listened, and what the surveys did (proving from the store that fatigue held);
   :func:`print_timings` the time of each step; :func:`print_report` ends with the report of
   the month (``out/report.html`` too), whose NPS/CSAT/CES trends include the survey answers.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from datetime import time as dt_time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import attrs

from clientvoice._ids import stable_digest, stable_id
from clientvoice.analysis import find_themes
from clientvoice.channels.files import read_records
from clientvoice.channels.mail import EmailChannel
from clientvoice.channels.outbox import OutboxChannel
from clientvoice.channels.webhook import SignedWebhookChannel, sign_webhook
from clientvoice.clock import ManualClock
from clientvoice.demodata import DemoEmail
from clientvoice.errors import ConfigurationError, MissingExtraError, ValidationError
from clientvoice.hookspecs import hookimpl
from clientvoice.listener import IngestReport, Listener
from clientvoice.models import (
    Case,
    CaseStage,
    Delivery,
    Feedback,
    FeedbackKind,
    Message,
    RecoveryGesture,
    Rejection,
)
from clientvoice.reports.model import Report
from clientvoice.simulation import SimulationReport, simulate
from clientvoice.stores import open_store
from clientvoice.stores.base import Store
from clientvoice.surveys.definitions import ces_survey, csat_survey, nps_survey
from clientvoice.surveys.invitations import (
    ContactBudget,
    Invitation,
    InvitationPolicy,
    QuietHours,
    Trigger,
)
from clientvoice.surveys.link import LinkBackend
from clientvoice.surveys.metrics import Score, ces, csat, nps
from clientvoice.surveys.service import Surveys
from clientvoice.surveys.tokens import TokenSigner
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

FORM_SECRET = "whsec_" + base64.b64encode(hashlib.sha256(b"acme demo web forms").digest()).decode()
"""The secret Acme's form service signs its webhooks with (a demo's: never a real one)."""

SURVEY_KEY = "acme-demo-survey-token-key-not-for-production"
"""The key survey tokens are signed with (a demo's: keep a real one in a vault)."""

SURVEY_FORM = "https://acme.example/encuesta"
"""Where Acme's web application serves the survey form the ``link`` backend points to."""


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
        channels=state.channels,
        surveys=state.surveys_tally,
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
    surveys: Surveys | None = None
    every_day: list[Callable[[datetime], None]] = attrs.field(factory=list)
    channels: tuple[ChannelTally, ...] = ()
    survey_month: _SurveyMonth | None = None
    surveys_tally: SurveyTally | None = None
    timings: list[tuple[str, float]] = attrs.field(factory=list)


Step = Callable[[DemoState], None]


def listen_for_a_month(state: DemoState) -> None:
    """Play the export over the simulated days while a simulated team works the cases."""
    state.echo(f"Listening for {state.days} simulated days with {state.listener!r}")
    daily = list(state.every_day)

    def every_day(now: datetime) -> None:
        for task in daily:
            task(now)

    state.simulation = simulate(
        state.listener,
        days=state.days,
        seed=state.seed,
        source=read_records(state.export),
        on_day=every_day if daily else None,
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


# -- hearing on real channels ---------------------------------------------------------------------


@attrs.define
class ChannelTally:
    """What one channel heard in :func:`hear_on_real_channels`: payloads handed to the listener,
    items stored, payloads heard before (stored once), and rejections with their reason;
    for e-mail, ``received`` holds the raw messages as the SMTP server received them."""

    channel: str
    heard: int = 0
    stored: int = 0
    heard_before: int = 0
    rejected: list[str] = attrs.field(factory=list)
    note: str = ""
    received: list[bytes] = attrs.field(factory=list, repr=False)

    def line(self) -> str:
        """The tally as one line of text."""
        return (
            f"{self.channel:<7} heard {self.heard:>3}, stored {self.stored:>3}, "
            f"heard before {self.heard_before}, rejected {len(self.rejected)}"
            + (f"   ({self.note})" if self.note else "")
        )


def hear_on_real_channels(state: DemoState) -> None:
    """Hear what customers sent over the weekend before the month on three real channels.

    E-mails go through a real SMTP server on a free loopback port (aiosmtpd, stopped after) and
    are heard as the raw bytes it received; web-form submissions are posted signed the Standard
    Webhooks way, and a forged one and a replayed one are refused with their reason; chat
    transcripts and phone notes are heard as the chat tool and the agents wrote them. Each
    payload is heard at the time it arrived (the clock is set back for the weekend, then
    forward again).
    """
    from clientvoice.demodata import DEFAULT_START, channel_traffic

    clock = _manual_clock(state.listener)
    back = clock.now()
    traffic = channel_traffic(seed=state.seed, start=DEFAULT_START - timedelta(days=2), days=2)
    mail = ChannelTally("email")
    forms = ChannelTally("web")
    talks = ChannelTally("chat/phone")
    arrivals: list[tuple[datetime, int, Callable[[], None]]] = []
    raw_mail = _through_smtp(traffic.emails, mail)
    for position, raw in enumerate(raw_mail):
        arrivals.append(
            (_mail_date(raw) + timedelta(minutes=1), position, _hearing(state, mail, "email", raw))
        )
    for position, post in enumerate(traffic.forms):
        arrivals.extend(_form_posts(state, forms, post, position))
    for position, record in enumerate(traffic.transcripts):
        when = _parse_time(str(record["occurred_at"])) + timedelta(minutes=10)
        arrivals.append((when, position, _hearing(state, talks, str(record["channel"]), record)))
    started = time.perf_counter()
    for when, _, hear in sorted(arrivals, key=lambda item: (item[0], item[1])):
        clock.set(when)
        hear()
    clock.set(back)
    state.channels = (mail, forms, talks)
    state.echo(
        f"Hearing the weekend's mail, forms and chats on real channels "
        f"({time.perf_counter() - started:.1f} s)"
    )
    for tally in state.channels:
        state.echo(f"  {tally.line()}")
        for reason in tally.rejected:
            state.echo(f"    refused: {reason}")


def _manual_clock(listener: Listener) -> ManualClock:
    clock = listener.clock
    if not isinstance(clock, ManualClock):
        raise ConfigurationError("the demo needs a listener with a ManualClock")
    return clock


def _hearing(
    state: DemoState,
    tally: ChannelTally,
    channel: str,
    payload: Any,
    headers: Mapping[str, str] | None = None,
) -> Callable[[], None]:
    """Hear ``payload`` when called, counting what became of it in ``tally``."""

    def hear() -> None:
        tally.heard += 1
        listener = state.listener
        try:
            stored = listener.hear(channel, payload, headers=headers)
        except ValidationError as error:
            reason = f"{error.field}: {error.reason}"
            tally.rejected.append(reason)
            raw = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
            listener.store.add_rejections(
                [
                    Rejection(
                        source=channel,
                        reason=reason,
                        field=error.field,
                        raw=str(raw)[:2000] or "-",
                        received_at=listener.clock.now(),
                    )
                ]
            )
            return
        if stored:
            tally.stored += len(stored)
        else:
            tally.heard_before += 1

    return hear


def _through_smtp(emails: Sequence[DemoEmail], tally: ChannelTally) -> list[bytes]:
    """Send ``emails`` to a real SMTP server on a free loopback port (one of them twice, as a
    mail client that retries does) and return what the server received, in order."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        tally.note = (
            "skipped: the demo's SMTP server needs aiosmtpd: pip install 'clientvoice[demo]'"
        )
        return []
    import smtplib
    import socket

    class Mailbox:
        def __init__(self) -> None:
            self.received: list[bytes] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.received.append(bytes(envelope.original_content or envelope.content))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    try:
        server.start()
    except (OSError, RuntimeError) as error:
        tally.note = f"skipped: the local SMTP server did not start ({error})"
        return []
    try:
        with smtplib.SMTP(
            "127.0.0.1", port, local_hostname="customers.localhost", timeout=10
        ) as smtp:
            for position, email in enumerate(emails):
                smtp.sendmail(email.sender, [email.recipient], email.raw)
                if position == 1:  # a mail client that timed out sends it again
                    smtp.sendmail(email.sender, [email.recipient], email.raw)
        tally.note = f"through a real SMTP server on 127.0.0.1:{port}"
    except (OSError, smtplib.SMTPException) as error:
        tally.note = f"the SMTP server stopped answering ({error}); heard what it received"
    finally:
        server.stop()
    tally.received = mailbox.received
    return mailbox.received


def _mail_date(raw: bytes) -> datetime:
    from email.parser import BytesHeaderParser
    from email.utils import parsedate_to_datetime

    date = BytesHeaderParser().parsebytes(raw)["Date"]
    return parsedate_to_datetime(str(date)).astimezone(timezone.utc)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def _form_posts(
    state: DemoState, tally: ChannelTally, post: Mapping[str, Any], position: int
) -> list[tuple[datetime, int, Callable[[], None]]]:
    """The signed request of one form submission; the third is also retried within the
    tolerance window and replayed two hours later, and the fifth arrives forged."""
    body = json.dumps({k: v for k, v in post.items() if k != "id"}, ensure_ascii=False).encode()
    sent = _parse_time(str(post["timestamp"]))
    headers = sign_webhook(FORM_SECRET, body, webhook_id=str(post["id"]), timestamp=sent)
    arrive = sent + timedelta(seconds=2)
    if position == 4:  # someone changed the body on the way, keeping the signature
        forged = body.replace(b'"follow_up_requested": false', b'"follow_up_requested": true')
        forged = forged.replace(b'"text": "', b'"text": "GRATIS: ', 1)
        return [(arrive, position, _hearing(state, tally, "web", forged, headers))]
    requests = [(arrive, position, _hearing(state, tally, "web", body, headers))]
    if position == 2:
        requests.append(
            (arrive + timedelta(seconds=30), position, _hearing(state, tally, "web", body, headers))
        )
        requests.append(
            (arrive + timedelta(hours=2), position, _hearing(state, tally, "web", body, headers))
        )
    return requests


class _Channels:
    """The demo's channels: e-mail heard raw and answered into the outbox folder, and web forms
    heard only when signed with the form service's secret."""

    def __init__(self, folder: Path, clock: ManualClock) -> None:
        self.email = _DemoMail(folder)
        self.web = SignedWebhookChannel("web", secret=FORM_SECRET, clock=clock)

    @hookimpl
    def clientvoice_register_channels(self, register: Callable[[object], None]) -> None:
        register(self.email)
        register(self.web)


class _DemoMail(EmailChannel):
    """Hears raw e-mail like the built-in channel; answers by writing .eml files to a folder."""

    def __init__(self, folder: Path) -> None:
        super().__init__("email", sender="care@acme.example")
        self.outbox = OutboxChannel("email", folder, sender="care@acme.example")

    def send(self, message: Message) -> Delivery:
        """Write ``message`` to the outbox folder."""
        return self.outbox.send(message)


# -- surveys through the month --------------------------------------------------------------------

FATIGUE = timedelta(days=14)
"""At most one survey invitation per customer in this time, across all the demo's surveys."""


def demo_surveys(store: Store, clock: ManualClock) -> Surveys:
    """The demo's surveys: NPS a few days after a case is closed, CSAT after a chat, CES after a
    phone call; each with sampling, quiet hours (21:00-09:00 in the customer's zone), consent,
    the :data:`FATIGUE` window and one contact budget shared with everything else Acme says."""
    budget = ContactBudget(max_contacts=4, period=timedelta(days=7))
    rules: dict[str, Any] = {
        "fatigue": FATIGUE,
        "quiet_hours": QuietHours(start=dt_time(21, 0), end=dt_time(9, 0)),
        "budget": budget,
        "expires_after": timedelta(days=7),
        "seed": "acme-demo",
    }
    policies = [
        InvitationPolicy("nps", trigger=Trigger(kinds={"case_closed"}), sampling_rate=0.8, **rules),
        InvitationPolicy(
            "csat",
            trigger=Trigger(channels={"chat"}),
            delay=timedelta(hours=2),
            sampling_rate=0.5,
            **rules,
        ),
        InvitationPolicy(
            "ces",
            trigger=Trigger(channels={"phone"}),
            delay=timedelta(hours=4),
            sampling_rate=0.6,
            **rules,
        ),
    ]
    return Surveys(
        store,
        signer=TokenSigner(SURVEY_KEY),
        surveys=[nps_survey(), csat_survey(), ces_survey()],
        policies=policies,
        backends=[LinkBackend(SURVEY_FORM)],
        follow_up_survey="nps",
        clock=clock,
        sender="The Acme customer care team",
    )


@attrs.define
class SurveyTally:
    """What the month's survey invitations and answers came to."""

    sent: int = 0
    not_sent: Counter[str] = attrs.field(factory=Counter)
    moved_by_quiet_hours: int = 0
    accepted: Counter[str] = attrs.field(factory=Counter)
    rejected: list[str] = attrs.field(factory=list)
    invitations: int = 0
    closest: timedelta | None = None
    too_close: int = 0
    survey_feedback: int = 0

    def lines(self) -> list[str]:
        """The tally as lines of text."""
        refused = ", ".join(f"{code} {n}" for code, n in self.not_sent.most_common()) or "none"
        answers = ", ".join(f"{survey.upper()} {n}" for survey, n in sorted(self.accepted.items()))
        kinds = Counter(_rejection_kind(reason) for reason in self.rejected)
        closest = (
            f"{self.closest / timedelta(days=1):.1f} days" if self.closest is not None else "n/a"
        )
        return [
            f"invitations sent       {self.sent:>5}   ({self.moved_by_quiet_hours} moved past "
            "the customer's quiet hours)",
            f"not sent, by reason    {refused}",
            f"responses accepted     {sum(self.accepted.values()):>5}   ({answers or 'none'}), "
            f"stored as feedback on the survey channel",
            f"responses rejected     {len(self.rejected):>5}   ("
            + (", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) or "none")
            + ")",
            *(f"    refused: {reason}" for reason in self.rejected),
            f"fatigue holds: {self.too_close} customers got two invitations within "
            f"{FATIGUE.days} days (of {self.invitations} invitations in the store; the "
            f"closest two to one customer are {closest} apart)",
        ]


def ask_for_opinions(state: DemoState) -> None:
    """Send survey invitations as the simulated days pass, and hear the customers who answer.

    At the end of every simulated day the surveys invite after that day's interactions (closed
    cases are invited by the workflow's follow-up, under the same policy); a share of the
    customers whose invitation has gone out open the link and submit the host's form, which is
    posted url-encoded, token in a hidden field, to the ``link`` backend. One customer submits
    twice and one answers after the link expired: both are refused with the reason.
    Put it before :func:`listen_for_a_month`; :func:`count_survey_answers` prints the tally.
    """
    if state.surveys is None:
        raise ConfigurationError("ask_for_opinions needs the demo's surveys")
    month = _SurveyMonth(state, state.surveys)
    state.every_day.append(month.day)
    state.survey_month = month


def count_survey_answers(state: DemoState) -> None:
    """Print the month's invitations and answers, and prove from the store that no customer got
    two invitations within the fatigue window."""
    month = state.survey_month
    if month is None:
        raise ConfigurationError("count_survey_answers must come after ask_for_opinions")
    tally = attrs.evolve(
        month.tally,
        not_sent=Counter(month.tally.not_sent),
        rejected=list(month.tally.rejected),
    )
    store = state.listener.store
    for stored in store.iter_events():
        event = stored.event
        if event.type == "case.follow_up_requested" and event.reason:
            if event.reason.startswith("invitation "):
                tally.sent += 1
            else:
                tally.not_sent[event.reason.removeprefix("no invitation: ").split(":")[0]] += 1
    tally.invitations, tally.too_close, tally.closest = fatigue_check(store, FATIGUE)
    tally.survey_feedback = store.count_feedback(channel="survey")
    state.surveys_tally = tally
    state.echo("")
    state.echo("Asking at the right moment (surveys)")
    state.echo("------------------------------------")
    for line in tally.lines():
        state.echo(line)


def fatigue_check(store: Store, window: timedelta) -> tuple[int, int, timedelta | None]:
    """Read every stored invitation: how many there are, how many customers got two within
    ``window`` of each other, and the smallest gap between two invitations to one customer."""
    by_customer: dict[str, list[datetime]] = {}
    total = 0
    for invitation in store.iter_invitations():
        total += 1
        by_customer.setdefault(invitation.customer_id, []).append(invitation.send_at)
    too_close = 0
    closest: timedelta | None = None
    for times in by_customer.values():
        times.sort()
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        if gaps:
            smallest = min(gaps)
            closest = smallest if closest is None else min(closest, smallest)
            too_close += smallest < window
    return total, too_close, closest


class _SurveyMonth:
    """The daily survey round of :func:`ask_for_opinions`."""

    def __init__(self, state: DemoState, surveys: Surveys) -> None:
        self.state = state
        self.surveys = surveys
        self.tally = SurveyTally()
        self.since = state.listener.clock.now() - timedelta(days=3)  # the weekend's traffic too
        self.end = state.listener.clock.now() + timedelta(days=state.days)
        self.seen: set[str] = set()
        self.waiting: list[tuple[datetime, str, str]] = []  # (answers at, invitation, form body)
        self.resent = False
        self.late: tuple[str, str] | None = None

    def day(self, now: datetime) -> None:
        """Invite after the day's interactions, then hear the answers that came in."""
        report = self.surveys.invite_after(now, since=self.since)
        self.since = now
        self.tally.sent += report.sent
        self.tally.moved_by_quiet_hours += report.delayed_by_quiet_hours
        self.tally.not_sent.update(report.not_sent)
        self._open_new_invitations(now)
        due = [item for item in self.waiting if item[0] <= now]
        self.waiting = [item for item in self.waiting if item[0] > now]
        for answered_at, invitation_id, body in sorted(due):
            if self._post(invitation_id, body, answered_at) and not self.resent:
                # The first customer to answer presses "send" again a minute later.
                self.resent = True
                self._post(invitation_id, body, answered_at + timedelta(minutes=1))
        if now >= self.end:
            self._answer_late(now)

    def _answer_late(self, now: datetime) -> None:
        """On the last day, one customer answers a link that expired."""
        if self.late is not None:
            invitation_id, body = self.late
            expires = self.state.listener.store.get_invitation(invitation_id).expires_at
            self._post(invitation_id, body, max(now, expires + timedelta(hours=5)))

    def _open_new_invitations(self, now: datetime) -> None:
        store = self.state.listener.store
        for invitation in store.iter_invitations(since=now - timedelta(days=8)):
            if invitation.id in self.seen or invitation.send_at > now:
                continue
            stored = store.get_message(stable_id("msg", invitation.id))
            if not stored.delivered:
                continue  # not in the customer's inbox yet
            self.seen.add(invitation.id)
            rng = random.Random(f"{self.state.seed}:{invitation.id}")
            roll = rng.random()
            body = _submission(store, invitation, stored.message.body, self.state.seed)
            if roll < 0.45:
                answered_at = invitation.send_at + timedelta(hours=rng.uniform(0.2, 30))
                self.waiting.append((answered_at, invitation.id, body))
            elif self.late is None:
                self.late = (invitation.id, body)

    def _post(self, invitation_id: str, body: str, at: datetime) -> bool:
        listener = self.state.listener
        received = self.surveys.receive("link", body, now=at)
        if received.rejections:
            listener.store.add_rejections(received.rejections)
            self.tally.rejected.extend(r.reason for r in received.rejections)
        if received.records:
            listener.ingest(received.records, channel="survey", source=received.source)
            survey = listener.store.get_invitation(invitation_id).survey_id
            self.tally.accepted[survey] += len(received.records)
        return bool(received.records)


def _submission(store: Store, invitation: Invitation, email_body: str, seed: int) -> str:
    """What the host's form posts when the customer answers: the token from the link in the
    e-mail in a hidden field, the score and perhaps a comment, url-encoded."""
    from clientvoice.demodata import survey_answers

    link = next(word for word in email_body.split() if word.startswith(SURVEY_FORM))
    token = parse_qs(urlsplit(link).query)["token"][0]
    feeling = 0
    for feedback in store.iter_feedback(customer_id=invitation.customer_id):
        if feedback.interaction_id == invitation.interaction_id:
            sentiment = feedback.analysis.sentiment if feedback.analysis else None
            feeling = _FEELING.get(sentiment.value if sentiment else "", 0)
            break
    if invitation.case_id is not None:
        feeling = min(feeling + 1, 1)  # the case was resolved and they were told
    fields = survey_answers(
        invitation.survey_id, invitation.language, feeling, key=invitation.id, seed=seed
    )
    return urlencode({"token": token, **fields})


_FEELING = {"negative": -1, "positive": 1}


def _rejection_kind(reason: str) -> str:
    if "expired" in reason:
        return "expired"
    if "already used" in reason:
        return "already used"
    return reason.split(":")[0]


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
