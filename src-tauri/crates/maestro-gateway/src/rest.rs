//! The JSON:API routes: `/api/v1/{type}`, `/api/v1/{type}/{id}`,
//! `/api/v1/{type}/{id}/{relationship}`, and `PATCH /api/v1/employees/{id}`, which queues the
//! change in the outbox like every other write.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maestro_connectors::{EmployeeChanges, WriteOp};
use maestro_core::ids::{ConnectionId, RecordId};
use maestro_core::model::EntityKind;
use maestro_store::audit::{self, AuditEvent};
use maestro_store::outbox::{self, NewOutboxItem};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::data::{Item, Loader};
use crate::error::ApiError;
use crate::guard::{audit_access, require};
use crate::jsonapi::{
    self, Cursor, FirstInOrder, MEDIA_TYPE, Query, identifier, included_relationships,
    resource_object,
};
use crate::keys::{Access, Principal};
use crate::resources::ResourceType;
use crate::state::Shared;

/// Where the REST routes live.
pub const BASE: &str = "/api/v1";

/// A JSON:API document response.
pub fn document(status: StatusCode, doc: &Value) -> Response {
    let mut resp = (status, doc.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    resp
}

fn resource_type(name: &str) -> Result<ResourceType, ApiError> {
    ResourceType::from_name(name).ok_or_else(|| {
        ApiError::not_found(format!(
            "there is no resource type '{name}'; see /openapi.json for the list"
        ))
    })
}

pub(crate) fn link(path: &str, query: &Query, cursor: Option<&Cursor>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    if !query.include.is_empty() {
        parts.push(format!("include={}", enc(&query.include.join(","))));
    }
    for (t, f) in &query.fields {
        let list: Vec<&str> = f.iter().map(String::as_str).collect();
        parts.push(format!("fields%5B{}%5D={}", enc(t), enc(&list.join(","))));
    }
    for (f, v) in &query.filter {
        parts.push(format!("filter%5B{}%5D={}", enc(f), enc(&v.join(","))));
    }
    if !query.sort.is_empty() {
        let s: Vec<String> = query
            .sort
            .iter()
            .map(|k| format!("{}{}", if k.descending { "-" } else { "" }, k.field))
            .collect();
        parts.push(format!("sort={}", enc(&s.join(","))));
    }
    parts.push(format!("page%5Bsize%5D={}", query.size));
    if let Some(c) = cursor {
        parts.push(format!("page%5Bcursor%5D={}", c.encode()));
    }
    format!("{path}?{}", parts.join("&"))
}

/// Where a keyset page (unsorted records) starts: after the cursor's record id.
pub(crate) fn keyset_after(query: &Query) -> Result<Option<RecordId>, ApiError> {
    match &query.cursor {
        None => Ok(None),
        Some(Cursor::After(id)) => Ok(Some(id.parse::<RecordId>().map_err(|_| {
            ApiError::bad_parameter("page[cursor]", "this page cursor is not valid")
        })?)),
        Some(Cursor::Offset(_)) => Err(ApiError::bad_parameter(
            "page[cursor]",
            "this cursor belongs to a sorted list; repeat the same sort",
        )),
    }
}

/// Records read at a time for a keyset page of `size` (one more than the page, to know
/// whether another follows; at least 200, as filters drop some).
pub(crate) fn keyset_batch(size: usize) -> u32 {
    u32::try_from(size + 1).unwrap_or(u32::MAX).max(200)
}

/// One page of `rtype` matching the query, and the cursor of the next page.
pub(crate) async fn page_of(
    loader: &Loader,
    rtype: ResourceType,
    query: &Query,
) -> Result<(Vec<Item>, Option<Cursor>), ApiError> {
    let size = query.size as usize;
    if let (Some(kind), true) = (rtype.kind(), query.sort.is_empty()) {
        // Keyset scan in record-id order, filtering as it goes.
        let mut after = keyset_after(query)?;
        let batch = keyset_batch(size);
        let mut out = Vec::new();
        loop {
            let rows = loader.record_page(kind, after, batch).await?;
            let full = rows.len() == batch as usize;
            if let Some(last) = rows.last() {
                after = last.id.parse().ok();
            }
            out.extend(rows.into_iter().filter(|i| query.matches(i)));
            if out.len() > size || !full {
                break;
            }
        }
        if out.len() > size {
            out.truncate(size);
            let next = out.last().map(|i| Cursor::After(i.id.clone()));
            return Ok((out, next));
        }
        return Ok((out, None));
    }
    let start = match &query.cursor {
        None => 0,
        Some(Cursor::Offset(n)) => *n,
        Some(Cursor::After(_)) => {
            return Err(ApiError::bad_parameter(
                "page[cursor]",
                "this cursor belongs to an unsorted list; drop the sort or start again",
            ));
        }
    };
    if let Some(kind) = rtype.kind() {
        return sorted_record_page(loader, kind, query, start).await;
    }
    let all = loader.all(rtype).await?;
    query.check_fields(all.items.first())?;
    let mut items: Vec<Item> = all
        .items
        .iter()
        .filter(|i| query.matches(i))
        .cloned()
        .collect();
    query.sort_items(&mut items);
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then_some(Cursor::Offset(end));
    let page = items
        .get(start..end)
        .map(<[Item]>::to_vec)
        .unwrap_or_default();
    Ok((page, next))
}

/// Records of `kind` read for one sorted page: a page at a time, keeping only the first
/// `start + size` in sort order, so a sorted page of time entries does not hold them all.
async fn sorted_record_page(
    loader: &Loader,
    kind: EntityKind,
    query: &Query,
    start: usize,
) -> Result<(Vec<Item>, Option<Cursor>), ApiError> {
    let size = query.size as usize;
    let mut first = FirstInOrder::new(query, start.saturating_add(size));
    let mut unchecked = true;
    loader
        .for_each_record(kind, |item| {
            if std::mem::take(&mut unchecked) {
                query.check_fields(Some(&item))?;
            }
            first.push(item);
            Ok(())
        })
        .await?;
    let (items, matching) = first.finish();
    let page: Vec<Item> = items.into_iter().skip(start).collect();
    let end = start + page.len();
    let next = (end < matching).then_some(Cursor::Offset(end));
    Ok((page, next))
}

/// Resource objects of `items` with the requested relationships, and the included items.
async fn render(
    loader: &Loader,
    principal: &Principal,
    rtype: ResourceType,
    items: &[Item],
    query: &Query,
) -> Result<(Vec<Value>, Vec<Value>), ApiError> {
    let rels = included_relationships(rtype, query)?;
    for (_, target, _) in &rels {
        require(principal, target.name(), Access::Read)?;
    }
    // To-many includes read only the children of this page's items.
    for (_, target, to_many) in &rels {
        if *to_many {
            let parents = items.iter().filter_map(|i| i.key.clone()).collect();
            loader.prefetch_children(*target, parents).await?;
        }
    }
    let mut data = Vec::with_capacity(items.len());
    let mut included = Vec::new();
    let mut seen: HashSet<(&'static str, String)> = HashSet::new();
    for item in items {
        let mut linkage: BTreeMap<&'static str, Option<Value>> = BTreeMap::new();
        for (name, target, to_many) in &rels {
            let related = loader.related(item, *target, *to_many).await?;
            let ids: Vec<Value> = related.iter().map(identifier).collect();
            linkage.insert(
                name,
                Some(if *to_many {
                    Value::Array(ids)
                } else {
                    ids.into_iter().next().unwrap_or(Value::Null)
                }),
            );
            for r in related {
                if seen.insert((r.rtype.name(), r.id.clone())) {
                    included.push(resource_object(&r, query, BASE, &BTreeMap::new()));
                }
            }
        }
        data.push(resource_object(item, query, BASE, &linkage));
    }
    Ok((data, included))
}

/// `GET /api/v1/{type}`.
pub async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(principal): Extension<Principal>,
    Path(type_name): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    jsonapi::check_accept(&headers)?;
    let rtype = resource_type(&type_name)?;
    require(&principal, rtype.name(), Access::Read)?;
    let query = Query::parse(raw.as_deref())?;
    let loader = Loader::new(shared.app.clone(), principal.company_id());
    if let (Some(kind), true, true) = (
        rtype.kind(),
        query.sort.is_empty(),
        query.include.is_empty(),
    ) {
        return crate::record_list::list(&shared, &principal, &loader, kind, &query).await;
    }
    let (items, next) = page_of(&loader, rtype, &query).await?;
    let (data, included) = render(&loader, &principal, rtype, &items, &query).await?;
    let path = format!("{BASE}/{}", rtype.name());
    let mut links = json!({
        "self": link(&path, &query, query.cursor.as_ref()),
        "first": link(&path, &query, None),
    });
    if let Some(n) = &next {
        links["next"] = json!(link(&path, &query, Some(n)));
    }
    let count = data.len() + included.len();
    let mut doc = json!({
        "jsonapi": { "version": "1.1" },
        "data": data,
        "links": links,
        "meta": { "page": { "size": query.size, "count": items.len() } },
    });
    if !query.include.is_empty() {
        doc["included"] = Value::Array(included);
    }
    audit_access(&shared, &principal, "api.read", &path, count).await?;
    Ok(document(StatusCode::OK, &doc))
}

/// `GET /api/v1/{type}/{id}`.
pub async fn show(
    State(shared): State<Arc<Shared>>,
    Extension(principal): Extension<Principal>,
    Path((type_name, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    jsonapi::check_accept(&headers)?;
    let rtype = resource_type(&type_name)?;
    require(&principal, rtype.name(), Access::Read)?;
    let query = Query::parse(raw.as_deref())?;
    let loader = Loader::new(shared.app.clone(), principal.company_id());
    let item = loader
        .one(rtype, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no {} '{id}'", rtype.name())))?;
    let (data, included) = render(
        &loader,
        &principal,
        rtype,
        std::slice::from_ref(&item),
        &query,
    )
    .await?;
    let path = format!("{BASE}/{}/{id}", rtype.name());
    let mut doc = json!({
        "jsonapi": { "version": "1.1" },
        "data": data.into_iter().next().unwrap_or(Value::Null),
        "links": { "self": path },
    });
    let count = 1 + included.len();
    if !query.include.is_empty() {
        doc["included"] = Value::Array(included);
    }
    audit_access(&shared, &principal, "api.read", &path, count).await?;
    Ok(document(StatusCode::OK, &doc))
}

/// `GET /api/v1/{type}/{id}/{relationship}`: the related resources.
pub async fn related(
    State(shared): State<Arc<Shared>>,
    Extension(principal): Extension<Principal>,
    Path((type_name, id, rel)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    jsonapi::check_accept(&headers)?;
    let rtype = resource_type(&type_name)?;
    require(&principal, rtype.name(), Access::Read)?;
    let (_, target, to_many) = rtype
        .relationships()
        .into_iter()
        .find(|(n, _, _)| *n == rel)
        .ok_or_else(|| {
            ApiError::not_found(format!("{} has no relationship '{rel}'", rtype.name()))
        })?;
    require(&principal, target.name(), Access::Read)?;
    let query = Query::parse(raw.as_deref())?;
    let loader = Loader::new(shared.app.clone(), principal.company_id());
    let item = loader
        .one(rtype, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no {} '{id}'", rtype.name())))?;
    let related = loader.related(&item, target, to_many).await?;
    let (data, _) = render(&loader, &principal, target, &related, &Query::default()).await?;
    let _ = query;
    let path = format!("{BASE}/{}/{id}/{rel}", rtype.name());
    let count = data.len();
    let doc = json!({
        "jsonapi": { "version": "1.1" },
        "data": if to_many { Value::Array(data) } else { data.into_iter().next().unwrap_or(Value::Null) },
        "links": { "self": path },
    });
    audit_access(&shared, &principal, "api.read", &path, count).await?;
    Ok(document(StatusCode::OK, &doc))
}

/// Contact fields of a person that the API may change.
const EDITABLE: &[&str] = &[
    "first_name",
    "last_name",
    "work_email",
    "job_title",
    "department",
];

/// `PATCH /api/v1/employees/{id}`: queues the change for the provider the record came from,
/// through the outbox (202 Accepted; it is written when the outbox next runs).
pub async fn update_employee(
    State(shared): State<Arc<Shared>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    jsonapi::check_content_type(&headers)?;
    jsonapi::check_accept(&headers)?;
    let rtype = ResourceType::Record(EntityKind::Employee);
    require(&principal, rtype.name(), Access::Write)?;
    let doc: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not JSON: {e}"),
        )
    })?;
    let data = doc.get("data").and_then(Value::as_object).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_document",
            "the body needs a 'data' object",
        )
    })?;
    if data.get("type").and_then(Value::as_str) != Some(rtype.name()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "type_mismatch",
            "data.type must be 'employees'",
        ));
    }
    if data.get("id").and_then(Value::as_str) != Some(id.as_str()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "id_mismatch",
            "data.id must be the id in the URL",
        ));
    }
    let attrs = data
        .get("attributes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let changes = employee_changes(&attrs)?;
    let loader = Loader::new(shared.app.clone(), principal.company_id());
    let item = loader
        .one(rtype, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no employee '{id}'")))?;
    let item_for_write = queue_update(&shared, &principal, &item, &attrs, changes).await?;
    Ok(document(StatusCode::ACCEPTED, &item_for_write))
}

fn employee_changes(attrs: &Map<String, Value>) -> Result<EmployeeChanges, ApiError> {
    let mut changes = EmployeeChanges::default();
    if attrs.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing_to_change",
            format!(
                "send at least one attribute to change: {}",
                EDITABLE.join(", ")
            ),
        ));
    }
    for (k, v) in attrs {
        let text = v.as_str().map(str::trim).filter(|s| !s.is_empty());
        let Some(text) = text.map(str::to_owned) else {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_attribute",
                format!("'{k}' must be a non-empty string"),
            ));
        };
        match k.as_str() {
            "first_name" => changes.first_name = Some(text),
            "last_name" => changes.last_name = Some(text),
            "work_email" if text.contains('@') => changes.work_email = Some(text),
            "work_email" => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_attribute",
                    "work_email must be an email address",
                ));
            }
            "job_title" => changes.job_title = Some(text),
            "department" => changes.department = Some(text),
            other => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "read_only_attribute",
                    format!(
                        "'{other}' cannot be changed through the API; changeable: {}",
                        EDITABLE.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(changes)
}

async fn queue_update(
    shared: &Shared,
    principal: &Principal,
    item: &Item,
    attrs: &Map<String, Value>,
    changes: EmployeeChanges,
) -> Result<Value, ApiError> {
    let app = &shared.app;
    let company_id = principal.company_id();
    let connection_id: ConnectionId = item
        .attributes
        .get("connection_id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ApiError::internal("employee record without its connection"))?;
    let remote_id = item
        .attributes
        .get("remote_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let connector = app.connector(company_id, connection_id).await?;
    let manifest = connector.manifest();
    if !manifest
        .entity(EntityKind::Employee)
        .is_some_and(|e| e.write)
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_writable",
            format!("{} does not accept changes to people", manifest.name),
        ));
    }
    let op = WriteOp::UpdateEmployee {
        remote_id: remote_id.clone(),
        changes,
    };
    let settings = app.route_settings(company_id).await?;
    let requires_approval = settings.approve_pay_changes && op.affects_pay();
    let payload = serde_json::to_value(&op).map_err(ApiError::internal)?;
    let diff: Vec<Value> = attrs
        .iter()
        .map(|(k, v)| {
            json!({ "field": k, "before": item.attributes.get(k).cloned().unwrap_or(Value::Null), "after": v })
        })
        .collect();
    let diff = Value::Array(diff);
    let version = item
        .meta
        .as_ref()
        .and_then(|m| m.get("version"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let digest = hex::encode(Sha256::digest(payload.to_string().as_bytes()));
    let subject = format!(
        "api:update_employee:{}:v{version}:{}",
        item.id,
        &digest[..16]
    );
    let key = format!("api:{}:{}", principal.key.id, &digest[..32]);
    let name = [
        item.attributes.get("first_name").and_then(Value::as_str),
        item.attributes.get("last_name").and_then(Value::as_str),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let summary = format!(
        "Update {name} in {} (requested through the local API)",
        manifest.name
    );
    let now = app.now();
    let mut tx = app.store().write().await?;
    let queued = outbox::enqueue(
        tx.conn(),
        &NewOutboxItem {
            company_id,
            connection_id,
            route: "api",
            subject: &subject,
            operation: "update_employee",
            payload: &payload,
            changes: &diff,
            summary: &summary,
            idempotency_key: &key,
            requires_approval,
        },
        now,
    )
    .await?;
    audit::append(
        tx.conn(),
        &AuditEvent::new(
            &principal.actor(),
            "api.write",
            &format!("{BASE}/employees/{}", item.id),
        )
        .company(company_id)
        .records(1)
        .detail(json!({
            "api_key_id": principal.key.id,
            "outbox_id": queued.item.id,
            "queued_now": queued.created,
            "fields": attrs.keys().collect::<Vec<_>>(),
        })),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(json!({
        "jsonapi": { "version": "1.1" },
        "data": {
            "type": "outbox_items",
            "id": queued.item.id,
            "attributes": {
                "status": queued.item.status,
                "summary": queued.item.summary,
                "requires_approval": queued.item.requires_approval,
                "operation": queued.item.operation,
            },
            "relationships": {
                "subject": { "data": { "type": "employees", "id": item.id } }
            }
        },
        "meta": { "queued_now": queued.created },
    }))
}
