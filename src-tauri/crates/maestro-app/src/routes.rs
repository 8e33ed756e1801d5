//! Routes (what flows where), per company: plan the writes from the synced records, show them
//! field by field, queue them in the durable outbox, and run the outbox.
//!
//! Built today: HRIS → payroll (new hires, and terminations, which wait for approval because
//! they change pay) and time tracking → payroll (hours per employee per pay period, ending at
//! the owner's approved preview: the payroll connector cannot write time sheets yet). Payroll
//! → accounting and new-hire chat notices need connectors this build does not have.
//! HRIS → background checks orders a check for each new hire with the package the owner chose;
//! every order waits for approval (it costs money, and the provider writes to the person).

mod checks;
mod hours;
mod load;
mod run;

use chrono::NaiveDate;
use maestro_connectors::Category;
use maestro_connectors::WriteOp;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_store::audit::AuditEvent;
use maestro_store::connections::Connection;
use maestro_store::outbox::{self, OutboxStatus};
use maestro_store::settings::{self, Scope};
use maestro_sync::routes::hours::{HoursPreview, PayCalendar};
use maestro_sync::routes::hris::{self, HrisInput};
use maestro_sync::routes::{FieldChange, Route};
use serde::{Deserialize, Serialize};

pub use checks::ChosenCheckPackage;
pub use run::{AttemptReport, MAX_ATTEMPTS, OutboxRun, WriteResult, backoff};

use crate::{App, AppError, ErrorCode, Result};

const SETTINGS_KEY: &str = "routes";

/// What the routes of a company do; saved per company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RouteSettings {
    /// Routes turned off.
    pub disabled: Vec<Route>,
    /// Writes that change pay wait for the owner's approval (on unless turned off).
    pub approve_pay_changes: bool,
    /// The HRIS to read, when there are several.
    pub hris: Option<ConnectionId>,
    /// The payroll to write to, when there are several.
    pub payroll: Option<ConnectionId>,
    /// The time tracker to read, when there are several.
    pub time_tracking: Option<ConnectionId>,
    /// The background-check provider to order from, when there are several.
    pub background_checks: Option<ConnectionId>,
    /// The package new hires' checks are ordered with (none: the route orders nothing).
    pub check_package: Option<ChosenCheckPackage>,
    /// People hired on or after this day are new hires (set when the package is first chosen).
    pub checks_hired_since: Option<NaiveDate>,
    /// The pay schedule the owner stated, for a payroll whose pay periods cannot be read
    /// (QuickBooks Online publishes no payroll runs); a payroll's own runs or statements win.
    pub pay_schedule: Option<PayCalendar>,
}

impl Default for RouteSettings {
    fn default() -> Self {
        RouteSettings {
            disabled: Vec::new(),
            approve_pay_changes: true,
            hris: None,
            payroll: None,
            time_tracking: None,
            background_checks: None,
            check_package: None,
            checks_hired_since: None,
            pay_schedule: None,
        }
    }
}

impl RouteSettings {
    /// Whether `route` runs.
    pub fn enabled(&self, route: Route) -> bool {
        !self.disabled.contains(&route)
    }
}

/// Where a planned write stands in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    /// Not queued before (a dry run leaves it so).
    New,
    /// Queued earlier; this is its status.
    Queued(OutboxStatus),
}

/// One write in a plan, with the exact diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedItem {
    /// The route.
    pub route: Route,
    /// The connection written to.
    pub connection_id: ConnectionId,
    /// Its name ("Gusto").
    pub target: String,
    /// Operation name ("create_employee").
    pub operation: String,
    /// One line for people.
    pub summary: String,
    /// Field by field: before → after.
    pub changes: Vec<FieldChange>,
    /// What will not be carried over, and why.
    pub notes: Vec<String>,
    /// Deterministic key (route, action, source record, version).
    pub idempotency_key: String,
    /// Waits for the owner's approval (it changes pay).
    pub requires_approval: bool,
    /// One live write per subject (route, action, source record).
    pub subject: String,
    /// The write itself (not serialised: it may hold sensitive values; `changes` shows it).
    #[serde(skip)]
    pub op: WriteOp,
    /// New, or already in the outbox.
    pub state: PlanState,
    /// The outbox entry (None in a dry run for a new write).
    pub outbox_id: Option<String>,
}

/// Something a route left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanSkip {
    /// The route.
    pub route: Route,
    /// Who.
    pub who: String,
    /// Why, with what to do.
    pub reason: String,
}

/// The result of planning the routes of a company.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutePlan {
    /// True when nothing was queued.
    pub dry_run: bool,
    /// Writes, new and already queued.
    pub writes: Vec<PlannedItem>,
    /// What was left out.
    pub skipped: Vec<PlanSkip>,
    /// Time tracking → payroll: the next pay period's hours.
    pub hours: Option<HoursPreview>,
    /// Routes not run and why, in plain words.
    pub notes: Vec<String>,
}

impl RoutePlan {
    /// Writes that planning queued now (or, in a dry run, would queue).
    pub fn new_writes(&self) -> impl Iterator<Item = &PlannedItem> {
        self.writes.iter().filter(|w| w.state == PlanState::New)
    }
}

/// One end of the routes while planning.
enum End {
    /// The connection playing this part.
    Is(Connection),
    /// Nothing of this kind is connected.
    Missing,
    /// Several are connected and none is chosen (noted in the plan).
    Unchosen,
}

impl End {
    fn connection(&self) -> Option<&Connection> {
        match self {
            End::Is(c) => Some(c),
            End::Missing | End::Unchosen => None,
        }
    }
}

fn category_name(c: Category) -> &'static str {
    match c {
        Category::Payroll => "payroll",
        Category::Hris => "HRIS",
        Category::TimeTracking => "time tracking",
        Category::BackgroundChecks => "background check",
        _ => "other",
    }
}

impl App {
    /// The company's route settings (defaults when never saved).
    pub async fn route_settings(&self, company_id: CompanyId) -> Result<RouteSettings> {
        self.company_setting(company_id, SETTINGS_KEY).await
    }

    /// Saves the company's route settings; audited.
    pub async fn set_route_settings(
        &self,
        company_id: CompanyId,
        value: &RouteSettings,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store().write().await?;
        settings::set(
            tx.conn(),
            Scope::Company(company_id),
            SETTINGS_KEY,
            value,
            now,
        )
        .await?;
        maestro_store::audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "routes.configure", SETTINGS_KEY)
                .company(company_id)
                .detail(serde_json::to_value(value).unwrap_or_default()),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The connection playing `category` in the routes: the one chosen in the settings, or
    /// the only one; `None` when there is none.
    async fn route_connection(
        &self,
        company_id: CompanyId,
        category: Category,
        chosen: Option<ConnectionId>,
    ) -> Result<Option<Connection>> {
        let mut conn = self.conn().await?;
        let all = maestro_store::connections::list(&mut conn, company_id).await?;
        let registry = maestro_connectors::Registry::current();
        let mut of_kind: Vec<Connection> = all
            .into_iter()
            .filter(|c| {
                registry
                    .get(&c.provider)
                    .is_some_and(|d| d.manifest.category == category)
            })
            .collect();
        if let Some(id) = chosen {
            return of_kind
                .into_iter()
                .find(|c| c.id == id)
                .map(Some)
                .ok_or_else(|| {
                    AppError::new(
                        ErrorCode::NotFound,
                        format!(
                            "the {} connection chosen for routes no longer exists; choose \
                             another in Settings → Routes (or `maestro routes config`)",
                            category_name(category)
                        ),
                    )
                });
        }
        match of_kind.len() {
            0 => Ok(None),
            1 => Ok(of_kind.pop()),
            _ => Err(AppError::new(
                ErrorCode::Validation,
                format!(
                    "this company has several {} connections ({}); choose the one the routes \
                     use in Settings → Routes (or `maestro routes config`)",
                    category_name(category),
                    of_kind
                        .iter()
                        .map(|c| c.display_name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// One end of the routes for planning: several connections of a kind with none chosen (or
    /// a chosen one gone) is not a failure of the whole plan; the reason is noted, in words, and
    /// only the routes needing that end wait.
    async fn route_end(
        &self,
        company_id: CompanyId,
        category: Category,
        chosen: Option<ConnectionId>,
        plan: &mut RoutePlan,
    ) -> Result<End> {
        match self.route_connection(company_id, category, chosen).await {
            Ok(Some(c)) => Ok(End::Is(c)),
            Ok(None) => Ok(End::Missing),
            Err(e) if matches!(e.code, ErrorCode::Validation | ErrorCode::NotFound) => {
                plan.notes.push(e.message);
                Ok(End::Unchosen)
            }
            Err(e) => Err(e),
        }
    }

    /// Plans every enabled route from the synced records and returns the exact diff. Unless
    /// `dry_run`, new writes go into the outbox (a write already queued or done is never
    /// queued twice); a dry run writes nothing at all.
    pub async fn plan_routes(&self, company_id: CompanyId, dry_run: bool) -> Result<RoutePlan> {
        let cfg = self.route_settings(company_id).await?;
        let mut plan = RoutePlan {
            dry_run,
            writes: Vec::new(),
            skipped: Vec::new(),
            hours: None,
            notes: vec![
                "Payroll → accounting and new-hire chat notices are not available: this build \
                 has no accounting or chat connector."
                    .into(),
            ],
        };
        let payroll = self
            .route_end(company_id, Category::Payroll, cfg.payroll, &mut plan)
            .await?;
        let hris_conn = self
            .route_end(company_id, Category::Hris, cfg.hris, &mut plan)
            .await?;
        let time_conn = self
            .route_end(
                company_id,
                Category::TimeTracking,
                cfg.time_tracking,
                &mut plan,
            )
            .await?;
        // Several HR systems and none chosen: the reason is noted, and no check is ordered.
        if !matches!(hris_conn, End::Unchosen) {
            self.plan_checks(company_id, &cfg, hris_conn.connection(), &mut plan)
                .await?;
        }
        let payroll = match payroll {
            End::Is(p) => p,
            End::Missing | End::Unchosen => {
                if matches!(payroll, End::Missing) {
                    plan.notes.push(
                        "No payroll is connected, so the routes to payroll have nowhere to write."
                            .into(),
                    );
                }
                if !dry_run {
                    self.enqueue_plan(company_id, &mut plan).await?;
                }
                return Ok(plan);
            }
        };

        match (cfg.enabled(Route::HrisToPayroll), hris_conn) {
            (false, _) => plan
                .notes
                .push(format!("{} is turned off.", Route::HrisToPayroll.label())),
            (true, End::Unchosen) => {}
            (true, End::Missing) => plan.notes.push(format!(
                "{}: no HRIS is connected.",
                Route::HrisToPayroll.label()
            )),
            (true, End::Is(source)) => {
                self.plan_hris(company_id, &source, &payroll, &cfg, &mut plan)
                    .await?;
            }
        }

        match (cfg.enabled(Route::TimeToPayroll), time_conn) {
            (false, _) => plan
                .notes
                .push(format!("{} is turned off.", Route::TimeToPayroll.label())),
            (true, End::Unchosen) => {}
            (true, End::Missing) => plan.notes.push(format!(
                "{}: no time tracker is connected.",
                Route::TimeToPayroll.label()
            )),
            (true, End::Is(source)) => {
                match self.hours_for(company_id, &source, &payroll, None).await {
                    Ok(preview) => plan.hours = Some(preview),
                    Err(e) => plan
                        .notes
                        .push(format!("{}: {e}", Route::TimeToPayroll.label())),
                }
                plan.notes.push(format!(
                    "{} ends at the preview: approve it with `maestro routes hours --approve`; \
                     {} hours are then entered in {} by hand, because its connector cannot \
                     write time sheets yet.",
                    Route::TimeToPayroll.label(),
                    source.display_name,
                    payroll.display_name
                ));
            }
        }

        if !dry_run {
            self.enqueue_plan(company_id, &mut plan).await?;
        }
        Ok(plan)
    }

    async fn plan_hris(
        &self,
        company_id: CompanyId,
        source: &Connection,
        payroll: &Connection,
        cfg: &RouteSettings,
        plan: &mut RoutePlan,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        let people = load::source_employees(&mut conn, company_id, source.id).await?;
        let targets = load::employees(&mut conn, company_id, payroll.id).await?;
        let departments = load::department_names(&mut conn, company_id, payroll.id).await?;
        let hris_plan = hris::plan(&HrisInput {
            source: &people,
            target: &targets,
            target_departments: &departments,
            source_name: &source.display_name,
            target_name: &payroll.display_name,
        });
        for w in hris_plan.writes {
            let requires_approval = cfg.approve_pay_changes && w.op.affects_pay();
            let existing =
                outbox::existing(&mut conn, company_id, &w.idempotency_key, &w.subject).await?;
            plan.writes.push(PlannedItem {
                route: w.route,
                connection_id: payroll.id,
                target: payroll.display_name.clone(),
                operation: w.action.into(),
                summary: w.summary,
                changes: w.changes,
                notes: w.notes,
                idempotency_key: w.idempotency_key,
                subject: w.subject,
                op: w.op,
                requires_approval,
                state: existing
                    .as_ref()
                    .map_or(PlanState::New, |i| PlanState::Queued(i.status)),
                outbox_id: existing.map(|i| i.id),
            });
        }
        plan.skipped
            .extend(hris_plan.skipped.into_iter().map(|s| PlanSkip {
                route: Route::HrisToPayroll,
                who: s.who,
                reason: s.reason,
            }));
        Ok(())
    }
}

/// Parses a period start typed by the owner.
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    text.trim().parse().map_err(|_| {
        AppError::new(
            ErrorCode::Validation,
            format!("'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-02"),
        )
        .with_field("period")
    })
}
