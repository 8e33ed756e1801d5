//! The system-tray icon: one picture per state (idle, syncing, needs attention) and a menu
//! with Open, Sync now, Pause/Resume syncing and Quit.

use maestro_app::schedule::ScheduleTarget;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

use crate::attention::TrayStatus;
use crate::state::DesktopState;

/// The tray icon's id.
pub const TRAY_ID: &str = "maestro";

const IDLE: &[u8] = include_bytes!("../../icons/tray-idle.png");
const SYNCING: &[u8] = include_bytes!("../../icons/tray-syncing.png");
const ATTENTION: &[u8] = include_bytes!("../../icons/tray-attention.png");

/// The menu entries whose labels change with the state.
pub struct TrayMenu<R: Runtime> {
    status: MenuItem<R>,
    sync_now: MenuItem<R>,
    pause: MenuItem<R>,
}

fn picture(status: TrayStatus) -> tauri::Result<Image<'static>> {
    Image::from_bytes(match status {
        TrayStatus::Locked | TrayStatus::Idle => IDLE,
        TrayStatus::Syncing => SYNCING,
        TrayStatus::Attention => ATTENTION,
    })
}

fn describe(status: TrayStatus) -> &'static str {
    match status {
        TrayStatus::Locked => "Locked — open Integration Maestro to unlock",
        TrayStatus::Idle => "Everything is in step",
        TrayStatus::Syncing => "Syncing…",
        TrayStatus::Attention => "Something needs your attention",
    }
}

/// Builds the tray icon and its menu. Call once, from the app's setup.
///
/// # Errors
/// The Tauri error if the menu or icon cannot be created.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<TrayMenu<R>> {
    let status = MenuItem::with_id(
        app,
        "status",
        describe(TrayStatus::Locked),
        false,
        None::<&str>,
    )?;
    let open = MenuItem::with_id(app, "open", "Open Integration Maestro", true, None::<&str>)?;
    let sync_now = MenuItem::with_id(app, "sync_now", "Sync now", false, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", "Pause syncing", false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &status,
            &PredefinedMenuItem::separator(app)?,
            &open,
            &sync_now,
            &pause,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(picture(TrayStatus::Locked)?)
        .tooltip("Integration Maestro")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_main_window(app),
            "sync_now" => spawn_sync_now(app.clone()),
            "pause" => spawn_toggle_pause(app.clone()),
            "quit" => crate::tray::quit(app.clone()),
            _ => {}
        })
        .on_tray_icon_event(|tray: &TrayIcon<R>, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main_window(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(TrayMenu {
        status,
        sync_now,
        pause,
    })
}

/// Shows the tray's state: icon, tooltip, the status line, and which actions are possible.
pub fn show<R: Runtime>(app: &AppHandle<R>, menu: &TrayMenu<R>, status: TrayStatus, paused: bool) {
    let result = (|| -> tauri::Result<()> {
        if let Some(tray) = app.tray_by_id(TRAY_ID) {
            tray.set_icon(Some(picture(status)?))?;
            tray.set_tooltip(Some(format!("Integration Maestro — {}", describe(status))))?;
        }
        let line = if paused && status != TrayStatus::Locked {
            format!("{} (syncing paused)", describe(status))
        } else {
            describe(status).to_owned()
        };
        menu.status.set_text(line)?;
        let unlocked = status != TrayStatus::Locked;
        menu.sync_now.set_enabled(unlocked)?;
        menu.pause.set_enabled(unlocked)?;
        menu.pause.set_text(if paused {
            "Resume syncing"
        } else {
            "Pause syncing"
        })?;
        Ok(())
    })();
    if let Err(err) = result {
        tracing::warn!(error = %err, "could not update the tray icon");
    }
}

/// Brings the main window back (from the tray or a second launch).
pub fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// "Sync now" for every connection: queued with the background scheduler, which starts them
/// as slots free up.
fn spawn_sync_now<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<DesktopState>();
        let Ok(maestro) = state.app().await else {
            return;
        };
        let result = async {
            let company = maestro.company(None).await?;
            for overview in maestro.connection_overviews(company.id).await? {
                maestro.sync_now(company.id, overview.connection.id).await?;
            }
            Ok::<_, maestro_app::AppError>(())
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(error = %err.message, "sync now from the tray failed");
        }
        if let Some(scheduler) = state.scheduler.lock().await.as_ref() {
            scheduler.wake();
        }
    });
}

/// Pauses all syncing, or resumes it.
fn spawn_toggle_pause<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<DesktopState>();
        let Ok(maestro) = state.app().await else {
            return;
        };
        let result = async {
            let company = maestro.company(None).await?;
            if maestro.schedules(company.id).await?.paused_globally {
                maestro.resume_schedule(ScheduleTarget::All).await
            } else {
                maestro.pause_schedule(ScheduleTarget::All).await
            }
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(error = %err.message, "pause/resume from the tray failed");
        }
        state.changed().await;
    });
}

/// Quits for real (the tray's Quit, and a request from the system: `signals`): stops the
/// scheduler (running syncs finish their page and checkpoint), closes the store, then exits,
/// which saves the window's size and place (tauri-plugin-window-state saves on exit).
pub fn quit<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        app.state::<DesktopState>().lock().await;
        // The store is closed; let its connection threads end before the process does.
        let _ = tauri::async_runtime::spawn_blocking(|| {
            maestro_store::shutdown::wait_for_connection_threads(
                maestro_store::shutdown::THREAD_EXIT_WAIT,
            )
        })
        .await;
        app.exit(0);
    });
}
