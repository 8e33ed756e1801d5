//! Paychex Flex data for the kit emulator: the seeded company as one Paychex company, its
//! people as workers (the same names and work emails as every other tool, so identity matching
//! joins them), their pay rates, and the payroll history Gusto's emulator pays (same periods,
//! hours and amounts, so the reconciliation story is the same whichever payroll is connected:
//! the rate that differs from the HRIS, the leaver payroll still has active, the hours paid
//! that differ from the hours tracked). Members follow the spec's schemas and, where the
//! schemas and examples disagree, its processed-check examples (`netPay`, `amount`, `hours`,
//! `paidBy`). Writes: worker create and update, held to the spec's request schemas by the
//! routes; a create answers 201 with the IN_PROGRESS worker, as the spec's example does.
//!
//! Worker lists answer as Paychex's workers reference says they do
//! (developer.paychex.com/api-documentation-and-exploration/api-references/workers: "workers
//! that exist within Paychex Flex payroll that have a givenName, familyName, and legalID will
//! be available"): a worker added through the API without a legal id is not listed until
//! someone completes it in Flex; a search that finds no one is the spec's 404 (API-43).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use maestro_kit::BuiltIn;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Dataset, Filters, Refusal};
use crate::gusto::data::{TrackedHours, dec};
use crate::seed::{Company, Pay, Person, mix};

/// A Paychex-looking id: 20 capitals and digits (`00H2A1IUKDU2H84400C9`).
fn pxid(seed: u64, tag: u64, index: u64) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = String::from("00");
    for i in 0..18 {
        out.push(CHARS[(mix(seed, tag, index * 32 + i) % CHARS.len() as u64) as usize] as char);
    }
    out
}

/// A day as Paychex writes it: `YYYY-MM-DDT00:00:00Z`.
fn day(d: NaiveDate) -> String {
    format!("{d}T00:00:00Z")
}

/// The demo's Paychex client id (API key) for `c`.
pub(crate) fn client_id(c: &Company) -> String {
    format!("l7{}", pxid(c.seed, 2101, 0).to_ascii_lowercase())
}

/// The demo's Paychex client secret for `c`.
pub(crate) fn client_secret(c: &Company) -> String {
    pxid(c.seed, 2103, 0).to_ascii_lowercase()
}

/// The company's id for `c`.
pub(crate) fn company_id(c: &Company) -> String {
    pxid(c.seed, 2105, 0)
}

/// The worker id of the person at `index`.
pub(crate) fn worker_id(c: &Company, index: usize) -> String {
    pxid(c.seed, 2107, index as u64)
}

struct Paychex {
    company_id: String,
    client: (String, String),
    company: Value,
    workers: Vec<Value>,
    rates: HashMap<String, Vec<Value>>,
    periods: Vec<Value>,
    checks: HashMap<String, Vec<Value>>,
    seed: u64,
}

/// Builds Paychex's data for `c`.
pub(crate) fn dataset(c: &Company, _builtin: &'static BuiltIn) -> Box<dyn Dataset> {
    let company_id = company_id(c);
    let mut workers: Vec<Value> = c.people.iter().map(|p| worker(c, p)).collect();
    if let Some(k) = &c.contractor {
        let id = pxid(c.seed, 2109, 0);
        workers.push(json!({
            "workerId": id,
            "employeeId": format!("{}", 9000),
            "workerType": "INDEPENDENT_CONTRACTOR",
            "hireDate": day(c.today - Duration::days(200)),
            "name": {"givenName": k.first_name, "familyName": k.last_name},
            "legalId": {"legalIdType": "SSN", "legalIdValue": format!("9{:08}", mix(c.seed, 2119, 9000) % 100_000_000)},
            "communications": [{"communicationId": pxid(c.seed, 2111, 0), "type": "EMAIL", "usageType": "BUSINESS", "uri": k.email}],
            "currentStatus": {"workerStatusId": pxid(c.seed, 2113, 0), "statusType": "ACTIVE", "statusReason": "HIRED", "effectiveDate": day(c.today - Duration::days(200))},
            "links": [{"rel": "self", "href": format!("https://api.paychex.com/workers/{id}")}],
        }));
    }
    let rates = c
        .people
        .iter()
        .map(|p| (worker_id(c, p.index), vec![rate(c, p)]))
        .collect();
    let ids: HashMap<String, String> = c
        .people
        .iter()
        .map(|p| (p.gusto_uuid.clone(), worker_id(c, p.index)))
        .collect();
    let gusto = crate::gusto::data::build(c, &TrackedHours::of_company(c));
    let mut periods = Vec::new();
    let mut checks = HashMap::new();
    for (n, payroll) in gusto.payrolls.iter().enumerate() {
        let (period, lines) = period(c, payroll, n as u64, &ids);
        let id = period["payPeriodId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        periods.push(period);
        checks.insert(id, lines);
    }
    Box::new(Paychex {
        company: json!({
            "companyId": company_id,
            "displayId": format!("{:08}", mix(c.seed, 2115, 0) % 100_000_000),
            "legalName": c.legal_name,
            "hasPermission": true,
            "legalId": {"legalIdType": "FEIN", "legalIdValue": c.ein.replace('-', "")},
            "communications": [],
            "links": [
                {"rel": "self", "href": format!("https://api.paychex.com/companies/{company_id}")},
                {"rel": "workers", "href": format!("https://api.paychex.com/companies/{company_id}/workers")},
            ],
        }),
        company_id,
        client: (client_id(c), client_secret(c)),
        workers,
        rates,
        periods,
        checks,
        seed: c.seed,
    })
}

/// A worker as `GET /companies/{companyId}/workers` gives it with communications. Payroll's
/// view of employment: a termination HRIS recorded but payroll has not processed (the
/// sandbox's stale termination) is still ACTIVE here.
fn worker(c: &Company, p: &Person) -> Value {
    let id = worker_id(c, p.index);
    let dept = &c.departments[p.department];
    let terminated = p.terminated_on.filter(|_| p.terminated_in_gusto);
    let status = match terminated {
        Some(d) => {
            json!({"workerStatusId": pxid(c.seed, 2117, p.index as u64), "statusType": "TERMINATED", "statusReason": "RESIGNED", "effectiveDate": day(d)})
        }
        None => {
            json!({"workerStatusId": pxid(c.seed, 2117, p.index as u64), "statusType": "ACTIVE", "statusReason": "HIRED", "effectiveDate": day(p.hire_date)})
        }
    };
    json!({
        "workerId": id,
        "employeeId": format!("{}", 100 + p.index),
        "workerType": "EMPLOYEE",
        "employmentType": if p.full_time { "FULL_TIME" } else { "PART_TIME" },
        "exemptionType": if p.gusto_pay.is_hourly() { "NON_EXEMPT" } else { "EXEMPT" },
        "birthDate": day(p.birth_date),
        "hireDate": day(p.hire_date),
        "name": {"givenName": p.first_name, "familyName": p.last_name},
        "legalId": {"legalIdType": "SSN", "legalIdValue": format!("9{:08}", mix(c.seed, 2119, p.index as u64) % 100_000_000)},
        "locationId": pxid(c.seed, 2121, p.location as u64),
        "job": {"jobTitleId": pxid(c.seed, 2123, p.index as u64), "title": p.title},
        "organization": {"organizationId": pxid(c.seed, 2125, p.department as u64), "name": dept.title, "number": format!("{}", p.department + 1)},
        "currentStatus": status,
        "communications": [
            {"communicationId": pxid(c.seed, 2127, p.index as u64), "type": "EMAIL", "usageType": "BUSINESS", "uri": p.work_email},
            {"communicationId": pxid(c.seed, 2129, p.index as u64), "type": "EMAIL", "usageType": "PERSONAL", "uri": p.home_email},
        ],
        "links": [
            {"rel": "self", "href": format!("https://api.paychex.com/workers/{id}")},
            {"rel": "communications", "href": format!("https://api.paychex.com/workers/{id}/communications")},
        ],
    })
}

/// The worker's pay rate as payroll has it (`gusto_pay`: the payroll side of the sandbox).
fn rate(c: &Company, p: &Person) -> Value {
    let id = worker_id(c, p.index);
    let rate_id = format!("{}", 970_000_054_610_000u64 + p.index as u64);
    let (kind, amount) = match p.gusto_pay {
        Pay::Hourly(r) => ("HOURLY_RATE", dec(r, 2)),
        Pay::Salary(s) => ("ANNUAL_SALARY", dec(s, 2)),
    };
    json!({
        "rateId": rate_id,
        "startDate": day(p.hire_date),
        "rateNumber": "RATE_1",
        "rateType": kind,
        "description": if p.gusto_pay.is_hourly() { "Hourly" } else { "Salary" },
        "amount": amount,
        "standardHours": "80.00",
        "default": true,
        "links": [{"rel": "self", "href": format!("https://api.paychex.com/workers/{id}/compensation/payrates/{rate_id}")}],
    })
}

/// A JSON number or string as an exact decimal (Gusto's emulator writes numbers).
fn decimal(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().unwrap_or_default(),
        other => other.to_string().parse().unwrap_or_default(),
    }
}

/// One of Gusto's payrolls as a Paychex pay period and its processed checks: the earnings
/// with their hours, the benefit deductions, the employee's taxes withheld (gross − net −
/// deductions) and the employer's (7.65%, as Gusto's emulator computes them). The draft payroll
/// is the open period (ENTRY) with no checks yet.
fn period(
    c: &Company,
    payroll: &Value,
    n: u64,
    ids: &HashMap<String, String>,
) -> (Value, Vec<Value>) {
    let id = format!("{}", 850_000_414_000_000u64 + n);
    let start = payroll["pay_period"]["start_date"]
        .as_str()
        .unwrap_or_default();
    let end = payroll["pay_period"]["end_date"]
        .as_str()
        .unwrap_or_default();
    let check_date = payroll["check_date"].as_str().unwrap_or_default();
    let processed = payroll["processed"] == json!(true);
    let mut lines = Vec::new();
    if processed {
        for (i, comp) in payroll["employee_compensations"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(worker) = comp["employee_uuid"].as_str().and_then(|u| ids.get(u)) else {
                continue;
            };
            let gross = decimal(&comp["gross_pay"]);
            let net = decimal(&comp["net_pay"]);
            let hourly = &comp["hourly_compensations"][0];
            let hours = decimal(&hourly["hours"]);
            let salaried = hourly["flsa_status"].as_str() == Some("Exempt");
            let mut deductions = Vec::new();
            let mut withheld = Decimal::ZERO;
            for (j, b) in comp["benefits"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                let amount = decimal(&b["employee_deduction"]);
                withheld += amount;
                deductions.push(json!({
                    "componentId": pxid(c.seed, 2131, j as u64),
                    "checkComponentId": pxid(c.seed, 2133, n * 10_000 + (i * 10 + j) as u64),
                    "name": b["name"],
                    "classificationType": "DEDUCTION",
                    "effectOnPay": "REDUCTION",
                    "memoed": false,
                    "amount": dec(amount, 2),
                }));
            }
            let employee_tax = gross - net - withheld;
            let employer_tax = (gross * Decimal::new(765, 4)).round_dp(2);
            let mut earning = json!({
                "componentId": pxid(c.seed, 2135, u64::from(salaried)),
                "checkComponentId": pxid(c.seed, 2137, n * 10_000 + i as u64),
                "name": if salaried { "Salary" } else { "Hourly" },
                "classificationType": "REGULAR",
                "effectOnPay": "ADDITION",
                "memoed": false,
                "amount": dec(gross, 2),
                "hours": dec(hours, 2),
            });
            if !salaried && !hours.is_zero() {
                earning["rate"] = json!(dec((gross / hours).round_dp(4), 4));
            }
            lines.push(json!({
                "payPeriodId": id,
                "paycheckId": pxid(c.seed, 2139, n * 10_000 + i as u64),
                "workerId": worker,
                "checkDate": day(check_date.parse().unwrap_or(c.today)),
                "netPay": dec(net, 2),
                "checkType": "Regular",
                "checkNumber": format!("{}", n * 1000 + i as u64 + 1),
                "earnings": [earning],
                "deductions": deductions,
                "taxes": [
                    {"name": "Federal Income Tax", "paidBy": "EMPLOYEE_WITHHOLDING", "amount": dec(employee_tax, 2)},
                    {"name": "Employer Social Security and Medicare Tax", "paidBy": "EMPLOYER_LIABILITY", "amount": dec(employer_tax, 2)},
                ],
                "links": [],
            }));
        }
    }
    let when = |t: &str| t.parse::<NaiveDate>().map(day).unwrap_or_default();
    let period = json!({
        "payPeriodId": id,
        "intervalCode": "BI_WEEKLY",
        "status": if processed { "COMPLETED" } else { "ENTRY" },
        "description": "Bi-weekly Payroll (1)",
        "startDate": when(start),
        "endDate": when(end),
        "submitByDate": when(check_date),
        "checkDate": when(check_date),
        "checkCount": lines.len(),
        "links": [],
    });
    (period, lines)
}

/// Paychex's error body for `status` (spec `ErrorResource`, as its examples wrap it in
/// `errors`): the code its examples give for the status, `message` as the description, and
/// the examples' resolution. A status the spec gives no code for (429) has none. A message
/// that starts with its own code (`API-43: …`, a refusal the spec gives a specific code)
/// carries that code instead.
pub(crate) fn errors(status: u16, message: &str) -> Value {
    if let Some((code, rest)) = message.split_once(": ").filter(|(c, _)| {
        c.strip_prefix("API-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }) {
        let mut body = errors(status, rest);
        body["errors"][0]["code"] = json!(code);
        return body;
    }
    let (code, resolution) = match status {
        400 => (Some("API-40"), "Please send the valid request"),
        401 => (
            Some("API-102"),
            "Make sure that you are using the correct API key/Secret and that your application is enabled.",
        ),
        403 => (
            Some("API-2"),
            "Please have your company administrator give your application access to the resource.",
        ),
        404 => (Some("API-7"), "Send a valid resource in your request"),
        405 => (Some("API-59"), "Send a supported method"),
        406 => (
            Some("API-75"),
            "Please refer to our documentation and send the correct vendor media type",
        ),
        500 => (
            Some("API-1"),
            "Please contact Paychex API Developer Center Support.",
        ),
        _ => (None, "Try again later."),
    };
    let mut error = json!({"description": message, "resolution": resolution});
    if let Some(code) = code {
        error["code"] = json!(code);
    }
    json!({"errors": [error]})
}

impl Paychex {
    fn worker_index(&self, id: &str) -> Option<usize> {
        self.workers
            .iter()
            .position(|w| w["workerId"].as_str() == Some(id))
    }
}

/// Text of filter `name`, when given.
fn text<'a>(filters: &'a Filters, name: &str) -> Option<&'a str> {
    filters.get(name).and_then(Value::as_str)
}

/// Whether Paychex lists `w`: a given name, a family name and a legal id (the workers
/// reference; an IN_PROGRESS worker added without one is not listed).
fn listed(w: &Value) -> bool {
    let has = |v: &Value| v.as_str().is_some_and(|t| !t.trim().is_empty());
    has(&w["name"]["givenName"])
        && has(&w["name"]["familyName"])
        && has(&w["legalId"]["legalIdValue"])
}

/// Worker members a PATCH never changes (WorkerResourceV2: workerType "cannot be PATCHED",
/// jobId "cannot be POSTED or PATCHED", communications "cannot be updated for worker
/// endpoint"), and those it does not change for an ACTIVE worker ("cannot be PATCHED for
/// ACTIVE workers").
const NEVER_PATCHED: [&str; 3] = ["workerType", "jobId", "communications"];
/// See [`NEVER_PATCHED`].
const NOT_PATCHED_WHEN_ACTIVE: [&str; 4] =
    ["exemptionType", "ethnicityCode", "hireDate", "legalId"];

/// The workers list's search parameters (spec: GET /companies/{companyId}/workers).
const WORKER_SEARCH: [&str; 7] = [
    "givenname",
    "familyname",
    "legallastfour",
    "employeeid",
    "from",
    "to",
    "locationid",
];

impl Dataset for Paychex {
    fn key(&self) -> &str {
        &self.client.0
    }

    fn account(&self) -> (&'static str, String) {
        ("company_id", self.company_id.clone())
    }

    fn check(&self) -> Value {
        json!({"metadata": {"contentItemCount": 1}, "content": [self.company.clone()], "links": []})
    }

    fn client(&self) -> Option<(&str, &str)> {
        Some((&self.client.0, &self.client.1))
    }

    fn list(
        &self,
        stream: &str,
        path: &HashMap<String, String>,
        filters: &Filters,
    ) -> Result<Vec<Value>, Refusal> {
        match stream {
            "companies" => Ok(match text(filters, "displayid") {
                Some(d) if self.company["displayId"].as_str() != Some(d) => Vec::new(),
                _ => vec![self.company.clone()],
            }),
            "workers" => {
                // The spec's filter groups (operation description): names, employee id.
                let by = |w: &&Value| {
                    text(filters, "employeeid").is_none_or(|e| w["employeeId"].as_str() == Some(e))
                        && text(filters, "givenname").is_none_or(|g| {
                            w["name"]["givenName"]
                                .as_str()
                                .is_some_and(|n| n.eq_ignore_ascii_case(g))
                        })
                        && text(filters, "familyname").is_none_or(|f| {
                            w["name"]["familyName"]
                                .as_str()
                                .is_some_and(|n| n.eq_ignore_ascii_case(f))
                        })
                };
                let found: Vec<Value> = self
                    .workers
                    .iter()
                    .filter(|w| listed(w))
                    .filter(by)
                    .cloned()
                    .collect();
                let searched = WORKER_SEARCH.iter().any(|p| text(filters, p).is_some());
                if searched && found.is_empty() {
                    // Spec: 404 "No existing worker found matching search criteria (API-43)".
                    return Err(Refusal::not_found(
                        "API-43: No existing worker found matching search criteria.",
                    ));
                }
                Ok(found)
            }
            "pay_rates" => {
                let id = path
                    .get("worker_id")
                    .map(String::as_str)
                    .unwrap_or_default();
                if self.worker_index(id).is_none() {
                    return Err(Refusal::not_found(format!("No worker {id}")));
                }
                Ok(self.rates.get(id).cloned().unwrap_or_default())
            }
            "pay_periods" => Ok(match text(filters, "status") {
                Some(s) => self
                    .periods
                    .iter()
                    .filter(|p| p["status"].as_str() == Some(s))
                    .cloned()
                    .collect(),
                None => self.periods.clone(),
            }),
            "checks" => {
                let id = text(filters, "payperiodid").unwrap_or_default();
                match self.checks.get(id) {
                    Some(lines) => Ok(lines.clone()),
                    None => Err(Refusal::bad(format!("Invalid pay period ID {id}"))),
                }
            }
            _ => Err(Refusal::not_found("No such stream")),
        }
    }

    fn add_like_last(&mut self, stream: &str) -> Option<String> {
        if stream != "workers" {
            return None;
        }
        let mut w = self.workers.first()?.clone();
        let id = pxid(self.seed, 2141, self.workers.len() as u64);
        w["workerId"] = json!(id);
        w["employeeId"] = json!(format!("{}", 5000 + self.workers.len()));
        self.workers.push(w);
        Some(id)
    }

    fn all(&self, stream: &str) -> Vec<Value> {
        match stream {
            "companies" => vec![self.company.clone()],
            "workers" => self.workers.clone(),
            "pay_rates" => self.rates.values().flatten().cloned().collect(),
            "pay_periods" => self.periods.clone(),
            "checks" => self.checks.values().flatten().cloned().collect(),
            _ => Vec::new(),
        }
    }

    fn writes(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("POST", "/companies/{companyId}/workers"),
            ("PATCH", "/workers/{workerId}"),
        ]
    }

    fn write_at(
        &mut self,
        method: &str,
        path: &str,
        params: &HashMap<String, String>,
        _headers: &axum::http::HeaderMap,
        body: &Value,
    ) -> Result<(u16, Value), Refusal> {
        // The correlation header is for troubleshooting only; `workerCorrelationId` is the
        // body's own member (WorkerResource), echoed as the client sent it.
        match (method, path) {
            ("POST", "/companies/{companyId}/workers") => {
                let n = self.workers.len() as u64;
                let id = pxid(self.seed, 2143, n);
                let mut w = body.clone();
                let Some(m) = w.as_object_mut() else {
                    return Err(Refusal::bad("The body must be a worker"));
                };
                m.insert("workerId".into(), json!(id));
                m.insert(
                    "currentStatus".into(),
                    json!({"workerStatusId": pxid(self.seed, 2145, n), "statusType": "IN_PROGRESS", "statusReason": "PENDING_HIRE", "effectiveDate": day(Utc::now().date_naive())}),
                );
                m.insert(
                    "links".into(),
                    json!([{"rel": "self", "href": format!("https://api.paychex.com/workers/{id}")}]),
                );
                self.workers.push(w.clone());
                Ok((
                    201,
                    json!({"metadata": {"contentItemCount": 1}, "content": [w]}),
                ))
            }
            ("PATCH", "/workers/{workerId}") => {
                let id = params
                    .get("workerId")
                    .or_else(|| params.get("worker_id"))
                    .cloned()
                    .unwrap_or_default();
                let Some(i) = self.worker_index(&id) else {
                    return Err(Refusal::not_found(format!("No worker {id}")));
                };
                let Some(changes) = body.as_object() else {
                    return Err(Refusal::bad("The body must be a worker"));
                };
                let active = self.workers[i]["currentStatus"]["statusType"] == "ACTIVE";
                for key in changes.keys() {
                    let never = key == "workerId" || NEVER_PATCHED.contains(&key.as_str());
                    if never || (active && NOT_PATCHED_WHEN_ACTIVE.contains(&key.as_str())) {
                        // Spec PATCH 400: "Invalid field (API-17)".
                        return Err(Refusal::bad(format!(
                            "API-17: The field '{key}' cannot be PATCHED{}.",
                            if never { "" } else { " for an ACTIVE worker" }
                        )));
                    }
                }
                // Status1: "cannot be POSTED or PATCHED for an IN_PROGRESS worker" (API-19).
                if changes.contains_key("currentStatus")
                    && self.workers[i]["currentStatus"]["statusType"] == "IN_PROGRESS"
                {
                    return Err(Refusal::bad(
                        "API-19: The request cannot be performed since the worker is in a state which does not allow this action",
                    ));
                }
                let w = &mut self.workers[i];
                for (k, v) in changes {
                    match (w.get_mut(k), v) {
                        (Some(Value::Object(old)), Value::Object(new)) => {
                            for (nk, nv) in new {
                                old.insert(nk.clone(), nv.clone());
                            }
                        }
                        _ => {
                            w[k] = v.clone();
                        }
                    }
                }
                Ok((
                    200,
                    json!({"metadata": {"contentItemCount": 1}, "content": [w.clone()]}),
                ))
            }
            _ => Err(Refusal {
                status: 405,
                message: format!("The request method type is unsupported: {method} {path}"),
            }),
        }
    }

    fn decorate(&self, stream: &str, body: &mut Value, page: Option<(usize, usize)>, total: usize) {
        let _ = stream;
        let count = body["content"].as_array().map_or(0, Vec::len);
        let mut metadata = json!({"contentItemCount": count});
        if let Some((offset, limit)) = page {
            metadata["pagination"] =
                json!({"offset": offset, "limit": limit, "itemCount": count, "total": total});
        }
        body["metadata"] = metadata;
        body["links"] = json!([]);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_paychex_ids_and_days_are_midnight_utc() {
        let id = pxid(7, 1, 2);
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("00"));
        assert!(
            id.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert_eq!(
            day(NaiveDate::from_ymd_opt(2019, 9, 3).unwrap()),
            "2019-09-03T00:00:00Z"
        );
    }
}
