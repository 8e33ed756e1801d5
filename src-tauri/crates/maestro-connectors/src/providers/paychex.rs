//! Paychex Flex's hand-written parts beside its provider file
//! (`maestro-kit/providers/paychex.toml`): worker writes, as its spec allows them
//! (specs/paychex.json). A new employee is added with `POST /companies/{companyId}/workers`
//! (one `WorkerResource`; Paychex adds it IN_PROGRESS until someone completes it in Flex), a
//! change or a termination with `PATCH /workers/{workerId}`. Each carries an `X-payx-client-correlationId` (the
//! write's key; Paychex's docs: request headers) and the vendor media types the operations
//! declare.
//!
//! A create is never written twice. Paychex documents no idempotency (the correlation id is for
//! troubleshooting), so before posting, the company's workers with the same given and family
//! name are looked up (the spec's `givenname`/`familyname` filters, with communications) and
//! one with the same business email is the worker already added. That lookup cannot see a
//! worker this connector added: Paychex lists only workers with a given name, a family name
//! and a legal id (developer.paychex.com api-references/workers: "workers … that have a
//! givenName, familyName, and legalID will be available"), and the worker is posted without
//! an SSN, IN_PROGRESS until someone completes it in Flex. So after a failure whose outcome is
//! unknown (a timeout, a dropped connection, a 5xx) the lookup is tried once and, when it finds
//! no one, the write stops with an error that is not retried by itself: it tells the owner to
//! look for the in-progress worker in Flex before sending it again. The session never retries
//! these requests itself (no idempotency key is given to it).

use async_trait::async_trait;
use http::{HeaderValue, Method};
use maestro_http::{ApiRequest, HttpError};
use serde::Deserialize;
use serde_json::{Value, json};

use chrono::NaiveDate;

use crate::connector::{EmployeeChanges, NewEmployee, WriteOp, WriteOutcome, WriteRequest};
use crate::error::{ConnectorError, Result};
use crate::kit::{FileConnector, Hooks};

/// Paychex's hand-written parts.
#[derive(Debug)]
pub struct PaychexHooks;

/// The one instance the registry uses.
pub static HOOKS: PaychexHooks = PaychexHooks;

/// The media type `POST /companies/{companyId}/workers` takes and answers in.
const WORKERS: &str = "application/vnd.paychex.workers.v1+json";
/// The media type `PATCH /workers/{workerId}` takes and answers in.
const WORKER: &str = "application/vnd.paychex.worker.v1+json";
/// Workers with their communications (emails), for the lookup.
const WORKERS_WITH_EMAILS: &str = "application/vnd.paychex.workers_communications.v1+json";
/// Companies.
const COMPANIES: &str = "application/vnd.paychex.companies.v1+json";

#[async_trait]
impl Hooks for PaychexHooks {
    async fn write(
        &self,
        c: &FileConnector,
        request: &WriteRequest,
    ) -> Option<Result<WriteOutcome>> {
        let key = request.idempotency_key.as_str();
        Some(match &request.op {
            WriteOp::CreateEmployee(new) => create(c, new, key).await,
            WriteOp::UpdateEmployee { remote_id, changes } => {
                update(c, remote_id, changes, key).await
            }
            WriteOp::TerminateEmployee {
                remote_id,
                effective_date,
            } => terminate(c, remote_id, *effective_date, key).await,
            _ => return None,
        })
    }
}

fn refused(field: &str, message: impl Into<String>) -> ConnectorError {
    ConnectorError::Config {
        field: field.into(),
        message: message.into(),
    }
}

/// A request with the media types and the correlation id Paychex's docs describe.
fn request(
    method: Method,
    url: url::Url,
    body: Value,
    media: &str,
    correlation: &str,
) -> Result<ApiRequest> {
    let mut r = ApiRequest::json(method, url, body);
    let value = |t: &str| {
        HeaderValue::from_str(t).map_err(|_| refused("idempotency_key", "cannot be sent"))
    };
    r.headers.insert(http::header::CONTENT_TYPE, value(media)?);
    r.headers.insert(http::header::ACCEPT, value(media)?);
    r.headers
        .insert("x-payx-client-correlationid", value(correlation)?);
    Ok(r)
}

/// A GET asking for `media`.
fn get(url: url::Url, media: &'static str) -> ApiRequest {
    let mut r = ApiRequest::get(url);
    r.headers
        .insert(http::header::ACCEPT, HeaderValue::from_static(media));
    r
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Company {
    company_id: String,
    has_permission: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct Listed<T> {
    #[serde(default = "Vec::new")]
    content: Vec<T>,
}

/// The company writes go to: the one company this app may use. Several are refused in words
/// (which one is not the connector's to guess).
async fn company(c: &FileConnector) -> Result<String> {
    let resp = c
        .session()
        .send(&get(c.url("/companies")?, COMPANIES))
        .await?;
    let listed: Listed<Company> = resp.json()?;
    let usable: Vec<String> = listed
        .content
        .into_iter()
        .filter(|co| co.has_permission != Some(false))
        .map(|co| co.company_id)
        .collect();
    match usable.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(refused(
            "company",
            "Paychex gives this app no company with payroll it may write to",
        )),
        many => Err(refused(
            "company",
            format!(
                "Paychex gives this app {} companies; new employees are added only when it reaches exactly one",
                many.len()
            ),
        )),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Communication {
    #[serde(rename = "type")]
    kind: Option<String>,
    usage_type: Option<String>,
    uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Found {
    worker_id: String,
    #[serde(default)]
    communications: Vec<Communication>,
}

/// The worker of `company` named like `new` whose business email is `new`'s (the earliest,
/// should there be several). Paychex answers 404 (API-43) when no worker matches.
async fn find_worker(
    c: &FileConnector,
    company: &str,
    new: &NewEmployee,
) -> Result<Option<String>> {
    let mut url = c.url(&format!("/companies/{company}/workers"))?;
    url.query_pairs_mut()
        .append_pair("givenname", new.first_name.trim())
        .append_pair("familyname", new.last_name.trim());
    let resp = match c.session().send(&get(url, WORKERS_WITH_EMAILS)).await {
        Ok(r) => r,
        Err(HttpError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let listed: Listed<Found> = resp.json()?;
    let email = new.work_email.trim();
    Ok(listed
        .content
        .into_iter()
        .find(|w| {
            w.communications.iter().any(|m| {
                m.kind.as_deref() == Some("EMAIL")
                    && m.usage_type.as_deref() == Some("BUSINESS")
                    && m.uri
                        .as_deref()
                        .is_some_and(|u| u.trim().eq_ignore_ascii_case(email))
            })
        })
        .map(|w| w.worker_id))
}

/// The spec's `WorkerResource` for `new`: an employee with the name, the business email, the
/// hire date (a day, written as Paychex writes days), the job title, and the birth date only
/// when given (the owner opted in). A department is not sent: Paychex takes an organization
/// id, which a department's name does not give.
fn worker_body(new: &NewEmployee, key: &str) -> Value {
    let mut w = json!({
        "workerType": "EMPLOYEE",
        "workerCorrelationId": key,
        "name": {"givenName": new.first_name.trim(), "familyName": new.last_name.trim()},
        "communications": [{"type": "EMAIL", "usageType": "BUSINESS", "uri": new.work_email.trim()}],
    });
    if let Some(day) = new.start_date {
        w["hireDate"] = json!(format!("{day}T00:00:00Z"));
    }
    if let Some(t) = new
        .job_title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        w["job"] = json!({"title": t});
    }
    if let Some(born) = &new.date_of_birth {
        w["birthDate"] = json!(format!("{}T00:00:00Z", born.expose()));
    }
    w
}

/// The refusal for a create Paychex may have applied but does not list (see the module
/// comment): not retried by itself (a configuration kind), in words the owner can act on.
fn unsettled(new: &NewEmployee, why: &str) -> ConnectorError {
    let who = format!("{} {}", new.first_name.trim(), new.last_name.trim());
    refused(
        "create",
        format!(
            "Paychex did not confirm whether it added {who} ({}): {why}. Paychex lists a worker added through its API only once someone completes them in Paychex Flex, so this cannot be checked from here: look for an in-progress worker {who} in Paychex Flex and complete them there, or send this again only if there is none",
            new.work_email.trim()
        ),
    )
}

/// Whether a failed request may have been applied by Paychex all the same.
fn outcome_unknown(e: &HttpError) -> bool {
    match e {
        HttpError::Timeout { .. } | HttpError::Connect { .. } | HttpError::Server { .. } => true,
        HttpError::RetriesExhausted { last, .. } => outcome_unknown(last),
        _ => false,
    }
}

/// The first worker id in an answer's `content`.
fn worker_id_in(body: &Value) -> Option<String> {
    body["content"][0]["workerId"].as_str().map(str::to_owned)
}

/// Adds `new` once: found first, posted otherwise; a post whose outcome is unknown is settled
/// by looking again.
async fn create(c: &FileConnector, new: &NewEmployee, key: &str) -> Result<WriteOutcome> {
    if new.first_name.trim().is_empty() || new.last_name.trim().is_empty() {
        return Err(refused(
            "name",
            "Paychex needs the new employee's first and last name",
        ));
    }
    if !new.work_email.contains('@') {
        return Err(refused(
            "work_email",
            format!(
                "`{}` is not a work email Paychex can store",
                new.work_email.trim()
            ),
        ));
    }
    let company = company(c).await?;
    if let Some(existing) = find_worker(c, &company, new).await? {
        return Ok(WriteOutcome {
            remote_id: existing,
            applied_now: false,
        });
    }
    let url = c.url(&format!("/companies/{company}/workers"))?;
    let post = request(Method::POST, url, worker_body(new, key), WORKERS, key)?;
    match c.session().send(&post).await {
        Ok(resp) => {
            let body: Value = resp.json()?;
            let remote_id = match worker_id_in(&body) {
                Some(id) => id,
                None => find_worker(c, &company, new)
                    .await?
                    .ok_or_else(|| unsettled(new, "its answer named no worker id"))?,
            };
            Ok(WriteOutcome {
                remote_id,
                applied_now: true,
            })
        }
        Err(e) if outcome_unknown(&e) => match find_worker(c, &company, new).await {
            // Paychex applied it and the worker is listed (completed in Flex meanwhile).
            Ok(Some(id)) => Ok(WriteOutcome {
                remote_id: id,
                applied_now: true,
            }),
            // Not listed, which an in-progress worker never is: posting again could add the
            // worker twice, so the owner decides.
            _ => Err(unsettled(new, &e.to_string())),
        },
        Err(e) => Err(e.into()),
    }
}

/// Changes a worker's name or job title. Paychex takes a worker's emails only through its
/// communications endpoint ("cannot be updated for worker endpoint") and a department as an
/// organization id: such changes are refused in words rather than dropped. Sending the same
/// change again sets the same values, so a retry after an unknown outcome is safe.
async fn update(
    c: &FileConnector,
    remote_id: &str,
    changes: &EmployeeChanges,
    key: &str,
) -> Result<WriteOutcome> {
    if changes.work_email.is_some() {
        return Err(refused(
            "work_email",
            "Paychex changes a worker's email only in Flex (its worker update does not take communications)",
        ));
    }
    if changes.department.is_some() {
        return Err(refused(
            "department",
            "Paychex takes a department as one of its organization ids, which this change does not name; change it in Flex",
        ));
    }
    let mut body = json!({});
    let mut name = json!({});
    if let Some(f) = changes.first_name.as_deref().map(str::trim) {
        name["givenName"] = json!(f);
    }
    if let Some(l) = changes.last_name.as_deref().map(str::trim) {
        name["familyName"] = json!(l);
    }
    if name.as_object().is_some_and(|m| !m.is_empty()) {
        body["name"] = name;
    }
    if let Some(t) = changes.job_title.as_deref().map(str::trim) {
        body["job"] = json!({"title": t});
    }
    if body.as_object().is_some_and(serde_json::Map::is_empty) {
        return Ok(WriteOutcome {
            remote_id: remote_id.to_owned(),
            applied_now: false,
        });
    }
    let url = c.url(&format!("/workers/{remote_id}"))?;
    let patch = request(Method::PATCH, url, body, WORKER, key)?;
    c.session().send(&patch).await.map_err(|e| match e {
        HttpError::NotFound { message, .. } => refused(
            "remote_id",
            format!("Paychex has no worker {remote_id} ({message})"),
        ),
        other => other.into(),
    })?;
    Ok(WriteOutcome {
        remote_id: remote_id.to_owned(),
        applied_now: true,
    })
}

/// Ends `remote_id`'s employment on `last_day`: the spec's PATCH with the worker's current
/// status TERMINATED from that day (`Status1`: statusType, effectiveDate). No status reason is
/// sent: the reasons are the company's own list (`/workerstatuses`), not the connector's to
/// guess. Paychex refuses a date it will not take ("cannot be past or future dated", API-20)
/// and a worker who still supervises others (API-67) with a 400, which reaches the owner in its
/// words. Sending it again sets the same status and day, so a retry is safe.
async fn terminate(
    c: &FileConnector,
    remote_id: &str,
    last_day: NaiveDate,
    key: &str,
) -> Result<WriteOutcome> {
    let url = c.url(&format!("/workers/{remote_id}"))?;
    let body = json!({"currentStatus": {
        "statusType": "TERMINATED",
        "effectiveDate": format!("{last_day}T00:00:00Z"),
    }});
    let patch = request(Method::PATCH, url, body, WORKER, key)?;
    c.session().send(&patch).await.map_err(|e| match e {
        HttpError::NotFound { message, .. } => refused(
            "remote_id",
            format!("Paychex has no worker {remote_id} ({message})"),
        ),
        other => other.into(),
    })?;
    Ok(WriteOutcome {
        remote_id: remote_id.to_owned(),
        applied_now: true,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn new() -> NewEmployee {
        NewEmployee {
            first_name: " Ana ".into(),
            last_name: "Ruiz".into(),
            work_email: "ana@bluebird.example".into(),
            job_title: Some("Baker".into()),
            department: Some("Kitchen".into()),
            start_date: NaiveDate::from_ymd_opt(2026, 12, 14),
            date_of_birth: None,
        }
    }

    #[test]
    fn the_body_is_a_worker_resource_with_the_day_as_paychex_writes_it() {
        let b = worker_body(&new(), "k-1");
        assert_eq!(b["hireDate"], "2026-12-14T00:00:00Z");
        assert_eq!(b["name"]["givenName"], "Ana");
        assert_eq!(b["communications"][0]["uri"], "ana@bluebird.example");
        assert_eq!(b["workerCorrelationId"], "k-1");
        // No organization id for a department name; no birth date without opt-in.
        assert!(b.get("organization").is_none() && b.get("birthDate").is_none());
    }

    #[test]
    fn only_failures_that_may_have_reached_paychex_are_looked_up_again() {
        let timeout = HttpError::Timeout {
            provider: "Paychex Flex".into(),
        };
        assert!(outcome_unknown(&timeout));
        let refused = HttpError::Validation {
            provider: "Paychex Flex".into(),
            status: 400,
            message: "API-40".into(),
        };
        assert!(!outcome_unknown(&refused));
    }
}
