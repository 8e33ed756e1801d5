//! What the calendar reads from the store: the people roster (one person per identity across
//! tools, with the trusted system's hire and termination dates), each person's work state from
//! their employee record's work location, whether the company has employees and contractors,
//! the paydays from the payroll runs (or the pay schedule the owner stated), and the connected
//! full-service payroll that files payroll taxes, if any.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{Contractor, Employee, EntityKind, Location, PayrollRun};
use maestro_store::records::{self, Payload};
use maestro_sync::routes::hours::PayCalendar;

use super::provider_filing::{self, PayrollFiler};
use super::{CompanyFacts, Paydays, PersonFacts};
use crate::App;
use crate::error::{AppError, Result};
use crate::people::Person;

/// The provider's display name ("Gusto"), for rule texts.
fn provider_name(id: &str) -> String {
    maestro_connectors::Registry::current()
        .get(id)
        .map(|d| d.manifest.name.to_owned())
        .unwrap_or_else(|| id.to_owned())
}

/// A roster field's value.
fn field<'a>(person: &'a Person, name: &str) -> Option<&'a str> {
    person
        .fields
        .iter()
        .find(|f| f.field == name)
        .map(|f| f.value.as_str())
        .filter(|v| !v.is_empty())
}

/// The paydays of the latest regular payroll run: its calendar, and the days from its period's
/// end to its check date (0 when it states none).
pub fn paydays_from_runs(runs: &[PayrollRun]) -> Option<Paydays> {
    let (calendar, period) = PayCalendar::from_runs(runs)?;
    let in_period: Vec<&PayrollRun> = runs
        .iter()
        .filter(|r| r.period_start == period.start && r.period_end == period.end)
        .collect();
    let check_date = in_period.iter().find_map(|r| r.check_date);
    let lag_days = check_date.map_or(0, |c| (c - period.end).num_days().max(0));
    let provider = in_period
        .first()
        .map(|r| provider_name(&r.provenance.provider))
        .unwrap_or_default();
    Some(Paydays {
        calendar,
        lag_days,
        from: format!("{provider}'s payroll runs ({lag_days} days after each period ends)"),
    })
}

impl App {
    /// The calendar's view of the company's synced data.
    pub async fn compliance_facts(&self, company_id: CompanyId) -> Result<CompanyFacts> {
        let people = self.people(company_id).await?;
        let mut conn = self.conn().await?;
        let mut work_location: BTreeMap<RecordId, (ConnectionId, String)> = BTreeMap::new();
        records::for_each_current_entity::<Employee, AppError, _>(
            &mut conn,
            company_id,
            Payload::Skip,
            |at, e| {
                if let Ok(e) = e
                    && let Some(loc) = e.work_location_remote_id
                {
                    work_location.insert(at.record_id, (at.connection_id, loc));
                }
                Ok(())
            },
        )
        .await?;
        let mut state_at: BTreeMap<(ConnectionId, String), String> = BTreeMap::new();
        records::for_each_current_entity::<Location, AppError, _>(
            &mut conn,
            company_id,
            Payload::Skip,
            |at, l| {
                if let Ok(l) = l
                    && let Some(state) = l.address.state.filter(|s| !s.trim().is_empty())
                {
                    state_at.insert((at.connection_id, l.provenance.remote_id), state);
                }
                Ok(())
            },
        )
        .await?;
        let mut has_contractors = false;
        records::for_each_current_entity::<Contractor, AppError, _>(
            &mut conn,
            company_id,
            Payload::Skip,
            |_, c| {
                has_contractors |= c.is_ok();
                Ok(())
            },
        )
        .await?;
        let mut runs = Vec::new();
        records::for_each_current_entity::<PayrollRun, AppError, _>(
            &mut conn,
            company_id,
            Payload::Skip,
            |_, r| {
                if let Ok(r) = r {
                    runs.push(r);
                }
                Ok(())
            },
        )
        .await?;
        let payroll_filer = maestro_store::connections::list(&mut conn, company_id)
            .await?
            .into_iter()
            .find(|c| provider_filing::full_service(&c.provider).is_some())
            .map(|c| PayrollFiler {
                name: provider_name(&c.provider),
                provider: c.provider,
            });
        drop(conn);
        let paydays = match paydays_from_runs(&runs) {
            Some(p) => Some(p),
            None => self
                .route_settings(company_id)
                .await?
                .pay_schedule
                .map(|calendar| Paydays {
                    calendar,
                    lag_days: 0,
                    from: "the pay schedule stated in Settings → Routes (paid on each \
                           period's last day)"
                        .into(),
                }),
        };
        let mut out = Vec::new();
        for p in &people {
            let employees: Vec<RecordId> = p
                .records
                .iter()
                .filter(|r| r.kind == EntityKind::Employee)
                .map(|r| r.record_id)
                .collect();
            if employees.is_empty() {
                continue;
            }
            let state = employees
                .iter()
                .filter_map(|id| work_location.get(id))
                .find_map(|key| state_at.get(key))
                .map(|s| s.trim().to_uppercase());
            let date = |name: &str| field(p, name).and_then(|v| v.parse::<NaiveDate>().ok());
            let hire_date = date("hire_date");
            out.push(PersonFacts {
                id: p.identity_id.to_string(),
                name: p.name.clone(),
                state,
                hire_date,
                // A rehire's old last day (before the latest hire) is not an ending.
                termination_date: date("termination_date")
                    .filter(|t| hire_date.is_none_or(|h| h <= *t)),
                work_authorisation_expires: None,
            });
        }
        Ok(CompanyFacts {
            has_employees: !out.is_empty(),
            has_contractors,
            people: out,
            paydays,
            payroll_filer,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maestro_core::model::{PayrollRunStatus, PayrollTotals, Provenance};

    use super::*;

    fn run(start: &str, end: &str, check: Option<&str>) -> PayrollRun {
        PayrollRun {
            provenance: Provenance::new(ConnectionId::new(), "gusto", start),
            company_id: CompanyId::new(),
            status: PayrollRunStatus::Paid,
            run_type: None,
            period_start: start.parse().unwrap(),
            period_end: end.parse().unwrap(),
            check_date: check.map(|c| c.parse().unwrap()),
            totals: PayrollTotals::default(),
            raw: serde_json::Value::Null.into(),
        }
    }

    #[test]
    fn paydays_follow_the_latest_runs_period_and_check_date() {
        let runs = [
            run("2026-11-01", "2026-11-14", Some("2026-11-20")),
            run("2026-11-15", "2026-11-28", Some("2026-12-04")),
        ];
        let p = paydays_from_runs(&runs).unwrap();
        assert_eq!(p.lag_days, 6);
        // A last day of December 3 falls in the period of November 29 – December 12, paid
        // six days after its end.
        assert_eq!(
            p.payday_for("2026-12-03".parse().unwrap()),
            "2026-12-18".parse::<NaiveDate>().unwrap()
        );
        assert!(
            p.from.contains("6 days after each period ends"),
            "{}",
            p.from
        );
        // No check date: paid on the period's last day.
        let p = paydays_from_runs(&[run("2026-11-01", "2026-11-30", None)]).unwrap();
        assert_eq!(p.lag_days, 0);
        assert_eq!(
            p.payday_for("2026-12-03".parse().unwrap()),
            "2026-12-31".parse::<NaiveDate>().unwrap()
        );
        assert!(paydays_from_runs(&[]).is_none());
    }
}
