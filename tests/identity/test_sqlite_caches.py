"""Several SQLiteStore objects on one file (as several processes would have) each remember
customers to resolve records fast; a merge or an erasure by one must not mislead the others."""

from __future__ import annotations

from datetime import datetime, timezone

from clientvoice import SQLiteStore
from clientvoice.testing import heard

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def test_a_merge_made_elsewhere_is_seen_by_the_next_ingest(tmp_path):
    path = tmp_path / "cv.db"
    with SQLiteStore(path) as first, SQLiteStore(path) as second:
        first.ingest([heard(1, email="ana@example.com"), heard(2, email="bob@example.com")])
        ana = first.find_customer("email", "ana@example.com")
        bob = first.find_customer("email", "bob@example.com")
        assert ana is not None
        assert bob is not None
        second.merge_customers(ana.id, bob.id, at=NOW)
        # `first` remembers bob's id and address from its own ingest.
        result = first.ingest([heard(3, email="bob@example.com")])
        assert result.customers_created == 0
        assert result.stored[0].interaction.customer_id == ana.id
        assert first.counts()["customers"] == 1


def test_an_erasure_made_elsewhere_is_seen_by_the_next_ingest(tmp_path):
    path = tmp_path / "cv.db"
    with SQLiteStore(path) as first, SQLiteStore(path) as second:
        first.ingest([heard(1, email="ana@example.com")])
        ana = first.find_customer("email", "ana@example.com")
        assert ana is not None
        report = second.erase_customer(ana.id, at=NOW)
        result = first.ingest([heard(2, email="ana@example.com")])
        assert result.customers_created == 1
        assert result.stored[0].interaction.customer_id != report.customer_id
        assert first.count_feedback(customer_id=report.customer_id) == 1
