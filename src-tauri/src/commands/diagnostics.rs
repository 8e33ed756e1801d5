//! Settings → "Save diagnostics": a redacted bundle for support, saved where the owner chooses
//! in the system's save dialog; and the "screen is interactive" mark the UI logs once its first
//! data shows (what `tests/footprint.sh` times a cold start by).

use maestro_app::diagnostics::{self, AppVersion};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime, State};

use super::AppInfo;
use crate::error::IpcError;
use crate::file_dialog;
use crate::state::DesktopState;

/// The diagnostics bundle written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticsSavedDto {
    /// Where.
    pub path: String,
    /// Its size in bytes.
    pub bytes: f64,
    /// Sync runs in it.
    pub sync_runs: u32,
    /// Log lines in it.
    pub log_lines: u32,
}

/// The message the log carries when a screen shows its first data.
pub const INTERACTIVE_MESSAGE: &str = "screen interactive";

/// Writes the diagnostics bundle (a zip: versions, counts, connections without credentials,
/// recent sync runs and errors, the last log lines, all scrubbed of secrets and personal data)
/// where the owner chooses; `None` when they cancel the dialog.
#[tauri::command]
#[specta::specta]
pub async fn save_diagnostics<R: Runtime>(
    handle: AppHandle<R>,
    state: State<'_, DesktopState>,
    info: State<'_, AppInfo>,
) -> Result<Option<DiagnosticsSavedDto>, IpcError> {
    let app = state.app().await?;
    let name = format!(
        "maestro-diagnostics-{}.zip",
        app.now().format("%Y-%m-%d-%H%M")
    );
    let Some(dest) =
        file_dialog::pick_save_path(&handle, "Save diagnostics", &name, &[file_dialog::ZIP]).await
    else {
        return Ok(None);
    };
    let about = AppVersion {
        name: info.name.clone(),
        version: info.version.clone(),
    };
    let saved = app
        .save_diagnostics(&about, &diagnostics::log_dir(&state.data_dir), &dest)
        .await?;
    Ok(Some(DiagnosticsSavedDto {
        path: saved.path.display().to_string(),
        // Bundles stay far below 2^53 bytes.
        #[allow(clippy::cast_precision_loss)]
        bytes: saved.bytes as f64,
        sync_runs: u32::try_from(saved.sync_runs).unwrap_or(u32::MAX),
        log_lines: u32::try_from(saved.log_lines).unwrap_or(u32::MAX),
    }))
}

/// Logs that `screen` (a short lowercase name such as "dashboard") shows its first data; the
/// log line's time marks the app interactive. Other names are ignored (nothing the UI sends
/// reaches the log unchecked).
#[tauri::command]
#[specta::specta]
pub fn screen_ready(screen: String) {
    if is_screen_name(&screen) {
        tracing::info!(screen = %screen, "{INTERACTIVE_MESSAGE}");
    }
}

fn is_screen_name(text: &str) -> bool {
    (1..=32).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_lowercase_screen_names_are_logged() {
        assert!(is_screen_name("dashboard"));
        assert!(is_screen_name("first-run"));
        assert!(!is_screen_name(""));
        assert!(!is_screen_name("Dashboard"));
        assert!(!is_screen_name("dash\nboard"));
        assert!(!is_screen_name(&"a".repeat(33)));
    }
}
