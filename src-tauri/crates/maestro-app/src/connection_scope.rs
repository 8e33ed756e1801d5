//! What a connection syncs: which of its entities are read (a connection setting, all by
//! default) and the routes it takes part in, in which direction, and whether they run. The
//! wizard's "What syncs" step and [`App::sync_connection`] read this.

use maestro_connectors::{Category, Registry};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_store::audit::AuditEvent;
use maestro_store::connections::{self, Connection};
use maestro_sync::routes::Route;
use serde::Serialize;
use serde_json::Value;

use crate::routes::RouteSettings;
use crate::{App, AppError, ErrorCode, Result};

/// Connection setting: entities the owner chose not to read (default: none, read everything).
pub const SKIP_ENTITIES_KEY: &str = "skip_entities";

/// The entities a connection's settings say not to read.
pub fn skipped_entities(config: &Value) -> Vec<EntityKind> {
    config
        .get(SKIP_ENTITIES_KEY)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().and_then(|s| s.parse().ok()))
                .collect()
        })
        .unwrap_or_default()
}

/// One entity a connection can read, and whether it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityScope {
    /// The entity.
    pub kind: EntityKind,
    /// Read on every sync (the owner may turn it off).
    pub read: bool,
    /// The provider can return only what changed.
    pub incremental: bool,
}

/// The part a connection could play in a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteRole {
    /// Records are read from it.
    Source,
    /// Writes go to it.
    Target,
}

/// A route the connection takes part in, as the owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteScope {
    /// The route.
    pub route: Route,
    /// The connection's part in it.
    pub role: RouteRole,
    /// What flows, in plain words ("new hires and terminations").
    pub what: String,
    /// Where it comes from: the connection's name, or `None` when nothing of that kind is
    /// connected.
    pub from: Option<String>,
    /// Where it goes.
    pub to: Option<String>,
    /// The kind of system at the other end ("payroll"), for when none is connected.
    pub other_category: Category,
    /// The route runs for the company (routes are company-wide).
    pub enabled: bool,
    /// The route uses this connection (chosen, or the only one of its kind).
    pub uses_this: bool,
    /// Other connections of the same kind that the route could use instead.
    pub alternatives: Vec<String>,
    /// Writes that change pay wait for the owner's approval in Review.
    pub needs_approval: bool,
}

/// What a connection syncs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionScope {
    /// The connection.
    pub connection_id: ConnectionId,
    /// Its name.
    pub display_name: String,
    /// Connector id.
    pub provider: String,
    /// Every entity it can read.
    pub entities: Vec<EntityScope>,
    /// Routes it can take part in.
    pub routes: Vec<RouteScope>,
}

/// The categories a route reads from and writes to.
pub(crate) fn ends(route: Route) -> (Category, Category) {
    match route {
        Route::HrisToPayroll => (Category::Hris, Category::Payroll),
        Route::TimeToPayroll => (Category::TimeTracking, Category::Payroll),
        Route::HrisToBackgroundCheck => (Category::Hris, Category::BackgroundChecks),
    }
}

pub(crate) fn what(route: Route) -> &'static str {
    match route {
        Route::HrisToPayroll => "new hires and terminations",
        Route::TimeToPayroll => "hours per pay period",
        Route::HrisToBackgroundCheck => "a background check for each new hire",
    }
}

pub(crate) fn chosen(cfg: &RouteSettings, category: Category) -> Option<ConnectionId> {
    match category {
        Category::Hris => cfg.hris,
        Category::Payroll => cfg.payroll,
        Category::TimeTracking => cfg.time_tracking,
        Category::BackgroundChecks => cfg.background_checks,
        _ => None,
    }
}

/// Makes `id` the connection playing `category` in the routes (`None`: no choice).
pub(crate) fn set_chosen(cfg: &mut RouteSettings, category: Category, id: Option<ConnectionId>) {
    match category {
        Category::Hris => cfg.hris = id,
        Category::Payroll => cfg.payroll = id,
        Category::TimeTracking => cfg.time_tracking = id,
        Category::BackgroundChecks => cfg.background_checks = id,
        _ => {}
    }
}

pub(crate) fn category_of(c: &Connection) -> Option<Category> {
    Registry::current()
        .get(&c.provider)
        .map(|d| d.manifest.category)
}

/// The name the owner reads for `c` among `all`: its own, or, when another connection has the
/// same name (two accounts of one tool), with what tells it apart: the account that names it
/// (its subdomain, account id…), else when it was added.
pub(crate) fn distinct_name(all: &[Connection], c: &Connection) -> String {
    if !all
        .iter()
        .any(|o| o.id != c.id && o.display_name == c.display_name)
    {
        return c.display_name.clone();
    }
    let account = Registry::current()
        .get(&c.provider)
        .and_then(|d| crate::connect::account_field(d.manifest))
        .and_then(|key| c.config.get(key))
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty() && !c.display_name.contains(a));
    match account {
        Some(account) => format!("{} ({account})", c.display_name),
        None => format!(
            "{} (added {})",
            c.display_name,
            c.created_at.format("%Y-%m-%d %H:%M UTC")
        ),
    }
}

/// The connection a route uses for `category`: the chosen one, else the only one.
pub(crate) fn in_use<'a>(
    all: &'a [Connection],
    cfg: &RouteSettings,
    category: Category,
) -> Option<&'a Connection> {
    let of_kind: Vec<&Connection> = all
        .iter()
        .filter(|c| category_of(c) == Some(category))
        .collect();
    match chosen(cfg, category) {
        Some(id) => of_kind.into_iter().find(|c| c.id == id),
        None if of_kind.len() == 1 => of_kind.first().copied(),
        None => None,
    }
}

impl App {
    /// The entities the owner turned off for a connection.
    pub async fn skipped_entities(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
    ) -> Result<Vec<EntityKind>> {
        let mut conn = self.conn().await?;
        let connection = connections::get(&mut conn, company_id, connection_id).await?;
        Ok(skipped_entities(&connection.config))
    }

    /// What a connection syncs: its readable entities (and which are on) and the routes it
    /// takes part in.
    pub async fn connection_scope(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
    ) -> Result<ConnectionScope> {
        let mut conn = self.conn().await?;
        let all = connections::list(&mut conn, company_id).await?;
        drop(conn);
        let this = all.iter().find(|c| c.id == connection_id).ok_or_else(|| {
            AppError::new(ErrorCode::NotFound, "that connection no longer exists")
        })?;
        let manifest = Registry::current()
            .get(&this.provider)
            .map(|d| d.manifest)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    format!("this build has no '{}' connector", this.provider),
                )
            })?;
        let skipped = skipped_entities(&this.config);
        let entities = manifest
            .entities
            .iter()
            .filter(|e| e.read)
            .map(|e| EntityScope {
                kind: e.kind,
                read: !skipped.contains(&e.kind),
                incremental: e.incremental,
            })
            .collect();
        let cfg = self.route_settings(company_id).await?;
        let category = manifest.category;
        let mut routes = Vec::new();
        for &route in Route::ALL {
            let (source, target) = ends(route);
            let (role, other) = if category == source {
                (RouteRole::Source, target)
            } else if category == target {
                (RouteRole::Target, source)
            } else {
                continue;
            };
            let used = in_use(&all, &cfg, category);
            let other_end = in_use(&all, &cfg, other).map(|c| distinct_name(&all, c));
            let this_end = used.map(|c| distinct_name(&all, c));
            let (from, to) = match role {
                RouteRole::Source => (this_end, other_end),
                RouteRole::Target => (other_end, this_end),
            };
            routes.push(RouteScope {
                route,
                role,
                what: what(route).into(),
                from,
                to,
                other_category: other,
                enabled: cfg.enabled(route),
                uses_this: used.is_some_and(|c| c.id == connection_id),
                alternatives: all
                    .iter()
                    .filter(|c| c.id != connection_id && category_of(c) == Some(category))
                    .map(|c| distinct_name(&all, c))
                    .collect(),
                // Orders cost money: always approved first.
                needs_approval: route == Route::HrisToBackgroundCheck
                    || (cfg.approve_pay_changes && route == Route::HrisToPayroll),
            });
        }
        Ok(ConnectionScope {
            connection_id,
            display_name: distinct_name(&all, this),
            provider: this.provider.clone(),
            entities,
            routes,
        })
    }

    /// Sets which entities a connection reads: the readable ones not in `skip`. Takes effect
    /// from the next sync; records already stored stay. Audited.
    pub async fn set_skipped_entities(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        skip: &[EntityKind],
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store().write().await?;
        let connection = connections::get(tx.conn(), company_id, connection_id).await?;
        let manifest = Registry::current()
            .get(&connection.provider)
            .map(|d| d.manifest)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    format!("this build has no '{}' connector", connection.provider),
                )
            })?;
        if let Some(kind) = skip
            .iter()
            .find(|k| !manifest.entity(**k).is_some_and(|e| e.read))
        {
            return Err(AppError::new(
                ErrorCode::Validation,
                format!("{} does not read {kind}", manifest.name),
            ));
        }
        if manifest
            .entities
            .iter()
            .filter(|e| e.read)
            .all(|e| skip.contains(&e.kind))
        {
            return Err(AppError::new(
                ErrorCode::Validation,
                format!(
                    "choose at least one kind of record to read from {}",
                    connection.display_name
                ),
            ));
        }
        let mut names: Vec<&str> = skip.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let mut config = connection.config.clone();
        if let Some(map) = config.as_object_mut() {
            map.insert(SKIP_ENTITIES_KEY.into(), serde_json::json!(names));
        }
        connections::set_config(tx.conn(), company_id, connection_id, &config, now).await?;
        maestro_store::audit::append(
            tx.conn(),
            &AuditEvent::new(
                &self.actor,
                "connection.skip_entities",
                &connection_id.to_string(),
            )
            .company(company_id)
            .detail(serde_json::json!({ "skip": names })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns a route on or off for the company and, with `use_this`, makes the connection the
    /// one the route uses for its kind of system. Audited (through the route settings).
    pub async fn set_connection_route(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        route: Route,
        enabled: bool,
        use_this: bool,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        let connection = connections::get(&mut conn, company_id, connection_id).await?;
        drop(conn);
        let category = category_of(&connection).ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("this build has no '{}' connector", connection.provider),
            )
        })?;
        let (source, target) = ends(route);
        if category != source && category != target {
            return Err(AppError::new(
                ErrorCode::Validation,
                format!(
                    "{} takes no part in {}",
                    connection.display_name,
                    route.label()
                ),
            ));
        }
        let mut cfg = self.route_settings(company_id).await?;
        cfg.disabled.retain(|r| *r != route);
        if !enabled {
            cfg.disabled.push(route);
        }
        if use_this {
            set_chosen(&mut cfg, category, Some(connection_id));
        } else if chosen(&cfg, category) == Some(connection_id) {
            set_chosen(&mut cfg, category, None);
        }
        self.set_route_settings(company_id, &cfg).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use maestro_core::clock::SystemClock;
    use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
    use maestro_store::{MemorySecretStore, NewKey};
    use maestro_sync::Mode;

    use super::*;

    #[tokio::test]
    async fn entities_turned_off_are_not_read_and_routes_name_both_ends() {
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
        let bamboo = app
            .connect_sandbox_provider(&company, &sandbox, Provider::BambooHr)
            .await
            .unwrap();

        let scope = app.connection_scope(company.id, bamboo.id).await.unwrap();
        assert!(scope.entities.iter().all(|e| e.read));
        assert!(
            scope
                .entities
                .iter()
                .any(|e| e.kind == EntityKind::Employee)
        );
        assert_eq!(scope.routes.len(), 2);
        let route = &scope.routes[0];
        assert_eq!(route.route, Route::HrisToPayroll);
        assert_eq!(route.role, RouteRole::Source);
        assert_eq!(route.from.as_deref(), Some("BambooHR"));
        assert_eq!(route.to, None);
        assert!(route.enabled && route.uses_this && route.needs_approval);
        // New hires' background checks: every order waits for approval.
        let checks = &scope.routes[1];
        assert_eq!(checks.route, Route::HrisToBackgroundCheck);
        assert_eq!(checks.other_category, Category::BackgroundChecks);
        assert!(checks.needs_approval);

        let off = [EntityKind::TimeOffBalance, EntityKind::TimeOffRequest];
        app.set_skipped_entities(company.id, bamboo.id, &off)
            .await
            .unwrap();
        let scope = app.connection_scope(company.id, bamboo.id).await.unwrap();
        for e in &scope.entities {
            assert_eq!(e.read, !off.contains(&e.kind), "{e:?}");
        }
        let outcomes = app
            .sync_connection(company.id, bamboo.id, None, Mode::Full)
            .await
            .unwrap();
        assert!(outcomes.iter().any(|o| o.entity == EntityKind::Employee));
        assert!(outcomes.iter().all(|o| !off.contains(&o.entity)));
        // Asking for one entity explicitly still reads it.
        let one = app
            .sync_connection(
                company.id,
                bamboo.id,
                Some(EntityKind::TimeOffBalance),
                Mode::Full,
            )
            .await
            .unwrap();
        assert_eq!(one.len(), 1);

        // Turning everything off is refused; so is an entity the connector does not read.
        let all: Vec<EntityKind> = scope.entities.iter().map(|e| e.kind).collect();
        assert!(
            app.set_skipped_entities(company.id, bamboo.id, &all)
                .await
                .is_err()
        );
        assert!(
            app.set_skipped_entities(company.id, bamboo.id, &[EntityKind::PayrollRun])
                .await
                .is_err()
        );

        // A second HRIS makes the route ambiguous until one is chosen for it.
        let second = app
            .connect_sandbox_provider(&company, &sandbox, Provider::BambooHr)
            .await
            .unwrap();
        let scope = app.connection_scope(company.id, second.id).await.unwrap();
        assert!(!scope.routes[0].uses_this);
        assert_eq!(scope.routes[0].from, None);
        // Two accounts of one tool read apart ("Use BambooHR … instead of BambooHR" did not).
        let [other] = scope.routes[0].alternatives.as_slice() else {
            panic!("one alternative: {:?}", scope.routes[0].alternatives);
        };
        assert!(other.starts_with("BambooHR") && scope.display_name.starts_with("BambooHR"));
        assert_ne!(other, &scope.display_name, "the two names are told apart");
        app.set_connection_route(company.id, second.id, Route::HrisToPayroll, false, true)
            .await
            .unwrap();
        let scope = app.connection_scope(company.id, second.id).await.unwrap();
        assert!(scope.routes[0].uses_this && !scope.routes[0].enabled);
        let cfg = app.route_settings(company.id).await.unwrap();
        assert_eq!(cfg.hris, Some(second.id));
        assert!(!cfg.enabled(Route::HrisToPayroll));
    }
}
