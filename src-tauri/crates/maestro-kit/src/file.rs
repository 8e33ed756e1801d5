//! The provider file: one TOML file describes a provider's API — identity, auth, the wizard's
//! fields, limits, error rules, the connection test and the streams with their paginators.
//! Read with `deny_unknown_fields`, so a misspelt key is an error naming its line, not a
//! silently ignored setting.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A whole provider file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProviderFile {
    /// Stable id, e.g. `clockify` (lower case letters, digits, `-` and `_`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// What kind of tool it is: `time_tracking`, `hris`, `payroll`, … or `custom`.
    pub category: String,
    /// Version of this description.
    #[serde(default = "default_version")]
    pub version: String,
    /// One line for the wizard.
    pub summary: String,
    /// The provider's developer documentation.
    pub docs_url: String,
    /// The published spec the lint and the emulator read, or none.
    #[serde(default)]
    pub spec: Option<SpecRef>,
    /// Where the API is.
    pub base_url: BaseUrl,
    /// How requests prove who they are.
    pub auth: AuthSpec,
    /// Headers sent with every request (`User-Agent`, API versions…).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Query parameters sent with every request, the connection test's included (QuickBooks'
    /// `minorversion`); values may hold `{config.*}` placeholders.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// The wizard's form.
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
    /// The documented request budget.
    pub rate_limit: RateLimitSpec,
    /// How errors are told apart.
    #[serde(default)]
    pub errors: ErrorSpec,
    /// "Test connection".
    pub check: CheckSpec,
    /// What can be read.
    #[serde(default)]
    pub streams: Vec<StreamSpec>,
    /// Where the webhook signature is and how it is made, when the provider signs webhooks.
    #[serde(default)]
    pub webhook: Option<WebhookSpec>,
    /// Canonical kinds the provider's hooks write (the file itself only reads).
    #[serde(default)]
    pub writes: Vec<String>,
}

fn default_version() -> String {
    "1.0.0".into()
}

/// The spec behind a provider file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpecRef {
    /// File name under the kit's `specs/` folder (built-in providers) or beside the file.
    pub file: String,
    /// A prefix the API adds before the spec's paths (Swagger `basePath` that is not part of
    /// the file's base URL, e.g. `/api/v9`).
    #[serde(default)]
    pub base_path: String,
}

/// Base URLs: production (with `{field}` placeholders from the form) and the provider's own
/// sandbox, if it has one.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BaseUrl {
    /// Production base URL, e.g. `https://{region}.clockify.me/api`.
    pub production: String,
    /// The provider's sandbox or developer host.
    #[serde(default)]
    pub sandbox: Option<String>,
    /// The identity / OAuth host, when it differs from the API's.
    #[serde(default)]
    pub auth: Option<String>,
}

/// How an OAuth provider's refresh tokens live, as its documentation says (`[auth.refresh_token]`).
/// The emulator's authorization server follows it; the connector reads whatever expiry the token
/// answer reports either way. Without it the emulator rotates on every refresh and revokes the
/// old refresh token once the new access token is used (Gusto's documented rule).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RefreshTokenSpec {
    /// Days a refresh token lives, counted again at every refresh (Intuit: 100, rolling).
    pub lifetime_days: u32,
    /// The token answer's member giving the refresh token's remaining seconds (Intuit:
    /// `x_refresh_token_expires_in`; the common one is `refresh_token_expires_in`).
    pub expires_in_member: String,
    /// Hours a refresh answer hands the same refresh token back before rotating it (Intuit:
    /// about 24; 0: a new one on every refresh).
    #[serde(default)]
    pub rotate_after_hours: u32,
    /// Hours the previous refresh token is still accepted after a rotation, answered with the
    /// new one (Intuit: 24; 0: refused at once).
    #[serde(default)]
    pub previous_valid_hours: u32,
}

/// How requests authenticate.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthSpec {
    /// A key from the form in a header or the query.
    ApiKey {
        /// `header` or `query`.
        #[serde(rename = "in")]
        location: KeyLocation,
        /// Header or parameter name.
        name: String,
        /// The form field holding the key.
        field: String,
        /// Text sent before the key in the header (GoodHire: `ApiKey ` in `Authorization`).
        #[serde(default)]
        prefix: Option<String>,
    },
    /// HTTP Basic: a user name from the form and a password from the form or fixed.
    Basic {
        /// The form field holding the user name.
        username_field: String,
        /// The form field holding the password.
        #[serde(default)]
        password_field: Option<String>,
        /// A fixed password (Toggl: the literal `api_token`).
        #[serde(default)]
        password: Option<String>,
    },
    /// `Authorization: Bearer` with a token from the form.
    Bearer {
        /// The form field holding the token.
        field: String,
    },
    /// OAuth 2.0 authorization code (with PKCE when `pkce`) in the system browser.
    #[serde(rename = "oauth2")]
    OAuth2 {
        /// Authorization URL (absolute, or a path on the auth host).
        authorize_url: String,
        /// Token URL.
        token_url: String,
        /// Whether the provider takes PKCE.
        #[serde(default = "yes")]
        pkce: bool,
        /// Scopes to ask for.
        #[serde(default)]
        scopes: Vec<String>,
        /// The refresh tokens' documented lifecycle, when the provider documents one.
        #[serde(default)]
        refresh_token: Option<RefreshTokenSpec>,
        /// The auth host when it differs from the API host.
        #[serde(default)]
        auth_base_url: Option<String>,
        /// Parameters of the sign-in's redirect kept as the connection's settings: redirect
        /// parameter → form field (QuickBooks: `realmId = "realm_id"`, the company the owner
        /// chose while signing in).
        #[serde(default)]
        callback_fields: BTreeMap<String, String>,
    },
    /// OAuth 2.0 client credentials (RFC 6749 §4.4): a client id and secret from the form are
    /// exchanged for an access token, held in memory and sent as `Authorization: Bearer`.
    ClientCredentials {
        /// Token URL: absolute, or a path on the auth host (`base_url.auth`, else the API's).
        token_url: String,
        /// The form field holding the client id.
        client_id_field: String,
        /// The form field holding the client secret (must be a secret field).
        client_secret_field: String,
        /// How the client authenticates at the token endpoint.
        #[serde(default)]
        client_auth: ClientAuthSpec,
        /// The token request's method: `POST` (a form body, the standard) or `GET` (the grant
        /// in the query, as TriNet documents).
        #[serde(default = "post")]
        method: String,
        /// Scopes to ask for (none: the provider assigns them to the client).
        #[serde(default)]
        scopes: Vec<String>,
        /// A client certificate presented on the token request and every API call (mutual
        /// TLS, ADP), when the provider requires one.
        #[serde(default)]
        client_certificate: Option<ClientCertificateSpec>,
    },
}

/// The form fields holding a client certificate and its private key, both PEM text (mutual
/// TLS: ADP signs a certificate for each app and environment).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClientCertificateSpec {
    /// The field holding the certificate (`-----BEGIN CERTIFICATE-----`).
    pub cert_field: String,
    /// The field holding its private key (`-----BEGIN PRIVATE KEY-----`, PKCS#8, PKCS#1 or SEC1).
    pub key_field: String,
}

fn post() -> String {
    "POST".into()
}

/// How a client authenticates at a token endpoint.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthSpec {
    /// HTTP Basic with the id and secret (RFC 6749 §2.3.1's first choice).
    #[default]
    Basic,
    /// `client_id` and `client_secret` with the grant (form body or query).
    Body,
}

fn yes() -> bool {
    true
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
}

/// One field of the wizard's form.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Key in the connection's settings (and in `{config.key}` placeholders).
    pub key: String,
    /// Label.
    pub label: String,
    /// Where to find the value, in plain words.
    pub help: String,
    /// Shown masked and stored only encrypted.
    #[serde(default)]
    pub secret: bool,
    /// The connection cannot work without it.
    #[serde(default = "yes")]
    pub required: bool,
    /// A regular expression the value must match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// An example value.
    #[serde(default)]
    pub example: Option<String>,
    /// The value used when the owner leaves the field empty.
    #[serde(default)]
    pub default: Option<String>,
    /// The value is several lines of text (a PEM certificate or key): the form shows a text
    /// area.
    #[serde(default)]
    pub multiline: bool,
}

/// The documented request budget and the headers that adapt it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSpec {
    /// Requests per window.
    pub requests: u32,
    /// Window length in seconds.
    pub per_seconds: u64,
    /// The limit in the provider's words, for display and for the record.
    pub text: String,
    /// Headers whose value says how long to wait (seconds or an HTTP date), in order of
    /// preference; `Retry-After` when empty.
    #[serde(default)]
    pub retry_after: Vec<String>,
    /// Seconds to wait when throttled without such a header, when the provider documents it
    /// (QuickBooks: 60); the usual backoff otherwise.
    #[serde(default)]
    pub throttled_wait_secs: Option<u64>,
}

/// How errors are read and classified.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ErrorSpec {
    /// JSON pointers to the provider's message, in order; `text` when the body is plain text.
    #[serde(default)]
    pub message: Vec<String>,
    /// Statuses that mean "slow down" besides 429 (Toggl: 402 when a quota is spent).
    #[serde(default)]
    pub throttled: Vec<u16>,
    /// Statuses that mean "reconnect" besides 401 (Toggl answers 403 to a wrong token).
    #[serde(default)]
    pub reauthorize: Vec<u16>,
}

/// The connection test.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Path (with `{config.*}` placeholders).
    pub path: String,
    /// JSON pointer to the account's name in the answer.
    pub account: String,
    /// The media type asked for in `Accept` (see [`StreamSpec::accept`]).
    #[serde(default)]
    pub accept: Option<String>,
    /// The schema of the records in the answer's list when the spec types one record instead
    /// of the answer (Paychex); `account` then starts with the list's pointer and `/0`.
    #[serde(default)]
    pub response_items_schema: Option<String>,
}

/// One readable collection.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StreamSpec {
    /// Stream name, unique in the file (`users`, `time_entries`).
    pub name: String,
    /// Canonical kinds its records map to (`employee`, `contractor`, `time_entry`…). Empty
    /// for a stream read only as another's parent.
    #[serde(default)]
    pub entities: Vec<String>,
    /// The mapper that turns one record into canonical records.
    #[serde(default)]
    pub map: Option<String>,
    /// A declarative mapping instead of a mapper (user-defined files): canonical field →
    /// where it is in the record (see `declarative.rs` for the fields of each kind).
    #[serde(default)]
    pub fields: Option<BTreeMap<String, FieldMap>>,
    /// `GET` or `POST`.
    #[serde(default = "get")]
    pub method: String,
    /// Path with `{config.*}` and `{partition.*}` placeholders.
    pub path: String,
    /// Fixed query parameters (values may hold placeholders).
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// A JSON body (POST searches); values may hold placeholders, and the paginator and the
    /// incremental read add their members.
    #[serde(default)]
    pub body: Option<toml::Table>,
    /// JSON pointer to the list of records; `""` when the body is the list.
    #[serde(default)]
    pub records: String,
    /// The answer is one record, not a list (Checkr's `GET /reports/{id}`, read once per
    /// partition value).
    #[serde(default)]
    pub single: bool,
    /// JSON pointer to a record's id.
    pub id: String,
    /// JSON pointer to a record's last change, when it has one.
    #[serde(default)]
    pub updated: Option<String>,
    /// JSON pointer to a flag or time that marks a record deleted.
    #[serde(default)]
    pub deleted: Option<String>,
    /// Read once per record of a parent stream.
    #[serde(default)]
    pub partition: Option<PartitionSpec>,
    /// How the next page is found.
    #[serde(default)]
    pub paginator: PaginatorSpec,
    /// How a read asks only for what changed.
    #[serde(default)]
    pub incremental: Option<IncrementalSpec>,
    /// A change feed read instead of the stream when a read has a start (QuickBooks' change
    /// data capture); its records, deletions marked, replace a full read.
    #[serde(default)]
    pub changes: Option<ChangesSpec>,
    /// The response schema when the spec does not type the answer (a JSON pointer into the
    /// spec, e.g. `#/definitions/detailed.GroupedTimeEntry`, for the list's items); say why in
    /// a comment beside it.
    #[serde(default)]
    pub response_items_schema: Option<String>,
    /// The media type asked for in `Accept`, when the provider versions its answers by vendor
    /// media types (Paychex: `application/vnd.paychex.workers.v1+json`). The lint checks that
    /// the operation's success answer offers it; the emulator answers 406 to one it does not.
    #[serde(default)]
    pub accept: Option<String>,
}

fn get() -> String {
    "GET".into()
}

/// Where a canonical field is in a record: a JSON pointer, or a pointer with the values
/// translated (`{ pointer = "/state", values = { "on" = "active", "off" = "inactive" } }`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum FieldMap {
    /// A JSON pointer.
    Pointer(String),
    /// A pointer with translated values.
    Translated {
        /// JSON pointer.
        pointer: String,
        /// Provider value (as text) → canonical value.
        values: BTreeMap<String, String>,
    },
}

impl FieldMap {
    /// The pointer.
    pub fn pointer(&self) -> &str {
        match self {
            FieldMap::Pointer(p) => p,
            FieldMap::Translated { pointer, .. } => pointer,
        }
    }
}

/// A stream read per record of another.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PartitionSpec {
    /// The parent stream.
    pub parent: String,
    /// JSON pointer to the value in each parent record; when it holds a list (Checkr's
    /// `report_ids`), each of its values is a partition.
    pub key: String,
    /// The placeholder name: `{partition.<as>}`.
    #[serde(rename = "as")]
    pub name: String,
    /// Members of the parent record its children's mapper may read (JSON pointers), e.g.
    /// Clockify's `/settings/timeZone` for the day an entry was worked on.
    #[serde(default)]
    pub keep: Vec<String>,
    /// The key holds a link (ADP's `payDetailUri.href`, the only reference its pay statement
    /// list gives to each statement): the partition is the link's last path segment.
    #[serde(default)]
    pub last_segment: bool,
}

/// How pages follow each other.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PaginatorSpec {
    /// One request returns everything.
    #[default]
    None,
    /// `?page=N&per_page=M`, 1-based.
    PageNumber {
        /// Page parameter.
        param: String,
        /// Page-size parameter.
        size_param: String,
        /// The page size asked for.
        size: u32,
        /// When to stop.
        stop: PageStop,
    },
    /// `?offset=N&limit=M`.
    Offset {
        /// Offset parameter.
        param: String,
        /// Limit parameter.
        size_param: String,
        /// The page size asked for.
        size: u32,
        /// JSON pointer to the number of records there are (Paychex's
        /// `/metadata/pagination/total`): the last page is the one that reaches it. Without it
        /// (or when an answer leaves it out), a page shorter than asked for is the last.
        #[serde(default)]
        total: Option<String>,
        /// A short page is not the last: pages go on until an empty one or `204 No Content`
        /// (ADP, whose server may cap `$top` below what was asked and ends a collection with
        /// 204).
        #[serde(default)]
        until_empty: bool,
    },
    /// The next page's URL in the body (Harvest `links.next`).
    NextUrl {
        /// JSON pointer to the URL.
        pointer: String,
        /// Parameter carrying the page size on the first request.
        #[serde(default)]
        size_param: Option<String>,
        /// The page size asked for.
        #[serde(default)]
        size: Option<u32>,
    },
    /// The next page's URL in an RFC 8288 `Link` header.
    LinkHeader {
        /// Parameter carrying the page size on the first request.
        #[serde(default)]
        size_param: Option<String>,
        /// The page size asked for.
        #[serde(default)]
        size: Option<u32>,
    },
    /// A cursor in the body, sent back as a query parameter.
    BodyCursor {
        /// JSON pointer to the cursor.
        pointer: String,
        /// Parameter to send it in.
        param: String,
    },
    /// Response headers carry the next page's start; each is sent back as a member of the
    /// JSON body (Toggl Reports: `X-Next-ID` → `first_id`, `X-Next-Row-Number` →
    /// `first_row_number`). The last page has none of them.
    HeaderCursor {
        /// Header name → body member.
        headers: BTreeMap<String, String>,
        /// Body member carrying the page size.
        size_param: String,
        /// The page size asked for.
        size: u32,
    },
    /// A query language is the paginator (QuickBooks): the query parameter `param` holds a
    /// statement (the stream's `query` value) and each page appends
    /// `STARTPOSITION <n> MAXRESULTS <size>` (1-based). The next page starts after the records
    /// received; an empty page is the last (a short page may be the server's own limit).
    Query {
        /// The query parameter holding the statement.
        param: String,
        /// The page size asked for (QuickBooks: at most 1000).
        size: u32,
    },
}

/// When page-number paging stops.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PageStop {
    /// A page shorter than asked for is the last.
    ShortPage,
    /// A header says whether this was the last page (Clockify `Last-Page: true`).
    Header {
        /// Header name.
        name: String,
        /// The value that means "last page".
        last: String,
    },
    /// A body member holds the number of pages.
    TotalPages {
        /// JSON pointer.
        pointer: String,
    },
    /// The last page is the one without a next link (absent or null) at `pointer`; pages are
    /// still asked for by number (Checkr's `next_href`).
    NextLink {
        /// JSON pointer.
        pointer: String,
    },
}

/// How an incremental read asks for what changed.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IncrementalSpec {
    /// Query parameter or body member.
    pub param: String,
    /// `query` (default) or `body`.
    #[serde(default = "query_location", rename = "in")]
    pub location: String,
    /// `rfc3339`, `date` or `unix`.
    pub format: String,
    /// How far before the last sync to start again (ISO 8601 days, e.g. `P7D`).
    #[serde(default)]
    pub lookback: Option<String>,
    /// `changed` when the provider filters on last change; `start_time` or `work_date` when
    /// it filters on when the work happened (then the lookback catches late edits).
    pub filters_on: String,
    /// When a full read needs a start too (Toggl's reports): days back from today.
    #[serde(default)]
    pub full_read_days: Option<u32>,
    /// A member that must hold the end of the range (Toggl's `end_date`), with its format.
    #[serde(default)]
    pub end_param: Option<String>,
}

fn query_location() -> String {
    "query".into()
}

/// A change feed (QuickBooks' `GET /cdc?entities=…&changedSince=…`): one request answers
/// every object changed since a time, deleted ones marked. A start older than the feed's
/// window, or an answer at the feed's cap (more may have changed than it holds), makes the read
/// a full read instead.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChangesSpec {
    /// Path (with `{config.*}` placeholders).
    pub path: String,
    /// Fixed query parameters (QuickBooks: `entities = "Employee"`).
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// The query parameter holding the start (an RFC 3339 time).
    pub since_param: String,
    /// JSON pointer to the list of changed records (a missing list is no change).
    pub records: String,
    /// JSON pointer to a member whose presence (not null, not false) marks a record deleted
    /// (QuickBooks: `/status`, `Deleted`).
    #[serde(default)]
    pub deleted: Option<String>,
    /// How many days back the feed reaches; an older start reads everything.
    pub window_days: u32,
    /// The most records one answer holds; an answer that full reads everything.
    pub cap: u32,
}

/// A provider's webhook signature scheme.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    /// Header holding the signature.
    pub signature_header: String,
    /// `hmac_sha256_hex`, `hmac_sha256_base64` or `token`.
    pub scheme: String,
    /// A prefix before the signature (`sha256=`).
    #[serde(default)]
    pub prefix: Option<String>,
    /// Header holding the timestamp that is signed with the body.
    #[serde(default)]
    pub timestamp_header: Option<String>,
    /// Accepted clock difference, seconds.
    #[serde(default)]
    pub tolerance_secs: Option<u64>,
    /// The form field whose value signs the webhooks (Checkr: the API key); the connection's
    /// own webhook secret when absent. Says which secret the app passes to the check.
    #[serde(default)]
    pub secret: Option<String>,
    /// Where the events are in the payload when they are not the payload (or its top-level
    /// list): a JSON pointer whose `*` segments walk every item of a list, e.g. QuickBooks'
    /// `/eventNotifications/*/dataChangeEvent/entities/*`. The other pointers are then read
    /// from each event found.
    #[serde(default)]
    pub events: Option<String>,
    /// JSON pointer to the event's type in the payload (`/type`).
    #[serde(default)]
    pub event_type: Option<String>,
    /// JSON pointer to the affected record's id (`/data/object/id`).
    #[serde(default)]
    pub record_id: Option<String>,
    /// JSON pointer to the affected record's provider type (`/data/object/object`); the
    /// event type's first dot-separated part when absent.
    #[serde(default)]
    pub record_kind: Option<String>,
    /// Provider record type → canonical kind (`report = "background_check"`).
    #[serde(default)]
    pub kinds: BTreeMap<String, String>,
}

impl StreamSpec {
    /// The fixed body as a JSON object (empty when the stream has none).
    pub fn body_json(&self) -> serde_json::Map<String, serde_json::Value> {
        fn conv(v: &toml::Value) -> serde_json::Value {
            use serde_json::Value;
            match v {
                toml::Value::String(s) => Value::String(s.clone()),
                toml::Value::Integer(i) => Value::from(*i),
                toml::Value::Float(f) => serde_json::Number::from_f64(*f)
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
                toml::Value::Boolean(b) => Value::Bool(*b),
                toml::Value::Datetime(d) => Value::String(d.to_string()),
                toml::Value::Array(a) => Value::Array(a.iter().map(conv).collect()),
                toml::Value::Table(t) => {
                    Value::Object(t.iter().map(|(k, v)| (k.clone(), conv(v))).collect())
                }
            }
        }
        self.body
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), conv(v)))
            .collect()
    }
}

impl ProviderFile {
    /// The prefix the API adds before the spec's paths (empty when none).
    pub fn spec_base_path(&self) -> &str {
        self.spec
            .as_ref()
            .map(|s| s.base_path.as_str())
            .unwrap_or("")
    }

    /// The stream called `name`.
    pub fn stream(&self, name: &str) -> Option<&StreamSpec> {
        self.streams.iter().find(|s| s.name == name)
    }

    /// The form field called `key`.
    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }
}
