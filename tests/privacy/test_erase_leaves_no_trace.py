"""After erasure, no table of a SQL store holds anything of the customer: every column of every
row of every table is read back with plain SQL (not through the store's API, which could hide a
forgotten column or table) and searched for her names, contact points, texts and old ids.

Runs on SQLite and on PostgreSQL (skipped without a server unless
``CLIENTVOICE_REQUIRE_POSTGRES=1``), so a table or column one store forgets fails here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from clientvoice import SQLiteStore
from clientvoice.models import (
    Case,
    CaseStage,
    Delivery,
    DeliveryStatus,
    Event,
    Message,
    MessageKind,
    Rejection,
    Timer,
)
from clientvoice.stores.base import Store
from clientvoice.surveys.invitations import Invitation
from clientvoice.testing import heard

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

ANA = {
    "email": "Ana.Lopez@Example.com",
    "name": "Ana López Ferrándiz",
    "preferred_name": "Anita",
    "contacts": {"x": "@analopezf"},
}
# A second profile of hers, known only by phone until it is merged into the first.
ANA_BY_PHONE = {"phone": "+34 611 222 333", "name": "A. López Ferrándiz"}
TEXTS = (
    "El paquete llegó abollado y nadie contesta en el 611 222 333",
    "Sigo esperando la devolución del pedido 7781",
    "Escribo desde otro número por el pedido 7781, nadie me llama",
)
SUBJECT = "Reclamación de Ferrándiz por el envío"
NEEDLES = (
    "ana.lopez@example.com",
    "611222333",
    "611 222 333",
    "ana lópez ferrándiz",
    "lópez",
    "ferrándiz",
    "anita",
    "analopezf",
    "el paquete llegó abollado",
    "sigo esperando la devolución",
    "escribo desde otro número",
    "reclamación de ferrándiz",
)
KEPT = ("bob@example.com", "great service", "bob@x.io")
"""Someone else's data, which erasure must leave alone (and which proves the scan reads rows)."""


@pytest.fixture(params=["sqlite", "postgres"])
def store_and_dump(request, tmp_path) -> Iterator[tuple[Store, Callable[[], str]]]:
    """A store, and a function returning every value of every table of its database as one
    lower-cased text, read with its own connection."""
    if request.param == "sqlite":
        path = tmp_path / "clientvoice.db"
        with SQLiteStore(path) as store:
            yield store, lambda: _sqlite_dump(path)
    else:
        from clientvoice.stores.postgres import PostgresStore

        url = request.getfixturevalue("postgres_url")
        with PostgresStore(url) as store:
            yield store, lambda: _postgres_dump(url)


def test_an_erased_customer_leaves_no_trace_in_any_table(store_and_dump) -> None:
    store, dump_tables = store_and_dump
    ana, merged_id = _ana_and_bob(store)
    everything = dump_tables()
    # What the test looks for is really there before erasure (so the test can fail).
    for needle in (*NEEDLES, *KEPT, ana.id.lower(), merged_id.lower()):
        assert needle in everything, needle

    report = store.erase_customer(ana.id, at=T0 + timedelta(days=30), actor="dpo")

    assert (report.interactions, report.feedback, report.cases, report.timers) == (3, 3, 2, 2)
    assert (report.messages, report.invitations, report.rejections) == (1, 1, 1)
    everything = dump_tables()
    for needle in (*NEEDLES, ana.id.lower(), merged_id.lower()):
        assert needle not in everything, needle
    for needle in KEPT:
        assert needle in everything, needle
    assert report.customer_id.lower() in everything


def test_postgres_vacuums_every_table_an_erasure_rewrote(postgres_url: str) -> None:
    """Outside a transaction, erasure vacuums each table whose rows it changed, so their old row
    versions do not linger as dead tuples (the merges it deletes included)."""
    import psycopg

    from clientvoice.stores.postgres import PostgresStore

    with PostgresStore(postgres_url) as store:
        ana, _ = _ana_and_bob(store)
        before = _postgres_tables(postgres_url)
        store.erase_customer(ana.id, at=T0 + timedelta(days=30))
    after = _postgres_tables(postgres_url)
    changed = {table for table, rows in after.items() if rows != before[table]}
    assert {"customers", "contact_points", "customer_merges", "timers", "events"} <= changed
    with psycopg.connect(postgres_url) as connection:
        vacuumed = {
            table
            for table, when in connection.execute(
                "SELECT relname, last_vacuum FROM pg_stat_user_tables"
            )
            if when is not None
        }
    assert changed <= vacuumed, sorted(changed - vacuumed)


def _ana_and_bob(store: Store) -> tuple[Any, str]:
    """Ana's history in every table (two profiles merged into one), and Bob's; returns Ana and
    the id merged into hers."""
    store.ingest(
        [
            heard(
                n + 1,
                customer=ANA,
                text=text,
                subject=SUBJECT,
                thread_id="thread-ana.lopez@example.com",
                metadata={"written_by": "Ana López Ferrándiz"},
                nps=n,
            )
            for n, text in enumerate(TEXTS[:2])
        ]
        + [heard(9, customer={"email": "bob@example.com", "name": "Bob"}, text="Great service")]
    )
    store.ingest(
        [heard(3, external_id="ana-by-phone", customer=ANA_BY_PHONE, text=TEXTS[2])],
        events_for=_feedback_events,
    )
    ana = store.find_customer("email", ANA["email"])
    by_phone = store.find_customer("phone", "+34611222333")
    assert ana is not None
    assert by_phone is not None
    assert ana.id != by_phone.id
    feedback = list(store.iter_feedback(customer_id=ana.id))
    # A case on each profile before the merge; the merge moves the second one.
    store.add_cases(
        [
            Case(
                id="c1",
                customer_id=ana.id,
                feedback_id=feedback[0].id,
                opened_at=T0,
                stage=CaseStage.ACKNOWLEDGED,
                acknowledged_at=T0 + timedelta(hours=1),
                notes=("Ana López Ferrándiz says ana.lopez@example.com is her work address",),
            ),
            Case(id="c2", customer_id=by_phone.id, feedback_id=None, opened_at=T0),
        ],
        events=[
            Event(
                id="ev-c1",
                type="case.opened",
                occurred_at=T0,
                case_id="c1",
                data={"quote": TEXTS[0]},
            )
        ],
        timers=[
            Timer(id="t1", case_id="c1", kind="resolve.breach", due_at=T0 + timedelta(hours=8)),
            Timer(
                id="t2",
                case_id="c2",
                kind="follow_up",
                due_at=T0 + timedelta(days=2),
                data={"customer_id": by_phone.id, "note": "call Anita back"},
            ),
        ],
    )
    store.merge_customers(ana.id, by_phone.id, at=T0 + timedelta(hours=2), actor="agent-7")
    store.queue_messages(
        [
            Message(
                id="m1",
                customer_id=ana.id,
                channel="email",
                to="ana.lopez@example.com",
                kind=MessageKind.ACKNOWLEDGEMENT,
                language="es",
                subject="Hemos recibido tu mensaje, Anita",
                body="Hola, Ana López Ferrándiz:\n\nGracias.\n",
                created_at=T0,
                case_id="c1",
            )
        ]
    )
    store.record_delivery(
        Delivery(
            message_id="m1",
            channel="email",
            status=DeliveryStatus.SENT,
            at=T0 + timedelta(minutes=1),
            detail="accepted for ana.lopez@example.com",
        )
    )
    store.save_invitation(
        Invitation(
            id="inv-ana",
            survey_id="nps",
            customer_id=ana.id,
            interaction_id="int-ana",
            channel="email",
            to="ana.lopez@example.com",
            language="es",
            send_at=T0,
            expires_at=T0 + timedelta(days=14),
            case_id="c1",
        )
    )
    store.add_events(
        [Event(id="ev-x", type="webhook.sent", occurred_at=T0, data={"to": ANA["email"]})]
    )
    store.add_rejections(
        [
            Rejection(source="x.jsonl", line=1, reason="bad", raw='{"phone": "611 222 333"}'),
            Rejection(source="x.jsonl", line=2, reason="bad", raw='{"email": "bob@x.io"}'),
        ]
    )
    return store.get_customer(ana.id), by_phone.id


def _feedback_events(item: Any) -> list[Event]:
    return [
        Event(
            id=f"ev-{item.feedback.id}",
            type="feedback.received",
            occurred_at=item.feedback.created_at,
            feedback_id=item.feedback.id,
            customer_id=item.feedback.customer_id,
            data={"text": item.feedback.text},
        )
    ]


def _sqlite_dump(path: Any) -> str:
    return "\n".join(_sqlite_tables(path).values())


def _postgres_dump(url: str) -> str:
    return "\n".join(_postgres_tables(url).values())


def _sqlite_tables(path: Any) -> dict[str, str]:
    """Every table of the SQLite file at ``path``, as lower-cased text."""
    connection = sqlite3.connect(path)
    try:
        return _tables_text(
            connection,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
    finally:
        connection.close()


def _postgres_tables(url: str) -> dict[str, str]:
    """Every table of the PostgreSQL database at ``url``, as lower-cased text."""
    import psycopg

    with psycopg.connect(url) as connection:
        return _tables_text(
            connection,
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )


def _tables_text(connection: Any, list_tables: str) -> dict[str, str]:
    """Every table the query ``list_tables`` names, read through ``connection`` (sqlite3's or
    psycopg's), as lower-cased text."""
    tables = [row[0] for row in connection.execute(list_tables)]
    assert {"customers", "customer_merges", "timers", "invitations"} <= set(tables)
    return {
        table: _rows_text(table, connection.execute(f"SELECT * FROM {table}").fetchall())
        for table in tables
    }


def _rows_text(table: str, rows: list[Any]) -> str:
    """The rows of ``table``, one line each, sorted (an update may move a row)."""
    return "\n".join(sorted(f"{table}: " + " | ".join(map(str, row)) for row in rows)).lower()
