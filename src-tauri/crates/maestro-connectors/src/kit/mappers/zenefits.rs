//! Zenefits (TriNet HR Platform) core records (`core/people`, `core/employments`,
//! `core/departments`, `core/locations`) → canonical records. Zenefits publishes no
//! machine-readable spec: the fields read are the documented lists (shared/specs/zenefits/
//! facts.md, from Airbyte's source-zenefits manifest and go-zenefits).

use maestro_core::model::{
    Address, CanonicalRecord, Department, Employee, Employment, EmploymentStatus, EmploymentType,
    FlsaStatus, Location, LocationType, PayPeriod, RawPayload,
};
use maestro_core::money::{Currency, Money};
use maestro_core::sensitive::Sensitive;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{MapCtx, MapError, bad, date_prefix, decode, non_empty};

/// A related record as Zenefits nests it: `{object, ref_object, url}` (facts.md).
#[derive(Debug, Deserialize)]
struct Ref {
    url: Option<String>,
}

/// The related record's id: the last segment of its URL's path
/// (`https://api.zenefits.com/core/departments/42` → `42`).
fn ref_id(r: Option<&Ref>) -> Option<String> {
    let url = r?.url.as_deref()?.trim();
    let path = url.split(['?', '#']).next()?;
    non_empty(path.trim_end_matches('/').rsplit('/').next())
}

/// An id the docs show as a string; a JSON number is read too.
fn id_text(raw: &RawValue) -> String {
    let t = raw.get().trim();
    serde_json::from_str::<String>(t).unwrap_or_else(|_| t.to_owned())
}

/// The person's payload without `social_security_number` (documented on people; never kept
/// locally: the canonical record has no use for it).
fn without_ssn(raw: &RawValue) -> RawPayload {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw.get()) {
        Ok(mut m) if m.contains_key("social_security_number") => {
            m.remove("social_security_number");
            RawPayload::from_value(&serde_json::Value::Object(m))
        }
        _ => RawPayload::from_raw(raw),
    }
}

#[derive(Debug, Deserialize)]
struct Person {
    id: Box<RawValue>,
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    preferred_name: Option<String>,
    work_email: Option<String>,
    personal_email: Option<String>,
    status: Option<String>,
    employee_number: Option<Box<RawValue>>,
    date_of_birth: Option<String>,
    department: Option<Ref>,
    location: Option<Ref>,
    manager: Option<Ref>,
}

/// A person → an employee. Department, location and manager ids come from their reference
/// URLs. Status: `terminated`/`deleted` ended, `requested`/`setup` not started, `leave_of_absence`
/// inactive, anything else active (the docs list no values; these are the words Zenefits'
/// people screens use, unverified). Dates of employment are on employments, not here.
pub fn person(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let p: Person = decode(raw)?;
    let status = match p.status.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("terminated" | "deleted") => EmploymentStatus::Terminated,
        Some("requested" | "setup") => EmploymentStatus::Pending,
        Some("leave_of_absence") => EmploymentStatus::Inactive,
        _ => EmploymentStatus::Active,
    };
    let first = non_empty(p.first_name.as_deref());
    let last = non_empty(p.last_name.as_deref());
    let full = match (&first, &last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.clone().or_else(|| l.clone()),
    };
    let employee = Employee {
        provenance: ctx.provenance(id_text(&p.id), None),
        company_id: ctx.company_id,
        first_name: first,
        middle_name: non_empty(p.middle_name.as_deref()),
        last_name: last,
        preferred_name: non_empty(p.preferred_name.as_deref()),
        display_full_name: full,
        employee_number: p
            .employee_number
            .as_deref()
            .map(id_text)
            .filter(|n| n != "null"),
        work_email: non_empty(p.work_email.as_deref()),
        personal_email: non_empty(p.personal_email.as_deref()),
        phone_numbers: Vec::new(),
        date_of_birth: date_prefix("date_of_birth", p.date_of_birth.as_deref())?
            .map(Sensitive::new),
        ssn: None,
        employment_status: status,
        hire_date: None,
        start_date: None,
        termination_date: None,
        manager_remote_id: ref_id(p.manager.as_ref()),
        department_remote_id: ref_id(p.department.as_ref()),
        work_location_remote_id: ref_id(p.location.as_ref()),
        home_location_remote_id: None,
        custom_fields: Default::default(),
        raw: without_ssn(raw),
    };
    Ok(vec![employee.into()])
}

#[derive(Debug, Deserialize)]
struct Job {
    id: Box<RawValue>,
    person: Option<Ref>,
    hire_date: Option<String>,
    employment_type: Option<String>,
    comp_type: Option<String>,
    pay_rate: Option<Box<RawValue>>,
    annual_salary: Option<Box<RawValue>>,
    is_flsa_exempt: Option<bool>,
}

/// An amount as Zenefits sends it (a string in Airbyte's schema, a number read too), exact.
/// The docs name no currency: Zenefits serves US employers only, so USD.
fn usd(path: &str, raw: Option<&RawValue>) -> Result<Option<Money>, MapError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let text = id_text(raw);
    let text = text.trim();
    if text.is_empty() || text == "null" {
        return Ok(None);
    }
    let amount = Money::parse(text, Currency::USD)
        .map(|m| m.amount)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| bad(path, format!("`{text}` is not an amount")))?;
    Ok(Some(Money::new(amount, Currency::USD)))
}

/// Zenefits' employment type, as a code (`FT`, `PT`, `TP`, `IN`) or in words; unknown → none.
fn employment_type(text: Option<&str>) -> Option<EmploymentType> {
    let t = text?.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    match t.as_str() {
        "ft" | "full_time" | "fulltime" => Some(EmploymentType::FullTime),
        "pt" | "part_time" | "parttime" => Some(EmploymentType::PartTime),
        "tp" | "temp" | "temporary" => Some(EmploymentType::Temporary),
        "in" | "intern" => Some(EmploymentType::Intern),
        "seasonal" => Some(EmploymentType::Seasonal),
        "contractor" => Some(EmploymentType::Contractor),
        _ => None,
    }
}

/// An employment → an employment, effective from the hire date. An hourly `comp_type` (`H`,
/// `hourly`) takes `pay_rate` per hour; otherwise `annual_salary` per year, else `pay_rate`
/// per hour. The termination date stays in the raw payload (the canonical employment has
/// none; the person's status says terminated).
pub fn employment(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let e: Job = decode(raw)?;
    let person = ref_id(e.person.as_ref())
        .ok_or_else(|| bad("person", "an employment without its person"))?;
    let hourly = e
        .comp_type
        .as_deref()
        .map(|c| c.trim().to_ascii_lowercase())
        .is_some_and(|c| c == "h" || c.contains("hour"));
    let hourly_rate = usd("pay_rate", e.pay_rate.as_deref())?;
    let annual = usd("annual_salary", e.annual_salary.as_deref())?;
    let (pay_rate, pay_period) = match (hourly, annual, hourly_rate) {
        (true, _, Some(r)) => (Some(r), Some(PayPeriod::Hour)),
        (_, Some(a), _) => (Some(a), Some(PayPeriod::Year)),
        (_, None, Some(r)) => (Some(r), Some(PayPeriod::Hour)),
        (_, None, None) => (None, None),
    };
    let flsa_status = e.is_flsa_exempt.map(|x| {
        if x {
            FlsaStatus::Exempt
        } else {
            FlsaStatus::NonExempt
        }
    });
    Ok(vec![
        Employment {
            provenance: ctx.provenance(id_text(&e.id), None),
            company_id: ctx.company_id,
            employee_remote_id: person,
            job_title: None,
            pay_rate,
            pay_period,
            pay_frequency: None,
            flsa_status,
            employment_type: employment_type(e.employment_type.as_deref()),
            effective_date: date_prefix("hire_date", e.hire_date.as_deref())?,
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[derive(Debug, Deserialize)]
struct Dept {
    id: Box<RawValue>,
    name: String,
}

/// A department → a department (Zenefits documents no parent).
pub fn department(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let d: Dept = decode(raw)?;
    Ok(vec![
        Department {
            provenance: ctx.provenance(id_text(&d.id), None),
            company_id: ctx.company_id,
            name: d.name,
            parent_remote_id: None,
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[derive(Debug, Deserialize)]
struct Site {
    id: Box<RawValue>,
    name: Option<String>,
    street1: Option<String>,
    street2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    zip: Option<String>,
    country: Option<String>,
    phone: Option<String>,
}

/// A location → a work location (field names unverified: the facts list none for locations;
/// these follow the person's address members with `zip`).
pub fn location(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let s: Site = decode(raw)?;
    Ok(vec![
        Location {
            provenance: ctx.provenance(id_text(&s.id), None),
            company_id: ctx.company_id,
            name: non_empty(s.name.as_deref()),
            location_type: Some(LocationType::Work),
            address: Address {
                street_1: non_empty(s.street1.as_deref()),
                street_2: non_empty(s.street2.as_deref()),
                city: non_empty(s.city.as_deref()),
                state: non_empty(s.state.as_deref()),
                postal_code: non_empty(s.zip.as_deref()),
                country: non_empty(s.country.as_deref()),
            },
            time_zone: None,
            phone: non_empty(s.phone.as_deref()),
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
        super::super::test_support::ctx("zenefits", None)
    }

    const API: &str = "https://api.zenefits.com";

    #[test]
    fn a_person_takes_its_relations_ids_from_their_reference_urls() {
        let p = raw(&format!(
            r#"{{"id":"501","object":"/core/people","first_name":"Ana María","last_name":"López","preferred_name":"Ana","work_email":"ana@acme.test","personal_email":null,"status":"active","title":"Baker","employee_number":"17","date_of_birth":"1990-04-02","social_security_number":"123-45-6789","department":{{"object":"/meta/ref/detail","ref_object":"/core/departments","url":"{API}/core/departments/42"}},"location":{{"object":"/meta/ref/detail","ref_object":"/core/locations","url":"{API}/core/locations/7/"}},"manager":null}}"#
        ));
        let CanonicalRecord::Employee(e) = &person(&ctx(), &p).unwrap()[0] else {
            panic!()
        };
        assert_eq!(e.provenance.remote_id, "501");
        assert_eq!(e.display_full_name.as_deref(), Some("Ana María López"));
        assert_eq!(e.preferred_name.as_deref(), Some("Ana"));
        assert_eq!(e.work_email.as_deref(), Some("ana@acme.test"));
        assert_eq!(e.employee_number.as_deref(), Some("17"));
        assert_eq!(
            e.date_of_birth.as_ref().unwrap().expose().to_string(),
            "1990-04-02"
        );
        assert!(!e.raw.as_str().contains("123-45-6789"));
        assert_eq!(e.employment_status, EmploymentStatus::Active);
        assert_eq!(e.department_remote_id.as_deref(), Some("42"));
        assert_eq!(e.work_location_remote_id.as_deref(), Some("7"));
        assert_eq!(e.manager_remote_id, None);
        for (word, status) in [
            ("terminated", EmploymentStatus::Terminated),
            ("requested", EmploymentStatus::Pending),
            ("leave_of_absence", EmploymentStatus::Inactive),
        ] {
            let p = raw(&format!(r#"{{"id":1,"status":"{word}"}}"#));
            let CanonicalRecord::Employee(e) = &person(&ctx(), &p).unwrap()[0] else {
                panic!()
            };
            assert_eq!(e.employment_status, status, "{word}");
            assert_eq!(e.provenance.remote_id, "1");
        }
        let bad = raw(r#"{"id":"1","date_of_birth":"02/04/1990"}"#);
        assert_eq!(person(&ctx(), &bad).unwrap_err().path, "date_of_birth");
    }

    fn job(fields: &str) -> Employment {
        let e = raw(&format!(
            r#"{{"id":"9","person":{{"url":"{API}/core/people/501"}},"hire_date":"2024-02-01",{fields}}}"#
        ));
        match employment(&ctx(), &e).unwrap().remove(0) {
            CanonicalRecord::Employment(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pay_is_exact_usd_hourly_or_annual_by_comp_type() {
        let h = job(
            r#""comp_type":"H","pay_rate":"18.75","annual_salary":null,"employment_type":"FT","is_flsa_exempt":false"#,
        );
        assert_eq!(h.employee_remote_id, "501");
        assert_eq!(h.effective_date.unwrap().to_string(), "2024-02-01");
        let rate = h.pay_rate.unwrap();
        assert_eq!(rate.amount.to_string(), "18.75");
        assert_eq!(rate.currency.code(), "USD");
        assert_eq!(h.pay_period, Some(PayPeriod::Hour));
        assert_eq!(h.employment_type, Some(EmploymentType::FullTime));
        assert_eq!(h.flsa_status, Some(FlsaStatus::NonExempt));
        // A salary: the annual figure, exact (no float on the way), as a number too.
        let s = job(
            r#""comp_type":"S","pay_rate":"31.25","annual_salary":65000.10,"employment_type":"part_time""#,
        );
        assert_eq!(s.pay_rate.unwrap().amount.to_string(), "65000.10");
        assert_eq!(s.pay_period, Some(PayPeriod::Year));
        assert_eq!(s.employment_type, Some(EmploymentType::PartTime));
        let none = job(r#""comp_type":null,"pay_rate":null,"annual_salary":"""#);
        assert_eq!((none.pay_rate, none.pay_period), (None, None));
        let bad = raw(&format!(
            r#"{{"id":"9","person":{{"url":"{API}/core/people/1"}},"pay_rate":"$18"}}"#
        ));
        assert_eq!(employment(&ctx(), &bad).unwrap_err().path, "pay_rate");
        let orphan = raw(r#"{"id":"9","person":null}"#);
        assert_eq!(employment(&ctx(), &orphan).unwrap_err().path, "person");
    }

    #[test]
    fn departments_and_locations() {
        let d = raw(r#"{"id":"42","name":"Kitchen","labor_group":null}"#);
        let CanonicalRecord::Department(d) = &department(&ctx(), &d).unwrap()[0] else {
            panic!()
        };
        assert_eq!(
            (d.provenance.remote_id.as_str(), d.name.as_str()),
            ("42", "Kitchen")
        );
        let l = raw(
            r#"{"id":"7","name":"Main St","street1":"1 Main St","city":"Austin","state":"TX","zip":"78701","country":"US"}"#,
        );
        let CanonicalRecord::Location(l) = &location(&ctx(), &l).unwrap()[0] else {
            panic!()
        };
        assert_eq!(l.address.postal_code.as_deref(), Some("78701"));
        assert_eq!(l.location_type, Some(LocationType::Work));
    }
}
