-- Foundation schema. Every business table carries company_id: one installation may hold several
-- companies (a bookkeeper's clients) and no query mixes them. Instants are UTC ISO 8601 text
-- ("2026-11-25T20:12:18.000000Z", fixed width so text order is time order). Money is exact text.

CREATE TABLE companies (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE connections (
    id            TEXT PRIMARY KEY NOT NULL,
    company_id    TEXT NOT NULL REFERENCES companies(id),
    provider      TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    config        TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL DEFAULT 'active',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (id, company_id)
);
CREATE INDEX connections_company ON connections(company_id);

-- Tokens and API keys: only ever inside this encrypted file.
CREATE TABLE credentials (
    connection_id  TEXT PRIMARY KEY NOT NULL,
    company_id     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    secret         TEXT NOT NULL,
    expires_at     TEXT,
    updated_at     TEXT NOT NULL,
    FOREIGN KEY (connection_id, company_id) REFERENCES connections(id, company_id) ON DELETE CASCADE
);

-- The current state of each canonical record, one row per (connection, kind, remote id).
CREATE TABLE records (
    record_id           TEXT PRIMARY KEY NOT NULL,
    company_id          TEXT NOT NULL REFERENCES companies(id),
    kind                TEXT NOT NULL,
    connection_id       TEXT NOT NULL,
    provider            TEXT NOT NULL,
    remote_id           TEXT NOT NULL,
    current_version     INTEGER NOT NULL,
    content_hash        TEXT NOT NULL,
    deleted             INTEGER NOT NULL DEFAULT 0,
    remote_modified_at  TEXT,
    first_seen_at       TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (company_id, connection_id, kind, remote_id)
);
CREATE INDEX records_company_kind ON records(company_id, kind, deleted);

-- Every change is a new version; [valid_from, valid_to) is when this version was current locally.
CREATE TABLE record_versions (
    record_id           TEXT NOT NULL REFERENCES records(record_id),
    version             INTEGER NOT NULL,
    company_id          TEXT NOT NULL,
    kind                TEXT NOT NULL,
    valid_from          TEXT NOT NULL,
    valid_to            TEXT,
    deleted             INTEGER NOT NULL DEFAULT 0,
    remote_modified_at  TEXT,
    sync_run_id         TEXT,
    content_hash        TEXT NOT NULL,
    data                TEXT NOT NULL,
    raw                 TEXT NOT NULL,
    PRIMARY KEY (record_id, version)
);
CREATE INDEX record_versions_time ON record_versions(company_id, kind, valid_from);

-- One person (or other entity) across providers.
CREATE TABLE identities (
    id          TEXT PRIMARY KEY NOT NULL,
    company_id  TEXT NOT NULL REFERENCES companies(id),
    kind        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE identity_links (
    identity_id  TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    record_id    TEXT NOT NULL REFERENCES records(record_id),
    company_id   TEXT NOT NULL,
    method       TEXT NOT NULL,
    confidence   TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'suggested',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (identity_id, record_id)
);
CREATE UNIQUE INDEX identity_links_record ON identity_links(record_id);

CREATE TABLE sync_runs (
    id              TEXT PRIMARY KEY NOT NULL,
    company_id      TEXT NOT NULL REFERENCES companies(id),
    connection_id   TEXT NOT NULL,
    entity          TEXT NOT NULL,
    mode            TEXT NOT NULL,
    status          TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    records_seen    INTEGER NOT NULL DEFAULT 0,
    records_created INTEGER NOT NULL DEFAULT 0,
    records_updated INTEGER NOT NULL DEFAULT 0,
    records_deleted INTEGER NOT NULL DEFAULT 0,
    error_kind      TEXT,
    error_message   TEXT
);
CREATE INDEX sync_runs_connection ON sync_runs(company_id, connection_id, started_at);

-- Where each connection × entity stream resumes; written in the same transaction as its page.
CREATE TABLE checkpoints (
    company_id     TEXT NOT NULL,
    connection_id  TEXT NOT NULL,
    entity         TEXT NOT NULL,
    cursor         TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (connection_id, entity)
);

CREATE TABLE alerts (
    id             TEXT PRIMARY KEY NOT NULL,
    company_id     TEXT NOT NULL REFERENCES companies(id),
    connection_id  TEXT,
    kind           TEXT NOT NULL,
    severity       TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'open',
    dedupe_key     TEXT NOT NULL,
    title          TEXT NOT NULL,
    detail         TEXT NOT NULL,
    action         TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    resolved_at    TEXT
);
CREATE UNIQUE INDEX alerts_open_dedupe ON alerts(company_id, dedupe_key) WHERE state != 'resolved';

-- Durable queue of writes to providers; the idempotency key is reused across retries.
CREATE TABLE outbox (
    id                 TEXT PRIMARY KEY NOT NULL,
    company_id         TEXT NOT NULL REFERENCES companies(id),
    connection_id      TEXT NOT NULL,
    operation          TEXT NOT NULL,
    payload            TEXT NOT NULL,
    idempotency_key    TEXT NOT NULL UNIQUE,
    status             TEXT NOT NULL DEFAULT 'pending',
    requires_approval  INTEGER NOT NULL DEFAULT 0,
    approved_at        TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    TEXT,
    last_error         TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

-- scope is 'global' or a company id.
CREATE TABLE settings (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Append-only, hash-chained record of every access to and change of data.
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY NOT NULL,
    at            TEXT NOT NULL,
    company_id    TEXT,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    target        TEXT NOT NULL,
    record_count  INTEGER NOT NULL DEFAULT 0,
    detail        TEXT NOT NULL DEFAULT '{}',
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);

-- The chain's newest entry, so a removed tail is noticed.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
