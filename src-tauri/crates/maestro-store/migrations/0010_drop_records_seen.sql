-- The end-of-run scan for records a full run did not see walks the unique
-- (company, connection, kind, remote id) index in remote-id order; the planner never used
-- records_seen, while every full run moved an entry in it for each record it saw.
DROP INDEX IF EXISTS records_seen;
