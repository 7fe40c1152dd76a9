"""Erase and merge customers in the SQL stores: the statements both stores run, written once.

SQLite and PostgreSQL keep customers and their records in the same tables and columns, encoded
the same way (see the row helpers of :mod:`clientvoice.stores.sqlite`), so one builder serves
both, inside the store's write transaction. A :class:`SQLTables` says what differs: the
parameter mark (``?`` or ``%s``), how the driver runs one statement for many rows, the column
that orders the event log (SQLite's ``seq``; PostgreSQL's ``pos``, which unlike its ``seq`` is
set before commit) and how the store appends events. Each store keeps its own after-work:
forgetting its caches, and rebuilding (SQLite) or vacuuming (PostgreSQL) what erasure rewrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

import attrs

from clientvoice._codec import dump, load, to_utc_text
from clientvoice.errors import ValidationError
from clientvoice.identity import merge_event, merged_profile, replace_id
from clientvoice.models import Case, Event, Message
from clientvoice.privacy import Erasure, ErasureReport, written_by
from clientvoice.stores.base import Store

__all__ = ["ERASED_TABLES", "Cursor", "SQLTables", "erase_in_sql", "merge_in_sql"]

ERASED_TABLES = (
    "customers",
    "contact_points",
    "interactions",
    "feedback",
    "cases",
    "messages",
    "timers",
    "invitations",
    "events",
    "rejections",
    "customer_merges",
)
"""The tables an erasure rewrites or deletes rows from: where old copies of the customer's
values may be left behind until the store reclaims the space."""

_EVENT_COLUMNS = "id, type, occurred_at, actor, customer_id, case_id, feedback_id, reason, data"
_PAGE = 1000


class Cursor(Protocol):
    """What the shared code reads from a statement it ran (sqlite3's and psycopg's cursors)."""

    @property
    def rowcount(self) -> int:
        """The number of rows the statement changed."""

    def fetchall(self) -> list[Any]:
        """Every row the statement returned."""


@attrs.frozen
class SQLTables:
    """One SQL store's tables, as the shared code reaches them inside the store's write
    transaction."""

    store: Store
    """The store, for reading customers and their records through its public methods."""
    execute: Callable[[str, Sequence[Any]], Cursor]
    """Runs one statement with its parameters."""
    execute_many: Callable[[str, Sequence[Sequence[Any]]], object]
    """Runs one statement once for each row of parameters."""
    add_events: Callable[[Sequence[Event]], None]
    """Appends events to the log, in the same transaction."""
    mark: str
    """The driver's parameter mark: ``?`` or ``%s``."""
    event_key: str
    """The integer column of ``events`` that orders every row written so far."""


def erase_in_sql(
    tables: SQLTables, customer_id: str, *, at: datetime, actor: str, reason: str | None
) -> ErasureReport:
    """Erase a customer as :meth:`Store.erase_customer <clientvoice.Store.erase_customer>`
    describes, in ``tables``; returns the report, whose event is already appended.

    The records move to a fresh customer row (the old id may be derived from a contact point):
    interactions, feedback, cases, messages, invitations and the timers of her cases are
    rewritten through :class:`~clientvoice.privacy.Erasure`, so are the events that name her
    ids, cases, feedback or contact points and the dead letters that name a contact point;
    her contact points, her merges and her old row are deleted.
    """
    # The row encoding both stores share; imported here because sqlite.py imports this module.
    from clientvoice.stores.sqlite import _JSON, _customer_row, _json_or_none, _stored_event

    store, execute, execute_many, m = tables.store, tables.execute, tables.execute_many, tables.mark
    customer = store.get_customer(customer_id)
    cid = customer.id
    ids = {cid, *store.merged_ids(cid)}
    interactions = list(store.iter_interactions(customer_id=cid))
    feedback = list(store.iter_feedback(customer_id=cid))
    erasure = Erasure.of(customer, written_by(interactions, feedback), ids)
    new = erasure.anonymous_id
    execute(
        f"INSERT INTO customers VALUES ({_marks(m, 11)})",
        _customer_row(erasure.customer(customer), customer.created_at),
    )
    execute(f"DELETE FROM contact_points WHERE customer_id = {m}", (cid,))
    execute_many(
        f"UPDATE interactions SET customer_id = {m}, external_id = {m}, subject = {m}, "
        f"body = {m}, thread_id = {m}, metadata = {m} WHERE id = {m}",
        [
            (
                new,
                i.external_id,
                i.subject,
                i.body,
                i.thread_id,
                _json_or_none(i.metadata),
                i.id,
            )
            for i in map(erasure.interaction, interactions)
        ],
    )
    execute_many(
        f"UPDATE feedback SET customer_id = {m}, text = {m}, analysis = {m} WHERE id = {m}",
        [
            (new, f.text, None if f.analysis is None else _JSON(dump(f.analysis)), f.id)
            for f in map(erasure.feedback, feedback)
        ],
    )
    cases = list(store.iter_cases(customer_id=cid))
    # The timers of her cases, found before the cases move to the new id.
    timer_rows = execute(
        "SELECT id, data FROM timers WHERE case_id IN "
        f"(SELECT id FROM cases WHERE customer_id = {m})",
        (cid,),
    ).fetchall()
    execute_many(
        f"UPDATE cases SET customer_id = {m}, version = {m}, data = {m} WHERE id = {m}",
        [
            (
                new,
                case.version + 1,
                _JSON(dump(attrs.evolve(case, version=case.version + 1))),
                case.id,
            )
            for case in map(erasure.case, cases)
        ],
    )
    messages = list(store.iter_messages(customer_id=cid))
    execute_many(
        f"UPDATE messages SET customer_id = {m}, data = {m}, delivery = {m} WHERE id = {m}",
        [
            (
                new,
                _JSON(dump(erasure.message(stored.message))),
                None
                if stored.last_delivery is None
                else _JSON(dump(erasure.delivery(stored.last_delivery))),
                stored.message.id,
            )
            for stored in messages
        ],
    )
    timers = [
        (_json_or_none(erasure.value(json.loads(data) if data else {})), timer_id)
        for timer_id, data in timer_rows
    ]
    execute_many(f"UPDATE timers SET data = {m} WHERE id = {m}", timers)
    invitations = list(store.iter_invitations(customer_id=cid))
    execute_many(
        f"UPDATE invitations SET customer_id = {m}, data = {m} WHERE id = {m}",
        [(new, _JSON(dump(erasure.invitation(i))), i.id) for i in invitations],
    )
    case_ids = {case.id for case in cases}
    feedback_ids = {item.id for item in feedback}
    events: list[tuple[Any, ...]] = []
    key = tables.event_key
    after = 0
    while True:
        rows = execute(
            f"SELECT {key}, {_EVENT_COLUMNS} FROM events WHERE {key} > {m} "
            f"ORDER BY {key} LIMIT {_PAGE}",
            (after,),
        ).fetchall()
        for row in rows:
            event = _stored_event(row).event
            if (
                event.customer_id in ids
                or event.case_id in case_ids
                or event.feedback_id in feedback_ids
                or erasure.names_contact_in(event)
            ):
                rewritten = erasure.event(event)
                if rewritten != event:
                    events.append(
                        (
                            rewritten.customer_id,
                            rewritten.reason,
                            _json_or_none(rewritten.data),
                            row[0],
                        )
                    )
        if len(rows) < _PAGE:
            break
        after = rows[-1][0]
    execute_many(
        f"UPDATE events SET customer_id = {m}, reason = {m}, data = {m} WHERE {key} = {m}",
        events,
    )
    rejections: list[tuple[Any, ...]] = []
    for seq, field, reason_text, raw in execute(
        "SELECT seq, field, reason, raw FROM rejections", ()
    ).fetchall():
        if erasure.names_contact(raw) or erasure.names_contact(reason_text):
            rejections.append(
                (
                    erasure.optional_text(field),
                    erasure.text(reason_text),
                    erasure.text(raw),
                    seq,
                )
            )
    execute_many(
        f"UPDATE rejections SET field = {m}, reason = {m}, raw = {m} WHERE seq = {m}",
        rejections,
    )
    execute(f"DELETE FROM customer_merges WHERE into_id = {m}", (cid,))
    execute(f"DELETE FROM customers WHERE id = {m}", (cid,))
    report = ErasureReport(
        customer_id=new,
        erased_at=at,
        contact_points=len(customer.contacts),
        interactions=len(interactions),
        feedback=len(feedback),
        cases=len(cases),
        messages=len(messages),
        timers=len(timers),
        invitations=len(invitations),
        events=len(events),
        rejections=len(rejections),
    )
    tables.add_events([report.event(actor=actor, reason=erasure.optional_text(reason))])
    return report


def merge_in_sql(
    tables: SQLTables,
    keep_id: str,
    merge_id: str,
    *,
    at: datetime,
    actor: str,
    reason: str | None,
) -> None:
    """Merge customer ``merge_id`` into ``keep_id`` as :meth:`Store.merge_customers
    <clientvoice.Store.merge_customers>` describes, in ``tables``, appending the
    ``customer.merged`` event.

    Interactions, feedback, cases (as a new version), messages and invitations move to the
    survivor, timers naming the old id name the survivor, contact points follow the survivor's
    own, segments, programmes and the earlier creation time join its profile, and the old id
    (with every id merged into it) stays resolvable through ``customer_merges``.

    :raises ValidationError: naming ``merge_id`` if both ids are already one customer.
    """
    # The row encoding both stores share; imported here because sqlite.py imports this module.
    from clientvoice.stores.sqlite import _JSON, _json_or_none

    store, execute, execute_many, m = tables.store, tables.execute, tables.execute_many, tables.mark
    keep = store.get_customer(keep_id)
    merge = store.get_customer(merge_id)
    if keep.id == merge.id:
        raise ValidationError("merge_id", merge_id, f"is already customer {keep.id}")
    old, new = merge.id, keep.id
    moved = {
        "interactions": execute(
            f"UPDATE interactions SET customer_id = {m} WHERE customer_id = {m}", (new, old)
        ).rowcount,
        "feedback": execute(
            f"UPDATE feedback SET customer_id = {m} WHERE customer_id = {m}", (new, old)
        ).rowcount,
    }
    cases = [
        load(Case, json.loads(row[0]))
        for row in execute(f"SELECT data FROM cases WHERE customer_id = {m}", (old,)).fetchall()
    ]
    # A new version, so a writer holding the case as it was cannot undo the move.
    moved_cases = [attrs.evolve(case, customer_id=new, version=case.version + 1) for case in cases]
    execute_many(
        f"UPDATE cases SET customer_id = {m}, version = {m}, data = {m} WHERE id = {m}",
        [(case.customer_id, case.version, _JSON(dump(case)), case.id) for case in moved_cases],
    )
    moved["cases"] = len(moved_cases)
    messages = [
        load(Message, json.loads(row[0]))
        for row in execute(f"SELECT data FROM messages WHERE customer_id = {m}", (old,)).fetchall()
    ]
    execute_many(
        f"UPDATE messages SET customer_id = {m}, data = {m} WHERE id = {m}",
        [
            (new, _JSON(dump(attrs.evolve(message, customer_id=new))), message.id)
            for message in messages
        ],
    )
    moved["messages"] = len(messages)
    invitations = list(store.iter_invitations(customer_id=old))
    execute_many(
        f"UPDATE invitations SET customer_id = {m}, data = {m} WHERE id = {m}",
        [(new, _JSON(dump(attrs.evolve(i, customer_id=new))), i.id) for i in invitations],
    )
    moved["invitations"] = len(invitations)
    timers: list[tuple[Any, ...]] = []
    # The timers whose data holds the old id (replace() leaves a text without it unchanged).
    for timer_id, data in execute(
        f"SELECT id, data FROM timers WHERE replace(data, {m}, '') <> data", (old,)
    ).fetchall():
        value = json.loads(data)
        changed = replace_id(value, old, new)
        if changed != value:
            timers.append((_json_or_none(changed), timer_id))
    execute_many(f"UPDATE timers SET data = {m} WHERE id = {m}", timers)
    moved["timers"] = len(timers)
    survivor = merged_profile(keep, merge)
    execute(
        f"UPDATE contact_points SET customer_id = {m}, position = position + {m} "
        f"WHERE customer_id = {m}",
        (new, len(keep.contacts), old),
    )
    execute(
        f"UPDATE customers SET segments = {m}, memberships = {m}, created_at = {m} WHERE id = {m}",
        (
            _JSON(sorted(survivor.segments)),
            _JSON(dict(survivor.memberships)),
            None if survivor.created_at is None else to_utc_text(survivor.created_at),
            new,
        ),
    )
    execute(f"DELETE FROM customers WHERE id = {m}", (old,))
    execute(f"UPDATE customer_merges SET into_id = {m} WHERE into_id = {m}", (new, old))
    execute(
        f"INSERT INTO customer_merges VALUES ({_marks(m, 3)}) ON CONFLICT (merged_id) "
        "DO UPDATE SET into_id = excluded.into_id, merged_at = excluded.merged_at",
        (old, new, to_utc_text(at)),
    )
    tables.add_events([merge_event(new, old, at=at, moved=moved, actor=actor, reason=reason)])


def _marks(mark: str, count: int) -> str:
    """``count`` parameter marks, separated by commas."""
    return ", ".join([mark] * count)
