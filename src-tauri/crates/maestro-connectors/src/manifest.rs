//! The static description of a connector: what the wizard renders, what the scheduler
//! respects, what the registry lists. A new connector needs no UI code: its form comes from
//! [`Manifest::config`].

use maestro_core::model::EntityKind;
use maestro_http::RateLimit;
use serde::Serialize;

/// What kind of tool a provider is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Payroll (Gusto, ADP, QuickBooks Payroll, Paychex).
    Payroll,
    /// HR information system (BambooHR, Rippling).
    Hris,
    /// Benefits administration.
    Benefits,
    /// Time tracking (Harvest, Toggl, Clockify).
    TimeTracking,
    /// Background checks.
    BackgroundChecks,
    /// Accounting.
    Accounting,
    /// Team chat.
    Chat,
    /// E-signature.
    ESignature,
    /// Compliance.
    Compliance,
    /// User-defined integrations.
    Custom,
}

/// How a connection authenticates.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AuthKind {
    /// OAuth 2.0 authorization code in the system browser (with PKCE when `pkce`).
    OAuth2 {
        /// Authorization endpoint path on the auth host.
        authorize_path: &'static str,
        /// Token endpoint path on the auth host.
        token_path: &'static str,
        /// Whether the provider takes PKCE.
        pkce: bool,
        /// Scopes to request (empty when the provider assigns them per app).
        scopes: &'static [&'static str],
    },
    /// A key or token typed into the wizard (see the config fields marked secret), sent the
    /// way `scheme` says.
    ApiKey {
        /// How the secret fields become request credentials.
        scheme: KeyScheme,
    },
}

/// How API-key fields are sent.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeyScheme {
    /// HTTP Basic with a field as user name and a fixed password (BambooHR: key + "x"; Toggl:
    /// token + "api_token").
    Basic {
        /// Config field holding the user name.
        username_field: &'static str,
        /// The fixed password.
        password: &'static str,
    },
    /// HTTP Basic with both parts from the form.
    BasicFields {
        /// Config field holding the user name.
        username_field: &'static str,
        /// Config field holding the password.
        password_field: &'static str,
    },
    /// `Authorization: Bearer <field>` (personal access tokens).
    Bearer {
        /// Config field holding the token.
        token_field: &'static str,
    },
    /// A query parameter (`?api_key=…`).
    Query {
        /// Parameter name.
        name: &'static str,
        /// Config field holding the value.
        field: &'static str,
    },
    /// OAuth 2.0 client credentials typed into the wizard (TriNet): exchanged for an access
    /// token at `token_url`, held in memory, sent as `Authorization: Bearer`.
    ClientCredentials {
        /// Token URL: absolute, or a path on the auth host.
        token_url: &'static str,
        /// Config field holding the client id.
        client_id_field: &'static str,
        /// Config field holding the client secret.
        client_secret_field: &'static str,
        /// HTTP Basic (`true`) or the id and secret with the grant (`false`).
        basic: bool,
        /// `GET` with the grant in the query (`true`) or `POST` with a form body (`false`).
        get: bool,
        /// Scopes to ask for (empty: the provider assigns them).
        scopes: &'static [&'static str],
        /// Config fields holding a client certificate and its key (PEM), presented on the
        /// token request and every API call (mutual TLS, ADP); none for most.
        client_certificate: Option<(&'static str, &'static str)>,
    },
    /// A custom header.
    Header {
        /// Header name.
        name: &'static str,
        /// Config field holding the value.
        field: &'static str,
        /// Text before the value (GoodHire: `ApiKey `); empty for most.
        prefix: &'static str,
    },
}

/// The type of a configuration field, for rendering and validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text.
    Text,
    /// A secret (shown masked, stored only in the encrypted database).
    Secret,
    /// A URL.
    Url,
}

/// One field of the connection form.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigField {
    /// Key in the connection's configuration.
    pub key: &'static str,
    /// Label shown to the owner.
    pub label: &'static str,
    /// Where to find the value, in plain words.
    pub help: &'static str,
    /// Type.
    pub kind: FieldKind,
    /// Whether the connection cannot work without it.
    pub required: bool,
    /// A regular expression the value must match, when there is a known shape.
    pub pattern: Option<&'static str>,
    /// An example value.
    pub example: Option<&'static str>,
    /// The value used when the owner leaves the field empty.
    pub default: Option<&'static str>,
    /// The value is several lines of text (a PEM certificate or key): a text area.
    pub multiline: bool,
}

/// What a connector can do with one kind of record.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EntitySupport {
    /// The canonical kind.
    pub kind: EntityKind,
    /// Readable.
    pub read: bool,
    /// Readable incrementally (only what changed since a time).
    pub incremental: bool,
    /// Writable.
    pub write: bool,
    /// The provider pushes webhook events for it.
    pub webhook: bool,
}

/// Static description of a connector.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Stable id, e.g. "gusto".
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Category.
    pub category: Category,
    /// Connector version.
    pub version: &'static str,
    /// One-line description for the wizard.
    pub summary: &'static str,
    /// Authentication.
    pub auth: AuthKind,
    /// Form fields.
    pub config: &'static [ConfigField],
    /// Supported entities.
    pub entities: &'static [EntitySupport],
    /// The documented rate limit the connection is held to.
    #[serde(skip)]
    pub rate_limit: RateLimit,
    /// Requests per window, for display.
    pub rate_limit_text: &'static str,
    /// Largest page size the provider allows (used for every list call).
    pub max_page_size: u32,
    /// Production API base URL (may contain `{field}` placeholders filled from config).
    pub production_base_url: &'static str,
    /// The provider's own sandbox/demo base URL, if it has one.
    pub sandbox_base_url: Option<&'static str>,
    /// Production auth host for OAuth (when different from the API host).
    pub auth_base_url: Option<&'static str>,
    /// Developer documentation.
    pub docs_url: &'static str,
}

impl Manifest {
    /// The support entry for `kind`, if any.
    pub fn entity(&self, kind: EntityKind) -> Option<&EntitySupport> {
        self.entities.iter().find(|e| e.kind == kind)
    }
}

/// Shorthand for a readable entity.
pub const fn reads(kind: EntityKind, incremental: bool) -> EntitySupport {
    EntitySupport {
        kind,
        read: true,
        incremental,
        write: false,
        webhook: false,
    }
}

/// The credentials of a [`KeyScheme::ClientCredentials`] connection: a token source that
/// fetches an access token with the client id and secret from the form and holds it in memory.
/// `auth_base` is the auth host a relative `token_url` is joined to (the API's address in the
/// sandbox); `provider` names the provider in errors ("TriNet refused the client id or secret").
pub fn client_credentials_auth(
    provider: &str,
    scheme: KeyScheme,
    client_id: maestro_core::sensitive::Sensitive<String>,
    client_secret: maestro_core::sensitive::Sensitive<String>,
    auth_base: &url::Url,
    clock: std::sync::Arc<dyn maestro_core::clock::Clock>,
) -> Result<maestro_http::Auth, String> {
    let http = maestro_http::oauth::token_http_client().map_err(|e| e.to_string())?;
    client_credentials_auth_with(
        provider,
        scheme,
        (client_id, client_secret),
        auth_base,
        clock,
        http,
    )
}

/// [`client_credentials_auth`] with the token requests sent by `http`: a client that presents
/// the connection's client certificate (mutual TLS, ADP; see
/// [`maestro_http::identity::token_client_with_identity`]).
pub fn client_credentials_auth_with(
    provider: &str,
    scheme: KeyScheme,
    (client_id, client_secret): (
        maestro_core::sensitive::Sensitive<String>,
        maestro_core::sensitive::Sensitive<String>,
    ),
    auth_base: &url::Url,
    clock: std::sync::Arc<dyn maestro_core::clock::Clock>,
    http: reqwest::Client,
) -> Result<maestro_http::Auth, String> {
    use maestro_http::oauth::{
        ClientAuth, ClientCredentials, ClientCredentialsConfig, TokenMethod,
    };
    let KeyScheme::ClientCredentials {
        token_url,
        basic,
        get,
        scopes,
        ..
    } = scheme
    else {
        return Err(format!("{provider} does not use client credentials"));
    };
    let token_url = if token_url.starts_with("https://") || token_url.starts_with("http://") {
        url::Url::parse(token_url)
    } else {
        url::Url::parse(&format!(
            "{}{}",
            auth_base.as_str().trim_end_matches('/'),
            token_url
        ))
    }
    .map_err(|e| format!("{provider}'s token address is not valid: {e}"))?;
    let config = ClientCredentialsConfig {
        provider_name: provider.to_owned(),
        token_url,
        client_id,
        client_secret,
        client_auth: if basic {
            ClientAuth::BasicAuth
        } else {
            ClientAuth::RequestBody
        },
        method: if get {
            TokenMethod::Get
        } else {
            TokenMethod::Post
        },
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
    };
    Ok(maestro_http::Auth::OAuth(std::sync::Arc::new(
        ClientCredentials::new(config, http, clock),
    )))
}
