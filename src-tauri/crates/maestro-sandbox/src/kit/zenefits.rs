//! Zenefits (TriNet HR Platform) data for the kit emulator: the seeded company's people (the
//! same names and work emails as every other tool, so identity matching joins them), their
//! employments, departments and locations. Zenefits publishes no machine-readable spec: each
//! record carries exactly the documented fields (shared/specs/zenefits/facts.md, from Airbyte's
//! source-zenefits manifest) plus the documented reference objects `{object, ref_object, url}`;
//! members the docs list but the demo has no value for are null. Location fields are not in the
//! facts (see specs/zenefits.json).

use std::collections::HashMap;

use chrono::NaiveDate;
use maestro_kit::BuiltIn;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Dataset, Filters, Refusal};
use crate::seed::{Company, Pay, Person, mix};

/// The API's own host: reference objects point at it, as the docs show.
const API: &str = "https://api.zenefits.com";

/// Hours in a working year (40-hour weeks).
const YEAR_HOURS: i64 = 2080;

/// Zenefits ids are strings of digits.
fn numeric_id(seed: u64, tag: u64, n: u64) -> String {
    (100_000 + mix(seed, tag, n) % 900_000).to_string()
}

/// The demo's Zenefits API token for `c` (40 hex digits).
pub(crate) fn api_token(c: &Company) -> String {
    format!(
        "{:016x}{:016x}{:08x}",
        mix(c.seed, 1601, 0),
        mix(c.seed, 1601, 1),
        mix(c.seed, 1601, 2) as u32
    )
}

/// A reference object to the record `id` of `collection` (`core/people`, …).
fn reference(collection: &str, id: &str) -> Value {
    json!({
        "object": "/meta/ref/detail",
        "ref_object": format!("/{collection}"),
        "url": format!("{API}/{collection}/{id}"),
    })
}

/// A reference to a list filtered by its owner (`core/employments?person=…`).
fn list_reference(collection: &str, filter: &str, id: &str) -> Value {
    json!({
        "object": "/meta/ref/list",
        "ref_object": format!("/{collection}"),
        "url": format!("{API}/{collection}?{filter}={id}"),
    })
}

/// A decimal as Zenefits' schema types it: a string (Airbyte's manifest), two places.
fn amount(d: Decimal) -> Value {
    json!(d.round_dp(2).to_string())
}

struct Zenefits {
    key: String,
    company: Value,
    people: Vec<Value>,
    employments: Vec<Value>,
    departments: Vec<Value>,
    locations: Vec<Value>,
}

/// Builds Zenefits' data for `c`.
pub(crate) fn dataset(c: &Company, _builtin: &'static BuiltIn) -> Box<dyn Dataset> {
    let company_id = numeric_id(c.seed, 1603, 0);
    let company_ref = reference("core/companies", &company_id);
    let dept_ids: Vec<String> = (0..c.departments.len())
        .map(|i| numeric_id(c.seed, 1605, i as u64))
        .collect();
    let departments = c
        .departments
        .iter()
        .zip(&dept_ids)
        .map(|(d, id)| {
            json!({
                "id": id,
                "url": format!("{API}/core/departments/{id}"),
                "object": "/core/departments",
                "name": d.title,
                "company": company_ref,
                "labor_group": null,
            })
        })
        .collect();
    let site_ids: Vec<String> = (0..c.locations.len())
        .map(|i| numeric_id(c.seed, 1607, i as u64))
        .collect();
    let locations = c
        .locations
        .iter()
        .zip(&site_ids)
        .map(|(l, id)| {
            json!({
                "id": id,
                "url": format!("{API}/core/locations/{id}"),
                "object": "/core/locations",
                "name": l.name,
                "street1": l.street,
                "street2": null,
                "city": l.city,
                "state": l.state,
                "zip": l.zip,
                "country": "US",
                "phone": l.phone,
                "company": company_ref,
            })
        })
        .collect();
    let people = c
        .people
        .iter()
        .map(|p| person(c, p, &company_ref, &dept_ids, &site_ids))
        .collect();
    let employments = c.people.iter().map(|p| employment(c, p)).collect();
    let company = json!({
        "id": company_id,
        "url": format!("{API}/core/companies/{company_id}"),
        "object": "/core/companies",
        "name": c.name,
        "legal_name": c.legal_name,
    });
    Box::new(Zenefits {
        key: api_token(c),
        company: json!({
            "status": 200,
            "object": "/meta/response",
            "data": {"object": "/meta/list", "url": format!("{API}/core/companies"), "data": [company], "next_url": null},
        }),
        people,
        employments,
        departments,
        locations,
    })
}

fn person_id(c: &Company, index: usize) -> String {
    numeric_id(c.seed, 1609, index as u64)
}

/// A person with the documented fields (facts.md, "person fields") and relations.
fn person(
    c: &Company,
    p: &Person,
    company: &Value,
    departments: &[String],
    locations: &[String],
) -> Value {
    let id = person_id(c, p.index);
    let status = match p.terminated_on {
        Some(_) => "terminated",
        None if p.hire_date > c.today => "requested",
        None => "active",
    };
    let site = &c.locations[p.location];
    json!({
        "id": id,
        "url": format!("{API}/core/people/{id}"),
        "object": "/core/people",
        "first_name": p.first_name,
        "middle_name": null,
        "last_name": p.last_name,
        "preferred_name": null,
        "personal_pronoun": null,
        "work_email": p.work_email,
        "personal_email": p.home_email,
        "work_phone": null,
        "personal_phone": p.phone,
        "status": status,
        "type": "employee",
        "title": p.title,
        "employee_number": (p.index + 1).to_string(),
        "date_of_birth": p.birth_date.to_string(),
        "gender": null,
        "social_security_number": null,
        "federal_filing_status": null,
        "street1": null,
        "street2": null,
        "city": site.city,
        "state": site.state,
        "postal_code": null,
        "country": "US",
        "is_admin": p.index == 0,
        "is_full_admin": p.index == 0,
        "photo_url": null,
        "photo_thumbnail_url": null,
        "company": company,
        "department": reference("core/departments", &departments[p.department]),
        "location": reference("core/locations", &locations[p.location]),
        "manager": p.manager.map(|m| reference("core/people", &person_id(c, m))),
        "employments": list_reference("core/employments", "person", &id),
        "banks": list_reference("core/banks", "person", &id),
        "labor_groups": list_reference("core/labor_groups", "person", &id),
    })
}

/// The person's employment with the documented fields (facts.md, "employment fields"; C's
/// JSON tags): the HRIS pay, hourly as `pay_rate`, salaried as `annual_salary` with its hourly
/// equivalent at 40-hour weeks.
fn employment(c: &Company, p: &Person) -> Value {
    let id = numeric_id(c.seed, 1611, p.index as u64);
    let hours = Decimal::from(YEAR_HOURS);
    let (comp_type, pay_rate, annual) = match p.pay {
        Pay::Hourly(rate) => ("H", rate, Value::Null),
        Pay::Salary(year) => ("S", year / hours, amount(year)),
    };
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    json!({
        "id": id,
        "url": format!("{API}/core/employments/{id}"),
        "object": "/core/employments",
        "person": reference("core/people", &person_id(c, p.index)),
        "hire_date": p.hire_date.to_string(),
        "termination_date": date(p.terminated_on),
        "termination_type": p.terminated_on.map(|_| "voluntary"),
        "employment_type": "FT",
        "employment_sub_type": null,
        "comp_type": comp_type,
        "pay_rate": amount(pay_rate),
        "annual_salary": annual,
        "amount_type": null,
        "working_hours_per_week": "40",
        "is_active": p.terminated_on.is_none(),
        "is_flsa_exempt": !p.pay.is_hourly(),
    })
}

impl Dataset for Zenefits {
    fn key(&self) -> &str {
        &self.key
    }

    fn account(&self) -> (&'static str, String) {
        // A token reaches one company; no path names it.
        ("company_id", String::new())
    }

    fn check(&self) -> Value {
        self.company.clone()
    }

    fn list(
        &self,
        stream: &str,
        _path: &HashMap<String, String>,
        _filters: &Filters,
    ) -> Result<Vec<Value>, Refusal> {
        match stream {
            "people" => Ok(self.people.clone()),
            "employments" => Ok(self.employments.clone()),
            "departments" => Ok(self.departments.clone()),
            "locations" => Ok(self.locations.clone()),
            other => Err(Refusal::not_found(format!("no stream {other}"))),
        }
    }

    fn add_like_last(&mut self, _stream: &str) -> Option<String> {
        // The file reads Zenefits in full every time (no changed-since filter is documented).
        None
    }

    fn all(&self, stream: &str) -> Vec<Value> {
        self.list(stream, &HashMap::new(), &Filters::new())
            .unwrap_or_default()
    }
}
