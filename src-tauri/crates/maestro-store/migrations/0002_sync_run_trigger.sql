-- Why a run started (schedule, sync now, webhook, catch-up), and fast "changed since" scans.
ALTER TABLE sync_runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'schedule';
CREATE INDEX records_remote_modified ON records(company_id, kind, remote_modified_at);
