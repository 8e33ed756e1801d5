-- Retention (see maestro_store::retention): the termination date of each person record a purge
-- removed, so the records pointing to them (kept longer, e.g. benefits six years) still know
-- when their own period ends. Provider ids and a date only.
CREATE TABLE retention_terminations (
    company_id         TEXT NOT NULL REFERENCES companies(id),
    connection_id      TEXT NOT NULL,
    person_remote_id   TEXT NOT NULL,
    terminated_on      TEXT NOT NULL,
    PRIMARY KEY (connection_id, person_remote_id)
);
