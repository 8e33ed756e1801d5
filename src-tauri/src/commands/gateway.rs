//! The Local API section of Settings: turn the gateway on or off, choose where it listens
//! (TLS and an allowlist for anything beyond this computer), and manage its API keys (a new
//! key is returned once and never again).

use maestro_gateway::resources::ResourceType;
use maestro_store::api_keys::ApiKey;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::error::{IpcError, IpcErrorCode};
use crate::gateway::{self, DEFAULT_BIND, GatewaySettings};
use crate::state::DesktopState;

/// The local API: its settings and whether it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GatewayStatusDto {
    /// The owner turned it on.
    pub enabled: bool,
    /// It listens now.
    pub running: bool,
    /// Its address while it runs (`http://127.0.0.1:7878`).
    pub url: Option<String>,
    /// SHA-256 fingerprint of its TLS certificate, while it runs with TLS.
    pub tls_fingerprint: Option<String>,
    /// The saved address and port.
    pub bind: String,
    /// The address and port used unless the owner chooses another.
    pub default_bind: String,
    /// TLS 1.3 on.
    pub tls: bool,
    /// Client networks allowed to connect.
    pub allowlist: Vec<String>,
    /// Why the last start failed, in plain words.
    pub last_error: Option<String>,
    /// What scopes can name besides `*` and `events`: the API's resource types
    /// (`employees`, `time_entries`, …).
    pub entities: Vec<String>,
}

/// New local API settings from the Settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySettingsDto {
    /// Run it while the app is unlocked.
    pub enabled: bool,
    /// Address and port (`127.0.0.1:7878`).
    pub bind: String,
    /// TLS 1.3 with this installation's certificate.
    pub tls: bool,
    /// Client networks allowed to connect (CIDR such as 192.168.1.0/24, or one address).
    pub allowlist: Vec<String>,
}

/// An API key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyDto {
    /// Id, as written in the audit log.
    pub id: String,
    /// The owner's name for it.
    pub name: String,
    /// The first characters of the key.
    pub prefix: String,
    /// Scopes such as `employees:read`, `*:read`, `events:read`.
    pub scopes: Vec<String>,
    /// Requests allowed per minute.
    pub rate_per_minute: u32,
    /// When it was created (UTC ISO 8601).
    pub created_at: String,
    /// When it was last used, recorded about once a minute.
    pub last_used_at: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
}

impl From<&ApiKey> for ApiKeyDto {
    fn from(k: &ApiKey) -> Self {
        Self {
            id: k.id.clone(),
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            scopes: k.scopes.clone(),
            rate_per_minute: k.rate_per_minute,
            created_at: k.created_at.to_rfc3339(),
            last_used_at: k.last_used_at.map(|t| t.to_rfc3339()),
            revoked_at: k.revoked_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// A new API key: the record and the key itself, returned this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKeyDto {
    /// The stored record.
    pub key: ApiKeyDto,
    /// The key to copy now; only its hash is kept.
    pub secret: String,
}

async fn status_of(state: &DesktopState) -> Result<GatewayStatusDto, IpcError> {
    let app = state.app().await?;
    let settings = GatewaySettings::load(&app).await?;
    let slot = state.gateway.lock().await;
    let running = slot.running.as_ref();
    Ok(GatewayStatusDto {
        enabled: settings.enabled,
        running: running.is_some(),
        url: running.map(|r| r.base_url()),
        tls_fingerprint: running.and_then(|r| r.tls_fingerprint().map(str::to_owned)),
        bind: settings.bind,
        default_bind: DEFAULT_BIND.to_owned(),
        tls: settings.tls,
        allowlist: settings.allowlist,
        last_error: slot.last_error.clone(),
        entities: ResourceType::ALL
            .iter()
            .map(|t| t.name().to_owned())
            .collect(),
    })
}

/// Whether the local API is on and runs, where, its TLS fingerprint, allowlist and last error.
#[tauri::command]
#[specta::specta]
pub async fn gateway_status(state: State<'_, DesktopState>) -> Result<GatewayStatusDto, IpcError> {
    status_of(&state).await
}

/// Saves the local API settings and restarts it (or stops it when turned off). Settings that
/// would expose the API (another address without TLS and an allowlist) are refused, naming
/// the field at fault; a start that fails is reported in `lastError`.
#[tauri::command]
#[specta::specta]
pub async fn set_gateway(
    state: State<'_, DesktopState>,
    settings: GatewaySettingsDto,
) -> Result<GatewayStatusDto, IpcError> {
    let app = state.app().await?;
    let settings = GatewaySettings {
        enabled: settings.enabled,
        bind: settings.bind,
        tls: settings.tls,
        allowlist: settings.allowlist,
    }
    .normalised();
    settings.save(&app).await?;
    gateway::restart(&state, &app).await;
    status_of(&state).await
}

/// The company's API keys, newest first as stored; revoked ones stay listed.
#[tauri::command]
#[specta::specta]
pub async fn api_keys(state: State<'_, DesktopState>) -> Result<Vec<ApiKeyDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let keys = maestro_gateway::list_keys(&app, company.id).await?;
    Ok(keys.iter().map(ApiKeyDto::from).collect())
}

/// Creates an API key named `name` with `scopes` (`employees:read`, `*:write`,
/// `events:read` …). The key is in the answer this once; only its hash is kept.
#[tauri::command]
#[specta::specta]
pub async fn create_api_key(
    state: State<'_, DesktopState>,
    name: String,
    scopes: Vec<String>,
) -> Result<CreatedApiKeyDto, IpcError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(IpcError::new(
            IpcErrorCode::Validation,
            "Give the key a name, so you know later what uses it.",
        )
        .with_field("name"));
    }
    if scopes.iter().all(|s| s.trim().is_empty()) {
        return Err(IpcError::new(
            IpcErrorCode::Validation,
            "Choose at least one thing the key may read or change.",
        )
        .with_field("scopes"));
    }
    let app = state.app().await?;
    let company = app.company(None).await?;
    let created = maestro_gateway::create_key(&app, company.id, name, &scopes, None)
        .await
        .map_err(|e| IpcError::from(e).with_field("scopes"))?;
    Ok(CreatedApiKeyDto {
        key: ApiKeyDto::from(&created.key),
        secret: created.secret.expose().clone(),
    })
}

/// Revokes an API key at once: requests with it are refused from now on.
#[tauri::command]
#[specta::specta]
pub async fn revoke_api_key(state: State<'_, DesktopState>, id: String) -> Result<(), IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    maestro_gateway::revoke_key(&app, company.id, &id).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::{Value, json};

    use super::*;
    use crate::commands::screens_tests::Harness;

    fn get(url: &str, key: Option<&str>) -> u16 {
        tauri::async_runtime::block_on(async {
            let mut request = reqwest::Client::new()
                .get(url)
                .header("accept", "application/vnd.api+json");
            if let Some(key) = key {
                request = request.bearer_auth(key);
            }
            request
                .send()
                .await
                .expect("the gateway answers")
                .status()
                .as_u16()
        })
    }

    #[test]
    fn the_owner_turns_the_api_on_and_its_keys_open_and_close_it() {
        let dir = tempfile::tempdir().expect("dir");
        let h = Harness::new(dir.path()).expect("app");
        let locked = h.call("gateway_status", json!({})).expect_err("locked");
        assert_eq!(locked.code, IpcErrorCode::PassphraseRequired);
        let _: Value = h.ok(
            "create_store",
            json!({"company": "Bluebird Bakery", "passphrase": "correct horse battery staple"}),
        );

        let off: GatewayStatusDto = h.ok("gateway_status", json!({}));
        assert!(!off.enabled && !off.running && off.url.is_none(), "{off:?}");
        assert_eq!(off.bind, DEFAULT_BIND);
        assert!(off.entities.iter().any(|e| e == "employees"), "{off:?}");
        let keys: Vec<ApiKeyDto> = h.ok("api_keys", json!({}));
        assert!(keys.is_empty());

        // A LAN address without TLS and an allowlist is refused, and nothing is saved.
        let lan = h
            .call(
                "set_gateway",
                json!({"settings": {"enabled": true, "bind": "192.168.1.5:7878", "tls": false, "allowlist": []}}),
            )
            .expect_err("an unprotected LAN binding is refused");
        assert_eq!(lan.code, IpcErrorCode::Validation);
        assert_eq!(lan.field.as_deref(), Some("tls"));
        assert!(lan.message.contains("payroll"), "{}", lan.message);
        let bad_net = h
            .call(
                "set_gateway",
                json!({"settings": {"enabled": true, "bind": "127.0.0.1:0", "tls": false, "allowlist": ["10.0.0.0/99"]}}),
            )
            .expect_err("a network that is not one is refused");
        assert_eq!(bad_net.field.as_deref(), Some("allowlist"));
        let still_off: GatewayStatusDto = h.ok("gateway_status", json!({}));
        assert!(!still_off.enabled && !still_off.running);

        let on: GatewayStatusDto = h.ok(
            "set_gateway",
            json!({"settings": {"enabled": true, "bind": "127.0.0.1:0", "tls": false, "allowlist": []}}),
        );
        assert!(on.enabled && on.running, "{on:?}");
        assert!(
            on.last_error.is_none() && on.tls_fingerprint.is_none(),
            "{on:?}"
        );
        let base = on.url.clone().expect("a URL while running");
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let employees = format!("{base}/api/v1/employees");

        let missing = h
            .call(
                "create_api_key",
                json!({"name": "  ", "scopes": ["employees:read"]}),
            )
            .expect_err("a key needs a name");
        assert_eq!(missing.field.as_deref(), Some("name"));
        let bad_scope = h
            .call(
                "create_api_key",
                json!({"name": "Export", "scopes": ["pets:read"]}),
            )
            .expect_err("a scope that is not one is refused");
        assert_eq!(bad_scope.field.as_deref(), Some("scopes"));

        let created: CreatedApiKeyDto = h.ok(
            "create_api_key",
            json!({"name": "Payroll export", "scopes": ["employees:read", "events:read"]}),
        );
        assert!(created.secret.starts_with("mk_live_"));
        assert_eq!(created.key.scopes, vec!["employees:read", "events:read"]);

        assert_eq!(get(&employees, Some(&created.secret)), 200);
        assert_eq!(get(&employees, None), 401);

        // The list never holds the key itself; it shows the use.
        let keys: Vec<ApiKeyDto> = h.ok("api_keys", json!({}));
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].name, "Payroll export");
        assert!(keys[0].last_used_at.is_some(), "{keys:?}");
        assert!(
            !serde_json::to_string(&keys)
                .unwrap()
                .contains(&created.secret)
        );

        let _: Value = h.ok("revoke_api_key", json!({"id": created.key.id}));
        assert_eq!(get(&employees, Some(&created.secret)), 401);
        let keys: Vec<ApiKeyDto> = h.ok("api_keys", json!({}));
        assert!(keys[0].revoked_at.is_some());

        // Turned off, it stops listening.
        let stopped: GatewayStatusDto = h.ok(
            "set_gateway",
            json!({"settings": {"enabled": false, "bind": "127.0.0.1:0", "tls": false, "allowlist": []}}),
        );
        assert!(!stopped.running && stopped.url.is_none(), "{stopped:?}");
        let refused = tauri::async_runtime::block_on(reqwest::Client::new().get(&employees).send());
        assert!(refused.is_err(), "nothing listens after it is turned off");
    }

    #[test]
    fn tls_shows_the_certificate_fingerprint_and_locking_stops_the_api() {
        let dir = tempfile::tempdir().expect("dir");
        let h = Harness::new(dir.path()).expect("app");
        let _: Value = h.ok(
            "create_store",
            json!({"company": "Bluebird Bakery", "passphrase": "correct horse battery staple"}),
        );
        let on: GatewayStatusDto = h.ok(
            "set_gateway",
            json!({"settings": {"enabled": true, "bind": "127.0.0.1:0", "tls": true, "allowlist": [" 127.0.0.0/8 ", ""]}}),
        );
        assert!(on.running, "{on:?}");
        assert_eq!(on.allowlist, vec!["127.0.0.0/8"]);
        let url = on.url.expect("url");
        assert!(url.starts_with("https://"), "{url}");
        let fp = on.tls_fingerprint.expect("a fingerprint with TLS");
        assert_eq!(fp.split(':').count(), 32, "{fp}");

        let _: Value = h.ok("lock", json!({}));
        let refused = tauri::async_runtime::block_on(
            reqwest::Client::builder()
                .danger_accept_invalid_certs(true)
                .build()
                .expect("client")
                .get(format!("{url}/openapi.json"))
                .send(),
        );
        assert!(refused.is_err(), "nothing listens once the app is locked");
    }
}
