-- Record versions, smaller and written once (issue 19).
--   * A version no longer stores its end (valid_to): it ends where the next version of its
--     record (numbered one more) begins, which is what valid_to always held. Superseding a
--     version used to rewrite its row, and with it the page holding its payloads; a changed
--     record now costs what a new one costs.
--   * company_id and kind are read from the version's record, not repeated in every version;
--     nothing needs record_versions_time any more (point-in-time reads walk the records).
--   * records_company_kind (company, kind, deleted) and records_company_kind_id (company,
--     kind, record_id) become one index (company, kind, deleted, record_id): counts, live
--     pages and point-in-time reads each walk it in order.
--   * records.first_seen_at (always its first version's valid_from) and records.updated_at
--     (its current version's valid_from; never read) are dropped.
-- Row ids are kept, so the packed-dictionary rebuild's order of versions stays the same.
CREATE TABLE record_versions_new (
    record_id           TEXT NOT NULL REFERENCES records(record_id),
    version             INTEGER NOT NULL,
    valid_from          TEXT NOT NULL,
    deleted             INTEGER NOT NULL DEFAULT 0,
    remote_modified_at  TEXT,
    sync_run_id         TEXT,
    content_hash        TEXT NOT NULL,
    data                TEXT NOT NULL,
    raw                 TEXT NOT NULL,
    PRIMARY KEY (record_id, version)
);
INSERT INTO record_versions_new (rowid, record_id, version, valid_from, deleted,
    remote_modified_at, sync_run_id, content_hash, data, raw)
SELECT rowid, record_id, version, valid_from, deleted,
    remote_modified_at, sync_run_id, content_hash, data, raw
FROM record_versions ORDER BY rowid;
DROP TABLE record_versions;
ALTER TABLE record_versions_new RENAME TO record_versions;

DROP INDEX IF EXISTS records_company_kind;
DROP INDEX IF EXISTS records_company_kind_id;
CREATE INDEX records_company_kind_live ON records(company_id, kind, deleted, record_id);

ALTER TABLE records DROP COLUMN first_seen_at;
ALTER TABLE records DROP COLUMN updated_at;
