//! "Explore with demo data": the provider sandbox in-process, connected and synced, on fixed
//! loopback ports so the demo connections keep working after the app restarts.

use maestro_app::App;
use maestro_app::demo::SandboxSignIn;
use maestro_sandbox::{PerProvider, Sandbox, SandboxConfig};
use maestro_store::settings::{self, Scope};
use maestro_sync::Mode;
use tauri::State;

use super::sync::sync_all;
use crate::dto::SyncOutcome;
use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

/// Setting (installation-wide): `"on"` once the demo company is connected, so a relaunch
/// restarts its emulators.
pub const DEMO_SETTING: &str = "desktop.demo";

/// Where the demo's emulators listen, one fixed port per provider (a relaunch finds them again).
pub const DEMO_PORTS: PerProvider<u16> = PerProvider {
    gusto: 47811,
    bamboohr: 47812,
    harvest: 47813,
    toggl: 47814,
    clockify: 47815,
    rippling: 47816,
    checkr: 47817,
    goodhire: 47818,
    zenefits: 47819,
    trinet: 47821,
    paychex: 47825,
    adp: 47823,
    quickbooks: 47826,
    justworks: 47820,
};

fn cannot_start(e: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        IpcErrorCode::Internal,
        format!("The demo tools could not start on this computer: {e}"),
    )
}

/// Starts the local emulators of BambooHR, Gusto, Harvest, Toggl Track and Clockify (a seeded
/// 25-person company), connects BambooHR, Gusto and Harvest as the wizard would, and runs a
/// first full sync. Toggl Track and Clockify are left for the wizard ("Use the demo sandbox"
/// fills them in), as an owner adding a tool would. The emulators keep
/// running while the app is open and start again with it.
#[tauri::command]
#[specta::specta]
pub async fn start_demo(state: State<'_, DesktopState>) -> Result<Vec<SyncOutcome>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let mut demo = state.demo.lock().await;
    if demo.is_some() {
        return Err(IpcError::new(
            IpcErrorCode::Validation,
            "The demo is already running.",
        ));
    }
    // Fixed ports let the saved connections find the emulators after a relaunch; if another
    // program holds them, the demo still runs this time on free ports.
    let sandbox = match Sandbox::start_at(SandboxConfig::default(), DEMO_PORTS.clone()).await {
        Ok(sandbox) => sandbox,
        Err(err) => {
            tracing::warn!(error = %err, "demo ports taken; using free ports for this session");
            Sandbox::start(SandboxConfig::default())
                .await
                .map_err(cannot_start)?
        }
    };
    let connections = app.connect_sandbox(&company, &sandbox).await?;
    *demo = Some(sandbox);
    drop(demo);
    let mut tx = app.store().write().await?;
    settings::set(tx.conn(), Scope::Global, DEMO_SETTING, &"on", app.now()).await?;
    tx.commit().await?;
    sync_all(&app, company.id, connections, Mode::Full).await
}

/// After an unlock: if the demo was in use and its emulators are not running, starts them on
/// their ports again and signs the demo's OAuth connection (Gusto) in again, since a fresh
/// emulator does not know the old tokens. Does nothing for an owner who never used the demo.
///
/// # Errors
/// The emulators cannot start (their ports are taken) or the store cannot be read.
pub async fn resume_demo(state: &DesktopState, app: &App) -> Result<(), IpcError> {
    let mut conn = app
        .store()
        .pool()
        .acquire()
        .await
        .map_err(maestro_store::StoreError::from)?;
    let used: Option<String> = settings::get(&mut conn, Scope::Global, DEMO_SETTING).await?;
    drop(conn);
    let mut demo = state.demo.lock().await;
    if used.as_deref() != Some("on") || demo.is_some() {
        return Ok(());
    }
    let sandbox = Sandbox::start_at(SandboxConfig::default(), DEMO_PORTS.clone())
        .await
        .map_err(cannot_start)?;
    let gusto_base = sandbox.base_url(maestro_sandbox::Provider::Gusto);
    *demo = Some(sandbox);
    drop(demo);
    let company = app.company(None).await?;
    for overview in app.connection_overviews(company.id).await? {
        let c = &overview.connection;
        let on_demo = c
            .config
            .get("base_url")
            .and_then(|v| v.as_str())
            .is_some_and(|u| u.trim_end_matches('/') == gusto_base.trim_end_matches('/'));
        if on_demo && app.uses_oauth(company.id, c.id).await? {
            app.reauthorize(company.id, c.id, &SandboxSignIn).await?;
        }
    }
    Ok(())
}

/// Whether a saved connection points at the running demo emulators.
///
/// # Errors
/// The connection cannot be read.
pub async fn is_demo_connection(
    state: &DesktopState,
    app: &App,
    company_id: maestro_core::ids::CompanyId,
    connection_id: maestro_core::ids::ConnectionId,
) -> Result<bool, IpcError> {
    let demo = state.demo.lock().await;
    let Some(sandbox) = demo.as_ref() else {
        return Ok(false);
    };
    let bases: Vec<String> = maestro_sandbox::Provider::ALL
        .into_iter()
        .map(|p| sandbox.base_url(p).trim_end_matches('/').to_owned())
        .collect();
    drop(demo);
    let mut conn = app
        .store()
        .pool()
        .acquire()
        .await
        .map_err(maestro_store::StoreError::from)?;
    let connection = maestro_store::connections::get(&mut conn, company_id, connection_id).await?;
    Ok(connection
        .config
        .get("base_url")
        .and_then(|v| v.as_str())
        .is_some_and(|u| bases.iter().any(|b| b == u.trim_end_matches('/'))))
}
