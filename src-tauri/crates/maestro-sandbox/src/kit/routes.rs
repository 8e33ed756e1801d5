//! The emulator's routes, made from the provider file: the connection test and every stream,
//! each checking auth, the account, and every parameter against the spec before answering a
//! page in the file's paging style.

// Handlers short-circuit with ready-made `Response`s as errors; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use base64::Engine;
use maestro_kit::file::{AuthSpec, KeyLocation, PageStop, PaginatorSpec, StreamSpec};
use maestro_kit::openapi::{Operation, ParamIn};
use serde_json::{Map, Value};

use super::{Filters, KitState, Refusal};
use crate::server::{error_response, header_str, json_with, lock};

type S = State<Arc<KitState>>;

/// `{config.workspace_id}` → `{workspace_id}` (axum's placeholder syntax).
fn axum_path(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    let mut seen = Vec::new();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        let name = name.rsplit('.').next().unwrap_or(name);
        out.push('{');
        out.push_str(name);
        // A placeholder used twice (QuickBooks' `/companyinfo/{realm_id}` after
        // `/company/{realm_id}`) is a second parameter to axum.
        if seen.contains(&name) {
            out.push_str("__again");
        }
        seen.push(name);
        out.push('}');
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The router of one kit provider.
pub(crate) fn router(state: Arc<KitState>) -> Router {
    let file = &state.builtin.file;
    let mut seen = BTreeSet::new();
    let mut r = Router::new();
    r = super::oauth::routes(r, state.builtin);
    for s in &file.streams {
        let path = axum_path(&s.path);
        if !seen.insert((s.method.clone(), path.clone())) {
            continue;
        }
        let name: &'static str = &s.name;
        let handler = move |st: S,
                            Path(params): Path<HashMap<String, String>>,
                            headers: HeaderMap,
                            RawQuery(q): RawQuery,
                            body: Bytes| async move {
            stream(st, name, params, headers, q, body).await
        };
        let route: MethodRouter<Arc<KitState>> = if s.method == "POST" {
            post(handler)
        } else {
            get(handler)
        };
        r = r.route(&path, route);
    }
    // A connection test on a stream's own path (ADP's workers) is answered by that stream.
    let check_path = axum_path(&file.check.path);
    if seen.insert(("GET".to_owned(), check_path.clone())) {
        r = r.route(&check_path, get(check));
    }
    // Change feeds (QuickBooks' CDC), one route per path.
    for s in &file.streams {
        let Some(c) = &s.changes else { continue };
        let path = axum_path(&c.path);
        if !seen.insert(("GET".to_owned(), path.clone())) {
            continue;
        }
        let spec_path: &'static str = &c.path;
        let handler = move |st: S,
                            Path(params): Path<HashMap<String, String>>,
                            headers: HeaderMap,
                            RawQuery(q): RawQuery| async move {
            changes(st, spec_path, params, headers, q).await
        };
        r = r.route(&path, get(handler));
    }
    if let Some(path) = super::client_credentials::token_path(&state) {
        r = r.route(
            &path,
            get(super::client_credentials::token).post(super::client_credentials::token),
        );
    }
    let writes = lock(&state.data).writes();
    for &(method, spec_path) in writes {
        let handler = move |st: S,
                            Path(params): Path<HashMap<String, String>>,
                            headers: HeaderMap,
                            RawQuery(q): RawQuery,
                            body: Bytes| async move {
            write(st, (method, spec_path), params, headers, q, body).await
        };
        let route: MethodRouter<Arc<KitState>> = match method {
            "PUT" => axum::routing::put(handler),
            "PATCH" => axum::routing::patch(handler),
            "DELETE" => axum::routing::delete(handler),
            _ => post(handler),
        };
        // Merged with the stream's GET on the same path (Checkr's `/candidates`).
        r = r.route(&write_path(&state.builtin.file, spec_path), route);
    }
    r.with_state(state)
}

/// A write the dataset takes: admitted like a read (spec operation, undeclared members,
/// credentials, account), its body then held to the operation's request schema (required
/// members, types, patterns), and answered by the dataset with the spec's status and body.
async fn write(
    State(s): S,
    (method, path): (&'static str, &'static str),
    params: HashMap<String, String>,
    headers: HeaderMap,
    q: Option<String>,
    body: Bytes,
) -> Response {
    let request = (&params, &headers, q.as_deref(), &body);
    let (op, query) = match admit(&s, method, path, request) {
        Ok(admitted) => admitted,
        Err(r) => return r,
    };
    let value: Value = if body.is_empty() {
        Value::Object(Map::new())
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => return refuse(&s, Refusal::bad(format!("The body is not JSON: {e}"))),
        }
    };
    if let Some(schema) = op.body_schema() {
        let document = s.builtin.spec.validator_document(schema);
        let Ok(validator) = jsonschema::validator_for(&document) else {
            return refuse(
                &s,
                Refusal {
                    status: 500,
                    message: format!("the spec's request schema of {path} does not compile"),
                },
            );
        };
        let problems: Vec<String> = validator
            .iter_errors(&value)
            .take(3)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() {
                    e.to_string()
                } else {
                    format!("{}: {e}", at.trim_start_matches('/'))
                }
            })
            .collect();
        if !problems.is_empty() {
            return refuse(&s, Refusal::bad(problems.join("; ")));
        }
    }
    let answer = lock(&s.data).write_with_query(method, path, &params, &query, &headers, &value);
    match answer {
        Ok((status, body)) => json_with(
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            &[],
            body,
        ),
        Err(r) => refuse(&s, r),
    }
}

/// A change feed's answer: admitted like a read, answered by the dataset.
async fn changes(
    State(s): S,
    path: &'static str,
    params: HashMap<String, String>,
    headers: HeaderMap,
    q: Option<String>,
) -> Response {
    let request = (&params, &headers, q.as_deref(), &Bytes::new());
    let filters = match admit(&s, "GET", path, request) {
        Ok((_, filters)) => filters,
        Err(r) => return r,
    };
    let answer = lock(&s.data).changes(&filters);
    match answer {
        Ok(body) => json_with(StatusCode::OK, &[], body),
        Err(r) => refuse(&s, r),
    }
}

fn refuse(s: &KitState, r: Refusal) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST);
    error_response(s.ctx.provider, status, "invalid_request", &r.message)
}

fn operation<'a>(s: &'a KitState, method: &str, path: &str) -> Option<Operation<'a>> {
    s.builtin.operation(method, path)
}

/// Checks the credentials as the provider does; the status is the one the spec declares for
/// refusals (Toggl declares 403 and never 401), else 401.
fn authorise(s: &KitState, headers: &HeaderMap, query: &Filters) -> Result<(), Response> {
    let statuses = s.builtin.spec.declared_statuses();
    let status = if statuses.contains("401") || !statuses.contains("403") {
        401
    } else {
        403
    };
    if let AuthSpec::ClientCredentials { .. } = &s.builtin.file.auth {
        // A token the endpoint issued, unexpired (client credentials).
        return match super::client_credentials::bearer_ok(s, headers) {
            (_, true) => Ok(()),
            (given, false) => Err(refuse(
                s,
                Refusal {
                    status,
                    message: if given {
                        "Invalid access token".into()
                    } else {
                        "Invalid access token: none was given".into()
                    },
                },
            )),
        };
    }
    let key = s.key();
    let given = match &s.builtin.file.auth {
        AuthSpec::ApiKey {
            location: KeyLocation::Header,
            name,
            prefix,
            ..
        } => header_str(headers, name)
            .and_then(|v| v.strip_prefix(prefix.as_deref().unwrap_or_default()))
            .map(str::to_owned),
        AuthSpec::ApiKey {
            location: KeyLocation::Query,
            name,
            ..
        } => query.get(name).and_then(Value::as_str).map(str::to_owned),
        AuthSpec::Basic { password, .. } => header_str(headers, "authorization")
            .and_then(|h| h.strip_prefix("Basic "))
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .ok()
            })
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|pair| {
                let (user, pass) = pair.split_once(':')?;
                (password.as_deref().is_none_or(|p| p == pass)).then(|| user.to_owned())
            }),
        AuthSpec::Bearer { .. } | AuthSpec::OAuth2 { .. } | AuthSpec::ClientCredentials { .. } => {
            header_str(headers, "authorization")
                .and_then(|h| h.strip_prefix("Bearer "))
                .map(str::to_owned)
        }
    };
    // An OAuth file's tokens are the ones its authorization server issued and has not
    // expired or revoked.
    let issued = match (&s.oauth, given.as_deref()) {
        (Some(o), Some(token)) => lock(o).check(token) == crate::oauth::TokenCheck::Valid,
        (Some(_), None) => false,
        (None, given) => given == Some(key.as_str()),
    };
    let ok = issued && !s.revoked.load(Ordering::SeqCst);
    if ok {
        Ok(())
    } else {
        Err(refuse(
            s,
            Refusal {
                status,
                message: if given.is_none() {
                    "Full authentication is required to access this resource".into()
                } else {
                    "Invalid credentials".into()
                },
            },
        ))
    }
}

/// Refuses query parameters and body members the spec does not declare for `op`, and
/// required parameters that are missing; returns them as filters.
fn strict(
    s: &KitState,
    op: &Operation<'_>,
    raw_query: Option<&str>,
    body: &Bytes,
    extra_query: &[&str],
) -> Result<Filters, Response> {
    let declared = op.parameters(ParamIn::Query);
    let mut filters = Filters::new();
    for (k, v) in url::form_urlencoded::parse(raw_query.unwrap_or("").as_bytes()) {
        if !declared.contains(&k.as_ref()) && !extra_query.contains(&k.as_ref()) {
            return Err(refuse(
                s,
                Refusal::bad(format!(
                    "Unknown query parameter `{k}` for {}; it takes {}",
                    op.path,
                    declared.join(", ")
                )),
            ));
        }
        filters.insert(k.into_owned(), Value::String(v.into_owned()));
    }
    for required in op.required_parameters(ParamIn::Query) {
        if !filters.contains_key(required) {
            return Err(refuse(
                s,
                Refusal::bad(format!("Required query parameter `{required}` is missing")),
            ));
        }
    }
    if op.body_schema().is_some() {
        let members = op.body_members();
        let parsed: Value = if body.is_empty() {
            Value::Object(Map::new())
        } else {
            match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => {
                    return Err(refuse(
                        s,
                        Refusal::bad(format!("The body is not JSON: {e}")),
                    ));
                }
            }
        };
        let Value::Object(m) = parsed else {
            return Err(refuse(s, Refusal::bad("The body must be a JSON object")));
        };
        for (k, v) in m {
            if !members.contains(&k.as_str()) {
                return Err(refuse(
                    s,
                    Refusal::bad(format!("Unknown body member `{k}` for {}", op.path)),
                ));
            }
            filters.insert(k, v);
        }
    }
    Ok(filters)
}

/// The account in the path must be the key's account.
fn own_account(s: &KitState, params: &HashMap<String, String>) -> Result<(), Response> {
    let (name, id) = lock(&s.data).account();
    for key in [name.to_owned(), format!("{name}__again")] {
        if let Some(given) = params.get(&key)
            && *given != id
        {
            return Err(refuse(
                s,
                Refusal::not_found(format!("No {name} {given} for this key")),
            ));
        }
    }
    Ok(())
}

/// What every request goes through before it is answered: the spec's operation, its
/// parameters (as filters), the credentials, and the account in the path.
fn admit<'a>(
    s: &'a KitState,
    method: &str,
    path: &str,
    request: (&HashMap<String, String>, &HeaderMap, Option<&str>, &Bytes),
) -> Result<(Operation<'a>, Filters), Response> {
    let (params, headers, query, body) = request;
    let Some(op) = operation(s, method, path) else {
        return Err(refuse(s, Refusal::not_found("Not in the spec")));
    };
    let filters = strict(s, &op, query, body, &[])?;
    // A header the spec requires (ADP's `roleCode`) is required here too.
    for required in op.required_parameters(ParamIn::Header) {
        if header_str(headers, required).is_none() {
            return Err(refuse(
                s,
                Refusal::bad(format!("Required header `{required}` is missing")),
            ));
        }
    }
    authorise(s, headers, &filters)?;
    own_account(s, params)?;
    acceptable(s, &op, headers)?;
    Ok((op, filters))
}

async fn check(
    State(s): S,
    Path(params): Path<HashMap<String, String>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let request = (&params, &headers, q.as_deref(), &Bytes::new());
    if let Err(r) = admit(&s, "GET", &s.builtin.file.check.path, request) {
        return r;
    }
    json_with(StatusCode::OK, &[], lock(&s.data).check())
}

fn number(filters: &Filters, name: &str) -> Option<Result<i64, ()>> {
    filters.get(name).map(|v| match v {
        Value::Number(n) => n.as_i64().ok_or(()),
        Value::String(t) => t.trim().parse().map_err(|_| ()),
        _ => Err(()),
    })
}

async fn stream(
    s: S,
    name: &'static str,
    params: HashMap<String, String>,
    headers: HeaderMap,
    q: Option<String>,
    body: Bytes,
) -> Response {
    let State(s) = s;
    let Some(spec) = s.builtin.file.stream(name) else {
        return refuse(&s, Refusal::not_found("No such stream"));
    };
    // One path, several streams (QuickBooks' query endpoint): the statement's entity says
    // which.
    let (spec, name) = match by_statement(&s.builtin.file, spec, q.as_deref()) {
        Ok(found) => found,
        Err(e) => return refuse(&s, e),
    };
    let request = (&params, &headers, q.as_deref(), &body);
    let (op, filters) = match admit(&s, &spec.method, &spec.path, request) {
        Ok(admitted) => admitted,
        Err(r) => return r,
    };
    let records = match lock(&s.data).list(name, &params, &filters) {
        Ok(r) => r,
        Err(e) => return refuse(&s, e),
    };
    let total = records.len();
    let asked = Asked {
        origin: header_str(&headers, "host").map(|h| format!("http://{h}")),
        path: op_path(&spec.path, &params),
        query: q.as_deref().unwrap_or(""),
        short: lock(&s.ctx.adversarial).short_pages,
    };
    let (page, headers_out, members) = match paginate(spec, &op, &filters, records, &asked) {
        Ok(p) => p,
        Err(e) => return refuse(&s, e),
    };
    // Nothing (more) to give, for a provider that says so with 204 (ADP).
    if page.is_empty() && !spec.single && lock(&s.data).no_content_when_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let body = if spec.single {
        // One record, not a list (Checkr's `GET /reports/{id}`).
        match page.into_iter().next() {
            Some(record) => record,
            None => return refuse(&s, Refusal::not_found("Not found")),
        }
    } else {
        let empty_statement_page =
            page.is_empty() && matches!(spec.paginator, PaginatorSpec::Query { .. });
        let mut body = if empty_statement_page {
            Value::Object(Map::new())
        } else {
            envelope(&spec.records, page)
        };
        next_link(&s, spec, &op, (&params, &filters), total, &mut body);
        merge(&mut body, members);
        lock(&s.data).decorate(name, &mut body, offset_asked(spec, &filters), total);
        body
    };
    let headers_out: Vec<(&str, String)> = headers_out
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    json_with(StatusCode::OK, &headers_out, body)
}

/// The list placed at the file's records pointer (the body itself when it is empty).
fn envelope(pointer: &str, page: Vec<Value>) -> Value {
    envelope_value(pointer, Value::Array(page))
}

/// `value` placed at `pointer` (the value itself when it is empty).
fn envelope_value(pointer: &str, value: Value) -> Value {
    let mut out = value;
    for seg in pointer
        .split('/')
        .skip(1)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let mut m = Map::new();
        m.insert(seg.to_owned(), out);
        out = Value::Object(m);
    }
    out
}

/// Page-number paging that stops at a missing next link (Checkr's `next_href`): the next
/// page's address at the file's pointer, and the spec's `previous_href` and `count` (the
/// total) when the answer declares them, and members it can hold one value only (Checkr's
/// `object: "list"`). Checkr's docs show a null link on the last page, but its spec types the
/// links as strings only, so a missing one is left out here.
fn next_link(
    s: &KitState,
    spec: &StreamSpec,
    op: &Operation<'_>,
    request: (&HashMap<String, String>, &Filters),
    total: usize,
    body: &mut Value,
) {
    let (params, filters) = request;
    let PaginatorSpec::PageNumber {
        param,
        size_param,
        stop: PageStop::NextLink { pointer },
        ..
    } = &spec.paginator
    else {
        return;
    };
    let page = number(filters, param)
        .and_then(Result::ok)
        .unwrap_or(1)
        .max(1) as usize;
    let size = number(filters, size_param)
        .and_then(Result::ok)
        .or_else(|| {
            op.parameter_default(size_param)
                .and_then(|d| d.parse().ok())
        })
        .unwrap_or(50)
        .max(1) as usize;
    let mut path = axum_path(&spec.path);
    for (k, v) in params {
        path = path.replace(&format!("{{{k}}}"), v);
    }
    let link = |n: usize| {
        Value::String(format!(
            "{}{path}?{param}={n}&{size_param}={size}",
            s.ctx.base_url
        ))
    };
    let Value::Object(m) = body else { return };
    if page.saturating_mul(size) < total {
        m.insert(pointer.trim_start_matches('/').to_owned(), link(page + 1));
    }
    // Declared inline on the answer, as Checkr's lists are.
    let props = op.response_schema().and_then(|r| r.get("properties"));
    let declares = |member: &str| props.is_some_and(|p| p.get(member).is_some());
    if declares("previous_href") && page > 1 {
        m.insert("previous_href".into(), link(page - 1));
    }
    if declares("count") {
        m.insert("count".into(), Value::from(total));
    }
    for (k, p) in props.and_then(Value::as_object).into_iter().flatten() {
        if let Some([only]) = p.get("enum").and_then(Value::as_array).map(Vec::as_slice) {
            m.insert(k.clone(), only.clone());
        }
    }
}

/// A page: its records, the headers that go with it, and members to add to its body.
type Paged = (Vec<Value>, Vec<(String, String)>, Value);

/// Where a page was asked for, for the next link that points past it.
struct Asked<'a> {
    /// `http://host:port` of the emulator as the client reached it.
    origin: Option<String>,
    /// The request's path.
    path: String,
    /// The request's query, as sent.
    query: &'a str,
    /// The adversarial page size (0: as the provider pages).
    short: u32,
}

/// The stream's path with its placeholders filled from the request.
fn op_path(path: &str, params: &HashMap<String, String>) -> String {
    let mut out = axum_path(path);
    for (k, v) in params {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// Records per page when the spec names no page size (Rippling's REST API declares none).
const NEXT_LINK_PAGE: usize = 100;

/// The opaque position a next link carries: the index of the page's first record.
fn cursor_token(start: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("start:{start}"))
}

fn cursor_start(token: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim())
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("start:")?
        .parse()
        .ok()
}

/// One page of `records` in the file's paging style, with the headers that go with it.
fn paginate(
    spec: &StreamSpec,
    op: &Operation<'_>,
    filters: &Filters,
    records: Vec<Value>,
    asked: &Asked<'_>,
) -> Result<Paged, Refusal> {
    let default_size = |param: &str| {
        op.parameter_default(param)
            .and_then(|d| d.parse::<i64>().ok())
            .unwrap_or(50)
    };
    match &spec.paginator {
        PaginatorSpec::None => Ok((records, Vec::new(), Value::Null)),
        PaginatorSpec::PageNumber {
            param,
            size_param,
            stop,
            ..
        } => {
            let page = match number(filters, param) {
                None => 1,
                Some(Ok(n)) if n >= 1 => n,
                _ => {
                    return Err(Refusal::bad(format!(
                        "`{param}` must be a whole number from 1"
                    )));
                }
            };
            let size = match number(filters, size_param) {
                None => default_size(size_param),
                Some(Ok(n)) if n >= 1 => n,
                _ => {
                    return Err(Refusal::bad(format!(
                        "`{size_param}` must be a whole number from 1"
                    )));
                }
            };
            let (size, page) = (size as usize, page as usize);
            let start = (page - 1).saturating_mul(size).min(records.len());
            let end = (start + size).min(records.len());
            let last = end >= records.len();
            let slice = records[start..end].to_vec();
            let mut headers = Vec::new();
            if let PageStop::Header { .. } = stop {
                // Clockify's documented header (spec info.description, "Pagination").
                headers.push(("last-page".to_owned(), last.to_string()));
            }
            Ok((slice, headers, Value::Null))
        }
        PaginatorSpec::HeaderCursor {
            headers: next_headers,
            size_param,
            ..
        } => {
            let size = match number(filters, size_param) {
                None => 50,
                Some(Ok(n)) if n >= 1 => n as usize,
                _ => {
                    return Err(Refusal::bad(format!(
                        "`{size_param}` must be a positive number"
                    )));
                }
            };
            let id_member = next_headers
                .iter()
                .find(|(h, _)| h.to_ascii_lowercase().ends_with("-id"))
                .map(|(_, m)| m.as_str());
            let row_member = next_headers
                .iter()
                .find(|(h, _)| h.to_ascii_lowercase().contains("row"))
                .map(|(_, m)| m.as_str());
            let start = match row_member.and_then(|m| number(filters, m)) {
                None => 0,
                Some(Ok(n)) if n >= 1 => (n - 1) as usize,
                _ => return Err(Refusal::bad("the row number must be a positive number")),
            };
            let id_of = |r: &Value| r.pointer(&spec.id).map(|v| v.to_string());
            if let (Some(m), Some(first)) = (id_member, records.get(start))
                && let Some(given) = filters.get(m)
                && Some(given.to_string()) != id_of(first)
            {
                return Err(Refusal::bad(format!(
                    "`{m}` does not match the row it starts at"
                )));
            }
            let end = (start + size).min(records.len());
            let slice = records
                .get(start..end)
                .map(<[Value]>::to_vec)
                .unwrap_or_default();
            let mut headers = Vec::new();
            if let Some(next) = records.get(end) {
                for (h, m) in next_headers {
                    let value = if Some(m.as_str()) == row_member {
                        (end + 1).to_string()
                    } else {
                        id_of(next).unwrap_or_default()
                    };
                    headers.push((h.to_ascii_lowercase(), value));
                }
            }
            Ok((slice, headers, Value::Null))
        }
        PaginatorSpec::NextUrl {
            pointer,
            size_param,
            ..
        } => next_link_page(op, filters, records, asked, pointer, size_param.as_deref()),
        PaginatorSpec::BodyCursor { pointer, param } => {
            body_cursor_page(op, filters, records, asked, pointer, param)
        }
        PaginatorSpec::Offset {
            param, size_param, ..
        } => offset_page(filters, records, asked, param, size_param),
        PaginatorSpec::Query { param, .. } => {
            statement_page(spec, op, filters, records, asked, param)
        }
        other => Err(Refusal {
            status: 501,
            message: format!("the emulator does not page {other:?} yet"),
        }),
    }
}

/// A page of `records` with the absolute link to the next one placed at `pointer` in the body
/// (Rippling: `next_link`, format uri). The position travels in the query parameter the spec
/// declares for it (one named like `cursor`), as an opaque token; the link repeats the rest of
/// the request's query. No link on the last page.
fn next_link_page(
    op: &Operation<'_>,
    filters: &Filters,
    records: Vec<Value>,
    asked: &Asked<'_>,
    pointer: &str,
    size_param: Option<&str>,
) -> Result<Paged, Refusal> {
    let declared = op.parameters(ParamIn::Query);
    // Zenefits: `starting_after` (its next_url is followed verbatim; the name is the transcription's).
    let Some(cursor) = declared
        .iter()
        .find(|p| p.contains("cursor") || **p == "starting_after")
        .copied()
    else {
        return Err(Refusal {
            status: 501,
            message: format!("{} declares no cursor parameter to page with", op.path),
        });
    };
    let start = match filters.get(cursor).and_then(Value::as_str) {
        None => 0,
        Some(t) => cursor_start(t)
            .filter(|s| *s <= records.len())
            .ok_or_else(|| Refusal::bad(format!("`{cursor}` is not a cursor this API gave")))?,
    };
    let mut size = match size_param.map(|p| number(filters, p)) {
        None | Some(None) => NEXT_LINK_PAGE,
        Some(Some(Ok(n))) if n >= 1 => n as usize,
        Some(_) => return Err(Refusal::bad("the page size must be a positive number")),
    };
    if asked.short > 0 {
        size = size.min(asked.short as usize);
    }
    let end = (start + size).min(records.len());
    let page = records[start..end].to_vec();
    let mut body = Value::Object(Map::new());
    if end < records.len() {
        let origin = asked
            .origin
            .clone()
            .ok_or_else(|| Refusal::bad("a request without a Host header"))?;
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(asked.query.as_bytes()) {
            if k != cursor {
                query.append_pair(&k, &v);
            }
        }
        query.append_pair(cursor, &cursor_token(end));
        let link = format!("{origin}{}?{}", asked.path, query.finish());
        body = envelope_value(pointer, Value::String(link));
    }
    Ok((page, Vec::new(), body))
}

/// A page of `records` from the opaque cursor in `param` (none: the first), with the next
/// page's cursor at `pointer` in the body and none on the last page (Justworks:
/// `cursor`/`next_cursor`; an empty value is left out, as its docs say). The page size is the
/// declared `limit` (or `page_size`, `per_page`) asked for, else its default, else 100.
fn body_cursor_page(
    op: &Operation<'_>,
    filters: &Filters,
    records: Vec<Value>,
    asked: &Asked<'_>,
    pointer: &str,
    param: &str,
) -> Result<Paged, Refusal> {
    let start = match filters.get(param).and_then(Value::as_str) {
        None => 0,
        Some(t) => cursor_start(t)
            .filter(|s| *s <= records.len())
            .ok_or_else(|| Refusal::bad(format!("`{param}` is not a cursor this API gave")))?,
    };
    let size_param = op
        .parameters(ParamIn::Query)
        .into_iter()
        .find(|p| ["limit", "page_size", "per_page"].contains(p));
    let mut size = match size_param.map(|p| (p, number(filters, p))) {
        None => NEXT_LINK_PAGE,
        Some((p, None)) => op
            .parameter_default(p)
            .and_then(|d| d.parse().ok())
            .unwrap_or(NEXT_LINK_PAGE),
        Some((_, Some(Ok(n)))) if n >= 1 => n as usize,
        Some((p, Some(_))) => {
            return Err(Refusal::bad(format!("`{p}` must be a positive number")));
        }
    };
    if asked.short > 0 {
        size = size.min(asked.short as usize);
    }
    let end = (start + size).min(records.len());
    let page = records[start..end].to_vec();
    let body = if end < records.len() {
        envelope_value(pointer, Value::String(cursor_token(end)))
    } else {
        Value::Null
    };
    Ok((page, Vec::new(), body))
}

/// The stream a request's statement reads, for a `query` paginator whose path several
/// streams share (the one whose own statement names the same entity); `spec` otherwise.
fn by_statement<'a>(
    file: &'a maestro_kit::ProviderFile,
    spec: &'a StreamSpec,
    raw_query: Option<&str>,
) -> Result<(&'a StreamSpec, &'a str), Refusal> {
    let PaginatorSpec::Query { param, .. } = &spec.paginator else {
        return Ok((spec, &spec.name));
    };
    let given = url::form_urlencoded::parse(raw_query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == param.as_str())
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| Refusal::bad(super::statement::parse_error("no statement")))?;
    let entity = super::statement::parse(&given)
        .map_err(Refusal::bad)?
        .entity;
    file.streams
        .iter()
        .filter(|s| s.method == spec.method && s.path == spec.path)
        .find(|s| {
            s.query
                .get(param)
                .and_then(|own| super::statement::parse(own).ok())
                .is_some_and(|own| own.entity == entity)
        })
        .map(|s| (s, s.name.as_str()))
        .ok_or_else(|| {
            Refusal::bad(super::statement::parse_error(&format!(
                "\"{entity}\", an entity this emulator does not serve"
            )))
        })
}

/// A page of `records` as the statement in `param` asks (`STARTPOSITION`, 1-based, and
/// `MAXRESULTS`), with `startPosition` and `maxResults` beside the list and the answer's
/// `time` when the spec declares them (QuickBooks' `QueryResponse`). A page with nothing is
/// the list's parent without the list (QuickBooks answers `{"QueryResponse": {}}`).
fn statement_page(
    spec: &StreamSpec,
    op: &Operation<'_>,
    filters: &Filters,
    records: Vec<Value>,
    asked: &Asked<'_>,
    param: &str,
) -> Result<Paged, Refusal> {
    let text = filters.get(param).and_then(Value::as_str).unwrap_or("");
    let st = super::statement::parse(text).map_err(Refusal::bad)?;
    let mut size = st.max;
    if asked.short > 0 {
        size = size.min(asked.short as usize);
    }
    let start = (st.start - 1).min(records.len());
    let end = (start + size).min(records.len());
    let page = records[start..end].to_vec();
    let parent = spec
        .records
        .rsplit_once('/')
        .map(|(p, _)| p.to_owned())
        .unwrap_or_default();
    let mut members = Map::new();
    if !page.is_empty() {
        members.insert("startPosition".into(), Value::from(st.start));
        members.insert("maxResults".into(), Value::from(page.len()));
    }
    let mut body = envelope_value(&parent, Value::Object(members));
    let declares_time = op
        .response_schema()
        .and_then(|r| r.get("properties"))
        .is_some_and(|p| p.get("time").is_some());
    if declares_time && let Value::Object(m) = &mut body {
        m.insert(
            "time".into(),
            Value::from(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, false)),
        );
    }
    Ok((page, Vec::new(), body))
}

/// `?offset=N&limit=M` paging (0-based offset). Without either, everything (Paychex: paging
/// applies only when both are given); a limit alone starts at 0; an offset alone is refused
/// (API-49, a missing query parameter). An adversarial short page answers fewer than asked
/// for.
fn offset_page(
    filters: &Filters,
    records: Vec<Value>,
    asked: &Asked<'_>,
    param: &str,
    size_param: &str,
) -> Result<Paged, Refusal> {
    let (offset, limit) = match (number(filters, param), number(filters, size_param)) {
        (None, None) => return Ok((records, Vec::new(), Value::Null)),
        (Some(Ok(o)), Some(Ok(l))) if o >= 0 && l >= 1 => (o as usize, l as usize),
        (None, Some(Ok(l))) if l >= 1 => (0, l as usize),
        (_, None) => {
            return Err(Refusal::bad(format!(
                "`{param}` and `{size_param}` page only together"
            )));
        }
        _ => {
            return Err(Refusal::bad(format!(
                "`{param}` must be a whole number from 0 and `{size_param}` from 1"
            )));
        }
    };
    let mut size = limit;
    if asked.short > 0 {
        size = size.min(asked.short as usize);
    }
    let start = offset.min(records.len());
    let end = (start + size).min(records.len());
    Ok((records[start..end].to_vec(), Vec::new(), Value::Null))
}

/// The offset and limit a request asked for, for a stream paged by offset.
fn offset_asked(spec: &StreamSpec, filters: &Filters) -> Option<(usize, usize)> {
    let PaginatorSpec::Offset {
        param, size_param, ..
    } = &spec.paginator
    else {
        return None;
    };
    match (number(filters, param), number(filters, size_param)) {
        (Some(Ok(o)), Some(Ok(l))) => Some((o.max(0) as usize, l.max(0) as usize)),
        (None, Some(Ok(l))) => Some((0, l.max(0) as usize)),
        _ => None,
    }
}

/// Refuses an `Accept` the operation's success answer is not offered in, with 406 (Paychex:
/// `API-75`, "Invalid vendor media type."). `*/*`, `application/*`, `application/json` and no
/// header at all are always taken; a spec that lists no media types (Swagger 2) takes any.
fn acceptable(s: &KitState, op: &Operation<'_>, headers: &HeaderMap) -> Result<(), Response> {
    let offered = op.success_media_types();
    let Some(given) = header_str(headers, "accept") else {
        return Ok(());
    };
    if offered.is_empty() {
        return Ok(());
    }
    let ok = given
        .split(',')
        .map(|t| t.split(';').next().unwrap_or("").trim())
        .any(|t| {
            matches!(t, "*/*" | "application/*" | "application/json" | "") || offered.contains(&t)
        });
    if ok {
        Ok(())
    } else {
        Err(refuse(
            s,
            Refusal {
                status: 406,
                message: "Invalid vendor media type.".into(),
            },
        ))
    }
}

/// The router path of a write: its spec path with each placeholder named as the file's
/// streams name the one at the same place (`/workers/{workerId}` beside
/// `/workers/{worker_id}/compensation/payrates`), since one router cannot give one segment two
/// names.
fn write_path(file: &maestro_kit::ProviderFile, spec_path: &str) -> String {
    let known: Vec<Vec<String>> = std::iter::once(&file.check.path)
        .chain(file.streams.iter().map(|s| &s.path))
        .map(|p| axum_path(p).split('/').map(str::to_owned).collect())
        .collect();
    let mut out: Vec<String> = Vec::new();
    for (i, seg) in axum_path(spec_path).split('/').enumerate() {
        let named = seg.starts_with('{').then(|| {
            known.iter().find_map(|k| {
                let same_before = k.len() > i
                    && k[..i]
                        .iter()
                        .zip(&out)
                        .all(|(a, b)| a == b || (a.starts_with('{') && b.starts_with('{')));
                (same_before && k[i].starts_with('{')).then(|| k[i].clone())
            })
        });
        out.push(named.flatten().unwrap_or_else(|| seg.to_owned()));
    }
    out.join("/")
}

/// Adds the members of `extra` (objects merged member by member) to `body`.
fn merge(body: &mut Value, extra: Value) {
    let (Value::Object(b), Value::Object(e)) = (body, extra) else {
        return;
    };
    for (k, v) in e {
        match b.get_mut(&k) {
            Some(existing @ Value::Object(_)) => merge(existing, v),
            _ => {
                b.insert(k, v);
            }
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST),
            self.message,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placeholder_used_twice_is_two_parameters() {
        assert_eq!(
            axum_path("/v3/company/{config.realm_id}/companyinfo/{config.realm_id}"),
            "/v3/company/{realm_id}/companyinfo/{realm_id__again}"
        );
    }

    #[test]
    fn placeholders_become_axum_parameters() {
        assert_eq!(
            axum_path("/v1/workspaces/{config.workspace_id}/user/{partition.user_id}/time-entries"),
            "/v1/workspaces/{workspace_id}/user/{user_id}/time-entries"
        );
    }

    #[test]
    fn next_link_cursors_are_opaque_and_refused_when_forged() {
        assert_eq!(cursor_start(&cursor_token(200)), Some(200));
        assert_eq!(cursor_start("200"), None);
        assert_eq!(cursor_start(&cursor_token(7).replace('c', "x")), None);
        let mut body = serde_json::json!({"results": [1]});
        merge(
            &mut body,
            envelope_value("/next_link", Value::from("http://h/x?cursor=a")),
        );
        assert_eq!(
            body,
            serde_json::json!({"results": [1], "next_link": "http://h/x?cursor=a"})
        );
    }

    #[test]
    fn lists_sit_at_their_pointer() {
        assert_eq!(envelope("", vec![Value::from(1)]), serde_json::json!([1]));
        assert_eq!(
            envelope("/data/items", vec![Value::from(1)]),
            serde_json::json!({"data": {"items": [1]}})
        );
    }
}
