-- Erasure of a person (see maestro_store::erasure) and audit entries that can forget their
-- words without breaking the chain.

-- The erasure ledger: what was erased and when, never who. One row per erasure; the opaque id
-- is what the audit entry names. `reason` is 'erasure' (the owner's request) or 'retention'.
CREATE TABLE erasures (
    id              TEXT PRIMARY KEY NOT NULL,
    company_id      TEXT NOT NULL REFERENCES companies(id),
    reason          TEXT NOT NULL,
    erased_at       TEXT NOT NULL,
    records         INTEGER NOT NULL,
    versions        INTEGER NOT NULL
);

-- What a later sync must not bring back: the provider still holds these. `person` rows name a
-- person record's remote id; any record of that connection whose employee_remote_id or
-- candidate_remote_id is it (a new time entry, pay statement…) is skipped as well.
CREATE TABLE erasure_suppressions (
    erasure_id      TEXT NOT NULL REFERENCES erasures(id),
    company_id      TEXT NOT NULL,
    connection_id   TEXT NOT NULL,
    provider        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    remote_id       TEXT NOT NULL,
    person          INTEGER NOT NULL DEFAULT 0,
    skipped         INTEGER NOT NULL DEFAULT 0,
    last_skipped_at TEXT,
    PRIMARY KEY (connection_id, kind, remote_id)
);
CREATE INDEX erasure_suppressions_erasure ON erasure_suppressions(erasure_id);

-- A random token set by every erasure and purge (0 before any): a process that packed against a dictionary an erasure
-- retired, or that does not know a suppression yet, sees it changed and reloads.
CREATE TABLE erasure_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    generation  INTEGER NOT NULL
);
INSERT INTO erasure_state (id, generation) VALUES (1, 0);

-- Dictionaries an erasure or purge retired: never saved again (a process that still holds one
-- gets an error and reloads).
CREATE TABLE retired_dictionaries (
    id  INTEGER PRIMARY KEY NOT NULL
);
CREATE TRIGGER pack_dictionaries_not_retired BEFORE INSERT ON pack_dictionaries
WHEN EXISTS (SELECT 1 FROM retired_dictionaries WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'compression dictionary retired by an erasure');
END;

-- Audit entries from now on (scheme 2) hash a salted digest of their target and detail, not
-- the words themselves, so an erasure can blank the words (and the salt) of an entry that
-- named the person while the chain still verifies. Scheme 1 entries (written before) hash
-- their words; one blanked by an erasure is accepted only when the erasure's own entry lists it.
ALTER TABLE audit_log ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN salt TEXT;
ALTER TABLE audit_log ADD COLUMN target_digest TEXT;
ALTER TABLE audit_log ADD COLUMN detail_digest TEXT;
ALTER TABLE audit_log ADD COLUMN erased_by TEXT;

DROP TRIGGER audit_log_no_update;
-- The one change allowed: blanking an entry's words once, for an erasure.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (
    OLD.erased_by IS NULL AND NEW.erased_by IS NOT NULL
    AND NEW.seq = OLD.seq AND NEW.at = OLD.at AND NEW.company_id IS OLD.company_id
    AND NEW.actor = OLD.actor AND NEW.action = OLD.action
    AND NEW.record_count = OLD.record_count AND NEW.prev_hash = OLD.prev_hash
    AND NEW.hash = OLD.hash AND NEW.scheme = OLD.scheme
    AND NEW.target_digest IS OLD.target_digest AND NEW.detail_digest IS OLD.detail_digest
    AND NEW.salt IS NULL AND NEW.target = '[erased]' AND NEW.detail = '"[erased]"'
)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
