//! The desktop app's logs: to stderr, and to a file a day in the log folder
//! ([`maestro_app::diagnostics::log_dir`]), keeping the last [`KEEP_FILES`] days, so an owner
//! can send them (Settings → Save diagnostics) after the terminal that started the app is gone.
//!
//! What is logged must never hold a secret or personal data: sensitive values are wrapped in
//! `Sensitive` and print as a redaction marker (tests/it/redaction.rs), and the diagnostics
//! bundle scrubs the lines it copies once more.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Days of log files kept; older files are deleted when a new day's file starts.
pub const KEEP_FILES: usize = 7;

/// The filter used unless `RUST_LOG` sets one.
pub const DEFAULT_FILTER: &str = "info,maestro=debug";

/// Keeps the file writer's background thread alive; dropping it flushes what is buffered.
/// Hold it until the app exits.
#[must_use = "dropping the guard stops writing the log file"]
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

/// Starts logging to stderr and to a daily file in `dir` (created if missing). If the file
/// cannot be opened (a read-only home, a full disk), logs to stderr only and says why there.
pub fn init(dir: &Path) -> LogGuard {
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    match file_appender(dir) {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer);
            let _ = tracing_subscriber::registry()
                .with(filter())
                .with(stderr)
                .with(file)
                .try_init();
            LogGuard { _file: Some(guard) }
        }
        Err(err) => {
            let _ = tracing_subscriber::registry()
                .with(filter())
                .with(stderr)
                .try_init();
            tracing::warn!(dir = %dir.display(), error = %err, "no log file; logging to stderr only");
            LogGuard { _file: None }
        }
    }
}

/// A daily appender in `dir`: files `maestro.YYYY-MM-DD.log`, the last [`KEEP_FILES`] kept.
fn file_appender(dir: &Path) -> Result<RollingFileAppender, tracing_appender::rolling::InitError> {
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(maestro_app::diagnostics::LOG_FILE_PREFIX)
        .filename_suffix(maestro_app::diagnostics::LOG_FILE_SUFFIX)
        .max_log_files(KEEP_FILES)
        .build(dir)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn the_appender_writes_a_dated_file_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let appender = file_appender(&logs).unwrap();
        let (writer, guard) = tracing_appender::non_blocking(appender);
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(writer)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("a line for the file");
        });
        drop(guard);
        let files: Vec<_> = std::fs::read_dir(&logs)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("maestro.") && name.ends_with(".log"),
            "{name}"
        );
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("a line for the file"), "{text}");
        // The lines the diagnostics bundle reads back are the ones written here.
        let tail = maestro_app::diagnostics::recent_log_lines(&logs, 10).unwrap();
        assert!(
            tail.iter().any(|l| l.contains("a line for the file")),
            "{tail:?}"
        );
    }
}
