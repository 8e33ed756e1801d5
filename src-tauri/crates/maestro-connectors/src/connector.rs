//! The contract every provider module implements.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use maestro_core::clock::Clock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{CanonicalRecord, EntityKind};
use maestro_core::money::Money;
use maestro_core::sensitive::Sensitive;
use maestro_http::{Auth, IdempotencyKey, PageCursor, ProviderSession};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{ConnectorError, Result};
use crate::manifest::Manifest;

/// Everything a connector instance needs: who it belongs to, where the provider is, how to
/// authenticate, and the shared HTTP client.
#[derive(Clone)]
pub struct ConnectorContext {
    /// The company the data belongs to.
    pub company_id: CompanyId,
    /// This connection.
    pub connection_id: ConnectionId,
    /// Non-secret settings from the wizard (subdomain, account id…).
    pub config: BTreeMap<String, String>,
    /// API base URL: the production URL with placeholders filled, or an override (the
    /// provider's sandbox, a regional host, or the local emulator).
    pub base_url: Url,
    /// OAuth host, when it differs from the API host.
    pub auth_base_url: Option<Url>,
    /// Credentials.
    pub auth: Auth,
    /// The shared HTTP client.
    pub http: reqwest::Client,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// Retry policy (tests use fast ones).
    pub retry: maestro_http::RetryPolicy,
    /// The provider account's rate limiter, shared with every other use of the account (the
    /// app keeps one per account); `None`: the connector's sessions get one of their own.
    pub limiter: Option<Arc<maestro_http::RateLimiter>>,
}

impl std::fmt::Debug for ConnectorContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorContext")
            .field("connection_id", &self.connection_id)
            .field("base_url", &self.base_url.as_str())
            .finish()
    }
}

impl ConnectorContext {
    /// `session` counting its requests in the account's shared limiter, when there is one.
    pub fn share_limiter(&self, session: ProviderSession) -> ProviderSession {
        match &self.limiter {
            Some(limiter) => session.with_limiter(limiter.clone()),
            None => session,
        }
    }

    /// A required config value.
    pub fn require(&self, key: &str) -> Result<&str> {
        self.config
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ConnectorError::missing(key))
    }
}

/// One page to read.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    /// Which records.
    pub entity: EntityKind,
    /// Where to continue (None = first page).
    pub page: Option<PageCursor>,
    /// Incremental: only records changed at or after this instant (None = everything).
    pub since: Option<DateTime<Utc>>,
}

/// One page of records.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Canonical records, each with provenance and the raw payload.
    pub records: Vec<CanonicalRecord>,
    /// Remote ids the provider reports deleted.
    pub deleted: Vec<String>,
    /// Where the next page starts; None when this was the last.
    pub next: Option<PageCursor>,
}

/// The result of "Test connection".
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The account reached, in the provider's words (company name, account id…).
    pub account: String,
    /// Plain-language findings ("Can read 25 employees", "Token expires in 2 hours").
    pub details: Vec<String>,
}

/// A new person to create at a provider.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewEmployee {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Work email (also the natural key used to make creation idempotent).
    pub work_email: String,
    /// Job title.
    pub job_title: Option<String>,
    /// Department name.
    pub department: Option<String>,
    /// First day.
    pub start_date: Option<NaiveDate>,
    /// Date of birth (sent only when the owner opted in).
    pub date_of_birth: Option<Sensitive<NaiveDate>>,
}

/// Changes to an existing person (None = leave as is).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EmployeeChanges {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Work email.
    pub work_email: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Department name.
    pub department: Option<String>,
}

/// Tracked time to record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewTimeEntry {
    /// The provider's user id.
    pub user_remote_id: String,
    /// The provider's project id.
    pub project_remote_id: String,
    /// The provider's task id.
    pub task_remote_id: String,
    /// Day worked.
    pub date: NaiveDate,
    /// Hours, exact.
    pub hours: Decimal,
    /// Notes.
    pub notes: Option<String>,
}

/// A time-off request to file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewTimeOffRequest {
    /// The provider's employee id.
    pub employee_remote_id: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// The provider's time-off type id.
    pub type_remote_id: String,
    /// Amount (in the type's unit).
    pub amount: Decimal,
    /// Note to the approver.
    pub note: Option<String>,
}

/// Where a person will work, as background-check providers ask for it (Checkr's
/// `work_locations`: the state decides which searches the law allows).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct WorkLocation {
    /// ISO 3166-1 alpha-2 country (None: the provider's default, the US for Checkr).
    pub country: Option<String>,
    /// State or region code (e.g. "CA").
    pub state: Option<String>,
    /// City.
    pub city: Option<String>,
}

/// A background check to order for someone: the provider emails them to consent and to give
/// what the check needs (the order itself costs money, so it always waits for approval).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BackgroundCheckOrder {
    /// Given name.
    pub first_name: String,
    /// Middle name (None: the person has none on record).
    pub middle_name: Option<String>,
    /// Family name.
    pub last_name: String,
    /// Where the provider writes to the person (also the key that finds them there again,
    /// so a retried order never makes a second candidate).
    pub email: String,
    /// Where they will work.
    pub work_location: WorkLocation,
    /// The provider's package (Checkr: its slug, e.g. "tasker_standard").
    pub package: String,
    /// Our reference for the person, kept by the provider (Checkr's `custom_id`).
    pub reference: Option<String>,
}

/// A package (bundle of screenings) a background-check provider offers the account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CheckPackage {
    /// What an order names (Checkr: the slug).
    pub id: String,
    /// Its name, for people.
    pub name: String,
    /// What one check costs, when the provider says.
    pub price: Option<Money>,
    /// The screenings it runs (the provider's names).
    pub screenings: Vec<String>,
}

/// A write to a provider.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WriteOp {
    /// Create a person.
    CreateEmployee(NewEmployee),
    /// Change a person.
    UpdateEmployee {
        /// The provider's id.
        remote_id: String,
        /// What to change.
        changes: EmployeeChanges,
    },
    /// End a person's employment.
    TerminateEmployee {
        /// The provider's id.
        remote_id: String,
        /// Last day.
        effective_date: NaiveDate,
    },
    /// Record tracked time.
    CreateTimeEntry(NewTimeEntry),
    /// File a time-off request.
    CreateTimeOffRequest(NewTimeOffRequest),
    /// Change a pay rate.
    UpdatePayRate {
        /// The provider's employee id.
        remote_id: String,
        /// New rate.
        rate: Money,
        /// From when.
        effective_date: NaiveDate,
    },
    /// Order a background check (the provider invites the person to consent).
    OrderBackgroundCheck(BackgroundCheckOrder),
}

impl WriteOp {
    /// What the write is, in words ("time entries").
    pub fn describe(&self) -> &'static str {
        match self {
            WriteOp::CreateEmployee(_) => "new employees",
            WriteOp::UpdateEmployee { .. } => "employee changes",
            WriteOp::TerminateEmployee { .. } => "terminations",
            WriteOp::CreateTimeEntry(_) => "time entries",
            WriteOp::CreateTimeOffRequest(_) => "time-off requests",
            WriteOp::UpdatePayRate { .. } => "pay rates",
            WriteOp::OrderBackgroundCheck(_) => "background check orders",
        }
    }

    /// True when the write waits for the owner's approval whatever the settings: it costs
    /// money and a third party contacts the person (a background check order).
    pub fn always_needs_approval(&self) -> bool {
        matches!(self, WriteOp::OrderBackgroundCheck(_))
    }

    /// True when the write changes what someone is paid (owner approval by default).
    pub fn affects_pay(&self) -> bool {
        matches!(
            self,
            WriteOp::UpdatePayRate { .. }
                | WriteOp::TerminateEmployee { .. }
                | WriteOp::CreateTimeEntry(_)
        )
    }
}

/// A write with the key that makes its retries safe.
#[derive(Debug, Clone)]
pub struct WriteRequest {
    /// What to write.
    pub op: WriteOp,
    /// Reused by every retry of this write.
    pub idempotency_key: IdempotencyKey,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WriteOutcome {
    /// The provider's id of the record written.
    pub remote_id: String,
    /// False when an earlier attempt had already applied it (nothing was written twice).
    pub applied_now: bool,
}

/// A verified webhook, reduced to what the sync engine needs to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookEvent {
    /// The provider's event type, e.g. "employee.updated".
    pub event_type: String,
    /// Affected kind, when known.
    pub entity: Option<EntityKind>,
    /// Affected record, when known.
    pub remote_id: Option<String>,
}

/// A provider connector: endpoints plus mapping. Auth, retries, limits, pagination and
/// decoding live in `maestro-http`.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The static description.
    fn manifest(&self) -> &'static Manifest;

    /// "Test connection": reaches the account with the saved credentials.
    async fn check(&self) -> Result<CheckReport>;

    /// Reads one page of one entity.
    async fn read(&self, request: &ReadRequest) -> Result<Page>;

    /// Writes to the provider; applying the same idempotency key twice writes once.
    async fn write(&self, request: &WriteRequest) -> Result<WriteOutcome> {
        Err(ConnectorError::Unsupported {
            provider: self.manifest().name.into(),
            what: format!("writing ({:?})", std::mem::discriminant(&request.op)),
        })
    }

    /// The packages a background-check provider offers this account (what an order names).
    async fn check_packages(&self) -> Result<Vec<CheckPackage>> {
        Err(ConnectorError::Unsupported {
            provider: self.manifest().name.into(),
            what: "background check packages".into(),
        })
    }

    /// Verifies a webhook's signature with the connection's webhook secret and parses it.
    fn verify_webhook(
        &self,
        _headers: &http::HeaderMap,
        _body: &[u8],
        _secret: &Sensitive<String>,
        _now: DateTime<Utc>,
    ) -> Result<Vec<WebhookEvent>> {
        Err(ConnectorError::Unsupported {
            provider: self.manifest().name.into(),
            what: "webhooks".into(),
        })
    }
}
