//! Adversarial answers on demand: what a real API may do within its spec, and a careless
//! client would not survive — shorter pages than asked, records in another order, members the
//! client never heard of, and `null` wherever the spec allows it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use maestro_kit::Spec;

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
            if self.unknown_fields
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
