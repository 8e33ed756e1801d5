//! Connections to providers and their credentials (kept only inside the encrypted database).

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::sensitive::Sensitive;
use serde::Serialize;
use sqlx::{Row, SqliteConnection};

use crate::error::{Result, StoreError};
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// One provider account linked to a company.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connection {
    /// Local id.
    pub id: ConnectionId,
    /// Owning company.
    pub company_id: CompanyId,
    /// Connector id, e.g. "gusto".
    pub provider: String,
    /// Name shown to the owner.
    pub display_name: String,
    /// Non-secret settings (base URL, subdomain…).
    pub config: serde_json::Value,
    /// "active", "paused", "needs_reconnect"…
    pub status: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Adds a connection.
pub async fn insert(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    provider: &str,
    display_name: &str,
    config: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<Connection> {
    let connection = Connection {
        id: ConnectionId::new(),
        company_id,
        provider: provider.to_owned(),
        display_name: display_name.to_owned(),
        config: config.clone(),
        status: "active".into(),
        created_at: at,
        updated_at: at,
    };
    sqlx::query(
        "INSERT INTO connections (id, company_id, provider, display_name, config, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
    )
    .bind(connection.id.to_string())
    .bind(company_id.to_string())
    .bind(provider)
    .bind(display_name)
    .bind(config.to_string())
    .bind(&connection.status)
    .bind(fmt_ts(at))
    .execute(conn)
    .await?;
    Ok(connection)
}

/// The connections of one company.
pub async fn list(conn: &mut SqliteConnection, company_id: CompanyId) -> Result<Vec<Connection>> {
    let rows = sqlx::query(
        "SELECT id, company_id, provider, display_name, config, status, created_at, updated_at
         FROM connections WHERE company_id = ?1 ORDER BY created_at, id",
    )
    .bind(company_id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Connection {
                id: parse_col(&r.try_get::<String, _>("id")?, "connections.id")?,
                company_id: parse_col(
                    &r.try_get::<String, _>("company_id")?,
                    "connections.company_id",
                )?,
                provider: r.try_get("provider")?,
                display_name: r.try_get("display_name")?,
                config: serde_json::from_str(&r.try_get::<String, _>("config")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                status: r.try_get("status")?,
                created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
                updated_at: parse_ts(&r.try_get::<String, _>("updated_at")?)?,
            })
        })
        .collect()
}

/// Saves (or replaces) the secret of a connection: a token set or API key, as JSON.
pub async fn save_credential(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    kind: &str,
    secret: &Sensitive<serde_json::Value>,
    expires_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO credentials (connection_id, company_id, kind, secret, expires_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (connection_id) DO UPDATE SET kind = excluded.kind, secret = excluded.secret,
             expires_at = excluded.expires_at, updated_at = excluded.updated_at",
    )
    .bind(connection_id.to_string())
    .bind(company_id.to_string())
    .bind(kind)
    .bind(secret.expose().to_string())
    .bind(expires_at.map(fmt_ts))
    .bind(fmt_ts(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Loads the secret of a connection of `company_id`.
pub async fn load_credential(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Option<(String, Sensitive<serde_json::Value>)>> {
    let row = sqlx::query(
        "SELECT kind, secret FROM credentials WHERE connection_id = ?1 AND company_id = ?2",
    )
    .bind(connection_id.to_string())
    .bind(company_id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        let secret: String = r.try_get("secret")?;
        let value = serde_json::from_str(&secret)
            .map_err(|_| StoreError::Corrupt("a stored credential is not valid JSON".into()))?;
        Ok((r.try_get("kind")?, Sensitive::new(value)))
    })
    .transpose()
}

/// Sets a connection's status ("active", "paused", "needs_reconnect"…).
pub async fn set_status(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    status: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE connections SET status = ?1, updated_at = ?2 WHERE id = ?3 AND company_id = ?4",
    )
    .bind(status)
    .bind(fmt_ts(at))
    .bind(connection_id.to_string())
    .bind(company_id.to_string())
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("connection {connection_id}")));
    }
    Ok(())
}

/// One connection of `company_id`.
pub async fn get(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Connection> {
    list(conn, company_id)
        .await?
        .into_iter()
        .find(|c| c.id == connection_id)
        .ok_or_else(|| StoreError::NotFound(format!("connection {connection_id}")))
}

/// Removes a connection of `company_id` and its credentials (records it produced are kept).
pub async fn delete(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<()> {
    sqlx::query("DELETE FROM credentials WHERE connection_id = ?1 AND company_id = ?2")
        .bind(connection_id.to_string())
        .bind(company_id.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM connections WHERE id = ?1 AND company_id = ?2")
        .bind(connection_id.to_string())
        .bind(company_id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces the non-secret settings of a connection of `company_id`.
pub async fn set_config(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    config: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE connections SET config = ?1, updated_at = ?2 WHERE id = ?3 AND company_id = ?4",
    )
    .bind(config.to_string())
    .bind(fmt_ts(at))
    .bind(connection_id.to_string())
    .bind(company_id.to_string())
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("connection {connection_id}")));
    }
    Ok(())
}
