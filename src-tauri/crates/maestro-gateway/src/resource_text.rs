//! Resource objects of records written straight from their stored canonical text, for list
//! pages: the text's top-level fields are borrowed as they are stored instead of being built
//! into a JSON tree, cloned and serialised again, which was most of the cost of a page of
//! 1,000 people. The bytes are exactly those of [`crate::jsonapi::resource_object`] of the
//! record's item ([`crate::data::item_from_parts`]): the same fields removed the same way
//! (bookkeeping fields swapped out, sensitive keys at any depth), the same order, the same
//! provider, remote id and connection appended. A text this cannot read that way (not an
//! object, a repeated or escaped key) goes through the item instead.

use std::collections::BTreeMap;
use std::fmt;

use maestro_core::model::{EntityKind, SENSITIVE_FIELDS, SENSITIVE_RAW_KEYS, strip_sensitive};
use maestro_store::api_read::RecordText;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::data::{item_from_parts, parse_data, record_meta};
use crate::error::ApiError;
use crate::jsonapi::{Query, resource_object};
use crate::resources::ResourceType;

/// The top-level fields of a canonical text, borrowed from it, in stored order.
struct Fields<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(32));
                while let Some(entry) = map.next_entry::<&'de str, &'de RawValue>()? {
                    out.push(entry);
                }
                Ok(Fields(out))
            }
        }
        d.deserialize_map(Entries)
    }
}

/// One attribute's value: as stored, or written again once sensitive keys were removed.
enum Text<'a> {
    Stored(&'a str),
    Written(String),
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        match self {
            Text::Stored(s) => s,
            Text::Written(s) => s,
        }
    }
}

fn is_sensitive(key: &str) -> bool {
    SENSITIVE_FIELDS.contains(&key) || SENSITIVE_RAW_KEYS.contains(&key)
}

/// A nested value (object or array) without sensitive keys at any depth. Most hold none and
/// are kept as stored; one that might (a sensitive name in quotes, or any escape, which could
/// spell one) is read, stripped and written again, as the item does.
fn nested(raw: &RawValue) -> Result<Text<'_>, serde_json::Error> {
    let text = raw.get();
    let suspect = text.contains('\\')
        || SENSITIVE_FIELDS
            .iter()
            .chain(SENSITIVE_RAW_KEYS)
            .any(|k| text.contains(&format!("\"{k}\"")));
    if !suspect {
        return Ok(Text::Stored(text));
    }
    let mut value: Value = serde_json::from_str(text)?;
    strip_sensitive(&mut value);
    Ok(Text::Written(value.to_string()))
}

/// The attributes of a record, in the order its item has them.
struct Attributes<'a> {
    fields: Vec<(&'a str, Text<'a>)>,
}

impl<'a> Attributes<'a> {
    /// None when the text must go through the item (see the module's note).
    fn read(rec: &'a RecordText) -> Option<Self> {
        let Fields(mut raw) = serde_json::from_str::<Fields<'a>>(&rec.data).ok()?;
        let mut keys: Vec<&str> = raw.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
        // The item's Map::remove swaps the last field into the removed one's place.
        for gone in ["provenance", "company_id", "raw"] {
            if let Some(i) = raw.iter().position(|(k, _)| *k == gone) {
                raw.swap_remove(i);
            }
        }
        let mut fields = Vec::with_capacity(raw.len() + 3);
        for (key, value) in raw {
            if is_sensitive(key) {
                continue;
            }
            let text = value.get();
            let text = if text.starts_with(['{', '[']) {
                nested(value).ok()?
            } else {
                Text::Stored(text)
            };
            fields.push((key, text));
        }
        let mut attrs = Attributes { fields };
        attrs.set("provider", json_string(&rec.provider));
        attrs.set("remote_id", json_string(&rec.remote_id));
        attrs.set("connection_id", json_string(&rec.connection_id));
        Some(attrs)
    }

    /// Replaces a field's value in place, or appends the field (as the item's Map::insert).
    fn set(&mut self, key: &'a str, value: String) {
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = Text::Written(value),
            None => self.fields.push((key, Text::Written(value))),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn json_string(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// A field's value as the filter compares it: a string's text, `null` for none, else the
/// value written out.
fn filter_text(value: Option<&str>) -> String {
    match value {
        None => "null".to_owned(),
        Some(v) if v.starts_with('"') => serde_json::from_str::<String>(v).unwrap_or_default(),
        Some(v) => v.to_owned(),
    }
}

/// True when the record passes every filter of `query` (as [`Query::matches`] on its item).
fn matches(query: &Query, id: &str, attrs: &Attributes) -> bool {
    query.filter.iter().all(|(field, wanted)| {
        let text = if field == "id" {
            id.to_owned()
        } else {
            filter_text(attrs.get(field))
        };
        wanted.contains(&text)
    })
}

/// The resource object of record `rec` of `kind` as JSON text, or None when it does not pass
/// `query`'s filters. Links are under `base_url`; no relationship carries linkage (list pages
/// without `include`).
pub fn record_resource(
    kind: EntityKind,
    rec: &RecordText,
    query: &Query,
    base_url: &str,
) -> Result<Option<String>, ApiError> {
    let Some(attrs) = Attributes::read(rec) else {
        let item = item_from_parts(kind, rec.clone(), parse_data(rec)?);
        if !query.matches(&item) {
            return Ok(None);
        }
        return Ok(Some(
            resource_object(&item, query, base_url, &BTreeMap::new()).to_string(),
        ));
    };
    if !matches(query, &rec.record_id, &attrs) {
        return Ok(None);
    }
    let rtype = ResourceType::Record(kind);
    let tname = rtype.name();
    let wanted = query.fields.get(tname);
    let id = json_string(&rec.record_id);
    let self_link = format!("{base_url}/{tname}/{}", rec.record_id);
    let mut out = String::with_capacity(rec.data.len() + 512);
    out.push_str("{\"type\":");
    out.push_str(&json_string(tname));
    out.push_str(",\"id\":");
    out.push_str(&id);
    out.push_str(",\"attributes\":{");
    let mut first = true;
    for (key, value) in &attrs.fields {
        if wanted.is_some_and(|w| !w.contains(*key)) {
            continue;
        }
        if !std::mem::take(&mut first) {
            out.push(',');
        }
        out.push_str(&json_string(key));
        out.push(':');
        out.push_str(value.as_str());
    }
    out.push_str("},\"links\":{\"self\":");
    out.push_str(&json_string(&self_link));
    out.push('}');
    let mut rels = rtype
        .relationships()
        .into_iter()
        .filter(|(name, _, _)| wanted.is_none_or(|w| w.contains(*name)))
        .peekable();
    if rels.peek().is_some() {
        out.push_str(",\"relationships\":{");
        for (i, (name, _, _)) in rels.enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&json_string(name));
            out.push_str(":{\"links\":{\"related\":");
            out.push_str(&json_string(&format!("{self_link}/{name}")));
            out.push_str("}}");
        }
        out.push('}');
    }
    out.push_str(",\"meta\":");
    out.push_str(&record_meta(rec).to_string());
    out.push('}');
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::{TimeZone, Utc};

    fn rec(data: &str) -> RecordText {
        RecordText {
            record_id: "0194f7a2-0000-7000-8000-000000000001".into(),
            connection_id: "0194f7a2-0000-7000-8000-0000000000c1".into(),
            provider: "bamboohr".into(),
            remote_id: "r\"7".into(),
            version: 3,
            valid_from: Utc.with_ymd_and_hms(2026, 11, 25, 20, 12, 18).unwrap(),
            remote_modified_at: None,
            data: data.into(),
        }
    }

    /// What the item path writes for the same record.
    fn through_item(kind: EntityKind, r: &RecordText, query: &Query) -> Option<String> {
        let item = item_from_parts(kind, r.clone(), parse_data(r).unwrap());
        query
            .matches(&item)
            .then(|| resource_object(&item, query, "/api/v1", &BTreeMap::new()).to_string())
    }

    #[test]
    fn writes_exactly_what_the_item_path_writes() {
        let texts = [
            // Bookkeeping fields in the middle: removing them swaps the last field in.
            r#"{"company_id":"c1","first_name":"Ana","provenance":{"connection_id":"x","remote_id":"7"},"last_name":"Díaz \"Ana\" \u0001","raw":null,"hours":1.25,"age":41,"active":true,"manager":null,"provider":"overwritten"}"#,
            // Sensitive keys at the top and nested, some spelled with escapes.
            r#"{"ssn":"123-45-6789","address":{"line1":"1 Main","dob":"1990-01-01"},"dependents":[{"name":"Bo","birthDate":"2010-02-02"},{"name":"Cy"}],"tags":["a","b"],"notes":{"k":"\u0064ob"},"odd":{"\u0073sn":"1"},"employee_remote_id":"e-9"}"#,
            // Nothing but nested values and unicode.
            r#"{"custom":{"z":1,"a":[1,2,{"b":null}]},"name":"Zoë 🎂","remote_id":"kept-in-place"}"#,
            // Not an object, and a repeated key: both through the item.
            r#"[1,2,3]"#,
            r#"{"a":1,"b":2,"a":3}"#,
            r#"{"we\u0069rd":"key"}"#,
        ];
        let queries = [
            "",
            "fields%5Bemployees%5D=last_name,hours,address,provider,time_entries",
            "filter%5Bage%5D=41",
            "filter%5Bfirst_name%5D=Ana&filter%5Bactive%5D=true",
            "filter%5Bmanager%5D=null",
            "filter%5Baddress%5D=%7B%22line1%22%3A%221%20Main%22%7D",
            "filter%5Bprovider%5D=bamboohr&filter%5Bremote_id%5D=r%227",
            "filter%5Bid%5D=0194f7a2-0000-7000-8000-000000000001",
            "filter%5Bname%5D=nobody",
        ];
        for kind in [EntityKind::Employee, EntityKind::TimeEntry] {
            for text in texts {
                for raw in queries {
                    let query = Query::parse(Some(raw)).unwrap();
                    let r = rec(text);
                    let fast = record_resource(kind, &r, &query, "/api/v1").unwrap();
                    assert_eq!(fast, through_item(kind, &r, &query), "{text} ? {raw}");
                }
            }
        }
        // The sensitive values are gone, the rest kept.
        let q = Query::default();
        let out = record_resource(EntityKind::Employee, &rec(texts[1]), &q, "/api/v1")
            .unwrap()
            .unwrap();
        for secret in ["123-45-6789", "1990-01-01", "2010-02-02", "\"1\""] {
            assert!(!out.contains(secret), "{out}");
        }
        assert!(
            out.contains("\"name\":\"Cy\"") && out.contains("e-9"),
            "{out}"
        );
    }
}
