"""Many worker processes on one PostgreSQL store, one of them killed mid-run.

4 worker processes (``_worker.py``) work through 20 000 cases whose deadlines all pass during
the run, while the cases are still being ingested in waves; one worker is killed with SIGKILL
and a new one started. Afterwards every breach and escalation happened exactly once, every event
was delivered at least once (the workers' hook counts deliveries by event id), and nothing is
left waiting. Two processes ingesting one file at once store each record once.

These tests take about a minute; select them with ``-m reliability`` (or leave them out with
``-m "not reliability"``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from _worker import SERVICE_LEVELS

from clientvoice import Listener
from clientvoice.clock import ManualClock

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
LATER = T0 + timedelta(days=2)  # every deadline of every case has passed by then
CASES = int(os.environ.get("CLIENTVOICE_RELIABILITY_CASES", "20000"))
WAVES = 4
DEADLINE = 240.0  # seconds; the run normally takes well under a minute


def test_workers_killed_mid_run_lose_nothing_and_repeat_nothing(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("CREATE TABLE deliveries (event_id TEXT PRIMARY KEY, times INTEGER NOT NULL)")
        workers = [_start_worker(postgres_url, f"w{n}") for n in range(4)]
        try:
            with Listener.open(
                postgres_url,
                autoload=False,
                clock=ManualClock(LATER),
                service_levels=SERVICE_LEVELS,
            ) as ingest:
                per_wave = CASES // WAVES
                for wave in range(WAVES):
                    records = (_complaint(n) for n in range(wave * per_wave, (wave + 1) * per_wave))
                    assert ingest.ingest(records, channel="web").stored == per_wave
                    if wave == 1:  # the workers are busy with the first waves: kill one
                        workers[0].send_signal(signal.SIGKILL)
                        workers[0].wait()
                        workers[0] = _start_worker(postgres_url, "w0-again")
            _wait_until_done(db)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=60)
        assert [w.returncode for w in workers] == [0, 0, 0, 0]

        cases = {row[0]: json.loads(row[1]) for row in db.execute("SELECT id, data FROM cases")}
        assert len(cases) == CASES
        events = Counter(
            (row[0], row[1], row[2])
            for row in db.execute(
                "SELECT type, case_id, coalesce(data::json ->> 'deadline', '') FROM events "
                "WHERE type IN ('sla.breached', 'case.escalated', 'case.opened')"
            )
        )
        # Exactly once: every case opened once, breached once per deadline, escalated once per
        # breach; the cases agree with their events.
        assert max(events.values()) == 1
        for case_id, case in cases.items():
            assert case["breaches"] == ["resolve"], case_id
            assert case["escalation_level"] == 1, case_id
            assert ("case.opened", case_id, "") in events
            assert ("sla.breached", case_id, "resolve") in events
            assert ("case.escalated", case_id, "resolve") in events
        assert sum(1 for kind, _, _ in events if kind == "case.escalated") == CASES

        # At least once, de-duplicated by id: every stored event reached the hook.
        (missing,) = db.execute(
            "SELECT count(*) FROM events e WHERE NOT EXISTS "
            "(SELECT 1 FROM deliveries d WHERE d.event_id = e.id)"
        ).fetchone()
        (unknown,) = db.execute(
            "SELECT count(*) FROM deliveries d WHERE NOT EXISTS "
            "(SELECT 1 FROM events e WHERE e.id = d.event_id)"
        ).fetchone()
        (repeats,) = db.execute("SELECT coalesce(sum(times - 1), 0) FROM deliveries").fetchone()
        assert (missing, unknown) == (0, 0)
        # Only the killed worker's last, unconfirmed batch may have gone out twice.
        assert repeats <= 1000
        assert _leftovers(db) == (0, 0, 0)


def test_two_processes_ingesting_one_file_store_each_record_once(
    postgres_url: str, tmp_path: Path
) -> None:
    count = 10_000
    path = tmp_path / "records.jsonl"
    with path.open("w") as out:
        for n in range(count):
            out.write(json.dumps(_complaint(n)) + "\n")
    processes = [
        subprocess.Popen(
            [sys.executable, str(HERE / "_ingest.py"), postgres_url, str(path)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    reports = []
    for process in processes:
        out, _ = process.communicate(timeout=DEADLINE)
        assert process.returncode == 0
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["stored"] for r in reports) == count
    assert all(r["stored"] + r["duplicates"] == count for r in reports)
    with psycopg.connect(postgres_url) as db:
        for table in ("interactions", "feedback"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (count,)
        received = db.execute(
            "SELECT count(*), count(DISTINCT feedback_id) FROM events "
            "WHERE type = 'feedback.received'"
        ).fetchone()
        assert received == (count, count)


def _complaint(n: int) -> dict[str, object]:
    return {
        "external_id": f"r{n}",
        "occurred_at": (T0 + timedelta(seconds=n)).isoformat(),
        "customer": {"email": f"customer{n % 7000}@example.com"},
        "text": "The delivery was late and nobody answered the phone",
        "kind": "complaint",
    }


def _start_worker(url: str, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(HERE / "_worker.py"), url, name, LATER.isoformat()]
    )


def _wait_until_done(db: psycopg.Connection[tuple[object, ...]]) -> None:
    started = time.monotonic()
    while _leftovers(db) != (0, 0, 0) or _count(db, "cases") < CASES:
        if time.monotonic() - started > DEADLINE:
            pytest.fail(f"work left after {DEADLINE} s: {_leftovers(db)}")
        time.sleep(0.5)


def _leftovers(db: psycopg.Connection[tuple[object, ...]]) -> tuple[int, int, int]:
    """Due timers not fired, events not yet delivered to the hooks, and not yet read by the
    workflow (which opens cases)."""
    (timers,) = db.execute(
        "SELECT count(*) FROM timers WHERE fired_at IS NULL AND NOT cancelled AND due_at <= %s",
        (LATER.isoformat(timespec="microseconds"),),
    ).fetchone()
    cursors = dict(db.execute("SELECT consumer, seq FROM outbox").fetchall())
    (hooks, workflow) = db.execute(
        "SELECT count(*) FILTER (WHERE seq IS NULL OR seq > %s), "
        "count(*) FILTER (WHERE seq IS NULL OR seq > %s) FROM events",
        (cursors.get("hooks", 0), cursors.get("workflow", 0)),
    ).fetchone()
    return int(timers), int(hooks), int(workflow)


def _count(db: psycopg.Connection[tuple[object, ...]], table: str) -> int:
    (count,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(count)
