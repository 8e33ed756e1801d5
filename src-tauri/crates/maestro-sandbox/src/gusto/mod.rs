//! Gusto emulator: `/v1/...` API (v2025-06-15), `/oauth/...` authorization server.

pub(crate) mod data;
mod payrolls;
mod people;
pub(crate) mod routes;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::control::Control;
use crate::oauth::OAuthStore;
use crate::seed::Company;
use crate::server::{Ctx, lock};

/// The Gusto API version the emulator implements (echoed in `X-Gusto-API-Version`).
pub const API_VERSION: &str = "2025-06-15";

/// Gusto server state.
pub(crate) struct GustoState {
    pub ctx: Arc<Ctx>,
    pub company: Arc<Company>,
    pub data: Mutex<data::GustoData>,
    pub oauth: Mutex<OAuthStore>,
    /// What Harvest tracked, so payrolls pay it.
    pub tracked: data::TrackedHours,
}

fn oauth_for(c: &Company) -> OAuthStore {
    let s = &c.secrets;
    let mut o = OAuthStore::new(
        s.gusto_client_id.clone(),
        s.gusto_client_secret.clone(),
        Duration::from_secs(7200),
    );
    o.preissue(&s.gusto_access_token, &s.gusto_refresh_token);
    o
}

impl GustoState {
    pub(crate) fn new(ctx: Arc<Ctx>, company: Arc<Company>, tracked: data::TrackedHours) -> Self {
        GustoState {
            data: Mutex::new(data::build(&company, &tracked)),
            oauth: Mutex::new(oauth_for(&company)),
            tracked,
            ctx,
            company,
        }
    }
}

impl Control for GustoState {
    fn ctx(&self) -> &Arc<Ctx> {
        &self.ctx
    }
    fn reset(&self) {
        *lock(&self.data) = data::build(&self.company, &self.tracked);
        *lock(&self.oauth) = oauth_for(&self.company);
        *lock(&self.ctx.faults) = Default::default();
        self.ctx.reset_stats();
    }
    fn revoke(&self) {
        lock(&self.oauth).revoke_all();
    }
}
