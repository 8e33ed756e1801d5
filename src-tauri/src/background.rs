//! What keeps running while the app is unlocked, window open or hidden in the tray: the
//! background scheduler, the demo sandbox (restarted after a relaunch), the tray's state and
//! desktop notifications for alerts that need the owner.

use std::collections::HashSet;
use std::time::Duration;

use maestro_app::App;
use maestro_app::desktop_settings::{AUTOSTART_KEY, NOTIFICATIONS_KEY};
use maestro_sync::SyncEvent;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::RecvError;

use crate::attention::{Notifier, TrayStatus, needs_owner};
use crate::state::DesktopState;
use crate::tray::{self, TrayMenu};

/// How often the tray re-reads the alerts when nothing else happens (alerts can also change
/// from the CLI or another company's runs).
const QUIET_REFRESH: Duration = Duration::from_secs(60);

/// Starts the supervisor: every time the owner unlocks, it starts the scheduler, resumes the
/// demo sandbox if the demo was in use, applies start-at-login, and keeps the tray and
/// notifications current until the app is locked again.
pub fn supervise<R: Runtime>(handle: AppHandle<R>, menu: Option<TrayMenu<R>>) {
    tauri::async_runtime::spawn(async move {
        loop {
            let state = handle.state::<DesktopState>();
            if let Some(menu) = &menu {
                tray::show(&handle, menu, TrayStatus::Locked, false);
            }
            let Some(app) = state.unlocked_app().await else {
                return;
            };
            if let Err(err) = crate::commands::demo::resume_demo(&state, &app).await {
                tracing::warn!(error = %err.message, "the demo tools could not restart");
            }
            apply_autostart(&handle, &app).await;
            *state.scheduler.lock().await = Some(app.start_background_scheduler());
            crate::gateway::restart(&state, &app).await;
            tokio::select! {
                () = watch(&handle, &app, menu.as_ref()) => {}
                () = state.locked() => {}
            }
        }
    });
}

/// Follows sync events and alerts until the event stream ends.
async fn watch<R: Runtime>(handle: &AppHandle<R>, app: &App, menu: Option<&TrayMenu<R>>) {
    let mut events = app.sync_events();
    let mut running: HashSet<String> = HashSet::new();
    let mut notifier = Notifier::default();
    let state = handle.state::<DesktopState>();
    let mut tick = tokio::time::interval(QUIET_REFRESH);
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(SyncEvent::RunStarted { run_id, .. }) => {
                    running.insert(run_id);
                }
                Ok(SyncEvent::RunFinished { run_id, .. }) => {
                    running.remove(&run_id);
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick() => {}
            () = state.refresh.notified() => apply_autostart(handle, app).await,
        }
        refresh(handle, app, menu, running.len(), &mut notifier).await;
    }
}

/// Re-reads alerts and pause state; updates the tray and notifies new alerts.
async fn refresh<R: Runtime>(
    handle: &AppHandle<R>,
    app: &App,
    menu: Option<&TrayMenu<R>>,
    running: usize,
    notifier: &mut Notifier,
) {
    let read = async {
        let company = app.company(None).await?;
        let alerts = app.open_alerts(company.id).await?;
        let paused = app.schedules(company.id).await?.paused_globally;
        Ok::<_, maestro_app::AppError>((alerts, paused))
    };
    let (alerts, paused) = match read.await {
        Ok(read) => read,
        Err(err) => {
            tracing::debug!(error = %err.message, "tray refresh skipped");
            return;
        }
    };
    let waiting = alerts.iter().filter(|a| needs_owner(a)).count();
    if let Some(menu) = menu {
        tray::show(
            handle,
            menu,
            TrayStatus::from_activity(running, waiting),
            paused,
        );
    }
    let notices = notifier.notices(&alerts);
    if notices.is_empty() || !flag(app, NOTIFICATIONS_KEY, true).await {
        return;
    }
    for notice in notices {
        if let Err(err) = handle
            .notification()
            .builder()
            .title(&notice.title)
            .body(&notice.body)
            .show()
        {
            tracing::warn!(error = %err, "could not show a desktop notification");
        }
    }
}

/// A desktop preference; `default` when it cannot be read.
async fn flag(app: &App, key: &str, default: bool) -> bool {
    app.desktop_flag(key).await.unwrap_or(default)
}

/// Registers or removes the app with the desktop's autostart, following the saved setting.
pub async fn apply_autostart<R: Runtime>(handle: &AppHandle<R>, app: &App) {
    use tauri_plugin_autostart::ManagerExt;
    if handle
        .try_state::<tauri_plugin_autostart::AutoLaunchManager>()
        .is_none()
    {
        return;
    }
    let wanted = flag(app, AUTOSTART_KEY, false).await;
    let autolaunch = handle.autolaunch();
    let result = match (wanted, autolaunch.is_enabled().unwrap_or(false)) {
        (true, false) => autolaunch.enable(),
        (false, true) => autolaunch.disable(),
        _ => Ok(()),
    };
    if let Err(err) = result {
        tracing::warn!(error = %err, "could not change start at login");
    }
}
