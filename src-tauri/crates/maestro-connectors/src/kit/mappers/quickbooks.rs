//! QuickBooks Online records (the query endpoint's `QueryResponse.<Entity>[]` items: Employee,
//! Vendor, TimeActivity, Department, Class) → canonical records. Members are the XSDs' element
//! names (specs/quickbooks.json transcribes them). Dates are `YYYY-MM-DD`, times ISO 8601 with
//! an offset, rates `xs:decimal` (read exactly, never through a float). QuickBooks' public API
//! holds no pay (pay stubs are its restricted Payroll API), so nothing here is pay: an
//! employee's `BillRate`/`CostRate` and a time activity's `HourlyRate` are what a customer is
//! billed and what the work costs the books, in the company's home currency, which the record
//! does not name; they stay in the raw payload.

use chrono::{DateTime, NaiveDate, Utc};
use maestro_core::model::{
    CanonicalRecord, Contractor, ContractorType, Department, Employee, EmploymentStatus, PhoneKind,
    PhoneNumber, RawPayload, TimeEntry,
};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::hours::from_seconds;
use super::{MapCtx, MapError, bad, decode, non_empty};

/// `ModificationMetaData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Meta {
    last_updated_time: Option<DateTime<Utc>>,
}

/// `ReferenceType`: `{value, name}`.
#[derive(Debug, Deserialize)]
struct Ref {
    value: String,
}

/// `EmailAddress`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Email {
    address: Option<String>,
}

/// `TelephoneNumber`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Phone {
    free_form_number: Option<String>,
}

/// The members of `NameBase` (Employee's and Vendor's base) read here.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Person {
    id: String,
    #[serde(default)]
    meta_data: Option<Meta>,
    given_name: Option<String>,
    middle_name: Option<String>,
    family_name: Option<String>,
    display_name: Option<String>,
    company_name: Option<String>,
    active: Option<bool>,
    primary_email_addr: Option<Email>,
    primary_phone: Option<Phone>,
    mobile: Option<Phone>,
    // Employee
    employee_number: Option<String>,
    birth_date: Option<String>,
    hired_date: Option<String>,
    released_date: Option<String>,
    // Vendor
    vendor1099: Option<bool>,
}

impl Person {
    fn updated(&self) -> Option<DateTime<Utc>> {
        self.meta_data.as_ref().and_then(|m| m.last_updated_time)
    }
    fn email(&self) -> Option<String> {
        self.primary_email_addr
            .as_ref()
            .and_then(|e| non_empty(e.address.as_deref()))
    }
}

/// A strict `YYYY-MM-DD` (`xs:date`; QuickBooks' JSON sends dates without a zone).
fn date(path: &str, text: Option<&str>) -> Result<Option<NaiveDate>, MapError> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| bad(path, format!("`{t}` is not a date (YYYY-MM-DD)")))
}

fn phone(p: Option<&Phone>, kind: PhoneKind) -> Option<PhoneNumber> {
    non_empty(p?.free_form_number.as_deref()).map(|number| PhoneNumber { number, kind })
}

/// The status of an employee released on `released` (if ever) and `active` as QuickBooks says,
/// on `today`: released on a day come is terminated; a release still to come leaves them
/// employed until then (active, unless QuickBooks already made them inactive); never released
/// and inactive is inactive.
fn released_status(
    released: Option<NaiveDate>,
    active: Option<bool>,
    today: NaiveDate,
) -> EmploymentStatus {
    match (released, active) {
        (Some(d), _) if d <= today => EmploymentStatus::Terminated,
        (_, Some(false)) => EmploymentStatus::Inactive,
        _ => EmploymentStatus::Active,
    }
}

/// An Employee → an employee: names, the primary email (QuickBooks holds one: read as the
/// work email, which is what identity matching joins on), phones, employee number, birth date,
/// hired date (as hire and start date) and released date. A released date come makes the
/// person terminated ([`released_status`]); `Active: false` without one, inactive (QuickBooks never deletes an employee,
/// it makes them inactive).
pub fn employee(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let e: Person = decode(raw)?;
    let hired = date("HiredDate", e.hired_date.as_deref())?;
    let released = date("ReleasedDate", e.released_date.as_deref())?;
    let status = released_status(released, e.active, Utc::now().date_naive());
    let first = non_empty(e.given_name.as_deref());
    let last = non_empty(e.family_name.as_deref());
    let full = non_empty(e.display_name.as_deref()).or_else(|| match (&first, &last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.clone().or_else(|| l.clone()),
    });
    let phone_numbers = [
        phone(e.primary_phone.as_ref(), PhoneKind::Work),
        phone(e.mobile.as_ref(), PhoneKind::Mobile),
    ]
    .into_iter()
    .flatten()
    .collect();
    let employee = Employee {
        provenance: ctx.provenance(e.id.clone(), e.updated()),
        company_id: ctx.company_id,
        first_name: first,
        middle_name: non_empty(e.middle_name.as_deref()),
        last_name: last,
        preferred_name: None,
        display_full_name: full,
        employee_number: non_empty(e.employee_number.as_deref()),
        work_email: e.email(),
        personal_email: None,
        phone_numbers,
        date_of_birth: date("BirthDate", e.birth_date.as_deref())?
            .map(maestro_core::sensitive::Sensitive::new),
        ssn: None,
        employment_status: status,
        hire_date: hired,
        start_date: hired,
        termination_date: released,
        manager_remote_id: None,
        department_remote_id: None,
        work_location_remote_id: None,
        home_location_remote_id: None,
        custom_fields: Default::default(),
        raw: RawPayload::from_raw(raw),
    };
    Ok(vec![employee.into()])
}

/// A Vendor tracked for a 1099 (`Vendor1099: true`) → a contractor: a business when it has a
/// company name, else an individual; `Active: false` is inactive. Any other vendor is a
/// supplier, not a person, and gives nothing. The tax id is masked in answers: not read.
pub fn vendor(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let v: Person = decode(raw)?;
    if v.vendor1099 != Some(true) {
        return Ok(Vec::new());
    }
    let business = non_empty(v.company_name.as_deref());
    let contractor = Contractor {
        provenance: ctx.provenance(v.id.clone(), v.updated()),
        company_id: ctx.company_id,
        contractor_type: Some(if business.is_some() {
            ContractorType::Business
        } else {
            ContractorType::Individual
        }),
        first_name: non_empty(v.given_name.as_deref()),
        last_name: non_empty(v.family_name.as_deref()),
        business_name: business.or_else(|| non_empty(v.display_name.as_deref())),
        email: v.email(),
        phone: v
            .primary_phone
            .as_ref()
            .and_then(|p| non_empty(p.free_form_number.as_deref())),
        tax_id: None,
        status: if v.active == Some(false) {
            EmploymentStatus::Inactive
        } else {
            EmploymentStatus::Active
        },
        start_date: None,
        address: None,
        raw: RawPayload::from_raw(raw),
    };
    Ok(vec![contractor.into()])
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Activity {
    id: String,
    #[serde(default)]
    meta_data: Option<Meta>,
    time_zone: Option<String>,
    txn_date: Option<String>,
    name_of: Option<String>,
    employee_ref: Option<Ref>,
    vendor_ref: Option<Ref>,
    customer_ref: Option<Ref>,
    billable_status: Option<String>,
    hours: Option<i64>,
    minutes: Option<i64>,
    seconds: Option<i64>,
    break_hours: Option<i64>,
    break_minutes: Option<i64>,
    break_seconds: Option<i64>,
    start_time: Option<DateTime<Utc>>,
    end_time: Option<DateTime<Utc>>,
    description: Option<String>,
}

/// A TimeActivity → a time entry of the employee or 1099 vendor it names (`NameOf`), on its
/// `TxnDate`. Its length is `Hours`/`Minutes`/`Seconds` when given, else the time between
/// `StartTime` and `EndTime` less the break, in exact hours (6 places). An activity for an
/// "other name" (neither an employee nor a vendor) is nobody's time and gives nothing.
pub fn time_activity(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let a: Activity = decode(raw)?;
    let worker = match a.name_of.as_deref() {
        Some("Employee") => a.employee_ref.as_ref().ok_or_else(|| {
            bad(
                "EmployeeRef",
                "missing on a time activity of an employee".to_owned(),
            )
        })?,
        Some("Vendor") => a.vendor_ref.as_ref().ok_or_else(|| {
            bad(
                "VendorRef",
                "missing on a time activity of a vendor".to_owned(),
            )
        })?,
        Some("Other") => return Ok(Vec::new()),
        Some(other) => {
            return Err(bad(
                "NameOf",
                format!("`{other}` is not Employee, Vendor or Other"),
            ));
        }
        None => match (&a.employee_ref, &a.vendor_ref) {
            (Some(r), _) | (None, Some(r)) => r,
            (None, None) => return Ok(Vec::new()),
        },
    };
    let work_date = date("TxnDate", a.txn_date.as_deref())?
        .ok_or_else(|| bad("TxnDate", "missing".to_owned()))?;
    let negative = |path: &str, v: Option<i64>| match v {
        Some(n) if n < 0 => Err(bad(path, format!("{n} is below zero"))),
        other => Ok(other.unwrap_or(0)),
    };
    let (start, end) = match (a.start_time, a.end_time) {
        (Some(s), Some(e)) => (Some(s), Some(e)),
        _ => (None, None),
    };
    let seconds = if a.hours.is_some() || a.minutes.is_some() || a.seconds.is_some() {
        negative("Hours", a.hours)? * 3600
            + negative("Minutes", a.minutes)? * 60
            + negative("Seconds", a.seconds)?
    } else if let (Some(s), Some(e)) = (start, end) {
        let breaks = negative("BreakHours", a.break_hours)? * 3600
            + negative("BreakMinutes", a.break_minutes)? * 60
            + negative("BreakSeconds", a.break_seconds)?;
        let worked = (e - s).num_seconds() - breaks;
        if worked < 0 {
            return Err(bad(
                "EndTime",
                "is before StartTime (with the break)".to_owned(),
            ));
        }
        worked
    } else {
        return Err(bad(
            "Hours",
            "missing, and no StartTime and EndTime".to_owned(),
        ));
    };
    let hours: Decimal = from_seconds(seconds);
    let entry = TimeEntry {
        provenance: ctx.provenance(a.id.clone(), a.meta_data.and_then(|m| m.last_updated_time)),
        company_id: ctx.company_id,
        employee_remote_id: worker.value.clone(),
        work_date,
        started_at: start,
        ended_at: end,
        time_zone: non_empty(a.time_zone.as_deref()),
        hours,
        project_remote_id: a.customer_ref.as_ref().map(|r| r.value.clone()),
        project_name: None,
        task_name: None,
        client_name: None,
        notes: non_empty(a.description.as_deref()),
        // BillableStatusEnum (Finance.xsd): Billable, NotBillable, HasBeenBilled; billed
        // time was billable time.
        billable: matches!(
            a.billable_status.as_deref(),
            Some("Billable" | "HasBeenBilled")
        ),
        rate: None,
        raw: RawPayload::from_raw(raw),
    };
    Ok(vec![entry.into()])
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Group {
    id: String,
    #[serde(default)]
    meta_data: Option<Meta>,
    name: Option<String>,
    fully_qualified_name: Option<String>,
    parent_ref: Option<Ref>,
}

fn group(ctx: &MapCtx<'_>, raw: &RawValue, prefix: &str) -> Result<Vec<CanonicalRecord>, MapError> {
    let g: Group = decode(raw)?;
    let name = non_empty(g.name.as_deref())
        .or_else(|| non_empty(g.fully_qualified_name.as_deref()))
        .ok_or_else(|| bad("Name", "missing".to_owned()))?;
    let department = Department {
        provenance: ctx.provenance(
            format!("{prefix}{}", g.id),
            g.meta_data.and_then(|m| m.last_updated_time),
        ),
        company_id: ctx.company_id,
        name,
        parent_remote_id: g.parent_ref.map(|r| format!("{prefix}{}", r.value)),
        raw: RawPayload::from_raw(raw),
    };
    Ok(vec![department.into()])
}

/// A Department → a department (its parent by `ParentRef`).
pub fn department(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    group(ctx, raw, "")
}

/// A Class → a department too (QuickBooks' other way of grouping), its id prefixed `class:`
/// so it never meets a Department's id (both number from 1 on their own).
pub fn class(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    group(ctx, raw, "class:")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::test_support::{ctx, raw};
    use super::*;
    use std::str::FromStr;

    #[test]
    fn an_employee_reads_names_email_dates_and_release() {
        let r = raw(
            r#"{"Id":"55","SyncToken":"2","MetaData":{"CreateTime":"2024-01-02T09:00:00-08:00","LastUpdatedTime":"2024-03-04T10:00:00-08:00"},
            "GivenName":"Ada","FamilyName":"Lovelace","DisplayName":"Ada Lovelace","Active":true,
            "PrimaryEmailAddr":{"Address":"ada@example.com"},"Mobile":{"FreeFormNumber":"(555) 010-1234"},
            "HiredDate":"2023-05-01","ReleasedDate":"2024-03-01","BillRate":45.5,"EmployeeNumber":"E-7"}"#,
        );
        let out = employee(&ctx("quickbooks", None), &r).unwrap();
        let CanonicalRecord::Employee(e) = &out[0] else {
            panic!()
        };
        assert_eq!(e.provenance.remote_id, "55");
        assert_eq!(
            e.provenance.remote_modified_at.unwrap().to_rfc3339(),
            "2024-03-04T18:00:00+00:00"
        );
        assert_eq!(e.work_email.as_deref(), Some("ada@example.com"));
        assert_eq!(e.hire_date, NaiveDate::from_ymd_opt(2023, 5, 1));
        assert_eq!(e.termination_date, NaiveDate::from_ymd_opt(2024, 3, 1));
        assert_eq!(e.employment_status, EmploymentStatus::Terminated);
        assert_eq!(e.phone_numbers[0].kind, PhoneKind::Mobile);
        let inactive = raw(r#"{"Id":"1","Active":false,"DisplayName":"X"}"#);
        let CanonicalRecord::Employee(e) =
            &employee(&ctx("quickbooks", None), &inactive).unwrap()[0]
        else {
            panic!()
        };
        assert_eq!(e.employment_status, EmploymentStatus::Inactive);
        let bad_date = raw(r#"{"Id":"1","HiredDate":"05/01/2023"}"#);
        assert_eq!(
            employee(&ctx("quickbooks", None), &bad_date)
                .unwrap_err()
                .path,
            "HiredDate"
        );
    }

    #[test]
    fn only_1099_vendors_are_contractors() {
        let c = ctx("quickbooks", None);
        let supplier = raw(r#"{"Id":"9","DisplayName":"Paper Co","Vendor1099":false}"#);
        assert!(vendor(&c, &supplier).unwrap().is_empty());
        let person = raw(
            r#"{"Id":"10","GivenName":"Sam","FamilyName":"Ode","DisplayName":"Sam Ode","Vendor1099":true,"PrimaryEmailAddr":{"Address":"sam@ode.dev"}}"#,
        );
        let CanonicalRecord::Contractor(k) = &vendor(&c, &person).unwrap()[0] else {
            panic!()
        };
        assert_eq!(k.contractor_type, Some(ContractorType::Individual));
        assert_eq!(k.email.as_deref(), Some("sam@ode.dev"));
    }

    #[test]
    fn time_activities_are_exact_hours_of_their_worker() {
        let c = ctx("quickbooks", None);
        let r = raw(
            r#"{"Id":"3","TxnDate":"2024-06-03","NameOf":"Employee","EmployeeRef":{"value":"55","name":"Ada"},"Hours":7,"Minutes":20,"BillableStatus":"NotBillable"}"#,
        );
        let CanonicalRecord::TimeEntry(t) = &time_activity(&c, &r).unwrap()[0] else {
            panic!()
        };
        assert_eq!(t.employee_remote_id, "55");
        assert_eq!(t.hours, Decimal::from_str("7.333333").unwrap());
        assert!(t.started_at.is_none() && t.ended_at.is_none());
        let spanned = raw(
            r#"{"Id":"4","TxnDate":"2024-06-03","NameOf":"Vendor","VendorRef":{"value":"10"},"StartTime":"2024-06-03T09:00:00-07:00","EndTime":"2024-06-03T17:30:00-07:00","BreakHours":0,"BreakMinutes":30}"#,
        );
        let CanonicalRecord::TimeEntry(t) = &time_activity(&c, &spanned).unwrap()[0] else {
            panic!()
        };
        assert_eq!(t.employee_remote_id, "10");
        assert_eq!(t.hours, Decimal::from(8));
        assert!(t.started_at.is_some());
        let other = raw(
            r#"{"Id":"5","TxnDate":"2024-06-03","NameOf":"Other","OtherNameRef":{"value":"1"},"Hours":1}"#,
        );
        assert!(time_activity(&c, &other).unwrap().is_empty());
        let missing = raw(
            r#"{"Id":"6","TxnDate":"2024-06-03","NameOf":"Employee","EmployeeRef":{"value":"55"}}"#,
        );
        assert_eq!(time_activity(&c, &missing).unwrap_err().path, "Hours");
    }

    #[test]
    fn a_release_still_to_come_leaves_the_person_employed_until_then() {
        let d = |n| NaiveDate::from_ymd_opt(2026, 12, n).unwrap();
        let today = d(7);
        assert_eq!(
            released_status(Some(d(7)), Some(false), today),
            EmploymentStatus::Terminated
        );
        assert_eq!(
            released_status(Some(d(1)), Some(true), today),
            EmploymentStatus::Terminated
        );
        assert_eq!(
            released_status(Some(d(20)), Some(true), today),
            EmploymentStatus::Active
        );
        assert_eq!(
            released_status(Some(d(20)), Some(false), today),
            EmploymentStatus::Inactive
        );
        assert_eq!(
            released_status(None, Some(false), today),
            EmploymentStatus::Inactive
        );
        assert_eq!(released_status(None, None, today), EmploymentStatus::Active);
    }

    #[test]
    fn every_billable_status_of_the_xsd_but_not_billable_is_billable_time() {
        let xsd = include_str!("../../../../maestro-kit/specs/quickbooks/Finance.trimmed.xsd");
        let start = xsd
            .find(r#"<xs:simpleType name="BillableStatusEnum">"#)
            .unwrap();
        let end = start + xsd[start..].find("</xs:simpleType>").unwrap();
        let values: Vec<&str> = xsd[start..end]
            .split(r#"<xs:enumeration value=""#)
            .skip(1)
            .filter_map(|v| v.split('"').next())
            .collect();
        assert_eq!(values.len(), 3, "{values:?}");
        let c = ctx("quickbooks", None);
        for v in values {
            let r = raw(&format!(
                r#"{{"Id":"3","TxnDate":"2024-06-03","NameOf":"Employee","EmployeeRef":{{"value":"55"}},"Hours":1,"BillableStatus":"{v}"}}"#
            ));
            let CanonicalRecord::TimeEntry(t) = &time_activity(&c, &r).unwrap()[0] else {
                panic!()
            };
            assert_eq!(t.billable, v != "NotBillable", "{v}");
        }
    }

    #[test]
    fn classes_and_departments_never_share_an_id() {
        let c = ctx("quickbooks", None);
        let r = raw(r#"{"Id":"1","Name":"Field","ParentRef":{"value":"2"}}"#);
        let CanonicalRecord::Department(d) = &department(&c, &r).unwrap()[0] else {
            panic!()
        };
        let CanonicalRecord::Department(k) = &class(&c, &r).unwrap()[0] else {
            panic!()
        };
        assert_eq!(d.provenance.remote_id, "1");
        assert_eq!(k.provenance.remote_id, "class:1");
        assert_eq!(k.parent_remote_id.as_deref(), Some("class:2"));
    }
}
