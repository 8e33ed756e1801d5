//! HRIS → background checks: the owner picks the package from the provider's own list, and
//! each new hire in the HRIS gets an order that waits for the owner's approval.

use maestro_connectors::{Category, CheckPackage};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::money::Money;
use maestro_store::connections::Connection;
use maestro_store::outbox;
use maestro_sync::routes::Route;
use maestro_sync::routes::checks::{self, ChecksInput, ChosenPackage};
use serde::{Deserialize, Serialize};

use super::{PlanSkip, PlanState, PlannedItem, RoutePlan, RouteSettings, load};
use crate::{App, AppError, ErrorCode, Result};

/// The package the owner chose for the route, at the provider it was chosen from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenCheckPackage {
    /// The connection whose package list it came from.
    pub connection_id: ConnectionId,
    /// What an order names (Checkr: the slug).
    pub id: String,
    /// Its name.
    pub name: String,
    /// What one check costs, as the provider listed it.
    pub price: Option<Money>,
}

impl App {
    /// The background-check connection the route orders from: the chosen one, or the only one.
    pub async fn background_check_connection(&self, company_id: CompanyId) -> Result<Connection> {
        let cfg = self.route_settings(company_id).await?;
        self.route_connection(
            company_id,
            Category::BackgroundChecks,
            cfg.background_checks,
        )
        .await?
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                "no background-check provider is connected; connect Checkr first",
            )
        })
    }

    /// The packages the route's provider offers this account, read from the provider now, with
    /// the connection they come from.
    pub async fn check_packages(
        &self,
        company_id: CompanyId,
    ) -> Result<(Connection, Vec<CheckPackage>)> {
        let connection = self.background_check_connection(company_id).await?;
        let connector = self.connector(company_id, connection.id).await?;
        match connector.check_packages().await {
            Ok(packages) => Ok((connection, packages)),
            Err(e @ maestro_connectors::ConnectorError::Unsupported { .. }) => Err(AppError::new(
                ErrorCode::Validation,
                format!(
                    "{} cannot order checks from Maestro yet ({e}); order them in {}",
                    connection.display_name, connection.display_name
                ),
            )),
            Err(e) => Err(self.connector_error(&e)),
        }
    }

    /// Chooses the package new hires' checks are ordered with, from the provider's current
    /// list (refused when the provider has no such package). The first choice also sets the
    /// day from which hires count as new (today). Audited with the route settings.
    pub async fn set_check_package(
        &self,
        company_id: CompanyId,
        package_id: &str,
    ) -> Result<RouteSettings> {
        let (connection, packages) = self.check_packages(company_id).await?;
        let package = packages
            .into_iter()
            .find(|p| p.id == package_id.trim())
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Validation,
                    format!(
                        "{} has no package '{package_id}' on this account; choose one it lists",
                        connection.display_name
                    ),
                )
                .with_field("package")
            })?;
        let mut cfg = self.route_settings(company_id).await?;
        cfg.background_checks = Some(connection.id);
        cfg.check_package = Some(ChosenCheckPackage {
            connection_id: connection.id,
            id: package.id,
            name: package.name,
            price: package.price,
        });
        if cfg.checks_hired_since.is_none() {
            cfg.checks_hired_since = Some(self.now().date_naive());
        }
        cfg.disabled.retain(|r| *r != Route::HrisToBackgroundCheck);
        self.set_route_settings(company_id, &cfg).await?;
        Ok(cfg)
    }

    /// Plans the route into `plan`: an order per new hire without one, each waiting for
    /// approval. What keeps it from running goes into the plan's notes, never an error (a
    /// missing package must not stop the other routes).
    pub(super) async fn plan_checks(
        &self,
        company_id: CompanyId,
        cfg: &RouteSettings,
        hris: Option<&Connection>,
        plan: &mut RoutePlan,
    ) -> Result<()> {
        let route = Route::HrisToBackgroundCheck;
        let label = route.label();
        let target = match self
            .route_connection(
                company_id,
                Category::BackgroundChecks,
                cfg.background_checks,
            )
            .await
        {
            Ok(Some(t)) => t,
            Ok(None) => {
                plan.notes.push(format!(
                    "{label}: no background-check provider is connected."
                ));
                return Ok(());
            }
            Err(e) => {
                plan.notes.push(format!("{label}: {}", e.message));
                return Ok(());
            }
        };
        if !cfg.enabled(route) {
            plan.notes.push(format!("{label} is turned off."));
            return Ok(());
        }
        let Some(source) = hris else {
            plan.notes.push(format!("{label}: no HRIS is connected."));
            return Ok(());
        };
        let (Some(package), Some(since)) = (&cfg.check_package, cfg.checks_hired_since) else {
            plan.notes.push(format!(
                "{label} orders nothing until you choose the {} package to order in the route's \
                 settings (every order costs money, and waits for your approval).",
                target.display_name
            ));
            return Ok(());
        };
        if package.connection_id != target.id {
            plan.notes.push(format!(
                "{label}: the package was chosen for another connection; choose one of {}'s \
                 packages in the route's settings.",
                target.display_name
            ));
            return Ok(());
        }
        let mut conn = self.conn().await?;
        let people = load::source_employees(&mut conn, company_id, source.id).await?;
        let locations = load::locations(&mut conn, company_id, source.id).await?;
        let checked = load::checked_emails(&mut conn, company_id, target.id).await?;
        let chosen = ChosenPackage {
            id: package.id.clone(),
            name: Some(package.name.clone()),
            price: package.price,
        };
        let planned = checks::plan(&ChecksInput {
            source: &people,
            locations: &locations,
            package: &chosen,
            checked: &checked,
            hired_since: since,
            source_name: &source.display_name,
            target_name: &target.display_name,
        });
        for w in planned.writes {
            let existing =
                outbox::existing(&mut conn, company_id, &w.idempotency_key, &w.subject).await?;
            plan.writes.push(PlannedItem {
                route: w.route,
                connection_id: target.id,
                target: target.display_name.clone(),
                operation: w.action.into(),
                summary: w.summary,
                changes: w.changes,
                notes: w.notes,
                idempotency_key: w.idempotency_key,
                subject: w.subject,
                requires_approval: true,
                op: w.op,
                state: existing
                    .as_ref()
                    .map_or(PlanState::New, |i| PlanState::Queued(i.status)),
                outbox_id: existing.map(|i| i.id),
            });
        }
        plan.skipped
            .extend(planned.skipped.into_iter().map(|s| PlanSkip {
                route,
                who: s.who,
                reason: s.reason,
            }));
        Ok(())
    }
}
