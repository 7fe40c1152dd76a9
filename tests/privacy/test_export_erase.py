"""Export and erasure through a real listener: the workflow's own cases, messages and events."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from clientvoice import Listener, ManualClock, MemoryStore, NotFoundError, SQLiteStore

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["memory", "sqlite"])
def listener(request, tmp_path):
    store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "cv.db")
    with Listener(store, clock=ManualClock(NOW), autoload=False) as listener:
        yield listener


def _hear(listener: Listener, n: int, customer: dict[str, object], text: str) -> None:
    listener.hear(
        "web",
        {
            "external_id": f"r{n}",
            "occurred_at": (NOW - timedelta(minutes=10 - n)).isoformat(),
            "customer": customer,
            "text": text,
            "kind": "complaint",
            "nps": n,
            "follow_up_requested": True,
        },
    )


def test_a_merged_customer_is_exported_and_erased_whole(listener):
    _hear(listener, 1, {"email": "ana@example.com", "name": "Ana Sanz"}, "Roto otra vez")
    _hear(listener, 2, {"phone": "+34 611 222 333", "name": "A. Sanz"}, "Nadie me llama")
    store = listener.store
    ana = store.find_customer("email", "ana@example.com")
    other = store.find_customer("phone", "+34611222333")
    assert ana is not None
    assert other is not None
    for case in store.iter_cases():
        listener.workflow.acknowledge(case.id, by="agent-1")
    store.merge_customers(ana.id, other.id, at=NOW, actor="agent-1", reason="same person")

    exported = store.export_customer(other.id)  # the merged id leads to the survivor
    json.dumps(exported)
    assert exported["customer"]["id"] == ana.id
    assert exported["merged_ids"] == [other.id]
    assert sorted(f["text"] for f in exported["feedback"]) == ["Nadie me llama", "Roto otra vez"]
    assert len(exported["cases"]) == 2
    assert len(exported["messages"]) == 2  # the acknowledgements
    types = {e["event"]["type"] for e in exported["events"]}
    assert {"feedback.received", "case.opened", "case.acknowledged", "customer.merged"} <= types

    counts = store.counts()
    report = store.erase_customer(other.id, at=NOW, reason="request by ana@example.com")
    assert store.counts() == {**counts, "events": counts["events"] + 1}
    for old in (ana.id, other.id):
        with pytest.raises(NotFoundError):
            store.get_customer(old)
    assert store.merged_ids(report.customer_id) == set()
    left = json.dumps(store.export_customer(report.customer_id), ensure_ascii=False)
    for personal in ("ana@example.com", "611222333", "Sanz", "Roto otra vez", "Nadie me llama"):
        assert personal not in left, personal
    assert ana.id not in left
    assert other.id not in left
    erased = [s.event for s in store.iter_events() if s.event.type == "customer.erased"]
    assert [(e.customer_id, e.reason) for e in erased] == [
        (report.customer_id, "request by [redacted]")
    ]
    assert {c.stage for c in store.iter_cases()} == {c["stage"] for c in exported["cases"]}
