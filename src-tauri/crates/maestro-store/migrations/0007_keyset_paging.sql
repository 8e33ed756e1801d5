-- Reading a company's records a page at a time in record-id order (exports, health checks, the
-- roster) walks this index instead of sorting every matching row for every page.
CREATE INDEX records_company_kind_id ON records(company_id, kind, record_id);
CREATE INDEX records_company_id ON records(company_id, record_id);
