//! SSNs, birth dates and bank numbers are synced only for connections where the owner opted
//! in. Enforced here, once, for every connector: pages are stripped before anything is stored.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use maestro_connectors::{
    CheckPackage, CheckReport, Connector, ConnectorError, Manifest, Page, ReadRequest,
    WebhookEvent, WriteOutcome, WriteRequest,
};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::sensitive::Sensitive;
use maestro_store::audit::AuditEvent;
use maestro_store::connections;
use serde_json::Value;

use crate::App;
use crate::error::Result;

/// Connection setting: sync sensitive values (default off).
pub const SYNC_SENSITIVE_KEY: &str = "sync_sensitive";

/// True when the connection's settings opt in to sensitive values.
pub fn opted_in(config: &Value) -> bool {
    config.get(SYNC_SENSITIVE_KEY).and_then(Value::as_bool) == Some(true)
}

/// A connector whose pages never carry sensitive values.
pub(crate) struct WithoutSensitive(pub Arc<dyn Connector>);

#[async_trait]
impl Connector for WithoutSensitive {
    fn manifest(&self) -> &'static Manifest {
        self.0.manifest()
    }

    async fn check(&self) -> maestro_connectors::Result<CheckReport> {
        self.0.check().await
    }

    async fn read(&self, request: &ReadRequest) -> maestro_connectors::Result<Page> {
        let mut page = self.0.read(request).await?;
        for record in page.records.iter_mut().filter(|r| r.may_hold_sensitive()) {
            *record = record
                .without_sensitive()
                .map_err(|e| ConnectorError::Mapping {
                    provider: self.0.manifest().name.into(),
                    entity: record.kind().as_str().into(),
                    remote_id: record.provenance().remote_id.clone(),
                    message: format!("could not remove sensitive values: {e}"),
                })?;
        }
        Ok(page)
    }

    async fn write(&self, request: &WriteRequest) -> maestro_connectors::Result<WriteOutcome> {
        self.0.write(request).await
    }

    async fn check_packages(&self) -> maestro_connectors::Result<Vec<CheckPackage>> {
        self.0.check_packages().await
    }

    fn verify_webhook(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        secret: &Sensitive<String>,
        now: DateTime<Utc>,
    ) -> maestro_connectors::Result<Vec<WebhookEvent>> {
        self.0.verify_webhook(headers, body, secret, now)
    }
}

impl App {
    /// Opts a connection in to (or out of) syncing SSNs, birth dates and bank numbers. Takes
    /// effect from the next sync; opting out does not erase history already stored. Audited.
    pub async fn set_sync_sensitive(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        on: bool,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store().write().await?;
        let connection = connections::get(tx.conn(), company_id, connection_id).await?;
        let mut config = connection.config.clone();
        if let Some(map) = config.as_object_mut() {
            map.insert(SYNC_SENSITIVE_KEY.into(), Value::Bool(on));
        }
        connections::set_config(tx.conn(), company_id, connection_id, &config, now).await?;
        maestro_store::audit::append(
            tx.conn(),
            &AuditEvent::new(
                &self.actor,
                "connection.sync_sensitive",
                &connection_id.to_string(),
            )
            .company(company_id)
            .detail(serde_json::json!({ "on": on })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
