//! Reads behind a person's data export (a data subject access request): which records refer
//! to a person through any of their versions, the sync run behind each version, and every
//! alert a company ever raised (resolved ones too). Read-only.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::EntityKind;
use serde::Serialize;
use serde_json::Value;
use sqlx::{Row, SqliteConnection};

use crate::error::Result;
use crate::records::{decode_json, load_dictionaries_for};
use crate::store::parse_col;
use crate::time::parse_ts;

/// Version rows [`records_where`] reads at a time.
const PAGE: i64 = 1_000;

/// The records of `kind` in `company_id` for which `matches` holds on the canonical data of
/// any of their versions (deleted ones included), given the connection the record came from
/// (a reference by remote id is read within that connection). Walks the versions a page at a
/// time, reading only the canonical text.
pub async fn records_where<F>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: EntityKind,
    mut matches: F,
) -> Result<Vec<RecordId>>
where
    F: FnMut(ConnectionId, &Value) -> bool,
{
    let mut found = BTreeSet::new();
    let mut after = (String::new(), 0_i64);
    loop {
        let rows = sqlx::query(
            "SELECT v.record_id, v.version, r.connection_id, v.data
             FROM records r JOIN record_versions v ON v.record_id = r.record_id
             WHERE r.company_id = ?1 AND r.kind = ?2
               AND (r.record_id > ?3 OR (r.record_id = ?3 AND v.version > ?4))
             ORDER BY r.record_id, v.version LIMIT ?5",
        )
        .bind(company_id.to_string())
        .bind(kind.as_str())
        .bind(&after.0)
        .bind(after.1)
        .bind(PAGE)
        .fetch_all(&mut *conn)
        .await?;
        load_dictionaries_for(conn, &rows).await?;
        for row in &rows {
            let record: String = row.try_get("record_id")?;
            let connection: ConnectionId =
                parse_col(row.try_get::<&str, _>("connection_id")?, "connection_id")?;
            let data = decode_json(row, "data")?;
            if matches(connection, &data) {
                found.insert(parse_col::<RecordId>(&record, "record_id")?);
            }
        }
        match rows.last() {
            Some(last) if rows.len() == PAGE as usize => {
                after = (last.try_get("record_id")?, last.try_get("version")?);
            }
            _ => break,
        }
    }
    Ok(found.into_iter().collect())
}

/// Bookkeeping of one version that [`crate::records::StoredRecord`] leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionSource {
    /// Version number, from 1.
    pub version: i64,
    /// The sync run that stored it (None: written outside a sync, e.g. read back after a write).
    pub sync_run_id: Option<String>,
    /// The hash of its content.
    pub content_hash: String,
}

/// The sync run and content hash of each version of one record, oldest first.
pub async fn version_sources(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    record_id: RecordId,
) -> Result<Vec<VersionSource>> {
    let rows = sqlx::query(
        "SELECT v.version, v.sync_run_id, v.content_hash
         FROM records r JOIN record_versions v ON v.record_id = r.record_id
         WHERE r.company_id = ?1 AND r.record_id = ?2 ORDER BY v.version",
    )
    .bind(company_id.to_string())
    .bind(record_id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(VersionSource {
                version: r.try_get("version")?,
                sync_run_id: r.try_get("sync_run_id")?,
                content_hash: r.try_get("content_hash")?,
            })
        })
        .collect()
}

/// When a record was first stored, and the last full sync run that saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordSeen {
    /// First stored here (when its first version began).
    pub first_seen_at: DateTime<Utc>,
    /// The last full sync run that listed it, if any.
    pub last_seen_run: Option<String>,
}

/// [`RecordSeen`] of one record of `company_id`; None when there is no such record.
pub async fn seen(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    record_id: RecordId,
) -> Result<Option<RecordSeen>> {
    let row = sqlx::query(
        "SELECT v.valid_from AS first_seen_at, r.last_seen_run
         FROM records r JOIN record_versions v ON v.record_id = r.record_id AND v.version = 1
         WHERE r.company_id = ?1 AND r.record_id = ?2",
    )
    .bind(company_id.to_string())
    .bind(record_id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(RecordSeen {
            first_seen_at: parse_ts(r.try_get::<&str, _>("first_seen_at")?)?,
            last_seen_run: r.try_get("last_seen_run")?,
        })
    })
    .transpose()
}

/// An alert as stored, whatever its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertRow {
    /// Alert id.
    pub id: String,
    /// The connection it is about, if one.
    pub connection_id: Option<ConnectionId>,
    /// What kind of alert ("discrepancy", "auth"…).
    pub kind: String,
    /// info, warning or error.
    pub severity: String,
    /// open, acknowledged or resolved.
    pub state: String,
    /// What it is keyed by (names the records it compares).
    pub dedupe_key: String,
    /// Headline.
    pub title: String,
    /// Explanation.
    pub detail: String,
    /// Suggested fix.
    pub action: Option<String>,
    /// Raised.
    pub created_at: DateTime<Utc>,
    /// Last raised or changed.
    pub updated_at: DateTime<Utc>,
    /// Resolved, when it was.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Every alert of a company, resolved ones included, oldest first.
pub async fn all_alerts(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<Vec<AlertRow>> {
    let rows = sqlx::query(
        "SELECT id, connection_id, kind, severity, state, dedupe_key, title, detail, action,
                created_at, updated_at, resolved_at
         FROM alerts WHERE company_id = ?1 ORDER BY created_at, id",
    )
    .bind(company_id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AlertRow {
                id: r.try_get("id")?,
                connection_id: r
                    .try_get::<Option<&str>, _>("connection_id")?
                    .map(|c| parse_col(c, "alerts.connection_id"))
                    .transpose()?,
                kind: r.try_get("kind")?,
                severity: r.try_get("severity")?,
                state: r.try_get("state")?,
                dedupe_key: r.try_get("dedupe_key")?,
                title: r.try_get("title")?,
                detail: r.try_get("detail")?,
                action: r.try_get("action")?,
                created_at: parse_ts(r.try_get::<&str, _>("created_at")?)?,
                updated_at: parse_ts(r.try_get::<&str, _>("updated_at")?)?,
                resolved_at: r
                    .try_get::<Option<&str>, _>("resolved_at")?
                    .map(parse_ts)
                    .transpose()?,
            })
        })
        .collect()
}
