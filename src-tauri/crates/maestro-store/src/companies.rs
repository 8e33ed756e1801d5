//! Companies: the top-level scope of every other row.

use chrono::{DateTime, Utc};
use maestro_core::ids::CompanyId;
use serde::Serialize;
use sqlx::{Row, SqliteConnection};

use crate::error::Result;
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// A company whose HR data this installation holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Company {
    /// Local id.
    pub id: CompanyId,
    /// Display name.
    pub name: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// Adds a company.
pub async fn insert(conn: &mut SqliteConnection, name: &str, at: DateTime<Utc>) -> Result<Company> {
    let company = Company {
        id: CompanyId::new(),
        name: name.trim().to_owned(),
        created_at: at,
    };
    if company.name.is_empty() {
        return Err(crate::StoreError::Invalid("a company needs a name".into()));
    }
    sqlx::query("INSERT INTO companies (id, name, created_at) VALUES (?1, ?2, ?3)")
        .bind(company.id.to_string())
        .bind(&company.name)
        .bind(fmt_ts(at))
        .execute(conn)
        .await?;
    Ok(company)
}

/// All companies, oldest first.
pub async fn list(conn: &mut SqliteConnection) -> Result<Vec<Company>> {
    let rows = sqlx::query("SELECT id, name, created_at FROM companies ORDER BY created_at, id")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Company {
                id: parse_col(&r.try_get::<String, _>("id")?, "companies.id")?,
                name: r.try_get("name")?,
                created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
            })
        })
        .collect()
}

/// Finds a company by id or by exact (case-insensitive) name.
pub async fn find(conn: &mut SqliteConnection, id_or_name: &str) -> Result<Option<Company>> {
    Ok(list(conn)
        .await?
        .into_iter()
        .find(|c| c.id.to_string() == id_or_name || c.name.eq_ignore_ascii_case(id_or_name.trim())))
}
