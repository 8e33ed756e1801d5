-- When each connection syncs on its own. One row per connection, created the first time the
-- scheduler starts it or the owner changes its schedule; a connection without a row follows
-- its provider's default interval and is due at once. The installation-wide pause lives in
-- settings (scope 'global', key 'scheduler.paused').
CREATE TABLE schedules (
    connection_id         TEXT PRIMARY KEY NOT NULL,
    company_id            TEXT NOT NULL REFERENCES companies(id),
    -- NULL: the provider's default interval.
    interval_seconds      INTEGER CHECK (interval_seconds IS NULL OR interval_seconds > 0),
    paused                INTEGER NOT NULL DEFAULT 0,
    -- NULL: never run, due now.
    next_run_at           TEXT,
    last_run_at           TEXT,
    last_success_at       TEXT,
    last_error            TEXT,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    backoff_until         TEXT,
    -- Set by "sync now"; cleared when the run starts.
    requested_at          TEXT,
    updated_at            TEXT NOT NULL,
    FOREIGN KEY (connection_id, company_id) REFERENCES connections(id, company_id) ON DELETE CASCADE
);
CREATE INDEX schedules_company ON schedules(company_id);
