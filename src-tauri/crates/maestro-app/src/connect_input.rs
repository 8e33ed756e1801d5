//! What the wizard (or `maestro connect`) collected for a new connection. It holds secrets
//! in clear (API keys, an OAuth client secret), so its `Debug` shows none of them, and it can
//! be wiped ([`Zeroize`]): [`crate::App::connect`], which consumes every one, wipes it when it
//! returns, whatever the outcome.
//!
//! The struct itself has no `Drop`: callers build it with `..ConnectInput::default()`, which
//! a type with `Drop` would not allow; wiping happens where it is consumed.

use std::collections::BTreeMap;
use std::fmt;

use url::Url;
use zeroize::Zeroize;

/// How secret values are shown.
const REDACTED: &str = "[redacted]";

/// What the wizard (or `maestro connect`) collected.
#[derive(Clone, Default)]
pub struct ConnectInput {
    /// Connector id.
    pub provider: String,
    /// Name shown to the owner (defaults to the provider's name).
    pub display_name: Option<String>,
    /// Field values, secrets included (they are stored only in the encrypted database).
    pub values: BTreeMap<String, String>,
    /// Use this API base URL instead of production (provider sandbox, region, local emulator).
    pub base_url: Option<Url>,
    /// Use this OAuth host instead of production.
    pub auth_base_url: Option<Url>,
    /// OAuth client registration (id, secret) when the provider uses OAuth.
    pub oauth_client: Option<(String, Option<String>)>,
    /// Sync SSNs, birth dates and bank numbers from this provider (off unless the owner opts in).
    pub sync_sensitive: bool,
}

impl fmt::Debug for ConnectInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every value: the form does not say here which fields are secret.
        let values: BTreeMap<&str, &str> =
            self.values.keys().map(|k| (k.as_str(), REDACTED)).collect();
        // Addresses by origin only: a query may carry a key.
        let origin = |u: &Option<Url>| u.as_ref().map(|u| u.origin().ascii_serialization());
        let client = self
            .oauth_client
            .as_ref()
            .map(|(id, secret)| (id.as_str(), secret.as_ref().map(|_| REDACTED)));
        f.debug_struct("ConnectInput")
            .field("provider", &self.provider)
            .field("display_name", &self.display_name)
            .field("values", &values)
            .field("base_url", &origin(&self.base_url))
            .field("auth_base_url", &origin(&self.auth_base_url))
            .field("oauth_client", &client)
            .field("sync_sensitive", &self.sync_sensitive)
            .finish()
    }
}

impl Zeroize for ConnectInput {
    /// Overwrites every form value and the OAuth client secret (their keys, the provider and
    /// the addresses are not secret and stay).
    fn zeroize(&mut self) {
        self.values.values_mut().for_each(Zeroize::zeroize);
        if let Some((_, Some(secret))) = &mut self.oauth_client {
            secret.zeroize();
        }
    }
}

/// Form values (secrets among them) overwritten when dropped, for code that receives them
/// as a plain map ([`crate::App::reconnect`]).
pub(crate) struct WipedOnDrop(pub(crate) BTreeMap<String, String>);

impl std::ops::Deref for WipedOnDrop {
    type Target = BTreeMap<String, String>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Drop for WipedOnDrop {
    fn drop(&mut self) {
        self.0.values_mut().for_each(Zeroize::zeroize);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn input() -> ConnectInput {
        ConnectInput {
            provider: "bamboohr".into(),
            display_name: Some("Acme".into()),
            values: [("subdomain", "acme"), ("api_key", "k-5ecret-1")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            base_url: Some(Url::parse("https://api.example.com/?token=q-5ecret-2").unwrap()),
            auth_base_url: None,
            oauth_client: Some(("client-id-1".into(), Some("c-5ecret-3".into()))),
            sync_sensitive: false,
        }
    }

    #[test]
    fn debug_shows_no_secret_value() {
        let shown = format!("{:?} {:#?}", input(), input());
        assert!(!shown.contains("5ecret"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
        // What helps debugging stays: the provider, field names, the host, the client id.
        for kept in [
            "bamboohr",
            "api_key",
            "subdomain",
            "api.example.com",
            "client-id-1",
        ] {
            assert!(shown.contains(kept), "{kept}: {shown}");
        }
    }

    #[test]
    fn zeroize_wipes_the_values_and_the_client_secret() {
        let mut wiped = input();
        wiped.zeroize();
        assert!(wiped.values.values().all(String::is_empty));
        assert_eq!(wiped.values.len(), 2, "the keys stay");
        assert_eq!(
            wiped.oauth_client,
            Some(("client-id-1".to_owned(), Some(String::new())))
        );
    }
}
