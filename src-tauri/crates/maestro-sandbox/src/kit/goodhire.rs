//! GoodHire's data (the unofficial spec's `Requestor` and `Report`): two of the company's
//! people order checks as requestors, and some of the company's people are candidates, each
//! with a report in one of the spec's states (clear, needs review, in progress, waiting on the
//! candidate, queued, action required, canceled). Every record starts from the spec's own
//! example; candidates gave no SSN (the example's would be the same for everyone), their phone
//! is there as the schema allows (the connector drops it).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use maestro_kit::BuiltIn;
use serde_json::{Map, Value, json};

use super::{Dataset, Filters, Refusal, template};
use crate::seed::{Company, NEW_HIRE_CHECK_LEAD_DAYS, Person, mix};

/// A GUID-shaped id, as GoodHire's report ids are in its docs (`{Id:"<guid>"}`).
fn guid(seed: u64, tag: u64, n: u64) -> String {
    let a = mix(seed, tag, n);
    let b = mix(seed, tag + 1, n);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        a as u16,
        (b >> 48) as u16,
        b & 0xffff_ffff_ffff
    )
}

/// The demo's GoodHire API key for `c` (40 hex digits).
pub(crate) fn api_key(c: &Company) -> String {
    format!(
        "{:08x}{:016x}{:016x}",
        (mix(c.seed, 1301, 0) >> 32) as u32,
        mix(c.seed, 1301, 1),
        mix(c.seed, 1301, 2)
    )
}

/// The demo company's GoodHire company id.
pub(crate) fn company_id(c: &Company) -> String {
    guid(c.seed, 1302, 0)
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc()
}

/// The demo's states, in the order candidates get them: (status, result), finished first.
const STATES: [(&str, Option<&str>); 7] = [
    ("complete", Some("clear")),
    ("complete", Some("needs review")),
    ("complete", Some("clear")),
    ("canceled", None),
    ("action_required", None),
    ("in_progress", None),
    ("pending_candidate", None),
];

struct GoodHire {
    key: String,
    company: String,
    requestors: Vec<Value>,
    /// (requestor id, report).
    reports: Vec<(String, Value)>,
    template: Map<String, Value>,
    people: Vec<Person>,
    seed: u64,
    today: NaiveDate,
    added: u64,
}

/// Builds GoodHire's data for `c`.
pub(crate) fn dataset(c: &Company, builtin: &'static BuiltIn) -> Box<dyn Dataset> {
    let req_t = template(builtin, "requestors");
    let mut report_t = template(builtin, "reports");
    if let Some(Value::Object(cand)) = report_t.get_mut("candidate") {
        cand.remove("ssn");
    }
    let mut d = GoodHire {
        key: api_key(c),
        company: company_id(c),
        requestors: Vec::new(),
        reports: Vec::new(),
        template: report_t,
        people: c.people.clone(),
        seed: c.seed,
        today: c.today,
        added: 0,
    };
    // The first two people (the owner's office) order the checks.
    for p in c.people.iter().take(2) {
        let mut r = req_t.clone();
        r.insert("id".into(), json!(guid(c.seed, 1303, p.index as u64)));
        r.insert("firstName".into(), json!(p.first_name));
        r.insert("lastName".into(), json!(p.last_name));
        r.insert("email".into(), json!(p.work_email));
        d.requestors.push(Value::Object(r));
    }
    let requestors: Vec<String> = d
        .requestors
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    // Every third person, from the third, was screened; the newest are still under way.
    let screened: Vec<&Person> = c.people.iter().filter(|p| p.index % 3 == 2).collect();
    let from = screened.len().saturating_sub(STATES.len());
    for (n, p) in screened.iter().enumerate() {
        let (status, result) = STATES[n.saturating_sub(from).min(STATES.len() - 1)];
        let status = if n < from { "complete" } else { status };
        let result = if n < from { Some("clear") } else { result };
        let ordered = if status == "complete" || status == "canceled" {
            p.hire_date - Duration::days(10)
        } else {
            c.today - Duration::days(4 - (n % 3) as i64)
        };
        let requestor = requestors
            .get(n % requestors.len().max(1))
            .cloned()
            .unwrap_or_default();
        let report = d.report(p, p.index as u64, ordered, status, result);
        d.reports.push((requestor, report));
    }
    // The new hire: screened a week before their start, and the report is still running.
    if let (Some(p), Some(requestor)) =
        (c.new_hire.and_then(|i| c.people.get(i)), requestors.first())
    {
        let ordered = p.hire_date - Duration::days(NEW_HIRE_CHECK_LEAD_DAYS);
        let report = d.report(p, p.index as u64, ordered, "in_progress", None);
        d.reports.push((requestor.clone(), report));
    }
    Box::new(d)
}

impl GoodHire {
    fn report(
        &self,
        p: &Person,
        n: u64,
        day: NaiveDate,
        status: &str,
        result: Option<&str>,
    ) -> Value {
        let mut r = self.template.clone();
        let created = at(day, 15);
        r.insert("id".into(), json!(guid(self.seed, 1305, n)));
        r.insert("status".into(), json!(status));
        match result {
            Some(t) => r.insert("result".into(), json!(t)),
            None => r.remove("result"),
        };
        let mut cand = match r.get("candidate") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        cand.insert("firstName".into(), json!(p.first_name));
        cand.insert("lastName".into(), json!(p.last_name));
        cand.insert("email".into(), json!(p.home_email));
        cand.insert("phone".into(), json!(p.phone));
        r.insert("candidate".into(), Value::Object(cand));
        r.insert(
            "productBundleId".into(),
            json!(if n.is_multiple_of(2) {
                "RPT_BASIC"
            } else {
                "RPT_STANDARD"
            }),
        );
        r.insert("createdAt".into(), json!(ts(created)));
        if status == "complete" {
            r.insert(
                "completedAt".into(),
                json!(ts(created + Duration::hours(52))),
            );
        } else {
            r.remove("completedAt");
        }
        Value::Object(r)
    }
}

impl Dataset for GoodHire {
    fn key(&self) -> &str {
        &self.key
    }

    fn account(&self) -> (&'static str, String) {
        ("company_id", self.company.clone())
    }

    fn check(&self) -> Value {
        // The connection test reads the requestors list.
        Value::Array(self.requestors.clone())
    }

    fn list(
        &self,
        stream: &str,
        path: &HashMap<String, String>,
        filters: &Filters,
    ) -> Result<Vec<Value>, Refusal> {
        // Neither list declares a parameter, so the routes refuse any before this.
        if let Some(k) = filters.keys().next() {
            return Err(Refusal::bad(format!(
                "`{k}` is not a parameter of {stream}"
            )));
        }
        match stream {
            "requestors" => Ok(self.requestors.clone()),
            "reports" => {
                let id = path.get("requestor_id").map(String::as_str);
                if !self.requestors.iter().any(|r| r["id"].as_str() == id) {
                    return Err(Refusal::not_found("Requestor not found"));
                }
                Ok(self
                    .reports
                    .iter()
                    .filter(|(r, _)| Some(r.as_str()) == id)
                    .map(|(_, report)| report.clone())
                    .collect())
            }
            other => Err(Refusal::not_found(format!("no stream {other}"))),
        }
    }

    fn add_like_last(&mut self, stream: &str) -> Option<String> {
        if stream != "reports" {
            return None;
        }
        let (requestor, _) = self.reports.last()?.clone();
        self.added += 1;
        let n = 9_000_000 + self.added;
        // A new hire's check, just ordered.
        let p = self
            .people
            .get(self.added as usize % self.people.len().max(1))?;
        let report = self.report(p, n, self.today, "queued", None);
        let id = report["id"].as_str()?.to_owned();
        self.reports.push((requestor, report));
        Some(id)
    }

    fn complete_check(&mut self, id: &str, at: DateTime<Utc>) -> bool {
        const OPEN: [&str; 4] = [
            "queued",
            "pending_candidate",
            "in_progress",
            "action_required",
        ];
        let Some((_, Value::Object(r))) = self.reports.iter_mut().find(|(_, r)| {
            r["id"] == json!(id) && r["status"].as_str().is_some_and(|s| OPEN.contains(&s))
        }) else {
            return false;
        };
        let created = r
            .get("createdAt")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(at, |t| t.with_timezone(&Utc));
        r.insert("status".into(), json!("complete"));
        r.insert("result".into(), json!("clear"));
        r.insert(
            "completedAt".into(),
            json!(ts(at.max(created + Duration::hours(1)))),
        );
        true
    }

    fn all(&self, stream: &str) -> Vec<Value> {
        match stream {
            "requestors" => self.requestors.clone(),
            "reports" => self.reports.iter().map(|(_, r)| r.clone()).collect(),
            _ => Vec::new(),
        }
    }
}
