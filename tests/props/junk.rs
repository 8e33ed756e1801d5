//! Arbitrary damage to JSON documents: a value replaced by one of another shape, a member or
//! element removed, the text cut short or replaced — what a broken, hostile or newer server
//! may send.

use proptest::prelude::*;
use serde_json::{Map, Number, Value, json};

/// A value to put where another was.
#[derive(Debug, Clone)]
pub enum Junk {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A number beyond every integer and float type.
    Huge,
    Text(String),
    /// A long text (bytes).
    Long(usize),
    EmptyArray,
    EmptyObject,
    /// Arrays nested this deep.
    Deep(usize),
}

impl Junk {
    fn value(&self) -> Value {
        match self {
            Junk::Null => Value::Null,
            Junk::Bool(b) => Value::Bool(*b),
            Junk::Int(i) => json!(i),
            Junk::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Junk::Huge => serde_json::from_str("1e400").unwrap_or_else(|_| {
                // Without arbitrary precision the text itself stands in.
                Value::String("1e400".into())
            }),
            Junk::Text(s) => Value::String(s.clone()),
            Junk::Long(n) => Value::String("x".repeat(*n)),
            Junk::EmptyArray => json!([]),
            Junk::EmptyObject => json!({}),
            Junk::Deep(n) => {
                let mut v = json!(1);
                for _ in 0..*n {
                    v = Value::Array(vec![v]);
                }
                v
            }
        }
    }
}

/// One change to a document.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Replace the `at`-th value (pre-order, modulo the count) with junk.
    Replace(usize, Junk),
    /// Remove the `at`-th value from its object or array.
    Remove(usize),
    /// Cut the serialised text at this fraction (per mille) of its length.
    Truncate(u16),
    /// Send this text instead of the document.
    NotJson(String),
}

/// Strategy for junk values.
pub fn junk() -> impl Strategy<Value = Junk> {
    prop_oneof![
        Just(Junk::Null),
        any::<bool>().prop_map(Junk::Bool),
        any::<i64>().prop_map(Junk::Int),
        prop::num::f64::NORMAL.prop_map(Junk::Float),
        Just(Junk::Huge),
        prop_oneof![
            Just(String::new()),
            Just("2026-02-30".to_owned()),
            Just("2026-12-07T25:61:00Z".to_owned()),
            Just("-0.000000000000000000000000000001".to_owned()),
            Just("79228162514264337593543950336".to_owned()),
            Just("NaN".to_owned()),
            Just("<html>".to_owned()),
            ".{0,24}",
        ]
        .prop_map(Junk::Text),
        (1usize..200_000).prop_map(Junk::Long),
        Just(Junk::EmptyArray),
        Just(Junk::EmptyObject),
        (100usize..200).prop_map(Junk::Deep),
    ]
}

/// Strategy for one mutation.
pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<usize>(), junk()).prop_map(|(at, j)| Mutation::Replace(at, j)),
        3 => any::<usize>().prop_map(Mutation::Remove),
        1 => (0u16..1000).prop_map(Mutation::Truncate),
        1 => prop_oneof![
            Just(String::new()),
            Just("<!DOCTYPE html><title>Maintenance</title>".to_owned()),
            Just("null".to_owned()),
            Just("[]".to_owned()),
            Just("{}".to_owned()),
            Just("\u{feff}{".to_owned()),
        ]
        .prop_map(Mutation::NotJson),
    ]
}

/// Strategy for a few mutations.
pub fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..4)
}

/// Applies `mutations` to the document `text`, returning the new body (the text unchanged when
/// it is not JSON).
pub fn apply(text: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let Ok(mut doc) = serde_json::from_slice::<Value>(text) else {
        return text.to_vec();
    };
    let mut cut = None;
    for m in mutations {
        match m {
            Mutation::Replace(at, j) => {
                let n = count(&doc);
                replace(&mut doc, at % n, &j.value());
            }
            Mutation::Remove(at) => {
                let n = count(&doc);
                remove(&mut doc, at % n);
            }
            Mutation::Truncate(per_mille) => cut = Some(*per_mille),
            Mutation::NotJson(s) => return s.as_bytes().to_vec(),
        }
    }
    let mut out = serde_json::to_vec(&doc).unwrap_or_default();
    if let Some(p) = cut {
        let len = out.len() * usize::from(p) / 1000;
        out.truncate(len);
    }
    out
}

/// Values in the document, the root included.
pub fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(m) => m.values().map(count).sum(),
        _ => 0,
    }
}

/// Replaces the `i`-th value in pre-order.
fn replace(v: &mut Value, i: usize, with: &Value) {
    fn go(v: &mut Value, i: &mut usize, with: &Value) -> bool {
        if *i == 0 {
            *v = with.clone();
            return true;
        }
        *i -= 1;
        match v {
            Value::Array(a) => a.iter_mut().any(|c| go(c, i, with)),
            Value::Object(m) => m.values_mut().any(|c| go(c, i, with)),
            _ => false,
        }
    }
    let mut i = i;
    go(v, &mut i, with);
}

/// Removes the `i`-th value in pre-order from its parent (the root is emptied instead).
fn remove(v: &mut Value, i: usize) {
    fn go(v: &mut Value, i: &mut usize) -> bool {
        // `i` counts values below `v` (v itself was counted by the caller).
        match v {
            Value::Array(a) => {
                for k in 0..a.len() {
                    if *i == 0 {
                        a.remove(k);
                        return true;
                    }
                    *i -= 1;
                    if go(&mut a[k], i) {
                        return true;
                    }
                }
                false
            }
            Value::Object(m) => {
                let keys: Vec<String> = m.keys().cloned().collect();
                for k in keys {
                    if *i == 0 {
                        m.remove(&k);
                        return true;
                    }
                    *i -= 1;
                    if let Some(c) = m.get_mut(&k)
                        && go(c, i)
                    {
                        return true;
                    }
                }
                false
            }
            _ => false,
        }
    }
    if i == 0 {
        *v = Value::Object(Map::new());
        return;
    }
    let mut i = i - 1;
    go(v, &mut i);
}

#[test]
fn mutations_land_where_they_say() {
    let doc = json!({"a": [1, {"b": 2}], "c": "d"});
    assert_eq!(count(&doc), 6);
    let out: Value =
        serde_json::from_slice(&apply(doc.to_string().as_bytes(), &[Mutation::Remove(3)])).unwrap();
    assert_eq!(out, json!({"a": [1], "c": "d"}));
    let out: Value = serde_json::from_slice(&apply(
        doc.to_string().as_bytes(),
        &[Mutation::Replace(4, Junk::Null)],
    ))
    .unwrap();
    assert_eq!(out, json!({"a": [1, {"b": null}], "c": "d"}));
}
