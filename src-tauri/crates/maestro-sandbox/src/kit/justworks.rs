//! Justworks data for the kit emulator (its spec is an UNOFFICIAL reconstruction, see
//! `justworks.toml`): the seeded company, its people as members (the same names and work
//! emails as every other tool, so identity matching joins them), the deduction types and the
//! members' deductions. Every record starts from the spec's own example. Members the spec
//! types as bare objects carry the shape the provider file writes down as assumed (`emails[]`
//! `{address, type}`, `department` and `manager` with an `id`, `current_pay` `{amount,
//! currency, type}`). Money is in "zero-decimal" minor units and percentages in four-decimal
//! units, as Justworks' docs say. Empty single values are left out, as the docs say.

use std::collections::HashMap;

use chrono::{NaiveDate, SecondsFormat, Utc};
use maestro_kit::BuiltIn;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value, json};

use super::{Dataset, Filters, Refusal, check_template, template};
use crate::benefits;
use crate::seed::{Company, Pay, Person, mix};

/// A Justworks-style opaque id.
fn id(prefix: &str, seed: u64, tag: u64, n: u64) -> String {
    format!("{prefix}_{:016x}", mix(seed, tag, n))
}

/// The demo's Justworks OAuth client id for `c`.
pub(crate) fn client_id(c: &Company) -> String {
    format!("jw-client-{:016x}", mix(c.seed, 1701, 0))
}

/// Whole minor units ("zero-decimal": two decimals) of `d`.
fn minor(d: Decimal) -> i64 {
    (d * Decimal::ONE_HUNDRED)
        .round()
        .to_i64()
        .unwrap_or_default()
}

fn ts(day: NaiveDate, hour: u32) -> String {
    day.and_hms_opt(hour, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The deduction types the demo offers: (code, description); the medical and 401(k) lines are
/// named as Gusto's pay statements name them (`crate::benefits`). Dental and commuter are
/// offered, and nobody takes them.
const TYPES: [(&str, &str); 6] = [
    ("MEDICAL", benefits::MEDICAL_DEDUCTION),
    ("DENTAL", "Dental insurance (pre-tax)"),
    ("401K", benefits::RETIREMENT_DEDUCTION),
    ("COMMUTER", "Commuter benefit (transit)"),
    ("GARNISHMENT", "Wage garnishment"),
    ("OTHER", "Uniform and equipment"),
];

struct Justworks {
    key: String,
    company: Value,
    members: Vec<Value>,
    types: Vec<Value>,
    deductions: Vec<Value>,
    template: Map<String, Value>,
    seed: u64,
    today: NaiveDate,
    added: u64,
}

/// Builds Justworks' data for `c`.
pub(crate) fn dataset(c: &Company, builtin: &'static BuiltIn) -> Box<dyn Dataset> {
    let company_id = id("co", c.seed, 1702, 0);
    let dept_ids: Vec<String> = (0..c.departments.len())
        .map(|i| id("dep", c.seed, 1703, i as u64))
        .collect();
    let member_id = |p: &Person| id("mem", c.seed, 1704, p.index as u64);
    let mut company = check_template(builtin);
    company.insert("id".into(), json!(company_id));
    company.insert("display_name".into(), json!(c.name));
    company.insert("legal_name".into(), json!(c.legal_name));
    company.insert("tax_id".into(), json!(c.ein));
    company.insert(
        "departments".into(),
        Value::Array(
            c.departments
                .iter()
                .zip(&dept_ids)
                .map(|(d, i)| json!({"id": i, "name": d.title}))
                .collect(),
        ),
    );
    company.insert(
        "created_at".into(),
        json!(ts(c.today - chrono::Duration::days(2000), 9)),
    );
    company.insert(
        "updated_at".into(),
        json!(ts(c.today - chrono::Duration::days(30), 9)),
    );
    let member_t = template(builtin, "members_active");
    let members = c
        .people
        .iter()
        .map(|p| {
            let mut m = member_t.clone();
            // Members the demo has no value for are left out (docs: empty values omitted).
            for k in [
                "date_of_birth",
                "sex_assigned_at_birth",
                "employment_termination_date",
                "partner_settings",
                "office",
                "current_employment",
                "manager",
            ] {
                m.remove(k);
            }
            m.insert("id".into(), json!(member_id(p)));
            m.insert("company_id".into(), json!(company_id));
            m.insert("work_id".into(), json!(format!("E{:03}", p.index + 1)));
            m.insert(
                "name".into(),
                json!({"given_name": p.first_name, "family_name": p.last_name}),
            );
            m.insert("active".into(), json!(p.terminated_on.is_none()));
            m.insert("type".into(), json!("employee"));
            m.insert(
                "emails".into(),
                json!([
                    {"address": p.work_email, "type": "work"},
                    {"address": p.home_email, "type": "personal"},
                ]),
            );
            m.insert("phones".into(), json!([]));
            m.insert("addresses".into(), json!([]));
            m.insert("employment_history".into(), json!([]));
            m.insert("pay_history".into(), json!([]));
            if let Some(d) = c.departments.get(p.department) {
                m.insert(
                    "department".into(),
                    json!({"id": dept_ids[p.department], "name": d.title}),
                );
            }
            if let Some(boss) = p.manager.and_then(|i| c.people.get(i)) {
                m.insert("manager".into(), json!({"id": member_id(boss)}));
            }
            m.insert("job_title".into(), json!(p.title));
            let (amount, basis) = match p.pay {
                Pay::Hourly(r) => (minor(r), "hourly"),
                Pay::Salary(r) => (minor(r), "salary"),
            };
            m.insert(
                "current_pay".into(),
                json!({"amount": amount, "currency": "USD", "type": basis}),
            );
            m.insert("current_pay_frequency".into(), json!("biweekly"));
            m.insert(
                "date_added_to_justworks".into(),
                json!(p.hire_date.to_string()),
            );
            m.insert(
                "employment_start_date".into(),
                json!(p.hire_date.to_string()),
            );
            if let Some(end) = p.terminated_on {
                m.insert("employment_termination_date".into(), json!(end.to_string()));
            }
            m.insert("employment_location_type".into(), json!("on_site"));
            m.insert("created_at".into(), json!(ts(p.hire_date, 9)));
            m.insert(
                "updated_at".into(),
                json!(ts(c.today - chrono::Duration::days(3), 12)),
            );
            Value::Object(m)
        })
        .collect::<Vec<_>>();
    let types = TYPES
        .iter()
        .map(|(code, description)| json!({"code": code, "description": description}))
        .collect();
    let mut d = Justworks {
        key: client_id(c),
        company: Value::Object(company),
        members,
        types,
        deductions: Vec::new(),
        template: template(builtin, "deductions"),
        seed: c.seed,
        today: c.today,
        added: 0,
    };
    // What payroll deducts tells the sandbox's one benefits story (`crate::benefits`, as
    // Gusto deducts it): medical from every salaried person's pay, a share of pay into the
    // 401(k) for the first; besides, one person has a garnishment and one paid for a uniform
    // once (deductions that are no benefit enrollment).
    let mut n = 0;
    for p in &c.people {
        let m = member_id(p);
        let start = benefits::medical_start(p).to_string();
        let end = p.terminated_on.map(|e| e.to_string());
        let mut add = |code: &str, kind: &str, amount: i64, frequency: &str| {
            let row = d.deduction(n, &m, code, kind, amount, frequency, &start, end.as_deref());
            d.deductions.push(row);
            n += 1;
        };
        if benefits::gusto_deducts_medical(p) {
            let amount = minor(benefits::medical_employee_amount(p));
            add("MEDICAL", "fixed", amount, "every_paycheck");
        }
        if let Some(pct) = benefits::retirement_percent(p) {
            // Four-decimal units: 4 % is 40000.
            let units = (pct * Decimal::new(10_000, 0)).to_i64().unwrap_or_default();
            add("401K", "percentage", units, "every_paycheck");
        }
        match p.index {
            4 => add("GARNISHMENT", "fixed", 15_000, "every_paycheck"),
            6 => add("OTHER", "fixed", 4_500, "one_time"),
            _ => {}
        }
    }
    Box::new(d)
}

impl Justworks {
    #[allow(clippy::too_many_arguments)]
    fn deduction(
        &self,
        n: u64,
        member: &str,
        code: &str,
        amount_type: &str,
        amount: i64,
        frequency: &str,
        start: &str,
        end: Option<&str>,
    ) -> Value {
        let mut r = self.template.clone();
        r.insert("id".into(), json!(id("ded", self.seed, 1705, n)));
        r.insert("member_id".into(), json!(member));
        r.insert("amount_type".into(), json!(amount_type));
        r.insert("amount".into(), json!(amount));
        r.insert("currency".into(), json!("USD"));
        r.insert("deduction_type_code".into(), json!(code));
        r.insert(
            "description".into(),
            json!(
                TYPES
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|(_, d)| *d)
                    .unwrap_or(code)
            ),
        );
        r.insert("frequency".into(), json!(frequency));
        r.insert("start_date".into(), json!(start));
        match end {
            Some(e) => r.insert("end_date".into(), json!(e)),
            None => r.remove("end_date"),
        };
        Value::Object(r)
    }

    fn members_with(&self, status: &str) -> Vec<Value> {
        let active = status == "active";
        self.members
            .iter()
            .filter(|m| m["active"].as_bool() == Some(active))
            .cloned()
            .collect()
    }
}

/// The page size asked for: `limit` from 1 to 100 (the spec's bounds).
fn limit(filters: &Filters) -> Result<(), Refusal> {
    match filters.get("limit").and_then(Value::as_str) {
        None => Ok(()),
        Some(t) => match t.parse::<u32>() {
            Ok(1..=100) => Ok(()),
            _ => Err(Refusal::bad("`limit` must be a whole number from 1 to 100")),
        },
    }
}

/// A text filter, if given.
fn text<'a>(filters: &'a Filters, name: &str) -> Option<&'a str> {
    filters.get(name).and_then(Value::as_str)
}

impl Dataset for Justworks {
    fn key(&self) -> &str {
        &self.key
    }

    fn account(&self) -> (&'static str, String) {
        // No path names the company: the token does.
        (
            "company_id",
            self.company["id"].as_str().unwrap_or_default().to_owned(),
        )
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
        limit(filters)?;
        match stream {
            "company" => Ok(vec![self.company.clone()]),
            "members_active" | "members_terminated" => {
                let mut out = match text(filters, "status") {
                    None => self.members.clone(),
                    Some(s @ ("active" | "terminated")) => self.members_with(s),
                    Some(other) => {
                        return Err(Refusal::bad(format!(
                            "`status` is active or terminated, not `{other}`"
                        )));
                    }
                };
                if let Some(t) = text(filters, "updated_at") {
                    out.retain(|m| m["updated_at"].as_str() == Some(t));
                }
                Ok(out)
            }
            "deduction_types" => Ok(self.types.clone()),
            "deductions" => {
                if let Some(f) = text(filters, "frequency")
                    && f != "one_time"
                    && f != "every_paycheck"
                {
                    return Err(Refusal::bad(format!(
                        "`frequency` is one_time or every_paycheck, not `{f}`"
                    )));
                }
                let matches = |r: &Value, filter: &str, member: &str| {
                    text(filters, filter).is_none_or(|v| r[member].as_str() == Some(v))
                };
                Ok(self
                    .deductions
                    .iter()
                    .filter(|r| {
                        matches(r, "deduction_type", "deduction_type_code")
                            && matches(r, "member_id", "member_id")
                            && matches(r, "frequency", "frequency")
                            && matches(r, "description", "description")
                    })
                    .cloned()
                    .collect())
            }
            other => Err(Refusal::not_found(format!("no stream {other}"))),
        }
    }

    fn add_like_last(&mut self, stream: &str) -> Option<String> {
        match stream {
            "members_active" => {
                let mut m = self
                    .members
                    .iter()
                    .rev()
                    .find(|m| m["active"] == true)?
                    .clone();
                self.added += 1;
                let n = 9_000 + self.added;
                let new_id = id("mem", self.seed, 1706, n);
                m["id"] = json!(new_id);
                m["work_id"] = json!(format!("E{n}"));
                m["name"] = json!({"given_name": "Nova", "family_name": format!("Hire{n}")});
                m["emails"] =
                    json!([{"address": format!("nova.hire{n}@example.com"), "type": "work"}]);
                m["updated_at"] = json!(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true));
                m["employment_start_date"] = json!(self.today.to_string());
                self.members.push(m);
                Some(new_id)
            }
            "deductions" => {
                let last = self.deductions.last()?.clone();
                self.added += 1;
                let n = 90_000 + self.added;
                let mut r = last;
                let new_id = id("ded", self.seed, 1707, n);
                r["id"] = json!(new_id);
                r["start_date"] = json!(self.today.to_string());
                self.deductions.push(r);
                Some(new_id)
            }
            _ => None,
        }
    }

    fn all(&self, stream: &str) -> Vec<Value> {
        match stream {
            "company" => vec![self.company.clone()],
            "members_active" => self.members_with("active"),
            "members_terminated" => self.members_with("terminated"),
            "deduction_types" => self.types.clone(),
            "deductions" => self.deductions.clone(),
            _ => Vec::new(),
        }
    }
}
