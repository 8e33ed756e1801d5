//! The provider payload a record was mapped from, kept as the JSON text the provider sent.
//!
//! Keeping the text (instead of a parsed `serde_json::Value` tree) makes a sync page cheap: the
//! payload is copied once from the response into the record and from there into the store,
//! with no tree of small allocations built and freed per record. Code that inspects a payload
//! parses it on demand ([`RawPayload::to_value`], [`RawPayload::get`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// A provider payload as JSON text (always valid JSON; `null` when there is none).
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawPayload(Box<RawValue>);

impl RawPayload {
    /// The empty payload, `null`.
    pub fn null() -> RawPayload {
        RawPayload(RawValue::NULL.to_owned())
    }

    /// Wraps JSON text as received, checking that it is JSON (surrounding whitespace is kept
    /// as it is; callers pass what a parser handed them).
    pub fn from_json_text(text: impl Into<String>) -> Result<RawPayload, serde_json::Error> {
        RawValue::from_string(text.into()).map(RawPayload)
    }

    /// A copy of a JSON text a parser has already checked (e.g. one item of a list page).
    pub fn from_raw(raw: &RawValue) -> RawPayload {
        RawPayload(raw.to_owned())
    }

    /// The payload of an already parsed value (serialised compactly, keys in their order).
    pub fn from_value(value: &Value) -> RawPayload {
        // Serialising a `Value` cannot fail: its keys are strings.
        serde_json::value::to_raw_value(value)
            .map(RawPayload)
            .unwrap_or_else(|_| RawPayload::null())
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The payload parsed into a value (`Value::Null` for the empty payload).
    pub fn to_value(&self) -> Value {
        // The text was valid JSON when it was made, so this only fails on nesting deeper than
        // the parser allows; such a payload reads as empty rather than failing the caller.
        serde_json::from_str(self.as_str()).unwrap_or(Value::Null)
    }

    /// The top-level field `key`, when the payload is an object holding it. Only that field is
    /// parsed; the others are skipped as text (routes ask one flag of every time entry).
    pub fn get(&self, key: &str) -> Option<Value> {
        let fields: HashMap<Cow<'_, str>, &RawValue> = serde_json::from_str(self.as_str()).ok()?;
        serde_json::from_str(fields.get(key)?.get()).ok()
    }
}

impl Default for RawPayload {
    fn default() -> Self {
        RawPayload::null()
    }
}

/// Equal when the JSON values are equal (key order and spacing aside).
impl PartialEq for RawPayload {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str() || self.to_value() == other.to_value()
    }
}

/// Equal when the payload parses to `other`.
impl PartialEq<Value> for RawPayload {
    fn eq(&self, other: &Value) -> bool {
        self.to_value() == *other
    }
}

/// The JSON text.
impl fmt::Display for RawPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RawPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Value> for RawPayload {
    fn from(value: Value) -> Self {
        RawPayload::from_value(&value)
    }
}

impl From<&Value> for RawPayload {
    fn from(value: &Value) -> Self {
        RawPayload::from_value(value)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_text_and_compares_by_value() {
        let a = RawPayload::from_json_text(r#"{"b":1,"a":[true,null]}"#).unwrap();
        let b = RawPayload::from_value(&json!({"a": [true, null], "b": 1}));
        assert_eq!(a.as_str(), r#"{"b":1,"a":[true,null]}"#);
        assert_eq!(a, b);
        assert_ne!(a, RawPayload::null());
        assert_eq!(a.get("b"), Some(json!(1)));
        assert_eq!(a.get("c"), None);
        assert_eq!(RawPayload::default().as_str(), "null");
        assert_eq!(RawPayload::null().get("b"), None);
        let nested = RawPayload::from_json_text(r#"{"u":{"id":5},"esc\u0061pe":"x"}"#).unwrap();
        assert_eq!(nested.get("u"), Some(json!({"id": 5})));
        assert_eq!(nested.get("escape"), Some(json!("x")));
        assert!(RawPayload::from_json_text("{not json").is_err());
    }

    #[test]
    fn round_trips_through_serde_and_values() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Holder {
            raw: RawPayload,
        }
        let text = r#"{"raw":{"id":7,"name":"Ada"}}"#;
        let h: Holder = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&h).unwrap(), text);
        // Through a parsed value, as stored records are decoded.
        let v: Value = serde_json::from_str(text).unwrap();
        let h2: Holder = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(h2, h);
        assert_eq!(serde_json::to_value(&h2).unwrap(), v);
    }
}
