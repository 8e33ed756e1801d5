//! Adversarial answers on demand, for every provider that has a provider file: what a real API
//! may do within its spec, and a careless client would not survive — shorter pages than asked,
//! records in another order, members the client never heard of, and `null` wherever the spec
//! allows it. Applied around the emulator's handlers (in the request and the answer), so the
//! hand-written emulators get them too.

use maestro_kit::BuiltIn;
use maestro_kit::Spec;
use maestro_kit::file::{PaginatorSpec, StreamSpec};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which adversarial behaviours are on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Adversarial {
    /// Pages hold at most this many records (0 = as asked), while paging goes on; only for
    /// paginators whose end is not a short page.
    pub short_pages: u32,
    /// Records of each page come in reverse order.
    pub reordered: bool,
    /// Every record carries members the spec does not list.
    pub unknown_fields: bool,
    /// Every member the spec marks nullable is `null`.
    pub nulls: bool,
}

impl Adversarial {
    /// Whether any behaviour is on.
    pub fn is_on(&self) -> bool {
        *self != Adversarial::default()
    }

    /// Applies the per-record behaviours to a page's records.
    pub(crate) fn apply(&self, spec: &Spec, item_schema: Option<&Value>, records: &mut [Value]) {
        if self.reordered {
            records.reverse();
        }
        for r in records.iter_mut() {
            if self.nulls
                && let Some(schema) = item_schema
            {
                null_out(spec, schema, r, 0);
            }
            // Not where the spec closes the record (`additionalProperties: false`, ADP's): a
            // member there would be outside the spec, not merely unlisted.
            let closed = item_schema.is_some_and(|schema| {
                spec.resolve(schema).get("additionalProperties") == Some(&Value::Bool(false))
            });
            if self.unknown_fields
                && !closed
                && let Value::Object(m) = r
            {
                m.insert(
                    "x_sandbox_unlisted".into(),
                    serde_json::json!({"note": "a member the spec does not list", "n": 1}),
                );
            }
        }
    }
}

/// Sets every nullable member of `value` (per `schema`) to `null`.
fn null_out(spec: &Spec, schema: &Value, value: &mut Value, depth: usize) {
    if depth > 8 {
        return;
    }
    let schema = spec.resolve(schema);
    let Value::Object(map) = value else { return };
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    for k in keys {
        let Some(p) = props.get(&k) else { continue };
        let nullable = [p, spec.resolve(p)].iter().any(|s| {
            s.get("nullable") == Some(&Value::Bool(true))
                || s.get("x-nullable") == Some(&Value::Bool(true))
        });
        if nullable {
            map.insert(k, Value::Null);
        } else if let Some(child) = map.get_mut(&k) {
            null_out(spec, p, child, depth + 1);
        }
    }
}

/// The stream of `file` that `method` `path` (a concrete request path) reads.
pub(crate) fn stream_at<'a>(b: &'a BuiltIn, method: &str, path: &str) -> Option<&'a StreamSpec> {
    let got: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    b.file.streams.iter().find(|s| {
        let want: Vec<&str> = s.path.trim_end_matches('/').split('/').collect();
        s.method.eq_ignore_ascii_case(method)
            && want.len() == got.len()
            && want
                .iter()
                .zip(&got)
                .all(|(w, g)| (w.starts_with('{') && w.ends_with('}')) || w == g)
    })
}

/// The query with the stream's page-size parameter held to `short` (None when it has none).
pub(crate) fn shorter_query(stream: &StreamSpec, query: &str, short: u32) -> Option<String> {
    let param = match &stream.paginator {
        PaginatorSpec::PageNumber { size_param, .. } | PaginatorSpec::Offset { size_param, .. } => {
            size_param.as_str()
        }
        PaginatorSpec::NextUrl {
            size_param: Some(p),
            ..
        }
        | PaginatorSpec::LinkHeader {
            size_param: Some(p),
            ..
        } => p.as_str(),
        _ => return None,
    };
    let mut seen = false;
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            if k == param {
                seen = true;
                let n = v.parse::<u32>().unwrap_or(short).min(short);
                (k.into_owned(), n.to_string())
            } else {
                (k.into_owned(), v.into_owned())
            }
        })
        .collect();
    if !seen {
        pairs.push((param.to_owned(), short.to_string()));
    }
    Some(
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish(),
    )
}

/// The JSON body with the stream's page-size member held to `short` (header-cursor paging).
pub(crate) fn shorter_body(stream: &StreamSpec, body: &[u8], short: u32) -> Option<Vec<u8>> {
    let PaginatorSpec::HeaderCursor { size_param, .. } = &stream.paginator else {
        return None;
    };
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let asked = v
        .get(size_param)
        .and_then(Value::as_u64)
        .unwrap_or(u64::from(short));
    v[size_param.as_str()] = Value::from(asked.min(u64::from(short)));
    serde_json::to_vec(&v).ok()
}

/// The answer with the per-record behaviours applied to the list at the stream's pointer.
pub(crate) fn transform(
    b: &BuiltIn,
    stream: &StreamSpec,
    mode: &Adversarial,
    body: &[u8],
) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let item_schema = b.item_schema(stream);
    let list = if stream.records.is_empty() {
        &mut v
    } else {
        v.pointer_mut(&stream.records)?
    };
    if stream.single {
        // One record (Checkr's report): the per-record behaviours, on it alone.
        mode.apply(&b.spec, item_schema.as_ref(), std::slice::from_mut(list));
        return serde_json::to_vec(&v).ok();
    }
    let Value::Array(items) = list else {
        return None;
    };
    mode.apply(&b.spec, item_schema.as_ref(), items);
    serde_json::to_vec(&v).ok()
}
