//! ADP Workforce Now's hand-written parts beside its provider file
//! (`maestro-kit/providers/adp.toml`): the connection test, and hires and terminations sent as
//! ADP events (`POST /events/hr/v1/worker.hire`, `/events/hr/v1/worker.terminate`), their bodies
//! the spec's `WorkerHireEvent` / `WorkerTerminateEvent` (specs/adp.json).
//!
//! A hire is written once however often it is retried. ADP documents no idempotency for events
//! (no key header; `eventID` is a member like any other, and the docs searched say nothing of
//! replays), so it is made safe here: before posting, the worker is looked up by the work email
//! sent with the hire (`$filter=workers/businessCommunication/emails/emailUri eq '…'`), and a
//! found worker is the hire already made; after a failure whose outcome is unknown (a timeout,
//! a dropped connection, a 5xx) the same lookup decides before anything is posted again. The
//! session never retries these POSTs itself (no idempotency key).
//!
//! A handshake ADP refuses (its certificate check) becomes "ADP refused the client
//! certificate", not a network error.

use async_trait::async_trait;
use chrono::NaiveDate;
use http::Method;
use maestro_http::{ApiRequest, HttpError};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::connector::{CheckReport, NewEmployee, WriteOp, WriteOutcome, WriteRequest};
use crate::error::{ConnectorError, Result};
use crate::kit::{FileConnector, Hooks};

/// ADP's hand-written parts.
#[derive(Debug)]
pub struct AdpHooks;

/// The one instance the registry uses.
pub static HOOKS: AdpHooks = AdpHooks;

/// What the owner reads when ADP's server refuses the certificate during the handshake.
pub const REFUSED_CERTIFICATE: &str = "ADP refused the client certificate: check that it is the one ADP signed for this app and environment";

/// A failure in which ADP refused the client certificate, in words; others unchanged.
fn certificate_refusal(e: ConnectorError) -> ConnectorError {
    let text = match &e {
        ConnectorError::Http(HttpError::RetriesExhausted { last, .. }) => last.to_string(),
        other => other.to_string(),
    };
    let chain = match &e {
        ConnectorError::Http(h) => format!("{text} {h:?}"),
        _ => text,
    };
    if maestro_http::identity::refused_certificate(&chain) {
        ConnectorError::Config {
            field: "client_certificate".into(),
            message: REFUSED_CERTIFICATE.into(),
        }
    } else {
        e
    }
}

#[async_trait]
impl Hooks for AdpHooks {
    async fn check(&self, c: &FileConnector) -> Option<Result<CheckReport>> {
        Some(check(c).await.map_err(certificate_refusal))
    }

    async fn write(
        &self,
        c: &FileConnector,
        request: &WriteRequest,
    ) -> Option<Result<WriteOutcome>> {
        let done = match &request.op {
            WriteOp::CreateEmployee(new) => hire(c, new).await,
            WriteOp::TerminateEmployee {
                remote_id,
                effective_date,
            } => terminate(c, remote_id, *effective_date).await,
            _ => return None,
        };
        Some(done.map_err(certificate_refusal))
    }
}

/// "Test connection": a token (over mutual TLS), the first worker, and the employer's name on
/// their latest pay statement (ADP's worker list names no company). An empty company answers
/// 204, which is a working connection too.
async fn check(c: &FileConnector) -> Result<CheckReport> {
    let mut url = c.url("/hr/v2/workers")?;
    url.query_pairs_mut()
        .append_pair("$top", "1")
        .append_pair("$skip", "0");
    let resp = c.session().send(&ApiRequest::get(url)).await?;
    let first = if resp.status == 204 {
        None
    } else {
        let body: Value = resp.json()?;
        body["workers"][0]["associateOID"]
            .as_str()
            .map(str::to_owned)
    };
    let mut account = None;
    if let Some(aoid) = &first {
        let mut url = c.url(&format!("/payroll/v1/workers/{aoid}/pay-statements"))?;
        url.query_pairs_mut()
            .append_pair("numberoflastpaydates", "1");
        let resp = c.session().send(&ApiRequest::get(url)).await?;
        if resp.status != 204 {
            let body: Value = resp.json()?;
            account = body["payStatements"][0]["employerName"]
                .as_str()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned);
        }
    }
    let readable = if first.is_some() {
        "workers readable"
    } else {
        "no workers yet"
    };
    Ok(CheckReport {
        account: account.unwrap_or_else(|| "ADP Workforce Now".into()),
        details: vec![format!(
            "ADP accepted the client certificate and the client id and secret ({readable})"
        )],
    })
}

#[derive(Debug, Deserialize)]
struct Found {
    #[serde(rename = "associateOID")]
    associate_oid: String,
    #[serde(rename = "businessCommunication", default)]
    communication: Option<Communication>,
}

#[derive(Debug, Deserialize)]
struct Communication {
    #[serde(default)]
    emails: Vec<Email>,
}

#[derive(Debug, Deserialize)]
struct Email {
    #[serde(rename = "emailUri")]
    email_uri: Option<String>,
}

/// The worker whose business email is `email` (the earliest, should there be several), checked
/// here too rather than trusting the filter alone.
async fn find_worker(c: &FileConnector, email: &str) -> Result<Option<String>> {
    let quoted = email.replace('\'', "''");
    let filter = format!("workers/businessCommunication/emails/emailUri eq '{quoted}'");
    for raw in c.list_raw("workers", &[("$filter", filter)]).await? {
        let w: Found = maestro_http::decode::json("ADP", raw.get().as_bytes())?;
        let same = w.communication.as_ref().is_some_and(|comm| {
            comm.emails.iter().any(|e| {
                e.email_uri
                    .as_deref()
                    .is_some_and(|u| u.trim().eq_ignore_ascii_case(email))
            })
        });
        if same {
            return Ok(Some(w.associate_oid));
        }
    }
    Ok(None)
}

fn refused(field: &str, message: impl Into<String>) -> ConnectorError {
    ConnectorError::Config {
        field: field.into(),
        message: message.into(),
    }
}

/// The spec's `WorkerHireEvent` for `new`: legal name, business email, and the work
/// assignment's hire date, job title and department (a home unit typed Department). The birth
/// date only when given (the owner opted in).
fn hire_body(new: &NewEmployee, hired: NaiveDate) -> Value {
    let mut person = json!({"legalName": {
        "givenName": new.first_name.trim(),
        "familyName1": new.last_name.trim(),
    }});
    if let Some(born) = &new.date_of_birth {
        person["birthDate"] = json!(born.expose().to_string());
    }
    let mut assignment = json!({"hireDate": hired.to_string()});
    if let Some(t) = new
        .job_title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        assignment["jobTitle"] = json!(t);
    }
    if let Some(d) = new
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        assignment["homeOrganizationalUnits"] = json!([{
            "nameCode": {"codeValue": d},
            "typeCode": {"codeValue": "Department"},
        }]);
    }
    json!({"events": [{"data": {"transform": {"worker": {
        "person": person,
        "businessCommunication": {"emails": [{"emailUri": new.work_email.trim()}]},
        "workAssignment": assignment,
    }}}}]})
}

/// Whether a failed POST may have been applied by ADP all the same.
fn outcome_unknown(e: &HttpError) -> bool {
    match e {
        HttpError::Timeout { .. } | HttpError::Connect { .. } | HttpError::Server { .. } => true,
        HttpError::RetriesExhausted { last, .. } => outcome_unknown(last),
        _ => false,
    }
}

/// The associate OID in an event's answer (`events[0].data.output.worker.associateOID`, or
/// the event context's for a termination).
fn aoid_in(body: &Value) -> Option<String> {
    let data = &body["events"][0]["data"];
    data["output"]["worker"]["associateOID"]
        .as_str()
        .or_else(|| data["eventContext"]["worker"]["associateOID"].as_str())
        .map(str::to_owned)
}

/// Hires `new` once: found by email first, posted otherwise; a post whose outcome is unknown is
/// settled by looking again.
async fn hire(c: &FileConnector, new: &NewEmployee) -> Result<WriteOutcome> {
    let email = new.work_email.trim();
    if !email.contains('@') {
        return Err(refused(
            "work_email",
            format!("`{email}` is not a work email ADP can store"),
        ));
    }
    if new.first_name.trim().is_empty() || new.last_name.trim().is_empty() {
        return Err(refused(
            "name",
            "ADP needs the new hire's first and last name",
        ));
    }
    let Some(hired) = new.start_date else {
        return Err(refused(
            "start_date",
            "ADP needs the hire date (the first day) to hire someone",
        ));
    };
    if let Some(existing) = find_worker(c, email).await? {
        return Ok(WriteOutcome {
            remote_id: existing,
            applied_now: false,
        });
    }
    let url = c.url("/events/hr/v1/worker.hire")?;
    let request = ApiRequest::json(Method::POST, url, hire_body(new, hired));
    match c.session().send(&request).await {
        Ok(resp) => {
            let body: Value = resp.json()?;
            let remote_id = match aoid_in(&body) {
                Some(id) => id,
                // Accepted without an id in the answer: the lookup names the worker.
                None => find_worker(c, email).await?.ok_or_else(|| {
                    refused("work_email", "ADP accepted the hire but does not list the worker yet; it will be looked up again")
                })?,
            };
            Ok(WriteOutcome {
                remote_id,
                applied_now: true,
            })
        }
        Err(e) if outcome_unknown(&e) => match find_worker(c, email).await {
            // ADP applied it before the answer was lost.
            Ok(Some(id)) => Ok(WriteOutcome {
                remote_id: id,
                applied_now: true,
            }),
            // Not there: the outbox tries again later (and looks first again).
            _ => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// The spec's `WorkerTerminateEvent`: the worker in the event context, the last day as the
/// termination date and the event's effective date.
fn terminate_body(remote_id: &str, last_day: NaiveDate) -> Value {
    json!({"events": [{"data": {
        "eventContext": {"worker": {"associateOID": remote_id}},
        "transform": {
            "effectiveDateTime": format!("{last_day}T00:00:00Z"),
            "worker": {"workerDates": {"terminationDate": last_day.to_string()}},
        },
    }}]})
}

/// Terminates `remote_id` on `last_day`. Posting it again sets the same date: a repeat changes
/// nothing, so a retry after an unknown outcome is safe.
async fn terminate(
    c: &FileConnector,
    remote_id: &str,
    last_day: NaiveDate,
) -> Result<WriteOutcome> {
    let url = c.url("/events/hr/v1/worker.terminate")?;
    let request = ApiRequest::json(Method::POST, url, terminate_body(remote_id, last_day));
    let resp = c.session().send(&request).await.map_err(|e| match e {
        HttpError::NotFound { message, .. } => refused(
            "remote_id",
            format!("ADP has no worker {remote_id} ({message})"),
        ),
        other => other.into(),
    })?;
    let body: Value = resp.json()?;
    Ok(WriteOutcome {
        remote_id: aoid_in(&body).unwrap_or_else(|| remote_id.to_owned()),
        applied_now: true,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn new() -> NewEmployee {
        NewEmployee {
            first_name: " Nia ".into(),
            last_name: "Okafor".into(),
            work_email: "nia.okafor@bluebird.example".into(),
            job_title: Some("Baker".into()),
            department: Some("Bakery".into()),
            start_date: NaiveDate::from_ymd_opt(2026, 1, 5),
            date_of_birth: None,
        }
    }

    #[test]
    fn the_hire_body_is_the_spec_shape_with_no_birth_date_unless_given() {
        let b = hire_body(&new(), NaiveDate::from_ymd_opt(2026, 1, 5).unwrap());
        let w = &b["events"][0]["data"]["transform"]["worker"];
        assert_eq!(w["person"]["legalName"]["givenName"], "Nia");
        assert!(w["person"].get("birthDate").is_none());
        assert_eq!(w["workAssignment"]["hireDate"], "2026-01-05");
        assert_eq!(
            w["workAssignment"]["homeOrganizationalUnits"][0]["typeCode"]["codeValue"],
            "Department"
        );
    }

    #[test]
    fn only_failures_that_may_have_been_applied_are_settled_by_a_lookup() {
        let p = || "ADP".to_owned();
        assert!(outcome_unknown(&HttpError::Timeout { provider: p() }));
        assert!(!outcome_unknown(&HttpError::Validation {
            provider: p(),
            status: 400,
            message: "bad".into()
        }));
    }

    #[test]
    fn a_refused_handshake_reads_as_the_certificate() {
        let e = ConnectorError::Http(HttpError::Connect {
            provider: "ADP".into(),
            detail: "received fatal alert: CertificateRequired".into(),
        });
        let mapped = certificate_refusal(e);
        assert!(mapped.to_string().contains(REFUSED_CERTIFICATE), "{mapped}");
    }
}
