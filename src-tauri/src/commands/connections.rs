//! The connection wizard and its one-click fix: connectors, inline validation, connect,
//! reconnect.

use std::collections::BTreeMap;

use maestro_app::{ConnectInput, validate_fields};
use maestro_connectors::{Manifest, Registry};
use maestro_http::oauth::SystemBrowser;
use tauri::State;
use url::Url;

use super::parse_id;
use crate::dto::{ConnectRequest, ConnectResult, ConnectorDto, FieldProblemDto, ReconnectRequest};
use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

fn manifest(provider: &str) -> Result<&'static Manifest, IpcError> {
    Registry::current()
        .get(provider)
        .map(|d| d.manifest)
        .ok_or_else(|| {
            IpcError::new(
                IpcErrorCode::NotFound,
                format!("There is no connector called “{provider}”."),
            )
        })
}

/// Every connector this build knows, for the wizard.
#[tauri::command]
#[specta::specta]
pub fn connectors() -> Vec<ConnectorDto> {
    Registry::current()
        .all()
        .iter()
        .map(|d| ConnectorDto::from(d.manifest))
        .collect()
}

/// Adds a connector from a provider file the owner chose (its name and text); a malformed
/// file is refused with the line and field at fault. The new connector is returned for the
/// wizard to open.
#[tauri::command]
#[specta::specta]
pub async fn add_connector_file(
    state: State<'_, DesktopState>,
    file_name: String,
    text: String,
) -> Result<ConnectorDto, IpcError> {
    let app = state.app().await?;
    let manifest = app.add_connector_file(&file_name, &text).await?;
    Ok(ConnectorDto::from(manifest))
}

/// Checks the wizard's fields as the owner types (required fields, known shapes).
#[tauri::command]
#[specta::specta]
pub fn validate_connection_fields(
    provider: String,
    values: BTreeMap<String, String>,
) -> Result<Vec<FieldProblemDto>, IpcError> {
    Ok(validate_fields(manifest(&provider)?, &values)
        .into_iter()
        .map(|p| FieldProblemDto {
            field: p.field,
            message: p.message,
        })
        .collect())
}

/// An address the owner typed, checked by the app's one rule: https, or plain http only to
/// this computer (a local emulator).
fn optional_url(text: Option<&str>, field: &str) -> Result<Option<Url>, IpcError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if Url::parse(t).is_err() => Err(IpcError::new(
            IpcErrorCode::Validation,
            format!("“{t}” is not a web address (it should start with https://)."),
        )
        .with_field(field)),
        Some(t) => maestro_app::base_url::parse_base_url(t)
            .map(Some)
            .map_err(|e| IpcError::new(IpcErrorCode::Validation, e.message).with_field(field)),
    }
}

/// Tests the connection and saves it only if the provider accepts it. OAuth providers open
/// the system browser to sign in.
#[tauri::command]
#[specta::specta]
pub async fn connect(
    state: State<'_, DesktopState>,
    mut request: ConnectRequest,
) -> Result<ConnectResult, IpcError> {
    let base_url = optional_url(request.base_url.as_deref(), "baseUrl")?;
    let app = state.app().await?;
    let company = app.company(None).await?;
    // The request wipes its secrets when dropped: they are taken (not copied) into the
    // input, which `connect` wipes in turn.
    let oauth_client = request
        .oauth_client_id
        .take()
        .filter(|id| !id.trim().is_empty())
        .map(|id| {
            (
                id.trim().to_owned(),
                request.oauth_client_secret.take().filter(|s| !s.is_empty()),
            )
        });
    let input = ConnectInput {
        provider: std::mem::take(&mut request.provider),
        display_name: request.display_name.take().filter(|n| !n.trim().is_empty()),
        values: std::mem::take(&mut request.values),
        base_url,
        auth_base_url: None,
        oauth_client,
        // Off unless the owner ticked the wizard's opt-in.
        sync_sensitive: request.sync_sensitive,
    };
    let (connection, report) = app.connect(&company, input, &SystemBrowser).await?;
    Ok(ConnectResult {
        connection_id: connection.id.to_string(),
        display_name: connection.display_name,
        account: report.account,
        details: report.details,
    })
}

/// Reconnects a connection that needs it, and tests it: replaces the saved key, or for an
/// OAuth provider signs in again in the browser (then `values` is not used).
#[tauri::command]
#[specta::specta]
pub async fn reconnect(
    state: State<'_, DesktopState>,
    mut request: ReconnectRequest,
) -> Result<ConnectResult, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let connection_id = parse_id(&request.connection_id, "connectionId")?;
    let report = if app.uses_oauth(company.id, connection_id).await? {
        // OAuth: sign in again in the browser (the demo's emulator approves by itself).
        if super::demo::is_demo_connection(&state, &app, company.id, connection_id).await? {
            app.reauthorize(company.id, connection_id, &maestro_app::demo::SandboxSignIn)
                .await?
        } else {
            app.reauthorize(company.id, connection_id, &SystemBrowser)
                .await?
        }
    } else {
        app.reconnect(
            company.id,
            connection_id,
            std::mem::take(&mut request.values),
        )
        .await?
    };
    let display_name = app
        .connection_overviews(company.id)
        .await?
        .into_iter()
        .find(|o| o.connection.id == connection_id)
        .map(|o| o.connection.display_name)
        .unwrap_or_default();
    Ok(ConnectResult {
        connection_id: std::mem::take(&mut request.connection_id),
        display_name,
        account: report.account,
        details: report.details,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wizard_refuses_plain_http_except_to_this_computer() {
        for ok in [
            "https://api.example.com",
            "http://127.0.0.1:8080/api",
            "http://localhost:3000",
        ] {
            assert!(optional_url(Some(ok), "baseUrl").is_ok(), "{ok}");
        }
        assert!(matches!(optional_url(Some("  "), "baseUrl"), Ok(None)));
        let Err(refused) = optional_url(Some("http://hr.example.com/api"), "baseUrl") else {
            panic!("plain http to another computer was accepted");
        };
        assert_eq!(refused.field.as_deref(), Some("baseUrl"));
        assert!(
            refused.message.contains("not encrypted"),
            "{}",
            refused.message
        );
        let Err(garbage) = optional_url(Some("not an address"), "baseUrl") else {
            panic!("not an address was accepted");
        };
        assert!(garbage.message.contains("is not a web address"));
    }
}
