//! Transport types of the IPC boundary (camelCase, typed for TypeScript by specta), converted
//! from `maestro-app` and store types. Times are UTC ISO 8601 strings.

use std::collections::BTreeMap;

use maestro_app::desktop::ConnectionOverview;
use maestro_connectors::{AuthKind, Category, ConfigField, FieldKind, Manifest};
use maestro_core::model::EntityKind;
use maestro_store::alerts::Alert;
use serde::{Deserialize, Serialize};
use specta::Type;

/// How the store's key is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// A random key in the system keychain.
    Keychain,
    /// A key derived from the owner's passphrase.
    Passphrase,
}

impl KeySource {
    /// From the store's "keychain"/"passphrase" name.
    pub fn from_name(name: &str) -> Self {
        if name == "keychain" {
            Self::Keychain
        } else {
            Self::Passphrase
        }
    }
}

/// Where the app stands at start-up: which screen to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppStateDto {
    /// An encrypted store exists in the data folder.
    pub store_exists: bool,
    /// The store is open in this session.
    pub unlocked: bool,
    /// How the existing store is protected.
    pub key_source: Option<KeySource>,
    /// A system keychain can hold a new store's key.
    pub keychain_available: bool,
    /// The data folder.
    pub data_dir: String,
    /// The demo sandbox is running.
    pub demo_running: bool,
    /// The company's name, once unlocked.
    pub company: Option<String>,
}

/// Records of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KindCount {
    /// Entity kind (snake_case, e.g. "time_entry").
    pub kind: String,
    /// Current records.
    pub count: u32,
}

/// Turns store counts into transport counts.
pub fn kind_counts(records: &[(EntityKind, i64)]) -> Vec<KindCount> {
    records
        .iter()
        .map(|(kind, n)| KindCount {
            kind: kind.as_str().to_owned(),
            count: u32::try_from(*n).unwrap_or(u32::MAX),
        })
        .collect()
}

/// The latest sync run of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LastSync {
    /// When it started.
    pub started_at: String,
    /// When it ended, if it has.
    pub finished_at: Option<String>,
    /// "running", "succeeded" or "failed".
    pub status: String,
    /// Why it failed.
    pub error: Option<String>,
}

/// A connection card on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCard {
    /// Connection id.
    pub id: String,
    /// Connector id, e.g. "bamboohr".
    pub provider: String,
    /// Name shown to the owner.
    pub display_name: String,
    /// "active", "paused", "needs_reconnect"…
    pub status: String,
    /// The connection needs the owner (reconnect, failed sync).
    pub needs_attention: bool,
    /// Latest sync run.
    pub last_sync: Option<LastSync>,
    /// Records it brought in, per kind.
    pub records: Vec<KindCount>,
}

impl From<&ConnectionOverview> for ConnectionCard {
    fn from(o: &ConnectionOverview) -> Self {
        let last_sync = o.last_run.as_ref().map(|r| LastSync {
            started_at: r.started_at.to_rfc3339(),
            finished_at: r.finished_at.map(|t| t.to_rfc3339()),
            status: r.status.clone(),
            error: r.error_message.clone(),
        });
        let failed = last_sync.as_ref().is_some_and(|s| s.status == "failed");
        Self {
            id: o.connection.id.to_string(),
            provider: o.connection.provider.clone(),
            display_name: o.connection.display_name.clone(),
            status: o.connection.status.clone(),
            needs_attention: o.connection.status == "needs_reconnect" || failed,
            last_sync,
            records: kind_counts(&o.records),
        }
    }
}

/// The dashboard's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StatusDto {
    /// Company name.
    pub company: String,
    /// Data folder.
    pub data_dir: String,
    /// How the key is protected.
    pub key_source: KeySource,
    /// SQLCipher version.
    pub cipher_version: String,
    /// Connections.
    pub connections: Vec<ConnectionCard>,
    /// All current records per kind.
    pub records: Vec<KindCount>,
    /// Entries in the audit log.
    pub audit_entries: u32,
}

/// How a provider signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A key or token typed into the form.
    ApiKey,
    /// OAuth in the system browser.
    Oauth2,
}

/// Type of a form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text.
    Text,
    /// A secret, shown masked.
    Secret,
    /// A web address.
    Url,
}

/// One field of a connection form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldDto {
    /// Key sent back in `values`.
    pub key: String,
    /// Label.
    pub label: String,
    /// Where to find the value.
    pub help: String,
    /// Type.
    pub kind: FieldType,
    /// Must be filled in.
    pub required: bool,
    /// An example value.
    pub example: Option<String>,
}

impl From<&ConfigField> for FieldDto {
    fn from(f: &ConfigField) -> Self {
        Self {
            key: f.key.into(),
            label: f.label.into(),
            help: f.help.into(),
            kind: match f.kind {
                FieldKind::Text => FieldType::Text,
                FieldKind::Secret => FieldType::Secret,
                FieldKind::Url => FieldType::Url,
            },
            required: f.required,
            example: f.example.map(Into::into),
        }
    }
}

/// A connector as the wizard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorDto {
    /// Connector id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Category (snake_case, e.g. "time_tracking").
    pub category: String,
    /// One-line description.
    pub summary: String,
    /// How it signs in.
    pub auth: AuthMethod,
    /// Form fields.
    pub fields: Vec<FieldDto>,
    /// Kinds of records it can read.
    pub reads: Vec<String>,
    /// Developer documentation.
    pub docs_url: String,
}

fn category_name(c: Category) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "custom".into())
}

impl From<&Manifest> for ConnectorDto {
    fn from(m: &Manifest) -> Self {
        Self {
            id: m.id.into(),
            name: m.name.into(),
            category: category_name(m.category),
            summary: m.summary.into(),
            auth: match m.auth {
                AuthKind::ApiKey { .. } => AuthMethod::ApiKey,
                AuthKind::OAuth2 { .. } => AuthMethod::Oauth2,
            },
            fields: m.config.iter().map(FieldDto::from).collect(),
            reads: m
                .entities
                .iter()
                .filter(|e| e.read)
                .map(|e| e.kind.as_str().to_owned())
                .collect(),
            docs_url: m.docs_url.into(),
        }
    }
}

/// A problem with one field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldProblemDto {
    /// Field key.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What the wizard collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectRequest {
    /// Connector id.
    pub provider: String,
    /// Name to show (defaults to the provider's name).
    pub display_name: Option<String>,
    /// Field values by key.
    pub values: BTreeMap<String, String>,
    /// Another API address (the provider's sandbox or a region).
    pub base_url: Option<String>,
    /// OAuth client id (OAuth providers).
    pub oauth_client_id: Option<String>,
    /// OAuth client secret, when the provider issues one.
    pub oauth_client_secret: Option<String>,
}

/// A successful connection test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectResult {
    /// Connection id.
    pub connection_id: String,
    /// Its name.
    pub display_name: String,
    /// The account reached, in the provider's words.
    pub account: String,
    /// Plain-language findings.
    pub details: Vec<String>,
}

/// New credentials for a connection that needs reconnecting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReconnectRequest {
    /// Connection id.
    pub connection_id: String,
    /// Secret field values by key.
    pub values: BTreeMap<String, String>,
}

/// The outcome of syncing one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EntitySync {
    /// Entity kind.
    pub entity: String,
    /// Records read.
    pub seen: u32,
    /// New records.
    pub created: u32,
    /// Changed records.
    pub updated: u32,
    /// Records marked deleted.
    pub deleted: u32,
    /// Why it stopped, when it failed.
    pub error: Option<String>,
}

/// The outcome of syncing one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncOutcome {
    /// Connection id.
    pub connection_id: String,
    /// Its name.
    pub display_name: String,
    /// Per entity.
    pub entities: Vec<EntitySync>,
}

/// Saturating u64 → u32 for counts shown to people.
pub fn small(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<&maestro_app::sync::EntityOutcome> for EntitySync {
    fn from(o: &maestro_app::sync::EntityOutcome) -> Self {
        let s = o.summary.unwrap_or_default();
        Self {
            entity: o.entity.as_str().to_owned(),
            seen: small(s.seen),
            created: small(s.created),
            updated: small(s.updated),
            deleted: small(s.deleted),
            error: o.error.clone(),
        }
    }
}

/// Something that needs the owner's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AlertDto {
    /// Alert id.
    pub id: String,
    /// The connection concerned.
    pub connection_id: Option<String>,
    /// Its connector id (to render the reconnect form).
    pub provider: Option<String>,
    /// "info", "warning" or "critical".
    pub severity: String,
    /// Headline.
    pub title: String,
    /// Details.
    pub detail: String,
    /// Suggested one-click fix, e.g. "reconnect".
    pub action: Option<String>,
    /// Last raised.
    pub raised_at: String,
}

impl AlertDto {
    /// From a stored alert and the provider of its connection.
    pub fn new(a: &Alert, provider: Option<String>) -> Self {
        Self {
            id: a.id.clone(),
            connection_id: a.connection_id.map(|c| c.to_string()),
            provider,
            severity: a.severity.clone(),
            title: a.title.clone(),
            detail: a.detail.clone(),
            action: a.action.clone(),
            raised_at: a.updated_at.to_rfc3339(),
        }
    }
}
