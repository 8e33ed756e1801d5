//! When each connection syncs on its own: its interval, pause, last and next run, and the
//! failure streak that stretches the next run (backoff). The rules that fill these fields live
//! in the sync crate's scheduler; this module only keeps them. The installation-wide pause is a
//! global setting.

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::error::{Result, StoreError};
use crate::settings::{self, Scope};
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// The setting (global scope) that pauses every schedule of the installation.
pub const GLOBAL_PAUSE_KEY: &str = "scheduler.paused";

/// The saved schedule of one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// The connection.
    pub connection_id: ConnectionId,
    /// Its company.
    pub company_id: CompanyId,
    /// Seconds between runs chosen by the owner; `None` follows the provider's default.
    pub interval_seconds: Option<i64>,
    /// Paused by the owner.
    pub paused: bool,
    /// When it runs next; `None` when it never ran (due at once).
    pub next_run_at: Option<DateTime<Utc>>,
    /// When the last run started.
    pub last_run_at: Option<DateTime<Utc>>,
    /// When a run last finished without errors.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Why the last run failed, when it did.
    pub last_error: Option<String>,
    /// Failed runs in a row (0 after a success).
    pub consecutive_failures: u32,
    /// No scheduled run before this instant (after failures).
    pub backoff_until: Option<DateTime<Utc>>,
    /// "Sync now" was asked for at this instant and has not started yet.
    pub requested_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Schedule {
    /// The schedule of a connection that has none saved: provider default, not paused, due at
    /// once.
    pub fn new(company_id: CompanyId, connection_id: ConnectionId, at: DateTime<Utc>) -> Self {
        Schedule {
            connection_id,
            company_id,
            interval_seconds: None,
            paused: false,
            next_run_at: None,
            last_run_at: None,
            last_success_at: None,
            last_error: None,
            consecutive_failures: 0,
            backoff_until: None,
            requested_at: None,
            updated_at: at,
        }
    }
}

const COLUMNS: &str = "connection_id, company_id, interval_seconds, paused, next_run_at, \
    last_run_at, last_success_at, last_error, consecutive_failures, backoff_until, requested_at, \
    updated_at";

fn opt_ts(row: &SqliteRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    row.try_get::<Option<String>, _>(column)?
        .as_deref()
        .map(parse_ts)
        .transpose()
}

fn from_row(row: &SqliteRow) -> Result<Schedule> {
    let failures: i64 = row.try_get("consecutive_failures")?;
    Ok(Schedule {
        connection_id: parse_col(
            &row.try_get::<String, _>("connection_id")?,
            "schedules.connection_id",
        )?,
        company_id: parse_col(
            &row.try_get::<String, _>("company_id")?,
            "schedules.company_id",
        )?,
        interval_seconds: row.try_get("interval_seconds")?,
        paused: row.try_get::<i64, _>("paused")? != 0,
        next_run_at: opt_ts(row, "next_run_at")?,
        last_run_at: opt_ts(row, "last_run_at")?,
        last_success_at: opt_ts(row, "last_success_at")?,
        last_error: row.try_get("last_error")?,
        consecutive_failures: u32::try_from(failures).map_err(|_| {
            StoreError::Corrupt(format!("schedules.consecutive_failures holds {failures}"))
        })?,
        backoff_until: opt_ts(row, "backoff_until")?,
        requested_at: opt_ts(row, "requested_at")?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?)?,
    })
}

/// The saved schedule of a connection of `company_id`, if any.
pub async fn get(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Option<Schedule>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM schedules WHERE connection_id = ?1 AND company_id = ?2"
    ))
    .bind(connection_id.to_string())
    .bind(company_id.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The saved schedule of a connection, or the default one ([`Schedule::new`]) when none is
/// saved yet. Nothing is written.
pub async fn get_or_default(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    at: DateTime<Utc>,
) -> Result<Schedule> {
    Ok(get(conn, company_id, connection_id)
        .await?
        .unwrap_or_else(|| Schedule::new(company_id, connection_id, at)))
}

/// The saved schedules of one company.
pub async fn list(conn: &mut SqliteConnection, company_id: CompanyId) -> Result<Vec<Schedule>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM schedules WHERE company_id = ?1 ORDER BY connection_id"
    ))
    .bind(company_id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Saves a schedule (insert or replace); its connection must exist in its company.
pub async fn save(conn: &mut SqliteConnection, schedule: &Schedule) -> Result<()> {
    let done = sqlx::query(&format!(
        "INSERT INTO schedules ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (connection_id) DO UPDATE SET
             interval_seconds = excluded.interval_seconds, paused = excluded.paused,
             next_run_at = excluded.next_run_at, last_run_at = excluded.last_run_at,
             last_success_at = excluded.last_success_at, last_error = excluded.last_error,
             consecutive_failures = excluded.consecutive_failures,
             backoff_until = excluded.backoff_until, requested_at = excluded.requested_at,
             updated_at = excluded.updated_at
         WHERE schedules.company_id = excluded.company_id"
    ))
    .bind(schedule.connection_id.to_string())
    .bind(schedule.company_id.to_string())
    .bind(schedule.interval_seconds)
    .bind(i64::from(schedule.paused))
    .bind(schedule.next_run_at.map(fmt_ts))
    .bind(schedule.last_run_at.map(fmt_ts))
    .bind(schedule.last_success_at.map(fmt_ts))
    .bind(schedule.last_error.as_deref())
    .bind(i64::from(schedule.consecutive_failures))
    .bind(schedule.backoff_until.map(fmt_ts))
    .bind(schedule.requested_at.map(fmt_ts))
    .bind(fmt_ts(schedule.updated_at))
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!(
            "connection {} in this company",
            schedule.connection_id
        )));
    }
    Ok(())
}

/// Whether every schedule of the installation is paused.
pub async fn global_paused(conn: &mut SqliteConnection) -> Result<bool> {
    Ok(settings::get::<bool>(conn, Scope::Global, GLOBAL_PAUSE_KEY)
        .await?
        .unwrap_or(false))
}

/// Pauses or resumes every schedule of the installation (each keeps its own pause too).
pub async fn set_global_paused(
    conn: &mut SqliteConnection,
    paused: bool,
    at: DateTime<Utc>,
) -> Result<()> {
    settings::set(conn, Scope::Global, GLOBAL_PAUSE_KEY, &paused, at).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{MemorySecretStore, NewKey, Store, companies, connections};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn saves_reads_back_and_keeps_companies_apart() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(
            dir.path(),
            NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        )
        .await
        .unwrap();
        let at = t("2026-03-01T08:00:00Z");
        let mut tx = store.write().await.unwrap();
        let a = companies::insert(tx.conn(), "A", at).await.unwrap();
        let b = companies::insert(tx.conn(), "B", at).await.unwrap();
        let c = connections::insert(tx.conn(), a.id, "harvest", "Harvest", &json(), at)
            .await
            .unwrap();
        assert_eq!(get(tx.conn(), a.id, c.id).await.unwrap(), None);
        let fresh = get_or_default(tx.conn(), a.id, c.id, at).await.unwrap();
        assert_eq!(fresh, Schedule::new(a.id, c.id, at));

        let saved = Schedule {
            interval_seconds: Some(600),
            paused: true,
            next_run_at: Some(t("2026-03-01T08:10:00Z")),
            last_run_at: Some(at),
            last_success_at: None,
            last_error: Some("Harvest was unavailable".into()),
            consecutive_failures: 3,
            backoff_until: Some(t("2026-03-01T09:00:00Z")),
            requested_at: Some(at),
            ..fresh
        };
        save(tx.conn(), &saved).await.unwrap();
        assert_eq!(
            get(tx.conn(), a.id, c.id).await.unwrap(),
            Some(saved.clone())
        );
        let resumed = Schedule {
            paused: false,
            consecutive_failures: 0,
            ..saved.clone()
        };
        save(tx.conn(), &resumed).await.unwrap();
        assert_eq!(list(tx.conn(), a.id).await.unwrap(), vec![resumed]);
        // Another company sees nothing and cannot claim the row.
        assert!(list(tx.conn(), b.id).await.unwrap().is_empty());
        assert_eq!(get(tx.conn(), b.id, c.id).await.unwrap(), None);
        assert!(
            save(tx.conn(), &Schedule::new(b.id, c.id, at))
                .await
                .is_err()
        );

        assert!(!global_paused(tx.conn()).await.unwrap());
        set_global_paused(tx.conn(), true, at).await.unwrap();
        assert!(global_paused(tx.conn()).await.unwrap());

        // Removing the connection removes its schedule.
        connections::delete(tx.conn(), a.id, c.id).await.unwrap();
        assert!(list(tx.conn(), a.id).await.unwrap().is_empty());
        tx.commit().await.unwrap();
        store.close().await;
    }

    fn json() -> serde_json::Value {
        serde_json::json!({})
    }
}
