//! Rippling's data (REST API spec `Worker`, `User`, `Department`, `WorkLocation`,
//! `Compensation`, `Company`): the seeded company's people as workers — the same names and work
//! emails as in every other tool, so identity matching joins them — with their departments,
//! cafés as work locations, and their HRIS pay as compensations. Records start from the spec's
//! own examples; members the spec calls expandable are sent only when asked for (`expand`).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use maestro_kit::BuiltIn;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::{Dataset, Filters, Refusal, template};
use crate::seed::{Company, Pay, Person, mix};

/// Rippling ids are 24 hex digits.
fn object_id(seed: u64, tag: u64, n: u64) -> String {
    format!(
        "{:08x}{:016x}",
        (mix(seed, tag, n) >> 32) as u32,
        mix(seed, tag + 1, n)
    )
}

/// The demo's Rippling API token for `c` (48 hex digits).
pub(crate) fn api_token(c: &Company) -> String {
    format!(
        "{:016x}{:016x}{:016x}",
        mix(c.seed, 1101, 0),
        mix(c.seed, 1101, 1),
        mix(c.seed, 1101, 2)
    )
}

/// Hours in a working year: Rippling's figures assume 40-hour weeks (spec `Compensation`).
const YEAR_HOURS: i64 = 2080;

fn stamp(day: NaiveDate) -> String {
    format!("{day}T09:00:00Z")
}

/// A decimal as a JSON number (the spec's `Currency.value` is a number).
fn number(d: Decimal) -> Value {
    serde_json::from_str(&d.round_dp(2).normalize().to_string()).unwrap_or(Value::Null)
}

fn currency(d: Decimal) -> Value {
    json!({"currency_type": "USD", "value": number(d)})
}

/// The template of `stream` without the members the spec marks expandable.
fn bare(builtin: &BuiltIn, stream: &str) -> Map<String, Value> {
    let mut t = template(builtin, stream);
    for name in expandable(builtin, stream) {
        t.remove(&name);
    }
    t
}

/// The operation's `x-rippling-expandable-fields`.
fn expandable(builtin: &BuiltIn, stream: &str) -> Vec<String> {
    let Some(s) = builtin.file.stream(stream) else {
        return Vec::new();
    };
    let pointer = format!(
        "/paths/{}/{}/x-rippling-expandable-fields",
        s.path.replace('~', "~0").replace('/', "~1"),
        s.method.to_ascii_lowercase()
    );
    builtin
        .spec
        .doc()
        .pointer(&pointer)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

struct Rippling {
    key: String,
    company: Value,
    /// Workers without their expandable members, and each one's user.
    workers: Vec<(Value, Value)>,
    departments: Vec<Value>,
    locations: Vec<Value>,
    compensations: Vec<Value>,
    /// Expandable members per stream, from the spec.
    expandable: HashMap<&'static str, Vec<String>>,
}

/// Builds Rippling's data for `c`.
pub(crate) fn dataset(c: &Company, builtin: &'static BuiltIn) -> Box<dyn Dataset> {
    let dept_t = bare(builtin, "departments");
    let departments: Vec<Value> = c
        .departments
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut m = dept_t.clone();
            m.insert("id".into(), json!(object_id(c.seed, 1103, i as u64)));
            m.insert("created_at".into(), json!(stamp(c.today)));
            m.insert("updated_at".into(), json!(stamp(c.today)));
            m.insert("name".into(), json!(d.title));
            m.remove("parent_id");
            m.insert("reference_code".into(), json!(format!("D{:02}", i + 1)));
            m.insert("department_hierarchy_id".into(), json!([]));
            Value::Object(m)
        })
        .collect();
    let site_t = bare(builtin, "work_locations");
    let locations: Vec<Value> = c
        .locations
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut m = site_t.clone();
            m.insert("id".into(), json!(object_id(c.seed, 1105, i as u64)));
            m.insert("created_at".into(), json!(stamp(c.today)));
            m.insert("updated_at".into(), json!(stamp(c.today)));
            m.insert("name".into(), json!(l.name));
            m.insert(
                "address".into(),
                json!({
                    "type": "WORK",
                    "formatted": format!("{}, {}, {} {}", l.street, l.city, l.state, l.zip),
                    "street_address": l.street,
                    "locality": l.city,
                    "region": l.state,
                    "postal_code": l.zip,
                    "country": "US",
                }),
            );
            Value::Object(m)
        })
        .collect();
    let worker_t = bare(builtin, "workers");
    let pay_t = bare(builtin, "compensations");
    let mut workers = Vec::new();
    let mut compensations = Vec::new();
    // Whoever someone reports to (a set: a lookup per worker would be quadratic).
    let managers: HashSet<usize> = c.people.iter().filter_map(|p| p.manager).collect();
    for p in &c.people {
        let id = worker_id(c, p.index);
        let pay_id = object_id(c.seed, 1109, p.index as u64);
        let mut w = worker_t.clone();
        let status = match p.terminated_on {
            Some(_) => "TERMINATED",
            None if p.hire_date > c.today => "HIRED",
            None => "ACTIVE",
        };
        w.insert("id".into(), json!(id));
        w.insert("created_at".into(), json!(stamp(p.hire_date)));
        w.insert("updated_at".into(), json!(stamp(p.hire_date)));
        w.insert("user_id".into(), json!(user_id(c, p.index)));
        w.insert("is_manager".into(), json!(managers.contains(&p.index)));
        match p.manager {
            Some(m) => w.insert("manager_id".into(), json!(worker_id(c, m))),
            None => w.remove("manager_id"),
        };
        w.insert("country".into(), json!("US"));
        w.insert("start_date".into(), json!(p.hire_date.to_string()));
        match p.terminated_on {
            Some(d) => w.insert("end_date".into(), json!(d.to_string())),
            None => w.remove("end_date"),
        };
        w.insert("number".into(), json!(p.index + 1));
        w.insert("work_email".into(), json!(p.work_email));
        w.insert("personal_email".into(), json!(p.home_email));
        w.insert("status".into(), json!(status));
        w.insert(
            "location".into(),
            json!({"type": "WORK", "work_location_id": locations[p.location]["id"]}),
        );
        w.insert("compensation_id".into(), json!(pay_id));
        w.insert(
            "overtime_exemption".into(),
            json!(if p.pay.is_hourly() {
                "NON_EXEMPT"
            } else {
                "EXEMPT"
            }),
        );
        w.insert(
            "department_id".into(),
            departments[p.department]["id"].clone(),
        );
        w.insert("teams_id".into(), json!([]));
        w.insert("title".into(), json!(p.title));
        w.insert(
            "title_effective_date".into(),
            json!(p.hire_date.to_string()),
        );
        for gone in [
            "termination_details",
            "date_of_birth",
            "gender",
            "race",
            "ethnicity",
        ] {
            w.remove(gone);
        }
        w.remove("legal_entity_id");
        w.remove("employment_type_id");
        w.remove("level_id");
        w.remove("business_partners_id");
        w.remove("country_fields");
        w.remove("citizenship");
        workers.push((Value::Object(w), user(c, p)));
        compensations.push(compensation(&pay_t, p, &id, &pay_id));
    }
    let mut company = Map::new();
    company.insert("id".into(), json!(object_id(c.seed, 1111, 0)));
    company.insert("created_at".into(), json!(stamp(c.today)));
    company.insert("updated_at".into(), json!(stamp(c.today)));
    company.insert("legal_entities_id".into(), json!([]));
    company.insert("legal_entities".into(), json!([]));
    company.insert("name".into(), json!(c.name));
    company.insert("legal_name".into(), json!(c.legal_name));
    let expandable = ["workers", "departments", "work_locations", "compensations"]
        .into_iter()
        .map(|s| (s, expandable(builtin, s)))
        .collect();
    Box::new(Rippling {
        key: api_token(c),
        company: json!({"results": [Value::Object(company)]}),
        workers,
        departments,
        locations,
        compensations,
        expandable,
    })
}

fn worker_id(c: &Company, index: usize) -> String {
    object_id(c.seed, 1107, index as u64)
}

fn user_id(c: &Company, index: usize) -> String {
    object_id(c.seed, 1113, index as u64)
}

/// The worker's user (`expand=user`): names and emails as every other tool has them.
fn user(c: &Company, p: &Person) -> Value {
    let active = p.terminated_on.is_none();
    json!({
        "id": user_id(c, p.index),
        "created_at": stamp(p.hire_date),
        "updated_at": stamp(p.hire_date),
        "active": active,
        "username": p.work_email,
        "name": {
            "formatted": p.full_name(),
            "given_name": p.first_name,
            "family_name": p.last_name,
            "preferred_given_name": p.first_name,
            "preferred_family_name": p.last_name,
        },
        "display_name": p.full_name(),
        "emails": [
            {"value": p.work_email, "type": "WORK", "display": p.work_email},
            {"value": p.home_email, "type": "HOME", "display": p.home_email},
        ],
        "phone_numbers": [],
        "addresses": [],
        "photos": [],
        "preferred_language": "en",
        "locale": "en-US",
        "timezone": c.locations[p.location].time_zone,
        "number": (p.index + 1).to_string(),
    })
}

/// The person's HRIS pay as Rippling gives it: the rate paid and its yearly (or hourly)
/// equivalent at 40-hour weeks.
fn compensation(t: &Map<String, Value>, p: &Person, worker: &str, id: &str) -> Value {
    let mut m = t.clone();
    let hours = Decimal::from(YEAR_HOURS);
    let (annual, hourly, kind) = match p.pay {
        Pay::Hourly(rate) => (rate * hours, rate, "HOURLY"),
        Pay::Salary(year) => (year, year / hours, "SALARY"),
    };
    m.insert("id".into(), json!(id));
    m.insert("created_at".into(), json!(stamp(p.hire_date)));
    m.insert("updated_at".into(), json!(stamp(p.hire_date)));
    m.insert("worker_id".into(), json!(worker));
    m.insert("annual_compensation".into(), currency(annual));
    m.insert("annual_salary_equivalent".into(), currency(annual));
    m.insert("hourly_wage".into(), currency(hourly));
    m.insert(
        "monthly_compensation".into(),
        currency(annual / Decimal::from(12)),
    );
    m.insert(
        "weekly_compensation".into(),
        currency(annual / Decimal::from(52)),
    );
    for gone in [
        "on_target_commission",
        "relocation_reimbursement",
        "signing_bonus",
        "target_annual_bonus",
        "target_annual_bonus_percent",
        "bonus_schedule",
    ] {
        m.remove(gone);
    }
    m.insert("payment_type".into(), json!(kind));
    m.insert(
        "payment_terms".into(),
        json!(if kind == "HOURLY" {
            "PER_HOUR"
        } else {
            "PER_YEAR"
        }),
    );
    m.insert(
        "salary_effective_date".into(),
        json!(p.hire_date.to_string()),
    );
    Value::Object(m)
}

impl Rippling {
    /// The members `expand` asks for, refused when the spec does not offer them for `stream`
    /// or the emulator does not render them.
    fn expansions(&self, stream: &str, filters: &Filters) -> Result<Vec<String>, Refusal> {
        let Some(text) = filters.get("expand").and_then(Value::as_str) else {
            return Ok(Vec::new());
        };
        let offered = self.expandable.get(stream).cloned().unwrap_or_default();
        let mut out = Vec::new();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if !offered.iter().any(|o| o == name) {
                return Err(Refusal::bad(format!(
                    "`{name}` is not an expandable field of {stream}"
                )));
            }
            if !(stream == "workers" && matches!(name, "user" | "department")) {
                return Err(Refusal {
                    status: 501,
                    message: format!("the emulator does not expand `{name}`"),
                });
            }
            out.push(name.to_owned());
        }
        Ok(out)
    }
}

impl Dataset for Rippling {
    fn key(&self) -> &str {
        &self.key
    }

    fn account(&self) -> (&'static str, String) {
        // The token reaches one company; no path names it.
        ("company_id", String::new())
    }

    fn check(&self) -> Value {
        self.company.clone()
    }

    fn list(
        &self,
        stream: &str,
        _path: &HashMap<String, String>,
        filters: &Filters,
    ) -> Result<Vec<Value>, Refusal> {
        for unemulated in ["filter", "order_by"] {
            if filters.contains_key(unemulated) {
                return Err(Refusal {
                    status: 501,
                    message: format!("the emulator does not apply `{unemulated}`"),
                });
            }
        }
        let expand = self.expansions(stream, filters)?;
        match stream {
            "workers" => Ok(self
                .workers
                .iter()
                .map(|(w, u)| {
                    let mut w = w.clone();
                    if expand.iter().any(|e| e == "user") {
                        w["user"] = u.clone();
                    }
                    if expand.iter().any(|e| e == "department") {
                        let dept = self
                            .departments
                            .iter()
                            .find(|d| d["id"] == w["department_id"])
                            .cloned();
                        if let Some(d) = dept {
                            w["department"] = d;
                        }
                    }
                    w
                })
                .collect()),
            "departments" => Ok(self.departments.clone()),
            "work_locations" => Ok(self.locations.clone()),
            "compensations" => Ok(self.compensations.clone()),
            other => Err(Refusal::not_found(format!("no stream {other}"))),
        }
    }

    fn add_like_last(&mut self, _stream: &str) -> Option<String> {
        // The file reads Rippling in full every time (no incremental filter is documented).
        None
    }

    fn all(&self, stream: &str) -> Vec<Value> {
        match stream {
            "workers" => self
                .workers
                .iter()
                .map(|(w, u)| {
                    let mut w = w.clone();
                    w["user"] = u.clone();
                    w
                })
                .collect(),
            "departments" => self.departments.clone(),
            "work_locations" => self.locations.clone(),
            "compensations" => self.compensations.clone(),
            _ => Vec::new(),
        }
    }
}
