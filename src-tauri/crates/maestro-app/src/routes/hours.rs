//! Time tracking → payroll: the hours preview of a pay period, and the owner's approval of it.
//!
//! Pay periods are derived from payroll's latest regular run (the Gusto connector does not read
//! pay schedules), else from the latest period its pay statements state (ADP), else from the
//! pay schedule the owner stated (QuickBooks Online publishes neither); with no period given,
//! the preview is of the period after that run (the next payroll to run), or with the owner's
//! schedule of the period running today. The route ends at the approved preview, because the payroll connector
//! has no time-sheet write.

use chrono::NaiveDate;
use maestro_core::ids::CompanyId;
use maestro_store::audit::AuditEvent;
use maestro_store::connections::Connection;
use maestro_sync::routes::Route;
use maestro_sync::routes::hours::{self, HoursInput, HoursPreview, PayCalendar};

use super::load;
use crate::{App, AppError, ErrorCode, Result};

impl App {
    pub(super) async fn hours_for(
        &self,
        company_id: CompanyId,
        source: &Connection,
        payroll: &Connection,
        period_start: Option<NaiveDate>,
    ) -> Result<HoursPreview> {
        let stated = self.route_settings(company_id).await?.pay_schedule;
        let mut conn = self.conn().await?;
        let runs = load::payroll_runs(&mut conn, company_id, payroll.id).await?;
        let from_payroll = match PayCalendar::from_runs(&runs) {
            Some(found) => Some(found),
            None => PayCalendar::from_statement_periods(
                load::statement_periods(&mut conn, company_id, payroll.id).await?,
            ),
        };
        let period = match (from_payroll, period_start) {
            (Some((calendar, _)), Some(d)) => calendar.period_of(d),
            (Some((calendar, latest)), None) => calendar.next(latest),
            // The owner's schedule: the period running today is the next payroll's.
            (None, start) => {
                let Some(calendar) = stated else {
                    return Err(AppError::new(
                        ErrorCode::NotFound,
                        format!(
                            "{} has no payroll runs or pay statements synced, so its pay periods \
                             are unknown; sync {} first, or state your pay schedule in Settings → \
                             Routes (or `maestro routes config --pay-schedule biweekly:YYYY-MM-DD`)",
                            payroll.display_name, payroll.display_name
                        ),
                    ));
                };
                calendar.period_of(start.unwrap_or_else(|| self.now().date_naive()))
            }
        };
        let users = load::time_users(&mut conn, company_id, source.id).await?;
        let entries = load::time_entries_in(&mut conn, company_id, source.id, period).await?;
        let payroll_people = load::employees(&mut conn, company_id, payroll.id).await?;
        Ok(hours::aggregate(&HoursInput {
            period,
            users: &users,
            entries: &entries,
            payroll: &payroll_people,
            source_name: &source.display_name,
            target_name: &payroll.display_name,
        }))
    }

    async fn hours_connections(&self, company_id: CompanyId) -> Result<(Connection, Connection)> {
        let cfg = self.route_settings(company_id).await?;
        if !cfg.enabled(Route::TimeToPayroll) {
            return Err(AppError::new(
                ErrorCode::Validation,
                format!(
                    "{} is turned off for this company; turn it on in Settings → Routes (or \
                     `maestro routes config --enable {}`)",
                    Route::TimeToPayroll.label(),
                    Route::TimeToPayroll
                ),
            ));
        }
        let source = self
            .route_connection(
                company_id,
                maestro_connectors::Category::TimeTracking,
                cfg.time_tracking,
            )
            .await?;
        let payroll = self
            .route_connection(
                company_id,
                maestro_connectors::Category::Payroll,
                cfg.payroll,
            )
            .await?;
        match (source, payroll) {
            (Some(s), Some(p)) => Ok((s, p)),
            (None, _) => Err(AppError::new(
                ErrorCode::NotFound,
                "no time tracker is connected; connect one with `maestro connect harvest`",
            )),
            (_, None) => Err(AppError::new(
                ErrorCode::NotFound,
                "no payroll is connected; connect one with `maestro connect gusto`",
            )),
        }
    }

    /// The hours of the pay period containing `period_start` (default: the period after the
    /// latest payroll run), per payroll employee, each entry shown.
    pub async fn hours_preview(
        &self,
        company_id: CompanyId,
        period_start: Option<NaiveDate>,
    ) -> Result<HoursPreview> {
        let (source, payroll) = self.hours_connections(company_id).await?;
        self.hours_for(company_id, &source, &payroll, period_start)
            .await
    }

    /// Approves the hours preview of a period: records who approved which totals in the audit
    /// log and returns the preview approved. The hours are then entered in payroll by hand (the
    /// payroll connector cannot write time sheets yet).
    pub async fn approve_hours(
        &self,
        company_id: CompanyId,
        period_start: Option<NaiveDate>,
    ) -> Result<HoursPreview> {
        let preview = self.hours_preview(company_id, period_start).await?;
        let totals: Vec<serde_json::Value> = preview
            .employees
            .iter()
            .map(|e| {
                serde_json::json!({
                    "employee": e.payroll_remote_id,
                    "work_email": e.work_email,
                    "entries": e.lines.len(),
                    "hours": e.total.to_string(),
                })
            })
            .collect();
        self.audit(
            AuditEvent::new(
                &self.actor,
                "routes.hours.approve",
                &format!("{}..{}", preview.period.start, preview.period.end),
            )
            .company(company_id)
            .records(i64::try_from(preview.employees.len()).unwrap_or(i64::MAX))
            .detail(serde_json::json!({
                "route": Route::TimeToPayroll,
                "period_start": preview.period.start,
                "period_end": preview.period.end,
                "total_hours": preview.total.to_string(),
                "employees": totals,
            })),
        )
        .await?;
        Ok(preview)
    }
}
