//! Typed settings stored as JSON, installation-wide or per company.

use chrono::{DateTime, Utc};
use maestro_core::ids::CompanyId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{Row, SqliteConnection};

use crate::error::{Result, StoreError};
use crate::time::fmt_ts;

/// Which settings a value belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole installation.
    Global,
    /// One company.
    Company(CompanyId),
}

impl Scope {
    fn key(self) -> String {
        match self {
            Scope::Global => "global".into(),
            Scope::Company(id) => id.to_string(),
        }
    }
}

/// Saves a setting.
pub async fn set<T: Serialize>(
    conn: &mut SqliteConnection,
    scope: Scope,
    key: &str,
    value: &T,
    at: DateTime<Utc>,
) -> Result<()> {
    let text = serde_json::to_string(value)
        .map_err(|e| StoreError::Invalid(format!("setting {key} cannot be saved: {e}")))?;
    sqlx::query(
        "INSERT INTO settings (scope, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(scope.key())
    .bind(key)
    .bind(text)
    .bind(fmt_ts(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Reads a setting; `None` when unset.
pub async fn get<T: DeserializeOwned>(
    conn: &mut SqliteConnection,
    scope: Scope,
    key: &str,
) -> Result<Option<T>> {
    let row = sqlx::query("SELECT value FROM settings WHERE scope = ?1 AND key = ?2")
        .bind(scope.key())
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        let text: String = r.try_get("value")?;
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("setting {key} does not decode: {e}")))
    })
    .transpose()
}
