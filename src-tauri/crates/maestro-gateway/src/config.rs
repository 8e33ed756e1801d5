//! What the gateway listens on and how it protects itself, checked before anything binds.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use crate::error::GatewayError;

/// Whether and how the gateway serves TLS.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TlsSetting {
    /// Plain HTTP (loopback only).
    #[default]
    Off,
    /// TLS 1.3 with the certificate generated for this installation (kept in the encrypted
    /// store; generated on first use). Its SHA-256 fingerprint is reported at start-up.
    Generated,
}

/// Default [`GatewayConfig::event_backlog`]: how many events may wait for one client before it
/// is closed as too slow (the sync engine's channel keeps the last
/// `maestro_sync::engine::EVENT_BUFFER`, 8,192; a client further behind than that has lost
/// some already).
pub const DEFAULT_EVENT_BACKLOG: usize = 1024;

/// Gateway settings.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Address and port to listen on; port 0 picks a free one. Default `127.0.0.1:7878`.
    pub bind: SocketAddr,
    /// TLS.
    pub tls: TlsSetting,
    /// Client networks allowed to connect (CIDR). Empty = anyone who can reach the address,
    /// which is only accepted on loopback.
    pub allowlist: Vec<IpNet>,
    /// Deepest GraphQL query accepted.
    pub graphql_max_depth: usize,
    /// Most complex GraphQL query accepted (one point per field; `employees(first: n)` counts
    /// its selection n times and each per-person list ten times).
    pub graphql_max_complexity: usize,
    /// Names LAN clients may use in `Host` besides IP addresses, `localhost` and the machine's
    /// `HOSTNAME` (DNS-rebinding defence; ignored on loopback, where only `localhost` and
    /// loopback addresses pass).
    pub host_names: Vec<String>,
    /// Browser origins allowed besides the app's own webview and the gateway's own origin.
    pub allowed_origins: Vec<String>,
    /// Requests without a valid API key (and webhooks that do not verify) accepted per client
    /// address per minute; more get 429.
    pub unauthenticated_per_minute: u32,
    /// Most events that may wait for an event socket's client while it is not taking what was
    /// written to it; beyond that it is closed as too slow (code 1008 and the reason), so a
    /// client that stops reading costs a bounded backlog, never a growing one.
    pub event_backlog: usize,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 7878)),
            tls: TlsSetting::Off,
            allowlist: Vec::new(),
            graphql_max_depth: 8,
            graphql_max_complexity: 20_000,
            host_names: Vec::new(),
            allowed_origins: Vec::new(),
            unauthenticated_per_minute: 60,
            event_backlog: DEFAULT_EVENT_BACKLOG,
        }
    }
}

impl GatewayConfig {
    /// Loopback only, on a free port: what tests and the desktop app start with.
    pub fn loopback_ephemeral() -> Self {
        GatewayConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..GatewayConfig::default()
        }
    }

    /// Parses CIDR entries ("192.168.1.0/24", or a single address).
    pub fn parse_allowlist(entries: &[String]) -> Result<Vec<IpNet>, GatewayError> {
        entries
            .iter()
            .map(|e| {
                let e = e.trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        GatewayError::Config(format!(
                            "'{e}' is not a network; write it like 192.168.1.0/24 or 192.168.1.20"
                        ))
                    })
            })
            .collect()
    }

    /// Refuses a binding that would expose the API without protection: any address other than
    /// loopback needs TLS and an allowlist.
    pub fn validate(&self) -> Result<(), GatewayError> {
        if self.bind.ip().is_loopback() {
            return Ok(());
        }
        let mut missing = Vec::new();
        if self.tls == TlsSetting::Off {
            missing.push("TLS (--tls)");
        }
        if self.allowlist.is_empty() {
            missing.push("an allowlist of client networks (--allow 192.168.1.0/24)");
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(GatewayError::Config(format!(
            "the local API will not listen on {} without {}: other machines on the network could \
             read payroll data. Turn {} on, or keep the default 127.0.0.1 (this computer only).",
            self.bind.ip(),
            missing.join(" and "),
            if missing.len() == 2 { "both" } else { "it" },
        )))
    }

    /// True when `ip` may connect.
    pub fn allows(&self, ip: IpAddr) -> bool {
        if self.allowlist.is_empty() {
            return true;
        }
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.allowlist.iter().any(|net| net.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn allowlist_matches_networks_and_mapped_addresses() {
        let config = GatewayConfig {
            allowlist: GatewayConfig::parse_allowlist(&[
                "192.168.1.0/24".into(),
                "10.0.0.7".into(),
            ])
            .unwrap(),
            ..GatewayConfig::default()
        };
        assert!(config.allows("192.168.1.44".parse().unwrap()));
        assert!(config.allows("10.0.0.7".parse().unwrap()));
        assert!(config.allows("::ffff:192.168.1.9".parse().unwrap()));
        assert!(!config.allows("10.0.0.8".parse().unwrap()));
        assert!(!config.allows("127.0.0.1".parse().unwrap()));
        assert!(GatewayConfig::default().allows("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn only_loopback_may_skip_tls_and_allowlist() {
        assert!(GatewayConfig::default().validate().is_ok());
        let v6 = GatewayConfig {
            bind: "[::1]:0".parse().unwrap(),
            ..GatewayConfig::default()
        };
        assert!(v6.validate().is_ok());
        let lan = GatewayConfig {
            bind: "192.168.1.5:7878".parse().unwrap(),
            ..GatewayConfig::default()
        };
        let msg = lan.validate().unwrap_err().to_string();
        assert!(msg.contains("TLS") && msg.contains("allowlist"), "{msg}");
        let ok = GatewayConfig {
            tls: TlsSetting::Generated,
            allowlist: GatewayConfig::parse_allowlist(&["192.168.1.0/24".into()]).unwrap(),
            ..lan
        };
        assert!(ok.validate().is_ok());
    }
}
