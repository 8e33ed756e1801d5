//! Wizard helpers: the running demo sandbox's address and credentials for a provider (so the
//! owner, or an end-to-end test, can fill the form with one click), and the steps after a
//! successful test: what syncs (entities and routes), the field-mapping preview, the schedule,
//! and the routes' dry run after the first sync.

use maestro_app::schedule::ScheduleTarget;
use maestro_core::ids::ConnectionId;
use maestro_core::model::EntityKind;
use maestro_sandbox::Provider;
use maestro_sync::routes::Route;
use tauri::State;

use super::parse_id;
use crate::dto::{ConnectionScopeDto, MappingPreviewDto, RoutePreviewDto, SandboxFillDto};
use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

/// The demo sandbox's base URL and credentials for `provider`; `None` when the demo is not
/// running.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_credentials(
    state: State<'_, DesktopState>,
    provider: String,
) -> Result<Option<SandboxFillDto>, IpcError> {
    let Some(p) = Provider::ALL.into_iter().find(|p| p.name() == provider) else {
        return Err(IpcError::new(
            IpcErrorCode::NotFound,
            format!("The demo has no “{provider}”."),
        ));
    };
    let demo = state.demo.lock().await;
    let Some(sandbox) = demo.as_ref() else {
        return Ok(None);
    };
    let input = maestro_app::demo::sandbox_input(sandbox, p)?;
    let (oauth_client_id, oauth_client_secret) = match input.oauth_client {
        Some((id, secret)) => (Some(id), secret),
        None => (None, None),
    };
    Ok(Some(SandboxFillDto {
        base_url: input.base_url.map(|u| u.to_string()).unwrap_or_default(),
        values: input.values,
        oauth_client_id,
        oauth_client_secret,
    }))
}

fn entity(kind: &str) -> Result<EntityKind, IpcError> {
    kind.parse().map_err(|_| {
        IpcError::new(
            IpcErrorCode::Validation,
            format!("“{kind}” is not a kind of record this app knows."),
        )
    })
}

/// What a connection syncs: the entities it can read (and which are on) and the routes it
/// takes part in, with their direction.
#[tauri::command]
#[specta::specta]
pub async fn connection_scope(
    state: State<'_, DesktopState>,
    connection_id: String,
) -> Result<ConnectionScopeDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let id: ConnectionId = parse_id(&connection_id, "connectionId")?;
    Ok(ConnectionScopeDto::from(
        &app.connection_scope(company.id, id).await?,
    ))
}

/// Sets which entities a connection reads: every readable one except `skip`.
#[tauri::command]
#[specta::specta]
pub async fn set_entity_reads(
    state: State<'_, DesktopState>,
    connection_id: String,
    skip: Vec<String>,
) -> Result<ConnectionScopeDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let id: ConnectionId = parse_id(&connection_id, "connectionId")?;
    let skip = skip
        .iter()
        .map(|k| entity(k))
        .collect::<Result<Vec<_>, _>>()?;
    app.set_skipped_entities(company.id, id, &skip).await?;
    Ok(ConnectionScopeDto::from(
        &app.connection_scope(company.id, id).await?,
    ))
}

/// Turns a route on or off and chooses whether it uses this connection.
#[tauri::command]
#[specta::specta]
pub async fn set_connection_route(
    state: State<'_, DesktopState>,
    connection_id: String,
    route: String,
    enabled: bool,
    use_this: bool,
) -> Result<ConnectionScopeDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let id: ConnectionId = parse_id(&connection_id, "connectionId")?;
    let route: Route = route
        .parse()
        .map_err(|e: String| IpcError::new(IpcErrorCode::Validation, e))?;
    app.set_connection_route(company.id, id, route, enabled, use_this)
        .await?;
    Ok(ConnectionScopeDto::from(
        &app.connection_scope(company.id, id).await?,
    ))
}

/// Reads the first page of an entity from the provider (nothing is stored) and shows, for up
/// to three records, each provider field next to the canonical field it fills.
#[tauri::command]
#[specta::specta]
pub async fn mapping_preview(
    state: State<'_, DesktopState>,
    connection_id: String,
    entity_kind: String,
) -> Result<MappingPreviewDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let id: ConnectionId = parse_id(&connection_id, "connectionId")?;
    let preview = app
        .mapping_preview(
            company.id,
            id,
            entity(&entity_kind)?,
            maestro_app::mapping_preview::MAX_SAMPLES,
        )
        .await?;
    Ok(MappingPreviewDto::from(&preview))
}

/// Sets how often one connection syncs (`None`: the provider's default) and whether its
/// scheduled syncs are paused.
#[tauri::command]
#[specta::specta]
pub async fn set_connection_schedule(
    state: State<'_, DesktopState>,
    connection_id: String,
    interval_minutes: Option<u32>,
    paused: bool,
) -> Result<(), IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let id: ConnectionId = parse_id(&connection_id, "connectionId")?;
    app.set_schedule(company.id, id, interval_minutes.map(|m| i64::from(m) * 60))
        .await?;
    let target = ScheduleTarget::Connection {
        company_id: company.id,
        connection_id: id,
    };
    let was_paused = app
        .schedules(company.id)
        .await?
        .connections
        .iter()
        .any(|c| c.connection_id == id && c.paused);
    if paused && !was_paused {
        app.pause_schedule(target).await?;
    } else if !paused && was_paused {
        app.resume_schedule(target).await?;
    }
    state.changed().await;
    Ok(())
}

/// What the routes would write to the other systems now: a dry run that queues nothing.
#[tauri::command]
#[specta::specta]
pub async fn route_preview(state: State<'_, DesktopState>) -> Result<RoutePreviewDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    Ok(RoutePreviewDto::from(
        &app.plan_routes(company.id, true).await?,
    ))
}
