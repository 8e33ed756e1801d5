//! Which addresses credentials may be sent to: `https://` anywhere, plain `http://` only to
//! this computer (a local emulator, a proxy on the same machine). One rule for the app, the
//! CLI, the desktop wizard and user-supplied provider files.

use url::{Host, Url};

/// True when `url` names this computer: `localhost`, an address in 127.0.0.0/8, or `::1`
/// (also written as the IPv4-mapped `::ffff:127.x.x.x`).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

/// Why an address was refused (names only its scheme and host: a URL may carry a key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InsecureUrl(String);

/// Refuses an address that credentials must not be sent to: anything but `https://`, except
/// `http://` to this computer (see [`is_loopback`]).
pub fn require_secure(url: &Url) -> Result<(), InsecureUrl> {
    let host = url.host_str().unwrap_or("");
    match url.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(InsecureUrl(format!(
            "http://{host} is not encrypted: the sign-in and every record would cross the \
             network readable on the way. Use its https:// address (plain http:// is only \
             accepted for this computer: localhost, 127.0.0.1 or ::1)."
        ))),
        scheme => Err(InsecureUrl(format!(
            "a {scheme}: address cannot be used here; give the tool's https:// address"
        ))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), InsecureUrl> {
        require_secure(&Url::parse(text).unwrap())
    }

    #[test]
    fn https_anywhere_and_http_only_to_this_computer() {
        for ok in [
            "https://api.gusto.com/v1",
            "https://10.0.0.5:8443/api",
            "http://127.0.0.1:8080/api",
            "http://127.9.8.7/api",
            "http://localhost:3000",
            "http://LOCALHOST/",
            "http://[::1]:9000/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for refused in [
            "http://api.gusto.com/v1",
            "http://10.0.0.5/api",
            "http://192.168.1.20:8080",
            "http://[fe80::1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://localhost.evil.example/",
            "http://127.0.0.1.nip.io/",
            "ftp://api.example.com/",
            "file:///etc/passwd",
        ] {
            assert!(check(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_refusal_names_the_host_but_not_the_rest_of_the_address() {
        let err = check("http://user:pw@hr.example.com/api?api_key=s3cret")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("http://hr.example.com is not encrypted"),
            "{err}"
        );
        assert!(!err.contains("s3cret") && !err.contains("pw"), "{err}");
    }
}
