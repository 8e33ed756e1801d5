//! BambooHR emulator: `/api/v1/...` (the real host `{companyDomain}.bamboohr.com` is ignored).

pub(crate) mod benefits;
pub(crate) mod data;
pub(crate) mod datasets;
pub(crate) mod meta;
pub(crate) mod report;
pub(crate) mod routes;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use chrono::NaiveDate;

use crate::control::Control;
use crate::seed::Company;
use crate::server::{Ctx, lock};

/// BambooHR server state.
pub(crate) struct BambooState {
    pub ctx: Arc<Ctx>,
    pub company: Arc<Company>,
    pub data: Mutex<data::BambooData>,
    pub revoked: AtomicBool,
}

impl BambooState {
    pub(crate) fn new(ctx: Arc<Ctx>, company: Arc<Company>) -> Self {
        BambooState {
            data: Mutex::new(data::build(&company)),
            revoked: AtomicBool::new(false),
            ctx,
            company,
        }
    }
}

impl Control for BambooState {
    fn ctx(&self) -> &Arc<Ctx> {
        &self.ctx
    }
    fn reset(&self) {
        *lock(&self.data) = data::build(&self.company);
        self.revoked.store(false, Ordering::SeqCst);
        *lock(&self.ctx.faults) = Default::default();
        self.ctx.reset_stats();
    }
    fn revoke(&self) {
        self.revoked.store(true, Ordering::SeqCst);
    }
}

/// The first day BambooHR answers a throttled request with 429 + `Retry-After`; before it, the
/// answer was 503 + `Retry-After` (provider facts: BambooHR's "planned changes to the API").
pub(crate) const THROTTLE_429_FROM: Option<NaiveDate> = NaiveDate::from_ymd_opt(2026, 9, 16);

/// Wraps the whole BambooHR app (faults and rate limit included) so that a throttled answer
/// has the status BambooHR used on the sandbox's "today": 503 before [`THROTTLE_429_FROM`].
pub(crate) fn with_throttle_status(app: Router, state: Arc<BambooState>) -> Router {
    app.layer(middleware::from_fn_with_state(state, throttle_status))
}

async fn throttle_status(State(s): State<Arc<BambooState>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let legacy = THROTTLE_429_FROM.is_some_and(|day| s.company.today < day);
    if legacy
        && resp.status() == StatusCode::TOO_MANY_REQUESTS
        && resp.headers().contains_key(header::RETRY_AFTER)
    {
        *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    }
    resp
}

/// The account's numeric company id, as webhooks send it (`data.companyId`).
pub(crate) fn company_id(c: &Company) -> String {
    (10_000 + c.seed % 90_000).to_string()
}
