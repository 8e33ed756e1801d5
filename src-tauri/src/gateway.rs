//! The local API (`maestro-gateway`) inside the desktop app: the owner's settings (kept in the
//! store, installation-wide, off by default), checked in plain words, and the running gateway
//! started after unlock and whenever the owner changes the settings.

use std::net::SocketAddr;

use maestro_app::{App, AppError, ErrorCode};
use maestro_gateway::{Gateway, GatewayConfig, RunningGateway, TlsSetting};
use maestro_store::audit::{self, AuditEvent};
use maestro_store::settings::{self, Scope};

use crate::state::DesktopState;

/// Setting: the local API runs while the app is unlocked, "on" or "off" (default).
pub const ENABLED_KEY: &str = "gateway.enabled";
/// Setting: the address and port it listens on.
pub const BIND_KEY: &str = "gateway.bind";
/// Setting: TLS 1.3 with the installation's certificate, "on" or "off" (default).
pub const TLS_KEY: &str = "gateway.tls";
/// Setting: the client networks (CIDR) allowed to connect.
pub const ALLOWLIST_KEY: &str = "gateway.allowlist";
/// Where the local API listens unless the owner chooses: this computer only.
pub const DEFAULT_BIND: &str = "127.0.0.1:7878";

/// The owner's local API settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewaySettings {
    /// Runs while the app is unlocked.
    pub enabled: bool,
    /// Address and port, as the owner wrote them.
    pub bind: String,
    /// TLS 1.3 on.
    pub tls: bool,
    /// Client networks allowed to connect (CIDR or single addresses).
    pub allowlist: Vec<String>,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        Self {
            enabled: false,
            bind: DEFAULT_BIND.to_owned(),
            tls: false,
            allowlist: Vec::new(),
        }
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::Validation, message).with_field(field)
}

impl GatewaySettings {
    /// The saved settings; defaults for what was never set.
    pub async fn load(app: &App) -> Result<Self, AppError> {
        let mut conn = app
            .store()
            .pool()
            .acquire()
            .await
            .map_err(maestro_store::StoreError::from)?;
        let defaults = Self::default();
        let flag = |v: Option<String>| v.as_deref() == Some("on");
        Ok(Self {
            enabled: flag(settings::get(&mut conn, Scope::Global, ENABLED_KEY).await?),
            bind: settings::get::<String>(&mut conn, Scope::Global, BIND_KEY)
                .await?
                .filter(|b| !b.trim().is_empty())
                .unwrap_or(defaults.bind),
            tls: flag(settings::get(&mut conn, Scope::Global, TLS_KEY).await?),
            allowlist: settings::get(&mut conn, Scope::Global, ALLOWLIST_KEY)
                .await?
                .unwrap_or_default(),
        })
    }

    /// Trims the entries and drops empty allowlist lines.
    pub fn normalised(mut self) -> Self {
        self.bind = self.bind.trim().to_owned();
        self.allowlist = self
            .allowlist
            .iter()
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect();
        self
    }

    /// The gateway configuration these settings describe, or what is wrong with them (the
    /// field at fault named: `bind`, `allowlist` or `tls`), in the owner's words.
    pub fn config(&self) -> Result<GatewayConfig, AppError> {
        let bind: SocketAddr = self.bind.trim().parse().map_err(|_| {
            invalid(
                "bind",
                format!(
                    "'{}' is not an address and port; write it like {DEFAULT_BIND}",
                    self.bind.trim()
                ),
            )
        })?;
        let allowlist = GatewayConfig::parse_allowlist(&self.allowlist)
            .map_err(|e| invalid("allowlist", e.to_string()))?;
        let config = GatewayConfig {
            bind,
            tls: if self.tls {
                TlsSetting::Generated
            } else {
                TlsSetting::Off
            },
            allowlist,
            ..GatewayConfig::default()
        };
        if !bind.ip().is_loopback() {
            let field = if self.tls { "allowlist" } else { "tls" };
            if !self.tls || config.allowlist.is_empty() {
                return Err(invalid(
                    field,
                    format!(
                        "Other computers on the network could read payroll data at {}. To \
                         listen there, turn on TLS and list the networks allowed to connect \
                         (like 192.168.1.0/24); or keep 127.0.0.1, this computer only.",
                        bind.ip()
                    ),
                ));
            }
        }
        config
            .validate()
            .map_err(|e| invalid("bind", e.to_string()))?;
        Ok(config)
    }

    /// Saves the settings (after checking them when the API is to run); audited.
    pub async fn save(&self, app: &App) -> Result<(), AppError> {
        if self.enabled {
            self.config()?;
        }
        let now = app.now();
        let mut tx = app.store().write().await?;
        settings::set(
            tx.conn(),
            Scope::Global,
            ENABLED_KEY,
            &on_off(self.enabled),
            now,
        )
        .await?;
        settings::set(tx.conn(), Scope::Global, BIND_KEY, &self.bind, now).await?;
        settings::set(tx.conn(), Scope::Global, TLS_KEY, &on_off(self.tls), now).await?;
        settings::set(
            tx.conn(),
            Scope::Global,
            ALLOWLIST_KEY,
            &self.allowlist,
            now,
        )
        .await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new("owner", "settings.set", "gateway").detail(serde_json::json!({
                "enabled": self.enabled,
                "bind": self.bind,
                "tls": self.tls,
                "allowlist": self.allowlist,
            })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The local API as the desktop keeps it: the running gateway and why it last failed to start.
#[derive(Default)]
pub struct LocalApi {
    /// The gateway while it runs.
    pub running: Option<RunningGateway>,
    /// Why the last start failed, in plain words; cleared by a successful start.
    pub last_error: Option<String>,
}

/// Stops the gateway if it runs (requests in flight finish first).
pub async fn stop(state: &DesktopState) {
    let running = state.gateway.lock().await.running.take();
    if let Some(running) = running {
        running.shutdown().await;
    }
}

/// Stops the gateway if it runs, then starts it over `app` when the owner enabled it. A start
/// that fails is remembered as the last error (shown on Settings) and logged; it does not stop
/// the rest of the app.
pub async fn restart(state: &DesktopState, app: &App) {
    let mut slot = state.gateway.lock().await;
    if let Some(running) = slot.running.take() {
        running.shutdown().await;
    }
    let started = async {
        let settings = GatewaySettings::load(app).await?;
        if !settings.enabled {
            return Ok(None);
        }
        let config = settings.config()?;
        Gateway::start(app.clone().with_actor("api"), config)
            .await
            .map(Some)
            .map_err(|e| AppError::new(ErrorCode::Validation, start_failure(&e)))
    };
    match started.await {
        Ok(running) => {
            if let Some(r) = &running {
                tracing::info!(url = %r.base_url(), "local API started");
            }
            slot.running = running;
            slot.last_error = None;
        }
        Err(err) => {
            tracing::warn!(error = %err.message, "the local API did not start");
            slot.last_error = Some(err.message);
        }
    }
}

/// Why the gateway did not start, in the owner's words.
fn start_failure(err: &maestro_gateway::GatewayError) -> String {
    match err {
        maestro_gateway::GatewayError::Bind { addr, source }
            if source.kind() == std::io::ErrorKind::AddrInUse =>
        {
            format!(
                "Another program already uses {addr}. Choose another port (for example \
                 127.0.0.1:7879) or close that program."
            )
        }
        maestro_gateway::GatewayError::Bind { addr, source }
            if source.kind() == std::io::ErrorKind::AddrNotAvailable =>
        {
            format!(
                "This computer has no address {}; choose one of its own addresses or \
                 127.0.0.1.",
                addr.ip()
            )
        }
        other => format!("The local API could not start: {other}"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn loopback_needs_nothing_and_lan_needs_tls_and_an_allowlist() {
        let local = GatewaySettings {
            enabled: true,
            ..GatewaySettings::default()
        };
        assert_eq!(
            local.config().unwrap().bind,
            DEFAULT_BIND.parse::<SocketAddr>().unwrap()
        );

        let lan = GatewaySettings {
            bind: "192.168.1.5:7878".into(),
            ..local.clone()
        };
        let err = lan.config().unwrap_err();
        assert_eq!(err.field.as_deref(), Some("tls"));
        assert!(err.message.contains("payroll"), "{}", err.message);

        let tls_only = GatewaySettings {
            tls: true,
            ..lan.clone()
        };
        assert_eq!(
            tls_only.config().unwrap_err().field.as_deref(),
            Some("allowlist")
        );

        let ok = GatewaySettings {
            allowlist: vec!["192.168.1.0/24".into()],
            ..tls_only
        };
        let config = ok.config().unwrap();
        assert_eq!(config.tls, TlsSetting::Generated);
        assert_eq!(config.allowlist.len(), 1);
    }

    #[test]
    fn malformed_entries_name_their_field() {
        let bad_bind = GatewaySettings {
            bind: "localhost".into(),
            ..GatewaySettings::default()
        };
        assert_eq!(
            bad_bind.config().unwrap_err().field.as_deref(),
            Some("bind")
        );
        let bad_net = GatewaySettings {
            allowlist: vec!["192.168.1.0/33".into()],
            ..GatewaySettings::default()
        };
        let err = bad_net.config().unwrap_err();
        assert_eq!(err.field.as_deref(), Some("allowlist"));
        assert!(err.message.contains("192.168.1.0/24"), "{}", err.message);
    }

    #[test]
    fn normalising_trims_and_drops_blank_lines() {
        let s = GatewaySettings {
            bind: " 127.0.0.1:0 ".into(),
            allowlist: vec![" 10.0.0.0/8 ".into(), "  ".into()],
            ..GatewaySettings::default()
        }
        .normalised();
        assert_eq!(s.bind, "127.0.0.1:0");
        assert_eq!(s.allowlist, vec!["10.0.0.0/8".to_owned()]);
    }
}
