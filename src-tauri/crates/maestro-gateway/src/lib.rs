//! The local unified API of Integration Maestro, served by the desktop app (when enabled) and by
//! `maestro serve`: REST following JSON:API 1.1 under `/api/v1`, GraphQL at `/graphql`, live
//! events over a WebSocket at `/ws`, the provider webhook receiver at `/webhooks/{connection}`
//! and an OpenAPI description at `/openapi.json`.
//!
//! Safety first: it binds 127.0.0.1 unless TLS 1.3 and a client allowlist are configured (the
//! allowlist is applied at accept, before any TLS handshake, and handshakes in flight are
//! capped); `Host` and browser `Origin` must be this gateway's (DNS-rebinding defence); every
//! data route needs an API key (stored hashed, scoped per entity and read/write,
//! rate-limited), and each client address has a small budget of requests without one; request
//! bodies are bounded ([`MAX_BODY_BYTES`]); every data access is audited; sensitive fields are
//! never served.

pub mod config;
mod data;
pub mod error;
mod events;
mod graphql;
mod guard;
mod handshake;
pub mod jsonapi;
pub mod keys;
mod openapi;
mod origin;
mod record_list;
mod resource_text;
pub mod resources;
mod rest;
mod state;
mod tls;
mod unauth;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use maestro_app::{App, AppError, ErrorCode};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::sensitive::Sensitive;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{GatewayConfig, TlsSetting};
pub use error::{ApiError, GatewayError};
pub use events::SLOW_REASON;
pub use handshake::PendingWebhookToken;
pub use keys::{
    Access, Principal, create_key, list_keys, parse_scopes, revoke_key, set_webhook_secret,
};

use state::Shared;

/// Largest request body read, on every route (REST, GraphQL, webhooks): 413 beyond it.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The gateway.
pub struct Gateway;

/// A running gateway.
pub struct RunningGateway {
    addr: SocketAddr,
    fingerprint: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    shared: Arc<Shared>,
}

impl RunningGateway {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://…` or `https://…` of the listening address.
    pub fn base_url(&self) -> String {
        let scheme = if self.fingerprint.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// SHA-256 fingerprint of the TLS certificate, when TLS is on.
    pub fn tls_fingerprint(&self) -> Option<&str> {
        self.fingerprint.as_deref()
    }

    /// Gusto verification tokens that arrived at `connection`'s webhook address and wait for
    /// the owner (see the handshake rules in the crate's webhook receiver): the owner verifies
    /// one with Gusto, then confirms it with [`RunningGateway::confirm_webhook_token`].
    pub fn pending_webhook_tokens(&self, connection: ConnectionId) -> Vec<PendingWebhookToken> {
        self.shared.pending_tokens.list(connection)
    }

    /// The owner's confirmation of a pending Gusto verification token: it becomes the
    /// connection's webhook secret (audited as the owner's), and the other candidates are
    /// dropped. Refused when `token` did not arrive at the connection's address.
    pub async fn confirm_webhook_token(
        &self,
        company: CompanyId,
        connection: ConnectionId,
        token: &Sensitive<String>,
    ) -> Result<(), AppError> {
        if !self
            .shared
            .pending_tokens
            .contains(connection, token.expose())
        {
            return Err(AppError::new(
                ErrorCode::Validation,
                "this verification token did not arrive at the connection's webhook address; \
                 ask Gusto to send it again (request_verification_token)",
            ));
        }
        keys::set_webhook_secret(&self.shared.app, company, connection, token).await?;
        self.shared.pending_tokens.clear(connection);
        Ok(())
    }

    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Runs until the gateway stops (it stops only through [`RunningGateway::shutdown`] or an
    /// I/O failure).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Gateway {
    /// Checks `config`, binds, and serves in the background.
    pub async fn start(app: App, config: GatewayConfig) -> Result<RunningGateway, GatewayError> {
        config.validate()?;
        let identity = match config.tls {
            TlsSetting::Off => None,
            TlsSetting::Generated => Some(tls::identity(&app).await?),
        };
        let fingerprint = identity.as_ref().map(tls::fingerprint).transpose()?;
        let tcp = TcpListener::bind(config.bind)
            .await
            .map_err(|source| GatewayError::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = tcp.local_addr().map_err(|source| GatewayError::Bind {
            addr: config.bind,
            source,
        })?;
        let shared = Arc::new(Shared::new(app, config.clone(), addr));
        let handle = shared.clone();
        let router = router(shared);
        let (tx, rx) = oneshot::channel::<()>();
        let stop = async move {
            let _ = rx.await;
        };
        let service = router.into_make_service_with_connect_info::<tls::Peer>();
        let task = match identity {
            None => tokio::spawn(async move {
                if let Err(e) = axum::serve(tcp, service).with_graceful_shutdown(stop).await {
                    tracing::error!(error = %e, "local API stopped");
                }
            }),
            Some(identity) => {
                let allow = config.clone();
                let listener = tls::TlsListener::new(tcp, tls::acceptor(&identity)?, move |ip| {
                    allow.allows(ip)
                })
                .map_err(|source| GatewayError::Bind {
                    addr: config.bind,
                    source,
                })?;
                tokio::spawn(async move {
                    if let Err(e) = axum::serve(listener, service)
                        .with_graceful_shutdown(stop)
                        .await
                    {
                        tracing::error!(error = %e, "local API stopped");
                    }
                })
            }
        };
        tracing::info!(%addr, tls = fingerprint.is_some(), "local API listening");
        Ok(RunningGateway {
            addr,
            fingerprint,
            shutdown: Some(tx),
            task,
            shared: handle,
        })
    }
}

fn router(shared: Arc<Shared>) -> Router {
    let keyed = Router::new()
        .route(&format!("{}/{{type}}", rest::BASE), get(rest::list))
        .route(
            &format!("{}/employees/{{id}}", rest::BASE),
            get(employee_show).patch(rest::update_employee),
        )
        .route(&format!("{}/{{type}}/{{id}}", rest::BASE), get(rest::show))
        .route(
            &format!("{}/{{type}}/{{id}}/{{rel}}", rest::BASE),
            get(rest::related),
        )
        .route("/graphql", post(graphql::handler))
        .route("/ws", get(events::handler))
        .route_layer(middleware::from_fn_with_state(
            shared.clone(),
            guard::authenticate,
        ));
    Router::new()
        .merge(keyed)
        .route("/webhooks/{connection}", post(webhooks::receive))
        .route(
            "/openapi.json",
            get(|| async { axum::Json(openapi::document()) }),
        )
        .fallback(|| async {
            ApiError::not_found("there is nothing at this address; see /openapi.json")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            origin::check,
        ))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            guard::allowlist,
        ))
        .with_state(shared)
}

/// `GET /api/v1/employees/{id}` (the PATCH route shares its path).
async fn employee_show(
    state: axum::extract::State<Arc<Shared>>,
    principal: axum::Extension<Principal>,
    axum::extract::Path(id): axum::extract::Path<String>,
    query: axum::extract::RawQuery,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    rest::show(
        state,
        principal,
        axum::extract::Path(("employees".to_owned(), id)),
        query,
        headers,
    )
    .await
}
