//! Read models the desktop dashboard needs: per-connection record counts and the latest sync
//! run of each connection.

use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_store::StoreError;
use maestro_store::connections::{self, Connection};
use maestro_store::sqlx::{self, Row};
use maestro_store::sync_runs::{self, SyncRun};

use crate::App;
use crate::error::Result;

/// How many recent runs are scanned to find each connection's latest one.
const RECENT_RUNS: u32 = 500;

/// One connection as the dashboard shows it.
#[derive(Debug, Clone)]
pub struct ConnectionOverview {
    /// The connection.
    pub connection: Connection,
    /// Its newest sync run (of any entity), if it ever synced.
    pub last_run: Option<SyncRun>,
    /// Current (not deleted) records it brought in, per kind.
    pub records: Vec<(EntityKind, i64)>,
}

impl App {
    /// Every connection of the company with its latest run and record counts.
    pub async fn connection_overviews(
        &self,
        company_id: CompanyId,
    ) -> Result<Vec<ConnectionOverview>> {
        let mut conn = self.conn().await?;
        let runs = sync_runs::recent(&mut conn, company_id, RECENT_RUNS).await?;
        let mut out = Vec::new();
        for connection in connections::list(&mut conn, company_id).await? {
            // `recent` is newest first, so the first match is the latest run.
            let last_run = runs
                .iter()
                .find(|r| r.connection_id == connection.id)
                .cloned();
            let records = record_counts(&mut conn, company_id, connection.id).await?;
            out.push(ConnectionOverview {
                connection,
                last_run,
                records,
            });
        }
        Ok(out)
    }
}

async fn record_counts(
    conn: &mut sqlx::SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Vec<(EntityKind, i64)>> {
    let rows = sqlx::query(
        "SELECT kind, count(*) AS n FROM records
         WHERE company_id = ?1 AND connection_id = ?2 AND deleted = 0
         GROUP BY kind ORDER BY kind",
    )
    .bind(company_id.to_string())
    .bind(connection_id.to_string())
    .fetch_all(conn)
    .await
    .map_err(StoreError::from)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let kind: String = row.try_get("kind").map_err(StoreError::from)?;
        let n: i64 = row.try_get("n").map_err(StoreError::from)?;
        let kind: EntityKind = kind
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("column records.kind holds '{kind}'")))?;
        out.push((kind, n));
    }
    Ok(out)
}
