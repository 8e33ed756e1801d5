//! Integration Maestro desktop shell.
//!
//! [`build_app`] wires state, commands and events into any [`tauri::Builder`], so tests can
//! build the same app on the mock runtime (`tauri::test::mock_builder()`); [`run`] builds it
//! on the real runtime and enters the event loop.

pub mod attention;
pub mod background;
pub mod bindings;
pub mod commands;
pub mod dto;
pub mod error;
pub mod events;
pub mod file_dialog;
pub mod gateway;
pub mod logging;
pub mod previous_instance;
pub mod rendering;
pub mod signals;
pub mod state;
pub mod tray;
pub mod updates;

use tauri::{App, Builder, Manager, Runtime, WindowEvent};
use tauri_plugin_window_state::AppHandleExt;

use crate::state::DesktopState;

/// Builds the application on `builder` with `state`: registers every IPC command and event
/// and loads the generated context (`tauri.conf.json`, capabilities and the embedded `ui/dist`).
///
/// # Errors
/// Returns the Tauri error if the app cannot be set up, e.g. the main window fails to open.
pub fn build_app<R: Runtime>(builder: Builder<R>, state: DesktopState) -> tauri::Result<App<R>> {
    let specta = bindings::specta_builder::<R>();
    let context = tauri::generate_context!();
    let info = commands::AppInfo::from_package(context.package_info());
    builder
        .invoke_handler(specta.invoke_handler())
        .manage(state)
        .manage(info)
        .manage(updates::Updates::default())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(file_dialog::DialogHook::from_env())
        .setup(move |app| {
            specta.mount_events(app);
            events::forward_sync_events(app.handle().clone());
            updates::track_syncs(app.handle().clone());
            Ok(())
        })
        .build(context)
}

/// The app's identifier (`tauri.conf.json`), which names its single-instance D-Bus service.
pub const IDENTIFIER: &str = "app.integrationmaestro.desktop";

/// What is remembered of the window between launches: size, position and maximised.
/// Visibility is not (closing hides the window to the tray, and `--hidden` starts there).
const WINDOW_STATE: tauri_plugin_window_state::StateFlags =
    tauri_plugin_window_state::StateFlags::SIZE
        .union(tauri_plugin_window_state::StateFlags::POSITION)
        .union(tauri_plugin_window_state::StateFlags::MAXIMIZED);

/// The flag start-at-login passes: open hidden in the tray.
pub const HIDDEN_FLAG: &str = "--hidden";

/// Starts the desktop app over `MAESTRO_DATA_DIR` (else the platform's app-data folder) and
/// runs its event loop: a single instance (a second launch shows the first one's window),
/// with a tray icon that keeps syncing in the background when the window is closed.
///
/// If the app cannot start, prints the reason to stderr and exits with status 1.
pub fn run() {
    let state = DesktopState::from_env();
    let _log = logging::init(&maestro_app::diagnostics::log_dir(&state.data_dir));
    previous_instance::wait_for_departure(IDENTIFIER, previous_instance::DEPARTURE_WAIT);
    let builder = Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main_window(app);
        }))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(WINDOW_STATE)
                .build(),
        )
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN_FLAG]),
        ))
        .on_window_event(|window, event| {
            // Closing the window hides it; the tray's Quit ends the app.
            if let WindowEvent::CloseRequested { api, .. } = event
                && window.app_handle().tray_by_id(tray::TRAY_ID).is_some()
            {
                api.prevent_close();
                // Remembered now, not only at Quit: a session that ends (a logout) stops the
                // app without the exit event the plugin saves on.
                if let Err(err) = window.app_handle().save_window_state(WINDOW_STATE) {
                    tracing::warn!(error = %err, "the window's size and position were not saved");
                }
                let _ = window.hide();
            }
        });
    let app = match build_app(builder, state) {
        Ok(app) => app,
        Err(err) => {
            eprintln!("Integration Maestro could not start: {err}");
            std::process::exit(1);
        }
    };
    let handle = app.handle().clone();
    let menu = match tray::install(&handle) {
        Ok(menu) => Some(menu),
        Err(err) => {
            tracing::warn!(error = %err, "no tray icon on this desktop; closing the window quits");
            None
        }
    };
    if std::env::args().any(|a| a == HIDDEN_FLAG)
        && menu.is_some()
        && let Some(window) = handle.get_webview_window("main")
    {
        let _ = window.hide();
    }
    updates::watch(handle.clone());
    signals::quit_on_request(handle.clone());
    background::supervise(handle, menu);
    app.run(|_handle, _event| {});
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::commands::AppInfo;
    use crate::dto::{AppStateDto, ConnectorDto, FieldProblemDto};
    use crate::error::{IpcError, IpcErrorCode};
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::MockRuntime;
    use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder};
    use tauri::webview::InvokeRequest;
    use tauri::{WebviewUrl, WebviewWindow, WebviewWindowBuilder};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn invoke_request(
        cmd: &str,
        body: serde_json::Value,
    ) -> Result<InvokeRequest, Box<dyn std::error::Error>> {
        Ok(InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse()?,
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        })
    }

    /// The mock runtime does not open the windows listed in `tauri.conf.json` (that happens when
    /// the event loop starts), so open the "main" window the capabilities refer to by hand.
    fn main_window(app: &App<MockRuntime>) -> tauri::Result<WebviewWindow<MockRuntime>> {
        WebviewWindowBuilder::new(app, "main", WebviewUrl::default()).build()
    }

    fn app_in(dir: &std::path::Path) -> tauri::Result<App<MockRuntime>> {
        build_app(mock_builder(), DesktopState::new(dir.join("data")))
    }

    #[test]
    fn identifier_is_the_configured_one() -> TestResult {
        let dir = tempfile::tempdir()?;
        let app = app_in(dir.path())?;
        assert_eq!(app.config().identifier, IDENTIFIER);
        Ok(())
    }

    #[test]
    fn app_info_returns_name_and_package_version() -> TestResult {
        let dir = tempfile::tempdir()?;
        let app = app_in(dir.path())?;
        let window = main_window(&app)?;
        let response =
            get_ipc_response(&window, invoke_request("app_info", serde_json::json!({}))?)
                .map_err(|err| format!("app_info failed: {err:?}"))?;
        let info: AppInfo = response.deserialize()?;
        assert_eq!(
            info,
            AppInfo {
                name: "Integration Maestro".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            }
        );
        Ok(())
    }

    #[test]
    fn first_run_creates_a_passphrase_store_and_unlocks_it() -> TestResult {
        let dir = tempfile::tempdir()?;
        let app = app_in(dir.path())?;
        let window = main_window(&app)?;

        let before: AppStateDto =
            get_ipc_response(&window, invoke_request("app_state", serde_json::json!({}))?)
                .map_err(|e| format!("{e:?}"))?
                .deserialize()?;
        assert!(!before.store_exists && !before.unlocked, "{before:?}");

        // Too short a passphrase is refused and names the field.
        let weak = get_ipc_response(
            &window,
            invoke_request(
                "create_store",
                serde_json::json!({"company": "Bluebird Bakery", "passphrase": "short"}),
            )?,
        )
        .expect_err("a short passphrase must be refused");
        let weak: IpcError = serde_json::from_value(weak)?;
        assert_eq!(weak.code, IpcErrorCode::Validation);
        assert_eq!(weak.field.as_deref(), Some("passphrase"));

        let created: AppStateDto = get_ipc_response(
            &window,
            invoke_request(
                "create_store",
                serde_json::json!({"company": "Bluebird Bakery", "passphrase": "correct horse battery staple"}),
            )?,
        )
        .map_err(|e| format!("{e:?}"))?
        .deserialize()?;
        assert!(created.store_exists && created.unlocked, "{created:?}");
        assert_eq!(created.company.as_deref(), Some("Bluebird Bakery"));
        assert_eq!(created.key_source, Some(crate::dto::KeySource::Passphrase));
        Ok(())
    }

    #[test]
    fn wizard_lists_connectors_and_validates_fields_inline() -> TestResult {
        let dir = tempfile::tempdir()?;
        let app = app_in(dir.path())?;
        let window = main_window(&app)?;
        let list: Vec<ConnectorDto> = get_ipc_response(
            &window,
            invoke_request("connectors", serde_json::json!({}))?,
        )
        .map_err(|e| format!("{e:?}"))?
        .deserialize()?;
        let bamboo = list.iter().find(|c| c.id == "bamboohr").expect("bamboohr");
        assert!(bamboo.fields.iter().any(|f| f.key == "api_key"));

        let problems: Vec<FieldProblemDto> = get_ipc_response(
            &window,
            invoke_request(
                "validate_connection_fields",
                serde_json::json!({"provider": "bamboohr", "values": {"subdomain": "bluebird"}}),
            )?,
        )
        .map_err(|e| format!("{e:?}"))?
        .deserialize()?;
        assert!(
            problems.iter().any(|p| p.field == "api_key"),
            "{problems:?}"
        );
        assert!(
            !problems.iter().any(|p| p.field == "subdomain"),
            "{problems:?}"
        );
        Ok(())
    }

    #[test]
    fn commands_that_need_the_store_say_it_is_locked() -> TestResult {
        let dir = tempfile::tempdir()?;
        let app = app_in(dir.path())?;
        let window = main_window(&app)?;
        let err = get_ipc_response(&window, invoke_request("status", serde_json::json!({}))?)
            .expect_err("status needs an unlocked store");
        let err: IpcError = serde_json::from_value(err)?;
        assert_eq!(err.code, IpcErrorCode::PassphraseRequired);
        Ok(())
    }
}
