//! Running syncs of saved connections through the sync engine, and turning failures that need
//! the owner into alerts.

use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_sync::{Mode, RunRequest, RunSummary, SyncError, SyncEvent};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::App;
use crate::error::{AppError, ErrorCode, Result};
use crate::health::RunEnd;

/// The outcome of syncing one entity.
#[derive(Debug, Clone, Serialize)]
pub struct EntityOutcome {
    /// The entity.
    pub entity: EntityKind,
    /// Totals, when it ran to the end.
    pub summary: Option<RunSummary>,
    /// Why it stopped, when it failed.
    pub error: Option<String>,
}

impl App {
    /// Sync activity as it happens.
    pub fn sync_events(&self) -> broadcast::Receiver<SyncEvent> {
        self.sync.subscribe()
    }

    /// Syncs one connection: the given entity, or every readable one. A failing entity does
    /// not stop the others; a credential failure stops all (they would fail the same way) and
    /// raises a "reconnect" alert.
    pub async fn sync_connection(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        entity: Option<EntityKind>,
        mode: Mode,
    ) -> Result<Vec<EntityOutcome>> {
        let connector = self.connector(company_id, connection_id).await?;
        let manifest = connector.manifest();
        let entities: Vec<EntityKind> = match entity {
            Some(e) => {
                if !manifest.entity(e).is_some_and(|s| s.read) {
                    return Err(AppError::new(
                        ErrorCode::Validation,
                        format!("{} cannot read {e}", manifest.name),
                    ));
                }
                vec![e]
            }
            None => manifest
                .entities
                .iter()
                .filter(|e| e.read)
                .map(|e| e.kind)
                .collect(),
        };
        let mut out = Vec::new();
        for entity in entities {
            let result = self
                .sync
                .run(
                    connector.as_ref(),
                    RunRequest {
                        company_id,
                        connection_id,
                        entity,
                        mode,
                    },
                )
                .await;
            match result {
                Ok(summary) => {
                    let full = summary.full;
                    self.after_run(
                        company_id,
                        connection_id,
                        entity,
                        RunEnd::Done {
                            summary: &summary,
                            full,
                        },
                    )
                    .await?;
                    out.push(EntityOutcome {
                        entity,
                        summary: Some(summary),
                        error: None,
                    });
                }
                Err(SyncError::Connector(e)) => {
                    self.record_connector_failure(company_id, connection_id, &e)
                        .await?;
                    self.after_run(company_id, connection_id, entity, RunEnd::Failed(&e))
                        .await?;
                    let stop = e.needs_reconnect();
                    out.push(EntityOutcome {
                        entity,
                        summary: None,
                        error: Some(self.connector_error(&e).message),
                    });
                    if stop {
                        break;
                    }
                }
                Err(SyncError::Store(e)) => return Err(e.into()),
            }
        }
        let people_changed = out.iter().any(|o| {
            PEOPLE.contains(&o.entity)
                && o.summary
                    .is_some_and(|s| s.created + s.updated + s.deleted > 0)
        });
        if people_changed {
            self.reconcile(company_id).await?;
        }
        let hours_changed = out.iter().any(|o| {
            matches!(o.entity, EntityKind::TimeEntry | EntityKind::PayStatement)
                && o.summary
                    .is_some_and(|s| s.created + s.updated + s.deleted > 0)
        });
        if hours_changed {
            self.check_paid_hours(company_id).await?;
        }
        Ok(out)
    }

    /// After people data changed: links each person across providers, then compares the
    /// linked records (conflicts to review, discrepancy alerts).
    pub async fn reconcile(&self, company_id: CompanyId) -> Result<Reconciled> {
        let identities = self.resolve_identities(company_id).await?;
        let conflicts = self.detect_conflicts(company_id).await?;
        Ok(Reconciled {
            identities,
            conflicts,
        })
    }
}

/// Entities whose changes call for identity resolution and conflict detection.
const PEOPLE: &[EntityKind] = &[
    EntityKind::Employee,
    EntityKind::Contractor,
    EntityKind::Employment,
    EntityKind::Compensation,
];

/// What [`App::reconcile`] found.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciled {
    /// Identity resolution.
    pub identities: crate::people::ResolveSummary,
    /// Conflict detection.
    pub conflicts: crate::review::DetectionSummary,
}
