//! JSON:API 1.1 mechanics: media-type negotiation (415/406), query parameters (include,
//! sparse fieldsets, filter, sort, cursor pages), and resource and document building.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use crate::data::Item;
use crate::error::ApiError;
use crate::resources::ResourceType;

/// The JSON:API media type.
pub const MEDIA_TYPE: &str = "application/vnd.api+json";
/// Page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Largest page served.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// True when every media-type parameter is `ext` or `profile` (the only ones JSON:API allows).
fn params_allowed(media: &str) -> bool {
    media
        .split(';')
        .skip(1)
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .all(|p| {
            let name = p.split('=').next().unwrap_or("").trim();
            name.eq_ignore_ascii_case("ext") || name.eq_ignore_ascii_case("profile")
        })
}

fn base(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// 415 when a request body is not `application/vnd.api+json` (or carries parameters other
/// than ext/profile).
pub fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if base(ct) == MEDIA_TYPE && params_allowed(ct) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("send the request body as {MEDIA_TYPE} (got '{ct}')"),
    ))
}

/// 406 when the client accepts neither JSON:API (without parameters other than ext/profile)
/// nor anything.
pub fn check_accept(headers: &HeaderMap) -> Result<(), ApiError> {
    let accept: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    if accept.is_empty() {
        return Ok(());
    }
    let jsonapi: Vec<&&str> = accept.iter().filter(|m| base(m) == MEDIA_TYPE).collect();
    if jsonapi.iter().any(|m| params_allowed(m)) {
        return Ok(());
    }
    let wildcard = accept
        .iter()
        .any(|m| matches!(base(m).as_str(), "*/*" | "application/*"));
    if jsonapi.is_empty() && wildcard {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        "not_acceptable",
        format!("this API answers in {MEDIA_TYPE} without media type parameters"),
    ))
}

/// Where a page continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// After this id (natural id order).
    After(String),
    /// Skip this many (sorted lists).
    Offset(usize),
}

impl Cursor {
    /// Opaque text for `page[cursor]`.
    pub fn encode(&self) -> String {
        let v = match self {
            Cursor::After(id) => json!({ "a": id }),
            Cursor::Offset(n) => json!({ "o": n }),
        };
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    /// Reads `page[cursor]`.
    pub fn decode(text: &str) -> Result<Cursor, ApiError> {
        let bad = || ApiError::bad_parameter("page[cursor]", "this page cursor is not valid");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if let Some(a) = v.get("a").and_then(Value::as_str) {
            return Ok(Cursor::After(a.to_owned()));
        }
        if let Some(o) = v.get("o").and_then(Value::as_u64) {
            return Ok(Cursor::Offset(usize::try_from(o).map_err(|_| bad())?));
        }
        Err(bad())
    }
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    /// Attribute ("id" allowed).
    pub field: String,
    /// True for `-field`.
    pub descending: bool,
}

/// The query parameters of a request.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// `include`.
    pub include: Vec<String>,
    /// `fields[TYPE]`.
    pub fields: BTreeMap<String, BTreeSet<String>>,
    /// `filter[ATTR]` (comma = any of).
    pub filter: BTreeMap<String, Vec<String>>,
    /// `sort`.
    pub sort: Vec<SortKey>,
    /// `page[size]`.
    pub size: u32,
    /// `page[cursor]`.
    pub cursor: Option<Cursor>,
}

impl Query {
    /// Parses the query string; unknown families are refused (400) as JSON:API asks.
    pub fn parse(raw: Option<&str>) -> Result<Query, ApiError> {
        let mut q = Query {
            size: DEFAULT_PAGE_SIZE,
            ..Query::default()
        };
        let Some(raw) = raw else { return Ok(q) };
        for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
            let (k, v) = (k.into_owned(), v.into_owned());
            let inner = |prefix: &str| -> Option<String> {
                k.strip_prefix(prefix)
                    .and_then(|r| r.strip_suffix(']'))
                    .map(str::to_owned)
            };
            let list = |v: &str| -> Vec<String> {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            if k == "include" {
                q.include = list(&v);
            } else if k == "sort" {
                q.sort = list(&v)
                    .into_iter()
                    .map(|f| match f.strip_prefix('-') {
                        Some(f) => SortKey {
                            field: f.to_owned(),
                            descending: true,
                        },
                        None => SortKey {
                            field: f,
                            descending: false,
                        },
                    })
                    .collect();
            } else if let Some(t) = inner("fields[") {
                q.fields.insert(t, list(&v).into_iter().collect());
            } else if let Some(f) = inner("filter[") {
                q.filter.insert(f, list(&v));
            } else if k == "page[size]" {
                q.size = v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                    .ok_or_else(|| {
                        ApiError::bad_parameter(
                            "page[size]",
                            format!("page[size] must be a number from 1 to {MAX_PAGE_SIZE}"),
                        )
                    })?;
            } else if k == "page[cursor]" {
                q.cursor = Some(Cursor::decode(&v)?);
            } else if k.chars().all(|c| c.is_ascii_lowercase()) {
                // JSON:API reserves all-lowercase names for the spec: refuse unknown ones.
                return Err(ApiError::bad_parameter(
                    &k,
                    format!("'{k}' is not a query parameter of this API"),
                ));
            }
        }
        Ok(q)
    }

    /// True when `item` passes every filter.
    pub fn matches(&self, item: &Item) -> bool {
        self.filter.iter().all(|(field, wanted)| {
            let have = if field == "id" {
                Some(Value::String(item.id.clone()))
            } else {
                item.attributes.get(field).cloned()
            };
            let text = match have {
                Some(Value::String(s)) => s,
                Some(Value::Null) | None => "null".into(),
                Some(other) => other.to_string(),
            };
            wanted.contains(&text)
        })
    }

    /// Sorts items by the `sort` keys.
    pub fn sort_items(&self, items: &mut [Item]) {
        items.sort_by(|a, b| {
            for key in &self.sort {
                let va = field_value(a, &key.field);
                let vb = field_value(b, &key.field);
                let ord = compare(&va, &vb);
                let ord = if key.descending { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            a.id.cmp(&b.id)
        });
    }

    /// Checks `sort` and `filter` against the type's attributes.
    pub fn check_fields(&self, sample: Option<&Item>) -> Result<(), ApiError> {
        let Some(sample) = sample else { return Ok(()) };
        for key in &self.sort {
            if key.field != "id" && !sample.attributes.contains_key(&key.field) {
                return Err(ApiError::bad_parameter(
                    "sort",
                    format!("cannot sort by '{}': there is no such attribute", key.field),
                ));
            }
        }
        Ok(())
    }
}

/// The first `keep` items of a stream in a query's sort order. Items are sorted and cut back
/// to `keep` whenever about twice that many (at least [`FirstInOrder::SLACK`]) are held, so a
/// sorted page costs memory for the page asked for, not for every item of its type. The sort
/// is a total order (ties fall back to the id), so cutting early keeps exactly what sorting
/// everything would.
pub(crate) struct FirstInOrder<'q> {
    query: &'q Query,
    keep: usize,
    items: Vec<Item>,
    matching: usize,
}

impl<'q> FirstInOrder<'q> {
    /// Items held before the first cut, however small `keep` is.
    pub(crate) const SLACK: usize = 1_000;

    /// Keeps the first `keep` of the items that match `query`'s filter.
    pub(crate) fn new(query: &'q Query, keep: usize) -> Self {
        FirstInOrder {
            query,
            keep,
            items: Vec::new(),
            matching: 0,
        }
    }

    /// Takes the next item (one that does not match the filter is dropped).
    pub(crate) fn push(&mut self, item: Item) {
        if !self.query.matches(&item) {
            return;
        }
        self.matching += 1;
        self.items.push(item);
        if self.items.len() >= self.keep.saturating_mul(2).max(Self::SLACK) {
            self.cut();
        }
    }

    fn cut(&mut self) {
        self.query.sort_items(&mut self.items);
        self.items.truncate(self.keep);
    }

    /// The first `keep` matching items in order, and how many matched in all.
    pub(crate) fn finish(mut self) -> (Vec<Item>, usize) {
        self.cut();
        (self.items, self.matching)
    }
}

fn field_value(item: &Item, field: &str) -> Value {
    if field == "id" {
        return Value::String(item.id.clone());
    }
    item.attributes.get(field).cloned().unwrap_or(Value::Null)
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (x, y) => x.to_string().cmp(&y.to_string()),
    }
}

/// The resource object of `item`, with sparse fieldsets applied. `relationships` maps
/// relationship names to the linkage of included data (None = links only).
pub fn resource_object(
    item: &Item,
    query: &Query,
    base_url: &str,
    relationships: &BTreeMap<&'static str, Option<Value>>,
) -> Value {
    let tname = item.rtype.name();
    let wanted = query.fields.get(tname);
    let attributes: Map<String, Value> = item
        .attributes
        .iter()
        .filter(|(k, _)| wanted.is_none_or(|w| w.contains(k.as_str())))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let self_link = format!("{base_url}/{tname}/{}", item.id);
    let mut obj = json!({
        "type": tname,
        "id": item.id,
        "attributes": attributes,
        "links": { "self": self_link },
    });
    let mut rels = Map::new();
    for (name, target, _) in item.rtype.relationships() {
        let _ = target;
        if wanted.is_some_and(|w| !w.contains(name)) {
            continue;
        }
        let mut rel = json!({
            "links": { "related": format!("{self_link}/{name}") }
        });
        if let Some(Some(data)) = relationships.get(name) {
            rel["data"] = data.clone();
        }
        rels.insert(name.to_owned(), rel);
    }
    if !rels.is_empty() {
        obj["relationships"] = Value::Object(rels);
    }
    if let Some(meta) = &item.meta {
        obj["meta"] = meta.clone();
    }
    obj
}

/// A resource identifier object.
pub fn identifier(item: &Item) -> Value {
    json!({ "type": item.rtype.name(), "id": item.id })
}

/// Checks `include` paths against the type (one level: relationship names).
pub fn included_relationships(
    rtype: ResourceType,
    query: &Query,
) -> Result<Vec<(&'static str, ResourceType, bool)>, ApiError> {
    let rels = rtype.relationships();
    query
        .include
        .iter()
        .map(|name| {
            rels.iter()
                .find(|(n, _, _)| n == name)
                .copied()
                .ok_or_else(|| {
                    ApiError::bad_parameter(
                        "include",
                        format!(
                            "{} has no relationship '{name}'{}",
                            rtype.name(),
                            if rels.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    "; it has {}",
                                    rels.iter().map(|r| r.0).collect::<Vec<_>>().join(", ")
                                )
                            }
                        ),
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn item(id: usize, name: &str) -> Item {
        let mut attributes = Map::new();
        attributes.insert("last_name".into(), Value::String(name.into()));
        attributes.insert("n".into(), Value::from(id % 7));
        Item {
            rtype: ResourceType::Record(maestro_core::model::EntityKind::Employee),
            id: format!("{id:05}"),
            attributes,
            meta: None,
            key: None,
            parent: None,
        }
    }

    #[test]
    fn first_in_order_keeps_exactly_what_sorting_everything_would() {
        let names = ["Baker", "Abel", "Cole", "Baker", "Diaz", "Abel", "Eve"];
        let all: Vec<Item> = (0..5_003)
            .map(|i| item(i, names[i % names.len()]))
            .collect();
        for (raw, keep) in [
            ("sort=-last_name,n", 30),
            ("sort=n", 2_500),
            ("sort=last_name&filter[last_name]=Baker,Eve", 1_200),
            ("sort=-id", 1),
        ] {
            let query = Query::parse(Some(raw)).unwrap();
            let mut expected: Vec<Item> =
                all.iter().filter(|i| query.matches(i)).cloned().collect();
            let matching = expected.len();
            query.sort_items(&mut expected);
            expected.truncate(keep);
            let mut first = FirstInOrder::new(&query, keep);
            for i in &all {
                first.push(i.clone());
                assert!(
                    first.items.len() <= (2 * keep).max(FirstInOrder::SLACK),
                    "{raw}"
                );
            }
            let (got, n) = first.finish();
            let ids = |v: &[Item]| v.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&got), ids(&expected), "{raw}");
            assert_eq!(n, matching, "{raw}");
        }
    }

    #[test]
    fn media_types_follow_the_spec() {
        assert!(check_accept(&headers(&[])).is_ok());
        assert!(check_accept(&headers(&[("accept", MEDIA_TYPE)])).is_ok());
        assert!(check_accept(&headers(&[("accept", "*/*")])).is_ok());
        let ext = "application/vnd.api+json; ext=\"https://jsonapi.org/ext/atomic\"";
        assert!(check_accept(&headers(&[("accept", ext)])).is_ok());
        let charset = "application/vnd.api+json; charset=utf-8";
        assert_eq!(
            check_accept(&headers(&[("accept", charset)]))
                .unwrap_err()
                .status,
            StatusCode::NOT_ACCEPTABLE
        );
        assert_eq!(
            check_accept(&headers(&[("accept", "text/html")]))
                .unwrap_err()
                .status,
            StatusCode::NOT_ACCEPTABLE
        );
        // One acceptable instance among modified ones is enough.
        let both = format!("{charset}, {MEDIA_TYPE}");
        assert!(check_accept(&headers(&[("accept", &both)])).is_ok());
        assert!(check_content_type(&headers(&[("content-type", MEDIA_TYPE)])).is_ok());
        for bad in ["application/json", charset, ""] {
            let h = if bad.is_empty() {
                headers(&[])
            } else {
                headers(&[("content-type", bad)])
            };
            assert_eq!(
                check_content_type(&h).unwrap_err().status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            );
        }
    }

    #[test]
    fn query_parameters_parse_and_refuse_unknown_families() {
        let q = Query::parse(Some(
            "include=employments&fields%5Bemployees%5D=first_name,last_name&filter%5Bprovider%5D=gusto,bamboohr&sort=-last_name,id&page%5Bsize%5D=20",
        ))
        .unwrap();
        assert_eq!(q.include, vec!["employments"]);
        assert_eq!(q.fields["employees"].len(), 2);
        assert_eq!(q.filter["provider"], vec!["gusto", "bamboohr"]);
        assert_eq!(
            q.sort[0],
            SortKey {
                field: "last_name".into(),
                descending: true
            }
        );
        assert_eq!(q.size, 20);
        assert!(Query::parse(Some("page%5Bsize%5D=0")).is_err());
        assert!(Query::parse(Some("page%5Bsize%5D=1001")).is_err());
        assert!(Query::parse(Some("bogus=1")).is_err());
        assert!(Query::parse(Some("camelCase=1")).is_ok());
        assert!(Query::parse(Some("page%5Bcursor%5D=notbase64!")).is_err());
        for c in [Cursor::After("01abc".into()), Cursor::Offset(40)] {
            assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        }
    }
}
