//! Which connection plays each part in the routes, company-wide (Settings → Routes): the HRIS
//! the routes read, the payroll they write to, the time tracker whose hours are paid, the
//! background-check provider orders go to; which routes run; and whether pay changes wait for
//! approval. A company with two payrolls or two HR systems chooses here, in the window, rather
//! than on the command line.

use maestro_connectors::Category;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_store::connections::{self, Connection};
use maestro_sync::routes::Route;
use maestro_sync::routes::hours::PayCalendar;
use serde::Serialize;

use crate::connection_scope::{category_of, chosen, distinct_name, ends, in_use, set_chosen, what};
use crate::routes::RouteSettings;
use crate::{App, AppError, ErrorCode, Result};

/// The parts a route can need, in the order the owner sees them.
pub const PARTS: [Category; 4] = [
    Category::Hris,
    Category::Payroll,
    Category::TimeTracking,
    Category::BackgroundChecks,
];

/// A connection that could play a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartOption {
    /// The connection.
    pub connection_id: ConnectionId,
    /// Its name.
    pub display_name: String,
    /// Connector id ("gusto").
    pub provider: String,
    /// When it was connected, to tell two connections of the same tool apart.
    pub connected_on: chrono::NaiveDate,
}

/// One part (a kind of system) and who plays it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartChoice {
    /// The kind of system.
    pub category: Category,
    /// The connection the owner chose, if any.
    pub chosen: Option<ConnectionId>,
    /// The connection the routes use now: the chosen one, or the only one of its kind.
    pub in_use: Option<ConnectionId>,
    /// Every connection of this kind.
    pub options: Vec<PartOption>,
    /// Several are connected and none is chosen: the routes needing this part do not run.
    pub needs_choice: bool,
}

/// One route, whether it runs, and whether both its ends are known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteChoice {
    /// The route.
    pub route: Route,
    /// What flows, in plain words ("new hires and terminations").
    pub what: String,
    /// The kind of system it reads.
    pub from: Category,
    /// The kind of system it writes to.
    pub to: Category,
    /// The owner lets it run.
    pub enabled: bool,
    /// The connection read, when known.
    pub from_connection: Option<String>,
    /// The connection written to, when known.
    pub to_connection: Option<String>,
}

/// Settings → Routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteChoices {
    /// Every route this build plans.
    pub routes: Vec<RouteChoice>,
    /// Every part a route needs.
    pub parts: Vec<PartChoice>,
    /// Writes that change pay wait for the owner's approval.
    pub approve_pay_changes: bool,
    /// The pay schedule the owner stated, for a payroll whose pay periods cannot be read.
    pub pay_schedule: Option<PayCalendar>,
}

/// What the settings say, applied to the company's connections (pure: no store).
pub fn route_choices(all: &[Connection], cfg: &RouteSettings) -> RouteChoices {
    let parts = PARTS
        .iter()
        .map(|&category| {
            let options: Vec<PartOption> = all
                .iter()
                .filter(|c| category_of(c) == Some(category))
                .map(|c| PartOption {
                    connection_id: c.id,
                    display_name: distinct_name(all, c),
                    provider: c.provider.clone(),
                    connected_on: c.created_at.date_naive(),
                })
                .collect();
            let used = in_use(all, cfg, category).map(|c| c.id);
            PartChoice {
                category,
                chosen: chosen(cfg, category),
                in_use: used,
                needs_choice: used.is_none() && options.len() > 1,
                options,
            }
        })
        .collect();
    let routes = Route::ALL
        .iter()
        .map(|&route| {
            let (from, to) = ends(route);
            RouteChoice {
                route,
                what: what(route).into(),
                from,
                to,
                enabled: cfg.enabled(route),
                from_connection: in_use(all, cfg, from).map(|c| distinct_name(all, c)),
                to_connection: in_use(all, cfg, to).map(|c| distinct_name(all, c)),
            }
        })
        .collect();
    RouteChoices {
        routes,
        parts,
        approve_pay_changes: cfg.approve_pay_changes,
        pay_schedule: cfg.pay_schedule,
    }
}

impl App {
    /// Settings → Routes for the company.
    pub async fn route_choices(&self, company_id: CompanyId) -> Result<RouteChoices> {
        let mut conn = self.conn().await?;
        let all = connections::list(&mut conn, company_id).await?;
        drop(conn);
        let cfg = self.route_settings(company_id).await?;
        Ok(route_choices(&all, &cfg))
    }

    /// Makes `connection_id` the one playing `category` in every route (`None`: no choice,
    /// which works while only one of its kind is connected). Audited.
    pub async fn choose_route_part(
        &self,
        company_id: CompanyId,
        category: Category,
        connection_id: Option<ConnectionId>,
    ) -> Result<RouteChoices> {
        if !PARTS.contains(&category) {
            return Err(AppError::new(
                ErrorCode::Validation,
                "no route reads from or writes to that kind of system",
            ));
        }
        let mut conn = self.conn().await?;
        let all = connections::list(&mut conn, company_id).await?;
        drop(conn);
        if let Some(id) = connection_id {
            let connection = all.iter().find(|c| c.id == id).ok_or_else(|| {
                AppError::new(ErrorCode::NotFound, "that connection no longer exists")
            })?;
            if category_of(connection) != Some(category) {
                return Err(AppError::new(
                    ErrorCode::Validation,
                    format!(
                        "{} cannot play that part in the routes",
                        connection.display_name
                    ),
                ));
            }
        }
        let mut cfg = self.route_settings(company_id).await?;
        set_chosen(&mut cfg, category, connection_id);
        self.set_route_settings(company_id, &cfg).await?;
        Ok(route_choices(&all, &cfg))
    }

    /// Turns a route on or off, and whether pay changes wait for approval. Audited.
    pub async fn set_route_running(
        &self,
        company_id: CompanyId,
        route: Route,
        enabled: bool,
    ) -> Result<RouteChoices> {
        let mut cfg = self.route_settings(company_id).await?;
        cfg.disabled.retain(|r| *r != route);
        if !enabled {
            cfg.disabled.push(route);
        }
        self.set_route_settings(company_id, &cfg).await?;
        self.route_choices(company_id).await
    }

    /// States the company's pay schedule (`None`: take it from payroll only). Payroll's own
    /// runs or statements still win where it has them. Audited.
    pub async fn set_pay_schedule(
        &self,
        company_id: CompanyId,
        schedule: Option<PayCalendar>,
    ) -> Result<RouteChoices> {
        let mut cfg = self.route_settings(company_id).await?;
        cfg.pay_schedule = schedule;
        self.set_route_settings(company_id, &cfg).await?;
        self.route_choices(company_id).await
    }

    /// Whether writes that change pay wait for the owner's approval. Audited.
    pub async fn set_approve_pay_changes(
        &self,
        company_id: CompanyId,
        approve: bool,
    ) -> Result<RouteChoices> {
        let mut cfg = self.route_settings(company_id).await?;
        cfg.approve_pay_changes = approve;
        self.set_route_settings(company_id, &cfg).await?;
        self.route_choices(company_id).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use maestro_core::clock::SystemClock;
    use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
    use maestro_store::{MemorySecretStore, NewKey};

    use super::*;

    fn part(c: &RouteChoices, category: Category) -> &PartChoice {
        c.parts.iter().find(|p| p.category == category).unwrap()
    }

    #[tokio::test]
    async fn two_payrolls_need_a_choice_and_the_choice_names_both_ends() {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let app = App::init(
            &dir.path().join("data"),
            NewKey::Keychain(Arc::new(MemorySecretStore::default())),
            "Bluebird Bakery",
            Arc::new(SystemClock),
        )
        .await
        .unwrap()
        .with_retry_policy(maestro_http::RetryPolicy::fast());
        let company = app.company(None).await.unwrap();
        let mut connected = Vec::new();
        for p in [
            Provider::BambooHr,
            Provider::Gusto,
            Provider::Justworks,
            Provider::Harvest,
        ] {
            connected.push(
                app.connect_sandbox_provider(&company, &sandbox, p)
                    .await
                    .unwrap(),
            );
        }
        let (gusto, justworks) = (&connected[1], &connected[2]);

        let c = app.route_choices(company.id).await.unwrap();
        let payroll = part(&c, Category::Payroll);
        assert!(payroll.needs_choice);
        assert_eq!(payroll.in_use, None);
        assert_eq!(payroll.options.len(), 2);
        // One HRIS, one time tracker: used without a choice.
        assert!(!part(&c, Category::Hris).needs_choice);
        assert_eq!(part(&c, Category::Hris).in_use, Some(connected[0].id));
        let hours = c
            .routes
            .iter()
            .find(|r| r.route == Route::TimeToPayroll)
            .unwrap();
        assert_eq!(hours.from_connection.as_deref(), Some("Harvest"));
        assert_eq!(hours.to_connection, None);
        // The plan does not fail as a whole: it says which choice the routes wait for.
        let plan = app.plan_routes(company.id, true).await.unwrap();
        assert!(plan.writes.is_empty() && plan.hours.is_none());
        assert!(
            plan.notes.iter().any(
                |n| n.contains("several payroll connections (Gusto, Justworks)")
                    && n.contains("Settings → Routes")
            ),
            "{:?}",
            plan.notes
        );

        let c = app
            .choose_route_part(company.id, Category::Payroll, Some(justworks.id))
            .await
            .unwrap();
        assert_eq!(part(&c, Category::Payroll).in_use, Some(justworks.id));
        assert!(!part(&c, Category::Payroll).needs_choice);
        let hours = c
            .routes
            .iter()
            .find(|r| r.route == Route::TimeToPayroll)
            .unwrap();
        assert_eq!(hours.to_connection.as_deref(), Some("Justworks"));
        assert_eq!(
            app.route_settings(company.id).await.unwrap().payroll,
            Some(justworks.id)
        );

        // A payroll cannot be the HRIS; the refusal changes nothing.
        let err = app
            .choose_route_part(company.id, Category::Hris, Some(gusto.id))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("cannot play that part"), "{err}");
        assert_eq!(app.route_settings(company.id).await.unwrap().hris, None);

        let c = app
            .set_route_running(company.id, Route::TimeToPayroll, false)
            .await
            .unwrap();
        assert!(
            !c.routes
                .iter()
                .find(|r| r.route == Route::TimeToPayroll)
                .unwrap()
                .enabled
        );
        let c = app
            .set_approve_pay_changes(company.id, false)
            .await
            .unwrap();
        assert!(!c.approve_pay_changes);
        let c = app
            .choose_route_part(company.id, Category::Payroll, None)
            .await
            .unwrap();
        assert!(part(&c, Category::Payroll).needs_choice);
    }
}
