//! The dashboard: status, sync now, alerts.

use maestro_core::ids::ConnectionId;
use maestro_sync::Mode;
use tauri::State;

use super::parse_id;
use crate::dto::{
    AlertDto, ConnectionCard, EntitySync, KeySource, StatusDto, SyncOutcome, kind_counts,
};
use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

/// The company, its connections with their last sync and record counts, and totals.
#[tauri::command]
#[specta::specta]
pub async fn status(state: State<'_, DesktopState>) -> Result<StatusDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let status = app.company_status(company.id).await?;
    let records = status
        .companies
        .iter()
        .find(|c| c.company.id == company.id)
        .map(|c| kind_counts(&c.records))
        .unwrap_or_default();
    let connections = app
        .connection_overviews(company.id)
        .await?
        .iter()
        .map(ConnectionCard::from)
        .collect();
    Ok(StatusDto {
        company: company.name,
        data_dir: status.data_dir.display().to_string(),
        key_source: KeySource::from_name(&status.key_source),
        cipher_version: status.cipher_version,
        connections,
        records,
        audit_entries: u32::try_from(status.audit_entries).unwrap_or(u32::MAX),
    })
}

/// Syncs one connection, or all of them, picking up only what changed since the last run
/// (a first run reads everything). Progress arrives as `SyncProgress` events.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(
    state: State<'_, DesktopState>,
    connection: Option<String>,
) -> Result<Vec<SyncOutcome>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let only: Option<ConnectionId> = connection
        .as_deref()
        .map(|c| parse_id(c, "connection"))
        .transpose()?;
    let targets: Vec<_> = app
        .connection_overviews(company.id)
        .await?
        .into_iter()
        .map(|o| o.connection)
        .filter(|c| only.is_none_or(|id| id == c.id))
        .collect();
    if only.is_some() && targets.is_empty() {
        return Err(IpcError::new(
            IpcErrorCode::NotFound,
            "That connection no longer exists. Refresh the dashboard.",
        )
        .with_field("connection"));
    }
    sync_all(&app, company.id, targets, Mode::Incremental).await
}

/// Runs `mode` syncs of `connections` one after another.
pub async fn sync_all(
    app: &maestro_app::App,
    company_id: maestro_core::ids::CompanyId,
    connections: Vec<maestro_store::connections::Connection>,
    mode: Mode,
) -> Result<Vec<SyncOutcome>, IpcError> {
    let mut out = Vec::with_capacity(connections.len());
    for c in connections {
        let outcomes = app.sync_connection(company_id, c.id, None, mode).await?;
        out.push(SyncOutcome {
            connection_id: c.id.to_string(),
            display_name: c.display_name,
            entities: outcomes.iter().map(EntitySync::from).collect(),
        });
    }
    Ok(out)
}

/// Open alerts, newest first, with the provider of their connection for the fix form.
#[tauri::command]
#[specta::specta]
pub async fn alerts(state: State<'_, DesktopState>) -> Result<Vec<AlertDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let connections = app.connection_overviews(company.id).await?;
    let provider_of = |id: Option<ConnectionId>| {
        id.and_then(|id| {
            connections
                .iter()
                .find(|o| o.connection.id == id)
                .map(|o| o.connection.provider.clone())
        })
    };
    let alerts = app.open_alerts(company.id).await?;
    let people = app.alert_people(company.id, &alerts).await?;
    Ok(alerts
        .iter()
        .map(|a| AlertDto::new(a, provider_of(a.connection_id), people.get(&a.id).copied()))
        .collect())
}
