//! ADP Workforce Now data for the kit emulator: the seeded company's people as ADP workers (the
//! same names and work emails as every other tool, so identity matching joins them) with their
//! primary work assignment and base pay, their pay statements (the processed payrolls of
//! Gusto's emulator: the same periods, hours and amounts), each listed without its pay period
//! and served whole at its detail link, and the hire and terminate events the connector posts. Members are the spec's (specs/adp.json, Ballerina's derivation of
//! ADP's API Explorer); the client id and secret its token endpoint accepts are the demo's.
//!
//! As ADP, not more helpfully:
//! - past the last worker, `GET /hr/v2/workers` answers `204 No Content` (the peer tap-adp's
//!   paginator; the spec declares only a 200);
//! - `$filter` is read for the two expressions the connector sends
//!   (`workers/businessCommunication/emails/emailUri eq '…'`, `workers/workerID/idValue eq '…'`);
//!   any other is refused, not ignored;
//! - a hire event is applied every time it is posted: ADP documents no idempotency for events,
//!   so the same hire posted twice makes two workers.

use std::collections::HashMap;

use chrono::NaiveDate;
use maestro_kit::BuiltIn;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Dataset, Filters, Refusal};
use crate::gusto::data::TrackedHours;
use crate::seed::{Company, Person, mix};

/// Letters and digits from `seed`, `len` long.
fn alnum(seed: u64, tag: u64, len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|i| CHARS[(mix(seed, tag, i as u64) % CHARS.len() as u64) as usize] as char)
        .collect()
}

/// The demo's ADP client id for `c` (a UUID-like id, as ADP's look).
pub(crate) fn client_id(c: &Company) -> String {
    let a = alnum(c.seed, 2101, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &a[..8],
        &a[8..12],
        &a[12..16],
        &a[16..20],
        &a[20..]
    )
}

/// The demo's ADP client secret for `c`.
pub(crate) fn client_secret(c: &Company) -> String {
    alnum(c.seed, 2103, 36)
}

/// An associate OID: 16 upper-case letters and digits starting with G (ADP's look).
fn aoid(seed: u64, n: u64) -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    let tail: String = (0..15)
        .map(|i| CHARS[(mix(seed, 2105 + n, i) % CHARS.len() as u64) as usize] as char)
        .collect();
    format!("G{tail}")
}

fn code(value: &str) -> Value {
    json!({"codeValue": value, "shortName": value})
}

fn usd(amount: Decimal) -> Value {
    // A JSON number written exactly as the decimal (the spec's `amountValue: number`).
    let n: serde_json::Number = amount
        .normalize()
        .to_string()
        .parse()
        .unwrap_or_else(|_| serde_json::Number::from(0));
    json!({"amountValue": Value::Number(n), "currencyCode": "USD"})
}

/// A worker with its primary work assignment: names, business email, dates, status, job
/// title, department (a home unit typed Department), base pay, pay cycle (bi-weekly), manager.
/// Payroll's view, as the sandbox's other payrolls have it: the pay payroll holds
/// (`gusto_pay`, which differs from the HRIS for the demo's rate mismatch) and a termination
/// only once payroll processed it (the demo's stale termination is still active here).
fn worker(c: &Company, p: &Person, id: &str, manager: Option<&str>) -> Value {
    let dept = &c.departments[p.department];
    let terminated_on = p.terminated_on.filter(|_| p.terminated_in_gusto);
    let status = if terminated_on.is_some() {
        "Terminated"
    } else {
        "Active"
    };
    let mut base = serde_json::Map::new();
    base.insert("effectiveDate".into(), json!(p.hire_date.to_string()));
    if p.gusto_pay.is_hourly() {
        base.insert("hourlyRateAmount".into(), usd(p.gusto_pay.rate()));
    } else {
        base.insert("annualRateAmount".into(), usd(p.gusto_pay.rate()));
    }
    let mut assignment = json!({
        "itemID": format!("{id}-1"),
        "primaryIndicator": true,
        "hireDate": p.hire_date.to_string(),
        "actualStartDate": p.hire_date.to_string(),
        "assignmentStatus": {"statusCode": code(if terminated_on.is_some() { "T" } else { "A" })},
        "jobTitle": p.title,
        "workerTypeCode": code(if p.full_time { "F" } else { "P" }),
        "homeOrganizationalUnits": [{"nameCode": code(dept.title), "typeCode": code("Department")}],
        "baseRemuneration": Value::Object(base),
        "payCycleCode": code("2"),
    });
    if let Some(end) = terminated_on {
        assignment["terminationDate"] = json!(end.to_string());
    }
    if let Some(m) = manager {
        assignment["reportsTo"] = json!([{"associateOID": m}]);
    }
    let mut dates = json!({"originalHireDate": p.hire_date.to_string()});
    if let Some(end) = terminated_on {
        dates["terminationDate"] = json!(end.to_string());
    }
    json!({
        "associateOID": id,
        "workerID": {"idValue": format!("{:06}", 100_000 + p.index)},
        "person": {
            "legalName": {
                "givenName": p.first_name,
                "familyName1": p.last_name,
                "formattedName": format!("{}, {}", p.last_name, p.first_name),
            },
            "birthDate": p.birth_date.to_string(),
        },
        "businessCommunication": {"emails": [{"emailUri": p.work_email}]},
        "workerDates": dates,
        "workerStatus": {"statusCode": code(status)},
        "workAssignments": [assignment],
    })
}

/// A decimal written as text or as a number by Gusto's emulator.
fn decimal(v: &Value) -> Decimal {
    match v {
        Value::String(t) => t.parse().unwrap_or_default(),
        Value::Number(n) => n.to_string().parse().unwrap_or_default(),
        _ => Decimal::ZERO,
    }
}

/// A JSON number written exactly as the decimal.
fn number(d: Decimal) -> Value {
    d.normalize()
        .to_string()
        .parse::<serde_json::Number>()
        .map(Value::Number)
        .unwrap_or_else(|_| json!(0))
}

/// One statement as ADP gives it twice: the list's summary (`PayStatements.payStatements[]`:
/// pay date, gross, net, total hours, and the detail link that is its only reference) and the
/// detail (`PayStatement`: the same, and the pay period and the earning line with its hours
/// and rate).
struct Statement {
    summary: Value,
    detail: Value,
}

/// The processed payrolls of Gusto's emulator as each worker's ADP pay statements, oldest
/// first, by associate OID; a statement's id is letters and digits from the seed.
fn statements(c: &Company, ids: &HashMap<String, String>) -> HashMap<String, Vec<Statement>> {
    let gusto = crate::gusto::data::build(c, &TrackedHours::of_company(c));
    let mut out: HashMap<String, Vec<Statement>> = HashMap::new();
    for (n, payroll) in gusto.payrolls.iter().enumerate() {
        if payroll["processed"] != json!(true) {
            continue;
        }
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let pay_date = text(&payroll["check_date"]);
        let start = text(&payroll["pay_period"]["start_date"]);
        let end = text(&payroll["pay_period"]["end_date"]);
        for (i, comp) in payroll["employee_compensations"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(aoid) = comp["employee_uuid"].as_str().and_then(|u| ids.get(u)) else {
                continue;
            };
            let gross = decimal(&comp["gross_pay"]);
            let net = decimal(&comp["net_pay"]);
            let line = &comp["hourly_compensations"][0];
            let hours = decimal(&line["hours"]).normalize();
            let salaried = line["flsa_status"].as_str() == Some("Exempt");
            let id = alnum(c.seed, 2107 + ((n as u64) << 20) + i as u64, 20);
            let href = format!("/payroll/v1/workers/{aoid}/pay-statements/{id}");
            let mut earning = json!({
                "earningCodeName": if salaried { "Salary" } else { "Regular" },
                "earningAmount": usd(gross),
                "payPeriodHours": number(hours),
            });
            if !salaried && !hours.is_zero() {
                earning["payRate"] = json!({
                    "amountValue": number((gross / hours).round_dp(4)),
                    "currencyCode": "USD",
                    "unitTimeCode": "hour",
                });
            }
            out.entry(aoid.clone()).or_default().push(Statement {
                summary: json!({
                    "payDate": pay_date,
                    "grossPayAmount": usd(gross),
                    "netPayAmount": usd(net),
                    "totalHours": number(hours),
                    "employerName": c.name,
                    "payDetailUri": {"href": href},
                }),
                detail: json!({
                    "payDate": pay_date,
                    "payPeriod": {"startDate": start, "endDate": end},
                    "grossPayAmount": usd(gross),
                    "netPayAmount": usd(net),
                    "totalHours": number(hours),
                    "earnings": [earning],
                }),
            });
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| {
            a.summary["payDate"]
                .as_str()
                .cmp(&b.summary["payDate"].as_str())
        });
    }
    out
}

/// How many of a worker's latest pay dates the list gives when not asked for a number (the
/// spec's `listPayStatements` summary: "Default = payStatements from the last 5 pay dates").
const DEFAULT_LAST_PAY_DATES: usize = 5;

struct Adp {
    client: (String, String),
    seed: u64,
    workers: Vec<Value>,
    /// Each worker's pay statements, oldest first, by associate OID.
    statements: HashMap<String, Vec<Statement>>,
    /// Every event posted, in order (method path, body), for tests.
    events: Vec<Value>,
}

/// Builds ADP's data for `c`.
pub(crate) fn dataset(c: &Company, _builtin: &'static BuiltIn) -> Box<dyn Dataset> {
    let ids: Vec<String> = c
        .people
        .iter()
        .map(|p| aoid(c.seed, p.index as u64))
        .collect();
    let mut workers = Vec::new();
    for (p, id) in c.people.iter().zip(&ids) {
        let manager = p.manager.and_then(|m| ids.get(m)).map(String::as_str);
        workers.push(worker(c, p, id, manager));
    }
    let by_uuid: HashMap<String, String> = c
        .people
        .iter()
        .zip(&ids)
        .map(|(p, id)| (p.gusto_uuid.clone(), id.clone()))
        .collect();
    let mut statements = statements(c, &by_uuid);
    for id in &ids {
        statements.entry(id.clone()).or_default();
    }
    Box::new(Adp {
        client: (client_id(c), client_secret(c)),
        seed: c.seed,
        workers,
        statements,
        events: Vec::new(),
    })
}

/// The value of `field eq 'value'` in an OData filter.
fn filter_eq<'a>(filter: &'a str, field: &str) -> Option<&'a str> {
    let rest = filter.trim().strip_prefix(field)?.trim_start();
    let rest = rest.strip_prefix("eq")?.trim_start();
    rest.strip_prefix('\'')?.strip_suffix('\'')
}

impl Adp {
    fn by_filter(&self, filter: &str) -> Result<Vec<Value>, Refusal> {
        let email = filter_eq(filter, "workers/businessCommunication/emails/emailUri");
        let worker_id = filter_eq(filter, "workers/workerID/idValue");
        let matches = |w: &Value| match (email, worker_id) {
            (Some(e), _) => w["businessCommunication"]["emails"]
                .as_array()
                .is_some_and(|l| {
                    l.iter().any(|x| {
                        x["emailUri"]
                            .as_str()
                            .is_some_and(|u| u.eq_ignore_ascii_case(e))
                    })
                }),
            (_, Some(i)) => w["workerID"]["idValue"].as_str() == Some(i),
            _ => false,
        };
        if email.is_none() && worker_id.is_none() {
            return Err(Refusal::bad(format!("$filter `{filter}` is not supported")));
        }
        Ok(self
            .workers
            .iter()
            .filter(|w| matches(w))
            .cloned()
            .collect())
    }

    fn hire(&mut self, body: &Value) -> Result<(u16, Value), Refusal> {
        let w = &body["events"][0]["data"]["transform"]["worker"];
        if !w.is_object() {
            return Err(Refusal::bad("events[0].data.transform.worker is required"));
        }
        let given = w["person"]["legalName"]["givenName"].as_str().unwrap_or("");
        let family = w["person"]["legalName"]["familyName1"]
            .as_str()
            .unwrap_or("");
        if given.trim().is_empty() || family.trim().is_empty() {
            return Err(Refusal::bad(
                "a hire needs the worker's given and family names",
            ));
        }
        let hired = w["workAssignment"]["hireDate"].as_str().unwrap_or("");
        if NaiveDate::parse_from_str(hired, "%Y-%m-%d").is_err() {
            return Err(Refusal::bad(
                "a hire needs workAssignment.hireDate (YYYY-MM-DD)",
            ));
        }
        let id = aoid(self.seed, 10_000 + self.workers.len() as u64);
        let mut assignment = w["workAssignment"].clone();
        assignment["primaryIndicator"] = json!(true);
        assignment["assignmentStatus"] = json!({"statusCode": code("A")});
        let mut record = json!({
            "associateOID": id,
            "person": w["person"].clone(),
            "workerDates": {"originalHireDate": hired},
            "workerStatus": {"statusCode": code("Active")},
            "workAssignments": [assignment],
        });
        for member in ["workerID", "businessCommunication"] {
            if w.get(member).is_some() {
                record[member] = w[member].clone();
            }
        }
        self.workers.push(record);
        self.statements.insert(id.clone(), Vec::new());
        self.events
            .push(json!({"event": "worker.hire", "body": body}));
        Ok((
            200,
            json!({"events": [{
                "eventNameCode": code("worker.hire"),
                "eventStatusCode": code("complete"),
                "data": {"output": {"worker": {"associateOID": id}}},
            }]}),
        ))
    }

    fn terminate(&mut self, body: &Value) -> Result<(u16, Value), Refusal> {
        let data = &body["events"][0]["data"];
        let Some(id) = data["eventContext"]["worker"]["associateOID"].as_str() else {
            return Err(Refusal::bad(
                "events[0].data.eventContext.worker.associateOID is required",
            ));
        };
        let Some(day) = data["transform"]["worker"]["workerDates"]["terminationDate"]
            .as_str()
            .filter(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
        else {
            return Err(Refusal::bad(
                "a termination needs transform.worker.workerDates.terminationDate (YYYY-MM-DD)",
            ));
        };
        let Some(w) = self
            .workers
            .iter_mut()
            .find(|w| w["associateOID"].as_str() == Some(id))
        else {
            return Err(Refusal::not_found(format!("No worker {id}")));
        };
        w["workerStatus"] = json!({"statusCode": code("Terminated")});
        w["workerDates"]["terminationDate"] = json!(day);
        if let Some(a) = w["workAssignments"].get_mut(0) {
            a["terminationDate"] = json!(day);
            a["assignmentStatus"] = json!({"statusCode": code("T")});
        }
        self.events
            .push(json!({"event": "worker.terminate", "body": body}));
        Ok((
            200,
            json!({"events": [{
                "eventNameCode": code("worker.terminate"),
                "eventStatusCode": code("complete"),
                "data": {"eventContext": {"worker": {"associateOID": id}}},
            }]}),
        ))
    }
}

impl Dataset for Adp {
    fn key(&self) -> &str {
        &self.client.1
    }

    fn account(&self) -> (&'static str, String) {
        // The token reaches one client organisation; no path names it.
        ("organization_oid", String::new())
    }

    fn client(&self) -> Option<(&str, &str)> {
        Some((&self.client.0, &self.client.1))
    }

    fn check(&self) -> Value {
        json!({"workers": self.workers.iter().take(1).cloned().collect::<Vec<_>>()})
    }

    fn no_content_when_empty(&self) -> bool {
        true
    }

    fn list(
        &self,
        stream: &str,
        path: &HashMap<String, String>,
        filters: &Filters,
    ) -> Result<Vec<Value>, Refusal> {
        match stream {
            "workers" | "work_assignments" => {
                match filters.get("$filter").and_then(Value::as_str) {
                    Some(f) => self.by_filter(f),
                    None => Ok(self.workers.clone()),
                }
            }
            "pay_statements" => {
                let id = path.get("aoid").map(String::as_str).unwrap_or("");
                let Some(list) = self.statements.get(id) else {
                    return Err(Refusal::not_found(format!("No worker {id}")));
                };
                // The spec's summary: "Default = payStatements from the last 5 pay dates."
                let last = match filters.get("numberoflastpaydates") {
                    None => DEFAULT_LAST_PAY_DATES,
                    Some(v) => v
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                        .trim()
                        .parse::<usize>()
                        .map_err(|_| Refusal::bad("numberoflastpaydates is not a number"))?,
                };
                Ok(list[list.len().saturating_sub(last)..]
                    .iter()
                    .map(|s| s.summary.clone())
                    .collect())
            }
            "pay_statement_details" => {
                let id = path.get("aoid").map(String::as_str).unwrap_or("");
                let wanted = path
                    .get("pay_statement_id")
                    .map(String::as_str)
                    .unwrap_or("");
                let Some(list) = self.statements.get(id) else {
                    return Err(Refusal::not_found(format!("No worker {id}")));
                };
                let href = format!("/payroll/v1/workers/{id}/pay-statements/{wanted}");
                list.iter()
                    .find(|s| s.summary["payDetailUri"]["href"].as_str() == Some(href.as_str()))
                    .map(|s| vec![s.detail.clone()])
                    .ok_or_else(|| Refusal::not_found(format!("No pay statement {wanted}")))
            }
            other => Err(Refusal::not_found(format!("no stream {other}"))),
        }
    }

    fn add_like_last(&mut self, _stream: &str) -> Option<String> {
        // The file reads ADP in full every time (no changed-since filter in the spec).
        None
    }

    fn all(&self, stream: &str) -> Vec<Value> {
        match stream {
            "pay_statements" => self
                .statements
                .values()
                .flatten()
                .map(|s| s.summary.clone())
                .collect(),
            "pay_statement_details" => self
                .statements
                .values()
                .flatten()
                .map(|s| s.detail.clone())
                .collect(),
            "events" => self.events.clone(),
            _ => self
                .list(stream, &HashMap::new(), &Filters::new())
                .unwrap_or_default(),
        }
    }

    fn writes(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("POST", "/events/hr/v1/worker.hire"),
            ("POST", "/events/hr/v1/worker.terminate"),
        ]
    }

    fn write(
        &mut self,
        method: &str,
        path: &str,
        _headers: &axum::http::HeaderMap,
        body: &Value,
    ) -> Result<(u16, Value), Refusal> {
        match (method, path) {
            ("POST", "/events/hr/v1/worker.hire") => self.hire(body),
            ("POST", "/events/hr/v1/worker.terminate") => self.terminate(body),
            _ => Err(Refusal {
                status: 501,
                message: format!("the emulator does not take {method} {path}"),
            }),
        }
    }
}
