//! Finishing Gusto's webhook setup from Settings → Local API.
//!
//! Gusto sends an unsigned verification token to a connection's webhook address; the local
//! API only holds it as a pending candidate (anyone who reaches the address could have sent
//! it). The owner sees when and from where each candidate arrived, reveals one to copy it,
//! sends it to Gusto's `PUT /v1/webhook_subscriptions/{uuid}/verify` (Gusto accepts only its
//! own token), then confirms it here: only then does it become the connection's webhook
//! secret. A candidate is named by a reference (a short fingerprint), so listing never
//! carries the token itself.

use maestro_app::App;
use maestro_core::ids::ConnectionId;
use maestro_gateway::{PendingWebhookToken, RunningGateway};
use maestro_store::connections::Connection;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

/// A verification token waiting for the owner (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PendingTokenDto {
    /// Names this candidate in reveal and confirm (a fingerprint, not the token).
    pub reference: String,
    /// When it arrived (UTC ISO 8601).
    pub received_at: String,
    /// The address it came from.
    pub from: String,
}

/// A Gusto connection with verification tokens waiting for the owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GustoVerificationDto {
    /// The connection's id.
    pub connection_id: String,
    /// The connection's name.
    pub connection_name: String,
    /// The address Gusto delivers to (`http://127.0.0.1:7878/webhooks/{id}`).
    pub webhook_url: String,
    /// The candidates, oldest first.
    pub tokens: Vec<PendingTokenDto>,
}

/// The reference of a candidate: the first 16 hex digits of its SHA-256.
pub fn reference(token: &PendingWebhookToken) -> String {
    let mut digest = maestro_store::digest::sha256_hex(&[token.token.expose()]);
    digest.truncate(16);
    digest
}

/// The listing of `connection`'s candidates, or `None` when none wait.
pub fn summary(
    base_url: &str,
    connection: &Connection,
    pending: &[PendingWebhookToken],
) -> Option<GustoVerificationDto> {
    (!pending.is_empty()).then(|| GustoVerificationDto {
        connection_id: connection.id.to_string(),
        connection_name: connection.display_name.clone(),
        webhook_url: format!("{base_url}/webhooks/{}", connection.id),
        tokens: pending
            .iter()
            .map(|p| PendingTokenDto {
                reference: reference(p),
                received_at: p.received_at.to_rfc3339(),
                from: p.from.to_string(),
            })
            .collect(),
    })
}

/// The candidate of `pending` named `reference`, or what to do when there is none.
pub fn find<'a>(
    pending: &'a [PendingWebhookToken],
    reference_text: &str,
) -> Result<&'a PendingWebhookToken, IpcError> {
    pending
        .iter()
        .find(|p| reference(p) == reference_text)
        .ok_or_else(|| {
            IpcError::new(
                IpcErrorCode::NotFound,
                "This verification token is no longer waiting: it was confirmed or replaced, \
                 it expired after 24 hours, or the local API restarted. Ask Gusto to send a new \
                 one (request a verification token for the webhook subscription), then refresh.",
            )
        })
}

fn not_running() -> IpcError {
    IpcError::new(
        IpcErrorCode::Validation,
        "The local API is not running, so no verification token can be waiting. Turn it on \
         above, then ask Gusto to send the verification token again.",
    )
}

async fn gusto_connections(app: &App) -> Result<Vec<Connection>, IpcError> {
    let company = app.company(None).await?;
    Ok(app
        .status()
        .await?
        .companies
        .into_iter()
        .filter(|c| c.company.id == company.id)
        .flat_map(|c| c.connections)
        .filter(|c| c.provider == "gusto")
        .collect())
}

fn parse_connection(text: &str) -> Result<ConnectionId, IpcError> {
    super::parse_id(text, "connectionId")
}

/// Lists, per Gusto connection of the company, the verification tokens waiting for the
/// owner (when and from where each arrived, never the token). Empty while the local API is off.
#[tauri::command]
#[specta::specta]
pub async fn gusto_webhook_tokens(
    state: State<'_, DesktopState>,
) -> Result<Vec<GustoVerificationDto>, IpcError> {
    let app = state.app().await?;
    let connections = gusto_connections(&app).await?;
    let slot = state.gateway.lock().await;
    let Some(running) = slot.running.as_ref() else {
        return Ok(Vec::new());
    };
    Ok(connections
        .iter()
        .filter_map(|c| {
            summary(
                &running.base_url(),
                c,
                &running.pending_webhook_tokens(c.id),
            )
        })
        .collect())
}

/// Runs `f` over the running gateway and the candidates of `connection`.
async fn with_pending<T>(
    state: &DesktopState,
    connection: &str,
    f: impl AsyncFnOnce(&RunningGateway, &[PendingWebhookToken]) -> Result<T, IpcError>,
) -> Result<T, IpcError> {
    let app = state.app().await?;
    let id = parse_connection(connection)?;
    if !gusto_connections(&app).await?.iter().any(|c| c.id == id) {
        return Err(IpcError::new(
            IpcErrorCode::NotFound,
            "This Gusto connection is not known here (it may have been removed); refresh.",
        )
        .with_field("connectionId"));
    }
    let slot = state.gateway.lock().await;
    let running = slot.running.as_ref().ok_or_else(not_running)?;
    let pending = running.pending_webhook_tokens(id);
    f(running, &pending).await
}

/// The token of a waiting candidate, for the owner to copy and send to Gusto's verify call
/// (audited by reference).
#[tauri::command]
#[specta::specta]
pub async fn reveal_gusto_webhook_token(
    state: State<'_, DesktopState>,
    connection_id: String,
    reference: String,
) -> Result<String, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let token = with_pending(&state, &connection_id, async |_, pending| {
        Ok(find(pending, &reference)?.token.clone())
    })
    .await?;
    // Shown to the owner: in the audit log by reference, never the token.
    let now = app.now();
    let mut tx = app.store().write().await?;
    maestro_store::audit::append(
        tx.conn(),
        &maestro_store::audit::AuditEvent::new("owner", "webhook.token_shown", &connection_id)
            .company(company.id)
            .detail(serde_json::json!({ "reference": reference })),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(token.expose().clone())
}

/// Confirms a waiting candidate the owner has verified with Gusto: it becomes the
/// connection's webhook secret (audited), and the other candidates are dropped.
#[tauri::command]
#[specta::specta]
pub async fn confirm_gusto_webhook_token(
    state: State<'_, DesktopState>,
    connection_id: String,
    reference: String,
) -> Result<(), IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let id = parse_connection(&connection_id)?;
    with_pending(&state, &connection_id, async |running, pending| {
        let token = find(pending, &reference)?.token.clone();
        running
            .confirm_webhook_token(company.id, id, &token)
            .await
            .map_err(IpcError::from)
    })
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::{Value, json};
    use tauri::Manager;

    use super::*;
    use crate::commands::gateway::GatewayStatusDto;
    use crate::commands::screens_tests::Harness;

    fn handshake(url: &str, token: &str) -> u16 {
        tauri::async_runtime::block_on(async {
            reqwest::Client::new()
                .post(url)
                .json(&json!({"verification_token": token}))
                .send()
                .await
                .expect("the gateway answers")
                .status()
                .as_u16()
        })
    }

    #[test]
    fn the_owner_sees_reveals_and_confirms_a_gusto_verification_token() {
        let dir = tempfile::tempdir().expect("dir");
        let h = Harness::new(dir.path()).expect("app");
        let _: Value = h.ok(
            "create_store",
            json!({"company": "Bluebird Bakery", "passphrase": "correct horse battery staple"}),
        );
        let state = h.app.state::<DesktopState>();
        let (_sandbox, gusto, company) = tauri::async_runtime::block_on(async {
            let app = state.app().await.expect("unlocked");
            let company = app.company(None).await.expect("company");
            let sandbox =
                maestro_sandbox::Sandbox::start(maestro_sandbox::SandboxConfig::default())
                    .await
                    .expect("sandbox");
            let gusto = app
                .connect_sandbox_provider(&company, &sandbox, maestro_sandbox::Provider::Gusto)
                .await
                .expect("connect")
                .id;
            (sandbox, gusto, company.id)
        });

        // Off: nothing can wait, and confirming says to turn the API on.
        let none: Vec<GustoVerificationDto> = h.ok("gusto_webhook_tokens", json!({}));
        assert!(none.is_empty());
        let off = h
            .call(
                "confirm_gusto_webhook_token",
                json!({"connectionId": gusto.to_string(), "reference": "0000000000000000"}),
            )
            .expect_err("nothing runs");
        assert_eq!(off.code, IpcErrorCode::Validation);
        assert!(off.message.contains("Turn it on"), "{}", off.message);

        let on: GatewayStatusDto = h.ok(
            "set_gateway",
            json!({"settings": {"enabled": true, "bind": "127.0.0.1:0", "tls": false, "allowlist": []}}),
        );
        let hook = format!("{}/webhooks/{gusto}", on.url.expect("url"));
        let planted = "attacker-chosen-token";
        let real = "6590f590-3dba-4b8e-9c41-2ad1c0ffee00";
        assert_eq!(handshake(&hook, planted), 202);
        assert_eq!(handshake(&hook, real), 202);

        // Listed with when and from where, never the token itself.
        let listed = h.call("gusto_webhook_tokens", json!({})).expect("list");
        let text = listed.to_string();
        assert!(!text.contains(real) && !text.contains(planted), "{text}");
        let listed: Vec<GustoVerificationDto> = serde_json::from_value(listed).expect("shape");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].connection_id, gusto.to_string());
        assert_eq!(listed[0].webhook_url, hook);
        assert_eq!(listed[0].tokens.len(), 2);
        assert!(listed[0].tokens.iter().all(|t| t.from == "127.0.0.1"));

        // The owner reveals each to find Gusto's (the one Gusto's verify call accepts).
        let mut real_ref = None;
        for t in &listed[0].tokens {
            let shown: String = h.ok(
                "reveal_gusto_webhook_token",
                json!({"connectionId": gusto.to_string(), "reference": t.reference}),
            );
            if shown == real {
                real_ref = Some(t.reference.clone());
            } else {
                assert_eq!(shown, planted);
            }
        }
        let real_ref = real_ref.expect("Gusto's token is listed");

        let unknown = h
            .call(
                "confirm_gusto_webhook_token",
                json!({"connectionId": gusto.to_string(), "reference": "ffffffffffffffff"}),
            )
            .expect_err("an unknown reference");
        assert_eq!(unknown.code, IpcErrorCode::NotFound);
        assert!(unknown.message.contains("Ask Gusto"), "{}", unknown.message);
        let stranger = h
            .call(
                "confirm_gusto_webhook_token",
                json!({"connectionId": ConnectionId::new().to_string(), "reference": real_ref}),
            )
            .expect_err("not a connection of this company");
        assert_eq!(stranger.code, IpcErrorCode::NotFound);

        let _: Value = h.ok(
            "confirm_gusto_webhook_token",
            json!({"connectionId": gusto.to_string(), "reference": real_ref}),
        );
        let after: Vec<GustoVerificationDto> = h.ok("gusto_webhook_tokens", json!({}));
        assert!(after.is_empty(), "{after:?}");
        let saved = tauri::async_runtime::block_on(async {
            let app = state.app().await.expect("unlocked");
            let mut conn = app.store().pool().acquire().await.expect("conn");
            maestro_store::api_keys::webhook_secret(&mut conn, company, gusto)
                .await
                .expect("read")
        });
        assert_eq!(saved.expect("saved").expose(), real);
        let audit = tauri::async_runtime::block_on(async {
            let app = state.app().await.expect("unlocked");
            let mut out = Vec::new();
            app.export_audit(&mut out).await.expect("export");
            String::from_utf8(out).expect("utf-8")
        });
        assert!(audit.contains("webhook.token_shown"), "{audit}");
        assert!(audit.contains(&real_ref) && audit.contains("webhook.secret_set"));
        assert!(
            !audit.contains(real) && !audit.contains(planted),
            "a token in the audit log"
        );
        // Gusto's repeated handshake now matches the saved secret; the planted one does not.
        assert_eq!(handshake(&hook, real), 200);
        assert_eq!(handshake(&hook, planted), 401);
    }
}
