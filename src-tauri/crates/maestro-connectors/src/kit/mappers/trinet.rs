//! TriNet records (`company/{companyId}/employees?viewType=All`, `…/departments`,
//! `…/locations`) → canonical records. TriNet publishes no machine-readable spec: the members
//! read are the ones its API pages document (specs/trinet.json says which and where), and the
//! department and location members are that transcription's assumptions. TriNet returns no
//! pay with these records and no document we could read gives `pay-info`'s members, so the
//! employments carry no pay. Its `datetime` members have no documented format: the date is
//! read from a leading `YYYY-MM-DD`.

use maestro_core::model::{
    Address, CanonicalRecord, Department, Employee, Employment, EmploymentStatus, EmploymentType,
    FlsaStatus, Location, LocationType, RawPayload,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{MapCtx, MapError, bad, date_prefix, decode, non_empty};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Name {
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    name_type: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Dept {
    #[serde(rename = "deptId")]
    dept_id: Option<String>,
}

/// The employee's `location`: the documented template spells it `locationtId`; ChartHop reads
/// `locationName`, so both spellings are read.
#[derive(Debug, Deserialize)]
struct Site {
    #[serde(rename = "locationId", alias = "locationtId")]
    location_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Job {
    effective_date: Option<String>,
    regular_temporary: Option<String>,
    service_date: Option<String>,
    termination_date: Option<String>,
    flsa_code: Option<String>,
    employment_status: Option<String>,
    employee_type: Option<String>,
    business_title: Option<String>,
    work_email: Option<String>,
    location: Option<Site>,
    department: Option<Dept>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Worker {
    employee_id: String,
    alternate_id: Option<String>,
    #[serde(default)]
    names: Vec<Name>,
    #[serde(default)]
    employment_info: Job,
}

/// `nameType` is documented as `primary#preferred`; ChartHop's sync filters on `PRI` / `PRF`.
fn is_kind(n: &Name, short: &str, long: &str) -> bool {
    n.name_type
        .as_deref()
        .map(|t| t.trim().to_ascii_lowercase())
        .is_some_and(|t| t == short || t == long)
}

/// TriNet's status codes (`A#D#L#P#S#T#U`, PeopleSoft's: active, deceased, leave, paid leave,
/// suspended, terminated, terminated with pay). An unknown code is an error naming it.
fn status(code: Option<&str>) -> Result<EmploymentStatus, MapError> {
    Ok(match code.map(str::trim) {
        None | Some("") | Some("A") => EmploymentStatus::Active,
        Some("L" | "P" | "S") => EmploymentStatus::Inactive,
        Some("T" | "U" | "D") => EmploymentStatus::Terminated,
        Some(other) => {
            return Err(bad(
                "employmentInfo.employmentStatus",
                format!("`{other}` is not one of A, D, L, P, S, T, U"),
            ));
        }
    })
}

/// An employee → an employee: the primary name (else the first), the work email, the status
/// code, the service date as hire and start date, the termination date, department and
/// location ids. The manager is not in the documented employee (left unknown).
pub fn employee(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let w: Worker = decode(raw)?;
    let job = &w.employment_info;
    let primary = w
        .names
        .iter()
        .find(|n| is_kind(n, "pri", "primary"))
        .or_else(|| w.names.first());
    let preferred = w
        .names
        .iter()
        .find(|n| is_kind(n, "prf", "preferred"))
        .and_then(|n| non_empty(n.first_name.as_deref()));
    let first = primary.and_then(|n| non_empty(n.first_name.as_deref()));
    let last = primary.and_then(|n| non_empty(n.last_name.as_deref()));
    let full = match (&first, &last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.clone().or_else(|| l.clone()),
    };
    let hired = date_prefix("employmentInfo.serviceDate", job.service_date.as_deref())?;
    let ended = date_prefix(
        "employmentInfo.terminationDate",
        job.termination_date.as_deref(),
    )?;
    let mut employee_status = status(job.employment_status.as_deref())?;
    if employee_status == EmploymentStatus::Active && ended.is_some() {
        employee_status = EmploymentStatus::Terminated;
    }
    let employee = Employee {
        provenance: ctx.provenance(w.employee_id.clone(), None),
        company_id: ctx.company_id,
        first_name: first,
        middle_name: primary.and_then(|n| non_empty(n.middle_name.as_deref())),
        last_name: last,
        preferred_name: preferred,
        display_full_name: full,
        employee_number: non_empty(w.alternate_id.as_deref()),
        work_email: non_empty(job.work_email.as_deref()),
        personal_email: None,
        phone_numbers: Vec::new(),
        date_of_birth: None,
        ssn: None,
        employment_status: employee_status,
        hire_date: hired,
        start_date: hired,
        termination_date: ended,
        manager_remote_id: None,
        department_remote_id: job
            .department
            .as_ref()
            .and_then(|d| non_empty(d.dept_id.as_deref())),
        work_location_remote_id: job
            .location
            .as_ref()
            .and_then(|l| non_empty(l.location_id.as_deref())),
        home_location_remote_id: None,
        custom_fields: Default::default(),
        raw: RawPayload::from_raw(raw),
    };
    Ok(vec![employee.into()])
}

/// TriNet's FLSA codes (`C#Z#T#N`): `N` is non-exempt; the others name exempt categories in
/// PeopleSoft's list (C computer professional, …), so they read as exempt. Unknown → none.
fn flsa(code: Option<&str>) -> Option<FlsaStatus> {
    match code?.trim() {
        "N" => Some(FlsaStatus::NonExempt),
        "C" | "Z" | "T" => Some(FlsaStatus::Exempt),
        _ => None,
    }
}

/// `employeeType` (`fulltime#parttime`) and `regularTemporary` (`Regular#Temporary`).
fn employment_type(kind: Option<&str>, regular: Option<&str>) -> Option<EmploymentType> {
    if regular.is_some_and(|r| r.trim().eq_ignore_ascii_case("temporary")) {
        return Some(EmploymentType::Temporary);
    }
    let t = kind?
        .trim()
        .to_ascii_lowercase()
        .replace(['-', '_', ' '], "");
    match t.as_str() {
        "fulltime" | "f" | "ft" => Some(EmploymentType::FullTime),
        "parttime" | "p" | "pt" => Some(EmploymentType::PartTime),
        _ => None,
    }
}

/// An employee's `employmentInfo` → an employment (its id the employee's: TriNet gives the job
/// no id of its own), effective from its `effectiveDate`, with the title, FLSA status and type.
/// No pay: see the module's note.
pub fn employment(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let w: Worker = decode(raw)?;
    let job = &w.employment_info;
    Ok(vec![
        Employment {
            provenance: ctx.provenance(w.employee_id.clone(), None),
            company_id: ctx.company_id,
            employee_remote_id: w.employee_id.clone(),
            job_title: non_empty(job.business_title.as_deref()),
            pay_rate: None,
            pay_period: None,
            pay_frequency: None,
            flsa_status: flsa(job.flsa_code.as_deref()),
            employment_type: employment_type(
                job.employee_type.as_deref(),
                job.regular_temporary.as_deref(),
            ),
            effective_date: date_prefix(
                "employmentInfo.effectiveDate",
                job.effective_date.as_deref(),
            )?,
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[derive(Debug, Deserialize)]
struct Team {
    #[serde(rename = "deptId")]
    dept_id: String,
    #[serde(rename = "deptName")]
    dept_name: Option<String>,
}

/// A department → a department (no parent documented); a nameless one is named by its id.
pub fn department(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let d: Team = decode(raw)?;
    Ok(vec![
        Department {
            provenance: ctx.provenance(d.dept_id.clone(), None),
            company_id: ctx.company_id,
            name: non_empty(d.dept_name.as_deref()).unwrap_or_else(|| d.dept_id.clone()),
            parent_remote_id: None,
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Place {
    #[serde(alias = "locationtId")]
    location_id: String,
    #[serde(alias = "locationtName")]
    location_name: Option<String>,
    address1: Option<String>,
    address2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
}

/// A location → a work location with its address.
pub fn location(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let l: Place = decode(raw)?;
    Ok(vec![
        Location {
            provenance: ctx.provenance(l.location_id.clone(), None),
            company_id: ctx.company_id,
            name: non_empty(l.location_name.as_deref()),
            location_type: Some(LocationType::Work),
            address: Address {
                street_1: non_empty(l.address1.as_deref()),
                street_2: non_empty(l.address2.as_deref()),
                city: non_empty(l.city.as_deref()),
                state: non_empty(l.state.as_deref()),
                postal_code: non_empty(l.postal_code.as_deref()),
                country: non_empty(l.country.as_deref()),
            },
            time_zone: None,
            phone: None,
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    use super::super::test_support::raw;

    fn ctx() -> MapCtx<'static> {
        super::super::test_support::ctx("trinet", None)
    }

    /// The documented template's shape (apidocs.trinet.com "All Employee Details").
    const WORKER: &str = r#"{
        "employeeId": "00012345", "alternateId": "E-7",
        "names": [
            {"nameType": "PRF", "firstName": "Annie", "lastName": "Rivera"},
            {"effectiveDate": "2021-03-15", "nameType": "PRI", "firstName": "Ana",
             "middleName": "Luz", "lastName": "Rivera"}
        ],
        "employmentInfo": {
            "effectiveDate": "2023-01-01T00:00:00", "regularTemporary": "Regular",
            "serviceDate": "2021-03-15", "terminationDate": null, "standardHours": 40,
            "flsaCode": "N", "employmentStatus": "A", "employeeType": "parttime",
            "businessTitle": "Baker", "workEmail": "ana.rivera@bluebird.example",
            "location": {"locationtId": "SF1", "locationtName": "Mission"},
            "department": {"deptName": "Kitchen", "deptId": "100"}
        }
    }"#;

    fn one(records: Vec<CanonicalRecord>) -> CanonicalRecord {
        assert_eq!(records.len(), 1);
        records.into_iter().next().unwrap()
    }

    #[test]
    fn an_employee_takes_the_primary_name_the_work_email_and_its_department_and_location() {
        let CanonicalRecord::Employee(e) = one(employee(&ctx(), &raw(WORKER)).unwrap()) else {
            panic!("not an employee");
        };
        assert_eq!(e.provenance.remote_id, "00012345");
        assert_eq!(e.first_name.as_deref(), Some("Ana"));
        assert_eq!(e.middle_name.as_deref(), Some("Luz"));
        assert_eq!(e.preferred_name.as_deref(), Some("Annie"));
        assert_eq!(e.display_full_name.as_deref(), Some("Ana Rivera"));
        assert_eq!(e.work_email.as_deref(), Some("ana.rivera@bluebird.example"));
        assert_eq!(e.employee_number.as_deref(), Some("E-7"));
        assert_eq!(e.employment_status, EmploymentStatus::Active);
        assert_eq!(e.hire_date, NaiveDate::from_ymd_opt(2021, 3, 15));
        assert_eq!(e.termination_date, None);
        // The template's `locationtId` spelling is read as the id.
        assert_eq!(e.work_location_remote_id.as_deref(), Some("SF1"));
        assert_eq!(e.department_remote_id.as_deref(), Some("100"));
    }

    #[test]
    fn status_codes_and_termination_dates_read_as_documented_and_unknown_codes_are_named() {
        let with = |code: &str, end: &str| {
            WORKER
                .replace(
                    "\"employmentStatus\": \"A\"",
                    &format!("\"employmentStatus\": \"{code}\""),
                )
                .replace(
                    "\"terminationDate\": null",
                    &format!("\"terminationDate\": {end}"),
                )
        };
        let status_of = |text: String| match one(employee(&ctx(), &raw(&text)).unwrap()) {
            CanonicalRecord::Employee(e) => (e.employment_status, e.termination_date),
            _ => panic!(),
        };
        let end = NaiveDate::from_ymd_opt(2024, 5, 31);
        assert_eq!(
            status_of(with("T", "\"2024-05-31\"")),
            (EmploymentStatus::Terminated, end)
        );
        assert_eq!(status_of(with("L", "null")).0, EmploymentStatus::Inactive);
        assert_eq!(status_of(with("U", "null")).0, EmploymentStatus::Terminated);
        // Active with a termination date: the date wins.
        assert_eq!(
            status_of(with("A", "\"2024-05-31\"")).0,
            EmploymentStatus::Terminated
        );
        let e = employee(&ctx(), &raw(&with("X", "null"))).unwrap_err();
        assert_eq!(e.path, "employmentInfo.employmentStatus");
        let e = employee(&ctx(), &raw(&with("A", "\"31/05/2024\""))).unwrap_err();
        assert_eq!(e.path, "employmentInfo.terminationDate");
    }

    #[test]
    fn the_job_becomes_an_employment_with_title_flsa_and_type_and_no_pay() {
        let CanonicalRecord::Employment(j) = one(employment(&ctx(), &raw(WORKER)).unwrap()) else {
            panic!("not an employment");
        };
        assert_eq!(j.employee_remote_id, "00012345");
        assert_eq!(j.job_title.as_deref(), Some("Baker"));
        assert_eq!(j.flsa_status, Some(FlsaStatus::NonExempt));
        assert_eq!(j.employment_type, Some(EmploymentType::PartTime));
        assert_eq!(j.effective_date, NaiveDate::from_ymd_opt(2023, 1, 1));
        assert_eq!(j.pay_rate, None);
        let exempt_temp = WORKER
            .replace("\"flsaCode\": \"N\"", "\"flsaCode\": \"C\"")
            .replace("\"Regular\"", "\"Temporary\"");
        let CanonicalRecord::Employment(j) = one(employment(&ctx(), &raw(&exempt_temp)).unwrap())
        else {
            panic!();
        };
        assert_eq!(j.flsa_status, Some(FlsaStatus::Exempt));
        assert_eq!(j.employment_type, Some(EmploymentType::Temporary));
    }

    #[test]
    fn departments_and_locations_keep_their_ids_names_and_address() {
        let CanonicalRecord::Department(d) =
            one(department(&ctx(), &raw(r#"{"deptId": "100", "deptName": "Kitchen"}"#)).unwrap())
        else {
            panic!();
        };
        assert_eq!(
            (d.provenance.remote_id.as_str(), d.name.as_str()),
            ("100", "Kitchen")
        );
        let site = r#"{"locationId": "SF1", "locationName": "Mission Café", "address1": "1 Valencia St",
            "address2": "", "city": "San Francisco", "state": "CA", "postalCode": "94103", "country": "USA"}"#;
        let CanonicalRecord::Location(l) = one(location(&ctx(), &raw(site)).unwrap()) else {
            panic!();
        };
        assert_eq!(l.provenance.remote_id, "SF1");
        assert_eq!(l.name.as_deref(), Some("Mission Café"));
        assert_eq!(l.address.street_1.as_deref(), Some("1 Valencia St"));
        assert_eq!(l.address.street_2, None);
        assert_eq!(l.address.postal_code.as_deref(), Some("94103"));
        let e = location(&ctx(), &raw(r#"{"locationName": "x"}"#)).unwrap_err();
        assert!(e.message.contains("locationId"), "{e:?}");
    }
}
