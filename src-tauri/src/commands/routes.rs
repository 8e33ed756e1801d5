//! Settings → Routes: which connection plays each part in the routes (the HRIS read, the
//! payroll written to, the time tracker, the background-check provider), which routes run, and
//! whether pay changes wait for approval.

use maestro_app::route_choices::RouteChoices;
use maestro_connectors::Category;
use maestro_core::ids::ConnectionId;
use maestro_sync::routes::Route;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use super::parse_id;
use crate::dto::category_name;
use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

/// A connection that could play a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PartOptionDto {
    /// Connection id.
    pub connection_id: String,
    /// Its name.
    pub display_name: String,
    /// Connector id ("gusto").
    pub provider: String,
    /// When it was connected (ISO 8601 date), to tell two of the same tool apart.
    pub connected_on: String,
}

/// One kind of system and who plays it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PartChoiceDto {
    /// "hris", "payroll", "time_tracking" or "background_checks".
    pub category: String,
    /// The connection chosen, if any.
    pub chosen: Option<String>,
    /// The connection the routes use now (chosen, or the only one).
    pub in_use: Option<String>,
    /// Every connection of this kind.
    pub options: Vec<PartOptionDto>,
    /// Several are connected and none is chosen: routes needing it do not run.
    pub needs_choice: bool,
}

/// One route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RouteChoiceDto {
    /// "hris_to_payroll", "time_to_payroll" or "hris_to_background_checks".
    pub route: String,
    /// What flows, in plain words.
    pub what: String,
    /// The kind of system read.
    pub from: String,
    /// The kind of system written to.
    pub to: String,
    /// It runs.
    pub enabled: bool,
    /// The connection read, when known.
    pub from_connection: Option<String>,
    /// The connection written to, when known.
    pub to_connection: Option<String>,
}

/// Settings → Routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RouteChoicesDto {
    /// Every route.
    pub routes: Vec<RouteChoiceDto>,
    /// Every part a route needs.
    pub parts: Vec<PartChoiceDto>,
    /// Writes that change pay wait for approval.
    pub approve_pay_changes: bool,
    /// The pay schedule the owner stated (`monthly`, `semi-monthly`, `weekly:YYYY-MM-DD`,
    /// `biweekly:YYYY-MM-DD`), for a payroll whose pay periods cannot be read.
    pub pay_schedule: Option<String>,
}

impl From<&RouteChoices> for RouteChoicesDto {
    fn from(c: &RouteChoices) -> Self {
        Self {
            routes: c
                .routes
                .iter()
                .map(|r| RouteChoiceDto {
                    route: r.route.as_str().to_owned(),
                    what: r.what.clone(),
                    from: category_name(r.from),
                    to: category_name(r.to),
                    enabled: r.enabled,
                    from_connection: r.from_connection.clone(),
                    to_connection: r.to_connection.clone(),
                })
                .collect(),
            parts: c
                .parts
                .iter()
                .map(|p| PartChoiceDto {
                    category: category_name(p.category),
                    chosen: p.chosen.map(|id| id.to_string()),
                    in_use: p.in_use.map(|id| id.to_string()),
                    options: p
                        .options
                        .iter()
                        .map(|o| PartOptionDto {
                            connection_id: o.connection_id.to_string(),
                            display_name: o.display_name.clone(),
                            provider: o.provider.clone(),
                            connected_on: o.connected_on.to_string(),
                        })
                        .collect(),
                    needs_choice: p.needs_choice,
                })
                .collect(),
            approve_pay_changes: c.approve_pay_changes,
            pay_schedule: c.pay_schedule.map(|p| p.to_string()),
        }
    }
}

fn route(text: &str) -> Result<Route, IpcError> {
    text.parse()
        .map_err(|e: String| IpcError::new(IpcErrorCode::Validation, e).with_field("route"))
}

fn category(text: &str) -> Result<Category, IpcError> {
    maestro_app::route_choices::PARTS
        .into_iter()
        .find(|c| category_name(*c) == text)
        .ok_or_else(|| {
            IpcError::new(
                IpcErrorCode::Validation,
                format!("no route reads from or writes to '{text}'"),
            )
            .with_field("category")
        })
}

/// Settings → Routes for the company.
#[tauri::command]
#[specta::specta]
pub async fn route_choices(state: State<'_, DesktopState>) -> Result<RouteChoicesDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    Ok(RouteChoicesDto::from(&app.route_choices(company.id).await?))
}

/// Makes a connection the one playing `category` in every route (`None`: no choice).
#[tauri::command]
#[specta::specta]
pub async fn choose_route_part(
    state: State<'_, DesktopState>,
    category: String,
    connection_id: Option<String>,
) -> Result<RouteChoicesDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let id: Option<ConnectionId> = connection_id
        .as_deref()
        .map(|t| parse_id(t, "connectionId"))
        .transpose()?;
    let choices = app
        .choose_route_part(company.id, self::category(&category)?, id)
        .await?;
    Ok(RouteChoicesDto::from(&choices))
}

/// Turns a route on or off.
#[tauri::command]
#[specta::specta]
pub async fn set_route_running(
    state: State<'_, DesktopState>,
    route: String,
    enabled: bool,
) -> Result<RouteChoicesDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let choices = app
        .set_route_running(company.id, self::route(&route)?, enabled)
        .await?;
    Ok(RouteChoicesDto::from(&choices))
}

/// Whether writes that change pay wait for the owner's approval.
#[tauri::command]
#[specta::specta]
pub async fn set_approve_pay_changes(
    state: State<'_, DesktopState>,
    approve: bool,
) -> Result<RouteChoicesDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let choices = app.set_approve_pay_changes(company.id, approve).await?;
    Ok(RouteChoicesDto::from(&choices))
}

/// States the pay schedule (`monthly`, `semi-monthly`, `weekly:YYYY-MM-DD`,
/// `biweekly:YYYY-MM-DD`), or forgets it (`None`).
#[tauri::command]
#[specta::specta]
pub async fn set_pay_schedule(
    state: State<'_, DesktopState>,
    schedule: Option<String>,
) -> Result<RouteChoicesDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let schedule = schedule
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: String| {
            IpcError::new(IpcErrorCode::Validation, e).with_field("paySchedule")
        })?;
    let choices = app.set_pay_schedule(company.id, schedule).await?;
    Ok(RouteChoicesDto::from(&choices))
}
