//! Diagnostics for support: where the logs are kept, and the bundle Settings → "Save
//! diagnostics" writes — one zip holding `report.json` (versions, store counts, connections
//! and their schedules, recent sync runs and errors, settings) and `recent.log` (the last
//! lines of the log files).
//!
//! Nothing in the bundle is a record's content, a credential or personal data: the report is
//! built from counts, statuses and error messages, and every message and log line is scrubbed
//! by [`Scrubber`] — first of every secret and sensitive value the store actually holds
//! (credentials, webhook secrets, SSNs, tax ids, birth dates, bank numbers), then of anything
//! shaped like one (SSN-like and long digit runs, old dates, e-mail addresses, tokens).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use maestro_core::model::{BankAccount, Contractor, Dependent, Employee, EntityKind};
use maestro_core::sensitive::Sensitive;
use maestro_store::{api_keys, connections, records, sync_runs};
use regex::Regex;
use serde::Serialize;

use crate::App;
use crate::desktop_settings::DESKTOP_FLAGS;
use crate::error::{AppError, ErrorCode, Result};

/// Log files are named `maestro.YYYY-MM-DD.log`: this prefix…
pub const LOG_FILE_PREFIX: &str = "maestro";
/// …and this suffix.
pub const LOG_FILE_SUFFIX: &str = "log";
/// Log lines copied into a bundle (the newest).
pub const LOG_LINES: usize = 500;
/// Sync runs per company copied into a bundle (the newest).
pub const SYNC_RUNS: u32 = 50;
/// Workers are at least this old, so an ISO date this many years back or more may be a birth
/// date and is scrubbed; sync and log times are recent.
pub const MIN_AGE: i32 = 14;
/// What a scrubbed value is replaced with.
pub const SCRUBBED: &str = "[scrubbed]";

/// The log folder for the data folder `data_dir`: the platform's local-data folder's `logs`
/// (`~/.local/share/integration-maestro/logs` on Linux, `%LOCALAPPDATA%\…\logs` on Windows)
/// for the default data folder, else `logs` inside the chosen data folder, so two installations
/// (or a test's) never share log files.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    if data_dir == crate::paths::default_data_dir() {
        directories::ProjectDirs::from("app", "integrationmaestro", "integration-maestro")
            .map(|d| d.data_local_dir().join("logs"))
            .unwrap_or_else(|| data_dir.join("logs"))
    } else {
        data_dir.join("logs")
    }
}

/// The last `n` lines of the log files in `dir`, oldest first (files read newest first until
/// `n` lines are found). An absent folder has no lines.
///
/// # Errors
/// Returns the I/O error if the folder or a file cannot be read.
pub fn recent_log_lines(dir: &Path, n: usize) -> std::io::Result<Vec<String>> {
    let mut files = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().and_then(|f| f.to_str()).is_some_and(|f| {
                    f.starts_with(&format!("{LOG_FILE_PREFIX}."))
                        && f.ends_with(&format!(".{LOG_FILE_SUFFIX}"))
                })
            })
            .collect::<Vec<_>>(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    // Dated names sort by day.
    files.sort();
    let mut lines: Vec<String> = Vec::new();
    for file in files.iter().rev() {
        let bytes = std::fs::read(file)?;
        let text = String::from_utf8_lossy(&bytes);
        let mut these: Vec<String> = text.lines().map(str::to_owned).collect();
        these.append(&mut lines);
        lines = these;
        if lines.len() >= n {
            break;
        }
    }
    let skip = lines.len().saturating_sub(n);
    Ok(lines.split_off(skip))
}

/// The running program, as the caller knows it.
#[derive(Debug, Clone, Serialize)]
pub struct AppVersion {
    /// Product name.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Versions of the program and of the system it runs on.
#[derive(Debug, Clone, Serialize)]
pub struct Versions {
    /// The program.
    pub app: AppVersion,
    /// Operating system family ("linux", "windows", "macos").
    pub os: String,
    /// CPU architecture.
    pub arch: String,
    /// The distribution's name and version (`/etc/os-release`), where known.
    pub os_release: Option<String>,
    /// The kernel's release, where known.
    pub kernel: Option<String>,
    /// SQLCipher's version.
    pub cipher: String,
}

/// The store, in sizes and counts.
#[derive(Debug, Clone, Serialize)]
pub struct StoreSummary {
    /// "keychain" or "passphrase".
    pub key_source: String,
    /// Size of the encrypted database in bytes.
    pub database_bytes: u64,
    /// Audit entries recorded.
    pub audit_entries: i64,
}

/// One connection, without its credentials.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionSummary {
    /// Local id.
    pub id: String,
    /// Connector id.
    pub provider: String,
    /// "active", "paused", "needs_reconnect"…
    pub status: String,
    /// Whether a credential is stored (never the credential).
    pub has_credential: bool,
    /// Seconds between scheduled runs.
    pub interval_seconds: Option<i64>,
    /// Its schedule is paused.
    pub schedule_paused: Option<bool>,
    /// When the last run started.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// When a run last finished without errors.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Failed runs in a row.
    pub consecutive_failures: Option<u32>,
    /// Why the last run failed (scrubbed).
    pub last_error: Option<String>,
}

/// One sync run.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// Run id.
    pub id: String,
    /// Its connection's provider.
    pub provider: String,
    /// Entity kind.
    pub entity: String,
    /// "full" or "incremental".
    pub mode: String,
    /// "running", "succeeded" or "failed".
    pub status: String,
    /// Why it started.
    pub trigger: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub finished_at: Option<DateTime<Utc>>,
    /// Records read, created, updated, deleted.
    pub counts: sync_runs::Counts,
    /// Error class of a failed run.
    pub error_kind: Option<String>,
    /// Error message of a failed run (scrubbed).
    pub error_message: Option<String>,
}

/// One company: counts, connections and runs.
#[derive(Debug, Clone, Serialize)]
pub struct CompanySummary {
    /// Local id.
    pub id: String,
    /// Current records per kind.
    pub records: Vec<(String, i64)>,
    /// Its connections.
    pub connections: Vec<ConnectionSummary>,
    /// The newest sync runs, newest first.
    pub sync_runs: Vec<RunSummary>,
    /// How many of those failed.
    pub failed_runs: usize,
}

/// What `report.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// When the bundle was made.
    pub created_at: DateTime<Utc>,
    /// Program and system versions.
    pub versions: Versions,
    /// The store.
    pub store: StoreSummary,
    /// Every company.
    pub companies: Vec<CompanySummary>,
    /// Every schedule of the installation is paused.
    pub schedules_paused_globally: bool,
    /// The desktop preferences (on/off).
    pub settings: Vec<(String, bool)>,
    /// Where the log files are.
    pub log_dir: String,
    /// Log lines in `recent.log`.
    pub log_lines: usize,
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct BundleSummary {
    /// The zip file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Sync runs included.
    pub sync_runs: usize,
    /// Log lines included.
    pub log_lines: usize,
}

/// Removes secrets and personal data from text: the exact values the store holds, then
/// anything shaped like a secret or personal datum.
#[derive(Debug)]
pub struct Scrubber {
    known: Vec<String>,
    patterns: Vec<Regex>,
    uuid: Regex,
    /// Long words mixing letters and digits: keys and tokens.
    token: Regex,
    date: Regex,
    /// ISO dates of this year or earlier are a birth date's (scrubbed): no worker is younger.
    birth_years_to: i32,
}

impl Scrubber {
    /// A scrubber of `known` values (longest replaced first; values under 4 characters are
    /// left, they would scrub ordinary words) and of the built-in shapes.
    ///
    /// # Errors
    /// Never in practice: the built-in patterns are constant (an error names the bad one).
    pub fn new(known: impl IntoIterator<Item = String>) -> Result<Self> {
        let mut known: Vec<String> = known
            .into_iter()
            .map(|v| v.trim().to_owned())
            .filter(|v| v.chars().count() >= 4)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        known.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let patterns = [
            r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}",
            // key = value / "key": "value" for secret-looking keys (the key is kept).
            r#"(?i)\b(api[_-]?key|token|access_token|refresh_token|secret|client_secret|password|passphrase|authorization|signature)\b(["']?\s*[:=]\s*["']?)[^\s"',;}]+"#,
            // SSN-like (123-45-6789, 123 45 6789) and runs of 6+ digits (accounts, routing).
            r"\b\d{3}[- ]\d{2}[- ]\d{4}\b",
            r"\b\d{6,}\b",
            // Dates in US order (the logs and report write ISO dates).
            r"\b\d{1,2}/\d{1,2}/(19\d\d|20\d\d)\b",
            // E-mail addresses.
            r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
        ]
        .iter()
        .map(|p| {
            Regex::new(p).map_err(|e| {
                AppError::new(ErrorCode::Internal, format!("scrub pattern {p}: {e}"))
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let uuid = Regex::new(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
        )
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("uuid pattern: {e}")))?;
        let token = Regex::new(r"[A-Za-z0-9_-]{20,}")
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("token pattern: {e}")))?;
        let date = Regex::new(r"\b(\d{4})-\d\d-\d\d\b")
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("date pattern: {e}")))?;
        Ok(Self {
            known,
            patterns,
            uuid,
            token,
            date,
            birth_years_to: Utc::now().year() - MIN_AGE,
        })
    }

    /// `text` with every known value and every secret-shaped part replaced by [`SCRUBBED`].
    pub fn scrub(&self, text: &str) -> String {
        let known = self.scrub_known(text);
        // Ids (uuids) name runs and rows and are no secret: set aside while the shapes are
        // scrubbed, as NUL-delimited placeholders no pattern matches.
        let ids: Vec<String> = self
            .uuid
            .find_iter(&known)
            .map(|m| m.as_str().to_owned())
            .collect();
        let mut n = 0usize;
        let mut out = self
            .uuid
            .replace_all(&known, |_: &regex::Captures<'_>| {
                n += 1;
                format!("\u{0}{}\u{0}", n - 1)
            })
            .into_owned();
        for (i, pattern) in self.patterns.iter().enumerate() {
            out = if i == 1 {
                pattern
                    .replace_all(&out, |c: &regex::Captures<'_>| {
                        format!("{}{}{SCRUBBED}", &c[1], &c[2])
                    })
                    .into_owned()
            } else {
                pattern.replace_all(&out, SCRUBBED).into_owned()
            };
        }
        out = self
            .token
            .replace_all(&out, |c: &regex::Captures<'_>| {
                let word = &c[0];
                if word.bytes().any(|b| b.is_ascii_digit())
                    && word.bytes().any(|b| b.is_ascii_alphabetic())
                {
                    SCRUBBED.to_owned()
                } else {
                    word.to_owned()
                }
            })
            .into_owned();
        out = self
            .date
            .replace_all(&out, |c: &regex::Captures<'_>| {
                let year: i32 = c[1].parse().unwrap_or(i32::MAX);
                if year <= self.birth_years_to {
                    SCRUBBED.to_owned()
                } else {
                    c[0].to_owned()
                }
            })
            .into_owned();
        for (i, id) in ids.iter().enumerate() {
            out = out.replace(&format!("\u{0}{i}\u{0}"), id);
        }
        out
    }

    /// `text` with every known value replaced (and nothing else): safe on serialised JSON.
    pub fn scrub_known(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for value in &self.known {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), SCRUBBED);
            }
        }
        out
    }
}

/// Every string (and number) inside a credential's JSON.
fn leaves(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Number(n) => out.push(n.to_string()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| leaves(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| leaves(v, out)),
        _ => {}
    }
}

/// A sensitive text in the forms it could be printed in (as stored, digits only).
fn text_forms(value: Option<&Sensitive<String>>, out: &mut Vec<String>) {
    if let Some(v) = value {
        let v = v.expose();
        out.push(v.clone());
        let digits: String = v.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 4 {
            out.push(digits);
        }
    }
}

/// A sensitive date in the forms it could be printed in.
fn date_forms(value: Option<&Sensitive<NaiveDate>>, out: &mut Vec<String>) {
    if let Some(d) = value {
        let d = d.expose();
        out.push(d.format("%Y-%m-%d").to_string());
        out.push(d.format("%m/%d/%Y").to_string());
        out.push(d.format("%Y%m%d").to_string());
    }
}

fn os_release() -> Option<String> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
}

fn kernel() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|v| v.trim().to_owned())
}

impl App {
    /// A scrubber of every secret and sensitive value this store holds.
    ///
    /// # Errors
    /// Returns the store error if a record cannot be read.
    pub async fn scrubber(&self) -> Result<Scrubber> {
        let mut known = Vec::new();
        let mut conn = self.conn().await?;
        for company in maestro_store::companies::list(&mut conn).await? {
            for c in connections::list(&mut conn, company.id).await? {
                if let Some((_, secret)) =
                    connections::load_credential(&mut conn, company.id, c.id).await?
                {
                    leaves(secret.expose(), &mut known);
                }
                if let Some(secret) = api_keys::webhook_secret(&mut conn, company.id, c.id).await? {
                    known.push(secret.expose().clone());
                }
            }
            records::for_each_current(&mut conn, company.id, EntityKind::Employee, |r| {
                let e: Employee = r.entity()?;
                text_forms(e.ssn.as_ref(), &mut known);
                date_forms(e.date_of_birth.as_ref(), &mut known);
                Ok::<_, AppError>(())
            })
            .await?;
            records::for_each_current(&mut conn, company.id, EntityKind::Contractor, |r| {
                let c: Contractor = r.entity()?;
                text_forms(c.tax_id.as_ref(), &mut known);
                Ok::<_, AppError>(())
            })
            .await?;
            records::for_each_current(&mut conn, company.id, EntityKind::Dependent, |r| {
                let d: Dependent = r.entity()?;
                text_forms(d.ssn.as_ref(), &mut known);
                date_forms(d.date_of_birth.as_ref(), &mut known);
                Ok::<_, AppError>(())
            })
            .await?;
            records::for_each_current(&mut conn, company.id, EntityKind::BankAccount, |r| {
                let b: BankAccount = r.entity()?;
                text_forms(b.routing_number.as_ref(), &mut known);
                text_forms(b.account_number.as_ref(), &mut known);
                Ok::<_, AppError>(())
            })
            .await?;
        }
        Scrubber::new(known)
    }

    /// The diagnostics report, its messages scrubbed by `scrub`.
    ///
    /// # Errors
    /// Returns the store error if the store cannot be read.
    pub async fn diagnostics_report(
        &self,
        app: &AppVersion,
        log_dir: &Path,
        scrub: &Scrubber,
    ) -> Result<Report> {
        let status = self.status().await?;
        let mut conn = self.conn().await?;
        let paused_globally = maestro_store::schedules::global_paused(&mut conn).await?;
        let mut companies = Vec::new();
        for company in &status.companies {
            let id = company.company.id;
            let schedules = self.schedules(id).await?;
            let mut conns = Vec::new();
            for c in &company.connections {
                let schedule = schedules
                    .connections
                    .iter()
                    .find(|s| s.connection_id == c.id);
                let has_credential = connections::load_credential(&mut conn, id, c.id)
                    .await?
                    .is_some();
                conns.push(ConnectionSummary {
                    id: c.id.to_string(),
                    provider: c.provider.clone(),
                    status: c.status.clone(),
                    has_credential,
                    interval_seconds: schedule.map(|s| s.interval_seconds),
                    schedule_paused: schedule.map(|s| s.paused),
                    last_sync_at: schedule.and_then(|s| s.last_run_at),
                    last_success_at: schedule.and_then(|s| s.last_success_at),
                    consecutive_failures: schedule.map(|s| s.consecutive_failures),
                    last_error: schedule
                        .and_then(|s| s.last_error.as_deref())
                        .map(|m| scrub.scrub(m)),
                });
            }
            let runs: Vec<RunSummary> = sync_runs::recent(&mut conn, id, SYNC_RUNS)
                .await?
                .into_iter()
                .map(|r| RunSummary {
                    provider: company
                        .connections
                        .iter()
                        .find(|c| c.id == r.connection_id)
                        .map(|c| c.provider.clone())
                        .unwrap_or_default(),
                    id: r.id,
                    entity: r.entity,
                    mode: r.mode,
                    status: r.status,
                    trigger: r.trigger,
                    started_at: r.started_at,
                    finished_at: r.finished_at,
                    counts: r.counts,
                    error_kind: r.error_kind,
                    error_message: r.error_message.as_deref().map(|m| scrub.scrub(m)),
                })
                .collect();
            companies.push(CompanySummary {
                id: id.to_string(),
                records: company
                    .records
                    .iter()
                    .map(|(kind, n)| (kind.as_str().to_owned(), *n))
                    .collect(),
                connections: conns,
                failed_runs: runs.iter().filter(|r| r.status == "failed").count(),
                sync_runs: runs,
            });
        }
        drop(conn);
        let mut settings = Vec::new();
        for (key, _) in DESKTOP_FLAGS {
            settings.push((key.to_owned(), self.desktop_flag(key).await?));
        }
        Ok(Report {
            created_at: self.clock.now(),
            versions: Versions {
                app: app.clone(),
                os: std::env::consts::OS.into(),
                arch: std::env::consts::ARCH.into(),
                os_release: os_release(),
                kernel: kernel(),
                cipher: status.cipher_version,
            },
            store: StoreSummary {
                key_source: status.key_source,
                database_bytes: status.database_bytes,
                audit_entries: status.audit_entries,
            },
            companies,
            schedules_paused_globally: paused_globally,
            settings,
            log_dir: log_dir.display().to_string(),
            log_lines: 0,
        })
    }

    /// Writes the diagnostics bundle to `to` (a zip: `report.json`, `recent.log`,
    /// `README.txt`), replacing a file there.
    ///
    /// # Errors
    /// Returns the store error if the store cannot be read, or an I/O error naming `to`.
    pub async fn save_diagnostics(
        &self,
        app: &AppVersion,
        log_dir: &Path,
        to: &Path,
    ) -> Result<BundleSummary> {
        let scrub = self.scrubber().await?;
        let mut report = self.diagnostics_report(app, log_dir, &scrub).await?;
        let lines = recent_log_lines(log_dir, LOG_LINES).map_err(|e| io_error(log_dir, &e))?;
        report.log_lines = lines.len();
        let log: String = lines.iter().map(|l| scrub.scrub(l) + "\n").collect();
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("diagnostics report: {e}")))?;
        let json = scrub.scrub_known(&json);
        let readme = format!(
            "Integration Maestro {} diagnostics, made {}.\n\n\
             report.json: versions, store size and record counts, connections (provider, status,\n\
             schedule, last sync; no credentials), the last {SYNC_RUNS} sync runs of each company with\n\
             their errors, and the desktop settings.\n\
             recent.log: the last {LOG_LINES} lines of the app's log.\n\n\
             Secrets and personal data (credentials, SSNs, birth dates, bank numbers, e-mail\n\
             addresses) were replaced with {SCRUBBED}. No record's content is included.\n",
            app.version,
            report.created_at.to_rfc3339()
        );
        let runs = report.companies.iter().map(|c| c.sync_runs.len()).sum();
        write_zip(
            to,
            &[
                ("README.txt", readme.as_bytes()),
                ("report.json", json.as_bytes()),
                ("recent.log", log.as_bytes()),
            ],
        )
        .map_err(|e| io_error(to, &e))?;
        let bytes = std::fs::metadata(to).map_err(|e| io_error(to, &e))?.len();
        tracing::info!(bytes, runs, lines = report.log_lines, "diagnostics saved");
        Ok(BundleSummary {
            path: to.to_path_buf(),
            bytes,
            sync_runs: runs,
            log_lines: report.log_lines,
        })
    }
}

fn io_error(path: &Path, e: &dyn std::fmt::Display) -> AppError {
    AppError::new(
        ErrorCode::Validation,
        format!("Could not write the diagnostics ({}): {e}", path.display()),
    )
}

/// Writes `files` (name, content) into a new zip at `to`, deflated.
fn write_zip(to: &Path, files: &[(&str, &[u8])]) -> std::io::Result<()> {
    let file = std::fs::File::create(to)?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    for (name, content) in files {
        zip.start_file(*name, options)
            .map_err(std::io::Error::other)?;
        zip.write_all(content)?;
    }
    zip.finish().map_err(std::io::Error::other)?.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn scrubs_known_values_and_secret_shapes_but_keeps_ids_and_times() {
        let s = Scrubber::new(["hunter2-secret".to_owned(), "abc".to_owned()]).unwrap();
        let run = "0193a4c2-7d1e-7cc0-9a53-1f7c5ad3c1e2";
        let text = format!(
            "run {run} at 2026-12-07T20:01:02Z failed: hunter2-secret; ssn 987-65-4329 \
             acct 004417263955 born 1979-03-14 or 03/14/1979 mail grace@example.test \
             api_key=bhr_live_Zq8YwT3nK0pL5sVd Authorization: Bearer eyJhbGciOi.x.y \
             key 217ced84e4565a767abcde0c1f5583a9 in maestro_connectors::providers abc"
        );
        let out = s.scrub(&text);
        for gone in [
            "hunter2-secret",
            "987-65-4329",
            "004417263955",
            "1979-03-14",
            "03/14/1979",
            "grace@example.test",
            "bhr_live_Zq8YwT3nK0pL5sVd",
            "eyJhbGciOi",
            "217ced84e4565a767abcde0c1f5583a9",
        ] {
            assert!(!out.contains(gone), "{gone} left in {out}");
        }
        assert!(out.contains(run), "{out}");
        assert!(out.contains("2026-12-07T20:01:02Z"), "{out}");
        assert!(out.contains("maestro_connectors::providers"), "{out}");
        // Too short to scrub without scrubbing words.
        assert!(out.ends_with("abc"), "{out}");
    }

    #[test]
    fn recent_log_lines_reads_the_newest_files_last_lines_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("maestro.2026-12-05.log"), "a\nb\n").unwrap();
        std::fs::write(dir.path().join("maestro.2026-12-06.log"), "c\nd\n").unwrap();
        std::fs::write(dir.path().join("other.txt"), "x\n").unwrap();
        assert_eq!(recent_log_lines(dir.path(), 3).unwrap(), ["b", "c", "d"]);
        assert_eq!(
            recent_log_lines(dir.path(), 10).unwrap(),
            ["a", "b", "c", "d"]
        );
        assert!(
            recent_log_lines(&dir.path().join("none"), 3)
                .unwrap()
                .is_empty()
        );
    }
}
