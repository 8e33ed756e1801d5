//! BambooHR (HRIS): employees, jobs, pay, departments, locations, time off and benefits, read from
//! `https://{subdomain}.bamboohr.com/api/v1/…` with an API key (HTTP Basic, password `x`).
//!
//! A full employee read goes through the Datasets API (the deprecated custom report when
//! datasets are refused, else the cursor list `/api/v1/employees` and one Get Employee each),
//! custom fields included; incremental reads start from `/api/v1/employees/changed`. Jobs and pay come from
//! the `jobInfo`, `compensation` and `employmentStatus` tables. BambooHR time-off *types* are
//! the canonical policies, since requests and balances refer to types.

mod api;
mod benefits;
mod bulk;
#[cfg(test)]
mod emulated;
mod map;
mod read;
mod webhook;
mod write;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use maestro_core::clock::Clock;
use maestro_core::model::EntityKind;
use maestro_core::sensitive::Sensitive;
use maestro_http::{Auth, HttpError, ProviderSession, RateLimit, RetryPolicy};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::connector::{
    CheckReport, Connector, ConnectorContext, Page, ReadRequest, WebhookEvent, WriteOp,
    WriteOutcome, WriteRequest,
};
use crate::error::{ConnectorError, Result};
use crate::manifest::{
    AuthKind, Category, ConfigField, EntitySupport, FieldKind, KeyScheme, Manifest, reads,
};
use crate::registry::ConnectorDef;

use map::Origin;

/// Connector id.
pub(crate) const ID: &str = "bamboohr";
/// Display name.
pub(crate) const NAME: &str = "BambooHR";
/// `page[limit]` maximum of `/api/v1/employees` (spec: `EmployeeCursorPaginationQueryObject`).
const EMPLOYEE_PAGE_LIMIT: u32 = 2500;
/// `pageSize` of `/api/v1/hris/org/locations` (the spec's default; it documents no maximum).
const LOCATION_PAGE_SIZE: u32 = 500;
/// Get Employee calls in flight at once (the rate limiter still paces them).
const DETAIL_CONCURRENCY: usize = 4;

const fn rw(kind: EntityKind, incremental: bool, webhook: bool) -> EntitySupport {
    EntitySupport {
        kind,
        read: true,
        incremental,
        write: true,
        webhook,
    }
}

/// The static description.
pub static MANIFEST: Manifest = Manifest {
    id: ID,
    name: NAME,
    category: Category::Hris,
    version: "1.0.0",
    summary: "Employees, jobs, pay, departments, locations, time off and benefits from BambooHR.",
    auth: AuthKind::ApiKey {
        scheme: KeyScheme::Basic {
            username_field: "api_key",
            password: "x",
        },
    },
    config: &[
        ConfigField {
            key: "subdomain",
            label: "Company domain",
            help: "The part before .bamboohr.com in your BambooHR address (acme for https://acme.bamboohr.com).",
            kind: FieldKind::Text,
            required: true,
            pattern: Some("^[a-z0-9-]+$"),
            example: Some("acme"),
            default: None,
            multiline: false,
        },
        ConfigField {
            key: "api_key",
            label: "API key",
            help: "In BambooHR, click your name in the top right, choose API Keys, then Add New Key. The key acts with your permissions.",
            kind: FieldKind::Secret,
            required: true,
            pattern: Some("^[a-f0-9]{40}$"),
            example: None,
            default: None,
            multiline: false,
        },
    ],
    entities: &[
        reads(EntityKind::Company, false),
        rw(EntityKind::Employee, true, true),
        reads(EntityKind::Employment, true),
        reads(EntityKind::Compensation, true),
        reads(EntityKind::Department, false),
        reads(EntityKind::Location, false),
        reads(EntityKind::TimeOffPolicy, false),
        rw(EntityKind::TimeOffRequest, true, false),
        reads(EntityKind::TimeOffBalance, false),
        reads(EntityKind::BenefitPlan, false),
        reads(EntityKind::BenefitEnrollment, false),
    ],
    // BambooHR publishes no numbers ("we may throttle"; throttling is 429 + Retry-After, 503 +
    // Retry-After before 2026-09-16). 10 requests per second is our own conservative assumption,
    // not a documented figure; the session also honours every Retry-After it receives.
    rate_limit: RateLimit::per_seconds(10, 1),
    rate_limit_text: "10 requests per second (assumed; BambooHR does not publish its limit)",
    max_page_size: EMPLOYEE_PAGE_LIMIT,
    production_base_url: "https://{subdomain}.bamboohr.com",
    sandbox_base_url: None,
    auth_base_url: None,
    docs_url: "https://documentation.bamboohr.com/docs/getting-started",
};

/// The registry entry.
pub fn def() -> ConnectorDef {
    ConnectorDef::module(&MANIFEST, build)
}

/// One BambooHR connection.
pub struct BambooHr {
    session: ProviderSession,
    /// The same session without retries, for writes that are not idempotent at BambooHR
    /// (a retried POST/PUT after a lost answer would create a second record).
    once: ProviderSession,
    origin: Origin,
    /// Remote id of the company record (the subdomain).
    company_key: String,
    clock: Arc<dyn Clock>,
    custom_fields: tokio::sync::OnceCell<Vec<String>>,
}

fn build(ctx: ConnectorContext) -> Result<Arc<dyn Connector>> {
    let auth = match ctx.auth.clone() {
        Auth::None => Auth::Basic {
            username: Sensitive::new(ctx.require("api_key")?.trim().to_owned()),
            password: Sensitive::new("x".to_owned()),
        },
        auth => auth,
    };
    let company_key = ctx
        .config
        .get("subdomain")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| ctx.base_url.host_str().map(str::to_owned))
        .ok_or_else(|| ConnectorError::missing("subdomain"))?;
    let session = ctx
        .share_limiter(ProviderSession::new(
            NAME,
            ctx.base_url.clone(),
            auth,
            MANIFEST.rate_limit,
            ctx.http.clone(),
        ))
        .with_header("accept", "application/json")?
        .with_retry_policy(ctx.retry.clone())
        .with_clock(ctx.clock.clone());
    let once = session.clone().with_retry_policy(RetryPolicy {
        max_attempts: 1,
        ..ctx.retry.clone()
    });
    Ok(Arc::new(BambooHr {
        session,
        once,
        origin: Origin {
            company_id: ctx.company_id,
            connection_id: ctx.connection_id,
        },
        company_key,
        clock: ctx.clock,
        custom_fields: tokio::sync::OnceCell::new(),
    }))
}

impl BambooHr {
    fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url> {
        let mut url = self.session.url(path)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// A `next` link resolved against our base URL, so credentials never go to another host.
    fn resolve(&self, href: &str) -> Result<Url> {
        resolve_link(self.session.base_url(), href)
    }

    /// GETs `url` as JSON.
    async fn get(&self, url: Url) -> Result<Value> {
        Ok(self.session.get_json::<Value>(url).await?.0)
    }
}

/// A `next` link resolved against `base`. A link at our origin (scheme, host and port, compared
/// as parsed URLs, not as text) under the base path is kept; any other link, such as the
/// spec's examples at `api.bamboohr.com`, has its path and query re-aimed at `base`, so the
/// credentials never go anywhere else.
fn resolve_link(base: &Url, href: &str) -> Result<Url> {
    let prefix = base.path().trim_end_matches('/');
    let under = |path: &str| {
        prefix.is_empty()
            || path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    if let Ok(url) = crate::kit::same_origin(base, href)
        && under(url.path())
    {
        return Ok(url);
    }
    let joined = base
        .join(href)
        .map_err(|e| invalid(format!("bad next link {href}: {e}")))?;
    if !matches!(joined.scheme(), "http" | "https") {
        return Err(invalid(format!("bad next link {href}: not a web address")));
    }
    let path = joined.path();
    let rest = match path.strip_prefix(prefix) {
        Some(rest) if !prefix.is_empty() && under(path) => rest,
        _ => path,
    };
    let mut url = base.clone();
    url.set_path(&format!("{prefix}{rest}"));
    url.set_query(joined.query());
    url.set_fragment(None);
    Ok(url)
}

fn invalid(message: String) -> ConnectorError {
    HttpError::Invalid {
        provider: NAME.into(),
        message,
    }
    .into()
}

/// Decodes one item kept as a `Value`, naming the failing field as `{path}.{field}`.
fn typed<T: DeserializeOwned>(value: &Value, path: &str) -> Result<T> {
    let bytes = serde_json::to_vec(value).map_err(|e| invalid(e.to_string()))?;
    maestro_http::decode::json::<T>(NAME, &bytes).map_err(|e| match e {
        HttpError::Decode {
            provider,
            path: inner,
            message,
        } => HttpError::Decode {
            provider,
            path: match (path.is_empty(), inner.as_str()) {
                (true, _) => inner,
                (false, "(document)") => path.to_owned(),
                (false, i) if i.starts_with('[') => format!("{path}{i}"),
                (false, i) => format!("{path}.{i}"),
            },
            message,
        }
        .into(),
        other => other.into(),
    })
}

/// A list response: the body must be a JSON array.
fn array(value: Value, what: &str) -> Result<Vec<Value>> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(HttpError::Decode {
            provider: NAME.into(),
            path: "(document)".into(),
            message: format!("expected a list of {what}, got {}", kind_of(&other)),
        }
        .into()),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn since_param(since: DateTime<Utc>) -> String {
    since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[async_trait]
impl Connector for BambooHr {
    fn manifest(&self) -> &'static Manifest {
        &MANIFEST
    }

    async fn check(&self) -> Result<CheckReport> {
        let raw = self
            .get(self.url("/api/v1/company_information", &[])?)
            .await?;
        let info: api::CompanyInformation = typed(&raw, "")?;
        let url = self.url("/api/v1/employees", &[("page[limit]", "1")])?;
        let list: api::EmployeeList = typed(&self.get(url).await?, "")?;
        let account = info
            .display_name
            .or(info.legal_name)
            .unwrap_or_else(|| self.company_key.clone());
        let mut details = vec![format!("Connected to {}.bamboohr.com", self.company_key)];
        if let Some(total) = list.meta.and_then(|m| m.total) {
            details.push(format!("Can read {total} employees"));
        }
        Ok(CheckReport { account, details })
    }

    async fn read(&self, request: &ReadRequest) -> Result<Page> {
        let page = request.page.as_ref();
        match (request.entity, request.since) {
            (EntityKind::Company, _) => self.read_company().await,
            (EntityKind::Employee, Some(since)) => self.read_changed_employees(since).await,
            (EntityKind::Employee, None) => self.read_employees(page).await,
            (EntityKind::Employment, since) => self.read_employments(since).await,
            (EntityKind::Compensation, since) => self.read_compensation(since).await,
            (EntityKind::Department, _) => self.read_departments().await,
            (EntityKind::Location, _) => self.read_locations(page).await,
            (EntityKind::TimeOffPolicy, _) => self.read_policies().await,
            (EntityKind::TimeOffRequest, since) => self.read_time_off_requests(since).await,
            (EntityKind::TimeOffBalance, _) => self.read_balances(page).await,
            (EntityKind::BenefitPlan, _) => self.read_benefit_plans().await,
            (EntityKind::BenefitEnrollment, _) => self.read_benefit_enrollments().await,
            (other, _) => Err(ConnectorError::Unsupported {
                provider: NAME.into(),
                what: format!("reading {other}"),
            }),
        }
    }

    async fn write(&self, request: &WriteRequest) -> Result<WriteOutcome> {
        match &request.op {
            WriteOp::CreateEmployee(new) => self.create_employee(new).await,
            WriteOp::UpdateEmployee { remote_id, changes } => {
                self.update_employee(remote_id, changes, &request.idempotency_key)
                    .await
            }
            WriteOp::CreateTimeOffRequest(new) => self.create_time_off_request(new).await,
            other => Err(ConnectorError::Unsupported {
                provider: NAME.into(),
                what: format!("writing {}", write::op_name(other)),
            }),
        }
    }

    fn verify_webhook(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        secret: &Sensitive<String>,
        now: DateTime<Utc>,
    ) -> Result<Vec<WebhookEvent>> {
        webhook::verify(headers, body, secret, now)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn link(base: &str, href: &str) -> String {
        resolve_link(&Url::parse(base).unwrap(), href)
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn next_links_never_leave_the_base_origin() {
        let base = "https://acme.bamboohr.com";
        let next = "/api/v1/employees?page%5Bafter%5D=7";
        // Our own origin: kept as given.
        let own = format!("{base}{next}");
        assert_eq!(link(base, &own), own);
        assert_eq!(link(base, next), own);
        // Hosts that merely start with our address, user-info tricks, other ports and
        // schemes, and other hosts: the path and query are re-aimed at our base.
        for hostile in [
            format!("https://acme.bamboohr.com.evil.net{next}"),
            format!("https://acme.bamboohr.com@evil.net{next}"),
            format!("https://acme.bamboohr.com:8443{next}"),
            format!("http://acme.bamboohr.com{next}"),
            format!("https://api.bamboohr.com{next}"),
            format!("//evil.net{next}"),
        ] {
            let url = Url::parse(&link(base, &hostile)).unwrap();
            assert_eq!(
                url.origin(),
                Url::parse(base).unwrap().origin(),
                "{hostile}"
            );
            assert_eq!(url.path(), "/api/v1/employees", "{hostile}");
            assert_eq!(url.query(), Some("page%5Bafter%5D=7"), "{hostile}");
        }
        // Text glued to our address is a relative path at our host, not another host.
        let glued = Url::parse(&link(base, &format!(".evil.net{next}"))).unwrap();
        assert_eq!(glued.host_str(), Some("acme.bamboohr.com"));
        assert!(link(base, "javascript:alert(1)").starts_with("error"));
    }

    #[test]
    fn next_links_keep_the_base_path() {
        let base = "https://api.bamboohr.com/api/gateway.php/acme";
        let want = format!("{base}/v1/employees?page%5Bafter%5D=7");
        assert_eq!(link(base, &want), want);
        assert_eq!(
            link(base, "/api/gateway.php/acme/v1/employees?page%5Bafter%5D=7"),
            want
        );
        assert_eq!(link(base, "/v1/employees?page%5Bafter%5D=7"), want);
        // A sibling path that only starts with the prefix's text is not under it.
        let sibling = link(
            base,
            "https://api.bamboohr.com/api/gateway.php/acmeevil/v1/x",
        );
        assert_eq!(sibling, format!("{base}/api/gateway.php/acmeevil/v1/x"));
    }
}
