"""PostgreSQL: ingestion against a raw COPY of the same rows, and worker throughput.

*Ingestion.* ``RECORDS`` (100,000 x scale) records from :mod:`clientvoice.demodata` are parsed
into heard items first (not timed). *Ours*: ``PostgresStore.ingest`` of those items in batches of
5,000, with the events the listener stores with each (``feedback.received``), into a fresh
database: it checks for duplicates, resolves customers by contact point, COPYs each table into a
staging table and inserts from there with ``ON CONFLICT DO NOTHING``. *Floor*: a raw psycopg
``COPY`` of exactly the rows ours stored (customers, contact points, interactions, feedback,
events) straight into the same tables of another fresh database, in one transaction per batch:
what writing those rows costs with no checks at all. Ratio = our time / floor time.

*Workers.* ``CASES`` (20,000 x scale) complaints are ingested with the default service levels, so
each case has four timers (acknowledge and resolve, a warning and a breach each). A clock two
weeks later makes every timer due. For 1, 2 and 4 worker processes (each
:func:`clientvoice.workers.run_worker` on its own copy of the database), the time from "go" until
no due timer is left gives cases ticked per second (every case is breached twice and escalated
twice, with its events). The machine's core count bounds what more workers can add.

The benchmark starts its own PostgreSQL from the machine's binaries
(:class:`clientvoice.testing.postgres.PostgresServer`). Run
``python benchmarks/bench_postgres.py [scale]`` or ``python benchmarks/run.py --only postgres``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _table import Row, format_table  # noqa: E402

RECORDS = 100_000
CASES = 20_000
BATCH = 5000
SEED = 7
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
LATER = T0 + timedelta(days=14)
WORKERS = (1, 2, 4)


def run(scale: float) -> list[Row]:
    """Both measurements at ``scale``; rows for the table of ``run.py``."""
    from clientvoice.testing.postgres import PostgresNotFound, PostgresServer

    try:
        server = PostgresServer.start()
    except PostgresNotFound as error:
        return [Row(name="postgres", ours=0.0, unit="-", note=f"skipped: {error}")]
    with server:
        return _ingestion(server, max(1000, int(RECORDS * scale))) + _workers(
            server, max(500, int(CASES * scale))
        )


# --------------------------------------------------------------------------------------------
# Ingestion


def _ingestion(server: Any, count: int) -> list[Row]:
    import json
    import tempfile

    import psycopg

    from clientvoice import Listener
    from clientvoice.channels.records import parse_record
    from clientvoice.demodata import write_jsonl
    from clientvoice.errors import ValidationError
    from clientvoice.stores.postgres import PostgresStore

    listener = Listener(autoload=False)
    items = []
    with tempfile.TemporaryDirectory(prefix="clientvoice-bench-") as folder:
        path = Path(folder) / "feedback.jsonl"
        write_jsonl(path, count, seed=SEED)
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                items.append(listener._with_external_id(parse_record(json.loads(line))))
            except (ValueError, ValidationError):
                continue  # the demo data holds some broken records on purpose
    batches = [items[start : start + BATCH] for start in range(0, len(items), BATCH)]
    events_for = listener._events_for

    with PostgresStore(server.create_database("ingest_ours")) as store:
        started = time.perf_counter()
        stored = [store.ingest(batch, events_for=events_for).stored for batch in batches]
        ours = time.perf_counter() - started
        counts = store.counts()

    # The floor writes exactly the rows ours wrote, through bare COPY.
    from clientvoice._codec import to_utc_text
    from clientvoice.stores.postgres import _EVENT_COLUMNS, _INTERACTION_COLUMNS
    from clientvoice.stores.sqlite import (
        _customer_row,
        _event_row,
        _feedback_row,
        _interaction_row,
    )

    url = server.create_database("ingest_floor")
    PostgresStore(url).close()  # the same schema, migrated
    tables: list[list[tuple[str, str, list[tuple[Any, ...]]]]] = []
    seen: set[str] = set()
    for batch in stored:
        customers, points, interactions, feedback, events = [], [], [], [], []
        for item in batch:
            occurred = item.interaction.occurred_at
            when = to_utc_text(occurred)
            customer = item.customer
            if item.interaction.customer_id not in seen:
                seen.add(item.interaction.customer_id)
                customers.append(_customer_row(customer, customer.created_at or occurred))
                points.extend(
                    (p.channel, p.value, customer.id, n) for n, p in enumerate(customer.contacts)
                )
            interactions.append(_interaction_row(item.interaction, when))
            if item.feedback is not None:
                feedback.append(_feedback_row(item.feedback, occurred, when))
            events.extend(_event_row(e, occurred, when) for e in events_for(item))
        tables.append(
            [
                ("customers", "", customers),
                ("contact_points", "", points),
                ("interactions", f"({_INTERACTION_COLUMNS})", interactions),
                ("feedback", "", feedback),
                ("events", f"({_EVENT_COLUMNS})", events),
            ]
        )
    with psycopg.connect(url) as connection:
        started = time.perf_counter()
        for batch_tables in tables:
            with connection.transaction(), connection.cursor() as cursor:
                for table, columns, rows in batch_tables:
                    with cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
        floor = time.perf_counter() - started
        floor_counts = {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            for table in ("customers", "interactions", "feedback", "events")
        }
    same = all(counts[table] == n for table, n in floor_counts.items())
    return [
        Row(
            name=f"ingest {count:,} records -> PostgreSQL",
            ours=count / ours,
            unit="rec/s",
            floor=count / floor,
            ratio=ours / floor,
            note=(
                f"ours {ours:.2f} s (PostgresStore.ingest, batches of {BATCH:,}), floor "
                f"{floor:.2f} s (raw psycopg COPY of the same rows); ratio = our time / floor "
                f"time; {'same' if same else 'DIFFERENT'} row counts: "
                + ", ".join(f"{table} {n:,}" for table, n in floor_counts.items())
            ),
        )
    ]


# --------------------------------------------------------------------------------------------
# Workers


def _workers(server: Any, count: int) -> list[Row]:
    from clientvoice import Listener
    from clientvoice.clock import ManualClock

    template = "workers_template"
    url = server.create_database(template)
    with Listener.open(url, autoload=False, clock=ManualClock(T0)) as listener:
        listener.ingest(
            (
                {
                    "external_id": f"w{n}",
                    "occurred_at": (T0 + timedelta(seconds=n % 3600)).isoformat(),
                    "customer": {"email": f"customer{n}@example.com"},
                    "text": "The parcel never arrived",
                    "kind": "complaint",
                }
                for n in range(count)
            ),
            channel="web",
        )
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")  # every copy starts with the same statistics
    rows: list[Row] = []
    rates: dict[int, float] = {}
    for workers in WORKERS:
        copy = server.create_database(f"workers_{workers}", template=template)
        seconds = _run_workers(copy, workers)
        rates[workers] = count / seconds
        rows.append(
            Row(
                name=f"workers x{workers}: cases ticked",
                ours=rates[workers],
                unit="cases/s",
                ratio=rates[workers] / rates[1],
                note=(
                    f"{count:,} overdue cases, 4 timers each, {seconds:.2f} s until none was "
                    f"left; ratio = speed-up over 1 worker; {os.cpu_count()} CPU cores"
                ),
            )
        )
    return rows


def _run_workers(url: str, workers: int) -> float:
    import psycopg

    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for process in processes:  # wait until every worker is ready
        assert process.stdout is not None
        process.stdout.readline()
    with psycopg.connect(url, autocommit=True) as connection:
        started = time.perf_counter()
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        while connection.execute(
            "SELECT 1 FROM timers WHERE fired_at IS NULL AND NOT cancelled AND due_at <= %s "
            "LIMIT 1",
            (LATER.isoformat(timespec="microseconds"),),
        ).fetchone():
            time.sleep(0.02)
        seconds = time.perf_counter() - started
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.communicate(timeout=60)
    return seconds


def _worker(url: str) -> None:
    import threading

    from clientvoice import Listener
    from clientvoice.clock import ManualClock
    from clientvoice.workers import run_worker

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with Listener.open(url, autoload=False, clock=ManualClock(LATER)) as listener:
        print("ready", flush=True)
        sys.stdin.readline()
        run_worker(listener, stop_event=stop, poll_interval=0.01, batch_size=200)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2])
    else:
        print(format_table(run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
