//! Sync runs: one row per run of one connection × entity, with its counts and outcome.

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use serde::Serialize;
use sqlx::{Row, SqliteConnection};

use crate::error::Result;
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// Record counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Records read from the provider.
    pub seen: i64,
    /// New records.
    pub created: i64,
    /// Records that got a new version.
    pub updated: i64,
    /// Records marked deleted.
    pub deleted: i64,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncRun {
    /// Run id.
    pub id: String,
    /// Company.
    pub company_id: CompanyId,
    /// Connection.
    pub connection_id: ConnectionId,
    /// Entity kind.
    pub entity: String,
    /// "full" or "incremental".
    pub mode: String,
    /// "running", "succeeded" or "failed".
    pub status: String,
    /// Why it started.
    pub trigger: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End, when ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Counts.
    pub counts: Counts,
    /// Error class of a failed run.
    pub error_kind: Option<String>,
    /// Error message of a failed run.
    pub error_message: Option<String>,
}

/// What a new run is.
#[derive(Debug, Clone, Copy)]
pub struct NewRun<'a> {
    /// Run id.
    pub id: &'a str,
    /// Company.
    pub company_id: CompanyId,
    /// Connection.
    pub connection_id: ConnectionId,
    /// Entity kind.
    pub entity: &'a str,
    /// "full" or "incremental".
    pub mode: &'a str,
    /// Why it started.
    pub trigger: &'a str,
}

/// Records a run as started.
pub async fn start(conn: &mut SqliteConnection, run: &NewRun<'_>, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_runs (id, company_id, connection_id, entity, mode, status, trigger, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7)",
    )
    .bind(run.id)
    .bind(run.company_id.to_string())
    .bind(run.connection_id.to_string())
    .bind(run.entity)
    .bind(run.mode)
    .bind(run.trigger)
    .bind(fmt_ts(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds to a run's counts.
pub async fn add_counts(conn: &mut SqliteConnection, run_id: &str, add: Counts) -> Result<()> {
    sqlx::query(
        "UPDATE sync_runs SET records_seen = records_seen + ?1, records_created = records_created + ?2,
             records_updated = records_updated + ?3, records_deleted = records_deleted + ?4, status = 'running'
         WHERE id = ?5",
    )
    .bind(add.seen)
    .bind(add.created)
    .bind(add.updated)
    .bind(add.deleted)
    .bind(run_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends a run: `error` None = succeeded.
pub async fn finish(
    conn: &mut SqliteConnection,
    run_id: &str,
    error: Option<(&str, &str)>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE sync_runs SET status = ?1, finished_at = ?2, error_kind = ?3, error_message = ?4 WHERE id = ?5",
    )
    .bind(if error.is_some() { "failed" } else { "succeeded" })
    .bind(fmt_ts(at))
    .bind(error.map(|e| e.0))
    .bind(error.map(|e| e.1))
    .bind(run_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// One run of `company_id`.
pub async fn get(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    run_id: &str,
) -> Result<Option<SyncRun>> {
    let row = sqlx::query(&format!("{SELECT} WHERE company_id = ?1 AND id = ?2"))
        .bind(company_id.to_string())
        .bind(run_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// The newest runs of a company, at most `limit`.
pub async fn recent(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    limit: u32,
) -> Result<Vec<SyncRun>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE company_id = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2"
    ))
    .bind(company_id.to_string())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

const SELECT: &str = "SELECT id, company_id, connection_id, entity, mode, status, trigger, started_at, finished_at,
    records_seen, records_created, records_updated, records_deleted, error_kind, error_message FROM sync_runs";

fn decode(r: &sqlx::sqlite::SqliteRow) -> Result<SyncRun> {
    Ok(SyncRun {
        id: r.try_get("id")?,
        company_id: parse_col(
            &r.try_get::<String, _>("company_id")?,
            "sync_runs.company_id",
        )?,
        connection_id: parse_col(
            &r.try_get::<String, _>("connection_id")?,
            "sync_runs.connection_id",
        )?,
        entity: r.try_get("entity")?,
        mode: r.try_get("mode")?,
        status: r.try_get("status")?,
        trigger: r.try_get("trigger")?,
        started_at: parse_ts(&r.try_get::<String, _>("started_at")?)?,
        finished_at: r
            .try_get::<Option<String>, _>("finished_at")?
            .as_deref()
            .map(parse_ts)
            .transpose()?,
        counts: Counts {
            seen: r.try_get("records_seen")?,
            created: r.try_get("records_created")?,
            updated: r.try_get("records_updated")?,
            deleted: r.try_get("records_deleted")?,
        },
        error_kind: r.try_get("error_kind")?,
        error_message: r.try_get("error_message")?,
    })
}

/// When the last successful full run of `entity` on a connection started, if any.
pub async fn last_full_success(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    entity: &str,
) -> Result<Option<DateTime<Utc>>> {
    let started: Option<String> = sqlx::query_scalar(
        "SELECT max(started_at) FROM sync_runs
         WHERE company_id = ?1 AND connection_id = ?2 AND entity = ?3
           AND mode = 'full' AND status = 'succeeded'",
    )
    .bind(company_id.to_string())
    .bind(connection_id.to_string())
    .bind(entity)
    .fetch_one(conn)
    .await?;
    started.as_deref().map(parse_ts).transpose()
}
