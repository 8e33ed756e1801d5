//! Connecting providers: validate the wizard's fields, authorise (API key, or OAuth in the
//! system browser), test the connection, and only then save it; build connectors for saved
//! connections; turn "needs reconnect" failures into alerts, and clear them when fixed.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use maestro_connectors::{
    AuthKind, CheckReport, Connector, ConnectorContext, ConnectorError, FieldKind, KeyScheme,
    Manifest, Registry,
};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::sensitive::Sensitive;
use maestro_http::oauth::{
    BrowserOpener, OAuthClientConfig, OAuthError, TokenManager, TokenPersistence, TokenSet,
};
use maestro_http::{Auth, ClientOptions};
use maestro_store::alerts::{self, NewAlert, Severity};
use maestro_store::audit::AuditEvent;
use maestro_store::companies::Company;
use maestro_store::connections::{self, Connection};
use maestro_store::{Store, audit};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use crate::App;
use crate::account_limits::{account_settings, same_origin};
pub(crate) use crate::base_url::{auth_base, resolve_base_url};
use crate::base_url::{check_base_url, parse_url};
pub use crate::connect_input::ConnectInput;
use crate::error::{AppError, ErrorCode, Result};

/// A problem with one field of the connection form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// The field key.
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
    /// Where to find the right value (the field's help text), for screens that do not
    /// already show it.
    pub help: String,
}

/// Checks the wizard's values against the manifest (required fields, known shapes).
pub fn validate_fields(
    manifest: &Manifest,
    values: &BTreeMap<String, String>,
) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    for field in manifest.config {
        let value = values.get(field.key).map(|v| v.trim()).unwrap_or("");
        if value.is_empty() {
            if field.required {
                problems.push(FieldProblem {
                    field: field.key.into(),
                    message: format!("{} is required.", field.label),
                    help: field.help.to_owned(),
                });
            }
            continue;
        }
        if let Some(pattern) = field.pattern
            && let Ok(re) = regex::Regex::new(pattern)
            && !re.is_match(value)
        {
            problems.push(FieldProblem {
                field: field.key.into(),
                message: format!(
                    "{} does not look right{}.",
                    field.label,
                    field
                        .example
                        .map(|e| format!(" (expected something like {e})"))
                        .unwrap_or_default(),
                ),
                help: field.help.to_owned(),
            });
        }
    }
    problems
}

/// Stored credentials of a connection (inside the encrypted database only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum StoredCredential {
    /// Secret form fields.
    Fields {
        fields: BTreeMap<String, Sensitive<String>>,
    },
    /// OAuth client and tokens.
    OAuth2 {
        client_id: String,
        client_secret: Option<Sensitive<String>>,
        tokens: TokenSet,
    },
}

/// A connection's saved (non-secret) settings as text values by key.
pub(crate) fn config_values(config: &Value) -> BTreeMap<String, String> {
    config
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The setting that names an account of `manifest`'s tool (a subdomain, an account id): its
/// first text field.
pub(crate) fn account_field(manifest: &Manifest) -> Option<&'static str> {
    manifest
        .config
        .iter()
        .find(|f| f.kind == FieldKind::Text)
        .map(|f| f.key)
}

/// Refuses an API-key account that is already among `siblings` (same tool, same account
/// settings): a second copy would store every record again. OAuth accounts are only known
/// after signing in, so they are not checked here.
fn refuse_connected_account(
    manifest: &Manifest,
    siblings: &[Connection],
    config: &Value,
) -> Result<()> {
    if !matches!(manifest.auth, AuthKind::ApiKey { .. }) {
        return Ok(());
    }
    let Some(twin) = siblings.iter().find(|c| same_account(&c.config, config)) else {
        return Ok(());
    };
    let error = AppError::new(
        ErrorCode::Validation,
        format!(
            "This {} account is already connected as “{}”. If its key changed, use Reconnect on \
             the dashboard; connecting it again would count every record twice.",
            manifest.name, twin.display_name
        ),
    );
    Err(match account_field(manifest) {
        Some(key) => error.with_field(key),
        None => error,
    })
}

/// True when two connections' settings name the same account: equal apart from the choice
/// to sync sensitive data.
fn same_account(a: &Value, b: &Value) -> bool {
    account_settings(a) == account_settings(b)
}

pub(crate) fn oauth_config(
    manifest: &Manifest,
    auth_base: &Url,
    client_id: &str,
    secret: Option<&Sensitive<String>>,
) -> Result<OAuthClientConfig> {
    let AuthKind::OAuth2 {
        authorize_path,
        token_path,
        scopes,
        ..
    } = &manifest.auth
    else {
        return Err(AppError::new(
            ErrorCode::Internal,
            format!("{} does not use OAuth", manifest.name),
        ));
    };
    // The token request carries the client secret and the code: https only (or this computer).
    // An absolute URL (Justworks' token URL is on its API host, its authorize URL on another)
    // is used as written while the auth host is the manifest's own; a connection moved to
    // another host (the sandbox, a proxy) takes only its path there.
    let own_host = manifest
        .auth_base_url
        .and_then(|u| Url::parse(u).ok())
        .is_some_and(|u| u.origin() == auth_base.origin());
    let join = |p: &str| {
        let path = match Url::parse(p) {
            Ok(absolute) if own_host => {
                check_base_url(&absolute)?;
                return Ok(absolute);
            }
            Ok(absolute) => absolute.path().to_owned(),
            Err(_) => p.to_owned(),
        };
        let url = parse_url(&format!(
            "{}{}",
            auth_base.as_str().trim_end_matches('/'),
            path
        ))?;
        check_base_url(&url)?;
        Ok::<_, AppError>(url)
    };
    let mut cfg = OAuthClientConfig::new(
        manifest.name,
        client_id,
        join(authorize_path)?,
        join(token_path)?,
    )
    .with_scopes(scopes.iter().copied());
    if let Some(s) = secret {
        cfg = cfg.with_secret(s.expose().clone());
    }
    Ok(cfg)
}

/// Saves rotated OAuth tokens into the encrypted store before they are used.
struct StoreTokens {
    store: Store,
    company_id: CompanyId,
    connection_id: ConnectionId,
    client_id: String,
    client_secret: Option<Sensitive<String>>,
    clock: Arc<dyn maestro_core::clock::Clock>,
}

#[async_trait]
impl TokenPersistence for StoreTokens {
    async fn save(&self, tokens: &TokenSet) -> std::result::Result<(), OAuthError> {
        let cred = StoredCredential::OAuth2 {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            tokens: tokens.clone(),
        };
        let persist = |e: String| OAuthError::Persist(e);
        let value = serde_json::to_value(&cred).map_err(|e| persist(e.to_string()))?;
        let now = self.clock.now();
        let mut tx = self
            .store
            .write()
            .await
            .map_err(|e| persist(e.to_string()))?;
        connections::save_credential(
            tx.conn(),
            self.company_id,
            self.connection_id,
            "oauth2",
            &Sensitive::new(value),
            tokens.expires_at,
            now,
        )
        .await
        .map_err(|e| persist(e.to_string()))?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(
                "oauth",
                "credential.rotate",
                &self.connection_id.to_string(),
            )
            .company(self.company_id),
            now,
        )
        .await
        .map_err(|e| persist(e.to_string()))?;
        tx.commit().await.map_err(|e| persist(e.to_string()))
    }
}

impl App {
    /// Every connector compiled in.
    pub fn connectors(&self) -> Vec<&'static Manifest> {
        Registry::current()
            .all()
            .iter()
            .map(|d| d.manifest)
            .collect()
    }

    pub(crate) fn manifest(&self, provider: &str) -> Result<&'static Manifest> {
        Registry::current()
            .get(provider)
            .map(|d| d.manifest)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    format!(
                        "there is no connector called '{provider}'; available: {}",
                        self.connectors()
                            .iter()
                            .map(|m| m.id)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    }

    /// Validates, authorises, tests and saves a new connection. Nothing is saved unless the
    /// test passes.
    pub async fn connect(
        &self,
        company: &Company,
        input: ConnectInput,
        browser: &dyn BrowserOpener,
    ) -> Result<(Connection, CheckReport)> {
        // The form's secrets are wiped when this returns, on every path.
        let input = zeroize::Zeroizing::new(input);
        let manifest = self.manifest(&input.provider)?;
        let problems = validate_fields(manifest, &input.values);
        if let Some(first) = problems.first() {
            return Err(AppError::new(
                ErrorCode::Validation,
                format!("{} {}", first.message, first.help),
            )
            .with_field(&first.field));
        }
        let mut config = serde_json::Map::new();
        let mut secrets = BTreeMap::new();
        for field in manifest.config {
            if let Some(v) = input
                .values
                .get(field.key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
            {
                if field.kind == FieldKind::Secret {
                    secrets.insert(field.key.to_owned(), Sensitive::new(v));
                } else {
                    config.insert(field.key.to_owned(), Value::String(v));
                }
            }
        }
        if let Some(u) = &input.base_url {
            config.insert("base_url".into(), json!(u.as_str()));
        }
        if let Some(u) = &input.auth_base_url {
            config.insert("auth_base_url".into(), json!(u.as_str()));
        }
        if input.sync_sensitive {
            config.insert(crate::sensitive::SYNC_SENSITIVE_KEY.into(), json!(true));
        }
        // The sandbox's own CA, trusted only for a connection to this computer (ADP's emulator
        // speaks mutual TLS with a test CA).
        // It comes with the form's values (the wizard's "Use the demo sandbox" fills it in).
        if let (Some(ca), Some(u)) = (input.values.get(SANDBOX_CA_KEY), &input.base_url)
            && maestro_http::url_policy::is_loopback(u)
            && ca.contains("BEGIN CERTIFICATE")
        {
            config.insert(SANDBOX_CA_KEY.into(), json!(ca.trim()));
        }
        let mut config = Value::Object(config);
        let base_url = resolve_base_url(manifest, &config, &input.values)?;
        // A client certificate is checked here, before any request: PEM, its key, in force.
        if let AuthKind::ApiKey { scheme } = &manifest.auth {
            client_tls(
                manifest,
                *scheme,
                &secrets,
                &config,
                &base_url,
                self.now(),
                false,
            )?;
        }
        let siblings = self.same_tool_connections(company.id, manifest).await?;
        refuse_connected_account(manifest, &siblings, &config)?;
        let credential = match &manifest.auth {
            AuthKind::ApiKey { .. } => StoredCredential::Fields { fields: secrets },
            AuthKind::OAuth2 { .. } => {
                let (client_id, client_secret) = input.oauth_client.clone().ok_or_else(|| {
                    AppError::new(
                        ErrorCode::Validation,
                        format!("{} needs an OAuth client id to sign in", manifest.name),
                    )
                })?;
                let client_secret = client_secret.map(Sensitive::new);
                let cfg = oauth_config(
                    manifest,
                    &auth_base(manifest, &config, &base_url)?,
                    &client_id,
                    client_secret.as_ref(),
                )?;
                let http = maestro_http::oauth::token_http_client().map_err(oauth_error)?;
                // Parameters the sign-in's redirect carries that the file keeps as settings
                // (QuickBooks' realmId: the company the owner chose, whatever the form said).
                let keep = maestro_connectors::kit::callback_fields(manifest.id);
                let names: Vec<&str> = keep.iter().map(|(p, _)| p.as_str()).collect();
                let (tokens, kept) = maestro_http::oauth::authorize_keeping(
                    &cfg,
                    browser,
                    &http,
                    std::time::Duration::from_secs(300),
                    &names,
                )
                .await
                .map_err(oauth_error)?;
                for (param, field) in &keep {
                    let Some(value) = kept.get(param).map(|v| v.trim()).filter(|v| !v.is_empty())
                    else {
                        continue;
                    };
                    if let Value::Object(m) = &mut config {
                        m.insert(field.clone(), json!(value));
                    }
                }
                StoredCredential::OAuth2 {
                    client_id,
                    client_secret,
                    tokens,
                }
            }
        };
        if matches!(manifest.auth, AuthKind::OAuth2 { .. })
            && same_origin(&auth_base(manifest, &config, &base_url)?, &base_url)
        {
            // The sign-in page and the token exchange were requests to the account's host.
            self.account_limiter(manifest, &config, &base_url)
                .count_made(2);
        }
        let now = self.now();
        // A second account of one tool is told apart by what names it (its subdomain…).
        let account_name = account_field(manifest)
            .and_then(|key| config.get(key))
            .and_then(Value::as_str);
        let display = match (&input.display_name, account_name) {
            (Some(name), _) => name.clone(),
            (None, Some(account)) if !siblings.is_empty() => {
                format!("{} ({account})", manifest.name)
            }
            (None, _) => manifest.name.to_owned(),
        };
        // Save in one transaction, test, and roll back (delete) if the test fails.
        let mut tx = self.store().write().await?;
        let connection =
            connections::insert(tx.conn(), company.id, manifest.id, &display, &config, now).await?;
        let cred_value = serde_json::to_value(&credential)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        connections::save_credential(
            tx.conn(),
            company.id,
            connection.id,
            credential_kind(&credential),
            &Sensitive::new(cred_value),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        // Test before keeping it; a failure here is the form's problem, not an alert.
        let checked = match self.connector(company.id, connection.id).await {
            Ok(connector) => connector.check().await.map_err(|e| {
                if e.needs_reconnect() {
                    AppError::new(
                        ErrorCode::Validation,
                        format!(
                            "{} did not accept these credentials ({}). Check them and try again.",
                            manifest.name,
                            auth_reason(&e)
                        ),
                    )
                } else {
                    self.connector_error(&e)
                }
            }),
            Err(e) => Err(e),
        };
        match checked {
            Ok(report) => {
                self.audit(
                    AuditEvent::new(&self.actor, "connection.create", manifest.id)
                        .company(company.id)
                        .detail(json!({"connection_id": connection.id, "account": report.account})),
                )
                .await?;
                Ok((connection, report))
            }
            Err(e) => {
                let mut tx = self.store().write().await?;
                connections::delete(tx.conn(), company.id, connection.id).await?;
                tx.commit().await?;
                Err(e)
            }
        }
    }

    /// The company's connections of `manifest`'s tool.
    async fn same_tool_connections(
        &self,
        company_id: CompanyId,
        manifest: &Manifest,
    ) -> Result<Vec<Connection>> {
        let mut conn = self.conn().await?;
        Ok(connections::list(&mut conn, company_id)
            .await?
            .into_iter()
            .filter(|c| c.provider == manifest.id)
            .collect())
    }

    /// The secret that signs a connection's webhooks: the one the owner saved for it, or else
    /// the saved form field its provider file names (Checkr signs with the account's API key).
    /// `None` when neither exists. Reading a credential field is audited as its use.
    pub async fn webhook_signing_secret(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
    ) -> Result<Option<Sensitive<String>>> {
        let mut conn = self.conn().await?;
        if let Some(saved) =
            maestro_store::api_keys::webhook_secret(&mut conn, company_id, connection_id).await?
        {
            return Ok(Some(saved));
        }
        let connection = connections::get(&mut conn, company_id, connection_id).await?;
        let Some(field) = Registry::current()
            .get(&connection.provider)
            .and_then(|def| def.webhook_secret_field())
        else {
            return Ok(None);
        };
        let Some((_, secret)) =
            connections::load_credential(&mut conn, company_id, connection_id).await?
        else {
            return Ok(None);
        };
        drop(conn);
        let value = match serde_json::from_value(secret.expose().clone()) {
            Ok(StoredCredential::Fields { mut fields }) => fields.remove(field),
            _ => None,
        };
        if value.is_some() {
            self.audit(
                AuditEvent::new(&self.actor, "credential.use", &connection_id.to_string())
                    .company(company_id)
                    .detail(json!({"provider": connection.provider, "for": "webhook"})),
            )
            .await?;
        }
        Ok(value)
    }

    /// Builds the connector of a saved connection.
    pub async fn connector(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
    ) -> Result<Arc<dyn Connector>> {
        let mut conn = self.conn().await?;
        let connection = connections::get(&mut conn, company_id, connection_id).await?;
        let (_, secret) = connections::load_credential(&mut conn, company_id, connection_id)
            .await?
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    format!(
                        "{} has no saved credentials; reconnect it",
                        connection.display_name
                    ),
                )
            })?;
        drop(conn);
        self.audit(
            AuditEvent::new(&self.actor, "credential.use", &connection_id.to_string())
                .company(company_id)
                .detail(json!({"provider": connection.provider})),
        )
        .await?;
        let def = Registry::current()
            .get(&connection.provider)
            .copied()
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    format!("this build has no '{}' connector", connection.provider),
                )
            })?;
        let manifest = def.manifest;
        let values = config_values(&connection.config);
        let base_url = resolve_base_url(manifest, &connection.config, &values)?;
        let auth_base_url = auth_base(manifest, &connection.config, &base_url)?;
        let limiter = self.account_limiter(manifest, &connection.config, &base_url);
        let stored: StoredCredential =
            serde_json::from_value(secret.expose().clone()).map_err(|_| {
                AppError::new(
                    ErrorCode::Internal,
                    "the saved credentials could not be read; reconnect the provider",
                )
            })?;
        let mut tls = None;
        let auth = match (&manifest.auth, stored) {
            (AuthKind::ApiKey { scheme }, StoredCredential::Fields { fields }) => {
                tls = client_tls(
                    manifest,
                    *scheme,
                    &fields,
                    &connection.config,
                    &base_url,
                    self.now(),
                    true,
                )?;
                key_auth(
                    manifest,
                    *scheme,
                    &fields,
                    &auth_base_url,
                    &self.clock,
                    tls.as_ref(),
                )?
            }
            (
                AuthKind::OAuth2 { .. },
                StoredCredential::OAuth2 {
                    client_id,
                    client_secret,
                    tokens,
                },
            ) => {
                let cfg =
                    oauth_config(manifest, &auth_base_url, &client_id, client_secret.as_ref())?;
                let persistence = Arc::new(StoreTokens {
                    store: self.store().clone(),
                    company_id,
                    connection_id,
                    client_id,
                    client_secret,
                    clock: self.clock.clone(),
                });
                let http = maestro_http::oauth::token_http_client().map_err(oauth_error)?;
                let manager = TokenManager::new(cfg, http, tokens, persistence, self.clock.clone());
                Auth::OAuth(Arc::new(if same_origin(&auth_base_url, &base_url) {
                    manager.with_limiter(limiter.clone())
                } else {
                    manager
                }))
            }
            _ => {
                return Err(AppError::new(
                    ErrorCode::Validation,
                    format!(
                        "the saved credentials of {} do not fit its sign-in method; reconnect it",
                        connection.display_name
                    ),
                ));
            }
        };
        let loopback = maestro_http::url_policy::is_loopback(&base_url);
        let options = ClientOptions {
            tls13_only: !loopback,
            ..Default::default()
        };
        let http = match &tls {
            Some(tls) => maestro_http::identity::build_client_with_identity(&options, tls)?,
            None => maestro_http::build_client(&options)?,
        };
        let ctx = ConnectorContext {
            company_id,
            connection_id,
            config: values,
            base_url,
            auth_base_url: Some(auth_base_url),
            auth,
            http,
            clock: self.clock.clone(),
            retry: self.retry_policy.clone().unwrap_or_default(),
            limiter: Some(limiter),
        };
        let connector = def.build(ctx).map_err(|e| self.connector_error(&e))?;
        if crate::sensitive::opted_in(&connection.config) {
            Ok(connector)
        } else {
            Ok(Arc::new(crate::sensitive::WithoutSensitive(connector)))
        }
    }

    /// "Test connection" for a saved connection. A credential failure marks the connection
    /// "needs reconnect" and raises an alert; success clears both.
    pub async fn check_connection(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
    ) -> Result<CheckReport> {
        let connector = self.connector(company_id, connection_id).await?;
        match connector.check().await {
            Ok(report) => {
                self.connection_healthy(company_id, connection_id).await?;
                // After a reconnect the new sign-in's end replaces the old one's.
                self.check_sign_in_expiry(company_id).await?;
                Ok(report)
            }
            Err(e) => {
                self.record_connector_failure(company_id, connection_id, &e)
                    .await?;
                Err(self.connector_error(&e))
            }
        }
    }

    /// Records a connector failure: credential problems raise a "reconnect" alert and mark
    /// the connection; other failures are only logged here (the sync engine counts them).
    pub async fn record_connector_failure(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        err: &ConnectorError,
    ) -> Result<()> {
        tracing::warn!(%connection_id, error = %err, "connector call failed");
        if !err.needs_reconnect() {
            return Ok(());
        }
        let now = self.now();
        let mut tx = self.store().write().await?;
        let connection = connections::get(tx.conn(), company_id, connection_id).await?;
        connections::set_status(tx.conn(), company_id, connection_id, "needs_reconnect", now)
            .await?;
        alerts::raise(
            tx.conn(),
            &NewAlert {
                company_id,
                connection_id: Some(connection_id),
                kind: "auth_revoked".into(),
                severity: Severity::Critical,
                dedupe_key: format!("auth:{connection_id}"),
                title: format!("{} needs to be reconnected", connection.display_name),
                detail: format!(
                    "{} no longer accepts the saved sign-in (it said: {}). Syncing with it is paused until you reconnect it.",
                    connection.display_name,
                    auth_reason(err)
                ),
                action: Some("reconnect".into()),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn connection_healthy(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store().write().await?;
        let connection = connections::get(tx.conn(), company_id, connection_id).await?;
        if connection.status == "needs_reconnect" {
            connections::set_status(tx.conn(), company_id, connection_id, "active", now).await?;
        }
        alerts::resolve(tx.conn(), company_id, &format!("auth:{connection_id}"), now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the credentials of an existing connection (the alert's "reconnect" fix), then
    /// tests it.
    pub async fn reconnect(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        values: BTreeMap<String, String>,
    ) -> Result<CheckReport> {
        // The new secrets in clear are wiped when this returns, on every path.
        let values = crate::connect_input::WipedOnDrop(values);
        let mut conn = self.conn().await?;
        let connection = connections::get(&mut conn, company_id, connection_id).await?;
        drop(conn);
        let manifest = self.manifest(&connection.provider)?;
        let secrets: BTreeMap<String, Sensitive<String>> = manifest
            .config
            .iter()
            .filter(|f| f.kind == FieldKind::Secret)
            .filter_map(|f| {
                values
                    .get(f.key)
                    .map(|v| (f.key.to_owned(), Sensitive::new(v.trim().to_owned())))
            })
            .collect();
        self.replace_credential(
            company_id,
            connection_id,
            &StoredCredential::Fields { fields: secrets },
            json!({"method": "fields"}),
        )
        .await?;
        self.check_connection(company_id, connection_id).await
    }

    /// Saves a connection's new credentials, audited as `credential.replace` with `detail`,
    /// in one transaction.
    pub(crate) async fn replace_credential(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        credential: &StoredCredential,
        detail: Value,
    ) -> Result<()> {
        let value = serde_json::to_value(credential)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        let now = self.now();
        let mut tx = self.store().write().await?;
        connections::save_credential(
            tx.conn(),
            company_id,
            connection_id,
            credential_kind(credential),
            &Sensitive::new(value),
            None,
            now,
        )
        .await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(
                &self.actor,
                "credential.replace",
                &connection_id.to_string(),
            )
            .company(company_id)
            .detail(detail),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns a connector error into an app error with a plain message.
    pub fn connector_error(&self, err: &ConnectorError) -> AppError {
        let code = if err.needs_reconnect() {
            ErrorCode::NeedsReconnect
        } else {
            match err.kind() {
                maestro_core::error::ErrorKind::Validation => ErrorCode::Validation,
                maestro_core::error::ErrorKind::NotFound => ErrorCode::NotFound,
                maestro_core::error::ErrorKind::Transient
                | maestro_core::error::ErrorKind::Throttled => ErrorCode::ProviderUnavailable,
                _ => ErrorCode::Internal,
            }
        };
        AppError::new(code, err.to_string())
    }
}

/// The provider's own words for an auth failure, without our advice around them.
fn auth_reason(e: &ConnectorError) -> String {
    match e {
        ConnectorError::Http(maestro_http::HttpError::Auth { message, .. }) => message.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn credential_kind(c: &StoredCredential) -> &'static str {
    match c {
        StoredCredential::Fields { .. } => "fields",
        StoredCredential::OAuth2 { .. } => "oauth2",
    }
}

fn key_auth(
    manifest: &Manifest,
    scheme: KeyScheme,
    fields: &BTreeMap<String, Sensitive<String>>,
    auth_base: &Url,
    clock: &Arc<dyn maestro_core::clock::Clock>,
    tls: Option<&maestro_http::identity::MutualTls>,
) -> Result<Auth> {
    let get = |k: &str| {
        fields.get(k).cloned().ok_or_else(|| {
            AppError::new(
                ErrorCode::NeedsReconnect,
                format!(
                    "the saved {} credentials lack `{k}`; reconnect it",
                    manifest.name
                ),
            )
        })
    };
    Ok(match scheme {
        KeyScheme::Basic {
            username_field,
            password,
        } => Auth::Basic {
            username: get(username_field)?,
            password: Sensitive::new(password.to_owned()),
        },
        KeyScheme::BasicFields {
            username_field,
            password_field,
        } => Auth::Basic {
            username: get(username_field)?,
            password: get(password_field)?,
        },
        KeyScheme::Bearer { token_field } => Auth::Bearer(get(token_field)?),
        KeyScheme::Query { name, field } => Auth::Query {
            name: name.to_owned(),
            value: get(field)?,
        },
        KeyScheme::Header {
            name,
            field,
            prefix,
        } => Auth::Header {
            name: http_header(name)?,
            value: Sensitive::new(format!("{prefix}{}", get(field)?.expose())),
        },
        // The id and secret are exchanged for a token on first use (the connection test):
        // a wrong pair fails there, in the provider's words.
        KeyScheme::ClientCredentials {
            client_id_field,
            client_secret_field,
            ..
        } => {
            // `auth_base` is already held to https (or this computer) by `auth_base()`.
            let token_http = match tls {
                // Mutual TLS: the token request presents the client certificate too.
                Some(tls) => maestro_http::identity::token_client_with_identity(tls)?,
                None => maestro_http::oauth::token_http_client().map_err(oauth_error)?,
            };
            maestro_connectors::manifest::client_credentials_auth_with(
                manifest.name,
                scheme,
                (get(client_id_field)?, get(client_secret_field)?),
                auth_base,
                clock.clone(),
                token_http,
            )
            .map_err(|e| AppError::new(ErrorCode::Internal, e))?
        }
    })
}

/// The connection setting holding the local sandbox's CA (PEM), kept only for a connection to
/// this computer.
pub(crate) const SANDBOX_CA_KEY: &str = "sandbox_ca";

/// The client certificate a connection presents (mutual TLS: a scheme naming certificate
/// fields, ADP), checked as of `now` before any request; `None` for every other scheme. Only a
/// connection to this computer that names the sandbox's CA trusts it, and then only it.
/// `saved`: the connection exists (a mistake there needs a reconnect, not a form fix).
pub(crate) fn client_tls(
    manifest: &Manifest,
    scheme: KeyScheme,
    fields: &BTreeMap<String, Sensitive<String>>,
    config: &Value,
    base_url: &Url,
    now: chrono::DateTime<chrono::Utc>,
    saved: bool,
) -> Result<Option<maestro_http::identity::MutualTls>> {
    use maestro_http::identity::{ClientIdentity, IdentityError, MutualTls};
    let KeyScheme::ClientCredentials {
        client_certificate: Some((cert_field, key_field)),
        ..
    } = scheme
    else {
        return Ok(None);
    };
    let missing = |k: &str| {
        AppError::new(
            ErrorCode::Validation,
            format!(
                "{} needs the client certificate and its private key",
                manifest.name
            ),
        )
        .with_field(k)
    };
    let cert = fields.get(cert_field).ok_or_else(|| missing(cert_field))?;
    let key = fields.get(key_field).ok_or_else(|| missing(key_field))?;
    let identity = ClientIdentity::from_pem(cert.expose(), key.expose(), now).map_err(|e| {
        let field = match e {
            IdentityError::KeyNotPem
            | IdentityError::KeyUnsupported
            | IdentityError::KeyMismatch => key_field,
            _ => cert_field,
        };
        let code = if saved {
            ErrorCode::NeedsReconnect
        } else {
            ErrorCode::Validation
        };
        let then = if saved {
            "; reconnect it with a valid one"
        } else {
            ""
        };
        AppError::new(code, format!("{}: {e}{then}", manifest.name)).with_field(field)
    })?;
    let trust_only = match config.get(SANDBOX_CA_KEY).and_then(Value::as_str) {
        Some(ca) if maestro_http::url_policy::is_loopback(base_url) => vec![ca.to_owned()],
        _ => Vec::new(),
    };
    Ok(Some(MutualTls {
        identity,
        trust_only,
    }))
}

fn http_header(name: &'static str) -> Result<reqwest::header::HeaderName> {
    reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| AppError::new(ErrorCode::Internal, format!("bad header name {name}")))
}

pub(crate) fn oauth_error(e: OAuthError) -> AppError {
    let code = if e.needs_reconnect() {
        ErrorCode::NeedsReconnect
    } else {
        ErrorCode::Validation
    };
    AppError::new(code, e.to_string())
}
