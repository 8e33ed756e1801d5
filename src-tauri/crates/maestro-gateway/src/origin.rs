//! Host and Origin checks, a defence in depth against DNS rebinding and cross-site requests:
//! a web page whose own name is made to resolve to this computer sends its name in `Host`, and
//! a browser sends the page's origin in `Origin`.
//!
//! - `Host` must name this computer with the bound port: `localhost` or a loopback address, and
//!   when the gateway listens on the LAN also any IP address (a literal address cannot be
//!   rebound), the machine's `HOSTNAME` and [`crate::GatewayConfig::host_names`]. Webhooks are
//!   exempt (providers reach them through whatever public name forwards here, they return no
//!   data, and their signatures are what authenticates them).
//! - `Origin`, when a browser sends one, must be the app's own (its webview), the gateway's own
//!   (same origin) or one of [`crate::GatewayConfig::allowed_origins`]; requests without it
//!   (API clients, providers) pass.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::{GatewayConfig, TlsSetting};
use crate::error::ApiError;
use crate::state::Shared;

/// Origins of the desktop app's own webview.
const APP_ORIGINS: &[&str] = &[
    "tauri://localhost",
    "http://tauri.localhost",
    "https://tauri.localhost",
];

/// The names and origins a gateway accepts.
pub struct Hosts {
    port: u16,
    tls: bool,
    lan: bool,
    names: Vec<String>,
    origins: Vec<String>,
}

fn normal(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

impl Hosts {
    /// What `config`, listening on `local`, accepts.
    pub fn new(config: &GatewayConfig, local: SocketAddr) -> Self {
        let lan = !local.ip().is_loopback();
        let mut names: Vec<String> = vec!["localhost".into()];
        if lan {
            names.extend(config.host_names.iter().map(|n| normal(n)));
            if let Ok(host) = std::env::var("HOSTNAME")
                && !host.trim().is_empty()
            {
                names.push(normal(&host));
            }
        }
        let mut origins: Vec<String> = APP_ORIGINS.iter().map(|o| (*o).to_owned()).collect();
        origins.extend(
            config
                .allowed_origins
                .iter()
                .map(|o| normal(o).trim_end_matches('/').to_owned()),
        );
        Hosts {
            port: local.port(),
            tls: config.tls != TlsSetting::Off,
            lan,
            names,
            origins,
        }
    }

    /// True when `host` (a `Host` header value) names this gateway.
    pub fn host_ok(&self, host: &str) -> bool {
        let host = host.trim();
        let (name, port) = if let Some(rest) = host.strip_prefix('[') {
            let Some((inside, after)) = rest.split_once(']') else {
                return false;
            };
            match after.strip_prefix(':') {
                Some(p) => (inside, Some(p)),
                None if after.is_empty() => (inside, None),
                None => return false,
            }
        } else {
            match host.rsplit_once(':') {
                Some((n, p)) => (n, Some(p)),
                None => (host, None),
            }
        };
        let port = match port {
            Some(p) => match p.parse::<u16>() {
                Ok(p) => p,
                Err(_) => return false,
            },
            None if self.tls => 443,
            None => 80,
        };
        if port != self.port {
            return false;
        }
        let name = normal(name);
        match name.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || self.lan,
            Err(_) => self.names.contains(&name),
        }
    }

    /// True when a browser at `origin` may call, for a request that named `host`.
    pub fn origin_ok(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = normal(origin);
        let origin = origin.trim_end_matches('/');
        if self.origins.iter().any(|o| o == origin) {
            return true;
        }
        let scheme = if self.tls { "https" } else { "http" };
        host.is_some_and(|h| self.host_ok(h) && origin == format!("{scheme}://{}", normal(h)))
    }
}

fn refused(code: &'static str, detail: &str) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, code, detail.to_owned()).into_response()
}

/// Refuses (403) a request whose `Host` or `Origin` is not this gateway's.
pub async fn check(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
    let webhook = request.uri().path().starts_with("/webhooks/");
    if !webhook && !host.as_deref().is_some_and(|h| shared.hosts.host_ok(h)) {
        tracing::warn!("local API: request for another host name refused");
        return refused(
            "host_not_allowed",
            "this request names another host; call the local API by its own address",
        );
    }
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let ok = origin
            .to_str()
            .is_ok_and(|o| !webhook && shared.hosts.origin_ok(o, host.as_deref()));
        if !ok {
            tracing::warn!("local API: request from a foreign web origin refused");
            return refused(
                "origin_not_allowed",
                "web pages of other origins may not call the local API",
            );
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hosts(bind: &str, tls: bool, names: &[&str]) -> Hosts {
        let config = GatewayConfig {
            tls: if tls {
                TlsSetting::Generated
            } else {
                TlsSetting::Off
            },
            host_names: names.iter().map(|n| (*n).to_owned()).collect(),
            ..GatewayConfig::default()
        };
        Hosts::new(&config, bind.parse().unwrap())
    }

    #[test]
    fn loopback_accepts_only_its_own_names_and_port() {
        let h = hosts("127.0.0.1:7878", false, &["payroll.lan"]);
        for ok in [
            "127.0.0.1:7878",
            "localhost:7878",
            "[::1]:7878",
            "LocalHost.:7878",
        ] {
            assert!(h.host_ok(ok), "{ok}");
        }
        for bad in [
            "evil.example:7878",
            "localhost:7879",
            "localhost",
            "192.168.1.5:7878",
            "payroll.lan:7878",
            "[::1]x:7878",
            "localhost:78a",
            "",
        ] {
            assert!(!h.host_ok(bad), "{bad}");
        }
        assert!(h.origin_ok("tauri://localhost", None));
        assert!(h.origin_ok("http://127.0.0.1:7878", Some("127.0.0.1:7878")));
        assert!(!h.origin_ok("http://127.0.0.1:7878", Some("localhost:7878")));
        assert!(!h.origin_ok("null", Some("127.0.0.1:7878")));
        assert!(!h.origin_ok("https://evil.example", Some("127.0.0.1:7878")));
    }

    #[test]
    fn lan_adds_addresses_and_configured_names() {
        let h = hosts("0.0.0.0:443", true, &["Payroll.LAN"]);
        assert!(h.host_ok("192.168.1.5"));
        assert!(h.host_ok("payroll.lan:443"));
        assert!(!h.host_ok("evil.example"));
        assert!(h.origin_ok("https://payroll.lan", Some("payroll.lan")));
        assert!(!h.origin_ok("http://payroll.lan", Some("payroll.lan")));
    }
}
