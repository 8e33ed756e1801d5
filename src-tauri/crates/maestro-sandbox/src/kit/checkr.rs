//! Checkr's data (spec `Account`, `Candidate`, `Report`, `Invitation`): some of the company's
//! people as candidates, each with a report, in a mix of states (clear, consider, still
//! pending, one with an older clear report too), and the invitations behind them plus two
//! still waiting on the candidate and one that expired. Every record starts from the spec's
//! own example; the screenings embedded in the example report are left out, as the connector
//! never asks for them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use maestro_kit::BuiltIn;
use serde_json::{Map, Value, json};

use super::{Dataset, Filters, Refusal, check_template, template};
use crate::seed::{Company, NEW_HIRE_CHECK_LEAD_DAYS, Person, mix};

/// Checkr ids are 24 hex digits.
fn object_id(seed: u64, tag: u64, n: u64) -> String {
    format!(
        "{:08x}{:016x}",
        (mix(seed, tag, n) >> 32) as u32,
        mix(seed, tag + 1, n)
    )
}

/// The demo's Checkr secret API key for `c` (40 hex digits, like the docs' examples).
pub(crate) fn api_key(c: &Company) -> String {
    format!(
        "{:08x}{:016x}{:016x}",
        (mix(c.seed, 1101, 0) >> 32) as u32,
        mix(c.seed, 1101, 1),
        mix(c.seed, 1101, 2)
    )
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc()
}

/// How a candidate's check stands in the demo.
#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Clear,
    Consider,
    Pending,
}

struct Checkr {
    key: String,
    account: Value,
    candidates: Vec<Value>,
    reports: Vec<Value>,
    invitations: Vec<Value>,
    templates: (Map<String, Value>, Map<String, Value>),
    seed: u64,
    today: NaiveDate,
    added: u64,
    /// The account's packages (`GET /packages`).
    packages: Vec<Value>,
    /// What `POST /candidates` and `POST /invitations` create.
    orders: Orders,
}

/// Builds Checkr's data for `c`.
pub(crate) fn dataset(c: &Company, builtin: &'static BuiltIn) -> Box<dyn Dataset> {
    let mut cand_t = template(builtin, "candidates");
    for k in [
        "ssn",
        "dob",
        "driver_license_number",
        "previous_driver_license_number",
    ] {
        // The demo's candidates gave none of these (the spec's examples would be the same
        // person's for everyone).
        cand_t.remove(k);
    }
    let mut report_t = template(builtin, "reports");
    report_t.remove("drug_screening");
    let inv_t = template(builtin, "invitations");
    let orders = Orders {
        candidate: cand_t.clone(),
        replays: HashMap::new(),
        created: 0,
    };
    let package_t = template(builtin, "packages");
    let mut d = Checkr {
        key: api_key(c),
        account: Value::Null,
        candidates: Vec::new(),
        reports: Vec::new(),
        invitations: Vec::new(),
        templates: (report_t, inv_t),
        seed: c.seed,
        today: c.today,
        added: 0,
        packages: Vec::new(),
        orders,
    };
    d.packages = packages(&package_t, c.seed);
    let mut account = check_template(builtin);
    account.insert("id".into(), json!(object_id(c.seed, 1102, 0)));
    account.insert("name".into(), json!(c.name));
    // A small business's account: credentialed to order through the API, without the
    // hierarchy (nodes) that would make `node` and `work_locations` required on invitations.
    account.insert("authorized".into(), json!(true));
    account.insert("api_authorized".into(), json!(true));
    account.insert("segmentation_enabled".into(), json!(false));
    if let Some(Value::Object(company)) = account.get_mut("company") {
        company.insert("name".into(), json!(c.legal_name));
        company.insert("dba_name".into(), json!(c.name));
    } else {
        account.insert(
            "company".into(),
            json!({"name": c.legal_name, "dba_name": c.name}),
        );
    }
    d.account = Value::Object(account);
    // Every third person was screened; the last two screened are still pending.
    let screened: Vec<&Person> = c.people.iter().filter(|p| p.index % 3 == 0).collect();
    let newest = screened.len().saturating_sub(2);
    for (n, p) in screened.iter().enumerate() {
        let state = if n >= newest {
            State::Pending
        } else if n % 4 == 1 {
            State::Consider
        } else {
            State::Clear
        };
        let cand = d.candidate(&cand_t, p);
        let id = cand["id"].as_str().unwrap_or_default().to_owned();
        let ordered = if state == State::Pending {
            c.today - Duration::days(3)
        } else {
            p.hire_date - Duration::days(12)
        };
        let mut report_ids = Vec::new();
        if n == 0 {
            // Screened once before, years earlier, and clear.
            let old = d.report(
                &id,
                p.index as u64 + 500,
                ordered - Duration::days(900),
                State::Clear,
            );
            report_ids.push(old);
        }
        let report = d.report(&id, p.index as u64, ordered, state);
        d.invitation(
            &id,
            p.index as u64,
            ordered - Duration::days(1),
            "completed",
            Some(&report),
        );
        report_ids.push(report);
        let mut cand = cand;
        cand.insert("report_ids".into(), json!(report_ids));
        d.candidates.push(Value::Object(cand));
    }
    // Invited, not yet done: two waiting on the candidate, one who let it expire.
    let invited: Vec<&Person> = c
        .people
        .iter()
        .filter(|p| p.index % 3 == 1)
        .take(3)
        .collect();
    for (n, p) in invited.iter().enumerate() {
        let mut cand = d.candidate(&cand_t, p);
        cand.insert("report_ids".into(), json!([]));
        let id = cand["id"].as_str().unwrap_or_default().to_owned();
        let (status, sent) = if n < 2 {
            ("pending", c.today - Duration::days(2 + n as i64))
        } else {
            ("expired", c.today - Duration::days(30))
        };
        d.invitation(&id, p.index as u64, sent, status, None);
        d.candidates.push(Value::Object(cand));
    }
    // The new hire: screened a week before their start, and the report is still pending.
    if let Some(p) = c.new_hire.and_then(|i| c.people.get(i)) {
        let mut cand = d.candidate(&cand_t, p);
        let id = cand["id"].as_str().unwrap_or_default().to_owned();
        let ordered = p.hire_date - Duration::days(NEW_HIRE_CHECK_LEAD_DAYS);
        let report = d.report(&id, p.index as u64, ordered, State::Pending);
        let n = p.index as u64;
        d.invitation(
            &id,
            n,
            ordered - Duration::days(1),
            "completed",
            Some(&report),
        );
        cand.insert("report_ids".into(), json!([report]));
        d.candidates.push(Value::Object(cand));
    }
    Box::new(d)
}

impl Checkr {
    fn candidate(&self, t: &Map<String, Value>, p: &Person) -> Map<String, Value> {
        let id = object_id(self.seed, 1103, p.index as u64);
        let mut cand = t.clone();
        cand.insert("id".into(), json!(id));
        cand.insert("uri".into(), json!(format!("/v1/candidates/{id}")));
        cand.insert("first_name".into(), json!(p.first_name));
        cand.insert("last_name".into(), json!(p.last_name));
        cand.insert("no_middle_name".into(), json!(true));
        cand.remove("middle_name");
        cand.insert("email".into(), json!(p.home_email));
        cand.insert("phone".into(), json!(p.phone));
        cand.insert(
            "custom_id".into(),
            json!(format!("bluebird-{}", p.index + 1)),
        );
        cand.insert("geo_ids".into(), json!([]));
        cand.insert("metadata".into(), json!({}));
        cand.remove("adjudication");
        cand.remove("postal_address");
        cand
    }

    /// Adds a report for `candidate` ordered on `day`; its id.
    fn report(&mut self, candidate: &str, n: u64, day: NaiveDate, state: State) -> String {
        let id = object_id(self.seed, 1105, n);
        let mut r = self.templates.0.clone();
        let created = at(day, 16);
        r.insert("id".into(), json!(id));
        r.insert("uri".into(), json!(format!("/v1/reports/{id}")));
        r.insert("candidate_id".into(), json!(candidate));
        r.insert("package".into(), json!("tasker_standard"));
        r.insert("source".into(), json!("form"));
        r.insert("created_at".into(), json!(ts(created)));
        r.insert("revised_at".into(), Value::Null);
        r.insert("upgraded_at".into(), Value::Null);
        r.insert("includes_canceled".into(), json!(false));
        let eta = created + Duration::days(3);
        match state {
            State::Pending => {
                r.insert("status".into(), json!("pending"));
                r.insert("result".into(), Value::Null);
                r.insert("adjudication".into(), Value::Null);
                r.insert("assessment".into(), Value::Null);
                r.remove("completed_at");
                r.remove("turnaround_time");
                r.insert(
                    "estimated_completion_time".into(),
                    json!(ts(at(eta.date_naive(), 0))),
                );
            }
            State::Clear | State::Consider => {
                let done = created + Duration::hours(50);
                r.insert("status".into(), json!("complete"));
                let consider = state == State::Consider;
                r.insert(
                    "result".into(),
                    json!(if consider { "consider" } else { "clear" }),
                );
                // The owner has reviewed the consider report and engaged the candidate.
                r.insert(
                    "adjudication".into(),
                    if consider {
                        json!("engaged")
                    } else {
                        Value::Null
                    },
                );
                r.insert("assessment".into(), Value::Null);
                r.insert("completed_at".into(), json!(ts(done)));
                r.insert(
                    "turnaround_time".into(),
                    json!((done - created).num_seconds()),
                );
                r.insert(
                    "estimated_completion_time".into(),
                    json!(ts(at(eta.date_naive(), 0))),
                );
            }
        }
        self.reports.push(Value::Object(r));
        id
    }

    fn invitation(
        &mut self,
        candidate: &str,
        n: u64,
        day: NaiveDate,
        status: &str,
        report: Option<&str>,
    ) {
        let id = object_id(self.seed, 1107, n);
        let mut i = self.templates.1.clone();
        let created = at(day, 15);
        i.insert("id".into(), json!(id));
        i.insert("uri".into(), json!(format!("/v1/invitations/{id}")));
        i.insert(
            "invitation_url".into(),
            json!(format!(
                "https://apply.checkr.com/invite/bluebird/{}/test",
                &id[..12]
            )),
        );
        i.insert("status".into(), json!(status));
        i.insert("created_at".into(), json!(ts(created)));
        i.insert("expires_at".into(), json!(ts(created + Duration::days(7))));
        i.insert(
            "completed_at".into(),
            match status {
                "completed" => json!(ts(created + Duration::hours(20))),
                _ => Value::Null,
            },
        );
        i.insert("deleted_at".into(), Value::Null);
        i.insert("package".into(), json!("tasker_standard"));
        i.insert("candidate_id".into(), json!(candidate));
        i.insert("report_id".into(), report.map_or(Value::Null, |r| json!(r)));
        i.insert("archived".into(), json!(false));
        i.remove("archived_info");
        self.invitations.push(Value::Object(i));
    }
}

/// Refuses a declared filter this emulator does not apply (rather than ignore it).
fn unapplied(filters: &Filters, applied: &[&str]) -> Result<(), Refusal> {
    match filters
        .keys()
        .find(|k| !applied.contains(&k.as_str()) && !["page", "per_page"].contains(&k.as_str()))
    {
        Some(k) => Err(Refusal {
            status: 501,
            message: format!("the emulator does not filter on `{k}` yet"),
        }),
        None => Ok(()),
    }
}

impl Dataset for Checkr {
    fn key(&self) -> &str {
        &self.key
    }

    fn account(&self) -> (&'static str, String) {
        // No path names the account: the key alone reaches it.
        (
            "account_id",
            self.account["id"].as_str().unwrap_or_default().to_owned(),
        )
    }

    fn check(&self) -> Value {
        self.account.clone()
    }

    fn list(
        &self,
        stream: &str,
        path: &HashMap<String, String>,
        filters: &Filters,
    ) -> Result<Vec<Value>, Refusal> {
        let text = |k: &str| filters.get(k).and_then(Value::as_str);
        match stream {
            "candidates" => {
                unapplied(filters, &["email"])?;
                Ok(self
                    .candidates
                    .iter()
                    .filter(|c| text("email").is_none_or(|e| c["email"] == json!(e)))
                    .cloned()
                    .collect())
            }
            "reports" => {
                let id = path.get("id").or_else(|| path.get("report_id"));
                self.reports
                    .iter()
                    .find(|r| id.is_some_and(|id| r["id"] == json!(id)))
                    .map(|r| vec![r.clone()])
                    .ok_or_else(|| Refusal::not_found("Not found"))
            }
            "invitations" => {
                unapplied(filters, &["candidate_id", "status"])?;
                let status = text("status");
                if status.is_some_and(|s| !["pending", "completed", "expired"].contains(&s)) {
                    return Err(Refusal::bad("status must be pending, completed or expired"));
                }
                Ok(self
                    .invitations
                    .iter()
                    .filter(|i| status.is_none_or(|s| i["status"] == json!(s)))
                    .filter(|i| text("candidate_id").is_none_or(|c| i["candidate_id"] == json!(c)))
                    .cloned()
                    .collect())
            }
            "packages" => {
                unapplied(filters, &[])?;
                Ok(self.packages.clone())
            }
            other => Err(Refusal::not_found(format!("no stream {other}"))),
        }
    }

    fn add_like_last(&mut self, stream: &str) -> Option<String> {
        let candidate = self.candidates.last()?["id"].as_str()?.to_owned();
        self.added += 1;
        let n = 9_000_000 + self.added;
        match stream {
            "reports" => {
                let id = self.report(&candidate, n, self.today, State::Pending);
                if let Some(Value::Array(ids)) = self
                    .candidates
                    .last_mut()
                    .and_then(|c| c.get_mut("report_ids"))
                {
                    ids.push(json!(id));
                }
                Some(id)
            }
            "invitations" => {
                self.invitation(&candidate, n, self.today, "pending", None);
                self.invitations.last()?["id"].as_str().map(str::to_owned)
            }
            _ => None,
        }
    }

    fn complete_check(&mut self, id: &str, at: DateTime<Utc>) -> bool {
        let Some(Value::Object(r)) = self
            .reports
            .iter_mut()
            .find(|r| r["id"] == json!(id) && r["status"] == json!("pending"))
        else {
            return false;
        };
        let created = r
            .get("created_at")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(at, |t| t.with_timezone(&Utc));
        let done = at.max(created + Duration::hours(1));
        r.insert("status".into(), json!("complete"));
        r.insert("result".into(), json!("clear"));
        r.insert("completed_at".into(), json!(ts(done)));
        r.insert(
            "turnaround_time".into(),
            json!((done - created).num_seconds()),
        );
        true
    }

    fn all(&self, stream: &str) -> Vec<Value> {
        match stream {
            "candidates" => self.candidates.clone(),
            "reports" => self.reports.clone(),
            "invitations" => self.invitations.clone(),
            "packages" => self.packages.clone(),
            _ => Vec::new(),
        }
    }

    fn writes(&self) -> &'static [(&'static str, &'static str)] {
        &[("POST", "/candidates"), ("POST", "/invitations")]
    }

    fn write(
        &mut self,
        method: &str,
        path: &str,
        headers: &axum::http::HeaderMap,
        body: &Value,
    ) -> Result<(u16, Value), Refusal> {
        // Idempotency (spec info.description, "Idempotency support"): the first successful
        // answer to a key is saved and given again to every later request with that key.
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(saved) = key.as_ref().and_then(|k| self.orders.replays.get(k)) {
            return Ok(saved.clone());
        }
        let answer = match (method, path) {
            ("POST", "/candidates") => self.create_candidate(body)?,
            ("POST", "/invitations") => self.create_invitation(body)?,
            _ => {
                return Err(Refusal {
                    status: 501,
                    message: format!("the emulator does not take {method} {path}"),
                });
            }
        };
        if let Some(k) = key {
            self.orders.replays.insert(k, answer.clone());
        }
        Ok(answer)
    }
}

/// What the API's writes have created, and the answers saved per idempotency key.
struct Orders {
    /// The spec's candidate example, as the demo's candidates start from.
    candidate: Map<String, Value>,
    /// Idempotency key → the saved answer.
    replays: HashMap<String, (u16, Value)>,
    /// Records created so far (for their ids).
    created: u64,
}

/// The account's packages: the spec's `Package` example dressed as three packages a small
/// business might have (prices in USD cents, as the spec's `price` says).
fn packages(t: &Map<String, Value>, seed: u64) -> Vec<Value> {
    [
        (
            "tasker_standard",
            "Tasker Standard",
            2_900,
            &[
                "ssn_trace",
                "sex_offender_search",
                "national_criminal_search",
                "county_criminal_search",
            ][..],
        ),
        (
            "driver_pro",
            "Driver Pro",
            5_500,
            &[
                "ssn_trace",
                "national_criminal_search",
                "county_criminal_search",
                "motor_vehicle_report",
            ][..],
        ),
        (
            "criminal_pro",
            "Criminal Pro",
            6_500,
            &[
                "ssn_trace",
                "sex_offender_search",
                "global_watchlist_search",
                "national_criminal_search",
                "county_criminal_search",
                "federal_criminal_search",
            ][..],
        ),
    ]
    .iter()
    .enumerate()
    .map(|(n, (slug, name, price, screenings))| {
        let id = object_id(seed, 1113, n as u64);
        let mut p = t.clone();
        p.insert("id".into(), json!(id));
        p.insert("uri".into(), json!(format!("/v1/packages/{id}")));
        p.insert(
            "apply_url".into(),
            json!(format!(
                "https://apply.checkr.com/apply/bluebird/{}",
                &id[..12]
            )),
        );
        p.insert("name".into(), json!(name));
        p.insert("slug".into(), json!(slug));
        p.insert("price".into(), json!(price));
        p.remove("deleted_at");
        p.insert(
            "screenings".into(),
            json!(
                screenings
                    .iter()
                    .map(|s| json!({"type": s, "subtype": null}))
                    .collect::<Vec<_>>()
            ),
        );
        Value::Object(p)
    })
    .collect()
}

/// A plausible email address: one `@`, a dot in the domain, no spaces.
fn email_like(text: &str) -> bool {
    let Some((user, domain)) = text.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.contains(char::is_whitespace)
        && !domain.contains('@')
}

impl Checkr {
    fn new_id(&mut self, tag: u64) -> String {
        self.orders.created += 1;
        object_id(self.seed, tag, 7_000_000 + self.orders.created)
    }

    fn now(&self) -> DateTime<Utc> {
        // The emulated company's "today", at the hour the demo's checks are ordered.
        at(self.today, 17) + Duration::minutes(self.orders.created as i64)
    }

    /// `POST /candidates` (spec `createCandidate`): the body has passed `CandidateCreate`;
    /// what the schema cannot say is checked here (an email that is one). 201 with the
    /// `Candidate`; the SSN, if given, only as its last four digits (as the spec says).
    fn create_candidate(&mut self, body: &Value) -> Result<(u16, Value), Refusal> {
        let email = body["email"].as_str().unwrap_or_default();
        if !email_like(email) {
            return Err(Refusal::bad(format!(
                "Email {email:?} is not a valid email address"
            )));
        }
        let id = self.new_id(1111);
        let mut c = self.orders.candidate.clone();
        for k in [
            "middle_name",
            "adjudication",
            "postal_address",
            "phone",
            "zipcode",
            "custom_id",
        ] {
            c.remove(k);
        }
        if let Value::Object(given) = body {
            for (k, v) in given {
                if k == "work_locations" || k == "object" || k == "report_ids" {
                    continue;
                }
                let v = match (k.as_str(), v.as_str()) {
                    ("ssn", Some(ssn)) => {
                        let last4: String = ssn
                            .chars()
                            .filter(char::is_ascii_digit)
                            .rev()
                            .take(4)
                            .collect::<Vec<_>>()
                            .into_iter()
                            .rev()
                            .collect();
                        json!(format!("XXX-XX-{last4}"))
                    }
                    _ => v.clone(),
                };
                c.insert(k.clone(), v);
            }
        }
        if body.get("middle_name").is_none() && body.get("no_middle_name").is_none() {
            c.insert("no_middle_name".into(), json!(false));
        }
        c.insert("id".into(), json!(id));
        c.insert("object".into(), json!("candidate"));
        c.insert("uri".into(), json!(format!("/v1/candidates/{id}")));
        c.insert("report_ids".into(), json!([]));
        c.insert(
            "geo_ids".into(),
            body.get("geo_ids").cloned().unwrap_or_else(|| json!([])),
        );
        c.insert(
            "metadata".into(),
            body.get("metadata").cloned().unwrap_or_else(|| json!({})),
        );
        c.insert("created_at".into(), json!(ts(self.now())));
        let c = Value::Object(c);
        self.candidates.push(c.clone());
        Ok((201, c))
    }

    /// `POST /invitations` (spec `createInvitation`): the body has passed `InvitationCreate`.
    /// The package must be one of the account's (else 404, `PackageNotFoundError`); the
    /// candidate must exist (else 400: the spec declares no 404 for it, so a bad request);
    /// a hierarchy-enabled account needs `node` and `work_locations`. 201 with the pending
    /// `Invitation`, valid seven days (the span of the spec's own example).
    fn create_invitation(&mut self, body: &Value) -> Result<(u16, Value), Refusal> {
        if self.account["authorized"] == json!(false)
            || self.account["api_authorized"] == json!(false)
        {
            return Err(Refusal {
                status: 403,
                message: "Account is not authorized to order background checks".into(),
            });
        }
        let package = body["package"].as_str().unwrap_or_default().to_owned();
        if !self.packages.iter().any(|p| p["slug"] == json!(package)) {
            return Err(Refusal::not_found("Package not found"));
        }
        let candidate = body["candidate_id"].as_str().unwrap_or_default().to_owned();
        if !self.candidates.iter().any(|c| c["id"] == json!(candidate)) {
            return Err(Refusal::bad(format!("Candidate {candidate} not found")));
        }
        if self.account["segmentation_enabled"] == json!(true) {
            for member in ["node", "work_locations"] {
                if body.get(member).is_none() {
                    return Err(Refusal::bad(format!(
                        "{member} is required for accounts with hierarchy enabled"
                    )));
                }
            }
        }
        let id = self.new_id(1115);
        let created = self.now();
        let mut i = self.templates.1.clone();
        i.remove("archived_info");
        i.insert("id".into(), json!(id));
        i.insert("object".into(), json!("invitation"));
        i.insert("uri".into(), json!(format!("/v1/invitations/{id}")));
        i.insert(
            "invitation_url".into(),
            json!(format!(
                "https://apply.checkr.com/invite/bluebird/{}/test",
                &id[..12]
            )),
        );
        i.insert("status".into(), json!("pending"));
        i.insert("created_at".into(), json!(ts(created)));
        i.insert("expires_at".into(), json!(ts(created + Duration::days(7))));
        i.insert("completed_at".into(), Value::Null);
        i.insert("deleted_at".into(), Value::Null);
        i.insert("package".into(), json!(package));
        i.insert("candidate_id".into(), json!(candidate));
        i.insert("report_id".into(), Value::Null);
        i.insert("archived".into(), json!(false));
        let i = Value::Object(i);
        self.invitations.push(i.clone());
        Ok((201, i))
    }
}
