//! Harvest emulator: `/v2/...` REST API plus the identity server's `/oauth2/authorize`,
//! `/api/v2/oauth2/token` and `/api/v2/accounts` (real host id.getharvest.com) on the same port.

pub(crate) mod data;
pub(crate) mod routes;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::control::Control;
use crate::oauth::OAuthStore;
use crate::seed::Company;
use crate::server::{Ctx, lock};

/// Harvest OAuth access-token lifetime: 1209599 s (≈14 days) as in Harvest's token response example;
/// not confirmed for v2 in the stored sources.
pub const TOKEN_LIFETIME_SECS: u64 = 1_209_599;

/// Harvest server state.
pub(crate) struct HarvestState {
    pub ctx: Arc<Ctx>,
    pub company: Arc<Company>,
    pub time_entries: Option<usize>,
    pub data: Mutex<data::HarvestData>,
    pub oauth: Mutex<OAuthStore>,
    pub pat_revoked: AtomicBool,
}

fn oauth_for(c: &Company) -> OAuthStore {
    OAuthStore::new(
        c.secrets.harvest_client_id.clone(),
        c.secrets.harvest_client_secret.clone(),
        Duration::from_secs(TOKEN_LIFETIME_SECS),
    )
}

impl HarvestState {
    pub(crate) fn new(ctx: Arc<Ctx>, company: Arc<Company>, time_entries: Option<usize>) -> Self {
        HarvestState {
            data: Mutex::new(data::build(&company, time_entries)),
            oauth: Mutex::new(oauth_for(&company)),
            pat_revoked: AtomicBool::new(false),
            time_entries,
            ctx,
            company,
        }
    }
}

impl HarvestState {
    /// Finished entries per user, for payrolls to pay what was tracked. Only the realistic
    /// data set (no explicit entry count) is paid from tracking.
    pub(crate) fn tracked_hours(&self) -> crate::gusto::data::TrackedHours {
        if self.time_entries.is_some() {
            return crate::gusto::data::TrackedHours::default();
        }
        crate::gusto::data::TrackedHours::from_entries(&lock(&self.data).entries)
    }
}

impl Control for HarvestState {
    fn ctx(&self) -> &Arc<Ctx> {
        &self.ctx
    }
    fn reset(&self) {
        *lock(&self.data) = data::build(&self.company, self.time_entries);
        *lock(&self.oauth) = oauth_for(&self.company);
        self.pat_revoked.store(false, Ordering::SeqCst);
        *lock(&self.ctx.faults) = Default::default();
        self.ctx.reset_stats();
    }
    fn revoke(&self) {
        self.pat_revoked.store(true, Ordering::SeqCst);
        lock(&self.oauth).revoke_all();
    }
}
