//! Wizard helpers: the running demo sandbox's address and credentials for a provider, so the
//! owner (or an end-to-end test) can fill the form with one click and then test and connect.

use maestro_sandbox::Provider;
use tauri::State;

use crate::dto::SandboxFillDto;
use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

/// The demo sandbox's base URL and credentials for `provider`; `None` when the demo is not
/// running.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_credentials(
    state: State<'_, DesktopState>,
    provider: String,
) -> Result<Option<SandboxFillDto>, IpcError> {
    let Some(p) = Provider::ALL.into_iter().find(|p| p.name() == provider) else {
        return Err(IpcError::new(
            IpcErrorCode::NotFound,
            format!("The demo has no “{provider}”."),
        ));
    };
    let demo = state.demo.lock().await;
    let Some(sandbox) = demo.as_ref() else {
        return Ok(None);
    };
    let input = maestro_app::demo::sandbox_input(sandbox, p)?;
    let (oauth_client_id, oauth_client_secret) = match input.oauth_client {
        Some((id, secret)) => (Some(id), secret),
        None => (None, None),
    };
    Ok(Some(SandboxFillDto {
        base_url: input.base_url.map(|u| u.to_string()).unwrap_or_default(),
        values: input.values,
        oauth_client_id,
        oauth_client_secret,
    }))
}
