"""One person, one customer: records that share contact points end up on one customer, with
every record kept, whatever the order they arrive in and however they are batched."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientvoice import Listener, ManualClock, MemoryStore, SQLiteStore
from clientvoice.models import ContactPoint
from clientvoice.stores.base import Store

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)

# A small pool, so that random records often share contact points.
POOL = (
    ("email", "ana@example.com"),
    ("email", "ana.work@example.com"),
    ("phone", "+34611222333"),
    ("whatsapp", "+34611222333"),
    ("x", "analopez"),
    ("email", "bob@example.com"),
    ("phone", "+34699888777"),
)


def _record(n: int, points: list[int]) -> dict[str, object]:
    contacts: dict[str, list[str]] = {}
    for index in points:
        channel, value = POOL[index]
        contacts.setdefault(channel, []).append(value)
    return {
        "channel": "web",
        "external_id": f"r{n}",
        "occurred_at": (NOW + timedelta(minutes=n)).isoformat(),
        "customer": {"contacts": contacts, "name": f"Name {n}"},
        "text": f"record {n}",
        "nps": n % 11,
    }


def _components(records: list[list[int]]) -> list[set[int]]:
    """The oracle: contact points named together in a record belong to one person."""
    parent = list(range(len(POOL)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for points in records:
        for other in points[1:]:
            parent[find(other)] = find(points[0])
    groups: dict[int, set[int]] = {}
    for points in records:
        for index in points:
            groups.setdefault(find(index), set()).add(index)
    return list(groups.values())


def _check(store: Store, records: list[list[int]]) -> None:
    components = _components(records)
    assert store.counts()["customers"] == len(components)
    assert store.counts()["interactions"] == len(records)
    assert store.counts()["feedback"] == len(records)
    customer_ids = {c.id for c in store.iter_customers()}
    for component in components:
        owners = set()
        for index in component:
            found = store.find_customer(*POOL[index])
            assert found is not None
            owners.add(found.id)
        assert len(owners) == 1, component
        (owner,) = owners
        contacts = {(p.channel, p.value) for p in store.get_customer(owner).contacts}
        assert contacts == {POOL[index] for index in component}
    for item in store.iter_feedback():
        assert item.customer_id in customer_ids
        assert store.get_interaction(item.interaction_id).customer_id == item.customer_id


records_strategy = st.lists(
    st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=3, unique=True),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(records=records_strategy, batch=st.integers(1, 5))
def test_memory_store_keeps_one_customer_per_person(records, batch):
    with Listener(MemoryStore(), clock=ManualClock(NOW), autoload=False, batch_size=batch) as cv:
        cv.ingest(_record(n, points) for n, points in enumerate(records))
        _check(cv.store, records)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=records_strategy, batch=st.integers(1, 5))
def test_sqlite_store_keeps_one_customer_per_person(tmp_path_factory, records, batch):
    path = tmp_path_factory.mktemp("identity") / "cv.db"
    with Listener(
        SQLiteStore(path), clock=ManualClock(NOW), autoload=False, batch_size=batch
    ) as cv:
        cv.ingest(_record(n, points) for n, points in enumerate(records))
        _check(cv.store, records)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_email_phone_and_handle_become_one_customer_with_its_history(tmp_path, kind):
    store = MemoryStore() if kind == "memory" else SQLiteStore(tmp_path / "cv.db")
    with Listener(store, clock=ManualClock(NOW), autoload=False) as cv:
        cv.hear("web", _record(1, [0]))  # e-mail
        cv.hear("web", _record(2, [2]))  # phone: a second customer for now
        cv.hear("web", _record(3, [4]))  # social handle: a third
        assert cv.store.counts()["customers"] == 3
        cv.hear("web", _record(4, [0, 2]))  # a form with e-mail and phone: merged
        cv.hear("web", _record(5, [4, 2]))  # a DM naming the phone: merged again
        assert cv.store.counts()["customers"] == 1
        ana = cv.store.find_customer("x", "@AnaLopez")
        assert ana is not None
        assert ana.name == "Name 1"  # the first description wins
        assert [f.text for f in cv.store.iter_feedback(customer_id=ana.id)] == [
            f"record {n}" for n in range(1, 6)
        ]
        merges = [s.event for s in cv.store.iter_events() if s.event.type == "customer.merged"]
        assert len(merges) == 2
        assert {e.data["merged_id"] for e in merges} == cv.store.merged_ids(ana.id)
        for old in cv.store.merged_ids(ana.id):
            assert cv.store.get_customer(old) == ana
        assert ContactPoint("phone", "611 222 333") not in ana.contacts  # normalised, once
        assert ContactPoint("phone", "+34 611 222 333") in ana.contacts
