//! Integration Maestro desktop shell.
//!
//! [`build_app`] wires commands into any [`tauri::Builder`], so tests can build the same app on
//! the mock runtime (`tauri::test::mock_builder()`); [`run`] builds it on the real runtime and
//! enters the event loop.

pub mod commands;

use tauri::{App, Builder, Runtime};

/// Builds the application on `builder`: registers every IPC command and loads the generated
/// context (`tauri.conf.json`, capabilities and the embedded `ui/dist`).
///
/// # Errors
/// Returns the Tauri error if the app cannot be set up, e.g. the main window fails to open.
pub fn build_app<R: Runtime>(builder: Builder<R>) -> tauri::Result<App<R>> {
    builder
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .build(tauri::generate_context!())
}

/// Starts the desktop app and runs its event loop until the last window closes.
///
/// If the app cannot start, prints the reason to stderr and exits with status 1.
pub fn run() {
    match build_app(Builder::default()) {
        Ok(app) => app.run(|_handle, _event| {}),
        Err(err) => {
            eprintln!("Integration Maestro could not start: {err}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::AppInfo;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::MockRuntime;
    use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder};
    use tauri::webview::InvokeRequest;
    use tauri::{WebviewUrl, WebviewWindow, WebviewWindowBuilder};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn invoke_request(cmd: &str) -> Result<InvokeRequest, Box<dyn std::error::Error>> {
        Ok(InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse()?,
            body: InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        })
    }

    /// The mock runtime does not open the windows listed in `tauri.conf.json` (that happens when
    /// the event loop starts), so open the "main" window the capabilities refer to by hand.
    fn main_window(app: &App<MockRuntime>) -> tauri::Result<WebviewWindow<MockRuntime>> {
        WebviewWindowBuilder::new(app, "main", WebviewUrl::default()).build()
    }

    #[test]
    fn app_info_returns_name_and_package_version() -> TestResult {
        let app = build_app(mock_builder())?;
        let window = main_window(&app)?;

        let response = get_ipc_response(&window, invoke_request("app_info")?)
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
    fn unknown_commands_are_rejected() -> TestResult {
        let app = build_app(mock_builder())?;
        let window = main_window(&app)?;
        let Err(error) = get_ipc_response(&window, invoke_request("no_such_command")?) else {
            return Err("an unknown command must not succeed".into());
        };
        assert!(
            error.to_string().contains("no_such_command"),
            "unexpected error: {error}"
        );
        Ok(())
    }
}
