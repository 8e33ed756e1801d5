//! Conflicts between systems: the owner's choice of source of truth per field, the base of
//! the three-way merge (the last value two linked records agreed on), and the review queue.
//! One open conflict per (linked pair, field): detecting it again refreshes it. Resolved
//! conflicts stay, with who decided what and the writes proposed to the systems that lost.

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::error::{Result, StoreError};
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// One system's side of a conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictSource {
    /// The connection.
    pub connection_id: ConnectionId,
    /// Connector id, e.g. "gusto".
    pub provider: String,
    /// Connector category, e.g. "payroll".
    pub category: String,
    /// The local record compared.
    pub record_id: RecordId,
    /// Its id at the provider.
    pub remote_id: String,
    /// The value this system holds (JSON).
    pub value: Value,
}

/// A conflict to record.
#[derive(Debug, Clone)]
pub struct NewConflict {
    /// Owning company.
    pub company_id: CompanyId,
    /// The linked records compared (stable while both exist).
    pub pair_key: String,
    /// The person's identity, once identity resolution links the records.
    pub identity_id: Option<String>,
    /// The person's name, for display.
    pub person: String,
    /// The field, e.g. "pay_rate".
    pub field: String,
    /// The last value both systems held, if they ever agreed.
    pub base_value: Option<Value>,
    /// Each system's value.
    pub sources: Vec<ConflictSource>,
    /// The connection whose value the rules suggest.
    pub suggested: Option<ConnectionId>,
}

/// A stored conflict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// Id.
    pub id: String,
    /// Owning company.
    pub company_id: CompanyId,
    /// The linked records compared.
    pub pair_key: String,
    /// The person's identity, when known.
    pub identity_id: Option<String>,
    /// The person's name.
    pub person: String,
    /// The field.
    pub field: String,
    /// The last value both systems held.
    pub base_value: Option<Value>,
    /// Each system's value.
    pub sources: Vec<ConflictSource>,
    /// The connection whose value the rules suggest.
    pub suggested: Option<ConnectionId>,
    /// "open" or "resolved".
    pub status: String,
    /// What was decided (JSON), once resolved.
    pub resolution: Option<Value>,
    /// Who decided ("owner", "cli", or the rule that applied).
    pub resolved_by: Option<String>,
    /// When.
    pub resolved_at: Option<DateTime<Utc>>,
    /// First detected.
    pub created_at: DateTime<Utc>,
    /// Last detected or changed.
    pub updated_at: DateTime<Utc>,
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Invalid(format!("cannot encode: {e}")))
}

fn from_json<T: for<'de> Deserialize<'de>>(text: &str, column: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("column {column} does not decode: {e}")))
}

/// Opens a conflict, or refreshes the open one for the same pair and field with the current
/// values. Returns its id and whether it is new.
pub async fn open_or_refresh(
    conn: &mut SqliteConnection,
    c: &NewConflict,
    at: DateTime<Utc>,
) -> Result<(String, bool)> {
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT id FROM conflicts
         WHERE company_id = ?1 AND pair_key = ?2 AND field = ?3 AND status = 'open'",
    )
    .bind(c.company_id.to_string())
    .bind(&c.pair_key)
    .bind(&c.field)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = existing {
        sqlx::query(
            "UPDATE conflicts SET person = ?1, base_value = ?2, sources = ?3, suggested = ?4,
                 identity_id = COALESCE(?5, identity_id), updated_at = ?6
             WHERE id = ?7",
        )
        .bind(&c.person)
        .bind(c.base_value.as_ref().map(to_json).transpose()?)
        .bind(to_json(&c.sources)?)
        .bind(c.suggested.map(|s| s.to_string()))
        .bind(&c.identity_id)
        .bind(fmt_ts(at))
        .bind(&id)
        .execute(&mut *conn)
        .await?;
        return Ok((id, false));
    }
    let id = insert(conn, c, "open", at).await?;
    Ok((id, true))
}

async fn insert(
    conn: &mut SqliteConnection,
    c: &NewConflict,
    status: &str,
    at: DateTime<Utc>,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO conflicts (id, company_id, pair_key, identity_id, person, field, base_value,
             sources, suggested, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
    )
    .bind(&id)
    .bind(c.company_id.to_string())
    .bind(&c.pair_key)
    .bind(&c.identity_id)
    .bind(&c.person)
    .bind(&c.field)
    .bind(c.base_value.as_ref().map(to_json).transpose()?)
    .bind(to_json(&c.sources)?)
    .bind(c.suggested.map(|s| s.to_string()))
    .bind(status)
    .bind(fmt_ts(at))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Records a difference the rules decided on their own (already resolved), so no value is
/// ever overwritten without a trace. Returns its id.
pub async fn record_decision(
    conn: &mut SqliteConnection,
    c: &NewConflict,
    resolution: &Value,
    resolved_by: &str,
    at: DateTime<Utc>,
) -> Result<String> {
    let id = insert(conn, c, "open", at).await?;
    resolve(conn, c.company_id, &id, resolution, resolved_by, at).await?;
    Ok(id)
}

/// Resolves an open conflict. False when it is not open (already resolved, or not found).
pub async fn resolve(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
    resolution: &Value,
    resolved_by: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE conflicts SET status = 'resolved', resolution = ?1, resolved_by = ?2,
             resolved_at = ?3, updated_at = ?3
         WHERE company_id = ?4 AND id = ?5 AND status = 'open'",
    )
    .bind(to_json(resolution)?)
    .bind(resolved_by)
    .bind(fmt_ts(at))
    .bind(company_id.to_string())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

const SELECT: &str = "SELECT id, company_id, pair_key, identity_id, person, field, base_value,
        sources, suggested, status, resolution, resolved_by, resolved_at, created_at, updated_at
     FROM conflicts";

fn decode(r: &SqliteRow) -> Result<Conflict> {
    let opt_json = |col: &str| -> Result<Option<Value>> {
        r.try_get::<Option<String>, _>(col)?
            .as_deref()
            .map(|t| from_json(t, col))
            .transpose()
    };
    Ok(Conflict {
        id: r.try_get("id")?,
        company_id: parse_col(
            &r.try_get::<String, _>("company_id")?,
            "conflicts.company_id",
        )?,
        pair_key: r.try_get("pair_key")?,
        identity_id: r.try_get("identity_id")?,
        person: r.try_get("person")?,
        field: r.try_get("field")?,
        base_value: opt_json("base_value")?,
        sources: from_json(&r.try_get::<String, _>("sources")?, "conflicts.sources")?,
        suggested: r
            .try_get::<Option<String>, _>("suggested")?
            .as_deref()
            .map(|s| parse_col(s, "conflicts.suggested"))
            .transpose()?,
        status: r.try_get("status")?,
        resolution: opt_json("resolution")?,
        resolved_by: r.try_get("resolved_by")?,
        resolved_at: r
            .try_get::<Option<String>, _>("resolved_at")?
            .as_deref()
            .map(parse_ts)
            .transpose()?,
        created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
        updated_at: parse_ts(&r.try_get::<String, _>("updated_at")?)?,
    })
}

/// One conflict of `company_id`.
pub async fn get(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
) -> Result<Option<Conflict>> {
    let row = sqlx::query(&format!("{SELECT} WHERE company_id = ?1 AND id = ?2"))
        .bind(company_id.to_string())
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// The company's conflicts, oldest first; only those with `status` when given.
pub async fn list(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    status: Option<&str>,
) -> Result<Vec<Conflict>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE company_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY created_at, id"
    ))
    .bind(company_id.to_string())
    .bind(status)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// The open conflict on a pair and field, if any.
pub async fn open_for(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    pair_key: &str,
    field: &str,
) -> Result<Option<Conflict>> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE company_id = ?1 AND pair_key = ?2 AND field = ?3 AND status = 'open'"
    ))
    .bind(company_id.to_string())
    .bind(pair_key)
    .bind(field)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// The most recent decision on a pair and field, if any.
pub async fn latest_decision(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    pair_key: &str,
    field: &str,
) -> Result<Option<Conflict>> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE company_id = ?1 AND pair_key = ?2 AND field = ?3 AND status = 'resolved'
         ORDER BY resolved_at DESC, id DESC LIMIT 1"
    ))
    .bind(company_id.to_string())
    .bind(pair_key)
    .bind(field)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

/// The last value a pair agreed on for `field`.
pub async fn baseline(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    pair_key: &str,
    field: &str,
) -> Result<Option<Value>> {
    let text: Option<String> = sqlx::query_scalar(
        "SELECT value FROM field_baselines WHERE company_id = ?1 AND pair_key = ?2 AND field = ?3",
    )
    .bind(company_id.to_string())
    .bind(pair_key)
    .bind(field)
    .fetch_optional(conn)
    .await?;
    text.as_deref()
        .map(|t| from_json(t, "field_baselines.value"))
        .transpose()
}

/// Sets the value a pair agreed on for `field` (the next merge's base).
pub async fn set_baseline(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    pair_key: &str,
    field: &str,
    value: &Value,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO field_baselines (company_id, pair_key, field, value, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (company_id, pair_key, field) DO UPDATE SET value = ?4, updated_at = ?5
         WHERE value != ?4",
    )
    .bind(company_id.to_string())
    .bind(pair_key)
    .bind(field)
    .bind(to_json(value)?)
    .bind(fmt_ts(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The owner's choices of source of truth: (field, owner category), by field.
pub async fn owners(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<Vec<(String, String)>> {
    let rows =
        sqlx::query("SELECT field, owner FROM field_owners WHERE company_id = ?1 ORDER BY field")
            .bind(company_id.to_string())
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("field")?, r.try_get("owner")?)))
        .collect()
}

/// Makes `owner` (a connector category) the source of truth for `field`.
pub async fn set_owner(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    field: &str,
    owner: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO field_owners (company_id, field, owner, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (company_id, field) DO UPDATE SET owner = ?3, updated_at = ?4",
    )
    .bind(company_id.to_string())
    .bind(field)
    .bind(owner)
    .bind(fmt_ts(at))
    .execute(conn)
    .await?;
    Ok(())
}
