"""SQLiteStore: the embedded default store, on the standard library's sqlite3.

One database file, shared safely by many threads and processes on one machine: the journal is in WAL
mode (readers never block the writer), each thread has its own connection, and every
read-then-write transaction starts with ``BEGIN IMMEDIATE`` so that it takes the write lock before
reading (a plain ``BEGIN`` would fail with "database is locked" when two writers upgrade at once).
The schema is versioned with ``PRAGMA user_version``; pending migrations run when the store opens.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from clientvoice._codec import dump, load, to_utc_text
from clientvoice.errors import (
    ConflictError,
    NotFoundError,
    SchemaError,
    StoreError,
    ValidationError,
)
from clientvoice.identity import (
    AUTOMATIC_MERGE_REASON,
    check_instant,
    link_customers,
    signature,
)
from clientvoice.models import (
    Case,
    CaseStage,
    Consents,
    ContactPoint,
    Customer,
    Delivery,
    DeliveryStatus,
    Event,
    Feedback,
    FeedbackKind,
    Heard,
    Interaction,
    Message,
    Problem,
    ProblemStatus,
    Rejection,
    Timer,
)
from clientvoice.privacy import ErasureReport
from clientvoice.stores._customers import SQLTables, erase_in_sql, merge_in_sql
from clientvoice.stores._ingest import plan_batch
from clientvoice.stores._scores import score_counts_in_sql
from clientvoice.stores.base import IngestResult, Store, StoredEvent, StoredMessage
from clientvoice.stores.sqlite_schema import MIGRATIONS
from clientvoice.surveys.invitations import Invitation

__all__ = ["SQLiteStore"]

_PAGE = 1000
_IN_CHUNK = 500


class SQLiteStore(Store):
    """A store in one SQLite file.

    :param path: the database file; created with its folder if missing. ``":memory:"`` is not
        supported (each thread would see its own empty database): use :class:`MemoryStore`.
    :param timeout: seconds to wait for another writer's lock before failing.
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        if str(path) == ":memory:":
            raise StoreError("SQLiteStore needs a file; use MemoryStore ('memory://') instead")
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        # Customers confirmed to be stored: their ids, and their owner by channel and contact value.
        self._customer_ids: set[str] = set()
        self._contact_ids: dict[str, dict[str, str]] = {}
        # The signature of the last description linked to each customer (identity.signature),
        # the identity_changes position these caches are valid for, whether any merge exists.
        self._signatures: dict[str, int] = {}
        self._identity_seq: int | None = None
        self._has_merges = False
        try:
            self._migrate()
        except BaseException:  # a refused or broken file: leave no connection open behind
            self.close()
            raise

    # -- connections and transactions --------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"{self!r} is closed")
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA cache_size=-65536")  # 64 MiB per connection
            # Checkpoint the WAL into the database every ~400 MB instead of every 4 MB (the
            # default). A bulk ingest dirties pages all over the random-keyed indexes (ids are
            # hashes) and each checkpoint writes and syncs every page it copies: checkpointing
            # after every batch wrote the same hot pages again and again (a million records
            # through bare executemany: 92 s with the default, 68 s with this). After a
            # checkpoint, the WAL file is cut back to 64 MiB.
            connection.execute("PRAGMA wal_autocheckpoint=100000")
            connection.execute("PRAGMA journal_size_limit=67108864")
            connection.execute("PRAGMA temp_store=MEMORY")
            connection.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
            with self._connections_lock:
                if self._closed:  # closed while this thread was connecting
                    connection.close()
                    raise StoreError(f"{self!r} is closed")
                self._connections.append(connection)
            self._local.connection = connection
            self._local.depth = 0
        return connection

    @contextmanager
    def transaction(self) -> Iterator[None]:
        connection = self._connection()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield
            finally:
                self._local.depth -= 1
            return
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StoreError(
                f"could not start a write transaction on {self.path}: {error}"
            ) from error
        self._local.depth = 1
        try:
            yield
        except BaseException:
            connection.execute("ROLLBACK")
            self._forget_caches()
            raise
        else:
            connection.execute("COMMIT")
        finally:
            self._local.depth = 0

    def _migrate(self) -> None:
        connection = self._connection()
        with self.transaction():
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise SchemaError(
                    f"{self.path} has schema version {version}, but this clientvoice knows "
                    f"only up to {len(MIGRATIONS)}: upgrade clientvoice"
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in script.split(";\n"):
                    if statement.strip():
                        connection.execute(statement)
                connection.execute(f"PRAGMA user_version={number}")

    @property
    def schema_version(self) -> int:
        """The schema version of the database file."""
        return int(self._connection().execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._connections_lock:
            self._closed = True
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    def _forget_caches(self) -> None:
        self._customer_ids.clear()
        self._contact_ids.clear()
        self._signatures.clear()
        self._identity_seq = None

    # -- ingestion ----------------------------------------------------------------------------

    def ingest(
        self,
        batch: Sequence[Heard],
        *,
        events_for: Callable[[Heard], Sequence[Event]] | None = None,
    ) -> IngestResult:
        connection = self._connection()
        with self.transaction():
            self._check_identity(connection)
            plan = plan_batch(batch, self._existing_keys, self._resolve_customers)
            if plan.new_customers:
                connection.executemany(
                    "INSERT OR IGNORE INTO customers VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [_customer_row(c, c.created_at or when) for c, when in plan.new_customers],
                )
                connection.executemany(
                    "INSERT OR IGNORE INTO contact_points VALUES (?,?,?,?)",
                    [
                        (point.channel, point.value, customer.id, position)
                        for customer, _ in plan.new_customers
                        for position, point in enumerate(customer.contacts)
                    ],
                )
            gone = self._link(connection, plan.known)
            plan = plan.redirected(gone)
            interactions: list[tuple[Any, ...]] = []
            feedback: list[tuple[Any, ...]] = []
            events: list[tuple[Any, ...]] = []
            for item in plan.stored:
                # One UTC text per item, shared by its interaction, feedback and events.
                interaction = item.interaction
                occurred = interaction.occurred_at
                when = to_utc_text(occurred)
                interactions.append(_interaction_row(interaction, when))
                if item.feedback is not None:
                    feedback.append(_feedback_row(item.feedback, occurred, when))
                if events_for is not None:
                    for event in events_for(item):
                        events.append(_event_row(event, occurred, when))
            connection.executemany(
                "INSERT INTO interactions VALUES (?,?,?,?,?,?,?,?,?,?,?)", interactions
            )
            connection.executemany(
                "INSERT INTO feedback VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", feedback
            )
            self._insert_event_rows(connection, events)
        for customer, _ in plan.new_customers:
            if customer.id not in gone:
                self._remember(customer)
        return IngestResult(
            stored=plan.stored,
            duplicates=plan.duplicates,
            customers_created=len(plan.new_customers),
        )

    def _existing_keys(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        connection = self._connection()
        by_channel: dict[str, list[str]] = {}
        for channel, external_id in keys:
            by_channel.setdefault(channel, []).append(external_id)
        found: set[tuple[str, str]] = set()
        for channel, ids in by_channel.items():
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                rows = connection.execute(
                    "SELECT external_id FROM interactions "
                    f"WHERE channel=? AND external_id IN ({marks})",
                    [channel, *chunk],
                )
                found.update((channel, row[0]) for row in rows)
        return found

    def _resolve_customers(self, customers: Sequence[Customer]) -> dict[str, str]:
        """Map parsed customer ids to stored ones; ids missing from the map are new customers."""
        resolved: dict[str, str] = {}
        unknown: list[Customer] = []
        known_ids, owners_by_channel = self._customer_ids, self._contact_ids
        for customer in customers:
            if customer.id in known_ids:
                resolved[customer.id] = customer.id
                continue
            for point in customer.contacts:
                known = owners_by_channel.get(point.channel, {}).get(point.value)
                if known is not None:
                    resolved[customer.id] = known
                    break
            else:
                unknown.append(customer)
        if not unknown:
            return resolved
        connection = self._connection()
        stored_ids: set[str] = set()
        for chunk in _chunks([c.id for c in unknown]):
            marks = ",".join("?" * len(chunk))
            stored_ids.update(
                row[0]
                for row in connection.execute(
                    f"SELECT id FROM customers WHERE id IN ({marks})", chunk
                )
            )
        merged: dict[str, str] = {}  # ids merged into another customer: the survivor's id
        if self._has_merges:
            for chunk in _chunks([c.id for c in unknown if c.id not in stored_ids]):
                marks = ",".join("?" * len(chunk))
                merged.update(
                    connection.execute(
                        "SELECT merged_id, into_id FROM customer_merges "
                        f"WHERE merged_id IN ({marks})",
                        chunk,
                    ).fetchall()
                )
        owners: dict[tuple[str, str], str] = {}
        by_channel: dict[str, set[str]] = {}
        for customer in unknown:
            if customer.id not in stored_ids and customer.id not in merged:
                for point in customer.contacts:
                    by_channel.setdefault(point.channel, set()).add(point.value)
        # One channel at a time, so that SQLite searches the (channel, value) primary key; a
        # row-value IN over (VALUES ...) made it scan the whole table.
        for channel, values in by_channel.items():
            for chunk in _chunks(sorted(values)):
                marks = ",".join("?" * len(chunk))
                for value, owner in connection.execute(
                    "SELECT value, customer_id FROM contact_points "
                    f"WHERE channel=? AND value IN ({marks})",
                    [channel, *chunk],
                ):
                    owners[(channel, value)] = owner
        for customer in unknown:
            if customer.id in stored_ids:
                resolved[customer.id] = customer.id
                self._customer_ids.add(customer.id)
                continue
            if customer.id in merged:
                resolved[customer.id] = merged[customer.id]
                continue
            for point in customer.contacts:
                owner = owners.get((point.channel, point.value))
                if owner is not None:
                    resolved[customer.id] = owner
                    self._contact_ids.setdefault(point.channel, {})[point.value] = owner
                    break
        return resolved

    def _remember(self, customer: Customer) -> None:
        if len(self._customer_ids) > 500_000:
            self._forget_caches()
        self._customer_ids.add(customer.id)
        for point in customer.contacts:
            self._contact_ids.setdefault(point.channel, {})[point.value] = customer.id
        self._signatures[customer.id] = signature(customer)

    # -- customers ----------------------------------------------------------------------------

    def save_customer(self, customer: Customer) -> Customer:
        connection = self._connection()
        with self.transaction():
            for point in customer.contacts:
                row = connection.execute(
                    "SELECT customer_id FROM contact_points WHERE channel=? AND value=?",
                    (point.channel, point.value),
                ).fetchone()
                if row is not None and row[0] != customer.id:
                    raise StoreError(
                        f"contact {point.channel}:{point.value} already belongs to "
                        f"customer {row[0]}"
                    )
            connection.execute(
                "INSERT OR REPLACE INTO customers VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                _customer_row(customer, customer.created_at),
            )
            connection.execute("DELETE FROM contact_points WHERE customer_id=?", (customer.id,))
            connection.executemany(
                "INSERT INTO contact_points VALUES (?,?,?,?)",
                [(p.channel, p.value, customer.id, i) for i, p in enumerate(customer.contacts)],
            )
        self._forget_caches()
        return customer

    def get_customer(self, customer_id: str) -> Customer:
        connection = self._connection()
        row = connection.execute("SELECT * FROM customers WHERE id=?", (customer_id,)).fetchone()
        if row is None:
            row = connection.execute(
                "SELECT c.* FROM customer_merges m JOIN customers c ON c.id = m.into_id "
                "WHERE m.merged_id = ?",
                (customer_id,),
            ).fetchone()
        if row is None:
            raise NotFoundError("customer", customer_id)
        return self._customer_from_row(row)

    def find_customer(self, channel: str, value: str) -> Customer | None:
        point = ContactPoint(channel, value)
        row = (
            self._connection()
            .execute(
                "SELECT customer_id FROM contact_points WHERE channel=? AND value=?",
                (point.channel, point.value),
            )
            .fetchone()
        )
        return None if row is None else self.get_customer(row[0])

    def iter_customers(self) -> Iterator[Customer]:
        last = ""
        while True:
            rows = (
                self._connection()
                .execute("SELECT * FROM customers WHERE id > ? ORDER BY id LIMIT ?", (last, _PAGE))
                .fetchall()
            )
            for row in rows:
                yield self._customer_from_row(row)
            if len(rows) < _PAGE:
                return
            last = rows[-1][0]

    def _customer_from_row(self, row: Sequence[Any]) -> Customer:
        contacts = tuple(
            ContactPoint(channel, value)
            for channel, value in self._connection().execute(
                "SELECT channel, value FROM contact_points WHERE customer_id=? ORDER BY position",
                (row[0],),
            )
        )
        return Customer(
            id=row[0],
            name=row[1],
            preferred_name=row[2],
            kind=row[3],
            language=row[4],
            timezone=row[5],
            segments=json.loads(row[6]),
            memberships=json.loads(row[7]),
            contacts=contacts,
            consents=Consents(contact=bool(row[8]), surveys=bool(row[9])),
            created_at=_datetime(row[10]),
        )

    # -- interactions and feedback -----------------------------------------------------------

    def get_interaction(self, interaction_id: str) -> Interaction:
        row = (
            self._connection()
            .execute("SELECT * FROM interactions WHERE id=?", (interaction_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError("interaction", interaction_id)
        return _interaction_from_row(row)

    def get_feedback(self, feedback_id: str) -> Feedback:
        row = (
            self._connection()
            .execute("SELECT * FROM feedback WHERE id=?", (feedback_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError("feedback", feedback_id)
        return _feedback_from_row(row)

    def iter_feedback(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        channel: str | None = None,
        kind: FeedbackKind | None = None,
        customer_id: str | None = None,
    ) -> Iterator[Feedback]:
        where, params = _feedback_filters(since, until, channel, kind, customer_id)
        cursor: tuple[str, str] = ("", "")
        while True:
            rows = (
                self._connection()
                .execute(
                    f"SELECT f.* FROM feedback f {where} AND (f.created_at, f.id) > (?, ?) "
                    "ORDER BY f.created_at, f.id LIMIT ?",
                    [*params, *cursor, _PAGE],
                )
                .fetchall()
            )
            for row in rows:
                yield _feedback_from_row(row)
            if len(rows) < _PAGE:
                return
            cursor = (rows[-1][3], rows[-1][0])

    def count_feedback(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        channel: str | None = None,
        kind: FeedbackKind | None = None,
        customer_id: str | None = None,
    ) -> int:
        where, params = _feedback_filters(since, until, channel, kind, customer_id)
        row = (
            self._connection()
            .execute(f"SELECT count(*) FROM feedback f {where}", params)
            .fetchone()
        )
        return int(row[0])

    def iter_interactions(self, *, customer_id: str | None = None) -> Iterator[Interaction]:
        if customer_id is not None:
            rows = self._connection().execute(
                "SELECT * FROM interactions WHERE customer_id = ? ORDER BY occurred_at, id",
                (customer_id,),
            )
            for row in rows.fetchall():
                yield _interaction_from_row(row)
            return
        page: list[Any]
        after = 0
        while True:
            page = (
                self._connection()
                .execute(
                    "SELECT rowid, * FROM interactions WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (after, _PAGE),
                )
                .fetchall()
            )
            for row in page:
                yield _interaction_from_row(row[1:])
            if len(page) < _PAGE:
                return
            after = page[-1][0]

    # -- cases --------------------------------------------------------------------------------

    def add_cases(
        self, cases: Sequence[Case], events: Sequence[Event] = (), timers: Sequence[Timer] = ()
    ) -> list[Case]:
        if not cases:
            return []
        connection = self._connection()
        with self.transaction():
            known: set[str] = set()
            ids = [case.id for case in cases]
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                known.update(
                    row[0]
                    for row in connection.execute(
                        f"SELECT id FROM cases WHERE id IN ({marks})", list(chunk)
                    )
                )
            added: list[Case] = []
            for case in cases:
                if case.version == 0 and case.id not in known:
                    known.add(case.id)
                    added.append(attrs.evolve(case, version=1))
            connection.executemany(
                f"INSERT INTO cases VALUES ({','.join('?' * 12)})",
                [_case_row(case) for case in added],
            )
            new = {case.id for case in added}
            self._insert_events(connection, [e for e in events if e.case_id in new])
            self.schedule_timers([t for t in timers if t.case_id in new])
        return added

    def save_case(self, case: Case, events: Sequence[Event] = ()) -> Case:
        connection = self._connection()
        with self.transaction():
            saved = attrs.evolve(case, version=case.version + 1)
            row = _case_row(saved)
            # An update in place touches only the indexes whose columns changed (REPLACE would
            # delete and re-insert the row); the version in the WHERE clause detects a writer
            # that saved the case since it was read.
            updated = connection.execute(
                "UPDATE cases SET customer_id=?, feedback_id=?, stage=?, priority=?, owner=?, "
                "team=?, opened_at=?, problem_id=?, version=?, data=?, waiting_since=? "
                "WHERE id=? AND version=?",
                (*row[1:], case.id, case.version),
            ).rowcount
            if not updated:
                stored = connection.execute(
                    "SELECT version FROM cases WHERE id=?", (case.id,)
                ).fetchone()
                if stored is not None or case.version != 0:
                    raise ConflictError(
                        f"case {case.id} was saved by another writer (stored version "
                        f"{0 if stored is None else stored[0]}, this copy has {case.version}); "
                        "load it again"
                    )
                connection.execute(f"INSERT INTO cases VALUES ({','.join('?' * 12)})", row)
            self._insert_events(connection, events)
        return saved

    def get_case(self, case_id: str) -> Case:
        row = self._connection().execute("SELECT data FROM cases WHERE id=?", (case_id,)).fetchone()
        if row is None:
            raise NotFoundError("case", case_id)
        return load(Case, json.loads(row[0]))

    def get_cases(self, case_ids: Sequence[str]) -> dict[str, Case]:
        """The stored cases among ``case_ids``, by id: one ``SELECT … WHERE id IN (…)`` per
        chunk of ids."""
        connection = self._connection()
        found: dict[str, Case] = {}
        for chunk in _chunks(list(dict.fromkeys(case_ids))):
            marks = ",".join("?" * len(chunk))
            rows = connection.execute(
                f"SELECT id, data FROM cases WHERE id IN ({marks})", list(chunk)
            ).fetchall()
            for case_id, data in rows:
                found[case_id] = load(Case, json.loads(data))
        return found

    def save_cases(self, cases: Sequence[Case], events: Sequence[Event] = ()) -> None:
        """Changed cases and their events in one transaction, each case versioned.

        One ``executemany`` writes only ``version`` and ``data`` of the cases whose indexed
        columns are unchanged (the usual change made by a timer: an update that assigns a column
        rewrites that column's index entries, even to the same value); a second one writes the
        rest in full; the events go in with a third.
        """
        if any(case.version == 0 for case in cases):
            super().save_cases(cases, events)  # new cases: rare, one at a time
            return
        connection = self._connection()
        with self.transaction():
            rows = [_case_row(case, case.version + 1) for case in cases]
            updated = connection.executemany(
                "UPDATE cases SET version=?, data=? WHERE id=? AND version=? AND customer_id IS ? "
                "AND feedback_id IS ? AND stage IS ? AND priority IS ? AND owner IS ? "
                "AND team IS ? AND opened_at IS ? AND problem_id IS ? AND waiting_since IS ?",
                [(row[9], row[10], row[0], row[9] - 1, *row[1:9], row[11]) for row in rows],
            ).rowcount
            if updated != len(cases):  # the cases that changed indexed columns: in full
                updated += connection.executemany(
                    "UPDATE cases SET customer_id=?, feedback_id=?, stage=?, priority=?, "
                    "owner=?, team=?, opened_at=?, problem_id=?, version=?, data=?, "
                    "waiting_since=? WHERE id=? AND version=?",
                    [(*row[1:], row[0], row[9] - 1) for row in rows],
                ).rowcount
            if updated != len(cases):
                # Some version did not match: name one (the transaction rolls back). A row this
                # call wrote holds this call's version and data.
                written: set[str] = set()
                for case, row in zip(cases, rows, strict=True):
                    stored = connection.execute(
                        "SELECT version, data FROM cases WHERE id=?", (case.id,)
                    ).fetchone()
                    if stored is not None and tuple(stored) == (row[9], row[10]):
                        if case.id not in written:
                            written.add(case.id)
                            continue
                        stored = (case.version + 1, None)  # given twice: the second is stale
                    raise ConflictError(
                        f"case {case.id} was saved by another writer (stored version "
                        f"{0 if stored is None else stored[0]}, this copy has {case.version}); "
                        "load it again"
                    )
                raise ConflictError("another writer saved a case of the batch; load them again")
            self._insert_events(connection, events)

    def iter_cases(
        self,
        *,
        stage: CaseStage | None = None,
        customer_id: str | None = None,
        problem_id: str | None = None,
        waiting: bool | None = None,
    ) -> Iterator[Case]:
        clauses, params = ["(opened_at, id) > (?, ?)"], []
        if waiting is not None:
            clauses.append(f"waiting_since IS {'NOT ' if waiting else ''}NULL")
        if stage is not None:
            clauses.append("stage = ?")
            params.append(CaseStage(stage).value)
        if customer_id is not None:
            clauses.append("customer_id = ?")
            params.append(customer_id)
        if problem_id is not None:
            clauses.append("problem_id = ?")
            params.append(problem_id)
        cursor: tuple[str, str] = ("", "")
        while True:
            rows = (
                self._connection()
                .execute(
                    f"SELECT opened_at, id, data FROM cases WHERE {' AND '.join(clauses)} "
                    "ORDER BY opened_at, id LIMIT ?",
                    [*cursor, *params, _PAGE],
                )
                .fetchall()
            )
            for row in rows:
                yield load(Case, json.loads(row[2]))
            if len(rows) < _PAGE:
                return
            cursor = (rows[-1][0], rows[-1][1])

    # -- problems -----------------------------------------------------------------------------

    def save_problem(self, problem: Problem, events: Sequence[Event] = ()) -> Problem:
        connection = self._connection()
        with self.transaction():
            row = connection.execute(
                "SELECT version FROM problems WHERE id=?", (problem.id,)
            ).fetchone()
            stored_version = 0 if row is None else row[0]
            if stored_version != problem.version:
                raise ConflictError(
                    f"problem {problem.id} was saved by another writer (stored version "
                    f"{stored_version}, this copy has {problem.version}); load it again"
                )
            saved = attrs.evolve(problem, version=problem.version + 1)
            connection.execute(
                "INSERT OR REPLACE INTO problems VALUES (?,?,?,?,?)",
                (
                    saved.id,
                    saved.status.value,
                    to_utc_text(saved.opened_at),
                    saved.version,
                    _JSON(dump(saved)),
                ),
            )
            self._insert_events(connection, events)
        return saved

    def get_problem(self, problem_id: str) -> Problem:
        row = (
            self._connection()
            .execute("SELECT data FROM problems WHERE id=?", (problem_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError("problem", problem_id)
        return load(Problem, json.loads(row[0]))

    def iter_problems(self, *, status: ProblemStatus | None = None) -> Iterator[Problem]:
        sql = "SELECT data FROM problems"
        params: list[Any] = []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(ProblemStatus(status).value)
        rows = self._connection().execute(f"{sql} ORDER BY opened_at, id", params).fetchall()
        for row in rows:
            yield load(Problem, json.loads(row[0]))

    # -- timers -------------------------------------------------------------------------------

    def schedule_timers(self, timers: Sequence[Timer]) -> None:
        if not timers:
            return
        connection = self._connection()
        with self.transaction():
            connection.executemany(
                "INSERT OR IGNORE INTO timers (id, case_id, kind, due_at, data) VALUES (?,?,?,?,?)",
                [
                    (t.id, t.case_id, t.kind, to_utc_text(t.due_at), _json_or_none(t.data))
                    for t in timers
                ],
            )

    def cancel_timers(self, case_id: str, kinds: Sequence[str] | None = None) -> int:
        connection = self._connection()
        sql = "UPDATE timers SET fired_at = '' WHERE case_id = ? AND fired_at IS NULL"
        params: list[Any] = [case_id]
        if kinds is not None:
            if not kinds:
                return 0
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            params.extend(kinds)
        with self.transaction():
            return connection.execute(sql, params).rowcount

    def due_timers(self, now: datetime, *, limit: int = 500) -> list[Timer]:
        rows = (
            self._connection()
            .execute(
                "SELECT id, case_id, kind, due_at, data FROM timers "
                "WHERE fired_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?",
                (to_utc_text(now), limit),
            )
            .fetchall()
        )
        return [_timer(row) for row in rows]

    def fire_timer(self, timer_id: str, at: datetime) -> bool:
        connection = self._connection()
        with self.transaction():
            cursor = connection.execute(
                "UPDATE timers SET fired_at = ? WHERE id = ? AND fired_at IS NULL",
                (to_utc_text(at), timer_id),
            )
            return cursor.rowcount == 1

    def fire_timers(self, timer_ids: Sequence[str], at: datetime) -> set[str]:
        """Mark pending timers as fired with one ``UPDATE … RETURNING id`` per chunk of ids."""
        connection = self._connection()
        marked: set[str] = set()
        with self.transaction():
            for chunk in _chunks(list(timer_ids)):
                marks = ",".join("?" * len(chunk))
                rows = connection.execute(
                    f"UPDATE timers SET fired_at = ? WHERE fired_at IS NULL AND id IN ({marks}) "
                    "RETURNING id",
                    [to_utc_text(at), *chunk],
                ).fetchall()
                marked.update(row[0] for row in rows)
        return marked

    def iter_timers(self, *, case_id: str | None = None) -> Iterator[Timer]:
        sql = "SELECT id, case_id, kind, due_at, data FROM timers WHERE fired_at IS NULL"
        params: list[Any] = []
        if case_id is not None:
            sql += " AND case_id = ?"
            params.append(case_id)
        rows = self._connection().execute(f"{sql} ORDER BY due_at, id", params).fetchall()
        for row in rows:
            yield _timer(row)

    # -- messages -----------------------------------------------------------------------------

    def queue_messages(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        connection = self._connection()
        with self.transaction():
            connection.executemany(
                "INSERT OR IGNORE INTO messages "
                "(id, customer_id, case_id, created_at, next_attempt_at, data) "
                "VALUES (?,?,?,?,?,?)",
                [
                    (
                        m.id,
                        m.customer_id,
                        m.case_id,
                        to_utc_text(m.created_at),
                        to_utc_text(m.created_at),
                        _JSON(dump(m)),
                    )
                    for m in messages
                ],
            )

    def messages_to_send(self, now: datetime, *, limit: int = 100) -> list[Message]:
        rows = (
            self._connection()
            .execute(
                "SELECT data FROM messages WHERE next_attempt_at IS NOT NULL "
                "AND next_attempt_at <= ? ORDER BY created_at, id LIMIT ?",
                (to_utc_text(now), limit),
            )
            .fetchall()
        )
        return [load(Message, json.loads(row[0])) for row in rows]

    def record_delivery(self, delivery: Delivery, *, retry_at: datetime | None = None) -> None:
        retry = retry_at if delivery.status is DeliveryStatus.FAILED else None
        connection = self._connection()
        with self.transaction():
            cursor = connection.execute(
                "UPDATE messages SET status = ?, attempts = attempts + 1, next_attempt_at = ?, "
                "delivery = ? WHERE id = ?",
                (
                    delivery.status.value,
                    None if retry is None else to_utc_text(retry),
                    _JSON(dump(delivery)),
                    delivery.message_id,
                ),
            )
            if cursor.rowcount != 1:
                raise NotFoundError("message", delivery.message_id)

    def get_message(self, message_id: str) -> StoredMessage:
        row = (
            self._connection()
            .execute(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError("message", message_id)
        return _stored_message(row)

    def iter_messages(
        self,
        *,
        customer_id: str | None = None,
        case_id: str | None = None,
        since: datetime | None = None,
    ) -> Iterator[StoredMessage]:
        clauses, params = ["1=1"], []
        if customer_id is not None:
            clauses.append("customer_id = ?")
            params.append(customer_id)
        if case_id is not None:
            clauses.append("case_id = ?")
            params.append(case_id)
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(to_utc_text(since))
        rows = (
            self._connection()
            .execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE {' AND '.join(clauses)} "
                "ORDER BY created_at, id",
                params,
            )
            .fetchall()
        )
        for row in rows:
            yield _stored_message(row)

    # -- survey invitations ---------------------------------------------------------------------

    def save_invitation(self, invitation: Invitation) -> bool:
        if not isinstance(invitation, Invitation):
            raise ValidationError("invitation", invitation, "must be an Invitation")
        connection = self._connection()
        with self.transaction():
            cursor = connection.execute(
                "INSERT OR IGNORE INTO invitations (id, customer_id, survey_id, send_at, data) "
                "VALUES (?,?,?,?,?)",
                (
                    invitation.id,
                    invitation.customer_id,
                    invitation.survey_id,
                    to_utc_text(invitation.send_at),
                    _JSON(dump(invitation)),
                ),
            )
            return cursor.rowcount == 1

    def get_invitation(self, invitation_id: str) -> Invitation:
        row = (
            self._connection()
            .execute("SELECT data FROM invitations WHERE id = ?", (invitation_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError("invitation", invitation_id)
        return load(Invitation, json.loads(row[0]))

    def iter_invitations(
        self, *, customer_id: str | None = None, since: datetime | None = None
    ) -> Iterator[Invitation]:
        clauses, params = ["1=1"], []
        if customer_id is not None:
            clauses.append("customer_id = ?")
            params.append(customer_id)
        if since is not None:
            clauses.append("send_at >= ?")
            params.append(to_utc_text(since))
        rows = (
            self._connection()
            .execute(
                f"SELECT data FROM invitations WHERE {' AND '.join(clauses)} ORDER BY send_at, id",
                params,
            )
            .fetchall()
        )
        for row in rows:
            yield load(Invitation, json.loads(row[0]))

    def claim_token(self, invitation_id: str, at: datetime) -> bool:
        connection = self._connection()
        with self.transaction():
            cursor = connection.execute(
                "UPDATE invitations SET claimed_at = ? WHERE id = ? AND claimed_at IS NULL",
                (to_utc_text(at), invitation_id),
            )
            if cursor.rowcount == 1:
                return True
            known = connection.execute(
                "SELECT 1 FROM invitations WHERE id = ?", (invitation_id,)
            ).fetchone()
            if known is None:
                raise NotFoundError("invitation", invitation_id)
            return False

    def token_claimed_at(self, invitation_id: str) -> datetime | None:
        row = (
            self._connection()
            .execute("SELECT claimed_at FROM invitations WHERE id = ?", (invitation_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError("invitation", invitation_id)
        return _datetime(row[0])

    # -- events -------------------------------------------------------------------------------

    def add_events(self, events: Sequence[Event]) -> None:
        connection = self._connection()
        with self.transaction():
            self._insert_events(connection, events)

    def _insert_events(self, connection: sqlite3.Connection, events: Sequence[Event]) -> None:
        self._insert_event_rows(connection, [_event_row(event) for event in events])

    def _insert_event_rows(
        self, connection: sqlite3.Connection, rows: list[tuple[Any, ...]]
    ) -> None:
        if rows:
            connection.executemany(
                "INSERT OR IGNORE INTO events "
                "(id, type, occurred_at, actor, customer_id, case_id, feedback_id, reason, data) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                rows,
            )

    def iter_events(self, *, after: int = 0, limit: int | None = None) -> Iterator[StoredEvent]:
        remaining = limit
        while remaining is None or remaining > 0:
            page = _PAGE if remaining is None else min(_PAGE, remaining)
            rows = (
                self._connection()
                .execute("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (after, page))
                .fetchall()
            )
            for row in rows:
                yield _stored_event(row)
            if remaining is not None:
                remaining -= len(rows)
            if len(rows) < page:
                return
            after = rows[-1][0]

    def pending_events(self, consumer: str, *, limit: int = 1000) -> list[StoredEvent]:
        connection = self._connection()
        row = connection.execute("SELECT seq FROM outbox WHERE consumer=?", (consumer,)).fetchone()
        after = 0 if row is None else row[0]
        return list(self.iter_events(after=after, limit=limit))

    def confirm_events(self, consumer: str, up_to: int) -> None:
        connection = self._connection()
        with self.transaction():
            connection.execute(
                "INSERT INTO outbox (consumer, seq) VALUES (?, ?) "
                "ON CONFLICT (consumer) DO UPDATE SET seq = max(seq, excluded.seq)",
                (consumer, up_to),
            )

    def claim_events_of(
        self, consumer: str, types: Sequence[str], *, limit: int = 1000
    ) -> tuple[list[StoredEvent], int]:
        """The consumer's pending events of ``types`` through one filtered ``SELECT``: events of
        other types are passed over without being read into Python."""
        connection = self._connection()
        row = connection.execute("SELECT seq FROM outbox WHERE consumer=?", (consumer,)).fetchone()
        after = 0 if row is None else row[0]
        # The newest event first: every event up to it is committed (one writer at a time).
        newest = connection.execute("SELECT max(seq) FROM events").fetchone()[0] or 0
        if newest <= after or not types:
            return [], newest if newest > after else 0
        rows = connection.execute(
            f"SELECT * FROM events WHERE seq > ? AND seq <= ? AND type IN "
            f"({','.join('?' * len(types))}) ORDER BY seq LIMIT ?",
            (after, newest, *types, limit),
        ).fetchall()
        events = [_stored_event(row) for row in rows]
        return events, events[-1].seq if len(events) == limit else newest

    # -- rejected input -----------------------------------------------------------------------

    def add_rejections(self, rejections: Sequence[Rejection]) -> None:
        if not rejections:
            return
        connection = self._connection()
        with self.transaction():
            connection.executemany(
                "INSERT INTO rejections (source, line, field, reason, raw, received_at) "
                "VALUES (?,?,?,?,?,?)",
                [
                    (
                        r.source,
                        r.line,
                        r.field,
                        r.reason,
                        r.raw,
                        None if r.received_at is None else to_utc_text(r.received_at),
                    )
                    for r in rejections
                ],
            )

    def iter_rejections(self, *, source: str | None = None) -> Iterator[Rejection]:
        after = 0
        while True:
            sql = "SELECT * FROM rejections WHERE seq > ?"
            params: list[Any] = [after]
            if source is not None:
                sql += " AND source = ?"
                params.append(source)
            rows = (
                self._connection()
                .execute(f"{sql} ORDER BY seq LIMIT ?", [*params, _PAGE])
                .fetchall()
            )
            for row in rows:
                yield Rejection(
                    source=row[1],
                    line=row[2],
                    field=row[3],
                    reason=row[4],
                    raw=row[5],
                    received_at=_datetime(row[6]),
                )
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    def counts(self) -> dict[str, int]:
        connection = self._connection()
        tables = (
            "customers",
            "interactions",
            "feedback",
            "cases",
            "problems",
            "messages",
            "events",
            "rejections",
        )
        return {
            table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in tables
        }

    # -- identity and privacy -----------------------------------------------------------------

    def merged_ids(self, customer_id: str) -> set[str]:
        rows = self._connection().execute(
            "SELECT merged_id FROM customer_merges WHERE into_id = ?", (customer_id,)
        )
        return {row[0] for row in rows.fetchall()}

    def merge_customers(
        self,
        keep_id: str,
        merge_id: str,
        *,
        at: datetime,
        actor: str = "system",
        reason: str | None = None,
    ) -> Customer:
        check_instant(at)
        connection = self._connection()
        with self.transaction():
            self._merge(connection, keep_id, merge_id, at=at, actor=actor, reason=reason)
            return self.get_customer(keep_id)

    def erase_customer(
        self,
        customer_id: str,
        *,
        at: datetime,
        actor: str = "system",
        reason: str | None = None,
    ) -> ErasureReport:
        """See :meth:`Store.erase_customer`. Outside a transaction, the file is then rebuilt
        (``VACUUM``) and the write-ahead log emptied, so that no erased value stays in free
        space or in old page copies; inside one, that happens only when ``VACUUM`` is called
        later."""
        check_instant(at)
        connection = self._connection()
        outermost = not self._local.depth
        with self.transaction():
            tables = self._tables(connection)
            report = erase_in_sql(tables, customer_id, at=at, actor=actor, reason=reason)
            self._note_identity_change(connection, "erase", at)
        if outermost:
            try:
                self.compact()
            except sqlite3.Error as error:
                raise StoreError(
                    f"customer erased (now {report.customer_id}), but {self.path} could not be "
                    f"rebuilt to drop the old bytes: {error}; call compact() again"
                ) from error
        return report

    def compact(self) -> bool:
        """Rebuild the file from its live rows (``VACUUM``) and empty the write-ahead log into
        it, so that no deleted or overwritten value stays in free pages or old page copies.

        Takes time and disk space in proportion to the file's size. Returns False if a reader
        kept part of the log in use (its pages are then copied by a later checkpoint).
        """
        connection = self._connection()
        connection.execute("VACUUM")
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy

    def _merge(
        self,
        connection: sqlite3.Connection,
        keep_id: str,
        merge_id: str,
        *,
        at: datetime,
        actor: str,
        reason: str | None,
    ) -> None:
        merge_in_sql(self._tables(connection), keep_id, merge_id, at=at, actor=actor, reason=reason)
        self._note_identity_change(connection, "merge", at)

    def _tables(self, connection: sqlite3.Connection) -> SQLTables:
        """This store's tables on ``connection``, for the statements erasure and merging share
        with PostgreSQL (:mod:`clientvoice.stores._customers`)."""
        return SQLTables(
            store=self,
            execute=connection.execute,
            execute_many=connection.executemany,
            add_events=lambda events: self._insert_events(connection, events),
            mark="?",
            event_key="seq",
        )

    def _note_identity_change(
        self, connection: sqlite3.Connection, kind: str, at: datetime
    ) -> None:
        """Count a merge or an erasure, so every store on this file forgets its customer caches."""
        connection.execute(
            "INSERT INTO identity_changes (kind, at) VALUES (?, ?)", (kind, to_utc_text(at))
        )
        self._forget_caches()
        if kind == "merge":
            self._has_merges = True

    def _check_identity(self, connection: sqlite3.Connection) -> None:
        """Forget the customer caches if a merge or an erasure happened since they were filled."""
        seq = connection.execute("SELECT max(seq) FROM identity_changes").fetchone()[0] or 0
        if seq != self._identity_seq:
            self._forget_caches()
            self._identity_seq = seq
            self._has_merges = (
                connection.execute("SELECT 1 FROM customer_merges LIMIT 1").fetchone() is not None
            )

    def _link(
        self, connection: sqlite3.Connection, known: list[tuple[str, Customer, datetime]]
    ) -> dict[str, str]:
        """Link the descriptions of known customers (:func:`~clientvoice.identity.link_customers`),
        skipping those already linked; returns the ids merged away."""
        signatures = self._signatures
        todo = [entry for entry in known if signatures.get(entry[0]) != signature(entry[1])]
        if not todo:
            return {}

        def merge(keep_id: str, merge_id: str, when: datetime) -> None:
            self._merge(
                connection,
                keep_id,
                merge_id,
                at=when,
                actor="system",
                reason=AUTOMATIC_MERGE_REASON,
            )

        gone = link_customers(
            todo,
            owners=lambda points: self._owners(connection, points),
            profile=self.get_customer,
            merge=merge,
            save=lambda customer: self._save_profile(connection, customer),
        )
        for stored_id, heard, _ in todo:
            if stored_id not in gone:
                signatures[stored_id] = signature(heard)
        return gone

    def _owners(
        self, connection: sqlite3.Connection, points: Sequence[ContactPoint]
    ) -> dict[ContactPoint, str]:
        owners: dict[ContactPoint, str] = {}
        for point in points:
            row = connection.execute(
                "SELECT customer_id FROM contact_points WHERE channel=? AND value=?",
                (point.channel, point.value),
            ).fetchone()
            if row is not None:
                owners[point] = row[0]
        return owners

    def _save_profile(self, connection: sqlite3.Connection, customer: Customer) -> None:
        """Write what linking adds to a stored customer: contact points, segments, programmes."""
        connection.execute(
            "UPDATE customers SET segments=?, memberships=? WHERE id=?",
            (_JSON(sorted(customer.segments)), _JSON(dict(customer.memberships)), customer.id),
        )
        connection.executemany(
            "INSERT OR IGNORE INTO contact_points VALUES (?,?,?,?)",
            [(p.channel, p.value, customer.id, i) for i, p in enumerate(customer.contacts)],
        )
        for point in customer.contacts:
            self._contact_ids.setdefault(point.channel, {})[point.value] = customer.id

    def claim_messages(
        self, now: datetime, *, limit: int = 100, lease: timedelta = timedelta(minutes=5)
    ) -> list[Message]:
        """Messages due at ``now``, each held for ``lease`` (see :meth:`Store.claim_messages`):
        their next attempt moves to ``now + lease`` in the same write transaction."""
        connection = self._connection()
        with self.transaction():
            claimed = self.messages_to_send(now, limit=limit)
            connection.executemany(
                "UPDATE messages SET next_attempt_at = ? WHERE id = ?",
                [(to_utc_text(now + lease), message.id) for message in claimed],
            )
        return claimed

    # -- metrics ------------------------------------------------------------------------------

    def score_counts(
        self,
        metric: str,
        *,
        period: str | None = None,
        by: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        tz: str = "UTC",
    ) -> dict[tuple[date | None, str | None, int], int]:
        """The counts of :meth:`Store.score_counts`, aggregated in SQL (see
        :func:`~clientvoice.stores._scores.score_counts_in_sql`)."""
        connection = self._connection()
        return score_counts_in_sql(
            lambda sql, params: connection.execute(sql, params).fetchall(),
            "?",
            metric,
            period=period,
            by=by,
            since=since,
            until=until,
            tz=tz,
            in_python=lambda: super(SQLiteStore, self).score_counts(
                metric, period=period, by=by, since=since, until=until, tz=tz
            ),
        )


# --------------------------------------------------------------------------------------------
# Rows


_MESSAGE_COLUMNS = "data, status, attempts, next_attempt_at, delivery"


def _stored_message(row: Sequence[Any]) -> StoredMessage:
    return StoredMessage(
        message=load(Message, json.loads(row[0])),
        status=None if row[1] is None else DeliveryStatus(row[1]),
        attempts=row[2],
        next_attempt_at=_datetime(row[3]),
        last_delivery=None if row[4] is None else load(Delivery, json.loads(row[4])),
    )


def _timer(row: Sequence[Any]) -> Timer:
    return Timer(
        id=row[0],
        case_id=row[1],
        kind=row[2],
        due_at=datetime.fromisoformat(row[3]),
        data=json.loads(row[4]) if row[4] else {},
    )


def _chunks(values: Sequence[str] | list[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _datetime(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# Encoders made once: json.dumps with options builds a new encoder on every call.
_JSON = json.JSONEncoder(ensure_ascii=False).encode
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json_or_none(value: Any) -> str | None:
    return _COMPACT_JSON(value) if value else None


def _customer_row(customer: Customer, created_at: datetime | None) -> tuple[Any, ...]:
    return (
        customer.id,
        customer.name,
        customer.preferred_name,
        customer.kind._value_,
        customer.language,
        customer.timezone,
        _JSON(sorted(customer.segments)),
        _JSON(dict(customer.memberships)),
        int(customer.consents.contact),
        int(customer.consents.surveys),
        None if created_at is None else to_utc_text(created_at),
    )


def _interaction_row(interaction: Interaction, occurred_at: str) -> tuple[Any, ...]:
    return (
        interaction.id,
        interaction.customer_id,
        interaction.channel,
        interaction.external_id,
        occurred_at,
        interaction.direction._value_,
        interaction.subject,
        interaction.body,
        interaction.agent,
        interaction.thread_id,
        _json_or_none(interaction.metadata),
    )


def _interaction_from_row(row: Sequence[Any]) -> Interaction:
    return Interaction(
        id=row[0],
        customer_id=row[1],
        channel=row[2],
        external_id=row[3],
        occurred_at=datetime.fromisoformat(row[4]),
        direction=row[5],
        subject=row[6],
        body=row[7],
        agent=row[8],
        thread_id=row[9],
        metadata=json.loads(row[10]) if row[10] else {},
    )


def _feedback_row(feedback: Feedback, known: datetime, known_text: str) -> tuple[Any, ...]:
    """The row of ``feedback``; ``known``/``known_text`` spare converting the same instant twice."""
    return (
        feedback.id,
        feedback.customer_id,
        feedback.interaction_id,
        known_text if feedback.created_at is known else to_utc_text(feedback.created_at),
        feedback.text,
        None if feedback.kind is None else feedback.kind._value_,
        feedback.language,
        feedback.nps,
        feedback.csat,
        feedback.ces,
        int(feedback.follow_up_requested),
        None if feedback.analysis is None else _JSON(dump(feedback.analysis)),
    )


def _feedback_from_row(row: Sequence[Any]) -> Feedback:
    from clientvoice.models import Analysis

    return Feedback(
        id=row[0],
        customer_id=row[1],
        interaction_id=row[2],
        created_at=datetime.fromisoformat(row[3]),
        text=row[4],
        kind=row[5],
        language=row[6],
        nps=row[7],
        csat=row[8],
        ces=row[9],
        follow_up_requested=bool(row[10]),
        analysis=None if row[11] is None else load(Analysis, json.loads(row[11])),
    )


def _feedback_filters(
    since: datetime | None,
    until: datetime | None,
    channel: str | None,
    kind: FeedbackKind | None,
    customer_id: str | None,
) -> tuple[str, list[Any]]:
    clauses, params = ["1=1"], []
    if since is not None:
        clauses.append("f.created_at >= ?")
        params.append(to_utc_text(since))
    if until is not None:
        clauses.append("f.created_at < ?")
        params.append(to_utc_text(until))
    if kind is not None:
        clauses.append("f.kind = ?")
        params.append(FeedbackKind(kind).value)
    if customer_id is not None:
        clauses.append("f.customer_id = ?")
        params.append(customer_id)
    if channel is not None:
        clauses.append("f.interaction_id IN (SELECT id FROM interactions WHERE channel = ?)")
        params.append(channel)
    return "WHERE " + " AND ".join(clauses), params


def _event_row(
    event: Event, known: datetime | None = None, known_text: str = ""
) -> tuple[Any, ...]:
    """The row of ``event``; ``known``/``known_text`` spare converting the same instant twice."""
    return (
        event.id,
        event.type,
        known_text if event.occurred_at is known else to_utc_text(event.occurred_at),
        event.actor,
        event.customer_id,
        event.case_id,
        event.feedback_id,
        event.reason,
        _json_or_none(event.data),
    )


def _stored_event(row: Sequence[Any]) -> StoredEvent:
    return StoredEvent(
        seq=row[0],
        event=Event(
            id=row[1],
            type=row[2],
            occurred_at=datetime.fromisoformat(row[3]),
            actor=row[4],
            customer_id=row[5],
            case_id=row[6],
            feedback_id=row[7],
            reason=row[8],
            data=json.loads(row[9]) if row[9] else {},
        ),
    )


def _case_row(case: Case, version: int | None = None) -> tuple[Any, ...]:
    """The row of ``case``; with ``version``, of the case saved as that version (no copy)."""
    data = dump(case)
    if version is None:
        version = case.version
    else:
        data["version"] = version
    return (
        case.id,
        case.customer_id,
        case.feedback_id,
        case.stage.value,
        case.priority.value,
        case.owner,
        case.team,
        to_utc_text(case.opened_at),
        case.problem_id,
        version,
        _JSON(data),
        None if case.waiting_since is None else to_utc_text(case.waiting_since),
    )
