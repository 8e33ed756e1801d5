//! The kit's emulator: one server built from a provider file (the same file the connector
//! reads) and checked against the provider's published spec. Routes, auth checks, paging and
//! strictness come from the file; the records come from a [`Dataset`] that dresses the seeded
//! company in the provider's shape, starting from the spec's own examples. Requests are held
//! to the spec: a query parameter or body member the spec does not declare for that operation
//! is refused, as a wrong key is.

pub(crate) mod adp;
pub(crate) mod checkr;
pub(crate) mod client_credentials;
pub(crate) mod clockify;
pub(crate) mod goodhire;
pub(crate) mod justworks;
pub(crate) mod oauth;
pub(crate) mod paychex;
pub(crate) mod quickbooks;
pub(crate) mod rippling;
pub(crate) mod routes;
pub(crate) mod shifts;
pub(crate) mod statement;
pub(crate) mod toggl;
pub(crate) mod trinet;
pub(crate) mod zenefits;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use maestro_kit::BuiltIn;
use serde_json::{Map, Value};

use crate::control::Control;
use crate::seed::Company;
use crate::server::{Ctx, lock};

/// Filters of one request: the query parameters and body members, as given.
pub(crate) type Filters = HashMap<String, Value>;

/// A refusal in the provider's terms: a status and a message.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub status: u16,
    pub message: String,
}

impl Refusal {
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Refusal {
            status: 400,
            message: message.into(),
        }
    }
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Refusal {
            status: 404,
            message: message.into(),
        }
    }
}

/// A provider's data, in its shape.
pub(crate) trait Dataset: Send {
    /// The key (API key, or Basic user name) the emulator accepts.
    fn key(&self) -> &str;
    /// The account the key reaches: the path parameter that names it and its value.
    fn account(&self) -> (&'static str, String);
    /// The connection test's answer.
    fn check(&self) -> Value;
    /// The records of `stream`, in the provider's order, for these path parameters and filters.
    fn list(
        &self,
        stream: &str,
        path: &HashMap<String, String>,
        filters: &Filters,
    ) -> Result<Vec<Value>, Refusal>;
    /// Adds a record to `stream` like its newest one, changed now (for incremental tests);
    /// returns its id.
    fn add_like_last(&mut self, stream: &str) -> Option<String>;
    /// Every record of `stream` (every partition), for tests comparing against ground truth.
    fn all(&self, stream: &str) -> Vec<Value>;
    /// The answer of a stream's change feed (QuickBooks' change data capture) for these
    /// filters.
    fn changes(&self, filters: &Filters) -> Result<Value, Refusal> {
        let _ = filters;
        Err(Refusal {
            status: 501,
            message: "the emulator has no change feed for this provider".into(),
        })
    }
    /// Deletes record `id` of `stream` as the provider does (QuickBooks: gone from queries, a
    /// tombstone in the change feed); false when there is no such record.
    fn remove(&mut self, stream: &str, id: &str) -> bool {
        let _ = (stream, id);
        false
    }
    /// Whether a list with nothing (more) to give answers `204 No Content` instead of an empty
    /// page (ADP's end of a collection).
    fn no_content_when_empty(&self) -> bool {
        false
    }
    /// The client id and secret the token endpoint accepts (client credentials auth).
    fn client(&self) -> Option<(&str, &str)> {
        None
    }
    /// The writes this emulator takes, as (method, spec path) pairs; each is answered by
    /// [`Dataset::write`] once the spec's request schema admits its body.
    fn writes(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
    /// Applies one of [`Dataset::writes`]: the status and body the spec declares for it.
    fn write(
        &mut self,
        method: &str,
        path: &str,
        headers: &axum::http::HeaderMap,
        body: &Value,
    ) -> Result<(u16, Value), Refusal> {
        let _ = (headers, body);
        Err(Refusal {
            status: 501,
            message: format!("the emulator does not take {method} {path}"),
        })
    }
    /// [`Dataset::write`] with the request's path parameters (Paychex's `PATCH
    /// /workers/{workerId}` names the worker in the path); without them by default.
    fn write_at(
        &mut self,
        method: &str,
        path: &str,
        params: &HashMap<String, String>,
        headers: &axum::http::HeaderMap,
        body: &Value,
    ) -> Result<(u16, Value), Refusal> {
        let _ = params;
        self.write(method, path, headers, body)
    }
    /// [`Dataset::write_at`] with the request's query parameters as admitted (QuickBooks'
    /// `requestid`, which makes a write idempotent).
    fn write_with_query(
        &mut self,
        method: &str,
        path: &str,
        params: &HashMap<String, String>,
        query: &Filters,
        headers: &axum::http::HeaderMap,
        body: &Value,
    ) -> Result<(u16, Value), Refusal> {
        let _ = query;
        self.write_at(method, path, params, headers, body)
    }
    /// Adds the provider's own envelope members to a list answer of `stream` (Paychex's
    /// `metadata` and `links`); `page` is the offset and limit asked for, `total` the records
    /// there are. Nothing by default.
    fn decorate(&self, stream: &str, body: &mut Value, page: Option<(usize, usize)>, total: usize) {
        let _ = (stream, body, page, total);
    }
    /// Finishes the open background check `id` with a clear result, completed `at`, as the
    /// provider would once its screening is done; false when the dataset has no such open
    /// check (and for providers without checks).
    fn complete_check(&mut self, _id: &str, _at: chrono::DateTime<chrono::Utc>) -> bool {
        false
    }
}

/// One emulated kit provider.
pub(crate) struct KitState {
    pub ctx: Arc<Ctx>,
    pub builtin: &'static BuiltIn,
    pub company: Arc<Company>,
    pub make: fn(&Company, &'static BuiltIn) -> Box<dyn Dataset>,
    pub data: Mutex<Box<dyn Dataset>>,
    pub revoked: AtomicBool,
    /// Access tokens issued by the token endpoint (client credentials auth).
    pub tokens: client_credentials::Tokens,
    /// The authorization server, for a file that signs in with OAuth ([`oauth`]).
    pub oauth: Option<Mutex<crate::oauth::OAuthStore>>,
}

impl KitState {
    pub(crate) fn new(
        ctx: Arc<Ctx>,
        builtin: &'static BuiltIn,
        company: Arc<Company>,
        make: fn(&Company, &'static BuiltIn) -> Box<dyn Dataset>,
    ) -> Self {
        let data = make(&company, builtin);
        let oauth = oauth::store(builtin, &company, data.key().to_owned()).map(Mutex::new);
        KitState {
            oauth,
            data: Mutex::new(data),
            ctx,
            builtin,
            company,
            make,
            revoked: AtomicBool::new(false),
            tokens: Default::default(),
        }
    }

    /// The key the emulator accepts.
    pub(crate) fn key(&self) -> String {
        lock(&self.data).key().to_owned()
    }

    /// The account's id.
    pub(crate) fn account_id(&self) -> String {
        lock(&self.data).account().1
    }
}

impl Control for KitState {
    fn ctx(&self) -> &Arc<Ctx> {
        &self.ctx
    }
    fn reset(&self) {
        *lock(&self.data) = (self.make)(&self.company, self.builtin);
        if let Some(o) = &self.oauth
            && let Some(fresh) = oauth::store(self.builtin, &self.company, self.key())
        {
            *lock(o) = fresh;
        }
        self.revoked.store(false, Ordering::SeqCst);
        self.tokens.clear();
        *lock(&self.ctx.faults) = Default::default();
        self.ctx.reset_stats();
    }
    fn revoke(&self) {
        self.revoked.store(true, Ordering::SeqCst);
        if let Some(o) = &self.oauth {
            lock(o).revoke_all();
        }
    }
}

/// An instance of the spec's schema for the items of `stream`, from the spec's own examples:
/// the template a dataset fills with the seeded company.
pub(crate) fn template(builtin: &BuiltIn, stream: &str) -> Map<String, Value> {
    let schema = builtin
        .file
        .stream(stream)
        .and_then(|s| builtin.item_schema(s));
    let Some(schema) = schema else {
        return Map::new();
    };
    let mut example = builtin.spec.example_of(&schema);
    prune(&builtin.spec, &schema, &mut example);
    match example {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The connection test's answer as the spec's examples give it (contradicting members left
/// out), for the dataset to fill.
pub(crate) fn check_template(builtin: &BuiltIn) -> Map<String, Value> {
    let Some(schema) = builtin
        .operation("GET", &builtin.file.check.path)
        .and_then(|op| op.response_schema())
        .cloned()
    else {
        return Map::new();
    };
    let mut example = builtin.spec.example_of(&schema);
    prune(&builtin.spec, &schema, &mut example);
    match example {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Drops the members of `value` that contradict their own schema. Some published examples do
/// (Clockify's `AccountStatus` is typed both as an object and as a string enum, so no value
/// can satisfy it; its `adminOnlyPages` example is a string where the schema wants a list):
/// the emulator leaves such members out rather than send what the spec forbids.
pub(crate) fn prune(spec: &maestro_kit::Spec, schema: &Value, value: &mut Value) -> bool {
    let valid = |schema: &Value, v: &Value| {
        jsonschema::validator_for(&spec.validator_document(schema))
            .map(|validator| validator.is_valid(v))
            .unwrap_or(false)
    };
    if valid(schema, value) {
        return true;
    }
    let resolved = spec.resolve(schema);
    let (Value::Object(map), Some(props)) = (
        &mut *value,
        resolved.get("properties").and_then(Value::as_object),
    ) else {
        return false;
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    for k in keys {
        let keep = match (props.get(&k), map.get_mut(&k)) {
            (Some(p), Some(member)) => prune(spec, p, member),
            _ => true,
        };
        if !keep {
            tracing::debug!(member = %k, "the spec's example contradicts its schema; left out");
            map.remove(&k);
        }
    }
    valid(schema, value)
}
