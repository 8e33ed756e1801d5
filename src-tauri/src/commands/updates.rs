//! Settings → Updates and the app-wide update banner: what is available, the owner's check
//! preferences, checking now, and installing (then restarting) when the owner agrees.

use std::time::Duration;

use tauri::{AppHandle, Runtime, State};

use super::AppInfo;
use crate::error::IpcError;
use crate::state::DesktopState;
use crate::updates::{self, UpdatePrefs, UpdateSource, UpdateStatus, Updates};

/// How long the window has to show "restarting" before the app restarts.
const RESTART_DELAY: Duration = Duration::from_millis(800);

fn status_of(state: &DesktopState, info: &AppInfo, updates: &Updates) -> UpdateStatus {
    updates.status(&info.version, UpdatePrefs::load(&state.data_dir))
}

/// The running version, the owner's preferences and any update waiting.
#[tauri::command]
#[specta::specta]
pub fn update_status(
    state: State<'_, DesktopState>,
    info: State<'_, AppInfo>,
    updates: State<'_, Updates>,
) -> UpdateStatus {
    status_of(&state, &info, &updates)
}

/// Saves whether and how often to check for updates; the automatic check follows at once.
#[tauri::command]
#[specta::specta]
pub fn set_update_prefs(
    state: State<'_, DesktopState>,
    info: State<'_, AppInfo>,
    updates: State<'_, Updates>,
    prefs: UpdatePrefs,
) -> Result<UpdateStatus, IpcError> {
    prefs.save(&state.data_dir)?;
    updates.wake.notify_one();
    Ok(status_of(&state, &info, &updates))
}

/// Asks the update server now.
#[tauri::command]
#[specta::specta]
pub async fn check_for_update<R: Runtime>(
    handle: AppHandle<R>,
    state: State<'_, DesktopState>,
    info: State<'_, AppInfo>,
    updates: State<'_, Updates>,
) -> Result<UpdateStatus, IpcError> {
    updates::check(&handle, &UpdateSource::from_env()).await?;
    Ok(status_of(&state, &info, &updates))
}

/// Installs the waiting update (the owner clicked "Install and restart"): refused while a sync
/// runs; verified against the signing key; then the store is closed and the app restarts into
/// the new version. Returns the version installed.
#[tauri::command]
#[specta::specta]
pub async fn install_update<R: Runtime>(
    handle: AppHandle<R>,
    state: State<'_, DesktopState>,
) -> Result<String, IpcError> {
    let version = updates::install(&handle, &UpdateSource::from_env()).await?;
    // Close the store cleanly before the new version opens it.
    state.lock().await;
    let restart = handle.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(RESTART_DELAY).await;
        restart.restart();
    });
    Ok(version)
}
