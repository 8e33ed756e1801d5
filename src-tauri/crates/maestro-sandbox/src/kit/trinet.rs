//! TriNet data for the kit emulator: the seeded company's people (the same names and work
//! emails as every other tool, so identity matching joins them), their jobs, departments and
//! locations, with the client id and secret its token endpoint accepts. TriNet publishes no
//! machine-readable spec: each record carries exactly the members transcribed in
//! specs/trinet.json from TriNet's API pages (the employee's `names` and `employmentInfo`,
//! org-details' Basic View); department and location members are that file's assumptions.

use std::collections::HashMap;

use chrono::NaiveDate;
use maestro_kit::BuiltIn;
use serde_json::{Value, json};

use super::{Dataset, Filters, Refusal};
use crate::seed::{Company, Person, mix};

/// Letters and digits from `seed`, `len` long (Apigee's keys and secrets are such).
fn alnum(seed: u64, tag: u64, len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|i| CHARS[(mix(seed, tag, i as u64) % CHARS.len() as u64) as usize] as char)
        .collect()
}

/// The demo's TriNet Company ID for `c` (three capitals, as TriNet's examples look).
pub(crate) fn company_id(c: &Company) -> String {
    (0..3)
        .map(|i| (b'A' + (mix(c.seed, 1701, i) % 26) as u8) as char)
        .collect()
}

/// The demo's TriNet Client ID for `c`.
pub(crate) fn client_id(c: &Company) -> String {
    alnum(c.seed, 1703, 32)
}

/// The demo's TriNet Client Secret for `c`.
pub(crate) fn client_secret(c: &Company) -> String {
    alnum(c.seed, 1705, 16)
}

/// A date as TriNet's `datetime` members are taken to be (ISO 8601; the format is not
/// documented, see specs/trinet.json).
fn date(d: NaiveDate) -> String {
    d.to_string()
}

struct TriNet {
    company_id: String,
    client: (String, String),
    org: Value,
    employees: Vec<Value>,
    departments: Vec<Value>,
    locations: Vec<Value>,
}

/// Builds TriNet's data for `c`.
pub(crate) fn dataset(c: &Company, _builtin: &'static BuiltIn) -> Box<dyn Dataset> {
    let company = company_id(c);
    let dept_ids: Vec<String> = (0..c.departments.len())
        .map(|i| (100 + 10 * i).to_string())
        .collect();
    let site_ids: Vec<String> = (0..c.locations.len())
        .map(|i| format!("{company}{:02}", i + 1))
        .collect();
    let departments = c
        .departments
        .iter()
        .zip(&dept_ids)
        .map(|(d, id)| json!({"deptId": id, "deptName": d.title}))
        .collect();
    let locations = c
        .locations
        .iter()
        .zip(&site_ids)
        .map(|(l, id)| {
            json!({
                "locationId": id,
                "locationName": l.name,
                "address1": l.street,
                "address2": "",
                "city": l.city,
                "state": l.state,
                "postalCode": l.zip,
                "country": "USA",
            })
        })
        .collect();
    let employees = c
        .people
        .iter()
        .map(|p| employee(c, p, &dept_ids, &site_ids))
        .collect();
    let first_hire = c
        .people
        .iter()
        .map(|p| p.hire_date)
        .min()
        .unwrap_or(c.today);
    Box::new(TriNet {
        org: json!({
            "companyId": company,
            "parentClientId": company,
            "companyName": c.name,
            "legalName": c.legal_name,
            "liveDate": date(first_hire),
        }),
        company_id: company,
        client: (client_id(c), client_secret(c)),
        employees,
        departments,
        locations,
    })
}

/// TriNet's employee id for the person at `index` (8 digits).
fn employee_id(c: &Company, index: usize) -> String {
    format!(
        "{:08}",
        10_000_000 + mix(c.seed, 1707, index as u64) % 90_000_000
    )
}

/// An employee (viewType=All) with the documented members: one primary name, and the job.
/// Status codes: `T` once terminated (TriNet shows it only after the final check; the seed's
/// termination date is taken as processed), `A` otherwise; FLSA `N` for hourly staff, `C` for
/// salaried (a documented code for an exempt category; see the mapper).
fn employee(c: &Company, p: &Person, departments: &[String], locations: &[String]) -> Value {
    let dept = &c.departments[p.department];
    let site = &c.locations[p.location];
    json!({
        "employeeId": employee_id(c, p.index),
        "alternateId": format!("E-{}", p.index + 1),
        "names": [{
            "effectiveDate": date(p.hire_date),
            "formOfAddress": "",
            "lastName": p.last_name,
            "firstName": p.first_name,
            "middleName": "",
            "nameFormat": "ENG",
            "suffix": "",
            "nameType": "PRI",
            "personTitle": "",
            "reasonChangeCode": "",
            "uniqueId": "1",
        }],
        "employmentInfo": {
            "effectiveDate": date(p.hire_date),
            "regularTemporary": "Regular",
            "serviceDate": date(p.hire_date),
            "terminationDate": p.terminated_on.map(date),
            "standardHours": if p.full_time { 40 } else { 20 },
            "jobCode": p.title.to_ascii_uppercase().replace(' ', "_"),
            "workersCompCode": {"code": "8017", "state": site.state},
            "flsaCode": if p.pay.is_hourly() { "N" } else { "C" },
            "employmentStatus": if p.terminated_on.is_some() { "T" } else { "A" },
            "payGroup": "SM1",
            "employeeType": if p.full_time { "fulltime" } else { "parttime" },
            "businessTitle": p.title,
            "customGroupA": "",
            "customGroupB": "",
            "workPhone": site.phone,
            "workEmail": p.work_email,
            "location": {"locationId": locations[p.location], "locationName": site.name},
            "department": {"deptName": dept.title, "deptId": departments[p.department]},
        },
    })
}

impl Dataset for TriNet {
    fn key(&self) -> &str {
        // The secret is the lasting credential; API calls carry tokens the endpoint issued.
        &self.client.1
    }

    fn account(&self) -> (&'static str, String) {
        ("company_id", self.company_id.clone())
    }

    fn client(&self) -> Option<(&str, &str)> {
        Some((&self.client.0, &self.client.1))
    }

    fn check(&self) -> Value {
        self.org.clone()
    }

    fn list(
        &self,
        stream: &str,
        _path: &HashMap<String, String>,
        _filters: &Filters,
    ) -> Result<Vec<Value>, Refusal> {
        match stream {
            // One endpoint, read as two streams (the employee and the job).
            "employees" | "employments" => Ok(self.employees.clone()),
            "departments" => Ok(self.departments.clone()),
            "locations" => Ok(self.locations.clone()),
            other => Err(Refusal::not_found(format!("no stream {other}"))),
        }
    }

    fn add_like_last(&mut self, _stream: &str) -> Option<String> {
        // The file reads TriNet in full every time (no changed-since filter is documented).
        None
    }

    fn all(&self, stream: &str) -> Vec<Value> {
        self.list(stream, &HashMap::new(), &Filters::new())
            .unwrap_or_default()
    }
}
