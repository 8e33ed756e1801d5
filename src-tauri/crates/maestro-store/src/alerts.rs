//! Alerts: what needs the owner's attention, each with a suggested fix. An alert is keyed by a
//! dedupe key (e.g. `auth:<connection>`): raising it again while open updates it instead of
//! piling up copies, and resolving it closes it.

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqliteConnection};

use crate::error::Result;
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For information.
    Info,
    /// Something may be wrong.
    Warning,
    /// Syncing is blocked until the owner acts.
    Critical,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// What to raise.
#[derive(Debug, Clone)]
pub struct NewAlert {
    /// Owning company.
    pub company_id: CompanyId,
    /// The connection concerned, if any.
    pub connection_id: Option<ConnectionId>,
    /// Machine-readable kind, e.g. "auth_revoked".
    pub kind: String,
    /// Urgency.
    pub severity: Severity,
    /// One open alert per dedupe key.
    pub dedupe_key: String,
    /// Headline in plain words.
    pub title: String,
    /// What happened and what to do.
    pub detail: String,
    /// The one-click fix the UI offers ("reconnect", "retry", "review"…).
    pub action: Option<String>,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// Id.
    pub id: String,
    /// Owning company.
    pub company_id: CompanyId,
    /// The connection concerned, if any.
    pub connection_id: Option<ConnectionId>,
    /// Machine-readable kind.
    pub kind: String,
    /// "info", "warning" or "critical".
    pub severity: String,
    /// "open", "acknowledged" or "resolved".
    pub state: String,
    /// Dedupe key.
    pub dedupe_key: String,
    /// Headline.
    pub title: String,
    /// Details.
    pub detail: String,
    /// Suggested fix.
    pub action: Option<String>,
    /// First raised.
    pub created_at: DateTime<Utc>,
    /// Last raised or changed.
    pub updated_at: DateTime<Utc>,
}

/// Raises an alert, or refreshes the open one with the same dedupe key. Returns its id.
pub async fn raise(
    conn: &mut SqliteConnection,
    alert: &NewAlert,
    at: DateTime<Utc>,
) -> Result<String> {
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT id FROM alerts WHERE company_id = ?1 AND dedupe_key = ?2 AND state != 'resolved'",
    )
    .bind(alert.company_id.to_string())
    .bind(&alert.dedupe_key)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = existing {
        sqlx::query(
            "UPDATE alerts SET title = ?1, detail = ?2, action = ?3, severity = ?4, updated_at = ?5 WHERE id = ?6",
        )
        .bind(&alert.title)
        .bind(&alert.detail)
        .bind(&alert.action)
        .bind(alert.severity.as_str())
        .bind(fmt_ts(at))
        .bind(&id)
        .execute(&mut *conn)
        .await?;
        return Ok(id);
    }
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO alerts (id, company_id, connection_id, kind, severity, state, dedupe_key, title, detail, action, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?7, ?8, ?9, ?10, ?10)",
    )
    .bind(&id)
    .bind(alert.company_id.to_string())
    .bind(alert.connection_id.map(|c| c.to_string()))
    .bind(&alert.kind)
    .bind(alert.severity.as_str())
    .bind(&alert.dedupe_key)
    .bind(&alert.title)
    .bind(&alert.detail)
    .bind(&alert.action)
    .bind(fmt_ts(at))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Resolves the open alert with `dedupe_key`, if any (its cause is gone). True if one was open.
pub async fn resolve(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    dedupe_key: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE alerts SET state = 'resolved', resolved_at = ?1, updated_at = ?1
         WHERE company_id = ?2 AND dedupe_key = ?3 AND state != 'resolved'",
    )
    .bind(fmt_ts(at))
    .bind(company_id.to_string())
    .bind(dedupe_key)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Marks an alert of `company_id` as seen by the owner (`id`, or a unique start or end of it). It
/// stays listed, acknowledged, until its cause is gone; raising it again keeps it acknowledged.
/// Returns false when no open alert matches.
pub async fn acknowledge(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM alerts WHERE company_id = ?1 AND state = 'open'
           AND (id LIKE ?2 || '%' OR id LIKE '%' || ?2) AND length(?2) >= 4",
    )
    .bind(company_id.to_string())
    .bind(id.trim())
    .fetch_all(&mut *conn)
    .await?;
    let [only] = ids.as_slice() else {
        return Ok(false);
    };
    sqlx::query("UPDATE alerts SET state = 'acknowledged', updated_at = ?1 WHERE id = ?2")
        .bind(fmt_ts(at))
        .bind(only)
        .execute(conn)
        .await?;
    Ok(true)
}

/// The company's alerts that are not resolved, newest first.
pub async fn open(conn: &mut SqliteConnection, company_id: CompanyId) -> Result<Vec<Alert>> {
    let rows = sqlx::query(
        "SELECT id, company_id, connection_id, kind, severity, state, dedupe_key, title, detail, action, created_at, updated_at
         FROM alerts WHERE company_id = ?1 AND state != 'resolved' ORDER BY updated_at DESC, id",
    )
    .bind(company_id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Alert {
                id: r.try_get("id")?,
                company_id: parse_col(&r.try_get::<String, _>("company_id")?, "alerts.company_id")?,
                connection_id: r
                    .try_get::<Option<String>, _>("connection_id")?
                    .as_deref()
                    .map(|c| parse_col(c, "alerts.connection_id"))
                    .transpose()?,
                kind: r.try_get("kind")?,
                severity: r.try_get("severity")?,
                state: r.try_get("state")?,
                dedupe_key: r.try_get("dedupe_key")?,
                title: r.try_get("title")?,
                detail: r.try_get("detail")?,
                action: r.try_get("action")?,
                created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
                updated_at: parse_ts(&r.try_get::<String, _>("updated_at")?)?,
            })
        })
        .collect()
}
