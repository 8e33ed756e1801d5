//! BambooHR emulator: `/api/v1/...` (the real host `{companyDomain}.bamboohr.com` is ignored).

pub(crate) mod data;
pub(crate) mod report;
pub(crate) mod routes;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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
