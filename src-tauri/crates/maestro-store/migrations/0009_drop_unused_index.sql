-- Nothing reads records by the provider's modified time: the index only cost every insert.
DROP INDEX IF EXISTS records_remote_modified;
