//! Harvest HTTP handlers, per the community spec `harvest-openapi.yaml` and the v2 docs
//! (pagination: `per_page` 1..=2000, default 2000; `links.next` is a cursor URL).

// Handlers short-circuit with ready-made `Response`s as errors; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::HarvestState;
use super::data::{Entry, TASKS};
use crate::config::Provider;
use crate::oauth::TokenCheck;
use crate::server::{error_response, header_str, lock, parse_params, query_map};

type S = State<Arc<HarvestState>>;

fn fail(status: StatusCode, message: &str) -> Response {
    error_response(Provider::Harvest, status, "", message)
}

fn ok(v: Value) -> Response {
    (StatusCode::OK, axum::Json(v)).into_response()
}

/// `User-Agent` required (400 otherwise); `Authorization: Bearer <token>` + `Harvest-Account-Id`,
/// or `?access_token=&account_id=`.
async fn auth(State(s): S, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/v2/") {
        return next.run(req).await;
    }
    if header_str(req.headers(), "user-agent").is_none_or(|ua| ua.trim().is_empty()) {
        return fail(
            StatusCode::BAD_REQUEST,
            "A User-Agent header is required, e.g. \"MyApp (name@example.com)\"",
        );
    }
    let q = query_map(req.uri().query());
    let token = header_str(req.headers(), "authorization")
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string())
        .or_else(|| q.get("access_token").cloned());
    let account = header_str(req.headers(), "harvest-account-id")
        .map(str::to_string)
        .or_else(|| q.get("account_id").cloned());
    let Some(token) = token else {
        return fail(StatusCode::UNAUTHORIZED, "Missing access token");
    };
    let valid = if token == s.company.secrets.harvest_pat {
        !s.pat_revoked.load(Ordering::SeqCst)
    } else {
        lock(&s.oauth).check(&token) == TokenCheck::Valid
    };
    if !valid {
        return fail(StatusCode::UNAUTHORIZED, "Invalid or expired access token");
    }
    if account.as_deref().map(str::trim)
        != Some(s.company.secrets.harvest_account_id.to_string().as_str())
    {
        return fail(
            StatusCode::UNAUTHORIZED,
            "Missing or invalid Harvest-Account-Id",
        );
    }
    next.run(req).await
}

fn parse_per_page(q: &HashMap<String, String>) -> Result<usize, Response> {
    match q.get("per_page") {
        None => Ok(2000),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=2000).contains(&n) => Ok(n),
            _ => Err(fail(
                StatusCode::UNPROCESSABLE_ENTITY,
                "per_page must be an integer between 1 and 2000",
            )),
        },
    }
}

fn parse_updated_since(q: &HashMap<String, String>) -> Result<Option<DateTime<Utc>>, Response> {
    match q.get("updated_since") {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| {
                fail(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "updated_since must be an ISO 8601 date-time",
                )
            }),
    }
}

fn link(
    s: &HarvestState,
    path: &str,
    q: &HashMap<String, String>,
    extra: &[(&str, String)],
) -> String {
    let base = format!("{}{path}", s.ctx.base_url);
    let Ok(mut url) = url::Url::parse(&base) else {
        return base;
    };
    {
        let mut qp = url.query_pairs_mut();
        let mut keys: Vec<&String> = q
            .keys()
            .filter(|k| {
                !matches!(
                    k.as_str(),
                    "page" | "cursor" | "ref" | "per_page" | "access_token" | "account_id"
                )
            })
            .collect();
        keys.sort();
        for k in keys {
            qp.append_pair(k, &q[k]);
        }
        for (k, v) in extra {
            qp.append_pair(k, v);
        }
    }
    url.to_string()
}

struct PageMeta {
    page: usize,
    per_page: usize,
    total: usize,
}

fn envelope(
    s: &HarvestState,
    key: &str,
    path: &str,
    q: &HashMap<String, String>,
    items: Vec<Value>,
    m: PageMeta,
    next_cursor: Option<String>,
) -> Response {
    let total_pages = m.total.div_ceil(m.per_page).max(1);
    let has_next = m.page * m.per_page < m.total;
    let per = m.per_page.to_string();
    let next = has_next.then(|| match &next_cursor {
        Some(c) => link(
            s,
            path,
            q,
            &[
                ("cursor", c.clone()),
                ("per_page", per.clone()),
                ("ref", "next_cursor".into()),
            ],
        ),
        None => link(
            s,
            path,
            q,
            &[
                ("page", (m.page + 1).to_string()),
                ("per_page", per.clone()),
                ("ref", "next".into()),
            ],
        ),
    });
    let previous = (m.page > 1).then(|| {
        link(
            s,
            path,
            q,
            &[
                ("page", (m.page - 1).to_string()),
                ("per_page", per.clone()),
                ("ref", "previous".into()),
            ],
        )
    });
    let mut body = Map::new();
    body.insert(key.into(), Value::Array(items));
    body.insert("per_page".into(), json!(m.per_page));
    body.insert("total_pages".into(), json!(total_pages));
    body.insert("total_entries".into(), json!(m.total));
    body.insert(
        "next_page".into(),
        if has_next {
            json!(m.page + 1)
        } else {
            Value::Null
        },
    );
    body.insert(
        "previous_page".into(),
        if m.page > 1 {
            json!(m.page - 1)
        } else {
            Value::Null
        },
    );
    body.insert("page".into(), json!(m.page));
    body.insert(
        "links".into(),
        json!({
            "first": link(s, path, q, &[("page", "1".into()), ("per_page", per.clone()), ("ref", "first".into())]),
            "next": next,
            "previous": previous,
            "last": link(s, path, q, &[("page", total_pages.to_string()), ("per_page", per), ("ref", "last".into())]),
        }),
    );
    ok(Value::Object(body))
}

/// Page-based listing of a small collection (newest first, like Harvest): filtered by
/// reference, only the page served is copied.
fn list_small(
    s: &HarvestState,
    key: &str,
    path: &str,
    q: &HashMap<String, String>,
    mut items: Vec<&Value>,
) -> Response {
    let per_page = match parse_per_page(q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let since = match parse_updated_since(q) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(a) = q.get("is_active") {
        let want = a == "true";
        items.retain(|v| v["is_active"].as_bool() == Some(want));
    }
    if let Some(since) = since {
        items.retain(|v| {
            v["updated_at"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .is_some_and(|t| t.with_timezone(&Utc) >= since)
        });
    }
    let total = items.len();
    let page = q
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    envelope(
        s,
        key,
        path,
        q,
        slice,
        PageMeta {
            page,
            per_page,
            total,
        },
        None,
    )
}

async fn users(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let data = lock(&s.data);
    let list = data.users.iter().rev().collect();
    list_small(&s, "users", "/v2/users", &q, list)
}

async fn user_me(State(s): S) -> Response {
    let d = lock(&s.data);
    let me = d.me;
    d.users
        .iter()
        .find(|u| u["id"].as_u64() == Some(me))
        .cloned()
        .map(ok)
        .unwrap_or_else(|| fail(StatusCode::NOT_FOUND, "Not found"))
}

async fn user(State(s): S, Path(id): Path<u64>) -> Response {
    lock(&s.data)
        .users
        .iter()
        .find(|u| u["id"].as_u64() == Some(id))
        .cloned()
        .map(ok)
        .unwrap_or_else(|| fail(StatusCode::NOT_FOUND, "Not found"))
}

async fn clients(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let list = lock(&s.data).clients_json();
    list_small(
        &s,
        "clients",
        "/v2/clients",
        &q,
        list.iter().rev().collect(),
    )
}

async fn projects(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let all = lock(&s.data).projects_json();
    let mut list: Vec<&Value> = all.iter().rev().collect();
    if let Some(c) = q.get("client_id").and_then(|c| c.parse::<u64>().ok()) {
        list.retain(|p| p["client"]["id"].as_u64() == Some(c));
    }
    list_small(&s, "projects", "/v2/projects", &q, list)
}

async fn tasks(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let list = lock(&s.data).tasks_json();
    list_small(&s, "tasks", "/v2/tasks", &q, list.iter().rev().collect())
}

async fn user_assignments(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let all = lock(&s.data).user_assignments_json();
    let mut list: Vec<&Value> = all.iter().collect();
    if let Some(u) = q.get("user_id").and_then(|c| c.parse::<u64>().ok()) {
        list.retain(|a| a["user"]["id"].as_u64() == Some(u));
    }
    list_small(&s, "user_assignments", "/v2/user_assignments", &q, list)
}

async fn company(State(s): S) -> Response {
    ok(json!({
        "base_uri": format!("https://{}.harvestapp.com", s.company.domain),
        "full_domain": format!("{}.harvestapp.com", s.company.domain),
        "name": s.company.name,
        "is_active": true,
        "week_start_day": "Monday",
        "wants_timestamp_timers": false,
        "time_format": "decimal",
        "date_format": "%Y-%m-%d",
        "plan_type": "simple-v4",
        "clock": "12h",
        "currency_code_display": "iso_code_none",
        "currency_symbol_display": "symbol_before",
        "decimal_symbol": ".",
        "thousands_separator": ",",
        "color_scheme": "orange",
        "weekly_capacity": 144_000,
        "expense_feature": true,
        "invoice_feature": true,
        "estimate_feature": false,
        "approval_feature": true,
        "team_feature": true,
    }))
}

fn encode_cursor(e: &Entry) -> String {
    URL_SAFE_NO_PAD.encode(
        json!({"after": {"spent_date": e.spent_date.to_string(), "id": e.id}})
            .to_string()
            .as_bytes(),
    )
}

fn decode_cursor(c: &str) -> Option<(NaiveDate, u64)> {
    let raw = URL_SAFE_NO_PAD.decode(c.trim_end_matches('=')).ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    let d = NaiveDate::parse_from_str(v["after"]["spent_date"].as_str()?, "%Y-%m-%d").ok()?;
    Some((d, v["after"]["id"].as_u64()?))
}

/// `GET /v2/time_entries`: newest `spent_date` first; filters user_id, client_id, project_id,
/// task_id, is_billed, is_running, updated_since, from, to; `page` or `cursor`.
async fn time_entries(State(s): S, RawQuery(raw): RawQuery) -> Response {
    let q = query_map(raw.as_deref());
    let per_page = match parse_per_page(&q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let since = match parse_updated_since(&q) {
        Ok(s) => s.map(|d| d.timestamp()),
        Err(r) => return r,
    };
    let date = |k: &str| -> Result<Option<NaiveDate>, Response> {
        match q.get(k) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    fail(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &format!("{k} must be a date (YYYY-MM-DD)"),
                    )
                }),
        }
    };
    let (from, to) = match (date("from"), date("to")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let num_param = |k: &str| q.get(k).and_then(|v| v.parse::<u64>().ok());
    let (user_id, client_id, project_id, task_id) = (
        num_param("user_id"),
        num_param("client_id"),
        num_param("project_id"),
        num_param("task_id"),
    );
    let is_running = q.get("is_running").map(|v| v == "true");
    let is_billed = q.get("is_billed").map(|v| v == "true");
    let cursor = match q.get("cursor") {
        Some(c) => match decode_cursor(c) {
            Some(k) => Some(k),
            None => return fail(StatusCode::UNPROCESSABLE_ENTITY, "Invalid cursor"),
        },
        None => None,
    };
    let d = lock(&s.data);
    let project_ids: Vec<u64> = d.projects.iter().map(|p| p.id).collect();
    let project_clients: Vec<u64> = d
        .projects
        .iter()
        .map(|p| super::data::CLIENTS[p.client].0)
        .collect();
    let matches = |e: &Entry| {
        user_id.is_none_or(|u| e.user_id == u)
            && project_id.is_none_or(|p| project_ids.get(usize::from(e.project)) == Some(&p))
            && client_id.is_none_or(|c| project_clients.get(usize::from(e.project)) == Some(&c))
            && task_id.is_none_or(|t| TASKS.get(usize::from(e.task)).map(|x| x.0) == Some(t))
            && since.is_none_or(|s| e.updated_at >= s)
            && from.is_none_or(|f| e.spent_date >= f)
            && to.is_none_or(|t| e.spent_date <= t)
            && is_running.is_none_or(|r| e.is_running == r)
            && is_billed.is_none_or(|b| !b)
    };
    let page_param = q
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let mut total = 0usize;
    let mut offset = if cursor.is_some() {
        0
    } else {
        (page_param - 1) * per_page
    };
    let mut picked: Vec<&Entry> = Vec::with_capacity(per_page.min(4096));
    for e in d.entries.iter().rev() {
        if !matches(e) {
            continue;
        }
        if let Some(c) = cursor
            && e.key() >= c
        {
            offset += 1;
        } else if total >= offset && picked.len() < per_page {
            picked.push(e);
        }
        total += 1;
    }
    let items: Vec<Value> = picked.iter().map(|e| d.render(e)).collect();
    let next_cursor = picked.last().map(|e| encode_cursor(e));
    drop(d);
    let page = offset / per_page + 1;
    envelope(
        &s,
        "time_entries",
        "/v2/time_entries",
        &q,
        items,
        PageMeta {
            page,
            per_page,
            total,
        },
        next_cursor,
    )
}

async fn time_entry(State(s): S, Path(id): Path<u64>) -> Response {
    let d = lock(&s.data);
    d.entries
        .iter()
        .find(|e| e.id == id)
        .map(|e| ok(d.render(e)))
        .unwrap_or_else(|| fail(StatusCode::NOT_FOUND, "Not found"))
}

fn hours_of(v: Option<&String>) -> Result<Option<u32>, Response> {
    match v {
        None => Ok(None),
        Some(h) => h
            .parse::<Decimal>()
            .ok()
            .filter(|d| *d >= Decimal::ZERO && *d < Decimal::from(24))
            .and_then(|d| {
                (d * Decimal::from(100))
                    .round()
                    .to_string()
                    .parse::<u32>()
                    .ok()
            })
            .map(Some)
            .ok_or_else(|| {
                fail(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "hours must be a number between 0 and 24",
                )
            }),
    }
}

/// `POST /v2/time_entries` (duration mode): project_id, task_id, spent_date required; user_id defaults to the token owner.
async fn create_time_entry(State(s): S, headers: HeaderMap, body: Bytes) -> Response {
    let p = parse_params(&headers, &body);
    let mut d = lock(&s.data);
    let project = p
        .get("project_id")
        .and_then(|v| v.parse::<u64>().ok())
        .and_then(|id| d.project_index(id));
    let task = p
        .get("task_id")
        .and_then(|v| v.parse::<u64>().ok())
        .and_then(|id| TASKS.iter().position(|t| t.0 == id));
    let spent = p
        .get("spent_date")
        .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok());
    let (Some(project), Some(task), Some(spent_date)) = (project, task, spent) else {
        return fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "project_id, task_id and spent_date (YYYY-MM-DD) are required and must exist",
        );
    };
    let user_id = match p.get("user_id") {
        Some(u) => match u
            .parse::<u64>()
            .ok()
            .filter(|u| d.users.iter().any(|x| x["id"].as_u64() == Some(*u)))
        {
            Some(u) => u,
            None => return fail(StatusCode::UNPROCESSABLE_ENTITY, "user_id does not exist"),
        },
        None => d.me,
    };
    let hours = match hours_of(p.get("hours")) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let now = Utc::now().timestamp();
    let id = d.next_entry_id;
    d.next_entry_id += 1;
    let e = Entry {
        id,
        user_id,
        project,
        task: task as u16,
        spent_date,
        centi_hours: hours.unwrap_or(0),
        notes: p.get("notes").map(|n| n.clone().into_boxed_str()),
        is_running: hours.is_none(),
        created_at: now,
        updated_at: now,
    };
    let json = d.render(&e);
    d.insert(e);
    (StatusCode::CREATED, axum::Json(json)).into_response()
}

/// `PATCH /v2/time_entries/{id}`: hours, notes, spent_date, project_id, task_id.
async fn update_time_entry(
    State(s): S,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = parse_params(&headers, &body);
    let hours = match hours_of(p.get("hours")) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut d = lock(&s.data);
    let project = p
        .get("project_id")
        .and_then(|v| v.parse::<u64>().ok())
        .and_then(|id| d.project_index(id));
    let Some(pos) = d.entries.iter().position(|e| e.id == id) else {
        return fail(StatusCode::NOT_FOUND, "Not found");
    };
    let mut e = d.entries.remove(pos);
    if let Some(h) = hours {
        e.centi_hours = h;
        e.is_running = false;
    }
    if let Some(n) = p.get("notes") {
        e.notes = Some(n.clone().into_boxed_str());
    }
    if let Some(sd) = p
        .get("spent_date")
        .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
    {
        e.spent_date = sd;
    }
    if let Some(pi) = project {
        e.project = pi;
    }
    if let Some(t) = p
        .get("task_id")
        .and_then(|v| v.parse::<u64>().ok())
        .and_then(|id| TASKS.iter().position(|t| t.0 == id))
    {
        e.task = t as u16;
    }
    e.updated_at = Utc::now().timestamp();
    let json = d.render(&e);
    d.insert(e);
    ok(json)
}

// ---- identity server (id.getharvest.com) ----

async fn oauth_authorize(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    lock(&s.oauth).authorize_response(&q)
}

async fn oauth_token(State(s): S, headers: HeaderMap, body: Bytes) -> Response {
    let p = parse_params(&headers, &body);
    match lock(&s.oauth).token(&p) {
        Ok(t) => ok(json!({
            "access_token": t.access_token,
            "refresh_token": t.refresh_token,
            "token_type": "bearer",
            "expires_in": t.expires_in,
        })),
        Err(e) => (
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            axum::Json(e.body()),
        )
            .into_response(),
    }
}

async fn accounts(State(s): S, headers: HeaderMap) -> Response {
    let token = header_str(&headers, "authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let valid = (token == s.company.secrets.harvest_pat && !s.pat_revoked.load(Ordering::SeqCst))
        || lock(&s.oauth).check(&token) == TokenCheck::Valid;
    if !valid {
        return fail(StatusCode::UNAUTHORIZED, "Invalid or expired access token");
    }
    let admin = &s.company.people[0];
    ok(json!({
        "user": {"id": admin.harvest_id, "first_name": admin.first_name, "last_name": admin.last_name, "email": admin.work_email},
        "accounts": [{"id": s.company.secrets.harvest_account_id, "name": s.company.name, "product": "harvest"}],
    }))
}

/// The Harvest router, without the shared middleware.
pub(crate) fn router(state: Arc<HarvestState>) -> Router {
    Router::new()
        .route("/oauth2/authorize", get(oauth_authorize))
        .route("/api/v2/oauth2/token", post(oauth_token))
        .route("/api/v2/accounts", get(accounts))
        .route("/v2/company", get(company))
        .route("/v2/users", get(users))
        .route("/v2/users/me", get(user_me))
        .route("/v2/users/{id}", get(user))
        .route("/v2/clients", get(clients))
        .route("/v2/projects", get(projects))
        .route("/v2/tasks", get(tasks))
        .route("/v2/user_assignments", get(user_assignments))
        .route(
            "/v2/time_entries",
            get(time_entries).post(create_time_entry),
        )
        .route(
            "/v2/time_entries/{id}",
            get(time_entry).patch(update_time_entry),
        )
        .fallback(|| async { fail(StatusCode::NOT_FOUND, "Not found") })
        .layer(middleware::from_fn_with_state(state.clone(), auth))
        .with_state(state)
}
