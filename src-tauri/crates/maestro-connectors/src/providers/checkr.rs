//! Checkr's hand-written parts beside its provider file (`maestro-kit/providers/checkr.toml`):
//! the account's packages, and ordering a check by invitation, per the spec
//! (`specs/checkr.json`): `POST /candidates` (only `email` is required when the invitation's
//! form collects the rest), then `POST /invitations` with the candidate, the package's slug
//! and the work location (`WorkLocation` requires `state`).
//!
//! An order is made once, however often it is retried:
//! - each POST carries an `Idempotency-Key` (spec info.description, "Idempotency support":
//!   the first successful answer is saved and given again for 24 hours), derived from the
//!   write's own key, one per request;
//! - before creating anything the candidate is looked up by email (`GET /candidates?email=`)
//!   and their invitations (`GET /invitations?candidate_id=`): an invitation for the same
//!   package that is pending or completed is the order already made (after the key's 24 hours
//!   too, or when someone ordered it in Checkr's Dashboard). The list calls do not return
//!   candidates or invitations with non-US work locations (their descriptions say so); for
//!   those only the idempotency key guards a retry.

use async_trait::async_trait;
use http::{HeaderValue, Method};
use maestro_core::money::{Currency, Money};
use maestro_http::{ApiRequest, HttpError, IdempotencyKey};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::connector::{
    BackgroundCheckOrder, CheckPackage, WorkLocation, WriteOp, WriteOutcome, WriteRequest,
};
use crate::error::{ConnectorError, Result};
use crate::kit::{FileConnector, Hooks};

/// Checkr's hand-written parts.
#[derive(Debug)]
pub struct CheckrHooks;

/// The one instance the registry uses.
pub static HOOKS: CheckrHooks = CheckrHooks;

#[async_trait]
impl Hooks for CheckrHooks {
    async fn write(
        &self,
        c: &FileConnector,
        request: &WriteRequest,
    ) -> Option<Result<WriteOutcome>> {
        match &request.op {
            WriteOp::OrderBackgroundCheck(order) => {
                Some(order_check(c, order, &request.idempotency_key).await)
            }
            _ => None,
        }
    }

    async fn packages(&self, c: &FileConnector) -> Option<Result<Vec<CheckPackage>>> {
        Some(packages(c).await)
    }
}

/// Spec `Package`: what the owner chooses from.
#[derive(Debug, Deserialize)]
struct Package {
    slug: String,
    name: Option<String>,
    /// USD cents.
    price: Option<i64>,
    #[serde(default)]
    screenings: Vec<Screening>,
    deleted_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Screening {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `GET /packages`, every page; deleted packages left out.
async fn packages(c: &FileConnector) -> Result<Vec<CheckPackage>> {
    let mut out = Vec::new();
    for raw in c.list_raw("packages", &[]).await? {
        let p: Package = maestro_http::decode::json("Checkr", raw.get().as_bytes())?;
        if p.deleted_at.is_some() {
            continue;
        }
        out.push(CheckPackage {
            name: p.name.unwrap_or_else(|| p.slug.clone()),
            id: p.slug,
            price: p.price.map(|cents| Money::from_minor(cents, Currency::USD)),
            screenings: p.screenings.into_iter().filter_map(|s| s.kind).collect(),
        });
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
struct Candidate {
    id: String,
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Invitation {
    id: String,
    status: Option<String>,
    package: Option<String>,
    deleted_at: Option<String>,
}

fn refused(field: &str, message: impl Into<String>) -> ConnectorError {
    ConnectorError::Config {
        field: field.into(),
        message: message.into(),
    }
}

/// Checks what the spec's schemas require before anything is sent.
fn validate(order: &BackgroundCheckOrder) -> Result<()> {
    let email = order.email.trim();
    let plausible = email
        .split_once('@')
        .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'));
    if !plausible {
        return Err(refused(
            "email",
            format!("`{email}` is not an email address Checkr can write to"),
        ));
    }
    if order.package.trim().is_empty() {
        return Err(refused("package", "choose the Checkr package to order"));
    }
    if order
        .work_location
        .state
        .as_deref()
        .is_none_or(|s| s.trim().is_empty())
    {
        return Err(refused(
            "work_location",
            "Checkr needs the state the person will work in (its WorkLocation requires one)",
        ));
    }
    if order
        .work_location
        .country
        .as_deref()
        .is_some_and(|c| c.trim().len() != 2)
    {
        return Err(refused(
            "work_location",
            "Checkr needs the country as a two-letter ISO code",
        ));
    }
    Ok(())
}

/// The spec's `WorkLocation`: state required, country and city when known.
fn work_locations(w: &WorkLocation) -> Value {
    let mut m = Map::new();
    if let Some(c) = w
        .country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        m.insert("country".into(), json!(c.to_ascii_uppercase()));
    }
    if let Some(s) = w.state.as_deref().map(str::trim) {
        m.insert("state".into(), json!(s));
    }
    if let Some(c) = w.city.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        m.insert("city".into(), json!(c));
    }
    json!([m])
}

/// `CandidateCreate`: the names, the email, our reference and the work location; nothing the
/// invitation's form collects itself (birth date, SSN, address).
fn candidate_body(order: &BackgroundCheckOrder) -> Value {
    let mut body = json!({
        "first_name": order.first_name.trim(),
        "last_name": order.last_name.trim(),
        "email": order.email.trim(),
        "work_locations": work_locations(&order.work_location),
    });
    match order
        .middle_name
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        Some(m) => body["middle_name"] = json!(m),
        None => body["no_middle_name"] = json!(true),
    }
    if let Some(r) = &order.reference {
        body["custom_id"] = json!(r);
    }
    body
}

/// A POST carrying `key` as its `Idempotency-Key`; retried by the session like a GET, since
/// Checkr answers a repeated key with the first answer.
fn idempotent_post(c: &FileConnector, path: &str, body: Value, key: &str) -> Result<ApiRequest> {
    let url = c.session().url(path)?;
    let key = IdempotencyKey::from_stable(key);
    let mut request = ApiRequest::json(Method::POST, url, body).idempotent(key.clone());
    let value = HeaderValue::from_str(key.as_str()).map_err(|_| HttpError::Invalid {
        provider: "Checkr".into(),
        message: "the idempotency key is not a header value".into(),
    })?;
    request.headers.insert("idempotency-key", value);
    Ok(request)
}

/// The candidate with this email, if Checkr has one (the earliest, should there be several).
async fn find_candidate(c: &FileConnector, email: &str) -> Result<Option<String>> {
    let found = c
        .list_raw("candidates", &[("email", email.to_owned())])
        .await?;
    for raw in found {
        let cand: Candidate = maestro_http::decode::json("Checkr", raw.get().as_bytes())?;
        if cand
            .email
            .as_deref()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case(email))
        {
            return Ok(Some(cand.id));
        }
    }
    Ok(None)
}

/// The candidate's live invitation for `package` (pending, or completed into a report).
async fn find_invitation(
    c: &FileConnector,
    candidate: &str,
    package: &str,
) -> Result<Option<String>> {
    let found = c
        .list_raw("invitations", &[("candidate_id", candidate.to_owned())])
        .await?;
    for raw in found {
        let inv: Invitation = maestro_http::decode::json("Checkr", raw.get().as_bytes())?;
        let live = matches!(inv.status.as_deref(), Some("pending" | "completed"))
            && inv.deleted_at.is_none();
        if live && inv.package.as_deref() == Some(package) {
            return Ok(Some(inv.id));
        }
    }
    Ok(None)
}

#[derive(Debug, Deserialize)]
struct Created {
    id: String,
}

/// Orders `order` by invitation, once per person and package; the invitation's id.
async fn order_check(
    c: &FileConnector,
    order: &BackgroundCheckOrder,
    key: &IdempotencyKey,
) -> Result<WriteOutcome> {
    validate(order)?;
    let email = order.email.trim().to_owned();
    let package = order.package.trim().to_owned();
    let candidate = match find_candidate(c, &email).await? {
        Some(id) => {
            if let Some(existing) = find_invitation(c, &id, &package).await? {
                return Ok(WriteOutcome {
                    remote_id: existing,
                    applied_now: false,
                });
            }
            id
        }
        None => {
            let request = idempotent_post(
                c,
                "/candidates",
                candidate_body(order),
                &format!("{key}:candidate"),
            )?;
            let created: Created = c.session().send(&request).await?.json()?;
            created.id
        }
    };
    let body = json!({
        "candidate_id": candidate,
        "package": package,
        "work_locations": work_locations(&order.work_location),
    });
    let request = idempotent_post(c, "/invitations", body, &format!("{key}:invitation"))?;
    match c.session().send(&request).await {
        Ok(resp) => {
            let created: Created = resp.json()?;
            Ok(WriteOutcome {
                remote_id: created.id,
                applied_now: true,
            })
        }
        // The spec's only 404 here is `PackageNotFoundError`.
        Err(HttpError::NotFound { message, .. }) => Err(refused(
            "package",
            format!(
                "Checkr has no package `{package}` on this account ({message}); choose one of \
                 the account's packages in the route's settings"
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn order() -> BackgroundCheckOrder {
        BackgroundCheckOrder {
            first_name: "Jane".into(),
            middle_name: None,
            last_name: "Doe".into(),
            email: "jane@example.com".into(),
            work_location: WorkLocation {
                country: Some("us".into()),
                state: Some("CA".into()),
                city: None,
            },
            package: "tasker_standard".into(),
            reference: Some("hris-7".into()),
        }
    }

    #[test]
    fn the_candidate_says_no_middle_name_and_the_location_has_a_state() {
        let body = candidate_body(&order());
        assert_eq!(body["no_middle_name"], json!(true));
        assert!(body.get("middle_name").is_none());
        assert_eq!(
            body["work_locations"],
            json!([{"country": "US", "state": "CA"}])
        );
        assert_eq!(body["custom_id"], json!("hris-7"));
    }

    #[test]
    fn orders_without_a_state_an_email_or_a_package_are_refused_before_sending() {
        let mut o = order();
        o.work_location.state = None;
        assert!(validate(&o).unwrap_err().to_string().contains("state"));
        let mut o = order();
        o.email = "jane".into();
        assert!(validate(&o).is_err());
        let mut o = order();
        o.package = " ".into();
        assert!(validate(&o).is_err());
        assert!(validate(&order()).is_ok());
    }
}
