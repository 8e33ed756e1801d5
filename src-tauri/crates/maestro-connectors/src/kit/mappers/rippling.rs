//! Rippling REST records (spec `Worker` with its expanded `User`, `Department`, `WorkLocation`,
//! `Compensation`) → canonical records.

use chrono::{DateTime, Utc};
use maestro_core::model::{
    Address, CanonicalRecord, Compensation, Department, Employee, EmploymentStatus, Location,
    LocationType, PayPeriod, RawPayload,
};
use maestro_core::money::{Currency, Money};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{MapCtx, MapError, bad, date_prefix, decode, non_empty};

/// When a record last changed: an RFC 3339 instant, else unknown (the spec gives no format).
fn instant(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
        .map(|d| d.with_timezone(&Utc))
}

#[derive(Debug, Deserialize)]
struct Worker {
    id: String,
    updated_at: Option<String>,
    user: Option<User>,
    manager_id: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    number: Option<i64>,
    work_email: Option<String>,
    personal_email: Option<String>,
    status: Option<String>,
    location: Option<WorkerLocation>,
    department_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct User {
    name: Option<UserName>,
    display_name: Option<String>,
    #[serde(default)]
    emails: Vec<Email>,
}

#[derive(Debug, Deserialize)]
struct UserName {
    formatted: Option<String>,
    given_name: Option<String>,
    middle_name: Option<String>,
    family_name: Option<String>,
    preferred_given_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Email {
    value: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WorkerLocation {
    #[serde(rename = "type")]
    kind: Option<String>,
    work_location_id: Option<String>,
}

/// A worker → an employee. Names come from the expanded user (`expand=user`); the work email
/// is the worker's, else the user's email marked `WORK`. `INIT`, `HIRED` and `ACCEPTED` are
/// hires not started yet; a remote worker has no work location.
pub fn worker(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let w: Worker = decode(raw)?;
    let status = match w.status.as_deref() {
        Some("TERMINATED") => EmploymentStatus::Terminated,
        Some("INIT" | "HIRED" | "ACCEPTED") => EmploymentStatus::Pending,
        _ => EmploymentStatus::Active,
    };
    let user = w.user.as_ref();
    let name = user.and_then(|u| u.name.as_ref());
    let first = name.and_then(|n| non_empty(n.given_name.as_deref()));
    let last = name.and_then(|n| non_empty(n.family_name.as_deref()));
    let full = name
        .and_then(|n| non_empty(n.formatted.as_deref()))
        .or_else(|| user.and_then(|u| non_empty(u.display_name.as_deref())))
        .or_else(|| match (&first, &last) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (f, l) => f.clone().or_else(|| l.clone()),
        });
    let work_email = non_empty(w.work_email.as_deref()).or_else(|| {
        user.into_iter()
            .flat_map(|u| &u.emails)
            .find(|e| e.kind.as_deref() == Some("WORK"))
            .and_then(|e| non_empty(e.value.as_deref()))
    });
    let work_location = w
        .location
        .as_ref()
        .filter(|l| l.kind.as_deref() != Some("REMOTE"))
        .and_then(|l| non_empty(l.work_location_id.as_deref()));
    let employee = Employee {
        provenance: ctx.provenance(w.id, instant(w.updated_at.as_deref())),
        company_id: ctx.company_id,
        first_name: first,
        middle_name: name.and_then(|n| non_empty(n.middle_name.as_deref())),
        last_name: last,
        preferred_name: name.and_then(|n| non_empty(n.preferred_given_name.as_deref())),
        display_full_name: full,
        employee_number: w.number.map(|n| n.to_string()),
        work_email,
        personal_email: non_empty(w.personal_email.as_deref()),
        phone_numbers: Vec::new(),
        date_of_birth: None,
        ssn: None,
        employment_status: status,
        hire_date: None,
        start_date: date_prefix("start_date", w.start_date.as_deref())?,
        termination_date: date_prefix("end_date", w.end_date.as_deref())?,
        manager_remote_id: non_empty(w.manager_id.as_deref()),
        department_remote_id: non_empty(w.department_id.as_deref()),
        work_location_remote_id: work_location,
        home_location_remote_id: None,
        custom_fields: Default::default(),
        raw: RawPayload::from_raw(raw),
    };
    Ok(vec![employee.into()])
}

#[derive(Debug, Deserialize)]
struct Dept {
    id: String,
    updated_at: Option<String>,
    name: String,
    parent_id: Option<String>,
}

/// A department → a department (nested under its parent).
pub fn department(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let d: Dept = decode(raw)?;
    Ok(vec![
        Department {
            provenance: ctx.provenance(d.id, instant(d.updated_at.as_deref())),
            company_id: ctx.company_id,
            name: d.name,
            parent_remote_id: non_empty(d.parent_id.as_deref()),
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[derive(Debug, Deserialize)]
struct Site {
    id: String,
    updated_at: Option<String>,
    name: Option<String>,
    address: Option<PostalAddress>,
}

#[derive(Debug, Deserialize)]
struct PostalAddress {
    street_address: Option<String>,
    locality: Option<String>,
    region: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
}

/// A work location → a work location. The street address may span lines (SCIM): the first is
/// the first street line, the rest the second.
pub fn work_location(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let s: Site = decode(raw)?;
    let address = s
        .address
        .map(|a| {
            let street = a.street_address.unwrap_or_default();
            let mut lines = street.lines().map(str::trim).filter(|l| !l.is_empty());
            let street_1 = lines.next().map(str::to_owned);
            let rest: Vec<&str> = lines.collect();
            Address {
                street_1,
                street_2: non_empty(Some(&rest.join(", "))),
                city: non_empty(a.locality.as_deref()),
                state: non_empty(a.region.as_deref()),
                postal_code: non_empty(a.postal_code.as_deref()),
                country: non_empty(a.country.as_deref()),
            }
        })
        .unwrap_or_default();
    Ok(vec![
        Location {
            provenance: ctx.provenance(s.id, instant(s.updated_at.as_deref())),
            company_id: ctx.company_id,
            name: non_empty(s.name.as_deref()),
            location_type: Some(LocationType::Work),
            address,
            time_zone: None,
            phone: None,
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[derive(Debug, Deserialize)]
struct Pay {
    id: String,
    created_at: Option<String>,
    updated_at: Option<String>,
    worker_id: Option<String>,
    annual_compensation: Option<Amount>,
    hourly_wage: Option<Amount>,
    monthly_compensation: Option<Amount>,
    weekly_compensation: Option<Amount>,
    payment_type: Option<String>,
    salary_effective_date: Option<String>,
}

/// The spec's `Currency`: a code and a JSON number, read from its text (never a float).
#[derive(Debug, Deserialize)]
struct Amount {
    currency_type: Option<String>,
    value: Option<Box<RawValue>>,
}

impl Amount {
    fn money(&self, path: &str) -> Result<Option<Money>, MapError> {
        let (Some(code), Some(value)) = (self.currency_type.as_deref(), self.value.as_deref())
        else {
            return Ok(None);
        };
        let currency = Currency::from_code_ignore_case(code)
            .map_err(|e| bad(&format!("{path}.currency_type"), e.to_string()))?;
        let text = value.get().trim();
        let amount = Money::parse(text, currency)
            .map(|m| m.amount)
            .or_else(|_| Decimal::from_scientific(text))
            .map_err(|_| {
                bad(
                    &format!("{path}.value"),
                    format!("`{text}` is not an amount"),
                )
            })?;
        Ok(Some(Money::new(amount, currency)))
    }
}

/// A compensation → the worker's current rate. An hourly `payment_type` takes the hourly
/// wage; otherwise the annual compensation, then the hourly, monthly or weekly figure, in
/// that order (the spec's `payment_type` is free text). Effective from
/// `salary_effective_date`, else the day Rippling recorded it. Nothing when no amount is set.
pub fn compensation(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let c: Pay = decode(raw)?;
    let hourly_first = c
        .payment_type
        .as_deref()
        .is_some_and(|t| t.to_ascii_uppercase().contains("HOUR"));
    let mut candidates = vec![
        (
            "annual_compensation",
            &c.annual_compensation,
            PayPeriod::Year,
        ),
        ("hourly_wage", &c.hourly_wage, PayPeriod::Hour),
        (
            "monthly_compensation",
            &c.monthly_compensation,
            PayPeriod::Month,
        ),
        (
            "weekly_compensation",
            &c.weekly_compensation,
            PayPeriod::Week,
        ),
    ];
    if hourly_first {
        candidates.swap(0, 1);
    }
    let mut chosen = None;
    for (path, amount, period) in candidates {
        if let Some(a) = amount
            && let Some(m) = a.money(path)?
        {
            chosen = Some((m, period));
            break;
        }
    }
    let Some((rate, period)) = chosen else {
        return Ok(Vec::new());
    };
    let worker = non_empty(c.worker_id.as_deref())
        .ok_or_else(|| bad("worker_id", "a compensation without its worker"))?;
    let effective = match date_prefix("salary_effective_date", c.salary_effective_date.as_deref())?
    {
        Some(d) => d,
        None => date_prefix("created_at", c.created_at.as_deref())?.ok_or_else(|| {
            bad(
                "salary_effective_date",
                "no effective date nor creation date",
            )
        })?,
    };
    Ok(vec![
        Compensation {
            provenance: ctx.provenance(c.id, instant(c.updated_at.as_deref())),
            company_id: ctx.company_id,
            employee_remote_id: worker,
            employment_remote_id: None,
            effective_date: effective,
            rate,
            period,
            flsa_status: None,
            reason: None,
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    use super::super::test_support::raw;

    fn ctx() -> MapCtx<'static> {
        super::super::test_support::ctx("rippling", None)
    }

    #[test]
    fn a_worker_takes_its_names_from_its_user_and_its_email_from_itself() {
        let w = raw(
            r#"{"id":"w1","created_at":"2024-01-02T03:04:05Z","updated_at":"2026-03-01T10:00:00+01:00","user_id":"u1","user":{"id":"u1","created_at":"x","updated_at":"x","name":{"given_name":"Ana María","family_name":"López","preferred_given_name":"Ana"},"emails":[{"value":"ana@home.test","type":"HOME"}]},"work_email":"ana@acme.test","number":17,"status":"ACTIVE","start_date":"2024-02-01","location":{"type":"WORK","work_location_id":"loc1"},"department_id":"d1","manager_id":"w0"}"#,
        );
        let CanonicalRecord::Employee(e) = &worker(&ctx(), &w).unwrap()[0] else {
            panic!()
        };
        assert_eq!(e.first_name.as_deref(), Some("Ana María"));
        assert_eq!(e.last_name.as_deref(), Some("López"));
        assert_eq!(e.display_full_name.as_deref(), Some("Ana María López"));
        assert_eq!(e.preferred_name.as_deref(), Some("Ana"));
        assert_eq!(e.work_email.as_deref(), Some("ana@acme.test"));
        assert_eq!(e.employee_number.as_deref(), Some("17"));
        assert_eq!(e.employment_status, EmploymentStatus::Active);
        assert_eq!(e.start_date.unwrap().to_string(), "2024-02-01");
        assert_eq!(e.work_location_remote_id.as_deref(), Some("loc1"));
        assert_eq!(e.department_remote_id.as_deref(), Some("d1"));
        assert_eq!(e.manager_remote_id.as_deref(), Some("w0"));
        assert_eq!(
            e.provenance.remote_modified_at.unwrap().to_rfc3339(),
            "2026-03-01T09:00:00+00:00"
        );
    }

    #[test]
    fn hires_not_started_are_pending_and_leavers_terminated_remote_workers_have_no_site() {
        let hired = raw(
            r#"{"id":"w2","status":"ACCEPTED","user":{"emails":[{"value":"bo@acme.test","type":"WORK"}]},"location":{"type":"REMOTE","work_location_id":""}}"#,
        );
        let CanonicalRecord::Employee(e) = &worker(&ctx(), &hired).unwrap()[0] else {
            panic!()
        };
        assert_eq!(e.employment_status, EmploymentStatus::Pending);
        assert_eq!(e.work_email.as_deref(), Some("bo@acme.test"));
        assert_eq!(e.work_location_remote_id, None);
        let gone = raw(r#"{"id":"w3","status":"TERMINATED","end_date":"2026-01-31"}"#);
        let CanonicalRecord::Employee(e) = &worker(&ctx(), &gone).unwrap()[0] else {
            panic!()
        };
        assert_eq!(e.employment_status, EmploymentStatus::Terminated);
        assert_eq!(e.termination_date.unwrap().to_string(), "2026-01-31");
    }

    #[test]
    fn a_bad_date_is_named() {
        let bad = raw(r#"{"id":"w4","start_date":"soon"}"#);
        assert_eq!(worker(&ctx(), &bad).unwrap_err().path, "start_date");
    }

    #[test]
    fn compensation_is_exact_and_hourly_when_paid_by_the_hour() {
        let salaried = raw(
            r#"{"id":"c1","created_at":"2024-01-02T00:00:00Z","updated_at":"2024-01-02T00:00:00Z","worker_id":"w1","annual_compensation":{"currency_type":"USD","value":85000.10},"hourly_wage":{"currency_type":"USD","value":40.87},"payment_type":"SALARY","salary_effective_date":"2025-07-01"}"#,
        );
        let CanonicalRecord::Compensation(c) = &compensation(&ctx(), &salaried).unwrap()[0] else {
            panic!()
        };
        assert_eq!(c.rate.amount, Decimal::new(8_500_010, 2));
        assert_eq!(c.rate.currency.code(), "USD");
        assert_eq!(c.period, PayPeriod::Year);
        assert_eq!(c.effective_date.to_string(), "2025-07-01");
        assert_eq!(c.employee_remote_id, "w1");
        let hourly = raw(
            r#"{"id":"c2","created_at":"2024-03-04T00:00:00Z","updated_at":"x","worker_id":"w2","annual_compensation":{"currency_type":"EUR","value":45760},"hourly_wage":{"currency_type":"EUR","value":22.0},"payment_type":"HOURLY"}"#,
        );
        let CanonicalRecord::Compensation(c) = &compensation(&ctx(), &hourly).unwrap()[0] else {
            panic!()
        };
        assert_eq!(c.rate.amount, Decimal::new(220, 1));
        assert_eq!(c.period, PayPeriod::Hour);
        assert_eq!(c.effective_date.to_string(), "2024-03-04");
        let none = raw(r#"{"id":"c3","created_at":"x","updated_at":"x","worker_id":"w3"}"#);
        assert!(compensation(&ctx(), &none).unwrap().is_empty());
        let wrong = raw(
            r#"{"id":"c4","worker_id":"w4","annual_compensation":{"currency_type":"DOLLARS","value":1}}"#,
        );
        assert_eq!(
            compensation(&ctx(), &wrong).unwrap_err().path,
            "annual_compensation.currency_type"
        );
    }

    #[test]
    fn departments_nest_and_sites_split_their_street() {
        let d = raw(
            r#"{"id":"d2","created_at":"x","updated_at":"x","name":"Kitchen","parent_id":"d1"}"#,
        );
        let CanonicalRecord::Department(d) = &department(&ctx(), &d).unwrap()[0] else {
            panic!()
        };
        assert_eq!(
            (d.name.as_str(), d.parent_remote_id.as_deref()),
            ("Kitchen", Some("d1"))
        );
        let s = raw(
            r#"{"id":"l1","created_at":"x","updated_at":"x","name":"Main","address":{"street_address":"1 Main St\nSuite 4","locality":"Austin","region":"TX","postal_code":"78701","country":"US"}}"#,
        );
        let CanonicalRecord::Location(l) = &work_location(&ctx(), &s).unwrap()[0] else {
            panic!()
        };
        assert_eq!(l.address.street_1.as_deref(), Some("1 Main St"));
        assert_eq!(l.address.street_2.as_deref(), Some("Suite 4"));
        assert_eq!(l.address.city.as_deref(), Some("Austin"));
        assert_eq!(l.address.country.as_deref(), Some("US"));
    }
}
