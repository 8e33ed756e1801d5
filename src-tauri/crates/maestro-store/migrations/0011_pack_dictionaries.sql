-- Compression dictionaries for record_versions.data and .raw (see maestro_store::packed): the
-- first texts one stream (a connection's records of one kind, one column) stored. A version
-- packed against one names it by id; rows are never changed, and never deleted while a version
-- refers to them. id is the first 8 bytes (little endian) of the SHA-256 of bytes.
CREATE TABLE pack_dictionaries (
    id             INTEGER PRIMARY KEY NOT NULL,
    connection_id  TEXT NOT NULL,
    kind           TEXT NOT NULL,
    column_name    TEXT NOT NULL,
    bytes          BLOB NOT NULL
);
