//! Canonical records with full version history. Each (connection, kind, remote id) is one record;
//! every change to its content is a new version, and the versions' validity ranges allow
//! point-in-time reads ("what did we know at 9:00 on payroll day").

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{CanonicalEntity, CanonicalRecord, EntityKind, Provenance, RawPayload};
use serde::Serialize;
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::digest::{sha256_hex_bytes, write_canonical};
use crate::error::{Result, StoreError};
use crate::packed::{self, Column, Stream};
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// One record to store, as canonical JSON plus the provider's payload.
#[derive(Debug, Clone, Copy)]
pub struct RecordWrite<'a> {
    /// Owning company.
    pub company_id: CompanyId,
    /// Entity kind.
    pub kind: EntityKind,
    /// Where it came from.
    pub provenance: &'a Provenance,
    /// The canonical record, serialised.
    pub data: &'a Value,
    /// The provider's payload as received.
    pub raw: &'a RawPayload,
    /// The sync run that read it, if any.
    pub sync_run_id: Option<&'a str>,
}

/// What storing a record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// First time seen.
    Created,
    /// Content differed: a new version was written.
    Updated,
    /// Same content as the current version: nothing written.
    Unchanged,
    /// Marked deleted (a new, tombstone version).
    Deleted,
}

/// The result of a write: which record, which version, what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PutOutcome {
    /// Local record id.
    pub record_id: RecordId,
    /// The record's current version after the write.
    pub version: i64,
    /// What happened.
    pub change: Change,
}

/// A stored version of a record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRecord {
    /// Local record id.
    pub record_id: RecordId,
    /// Owning company.
    pub company_id: CompanyId,
    /// Entity kind.
    pub kind: EntityKind,
    /// Connection it came from.
    pub connection_id: ConnectionId,
    /// Connector id.
    pub provider: String,
    /// Id at the provider.
    pub remote_id: String,
    /// Version number, from 1.
    pub version: i64,
    /// True for a deletion tombstone.
    pub deleted: bool,
    /// The provider's last-modified time, when it gives one.
    pub remote_modified_at: Option<DateTime<Utc>>,
    /// When this version became current locally.
    pub valid_from: DateTime<Utc>,
    /// When it was superseded (None = still current).
    pub valid_to: Option<DateTime<Utc>>,
    /// Canonical record.
    pub data: Value,
    /// Provider payload.
    pub raw: RawPayload,
}

impl StoredRecord {
    /// Decodes the canonical JSON into its typed entity.
    pub fn entity<E: CanonicalEntity>(&self) -> Result<E> {
        if self.kind != E::KIND {
            return Err(StoreError::Invalid(format!(
                "record {} is a {}, not a {}",
                self.record_id,
                self.kind,
                E::KIND
            )));
        }
        // The payload is kept apart from the data: set it as it is, not parsed and re-printed.
        let mut entity: E = E::deserialize(&self.data).map_err(|e| {
            StoreError::Corrupt(format!("record {} does not decode: {e}", self.record_id))
        })?;
        entity.set_raw(self.raw.clone());
        Ok(entity)
    }
}

/// The content hash of a version: `sha256_hex([canonical_json(data), raw text, "live"|"deleted"])`.
/// The payload is hashed as the provider's text (re-ordering it costs a parse per record);
/// a payload that differs only in key order or spacing is caught by [`same_content`] before
/// it becomes a version.
pub(crate) fn content_hash(data: &Value, raw: &RawPayload, deleted: bool) -> String {
    let mut canonical = Vec::with_capacity(512);
    write_canonical(data, &mut canonical);
    content_hash_of_texts(&canonical, raw, deleted)
}

/// [`content_hash`] of an already canonical data text.
pub(crate) fn content_hash_of_texts(data: &[u8], raw: &RawPayload, deleted: bool) -> String {
    let tag: &[u8] = if deleted { b"deleted" } else { b"live" };
    sha256_hex_bytes(&[data, raw.as_str().as_bytes(), tag])
}

/// True when the current version of `record_id` holds the same data and payload as `write`
/// (compared as JSON values). Hashes of equal content differ when the provider reorders a
/// payload's keys, or across a change of the hashing scheme (earlier stores hashed the
/// payload's canonical form): such a record is unchanged, only its hash is brought up to date.
async fn same_content(
    conn: &mut SqliteConnection,
    cur: &Current,
    write: &RecordWrite<'_>,
) -> Result<bool> {
    let stored = current_content(conn, cur).await?;
    Ok(is_same_content(&stored, write.data, write.raw))
}

/// The comparison behind [`same_content`]: stored data and payload against new ones, as JSON
/// values.
pub(crate) fn is_same_content(
    stored: &(Value, RawPayload),
    data: &Value,
    raw: &RawPayload,
) -> bool {
    stored.0 == *data && stored.1 == raw.to_value()
}

/// Brings the hash of `record_id` up to date when its content is the same (see
/// [`same_content`]): no new version.
pub(crate) async fn refresh_hash(
    conn: &mut SqliteConnection,
    record_id: &str,
    hash: &str,
) -> Result<()> {
    sqlx::query("UPDATE records SET content_hash = ?1 WHERE record_id = ?2")
        .bind(hash)
        .bind(record_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The data and payload of the current version of `cur`.
async fn current_content(
    conn: &mut SqliteConnection,
    cur: &Current,
) -> Result<(Value, RawPayload)> {
    let last =
        sqlx::query("SELECT data, raw FROM record_versions WHERE record_id = ?1 AND version = ?2")
            .bind(&cur.record_id)
            .bind(cur.version)
            .fetch_one(&mut *conn)
            .await?;
    load_dictionaries_for(conn, std::slice::from_ref(&last)).await?;
    Ok((decode_json(&last, "data")?, decode_raw(&last, "raw")?))
}

struct Current {
    record_id: String,
    version: i64,
    hash: String,
    deleted: bool,
}

async fn find_current(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    kind: EntityKind,
    remote_id: &str,
) -> Result<Option<Current>> {
    let row = sqlx::query(
        "SELECT record_id, current_version, content_hash, deleted FROM records
         WHERE company_id = ?1 AND connection_id = ?2 AND kind = ?3 AND remote_id = ?4",
    )
    .bind(company_id.to_string())
    .bind(connection_id.to_string())
    .bind(kind.as_str())
    .bind(remote_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(Current {
            record_id: r.try_get("record_id")?,
            version: r.try_get("current_version")?,
            hash: r.try_get("content_hash")?,
            deleted: r.try_get::<i64, _>("deleted")? != 0,
        })
    })
    .transpose()
}

/// Stores a record: creates it, adds a version if its content changed, or does nothing; and
/// notes the sync run that saw it.
pub async fn put(
    conn: &mut SqliteConnection,
    write: &RecordWrite<'_>,
    at: DateTime<Utc>,
) -> Result<PutOutcome> {
    let outcome = put_version(conn, write, at).await?;
    if let Some(run) = write.sync_run_id {
        sqlx::query("UPDATE records SET last_seen_run = ?1 WHERE record_id = ?2")
            .bind(run)
            .bind(outcome.record_id.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(outcome)
}

async fn put_version(
    conn: &mut SqliteConnection,
    write: &RecordWrite<'_>,
    at: DateTime<Utc>,
) -> Result<PutOutcome> {
    let p = write.provenance;
    let hash = content_hash(write.data, write.raw, false);
    let current = find_current(
        conn,
        write.company_id,
        p.connection_id,
        write.kind,
        &p.remote_id,
    )
    .await?;
    match current {
        None => {
            let record_id = RecordId::new();
            sqlx::query(
                "INSERT INTO records (record_id, company_id, kind, connection_id, provider, remote_id,
                     current_version, content_hash, deleted, remote_modified_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, 0, ?8)",
            )
            .bind(record_id.to_string())
            .bind(write.company_id.to_string())
            .bind(write.kind.as_str())
            .bind(p.connection_id.to_string())
            .bind(&p.provider)
            .bind(&p.remote_id)
            .bind(&hash)
            .bind(p.remote_modified_at.map(fmt_ts))
            .execute(&mut *conn)
            .await?;
            insert_version(conn, &record_id.to_string(), 1, write, false, &hash, at).await?;
            Ok(PutOutcome {
                record_id,
                version: 1,
                change: Change::Created,
            })
        }
        Some(cur) if cur.hash == hash && !cur.deleted => Ok(PutOutcome {
            record_id: parse_col(&cur.record_id, "records.record_id")?,
            version: cur.version,
            change: Change::Unchanged,
        }),
        Some(cur) if !cur.deleted && same_content(conn, &cur, write).await? => {
            refresh_hash(conn, &cur.record_id, &hash).await?;
            Ok(PutOutcome {
                record_id: parse_col(&cur.record_id, "records.record_id")?,
                version: cur.version,
                change: Change::Unchanged,
            })
        }
        Some(cur) => {
            let version = cur.version + 1;
            supersede(conn, &cur, version, &hash, false, p.remote_modified_at).await?;
            insert_version(conn, &cur.record_id, version, write, false, &hash, at).await?;
            Ok(PutOutcome {
                record_id: parse_col(&cur.record_id, "records.record_id")?,
                version,
                change: Change::Updated,
            })
        }
    }
}

/// Stores a typed canonical entity (see [`put`]).
pub async fn put_entity<E: CanonicalEntity>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    entity: &E,
    sync_run_id: Option<&str>,
    at: DateTime<Utc>,
) -> Result<PutOutcome> {
    let mut data = serde_json::to_value(entity)
        .map_err(|e| StoreError::Invalid(format!("cannot encode a {}: {e}", E::KIND)))?;
    // The raw payload is stored once, in its own column.
    if let Some(map) = data.as_object_mut() {
        map.remove("raw");
    }
    put(
        conn,
        &RecordWrite {
            company_id,
            kind: E::KIND,
            provenance: entity.provenance(),
            data: &data,
            raw: entity.raw(),
            sync_run_id,
        },
        at,
    )
    .await
}

/// Stores any canonical record (see [`put`]); the company comes from the record.
pub async fn put_canonical(
    conn: &mut SqliteConnection,
    record: &CanonicalRecord,
    sync_run_id: Option<&str>,
    at: DateTime<Utc>,
) -> Result<PutOutcome> {
    let mut data = record
        .to_json()
        .map_err(|e| StoreError::Invalid(format!("cannot encode a {}: {e}", record.kind())))?;
    if let Some(map) = data.as_object_mut() {
        map.remove("raw");
    }
    put(
        conn,
        &RecordWrite {
            company_id: record.company_id(),
            kind: record.kind(),
            provenance: record.provenance(),
            data: &data,
            raw: record.raw(),
            sync_run_id,
        },
        at,
    )
    .await
}

/// Marks a record deleted at the provider with a tombstone version. `Ok(None)` when the record
/// was never stored; an already-deleted record is left as it is.
pub async fn mark_deleted(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    provenance: &Provenance,
    kind: EntityKind,
    sync_run_id: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Option<PutOutcome>> {
    let Some(cur) = find_current(
        conn,
        company_id,
        provenance.connection_id,
        kind,
        &provenance.remote_id,
    )
    .await?
    else {
        return Ok(None);
    };
    let record_id = parse_col(&cur.record_id, "records.record_id")?;
    if cur.deleted {
        return Ok(Some(PutOutcome {
            record_id,
            version: cur.version,
            change: Change::Unchanged,
        }));
    }
    let (data, raw) = current_content(conn, &cur).await?;
    let hash = content_hash(&data, &raw, true);
    let version = cur.version + 1;
    supersede(
        conn,
        &cur,
        version,
        &hash,
        true,
        provenance.remote_modified_at,
    )
    .await?;
    let write = RecordWrite {
        company_id,
        kind,
        provenance,
        data: &data,
        raw: &raw,
        sync_run_id,
    };
    insert_version(conn, &cur.record_id, version, &write, true, &hash, at).await?;
    Ok(Some(PutOutcome {
        record_id,
        version,
        change: Change::Deleted,
    }))
}

async fn supersede(
    conn: &mut SqliteConnection,
    cur: &Current,
    version: i64,
    hash: &str,
    deleted: bool,
    remote_modified_at: Option<DateTime<Utc>>,
) -> Result<()> {
    // The superseded version is not touched: it ends where the next one begins.
    sqlx::query(
        "UPDATE records SET current_version = ?1, content_hash = ?2, deleted = ?3,
             remote_modified_at = COALESCE(?4, remote_modified_at)
         WHERE record_id = ?5",
    )
    .bind(version)
    .bind(hash)
    .bind(i64::from(deleted))
    .bind(remote_modified_at.map(fmt_ts))
    .bind(&cur.record_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_version(
    conn: &mut SqliteConnection,
    record_id: &str,
    version: i64,
    write: &RecordWrite<'_>,
    deleted: bool,
    hash: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO record_versions (record_id, version, valid_from, deleted,
             remote_modified_at, sync_run_id, content_hash, data, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .bind(record_id)
    .bind(version)
    .bind(fmt_ts(at))
    .bind(i64::from(deleted))
    .bind(write.provenance.remote_modified_at.map(fmt_ts))
    .bind(write.sync_run_id)
    .bind(hash)
    .bind(pack(conn, write, Column::Data, &write.data.to_string()).await?)
    .bind(pack(conn, write, Column::Raw, write.raw.as_str()).await?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Packs one text of a version against its stream's dictionary when the stream has one
/// (saving it with this version, in case the page that learned it was rolled back).
async fn pack(
    conn: &mut SqliteConnection,
    write: &RecordWrite<'_>,
    column: Column,
    text: &str,
) -> Result<Vec<u8>> {
    let stream = Stream {
        connection_id: write.provenance.connection_id,
        kind: write.kind,
        column,
    };
    Ok(match packed::known(stream) {
        Some(dictionary) => {
            packed::save(conn, stream, &dictionary).await?;
            packed::pack_with(text, &dictionary)
        }
        None => packed::pack(text),
    })
}

/// A version row with its record's columns. A version is stored without its end: it ends
/// where the next one (numbered one more) begins, so superseding it never rewrites its row;
/// `valid_to` is NULL for the current version.
const SELECT_VERSION: &str =
    "SELECT v.record_id, r.company_id, r.kind, r.connection_id, r.provider,
        r.remote_id, v.version, v.deleted, v.remote_modified_at, v.valid_from, v.data, v.raw,
        (SELECT n.valid_from FROM record_versions n
          WHERE n.record_id = v.record_id AND n.version = v.version + 1) AS valid_to
     FROM record_versions v JOIN records r ON r.record_id = v.record_id";

/// Brings in the compression dictionaries `rows` were packed against that this process has
/// not loaded (another process, e.g. the CLI, learned them since this one opened the store).
pub(crate) async fn load_dictionaries_for(
    conn: &mut SqliteConnection,
    rows: &[SqliteRow],
) -> Result<()> {
    let missing = rows.iter().any(|row| {
        ["data", "raw"]
            .iter()
            .any(|c| row.try_get::<&[u8], _>(*c).is_ok_and(packed::needs_load))
    });
    if missing {
        packed::load(conn).await?;
    }
    Ok(())
}

/// Hands every record of a company that `filter` keeps (a condition on records `r` whose `?2`
/// is `value`) to `each`, with its current version's `columns` (of `r` and versions `v`),
/// deleted records included: in record-id order, reading pages of 1,000 with the dictionaries
/// each page was packed against loaded. Stops at the first error, `each`'s included.
pub(crate) async fn for_each_with_current_version<F>(
    conn: &mut SqliteConnection,
    columns: &str,
    filter: &str,
    company_id: CompanyId,
    value: &str,
    mut each: F,
) -> Result<()>
where
    F: FnMut(&SqliteRow) -> Result<()>,
{
    let sql = format!(
        "SELECT {columns}
         FROM records r JOIN record_versions v
           ON v.record_id = r.record_id AND v.version = r.current_version
         WHERE r.company_id = ?1 AND {filter} AND r.record_id > ?3
         ORDER BY r.record_id LIMIT 1000"
    );
    let mut after = String::new();
    loop {
        let rows = sqlx::query(&sql)
            .bind(company_id.to_string())
            .bind(value)
            .bind(&after)
            .fetch_all(&mut *conn)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get("record_id")?;
        load_dictionaries_for(conn, &rows).await?;
        for row in &rows {
            each(row)?;
        }
    }
}

/// Version rows as records, after loading any dictionary they need.
async fn decode_rows(conn: &mut SqliteConnection, rows: &[SqliteRow]) -> Result<Vec<StoredRecord>> {
    load_dictionaries_for(conn, rows).await?;
    rows.iter().map(decode_row).collect()
}

pub(crate) fn decode_json(row: &SqliteRow, column: &str) -> Result<Value> {
    let text = packed::unpack(row.try_get(column)?, column)?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt(format!("column {column} is not JSON: {e}")))
}

pub(crate) fn decode_raw(row: &SqliteRow, column: &str) -> Result<RawPayload> {
    let text = packed::unpack(row.try_get(column)?, column)?;
    RawPayload::from_json_text(text)
        .map_err(|e| StoreError::Corrupt(format!("column {column} is not JSON: {e}")))
}

fn decode_row(row: &SqliteRow) -> Result<StoredRecord> {
    let opt_ts = |col: &str| -> Result<Option<DateTime<Utc>>> {
        row.try_get::<Option<String>, _>(col)?
            .as_deref()
            .map(parse_ts)
            .transpose()
    };
    Ok(StoredRecord {
        record_id: parse_col(&row.try_get::<String, _>("record_id")?, "record_id")?,
        company_id: parse_col(&row.try_get::<String, _>("company_id")?, "company_id")?,
        kind: parse_col(&row.try_get::<String, _>("kind")?, "kind")?,
        connection_id: parse_col(&row.try_get::<String, _>("connection_id")?, "connection_id")?,
        provider: row.try_get("provider")?,
        remote_id: row.try_get("remote_id")?,
        version: row.try_get("version")?,
        deleted: row.try_get::<i64, _>("deleted")? != 0,
        remote_modified_at: opt_ts("remote_modified_at")?,
        valid_from: parse_ts(&row.try_get::<String, _>("valid_from")?)?,
        valid_to: opt_ts("valid_to")?,
        data: decode_json(row, "data")?,
        raw: decode_raw(row, "raw")?,
    })
}

/// One page of the current (not deleted) records of a company, ordered by record id; pass the
/// last id of a page as `after` for the next one.
pub async fn current_page(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: Option<EntityKind>,
    after: Option<RecordId>,
    limit: u32,
) -> Result<Vec<StoredRecord>> {
    let rows = current_rows(conn, SELECT_VERSION, company_id, kind, after, limit).await?;
    decode_rows(conn, &rows).await
}

/// The rows of a [`current_page`], not decoded yet, with the columns `select` names (one of the
/// `SELECT_…` constants: versions `v` joined to records `r`).
async fn current_rows(
    conn: &mut SqliteConnection,
    select: &str,
    company_id: CompanyId,
    kind: Option<EntityKind>,
    after: Option<RecordId>,
    limit: u32,
) -> Result<Vec<SqliteRow>> {
    // Two shapes so each walks its index in order (an `?2 IS NULL OR …` would defeat it).
    let kind_filter = if kind.is_some() {
        "AND r.kind = ?2"
    } else {
        "AND ?2 IS NULL"
    };
    let sql = format!(
        "{select}
         WHERE r.company_id = ?1 {kind_filter} AND r.record_id > ?3
           AND r.deleted = 0 AND v.version = r.current_version
         ORDER BY r.record_id LIMIT ?4"
    );
    Ok(sqlx::query(&sql)
        .bind(company_id.to_string())
        .bind(kind.map(|k| k.as_str()))
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?)
}

/// Records [`for_each_current`] reads at a time.
const FOLD_PAGE: u32 = 1_000;

/// Hands every current (not deleted) record of `kind` in a company to `each`, in record-id
/// order, reading pages of 1,000, so at most one page is in memory however many records there
/// are. Stops at the first error, `each`'s included.
pub async fn for_each_current<E, F>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: EntityKind,
    mut each: F,
) -> std::result::Result<(), E>
where
    E: From<StoreError>,
    F: FnMut(StoredRecord) -> std::result::Result<(), E>,
{
    for_each_current_row(conn, SELECT_VERSION, company_id, kind, |row| {
        each(decode_row(row)?)
    })
    .await
}

/// The walk behind [`for_each_current`] and [`for_each_current_entity`]: each current version
/// row of `kind` (the columns `select` names), a page at a time, with the dictionaries it was
/// packed against loaded.
async fn for_each_current_row<E, F>(
    conn: &mut SqliteConnection,
    select: &str,
    company_id: CompanyId,
    kind: EntityKind,
    mut each: F,
) -> std::result::Result<(), E>
where
    E: From<StoreError>,
    F: FnMut(&SqliteRow) -> std::result::Result<(), E>,
{
    let mut after = None;
    loop {
        let rows = current_rows(conn, select, company_id, Some(kind), after, FOLD_PAGE).await?;
        load_dictionaries_for(conn, &rows).await?;
        for row in &rows {
            each(row)?;
        }
        match rows.last() {
            Some(last) if rows.len() == FOLD_PAGE as usize => {
                after = Some(stored_at(last)?.record_id);
            }
            _ => return Ok(()),
        }
    }
}

/// Where a record [`for_each_current_entity`] hands over is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredAt {
    /// Local id of the record.
    pub record_id: RecordId,
    /// The connection it came from.
    pub connection_id: ConnectionId,
    /// Its current version.
    pub version: i64,
}

/// Whether a fold of entities reads each record's provider payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// Each entity comes with its payload (`raw`), for readers that look into it.
    Read,
    /// Each entity's `raw` is left `null`: the payload is neither read nor decoded, which is
    /// about a quarter of the cost of a fold that only needs canonical fields.
    Skip,
}

/// [`for_each_current`] for readers of one entity type: each record's canonical text is
/// decoded straight into `E` (with its payload when `payload` says so), without building a
/// JSON tree first, which is most of the cost of reading many records. `each` gets the
/// decoding's result, so it decides whether a record that no longer decodes is skipped or
/// fails the walk.
pub async fn for_each_current_entity<E, Er, F>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    payload: Payload,
    mut each: F,
) -> std::result::Result<(), Er>
where
    E: CanonicalEntity,
    Er: From<StoreError>,
    F: FnMut(StoredAt, Result<E>) -> std::result::Result<(), Er>,
{
    let select = match payload {
        Payload::Read => SELECT_ENTITY_WITH_PAYLOAD,
        Payload::Skip => SELECT_ENTITY,
    };
    for_each_current_row(conn, select, company_id, E::KIND, |row| {
        let at = stored_at(row)?;
        each(at, decode_entity(row, at.record_id, payload))
    })
    .await
}

/// The columns [`for_each_current_entity`] reads (the joins and filters of [`current_rows`]).
const SELECT_ENTITY: &str = "SELECT r.record_id, r.connection_id, v.version, v.data
     FROM record_versions v JOIN records r ON r.record_id = v.record_id";

/// [`SELECT_ENTITY`] and the payload.
const SELECT_ENTITY_WITH_PAYLOAD: &str =
    "SELECT r.record_id, r.connection_id, v.version, v.data, v.raw
     FROM record_versions v JOIN records r ON r.record_id = v.record_id";

/// The local ids and version of a version row.
fn stored_at(row: &SqliteRow) -> Result<StoredAt> {
    Ok(StoredAt {
        record_id: parse_col(row.try_get::<&str, _>("record_id")?, "record_id")?,
        connection_id: parse_col(row.try_get::<&str, _>("connection_id")?, "connection_id")?,
        version: row.try_get("version")?,
    })
}

/// The entity of a version row, read from its canonical text (and its payload when asked).
fn decode_entity<E: CanonicalEntity>(
    row: &SqliteRow,
    record_id: RecordId,
    payload: Payload,
) -> Result<E> {
    let text = packed::unpack(row.try_get("data")?, "data")?;
    let mut entity: E = serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt(format!("record {record_id} does not decode: {e}")))?;
    if payload == Payload::Read {
        entity.set_raw(decode_raw(row, "raw")?);
    }
    Ok(entity)
}

/// The live (not deleted) records of one connection (?2) and kind (?3) of a company (?1).
const LIVE_OF_KIND: &str =
    "FROM records WHERE company_id = ?1 AND connection_id = ?2 AND kind = ?3 AND deleted = 0";

/// True when one connection has any live (not deleted) record of `kind`.
pub async fn any_live(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    kind: EntityKind,
) -> Result<bool> {
    Ok(
        sqlx::query(&format!("SELECT EXISTS (SELECT 1 {LIVE_OF_KIND})"))
            .bind(company_id.to_string())
            .bind(connection_id.to_string())
            .bind(kind.as_str())
            .fetch_one(conn)
            .await?
            .try_get::<i64, _>(0)?
            != 0,
    )
}

/// Number of live (not deleted) records of one connection and kind.
pub async fn count_live(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    kind: EntityKind,
) -> Result<i64> {
    Ok(sqlx::query(&format!("SELECT count(*) {LIVE_OF_KIND}"))
        .bind(company_id.to_string())
        .bind(connection_id.to_string())
        .bind(kind.as_str())
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

/// The records of a company as they were at `at`: for each record, the version current then
/// (records deleted by then are left out), in record-id order.
pub async fn as_of(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: Option<EntityKind>,
    at: DateTime<Utc>,
) -> Result<Vec<StoredRecord>> {
    // Each record's version then is its newest one begun by `at` (a primary-key walk back from
    // the newest); records are walked in their (company, kind, deleted, id) index order, so
    // nothing is sorted in SQL, and the two runs (live now, deleted now) are merged below.
    let (kind_filter, order) = if kind.is_some() {
        ("r.kind = ?2", "r.deleted, r.record_id")
    } else {
        ("?2 IS NULL", "r.record_id")
    };
    let sql = format!(
        "{SELECT_VERSION}
            AND v.version = (SELECT p.version FROM record_versions p
                 WHERE p.record_id = r.record_id AND p.valid_from <= ?3
                 ORDER BY p.version DESC LIMIT 1)
         WHERE r.company_id = ?1 AND {kind_filter} AND v.deleted = 0
         ORDER BY {order}"
    );
    let rows = sqlx::query(&sql)
        .bind(company_id.to_string())
        .bind(kind.map(|k| k.as_str()))
        .bind(fmt_ts(at))
        .fetch_all(&mut *conn)
        .await?;
    let mut records = decode_rows(conn, &rows).await?;
    // Two sorted runs: the sort merges them.
    records.sort_by_key(|r| r.record_id);
    Ok(records)
}

/// Every version of one record of `company_id`, oldest first.
pub async fn history(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    record_id: RecordId,
) -> Result<Vec<StoredRecord>> {
    let sql =
        format!("{SELECT_VERSION} WHERE r.company_id = ?1 AND v.record_id = ?2 ORDER BY v.version");
    let rows = sqlx::query(&sql)
        .bind(company_id.to_string())
        .bind(record_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
    decode_rows(conn, &rows).await
}

/// Number of current (not deleted) records per kind for a company.
pub async fn counts(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<Vec<(EntityKind, i64)>> {
    let rows = sqlx::query(
        "SELECT kind, count(*) AS n FROM records WHERE company_id = ?1 AND deleted = 0
         GROUP BY kind ORDER BY kind",
    )
    .bind(company_id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                parse_col(&r.try_get::<String, _>("kind")?, "records.kind")?,
                r.try_get("n")?,
            ))
        })
        .collect()
}

/// Remote ids of live records of `connection_id`/`kind` that the run `sync_run_id` did not see,
/// at most `limit` (a full run's end: what the provider no longer lists).
pub async fn unseen_by_run(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    kind: EntityKind,
    sync_run_id: &str,
    limit: u32,
) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT remote_id FROM records
         WHERE company_id = ?1 AND connection_id = ?2 AND kind = ?3 AND deleted = 0
           AND (last_seen_run IS NULL OR last_seen_run != ?4)
         ORDER BY remote_id LIMIT ?5",
    )
    .bind(company_id.to_string())
    .bind(connection_id.to_string())
    .bind(kind.as_str())
    .bind(sync_run_id)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("remote_id")?)).collect()
}
