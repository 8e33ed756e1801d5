//! Storing a whole page of canonical records at once: one look-up for the page, multi-row
//! inserts for new records, one update for unchanged ones. Same results as calling
//! [`records::put`](crate::records::put) for each record in order, at a fraction of the
//! statements (a sync page holds up to a few thousand records).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use maestro_core::ids::RecordId;
use maestro_core::model::CanonicalRecord;
use serde_json::Value;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::error::{Result, StoreError};
use crate::records::{self, Change, PutOutcome, RecordWrite};
use crate::store::parse_col;
use crate::time::fmt_ts;

/// Rows per multi-row statement (13 binds a row stays far below SQLite's variable limit).
const ROWS_PER_STATEMENT: usize = 200;

struct Prepared<'a> {
    record: &'a CanonicalRecord,
    data: Value,
    data_text: String,
    raw_text: String,
    hash: String,
}

fn prepare(record: &CanonicalRecord) -> Result<Prepared<'_>> {
    let mut data = record
        .to_json()
        .map_err(|e| StoreError::Invalid(format!("cannot encode a {}: {e}", record.kind())))?;
    if let Some(map) = data.as_object_mut() {
        map.remove("raw");
    }
    let hash = records::content_hash(&data, record.raw(), false);
    Ok(Prepared {
        data_text: data.to_string(),
        raw_text: record.raw().to_string(),
        record,
        data,
        hash,
    })
}

/// Stores `records` (one page of one connection and kind) with the same outcome as [`records::put`]
/// on each in order. Pages mixing connections or kinds, or repeating a remote id, are stored one
/// by one.
pub async fn put_many(
    conn: &mut SqliteConnection,
    records: &[CanonicalRecord],
    sync_run_id: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Vec<PutOutcome>> {
    let Some(first) = records.first() else {
        return Ok(Vec::new());
    };
    let key = |r: &CanonicalRecord| (r.company_id(), r.provenance().connection_id, r.kind());
    let uniform = records.iter().all(|r| key(r) == key(first));
    let mut ids = HashSet::with_capacity(records.len());
    let distinct = records
        .iter()
        .all(|r| ids.insert(r.provenance().remote_id.as_str()));
    if !uniform || !distinct {
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            out.push(records::put_canonical(conn, r, sync_run_id, at).await?);
        }
        return Ok(out);
    }
    let prepared: Vec<Prepared> = records.iter().map(prepare).collect::<Result<_>>()?;
    let (company_id, connection_id, kind) = key(first);
    let at_text = fmt_ts(at);

    // One look-up per chunk of remote ids.
    let mut current: HashMap<String, (String, i64, String, bool)> = HashMap::new();
    for chunk in prepared.chunks(ROWS_PER_STATEMENT * 4) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT record_id, remote_id, current_version, content_hash, deleted FROM records WHERE company_id = ",
        );
        q.push_bind(company_id.to_string())
            .push(" AND connection_id = ")
            .push_bind(connection_id.to_string())
            .push(" AND kind = ")
            .push_bind(kind.as_str())
            .push(" AND remote_id IN (");
        let mut sep = q.separated(", ");
        for p in chunk {
            sep.push_bind(p.record.provenance().remote_id.as_str());
        }
        sep.push_unseparated(")");
        for row in q.build().fetch_all(&mut *conn).await? {
            current.insert(
                row.try_get("remote_id")?,
                (
                    row.try_get("record_id")?,
                    row.try_get("current_version")?,
                    row.try_get("content_hash")?,
                    row.try_get::<i64, _>("deleted")? != 0,
                ),
            );
        }
    }

    let mut out = Vec::with_capacity(prepared.len());
    let mut new_rows: Vec<(RecordId, &Prepared)> = Vec::new();
    let mut unchanged: Vec<String> = Vec::new();
    for p in &prepared {
        match current.get(&p.record.provenance().remote_id) {
            None => {
                let id = RecordId::new();
                new_rows.push((id, p));
                out.push(PutOutcome {
                    record_id: id,
                    version: 1,
                    change: Change::Created,
                });
            }
            Some((id, version, hash, deleted)) if *hash == p.hash && !deleted => {
                unchanged.push(id.clone());
                out.push(PutOutcome {
                    record_id: parse_col(id, "records.record_id")?,
                    version: *version,
                    change: Change::Unchanged,
                });
            }
            Some(_) => {
                // Changes are few in steady state: the one-by-one path versions them.
                let write = RecordWrite {
                    company_id,
                    kind,
                    provenance: p.record.provenance(),
                    data: &p.data,
                    raw: p.record.raw(),
                    sync_run_id,
                };
                out.push(records::put(conn, &write, at).await?);
            }
        }
    }

    for chunk in new_rows.chunks(ROWS_PER_STATEMENT) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO records (record_id, company_id, kind, connection_id, provider, remote_id,
                 current_version, content_hash, deleted, remote_modified_at, first_seen_at, updated_at, last_seen_run) ",
        );
        q.push_values(chunk, |mut b, (id, p)| {
            let prov = p.record.provenance();
            b.push_bind(id.to_string())
                .push_bind(company_id.to_string())
                .push_bind(kind.as_str())
                .push_bind(connection_id.to_string())
                .push_bind(prov.provider.as_str())
                .push_bind(prov.remote_id.as_str())
                .push_bind(1i64)
                .push_bind(p.hash.as_str())
                .push_bind(0i64)
                .push_bind(prov.remote_modified_at.map(fmt_ts))
                .push_bind(at_text.as_str())
                .push_bind(at_text.as_str())
                .push_bind(sync_run_id);
        });
        q.build().execute(&mut *conn).await?;
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO record_versions (record_id, version, company_id, kind, valid_from, valid_to,
                 deleted, remote_modified_at, sync_run_id, content_hash, data, raw) ",
        );
        q.push_values(chunk, |mut b, (id, p)| {
            b.push_bind(id.to_string())
                .push_bind(1i64)
                .push_bind(company_id.to_string())
                .push_bind(kind.as_str())
                .push_bind(at_text.as_str())
                .push_bind(None::<String>)
                .push_bind(0i64)
                .push_bind(p.record.provenance().remote_modified_at.map(fmt_ts))
                .push_bind(sync_run_id)
                .push_bind(p.hash.as_str())
                .push_bind(p.data_text.as_str())
                .push_bind(p.raw_text.as_str());
        });
        q.build().execute(&mut *conn).await?;
    }

    if let Some(run) = sync_run_id {
        for chunk in unchanged.chunks(ROWS_PER_STATEMENT * 4) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("UPDATE records SET last_seen_run = ");
            q.push_bind(run).push(" WHERE record_id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(id.as_str());
            }
            sep.push_unseparated(")");
            q.build().execute(&mut *conn).await?;
        }
    }
    Ok(out)
}
