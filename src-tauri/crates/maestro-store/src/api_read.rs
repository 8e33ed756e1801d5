//! What the local API reads to list records: a keyset page of a kind's current records with
//! their canonical text and the facts a resource shows (provider, remote id, version,
//! validity), without the provider payload. Reading and decoding the payload was about half
//! the cost of a page of 1,000 people, and the API never shows it.

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, RecordId};
use maestro_core::model::EntityKind;
use sqlx::{Row, SqliteConnection};

use crate::error::Result;
use crate::packed;
use crate::time::parse_ts;

/// One current record as the API lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordText {
    /// Local record id.
    pub record_id: String,
    /// The connection it came from.
    pub connection_id: String,
    /// The connector id.
    pub provider: String,
    /// The provider's id.
    pub remote_id: String,
    /// Its current version.
    pub version: i64,
    /// When the current version began.
    pub valid_from: DateTime<Utc>,
    /// When the provider last changed it, if it says.
    pub remote_modified_at: Option<DateTime<Utc>>,
    /// The canonical record as stored (JSON text, unpacked).
    pub data: String,
}

/// The current (not deleted) versions of one kind of a company after a record id (`?3`), in
/// record-id order, at most `?4`.
const PAGE: &str = "SELECT r.record_id, r.connection_id, r.provider, r.remote_id, v.version,
        v.valid_from, v.remote_modified_at, v.data
     FROM records r JOIN record_versions v
       ON v.record_id = r.record_id AND v.version = r.current_version
     WHERE r.company_id = ?1 AND r.kind = ?2 AND r.deleted = 0 AND r.record_id > ?3
     ORDER BY r.record_id LIMIT ?4";

/// Up to `limit` current (not deleted) records of `kind` after record id `after`, in
/// record-id order; pass the last id of a page as `after` for the next one.
pub async fn current_page_texts(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: EntityKind,
    after: Option<RecordId>,
    limit: u32,
) -> Result<Vec<RecordText>> {
    let rows = sqlx::query(PAGE)
        .bind(company_id.to_string())
        .bind(kind.as_str())
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
    // Packed against a dictionary another process learned since this one loaded them.
    let mut missing = false;
    for row in &rows {
        missing |= packed::needs_load(row.try_get("data")?);
    }
    if missing {
        packed::load(conn).await?;
    }
    rows.iter()
        .map(|row| {
            let modified: Option<&str> = row.try_get("remote_modified_at")?;
            Ok(RecordText {
                record_id: row.try_get("record_id")?,
                connection_id: row.try_get("connection_id")?,
                provider: row.try_get("provider")?,
                remote_id: row.try_get("remote_id")?,
                version: row.try_get("version")?,
                valid_from: parse_ts(row.try_get("valid_from")?)?,
                remote_modified_at: modified.map(parse_ts).transpose()?,
                data: packed::unpack(row.try_get("data")?, "data")?,
            })
        })
        .collect()
}
