"""The SQLite schema, as an ordered list of migrations. Never edit a released migration: append.

Migration N brings a database from ``PRAGMA user_version`` N-1 to N. Timestamps are ISO 8601 text
in UTC with microseconds, so they sort as they compare.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

MIGRATIONS: tuple[str, ...] = (
    # 1: customers, what they said, cases, the event log with its outbox cursors, dead letters.
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
) WITHOUT ROWID;
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
    UNIQUE (channel, external_id)
);
CREATE INDEX interactions_customer ON interactions (customer_id, occurred_at);
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
    data TEXT NOT NULL
);
CREATE INDEX cases_opened ON cases (opened_at, id);
CREATE INDEX cases_stage ON cases (stage);
CREATE INDEX cases_customer ON cases (customer_id);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
CREATE TABLE outbox (
    consumer TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
);
CREATE TABLE rejections (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    line INTEGER,
    field TEXT,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    received_at TEXT
)
""",
    # 2: the listening workflow: problems, timers (SLA warnings, breaches, follow-ups), messages.
    """
CREATE INDEX cases_problem ON cases (problem_id) WHERE problem_id IS NOT NULL;
ALTER TABLE cases ADD COLUMN waiting_since TEXT;
CREATE INDEX cases_waiting ON cases (customer_id) WHERE waiting_since IS NOT NULL;
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
    data TEXT
);
CREATE INDEX timers_due ON timers (due_at) WHERE fired_at IS NULL;
CREATE INDEX timers_case ON timers (case_id) WHERE fired_at IS NULL;
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
""",
    # 3: find the cases waiting on a customer without walking every case.
    """
CREATE INDEX cases_waiting_opened ON cases (opened_at, id) WHERE waiting_since IS NOT NULL;
""",
    # 4: survey invitations, with the claim of their token (one response per invitation).
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
""",
    # 5: identity: merged customer ids stay resolvable; merges and erasures are counted, so every
    # process notices them and drops what it remembered about customers.
    """
CREATE TABLE customer_merges (
    merged_id TEXT PRIMARY KEY,
    into_id TEXT NOT NULL,
    merged_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX customer_merges_into ON customer_merges (into_id);
CREATE TABLE identity_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    at TEXT NOT NULL
)
""",
    # 6: due timers in the order they fire, straight from the index: a page of them no longer
    # sorts every due timer (ties on due_at were ordered by id in a temporary b-tree).
    """
DROP INDEX timers_due;
CREATE INDEX timers_due ON timers (due_at, id) WHERE fired_at IS NULL;
""",
)
