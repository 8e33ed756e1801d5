//! Signed updates through `tauri-plugin-updater`: the app asks the update endpoint on start and
//! every few hours (the owner can change how often, or turn it off, in Settings → Updates),
//! keeps what it found for the UI ("Version X is available" with what changed), and installs it
//! only when the owner agrees and no sync is running, then restarts.
//!
//! Every package is checked against the Integration Maestro public key (minisign, in
//! `tauri.conf.json` → `plugins.updater.pubkey`) before anything is installed, and the signature
//! must name the version the endpoint announced (`requireSignedVersion`). How it installs follows
//! how the app was installed (the bundler writes the bundle type into the binary): a `.deb` runs
//! `dpkg -i` with the owner's permission (pkexec, else a password prompt and sudo), an `.rpm`
//! `rpm -U` the same way, an AppImage (or a copy of unknown origin) is replaced in place; on
//! Windows the MSI/NSIS installer runs, on macOS the `.app` bundle is swapped. The data folder
//! is never touched by an update.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};
use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;
use url::Url;

use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

/// Replaces the update endpoint from `tauri.conf.json` (a local server in tests, a staging
/// server for a release check).
pub const ENDPOINT_ENV: &str = "MAESTRO_UPDATE_ENDPOINT";

/// Replaces the trusted public key; read by debug builds only, so a release build can never be
/// pointed at another key from outside.
pub const PUBKEY_ENV: &str = "MAESTRO_UPDATE_PUBKEY";

/// The owner's update preferences, beside the store in the data folder.
pub const PREFS_FILE: &str = "updates.json";

/// Key id of the test-only key pair in `src-tauri/tests/fixtures/updater/`. Its private key is in
/// the repository, so a release build refuses to trust it.
pub const TEST_KEY_ID: &str = "E65522FB3F3291F4";

/// How long a check or download may take before it counts as a network failure.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The first automatic check waits this long after start, off the path of a cold start.
const FIRST_CHECK_DELAY: Duration = Duration::from_secs(15);

/// The owner's update preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePrefs {
    /// Check for updates automatically (on start and every `every_hours`).
    pub check: bool,
    /// Hours between automatic checks, 1 to 168.
    pub every_hours: u32,
}

impl Default for UpdatePrefs {
    fn default() -> Self {
        Self {
            check: true,
            every_hours: 24,
        }
    }
}

impl UpdatePrefs {
    /// The preferences saved in `data_dir`, or the defaults when none are (or they are unreadable).
    pub fn load(data_dir: &Path) -> Self {
        std::fs::read(data_dir.join(PREFS_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Self>(&bytes).ok())
            .filter(|prefs| prefs.validate().is_ok())
            .unwrap_or_default()
    }

    /// Refuses an interval outside 1 to 168 hours.
    ///
    /// # Errors
    /// A validation error naming `everyHours`.
    pub fn validate(&self) -> Result<(), IpcError> {
        if (1..=168).contains(&self.every_hours) {
            Ok(())
        } else {
            Err(IpcError::new(
                IpcErrorCode::Validation,
                "Check every 1 to 168 hours (one week).",
            )
            .with_field("everyHours"))
        }
    }

    /// Saves the preferences in `data_dir`.
    ///
    /// # Errors
    /// When the interval is out of range or the file cannot be written.
    pub fn save(&self, data_dir: &Path) -> Result<(), IpcError> {
        self.validate()?;
        std::fs::create_dir_all(data_dir).map_err(|e| UpdateError::from_io(&e).into_ipc())?;
        let text = serde_json::to_vec_pretty(self)
            .map_err(|e| IpcError::new(IpcErrorCode::Internal, e.to_string()))?;
        std::fs::write(data_dir.join(PREFS_FILE), text)
            .map_err(|e| UpdateError::from_io(&e).into_ipc())
    }
}

/// Where updates come from and what they replace; [`UpdateSource::from_env`] for the app.
#[derive(Debug, Clone, Default)]
pub struct UpdateSource {
    /// The manifest's address, instead of `plugins.updater.endpoints`.
    pub endpoint: Option<Url>,
    /// The trusted public key (the base64 of a minisign `.pub` file), instead of the configured one.
    pub pubkey: Option<String>,
    /// The program an AppImage-style install replaces, instead of the running one.
    pub executable: Option<PathBuf>,
}

impl UpdateSource {
    /// The configured source, with `MAESTRO_UPDATE_ENDPOINT` (and, in debug builds only,
    /// `MAESTRO_UPDATE_PUBKEY`) applied.
    pub fn from_env() -> Self {
        let endpoint = std::env::var(ENDPOINT_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| match Url::parse(v.trim()) {
                Ok(url) => Some(url),
                Err(err) => {
                    tracing::warn!(error = %err, "{ENDPOINT_ENV} is not an address; ignored");
                    None
                }
            });
        let pubkey = if cfg!(debug_assertions) {
            std::env::var(PUBKEY_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty())
        } else {
            None
        };
        Self {
            endpoint,
            pubkey,
            executable: None,
        }
    }
}

/// An update the endpoint announced, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AvailableUpdate {
    /// The new version.
    pub version: String,
    /// The version running now.
    pub current_version: String,
    /// What changed, as published with the release.
    pub notes: Option<String>,
    /// When it was published (ISO 8601), if the manifest says.
    pub published: Option<String>,
}

impl AvailableUpdate {
    fn of(update: &Update) -> Self {
        Self {
            version: update.version.clone(),
            current_version: update.current_version.clone(),
            notes: update.body.clone().filter(|n| !n.trim().is_empty()),
            published: update.date.and_then(|d| {
                chrono::DateTime::from_timestamp(d.unix_timestamp(), 0)
                    .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            }),
        }
    }
}

/// What the app knows about updates now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStatus {
    /// The version running now.
    pub current_version: String,
    /// The owner's preferences.
    pub prefs: UpdatePrefs,
    /// The update waiting for the owner, if any.
    pub available: Option<AvailableUpdate>,
    /// When the endpoint was last asked (ISO 8601).
    pub last_checked: Option<String>,
    /// Why the last check or install failed, in plain words.
    pub last_error: Option<String>,
    /// An install is under way.
    pub installing: bool,
    /// Sync runs in progress now (an install waits for none).
    pub syncs_running: u32,
    /// How this copy was installed: "deb", "rpm", "appimage", "msi", "nsis", "app" or
    /// "unknown" (built from source: an update replaces the running program).
    pub installed_as: String,
}

/// Why checking or installing an update failed, in words for the owner; each failure of a
/// download or install also says that nothing was installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateError {
    /// The package's signature does not match the trusted key (a changed package).
    BadSignature,
    /// The package was signed by another key.
    OtherKey,
    /// The signature names another version than the endpoint announced.
    VersionMismatch {
        /// Version in the signature.
        signed: String,
        /// Version the endpoint announced.
        announced: String,
    },
    /// The signature carries no version.
    UnsignedVersion,
    /// The endpoint or the download could not be reached.
    Network(String),
    /// The disk is full.
    NoSpace,
    /// Syncs are running; installing waits for them.
    SyncRunning(u32),
    /// Nothing was found to install.
    NothingToInstall,
    /// Another install is under way.
    AlreadyInstalling,
    /// The owner did not give the administrator permission a package install needs.
    PermissionRefused,
    /// The endpoint's answer is not a release this app can use.
    BadManifest(String),
    /// The package could not be installed (verified, but the install step failed).
    InstallFailed(String),
    /// Linux: no program to ask for the administrator permission a package install needs
    /// (the updater runs `pkexec`, then `sudo`; neither is installed).
    NoPermissionTool,
    /// A release build that trusts the test key: updates are off.
    TestKeyInRelease,
}

impl std::fmt::Display for UpdateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadSignature => f.write_str(
                "The update could not be verified: its signature does not match the Integration Maestro signing key. Nothing was installed.",
            ),
            Self::OtherKey => f.write_str(
                "The update could not be verified: it was signed with a different key, not the Integration Maestro signing key. Nothing was installed.",
            ),
            Self::VersionMismatch { signed, announced } => write!(
                f,
                "The update could not be verified: the update server announced version {announced}, but the package was signed as version {signed}. Nothing was installed."
            ),
            Self::UnsignedVersion => f.write_str(
                "The update could not be verified: its signature does not say which version it is. Nothing was installed.",
            ),
            Self::Network(detail) => write!(
                f,
                "The update server could not be reached ({detail}). Check the internet connection and try again. Nothing was installed."
            ),
            Self::NoSpace => f.write_str(
                "There is not enough free disk space to download and install the update. Free some space and try again. Nothing was installed.",
            ),
            Self::SyncRunning(n) => write!(
                f,
                "A sync is in progress ({n} running). The update waits so it does not interrupt it: install it when the sync has finished."
            ),
            Self::NothingToInstall => {
                f.write_str("No update is waiting to be installed. Check for updates first.")
            }
            Self::AlreadyInstalling => f.write_str("The update is already being installed."),
            Self::PermissionRefused => f.write_str(
                "Installing the update needs an administrator's permission, which was not given. Nothing was installed.",
            ),
            Self::BadManifest(detail) => write!(
                f,
                "The update server's answer could not be used ({detail}). Nothing was installed."
            ),
            Self::InstallFailed(detail) => write!(
                f,
                "The update was verified but could not be installed ({detail}). The current version is still installed."
            ),
            Self::NoPermissionTool => f.write_str(
                "The update was verified but could not be installed: installing a package needs an administrator's permission, and this computer has no program to ask for it (pkexec or sudo). Install pkexec (for example `sudo apt install pkexec`) and try again, or install the downloaded package yourself. The current version is still installed.",
            ),
            Self::TestKeyInRelease => f.write_str(
                "Updates are turned off in this build: it trusts only the test signing key, not the Integration Maestro release key.",
            ),
        }
    }
}

impl std::error::Error for UpdateError {}

impl UpdateError {
    /// The plain-words error for a failed file operation.
    pub fn from_io(err: &std::io::Error) -> Self {
        match err.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => Self::NoSpace,
            _ => Self::InstallFailed(err.to_string()),
        }
    }

    /// Translates the updater plugin's error.
    pub fn from_plugin(err: tauri_plugin_updater::Error) -> Self {
        use tauri_plugin_updater::Error as E;
        match err {
            E::Minisign(minisign_verify::Error::UnexpectedKeyId) => Self::OtherKey,
            E::Minisign(_) | E::Base64(_) | E::SignatureUtf8(_) => Self::BadSignature,
            E::SignedVersionMismatch { signed, announced } => {
                Self::VersionMismatch { signed, announced }
            }
            E::MissingSignedVersion => Self::UnsignedVersion,
            E::Reqwest(e) => Self::Network(short_network_error(&e)),
            E::Network(detail) => Self::Network(detail),
            // On Linux the plugin's last way to install a package is running `sudo`; a program
            // it cannot find there is the permission tool, not the package.
            E::Io(e) if cfg!(target_os = "linux") && e.kind() == std::io::ErrorKind::NotFound => {
                Self::NoPermissionTool
            }
            E::Io(e) => Self::from_io(&e),
            E::TempDirNotFound => Self::NoSpace,
            E::AuthenticationFailed => Self::PermissionRefused,
            E::ReleaseNotFound => {
                Self::BadManifest("no release was found at the update address".into())
            }
            E::Serialization(e) => Self::BadManifest(e.to_string()),
            E::TargetNotFound(t) => Self::BadManifest(format!("no package for {t}")),
            E::TargetsNotFound(t) => {
                Self::BadManifest(format!("no package for {}", t.join(" or ")))
            }
            E::InsecureTransportProtocol => {
                Self::BadManifest("the update address must use https".into())
            }
            E::Semver(e) => Self::BadManifest(e.to_string()),
            other => Self::InstallFailed(other.to_string()),
        }
    }

    /// The error as it crosses IPC.
    pub fn into_ipc(self) -> IpcError {
        let code = match &self {
            Self::NoSpace => IpcErrorCode::DiskFull,
            Self::SyncRunning(_) | Self::AlreadyInstalling => IpcErrorCode::Busy,
            Self::Network(_) => IpcErrorCode::ProviderUnavailable,
            Self::NothingToInstall => IpcErrorCode::NotFound,
            _ => IpcErrorCode::Internal,
        };
        IpcError::new(code, self.to_string())
    }
}

impl From<UpdateError> for IpcError {
    fn from(err: UpdateError) -> Self {
        err.into_ipc()
    }
}

fn short_network_error(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "it did not answer in time".into()
    } else if err.is_connect() {
        "no connection".into()
    } else if let Some(status) = err.status() {
        format!("it answered {status}")
    } else {
        "the transfer failed".into()
    }
}

/// The key id a public key (base64 of a minisign `.pub` file) names, upper-case hex as
/// minisign prints it; `None` when it is not a minisign public key.
pub fn key_id(pubkey: &str) -> Option<String> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let text = String::from_utf8(engine.decode(pubkey.trim()).ok()?).ok()?;
    minisign_verify::PublicKey::decode(&text).ok()?;
    // The key line is "Ed", the 8-byte key id (little-endian), then the 32-byte key.
    let key = engine.decode(text.lines().nth(1)?.trim()).ok()?;
    let id: [u8; 8] = key.get(2..10)?.try_into().ok()?;
    Some(format!("{:016X}", u64::from_le_bytes(id)))
}

/// How this copy was installed, as the bundler marked the binary.
pub fn installed_as() -> &'static str {
    use tauri::utils::config::BundleType;
    match tauri::utils::platform::bundle_type() {
        Some(BundleType::Deb) => "deb",
        Some(BundleType::Rpm) => "rpm",
        Some(BundleType::AppImage) => "appimage",
        Some(BundleType::Msi) => "msi",
        Some(BundleType::Nsis) => "nsis",
        Some(BundleType::App | BundleType::Dmg) => "app",
        _ => "unknown",
    }
}

/// What the updater keeps between commands, managed by Tauri.
#[derive(Default)]
pub struct Updates {
    inner: Mutex<Inner>,
    /// Wakes the automatic check when the preferences change.
    pub wake: Notify,
}

#[derive(Default)]
struct Inner {
    pending: Option<Update>,
    last_checked: Option<String>,
    last_error: Option<String>,
    installing: bool,
    running: HashSet<String>,
}

impl Updates {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut inner = match self.inner.lock() {
            Ok(inner) => inner,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut inner)
    }

    /// Sync runs in progress now.
    pub fn syncs_running(&self) -> u32 {
        self.with(|i| count(&i.running))
    }

    /// Records that a run started (`running`) or finished.
    pub fn sync_run(&self, run_id: &str, running: bool) {
        self.with(|i| {
            if running {
                i.running.insert(run_id.to_owned());
            } else {
                i.running.remove(run_id);
            }
        });
    }

    /// Forgets every run (the app was locked: its scheduler let them finish first).
    fn no_runs(&self) {
        self.with(|i| i.running.clear());
    }

    /// The state for the UI.
    pub fn status(&self, current_version: &str, prefs: UpdatePrefs) -> UpdateStatus {
        self.with(|i| UpdateStatus {
            current_version: current_version.to_owned(),
            prefs,
            available: i.pending.as_ref().map(AvailableUpdate::of),
            last_checked: i.last_checked.clone(),
            last_error: i.last_error.clone(),
            installing: i.installing,
            syncs_running: count(&i.running),
            installed_as: installed_as().to_owned(),
        })
    }
}

fn count(running: &HashSet<String>) -> u32 {
    u32::try_from(running.len()).unwrap_or(u32::MAX)
}

fn now_iso() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Builds the plugin's updater for `source`.
fn updater<R: Runtime>(
    handle: &AppHandle<R>,
    source: &UpdateSource,
) -> Result<tauri_plugin_updater::Updater, UpdateError> {
    let pubkey = match &source.pubkey {
        Some(key) => key.clone(),
        None => configured_pubkey(handle),
    };
    if !cfg!(debug_assertions) && key_id(&pubkey).as_deref() == Some(TEST_KEY_ID) {
        return Err(UpdateError::TestKeyInRelease);
    }
    let mut builder = handle
        .updater_builder()
        .timeout(REQUEST_TIMEOUT)
        .pubkey(pubkey);
    if let Some(endpoint) = &source.endpoint {
        builder = builder
            .endpoints(vec![endpoint.clone()])
            .map_err(UpdateError::from_plugin)?;
    }
    if let Some(exe) = &source.executable {
        builder = builder.executable_path(exe);
    }
    builder.build().map_err(UpdateError::from_plugin)
}

/// The public key in `tauri.conf.json` → `plugins.updater.pubkey`.
fn configured_pubkey<R: Runtime>(handle: &AppHandle<R>) -> String {
    handle
        .config()
        .plugins
        .0
        .get("updater")
        .and_then(|u| u.get("pubkey"))
        .and_then(|k| k.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Asks the endpoint for a newer version and keeps it for the owner; `None` when this is the
/// newest. The outcome (or its error) is remembered for [`Updates::status`].
///
/// # Errors
/// When the endpoint cannot be reached or its answer cannot be used.
pub async fn check<R: Runtime>(
    handle: &AppHandle<R>,
    source: &UpdateSource,
) -> Result<Option<AvailableUpdate>, UpdateError> {
    let updates = handle.state::<Updates>();
    let result = match updater(handle, source) {
        Ok(updater) => updater.check().await.map_err(UpdateError::from_plugin),
        Err(err) => Err(err),
    };
    updates.with(|i| {
        i.last_checked = Some(now_iso());
        match &result {
            Ok(found) => {
                i.last_error = None;
                if !i.installing {
                    i.pending.clone_from(found);
                }
            }
            Err(err) => i.last_error = Some(err.to_string()),
        }
    });
    let found = result?;
    if let Some(update) = &found {
        tracing::info!(version = %update.version, "an update is available");
    }
    Ok(found.as_ref().map(AvailableUpdate::of))
}

/// Downloads the update found by [`check`], verifies its signature and installs it, if no sync
/// is running. Background syncing stops first (so none starts meanwhile) and starts again if
/// the install fails; after a successful install the caller restarts the app. Returns the
/// version installed.
///
/// # Errors
/// [`UpdateError::SyncRunning`] while syncs run; a signature, network, disk or install error
/// otherwise — in each case nothing was installed.
pub async fn install<R: Runtime>(
    handle: &AppHandle<R>,
    source: &UpdateSource,
) -> Result<String, UpdateError> {
    let updates = handle.state::<Updates>();
    let update = updates.with(|i| {
        if i.installing {
            return Err(UpdateError::AlreadyInstalling);
        }
        let update = i.pending.clone().ok_or(UpdateError::NothingToInstall)?;
        let running = count(&i.running);
        if running > 0 {
            return Err(UpdateError::SyncRunning(running));
        }
        i.installing = true;
        Ok(update)
    })?;
    let desktop = handle.try_state::<DesktopState>();
    if let Some(state) = &desktop {
        state.suspend_background().await;
    }
    let result = download_and_install(handle, source, &update).await;
    updates.with(|i| {
        i.installing = false;
        match &result {
            Ok(_) => {
                i.pending = None;
                i.last_error = None;
            }
            Err(err) => i.last_error = Some(err.to_string()),
        }
    });
    if result.is_err()
        && let Some(state) = &desktop
        && state.app.read().await.is_some()
    {
        state.announce_unlocked();
    }
    result
}

async fn download_and_install<R: Runtime>(
    handle: &AppHandle<R>,
    source: &UpdateSource,
    found: &Update,
) -> Result<String, UpdateError> {
    // The release as found, verified with this source's key and installed where it says; a
    // restored release must also carry its version inside the signature.
    let update = updater(handle, source)?
        .restore_update(found.raw_json.clone())
        .map_err(UpdateError::from_plugin)?
        .ok_or(UpdateError::NothingToInstall)?;
    let bytes = update
        .download(|_, _| {}, || {})
        .await
        .map_err(UpdateError::from_plugin)?;
    let version = update.version.clone();
    tracing::info!(%version, bytes = bytes.len(), installed_as = installed_as(), "update verified; installing");
    // Installing runs a package manager (and may wait for the owner's password): off the
    // async threads.
    tokio::task::spawn_blocking(move || update.install(bytes))
        .await
        .map_err(|e| UpdateError::InstallFailed(e.to_string()))?
        .map_err(UpdateError::from_plugin)?;
    tracing::info!(%version, "update installed");
    Ok(version)
}

/// Follows the unlocked app's sync events so [`install`] knows whether a sync is running.
pub fn track_syncs<R: Runtime>(handle: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        loop {
            let state = handle.state::<DesktopState>();
            let Some(app) = state.unlocked_app().await else {
                return;
            };
            let mut events = app.sync_events();
            drop(app);
            let updates = handle.state::<Updates>();
            let follow = async {
                loop {
                    match events.recv().await {
                        Ok(maestro_sync::SyncEvent::RunStarted { run_id, .. }) => {
                            updates.sync_run(&run_id, true);
                        }
                        Ok(maestro_sync::SyncEvent::RunFinished { run_id, .. }) => {
                            updates.sync_run(&run_id, false);
                        }
                        Ok(_) | Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => return,
                    }
                }
            };
            tokio::select! {
                () = follow => {}
                () = state.locked() => {}
            }
            updates.no_runs();
        }
    });
}

/// Checks for updates shortly after start and then every `every_hours`, while the owner has
/// automatic checks on; a change of preferences takes effect at once.
pub fn watch<R: Runtime>(handle: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(FIRST_CHECK_DELAY).await;
        loop {
            let data_dir = handle.state::<DesktopState>().data_dir.clone();
            let prefs = UpdatePrefs::load(&data_dir);
            if prefs.check
                && let Err(err) = check(&handle, &UpdateSource::from_env()).await
            {
                tracing::info!(error = %err, "update check failed");
            }
            let wait = Duration::from_secs(u64::from(prefs.every_hours) * 3600);
            let updates = handle.state::<Updates>();
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = updates.wake.notified() => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn preferences_default_round_trip_and_refuse_a_bad_interval() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(UpdatePrefs::load(dir.path()), UpdatePrefs::default());
        let prefs = UpdatePrefs {
            check: false,
            every_hours: 6,
        };
        prefs.save(dir.path()).unwrap();
        assert_eq!(UpdatePrefs::load(dir.path()), prefs);
        let err = UpdatePrefs {
            check: true,
            every_hours: 0,
        }
        .save(dir.path())
        .err();
        assert_eq!(err.and_then(|e| e.field).as_deref(), Some("everyHours"));
        assert_eq!(
            UpdatePrefs::load(dir.path()),
            prefs,
            "the refused value was not saved"
        );
    }

    #[test]
    fn the_committed_test_key_has_the_test_key_id() {
        let pubkey = include_str!("../tests/fixtures/updater/test-only.key.pub");
        assert_eq!(key_id(pubkey).as_deref(), Some(TEST_KEY_ID));
        assert_eq!(key_id("not a key"), None);
    }

    #[test]
    fn errors_say_what_happened_and_that_nothing_was_installed() {
        let disk = UpdateError::from_io(&std::io::Error::from(std::io::ErrorKind::StorageFull));
        assert_eq!(disk, UpdateError::NoSpace);
        assert_eq!(disk.clone().into_ipc().code, IpcErrorCode::DiskFull);
        assert!(disk.to_string().contains("not enough free disk space"));
        let wrong_key = UpdateError::from_plugin(tauri_plugin_updater::Error::Minisign(
            minisign_verify::Error::UnexpectedKeyId,
        ));
        assert_eq!(wrong_key, UpdateError::OtherKey);
        assert!(
            wrong_key
                .to_string()
                .contains("signed with a different key")
        );
        let tampered = UpdateError::from_plugin(tauri_plugin_updater::Error::Minisign(
            minisign_verify::Error::InvalidSignature,
        ));
        assert_eq!(
            tampered.to_string(),
            "The update could not be verified: its signature does not match the Integration Maestro signing key. Nothing was installed."
        );
        assert_eq!(
            UpdateError::SyncRunning(2).into_ipc().code,
            IpcErrorCode::Busy
        );
        for err in [
            UpdateError::OtherKey,
            UpdateError::BadSignature,
            UpdateError::NoSpace,
            UpdateError::Network("no connection".into()),
        ] {
            assert!(err.to_string().ends_with("Nothing was installed."), "{err}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_missing_permission_tool_is_named_not_a_missing_file() {
        // What the plugin returns when neither pkexec nor sudo exists (seen on a Debian
        // machine without either): it tried to run `sudo`.
        let missing = UpdateError::from_plugin(tauri_plugin_updater::Error::Io(
            std::io::Error::from(std::io::ErrorKind::NotFound),
        ));
        assert_eq!(missing, UpdateError::NoPermissionTool);
        let text = missing.to_string();
        assert!(
            text.contains("pkexec") && text.contains("still installed"),
            "{text}"
        );
        assert!(!text.contains("os error"), "{text}");
        // Other failed file operations keep their own words.
        let denied = UpdateError::from_plugin(tauri_plugin_updater::Error::Io(
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        ));
        assert!(
            matches!(denied, UpdateError::InstallFailed(_)),
            "{denied:?}"
        );
    }
}
