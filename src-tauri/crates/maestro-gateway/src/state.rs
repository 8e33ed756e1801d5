//! What the handlers share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use maestro_app::App;
use maestro_core::ids::ConnectionId;

use crate::config::GatewayConfig;
use crate::guard::RateLimits;

/// Shared by every request.
pub struct Shared {
    /// The application.
    pub app: App,
    /// The settings it started with.
    pub config: GatewayConfig,
    /// Per-key budgets.
    pub limits: RateLimits,
    /// When each key's last use was last written.
    pub touched: Mutex<HashMap<String, Instant>>,
    /// One webhook-triggered sync at a time per connection.
    pub sync_locks: Mutex<HashMap<ConnectionId, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    /// The `Host` and `Origin` values it accepts.
    pub hosts: crate::origin::Hosts,
    /// Budgets of unauthenticated requests per client address.
    pub unauthenticated: crate::unauth::Unauthenticated,
    /// Gusto verification tokens waiting for the owner's confirmation.
    pub pending_tokens: crate::handshake::PendingTokens,
    /// The GraphQL schema.
    pub schema: crate::graphql::ApiSchema,
}

impl Shared {
    /// The state of a gateway serving `app` with `config`, listening on `local`.
    pub fn new(app: App, config: GatewayConfig, local: std::net::SocketAddr) -> Self {
        Shared {
            hosts: crate::origin::Hosts::new(&config, local),
            unauthenticated: crate::unauth::Unauthenticated::new(config.unauthenticated_per_minute),
            schema: crate::graphql::schema(config.graphql_max_depth, config.graphql_max_complexity),
            app,
            config,
            limits: RateLimits::default(),
            touched: Mutex::default(),
            sync_locks: Mutex::default(),
            pending_tokens: crate::handshake::PendingTokens::default(),
        }
    }

    /// The lock serialising webhook-triggered syncs of `connection_id`.
    pub fn sync_lock(&self, connection_id: ConnectionId) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        self.sync_locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(connection_id)
            .or_default()
            .clone()
    }
}
