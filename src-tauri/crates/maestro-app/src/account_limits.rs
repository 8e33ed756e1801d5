//! One rate limiter per provider account: the connection test, every sync, webhook set-up and
//! token refreshes of one account share a count, as the provider keeps one.

use std::sync::Arc;

use maestro_connectors::Manifest;
use maestro_http::RateLimiter;
use serde_json::{Map, Value};
use url::Url;

use crate::App;

/// The settings that name a connection's account: its saved settings apart from the choice
/// to sync sensitive data, text in lower case (subdomains, hosts and account ids do not depend
/// on case).
pub(crate) fn account_settings(config: &Value) -> Map<String, Value> {
    let mut map = config.as_object().cloned().unwrap_or_default();
    map.remove(crate::sensitive::SYNC_SENSITIVE_KEY);
    for value in map.values_mut() {
        if let Value::String(text) = value {
            *text = text.to_lowercase();
        }
    }
    map
}

/// True when the token endpoint at `auth_base` is on the API's host (scheme, host and port),
/// where the provider counts its requests with the API's.
pub(crate) fn same_origin(auth_base: &Url, base_url: &Url) -> bool {
    auth_base.origin() == base_url.origin()
}

impl App {
    /// The rate limiter of the account a connection with `config` at `base_url` calls, shared
    /// by every connector built for it in this process.
    pub(crate) fn account_limiter(
        &self,
        manifest: &Manifest,
        config: &Value,
        base_url: &Url,
    ) -> Arc<RateLimiter> {
        let settings = Value::Object(account_settings(config));
        let key = format!("{}\n{}\n{settings}", manifest.id, base_url.as_str());
        self.limiters.get(&key, manifest.rate_limit)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_named_by_its_settings_not_their_case_or_the_sensitive_choice() {
        let a = serde_json::json!({"subdomain": "Bluebird", "sync_sensitive": true});
        let b = serde_json::json!({"subdomain": "bluebird"});
        assert_eq!(account_settings(&a), account_settings(&b));
        let c = serde_json::json!({"subdomain": "acme"});
        assert_ne!(account_settings(&a), account_settings(&c));
    }

    #[test]
    fn the_token_endpoint_counts_only_on_the_api_host() {
        let api = Url::parse("https://api.gusto.com").unwrap();
        assert!(same_origin(
            &Url::parse("https://api.gusto.com/").unwrap(),
            &api
        ));
        assert!(!same_origin(
            &Url::parse("https://appcenter.intuit.com").unwrap(),
            &api
        ));
        assert!(!same_origin(
            &Url::parse("http://api.gusto.com").unwrap(),
            &api
        ));
    }
}
