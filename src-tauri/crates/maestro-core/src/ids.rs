//! Typed identifiers: UUID newtypes so a company id cannot be passed where a record id is meant.
//!
//! New ids are UUID v7, so they sort by creation time. Display is the hyphenated form; serde is
//! the same string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUID v7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (e.g. read back from the store).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        /// Same as [`Self::new`]: a fresh id, never the nil UUID.
        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

uuid_id!(
    /// One business (a bookkeeper's client); every record belongs to exactly one.
    CompanyId
);
uuid_id!(
    /// One authorised link to a provider account (e.g. "Acme's Gusto").
    ConnectionId
);
uuid_id!(
    /// One canonical record in the local store, stable across its versions.
    RecordId
);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn display_parse_serde() {
        let id = CompanyId::new();
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text.matches('-').count(), 4);
        assert_eq!(text.parse::<CompanyId>().unwrap(), id);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        let back: CompanyId = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(back, id);
        assert!("not-a-uuid".parse::<RecordId>().is_err());
    }

    #[test]
    fn v7_time_ordered_and_unique() {
        let ids: Vec<RecordId> = (0..1000).map(|_| RecordId::new()).collect();
        assert!(ids.iter().all(|id| id.as_uuid().get_version_num() == 7));
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(sorted, ids);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
        assert!(!ConnectionId::default().as_uuid().is_nil());
    }

    #[test]
    fn uuid_conversions() {
        let u = Uuid::now_v7();
        let id = ConnectionId::from(u);
        assert_eq!(Uuid::from(id), u);
        assert_eq!(ConnectionId::from_uuid(u), id);
    }
}
