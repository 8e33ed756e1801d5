//! Reads the synced records the routes plan from: the current version of each record of one
//! connection.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{
    BackgroundCheck, BackgroundCheckStatus, Candidate, CanonicalEntity, Contractor, Department,
    Employee, Employment, Location, PayStatement, PayrollRun, TimeEntry,
};
use maestro_store::records::{self, Payload, StoredAt};
use maestro_store::sqlx::SqliteConnection;
use maestro_sync::routes::hours::{PayPeriod, TimeUser};
use maestro_sync::routes::hris::SourceEmployee;
use maestro_sync::routes::match_key;

use crate::{AppError, Result};

/// Current records of `E` from one connection, with where they are stored.
async fn current<E: CanonicalEntity>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Vec<(StoredAt, E)>> {
    current_where(conn, company_id, connection_id, |_: &E| true).await
}

/// [`current`], keeping only the records `keep` accepts; read a page at a time, so only the
/// records kept are held (a pay period's time entries, not years of them).
async fn current_where<E: CanonicalEntity>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    mut keep: impl FnMut(&E) -> bool,
) -> Result<Vec<(StoredAt, E)>> {
    let mut out = Vec::new();
    records::for_each_current_entity(
        conn,
        company_id,
        Payload::Read,
        |at, e: maestro_store::Result<E>| {
            if at.connection_id == connection_id {
                let e = e?;
                if keep(&e) {
                    out.push((at, e));
                }
            }
            Ok::<_, AppError>(())
        },
    )
    .await?;
    Ok(out)
}

/// The connection's employees.
pub async fn employees(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Vec<Employee>> {
    Ok(current::<Employee>(conn, company_id, connection_id)
        .await?
        .into_iter()
        .map(|(_, e)| e)
        .collect())
}

/// The connection's department names.
pub async fn department_names(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Vec<String>> {
    Ok(current::<Department>(conn, company_id, connection_id)
        .await?
        .into_iter()
        .map(|(_, d)| d.name)
        .collect())
}

/// The emails ([`match_key`]s) of the connection's candidates who have a check there that
/// was not cancelled: the people a background-check provider has screened or is screening.
pub async fn checked_emails(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<BTreeSet<String>> {
    let with_check: BTreeSet<String> = current::<BackgroundCheck>(conn, company_id, connection_id)
        .await?
        .into_iter()
        .filter(|(_, c)| c.status != BackgroundCheckStatus::Cancelled)
        .map(|(_, c)| c.candidate_remote_id)
        .collect();
    Ok(current::<Candidate>(conn, company_id, connection_id)
        .await?
        .into_iter()
        .filter(|(_, c)| with_check.contains(&c.provenance.remote_id))
        .filter_map(|(_, c)| match_key(c.email.as_deref()))
        .collect())
}

/// The connection's locations.
pub async fn locations(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Vec<Location>> {
    Ok(current::<Location>(conn, company_id, connection_id)
        .await?
        .into_iter()
        .map(|(_, l)| l)
        .collect())
}

/// The HRIS's people with their current job title (latest job record) and department name.
pub async fn source_employees(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Vec<SourceEmployee>> {
    let departments: BTreeMap<String, String> =
        current::<Department>(conn, company_id, connection_id)
            .await?
            .into_iter()
            .map(|(_, d)| (d.provenance.remote_id, d.name))
            .collect();
    let mut jobs: BTreeMap<String, Employment> = BTreeMap::new();
    for (_, job) in current::<Employment>(conn, company_id, connection_id).await? {
        let newer = jobs
            .get(&job.employee_remote_id)
            .is_none_or(|j| job.effective_date >= j.effective_date);
        if newer {
            jobs.insert(job.employee_remote_id.clone(), job);
        }
    }
    Ok(current::<Employee>(conn, company_id, connection_id)
        .await?
        .into_iter()
        .map(|(stored, e)| {
            let job_title = jobs
                .get(&e.provenance.remote_id)
                .and_then(|j| j.job_title.clone())
                .or_else(|| {
                    e.raw
                        .get("jobTitle")
                        .and_then(|v| v.as_str().map(str::to_owned))
                });
            let department = e
                .department_remote_id
                .as_ref()
                .and_then(|id| departments.get(id).cloned())
                .or_else(|| {
                    e.raw
                        .get("department")
                        .and_then(|v| v.as_str().map(str::to_owned))
                });
            SourceEmployee {
                record_id: stored.record_id,
                version: stored.version,
                employee: e,
                job_title,
                department,
            }
        })
        .collect())
}

/// The time tracker's people (employees and contractors).
pub async fn time_users(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Vec<TimeUser>> {
    let mut users: Vec<TimeUser> = employees(conn, company_id, connection_id)
        .await?
        .into_iter()
        .map(|e| TimeUser {
            name: [e.first_name.as_deref(), e.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
            remote_id: e.provenance.remote_id,
            email: e.work_email,
            contractor: false,
        })
        .collect();
    for (_, c) in current::<Contractor>(conn, company_id, connection_id).await? {
        let name = [c.first_name.as_deref(), c.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        users.push(TimeUser {
            name: if name.is_empty() {
                c.business_name.clone().unwrap_or_default()
            } else {
                name
            },
            remote_id: c.provenance.remote_id,
            email: c.email,
            contractor: true,
        });
    }
    Ok(users)
}

/// The time tracker's entries worked in `period`.
pub async fn time_entries_in(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    period: PayPeriod,
) -> Result<Vec<TimeEntry>> {
    let in_period = |e: &TimeEntry| period.contains(e.work_date);
    Ok(current_where(conn, company_id, connection_id, in_period)
        .await?
        .into_iter()
        .map(|(_, e)| e)
        .collect())
}

/// Payroll's runs.
pub async fn payroll_runs(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Vec<PayrollRun>> {
    Ok(current::<PayrollRun>(conn, company_id, connection_id)
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect())
}

/// The pay periods payroll's statements state (start, end), for a payroll whose runs cannot
/// be read.
pub async fn statement_periods(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Vec<(NaiveDate, NaiveDate)>> {
    Ok(current::<PayStatement>(conn, company_id, connection_id)
        .await?
        .into_iter()
        .filter_map(|(_, s)| s.period_start.zip(s.period_end))
        .collect())
}
