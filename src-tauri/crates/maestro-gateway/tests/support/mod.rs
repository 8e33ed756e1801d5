//! The environment both end-to-end files start from: a sandbox, an App with one company (its
//! keys in memory), and the local API running over it.
#![allow(dead_code)]

use std::sync::Arc;

use maestro_app::App;
use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_gateway::{Gateway, GatewayConfig, RunningGateway};
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use maestro_store::{MemorySecretStore, NewKey};

/// A running local API over a new App and the sandbox.
pub struct Env {
    pub _dir: tempfile::TempDir,
    pub sandbox: Sandbox,
    pub app: App,
    pub company: CompanyId,
    pub gateway: RunningGateway,
    pub http: reqwest::Client,
}

impl Env {
    /// The local API's address of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.base_url())
    }

    /// A new API key with `scopes` (and a per-minute `rate`), its secret.
    pub async fn key(&self, scopes: &[&str], rate: Option<u32>) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        maestro_gateway::create_key(&self.app, self.company, "test", &scopes, rate)
            .await
            .unwrap()
            .secret
            .expose()
            .clone()
    }

    /// A WebSocket upgrade request for the local API's `/ws` with `key` as its bearer.
    pub fn ws_request(
        &self,
        key: &str,
    ) -> tokio_tungstenite::tungstenite::handshake::client::Request {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{}/ws", self.gateway.addr())
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {key}").parse().unwrap());
        request
    }

    /// Connects the sandbox's `provider` as the demo does.
    pub async fn connection(&self, provider: Provider) -> ConnectionId {
        let company = self.app.company(None).await.unwrap();
        self.app
            .connect_sandbox_provider(&company, &self.sandbox, provider)
            .await
            .unwrap()
            .id
    }
}

/// Starts a sandbox of `employees` people and `time_entries` entries, and the local API with
/// `config` over a new App.
pub async fn start(employees: usize, time_entries: usize, config: GatewayConfig) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        employees,
        time_entries: Some(time_entries),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let app = App::init(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        "Bluebird Bakery",
        Arc::new(SystemClock),
    )
    .await
    .unwrap()
    .with_retry_policy(maestro_http::RetryPolicy::fast());
    let company = app.company(None).await.unwrap().id;
    let gateway = Gateway::start(app.clone(), config).await.unwrap();
    Env {
        _dir: dir,
        sandbox,
        app,
        company,
        gateway,
        http: reqwest::Client::new(),
    }
}
