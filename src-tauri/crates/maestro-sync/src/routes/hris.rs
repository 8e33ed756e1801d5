//! HRIS → payroll: a person hired in the HRIS and missing from payroll is created there; a
//! termination in the HRIS that payroll does not have yet is sent there (it changes pay, so
//! by default it waits for the owner's approval).
//!
//! Changes to existing people (name, title, department) are not planned here yet: they need
//! the per-field source-of-truth rules of the conflicts module.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use maestro_connectors::{NewEmployee, WriteOp};
use maestro_core::ids::RecordId;
use maestro_core::model::{Employee, EmploymentStatus};
use serde::Serialize;

use super::{FieldChange, Route, Skipped, idempotency_key, match_key, subject};

/// Action name of a hire.
pub const CREATE: &str = "create_employee";
/// Action name of a termination.
pub const TERMINATE: &str = "terminate_employee";

/// A person in the source (HRIS) with what the route needs beyond the employee record.
#[derive(Debug, Clone)]
pub struct SourceEmployee {
    /// Local record id (part of the idempotency key).
    pub record_id: RecordId,
    /// The record's current version (part of the idempotency key).
    pub version: i64,
    /// The person.
    pub employee: Employee,
    /// Current job title (from the HRIS job records).
    pub job_title: Option<String>,
    /// Department name.
    pub department: Option<String>,
}

/// What the route reads.
#[derive(Debug, Clone, Copy)]
pub struct HrisInput<'a> {
    /// People in the HRIS.
    pub source: &'a [SourceEmployee],
    /// People in payroll.
    pub target: &'a [Employee],
    /// Department names that exist in payroll (a new hire is put only into one of these).
    pub target_departments: &'a [String],
    /// The HRIS's name, for messages ("BambooHR").
    pub source_name: &'a str,
    /// Payroll's name, for messages ("Gusto").
    pub target_name: &'a str,
}

/// One write the route wants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedWrite {
    /// The route.
    pub route: Route,
    /// [`CREATE`] or [`TERMINATE`].
    pub action: &'static str,
    /// One live write per subject.
    pub subject: String,
    /// Deterministic: route, action, source record and version.
    pub idempotency_key: String,
    /// The write.
    pub op: WriteOp,
    /// One line for people.
    pub summary: String,
    /// Field by field.
    pub changes: Vec<FieldChange>,
    /// What will not be carried over, and why.
    pub notes: Vec<String>,
    /// The source record.
    pub source_record_id: RecordId,
}

/// The route's plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HrisPlan {
    /// Writes to make, hires first.
    pub writes: Vec<PlannedWrite>,
    /// People not planned, and why.
    pub skipped: Vec<Skipped>,
}

fn name_of(e: &Employee) -> String {
    let parts: Vec<&str> = [e.first_name.as_deref(), e.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let name = if parts.is_empty() {
        e.display_full_name.clone().unwrap_or_default()
    } else {
        parts.join(" ")
    };
    match e.work_email.as_deref() {
        Some(email) if !name.is_empty() => format!("{name} <{email}>"),
        Some(email) => email.to_owned(),
        None if name.is_empty() => format!("record {}", e.provenance.remote_id),
        None => name,
    }
}

fn status_text(s: EmploymentStatus) -> String {
    match s {
        EmploymentStatus::Active => "active",
        EmploymentStatus::Pending => "pending",
        EmploymentStatus::Inactive => "inactive",
        EmploymentStatus::Terminated => "terminated",
    }
    .into()
}

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// Plans hires and terminations.
pub fn plan(input: &HrisInput<'_>) -> HrisPlan {
    let mut targets: BTreeMap<String, &Employee> = BTreeMap::new();
    for e in input.target {
        if let Some(k) = match_key(e.work_email.as_deref()) {
            targets.entry(k).or_insert(e);
        }
    }
    let mut sorted: Vec<&SourceEmployee> = input.source.iter().collect();
    sorted.sort_by_key(|s| s.record_id);
    let mut seen = BTreeSet::new();
    let mut plan = HrisPlan::default();
    let mut terminations = Vec::new();
    for s in sorted {
        let e = &s.employee;
        let leaving = e.termination_date.is_some()
            || matches!(
                e.employment_status,
                EmploymentStatus::Terminated | EmploymentStatus::Inactive
            );
        let Some(key) = match_key(e.work_email.as_deref()) else {
            if !leaving {
                plan.skipped.push(Skipped {
                    who: name_of(e),
                    reason: format!(
                        "has no work email in {}, so it cannot be matched with {}; add one there",
                        input.source_name, input.target_name
                    ),
                });
            }
            continue;
        };
        if !seen.insert(key.clone()) {
            plan.skipped.push(Skipped {
                who: name_of(e),
                reason: format!(
                    "shares its work email with another person in {}; give each person their own",
                    input.source_name
                ),
            });
            continue;
        }
        match targets.get(&key) {
            None if !leaving => match hire(input, s) {
                Ok(w) => plan.writes.push(w),
                Err(reason) => plan.skipped.push(Skipped {
                    who: name_of(e),
                    reason,
                }),
            },
            None => {}
            Some(t) => match termination(input, s, t) {
                Ok(Some(w)) => terminations.push(w),
                Ok(None) => {}
                Err(reason) => plan.skipped.push(Skipped {
                    who: name_of(e),
                    reason,
                }),
            },
        }
    }
    plan.writes.extend(terminations);
    plan
}

fn hire(input: &HrisInput<'_>, s: &SourceEmployee) -> Result<PlannedWrite, String> {
    let e = &s.employee;
    let (Some(first), Some(last)) = (e.first_name.clone(), e.last_name.clone()) else {
        return Err(format!(
            "has no first or last name in {}, which {} needs",
            input.source_name, input.target_name
        ));
    };
    let email = e.work_email.clone().unwrap_or_default().trim().to_owned();
    let start = e.start_date.or(e.hire_date);
    let mut notes = Vec::new();
    let department = s.department.as_deref().and_then(|d| {
        let found = input
            .target_departments
            .iter()
            .find(|t| t.trim().eq_ignore_ascii_case(d.trim()))
            .cloned();
        if found.is_none() {
            notes.push(format!(
                "department \"{d}\" does not exist in {}; add it there, then assign it",
                input.target_name
            ));
        }
        found
    });
    let job_title = s.job_title.clone().filter(|t| !t.trim().is_empty());
    if job_title.is_some() && start.is_none() {
        notes.push(format!(
            "the job title needs a start date, which {} does not have",
            input.source_name
        ));
    }
    let new = NewEmployee {
        first_name: first,
        last_name: last,
        work_email: email,
        job_title: if start.is_some() { job_title } else { None },
        department,
        start_date: start,
        date_of_birth: e.date_of_birth,
    };
    let mut changes = vec![
        FieldChange::new("first_name", None, Some(new.first_name.clone())),
        FieldChange::new("last_name", None, Some(new.last_name.clone())),
        FieldChange::new("work_email", None, Some(new.work_email.clone())),
    ];
    if let Some(t) = &new.job_title {
        changes.push(FieldChange::new("job_title", None, Some(t.clone())));
    }
    if let Some(d) = &new.department {
        changes.push(FieldChange::new("department", None, Some(d.clone())));
    }
    if let Some(d) = new.start_date {
        changes.push(FieldChange::new("start_date", None, Some(d.to_string())));
    }
    if new.date_of_birth.is_some() {
        changes.push(FieldChange::new(
            "date_of_birth",
            None,
            Some("(sensitive, hidden)".into()),
        ));
    }
    let summary = format!(
        "Create {} {} <{}> in {}",
        new.first_name, new.last_name, new.work_email, input.target_name
    );
    Ok(PlannedWrite {
        route: Route::HrisToPayroll,
        action: CREATE,
        subject: subject(Route::HrisToPayroll, CREATE, s.record_id),
        idempotency_key: idempotency_key(Route::HrisToPayroll, CREATE, s.record_id, s.version),
        op: WriteOp::CreateEmployee(new),
        summary,
        changes,
        notes,
        source_record_id: s.record_id,
    })
}

fn termination(
    input: &HrisInput<'_>,
    s: &SourceEmployee,
    target: &Employee,
) -> Result<Option<PlannedWrite>, String> {
    let e = &s.employee;
    let Some(date) = e.termination_date else {
        if e.employment_status == EmploymentStatus::Terminated
            && target.employment_status != EmploymentStatus::Terminated
        {
            return Err(format!(
                "is terminated in {} without a termination date, so the termination cannot be \
                 sent to {}; add the date in {}",
                input.source_name, input.target_name, input.source_name
            ));
        }
        return Ok(None);
    };
    if target.termination_date == Some(date) {
        return Ok(None);
    }
    if let Some(other) = target.termination_date
        && target.employment_status == EmploymentStatus::Terminated
    {
        return Err(format!(
            "is terminated on {date} in {} but on {other} in {}; check which is right and \
             correct the other",
            input.source_name, input.target_name
        ));
    }
    let op = WriteOp::TerminateEmployee {
        remote_id: target.provenance.remote_id.clone(),
        effective_date: date,
    };
    Ok(Some(PlannedWrite {
        route: Route::HrisToPayroll,
        action: TERMINATE,
        subject: subject(Route::HrisToPayroll, TERMINATE, s.record_id),
        idempotency_key: idempotency_key(Route::HrisToPayroll, TERMINATE, s.record_id, s.version),
        summary: format!(
            "Terminate {} in {} effective {date}",
            name_of(e),
            input.target_name
        ),
        changes: vec![
            FieldChange::new(
                "employment_status",
                Some(status_text(target.employment_status)),
                Some("terminated".into()),
            ),
            FieldChange::new(
                "termination_date",
                date_text(target.termination_date),
                Some(date.to_string()),
            ),
        ],
        notes: Vec::new(),
        op,
        source_record_id: s.record_id,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maestro_core::ids::{CompanyId, ConnectionId};
    use maestro_core::model::Provenance;

    use super::*;

    fn person(id: &str, first: &str, email: Option<&str>) -> Employee {
        Employee {
            provenance: Provenance::new(ConnectionId::new(), "test", id),
            company_id: CompanyId::new(),
            first_name: Some(first.into()),
            middle_name: None,
            last_name: Some("Baker".into()),
            preferred_name: None,
            display_full_name: None,
            employee_number: None,
            work_email: email.map(str::to_owned),
            personal_email: None,
            phone_numbers: Vec::new(),
            date_of_birth: None,
            ssn: None,
            employment_status: EmploymentStatus::Active,
            hire_date: NaiveDate::from_ymd_opt(2026, 3, 2),
            start_date: NaiveDate::from_ymd_opt(2026, 3, 2),
            termination_date: None,
            manager_remote_id: None,
            department_remote_id: None,
            work_location_remote_id: None,
            home_location_remote_id: None,
            custom_fields: Default::default(),
            raw: serde_json::Value::Null.into(),
        }
    }

    fn source(n: u128, e: Employee) -> SourceEmployee {
        SourceEmployee {
            record_id: uuid::Uuid::from_u128(n).into(),
            version: 1,
            employee: e,
            job_title: Some("Baker".into()),
            department: Some("Kitchen".into()),
        }
    }

    fn run(src: &[SourceEmployee], tgt: &[Employee], depts: &[String]) -> HrisPlan {
        plan(&HrisInput {
            source: src,
            target: tgt,
            target_departments: depts,
            source_name: "BambooHR",
            target_name: "Gusto",
        })
    }

    #[test]
    fn a_person_missing_from_payroll_is_created_with_every_field_shown() {
        let src = [
            source(1, person("1", "Ada", Some("Ada@Bluebird.example"))),
            source(2, person("2", "Bo", Some("bo@bluebird.example"))),
        ];
        let tgt = [person("g2", "Bo", Some(" BO@bluebird.example"))];
        let p = run(&src, &tgt, &["kitchen".into()]);
        assert_eq!(p.writes.len(), 1, "{p:?}");
        let w = &p.writes[0];
        assert_eq!(w.action, CREATE);
        assert!(!w.op.affects_pay());
        let WriteOp::CreateEmployee(new) = &w.op else {
            panic!("{w:?}")
        };
        assert_eq!(new.work_email, "Ada@Bluebird.example");
        assert_eq!(new.department.as_deref(), Some("kitchen"));
        assert_eq!(new.job_title.as_deref(), Some("Baker"));
        let fields: Vec<&str> = w.changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "first_name",
                "last_name",
                "work_email",
                "job_title",
                "department",
                "start_date"
            ]
        );
        assert!(w.changes.iter().all(|c| c.before.is_none()));
        assert!(w.notes.is_empty());
        // Deterministic: planning again gives the same key.
        assert_eq!(run(&src, &tgt, &["kitchen".into()]).writes[0], *w);
    }

    #[test]
    fn unknown_departments_missing_emails_and_duplicates_are_explained() {
        let mut dup = person("3", "Cy", Some("ada@bluebird.example"));
        dup.last_name = Some("Other".into());
        let src = [
            source(1, person("1", "Ada", Some("ada@bluebird.example"))),
            source(2, person("2", "Bo", None)),
            source(3, dup),
        ];
        let p = run(&src, &[], &[]);
        assert_eq!(p.writes.len(), 1);
        assert_eq!(p.writes[0].notes.len(), 1, "{:?}", p.writes[0].notes);
        let WriteOp::CreateEmployee(new) = &p.writes[0].op else {
            panic!()
        };
        assert_eq!(new.department, None);
        assert_eq!(p.skipped.len(), 2, "{:?}", p.skipped);
        assert!(p.skipped[0].reason.contains("no work email"));
        assert!(p.skipped[1].reason.contains("shares its work email"));
    }

    #[test]
    fn terminations_are_planned_once_and_affect_pay() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
        let mut gone = person("1", "Ada", Some("ada@bluebird.example"));
        gone.employment_status = EmploymentStatus::Terminated;
        gone.termination_date = Some(d);
        let src = [source(1, gone.clone())];
        let tgt = person("g1", "Ada", Some("ada@bluebird.example"));
        let p = run(&src, std::slice::from_ref(&tgt), &[]);
        assert_eq!(p.writes.len(), 1);
        let w = &p.writes[0];
        assert!(w.op.affects_pay());
        assert_eq!(
            w.op,
            WriteOp::TerminateEmployee {
                remote_id: "g1".into(),
                effective_date: d
            }
        );
        assert_eq!(w.changes[0].before.as_deref(), Some("active"));
        assert_eq!(w.changes[1].after.as_deref(), Some("2026-03-20"));

        // Already terminated that day in payroll: nothing to do.
        let mut done = tgt.clone();
        done.employment_status = EmploymentStatus::Terminated;
        done.termination_date = Some(d);
        assert!(run(&src, &[done.clone()], &[]).writes.is_empty());
        // Terminated on another day: a discrepancy for the owner, not a write.
        done.termination_date = NaiveDate::from_ymd_opt(2026, 2, 1);
        let p = run(&src, &[done], &[]);
        assert!(p.writes.is_empty());
        assert!(p.skipped[0].reason.contains("check which is right"));
        // A leaver never in payroll is not hired.
        assert!(run(&src, &[], &[]).writes.is_empty());
    }
}
