//! Harvest (time tracking, API v2) on the connector kit: the provider file
//! (`maestro-kit/providers/harvest.toml`) says where and how to read people and time entries;
//! this module holds what a file cannot say: the mappers, the account-id check, a connection
//! test that reads `/v2/company` only when the token may, and idempotent time entry creation.

mod api;
mod map;
mod write;

use std::collections::BTreeMap;

use async_trait::async_trait;
use maestro_http::{ApiRequest, HttpError};

pub use map::{time_entry, user};

use crate::connector::{CheckReport, WriteOp, WriteOutcome, WriteRequest};
use crate::error::{ConnectorError, Result};
use crate::kit::{FileConnector, Hooks};

/// Display name used in messages.
const NAME: &str = "Harvest";

/// Harvest's hand-written parts.
#[derive(Debug)]
pub struct HarvestHooks;

/// The one instance the registry uses.
pub static HOOKS: HarvestHooks = HarvestHooks;

impl HarvestHooks {
    /// `/v2/company`, or `None` when this token may not read it (it needs an administrator).
    async fn company(&self, c: &FileConnector) -> Result<Option<api::Company>> {
        let url = c.session().url("/v2/company")?;
        match c.session().send(&ApiRequest::get(url)).await {
            Ok(resp) => Ok(Some(resp.json()?)),
            Err(HttpError::Auth { status: 403, .. } | HttpError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[async_trait]
impl Hooks for HarvestHooks {
    fn validate(&self, config: &BTreeMap<String, String>) -> Result<()> {
        let account = config.get("account_id").map(|a| a.trim()).unwrap_or("");
        if account.is_empty() {
            return Err(ConnectorError::missing("account_id"));
        }
        if !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConnectorError::Config {
                field: "account_id".into(),
                message: "must be the digits shown at id.getharvest.com/developers".into(),
            });
        }
        Ok(())
    }

    async fn check(&self, c: &FileConnector) -> Option<Result<CheckReport>> {
        Some(
            async {
                let me_url = c.session().url("/v2/users/me")?;
                let me: api::Me = c.session().send(&ApiRequest::get(me_url)).await?.json()?;
                let company = self.company(c).await?;
                let who = [me.first_name, me.last_name]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let mut details = vec![format!(
                    "Signed in as {who}{}",
                    me.email.map(|e| format!(" ({e})")).unwrap_or_default()
                )];
                match &company {
                    Some(co) if co.wants_timestamp_timers == Some(true) => details.push(
                        "This account tracks start and end times; new entries are written with \
                         them"
                            .into(),
                    ),
                    Some(_) => {}
                    None => details.push(
                        "This token may not read the company settings (that needs an \
                         administrator); everything else works"
                            .into(),
                    ),
                }
                let account = c.config().get("account_id").cloned().unwrap_or_default();
                let name = company
                    .and_then(|co| co.name)
                    .unwrap_or_else(|| NAME.into());
                Ok(CheckReport {
                    account: format!("{name} (account {account})"),
                    details,
                })
            }
            .await,
        )
    }

    async fn write(
        &self,
        c: &FileConnector,
        request: &WriteRequest,
    ) -> Option<Result<WriteOutcome>> {
        match &request.op {
            WriteOp::CreateTimeEntry(entry) => {
                Some(write::create_time_entry(self, c, entry, &request.idempotency_key).await)
            }
            _ => None,
        }
    }
}
