//! Demo mode: the built-in provider sandbox (a seeded 25-person company in local emulators of
//! BambooHR, Gusto, Harvest, Toggl Track and Clockify) connected exactly as real providers
//! are, so every feature can be tried without accounts.

use std::collections::BTreeMap;

use maestro_http::oauth::{BrowserOpener, OAuthError};
use maestro_sandbox::{Provider, Sandbox};
use maestro_store::companies::Company;
use maestro_store::connections::Connection;
use url::Url;

use crate::App;
use crate::connect::ConnectInput;
use crate::error::{AppError, ErrorCode, Result};

/// Follows the sandbox's sign-in page from this process: the emulator approves at once and
/// redirects to the loopback listener, standing in for the owner's browser. Only ever pointed
/// at the local sandbox.
pub struct SandboxSignIn;

impl BrowserOpener for SandboxSignIn {
    fn open(&self, url: &Url) -> Result<(), OAuthError> {
        let loopback = url
            .host_str()
            .is_some_and(|h| h == "127.0.0.1" || h == "localhost");
        if !loopback {
            return Err(OAuthError::Browser(
                "demo sign-in only follows the local sandbox".into(),
            ));
        }
        let url = url.clone();
        tokio::spawn(async move {
            if let Ok(client) = reqwest::Client::builder().build() {
                let _ = client.get(url).send().await;
            }
        });
        Ok(())
    }
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn url(text: &str) -> Result<Url> {
    Url::parse(text)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("sandbox address: {e}")))
}

/// The connection form for one of the sandbox's providers, with its demo credentials.
pub fn sandbox_input(sandbox: &Sandbox, provider: Provider) -> Result<ConnectInput> {
    let c = sandbox.credentials();
    let base_url = Some(url(&sandbox.base_url(provider))?);
    Ok(match provider {
        Provider::BambooHr => ConnectInput {
            provider: "bamboohr".into(),
            values: values(&[
                ("subdomain", &c.bamboohr.company_domain),
                ("api_key", &c.bamboohr.api_key),
            ]),
            base_url,
            ..ConnectInput::default()
        },
        Provider::Gusto => ConnectInput {
            provider: "gusto".into(),
            values: values(&[("company_uuid", &c.gusto.company_uuid)]),
            base_url,
            oauth_client: Some((
                c.gusto.client_id.clone(),
                Some(c.gusto.client_secret.clone()),
            )),
            ..ConnectInput::default()
        },
        Provider::Harvest => ConnectInput {
            provider: "harvest".into(),
            values: values(&[
                ("account_id", &c.harvest.account_id),
                ("access_token", &c.harvest.personal_access_token),
            ]),
            base_url,
            ..ConnectInput::default()
        },
        Provider::Toggl => ConnectInput {
            provider: "toggl".into(),
            values: values(&[
                ("api_token", &c.toggl.api_token),
                ("workspace_id", &c.toggl.workspace_id),
            ]),
            base_url,
            ..ConnectInput::default()
        },
        Provider::Clockify => ConnectInput {
            provider: "clockify".into(),
            values: values(&[
                ("api_key", &c.clockify.api_key),
                ("workspace_id", &c.clockify.workspace_id),
            ]),
            base_url,
            ..ConnectInput::default()
        },
        Provider::Rippling => ConnectInput {
            provider: "rippling".into(),
            values: values(&[("api_token", &c.rippling.api_token)]),
            base_url,
            ..ConnectInput::default()
        },
        Provider::Checkr => ConnectInput {
            provider: "checkr".into(),
            values: values(&[("api_key", &c.checkr.api_key)]),
            base_url,
            ..ConnectInput::default()
        },
        Provider::GoodHire => ConnectInput {
            provider: "goodhire".into(),
            values: values(&[
                ("api_key", &c.goodhire.api_key),
                ("company_id", &c.goodhire.company_id),
            ]),
            base_url,
            ..ConnectInput::default()
        },
        Provider::Zenefits => ConnectInput {
            provider: "zenefits".into(),
            values: values(&[("api_token", &c.zenefits.api_token)]),
            base_url,
            ..ConnectInput::default()
        },
        // Client credentials: the token endpoint is on the emulator's own port (the connection's
        // address stands for TriNet's API and auth hosts alike).
        Provider::TriNet => ConnectInput {
            provider: "trinet".into(),
            values: values(&[
                ("company_id", &c.trinet.company_id),
                ("client_id", &c.trinet.client_id),
                ("client_secret", &c.trinet.client_secret),
            ]),
            base_url,
            ..ConnectInput::default()
        },
        // Client credentials in the token operation's form body, on the emulator's own port;
        // the company comes from `/companies`.
        Provider::Paychex => ConnectInput {
            provider: "paychex".into(),
            values: values(&[
                ("client_id", &c.paychex.client_id),
                ("client_secret", &c.paychex.client_secret),
            ]),
            base_url,
            ..ConnectInput::default()
        },
        // Signs in through the sandbox's authorization server (the file's OAuth endpoints, on
        // the emulator's port), as Gusto does.
        // Signs in through the sandbox's authorization server like Justworks; the company
        // (realm) the sign-in picks is the form's realm id.
        Provider::QuickBooks => ConnectInput {
            provider: "quickbooks".into(),
            values: values(&[("realm_id", &c.quickbooks.realm_id)]),
            base_url,
            oauth_client: Some((
                c.quickbooks.client_id.clone(),
                Some(c.quickbooks.client_secret.clone()),
            )),
            ..ConnectInput::default()
        },
        // Client credentials in the body over mutual TLS: the sandbox's client certificate and
        // key, and its test CA, trusted for this connection to this computer only.
        Provider::Adp => ConnectInput {
            provider: "adp".into(),
            values: values(&[
                ("client_id", &c.adp.client_id),
                ("client_secret", &c.adp.client_secret),
                ("client_certificate", &c.adp.client_certificate),
                ("client_key", &c.adp.client_key),
                (crate::connect::SANDBOX_CA_KEY, &c.adp.ca_certificate),
            ]),
            base_url,
            ..ConnectInput::default()
        },
        Provider::Justworks => ConnectInput {
            provider: "justworks".into(),
            values: values(&[]),
            base_url,
            oauth_client: Some((
                c.justworks.client_id.clone(),
                Some(c.justworks.client_secret.clone()),
            )),
            ..ConnectInput::default()
        },
    })
}

impl App {
    /// Connects one of the sandbox's providers to `company`, tested like a real connection.
    pub async fn connect_sandbox_provider(
        &self,
        company: &Company,
        sandbox: &Sandbox,
        provider: Provider,
    ) -> Result<Connection> {
        let (connection, _) = self
            .connect(company, sandbox_input(sandbox, provider)?, &SandboxSignIn)
            .await?;
        Ok(connection)
    }

    /// Connects the sandbox's BambooHR, Gusto and Harvest to `company`.
    pub async fn connect_sandbox(
        &self,
        company: &Company,
        sandbox: &Sandbox,
    ) -> Result<Vec<Connection>> {
        let mut out = Vec::new();
        for provider in [Provider::BambooHr, Provider::Gusto, Provider::Harvest] {
            out.push(
                self.connect_sandbox_provider(company, sandbox, provider)
                    .await?,
            );
        }
        Ok(out)
    }
}
