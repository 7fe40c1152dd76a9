"""The ``clientvoice`` command: ingest files, look at dead letters and plugins, run the demo.

The store comes from ``--store``, else the ``CLIENTVOICE_STORE`` environment variable, else
``sqlite:///clientvoice.db`` in the current folder.

Exit codes: 0 success; 1 an error (the message says what to do); 2 a usage error; 3 the command
worked but rejected some input (see ``clientvoice dead-letters``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from clientvoice._codec import dump
from clientvoice._version import __version__
from clientvoice.errors import ClientVoiceError
from clientvoice.hookspecs import hookimpl

__all__ = ["STORE_ENV", "main"]

STORE_ENV = "CLIENTVOICE_STORE"
DEFAULT_STORE = "sqlite:///clientvoice.db"

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REJECTED = 0, 1, 2, 3


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except ClientVoiceError as error:
        print(f"clientvoice: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("clientvoice: interrupted", file=sys.stderr)
        return 130


# --------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clientvoice",
        description="Listen to your customers: hear feedback on every channel and keep it.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "examples:\n"
            "  clientvoice demo\n"
            "  clientvoice ingest tickets.csv --map text=Description \\\n"
            "      --map external_id='Ticket ID'\n"
            "  clientvoice dead-letters --json\n"
            "  clientvoice tick\n"
            "  clientvoice simulate --days 30\n"
            "  clientvoice plugins\n"
            f"\nthe store: --store URL, or ${STORE_ENV}, or {DEFAULT_STORE}"
        ),
    )
    parser.add_argument("--version", action="version", version=f"clientvoice {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="run the listening loop on generated data and print a summary",
        description="Generate realistic feedback, ingest it into a fresh SQLite file, summarise.",
    )
    demo.add_argument("--records", type=int, default=5_000, help="how many records (5000)")
    demo.add_argument("--seed", type=int, default=7, help="random seed of the generator (7)")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    demo.set_defaults(handler=_demo)

    ingest = commands.add_parser(
        "ingest",
        help="ingest a CSV or JSONL file",
        description="Stream a CSV or JSONL file into the store; bad rows go to the dead letters.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "examples:\n"
            "  clientvoice ingest export.jsonl\n"
            "  clientvoice ingest reviews.csv --channel review \\\n"
            "      --map text=Comment --map csat=Stars --map occurred_at=Date \\\n"
            "      --map customer.email=Email --map external_id=ReviewId"
        ),
    )
    ingest.add_argument("file", type=Path, help="the file to read")
    ingest.add_argument("--format", choices=["csv", "jsonl"], help="default: from the suffix")
    ingest.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="fill record FIELD from source COLUMN (repeatable)",
    )
    ingest.add_argument("--channel", help="channel of rows that name none (e.g. email)")
    ingest.add_argument("--delimiter", default=",", help="CSV delimiter (,)")
    _store_options(ingest)
    ingest.set_defaults(handler=_ingest)

    letters = commands.add_parser(
        "dead-letters",
        help="list rejected input with the reason",
        description="List what was rejected, with the source, line, field and reason.",
    )
    letters.add_argument("--source", help="only rejections from this source (a file path)")
    _store_options(letters)
    letters.set_defaults(handler=_dead_letters)

    tick = commands.add_parser(
        "tick",
        help="do the workflow's due work now: warnings, breaches, escalations, messages",
        description=(
            "Open cases for new feedback, fire due service-level timers (warnings, breaches and "
            "their escalations, follow-ups) and send due messages. Run it every minute from "
            "cron or a worker; running it twice at once, or twice in a row, is safe."
        ),
    )
    tick.add_argument("--at", help="the instant to tick at (ISO 8601 with offset; default now)")
    _store_options(tick)
    tick.set_defaults(handler=_tick)

    simulate = commands.add_parser(
        "simulate",
        help="simulate weeks of feedback and casework on a fresh store, in seconds",
        description=(
            "Play generated feedback over DAYS simulated days into a fresh SQLite file while a "
            "simulated team works the cases; the engine's real deadlines, warnings, breaches "
            "and escalations follow. Messages to customers are written to OUT/outbox."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "examples:\n  clientvoice simulate --days 30\n  clientvoice simulate --days 7 --json"
        ),
    )
    simulate.add_argument("--days", type=int, default=30, help="how many days (30)")
    simulate.add_argument("--records", type=int, default=2_000, help="feedback to play (2000)")
    simulate.add_argument("--seed", type=int, default=7, help="random seed (7)")
    simulate.add_argument("--out", type=Path, default=Path("simulation-output"), help="folder")
    simulate.add_argument("--json", action="store_true", help="print JSON for machines")
    simulate.set_defaults(handler=_simulate)

    plugins = commands.add_parser(
        "plugins",
        help="list loaded plugins, their versions and hooks",
        description="List every plugin a Listener loads, where it came from and its hooks.",
    )
    _store_options(plugins, store=False)
    plugins.set_defaults(handler=_plugins)
    return parser


def _store_options(parser: argparse.ArgumentParser, *, store: bool = True) -> None:
    if store:
        parser.add_argument("--store", help=f"store URL (default: ${STORE_ENV} or {DEFAULT_STORE})")
    parser.add_argument("--json", action="store_true", help="print JSON for machines")


def _store_url(args: argparse.Namespace) -> str:
    return str(args.store or os.environ.get(STORE_ENV) or DEFAULT_STORE)


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _demo(args: argparse.Namespace) -> int:
    from clientvoice.demo import run

    if args.records < 1:
        print("clientvoice: error: --records must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    run(args.out, records=args.records, seed=args.seed)
    return EXIT_OK


def _ingest(args: argparse.Namespace) -> int:
    from clientvoice.listener import Listener

    mapping: dict[str, str] = {}
    for item in args.map:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            print(f"clientvoice: error: --map {item!r}: write FIELD=COLUMN", file=sys.stderr)
            return EXIT_USAGE
        mapping[field.strip()] = column.strip()
    with Listener.open(_store_url(args)) as listener:
        report = listener.ingest_file(
            args.file,
            format=args.format,
            mapping=mapping or None,
            channel=args.channel,
            delimiter=args.delimiter,
        )
    if args.json:
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
        print(report)
        for rejection in report.rejected[:10]:
            print(f"  rejected {rejection}")
        if len(report.rejected) > 10:
            print(f"  ... and {len(report.rejected) - 10} more: clientvoice dead-letters")
    return EXIT_REJECTED if report.rejected else EXIT_OK


def _dead_letters(args: argparse.Namespace) -> int:
    from clientvoice.listener import Listener

    with Listener.open(_store_url(args)) as listener:
        rejections = listener.dead_letters(source=args.source)
    if args.json:
        _print_json([dump(r) for r in rejections])
    else:
        for rejection in rejections:
            print(rejection)
        print(f"{len(rejections)} rejected")
    return EXIT_OK


def _tick(args: argparse.Namespace) -> int:
    from clientvoice.listener import Listener

    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            at = None
        if at is None or at.tzinfo is None:
            print(
                f"clientvoice tick: --at {args.at!r} is not an ISO 8601 instant with an offset",
                file=sys.stderr,
            )
            return EXIT_USAGE
    with Listener.open(_store_url(args)) as listener:
        report = listener.tick(at)
    if args.json:
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
        print(report)
    return EXIT_OK


def _simulate(args: argparse.Namespace) -> int:
    from clientvoice.channels.outbox import OutboxChannel
    from clientvoice.clock import ManualClock
    from clientvoice.demodata import DEFAULT_START
    from clientvoice.listener import Listener
    from clientvoice.simulation import simulate
    from clientvoice.stores import SQLiteStore

    if args.days < 1 or args.records < 0:
        print("clientvoice simulate: --days must be >= 1 and --records >= 0", file=sys.stderr)
        return EXIT_USAGE
    args.out.mkdir(parents=True, exist_ok=True)
    database = args.out / "simulation.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)

    class Outbox:
        @hookimpl
        def clientvoice_register_channels(self, register: Any) -> None:
            register(OutboxChannel("email", args.out / "outbox"))

    with Listener(
        SQLiteStore(database), plugins=[Outbox()], clock=ManualClock(DEFAULT_START)
    ) as listener:
        report = simulate(listener, days=args.days, records=args.records, seed=args.seed)
    if args.json:
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
        print("\n".join(report.lines()))
        print(f"database: {database}")
    return EXIT_OK


def _plugins(args: argparse.Namespace) -> int:
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
    if args.json:
        _print_json([{**dump(info), "provides": provided.get(info.name, [])} for info in infos])
        return EXIT_OK
    for info in infos:
        version = info.version or "-"
        print(f"{info.name}  [{info.source}]  {version}")
        print(f"    hooks: {', '.join(info.hooks) or '-'}")
        if provided.get(info.name):
            print(f"    provides: {', '.join(provided[info.name])}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
