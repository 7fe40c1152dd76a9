"""The ``clientvoice`` command: ingest, analyse, work cases, tick, report, export, demo.

Built on click and rich (extra ``cli``); without them ``clientvoice`` prints one line saying how
to install them, and this module still imports.

The store comes from ``--store``, else the ``CLIENTVOICE_STORE`` environment variable, else the
``store`` key of the config file (``clientvoice.toml`` in the current folder, or ``--config``),
else ``sqlite:///clientvoice.db`` in the current folder. The config file may also set
``timezone`` (the zone reports group days in) and ``phone_region`` (the region of phone numbers
written without a country code, see :mod:`clientvoice.phones`).

Exit codes: 0 success; 1 an error (the message says what to do); 2 a usage error; 3 the command
worked but rejected some input (see ``clientvoice dead-letters``); 4 ``cases --breached`` or
``--due-soon`` found cases (so a script can alert); 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientvoice._codec import dump
from clientvoice._version import __version__
from clientvoice.errors import ClientVoiceError, ConfigurationError
from clientvoice.hookspecs import hookimpl

if TYPE_CHECKING:
    import click
    from rich.console import Console

    from clientvoice.listener import Listener
    from clientvoice.models import Case

__all__ = [
    "CONFIG_FILE",
    "EXIT_ERROR",
    "EXIT_FOUND",
    "EXIT_OK",
    "EXIT_REJECTED",
    "EXIT_USAGE",
    "STORE_ENV",
    "command",
    "load_config",
    "main",
]

STORE_ENV = "CLIENTVOICE_STORE"
DEFAULT_STORE = "sqlite:///clientvoice.db"
CONFIG_FILE = "clientvoice.toml"
INSTALL_HINT = 'clientvoice: the command line needs click and rich: pip install "clientvoice[cli]"'

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REJECTED, EXIT_FOUND = 0, 1, 2, 3, 4


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: the process's); returns the exit code."""
    try:
        import click
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return EXIT_ERROR
    group = command()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = group.main(args=args, prog_name="clientvoice", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.UsageError as error:
        error.show()
        return EXIT_USAGE
    except click.ClickException as error:
        error.show()
        return int(error.exit_code)
    except click.Abort:
        print("clientvoice: interrupted", file=sys.stderr)
        return 130
    except ClientVoiceError as error:
        print(f"clientvoice: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("clientvoice: interrupted", file=sys.stderr)
        return 130
    return int(result) if isinstance(result, int) else EXIT_OK


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The settings of ``path``, else of ``clientvoice.toml`` in the current folder, else none.

    :raises ConfigurationError: if a file named explicitly is missing, or a file is not TOML.
    """
    if path is None:
        path = Path(CONFIG_FILE)
        if not path.is_file():
            return {}
    elif not path.is_file():
        raise ConfigurationError(f"no such config file: {path} (check --config)")
    text = path.read_text(encoding="utf-8")
    try:
        return _parse_toml(text)
    except ValueError as error:
        raise ConfigurationError(f"{path} is not valid TOML: {error}") from None


def command() -> click.Group:
    """The click group of every command (built on demand, as click is an optional extra)."""
    import click

    examples = _examples

    @click.group(
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
        epilog=examples(
            "clientvoice demo",
            "clientvoice ingest tickets.csv --map text=Description --map external_id='Ticket ID'",
            "clientvoice report --days 30 --format html --out report.html",
            "clientvoice cases list --breached",
            f"the store: --store URL, or ${STORE_ENV}, or 'store' in {CONFIG_FILE}, "
            f"or {DEFAULT_STORE}",
            "exit codes: 0 done; 1 error (the message says what to do); 2 usage error;",
            "  3 some input rejected; 4 cases found by --breached/--due-soon; 130 interrupted",
        ),
    )
    @click.version_option(
        __version__, "--version", prog_name="clientvoice", message="%(prog)s %(version)s"
    )
    @click.option(
        "--config",
        type=click.Path(path_type=Path, dir_okay=False),
        help=f"settings file (default: ./{CONFIG_FILE} when present)",
    )
    @click.pass_context
    def cli(context: click.Context, config: Path | None) -> None:
        """Listen to your customers: hear feedback on every channel, act on it, close the loop."""
        context.obj = _Settings(load_config(config))

    store_option = click.option(
        "--store", metavar="URL", help=f"store URL (default: ${STORE_ENV}, config, {DEFAULT_STORE})"
    )
    json_option = click.option("--json", "as_json", is_flag=True, help="print JSON for machines")

    @cli.command(
        epilog=examples(
            "clientvoice ingest export.jsonl",
            "clientvoice ingest reviews.csv --channel review --map text=Comment --map csat=Stars "
            "--map occurred_at=Date --map customer.email=Email --map external_id=ReviewId",
        )
    )
    @click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
    @click.option(
        "--format",
        "file_format",
        type=click.Choice(["csv", "jsonl"]),
        help="default: from the suffix",
    )
    @click.option(
        "--map",
        "maps",
        multiple=True,
        metavar="FIELD=COLUMN",
        help="fill record FIELD from source COLUMN (repeatable)",
    )
    @click.option("--channel", help="channel of rows that name none (e.g. email)")
    @click.option("--delimiter", default=",", show_default=True, help="CSV delimiter")
    @store_option
    @json_option
    @click.pass_obj
    def ingest(
        settings: _Settings,
        file: Path,
        file_format: str | None,
        maps: tuple[str, ...],
        channel: str | None,
        delimiter: str,
        store: str | None,
        as_json: bool,
    ) -> int:
        """Stream a CSV or JSONL file into the store; bad rows go to the dead letters.

        Exits 3 when some rows were rejected.
        """
        from clientvoice.channels.files import read_records

        mapping: dict[str, str] = {}
        for item in maps:
            field, sep, column = item.partition("=")
            if not sep or not field.strip() or not column.strip():
                raise click.UsageError(f"--map {item!r}: write FIELD=COLUMN")
            mapping[field.strip()] = column.strip()
        records = read_records(
            file, format=file_format, mapping=mapping or None, delimiter=delimiter
        )
        with _listener(settings, store) as listener, _progress(as_json) as progress:
            total = _lines(file)
            report = listener.ingest(
                progress.track(records, total, f"ingesting {file.name}"), channel=channel
            )
        if as_json:
            _print_json(
                {
                    "received": report.received,
                    "stored": report.stored,
                    "duplicates": report.duplicates,
                    "customers_created": report.customers_created,
                    "rejected": [dump(r) for r in report.rejected],
                }
            )
        else:
            click.echo(str(report))
            for rejection in report.rejected[:10]:
                click.echo(f"  rejected {rejection}")
            if len(report.rejected) > 10:
                click.echo(f"  ... and {len(report.rejected) - 10} more: clientvoice dead-letters")
        return EXIT_REJECTED if report.rejected else EXIT_OK

    @cli.command(
        epilog=examples(
            "clientvoice analyze --days 30",
            "clientvoice analyze --text 'La app se cierra sola, llámenme'",
        )
    )
    @click.option("--text", help="analyse this text instead of the stored feedback")
    @_period_options
    @click.option("--themes", "max_themes", default=10, show_default=True, help="how many themes")
    @store_option
    @json_option
    @click.pass_obj
    def analyze(
        settings: _Settings,
        text: str | None,
        since: str | None,
        until: str | None,
        days: int | None,
        tz: str | None,
        max_themes: int,
        store: str | None,
        as_json: bool,
    ) -> int:
        """Understand feedback: language, sentiment, kind and the themes customers talk about.

        With --text, analyse one text. Otherwise read the stored feedback of the period and
        print its mix of languages, sentiments and kinds, and its largest themes.
        """
        from collections import Counter

        from clientvoice.analysis import find_themes
        from clientvoice.analysis.text import analyze as analyze_text

        if text is not None:
            result = analyze_text(text)
            data = {
                "language": result.language,
                "sentiment": result.sentiment.value if result.sentiment else None,
                "kind": result.kind.value if result.kind else None,
                "urgency": result.urgency.value if result.urgency else None,
                "follow_up_intent": result.follow_up_intent,
                "risks": sorted(result.risks),
                "key_phrases": list(result.key_phrases),
            }
            if as_json:
                _print_json(data)
            else:
                for key, value in data.items():
                    click.echo(f"{key:<17} {value}")
            return EXIT_OK
        zone_name = tz or settings.timezone
        start, end = _period(since, until, days, zone_name)
        mix: dict[str, Counter[str]] = {
            "language": Counter(),
            "sentiment": Counter(),
            "kind": Counter(),
        }
        with _listener(settings, store) as listener, _progress(as_json) as progress:
            total = listener.store.count_feedback(since=start, until=end)
            feedback = []
            for item in progress.track(
                listener.store.iter_feedback(since=start, until=end), total, "reading feedback"
            ):
                feedback.append(item)
                analysis = item.analysis
                mix["language"][
                    item.language or (analysis.language if analysis else None) or "unknown"
                ] += 1
                sentiment = (
                    analysis.sentiment.value if analysis and analysis.sentiment else "unknown"
                )
                mix["sentiment"][sentiment] += 1
                kind = item.kind or (analysis.kind if analysis else None)
                mix["kind"][kind.value if kind else "unknown"] += 1
            with progress.spinner("finding themes"):
                themes = find_themes(
                    (f for f in feedback if f.text.strip()), max_themes=max_themes, quotes=1
                )
        if as_json:
            _print_json(
                {
                    "feedback": len(feedback),
                    **{name: dict(counter.most_common()) for name, counter in mix.items()},
                    "themes": [
                        {"label": t.label, "count": t.count, "customers": t.customers}
                        for t in themes
                    ],
                }
            )
            return EXIT_OK
        from rich.table import Table

        console = _console()
        console.print(f"{len(feedback)} pieces of feedback")
        for name, counter in mix.items():
            shares = ", ".join(f"{k} {v}" for k, v in counter.most_common())
            console.print(f"by {name}: {shares or '-'}")
        table = Table(title="Themes", title_justify="left")
        for column in ("theme", "feedback", "customers"):
            table.add_column(column, justify="left" if column == "theme" else "right")
        for theme in themes:
            table.add_row(theme.label, str(theme.count), str(theme.customers))
        console.print(table)
        return EXIT_OK

    @cli.group(
        epilog=examples(
            "clientvoice cases list --stage acknowledged",
            "clientvoice cases list --due-soon --within 8",
            "clientvoice cases list --breached --json",
            "clientvoice cases show case_0123456789abcdef",
        )
    )
    def cases() -> None:
        """List, filter and look at cases."""

    @cases.command("list", epilog=examples("clientvoice cases list --open --limit 20"))
    @click.option("--stage", help="only cases in this stage (received, acknowledged, ...)")
    @click.option("--customer", help="only cases of this customer id")
    @click.option("--open", "only_open", is_flag=True, help="only cases not yet closed")
    @click.option(
        "--due-soon", is_flag=True, help="open cases with a promise due within --within hours"
    )
    @click.option("--within", default=4.0, show_default=True, help="hours ahead for --due-soon")
    @click.option(
        "--breached", is_flag=True, help="cases with a broken promise (recorded or overdue)"
    )
    @click.option(
        "--at", "at", metavar="INSTANT", help="judge deadlines at this ISO instant (default now)"
    )
    @click.option("--limit", default=50, show_default=True, help="most cases to show (0: all)")
    @store_option
    @json_option
    @click.pass_obj
    def cases_list(
        settings: _Settings,
        stage: str | None,
        customer: str | None,
        only_open: bool,
        due_soon: bool,
        within: float,
        breached: bool,
        at: str | None,
        limit: int,
        store: str | None,
        as_json: bool,
    ) -> int:
        """List cases, oldest first. Exits 4 when --due-soon or --breached found any."""
        from clientvoice.models import CaseStage

        chosen_stage = None
        if stage is not None:
            try:
                chosen_stage = CaseStage(stage)
            except ValueError:
                names = ", ".join(s.value for s in CaseStage)
                raise click.BadParameter(
                    f"{stage!r} is not a stage; use one of {names}", param_hint="--stage"
                ) from None
        now = _instant(at, "--at") or datetime.now(timezone.utc)
        found = []
        with _listener(settings, store) as listener:
            for case in listener.store.iter_cases(stage=chosen_stage, customer_id=customer):
                if only_open and not case.is_open:
                    continue
                if due_soon and not _due_soon(case, now, timedelta(hours=within)):
                    continue
                if breached and not _broken(case, now):
                    continue
                found.append(case)
        shown = found[:limit] if limit else found
        if as_json:
            _print_json([dump(case) for case in shown])
        else:
            _cases_table(shown, now, len(found))
        return EXIT_FOUND if (due_soon or breached) and found else EXIT_OK

    @cases.command("show", epilog=examples("clientvoice cases show case_0123456789abcdef --json"))
    @click.argument("case_id")
    @store_option
    @json_option
    @click.pass_obj
    def cases_show(settings: _Settings, case_id: str, store: str | None, as_json: bool) -> int:
        """Show one case: what the customer said, its promises and its timeline."""
        with _listener(settings, store) as listener:
            case = listener.store.get_case(case_id)
            feedback = listener.store.get_feedback(case.feedback_id) if case.feedback_id else None
            events = [s.event for s in listener.store.iter_events() if s.event.case_id == case.id]
        if as_json:
            _print_json(
                {
                    "case": dump(case),
                    "feedback": dump(feedback) if feedback else None,
                    "events": [dump(e) for e in events],
                }
            )
            return EXIT_OK
        console = _console()
        console.print(
            f"[bold]{case.id}[/bold]  {case.stage.value}, {case.priority.value} priority, "
            f"team {case.team or '-'}, owner {case.owner or '-'}"
        )
        if feedback is not None:
            console.print(f"the customer said: {feedback.text!r}")
        for deadline in ("acknowledge", "resolve", "inform"):
            due = getattr(case, f"{deadline}_due_at")
            done = getattr(case, f"{_DONE[deadline]}_at")
            state = "broken" if deadline in case.breaches else ("done" if done else "open")
            console.print(f"{deadline:<12} due {_when(due)}  done {_when(done)}  ({state})")
        for label, value in (
            ("root cause", case.root_cause),
            ("plan", case.plan),
            ("resolution", case.resolution),
        ):
            if value:
                console.print(f"{label}: {value}")
        for event in events:
            console.print(f"  {event.occurred_at:%Y-%m-%d %H:%M}  {event.type:<22} {event.actor}")
        return EXIT_OK

    @cli.command(
        epilog=examples(
            "clientvoice tick", "clientvoice tick --at 2026-03-02T10:00:00+01:00 --json"
        )
    )
    @click.option(
        "--at", metavar="INSTANT", help="the instant to tick at (ISO 8601 with offset; default now)"
    )
    @store_option
    @json_option
    @click.pass_obj
    def tick(settings: _Settings, at: str | None, store: str | None, as_json: bool) -> int:
        """Do the workflow's due work now: warnings, breaches, escalations, messages.

        Opens cases for new feedback, fires due service-level timers (warnings, breaches and
        their escalations, follow-ups) and sends due messages. Run it every minute from cron;
        running it twice at once, or twice in a row, is safe.
        """
        instant = _instant(at, "--at")
        with _listener(settings, store) as listener:
            report = listener.tick(instant)
        if as_json:
            _print_json(
                {
                    "now": report.now.isoformat(),
                    "cases_opened": report.cases_opened,
                    "warnings": report.warnings,
                    "breaches": report.breaches,
                    "escalations": report.escalations,
                    "follow_ups": report.follow_ups,
                    "messages_sent": report.messages_sent,
                    "messages_failed": report.messages_failed,
                    "events": [e.type for e in report.events],
                }
            )
        else:
            click.echo(str(report))
        return EXIT_OK

    @cli.command(
        epilog=examples(
            "clientvoice worker --store postgresql://care@db/clientvoice",
            "clientvoice worker --poll-interval 5 --worker-id worker-2",
            "clientvoice worker --rounds 1 --json",
        )
    )
    @click.option("--poll-interval", default=1.0, show_default=True, help="seconds between rounds")
    @click.option("--batch-size", default=100, show_default=True, help="work items per round")
    @click.option("--worker-id", help="this worker's name in the logs (default host:pid)")
    @click.option(
        "--rounds", type=click.IntRange(min=1), help="stop after this many rounds (default: never)"
    )
    @store_option
    @json_option
    @click.pass_obj
    def worker(
        settings: _Settings,
        poll_interval: float,
        batch_size: int,
        worker_id: str | None,
        rounds: int | None,
        store: str | None,
        as_json: bool,
    ) -> int:
        """Run tick and delivery (events, messages) in a loop until interrupted (Ctrl-C stops).

        Many workers may share one PostgreSQL store: each piece of work is done once.
        """
        import threading

        try:
            from clientvoice.workers import run_worker  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise click.ClickException(
                "the worker is not available in this version of clientvoice: run "
                "'clientvoice tick' from cron every minute instead"
            ) from None
        stop = threading.Event()
        with _listener(settings, store) as listener:
            if not as_json:
                click.echo(f"worker running on {listener.store!r}; Ctrl-C stops it", err=True)
            try:
                done = run_worker(
                    listener,
                    stop_event=stop,
                    poll_interval=poll_interval,
                    batch_size=batch_size,
                    worker_id=worker_id,
                    max_rounds=rounds,
                )
            except KeyboardInterrupt:
                stop.set()
                click.echo("worker stopped", err=True)
                return 130
        if as_json:
            _print_json(dump(done))
        else:
            click.echo(str(done))
        return EXIT_OK

    @cli.command(
        epilog=examples("clientvoice simulate --days 30", "clientvoice simulate --days 7 --json")
    )
    @click.option(
        "--days", default=30, show_default=True, type=click.IntRange(min=1), help="how many days"
    )
    @click.option(
        "--records",
        default=2_000,
        show_default=True,
        type=click.IntRange(min=0),
        help="feedback to play",
    )
    @click.option("--seed", default=7, show_default=True, help="random seed")
    @click.option(
        "--out",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("simulation-output"),
        show_default=True,
        help="folder",
    )
    @json_option
    def simulate(days: int, records: int, seed: int, out: Path, as_json: bool) -> int:
        """Simulate weeks of feedback and casework on a fresh store, in seconds.

        Plays generated feedback over DAYS simulated days into a fresh SQLite file while a
        simulated team works the cases; the engine's real deadlines, warnings, breaches and
        escalations follow. Messages to customers are written to OUT/outbox.
        """
        from clientvoice.channels.outbox import OutboxChannel
        from clientvoice.clock import ManualClock
        from clientvoice.demodata import DEFAULT_START
        from clientvoice.listener import Listener
        from clientvoice.simulation import simulate as play
        from clientvoice.stores import SQLiteStore

        out.mkdir(parents=True, exist_ok=True)
        database = out / "simulation.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)

        class Outbox:
            @hookimpl
            def clientvoice_register_channels(self, register: Any) -> None:
                register(OutboxChannel("email", out / "outbox"))

        with Listener(
            SQLiteStore(database), plugins=[Outbox()], clock=ManualClock(DEFAULT_START)
        ) as listener:
            report = play(listener, days=days, records=records, seed=seed)
        if as_json:
            _print_json(
                {
                    "start": report.start.isoformat(),
                    "end": report.end.isoformat(),
                    "feedback": report.feedback,
                    "cases_opened": report.cases_opened,
                    "cases_closed": report.cases_closed,
                    "breaches": report.breaches,
                    "events": report.events,
                    "database": str(database),
                }
            )
        else:
            click.echo("\n".join(report.lines()))
            click.echo(f"database: {database}")
        return EXIT_OK

    @cli.command(
        epilog=examples(
            "clientvoice report",
            "clientvoice report --days 30 --tz Europe/Madrid",
            "clientvoice report --since 2026-03-01 --until 2026-04-01 --format html "
            "--out march.html",
            "clientvoice report --format md --out report.md",
        )
    )
    @_period_options
    @click.option(
        "--format",
        "output",
        type=click.Choice(["text", "json", "md", "html"]),
        default="text",
        show_default=True,
        help="how to render it",
    )
    @click.option(
        "--out",
        type=click.Path(path_type=Path, dir_okay=False),
        help="write to this file instead of the terminal",
    )
    @click.option(
        "--at", "at", metavar="INSTANT", help="judge deadlines at this ISO instant (default now)"
    )
    @store_option
    @json_option
    @click.pass_obj
    def report(
        settings: _Settings,
        since: str | None,
        until: str | None,
        days: int | None,
        tz: str | None,
        output: str,
        out: Path | None,
        at: str | None,
        store: str | None,
        as_json: bool,
    ) -> int:
        """Report on a period: volumes, NPS/CSAT/CES trends, sentiment, themes, service levels,
        loop closure, listening health, ideas and the cost of recovery.

        The HTML format (extra "report") is one self-contained file with charts.
        """
        from clientvoice.reports import (
            build_report,
            print_report,
            to_html,
            to_json,
            to_markdown,
            to_text,
        )

        output = "json" if as_json else output
        zone_name = tz or settings.timezone
        start, end = _period(since, until, days, zone_name)
        now = _instant(at, "--at") or datetime.now(timezone.utc)
        with (
            _listener(settings, store) as listener,
            _progress(as_json) as progress,
            progress.spinner("building the report"),
        ):
            built = build_report(listener.store, start, end, zone_name, now)
        if output == "text" and out is None:
            print_report(built, _console())
            return EXIT_OK
        render: dict[str, Callable[[Any], str]] = {
            "text": lambda r: to_text(r),
            "json": to_json,
            "md": to_markdown,
            "html": to_html,
        }
        text = render[output](built)
        if out is None:
            click.echo(text, nl=not text.endswith("\n"))
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
            click.echo(f"report written to {out}", err=True)
        return EXIT_OK

    @cli.command(
        epilog=examples(
            "clientvoice export feedback --out feedback.csv",
            "clientvoice export cases --days 30 --out cases.csv",
        )
    )
    @click.argument("what", type=click.Choice(["feedback", "cases"]))
    @_period_options
    @click.option(
        "--out",
        type=click.Path(path_type=Path, dir_okay=False),
        help="file to write (default: standard output)",
    )
    @store_option
    @click.pass_obj
    def export(
        settings: _Settings,
        what: str,
        since: str | None,
        until: str | None,
        days: int | None,
        tz: str | None,
        out: Path | None,
        store: str | None,
    ) -> int:
        """Export feedback or cases as CSV, safe to open in a spreadsheet.

        Cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
        carriage return) are written with a leading apostrophe.
        """
        from clientvoice.reports import export_cases, export_feedback

        start, end = _period(since, until, days, tz or settings.timezone)
        writer = export_feedback if what == "feedback" else export_cases
        with _listener(settings, store) as listener:
            if out is None:
                rows = writer(listener.store, sys.stdout, since=start, until=end)
            else:
                rows = writer(listener.store, out, since=start, until=end)
                click.echo(f"{rows} rows written to {out}", err=True)
        return EXIT_OK

    @cli.command(
        "dead-letters",
        epilog=examples(
            "clientvoice dead-letters --json", "clientvoice dead-letters --source tickets.csv"
        ),
    )
    @click.option("--source", help="only rejections from this source (a file path)")
    @store_option
    @json_option
    @click.pass_obj
    def dead_letters(
        settings: _Settings, source: str | None, store: str | None, as_json: bool
    ) -> int:
        """List what was rejected, with the source, line, field and reason."""
        with _listener(settings, store) as listener:
            rejections = listener.dead_letters(source=source)
        if as_json:
            _print_json([dump(r) for r in rejections])
        else:
            for rejection in rejections:
                click.echo(str(rejection))
            click.echo(f"{len(rejections)} rejected")
        return EXIT_OK

    @cli.command(epilog=examples("clientvoice plugins", "clientvoice plugins --json"))
    @json_option
    def plugins(as_json: bool) -> int:
        """List every plugin a Listener loads, where it came from, its hooks and what it gives."""
        from clientvoice.listener import Listener

        with Listener() as listener:
            infos = listener.plugin_info()
            registries = {
                "channel": listener.channels,
                "analyzer": listener.analyzers,
                "survey backend": listener.survey_backends,
            }
            provided: dict[str, list[str]] = {}
            for kind, registry in registries.items():
                for entry in registry.entries():  # type: ignore[attr-defined]
                    note = f" (overrides {', '.join(entry.overrides)})" if entry.overrides else ""
                    provided.setdefault(entry.plugin, []).append(f"{kind} {entry.name}{note}")
        if as_json:
            _print_json([{**dump(info), "provides": provided.get(info.name, [])} for info in infos])
            return EXIT_OK
        for info in infos:
            click.echo(f"{info.name}  [{info.source}]  {info.version or '-'}")
            click.echo(f"    hooks: {', '.join(info.hooks) or '-'}")
            if provided.get(info.name):
                click.echo(f"    provides: {', '.join(provided[info.name])}")
        return EXIT_OK

    @cli.command(
        epilog=examples("clientvoice demo", "clientvoice demo --records 1000 --out /tmp/demo")
    )
    @click.option(
        "--records",
        default=5_000,
        show_default=True,
        type=click.IntRange(min=1),
        help="how many records",
    )
    @click.option("--seed", default=7, show_default=True, help="random seed of the generator")
    @click.option(
        "--out",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("demo-output"),
        show_default=True,
        help="output folder",
    )
    def demo(records: int, seed: int, out: Path) -> int:
        """Run the whole listening loop on generated data, then print the report.

        Writes OUT/clientvoice.db, OUT/outbox/*.eml and OUT/report.html.
        """
        from clientvoice.demo import run

        run(out, records=records, seed=seed)
        return EXIT_OK

    return cli


# --------------------------------------------------------------------------------------------
# Helpers

_DONE = {"acknowledge": "acknowledged", "resolve": "resolved", "inform": "informed"}


class _Settings:
    """The config file's settings, with the store URL chosen by precedence."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def store(self, option: str | None) -> str:
        configured = self.values.get("store")
        return str(option or os.environ.get(STORE_ENV) or configured or DEFAULT_STORE)

    @property
    def timezone(self) -> str:
        return str(self.values.get("timezone") or "UTC")

    @property
    def phone_region(self) -> str | None:
        region = self.values.get("phone_region")
        return None if region is None else str(region)


def _listener(settings: _Settings, store: str | None) -> Listener:
    from clientvoice.listener import Listener

    return Listener.open(settings.store(store), phone_region=settings.phone_region)


def _examples(*lines: str) -> str:
    """An epilog of examples; click keeps the lines as they are after a \\b marker."""
    return "\b\nexamples:\n" + "\n".join(f"  {line}" for line in lines)


def _period_options(function: Callable[..., Any]) -> Callable[..., Any]:
    import click

    for option in reversed(
        (
            click.option("--since", metavar="DATE", help="from this date or ISO instant"),
            click.option("--until", metavar="DATE", help="up to this date or instant (excluded)"),
            click.option(
                "--days", type=click.IntRange(min=1), help="the last N days before --until (or now)"
            ),
            click.option(
                "--tz",
                metavar="ZONE",
                help="time zone of dates and trends (default: config or UTC)",
            ),
        )
    ):
        function = option(function)
    return function


def _period(
    since: str | None, until: str | None, days: int | None, zone_name: str
) -> tuple[datetime | None, datetime | None]:
    """``[since, until)`` from the options: dates are midnights in the zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    import click

    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(
            f"{zone_name!r} is not a known time zone (e.g. Europe/Madrid)", param_hint="--tz"
        ) from None
    start = _moment(since, "--since", zone)
    end = _moment(until, "--until", zone)
    if days is not None:
        if start is not None and end is not None:
            raise click.UsageError("give at most two of --since, --until and --days")
        if start is not None:
            end = start + timedelta(days=days)
        else:
            end = end or datetime.now(timezone.utc)
            start = end - timedelta(days=days)
    if start is not None and end is not None and end <= start:
        raise click.BadParameter("must be after --since", param_hint="--until")
    return start, end


def _moment(value: str | None, option: str, zone: Any) -> datetime | None:
    import click

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), time())
        except ValueError:
            raise click.BadParameter(
                f"{value!r}: write a date (2026-03-01) or an ISO instant", param_hint=option
            ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def _instant(value: str | None, option: str) -> datetime | None:
    import click

    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 instant with an offset (e.g. 2026-03-02T10:00:00+01:00)",
            param_hint=option,
        )
    return parsed


def _open_deadlines(case: Case) -> Iterator[tuple[str, datetime]]:
    if not case.is_open:
        return
    for deadline, done in _DONE.items():
        due = getattr(case, f"{deadline}_due_at")
        if due is not None and getattr(case, f"{done}_at") is None:
            yield deadline, due


def _due_soon(case: Case, now: datetime, within: timedelta) -> bool:
    return any(now <= due < now + within for _, due in _open_deadlines(case))


def _broken(case: Case, now: datetime) -> bool:
    return bool(case.breaches) or any(due < now for _, due in _open_deadlines(case))


def _cases_table(cases: Sequence[Case], now: datetime, total: int) -> None:
    from rich.table import Table

    table = Table(
        title=f"{total} cases" + (f" (showing {len(cases)})" if total > len(cases) else ""),
        title_justify="left",
    )
    table.add_column("case", no_wrap=True)  # whole, to copy into `clientvoice cases show`
    for column in ("stage", "priority", "team", "opened", "next promise", "broken"):
        table.add_column(column, overflow="fold")
    for case in cases:
        upcoming = sorted(_open_deadlines(case), key=lambda item: item[1])
        promise = f"{upcoming[0][0]} {_when(upcoming[0][1])}" if upcoming else "-"
        if upcoming and upcoming[0][1] < now:
            promise += " (overdue)"
        table.add_row(
            case.id,
            case.stage.value,
            case.priority.value,
            case.team or "-",
            _when(case.opened_at),
            promise,
            " ".join(case.breaches) or "-",
        )
    _console().print(table)


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else "-"


def _console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 160  # a file or a pipe: wide rows rather than wrapped cells
    return console


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _lines(path: Path) -> int | None:
    """How many lines the file has (the progress bar's total), or None if it cannot be read."""
    try:
        with path.open("rb") as file:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))
    except OSError:
        return None


class _Progress:
    """Progress bars and spinners on standard error, shown only on a terminal."""

    def __init__(self, quiet: bool) -> None:
        from rich.progress import Progress

        console = _console(stderr=True)
        self.progress = Progress(
            console=console, transient=True, disable=quiet or not console.is_terminal
        )

    def __enter__(self) -> _Progress:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def track(self, items: Any, total: int | None, description: str) -> Iterator[Any]:
        task = self.progress.add_task(description, total=total)
        for item in items:
            yield item
            self.progress.advance(task)

    def spinner(self, description: str) -> _Spinner:
        return _Spinner(self.progress, description)


class _Spinner:
    """A task without a total, removed when the work is done."""

    def __init__(self, progress: Any, description: str) -> None:
        self.progress = progress
        self.description = description
        self.task: Any = None

    def __enter__(self) -> None:
        self.task = self.progress.add_task(self.description, total=None)

    def __exit__(self, *exc_info: object) -> None:
        self.progress.remove_task(self.task)


def _progress(quiet: bool) -> _Progress:
    return _Progress(quiet)


def _parse_toml(text: str) -> dict[str, Any]:
    """TOML with tomllib (Python 3.11+), else tomli if installed, else the small subset of
    :func:`_parse_simple_toml`."""
    if sys.version_info >= (3, 11):
        import tomllib

        reader: Any = tomllib
    else:  # Python 3.10
        try:
            import tomli as reader  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            return _parse_simple_toml(text)
    try:
        loaded: dict[str, Any] = reader.loads(text)
    except reader.TOMLDecodeError as error:
        raise ValueError(str(error)) from None
    return loaded


def _parse_simple_toml(text: str) -> dict[str, Any]:
    """The subset of TOML a clientvoice.toml needs: ``[tables]``, and ``key = value`` lines with
    quoted strings without escapes, integers, floats and booleans; comments and blank lines
    are skipped.

    :raises ValueError: naming the line that is not in this subset.
    """
    result: dict[str, Any] = {}
    table = result
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            table = result
            for part in line[1:-1].strip().split("."):
                table = table.setdefault(part.strip(), {})
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"line {number}: expected key = value")
        table[key.strip().strip('"')] = _toml_value(value.strip(), number)
    return result


def _toml_value(value: str, number: int) -> Any:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    if value.startswith(('"', "'")):
        quote = value[0]
        end = value.find(quote, 1)
        if end > 0 and value[end + 1 :].strip().startswith("#"):
            return value[1:end]
        raise ValueError(f"line {number}: unterminated string")
    value = value.split("#", 1)[0].strip()
    if value in ("true", "false"):
        return value == "true"
    for kind in (int, float):
        try:
            return kind(value.replace("_", ""))
        except ValueError:
            pass
    raise ValueError(f"line {number}: cannot read value {value!r}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
