//! Documents for compliance systems and auditors (what ComplianceHR or HR360 ask an owner to
//! hand over, since neither publishes an API): the roster, the terminations and the pay
//! summaries of a company, as CSV ([`csv`]) and paginated PDF ([`pdf`]), in one go.
//!
//! - **roster**: every person of the unified roster ([`App::people`]) with an employee or
//!   contractor record (a background-check candidate alone is not on the payroll): name, work
//!   email, job title, department, hire date, status, work location and its state, employment
//!   type, and the tools they are in. Each value is the one the roster shows (the trusted
//!   system's); department and location come from the first linked record that names one,
//!   HRIS first.
//! - **terminations**: everyone with a termination date or the terminated status: the date, the
//!   reason when a tool's payload gives one (a top-level field whose name holds "reason"), the
//!   final pay date when a pay statement was paid on or after the termination (the latest such
//!   check date), and the tool the date came from.
//! - **pay summaries**: one row per person per pay statement (pay period): gross, net, employee
//!   taxes, employer taxes and deductions, exact decimals in the statement's currency (a total
//!   is left empty when the statement lists no such lines: not stated is not zero).
//!
//! SSNs, birth dates and bank numbers are never in these documents.

pub mod csv;
pub mod pdf;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{
    Department, Employee, Employment, EmploymentType, EntityKind, Location, PayStatement,
};
use maestro_core::money::Money;
use maestro_store::Result as StoreResult;
use maestro_store::audit::AuditEvent;
use maestro_store::records::{self, Payload, StoredAt};
use maestro_store::sqlx::SqliteConnection;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::App;
use crate::error::{AppError, ErrorCode, Result};
use crate::people::Person;

/// Which files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocFormat {
    /// CSV only.
    Csv,
    /// PDF only.
    Pdf,
    /// Both.
    Both,
}

impl DocFormat {
    fn csv(self) -> bool {
        matches!(self, DocFormat::Csv | DocFormat::Both)
    }

    fn pdf(self) -> bool {
        matches!(self, DocFormat::Pdf | DocFormat::Both)
    }
}

/// One document as a table: what both writers render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// File name without extension ("roster").
    pub slug: &'static str,
    /// Title for people ("Roster").
    pub title: &'static str,
    /// Column headings.
    pub columns: Vec<&'static str>,
    /// Rows, one text per column.
    pub rows: Vec<Vec<String>>,
}

/// The three documents of a company at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct ComplianceDocs {
    /// The company's name (every page's header).
    pub company: String,
    /// When they were made.
    pub generated_at: DateTime<Utc>,
    /// roster, terminations, pay-summaries.
    pub tables: Vec<Table>,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ComplianceExport {
    /// The files, in the order written.
    pub files: Vec<PathBuf>,
    /// Roster rows.
    pub people: usize,
    /// Termination rows.
    pub terminations: usize,
    /// Pay summary rows.
    pub pay_rows: usize,
}

const ROSTER_COLUMNS: [&str; 10] = [
    "Name",
    "Work email",
    "Job title",
    "Department",
    "Hire date",
    "Status",
    "Work location",
    "Work state",
    "Employment type",
    "Systems",
];

const TERMINATION_COLUMNS: [&str; 5] = [
    "Name",
    "Termination date",
    "Reason",
    "Final pay date",
    "Source",
];

const PAY_COLUMNS: [&str; 11] = [
    "Name",
    "Period start",
    "Period end",
    "Pay date",
    "Gross pay",
    "Net pay",
    "Employee taxes",
    "Employer taxes",
    "Deductions",
    "Currency",
    "Source",
];

/// What the records of the company say beyond the roster, by (connection, employee remote id).
#[derive(Default)]
struct Facts {
    /// Linked employee records: department and work location ids, and a termination reason.
    employees: BTreeMap<RecordId, EmployeeFacts>,
    departments: BTreeMap<(ConnectionId, String), String>,
    locations: BTreeMap<(ConnectionId, String), (String, Option<String>)>,
    /// Latest job's employment type.
    employment_type: BTreeMap<(ConnectionId, String), (Option<NaiveDate>, EmploymentType)>,
    pay: Vec<(ConnectionId, PayStatement)>,
}

struct EmployeeFacts {
    department: Option<String>,
    work_location: Option<String>,
    reason: Option<String>,
}

/// A termination reason in a provider payload: a top-level text field whose name holds
/// "reason" (BambooHR's `terminationReason`, a custom field…).
fn reason_in(raw: &Value) -> Option<String> {
    raw.as_object()?.iter().find_map(|(k, v)| {
        let text = v.as_str()?.trim();
        (k.to_lowercase().contains("reason") && !text.is_empty()).then(|| text.to_owned())
    })
}

fn ok<E>(record: RecordId, decoded: StoreResult<E>) -> Option<E> {
    match decoded {
        Ok(e) => Some(e),
        Err(err) => {
            tracing::warn!(%record, error = %err, "record left out of the compliance documents");
            None
        }
    }
}

async fn facts(conn: &mut SqliteConnection, company_id: CompanyId) -> Result<Facts> {
    let mut f = Facts::default();
    records::for_each_current_entity(conn, company_id, Payload::Read, |at: StoredAt, e| {
        if let Some(e) = ok::<Employee>(at.record_id, e) {
            f.employees.insert(
                at.record_id,
                EmployeeFacts {
                    department: e.department_remote_id.clone(),
                    work_location: e.work_location_remote_id.clone(),
                    reason: reason_in(&e.raw.to_value()),
                },
            );
        }
        Ok::<_, AppError>(())
    })
    .await?;
    records::for_each_current_entity(conn, company_id, Payload::Skip, |at: StoredAt, d| {
        if let Some(d) = ok::<Department>(at.record_id, d) {
            f.departments
                .insert((at.connection_id, d.provenance.remote_id.clone()), d.name);
        }
        Ok::<_, AppError>(())
    })
    .await?;
    records::for_each_current_entity(conn, company_id, Payload::Skip, |at: StoredAt, l| {
        if let Some(l) = ok::<Location>(at.record_id, l) {
            let name = l
                .name
                .clone()
                .or_else(|| l.address.city.clone())
                .unwrap_or_default();
            f.locations.insert(
                (at.connection_id, l.provenance.remote_id.clone()),
                (name, l.address.state.clone()),
            );
        }
        Ok::<_, AppError>(())
    })
    .await?;
    records::for_each_current_entity(conn, company_id, Payload::Skip, |at: StoredAt, j| {
        if let Some(j) = ok::<Employment>(at.record_id, j)
            && let Some(kind) = j.employment_type
        {
            let key = (at.connection_id, j.employee_remote_id.clone());
            let newer = f
                .employment_type
                .get(&key)
                .is_none_or(|(d, _)| j.effective_date >= *d);
            if newer {
                f.employment_type.insert(key, (j.effective_date, kind));
            }
        }
        Ok::<_, AppError>(())
    })
    .await?;
    records::for_each_current_entity(conn, company_id, Payload::Skip, |at: StoredAt, p| {
        if let Some(p) = ok::<PayStatement>(at.record_id, p) {
            f.pay.push((at.connection_id, p));
        }
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(f)
}

fn field(p: &Person, name: &str) -> String {
    p.fields
        .iter()
        .find(|f| f.field == name)
        .map(|f| f.value.clone())
        .unwrap_or_default()
}

fn snake_words<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

/// People with an employee or contractor record: the roster documents list only them.
fn employed(p: &Person) -> bool {
    p.records
        .iter()
        .any(|r| matches!(r.kind, EntityKind::Employee | EntityKind::Contractor))
}

fn systems(p: &Person) -> String {
    let mut names: Vec<&str> = p.records.iter().map(|r| r.connection.as_str()).collect();
    names.dedup();
    names.join(", ")
}

fn roster_row(p: &Person, f: &Facts) -> Vec<String> {
    let mut department = String::new();
    let mut location = (String::new(), String::new());
    let mut kind = String::new();
    for r in &p.records {
        let key = |id: &Option<String>| id.clone().map(|i| (r.connection_id, i));
        if let Some(e) = f.employees.get(&r.record_id) {
            if department.is_empty()
                && let Some(d) = key(&e.department).and_then(|k| f.departments.get(&k))
            {
                department = d.clone();
            }
            if location.0.is_empty()
                && let Some((name, state)) = key(&e.work_location).and_then(|k| f.locations.get(&k))
            {
                location = (name.clone(), state.clone().unwrap_or_default());
            }
        }
        if kind.is_empty()
            && let Some((_, t)) = f
                .employment_type
                .get(&(r.connection_id, r.remote_id.clone()))
        {
            kind = snake_words(t);
        }
    }
    if kind.is_empty() && p.records.iter().all(|r| r.kind == EntityKind::Contractor) {
        kind = "contractor".into();
    }
    vec![
        p.name.clone(),
        field(p, "work_email"),
        field(p, "job_title"),
        department,
        field(p, "hire_date"),
        field(p, "status"),
        location.0,
        location.1,
        kind,
        systems(p),
    ]
}

/// The person each (connection, employee remote id) belongs to.
fn owners(people: &[Person]) -> BTreeMap<(ConnectionId, String), usize> {
    let mut out = BTreeMap::new();
    for (i, p) in people.iter().enumerate() {
        for r in &p.records {
            out.insert((r.connection_id, r.remote_id.clone()), i);
        }
    }
    out
}

fn termination_row(p: &Person, f: &Facts, pay_dates: &[NaiveDate]) -> Option<Vec<String>> {
    let date_field = p.fields.iter().find(|f| f.field == "termination_date");
    let terminated = field(p, "status").starts_with("terminated");
    if date_field.is_none() && !terminated {
        return None;
    }
    let date = date_field.map(|d| d.value.clone()).unwrap_or_default();
    let source = date_field
        .and_then(|d| d.values.first())
        .map(|v| format!("{} ({})", v.connection, v.provider))
        .or_else(|| {
            p.fields
                .iter()
                .find(|f| f.field == "status")
                .and_then(|s| s.values.first())
                .map(|v| format!("{} ({})", v.connection, v.provider))
        })
        .unwrap_or_default();
    let reason = p
        .records
        .iter()
        .find_map(|r| f.employees.get(&r.record_id).and_then(|e| e.reason.clone()))
        .unwrap_or_default();
    let final_pay = date
        .parse::<NaiveDate>()
        .ok()
        .and_then(|d| pay_dates.iter().filter(|p| **p >= d).max())
        .map(|d| d.to_string())
        .unwrap_or_default();
    Some(vec![p.name.clone(), date, reason, final_pay, source])
}

fn pay_row(
    name: &str,
    source: &str,
    s: &PayStatement,
) -> std::result::Result<Vec<String>, AppError> {
    let sum = |items: Vec<&Money>| {
        Money::sum(s.gross_pay.currency, items).map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!(
                    "the pay statement {} of {name} mixes currencies: {e}",
                    s.provenance.remote_id
                ),
            )
        })
    };
    // A statement that lists no lines of a kind leaves its cell empty: the payroll did not
    // say, which is not the same as zero.
    let total = |items: Vec<&Money>| -> std::result::Result<String, AppError> {
        if items.is_empty() {
            return Ok(String::new());
        }
        Ok(sum(items)?.amount.to_string())
    };
    let employee_taxes = total(
        s.taxes
            .iter()
            .filter(|t| !t.employer)
            .map(|t| &t.amount)
            .collect(),
    )?;
    let employer_taxes = total(
        s.taxes
            .iter()
            .filter(|t| t.employer)
            .map(|t| &t.amount)
            .collect(),
    )?;
    let deductions = total(s.employee_deductions.iter().map(|d| &d.amount).collect())?;
    let net = if s.net_pay.currency == s.gross_pay.currency {
        s.net_pay.amount.to_string()
    } else {
        s.net_pay.to_string()
    };
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    Ok(vec![
        name.to_owned(),
        day(s.period_start),
        day(s.period_end),
        day(s.check_date),
        s.gross_pay.amount.to_string(),
        net,
        employee_taxes,
        employer_taxes,
        deductions,
        s.gross_pay.currency.to_string(),
        source.to_owned(),
    ])
}

impl App {
    /// The roster, terminations and pay summaries of a company (see the module doc). Reads
    /// only; [`App::export_compliance_documents`] writes and audits them.
    pub async fn compliance_documents(&self, company_id: CompanyId) -> Result<ComplianceDocs> {
        let company = self.company(Some(&company_id.to_string())).await?;
        let people: Vec<Person> = self
            .people(company_id)
            .await?
            .into_iter()
            .filter(employed)
            .collect();
        let mut conn = self.conn().await?;
        let f = facts(&mut conn, company_id).await?;
        let names: BTreeMap<ConnectionId, String> =
            maestro_store::connections::list(&mut conn, company_id)
                .await?
                .into_iter()
                .map(|c| (c.id, format!("{} ({})", c.display_name, c.provider)))
                .collect();
        drop(conn);
        let owner_of = owners(&people);
        let mut pay_dates: Vec<Vec<NaiveDate>> = vec![Vec::new(); people.len()];
        let mut pay_rows: Vec<(usize, Option<NaiveDate>, Vec<String>)> = Vec::new();
        for (connection, s) in &f.pay {
            let Some(&i) = owner_of.get(&(*connection, s.employee_remote_id.clone())) else {
                continue;
            };
            if let Some(d) = s.check_date {
                pay_dates[i].push(d);
            }
            let source = names.get(connection).cloned().unwrap_or_default();
            pay_rows.push((i, s.period_start, pay_row(&people[i].name, &source, s)?));
        }
        // By person (roster order), then period, then pay date.
        pay_rows.sort_by(|a, b| (a.0, a.1, &a.2[3]).cmp(&(b.0, b.1, &b.2[3])));
        let tables = vec![
            Table {
                slug: "roster",
                title: "Roster",
                columns: ROSTER_COLUMNS.to_vec(),
                rows: people.iter().map(|p| roster_row(p, &f)).collect(),
            },
            Table {
                slug: "terminations",
                title: "Terminations",
                columns: TERMINATION_COLUMNS.to_vec(),
                rows: people
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| termination_row(p, &f, &pay_dates[i]))
                    .collect(),
            },
            Table {
                slug: "pay-summaries",
                title: "Pay summaries",
                columns: PAY_COLUMNS.to_vec(),
                rows: pay_rows.into_iter().map(|r| r.2).collect(),
            },
        ];
        Ok(ComplianceDocs {
            company: company.name,
            generated_at: self.now(),
            tables,
        })
    }

    /// Writes the compliance documents into the folder `dir` (created when missing) as CSV,
    /// PDF or both (`roster.csv`, `roster.pdf`, …); audited (`compliance.export`).
    pub async fn export_compliance_documents(
        &self,
        company_id: CompanyId,
        dir: &Path,
        format: DocFormat,
    ) -> Result<ComplianceExport> {
        let docs = self.compliance_documents(company_id).await?;
        std::fs::create_dir_all(dir)?;
        let mut files = Vec::new();
        for table in &docs.tables {
            if format.csv() {
                let path = dir.join(format!("{}.csv", table.slug));
                write_file(&path, &csv::render(table)?)?;
                files.push(path);
            }
            if format.pdf() {
                let path = dir.join(format!("{}.pdf", table.slug));
                write_file(&path, &pdf::render(&docs, table))?;
                files.push(path);
            }
        }
        let count = |slug: &str| {
            docs.tables
                .iter()
                .find(|t| t.slug == slug)
                .map_or(0, |t| t.rows.len())
        };
        let summary = ComplianceExport {
            files,
            people: count("roster"),
            terminations: count("terminations"),
            pay_rows: count("pay-summaries"),
        };
        self.audit(
            AuditEvent::new(
                &self.actor,
                "compliance.export",
                "roster,terminations,pay_summaries",
            )
            .company(company_id)
            .records(
                i64::try_from(summary.people + summary.terminations + summary.pay_rows)
                    .unwrap_or(i64::MAX),
            )
            .detail(serde_json::json!({
                "format": format,
                "destination": dir.display().to_string(),
                "people": summary.people,
                "terminations": summary.terminations,
                "pay_rows": summary.pay_rows,
            })),
        )
        .await?;
        Ok(summary)
    }
}

/// Writes through a temporary sibling renamed into place.
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_reason_is_a_text_field_named_for_it() {
        assert_eq!(
            reason_in(&json!({"id": 4, "terminationReason": "Moved away"})),
            Some("Moved away".into())
        );
        assert_eq!(reason_in(&json!({"reason": "  "})), None);
        assert_eq!(reason_in(&json!({"reason_code": 7})), None);
        assert_eq!(reason_in(&Value::Null), None);
    }
}
