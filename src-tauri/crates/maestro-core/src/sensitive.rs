//! [`Sensitive<T>`]: a value (SSN, bank number, date of birth) that must never reach logs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Text printed by `Debug` and `Display` in place of a sensitive value.
pub const REDACTED: &str = "<redacted>";

/// Wraps a sensitive value so that `Debug` and `Display` print `<redacted>`, never the value.
///
/// Serde is transparent (the value is written as plain `T`) because these values are stored only
/// inside the encrypted database. Do not put a `Sensitive` field in a log line, an IPC DTO or an
/// export without masking it first (see [`Sensitive::masked`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a value.
    pub const fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// Reads the value. This is the only way in: callers must not log, print or send it anywhere
    /// outside the encrypted store.
    pub const fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the value; the same rules as [`Sensitive::expose`] apply.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: AsRef<str>> Sensitive<T> {
    /// A display-safe form showing only the last `visible` characters, e.g. `"•••6789"`
    /// for an account number. Shows nothing when the value is not longer than `visible`.
    pub fn masked(&self, visible: usize) -> String {
        let s = self.0.as_ref();
        let count = s.chars().count();
        if count <= visible {
            return "•".repeat(count.max(1));
        }
        let tail: String = s.chars().skip(count - visible).collect();
        format!("{}{}", "•".repeat(count - visible), tail)
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Sensitive(value)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::collections::HashSet;

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Person {
        name: String,
        ssn: Sensitive<String>,
        dob: Option<Sensitive<NaiveDate>>,
    }

    #[test]
    fn debug_and_display_redact() {
        let p = Person {
            name: "Ada".into(),
            ssn: Sensitive::new("123-45-6789".to_owned()),
            dob: NaiveDate::from_ymd_opt(1987, 6, 5).map(Sensitive::new),
        };
        for text in [format!("{p:?}"), format!("{p:#?}"), p.ssn.to_string()] {
            assert!(!text.contains("6789"), "{text}");
            assert!(!text.contains("123"), "{text}");
            assert!(!text.contains("1987"), "{text}");
            assert!(text.contains(REDACTED), "{text}");
        }
        assert!(format!("{p:?}").contains("Ada"));
    }

    #[test]
    fn expose_and_into_inner() {
        let s = Sensitive::from("secret".to_owned());
        assert_eq!(s.expose(), "secret");
        assert_eq!(s.clone().into_inner(), "secret");
        assert_eq!(Sensitive::<String>::default().expose(), "");
    }

    #[test]
    fn serde_is_transparent() {
        let s = Sensitive::new("123-45-6789".to_owned());
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"123-45-6789\"");
        let back: Sensitive<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        let d: Sensitive<NaiveDate> = serde_json::from_str("\"1990-01-31\"").unwrap();
        assert_eq!(*d.expose(), NaiveDate::from_ymd_opt(1990, 1, 31).unwrap());
    }

    #[test]
    fn eq_and_hash() {
        let mut set = HashSet::new();
        set.insert(Sensitive::new(1));
        set.insert(Sensitive::new(1));
        set.insert(Sensitive::new(2));
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn masked() {
        let acct = Sensitive::new("000123456789");
        assert_eq!(acct.masked(4), "••••••••6789");
        assert_eq!(Sensitive::new("12").masked(4), "••");
        assert_eq!(Sensitive::new("").masked(4), "•");
    }
}
