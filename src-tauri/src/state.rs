//! What the shell keeps between commands: the data folder, the unlocked [`App`] (none until
//! the owner unlocks), and the demo sandbox while it runs.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use maestro_app::App;
use maestro_app::schedule::SchedulerHandle;
use maestro_core::clock::{Clock, SystemClock};
use maestro_sandbox::Sandbox;
use tokio::sync::{Mutex, Notify, RwLock, watch};

use crate::error::IpcError;

/// Shared state of the desktop app, managed by Tauri.
pub struct DesktopState {
    /// Where the encrypted store lives.
    pub data_dir: PathBuf,
    /// The application once unlocked.
    pub app: RwLock<Option<App>>,
    /// The in-process provider sandbox behind "explore with demo data".
    pub demo: Mutex<Option<Sandbox>>,
    /// The clock handed to the app.
    pub clock: Arc<dyn Clock>,
    /// The background scheduler while the app is unlocked.
    pub scheduler: Mutex<Option<SchedulerHandle>>,
    /// Wakes the background supervisor to re-read alerts, pause state and preferences now.
    pub refresh: Notify,
    /// The local API while it runs (when the owner enabled it) and its last start failure.
    pub gateway: Mutex<crate::gateway::LocalApi>,
    keychain: OnceLock<bool>,
    unlocked: watch::Sender<bool>,
}

impl DesktopState {
    /// State over `data_dir`.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            app: RwLock::new(None),
            demo: Mutex::new(None),
            clock: Arc::new(SystemClock),
            scheduler: Mutex::new(None),
            refresh: Notify::new(),
            gateway: Mutex::default(),
            keychain: OnceLock::new(),
            unlocked: watch::Sender::new(false),
        }
    }

    /// State over `MAESTRO_DATA_DIR`, else the platform's app-data folder.
    pub fn from_env() -> Self {
        let dir = std::env::var_os(maestro_app::paths::DATA_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(maestro_app::paths::default_data_dir);
        Self::new(dir)
    }

    /// A handle on the unlocked app (cheap clone), or a "locked" error.
    pub async fn app(&self) -> Result<App, IpcError> {
        self.app.read().await.clone().ok_or_else(IpcError::locked)
    }

    /// Tells waiters (the sync-event forwarder) that the app is now unlocked.
    pub fn announce_unlocked(&self) {
        self.unlocked.send_replace(true);
    }

    /// Stops the background work of the unlocked app (scheduler, tray watcher) before the
    /// store is swapped (new key, restored backup); [`DesktopState::announce_unlocked`] starts
    /// it again over the new store.
    pub async fn suspend_background(&self) {
        self.unlocked.send_replace(false);
        crate::gateway::stop(self).await;
        if let Some(scheduler) = self.scheduler.lock().await.take() {
            scheduler.shutdown().await;
        }
    }

    /// Asks the background supervisor to refresh the tray (and preferences) now, and the
    /// scheduler to look at the saved schedules again.
    pub async fn changed(&self) {
        self.refresh.notify_one();
        if let Some(scheduler) = self.scheduler.lock().await.as_ref() {
            scheduler.wake();
        }
    }

    /// Locks the app: stops the background scheduler (letting running syncs finish), drops
    /// the unlocked [`App`] and closes its store. The window goes back to the unlock screen.
    pub async fn lock(&self) {
        let app = self.app.write().await.take();
        self.unlocked.send_replace(false);
        crate::gateway::stop(self).await;
        if let Some(scheduler) = self.scheduler.lock().await.take() {
            scheduler.shutdown().await;
        }
        if let Some(app) = app {
            app.close().await;
        }
    }

    /// Waits until the app is locked again (returns at once if it is locked now).
    pub async fn locked(&self) {
        let mut rx = self.unlocked.subscribe();
        let _ = rx.wait_for(|unlocked| !*unlocked).await;
    }

    /// The app, as soon as the owner has unlocked it.
    pub async fn unlocked_app(&self) -> Option<App> {
        let mut rx = self.unlocked.subscribe();
        rx.wait_for(|unlocked| *unlocked).await.ok()?;
        self.app.read().await.clone()
    }

    /// Whether a system keychain works here (probed once, off the async threads).
    pub async fn keychain_available(&self) -> bool {
        if let Some(known) = self.keychain.get() {
            return *known;
        }
        let probed =
            tokio::task::spawn_blocking(|| maestro_app::keys::system_keychain().is_available())
                .await
                .unwrap_or(false);
        *self.keychain.get_or_init(|| probed)
    }
}
