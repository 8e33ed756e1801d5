//! The Settings screen: sync schedules and pause/resume, desktop preferences, and security
//! (lock, change passphrase, backup and restore).

use maestro_app::schedule::ScheduleTarget;
use maestro_store::{NewKey, Passphrase};
use tauri::{AppHandle, Runtime, State};

use super::parse_id;
use crate::dto::{DesktopPref, DesktopPrefsDto, RestoredDto, SavedFileDto, SchedulesDto};
use crate::error::{IpcError, IpcErrorCode};
use crate::file_dialog;
use crate::state::DesktopState;

/// Every connection's schedule and whether all syncing is paused.
#[tauri::command]
#[specta::specta]
pub async fn schedules(state: State<'_, DesktopState>) -> Result<SchedulesDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    Ok(SchedulesDto::from(&app.schedules(company.id).await?))
}

/// Sets how often a connection syncs, in minutes; `None` returns to the provider's default.
#[tauri::command]
#[specta::specta]
pub async fn set_schedule(
    state: State<'_, DesktopState>,
    connection_id: String,
    interval_minutes: Option<u32>,
) -> Result<(), IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    app.set_schedule(
        company.id,
        parse_id(&connection_id, "connectionId")?,
        interval_minutes.map(|m| i64::from(m) * 60),
    )
    .await?;
    Ok(())
}

/// Pauses or resumes all scheduled syncing ("sync now" still works while paused).
#[tauri::command]
#[specta::specta]
pub async fn set_sync_paused(state: State<'_, DesktopState>, paused: bool) -> Result<(), IpcError> {
    let app = state.app().await?;
    if paused {
        app.pause_schedule(ScheduleTarget::All).await?;
    } else {
        app.resume_schedule(ScheduleTarget::All).await?;
    }
    state.changed().await;
    Ok(())
}

/// Notifications and start-at-login.
#[tauri::command]
#[specta::specta]
pub async fn desktop_prefs(state: State<'_, DesktopState>) -> Result<DesktopPrefsDto, IpcError> {
    let app = state.app().await?;
    Ok(DesktopPrefsDto {
        notifications: app.desktop_flag(DesktopPref::Notifications.key()).await?,
        autostart: app.desktop_flag(DesktopPref::Autostart.key()).await?,
    })
}

/// Turns a desktop preference on or off.
#[tauri::command]
#[specta::specta]
pub async fn set_desktop_pref(
    state: State<'_, DesktopState>,
    pref: DesktopPref,
    on: bool,
) -> Result<(), IpcError> {
    let app = state.app().await?;
    app.set_desktop_flag(pref.key(), on).await?;
    // The supervisor applies start-at-login (and reads notifications) when told.
    state.changed().await;
    Ok(())
}

/// Locks the app: stops background syncing, closes the store; the unlock screen comes back.
#[tauri::command]
#[specta::specta]
pub async fn lock(state: State<'_, DesktopState>) -> Result<(), IpcError> {
    state.lock().await;
    Ok(())
}

fn passphrase(text: Option<String>) -> Option<Passphrase> {
    text.filter(|t| !t.is_empty()).map(Passphrase::new)
}

/// A new key: from `new_passphrase`, else the system keychain when there is one.
async fn new_key(
    state: &DesktopState,
    new_passphrase: Option<Passphrase>,
) -> Result<NewKey, IpcError> {
    match new_passphrase {
        Some(p) => {
            p.check_strength()
                .map_err(|e| IpcError::from(e).with_field("new"))?;
            Ok(NewKey::Passphrase(p))
        }
        None if state.keychain_available().await => {
            Ok(NewKey::Keychain(maestro_app::keys::system_keychain()))
        }
        None => Err(IpcError::new(
            IpcErrorCode::Validation,
            "This computer has no system keychain. Choose a new passphrase.",
        )
        .with_field("new")),
    }
}

/// Re-encrypts the store under a new passphrase (or a new keychain key when none is given),
/// after checking the current passphrase.
#[tauri::command]
#[specta::specta]
pub async fn change_passphrase(
    state: State<'_, DesktopState>,
    current: Option<String>,
    new_passphrase: Option<String>,
) -> Result<(), IpcError> {
    let key = new_key(&state, passphrase(new_passphrase)).await?;
    state.suspend_background().await;
    let mut slot = state.app.write().await;
    let app = slot.clone().ok_or_else(IpcError::locked)?;
    let current = passphrase(current);
    let result = app.change_key(current.as_ref(), key).await;
    if let Ok(rekeyed) = &result {
        *slot = Some(rekeyed.clone());
    }
    let unlocked = slot.is_some() && !slot.as_ref().is_some_and(|a| a.store().pool().is_closed());
    drop(slot);
    if unlocked {
        state.announce_unlocked();
    }
    result.map(|_| ()).map_err(IpcError::from)
}

/// Writes an encrypted backup of everything, protected by `passphrase`, where the owner
/// chooses in the system's save dialog; `None` when they cancel.
#[tauri::command]
#[specta::specta]
pub async fn backup<R: Runtime>(
    handle: AppHandle<R>,
    state: State<'_, DesktopState>,
    passphrase: String,
) -> Result<Option<SavedFileDto>, IpcError> {
    let app = state.app().await?;
    let p = Passphrase::new(passphrase);
    p.check_strength()
        .map_err(|e| IpcError::from(e).with_field("passphrase"))?;
    let name = format!("maestro-{}.backup", app.now().format("%Y-%m-%d"));
    let Some(dest) =
        file_dialog::pick_save_path(&handle, "Save a backup", &name, &[file_dialog::BACKUP]).await
    else {
        return Ok(None);
    };
    let summary = app.backup(&dest, &p).await?;
    Ok(Some(SavedFileDto {
        path: summary.file.display().to_string(),
        entries: u32::try_from(summary.audit_entries).unwrap_or(u32::MAX),
        // Sizes of backups stay far below 2^53 bytes.
        #[allow(clippy::cast_precision_loss)]
        bytes: Some(summary.bytes as f64),
    }))
}

/// Replaces the current data with the backup the owner chooses in the system's open dialog
/// (opened with `passphrase`); the current data folder is kept aside. The restored store is
/// protected by `new_passphrase`, else by the system keychain. Returns where the previous data
/// went and how many later erasures were applied again, or `None` when the owner cancels the
/// dialog.
#[tauri::command]
#[specta::specta]
pub async fn restore<R: Runtime>(
    handle: AppHandle<R>,
    state: State<'_, DesktopState>,
    passphrase: String,
    new_passphrase: Option<String>,
) -> Result<Option<RestoredDto>, IpcError> {
    let Some(file) =
        file_dialog::pick_open_path(&handle, "Restore a backup", &[file_dialog::BACKUP]).await
    else {
        return Ok(None);
    };
    let reopen = passphrase_opt_clone(&new_passphrase);
    let key = new_key(&state, passphrase_opt_clone(&new_passphrase)).await?;
    state.suspend_background().await;
    let mut slot = state.app.write().await;
    let app = slot.clone().ok_or_else(IpcError::locked)?;
    let probe = app.clone();
    match app
        .restore_replacing(&file, &Passphrase::new(passphrase), key, reopen)
        .await
    {
        Ok((restored, summary, aside)) => {
            *slot = Some(restored);
            drop(slot);
            state.announce_unlocked();
            Ok(Some(RestoredDto {
                aside: aside.display().to_string(),
                erasures_reapplied: u32::try_from(summary.erasures_reapplied).unwrap_or(u32::MAX),
            }))
        }
        Err(e) => {
            // A failure before the switch leaves the current store open; after it, the
            // owner unlocks again.
            if probe.store().pool().is_closed() {
                *slot = None;
            } else {
                drop(slot);
                state.announce_unlocked();
            }
            Err(e.into())
        }
    }
}

fn passphrase_opt_clone(text: &Option<String>) -> Option<Passphrase> {
    passphrase(text.clone())
}
