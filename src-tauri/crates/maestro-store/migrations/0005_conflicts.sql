-- Conflict resolution: who owns each field, the last value two systems agreed on, and the review
-- queue. Values are JSON text (money exact, dates ISO 8601); instants fixed-width UTC text.

-- The owner's choice of source of truth per field (absent = the built-in default).
CREATE TABLE field_owners (
    company_id  TEXT NOT NULL REFERENCES companies(id),
    field       TEXT NOT NULL,
    owner       TEXT NOT NULL,   -- connector category: payroll, hris, time_tracking…
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (company_id, field)
);

-- The base of the three-way merge: per linked pair of records and field, the last value both
-- systems held (or the value the owner decided on).
CREATE TABLE field_baselines (
    company_id  TEXT NOT NULL REFERENCES companies(id),
    pair_key    TEXT NOT NULL,
    field       TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (company_id, pair_key, field)
);

-- Every difference that needed a decision: open ones are the review queue; resolved ones keep
-- who decided what, and the writes proposed to the systems that lost.
CREATE TABLE conflicts (
    id           TEXT PRIMARY KEY NOT NULL,
    company_id   TEXT NOT NULL REFERENCES companies(id),
    pair_key     TEXT NOT NULL,   -- the linked records compared ("<record id>:<record id>")
    identity_id  TEXT,            -- the person, once identity resolution links them
    person       TEXT NOT NULL,   -- display name when detected
    field        TEXT NOT NULL,
    base_value   TEXT,            -- JSON: the last value both held; NULL when they never agreed
    sources      TEXT NOT NULL,   -- JSON array: connection, provider, category, record, value
    suggested    TEXT,            -- connection id the rules would pick, if any
    status       TEXT NOT NULL DEFAULT 'open',   -- open | resolved
    resolution   TEXT,            -- JSON: kept source or typed value, proposed writes
    resolved_by  TEXT,
    resolved_at  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX conflicts_open_one ON conflicts(company_id, pair_key, field) WHERE status = 'open';
CREATE INDEX conflicts_company_status ON conflicts(company_id, status, created_at);
CREATE INDEX conflicts_pair_field ON conflicts(company_id, pair_key, field, resolved_at);
