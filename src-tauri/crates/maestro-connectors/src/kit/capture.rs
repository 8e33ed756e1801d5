//! Reading a page in one pass: the texts at a few JSON pointers (the record list, a next link,
//! a cursor) are kept as borrowed slices of the body, everything else is skipped. No tree of
//! the page is built, and each record is later decoded straight into its type.

use std::fmt;

use serde::Deserializer as _;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

/// Pointers to capture: each a list of object keys (`/links/next` → `["links", "next"]`).
/// The empty pointer is the whole document.
pub struct Wanted {
    paths: Vec<Vec<String>>,
}

impl Wanted {
    /// The pointers, in the order their captures are returned.
    pub fn new<'p>(pointers: impl IntoIterator<Item = &'p str>) -> Wanted {
        Wanted {
            paths: pointers
                .into_iter()
                .map(|p| {
                    p.split('/')
                        .skip(1)
                        .map(|s| s.replace("~1", "/").replace("~0", "~"))
                        .collect()
                })
                .collect(),
        }
    }

    /// The text at each pointer (`None` where the document has nothing there), or `None` when
    /// the body is not JSON. One pass over the body unless the whole document is wanted beside
    /// a member of it.
    pub fn capture<'a>(&self, body: &'a [u8]) -> Option<Vec<Option<&'a RawValue>>> {
        let mut out = vec![None; self.paths.len()];
        let mut de = serde_json::Deserializer::from_slice(body);
        let targets: Vec<(usize, &[String])> = self
            .paths
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.is_empty())
            .map(|(i, p)| (i, p.as_slice()))
            .collect();
        if targets.len() < self.paths.len() {
            // The whole document is wanted: keep it, then look inside it.
            let whole: &RawValue = serde::Deserialize::deserialize(&mut de).ok()?;
            de.end().ok()?;
            for (i, p) in self.paths.iter().enumerate() {
                if p.is_empty() {
                    out[i] = Some(whole);
                }
            }
            if !targets.is_empty() {
                let mut inner = serde_json::Deserializer::from_str(whole.get());
                let _ = inner.deserialize_any(Level {
                    targets: &targets,
                    out: &mut out,
                });
            }
            return Some(out);
        }
        de.deserialize_any(Level {
            targets: &targets,
            out: &mut out,
        })
        .ok()?;
        de.end().ok()?;
        Some(out)
    }
}

/// One object level: keys that start a wanted path are descended into or captured.
struct Level<'t, 'o, 'a> {
    targets: &'t [(usize, &'t [String])],
    out: &'o mut Vec<Option<&'a RawValue>>,
}

impl<'de: 'a, 'a> Visitor<'de> for Level<'_, '_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let here: Vec<(usize, &[String])> = self
                .targets
                .iter()
                .filter(|(_, p)| p.first().is_some_and(|k| *k == key))
                .map(|(i, p)| (*i, &p[1..]))
                .collect();
            if here.is_empty() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let raw: &'de RawValue = map.next_value()?;
            for (i, rest) in &here {
                if rest.is_empty() {
                    self.out[*i] = Some(raw);
                }
            }
            let deeper: Vec<(usize, &[String])> =
                here.into_iter().filter(|(_, p)| !p.is_empty()).collect();
            if !deeper.is_empty() {
                let mut de = serde_json::Deserializer::from_str(raw.get());
                let _ = DeserializeSeed::deserialize(
                    Seed {
                        targets: &deeper,
                        out: self.out,
                    },
                    &mut de,
                );
            }
        }
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

struct Seed<'t, 'o, 'a> {
    targets: &'t [(usize, &'t [String])],
    out: &'o mut Vec<Option<&'a RawValue>>,
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for Seed<'_, '_, 'a> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Level {
            targets: self.targets,
            out: self.out,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn captures_nested_pointers_in_one_pass() {
        let body = br#"{"time_entries":[{"id":1},{"id":2}],"links":{"next":"https://x/y?c=1","previous":null},"page":1}"#;
        let w = Wanted::new(["/time_entries", "/links/next", "/missing", "/page"]);
        let got = w.capture(body).unwrap();
        assert_eq!(got[0].unwrap().get(), r#"[{"id":1},{"id":2}]"#);
        assert_eq!(got[1].unwrap().get(), r#""https://x/y?c=1""#);
        assert!(got[2].is_none());
        assert_eq!(got[3].unwrap().get(), "1");
    }

    #[test]
    fn the_empty_pointer_is_the_whole_body() {
        let got = Wanted::new([""]).capture(br#"[{"id":"a"}]"#).unwrap();
        assert_eq!(got[0].unwrap().get(), r#"[{"id":"a"}]"#);
        assert!(Wanted::new([""]).capture(b"[1,").is_none());
        assert!(Wanted::new(["/a"]).capture(b"[1] trailing").is_none());
    }

    #[test]
    fn escaped_keys_and_non_objects() {
        let got = Wanted::new(["/a~1b"]).capture(br#"{"a/b":[1]}"#).unwrap();
        assert_eq!(got[0].unwrap().get(), "[1]");
        let got = Wanted::new(["/a"]).capture(br#"[1,2]"#).unwrap();
        assert!(got[0].is_none());
    }
}
