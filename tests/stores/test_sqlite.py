"""What only the SQLite store must do: WAL, versioned schema, many processes writing at once."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from clientvoice import Listener, SchemaError, SQLiteStore, StoreError
from clientvoice.stores.sqlite_schema import MIGRATIONS
from clientvoice.testing import heard


def test_the_database_uses_wal_and_records_its_schema_version(tmp_path):
    path = tmp_path / "cv.db"
    with SQLiteStore(path) as store:
        assert store.schema_version == len(MIGRATIONS)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    raw.close()


def test_a_database_from_a_newer_clientvoice_is_refused(tmp_path):
    path = tmp_path / "cv.db"
    SQLiteStore(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    raw.close()
    with pytest.raises(SchemaError, match="upgrade clientvoice"):
        SQLiteStore(path)
    # The refused store closed the connection it opened to read the version.
    fds = Path("/proc/self/fd")
    if fds.is_dir():
        held = [fd for fd in fds.iterdir() if os.path.realpath(fd).startswith(str(path))]
        assert held == []


def test_an_older_database_is_migrated_when_opened(tmp_path):
    path = tmp_path / "cv.db"
    item = heard(1)
    raw = sqlite3.connect(path)
    for script in MIGRATIONS[:5]:  # as clientvoice wrote it before migration 6
        raw.executescript(script)
    raw.execute("PRAGMA user_version=5")
    raw.close()
    with SQLiteStore(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        store.ingest([item])
        assert store.get_interaction(item.interaction.id) == item.interaction
    raw = sqlite3.connect(path)
    plan = raw.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM timers WHERE fired_at IS NULL AND due_at <= ? "
        "ORDER BY due_at, id LIMIT 10",
        ("2030-01-01",),
    ).fetchall()
    raw.close()
    details = " ".join(row[-1] for row in plan)
    assert "timers_due" in details and "TEMP B-TREE" not in details  # pages come in order


def test_data_survives_reopening_and_times_are_stored_in_utc(tmp_path):
    path = tmp_path / "cv.db"
    item = heard(1)
    with SQLiteStore(path) as store:
        store.ingest([item])
    with SQLiteStore(path) as store:
        assert store.get_interaction(item.interaction.id) == item.interaction
    raw = sqlite3.connect(path)
    (stored,) = raw.execute("SELECT occurred_at FROM interactions").fetchone()
    raw.close()
    assert stored.endswith("+00:00")
    assert datetime.fromisoformat(stored) == item.interaction.occurred_at
    assert datetime.fromisoformat(stored).tzinfo == timezone.utc


def test_memory_paths_are_refused(tmp_path):
    with pytest.raises(StoreError, match="MemoryStore"):
        SQLiteStore(":memory:")


def _ingest_file(url: str, path: str, queue) -> None:  # runs in a child process
    with Listener.open(url, autoload=False, batch_size=200) as listener:
        report = listener.ingest_file(path)
    queue.put((report.stored, report.duplicates, len(report.rejected)))


def test_processes_ingesting_the_same_file_at_once_store_each_record_once(tmp_path):
    """Two writers race on every batch; BEGIN IMMEDIATE serialises them without 'locked' errors."""
    path = tmp_path / "feed.jsonl"
    with path.open("w") as handle:
        for n in range(3000):
            handle.write(
                json.dumps(
                    {
                        "channel": "web",
                        "external_id": f"w{n}",
                        "occurred_at": "2026-03-02T09:15:00+01:00",
                        "customer": {"email": f"c{n % 300}@example.com"},
                        "text": f"comment {n}",
                    }
                )
                + "\n"
            )
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    SQLiteStore(tmp_path / "shared.db").close()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_ingest_file, args=(url, str(path), queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert sum(stored for stored, _, _ in results) == 3000
    assert sum(duplicates for _, duplicates, _ in results) == 6000
    assert all(rejected == 0 for _, _, rejected in results)
    with SQLiteStore(tmp_path / "shared.db") as store:
        counts = store.counts()
        received = sum(1 for e in store.iter_events() if e.event.type == "feedback.received")
        opened = sum(1 for e in store.iter_events() if e.event.type == "case.opened")
    assert counts["interactions"] == counts["feedback"] == received == 3000
    assert opened == counts["cases"]  # each case opened once, whichever process saw it
    assert counts["customers"] == 300
