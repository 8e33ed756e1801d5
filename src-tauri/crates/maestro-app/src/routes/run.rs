//! The outbox in use: queue a plan's writes, approve those that change pay, and run what is
//! due, retrying transient failures with backoff. Every write attempt is audited (who, what,
//! where, the outcome).

use chrono::{DateTime, Duration, Utc};
use maestro_connectors::{WriteOp, WriteRequest};
use maestro_core::error::ErrorKind;
use maestro_core::ids::CompanyId;
use maestro_http::IdempotencyKey;
use maestro_store::alerts::{self, NewAlert, Severity};
use maestro_store::audit::{self, AuditEvent};
use maestro_store::outbox::{self, NewOutboxItem, OutboxItem, OutboxStatus};
use serde::Serialize;

use super::{PlanState, RoutePlan};
use crate::{App, AppError, ErrorCode, Result};

/// Attempts before a write is given up on.
pub const MAX_ATTEMPTS: i64 = 8;
const BATCH: u32 = 100;

/// How long to wait after failed attempt `n` (1-based): 1, 2, 4 … minutes, at most an hour.
/// Also how long a claimed write stays hidden should its runner never report back.
pub fn backoff(attempt: i64) -> Duration {
    let exp = u32::try_from(attempt.clamp(1, 7) - 1).unwrap_or(0);
    Duration::minutes(2i64.pow(exp)).min(Duration::hours(1))
}

/// What happened to one write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum WriteResult {
    /// Written (or found already written by an earlier attempt).
    Written {
        /// The provider's id of the record.
        remote_id: String,
        /// False when an earlier attempt had already applied it.
        applied_now: bool,
    },
    /// Failed for now; tried again later.
    Retrying {
        /// What went wrong, in plain words.
        error: String,
        /// When it is tried again.
        next_attempt_at: DateTime<Utc>,
    },
    /// Given up on; an alert says what to do.
    Failed {
        /// What went wrong, in plain words.
        error: String,
    },
}

/// One write attempted by [`App::process_outbox`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptReport {
    /// The outbox entry.
    pub outbox_id: String,
    /// One line for people.
    pub summary: String,
    /// Which attempt this was.
    pub attempt: i64,
    /// The outcome.
    pub result: WriteResult,
}

/// What a run of the outbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxRun {
    /// Every write attempted, in order.
    pub attempts: Vec<AttemptReport>,
    /// Writes still waiting for the owner's approval.
    pub awaiting_approval: usize,
}

impl OutboxRun {
    /// Writes that succeeded in this run.
    pub fn written(&self) -> usize {
        self.attempts
            .iter()
            .filter(|a| matches!(a.result, WriteResult::Written { .. }))
            .count()
    }
}

impl App {
    /// Queues the plan's new writes (one transaction, audited) and fills in their outbox ids.
    pub(super) async fn enqueue_plan(
        &self,
        company_id: CompanyId,
        plan: &mut RoutePlan,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store().write().await?;
        let mut queued = 0i64;
        for w in plan.writes.iter_mut().filter(|w| w.state == PlanState::New) {
            let payload = serde_json::to_value(&w.op).map_err(internal)?;
            let changes = serde_json::to_value(&w.changes).map_err(internal)?;
            let done = outbox::enqueue(
                tx.conn(),
                &NewOutboxItem {
                    company_id,
                    connection_id: w.connection_id,
                    route: w.route.as_str(),
                    subject: &w.subject,
                    operation: &w.operation,
                    payload: &payload,
                    changes: &changes,
                    summary: &w.summary,
                    idempotency_key: &w.idempotency_key,
                    requires_approval: w.requires_approval,
                },
                now,
            )
            .await?;
            if done.created {
                queued += 1;
            } else {
                w.state = PlanState::Queued(done.item.status);
            }
            w.outbox_id = Some(done.item.id);
        }
        if queued > 0 {
            audit::append(
                tx.conn(),
                &AuditEvent::new(&self.actor, "routes.plan", "outbox")
                    .company(company_id)
                    .records(queued)
                    .detail(serde_json::json!({
                        "queued": plan
                            .writes
                            .iter()
                            .filter(|w| w.state == PlanState::New)
                            .map(|w| serde_json::json!({
                                "outbox_id": w.outbox_id,
                                "summary": w.summary,
                                "requires_approval": w.requires_approval,
                            }))
                            .collect::<Vec<_>>(),
                    })),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The company's queued writes (all, or those in `status`), oldest first.
    pub async fn outbox(
        &self,
        company_id: CompanyId,
        status: Option<OutboxStatus>,
    ) -> Result<Vec<OutboxItem>> {
        let mut conn = self.conn().await?;
        Ok(outbox::list(&mut conn, company_id, status).await?)
    }

    /// Approves a write that changes pay; it runs at the next [`App::process_outbox`].
    /// Audited with who approved it.
    pub async fn approve(&self, company_id: CompanyId, outbox_id: &str) -> Result<OutboxItem> {
        let now = self.now();
        let mut tx = self.store().write().await?;
        let item = outbox::approve(tx.conn(), company_id, outbox_id, &self.actor, now).await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "outbox.approve", &item.summary)
                .company(company_id)
                .detail(serde_json::json!({
                    "outbox_id": item.id,
                    "route": item.route,
                    "operation": item.operation,
                    "connection_id": item.connection_id,
                    "changes": item.changes,
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Puts a failed write back in the queue; audited.
    pub async fn retry_write(&self, company_id: CompanyId, outbox_id: &str) -> Result<OutboxItem> {
        let now = self.now();
        let mut tx = self.store().write().await?;
        let item = outbox::requeue(tx.conn(), company_id, outbox_id, now).await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "outbox.retry", &item.summary)
                .company(company_id)
                .detail(serde_json::json!({ "outbox_id": item.id })),
            now,
        )
        .await?;
        alerts::resolve(tx.conn(), company_id, &alert_key(&item.id), now).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Runs every due write of the company through its connector with the write's own
    /// idempotency key. Transient failures are retried later with backoff; permanent ones (or
    /// too many attempts) mark the write failed and raise an alert. Writes waiting for
    /// approval are left alone.
    pub async fn process_outbox(&self, company_id: CompanyId) -> Result<OutboxRun> {
        let mut report = OutboxRun::default();
        let due = {
            let mut conn = self.conn().await?;
            outbox::due(&mut conn, company_id, self.now(), BATCH).await?
        };
        for item in due {
            if let Some(a) = self.attempt(company_id, &item).await? {
                report.attempts.push(a);
            }
        }
        let mut conn = self.conn().await?;
        report.awaiting_approval =
            outbox::list(&mut conn, company_id, Some(OutboxStatus::AwaitingApproval))
                .await?
                .len();
        Ok(report)
    }

    async fn attempt(
        &self,
        company_id: CompanyId,
        item: &OutboxItem,
    ) -> Result<Option<AttemptReport>> {
        let now = self.now();
        let attempt_no = item.attempts + 1;
        let claimed = {
            let mut tx = self.store().write().await?;
            let n = outbox::begin_attempt(
                tx.conn(),
                company_id,
                &item.id,
                now + backoff(attempt_no),
                now,
            )
            .await?;
            tx.commit().await?;
            n
        };
        let Some(attempt_no) = claimed else {
            return Ok(None);
        };
        let outcome = self.send(company_id, item).await;
        let now = self.now();
        let result = match outcome {
            Ok((remote_id, applied_now)) => WriteResult::Written {
                remote_id,
                applied_now,
            },
            Err((kind, error)) if kind.is_retryable() && attempt_no < MAX_ATTEMPTS => {
                WriteResult::Retrying {
                    error,
                    next_attempt_at: now + backoff(attempt_no),
                }
            }
            Err((_, error)) => WriteResult::Failed { error },
        };
        self.record(company_id, item, attempt_no, &result, now)
            .await?;
        Ok(Some(AttemptReport {
            outbox_id: item.id.clone(),
            summary: item.summary.clone(),
            attempt: attempt_no,
            result,
        }))
    }

    /// Sends one write; an error comes back classified and in plain words.
    async fn send(
        &self,
        company_id: CompanyId,
        item: &OutboxItem,
    ) -> std::result::Result<(String, bool), (ErrorKind, String)> {
        let op: WriteOp = serde_json::from_value(item.payload.clone()).map_err(|e| {
            (
                ErrorKind::Internal,
                format!("the queued write could not be read back ({e})"),
            )
        })?;
        let connector = self
            .connector(company_id, item.connection_id)
            .await
            .map_err(|e: AppError| (e.kind(), e.message))?;
        let request = WriteRequest {
            op,
            idempotency_key: IdempotencyKey::from_stable(item.idempotency_key.clone()),
        };
        match connector.write(&request).await {
            Ok(o) => Ok((o.remote_id, o.applied_now)),
            Err(e) => {
                let _ = self
                    .record_connector_failure(company_id, item.connection_id, &e)
                    .await;
                Err((e.kind(), self.connector_error(&e).message))
            }
        }
    }

    /// Stores the outcome of an attempt with its audit entry, in one transaction.
    async fn record(
        &self,
        company_id: CompanyId,
        item: &OutboxItem,
        attempt: i64,
        result: &WriteResult,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.store().write().await?;
        let connection =
            maestro_store::connections::get(tx.conn(), company_id, item.connection_id).await;
        let (provider, target) = connection.map_or_else(
            |_| ("unknown".to_owned(), item.connection_id.to_string()),
            |c| (c.provider, c.display_name),
        );
        let action = match result {
            WriteResult::Written { remote_id, .. } => {
                outbox::mark_done(tx.conn(), company_id, &item.id, remote_id, now).await?;
                alerts::resolve(tx.conn(), company_id, &alert_key(&item.id), now).await?;
                "outbox.write"
            }
            WriteResult::Retrying {
                error,
                next_attempt_at,
            } => {
                outbox::schedule_retry(
                    tx.conn(),
                    company_id,
                    &item.id,
                    error,
                    *next_attempt_at,
                    now,
                )
                .await?;
                "outbox.write_retry"
            }
            WriteResult::Failed { error } => {
                outbox::mark_failed(tx.conn(), company_id, &item.id, error, now).await?;
                alerts::raise(
                    tx.conn(),
                    &NewAlert {
                        company_id,
                        connection_id: Some(item.connection_id),
                        kind: "write_failed".into(),
                        severity: Severity::Warning,
                        dedupe_key: alert_key(&item.id),
                        title: format!("A change could not be written to {target}"),
                        detail: format!(
                            "\"{}\" failed after {attempt} attempt(s): {error}. Fix the cause, \
                             then retry it with `maestro routes retry {}`.",
                            item.summary, item.id
                        ),
                        action: Some("retry".into()),
                    },
                    now,
                )
                .await?;
                "outbox.write_failed"
            }
        };
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, action, &target)
                .company(company_id)
                .records(1)
                .detail(serde_json::json!({
                    "outbox_id": item.id,
                    "route": item.route,
                    "operation": item.operation,
                    "summary": item.summary,
                    "provider": provider,
                    "connection_id": item.connection_id,
                    "idempotency_key": item.idempotency_key,
                    "approved_by": item.approved_by,
                    "attempt": attempt,
                    "changes": item.changes,
                    "outcome": result,
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn alert_key(outbox_id: &str) -> String {
    format!("outbox:{outbox_id}")
}

fn internal(e: serde_json::Error) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("a planned write could not be saved ({e})"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::minutes(1));
        assert_eq!(backoff(2), Duration::minutes(2));
        assert_eq!(backoff(4), Duration::minutes(8));
        assert_eq!(backoff(7), Duration::hours(1));
        assert_eq!(backoff(50), Duration::hours(1));
        assert_eq!(backoff(0), Duration::minutes(1));
    }
}
