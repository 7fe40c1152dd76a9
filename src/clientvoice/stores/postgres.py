"""PostgresStore: the store for many processes and machines, on PostgreSQL through psycopg 3.

Install the extra: ``pip install "clientvoice[postgres]"``. Each thread has its own connection.
``with store.transaction():`` is one database transaction (nested use joins it). Cases and
problems are versioned (a save that lost a race raises :class:`~clientvoice.errors.ConflictError`,
and so does a transaction PostgreSQL ended as a deadlock victim), ingestion COPYs each batch into
a staging table and inserts it with ``ON CONFLICT DO NOTHING``, so two processes ingesting the
same file store each record once. Workers share due timers, messages and each outbox consumer
through row locks taken with ``FOR UPDATE SKIP LOCKED`` (see the ``claim_*`` methods). An event
takes its place in the log (its ``seq``) once its transaction has committed, so
:meth:`~PostgresStore.iter_events` inside a transaction does not list the events that
transaction added yet, and a consumer never skips an event that committed late.

The schema is versioned (:mod:`clientvoice.stores.postgres_schema`); pending migrations run when
the store opens, one process at a time, and a database with a newer schema is refused.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from clientvoice._codec import dump, load, to_utc_text
from clientvoice.errors import (
    ConflictError,
    MissingExtraError,
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
from clientvoice.stores._customers import ERASED_TABLES, SQLTables, erase_in_sql, merge_in_sql
from clientvoice.stores._ingest import plan_batch
from clientvoice.stores._scores import score_counts_in_sql
from clientvoice.stores.base import IngestResult, Store, StoredEvent, StoredMessage
from clientvoice.stores.postgres_schema import MIGRATIONS, SCHEMA_TABLE
from clientvoice.stores.sqlite import (
    _JSON,
    _MESSAGE_COLUMNS,
    _case_row,
    _customer_row,
    _datetime,
    _event_row,
    _feedback_from_row,
    _feedback_row,
    _interaction_from_row,
    _interaction_row,
    _json_or_none,
    _stored_event,
    _stored_message,
    _timer,
)
from clientvoice.surveys.invitations import Invitation

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore"]

_PAGE = 1000
_COPY_FROM = 50
"""Inserts of more rows than this go through COPY and a staging table."""
# Keys of the transaction-level advisory locks this store takes (any two distinct bigints).
_MIGRATION_LOCK = 0x636C_7631_0001
_SEQUENCER_LOCK = 0x636C_7631_0002

_INTERACTION_COLUMNS = (
    "id, customer_id, channel, external_id, occurred_at, direction, subject, body, agent, "
    "thread_id, metadata"
)
_EVENT_COLUMNS = "id, type, occurred_at, actor, customer_id, case_id, feedback_id, reason, data"
_EVENT_SELECT = f"seq, {_EVENT_COLUMNS}"
_CASE_COLUMNS = (
    "id, customer_id, feedback_id, stage, priority, owner, team, opened_at, problem_id, "
    "version, data, waiting_since"
)
_TIMER_SELECT = "t.id, t.case_id, t.kind, t.due_at, t.data"
_PENDING = "t.fired_at IS NULL AND NOT t.cancelled"


class PostgresStore(Store):
    """A store in a PostgreSQL database.

    :param url: a libpq connection URL (``postgresql://user:password@host:5432/dbname``) or
        key/value string.
    :param connect_timeout: seconds to wait for the server when connecting.
    :raises MissingExtraError: if psycopg is not installed (extra ``postgres``).
    :raises StoreError: if the server cannot be reached.
    :raises SchemaError: if the database has a newer schema than this clientvoice knows.
    """

    def __init__(self, url: str, *, connect_timeout: float = 10.0) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError as error:
            raise MissingExtraError("postgres", "psycopg") from error
        self.url = url
        self.connect_timeout = connect_timeout
        self._local = threading.local()
        self._connections: list[psycopg.Connection[Any]] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        # Customer descriptions already linked (stored id -> signature), to skip linking again.
        self._signatures: dict[str, int] = {}
        try:
            self._migrate()
        except BaseException:
            self.close()
            raise

    # -- connections and transactions --------------------------------------------------------

    def _connection(self) -> psycopg.Connection[Any]:
        if self._closed:
            raise StoreError(f"{self!r} is closed")
        connection: psycopg.Connection[Any] | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            self._local.connection = connection
            self._local.depth = 0
            self._local.staged = set()
        return connection

    def _log_connection(self) -> psycopg.Connection[Any]:
        """A second connection of this thread, outside its transactions: events are sequenced
        there, so that the lock doing it is never held while the caller's transaction runs."""
        self._connection()
        connection: psycopg.Connection[Any] | None = getattr(self._local, "log", None)
        if connection is None:
            connection = self._connect()
            self._local.log = connection
        return connection

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg

        try:
            connection = psycopg.connect(
                self.url, autocommit=True, connect_timeout=max(1, int(self.connect_timeout))
            )
        except psycopg.Error as error:
            raise StoreError(f"could not connect to PostgreSQL: {error}") from error
        connection.execute("SET TIME ZONE 'UTC'")
        with self._connections_lock:
            if self._closed:
                connection.close()
                raise StoreError(f"{self!r} is closed")
            self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[None]:
        import psycopg
        from psycopg import errors

        connection = self._connection()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield
            finally:
                self._local.depth -= 1
            return
        try:
            connection.execute("BEGIN")
        except psycopg.Error as error:
            raise StoreError(f"could not start a transaction: {error}") from error
        self._local.depth = 1
        try:
            yield
        except BaseException as error:
            with suppress(psycopg.Error):
                connection.execute("ROLLBACK")
            if isinstance(error, (errors.DeadlockDetected, errors.SerializationFailure)):
                raise ConflictError(
                    f"PostgreSQL ended the transaction ({type(error).__name__}): try again"
                ) from error
            if isinstance(error, psycopg.OperationalError):
                raise StoreError(f"PostgreSQL failed: {error}") from error
            raise
        else:
            try:
                connection.execute("COMMIT")
            except psycopg.Error as error:
                raise StoreError(f"could not commit: {error}") from error
        finally:
            self._local.depth = 0

    def _in_transaction(self) -> bool:
        self._connection()
        return bool(self._local.depth)

    def _migrate(self) -> None:
        connection = self._connection()
        with self.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} (version INTEGER NOT NULL)"
            )
            row = connection.execute(f"SELECT version FROM {SCHEMA_TABLE}").fetchone()
            version = 0 if row is None else int(row[0])
            if version > len(MIGRATIONS):
                raise SchemaError(
                    f"the database has schema version {version}, but this clientvoice knows "
                    f"only up to {len(MIGRATIONS)}: upgrade clientvoice"
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                connection.execute(script)
                if row is None:
                    connection.execute(f"INSERT INTO {SCHEMA_TABLE} VALUES (%s)", (number,))
                    row = (number,)
                else:
                    connection.execute(f"UPDATE {SCHEMA_TABLE} SET version = %s", (number,))

    @property
    def schema_version(self) -> int:
        """The schema version of the database."""
        row = self._connection().execute(f"SELECT version FROM {SCHEMA_TABLE}").fetchone()
        return 0 if row is None else int(row[0])

    def close(self) -> None:
        with self._connections_lock:
            self._closed = True
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    # -- ingestion ----------------------------------------------------------------------------

    def ingest(
        self,
        batch: Sequence[Heard],
        *,
        events_for: Callable[[Heard], Sequence[Event]] | None = None,
    ) -> IngestResult:
        with self.transaction():
            plan = plan_batch(batch, self._existing_keys, self._resolve_customers)
            if plan.new_customers:
                self._copy_insert(
                    "customers",
                    "id, name, preferred_name, kind, language, timezone, segments, memberships, "
                    "consent_contact, consent_surveys, created_at",
                    [_customer_row(c, c.created_at or when) for c, when in plan.new_customers],
                )
                self._copy_insert(
                    "contact_points",
                    "channel, value, customer_id, position",
                    [
                        (point.channel, point.value, customer.id, position)
                        for customer, _ in plan.new_customers
                        for position, point in enumerate(customer.contacts)
                    ],
                )
            plan = plan.redirected(self._link(plan.known))
            rows = []
            for item in plan.stored:
                interaction = item.interaction
                rows.append(_interaction_row(interaction, to_utc_text(interaction.occurred_at)))
            inserted = self._copy_insert("interactions", _INTERACTION_COLUMNS, rows, "id")
            stored: list[Heard] = []
            duplicates = list(plan.duplicates)
            feedback: list[tuple[Any, ...]] = []
            events: list[tuple[Any, ...]] = []
            for item in plan.stored:
                if item.interaction.id not in inserted:  # another writer stored it meanwhile
                    duplicates.append(item)
                    continue
                stored.append(item)
                occurred = item.interaction.occurred_at
                when = to_utc_text(occurred)
                if item.feedback is not None:
                    feedback.append(_feedback_row(item.feedback, occurred, when))
                if events_for is not None:
                    events.extend(_event_row(e, occurred, when) for e in events_for(item))
            self._copy_insert(
                "feedback",
                "id, customer_id, interaction_id, created_at, text, kind, language, nps, csat, "
                "ces, follow_up_requested, analysis",
                feedback,
            )
            self._copy_insert("events", _EVENT_COLUMNS, events)
        return IngestResult(
            stored=stored,
            duplicates=duplicates,
            customers_created=len(plan.new_customers),
        )

    def _copy_insert(
        self, table: str, columns: str, rows: list[tuple[Any, ...]], returning: str | None = None
    ) -> set[Any]:
        """Insert ``rows`` into ``table``, skipping rows that conflict with stored ones; returns
        the ``returning`` column of the inserted rows.

        A few rows go in one multi-row INSERT. More are COPYed (the fast path into PostgreSQL)
        straight into the table, under a savepoint: the caller checked they are new, so this
        nearly always works. If another writer stored some of them meanwhile, COPY fails as a
        whole (it cannot skip rows); the rows then go through a staging table and an INSERT
        that skips the conflicting ones. Call it inside a transaction.
        """
        if not rows:
            return set()
        connection = self._connection()
        tail = " ON CONFLICT DO NOTHING" + (f" RETURNING {returning}" if returning else "")
        with connection.cursor() as cursor:
            if len(rows) <= _COPY_FROM:
                marks = "(" + ",".join(["%s"] * len(rows[0])) + ")"
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {','.join([marks] * len(rows))}"
                    + tail,
                    [value for row in rows for value in row],
                )
            else:
                import psycopg

                cursor.execute("SAVEPOINT clientvoice_copy")
                try:
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                except psycopg.errors.UniqueViolation:
                    cursor.execute("ROLLBACK TO SAVEPOINT clientvoice_copy")
                else:
                    cursor.execute("RELEASE SAVEPOINT clientvoice_copy")
                    if returning is None:
                        return set()
                    index = [c.strip() for c in columns.split(",")].index(returning)
                    return {row[index] for row in rows}
                stage = f"stage_{table}"
                if stage not in self._local.staged:
                    cursor.execute(
                        f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS "
                        f"SELECT {columns} FROM {table} WITH NO DATA"
                    )
                    self._local.staged.add(stage)
                with cursor.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                try:
                    cursor.execute(
                        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "
                        "ORDER BY ctid" + tail
                    )
                    found = {row[0] for row in cursor.fetchall()} if returning else set()
                finally:
                    cursor.execute(f"DELETE FROM {stage}")
                return found
            return {row[0] for row in cursor.fetchall()} if returning else set()

    def _existing_keys(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        channels = [channel for channel, _ in keys]
        ids = [external_id for _, external_id in keys]
        rows = (
            self._connection()
            .execute(
                "SELECT i.channel, i.external_id FROM interactions i "
                "JOIN unnest(%s::text[], %s::text[]) AS k (channel, external_id) "
                "ON i.channel = k.channel AND i.external_id = k.external_id",
                (channels, ids),
            )
            .fetchall()
        )
        return {(row[0], row[1]) for row in rows}

    def _resolve_customers(self, customers: Sequence[Customer]) -> dict[str, str]:
        """Map parsed customer ids to stored ones; ids missing from the map are new customers."""
        connection = self._connection()
        ids = [c.id for c in customers]
        stored_ids = {
            row[0]
            for row in connection.execute(
                "SELECT id FROM customers WHERE id = ANY(%s)", (ids,)
            ).fetchall()
        }
        merged: dict[str, str] = dict(
            connection.execute(
                "SELECT merged_id, into_id FROM customer_merges WHERE merged_id = ANY(%s)",
                ([i for i in ids if i not in stored_ids],),
            ).fetchall()
        )
        points = [
            (point.channel, point.value)
            for customer in customers
            if customer.id not in stored_ids and customer.id not in merged
            for point in customer.contacts
        ]
        owners: dict[tuple[str, str], str] = {}
        if points:
            for channel, value, owner in connection.execute(
                "SELECT c.channel, c.value, c.customer_id FROM contact_points c "
                "JOIN unnest(%s::text[], %s::text[]) AS k (channel, value) "
                "ON c.channel = k.channel AND c.value = k.value",
                ([p[0] for p in points], [p[1] for p in points]),
            ):
                owners[(channel, value)] = owner
        resolved: dict[str, str] = {}
        for customer in customers:
            if customer.id in stored_ids:
                resolved[customer.id] = customer.id
                continue
            if customer.id in merged:
                resolved[customer.id] = merged[customer.id]
                continue
            for point in customer.contacts:
                owner = owners.get((point.channel, point.value))
                if owner is not None:
                    resolved[customer.id] = owner
                    break
        return resolved

    # -- customers ----------------------------------------------------------------------------

    def save_customer(self, customer: Customer) -> Customer:
        connection = self._connection()
        with self.transaction():
            for point in customer.contacts:
                row = connection.execute(
                    "SELECT customer_id FROM contact_points WHERE channel = %s AND value = %s",
                    (point.channel, point.value),
                ).fetchone()
                if row is not None and row[0] != customer.id:
                    raise StoreError(
                        f"contact {point.channel}:{point.value} already belongs to "
                        f"customer {row[0]}"
                    )
            connection.execute(
                "INSERT INTO customers VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                "preferred_name = excluded.preferred_name, kind = excluded.kind, "
                "language = excluded.language, timezone = excluded.timezone, "
                "segments = excluded.segments, memberships = excluded.memberships, "
                "consent_contact = excluded.consent_contact, "
                "consent_surveys = excluded.consent_surveys, created_at = excluded.created_at",
                _customer_row(customer, customer.created_at),
            )
            connection.execute("DELETE FROM contact_points WHERE customer_id = %s", (customer.id,))
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO contact_points VALUES (%s,%s,%s,%s)",
                    [(p.channel, p.value, customer.id, i) for i, p in enumerate(customer.contacts)],
                )
        return customer

    def get_customer(self, customer_id: str) -> Customer:
        row = (
            self._connection()
            .execute(
                "SELECT * FROM customers WHERE id = %s UNION ALL "
                "SELECT c.* FROM customer_merges m JOIN customers c ON c.id = m.into_id "
                "WHERE m.merged_id = %s LIMIT 1",
                (customer_id, customer_id),
            )
            .fetchone()
        )
        if row is None:
            raise NotFoundError("customer", customer_id)
        return self._customer_from_row(row)

    def find_customer(self, channel: str, value: str) -> Customer | None:
        point = ContactPoint(channel, value)
        row = (
            self._connection()
            .execute(
                "SELECT customer_id FROM contact_points WHERE channel = %s AND value = %s",
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
                .execute(
                    "SELECT * FROM customers WHERE id > %s ORDER BY id LIMIT %s", (last, _PAGE)
                )
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
                "SELECT channel, value FROM contact_points WHERE customer_id = %s "
                "ORDER BY position",
                (row[0],),
            )
        )
        return _customer(row, contacts)

    # -- interactions and feedback -----------------------------------------------------------

    def get_interaction(self, interaction_id: str) -> Interaction:
        row = (
            self._connection()
            .execute(
                f"SELECT {_INTERACTION_COLUMNS} FROM interactions WHERE id = %s",
                (interaction_id,),
            )
            .fetchone()
        )
        if row is None:
            raise NotFoundError("interaction", interaction_id)
        return _interaction_from_row(row)

    def get_feedback(self, feedback_id: str) -> Feedback:
        row = (
            self._connection()
            .execute("SELECT * FROM feedback WHERE id = %s", (feedback_id,))
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
                    f"SELECT f.* FROM feedback f {where} AND (f.created_at, f.id) > (%s, %s) "
                    "ORDER BY f.created_at, f.id LIMIT %s",
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
        return int(row[0]) if row is not None else 0

    def iter_interactions(self, *, customer_id: str | None = None) -> Iterator[Interaction]:
        if customer_id is not None:
            rows = (
                self._connection()
                .execute(
                    f"SELECT {_INTERACTION_COLUMNS} FROM interactions WHERE customer_id = %s "
                    "ORDER BY occurred_at, id",
                    (customer_id,),
                )
                .fetchall()
            )
            for row in rows:
                yield _interaction_from_row(row)
            return
        after = 0
        while True:
            page = (
                self._connection()
                .execute(
                    f"SELECT pos, {_INTERACTION_COLUMNS} FROM interactions WHERE pos > %s "
                    "ORDER BY pos LIMIT %s",
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
        with self.transaction():
            candidates: dict[str, Case] = {}
            for case in cases:
                if case.version == 0 and case.id not in candidates:
                    candidates[case.id] = attrs.evolve(case, version=1)
            inserted = self._copy_insert(
                "cases", _CASE_COLUMNS, [_case_row(c) for c in candidates.values()], "id"
            )
            added = [case for case in candidates.values() if case.id in inserted]
            self._insert_events([e for e in events if e.case_id in inserted])
            self.schedule_timers([t for t in timers if t.case_id in inserted])
        return added

    def save_case(self, case: Case, events: Sequence[Event] = ()) -> Case:
        connection = self._connection()
        with self.transaction():
            saved = attrs.evolve(case, version=case.version + 1)
            row = _case_row(saved)
            if case.version == 0:
                updated = connection.execute(
                    f"INSERT INTO cases ({_CASE_COLUMNS}) VALUES ({','.join(['%s'] * 12)}) "
                    "ON CONFLICT (id) DO NOTHING",
                    row,
                ).rowcount
            else:
                updated = connection.execute(
                    "UPDATE cases SET customer_id=%s, feedback_id=%s, stage=%s, priority=%s, "
                    "owner=%s, team=%s, opened_at=%s, problem_id=%s, version=%s, data=%s, "
                    "waiting_since=%s WHERE id=%s AND version=%s",
                    (*row[1:], case.id, case.version),
                ).rowcount
            if not updated:
                stored = connection.execute(
                    "SELECT version FROM cases WHERE id = %s", (case.id,)
                ).fetchone()
                raise ConflictError(
                    f"case {case.id} was saved by another writer (stored version "
                    f"{0 if stored is None else stored[0]}, this copy has {case.version}); "
                    "load it again"
                )
            self._insert_events(events)
        return saved

    def save_cases(self, cases: Sequence[Case], events: Sequence[Event] = ()) -> None:
        """Changed cases and their events in one transaction: one versioned ``UPDATE`` per case
        through ``executemany`` (one round trip), the events through ``COPY``."""
        if not cases or any(case.version == 0 for case in cases):
            super().save_cases(cases, events)  # new cases: rare, one at a time
            return
        connection = self._connection()
        with self.transaction():
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE cases SET customer_id=%s, feedback_id=%s, stage=%s, priority=%s, "
                    "owner=%s, team=%s, opened_at=%s, problem_id=%s, version=%s, data=%s, "
                    "waiting_since=%s WHERE id=%s AND version=%s RETURNING id",
                    [
                        (*_case_row(case, case.version + 1)[1:], case.id, case.version)
                        for case in cases
                    ],
                    returning=True,
                )
                updated: list[bool] = []
                while True:
                    updated.append(cursor.fetchone() is not None)
                    if not cursor.nextset():
                        break
            for case, done in zip(cases, updated, strict=True):
                if not done:
                    row = connection.execute(
                        "SELECT version FROM cases WHERE id = %s", (case.id,)
                    ).fetchone()
                    raise ConflictError(
                        f"case {case.id} was saved by another writer (stored version "
                        f"{0 if row is None else row[0]}, this copy has {case.version}); "
                        "load it again"
                    )
            self._insert_events(events)

    def get_cases(self, case_ids: Sequence[str]) -> dict[str, Case]:
        """The stored cases among ``case_ids``, by id, with one ``SELECT … = ANY(…)``."""
        if not case_ids:
            return {}
        rows = (
            self._connection()
            .execute(
                "SELECT id, data FROM cases WHERE id = ANY(%s)", (list(dict.fromkeys(case_ids)),)
            )
            .fetchall()
        )
        return {case_id: load(Case, json.loads(data)) for case_id, data in rows}

    def get_case(self, case_id: str) -> Case:
        row = (
            self._connection()
            .execute("SELECT data FROM cases WHERE id = %s", (case_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError("case", case_id)
        return load(Case, json.loads(row[0]))

    def iter_cases(
        self,
        *,
        stage: CaseStage | None = None,
        customer_id: str | None = None,
        problem_id: str | None = None,
        waiting: bool | None = None,
    ) -> Iterator[Case]:
        clauses: list[str] = ["(opened_at, id) > (%s, %s)"]
        params: list[Any] = []
        if waiting is not None:
            clauses.append(f"waiting_since IS {'NOT ' if waiting else ''}NULL")
        if stage is not None:
            clauses.append("stage = %s")
            params.append(CaseStage(stage).value)
        if customer_id is not None:
            clauses.append("customer_id = %s")
            params.append(customer_id)
        if problem_id is not None:
            clauses.append("problem_id = %s")
            params.append(problem_id)
        cursor: tuple[str, str] = ("", "")
        while True:
            rows = (
                self._connection()
                .execute(
                    f"SELECT opened_at, id, data FROM cases WHERE {' AND '.join(clauses)} "
                    "ORDER BY opened_at, id LIMIT %s",
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
            saved = attrs.evolve(problem, version=problem.version + 1)
            values = (
                saved.id,
                saved.status.value,
                to_utc_text(saved.opened_at),
                saved.version,
                _JSON(dump(saved)),
            )
            if problem.version == 0:
                changed = connection.execute(
                    "INSERT INTO problems VALUES (%s,%s,%s,%s,%s) ON CONFLICT (id) DO NOTHING",
                    values,
                ).rowcount
            else:
                changed = connection.execute(
                    "UPDATE problems SET status=%s, opened_at=%s, version=%s, data=%s "
                    "WHERE id=%s AND version=%s",
                    (*values[1:], saved.id, problem.version),
                ).rowcount
            if not changed:
                row = connection.execute(
                    "SELECT version FROM problems WHERE id = %s", (problem.id,)
                ).fetchone()
                raise ConflictError(
                    f"problem {problem.id} was saved by another writer (stored version "
                    f"{0 if row is None else row[0]}, this copy has {problem.version}); "
                    "load it again"
                )
            self._insert_events(events)
        return saved

    def get_problem(self, problem_id: str) -> Problem:
        row = (
            self._connection()
            .execute("SELECT data FROM problems WHERE id = %s", (problem_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError("problem", problem_id)
        return load(Problem, json.loads(row[0]))

    def iter_problems(self, *, status: ProblemStatus | None = None) -> Iterator[Problem]:
        sql = "SELECT data FROM problems"
        params: list[Any] = []
        if status is not None:
            sql += " WHERE status = %s"
            params.append(ProblemStatus(status).value)
        rows = self._connection().execute(f"{sql} ORDER BY opened_at, id", params).fetchall()
        for row in rows:
            yield load(Problem, json.loads(row[0]))

    # -- timers -------------------------------------------------------------------------------

    def schedule_timers(self, timers: Sequence[Timer]) -> None:
        if not timers:
            return
        with self.transaction():
            self._copy_insert(
                "timers",
                "id, case_id, kind, due_at, data",
                [
                    (t.id, t.case_id, t.kind, to_utc_text(t.due_at), _json_or_none(t.data))
                    for t in timers
                ],
            )

    def cancel_timers(self, case_id: str, kinds: Sequence[str] | None = None) -> int:
        sql = "UPDATE timers t SET cancelled = TRUE WHERE t.case_id = %s AND " + _PENDING
        params: list[Any] = [case_id]
        if kinds is not None:
            if not kinds:
                return 0
            sql += " AND t.kind = ANY(%s)"
            params.append(list(kinds))
        with self.transaction():
            return self._connection().execute(sql, params).rowcount

    def due_timers(self, now: datetime, *, limit: int = 500) -> list[Timer]:
        rows = (
            self._connection()
            .execute(
                f"SELECT {_TIMER_SELECT} FROM timers t WHERE {_PENDING} AND t.due_at <= %s "
                "ORDER BY t.due_at, t.id LIMIT %s",
                (to_utc_text(now), limit),
            )
            .fetchall()
        )
        return [_timer(row) for row in rows]

    def fire_timer(self, timer_id: str, at: datetime) -> bool:
        with self.transaction():
            cursor = self._connection().execute(
                f"UPDATE timers t SET fired_at = %s WHERE t.id = %s AND {_PENDING}",
                (to_utc_text(at), timer_id),
            )
            return cursor.rowcount == 1

    def fire_timers(self, timer_ids: Sequence[str], at: datetime) -> set[str]:
        """Mark pending timers as fired with one ``UPDATE … RETURNING``."""
        if not timer_ids:
            return set()
        with self.transaction():
            rows = (
                self._connection()
                .execute(
                    f"UPDATE timers t SET fired_at = %s WHERE t.id = ANY(%s) AND {_PENDING} "
                    "RETURNING t.id",
                    (to_utc_text(at), list(timer_ids)),
                )
                .fetchall()
            )
        return {row[0] for row in rows}

    def iter_timers(self, *, case_id: str | None = None) -> Iterator[Timer]:
        sql = f"SELECT {_TIMER_SELECT} FROM timers t WHERE {_PENDING}"
        params: list[Any] = []
        if case_id is not None:
            sql += " AND t.case_id = %s"
            params.append(case_id)
        rows = self._connection().execute(f"{sql} ORDER BY t.due_at, t.id", params).fetchall()
        for row in rows:
            yield _timer(row)

    # -- messages -----------------------------------------------------------------------------

    def queue_messages(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        with self.transaction():
            self._copy_insert(
                "messages",
                "id, customer_id, case_id, created_at, next_attempt_at, data",
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
                "AND next_attempt_at <= %s ORDER BY created_at, id LIMIT %s",
                (to_utc_text(now), limit),
            )
            .fetchall()
        )
        return [load(Message, json.loads(row[0])) for row in rows]

    def record_delivery(self, delivery: Delivery, *, retry_at: datetime | None = None) -> None:
        retry = retry_at if delivery.status is DeliveryStatus.FAILED else None
        with self.transaction():
            cursor = self._connection().execute(
                "UPDATE messages SET status = %s, attempts = attempts + 1, "
                "next_attempt_at = %s, delivery = %s WHERE id = %s",
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
            .execute(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = %s", (message_id,))
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
        clauses: list[str] = ["TRUE"]
        params: list[Any] = []
        if customer_id is not None:
            clauses.append("customer_id = %s")
            params.append(customer_id)
        if case_id is not None:
            clauses.append("case_id = %s")
            params.append(case_id)
        if since is not None:
            clauses.append("created_at >= %s")
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

    # -- events -------------------------------------------------------------------------------

    def add_events(self, events: Sequence[Event]) -> None:
        with self.transaction():
            self._insert_events(events)

    def _insert_events(self, events: Sequence[Event]) -> None:
        if events:
            self._copy_insert("events", _EVENT_COLUMNS, [_event_row(e) for e in events])

    def iter_events(self, *, after: int = 0, limit: int | None = None) -> Iterator[StoredEvent]:
        self._sequence_events()
        remaining = limit
        while remaining is None or remaining > 0:
            page = _PAGE if remaining is None else min(_PAGE, remaining)
            rows = (
                self._connection()
                .execute(
                    f"SELECT {_EVENT_SELECT} FROM events WHERE seq > %s ORDER BY seq LIMIT %s",
                    (after, page),
                )
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
        row = (
            self._connection()
            .execute("SELECT seq FROM outbox WHERE consumer = %s", (consumer,))
            .fetchone()
        )
        return list(self.iter_events(after=0 if row is None else row[0], limit=limit))

    def confirm_events(self, consumer: str, up_to: int) -> None:
        with self.transaction():
            self._connection().execute(
                "INSERT INTO outbox (consumer, seq) VALUES (%s, %s) ON CONFLICT (consumer) "
                "DO UPDATE SET seq = greatest(outbox.seq, excluded.seq)",
                (consumer, up_to),
            )

    def _sequence_events(self) -> None:
        """Give committed events without a place in the log the next places, in the order they
        were inserted.

        Events get their ``seq`` here, not when inserted: a sequence number handed out at insert
        could commit after a higher one, and a consumer that had confirmed the higher one would
        never see it. Only committed events are visible to this statement, one sequencer runs at
        a time (an advisory lock), and it runs on its own connection so that the lock is never
        held while a caller's transaction goes on.
        """
        connection = self._log_connection()
        if connection.execute("SELECT 1 FROM events WHERE seq IS NULL LIMIT 1").fetchone() is None:
            return
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SEQUENCER_LOCK,))
            connection.execute(
                "WITH top AS (SELECT coalesce(max(seq), 0) AS seq FROM events), "
                "todo AS (SELECT pos, row_number() OVER (ORDER BY pos) AS n "
                "FROM events WHERE seq IS NULL) "
                "UPDATE events e SET seq = top.seq + todo.n FROM todo, top WHERE e.pos = todo.pos"
            )

    # -- rejected input -----------------------------------------------------------------------

    def add_rejections(self, rejections: Sequence[Rejection]) -> None:
        if not rejections:
            return
        with self.transaction():
            self._copy_insert(
                "rejections",
                "source, line, field, reason, raw, received_at",
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
            sql = "SELECT seq, source, line, field, reason, raw, received_at FROM rejections "
            sql += "WHERE seq > %s"
            params: list[Any] = [after]
            if source is not None:
                sql += " AND source = %s"
                params.append(source)
            rows = (
                self._connection()
                .execute(f"{sql} ORDER BY seq LIMIT %s", [*params, _PAGE])
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
        """The counts of :meth:`Store.score_counts`, aggregated by the server (see
        :func:`~clientvoice.stores._scores.score_counts_in_sql`)."""
        connection = self._connection()
        return score_counts_in_sql(
            lambda sql, params: connection.execute(sql, params).fetchall(),
            "%s",
            metric,
            period=period,
            by=by,
            since=since,
            until=until,
            tz=tz,
            in_python=lambda: super(PostgresStore, self).score_counts(
                metric, period=period, by=by, since=since, until=until, tz=tz
            ),
        )

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
        counts: dict[str, int] = {}
        for table in tables:
            row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = 0 if row is None else int(row[0])
        return counts

    # -- work shared by many workers ----------------------------------------------------------

    def claim_due_timers(self, now: datetime, *, limit: int = 500) -> list[Timer]:
        """Inside a transaction: due timers whose cases no other transaction holds, earliest
        first; their cases stay locked until this transaction ends, so two workers never work
        on one case's timers at once. Outside a transaction: :meth:`due_timers`."""
        if not self._in_transaction():
            return self.due_timers(now, limit=limit)
        connection = self._connection()
        at = to_utc_text(now)
        rows = connection.execute(
            f"SELECT {_TIMER_SELECT} FROM timers t JOIN cases c ON c.id = t.case_id "
            f"WHERE {_PENDING} AND t.due_at <= %s ORDER BY t.due_at, t.id LIMIT %s "
            "FOR UPDATE OF c SKIP LOCKED",
            (at, limit),
        ).fetchall()
        if len(rows) < limit:  # timers of cases that are gone still fire (and do nothing)
            rows += connection.execute(
                f"SELECT {_TIMER_SELECT} FROM timers t WHERE {_PENDING} AND t.due_at <= %s "
                "AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = t.case_id) "
                "ORDER BY t.due_at, t.id LIMIT %s FOR UPDATE OF t SKIP LOCKED",
                (at, limit - len(rows)),
            ).fetchall()
        timers = [_timer(row) for row in rows]
        timers.sort(key=lambda timer: (timer.due_at, timer.id))
        return timers

    def claim_messages(
        self, now: datetime, *, limit: int = 100, lease: timedelta = timedelta(minutes=5)
    ) -> list[Message]:
        """Messages due at ``now`` that no other worker claimed, oldest first; each is held for
        ``lease`` (its next attempt moves to ``now + lease``) until its delivery is recorded, so
        a worker killed while sending leaves it to be sent again after the lease."""
        with self.transaction():
            rows = (
                self._connection()
                .execute(
                    "UPDATE messages SET next_attempt_at = %s WHERE id IN ("
                    "SELECT id FROM messages WHERE next_attempt_at IS NOT NULL "
                    "AND next_attempt_at <= %s ORDER BY created_at, id LIMIT %s "
                    "FOR UPDATE SKIP LOCKED) RETURNING created_at, id, data",
                    (to_utc_text(now + lease), to_utc_text(now), limit),
                )
                .fetchall()
            )
        rows.sort(key=lambda row: (row[0], row[1]))
        return [load(Message, json.loads(row[2])) for row in rows]

    def claim_events(self, consumer: str, *, limit: int = 1000) -> list[StoredEvent]:
        """Inside a transaction: the events ``consumer`` has not confirmed, with the consumer
        held until this transaction ends; empty while another transaction holds it. Outside a
        transaction: :meth:`pending_events`."""
        if not self._in_transaction():
            return self.pending_events(consumer, limit=limit)
        self._log_connection().execute(
            "INSERT INTO outbox (consumer, seq) VALUES (%s, 0) ON CONFLICT DO NOTHING",
            (consumer,),
        )
        row = (
            self._connection()
            .execute(
                "SELECT seq FROM outbox WHERE consumer = %s FOR UPDATE SKIP LOCKED", (consumer,)
            )
            .fetchone()
        )
        if row is None:
            return []
        return list(self.iter_events(after=row[0], limit=limit))

    # -- survey invitations -------------------------------------------------------------------

    def save_invitation(self, invitation: Invitation) -> bool:
        if not isinstance(invitation, Invitation):
            raise ValidationError("invitation", invitation, "must be an Invitation")
        with self.transaction():
            cursor = self._connection().execute(
                "INSERT INTO invitations (id, customer_id, survey_id, send_at, data) "
                "VALUES (%s,%s,%s,%s,%s) ON CONFLICT (id) DO NOTHING",
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
            .execute("SELECT data FROM invitations WHERE id = %s", (invitation_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError("invitation", invitation_id)
        return load(Invitation, json.loads(row[0]))

    def iter_invitations(
        self, *, customer_id: str | None = None, since: datetime | None = None
    ) -> Iterator[Invitation]:
        clauses: list[str] = ["TRUE"]
        params: list[Any] = []
        if customer_id is not None:
            clauses.append("customer_id = %s")
            params.append(customer_id)
        if since is not None:
            clauses.append("send_at >= %s")
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
                "UPDATE invitations SET claimed_at = %s WHERE id = %s AND claimed_at IS NULL",
                (to_utc_text(at), invitation_id),
            )
            if cursor.rowcount == 1:
                return True
            known = connection.execute(
                "SELECT 1 FROM invitations WHERE id = %s", (invitation_id,)
            ).fetchone()
            if known is None:
                raise NotFoundError("invitation", invitation_id)
            return False

    def token_claimed_at(self, invitation_id: str) -> datetime | None:
        row = (
            self._connection()
            .execute("SELECT claimed_at FROM invitations WHERE id = %s", (invitation_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError("invitation", invitation_id)
        return _datetime(row[0])

    # -- identity and privacy -----------------------------------------------------------------

    def merged_ids(self, customer_id: str) -> set[str]:
        rows = self._connection().execute(
            "SELECT merged_id FROM customer_merges WHERE into_id = %s", (customer_id,)
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
        with self.transaction():
            self._merge(keep_id, merge_id, at=at, actor=actor, reason=reason)
            return self.get_customer(keep_id)

    def erase_customer(
        self,
        customer_id: str,
        *,
        at: datetime,
        actor: str = "system",
        reason: str | None = None,
    ) -> ErasureReport:
        """See :meth:`Store.erase_customer`. Outside a transaction, the rewritten tables are then
        vacuumed, so the space of the old row versions is reclaimed; PostgreSQL may still hold
        old bytes in its write-ahead log and in free space until they are overwritten."""
        check_instant(at)
        outermost = not self._in_transaction()
        with self.transaction():
            report = erase_in_sql(self._tables(), customer_id, at=at, actor=actor, reason=reason)
            self._signatures.clear()
        if outermost:
            connection = self._connection()
            for table in ERASED_TABLES:
                connection.execute(f"VACUUM {table}")
        return report

    def _merge(
        self, keep_id: str, merge_id: str, *, at: datetime, actor: str, reason: str | None
    ) -> None:
        merge_in_sql(self._tables(), keep_id, merge_id, at=at, actor=actor, reason=reason)
        self._signatures.clear()

    def _tables(self) -> SQLTables:
        """This store's tables, for the statements erasure and merging share with SQLite
        (:mod:`clientvoice.stores._customers`)."""
        connection = self._connection()

        def execute_many(sql: str, rows: Sequence[Sequence[Any]]) -> None:
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)

        return SQLTables(
            store=self,
            execute=connection.execute,
            execute_many=execute_many,
            add_events=self._insert_events,
            mark="%s",
            event_key="pos",
        )

    def _link(self, known: list[tuple[str, Customer, datetime]]) -> dict[str, str]:
        """Link the descriptions of known customers (:func:`~clientvoice.identity.link_customers`),
        skipping those already linked; returns the ids merged away."""
        signatures = self._signatures
        todo = [entry for entry in known if signatures.get(entry[0]) != signature(entry[1])]
        if not todo:
            return {}

        # What linking reads, fetched for the whole batch in two round trips instead of a few
        # per customer, and kept current as linking saves profiles and merges customers.
        owned = self._owners([point for _, heard, _ in todo for point in heard.contacts])
        profiles = self._customers({stored_id for stored_id, _, _ in todo})

        def owners(points: Sequence[ContactPoint]) -> dict[ContactPoint, str]:
            return {point: owned[point] for point in points if point in owned}

        def profile(customer_id: str) -> Customer:
            if customer_id not in profiles:
                profiles[customer_id] = self.get_customer(customer_id)
            return profiles[customer_id]

        def merge(keep_id: str, merge_id: str, when: datetime) -> None:
            self._merge(keep_id, merge_id, at=when, actor="system", reason=AUTOMATIC_MERGE_REASON)
            for point, owner in owned.items():
                if owner == merge_id:
                    owned[point] = keep_id
            profiles.pop(keep_id, None)
            profiles.pop(merge_id, None)

        def save(customer: Customer) -> None:
            self._save_profile(customer)
            profiles.pop(customer.id, None)  # read again: the stored order of contact points
            for point in customer.contacts:
                owned.setdefault(point, customer.id)

        gone = link_customers(todo, owners=owners, profile=profile, merge=merge, save=save)
        if len(signatures) > 500_000:
            signatures.clear()
        for stored_id, heard, _ in todo:
            if stored_id not in gone:
                signatures[stored_id] = signature(heard)
        return gone

    def _owners(self, points: Sequence[ContactPoint]) -> dict[ContactPoint, str]:
        """The stored owners of those of ``points`` that have one."""
        if not points:
            return {}
        wanted = set(points)
        rows = (
            self._connection()
            .execute(
                "SELECT c.channel, c.value, c.customer_id FROM contact_points c "
                "JOIN unnest(%s::text[], %s::text[]) AS k (channel, value) "
                "ON c.channel = k.channel AND c.value = k.value",
                ([p.channel for p in wanted], [p.value for p in wanted]),
            )
            .fetchall()
        )
        by_key = {(p.channel, p.value): p for p in wanted}
        return {by_key[(channel, value)]: owner for channel, value, owner in rows}

    def _customers(self, ids: set[str]) -> dict[str, Customer]:
        """The stored customers with these ids (ids merged away are left out)."""
        connection = self._connection()
        rows = connection.execute(
            "SELECT * FROM customers WHERE id = ANY(%s)", (sorted(ids),)
        ).fetchall()
        contacts: dict[str, list[ContactPoint]] = {}
        for customer_id, channel, value in connection.execute(
            "SELECT customer_id, channel, value FROM contact_points WHERE customer_id = ANY(%s) "
            "ORDER BY customer_id, position",
            (sorted(ids),),
        ).fetchall():
            contacts.setdefault(customer_id, []).append(ContactPoint(channel, value))
        return {row[0]: _customer(row, tuple(contacts.get(row[0], ()))) for row in rows}

    def _save_profile(self, customer: Customer) -> None:
        """Write what linking adds to a stored customer: contact points, segments, programmes."""
        connection = self._connection()
        connection.execute(
            "UPDATE customers SET segments = %s, memberships = %s WHERE id = %s",
            (_JSON(sorted(customer.segments)), _JSON(dict(customer.memberships)), customer.id),
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO contact_points VALUES (%s,%s,%s,%s) ON CONFLICT DO NOTHING",
                [(p.channel, p.value, customer.id, i) for i, p in enumerate(customer.contacts)],
            )


def _customer(row: Sequence[Any], contacts: tuple[ContactPoint, ...]) -> Customer:
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


def _feedback_filters(
    since: datetime | None,
    until: datetime | None,
    channel: str | None,
    kind: FeedbackKind | None,
    customer_id: str | None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = ["TRUE"]
    params: list[Any] = []
    if since is not None:
        clauses.append("f.created_at >= %s")
        params.append(to_utc_text(since))
    if until is not None:
        clauses.append("f.created_at < %s")
        params.append(to_utc_text(until))
    if kind is not None:
        clauses.append("f.kind = %s")
        params.append(FeedbackKind(kind).value)
    if customer_id is not None:
        clauses.append("f.customer_id = %s")
        params.append(customer_id)
    if channel is not None:
        clauses.append("f.interaction_id IN (SELECT id FROM interactions WHERE channel = %s)")
        params.append(channel)
    return "WHERE " + " AND ".join(clauses), params
