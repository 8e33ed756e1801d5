//! Where each connection × entity stream resumes. Written in the same transaction as the page of
//! records it follows, so a crash never separates the two.

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use sqlx::{Row, SqliteConnection};

use crate::error::Result;
use crate::time::fmt_ts;

/// Saves the cursor for a stream.
pub async fn save(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    entity: &str,
    cursor: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO checkpoints (company_id, connection_id, entity, cursor, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (connection_id, entity) DO UPDATE SET cursor = excluded.cursor,
             updated_at = excluded.updated_at",
    )
    .bind(company_id.to_string())
    .bind(connection_id.to_string())
    .bind(entity)
    .bind(cursor)
    .bind(fmt_ts(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Loads the cursor for a stream of a connection of `company_id`.
pub async fn load(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    entity: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT cursor FROM checkpoints WHERE company_id = ?1 AND connection_id = ?2 AND entity = ?3",
    )
    .bind(company_id.to_string())
    .bind(connection_id.to_string())
    .bind(entity)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.try_get("cursor")).transpose()?)
}
