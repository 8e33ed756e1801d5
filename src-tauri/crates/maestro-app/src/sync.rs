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
use maestro_store::settings::{self, Scope};

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
            None => {
                // The owner may have turned some off (the wizard's "What syncs").
                let skipped = self.skipped_entities(company_id, connection_id).await?;
                manifest
                    .entities
                    .iter()
                    .filter(|e| e.read && !skipped.contains(&e.kind))
                    .map(|e| e.kind)
                    .collect()
            }
        };
        let mut out = Vec::new();
        let cadence = self.full_sync_cadence(company_id).await?;
        for entity in entities {
            let mode = self
                .mode_for(company_id, connection_id, entity, mode, cadence)
                .await?;
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
        let changed = |kinds: &[EntityKind]| {
            out.iter().any(|o| {
                kinds.contains(&o.entity)
                    && o.summary
                        .is_some_and(|s| s.created + s.updated + s.deleted > 0)
            })
        };
        let people_changed = out.iter().any(|o| {
            PEOPLE.contains(&o.entity)
                && o.summary
                    .is_some_and(|s| s.created + s.updated + s.deleted > 0)
        });
        if people_changed {
            self.reconcile(company_id).await?;
        }
        // Read, changed or not: a start date passing while a check is pending is news too.
        if out
            .iter()
            .any(|o| HIRE_CHECKS.contains(&o.entity) && o.summary.is_some())
        {
            self.check_hire_checks(company_id).await?;
        }
        let hours_changed = out.iter().any(|o| {
            matches!(o.entity, EntityKind::TimeEntry | EntityKind::PayStatement)
                && o.summary
                    .is_some_and(|s| s.created + s.updated + s.deleted > 0)
        });
        if hours_changed {
            self.check_paid_hours(company_id).await?;
        }
        if changed(BENEFITS) {
            self.check_benefits(company_id).await?;
        }
        // A refresh during the sync may have moved a sign-in's end; time has passed too.
        self.check_sign_in_expiry(company_id).await?;
        // Calendar items come due with time and with what was synced (hires, leavers).
        self.check_compliance_calendar(company_id).await?;
        Ok(out)
    }

    /// How often an incremental schedule also reads everything, so deletions the provider
    /// does not report are found (setting `sync.full_every_hours`, default 24 h).
    pub async fn full_sync_cadence(&self, company_id: CompanyId) -> Result<chrono::Duration> {
        let mut conn = self.conn().await?;
        let hours: Option<i64> =
            settings::get(&mut conn, Scope::Company(company_id), FULL_EVERY_KEY).await?;
        Ok(chrono::Duration::hours(
            hours.unwrap_or(DEFAULT_FULL_EVERY_HOURS).max(0),
        ))
    }

    /// Sets [`App::full_sync_cadence`] (0 = every run reads everything); audited.
    pub async fn set_full_sync_cadence(&self, company_id: CompanyId, hours: i64) -> Result<()> {
        if !(0..=24 * 90).contains(&hours) {
            return Err(AppError::new(
                ErrorCode::Validation,
                "choose between 0 and 2160 hours (90 days) between full reads",
            ));
        }
        let now = self.now();
        let mut tx = self.store().write().await?;
        settings::set(
            tx.conn(),
            Scope::Company(company_id),
            FULL_EVERY_KEY,
            &hours,
            now,
        )
        .await?;
        maestro_store::audit::append(
            tx.conn(),
            &maestro_store::audit::AuditEvent::new(
                &self.actor,
                "settings.full_sync_cadence",
                &hours.to_string(),
            )
            .company(company_id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Incremental, unless the entity has not been read in full within the cadence.
    async fn mode_for(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        entity: EntityKind,
        asked: Mode,
        cadence: chrono::Duration,
    ) -> Result<Mode> {
        if asked == Mode::Full {
            return Ok(Mode::Full);
        }
        let mut conn = self.conn().await?;
        let last = maestro_store::sync_runs::last_full_success(
            &mut conn,
            company_id,
            connection_id,
            entity.as_str(),
        )
        .await?;
        Ok(match last {
            Some(at) if self.now() - at < cadence => Mode::Incremental,
            // Never read in full yet (the engine reads everything anyway), or due again.
            _ => Mode::Full,
        })
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

/// Settings key of the full-read cadence.
const FULL_EVERY_KEY: &str = "sync.full_every_hours";
/// Default hours between full reads of incrementally synced entities.
pub const DEFAULT_FULL_EVERY_HOURS: i64 = 24;

/// Entities whose reads call for the hire-check rule ([`App::check_hire_checks`]).
const HIRE_CHECKS: &[EntityKind] = &[
    EntityKind::Employee,
    EntityKind::Candidate,
    EntityKind::BackgroundCheck,
];

/// Entities whose changes call for identity resolution and conflict detection.
const PEOPLE: &[EntityKind] = &[
    EntityKind::Employee,
    EntityKind::Contractor,
    EntityKind::Employment,
    EntityKind::Compensation,
    EntityKind::Candidate,
];

/// Entities whose changes call for the benefit checks ([`App::check_benefits`]).
const BENEFITS: &[EntityKind] = &[
    EntityKind::Employee,
    EntityKind::Employment,
    EntityKind::BenefitPlan,
    EntityKind::BenefitEnrollment,
    EntityKind::PayStatement,
];

/// What [`App::reconcile`] found.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciled {
    /// Identity resolution.
    pub identities: crate::people::ResolveSummary,
    /// Conflict detection.
    pub conflicts: crate::review::DetectionSummary,
}
