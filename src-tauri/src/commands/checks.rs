//! The "new hire → background check" route's settings: the packages the background-check
//! provider offers this account (read from it now), and the one the owner chooses. Every order
//! the route plans then waits in Review for approval.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::error::IpcError;
use crate::state::DesktopState;

/// One package the provider offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CheckPackageDto {
    /// What an order names (Checkr: the slug, "tasker_standard").
    pub id: String,
    /// Its name ("Tasker Standard").
    pub name: String,
    /// Price of one check, exact decimal text with its currency ("29.00 USD"); `None` when
    /// the provider does not say.
    pub price: Option<String>,
    /// The screenings it runs (the provider's names).
    pub screenings: Vec<String>,
}

/// The route's package choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CheckPackagesDto {
    /// The provider's connection name ("Checkr").
    pub provider: String,
    /// Its packages, as it lists them.
    pub packages: Vec<CheckPackageDto>,
    /// The package chosen, if any.
    pub chosen: Option<String>,
    /// People hired on or after this day (ISO 8601) get an order.
    pub hired_since: Option<String>,
}

async fn packages_dto(
    app: &maestro_app::App,
    company_id: maestro_core::ids::CompanyId,
) -> Result<CheckPackagesDto, IpcError> {
    let (connection, packages) = app.check_packages(company_id).await?;
    let cfg = app.route_settings(company_id).await?;
    let chosen = cfg
        .check_package
        .filter(|p| p.connection_id == connection.id)
        .map(|p| p.id);
    Ok(CheckPackagesDto {
        provider: connection.display_name,
        packages: packages
            .into_iter()
            .map(|p| CheckPackageDto {
                id: p.id,
                name: p.name,
                price: p.price.map(|m| m.to_string()),
                screenings: p.screenings,
            })
            .collect(),
        chosen,
        hired_since: cfg.checks_hired_since.map(|d| d.to_string()),
    })
}

/// The packages the connected background-check provider offers, and the one chosen.
#[tauri::command]
#[specta::specta]
pub async fn check_packages(state: State<'_, DesktopState>) -> Result<CheckPackagesDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    packages_dto(&app, company.id).await
}

/// Chooses the package new hires' checks are ordered with (one the provider lists).
#[tauri::command]
#[specta::specta]
pub async fn set_check_package(
    state: State<'_, DesktopState>,
    package_id: String,
) -> Result<CheckPackagesDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    app.set_check_package(company.id, &package_id).await?;
    packages_dto(&app, company.id).await
}
