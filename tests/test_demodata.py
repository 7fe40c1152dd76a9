"""The demo data: deterministic, realistic, streaming, and bad exactly where it says."""

from __future__ import annotations

import itertools
import json
import tracemalloc
from zoneinfo import ZoneInfo

from clientvoice import FeedbackKind, Listener
from clientvoice.channels.records import parse_record
from clientvoice.demo import run
from clientvoice.demodata import generate, plan, write_jsonl


def test_the_same_seed_gives_the_same_records(tmp_path):
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    write_jsonl(a, 500, seed=1, bad_share=0.1, duplicate_share=0.1)
    write_jsonl(b, 500, seed=1, bad_share=0.1, duplicate_share=0.1)
    write_jsonl(c, 500, seed=2, bad_share=0.1, duplicate_share=0.1)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_good_records_parse_and_cover_the_mix():
    records = list(generate(3000, seed=5))
    items = [parse_record(r) for r in records]
    languages = {r["customer"]["language"] for r in records}
    assert languages == {"es", "en"}
    kinds = {i.feedback.kind for i in items if i.feedback is not None}
    assert set(FeedbackKind) <= kinds | {None}
    assert {r["channel"] for r in records} == {
        "web",
        "email",
        "chat",
        "phone",
        "survey",
        "social",
        "review",
    }
    assert len({r["text"] for r in records}) > 300
    for record in records:
        ZoneInfo(record["customer"]["timezone"])


def test_ingestion_rejects_exactly_the_bad_records(tmp_path):
    expected = plan(4000, seed=9, bad_share=0.05, duplicate_share=0.03)
    assert expected.bad > 100
    path = tmp_path / "feed.jsonl"
    write_jsonl(path, 4000, seed=9, bad_share=0.05, duplicate_share=0.03)
    with Listener() as listener:
        report = listener.ingest_file(path)
    assert len(report.rejected) == expected.bad
    assert report.duplicates == expected.duplicates
    assert report.stored + report.duplicates + expected.bad == 4000


def test_generation_streams_in_flat_memory():
    tracemalloc.start()
    for _ in itertools.islice(generate(30_000, seed=3), 30_000):
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 30 * 1024 * 1024


def test_the_demo_runs_the_loop_on_a_fresh_sqlite_file(tmp_path):
    lines = []
    result = run(tmp_path, records=2000, seed=3, echo=lines.append)
    assert result.database.exists()
    assert result.first.stored > 1800
    assert result.second.stored == 0
    assert result.summary.counts["feedback"] == result.first.stored
    assert result.summary.nps.count > 0
    text = "\n".join(lines)
    assert "nothing is stored twice" in text
    assert "NPS" in text
    json.dumps(result.summary.by_channel)
