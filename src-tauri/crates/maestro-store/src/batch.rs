//! Storing a whole page of canonical records at once: one look-up for the page, multi-row
//! inserts for new records, a few multi-row statements for changed ones, one update for
//! unchanged ones. Same results as calling
//! [`records::put`](crate::records::put) for each record in order, at a fraction of the
//! statements (a sync page holds up to a few thousand records).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, RecordId};
use maestro_core::model::{CanonicalRecord, EntityKind, Provenance, RawPayload};
use serde_json::Value;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::erasure;
use crate::error::{Result, StoreError};
use crate::packed::{self, Column, Dictionary, Stream};
use crate::records::{self, Change, PutOutcome, RecordWrite};
use crate::store::parse_col;
use crate::time::fmt_ts;

/// Rows per multi-row insert (13 binds a row). Larger statements cost more to compile and cache
/// than they save in round trips.
const ROWS_PER_STATEMENT: usize = 250;

/// Remote ids per look-up or update statement.
const IDS_PER_STATEMENT: usize = 1_000;

/// One record ready to store: its canonical JSON text, raw payload and content hash, computed
/// without touching the database (so a sync can prepare the next page while the store writes
/// the current one).
#[derive(Debug)]
pub struct PreparedRecord {
    company_id: CompanyId,
    kind: EntityKind,
    provenance: Provenance,
    /// The canonical JSON text, packed for storing ([`packed::pack`]).
    data: Vec<u8>,
    /// The payload, packed for storing.
    raw_packed: Vec<u8>,
    hash: String,
}

impl PreparedRecord {
    /// The record's provenance (connection, provider, remote id).
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    /// The canonical JSON and the payload, unpacked again (for the rare one-by-one path).
    fn unpacked(&self) -> Result<(Value, RawPayload)> {
        let invalid = |e: serde_json::Error| {
            StoreError::Invalid(format!("cannot re-read a {}: {e}", self.kind))
        };
        let data = packed::unpack(self.data.clone(), "data")?;
        let raw = packed::unpack(self.raw_packed.clone(), "raw")?;
        Ok((
            serde_json::from_str(&data).map_err(invalid)?,
            RawPayload::from_json_text(raw).map_err(invalid)?,
        ))
    }
}

/// A page of records prepared by [`prepare_page`].
#[derive(Debug, Default)]
pub struct PreparedPage {
    records: Vec<PreparedRecord>,
    /// The compression dictionaries its texts were packed against, saved with the page.
    dictionaries: Vec<(Stream, Dictionary)>,
    /// Records left out because they were erased ([`erasure`]), noted when the page is stored.
    skipped: Vec<(CompanyId, erasure::Skipped)>,
    /// The erasures this process knew when it prepared the page.
    generation: i64,
}

impl PreparedPage {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when the page holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// One record's texts before packing.
struct Texts {
    record: CanonicalRecord,
    data: String,
    raw: RawPayload,
}

/// Prepares records for [`put_prepared`], taking them (the raw payloads are moved, not copied).
/// Texts are packed against their stream's dictionary ([`packed`]), learned from this page's
/// first texts if the stream has none yet. CPU only: callers may run it on a blocking thread.
pub fn prepare_page(records: Vec<CanonicalRecord>) -> Result<PreparedPage> {
    // Erased records are left out before anything is learned from them.
    let generation = erasure::known_generation();
    let mut skipped = Vec::new();
    let records: Vec<CanonicalRecord> = records
        .into_iter()
        .filter(|r| match erasure::suppressed(r) {
            Some(s) => {
                skipped.push((r.company_id(), s));
                false
            }
            None => true,
        })
        .collect();
    // Each canonical text starts with room for the longest so far.
    let mut capacity = 512;
    let texts = records
        .into_iter()
        .map(|mut record| {
            let raw = record.take_raw();
            // The canonical text (keys sorted) is both hashed and stored: one serialisation.
            let mut text = Vec::with_capacity(capacity);
            record.write_data_text(&mut text).map_err(|e| {
                StoreError::Invalid(format!("cannot encode a {}: {e}", record.kind()))
            })?;
            capacity = capacity.max(text.len());
            let data = String::from_utf8(text)
                .map_err(|e| StoreError::Invalid(format!("canonical JSON: {e}")))?;
            Ok(Texts { record, data, raw })
        })
        .collect::<Result<Vec<_>>>()?;

    let mut dictionaries: Vec<(Stream, Dictionary)> = Vec::new();
    let mut dictionary = |t: &Texts, column: Column| -> Option<Dictionary> {
        let stream = Stream {
            connection_id: t.record.provenance().connection_id,
            kind: t.record.kind(),
            column,
        };
        if let Some((_, known)) = dictionaries.iter().find(|(s, _)| *s == stream) {
            return Some(known.clone());
        }
        let same = texts.iter().filter(|o| {
            o.record.provenance().connection_id == stream.connection_id
                && o.record.kind() == stream.kind
        });
        let learned = match column {
            Column::Data => packed::dictionary_for(stream, same.map(|o| o.data.as_str())),
            Column::Raw => packed::dictionary_for(stream, same.map(|o| o.raw.as_str())),
        }?;
        dictionaries.push((stream, learned.clone()));
        Some(learned)
    };
    let pack = |text: &str, dictionary: Option<Dictionary>| match dictionary {
        Some(d) => packed::pack_with(text, &d),
        None => packed::pack(text),
    };
    let mut records = Vec::with_capacity(texts.len());
    for t in &texts {
        let data = pack(&t.data, dictionary(t, Column::Data));
        let raw_packed = pack(t.raw.as_str(), dictionary(t, Column::Raw));
        records.push(PreparedRecord {
            company_id: t.record.company_id(),
            kind: t.record.kind(),
            hash: records::content_hash_of_texts(t.data.as_bytes(), &t.raw, false),
            data,
            raw_packed,
            provenance: t.record.provenance().clone(),
        });
    }
    Ok(PreparedPage {
        records,
        dictionaries,
        skipped,
        generation,
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
    let page = prepare_page(records.to_vec())?;
    put_prepared(conn, page, sync_run_id, at).await
}

/// Stores a prepared page: one look-up for the page, multi-row inserts for new records,
/// multi-row statements that version changed ones (`advance_versions`), one update for
/// unchanged ones. Same outcome as [`records::put`] on each record in order; pages mixing
/// connections or kinds, or repeating a remote id, go through it one by one.
pub async fn put_prepared(
    conn: &mut SqliteConnection,
    mut page: PreparedPage,
    sync_run_id: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Vec<PutOutcome>> {
    erasure::check_generation(conn, page.generation).await?;
    if let Some((company_id, _)) = page.skipped.first() {
        let skipped: Vec<erasure::Skipped> = page.skipped.iter().map(|(_, s)| s.clone()).collect();
        erasure::note_skipped(conn, *company_id, &skipped, at).await?;
    }
    for (stream, dictionary) in &page.dictionaries {
        packed::save(conn, *stream, dictionary).await?;
    }
    let prepared = &mut page.records;
    let Some(first) = prepared.first() else {
        return Ok(Vec::new());
    };
    let key = |r: &PreparedRecord| (r.company_id, r.provenance.connection_id, r.kind);
    let uniform = prepared.iter().all(|r| key(r) == key(first));
    let mut ids = HashSet::with_capacity(prepared.len());
    let distinct = prepared
        .iter()
        .all(|r| ids.insert(r.provenance.remote_id.as_str()));
    if !uniform || !distinct {
        let mut out = Vec::with_capacity(prepared.len());
        for r in prepared.iter() {
            out.push(put_one(conn, r, sync_run_id, at).await?);
        }
        return Ok(out);
    }
    let (company_id, connection_id, kind) = key(first);
    let at_text = fmt_ts(at);

    // One look-up per chunk of remote ids.
    let mut current: HashMap<String, (String, i64, String, bool)> = HashMap::new();
    for chunk in prepared.chunks(IDS_PER_STATEMENT) {
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
            sep.push_bind(p.provenance.remote_id.as_str());
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
    // New records: their place in `out`, then the record.
    let mut created: Vec<(usize, &mut PreparedRecord)> = Vec::new();
    // Records whose stored hash differs (changed, revived, or hashed by an earlier scheme).
    let mut differing: Vec<Differing> = Vec::new();
    let mut unchanged: Vec<String> = Vec::new();
    for p in prepared.iter_mut() {
        match current.get(&p.provenance.remote_id) {
            None => {
                created.push((out.len(), p));
                // The id is given below, once the new records are in insertion order (the nil
                // id stands in until then).
                out.push(PutOutcome {
                    record_id: RecordId::from_uuid(uuid::Uuid::nil()),
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
            Some((id, version, _, deleted)) => {
                // Settled below; "updated" unless only the hash's scheme changed.
                out.push(PutOutcome {
                    record_id: parse_col(id, "records.record_id")?,
                    version: version + 1,
                    change: Change::Updated,
                });
                differing.push(Differing {
                    at: out.len() - 1,
                    record: p,
                    record_id: id.clone(),
                    version: *version,
                    deleted: *deleted,
                });
            }
        }
    }
    let mut changed = settle_differing(conn, differing, &mut out, &mut unchanged).await?;

    // Inserted in remote-id order, with record ids (time-ordered) given in that order: every
    // index then grows at its high end. Providers often list newest first (descending ids),
    // and B-tree pages filled from their low end split half empty.
    created.sort_unstable_by(|a, b| a.1.provenance.remote_id.cmp(&b.1.provenance.remote_id));
    let mut new_rows: Vec<NewVersion> = Vec::with_capacity(created.len());
    for (at, p) in created {
        let id = RecordId::new();
        if let Some(outcome) = out.get_mut(at) {
            outcome.record_id = id;
        }
        new_rows.push(NewVersion {
            record_id: id.to_string(),
            version: 1,
            record: p,
        });
    }
    let page = PageKeys {
        company: company_id.to_string(),
        connection: connection_id.to_string(),
        kind,
        at: at_text,
        run: sync_run_id,
    };
    for chunk in new_rows.chunks_mut(ROWS_PER_STATEMENT) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO records (record_id, company_id, kind, connection_id, provider, remote_id,
                 current_version, content_hash, deleted, remote_modified_at, last_seen_run) ",
        );
        q.push_values(chunk.iter(), |mut b, row| {
            let prov = &row.record.provenance;
            b.push_bind(row.record_id.as_str())
                .push_bind(page.company.as_str())
                .push_bind(page.kind.as_str())
                .push_bind(page.connection.as_str())
                .push_bind(prov.provider.as_str())
                .push_bind(prov.remote_id.as_str())
                .push_bind(1i64)
                .push_bind(row.record.hash.as_str())
                .push_bind(0i64)
                .push_bind(prov.remote_modified_at.map(fmt_ts))
                .push_bind(page.run);
        });
        q.build().execute(&mut *conn).await?;
        insert_versions(conn, chunk, &page).await?;
    }
    for chunk in changed.chunks_mut(ROWS_PER_STATEMENT) {
        advance_versions(conn, chunk, &page).await?;
    }

    if let Some(run) = page.run {
        for chunk in unchanged.chunks(IDS_PER_STATEMENT) {
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

/// What every row of a page shares, as bound in its statements.
struct PageKeys<'a> {
    company: String,
    connection: String,
    kind: EntityKind,
    /// The page's time, as stored.
    at: String,
    run: Option<&'a str>,
}

/// A version to insert: the record's id, the version's number and its prepared texts.
struct NewVersion<'p> {
    record_id: String,
    version: i64,
    record: &'p mut PreparedRecord,
}

/// A page's record whose stored hash differs from its own.
struct Differing<'p> {
    /// Its place in the page's outcomes.
    at: usize,
    record: &'p mut PreparedRecord,
    record_id: String,
    /// The stored current version.
    version: i64,
    deleted: bool,
}

/// Sorts out the records whose stored hash differs. A live record whose stored content equals
/// the new content (a reordered payload, a hash from an earlier scheme) stays unchanged and
/// only its hash is brought up to date, by the same rule as [`records::put`]. The others,
/// changed or revived, are returned as the versions to add.
async fn settle_differing<'p>(
    conn: &mut SqliteConnection,
    differing: Vec<Differing<'p>>,
    out: &mut [PutOutcome],
    unchanged: &mut Vec<String>,
) -> Result<Vec<NewVersion<'p>>> {
    // The stored texts, still packed: most differing records have other data, and their
    // payloads need not be read at all.
    let mut stored: HashMap<String, (Vec<u8>, Vec<u8>)> = HashMap::new();
    let live: Vec<&Differing> = differing.iter().filter(|d| !d.deleted).collect();
    for chunk in live.chunks(ROWS_PER_STATEMENT) {
        // Joined with the keys (not `(record_id, version) IN (VALUES …)`, which scans the
        // whole table), so each key is one primary-key look-up.
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT v.record_id, v.data, v.raw FROM (");
        q.push_values(chunk.iter(), |mut b, d| {
            b.push_bind(d.record_id.as_str()).push_bind(d.version);
        });
        q.push(
            ") AS k JOIN record_versions v ON v.record_id = k.column1 AND v.version = k.column2",
        );
        let rows = q.build().fetch_all(&mut *conn).await?;
        records::load_dictionaries_for(conn, &rows).await?;
        for row in &rows {
            stored.insert(
                row.try_get("record_id")?,
                (row.try_get("data")?, row.try_get("raw")?),
            );
        }
    }
    let mut changed = Vec::with_capacity(differing.len());
    for d in differing {
        let same = match stored.remove(&d.record_id) {
            Some((data, raw)) => same_packed_content(data, raw, d.record)?,
            None => false,
        };
        if same {
            records::refresh_hash(conn, &d.record_id, &d.record.hash).await?;
            if let Some(outcome) = out.get_mut(d.at) {
                outcome.version = d.version;
                outcome.change = Change::Unchanged;
            }
            unchanged.push(d.record_id);
        } else {
            changed.push(NewVersion {
                record_id: d.record_id,
                version: d.version + 1,
                record: d.record,
            });
        }
    }
    Ok(changed)
}

/// True when a stored version's packed `data` and `raw` hold the same content as `record`,
/// by the rule of [`records::is_same_content`] (equal as JSON values). Equal texts are equal
/// values, so JSON is parsed only where the texts differ, and the payloads are read only when
/// the canonical data are the same.
fn same_packed_content(data: Vec<u8>, raw: Vec<u8>, record: &PreparedRecord) -> Result<bool> {
    let stored_data = packed::unpack(data, "data")?;
    let new_data = packed::unpack(record.data.clone(), "data")?;
    if stored_data != new_data {
        let parse = |text: &str| {
            serde_json::from_str::<Value>(text)
                .map_err(|e| StoreError::Corrupt(format!("column data is not JSON: {e}")))
        };
        if parse(&stored_data)? != parse(&new_data)? {
            return Ok(false);
        }
    }
    let json = |text: String| {
        RawPayload::from_json_text(text)
            .map_err(|e| StoreError::Corrupt(format!("column raw is not JSON: {e}")))
    };
    let stored_raw = json(packed::unpack(raw, "raw")?)?;
    let new_raw = json(packed::unpack(record.raw_packed.clone(), "raw")?)?;
    Ok(stored_raw == new_raw)
}

/// Adds the next version of each record in `rows`: moves the record on (live again if it was
/// deleted) and inserts the new version, which ends the one before it (a version is current
/// until the next one begins). Same rows as [`records::put`].
async fn advance_versions(
    conn: &mut SqliteConnection,
    rows: &mut [NewVersion<'_>],
    page: &PageKeys<'_>,
) -> Result<()> {
    // The current versions are not rewritten. The statement joins its rows' keys, so every
    // row is a primary-key look-up.
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
        "UPDATE records SET current_version = v.column2, content_hash = v.column3, deleted = 0,
             remote_modified_at = COALESCE(v.column4, records.remote_modified_at),
             last_seen_run = COALESCE(",
    );
    q.push_bind(page.run)
        .push(", records.last_seen_run) FROM (");
    q.push_values(rows.iter(), |mut b, row| {
        b.push_bind(row.record_id.as_str())
            .push_bind(row.version)
            .push_bind(row.record.hash.as_str())
            .push_bind(row.record.provenance.remote_modified_at.map(fmt_ts));
    });
    q.push(") AS v WHERE records.record_id = v.column1");
    q.build().execute(&mut *conn).await?;

    insert_versions(conn, rows, page).await
}

/// Inserts the versions `rows` (live, current from the page's time).
async fn insert_versions(
    conn: &mut SqliteConnection,
    rows: &mut [NewVersion<'_>],
    page: &PageKeys<'_>,
) -> Result<()> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO record_versions (record_id, version, valid_from, deleted,
             remote_modified_at, sync_run_id, content_hash, data, raw) ",
    );
    // The texts are moved into the statement, not copied (they are the bulk of a page).
    q.push_values(rows.iter_mut(), |mut b, row| {
        let p = &mut *row.record;
        b.push_bind(row.record_id.as_str())
            .push_bind(row.version)
            .push_bind(page.at.as_str())
            .push_bind(0i64)
            .push_bind(p.provenance.remote_modified_at.map(fmt_ts))
            .push_bind(page.run)
            .push_bind(p.hash.as_str())
            .push_bind(std::mem::take(&mut p.data))
            .push_bind(std::mem::take(&mut p.raw_packed));
    });
    q.build().execute(&mut *conn).await?;
    Ok(())
}

/// One record through [`records::put`].
async fn put_one(
    conn: &mut SqliteConnection,
    p: &PreparedRecord,
    sync_run_id: Option<&str>,
    at: DateTime<Utc>,
) -> Result<PutOutcome> {
    let (data, raw) = p.unpacked()?;
    let write = RecordWrite {
        company_id: p.company_id,
        kind: p.kind,
        provenance: &p.provenance,
        data: &data,
        raw: &raw,
        sync_run_id,
    };
    records::put(conn, &write, at).await
}
