//! IPC commands exposed to the web UI. Each is a thin wrapper over [`maestro_app::App`]: the
//! work belongs there.

pub mod activity;
pub mod benefits;
pub mod checks;
pub mod compliance;
pub mod compliance_docs;
pub mod connections;
pub mod demo;
pub mod diagnostics;
pub mod erasure;
pub mod files;
pub mod gateway;
pub mod people;
pub mod person_export;
pub mod retention;
pub mod review;
pub mod routes;
pub mod settings;
pub mod store;
pub mod sync;
pub mod updates;
pub mod webhook_tokens;
pub mod wizard;

#[cfg(test)]
mod screens_tests;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::error::{IpcError, IpcErrorCode};

/// Name and version of the running application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Product name from `tauri.conf.json` (`productName`).
    pub name: String,
    /// Semantic version of the app (the workspace package version).
    pub version: String,
}

impl AppInfo {
    /// From the package info Tauri read from `tauri.conf.json`.
    pub fn from_package(package: &tauri::PackageInfo) -> Self {
        Self {
            name: package.name.clone(),
            version: package.version.to_string(),
        }
    }
}

/// Returns the product name and version of the running app.
#[tauri::command]
#[specta::specta]
pub fn app_info(info: State<'_, AppInfo>) -> AppInfo {
    info.inner().clone()
}

/// Parses an id sent by the UI.
fn parse_id<T: std::str::FromStr>(text: &str, field: &str) -> Result<T, IpcError> {
    text.parse().map_err(|_| {
        IpcError::new(
            IpcErrorCode::NotFound,
            format!("'{text}' is not known here (it may have changed); refresh and try again"),
        )
        .with_field(field)
    })
}
