//! Where Integration Maestro keeps its data by default.

use std::path::PathBuf;

/// The environment variable that overrides the data folder.
pub const DATA_DIR_ENV: &str = "MAESTRO_DATA_DIR";

/// The platform's application-data folder for Integration Maestro
/// (`~/.local/share/integration-maestro` on Linux, `~/Library/Application Support/…` on macOS,
/// `%APPDATA%\…` on Windows).
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("app", "integrationmaestro", "integration-maestro")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".integration-maestro"))
}
