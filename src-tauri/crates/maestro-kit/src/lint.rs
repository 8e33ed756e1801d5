//! The spec lint: a provider file checked against the provider's published spec, so the file
//! cannot silently agree with itself. Every path and method must exist, every parameter and
//! body member sent must be declared for that operation, every pointer read must exist in the
//! response schema, and the auth scheme must be one the spec offers.

use std::fmt;

use serde_json::Value;

use crate::file::{
    AuthSpec, ClientAuthSpec, KeyLocation, PageStop, PaginatorSpec, ProviderFile, StreamSpec,
};
use crate::openapi::{Operation, ParamIn, Spec};

/// One disagreement between a provider file and its spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintProblem {
    /// Where in the file (`streams[time_entries].query.start`).
    pub at: String,
    /// What the spec says instead.
    pub message: String,
}

impl fmt::Display for LintProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Checks `file` against `spec`; empty when they agree.
pub fn lint(file: &ProviderFile, spec: &Spec) -> Vec<LintProblem> {
    let mut out = Vec::new();
    let base = file.spec_base_path();
    lint_auth(file, spec, &mut out);
    match spec.operation("GET", &file.check.path, base) {
        None => out.push(problem(
            "check.path",
            format!("GET {} is not in the spec", file.check.path),
        )),
        Some(op) => {
            lint_check_account(file, spec, &op, &mut out);
            lint_accept(&op, file.check.accept.as_deref(), "check.accept", &mut out);
        }
    }
    for s in &file.streams {
        lint_stream(file, s, spec, base, &mut out);
    }
    out
}

/// The account's pointer against the answer's schema, or against the record schema the file
/// names when the spec types one record instead of the answer (`account` then starts at the
/// first record of the list: `/content/0/legalName`).
fn lint_check_account(
    file: &ProviderFile,
    spec: &Spec,
    op: &Operation<'_>,
    out: &mut Vec<LintProblem>,
) {
    let account = &file.check.account;
    let (schema, pointer) = match &file.check.response_items_schema {
        Some(at) => {
            let Some(schema) = spec.schema_at(at) else {
                out.push(problem(
                    "check.response_items_schema",
                    format!("`{at}` is not in the spec"),
                ));
                return;
            };
            // `/content/0/legalName` → `/legalName`: past the list's first index.
            let segments: Vec<&str> = account.split('/').collect();
            let Some(index) = segments.iter().position(|s| *s == "0") else {
                out.push(problem(
                    "check.account",
                    "with response_items_schema the account is read from the list's first record (`/<list>/0/<member>`)",
                ));
                return;
            };
            (schema, format!("/{}", segments[index + 1..].join("/")))
        }
        None => match op.response_schema() {
            Some(schema) => (schema, account.clone()),
            None => return,
        },
    };
    if let Err(e) = spec.has_pointer(schema, &pointer) {
        out.push(problem("check.account", e));
    }
}

/// A vendor media type asked for in `Accept` must be one the operation's success answer is
/// offered in (Paychex answers 406, `API-75`, to any other).
fn lint_accept(op: &Operation<'_>, accept: Option<&str>, at: &str, out: &mut Vec<LintProblem>) {
    let Some(accept) = accept else { return };
    let offered = op.success_media_types();
    if !offered.contains(&accept) {
        out.push(problem(
            at,
            format!(
                "{} does not answer in `{accept}` (it offers {})",
                op.path,
                list(&offered)
            ),
        ));
    }
}

fn problem(at: impl Into<String>, message: impl Into<String>) -> LintProblem {
    LintProblem {
        at: at.into(),
        message: message.into(),
    }
}

fn lint_auth(file: &ProviderFile, spec: &Spec, out: &mut Vec<LintProblem>) {
    let schemes = spec.security_schemes();
    let offered = |pred: &dyn Fn(&Value) -> bool| schemes.iter().any(|s| pred(s));
    let text = |s: &Value, k: &str| {
        s.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let ok = match &file.auth {
        AuthSpec::ApiKey { location, name, .. } => {
            let place = match location {
                KeyLocation::Header => "header",
                KeyLocation::Query => "query",
            };
            offered(&|s| {
                text(s, "type") == "apikey"
                    && text(s, "in") == place
                    && text(s, "name") == name.to_ascii_lowercase()
            })
        }
        AuthSpec::Basic { .. } => offered(&|s| {
            text(s, "type") == "basic"
                || (text(s, "type") == "http" && text(s, "scheme") == "basic")
        }),
        AuthSpec::Bearer { .. } => offered(&|s| {
            (text(s, "type") == "http" && text(s, "scheme") == "bearer")
                || text(s, "type") == "oauth2"
                || (text(s, "type") == "apikey"
                    && text(s, "in") == "header"
                    && text(s, "name") == "authorization")
        }),
        AuthSpec::OAuth2 { .. } => offered(&|s| text(s, "type") == "oauth2"),
        AuthSpec::ClientCredentials {
            token_url,
            client_auth,
            method,
            ..
        } => {
            offered(&|s| {
                text(s, "type") == "oauth2" && s.pointer("/flows/clientCredentials").is_some()
            }) || token_operation(spec, token_url, method, *client_auth)
        }
    };
    if !ok {
        out.push(problem(
            "auth",
            "the spec offers no security scheme like this one",
        ));
    }
}

/// A spec that declares no security scheme but documents the token endpoint as an operation
/// (Paychex: `POST /auth/oauth/v2/token` taking `grant_type`, `client_id` and `client_secret`
/// in a form body) offers client credentials when that operation takes the grant as the file
/// sends it.
fn token_operation(spec: &Spec, token_url: &str, method: &str, auth: ClientAuthSpec) -> bool {
    // An absolute URL's path (`https://api.paychex.com/auth/oauth/v2/token`).
    let path = match token_url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => token_url,
    };
    let Some(op) = spec.operation(method, path, "") else {
        return false;
    };
    let form = op.form_members(false);
    let takes = |m: &str| form.contains(&m) || op.parameters(ParamIn::Query).contains(&m);
    // Basic auth sends the pair in a header: refused when the form requires it in the body.
    let required = op.form_members(true);
    takes("grant_type")
        && match auth {
            ClientAuthSpec::Body => takes("client_id") && takes("client_secret"),
            ClientAuthSpec::Basic => {
                !required.contains(&"client_id") && !required.contains(&"client_secret")
            }
        }
}

fn lint_stream(
    file: &ProviderFile,
    s: &StreamSpec,
    spec: &Spec,
    base: &str,
    out: &mut Vec<LintProblem>,
) {
    let at = |k: &str| format!("streams[{}].{k}", s.name);
    let Some(op) = spec.operation(&s.method, &s.path, base) else {
        out.push(problem(
            at("path"),
            format!("{} {} is not in the spec", s.method, s.path),
        ));
        return;
    };
    // What the file sends in the query and in the body.
    let mut query: Vec<(&str, String)> = s
        .query
        .keys()
        .map(|k| (k.as_str(), at(&format!("query.{k}"))))
        .collect();
    query.extend(
        file.query
            .keys()
            .map(|k| (k.as_str(), format!("query.{k}"))),
    );
    let mut body: Vec<(&str, String)> = s
        .body
        .iter()
        .flat_map(|b| b.keys())
        .map(|k| (k.as_str(), at(&format!("body.{k}"))))
        .collect();
    match &s.paginator {
        PaginatorSpec::PageNumber {
            param, size_param, ..
        }
        | PaginatorSpec::Offset {
            param, size_param, ..
        } => {
            query.push((param, at("paginator.param")));
            query.push((size_param, at("paginator.size_param")));
        }
        PaginatorSpec::NextUrl {
            size_param: Some(p),
            ..
        }
        | PaginatorSpec::LinkHeader {
            size_param: Some(p),
            ..
        } => query.push((p, at("paginator.size_param"))),
        PaginatorSpec::BodyCursor { param, .. } => query.push((param, at("paginator.param"))),
        PaginatorSpec::HeaderCursor {
            headers,
            size_param,
            ..
        } => {
            body.push((size_param, at("paginator.size_param")));
            for member in headers.values() {
                body.push((member, at("paginator.headers")));
            }
        }
        _ => {}
    }
    if let Some(inc) = &s.incremental {
        let into = if inc.location == "body" {
            &mut body
        } else {
            &mut query
        };
        into.push((&inc.param, at("incremental.param")));
        if let Some(end) = &inc.end_param {
            into.push((end, at("incremental.end_param")));
        }
    }
    let declared = op.parameters(ParamIn::Query);
    for (name, where_) in query {
        if !declared.contains(&name) {
            out.push(problem(
                where_,
                format!(
                    "`{name}` is not a query parameter of {} {} (it takes {})",
                    s.method,
                    op.path,
                    list(&declared)
                ),
            ));
        }
    }
    let members = op.body_members();
    for (name, where_) in body {
        if !members.contains(&name) {
            out.push(problem(
                where_,
                format!(
                    "`{name}` is not a body member of {} {} (it takes {})",
                    s.method,
                    op.path,
                    list(&members)
                ),
            ));
        }
    }
    let placeholders = s.path.matches('{').count();
    let declared_path = op.parameters(ParamIn::Path).len();
    if placeholders != declared_path {
        out.push(problem(
            at("path"),
            format!(
                "the spec declares {declared_path} path parameters, the file fills {placeholders}"
            ),
        ));
    }
    lint_accept(&op, s.accept.as_deref(), &at("accept"), out);
    lint_pointers(file, s, spec, &op, out);
    if let Some(c) = &s.changes {
        lint_changes(file, s, c, spec, base, out);
    }
}

/// A change feed's operation and the parameters the file sends it.
fn lint_changes(
    file: &ProviderFile,
    s: &StreamSpec,
    c: &crate::file::ChangesSpec,
    spec: &Spec,
    base: &str,
    out: &mut Vec<LintProblem>,
) {
    let at = |k: &str| format!("streams[{}].changes.{k}", s.name);
    let Some(op) = spec.operation("GET", &c.path, base) else {
        out.push(problem(
            at("path"),
            format!("GET {} is not in the spec", c.path),
        ));
        return;
    };
    let declared = op.parameters(ParamIn::Query);
    let sent = c
        .query
        .keys()
        .chain(file.query.keys())
        .chain(std::iter::once(&c.since_param));
    for name in sent {
        if !declared.contains(&name.as_str()) {
            out.push(problem(
                at("query"),
                format!(
                    "`{name}` is not a query parameter of GET {} (it takes {})",
                    op.path,
                    list(&declared)
                ),
            ));
        }
    }
}

fn lint_pointers(
    file: &ProviderFile,
    s: &StreamSpec,
    spec: &Spec,
    op: &Operation<'_>,
    out: &mut Vec<LintProblem>,
) {
    let at = |k: &str| format!("streams[{}].{k}", s.name);
    let response = op.response_schema();
    let item = match &s.response_items_schema {
        Some(pointer) => match spec.schema_at(pointer) {
            Some(schema) => Some(schema),
            None => {
                out.push(problem(
                    at("response_items_schema"),
                    format!("`{pointer}` is not in the spec"),
                ));
                return;
            }
        },
        None => {
            let Some(response) = response else {
                out.push(problem(
                    at("path"),
                    "the spec gives no schema for the answer",
                ));
                return;
            };
            if s.single {
                Some(spec.resolve(response))
            } else {
                list_item(spec, response, s, out)
            }
        }
    };
    lint_item(file, s, spec, op, item, out);
}

/// The schema of one record of the list the stream reads, or a problem when there is none.
fn list_item<'a>(
    spec: &'a Spec,
    response: &'a Value,
    s: &StreamSpec,
    out: &mut Vec<LintProblem>,
) -> Option<&'a Value> {
    let list_pointer = format!("{}/0", s.records);
    if let Err(e) = spec.has_pointer(response, &list_pointer) {
        out.push(problem(format!("streams[{}].records", s.name), e));
        return None;
    }
    item_schema(spec, response, &s.records)
}

/// The record's pointers, the partition's and the paginator's, against their schemas.
fn lint_item(
    file: &ProviderFile,
    s: &StreamSpec,
    spec: &Spec,
    op: &Operation<'_>,
    item: Option<&Value>,
    out: &mut Vec<LintProblem>,
) {
    let at = |k: &str| format!("streams[{}].{k}", s.name);
    let response = op.response_schema();
    let Some(item) = item else { return };
    let pointers = [
        ("id", Some(&s.id)),
        ("updated", s.updated.as_ref()),
        ("deleted", s.deleted.as_ref()),
    ];
    for (k, p) in pointers {
        if let Some(p) = p
            && let Err(e) = spec.has_pointer(item, p)
        {
            out.push(problem(at(k), e));
        }
    }
    if let Some(p) = &s.partition
        && let Some(parent) = file.stream(&p.parent)
        && let Some(parent_op) = spec.operation(&parent.method, &parent.path, file.spec_base_path())
        && let Some(parent_item) = match &parent.response_items_schema {
            Some(at) => spec.schema_at(at),
            None => parent_op
                .response_schema()
                .and_then(|r| item_schema(spec, r, &parent.records)),
        }
    {
        if let Err(e) = spec.has_pointer(parent_item, &p.key) {
            out.push(problem(at("partition.key"), e));
        }
        for k in &p.keep {
            if let Err(e) = spec.has_pointer(parent_item, k) {
                out.push(problem(at("partition.keep"), e));
            }
        }
    }
    match &s.paginator {
        PaginatorSpec::NextUrl { pointer, .. } | PaginatorSpec::BodyCursor { pointer, .. } => {
            if let Some(r) = response
                && let Err(e) = spec.has_pointer(r, pointer)
            {
                out.push(problem(at("paginator.pointer"), e));
            }
        }
        PaginatorSpec::PageNumber {
            stop: PageStop::Header { name, .. },
            ..
        } => header_documented(spec, op, name, &at("paginator.stop.name"), out),
        PaginatorSpec::PageNumber {
            stop: PageStop::TotalPages { pointer } | PageStop::NextLink { pointer },
            ..
        } => {
            if let Some(r) = response
                && let Err(e) = spec.has_pointer(r, pointer)
            {
                out.push(problem(at("paginator.stop.pointer"), e));
            }
        }
        PaginatorSpec::HeaderCursor { headers, .. } => {
            for h in headers.keys() {
                header_documented(spec, op, h, &at("paginator.headers"), out);
            }
        }
        _ => {}
    }
}

/// The schema of one record of the list at `records` in `response`.
fn item_schema<'a>(spec: &'a Spec, response: &'a Value, records: &str) -> Option<&'a Value> {
    let mut node = spec.resolve(response);
    for raw in records.split('/').skip(1) {
        node = spec.resolve(node.get("properties")?.get(raw)?);
    }
    node.get("items").map(|i| spec.resolve(i))
}

/// A header the file relies on must be declared on the response, or stated in the spec's
/// prose (operation or API description).
fn header_documented(
    spec: &Spec,
    op: &Operation<'_>,
    name: &str,
    at: &str,
    out: &mut Vec<LintProblem>,
) {
    let declared = op
        .response_headers()
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name));
    if !declared && !spec.describes(name) && !op.description().contains(name) {
        out.push(problem(
            at,
            format!("the spec neither declares nor describes a `{name}` header"),
        ));
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}
