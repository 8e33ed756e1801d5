//! The cross-system check "tracked hours differ from paid hours": for the latest pay period
//! payroll has paid, each hourly person's hours in time tracking are compared exactly with the
//! hours on their pay statement. A difference raises an alert naming both figures; it resolves
//! itself once the two agree.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use maestro_core::ids::CompanyId;
use maestro_core::model::{EntityKind, PayStatement};
use maestro_store::alerts::{self, NewAlert, Severity};
use maestro_store::records;
use rust_decimal::Decimal;

use crate::App;
use crate::error::{AppError, Result};

/// Alert kind of an hours difference.
pub const KIND_HOURS: &str = "discrepancy_hours";

impl App {
    /// Compares tracked and paid hours for the latest paid period. Returns the number of
    /// people whose hours differ (0 when there is no time tracking or payroll to compare).
    pub async fn check_paid_hours(&self, company_id: CompanyId) -> Result<usize> {
        let statements = self.latest_statements(company_id).await?;
        let Some((period_start, period_end)) = statements
            .first()
            .and_then(|s| s.period_start.zip(s.period_end))
        else {
            return Ok(0);
        };
        let preview = match self.hours_preview(company_id, Some(period_start)).await {
            Ok(p) => p,
            // No time tracking (or the route is off): nothing to compare.
            Err(_) => return Ok(0),
        };
        let paid: BTreeMap<&str, Decimal> = statements
            .iter()
            .filter_map(|s| s.total_hours.map(|h| (s.employee_remote_id.as_str(), h)))
            .collect();
        let now = self.now();
        let mut differing = 0;
        let mut tx = self.store().write().await?;
        for person in &preview.employees {
            let key = format!(
                "discrepancy:hours:{}:{period_start}",
                person.payroll_remote_id
            );
            let Some(paid_hours) = paid.get(person.payroll_remote_id.as_str()) else {
                continue;
            };
            if paid_hours.normalize() == person.total.normalize() {
                alerts::resolve(tx.conn(), company_id, &key, now).await?;
                continue;
            }
            differing += 1;
            alerts::raise(
                tx.conn(),
                &NewAlert {
                    company_id,
                    connection_id: None,
                    kind: KIND_HOURS.into(),
                    severity: Severity::Warning,
                    dedupe_key: key,
                    title: format!("{}'s tracked hours differ from paid hours", person.name),
                    detail: format!(
                        "For {period_start} to {period_end}, time tracking has {} h ({} entries) but payroll paid {} h. \
                         Check the time sheet and the payroll before the next run.",
                        person.total.normalize(),
                        person.lines.len(),
                        paid_hours.normalize()
                    ),
                    action: Some("review".into()),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(differing)
    }

    /// The pay statements of the latest period payroll has paid (read a page at a time,
    /// keeping only the latest period's, so years of statements are not held at once).
    async fn latest_statements(&self, company_id: CompanyId) -> Result<Vec<PayStatement>> {
        let mut conn = self.conn().await?;
        let mut latest: Option<NaiveDate> = None;
        let mut kept: Vec<PayStatement> = Vec::new();
        records::for_each_current(&mut conn, company_id, EntityKind::PayStatement, |r| {
            let statement: PayStatement = r.entity()?;
            let Some(end) = statement.period_end else {
                return Ok::<_, AppError>(());
            };
            if latest.is_none_or(|l| end > l) {
                latest = Some(end);
                kept.clear();
            }
            if latest == Some(end) {
                kept.push(statement);
            }
            Ok(())
        })
        .await?;
        Ok(kept)
    }
}
