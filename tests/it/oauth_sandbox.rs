//! OAuth 2.0 authorization code + PKCE against the sandbox's Gusto authorization server,
//! through the loopback listener: the flow, a tampered `state`, and refresh-token rotation
//! surviving a crash between refresh and save.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use maestro_core::clock::SystemClock;
use maestro_http::oauth::{
    BrowserOpener, OAuthClientConfig, OAuthError, TokenManager, TokenPersistence, TokenSet,
    authorize_with_pkce, token_http_client,
};
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use url::Url;

/// Plays the browser: follows the authorize URL (the sandbox approves at once and redirects
/// to the loopback listener), optionally tampering with `state` first.
struct HeadlessBrowser {
    tamper_state: bool,
}

impl BrowserOpener for HeadlessBrowser {
    fn open(&self, url: &Url) -> Result<(), OAuthError> {
        let mut url = url.clone();
        if self.tamper_state {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == "state" {
                        format!("{v}x")
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        tokio::spawn(async move {
            let _ = reqwest::Client::new().get(url).send().await;
        });
        Ok(())
    }
}

fn gusto_oauth(sandbox: &Sandbox) -> OAuthClientConfig {
    let base = sandbox.base_url(Provider::Gusto);
    let c = sandbox.credentials().gusto;
    OAuthClientConfig::new(
        "Gusto",
        c.client_id,
        Url::parse(&format!("{base}/oauth/authorize")).unwrap(),
        Url::parse(&format!("{base}/oauth/token")).unwrap(),
    )
    .with_secret(c.client_secret)
}

/// Persistence that can be told to fail (the "crash" before the save lands).
#[derive(Default)]
struct Saved {
    fail: Mutex<bool>,
    tokens: Mutex<Option<TokenSet>>,
}

#[async_trait]
impl TokenPersistence for Saved {
    async fn save(&self, tokens: &TokenSet) -> Result<(), OAuthError> {
        if *self.fail.lock().unwrap() {
            return Err(OAuthError::Persist(
                "simulated crash before the write landed".into(),
            ));
        }
        *self.tokens.lock().unwrap() = Some(tokens.clone());
        Ok(())
    }
}

async fn api_call(sandbox: &Sandbox, token: &str) -> u16 {
    let c = sandbox.credentials().gusto;
    reqwest::Client::new()
        .get(format!(
            "{}/v1/companies/{}",
            sandbox.base_url(Provider::Gusto),
            c.company_uuid
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn code_flow_with_pkce_then_rotation_survives_a_crash_between_refresh_and_save() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let config = gusto_oauth(&sandbox);
    let http = token_http_client().unwrap();
    let tokens = authorize_with_pkce(
        &config,
        &HeadlessBrowser {
            tamper_state: false,
        },
        &http,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(api_call(&sandbox, tokens.access_token.expose()).await, 200);
    let original_refresh = tokens.refresh_token.clone().unwrap();

    // Force a refresh, and "crash" before the rotated refresh token is saved.
    let saved = Arc::new(Saved::default());
    *saved.fail.lock().unwrap() = true;
    let manager = TokenManager::new(
        config.clone(),
        http.clone(),
        tokens.clone(),
        saved.clone(),
        Arc::new(SystemClock),
    );
    let err = manager.force_refresh().await.unwrap_err();
    assert!(matches!(err, OAuthError::Persist(_)), "{err:?}");
    drop(manager);

    // After the restart we only have the old refresh token. The new access token was never
    // used, so the provider has not revoked the old refresh token: refreshing still works.
    *saved.fail.lock().unwrap() = false;
    let restarted = TokenManager::new(
        config.clone(),
        http.clone(),
        tokens,
        saved.clone(),
        Arc::new(SystemClock),
    );
    let fresh = restarted.force_refresh().await.unwrap();
    assert_eq!(api_call(&sandbox, fresh.expose()).await, 200);
    let stored = saved.tokens.lock().unwrap().clone().unwrap();
    assert_ne!(
        stored.refresh_token.as_ref().unwrap().expose(),
        original_refresh.expose()
    );

    // The rotated token is the one that works now; the original has been revoked by use.
    let after = maestro_http::oauth::refresh(&config, &http, &original_refresh).await;
    assert!(
        matches!(after, Err(ref e) if e.needs_reconnect()),
        "{after:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_tampered_state_is_rejected() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let err = authorize_with_pkce(
        &gusto_oauth(&sandbox),
        &HeadlessBrowser { tamper_state: true },
        &token_http_client().unwrap(),
        Duration::from_secs(10),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, OAuthError::StateMismatch), "{err:?}");
    sandbox.shutdown().await;
}
