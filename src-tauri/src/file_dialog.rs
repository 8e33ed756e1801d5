//! Native open and save dialogs for commands that read or write a file the owner chooses.
//!
//! A command never takes a typed path from the UI: it asks here, and the system's file chooser
//! (GTK on Linux, through `tauri-plugin-dialog`) answers. Use from an async command that has the
//! app's handle:
//!
//! ```ignore
//! #[tauri::command]
//! #[specta::specta]
//! pub async fn save_thing<R: Runtime>(app: AppHandle<R>) -> Result<Option<SavedFileDto>, IpcError> {
//!     let Some(path) = file_dialog::pick_save_path(&app, "Save the thing", "thing.csv", &[file_dialog::CSV]).await
//!     else {
//!         return Ok(None); // the owner cancelled: not an error
//!     };
//!     // write to `path`…
//! }
//! ```
//! (register it as `module::save_thing::<tauri::Wry>` in `bindings.rs`: the runtime there only
//! names the types; the handler takes the app's own).
//!
//! **Tests answer the dialog instead of a person.** When the app runs with [`ANSWERS_ENV`] set
//! to a file (read only in debug builds, so a release ignores it), no dialog is shown: each
//! [`pick_save_path`] / [`pick_open_path`] takes the first line of that file as the chosen path
//! and removes it; an empty line, or no line at all, is "cancelled". Unit tests on the mock
//! runtime point the app's [`DialogHook`] at such a file with [`DialogHook::answer_from`].

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_dialog::{Dialog, FileDialogBuilder};

/// The environment variable naming the file of test answers (debug builds only).
pub const ANSWERS_ENV: &str = "MAESTRO_E2E_DIALOG_ANSWERS";

/// A file type offered by a dialog: a name the owner reads and the extensions it covers
/// (without the dot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFilter {
    /// What the owner reads in the dialog's type list, e.g. "Backup".
    pub name: &'static str,
    /// Extensions without the dot, e.g. `["backup"]`.
    pub extensions: &'static [&'static str],
}

/// Integration Maestro backups (`maestro backup`).
pub const BACKUP: FileFilter = FileFilter {
    name: "Integration Maestro backup",
    extensions: &["backup"],
};
/// Comma-separated values.
pub const CSV: FileFilter = FileFilter {
    name: "CSV",
    extensions: &["csv"],
};
/// JSON documents.
pub const JSON: FileFilter = FileFilter {
    name: "JSON",
    extensions: &["json"],
};
/// PEM certificates and keys.
pub const PEM: FileFilter = FileFilter {
    name: "PEM certificate or key",
    extensions: &["pem", "crt", "cer", "key"],
};
/// Zip archives.
pub const ZIP: FileFilter = FileFilter {
    name: "Zip archive",
    extensions: &["zip"],
};

/// Where test answers come from instead of a person; managed by the app (see the module docs).
#[derive(Debug, Default)]
pub struct DialogHook {
    answers: Mutex<Option<PathBuf>>,
}

impl DialogHook {
    /// The hook of [`ANSWERS_ENV`] in a debug build; in a release build, none (dialogs show).
    pub fn from_env() -> Self {
        let file = if cfg!(debug_assertions) {
            std::env::var_os(ANSWERS_ENV).map(PathBuf::from)
        } else {
            None
        };
        Self {
            answers: Mutex::new(file),
        }
    }

    /// Answers every later dialog from `file` (one path per line, an empty line cancels).
    pub fn answer_from(&self, file: PathBuf) {
        if let Ok(mut answers) = self.answers.lock() {
            *answers = Some(file);
        }
    }

    fn file(&self) -> Option<PathBuf> {
        self.answers.lock().ok().and_then(|a| a.clone())
    }
}

/// Asks where to save a file: `title` heads the dialog, `default_name` is the proposed file
/// name, `filters` the file types offered. `None` when the owner cancels.
pub async fn pick_save_path<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    default_name: &str,
    filters: &[FileFilter],
) -> Option<PathBuf> {
    if let Some(file) = hook_file(app) {
        return take_answer(&file);
    }
    let builder = builder(app, title, filters)?.set_file_name(default_name);
    let (tx, rx) = tokio::sync::oneshot::channel();
    builder.save_file(move |chosen| {
        let _ = tx.send(chosen);
    });
    chosen_path(rx.await.ok().flatten())
}

/// Asks which existing file to open: `title` heads the dialog, `filters` the file types
/// offered. `None` when the owner cancels.
pub async fn pick_open_path<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    filters: &[FileFilter],
) -> Option<PathBuf> {
    if let Some(file) = hook_file(app) {
        return take_answer(&file);
    }
    let builder = builder(app, title, filters)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    builder.pick_file(move |chosen| {
        let _ = tx.send(chosen);
    });
    chosen_path(rx.await.ok().flatten())
}

fn hook_file<R: Runtime>(app: &AppHandle<R>) -> Option<PathBuf> {
    app.try_state::<DialogHook>().and_then(|hook| hook.file())
}

/// The dialog builder parented to the main window, or `None` (logged) when the dialog plugin
/// is not registered.
fn builder<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    filters: &[FileFilter],
) -> Option<FileDialogBuilder<R>> {
    let Some(dialog) = app.try_state::<Dialog<R>>() else {
        tracing::warn!(title, "no dialog plugin: a file cannot be chosen");
        return None;
    };
    let mut builder = dialog.file().set_title(title);
    for filter in filters {
        builder = builder.add_filter(filter.name, filter.extensions);
    }
    if let Some(window) = app.get_webview_window("main") {
        builder = builder.set_parent(&window);
    }
    Some(builder)
}

fn chosen_path(chosen: Option<tauri_plugin_dialog::FilePath>) -> Option<PathBuf> {
    match chosen?.into_path() {
        Ok(path) => Some(path),
        Err(err) => {
            tracing::warn!(error = %err, "the dialog answered something that is not a file path");
            None
        }
    }
}

/// Takes the first line of the answers `file` (and removes it): a path, or `None` for an
/// empty line or an empty (or missing) file.
fn take_answer(file: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let mut lines = text.lines();
    let first = lines.next()?.trim().to_owned();
    let rest: Vec<&str> = lines.collect();
    let rest = if rest.is_empty() {
        String::new()
    } else {
        format!("{}\n", rest.join("\n"))
    };
    if let Err(err) = std::fs::write(file, rest) {
        tracing::warn!(error = %err, "the dialog answers file could not be updated");
    }
    (!first.is_empty()).then(|| PathBuf::from(first))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn answers_are_taken_in_order_and_an_empty_line_cancels() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("answers");
        std::fs::write(&file, "/tmp/a.backup\n\n/tmp/b.csv\n").unwrap();
        assert_eq!(take_answer(&file), Some(PathBuf::from("/tmp/a.backup")));
        assert_eq!(take_answer(&file), None, "the empty line is a cancel");
        assert_eq!(take_answer(&file), Some(PathBuf::from("/tmp/b.csv")));
        assert_eq!(take_answer(&file), None, "no answer left");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "");
        assert_eq!(take_answer(&dir.path().join("missing")), None);
    }

    #[test]
    fn the_hook_answers_only_once_pointed_at_a_file() {
        let hook = DialogHook::default();
        assert_eq!(hook.file(), None);
        hook.answer_from(PathBuf::from("/tmp/answers"));
        assert_eq!(hook.file(), Some(PathBuf::from("/tmp/answers")));
    }
}
