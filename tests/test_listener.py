"""The Listener facade: hear one thing, ingest many, keep what is bad with its reason."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest

from clientvoice import (
    ConfigurationError,
    IngestReport,
    Listener,
    ManualClock,
    MemoryStore,
    SQLiteStore,
    ValidationError,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def record(n, **fields):
    base = {
        "channel": "web",
        "external_id": f"w{n}",
        "occurred_at": "2026-03-02T09:15:00+01:00",
        "customer": {"email": f"c{n % 7}@example.com"},
        "text": f"comment {n}",
        "nps": n % 11,
    }
    base.update(fields)
    return base


def test_open_understands_store_urls(tmp_path):
    with Listener.open("memory://") as listener:
        assert isinstance(listener.store, MemoryStore)
    with Listener.open(f"sqlite:///{tmp_path / 'a.db'}") as listener:
        assert isinstance(listener.store, SQLiteStore)
        assert (tmp_path / "a.db").exists()
    for bad in ("mysql://localhost/x", "sqlite://a.db", "sqlite:///", "nonsense"):
        with pytest.raises(ConfigurationError):
            Listener.open(bad)


def test_hear_stores_once_and_raises_on_bad_payloads():
    with Listener() as listener:
        (item,) = listener.hear("web", record(1))
        assert listener.hear("web", record(1)) == []
        with pytest.raises(ValidationError) as caught:
            listener.hear("web", record(2, nps=42))
        assert caught.value.field == "nps"
        assert listener.store.counts()["feedback"] == 1
        assert listener.store.get_feedback(item.feedback.id) == item.feedback


def test_records_without_time_are_heard_at_the_clock_time():
    clock = ManualClock(NOW)
    with Listener(clock=clock) as listener:
        (item,) = listener.hear("web", record(1, occurred_at=None))
        assert item.interaction.occurred_at == NOW


def test_a_batch_keeps_every_good_record_and_rejects_each_bad_one_with_its_reason():
    records = [
        record(1),
        record(2, nps=11),  # out of range
        "not a record",  # not an object
        record(3, channel="fax"),  # unknown channel
        record(4, occurred_at="2026-03-02T09:15:00"),  # naive
        {k: v for k, v in record(5).items() if k != "channel"},  # no channel
        record(6, nsp=3),  # unknown field
        record(7),
        record(1),  # duplicate
    ]
    with Listener() as listener:
        report = listener.ingest(records, source="api-batch")
        assert isinstance(report, IngestReport)
        assert (report.received, report.stored, report.duplicates) == (9, 2, 1)
        assert [(r.line, r.field) for r in report.rejected] == [
            (2, "nps"),
            (3, "record"),
            (4, "channel"),
            (5, "occurred_at"),
            (6, "channel"),
            (7, "nsp"),
        ]
        assert all(r.source == "api-batch" for r in report.rejected)
        assert '"nps": 11' in report.rejected[0].raw
        assert listener.dead_letters(source="api-batch") == list(report.rejected)
        assert not report.ok
        assert "9 received: 2 stored, 1 duplicates, 6 rejected" in str(report)


def test_channel_can_be_given_for_records_that_name_none():
    with Listener() as listener:
        report = listener.ingest(
            [{k: v for k, v in record(n).items() if k != "channel"} for n in range(3)],
            channel="email",
        )
        assert report.stored == 3
        assert {i.channel for i in listener.store.iter_interactions()} == {"email"}


@pytest.mark.parametrize("store_kind", ["memory", "sqlite"])
def test_many_batches_stream_through_and_a_second_pass_stores_nothing(tmp_path, store_kind):
    store = MemoryStore() if store_kind == "memory" else SQLiteStore(tmp_path / "s.db")
    consumed = []

    def records():
        for n in range(2_345):
            consumed.append(n)
            yield record(n, nps=99) if n % 500 == 7 else record(n)

    with Listener(store, batch_size=100) as listener:
        report = listener.ingest(records())
        assert report.received == 2_345
        assert len(report.rejected) == 5
        assert report.stored == 2_340
        assert report.customers_created == 7
        counts = listener.store.counts()
        received = [e for e in listener.store.iter_events() if e.event.type == "feedback.received"]
        assert counts["feedback"] == len(received) == 2_340
        opened = [e for e in listener.store.iter_events() if e.event.type == "case.opened"]
        assert len(opened) == counts["cases"] > 0
        again = listener.ingest(records())
        assert (again.stored, again.duplicates) == (0, 2_340)
        assert listener.store.counts()["rejections"] == 10


def test_a_generator_is_consumed_lazily():
    seen = []

    def records():
        for n in itertools.count():
            seen.append(n)
            if n == 50:
                raise RuntimeError("the source broke")
            yield record(n)

    with Listener(batch_size=10) as listener:
        with pytest.raises(RuntimeError, match="the source broke"):
            listener.ingest(records())
        # batches before the failure are stored; nothing was read ahead of need
        assert listener.store.counts()["feedback"] in range(30, 51)
        assert max(seen) == 50


def test_a_store_failure_in_a_later_batch_is_raised_to_the_caller(tmp_path):
    store = SQLiteStore(tmp_path / "s.db")
    with Listener(store, batch_size=10) as listener:

        def records():
            for n in range(100):
                if n == 45:
                    store.close()  # the database goes away mid-ingest
                yield record(n)

        with pytest.raises(Exception):  # noqa: B017,PT011 - the store's own error
            listener.ingest(records())


def test_batch_size_must_be_positive():
    with pytest.raises(ValidationError, match="batch_size"):
        Listener(batch_size=0)
