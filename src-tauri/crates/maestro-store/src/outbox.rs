//! The outbox: a durable queue of writes to providers.
//!
//! A write is queued once per idempotency key (the key is unique), and once per *subject* (a
//! route, an action and the source record) while an earlier write for that subject is still
//! waiting, queued or done, so planning again never duplicates. A write that changes pay waits
//! for the owner's approval. Running a write is claimed by moving its `next_attempt_at` forward
//! and counting the attempt before the call, so a crash mid-call only delays the retry, and the
//! same key is sent again.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use serde::Serialize;
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::error::{Result, StoreError};
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// Where a queued write stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Changes pay: waits for the owner to approve it.
    AwaitingApproval,
    /// Will be written when due.
    Pending,
    /// Written.
    Done,
    /// Given up on (a permanent error, or too many failed attempts).
    Failed,
}

impl OutboxStatus {
    /// Stable name, as stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::AwaitingApproval => "awaiting_approval",
            OutboxStatus::Pending => "pending",
            OutboxStatus::Done => "done",
            OutboxStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for OutboxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutboxStatus {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "awaiting_approval" => OutboxStatus::AwaitingApproval,
            "pending" => OutboxStatus::Pending,
            "done" => OutboxStatus::Done,
            "failed" => OutboxStatus::Failed,
            other => return Err(StoreError::Corrupt(format!("outbox status '{other}'"))),
        })
    }
}

/// A write to queue.
#[derive(Debug, Clone, Copy)]
pub struct NewOutboxItem<'a> {
    /// Owning company.
    pub company_id: CompanyId,
    /// The connection to write to.
    pub connection_id: ConnectionId,
    /// The route that planned it.
    pub route: &'a str,
    /// Route + action + source record: one live write per subject.
    pub subject: &'a str,
    /// Short operation name, e.g. `create_employee`.
    pub operation: &'a str,
    /// The operation itself (JSON).
    pub payload: &'a Value,
    /// The field-by-field diff shown to the owner (JSON array).
    pub changes: &'a Value,
    /// One line for people.
    pub summary: &'a str,
    /// Reused by every attempt of this write.
    pub idempotency_key: &'a str,
    /// True when the write changes pay and must be approved first.
    pub requires_approval: bool,
}

/// A queued write.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    /// Id.
    pub id: String,
    /// Owning company.
    pub company_id: CompanyId,
    /// The connection written to.
    pub connection_id: ConnectionId,
    /// The route that planned it.
    pub route: String,
    /// Route + action + source record.
    pub subject: String,
    /// Short operation name.
    pub operation: String,
    /// The operation (JSON).
    pub payload: Value,
    /// The field-by-field diff (JSON array).
    pub changes: Value,
    /// One line for people.
    pub summary: String,
    /// The idempotency key.
    pub idempotency_key: String,
    /// Where it stands.
    pub status: OutboxStatus,
    /// Whether it needed approval.
    pub requires_approval: bool,
    /// When it was approved.
    pub approved_at: Option<DateTime<Utc>>,
    /// Who approved it.
    pub approved_by: Option<String>,
    /// Attempts so far.
    pub attempts: i64,
    /// When it is next due (None = now).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last failure, in plain words.
    pub last_error: Option<String>,
    /// The provider's id of the record written.
    pub remote_id: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was written or given up on.
    pub completed_at: Option<DateTime<Utc>>,
}

/// What [`enqueue`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enqueued {
    /// The queued write (the new one, or the one already there).
    pub item: OutboxItem,
    /// False when the same key or a live write for the same subject was already there.
    pub created: bool,
}

const COLUMNS: &str = "id, company_id, connection_id, route, subject, operation, payload, changes,
    summary, idempotency_key, status, requires_approval, approved_at, approved_by, attempts,
    next_attempt_at, last_error, remote_id, created_at, updated_at, completed_at";

fn opt_ts(row: &SqliteRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    row.try_get::<Option<String>, _>(col)?
        .as_deref()
        .map(parse_ts)
        .transpose()
}

fn json_col(row: &SqliteRow, col: &str) -> Result<Value> {
    let text: String = row.try_get(col)?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt(format!("outbox.{col} does not decode: {e}")))
}

fn decode(row: &SqliteRow) -> Result<OutboxItem> {
    Ok(OutboxItem {
        id: row.try_get("id")?,
        company_id: parse_col(
            &row.try_get::<String, _>("company_id")?,
            "outbox.company_id",
        )?,
        connection_id: parse_col(
            &row.try_get::<String, _>("connection_id")?,
            "outbox.connection_id",
        )?,
        route: row.try_get("route")?,
        subject: row.try_get("subject")?,
        operation: row.try_get("operation")?,
        payload: json_col(row, "payload")?,
        changes: json_col(row, "changes")?,
        summary: row.try_get("summary")?,
        idempotency_key: row.try_get("idempotency_key")?,
        status: row.try_get::<String, _>("status")?.parse()?,
        requires_approval: row.try_get::<i64, _>("requires_approval")? != 0,
        approved_at: opt_ts(row, "approved_at")?,
        approved_by: row.try_get("approved_by")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: opt_ts(row, "next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        remote_id: row.try_get("remote_id")?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?)?,
        completed_at: opt_ts(row, "completed_at")?,
    })
}

async fn by_key(conn: &mut SqliteConnection, key: &str) -> Result<Option<OutboxItem>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE idempotency_key = ?1");
    let row = sqlx::query(&sql).bind(key).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// The write already queued under `key`, or else the live (waiting, queued or done) write for
/// `subject`: what [`enqueue`] would return instead of queueing. Read-only, for dry runs.
pub async fn existing(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    key: &str,
    subject: &str,
) -> Result<Option<OutboxItem>> {
    if let Some(item) = by_key(&mut *conn, key).await? {
        if item.company_id != company_id {
            return Err(StoreError::Invalid(
                "this write is already queued for another company".into(),
            ));
        }
        return Ok(Some(item));
    }
    if subject.is_empty() {
        return Ok(None);
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox WHERE company_id = ?1 AND subject = ?2
           AND status IN ('awaiting_approval', 'pending', 'done')
         ORDER BY created_at DESC, id DESC LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(company_id.to_string())
        .bind(subject)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// Queues a write, unless its key is already queued or a write for the same subject is still
/// waiting, queued or done (then that one is returned with `created: false`).
pub async fn enqueue(
    conn: &mut SqliteConnection,
    new: &NewOutboxItem<'_>,
    at: DateTime<Utc>,
) -> Result<Enqueued> {
    if let Some(item) =
        existing(&mut *conn, new.company_id, new.idempotency_key, new.subject).await?
    {
        return Ok(Enqueued {
            item,
            created: false,
        });
    }
    let status = if new.requires_approval {
        OutboxStatus::AwaitingApproval
    } else {
        OutboxStatus::Pending
    };
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO outbox (id, company_id, connection_id, route, subject, operation, payload,
            changes, summary, idempotency_key, status, requires_approval, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
    )
    .bind(&id)
    .bind(new.company_id.to_string())
    .bind(new.connection_id.to_string())
    .bind(new.route)
    .bind(new.subject)
    .bind(new.operation)
    .bind(new.payload.to_string())
    .bind(new.changes.to_string())
    .bind(new.summary)
    .bind(new.idempotency_key)
    .bind(status.as_str())
    .bind(i64::from(new.requires_approval))
    .bind(fmt_ts(at))
    .execute(&mut *conn)
    .await?;
    let item = get(conn, new.company_id, &id).await?;
    Ok(Enqueued {
        item,
        created: true,
    })
}

/// One queued write of `company_id`.
pub async fn get(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
) -> Result<OutboxItem> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE company_id = ?1 AND id = ?2");
    let row = sqlx::query(&sql)
        .bind(company_id.to_string())
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("queued write {id}")))?;
    decode(&row)
}

/// The company's queued writes (all, or those in `status`), oldest first.
pub async fn list(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    status: Option<OutboxStatus>,
) -> Result<Vec<OutboxItem>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox WHERE company_id = ?1 AND (?2 IS NULL OR status = ?2)
         ORDER BY created_at, id"
    );
    let rows = sqlx::query(&sql)
        .bind(company_id.to_string())
        .bind(status.map(OutboxStatus::as_str))
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode).collect()
}

/// Approves a write that waits for approval; it becomes due now.
pub async fn approve(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<OutboxItem> {
    let item = get(&mut *conn, company_id, id).await?;
    if item.status != OutboxStatus::AwaitingApproval {
        return Err(StoreError::Invalid(format!(
            "\"{}\" is not waiting for approval (it is {})",
            item.summary,
            item.status.as_str().replace('_', " ")
        )));
    }
    sqlx::query(
        "UPDATE outbox SET status = 'pending', approved_at = ?1, approved_by = ?2,
            next_attempt_at = NULL, updated_at = ?1
         WHERE company_id = ?3 AND id = ?4",
    )
    .bind(fmt_ts(at))
    .bind(by)
    .bind(company_id.to_string())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    get(conn, company_id, id).await
}

/// Queued writes that are due at `now`, oldest first, at most `limit`.
pub async fn due(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<OutboxItem>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox
         WHERE company_id = ?1 AND status = 'pending'
           AND (next_attempt_at IS NULL OR next_attempt_at <= ?2)
         ORDER BY created_at, id LIMIT ?3"
    );
    let rows = sqlx::query(&sql)
        .bind(company_id.to_string())
        .bind(fmt_ts(now))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode).collect()
}

/// Claims a due write for one attempt: counts the attempt and moves `next_attempt_at` to
/// `retry_at` (when it is tried again should this attempt never report back). Returns the
/// attempt number, or `None` when the write is no longer due (another runner took it).
pub async fn begin_attempt(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
    retry_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let done = sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?1, updated_at = ?2
         WHERE company_id = ?3 AND id = ?4 AND status = 'pending'
           AND (next_attempt_at IS NULL OR next_attempt_at <= ?2)",
    )
    .bind(fmt_ts(retry_at))
    .bind(fmt_ts(now))
    .bind(company_id.to_string())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    let attempts: i64 =
        sqlx::query_scalar("SELECT attempts FROM outbox WHERE company_id = ?1 AND id = ?2")
            .bind(company_id.to_string())
            .bind(id)
            .fetch_one(conn)
            .await?;
    Ok(Some(attempts))
}

/// Records a successful write.
pub async fn mark_done(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
    remote_id: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    finish(
        conn,
        company_id,
        id,
        OutboxStatus::Done,
        Some(remote_id),
        None,
        None,
        at,
    )
    .await
}

/// Records a failed attempt that will be tried again at `next_at`.
pub async fn schedule_retry(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
    error: &str,
    next_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<()> {
    finish(
        conn,
        company_id,
        id,
        OutboxStatus::Pending,
        None,
        Some(error),
        Some(next_at),
        at,
    )
    .await
}

/// Gives up on a write.
pub async fn mark_failed(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
    error: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    finish(
        conn,
        company_id,
        id,
        OutboxStatus::Failed,
        None,
        Some(error),
        None,
        at,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn finish(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
    status: OutboxStatus,
    remote_id: Option<&str>,
    error: Option<&str>,
    next_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<()> {
    let completed = matches!(status, OutboxStatus::Done | OutboxStatus::Failed).then(|| fmt_ts(at));
    let done = sqlx::query(
        "UPDATE outbox SET status = ?1, remote_id = COALESCE(?2, remote_id),
            last_error = CASE WHEN ?1 = 'done' THEN NULL ELSE COALESCE(?3, last_error) END,
            next_attempt_at = ?4, completed_at = ?5, updated_at = ?6
         WHERE company_id = ?7 AND id = ?8",
    )
    .bind(status.as_str())
    .bind(remote_id)
    .bind(error)
    .bind(next_at.map(fmt_ts))
    .bind(completed)
    .bind(fmt_ts(at))
    .bind(company_id.to_string())
    .bind(id)
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("queued write {id}")));
    }
    Ok(())
}

/// Puts a failed write back in the queue (due now, attempts from zero); one that needed
/// approval and was never approved waits for approval again.
pub async fn requeue(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
    at: DateTime<Utc>,
) -> Result<OutboxItem> {
    let item = get(&mut *conn, company_id, id).await?;
    if item.status != OutboxStatus::Failed {
        return Err(StoreError::Invalid(format!(
            "\"{}\" has not failed (it is {}), so there is nothing to retry",
            item.summary,
            item.status.as_str().replace('_', " ")
        )));
    }
    let status = if item.requires_approval && item.approved_at.is_none() {
        OutboxStatus::AwaitingApproval
    } else {
        OutboxStatus::Pending
    };
    sqlx::query(
        "UPDATE outbox SET status = ?1, attempts = 0, next_attempt_at = NULL, completed_at = NULL,
            updated_at = ?2
         WHERE company_id = ?3 AND id = ?4",
    )
    .bind(status.as_str())
    .bind(fmt_ts(at))
    .bind(company_id.to_string())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    get(conn, company_id, id).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use chrono::Duration;
    use serde_json::json;

    use super::*;
    use crate::{MemorySecretStore, NewKey, Store, companies, connections};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn item<'a>(
        company_id: CompanyId,
        connection_id: ConnectionId,
        subject: &'a str,
        key: &'a str,
        payload: &'a Value,
        pay: bool,
    ) -> NewOutboxItem<'a> {
        NewOutboxItem {
            company_id,
            connection_id,
            route: "hris_to_payroll",
            subject,
            operation: "create_employee",
            payload,
            changes: payload,
            summary: "Create Ada Lovelace in Gusto",
            idempotency_key: key,
            requires_approval: pay,
        }
    }

    #[tokio::test]
    async fn queues_once_approves_claims_retries_and_finishes() {
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
        let c = connections::insert(tx.conn(), a.id, "gusto", "Gusto", &json!({}), at)
            .await
            .unwrap();
        let payload = json!({"op": "create_employee"});

        let first = enqueue(
            tx.conn(),
            &item(a.id, c.id, "s1", "k1", &payload, false),
            at,
        )
        .await
        .unwrap();
        assert!(first.created);
        assert_eq!(first.item.status, OutboxStatus::Pending);
        // Same key, or same subject under a newer version's key: nothing new.
        let again = enqueue(
            tx.conn(),
            &item(a.id, c.id, "s1", "k1", &payload, false),
            at,
        )
        .await
        .unwrap();
        assert!(!again.created);
        assert_eq!(again.item.id, first.item.id);
        let newer = enqueue(
            tx.conn(),
            &item(a.id, c.id, "s1", "k1v2", &payload, false),
            at,
        )
        .await
        .unwrap();
        assert!(!newer.created);
        assert_eq!(list(tx.conn(), a.id, None).await.unwrap().len(), 1);
        // Another company cannot reuse the key and sees nothing.
        assert!(
            enqueue(
                tx.conn(),
                &item(b.id, c.id, "s1", "k1", &payload, false),
                at
            )
            .await
            .is_err()
        );
        assert!(list(tx.conn(), b.id, None).await.unwrap().is_empty());

        // Pay-affecting: waits, is not due, until approved.
        let pay = enqueue(tx.conn(), &item(a.id, c.id, "s2", "k2", &payload, true), at)
            .await
            .unwrap()
            .item;
        assert_eq!(pay.status, OutboxStatus::AwaitingApproval);
        let due_now = due(tx.conn(), a.id, at, 10).await.unwrap();
        assert_eq!(
            due_now.iter().map(|i| &i.id).collect::<Vec<_>>(),
            [&first.item.id]
        );
        assert!(
            approve(tx.conn(), a.id, &first.item.id, "owner", at)
                .await
                .is_err()
        );
        let approved = approve(tx.conn(), a.id, &pay.id, "owner", at)
            .await
            .unwrap();
        assert_eq!(approved.status, OutboxStatus::Pending);
        assert_eq!(approved.approved_by.as_deref(), Some("owner"));
        assert!(
            approve(tx.conn(), b.id, &pay.id, "owner", at)
                .await
                .is_err()
        );

        // A claim hides the write until its retry time; a second claim gets nothing.
        let lease = at + Duration::minutes(5);
        assert_eq!(
            begin_attempt(tx.conn(), a.id, &first.item.id, lease, at)
                .await
                .unwrap(),
            Some(1)
        );
        assert_eq!(
            begin_attempt(tx.conn(), a.id, &first.item.id, lease, at)
                .await
                .unwrap(),
            None
        );
        schedule_retry(tx.conn(), a.id, &first.item.id, "Gusto is down", lease, at)
            .await
            .unwrap();
        assert_eq!(due(tx.conn(), a.id, at, 10).await.unwrap().len(), 1);
        let later = due(tx.conn(), a.id, lease, 10).await.unwrap();
        assert_eq!(later.len(), 2);
        assert_eq!(later[0].last_error.as_deref(), Some("Gusto is down"));
        assert_eq!(
            begin_attempt(
                tx.conn(),
                a.id,
                &first.item.id,
                lease + Duration::minutes(5),
                lease
            )
            .await
            .unwrap(),
            Some(2)
        );
        mark_done(tx.conn(), a.id, &first.item.id, "uuid-1", lease)
            .await
            .unwrap();
        let done = get(tx.conn(), a.id, &first.item.id).await.unwrap();
        assert_eq!(done.status, OutboxStatus::Done);
        assert_eq!(done.remote_id.as_deref(), Some("uuid-1"));
        assert_eq!(done.last_error, None);
        assert_eq!(done.completed_at, Some(lease));
        // Done still blocks a new write for the same subject.
        assert!(
            !enqueue(
                tx.conn(),
                &item(a.id, c.id, "s1", "k1v3", &payload, false),
                at
            )
            .await
            .unwrap()
            .created
        );

        // Failed: a new version may queue again; requeue puts it back.
        mark_failed(tx.conn(), a.id, &pay.id, "no such employee", at)
            .await
            .unwrap();
        let failed = get(tx.conn(), a.id, &pay.id).await.unwrap();
        assert_eq!(failed.status, OutboxStatus::Failed);
        let back = requeue(tx.conn(), a.id, &pay.id, at).await.unwrap();
        assert_eq!(back.status, OutboxStatus::Pending);
        assert_eq!(back.attempts, 0);
        assert!(requeue(tx.conn(), a.id, &pay.id, at).await.is_err());
        tx.commit().await.unwrap();
    }
}
