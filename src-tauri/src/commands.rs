//! IPC commands exposed to the web UI. Keep each one thin: the work belongs in `maestro-app`.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};

/// Name and version of the running application, as shown on the welcome screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Product name from `tauri.conf.json` (`productName`).
    pub name: String,
    /// Semantic version of the app (the workspace package version).
    pub version: String,
}

/// Returns the product name and version of the running app.
#[tauri::command]
pub fn app_info<R: Runtime>(app: AppHandle<R>) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
    }
}
