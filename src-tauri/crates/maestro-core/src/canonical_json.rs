//! Canonical JSON text (object keys sorted at every level) written straight from a
//! [`Serialize`] value, without building a [`serde_json::Value`] tree first.
//!
//! [`write_canonical_of`] writes byte for byte what [`write_value`] writes for
//! `serde_json::to_value(value)`: stored texts and content hashes do not depend on which of
//! the two produced them. A sync page prepares thousands of records, and the tree (a map and
//! a string allocation per field) was most of the cost of turning one into text.

use serde::ser::{self, Impossible, Serialize};
use serde_json::{Error, Value};

/// Appends the canonical JSON of `value` to `out` (no allocation per key or scalar).
pub fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(key.as_str(), out);
                out.push(b':');
                write_value(v, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out);
            }
            out.push(b']');
        }
        other => write_scalar(other, out),
    }
}

/// Serialises a string or scalar the way `Value::to_string` does.
fn write_scalar<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Writing strings, numbers, booleans or null into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// The name serde_json gives the struct a [`serde_json::value::RawValue`] serialises as.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Appends the canonical JSON of `value` to `out`, leaving out the top-level object fields
/// named in `omit` (a record's payload is stored apart from its data).
pub fn write_canonical_of<T: Serialize + ?Sized>(
    value: &T,
    omit: &[&str],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    value.serialize(Canonical { out, omit })
}

/// Writes one value into `out`; `omit` applies to the object it writes, not to nested ones.
struct Canonical<'a> {
    out: &'a mut Vec<u8>,
    omit: &'a [&'a str],
}

impl<'a> Canonical<'a> {
    fn nested(out: &'a mut Vec<u8>) -> Self {
        Canonical { out, omit: &[] }
    }

    /// A scalar, written as serde_json writes it.
    fn scalar<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, v)
    }

    /// `{"variant":` … the caller writes the value and the closing brace.
    fn open_variant(&mut self, variant: &str) -> Result<(), Error> {
        self.out.push(b'{');
        serde_json::to_writer(&mut *self.out, variant)?;
        self.out.push(b':');
        Ok(())
    }
}

/// The `serialize_<type>` methods whose value needs no special case: `written` writes it as a
/// JSON scalar ([`Canonical`]), `as_text` returns its text as an object key ([`MapKey`]).
macro_rules! scalar_methods {
    (written: $($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method(self, v: $ty) -> Result<(), Error> {
            self.scalar(&v)
        }
    )*};
    (as_text: $($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method(self, v: $ty) -> Result<String, Error> {
            Ok(v.to_string())
        }
    )*};
}

impl<'a> ser::Serializer for Canonical<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Object<'a>;

    scalar_methods!(
        written:
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f64(f64),
        serialize_char(char),
    );
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        // A JSON value holds what fits 64 bits; so does this.
        match (u64::try_from(v), i64::try_from(v)) {
            (Ok(u), _) => self.scalar(&u),
            (_, Ok(i)) => self.scalar(&i),
            _ => Err(ser::Error::custom("number out of range")),
        }
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        match u64::try_from(v) {
            Ok(u) => self.scalar(&u),
            Err(_) => Err(ser::Error::custom("number out of range")),
        }
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // A JSON value widens an f32 to f64 and prints that.
        self.scalar(&f64::from(v))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.scalar(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open_variant(variant)?;
        value.serialize(Canonical::nested(&mut *self.out))?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a>, Error> {
        self.out.push(b'[');
        Ok(Seq {
            out: self.out,
            first: true,
            variant: false,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Seq<'a>, Error> {
        self.open_variant(variant)?;
        self.out.push(b'[');
        Ok(Seq {
            out: self.out,
            first: true,
            variant: true,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a>, Error> {
        Ok(Object::new(self.out, self.omit, false))
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Object<'a>, Error> {
        let mut object = self.serialize_map(Some(len))?;
        object.raw_value = name == RAW_VALUE_TOKEN;
        Ok(object)
    }
    fn serialize_struct_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Object<'a>, Error> {
        self.open_variant(variant)?;
        Ok(Object::new(self.out, &[], true))
    }
}

/// An array being written.
struct Seq<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    /// Inside `{"variant":[` (closes with `]}`).
    variant: bool,
}

impl Seq<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Canonical::nested(&mut *self.out))
    }

    fn close(self) -> Result<(), Error> {
        self.out.push(b']');
        if self.variant {
            self.out.push(b'}');
        }
        Ok(())
    }
}

/// serde's four array traits, all written by [`Seq`].
macro_rules! array_traits {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Seq<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

array_traits!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// An object being written: each entry goes to the end of `out` as `"key":value` (after a
/// comma) while its key and place are noted; `end` puts the entries in key order when they
/// were not written in it (the last of equal keys wins, as in a JSON value).
struct Object<'a> {
    out: &'a mut Vec<u8>,
    omit: &'a [&'a str],
    /// Where the object's first entry starts (after the `{`).
    start: usize,
    /// Key and byte range of each entry written so far.
    entries: Vec<(Key, std::ops::Range<usize>)>,
    /// The key given to `serialize_key`, waiting for its value.
    pending: Option<Key>,
    /// Inside `{"variant":` (closes with one more brace).
    variant: bool,
    /// A serde_json `RawValue`: its one field is JSON text, written in canonical form.
    raw_value: bool,
}

/// An object key: struct fields are static, map keys are made into strings.
enum Key {
    Field(&'static str),
    Owned(String),
}

impl Key {
    fn as_str(&self) -> &str {
        match self {
            Key::Field(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>, omit: &'a [&'a str], variant: bool) -> Self {
        out.push(b'{');
        let start = out.len();
        Object {
            out,
            omit,
            start,
            entries: Vec::new(),
            pending: None,
            variant,
            raw_value: false,
        }
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: Key, value: &T) -> Result<(), Error> {
        if self.raw_value {
            return self.raw_text(value);
        }
        if self.omit.contains(&key.as_str()) {
            return Ok(());
        }
        if !self.entries.is_empty() {
            self.out.push(b',');
        }
        let begin = self.out.len();
        serde_json::to_writer(&mut *self.out, key.as_str())?;
        self.out.push(b':');
        value.serialize(Canonical::nested(&mut *self.out))?;
        self.entries.push((key, begin..self.out.len()));
        Ok(())
    }

    fn close(mut self) -> Result<(), Error> {
        if self.raw_value {
            return Ok(());
        }
        let sorted = self
            .entries
            .windows(2)
            .all(|w| w[0].0.as_str() < w[1].0.as_str());
        if !sorted {
            let written = self.out.split_off(self.start);
            // Stable: among equal keys the last written stays last, and only it is kept.
            self.entries.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            let mut first = true;
            for (i, (key, range)) in self.entries.iter().enumerate() {
                let replaced = self
                    .entries
                    .get(i + 1)
                    .is_some_and(|(next, _)| next.as_str() == key.as_str());
                if replaced {
                    continue;
                }
                if !first {
                    self.out.push(b',');
                }
                first = false;
                self.out
                    .extend_from_slice(&written[range.start - self.start..range.end - self.start]);
            }
        }
        self.out.push(b'}');
        if self.variant {
            self.out.push(b'}');
        }
        Ok(())
    }

    /// A raw value's one field, its JSON text: written in canonical form in place of the
    /// object that was opened for it.
    fn raw_text<T: Serialize + ?Sized>(&mut self, text: &T) -> Result<(), Error> {
        let text = text.serialize(MapKey)?;
        let value: Value = serde_json::from_str(&text)?;
        self.out.truncate(self.start - 1);
        write_value(&value, self.out);
        Ok(())
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.pending = Some(Key::Owned(key.serialize(MapKey)?));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .pending
            .take()
            .ok_or_else(|| ser::Error::custom("map value without a key"))?;
        self.entry(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// serde's two struct traits, both written by [`Object`] with the field names as keys.
macro_rules! struct_traits {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Object<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.entry(Key::Field(key), value)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

struct_traits!(SerializeStruct, SerializeStructVariant);

/// Map keys as a JSON value makes them: strings, and numbers, booleans and chars as their text.
struct MapKey;

fn key_must_be_a_string() -> Error {
    ser::Error::custom("key must be a string")
}

impl ser::Serializer for MapKey {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = Impossible<String, Error>;
    type SerializeTuple = Impossible<String, Error>;
    type SerializeTupleStruct = Impossible<String, Error>;
    type SerializeTupleVariant = Impossible<String, Error>;
    type SerializeMap = Impossible<String, Error>;
    type SerializeStruct = Impossible<String, Error>;
    type SerializeStructVariant = Impossible<String, Error>;

    scalar_methods!(
        as_text:
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_char(char),
    );
    fn serialize_f32(self, _v: f32) -> Result<String, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_f64(self, _v: f64) -> Result<String, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, Error> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<String, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<String, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, Error> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use proptest::prelude::*;
    use serde::Serialize;
    use serde_json::json;
    use serde_json::value::RawValue;

    use super::*;

    /// The direct text and the tree's text of `value`, in that order.
    fn both<T: Serialize>(value: &T, omit: &[&str]) -> (String, String) {
        let mut direct = Vec::new();
        write_canonical_of(value, omit, &mut direct).unwrap();
        let mut tree = serde_json::to_value(value).unwrap();
        if let Some(map) = tree.as_object_mut() {
            for key in omit {
                map.remove(*key);
            }
        }
        let mut expected = Vec::new();
        write_value(&tree, &mut expected);
        (
            String::from_utf8(direct).unwrap(),
            String::from_utf8(expected).unwrap(),
        )
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(i32, String),
        Struct { zeta: bool, alpha: Option<f32> },
    }

    #[derive(Serialize)]
    struct Inner {
        z: &'static str,
        a: Vec<Shape>,
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Outer {
        name: String,
        amount: f64,
        raw: Box<RawValue>,
        inner: Inner,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        counts: HashMap<u32, i64>,
        tags: BTreeMap<String, Unit>,
        bytes: &'static [u8],
        big: i128,
        letter: char,
        #[serde(flatten)]
        extra: BTreeMap<String, serde_json::Value>,
    }

    fn outer() -> Outer {
        Outer {
            name: "Zoë \"Q\"\n\u{1}".into(),
            amount: f64::NAN,
            raw: RawValue::from_string(r#"{"b": [1, {"d": 2, "c": 3}], "a": null}"#.into())
                .unwrap(),
            inner: Inner {
                z: "last",
                a: vec![
                    Shape::Unit,
                    Shape::Newtype(7),
                    Shape::Tuple(-3, "t".into()),
                    Shape::Struct {
                        zeta: true,
                        alpha: Some(0.1),
                    },
                ],
            },
            skipped: None,
            counts: (0..20).map(|i| (i * 7, -(i as i64))).collect(),
            tags: [("b".to_string(), Unit), ("a".to_string(), Unit)].into(),
            bytes: &[0, 255],
            big: -42,
            letter: 'é',
            // The same key as a field: the later one wins, as in a JSON value.
            extra: [
                ("name".to_string(), json!("from the map")),
                ("0".to_string(), json!(1.5)),
            ]
            .into(),
        }
    }

    #[test]
    fn serde_shapes_write_what_the_tree_writes() {
        let (direct, tree) = both(&outer(), &[]);
        assert_eq!(direct, tree);
        assert!(direct.starts_with(r#"{"0":1.5,"amount":null,"big":-42,"bytes":[0,255],"#));
        assert!(direct.contains(r#""raw":{"a":null,"b":[1,{"c":3,"d":2}]}"#));
        assert!(direct.contains(r#""struct":{"alpha":0.10000000149011612,"zeta":true}"#));
        assert!(direct.contains(r#""name":"from the map""#));
    }

    #[test]
    fn omitted_fields_are_left_out_at_the_top_level_only() {
        let value = json!({"raw": 1, "keep": {"raw": 2}});
        let (direct, tree) = both(&value, &["raw"]);
        assert_eq!(direct, tree);
        assert_eq!(direct, r#"{"keep":{"raw":2}}"#);
        let (direct, tree) = both(&outer(), &["raw", "name"]);
        assert_eq!(direct, tree);
        assert!(!direct.contains(r#""raw""#));
    }

    #[test]
    fn values_beyond_json_numbers_and_non_string_keys_fail() {
        let mut out = Vec::new();
        assert!(write_canonical_of(&u128::MAX, &[], &mut out).is_err());
        let byte_keys: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert!(write_canonical_of(&byte_keys, &[], &mut out).is_err());
    }

    /// Any JSON value, with keys that sort differently escaped and unescaped.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[a-z\"\\\u{0}-\u{1f}é€😀]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::vec(("[a-zA-Z_\"\u{0}-\u{1f}é]{0,5}", inner), 0..8)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_value_writes_what_the_tree_writes(value in any_json()) {
            let (direct, tree) = both(&value, &[]);
            prop_assert_eq!(direct, tree);
        }
    }
}
