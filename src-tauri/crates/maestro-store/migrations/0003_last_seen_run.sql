-- The last full sync run that saw each record: a full run's end marks as deleted what it did not
-- see (deletion by snapshot diff), without holding the whole snapshot in memory.
ALTER TABLE records ADD COLUMN last_seen_run TEXT;
CREATE INDEX records_seen ON records(connection_id, kind, last_seen_run);
