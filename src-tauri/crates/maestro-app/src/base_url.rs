//! Where a connection's requests go: its API base URL (production with the form's values, or
//! the address the owner gave) and its OAuth host. Every address is checked by one rule
//! ([`maestro_http::url_policy`]): `https://`, or plain `http://` only to this computer. The
//! desktop wizard and the CLI check what the owner types with [`parse_base_url`]; resolving a
//! saved connection checks again, so an address saved before the rule cannot be used either.

use std::collections::BTreeMap;

use maestro_connectors::Manifest;
use serde_json::Value;
use url::Url;

use crate::error::{AppError, ErrorCode, Result};

/// Parses an API or OAuth address the owner typed, refusing one that would send credentials
/// unencrypted (see [`check_base_url`]).
pub fn parse_base_url(text: &str) -> Result<Url> {
    let url = parse_url(text.trim())?;
    check_base_url(&url)?;
    Ok(url)
}

/// Refuses an address credentials must not be sent to: anything but `https://`, except
/// `http://` to this computer (localhost, 127.0.0.0/8, ::1).
pub fn check_base_url(url: &Url) -> Result<()> {
    maestro_http::url_policy::require_secure(url)
        .map_err(|e| AppError::new(ErrorCode::Validation, e.to_string()).with_field("base_url"))
}

/// The API base URL of a connection: the address saved with it, else the manifest's
/// production URL with the form's values (and the fields' defaults) filled in.
pub(crate) fn resolve_base_url(
    manifest: &Manifest,
    config: &Value,
    values: &BTreeMap<String, String>,
) -> Result<Url> {
    if let Some(url) = config.get("base_url").and_then(Value::as_str) {
        return parse_base_url(url);
    }
    let mut url = manifest.production_base_url.to_owned();
    for (k, v) in values.iter().filter(|(_, v)| !v.trim().is_empty()) {
        url = url.replace(&format!("{{{k}}}"), v.trim());
    }
    // Fields left empty take their defaults (Clockify's `{region}` is `api`).
    for field in manifest.config {
        if let Some(default) = field.default {
            url = url.replace(&format!("{{{}}}", field.key), default);
        }
    }
    parse_base_url(&url)
}

/// Parses an address, saying which text was not one.
pub(crate) fn parse_url(text: &str) -> Result<Url> {
    Url::parse(text).map_err(|e| {
        AppError::new(
            ErrorCode::Validation,
            format!("`{text}` is not a valid address: {e}"),
        )
    })
}

/// The OAuth host of a connection: the address saved with it, else the API's own address
/// when one was given, else the manifest's.
pub(crate) fn auth_base(manifest: &Manifest, config: &Value, api_base: &Url) -> Result<Url> {
    let url = if let Some(url) = config.get("auth_base_url").and_then(Value::as_str) {
        parse_url(url)?
    } else if config.get("base_url").is_some() {
        api_base.clone()
    } else {
        match manifest.auth_base_url {
            Some(text) => parse_url(text)?,
            None => api_base.clone(),
        }
    };
    check_base_url(&url)?;
    Ok(url)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use maestro_connectors::Registry;
    use maestro_core::clock::SystemClock;
    use maestro_core::sensitive::Sensitive;
    use maestro_store::connections;
    use maestro_store::{MemorySecretStore, NewKey};
    use serde_json::json;

    use super::*;
    use crate::connect::StoredCredential;
    use crate::{App, ConnectInput};

    async fn app(dir: &std::path::Path) -> App {
        App::init(
            &dir.join("data"),
            NewKey::Keychain(Arc::new(MemorySecretStore::default())),
            "Bluebird Bakery",
            Arc::new(SystemClock),
        )
        .await
        .unwrap()
        .with_retry_policy(maestro_http::RetryPolicy::fast())
    }

    const KEY: &str = "0123456789abcdef0123456789abcdef01234567";

    fn bamboo_values() -> BTreeMap<String, String> {
        [("subdomain", "acme"), ("api_key", KEY)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn typed_addresses_are_https_or_this_computer() {
        for ok in [
            "https://api.bamboohr.com/api/gateway.php",
            "http://127.0.0.1:8080/api",
            " http://localhost:3000 ",
            "http://[::1]:9000",
        ] {
            assert!(parse_base_url(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://api.bamboohr.com",
            "http://192.168.1.20:8080",
            "ftp://x.example",
        ] {
            let err = parse_base_url(refused).unwrap_err();
            assert_eq!(err.code, ErrorCode::Validation, "{refused}");
            assert_eq!(err.field.as_deref(), Some("base_url"));
        }
        assert!(
            parse_base_url("http://hr.example.com")
                .unwrap_err()
                .message
                .contains("not encrypted")
        );
    }

    #[tokio::test]
    async fn connecting_over_plain_http_elsewhere_is_refused_and_nothing_saved() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let company = app.company(None).await.unwrap();
        let input = ConnectInput {
            provider: "bamboohr".into(),
            values: bamboo_values(),
            base_url: Some(Url::parse("http://hr.example.invalid/api").unwrap()),
            ..ConnectInput::default()
        };
        let err = app
            .connect(&company, input, &crate::demo::SandboxSignIn)
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Validation, "{err:?}");
        assert!(err.message.contains("not encrypted"), "{}", err.message);
        assert!(!err.message.contains(KEY));
        let mut conn = app.store().pool().acquire().await.unwrap();
        assert!(
            connections::list(&mut conn, company.id)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_saved_plain_http_address_is_refused_before_any_request() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let company = app.company(None).await.unwrap();
        let mut tx = app.store().write().await.unwrap();
        let saved = connections::insert(
            tx.conn(),
            company.id,
            "bamboohr",
            "BambooHR",
            &json!({"subdomain": "acme", "base_url": "http://hr.example.invalid/api"}),
            app.now(),
        )
        .await
        .unwrap();
        let credential = StoredCredential::Fields {
            fields: [("api_key".to_owned(), Sensitive::new(KEY.to_owned()))]
                .into_iter()
                .collect(),
        };
        connections::save_credential(
            tx.conn(),
            company.id,
            saved.id,
            "fields",
            &Sensitive::new(serde_json::to_value(&credential).unwrap()),
            None,
            app.now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let err = app
            .connector(company.id, saved.id)
            .await
            .err()
            .expect("a connector over plain http was built");
        assert!(err.message.contains("not encrypted"), "{}", err.message);
    }

    #[test]
    fn an_oauth_host_over_plain_http_is_refused() {
        let gusto = Registry::current().get("gusto").unwrap().manifest;
        let api = Url::parse("https://api.gusto-demo.com").unwrap();
        let config = json!({"auth_base_url": "http://auth.example.invalid"});
        assert!(auth_base(gusto, &config, &api).is_err());
        let config = json!({"auth_base_url": "http://127.0.0.1:4000"});
        assert!(auth_base(gusto, &config, &api).is_ok());
        assert_eq!(
            auth_base(gusto, &json!({}), &api).unwrap().scheme(),
            "https"
        );
    }

    #[test]
    fn an_absolute_oauth_url_is_kept_on_the_providers_hosts_and_moved_with_the_connection() {
        let justworks = Registry::current().get("justworks").unwrap().manifest;
        let api = Url::parse("https://public-api.justworks.com").unwrap();
        // As the file writes it: sign-in on payroll.justworks.com, tokens on the API host.
        let own = auth_base(justworks, &json!({}), &api).unwrap();
        let cfg = crate::connect::oauth_config(justworks, &own, "client", None).unwrap();
        assert_eq!(
            cfg.authorize_url.as_str(),
            "https://payroll.justworks.com/oauth/authorize"
        );
        assert_eq!(
            cfg.token_url.as_str(),
            "https://public-api.justworks.com/oauth/token"
        );
        // A connection to another host (the sandbox) finds both there.
        let local = Url::parse("http://127.0.0.1:4000").unwrap();
        let config = json!({"base_url": local.as_str()});
        let moved = auth_base(justworks, &config, &local).unwrap();
        let cfg = crate::connect::oauth_config(justworks, &moved, "client", None).unwrap();
        assert_eq!(
            cfg.authorize_url.as_str(),
            "http://127.0.0.1:4000/oauth/authorize"
        );
        assert_eq!(cfg.token_url.as_str(), "http://127.0.0.1:4000/oauth/token");
    }
}
