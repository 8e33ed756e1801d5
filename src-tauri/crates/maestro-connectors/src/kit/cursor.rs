//! Where a read stands, saved with each page so a sync resumes exactly there: the position in
//! the stream's own paging, and for partitioned streams which parent values are left.

use maestro_http::PageCursor;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The position within one request sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Inner {
    /// Page number (1-based).
    Page(u32),
    /// Offset.
    Offset(u64),
    /// A next URL (already checked to be on the API's origin).
    Url(String),
    /// A cursor sent back as a query parameter.
    Token(String),
    /// Body members to send back (header cursors).
    Members(Map<String, Value>),
}

/// One parent record of a partitioned stream: the value for the child's path, and the
/// members of the parent the child's mapper may read (as JSON text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// The partition value.
    pub value: String,
    /// The kept members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<String>,
    /// The parent's own partition (placeholder name and value) when the parent is itself
    /// partitioned (Paychex: a pay period's company).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outer: Option<(String, String)>,
}

/// The whole position, saved as the page cursor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Which of the kind's streams is being read (0 unless several streams give one kind).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stream: usize,
    /// The parent values of a partitioned stream (read once at the start of the read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<Part>,
    /// Which partition is being read.
    #[serde(default)]
    pub index: usize,
    /// Where in that partition (None = its first page).
    #[serde(default)]
    pub inner: Option<Inner>,
    /// Pages read so far in this read, so a provider that never says "last page" is caught.
    #[serde(default)]
    pub pages: u32,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Position {
    /// Saved as an opaque page cursor.
    pub fn to_cursor(&self) -> PageCursor {
        // A position always serialises (plain data).
        PageCursor::Token(serde_json::to_string(self).unwrap_or_default())
    }

    /// Read back from a saved page cursor.
    pub fn from_cursor(cursor: &PageCursor) -> Option<Position> {
        match cursor {
            PageCursor::Token(text) => serde_json::from_str(text).ok(),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn positions_survive_a_checkpoint() {
        let mut members = Map::new();
        members.insert("first_id".into(), Value::from(42));
        let p = Position {
            partitions: vec![
                Part {
                    value: "a".into(),
                    kept: None,
                    outer: None,
                },
                Part {
                    value: "b".into(),
                    kept: Some("{}".into()),
                    outer: Some(("company_id".into(), "c1".into())),
                },
            ],
            index: 1,
            inner: Some(Inner::Members(members)),
            pages: 3,
            stream: 1,
        };
        let text = serde_json::to_string(&p.to_cursor()).unwrap();
        let back: PageCursor = serde_json::from_str(&text).unwrap();
        assert_eq!(Position::from_cursor(&back).unwrap(), p);
        assert!(Position::from_cursor(&PageCursor::Page(2)).is_none());
    }
}
