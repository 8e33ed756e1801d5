-- Routes write through the outbox. These columns say what each queued write is for, so that
-- planning again recognises work already queued or done, and what it did when it ran.
--   route       the route that planned it ('hris_to_payroll', …)
--   subject     route + action + source record: one live write per subject, whatever the version
--   summary     one line for people ("Create Ada Lovelace in Gusto")
--   changes     the field-by-field diff shown before approval (JSON array)
--   approved_by who approved a write that changes pay
--   remote_id   the provider's id of the record written
--   completed_at when it was written (or given up on)
ALTER TABLE outbox ADD COLUMN route TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN changes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE outbox ADD COLUMN approved_by TEXT;
ALTER TABLE outbox ADD COLUMN remote_id TEXT;
ALTER TABLE outbox ADD COLUMN completed_at TEXT;
CREATE INDEX outbox_subject ON outbox(company_id, subject, status);
