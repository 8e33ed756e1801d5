//! `GET /api/v1/{record type}` without `sort` or `include`: a keyset page of records in id
//! order, each resource object written from the record's stored text
//! ([`crate::resource_text`]) into the document as it is read. The document is the one the
//! general path ([`crate::rest::list`]) builds as a JSON tree, byte for byte.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maestro_core::model::EntityKind;
use serde_json::json;

use crate::data::Loader;
use crate::error::ApiError;
use crate::guard::audit_access;
use crate::jsonapi::{Cursor, MEDIA_TYPE, Query};
use crate::keys::Principal;
use crate::resource_text::record_resource;
use crate::resources::ResourceType;
use crate::rest::{BASE, keyset_after, keyset_batch, link};
use crate::state::Shared;

/// One page of records of `kind` matching `query` (its filters and sparse fieldsets), audited
/// like every read.
pub async fn list(
    shared: &Shared,
    principal: &Principal,
    loader: &Loader,
    kind: EntityKind,
    query: &Query,
) -> Result<Response, ApiError> {
    let size = query.size as usize;
    let mut after = keyset_after(query)?;
    let batch = keyset_batch(size);
    // (record id, resource object) of the page, and one more when another page follows.
    let mut page: Vec<(String, String)> = Vec::with_capacity(size.min(1000) + 1);
    loop {
        let rows = loader.record_texts(kind, after, batch).await?;
        let full = rows.len() == batch as usize;
        if let Some(last) = rows.last() {
            after = last.record_id.parse().ok();
        }
        for rec in rows {
            if page.len() > size {
                break;
            }
            if let Some(object) = record_resource(kind, &rec, query, BASE)? {
                page.push((rec.record_id, object));
            }
        }
        if page.len() > size || !full {
            break;
        }
    }
    let next = (page.len() > size).then(|| {
        page.truncate(size);
        page.last().map(|(id, _)| Cursor::After(id.clone()))
    });
    let next = next.flatten();
    let path = format!("{BASE}/{}", ResourceType::Record(kind).name());
    let mut links = json!({
        "self": link(&path, query, query.cursor.as_ref()),
        "first": link(&path, query, None),
    });
    if let Some(n) = &next {
        links["next"] = json!(link(&path, query, Some(n)));
    }
    let meta = json!({ "page": { "size": query.size, "count": page.len() } });
    let objects: usize = page.iter().map(|(_, o)| o.len() + 1).sum();
    let mut body = String::with_capacity(objects + 512);
    body.push_str("{\"jsonapi\":{\"version\":\"1.1\"},\"data\":[");
    for (i, (_, object)) in page.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(object);
    }
    body.push_str("],\"links\":");
    body.push_str(&links.to_string());
    body.push_str(",\"meta\":");
    body.push_str(&meta.to_string());
    body.push('}');
    audit_access(shared, principal, "api.read", &path, page.len()).await?;
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    Ok(resp)
}
