//! Gusto (payroll, embedded API v2025-06-15): company, people, jobs and pay rates, departments,
//! locations, payrolls and pay statements, time-off policies and benefits; creates, updates
//! and terminates employees; verifies `X-Gusto-Signature` webhooks.

mod api;
mod history;
mod map;
mod read;
mod write;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use maestro_core::clock::Clock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_core::sensitive::Sensitive;
use maestro_http::{ProviderSession, RateLimit, webhook};

use crate::connector::{
    CheckReport, Connector, ConnectorContext, Page, ReadRequest, WebhookEvent, WriteOp,
    WriteOutcome, WriteRequest,
};
use crate::error::{ConnectorError, Result};
use crate::manifest::{AuthKind, Category, ConfigField, EntitySupport, FieldKind, Manifest, reads};
use crate::registry::ConnectorDef;

/// The API version sent when the connection does not choose one.
pub const DEFAULT_API_VERSION: &str = "2025-06-15";

const fn with(kind: EntityKind, write: bool, webhook: bool) -> EntitySupport {
    EntitySupport {
        kind,
        read: true,
        incremental: false,
        write,
        webhook,
    }
}

/// Gusto's static description.
pub static MANIFEST: Manifest = Manifest {
    id: "gusto",
    name: "Gusto",
    category: Category::Payroll,
    version: "1.0.0",
    summary: "Payroll, people, pay rates, benefits and time-off policies from Gusto.",
    auth: AuthKind::OAuth2 {
        authorize_path: "/oauth/authorize",
        token_path: "/oauth/token",
        pkce: true,
        scopes: &[],
    },
    config: &[
        ConfigField {
            key: "company_uuid",
            label: "Company ID",
            help: "The company's UUID. In Gusto it is in the address bar after /companies/ \
                   when you open the company; partners also get it as company_uuid when \
                   the company is created or from GET /v1/token_info.",
            kind: FieldKind::Text,
            required: true,
            pattern: Some(
                "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            ),
            example: Some("e904cc79-818a-4da8-9d37-0be0a86fdda8"),
            default: None,
            multiline: false,
        },
        ConfigField {
            key: "api_version",
            label: "API version",
            help: "The X-Gusto-API-Version to use. Leave empty for 2025-06-15.",
            kind: FieldKind::Text,
            required: false,
            pattern: Some("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
            example: Some(DEFAULT_API_VERSION),
            default: None,
            multiline: false,
        },
    ],
    entities: &[
        with(EntityKind::Company, false, true),
        with(EntityKind::Employee, true, true),
        reads(EntityKind::Employment, false),
        reads(EntityKind::Compensation, false),
        reads(EntityKind::Department, false),
        reads(EntityKind::Location, false),
        // Incremental reads of payrolls cover the open window of the history (see `history`).
        EntitySupport {
            incremental: true,
            ..with(EntityKind::PayrollRun, false, true)
        },
        reads(EntityKind::PayStatement, true),
        reads(EntityKind::TimeOffPolicy, false),
        reads(EntityKind::BenefitPlan, false),
        reads(EntityKind::BenefitEnrollment, false),
    ],
    rate_limit: RateLimit::per_seconds(200, 60),
    rate_limit_text: "200 requests per 60 s",
    max_page_size: read::PER,
    production_base_url: "https://api.gusto.com",
    sandbox_base_url: Some("https://api.gusto-demo.com"),
    auth_base_url: None,
    docs_url: "https://docs.gusto.com/embedded-payroll/docs/introduction",
};

/// How the registry builds Gusto connections.
pub const DEF: ConnectorDef = ConnectorDef::module(&MANIFEST, build);

/// A Gusto connection.
struct Gusto {
    session: ProviderSession,
    company_uuid: String,
    company_id: CompanyId,
    connection_id: ConnectionId,
    clock: Arc<dyn Clock>,
}

fn build(ctx: ConnectorContext) -> Result<Arc<dyn Connector>> {
    let company_uuid = ctx.require("company_uuid")?.trim().to_owned();
    let version = ctx
        .config
        .get("api_version")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .unwrap_or(DEFAULT_API_VERSION);
    let session = ctx
        .share_limiter(ProviderSession::new(
            MANIFEST.name,
            ctx.base_url.clone(),
            ctx.auth.clone(),
            MANIFEST.rate_limit,
            ctx.http.clone(),
        ))
        .with_header("x-gusto-api-version", version)?
        .with_retry_policy(ctx.retry.clone())
        .with_clock(ctx.clock.clone());
    Ok(Arc::new(Gusto {
        session,
        company_uuid,
        company_id: ctx.company_id,
        connection_id: ctx.connection_id,
        clock: ctx.clock,
    }))
}

impl Gusto {
    fn map_ctx(&self) -> map::Ctx {
        map::Ctx {
            company_id: self.company_id,
            connection_id: self.connection_id,
            today: self.clock.now().date_naive(),
        }
    }
}

#[async_trait]
impl Connector for Gusto {
    fn manifest(&self) -> &'static Manifest {
        &MANIFEST
    }

    async fn check(&self) -> Result<CheckReport> {
        let path = format!("/v1/companies/{}", self.company_uuid);
        let (company, _) = self.get_one::<api::Company>(&path).await?;
        let name = company
            .trade_name
            .or(company.name)
            .unwrap_or_else(|| company.uuid.clone());
        let mut details = vec![format!("Connected to the Gusto company {name}")];
        if let Some(status) = company.company_status {
            details.push(format!("Company status: {status}"));
        }
        Ok(CheckReport {
            account: name,
            details,
        })
    }

    async fn read(&self, request: &ReadRequest) -> Result<Page> {
        self.read_page(request).await
    }

    async fn write(&self, request: &WriteRequest) -> Result<WriteOutcome> {
        match &request.op {
            WriteOp::CreateEmployee(new) => self.create_employee(new).await,
            WriteOp::UpdateEmployee { remote_id, changes } => {
                self.update_employee(remote_id, changes).await
            }
            WriteOp::TerminateEmployee {
                remote_id,
                effective_date,
            } => self.terminate(remote_id, *effective_date).await,
            other => Err(ConnectorError::Unsupported {
                provider: MANIFEST.name.into(),
                what: format!("this write ({})", op_name(other)),
            }),
        }
    }

    fn verify_webhook(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        secret: &Sensitive<String>,
        _now: DateTime<Utc>,
    ) -> Result<Vec<WebhookEvent>> {
        let signature = webhook::header(headers, "x-gusto-signature")?;
        webhook::verify_hex(secret.expose().as_bytes(), &[body], signature)?;
        write::parse_events(body)
    }
}

fn op_name(op: &WriteOp) -> &'static str {
    match op {
        WriteOp::CreateEmployee(_) => "create employee",
        WriteOp::UpdateEmployee { .. } => "update employee",
        WriteOp::TerminateEmployee { .. } => "terminate employee",
        WriteOp::CreateTimeEntry(_) => "create time entry",
        WriteOp::CreateTimeOffRequest(_) => "create time-off request",
        WriteOp::UpdatePayRate { .. } => "update pay rate",
        WriteOp::OrderBackgroundCheck(_) => "order background check",
    }
}
