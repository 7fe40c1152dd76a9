"""Ingest a JSONL feedback export into a fresh SQLite file, against the floor.

*Ours* is the real path: ``Listener.open("sqlite:///...").ingest_file(path)`` (parsing, strict
validation, models, idempotency check, customer resolution, one ``feedback.received`` event per
feedback, all in one transaction per batch). It hears without opening cases
(``CasePolicy.never()``), since the floor writes none; opening cases is measured by
``bench_tick.py``.

The *floor* is the least Python that writes the same rows: ``json.loads`` per line and
``sqlite3.executemany`` of rows built straight from the dicts (the same ids, UTC timestamps,
customers, contact points, interactions, feedback and events), in transactions of the same batch
size, into a second fresh file whose schema (and connection settings) a ``SQLiteStore`` created.
It validates nothing and never looks anything up in the database.

Each side runs in its own fresh subprocess, one after the other on the same data, so the peak RSS
of ours is measured alone (``ru_maxrss``).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _table import Row  # noqa: E402

RECORDS = 1_000_000
SEED = 1
BATCH = 5000  # Listener's default batch_size
TARGET_RATE = 100_000.0
TARGET_RATIO = 2.0
TARGET_RSS_MB = 300.0
TABLES = ("customers", "contact_points", "interactions", "feedback", "events", "rejections")


def run(scale: float) -> list[Row]:
    count = max(1000, int(RECORDS * scale))
    with tempfile.TemporaryDirectory(prefix="clientvoice-bench-") as folder:
        data = Path(folder) / "feedback.jsonl"
        from clientvoice.demodata import write_jsonl

        written = write_jsonl(data, count, seed=SEED)
        floor = _child("floor", data, Path(folder) / "floor.db")
        ours = _child("ours", data, Path(folder) / "ours.db")

    label = _short(written)
    rate_ours = written / ours["seconds"]
    rate_floor = written / floor["seconds"]
    ratio = ours["seconds"] / floor["seconds"]
    rate_met = rate_ours >= TARGET_RATE
    ratio_met = ratio <= TARGET_RATIO
    notes = [
        f"{written:,} records from clientvoice.demodata (seed {SEED}); "
        f"ours {ours['seconds']:.1f} s, "
        f"floor {floor['seconds']:.1f} s; ratio = our time / floor time"
    ]
    if not rate_met:
        notes.append(f"absolute target missed ({rate_ours:,.0f} < {TARGET_RATE:,.0f} rec/s)")
    if not ratio_met:
        notes.append(f"ratio target missed ({ratio:.2f}x > {TARGET_RATIO:.1f}x)")
    if ours["counts"] != floor["counts"]:
        notes.append(f"ROW COUNTS DIFFER: ours {ours['counts']}, floor {floor['counts']}")
    else:
        notes.append(
            "same row counts in both files: "
            + ", ".join(f"{table} {n:,}" for table, n in ours["counts"].items())
        )
    rss = ours["max_rss_mb"]
    return [
        Row(
            name=f"ingest {label} JSONL -> SQLite",
            ours=rate_ours,
            unit="rec/s",
            floor=rate_floor,
            ratio=ratio,
            target=f">= {TARGET_RATE / 1000:,.0f}k rec/s and <= {TARGET_RATIO:.1f}x floor",
            met=rate_met and ratio_met,
            note="; ".join(notes),
        ),
        Row(
            name=f"ingest {label}: peak RSS",
            ours=rss,
            unit="MB",
            floor=floor["max_rss_mb"],
            ratio=rss / floor["max_rss_mb"],
            target=f"< {TARGET_RSS_MB:,.0f} MB",
            met=rss < TARGET_RSS_MB,
            note="ru_maxrss of a fresh subprocess that does only the ingestion",
        ),
    ]


def _short(count: int) -> str:
    if count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count % 1000 == 0:
        return f"{count // 1000}k"
    return f"{count:,}"


# --------------------------------------------------------------------------------------------
# The children


def _child(side: str, data: Path, database: Path) -> dict[str, Any]:
    """Run one side in a fresh interpreter, then delete its database; each side starts with the
    other's writes flushed (os.sync), so neither pays for the other's disk writes."""
    os.sync()
    done = subprocess.run(
        [sys.executable, __file__, side, str(data), str(database)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    return result


def _ours(data: Path, database: Path) -> None:
    from clientvoice import CasePolicy, Listener

    # Hearing only: the floor writes no cases, so ours opens none either (the cost of opening
    # cases is measured by bench_tick.py).
    with Listener.open(
        f"sqlite:///{database}", batch_size=BATCH, case_policy=CasePolicy.never()
    ) as listener:
        report = listener.ingest_file(data)
    if report.stored + report.duplicates + len(report.rejected) != report.received:
        raise SystemExit(f"inconsistent report: {report}")


def _floor(data: Path, database: Path) -> None:
    from datetime import datetime, timezone
    from hashlib import blake2b

    from clientvoice.models import normalize_contact
    from clientvoice.stores.sqlite import SQLiteStore

    loads, dumps = json.loads, json.dumps
    fromiso, utc = datetime.fromisoformat, timezone.utc

    def sid(prefix: str, *parts: str) -> str:
        return prefix + "_" + blake2b("\x1f".join(parts).encode(), digest_size=10).hexdigest()

    store = SQLiteStore(database)  # the schema, and the store's connection settings
    connection = store._connection()
    by_email: dict[str, str] = {}  # raw e-mail -> the customer id its record resolves to
    owners: dict[tuple[str, str], str] = {}  # contact point -> customer id

    def customer_of(customer: dict[str, Any], when: str, batch: tuple[list[Any], ...]) -> str:
        """The id a customer description resolves to (same rules as the store: the first
        contact point names it; a known contact point means a known customer)."""
        points = [("email", normalize_contact("email", customer["email"]))]
        if customer.get("phone"):
            points.append(("phone", normalize_contact("phone", customer["phone"])))
        for channel, value in (customer.get("contacts") or {}).items():
            points.append((channel, normalize_contact(channel, value)))
        customer_id = sid("cus", *points[0])
        for point in points:
            if point in owners:
                return owners[point]
        consents = customer.get("consents") or {}
        batch[0].append(
            (
                customer_id,
                customer.get("name") or "",
                customer.get("preferred_name"),
                customer.get("kind", "external"),
                customer.get("language", "en"),
                customer.get("timezone", "UTC"),
                dumps(sorted(customer.get("segments", ())), ensure_ascii=False),
                dumps(customer.get("memberships") or {}, ensure_ascii=False),
                int(consents.get("contact", True)),
                int(consents.get("surveys", False)),
                when,
            )
        )
        for position, point in enumerate(points):
            owners[point] = customer_id
            batch[1].append((*point, customer_id, position))
        return customer_id

    def write(batch: tuple[list[Any], ...]) -> None:
        customers, points, interactions, feedback, events = batch
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT OR IGNORE INTO customers VALUES (?,?,?,?,?,?,?,?,?,?,?)", customers
        )
        connection.executemany("INSERT OR IGNORE INTO contact_points VALUES (?,?,?,?)", points)
        connection.executemany(
            "INSERT OR IGNORE INTO interactions VALUES (?,?,?,?,?,?,?,?,?,?,?)", interactions
        )
        connection.executemany(
            "INSERT OR IGNORE INTO feedback VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", feedback
        )
        connection.executemany(
            "INSERT OR IGNORE INTO events (id, type, occurred_at, actor, customer_id, case_id, "
            "feedback_id, reason, data) VALUES (?,?,?,?,?,?,?,?,?)",
            events,
        )
        connection.execute("COMMIT")

    batch: tuple[list[Any], ...] = ([], [], [], [], [])
    lines = 0
    with data.open("rb") as handle:
        for line in handle:
            lines += 1
            try:
                record = loads(line)
                channel = record["channel"]
                external_id = record["external_id"]
                when = fromiso(record["occurred_at"]).astimezone(utc)
                when = when.isoformat(timespec="microseconds")
                customer = record["customer"]
                customer_id = by_email.get(customer["email"])
                if customer_id is None:
                    customer_id = by_email[customer["email"]] = customer_of(customer, when, batch)
                interaction_id = sid("int", channel, external_id)
                text = record.get("text", "")
                kind = record.get("kind")
                follow_up = record.get("follow_up_requested", False)
                metadata = record.get("metadata")
                batch[2].append(
                    (
                        interaction_id,
                        customer_id,
                        channel,
                        external_id,
                        when,
                        record.get("direction", "inbound"),
                        record.get("subject"),
                        text,
                        record.get("agent"),
                        record.get("thread_id"),
                        dumps(metadata, ensure_ascii=False, separators=(",", ":"))
                        if metadata
                        else None,
                    )
                )
                feedback_id = sid("fb", channel, external_id)
                batch[3].append(
                    (
                        feedback_id,
                        customer_id,
                        interaction_id,
                        when,
                        text,
                        kind,
                        record.get("language"),
                        record.get("nps"),
                        record.get("csat"),
                        record.get("ces"),
                        int(follow_up),
                        None,
                    )
                )
                batch[4].append(
                    (
                        sid("ev", feedback_id, "received"),
                        "feedback.received",
                        when,
                        channel,
                        customer_id,
                        None,
                        feedback_id,
                        None,
                        dumps(
                            {"channel": channel, "kind": kind, "follow_up_requested": follow_up},
                            ensure_ascii=False,
                            separators=(",", ":"),
                        ),
                    )
                )
            except (ValueError, KeyError, TypeError, AttributeError):
                pass  # a line the floor does not understand (ours rejects it)
            if lines % BATCH == 0:
                write(batch)
                batch = ([], [], [], [], [])
    if batch[2]:
        write(batch)
    store.close()


def _counts(database: Path) -> dict[str, int]:
    import sqlite3

    connection = sqlite3.connect(database)
    try:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in TABLES
            if table != "rejections"
        }
    finally:
        connection.close()


def _child_main(side: str, data: Path, database: Path) -> None:
    started = time.perf_counter()
    (_ours if side == "ours" else _floor)(data, database)
    seconds = time.perf_counter() - started
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "max_rss_mb": max_rss_mb,
                "counts": _counts(database),
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] in ("ours", "floor"):
        _child_main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        from _table import format_table

        print(format_table(run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
