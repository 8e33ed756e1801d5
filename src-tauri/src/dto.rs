//! Transport types of the IPC boundary (camelCase, typed for TypeScript by specta), converted
//! from `maestro-app` and store types. Times are UTC ISO 8601 strings.

use std::collections::BTreeMap;

use maestro_app::desktop::ConnectionOverview;
use maestro_connectors::{AuthKind, Category, ConfigField, FieldKind, Manifest};
use maestro_core::model::EntityKind;
use maestro_store::alerts::Alert;
use serde::{Deserialize, Serialize};
use specta::Type;
use zeroize::Zeroize;

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
    /// The value the form starts with (used when left empty, too).
    pub default: Option<String>,
    /// The value is several lines (a PEM certificate or key): shown as a text area.
    pub multiline: bool,
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
            default: f.default.map(Into::into),
            multiline: f.multiline,
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

/// A category's stable name ("payroll", "time_tracking").
pub(crate) fn category_name(c: Category) -> String {
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

// Holds secrets in clear: its `Debug` shows no value and no client secret, and its secrets
// are overwritten when it is dropped (a plain comment: doc comments reach the TS bindings).
/// What the wizard collected.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
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
    /// Also sync SSNs, birth dates and bank numbers (off unless the owner opts in).
    #[serde(default)]
    pub sync_sensitive: bool,
}

/// How a secret value is shown.
const REDACTED: &str = "[redacted]";

/// Field names with their values hidden (the form does not say here which are secret).
fn redacted_values(values: &BTreeMap<String, String>) -> BTreeMap<&str, &str> {
    values.keys().map(|k| (k.as_str(), REDACTED)).collect()
}

impl std::fmt::Debug for ConnectRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectRequest")
            .field("provider", &self.provider)
            .field("display_name", &self.display_name)
            .field("values", &redacted_values(&self.values))
            .field("base_url", &self.base_url.as_ref().map(|_| REDACTED))
            .field("oauth_client_id", &self.oauth_client_id)
            .field(
                "oauth_client_secret",
                &self.oauth_client_secret.as_ref().map(|_| REDACTED),
            )
            .field("sync_sensitive", &self.sync_sensitive)
            .finish()
    }
}

impl Zeroize for ConnectRequest {
    /// Overwrites the form values and the client secret (names and ids stay).
    fn zeroize(&mut self) {
        self.values.values_mut().for_each(Zeroize::zeroize);
        self.oauth_client_secret.zeroize();
    }
}

impl Drop for ConnectRequest {
    fn drop(&mut self) {
        self.zeroize();
    }
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

// Holds secrets in clear: its `Debug` shows no value, and the values are overwritten when it
// is dropped.
/// New credentials for a connection that needs reconnecting.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReconnectRequest {
    /// Connection id.
    pub connection_id: String,
    /// Secret field values by key.
    pub values: BTreeMap<String, String>,
}

impl std::fmt::Debug for ReconnectRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReconnectRequest")
            .field("connection_id", &self.connection_id)
            .field("values", &redacted_values(&self.values))
            .finish()
    }
}

impl Zeroize for ReconnectRequest {
    /// Overwrites the values (their names and the connection id stay).
    fn zeroize(&mut self) {
        self.values.values_mut().for_each(Zeroize::zeroize);
    }
}

impl Drop for ReconnectRequest {
    fn drop(&mut self) {
        self.zeroize();
    }
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
    /// What kind of alert ("pay_rate_mismatch", "sync_failing"…).
    pub kind: String,
    /// Suggested one-click fix: "reconnect", "retry" or "review".
    pub action: Option<String>,
    /// For a discrepancy: a record of the person concerned (to open them in People).
    pub record_id: Option<String>,
    /// Last raised.
    pub raised_at: String,
}

impl AlertDto {
    /// From a stored alert, the provider of its connection and the record of the person it
    /// is about.
    pub fn new(
        a: &Alert,
        provider: Option<String>,
        record: Option<maestro_core::ids::RecordId>,
    ) -> Self {
        Self {
            id: a.id.clone(),
            connection_id: a.connection_id.map(|c| c.to_string()),
            provider,
            severity: a.severity.clone(),
            title: a.title.clone(),
            detail: a.detail.clone(),
            kind: a.kind.clone(),
            action: a.action.clone(),
            record_id: record.map(|r| r.to_string()),
            raised_at: a.updated_at.to_rfc3339(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// People, Review, Activity and Settings screens.

/// A pay rate as the roster words it ("18.00 USD per hour"), as exact money for `Intl`.
pub fn pay_rate_money(text: &str) -> Option<MoneyDto> {
    let mut words = text.split_whitespace();
    let (amount, currency) = (words.next()?, words.next()?);
    let money: maestro_core::money::Money = format!("{amount} {currency}").parse().ok()?;
    let period = match words.next() {
        Some("per") => Some(words.collect::<Vec<_>>().join("_")).filter(|p| !p.is_empty()),
        Some(_) => return None,
        None => None,
    };
    Some(MoneyDto {
        amount: money.amount.to_string(),
        currency: money.currency.code().to_owned(),
        period,
    })
}

/// One provider's value of a person's field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SourcedValueDto {
    /// The value as shown.
    pub value: String,
    /// The exact amount, when the value is a pay rate.
    pub money: Option<MoneyDto>,
    /// Connector id ("gusto").
    pub provider: String,
    /// The connection's name.
    pub connection: String,
}

/// One field of a person with where its values came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonFieldDto {
    /// Stable field name ("job_title").
    pub field: String,
    /// English label ("Job title").
    pub label: String,
    /// The value shown (from the system trusted for this field).
    pub value: String,
    /// The exact amount, when the field is a pay rate.
    pub money: Option<MoneyDto>,
    /// Connector id of the shown value.
    pub source: String,
    /// Every provider's value, the shown one first.
    pub values: Vec<SourcedValueDto>,
    /// Every provider holds the same value.
    pub agree: bool,
}

/// A record linked to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LinkedRecordDto {
    /// Local record id (for confirm and split).
    pub record_id: String,
    /// "employee" or "contractor".
    pub kind: String,
    /// Connector id.
    pub provider: String,
    /// The connection's name.
    pub connection: String,
    /// The provider's id of the record.
    pub remote_id: String,
    /// Why it is linked ("work_email", "owner"…).
    pub method: String,
    /// How sure, as exact text ("0.99").
    pub confidence: String,
    /// "auto", "suggested", "confirmed" or "split".
    pub status: String,
}

/// One row of the unified roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonDto {
    /// The person's identity id.
    pub identity_id: String,
    /// Display name.
    pub name: String,
    /// Work email.
    pub work_email: Option<String>,
    /// A weakly matched link waits for the owner to confirm or split.
    pub needs_review: bool,
    /// Fields with provenance.
    pub fields: Vec<PersonFieldDto>,
    /// Linked records.
    pub records: Vec<LinkedRecordDto>,
    /// Background checks ordered for them, newest first.
    pub checks: Vec<PersonCheckDto>,
}

/// A background check on the person page: its state and where to open the report, never
/// what the report says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonCheckDto {
    /// Local record id.
    pub record_id: String,
    /// Connector id ("checkr", "goodhire").
    pub provider: String,
    /// The provider's id of the check (report or invitation).
    pub remote_id: String,
    /// Package or screening ordered.
    pub package: Option<String>,
    /// "pending", "in_progress", "completed", "suspended", "cancelled" or "disputed".
    pub status: String,
    /// "clear", "consider" or "other", once completed.
    pub result: Option<String>,
    /// The employer's decision on a result that needs review, as the tool words it.
    pub adjudication: Option<String>,
    /// When it was ordered (RFC 3339).
    pub ordered_at: Option<String>,
    /// When it completed (RFC 3339).
    pub completed_at: Option<String>,
    /// The report's page in the tool, when the tool documents one.
    pub report_url: Option<String>,
}

impl From<&maestro_app::background_checks::PersonCheck> for PersonCheckDto {
    fn from(c: &maestro_app::background_checks::PersonCheck) -> Self {
        let word = |v: serde_json::Value| v.as_str().map(str::to_owned).unwrap_or_default();
        Self {
            record_id: c.record_id.to_string(),
            provider: c.provider.clone(),
            remote_id: c.remote_id.clone(),
            package: c.package.clone(),
            status: word(serde_json::to_value(c.status).unwrap_or_default()),
            result: c
                .result
                .map(|r| word(serde_json::to_value(r).unwrap_or_default())),
            adjudication: c.adjudication.clone(),
            ordered_at: c.ordered_at.map(|t| t.to_rfc3339()),
            completed_at: c.completed_at.map(|t| t.to_rfc3339()),
            report_url: c.report_url.clone(),
        }
    }
}

impl From<&maestro_app::people::Person> for PersonDto {
    fn from(p: &maestro_app::people::Person) -> Self {
        let money = |field: &str, text: &str| {
            (field == "pay_rate")
                .then(|| pay_rate_money(text))
                .flatten()
        };
        Self {
            identity_id: p.identity_id.to_string(),
            name: p.name.clone(),
            work_email: p.work_email.clone(),
            needs_review: p.needs_review,
            fields: p
                .fields
                .iter()
                .map(|f| PersonFieldDto {
                    field: f.field.into(),
                    label: f.label.into(),
                    value: f.value.clone(),
                    money: money(f.field, &f.value),
                    source: f.source.clone(),
                    values: f
                        .values
                        .iter()
                        .map(|v| SourcedValueDto {
                            value: v.value.clone(),
                            money: money(f.field, &v.value),
                            provider: v.provider.clone(),
                            connection: v.connection.clone(),
                        })
                        .collect(),
                    agree: f.agree,
                })
                .collect(),
            records: p
                .records
                .iter()
                .map(|r| LinkedRecordDto {
                    record_id: r.record_id.to_string(),
                    kind: r.kind.as_str().into(),
                    provider: r.provider.clone(),
                    connection: r.connection.clone(),
                    remote_id: r.remote_id.clone(),
                    method: r.method.as_str().into(),
                    confidence: r.confidence.to_string(),
                    status: r.status.as_str().into(),
                })
                .collect(),
            checks: p.checks.iter().map(PersonCheckDto::from).collect(),
        }
    }
}

/// One field changed in a version of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldDiffDto {
    /// Field name.
    pub field: String,
    /// Before (None when unset or sensitive).
    pub before: Option<String>,
    /// After (None when unset or sensitive).
    pub after: Option<String>,
    /// Sensitive: only the fact that it changed is shown.
    pub sensitive: bool,
}

/// One version in a person's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntryDto {
    /// When this version became current here.
    pub at: String,
    /// Connector id.
    pub provider: String,
    /// Connection name.
    pub connection: String,
    /// Record kind ("employee", "compensation"…).
    pub kind: String,
    /// Record id.
    pub record_id: String,
    /// Version number.
    pub version: u32,
    /// "created", "updated" or "deleted".
    pub change: String,
    /// Fields changed.
    pub changes: Vec<FieldDiffDto>,
}

impl From<&maestro_app::person_history::HistoryEntry> for HistoryEntryDto {
    fn from(h: &maestro_app::person_history::HistoryEntry) -> Self {
        use maestro_app::person_history::HistoryChange;
        Self {
            at: h.at.to_rfc3339(),
            provider: h.provider.clone(),
            connection: h.connection.clone(),
            kind: h.kind.as_str().into(),
            record_id: h.record_id.to_string(),
            version: u32::try_from(h.version).unwrap_or(u32::MAX),
            change: match h.change {
                HistoryChange::Created => "created",
                HistoryChange::Updated => "updated",
                HistoryChange::Deleted => "deleted",
            }
            .into(),
            changes: h
                .changes
                .iter()
                .map(|d| FieldDiffDto {
                    field: d.field.clone(),
                    before: d.before.clone(),
                    after: d.after.clone(),
                    sensitive: d.sensitive,
                })
                .collect(),
        }
    }
}

/// An exact amount of money with its currency, for `Intl` formatting in the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MoneyDto {
    /// Decimal amount as text ("31.50"), never a float.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// The pay period ("hour", "year"…), for pay rates.
    pub period: Option<String>,
}

/// A compared value: plain text, plus the exact money when it is a pay rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ValueDto {
    /// The value as text ("Head Baker", "31.50 USD per hour").
    pub text: String,
    /// The amount, for money.
    pub money: Option<MoneyDto>,
}

impl ValueDto {
    /// From a stored JSON value: a conflict's field value, or any other JSON.
    pub fn from_json(v: &serde_json::Value) -> Self {
        use maestro_sync::conflicts::FieldValue;
        match serde_json::from_value::<FieldValue>(v.clone()) {
            Ok(fv) => {
                let money = match &fv {
                    FieldValue::Pay { rate, period } => Some(MoneyDto {
                        amount: rate.amount.to_string(),
                        currency: rate.currency.code().to_owned(),
                        period: serde_json::to_value(period)
                            .ok()
                            .and_then(|p| p.as_str().map(str::to_owned)),
                    }),
                    _ => None,
                };
                Self {
                    text: fv.to_string(),
                    money,
                }
            }
            Err(_) => Self {
                text: match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                },
                money: None,
            },
        }
    }
}

/// One system's side of a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConflictSideDto {
    /// The connection (what "keep" sends back).
    pub connection_id: String,
    /// Connector id.
    pub provider: String,
    /// "payroll", "hris"…
    pub category: String,
    /// The value it holds.
    pub value: ValueDto,
}

/// A difference between two systems waiting for the owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConflictDto {
    /// Conflict id.
    pub id: String,
    /// The person's name.
    pub person: String,
    /// Field name ("pay_rate").
    pub field: String,
    /// The last value both systems agreed on.
    pub base_value: Option<ValueDto>,
    /// Each system's side.
    pub sources: Vec<ConflictSideDto>,
    /// The connection the rules suggest keeping.
    pub suggested: Option<String>,
    /// "open" or "resolved".
    pub status: String,
    /// First noticed.
    pub created_at: String,
}

impl From<&maestro_store::conflicts::Conflict> for ConflictDto {
    fn from(c: &maestro_store::conflicts::Conflict) -> Self {
        Self {
            id: c.id.clone(),
            person: c.person.clone(),
            field: c.field.clone(),
            base_value: c.base_value.as_ref().map(ValueDto::from_json),
            sources: c
                .sources
                .iter()
                .map(|s| ConflictSideDto {
                    connection_id: s.connection_id.to_string(),
                    provider: s.provider.clone(),
                    category: s.category.clone(),
                    value: ValueDto::from_json(&s.value),
                })
                .collect(),
            suggested: c.suggested.map(|s| s.to_string()),
            status: c.status.clone(),
            created_at: c.created_at.to_rfc3339(),
        }
    }
}

/// One field of a queued write: before → after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WriteChangeDto {
    /// Field name.
    pub field: String,
    /// Current value in the target system.
    pub before: Option<ValueDto>,
    /// Value to be written.
    pub after: Option<ValueDto>,
}

/// A write to another system that waits for the owner's approval (it changes pay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PendingWriteDto {
    /// Outbox id.
    pub id: String,
    /// One line for people.
    pub summary: String,
    /// The connection written to.
    pub connection_id: String,
    /// Its name.
    pub target: String,
    /// Operation ("terminate_employee").
    pub operation: String,
    /// "awaiting_approval", "pending", "done" or "failed".
    pub status: String,
    /// Field by field.
    pub changes: Vec<WriteChangeDto>,
    /// Queued at.
    pub created_at: String,
}

impl PendingWriteDto {
    /// From an outbox item and the name of its connection.
    pub fn new(item: &maestro_store::outbox::OutboxItem, target: String) -> Self {
        let side =
            |v: Option<&serde_json::Value>| v.filter(|v| !v.is_null()).map(ValueDto::from_json);
        let changes = item
            .changes
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| WriteChangeDto {
                        field: r
                            .get("field")
                            .and_then(|f| f.as_str())
                            .unwrap_or_default()
                            .to_owned(),
                        before: side(r.get("before")),
                        after: side(r.get("after")),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            id: item.id.clone(),
            summary: item.summary.clone(),
            connection_id: item.connection_id.to_string(),
            target,
            operation: item.operation.clone(),
            status: item.status.as_str().into(),
            changes,
            created_at: item.created_at.to_rfc3339(),
        }
    }
}

/// The review queue: differences to settle and writes to approve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewDto {
    /// Open conflicts.
    pub conflicts: Vec<ConflictDto>,
    /// Writes awaiting approval.
    pub pending_writes: Vec<PendingWriteDto>,
}

/// What "check again" found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CheckSummaryDto {
    /// People compared.
    pub people: u32,
    /// New differences to review.
    pub opened: u32,
    /// Differences the rules settled.
    pub decided: u32,
    /// Writes newly queued.
    pub queued: u32,
    /// Of those, writes waiting for approval.
    pub awaiting_approval: u32,
}

/// One sync run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncRunDto {
    /// Run id.
    pub id: String,
    /// Connection id.
    pub connection_id: String,
    /// Connection name.
    pub connection: String,
    /// Entity kind.
    pub entity: String,
    /// "full" or "incremental".
    pub mode: String,
    /// "running", "succeeded" or "failed".
    pub status: String,
    /// Why it ran ("manual", "schedule"…).
    pub trigger: String,
    /// Start.
    pub started_at: String,
    /// End.
    pub finished_at: Option<String>,
    /// Records read.
    pub seen: u32,
    /// New.
    pub created: u32,
    /// Changed.
    pub updated: u32,
    /// Deleted.
    pub deleted: u32,
    /// Error class.
    pub error_kind: Option<String>,
    /// Error, in words.
    pub error: Option<String>,
}

impl SyncRunDto {
    /// From a stored run and its connection's name.
    pub fn new(r: &maestro_store::sync_runs::SyncRun, connection: String) -> Self {
        let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        Self {
            id: r.id.clone(),
            connection_id: r.connection_id.to_string(),
            connection,
            entity: r.entity.clone(),
            mode: r.mode.clone(),
            status: r.status.clone(),
            trigger: r.trigger.clone(),
            started_at: r.started_at.to_rfc3339(),
            finished_at: r.finished_at.map(|t| t.to_rfc3339()),
            seen: n(r.counts.seen),
            created: n(r.counts.created),
            updated: n(r.counts.updated),
            deleted: n(r.counts.deleted),
            error_kind: r.error_kind.clone(),
            error: r.error_message.clone(),
        }
    }
}

/// Sync activity of one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DayActivityDto {
    /// The day, "YYYY-MM-DD".
    pub day: String,
    /// Runs.
    pub runs: u32,
    /// Records created, changed or deleted.
    pub records: u32,
    /// Failed runs.
    pub errors: u32,
}

impl From<&maestro_app::activity::DayActivity> for DayActivityDto {
    fn from(d: &maestro_app::activity::DayActivity) -> Self {
        let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        Self {
            day: d.day.to_string(),
            runs: n(d.runs),
            records: n(d.records),
            errors: n(d.errors),
        }
    }
}

/// Which audit entries to show or save.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditQuery {
    /// Action, or its start ("conflict").
    pub action: Option<String>,
    /// First day, "YYYY-MM-DD".
    pub from: Option<String>,
    /// Last day, "YYYY-MM-DD".
    pub to: Option<String>,
    /// At most this many, newest first.
    pub limit: Option<u32>,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryDto {
    /// Position in the log.
    pub seq: u32,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What ("conflict.resolve").
    pub action: String,
    /// Which data.
    pub target: String,
    /// The target's name, when it is a connection ("Harvest").
    pub target_name: Option<String>,
    /// How many records.
    pub record_count: u32,
    /// Extra detail, as compact JSON.
    pub detail: String,
}

impl From<&maestro_store::audit::AuditEntry> for AuditEntryDto {
    fn from(e: &maestro_store::audit::AuditEntry) -> Self {
        Self {
            seq: u32::try_from(e.seq).unwrap_or(u32::MAX),
            at: e.at.to_rfc3339(),
            actor: e.actor.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            target_name: None,
            record_count: u32::try_from(e.record_count).unwrap_or(u32::MAX),
            detail: e.detail.to_string(),
        }
    }
}

/// File format for saving the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Comma-separated values.
    Csv,
    /// JSON.
    Json,
}

/// A file written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedFileDto {
    /// Where.
    pub path: String,
    /// Entries or records in it.
    pub entries: u32,
    /// Its size in bytes (backups).
    pub bytes: Option<f64>,
}

/// What a restore did: where the replaced data went, and how many erasures made after the
/// backup were applied again to the restored data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RestoredDto {
    /// The folder that now holds the data the restore replaced.
    pub aside: String,
    /// Erasures recorded after the backup was made that were applied again.
    pub erasures_reapplied: u32,
}

/// One connection's sync schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleDto {
    /// Connection id.
    pub connection_id: String,
    /// Its name.
    pub display_name: String,
    /// Connector id.
    pub provider: String,
    /// Minutes between syncs.
    pub interval_minutes: u32,
    /// The provider's default.
    pub default_interval_minutes: u32,
    /// The owner chose the interval.
    pub custom_interval: bool,
    /// Paused for this connection.
    pub paused: bool,
    /// "waiting", "due", "backing_off", "paused", "paused_globally", "needs_reconnect"…
    pub state: String,
    /// Next run.
    pub next_run_at: Option<String>,
    /// Last success.
    pub last_success_at: Option<String>,
    /// Last error.
    pub last_error: Option<String>,
}

/// Schedules of every connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SchedulesDto {
    /// All syncing is paused.
    pub paused_globally: bool,
    /// Per connection.
    pub connections: Vec<ScheduleDto>,
}

impl From<&maestro_app::schedule::Schedules> for SchedulesDto {
    fn from(s: &maestro_app::schedule::Schedules) -> Self {
        let minutes = |secs: i64| u32::try_from(secs / 60).unwrap_or(u32::MAX);
        Self {
            paused_globally: s.paused_globally,
            connections: s
                .connections
                .iter()
                .map(|c| ScheduleDto {
                    connection_id: c.connection_id.to_string(),
                    display_name: c.display_name.clone(),
                    provider: c.provider.clone(),
                    interval_minutes: minutes(c.interval_seconds),
                    default_interval_minutes: minutes(c.default_interval_seconds),
                    custom_interval: c.custom_interval,
                    paused: c.paused,
                    state: serde_json::to_value(c.state)
                        .ok()
                        .and_then(|v| v.get("state").and_then(|s| s.as_str()).map(str::to_owned))
                        .unwrap_or_default(),
                    next_run_at: c.next_run_at.map(|t| t.to_rfc3339()),
                    last_success_at: c.last_success_at.map(|t| t.to_rfc3339()),
                    last_error: c.last_error.clone(),
                })
                .collect(),
        }
    }
}

/// A desktop on/off preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DesktopPref {
    /// Native notifications (`desktop.notifications`).
    Notifications,
    /// Start at login (`desktop.autostart`).
    Autostart,
}

impl DesktopPref {
    /// The settings key.
    pub fn key(self) -> &'static str {
        match self {
            Self::Notifications => maestro_app::desktop_settings::NOTIFICATIONS_KEY,
            Self::Autostart => maestro_app::desktop_settings::AUTOSTART_KEY,
        }
    }
}

/// The desktop preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DesktopPrefsDto {
    /// Native notifications on.
    pub notifications: bool,
    /// Start at login.
    pub autostart: bool,
}

/// Demo credentials for the wizard, from the running sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SandboxFillDto {
    /// The sandbox's API address for this provider.
    pub base_url: String,
    /// Field values by key.
    pub values: BTreeMap<String, String>,
    /// OAuth client id (OAuth providers).
    pub oauth_client_id: Option<String>,
    /// OAuth client secret.
    pub oauth_client_secret: Option<String>,
}

// ---------------------------------------------------------------------------------------
// The connection wizard: what syncs, the field-mapping preview, and the routes' dry run.

/// An entity a connection can read, and whether it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EntityScopeDto {
    /// Entity kind ("employee").
    pub kind: String,
    /// Read on every sync.
    pub read: bool,
    /// The provider returns only what changed.
    pub incremental: bool,
}

/// A route a connection takes part in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RouteScopeDto {
    /// Route id ("hris_to_payroll").
    pub route: String,
    /// "source" (read from this connection) or "target" (written to it).
    pub role: String,
    /// What flows, in English ("new hires and terminations"); the UI words it by `route`.
    pub what: String,
    /// The source connection's name; `None` when none is connected (or several, none chosen).
    pub from: Option<String>,
    /// The target connection's name, likewise.
    pub to: Option<String>,
    /// The category at the other end ("payroll").
    pub other_category: String,
    /// The route runs (routes are company-wide).
    pub enabled: bool,
    /// The route uses this connection.
    pub uses_this: bool,
    /// Other connections of the same kind the route could use instead.
    pub alternatives: Vec<String>,
    /// Writes that change pay wait for approval in Review.
    pub needs_approval: bool,
}

/// What a connection syncs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionScopeDto {
    /// Connection id.
    pub connection_id: String,
    /// Its name.
    pub display_name: String,
    /// Connector id.
    pub provider: String,
    /// Every entity it can read.
    pub entities: Vec<EntityScopeDto>,
    /// Routes it takes part in.
    pub routes: Vec<RouteScopeDto>,
}

impl From<&maestro_app::connection_scope::ConnectionScope> for ConnectionScopeDto {
    fn from(s: &maestro_app::connection_scope::ConnectionScope) -> Self {
        use maestro_app::connection_scope::RouteRole;
        Self {
            connection_id: s.connection_id.to_string(),
            display_name: s.display_name.clone(),
            provider: s.provider.clone(),
            entities: s
                .entities
                .iter()
                .map(|e| EntityScopeDto {
                    kind: e.kind.as_str().to_owned(),
                    read: e.read,
                    incremental: e.incremental,
                })
                .collect(),
            routes: s
                .routes
                .iter()
                .map(|r| RouteScopeDto {
                    route: r.route.as_str().to_owned(),
                    role: match r.role {
                        RouteRole::Source => "source".into(),
                        RouteRole::Target => "target".into(),
                    },
                    what: r.what.clone(),
                    from: r.from.clone(),
                    to: r.to.clone(),
                    other_category: category_name(r.other_category),
                    enabled: r.enabled,
                    uses_this: r.uses_this,
                    alternatives: r.alternatives.clone(),
                    needs_approval: r.needs_approval,
                })
                .collect(),
        }
    }
}

/// One provider field of a sample record, and the canonical fields it fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldMappingDto {
    /// The provider's field ("address.city" when nested).
    pub provider_field: String,
    /// Its value as shown (masked when sensitive).
    pub value: String,
    /// Canonical fields it fills, best first; empty when not mapped.
    pub canonical: Vec<String>,
    /// "mapped", "custom" (a custom field kept in the raw record) or "unmapped".
    pub fate: String,
    /// An SSN, birth date or bank number (masked).
    pub sensitive: bool,
}

/// One sample record of a mapping preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SampleRecordDto {
    /// The provider's id of the record.
    pub remote_id: String,
    /// Field by field (those with a value).
    pub fields: Vec<FieldMappingDto>,
    /// Fields the provider sent empty (not listed).
    pub empty_fields: u32,
}

/// The field-mapping preview of one entity, from the provider's first page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MappingPreviewDto {
    /// Entity kind.
    pub entity: String,
    /// Records on the first page.
    pub records_on_page: u32,
    /// More pages follow.
    pub more: bool,
    /// Up to three records.
    pub samples: Vec<SampleRecordDto>,
}

impl From<&maestro_app::mapping_preview::MappingPreview> for MappingPreviewDto {
    fn from(p: &maestro_app::mapping_preview::MappingPreview) -> Self {
        use maestro_app::mapping_preview::FieldFate;
        Self {
            entity: p.entity.as_str().to_owned(),
            records_on_page: u32::try_from(p.records_on_page).unwrap_or(u32::MAX),
            more: p.more,
            samples: p
                .samples
                .iter()
                .map(|s| SampleRecordDto {
                    remote_id: s.remote_id.clone(),
                    empty_fields: u32::try_from(s.empty_fields).unwrap_or(u32::MAX),
                    fields: s
                        .fields
                        .iter()
                        .map(|f| FieldMappingDto {
                            provider_field: f.provider_field.clone(),
                            value: f.value.clone(),
                            canonical: f.canonical.clone(),
                            fate: match f.fate {
                                FieldFate::Mapped => "mapped",
                                FieldFate::Custom => "custom",
                                FieldFate::Unmapped => "unmapped",
                            }
                            .into(),
                            sensitive: f.sensitive,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One field of a planned write: before → after, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlannedChangeDto {
    /// Canonical field name.
    pub field: String,
    /// What the target holds now.
    pub before: Option<String>,
    /// What would be written.
    pub after: Option<String>,
}

/// A write the routes would make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlannedWriteDto {
    /// Route id.
    pub route: String,
    /// The connection written to.
    pub target: String,
    /// Operation ("create_employee").
    pub operation: String,
    /// One line for people.
    pub summary: String,
    /// Field by field.
    pub changes: Vec<PlannedChangeDto>,
    /// It changes pay, so it waits for approval in Review.
    pub requires_approval: bool,
    /// "new", or its outbox status when already queued ("awaiting_approval"…).
    pub state: String,
}

/// Something a route leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlanSkipDto {
    /// Route id.
    pub route: String,
    /// Who.
    pub who: String,
    /// Why, with what to do.
    pub reason: String,
}

/// The hours the time-tracking route would carry for the next pay period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HoursSummaryDto {
    /// First day, "YYYY-MM-DD".
    pub period_start: String,
    /// Last day.
    pub period_end: String,
    /// Payroll employees with hours.
    pub employees: u32,
    /// Their hours, exact decimal text.
    pub total_hours: String,
    /// People whose hours cannot go to payroll.
    pub unmatched: u32,
}

/// What the routes would write, without writing or queuing anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RoutePreviewDto {
    /// Writes, new and already queued.
    pub writes: Vec<PlannedWriteDto>,
    /// What was left out.
    pub skipped: Vec<PlanSkipDto>,
    /// Time tracking → payroll.
    pub hours: Option<HoursSummaryDto>,
    /// Routes not run and why, in English.
    pub notes: Vec<String>,
}

impl From<&maestro_app::routes::RoutePlan> for RoutePreviewDto {
    fn from(p: &maestro_app::routes::RoutePlan) -> Self {
        use maestro_app::routes::PlanState;
        Self {
            writes: p
                .writes
                .iter()
                .map(|w| PlannedWriteDto {
                    route: w.route.as_str().to_owned(),
                    target: w.target.clone(),
                    operation: w.operation.clone(),
                    summary: w.summary.clone(),
                    changes: w
                        .changes
                        .iter()
                        .map(|c| PlannedChangeDto {
                            field: c.field.clone(),
                            before: c.before.clone(),
                            after: c.after.clone(),
                        })
                        .collect(),
                    requires_approval: w.requires_approval,
                    state: match w.state {
                        PlanState::New => "new".into(),
                        PlanState::Queued(s) => s.as_str().into(),
                    },
                })
                .collect(),
            skipped: p
                .skipped
                .iter()
                .map(|s| PlanSkipDto {
                    route: s.route.as_str().to_owned(),
                    who: s.who.clone(),
                    reason: s.reason.clone(),
                })
                .collect(),
            hours: p.hours.as_ref().map(|h| HoursSummaryDto {
                period_start: h.period.start.to_string(),
                period_end: h.period.end.to_string(),
                employees: u32::try_from(h.employees.len()).unwrap_or(u32::MAX),
                total_hours: h.total.to_string(),
                unmatched: u32::try_from(h.unmatched.len()).unwrap_or(u32::MAX),
            }),
            notes: p.notes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roster_pay_rates_become_exact_money() {
        assert_eq!(
            pay_rate_money("18.50 USD per two weeks"),
            Some(MoneyDto {
                amount: "18.50".into(),
                currency: "USD".into(),
                period: Some("two_weeks".into())
            })
        );
        assert_eq!(pay_rate_money("52000 USD").map(|m| m.period), Some(None));
        assert_eq!(pay_rate_money("about twenty dollars"), None);
        assert_eq!(pay_rate_money("18.50 USD a week"), None);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod secret_tests {
    use super::*;

    fn request() -> ConnectRequest {
        serde_json::from_value(serde_json::json!({
            "provider": "bamboohr",
            "displayName": "Acme",
            "values": {"subdomain": "acme", "api_key": "k-5ecret-1"},
            "baseUrl": "https://api.example.com/?token=q-5ecret-2",
            "oauthClientId": "client-id-1",
            "oauthClientSecret": "c-5ecret-3",
            "syncSensitive": false
        }))
        .unwrap()
    }

    #[test]
    fn requests_with_secrets_show_none_in_debug() {
        let shown = format!("{:?} {:#?}", request(), request());
        assert!(!shown.contains("5ecret"), "{shown}");
        assert!(
            shown.contains("[redacted]") && shown.contains("api_key"),
            "{shown}"
        );
        assert!(shown.contains("client-id-1"), "{shown}");
        let reconnect: ReconnectRequest = serde_json::from_value(serde_json::json!({
            "connectionId": "c1", "values": {"api_key": "k-5ecret-4"}
        }))
        .unwrap();
        let shown = format!("{reconnect:?}");
        assert!(!shown.contains("5ecret") && shown.contains("c1"), "{shown}");
    }

    #[test]
    fn the_wipe_run_on_drop_overwrites_every_secret() {
        let mut request = request();
        request.zeroize();
        assert!(request.values.values().all(String::is_empty));
        assert_eq!(request.values.len(), 2, "the names stay");
        assert_eq!(request.oauth_client_secret, None, "wiped, then let go");
        assert_eq!(request.oauth_client_id.as_deref(), Some("client-id-1"));
        let mut reconnect: ReconnectRequest = serde_json::from_value(serde_json::json!({
            "connectionId": "c1", "values": {"api_key": "k-5ecret-4"}
        }))
        .unwrap();
        reconnect.zeroize();
        assert_eq!(reconnect.values["api_key"], "");
    }
}
