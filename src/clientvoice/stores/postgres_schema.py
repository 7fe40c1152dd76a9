"""The PostgreSQL schema, as an ordered list of migrations. Never edit a released migration: append.

Migration N brings a database from schema version N-1 (the one row of ``clientvoice_schema``) to
N. The layout follows the SQLite schema so both stores share one row encoding: timestamps are ISO
8601 text in UTC with microseconds (they sort as they compare) and structured values are JSON text.
Two things differ, because many processes write at once:

- events carry ``pos`` (insertion order) and ``seq`` (their place in the log). ``seq`` is given
  only to committed events, in one place at a time (see ``PostgresStore._sequence_events``), so a
  consumer's cursor never passes an event that a slower transaction commits later;
- timers have a ``cancelled`` flag instead of SQLite's empty ``fired_at``.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_TABLE"]

SCHEMA_TABLE = "clientvoice_schema"

MIGRATIONS: tuple[str, ...] = (
    # 1: everything of SQLite's migrations 1 to 3.
    """
CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    preferred_name TEXT,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    timezone TEXT NOT NULL,
    segments TEXT NOT NULL,
    memberships TEXT NOT NULL,
    consent_contact INTEGER NOT NULL,
    consent_surveys INTEGER NOT NULL,
    created_at TEXT
);
CREATE TABLE contact_points (
    channel TEXT NOT NULL,
    value TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (channel, value)
);
CREATE INDEX contact_points_customer ON contact_points (customer_id);
CREATE TABLE interactions (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    direction TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    agent TEXT,
    thread_id TEXT,
    metadata TEXT,
    pos BIGSERIAL NOT NULL,
    UNIQUE (channel, external_id)
);
CREATE INDEX interactions_customer ON interactions (customer_id, occurred_at);
CREATE INDEX interactions_pos ON interactions (pos);
CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    interaction_id TEXT NOT NULL REFERENCES interactions (id),
    created_at TEXT NOT NULL,
    text TEXT NOT NULL,
    kind TEXT,
    language TEXT,
    nps INTEGER,
    csat INTEGER,
    ces INTEGER,
    follow_up_requested INTEGER NOT NULL,
    analysis TEXT
);
CREATE INDEX feedback_created ON feedback (created_at, id);
CREATE INDEX feedback_customer ON feedback (customer_id);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    feedback_id TEXT REFERENCES feedback (id),
    stage TEXT NOT NULL,
    priority TEXT NOT NULL,
    owner TEXT,
    team TEXT,
    opened_at TEXT NOT NULL,
    problem_id TEXT,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    waiting_since TEXT
);
CREATE INDEX cases_opened ON cases (opened_at, id);
CREATE INDEX cases_stage ON cases (stage);
CREATE INDEX cases_customer ON cases (customer_id);
CREATE INDEX cases_problem ON cases (problem_id) WHERE problem_id IS NOT NULL;
CREATE INDEX cases_waiting_opened ON cases (opened_at, id) WHERE waiting_since IS NOT NULL;
CREATE TABLE problems (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE timers (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_at TEXT NOT NULL,
    fired_at TEXT,
    cancelled BOOLEAN NOT NULL DEFAULT FALSE,
    data TEXT
);
CREATE INDEX timers_due ON timers (due_at, id) WHERE fired_at IS NULL AND NOT cancelled;
CREATE INDEX timers_case ON timers (case_id) WHERE fired_at IS NULL AND NOT cancelled;
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    case_id TEXT,
    created_at TEXT NOT NULL,
    status TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    delivery TEXT,
    data TEXT NOT NULL
);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX messages_customer ON messages (customer_id, created_at);
CREATE INDEX messages_case ON messages (case_id) WHERE case_id IS NOT NULL;
CREATE TABLE events (
    pos BIGSERIAL PRIMARY KEY,
    seq BIGINT UNIQUE,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    customer_id TEXT,
    case_id TEXT,
    feedback_id TEXT,
    reason TEXT,
    data TEXT
);
CREATE INDEX events_unsequenced ON events (pos) WHERE seq IS NULL;
CREATE TABLE outbox (
    consumer TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);
CREATE TABLE rejections (
    seq BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    line INTEGER,
    field TEXT,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    received_at TEXT
)
""",
    # 2: survey invitations (each token claimed once) and merged customer ids.
    """
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    survey_id TEXT NOT NULL,
    send_at TEXT NOT NULL,
    claimed_at TEXT,
    data TEXT NOT NULL
);
CREATE INDEX invitations_customer ON invitations (customer_id, send_at);
CREATE INDEX invitations_send ON invitations (send_at, id);
CREATE TABLE customer_merges (
    merged_id TEXT PRIMARY KEY,
    into_id TEXT NOT NULL,
    merged_at TEXT NOT NULL
);
CREATE INDEX customer_merges_into ON customer_merges (into_id)
""",
)
