//! "Explore with demo data": the provider sandbox in-process, connected and synced.

use maestro_sandbox::{Sandbox, SandboxConfig};
use maestro_sync::Mode;
use tauri::State;

use super::sync::sync_all;
use crate::dto::SyncOutcome;
use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

/// Starts the local emulators of BambooHR, Harvest and Gusto (a seeded 25-person company),
/// connects all three as the wizard would, and runs a first full sync. The emulators keep
/// running while the app is open.
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
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| {
            IpcError::new(
                IpcErrorCode::Internal,
                format!("The demo tools could not start on this computer: {e}"),
            )
        })?;
    let connections = app.connect_sandbox(&company, &sandbox).await?;
    *demo = Some(sandbox);
    drop(demo);
    sync_all(&app, company.id, connections, Mode::Full).await
}
