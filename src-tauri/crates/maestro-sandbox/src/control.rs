//! `/_sandbox/*` control endpoints (mounted on every provider server) and the trait the provider
//! states implement so the control plane can reset and revoke them.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::faults::FaultPlan;
use crate::server::{Ctx, lock};

/// Operations every provider emulator supports.
pub(crate) trait Control: Send + Sync + 'static {
    /// The provider's runtime context.
    fn ctx(&self) -> &Arc<Ctx>;
    /// Re-seeds data and credentials (ground truth back to the initial state).
    fn reset(&self);
    /// Revokes every token/key: API calls get 401, refreshes `invalid_grant`.
    fn revoke(&self);
}

/// Applies a fault plan (and its `revoke_tokens` flag).
pub(crate) fn apply_faults(c: &dyn Control, plan: FaultPlan) {
    if plan.revoke_tokens {
        c.revoke();
    }
    *lock(&c.ctx().faults) = plan;
}

type Ctl = Arc<dyn Control>;

async fn set_faults(State(c): State<Ctl>, Json(plan): Json<FaultPlan>) -> Response {
    apply_faults(c.as_ref(), plan.clone());
    Json(plan).into_response()
}

async fn get_faults(State(c): State<Ctl>) -> Response {
    Json(lock(&c.ctx().faults).clone()).into_response()
}

async fn revoke(State(c): State<Ctl>) -> Response {
    c.revoke();
    StatusCode::NO_CONTENT.into_response()
}

async fn reset(State(c): State<Ctl>) -> Response {
    c.reset();
    StatusCode::NO_CONTENT.into_response()
}

async fn stats(State(c): State<Ctl>) -> Response {
    let ctx = c.ctx();
    Json(json!({
        "provider": ctx.provider,
        "request_count": ctx.count.load(Ordering::SeqCst),
    }))
    .into_response()
}

/// The `/_sandbox` router for one provider.
pub(crate) fn router(c: Ctl) -> Router {
    Router::new()
        .route("/_sandbox/faults", post(set_faults).get(get_faults))
        .route("/_sandbox/revoke", post(revoke))
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/stats", get(stats))
        .with_state(c)
}
