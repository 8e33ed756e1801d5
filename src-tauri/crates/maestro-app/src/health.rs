//! Connection health after each sync run: alerts for repeated failures, a provider limiting
//! us, and suspicious emptiness (a full read that suddenly returns nothing, or a field that
//! suddenly comes back empty for everyone). Each alert resolves itself once its cause is gone.

use std::collections::BTreeMap;

use maestro_connectors::ConnectorError;
use maestro_core::error::ErrorKind;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_store::alerts::{self, NewAlert, Severity};
use maestro_store::connections::{self, Connection};
use maestro_store::records;
use maestro_store::settings::{self, Scope};
use maestro_sync::RunSummary;
use serde_json::Value;

use crate::App;
use crate::error::Result;

/// Failed runs in a row before the owner is told.
pub const REPEATED_FAILURES: usize = 3;
/// Entities whose field fill is watched (people data; not bulk time entries).
const WATCHED: &[EntityKind] = &[
    EntityKind::Employee,
    EntityKind::Employment,
    EntityKind::Compensation,
];
/// Share of records (percent) a field must have filled before "empty for everyone" matters.
const FILLED_BEFORE_PCT: usize = 50;

/// How a run ended, for health checks.
pub(crate) enum RunEnd<'a> {
    /// Ran to the end.
    Done { summary: &'a RunSummary, full: bool },
    /// Stopped on a provider error.
    Failed(&'a ConnectorError),
}

impl App {
    async fn raise(&self, alert: NewAlert) -> Result<()> {
        let now = self.now();
        let mut tx = self.store().write().await?;
        alerts::raise(tx.conn(), &alert, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn resolve(&self, company_id: CompanyId, key: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.store().write().await?;
        alerts::resolve(tx.conn(), company_id, key, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Updates alerts after one run of `entity` on `connection_id`.
    pub(crate) async fn after_run(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        entity: EntityKind,
        end: RunEnd<'_>,
    ) -> Result<()> {
        let connection = {
            let mut conn = self.conn().await?;
            connections::get(&mut conn, company_id, connection_id).await?
        };
        let name = connection.display_name.clone();
        let alert =
            |kind: &str, severity, key: String, title: String, detail: String, action: &str| {
                NewAlert {
                    company_id,
                    connection_id: Some(connection_id),
                    kind: kind.into(),
                    severity,
                    dedupe_key: key,
                    title,
                    detail,
                    action: Some(action.into()),
                }
            };
        match end {
            RunEnd::Failed(err) if err.needs_reconnect() => Ok(()),
            RunEnd::Failed(err) if err.kind() == ErrorKind::Throttled => {
                self.raise(alert(
                    "rate_budget_exhausted",
                    Severity::Warning,
                    format!("rate:{connection_id}"),
                    format!("{name} is limiting how fast we can read"),
                    format!("{err}. Syncing picks up where it stopped on the next scheduled run; nothing is lost."),
                    "retry",
                ))
                .await
            }
            RunEnd::Failed(err) => {
                let failures = self.failures_in_a_row(company_id, connection_id).await?;
                if failures >= REPEATED_FAILURES {
                    self.raise(alert(
                        "repeated_failures",
                        Severity::Warning,
                        format!("failures:{connection_id}"),
                        format!("Syncing {name} failed {failures} times in a row"),
                        format!("The last attempt said: {err}. Data already synced is safe; each retry resumes where the last one stopped."),
                        "retry",
                    ))
                    .await?;
                }
                Ok(())
            }
            RunEnd::Done { summary, full } => {
                self.reset_failures(company_id, connection_id).await?;
                self.resolve(company_id, &format!("rate:{connection_id}")).await?;
                self.check_emptiness(&connection, entity, summary, full).await
            }
        }
    }

    /// Counts this failure and returns the failures in a row (a resumed run's retries count:
    /// they share one run row, so the count is kept beside it).
    async fn failures_in_a_row(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
    ) -> Result<usize> {
        let key = format!("failures_in_a_row:{connection_id}");
        let scope = Scope::Company(company_id);
        let now = self.now();
        let mut tx = self.store().write().await?;
        let count = settings::get::<usize>(tx.conn(), scope, &key)
            .await?
            .unwrap_or(0)
            + 1;
        settings::set(tx.conn(), scope, &key, &count, now).await?;
        tx.commit().await?;
        Ok(count)
    }

    async fn reset_failures(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store().write().await?;
        settings::set(
            tx.conn(),
            Scope::Company(company_id),
            &format!("failures_in_a_row:{connection_id}"),
            &0usize,
            now,
        )
        .await?;
        alerts::resolve(
            tx.conn(),
            company_id,
            &format!("failures:{connection_id}"),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn check_emptiness(
        &self,
        connection: &Connection,
        entity: EntityKind,
        summary: &RunSummary,
        full: bool,
    ) -> Result<()> {
        let company_id = connection.company_id;
        let key = format!("empty:{}:{}", connection.id, entity.as_str());
        // Counting walks every live record of the kind (~0.1 s for 100,000 time entries), so
        // it is done only when a check below needs the number.
        let live_count = if full && (summary.seen == 0 || WATCHED.contains(&entity)) {
            let mut conn = self.conn().await?;
            records::count_live(&mut conn, connection.company_id, connection.id, entity).await?
        } else {
            0
        };
        if full && summary.seen == 0 && live_count > 0 {
            return self
                .raise(NewAlert {
                    company_id,
                    connection_id: Some(connection.id),
                    kind: "suspicious_emptiness".into(),
                    severity: Severity::Warning,
                    dedupe_key: key,
                    title: format!("{} returned no {} records", connection.display_name, entity.as_str().replace('_', " ")),
                    detail: format!(
                        "{} {} records were there before. Nothing was deleted here; check the account's permissions at {} or try again later.",
                        live_count,
                        entity.as_str().replace('_', " "),
                        connection.display_name
                    ),
                    action: Some("retry".into()),
                })
                .await;
        }
        if summary.seen > 0 {
            self.resolve(company_id, &key).await?;
        }
        // Only people data is loaded for the field check (small); bulk kinds never are.
        if full && WATCHED.contains(&entity) && live_count >= 5 {
            let live = self.live_records(connection, entity).await?;
            self.check_field_fill(connection, entity, &live).await?;
        }
        Ok(())
    }

    async fn live_records(
        &self,
        connection: &Connection,
        entity: EntityKind,
    ) -> Result<Vec<Value>> {
        let mut conn = self.conn().await?;
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page =
                records::current_page(&mut conn, connection.company_id, Some(entity), after, 1000)
                    .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.record_id);
            out.extend(
                page.into_iter()
                    .filter(|r| r.connection_id == connection.id)
                    .map(|r| r.data),
            );
        }
        Ok(out)
    }

    /// Compares how many records fill each top-level field with the previous full run: a
    /// field that was filled for most people and is now empty for everyone raises an alert.
    async fn check_field_fill(
        &self,
        connection: &Connection,
        entity: EntityKind,
        live: &[Value],
    ) -> Result<()> {
        let mut fill: BTreeMap<String, usize> = BTreeMap::new();
        for record in live {
            if let Some(map) = record.as_object() {
                for (k, v) in map {
                    let filled = !(v.is_null() || v.as_str().is_some_and(str::is_empty));
                    *fill.entry(k.clone()).or_default() += usize::from(filled);
                }
            }
        }
        let setting = format!("field_fill:{}:{}", connection.id, entity.as_str());
        let scope = Scope::Company(connection.company_id);
        let previous: Option<(usize, BTreeMap<String, usize>)> = {
            let mut conn = self.conn().await?;
            settings::get(&mut conn, scope, &setting).await?
        };
        if let Some((prev_total, prev_fill)) = previous {
            for (field, was) in prev_fill {
                let key = format!("field_empty:{}:{}:{field}", connection.id, entity.as_str());
                let now_filled = fill.get(&field).copied().unwrap_or(0);
                if prev_total > 0 && was * 100 >= prev_total * FILLED_BEFORE_PCT && now_filled == 0
                {
                    self.raise(NewAlert {
                        company_id: connection.company_id,
                        connection_id: Some(connection.id),
                        kind: "suspicious_emptiness".into(),
                        severity: Severity::Warning,
                        dedupe_key: key,
                        title: format!("{} sent no {field} for anyone", connection.display_name),
                        detail: format!(
                            "Last time {was} of {prev_total} {} records had {field}; now none do. A changed permission or field setting at {} is the usual cause.",
                            entity.as_str().replace('_', " "),
                            connection.display_name
                        ),
                        action: Some("review".into()),
                    })
                    .await?;
                } else if now_filled > 0 {
                    self.resolve(connection.company_id, &key).await?;
                }
            }
        }
        let now = self.now();
        let mut tx = self.store().write().await?;
        settings::set(tx.conn(), scope, &setting, &(live.len(), fill), now).await?;
        tx.commit().await?;
        Ok(())
    }
}
