//! JSON decoding whose errors name the failing field (`time_entries[3].hours`).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::HttpError;

/// Decodes `body` as `T`, naming the failing field path on error.
pub fn json<'de, T: Deserialize<'de>>(provider: &str, body: &'de [u8]) -> Result<T, HttpError> {
    // Tracking the path costs on every field; only a failure needs it, so decode plainly
    // first and decode again with tracking to name the field.
    if let Ok(decoded) = serde_json::from_slice(body) {
        return Ok(decoded);
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    let decoded =
        serde_path_to_error::deserialize(&mut *de).map_err(|e| decode_error(provider, e))?;
    // What follows the value (a second document, a cut-off one) is as wrong as a bad field.
    de.end().map_err(|e| HttpError::Decode {
        provider: provider.to_owned(),
        path: "(document)".into(),
        message: e.to_string(),
    })?;
    Ok(decoded)
}

/// Decodes an already parsed JSON `value` as `T`, naming the failing field path on error (a
/// list page is parsed once, then each item decoded from it without printing it again).
pub fn value<T: DeserializeOwned>(provider: &str, value: &Value) -> Result<T, HttpError> {
    if let Ok(decoded) = T::deserialize(value) {
        return Ok(decoded);
    }
    serde_path_to_error::deserialize(value).map_err(|e| decode_error(provider, e))
}

/// The decode error naming the failing field (`(document)` when it is the whole text).
fn decode_error<E: std::fmt::Display>(
    provider: &str,
    e: serde_path_to_error::Error<E>,
) -> HttpError {
    let path = e.path().to_string();
    HttpError::Decode {
        provider: provider.to_owned(),
        path: if path.is_empty() || path == "." {
            "(document)".into()
        } else {
            path
        },
        message: e.into_inner().to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Entry {
        hours: u32,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Page {
        time_entries: Vec<Entry>,
    }

    #[test]
    fn names_the_failing_field() {
        let body = br#"{"time_entries":[{"hours":1},{"hours":"abc"}]}"#;
        let err = json::<Page>("Harvest", body).unwrap_err();
        match err {
            HttpError::Decode { path, .. } => assert_eq!(path, "time_entries[1].hours"),
            other => panic!("{other:?}"),
        }
        let parsed: Value = serde_json::from_slice(body).unwrap();
        match value::<Page>("Harvest", &parsed).unwrap_err() {
            HttpError::Decode { path, .. } => assert_eq!(path, "time_entries[1].hours"),
            other => panic!("{other:?}"),
        }
        let err = json::<Page>("Harvest", br#"{"time_entries":[{"hours":1"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("Harvest sent data we could not read")
        );
    }

    #[test]
    fn text_after_the_document_is_refused() {
        let err = json::<Page>("Harvest", br#"{"time_entries":[]} {"time_entries":[]}"#);
        match err.unwrap_err() {
            HttpError::Decode { path, message, .. } => {
                assert_eq!(path, "(document)");
                assert!(message.contains("trailing"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
