"""PostgresStore passes the store contract, migrates on open and refuses a newer schema."""

from __future__ import annotations

import psycopg
import pytest

from clientvoice import Listener
from clientvoice.errors import SchemaError
from clientvoice.stores import open_store
from clientvoice.stores.postgres import PostgresStore
from clientvoice.stores.postgres_schema import MIGRATIONS, SCHEMA_TABLE
from clientvoice.testing import StoreContract
from clientvoice.testing.stores import heard


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, postgres_url: str):
        with PostgresStore(postgres_url) as store:
            yield store


def test_a_new_database_is_migrated_on_open(postgres_server) -> None:
    url = postgres_server.create_database("fresh")
    with PostgresStore(url) as store:
        assert store.schema_version == len(MIGRATIONS)
    with PostgresStore(url) as again:  # opening again changes nothing
        assert again.schema_version == len(MIGRATIONS)


def test_a_newer_schema_is_refused(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f"UPDATE {SCHEMA_TABLE} SET version = version + 1")
    with pytest.raises(SchemaError, match="upgrade clientvoice"):
        PostgresStore(postgres_url)


def test_a_listener_opens_a_postgresql_url(postgres_url: str) -> None:
    with Listener.open(postgres_url, autoload=False) as listener:
        assert isinstance(listener.store, PostgresStore)
        listener.hear(
            "web",
            {
                "external_id": "a1",
                "customer": {"email": "a@example.com"},
                "text": "hello",
                "occurred_at": "2026-03-02T09:00:00+00:00",
            },
        )
        assert listener.store.counts()["interactions"] == 1


def test_open_store_knows_both_postgres_schemes(postgres_url: str) -> None:
    other = postgres_url.replace("postgresql://", "postgres://", 1)
    for url in (postgres_url, other):
        store = open_store(url)
        try:
            assert isinstance(store, PostgresStore)
        finally:
            store.close()


def test_two_stores_ingesting_the_same_batch_store_it_once(postgres_url: str) -> None:
    batch = [heard(n) for n in range(50)]
    with PostgresStore(postgres_url) as one, PostgresStore(postgres_url) as two:
        first = one.ingest(batch)
        second = two.ingest(batch)
        assert len(first.stored) == 50
        assert second.stored == [] and len(second.duplicates) == 50
        assert one.counts()["interactions"] == 50


def test_the_server_binaries_are_found_or_reported_missing(postgres_server, tmp_path) -> None:
    from clientvoice.testing.postgres import (
        PostgresNotFound,
        PostgresServer,
        find_postgres_bindir,
    )

    found = find_postgres_bindir()
    assert found is not None and (found / "initdb").exists()
    with pytest.raises(PostgresNotFound, match="initdb"):
        PostgresServer.start(bindir=tmp_path)  # an empty folder holds no server


def test_a_bulk_insert_meeting_stored_rows_keeps_them_once(postgres_url: str) -> None:
    from datetime import datetime, timezone

    from clientvoice.models import Event

    at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    events = [Event(id=f"e{n}", type="case.opened", occurred_at=at) for n in range(200)]
    with PostgresStore(postgres_url) as store:
        store.add_events(events[100:101])
        store.add_events(events)  # COPY fails on e100, so the rows go in skipping it
        assert store.counts()["events"] == 200
        assert [s.event.id for s in store.iter_events()][:2] == ["e100", "e0"]
