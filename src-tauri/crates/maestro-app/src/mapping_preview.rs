//! The field-mapping preview of the connection wizard: the first page of an entity read
//! through the connector, and for a few sample records each provider field next to the
//! canonical field it became, found by comparing the values of the provider's payload with the
//! mapped record (so it shows what the connector really does, custom fields included).
//! Sensitive values (SSN, birth date, bank numbers) are masked; nothing is stored.

use std::collections::BTreeSet;

use maestro_connectors::ReadRequest;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{CanonicalRecord, EntityKind, SENSITIVE_FIELDS, SENSITIVE_RAW_KEYS};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use crate::{App, AppError, ErrorCode, Result};

/// Sample records shown per entity.
pub const MAX_SAMPLES: usize = 3;
/// Provider fields shown per record (deeply nested payloads are cut there).
pub const MAX_FIELDS: usize = 60;
/// Longest value shown.
const MAX_VALUE_CHARS: usize = 60;
/// What a masked value reads as.
pub const MASK: &str = "••••••";

/// What became of a provider field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldFate {
    /// It fills canonical fields.
    Mapped,
    /// A custom field of the account: kept as is with the record, not mapped.
    Custom,
    /// Kept in the raw record only, not mapped.
    Unmapped,
}

/// One provider field of a sample record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldMapping {
    /// The provider's field name, with a path for nested ones ("address.city").
    pub provider_field: String,
    /// Its value as shown (masked when sensitive, shortened when long).
    pub value: String,
    /// The canonical fields it fills (best first); empty unless mapped.
    pub canonical: Vec<String>,
    /// What became of it.
    pub fate: FieldFate,
    /// The value is an SSN, birth date or bank number (and is masked).
    pub sensitive: bool,
}

/// One sample record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleRecord {
    /// The provider's id of the record.
    pub remote_id: String,
    /// Its fields with a value: mapped first, then custom, then the rest.
    pub fields: Vec<FieldMapping>,
    /// Fields the provider sent empty (not listed).
    pub empty_fields: usize,
}

/// The field-mapping preview of one entity of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingPreview {
    /// The entity.
    pub entity: EntityKind,
    /// Records on the first page.
    pub records_on_page: usize,
    /// There are more pages.
    pub more: bool,
    /// Up to [`MAX_SAMPLES`] records, field by field.
    pub samples: Vec<SampleRecord>,
}

/// A scalar leaf of a JSON document: its path and value.
fn leaves<'a>(prefix: &str, value: &'a Value, out: &mut Vec<(String, &'a Value)>, cap: usize) {
    if out.len() >= cap {
        return;
    }
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(&join(k), v, out, cap);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(&format!("{prefix}[{i}]"), v, out, cap);
            }
        }
        _ => out.push((prefix.to_owned(), value)),
    }
}

/// Letters and digits only, lower-cased ("workEmail" and "work_email" alike).
fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The last name in a path, without array indexes ("jobs[0].title" → "title").
fn last_segment(path: &str) -> &str {
    let tail = path.rsplit('.').next().unwrap_or(path);
    tail.split('[').next().unwrap_or(tail)
}

/// The first name in a path ("address.city" → "address").
fn first_segment(path: &str) -> &str {
    let head = path.split('.').next().unwrap_or(path);
    head.split('[').next().unwrap_or(head)
}

/// A value reduced for comparison: numbers exact and normalised ("22.50" = "22.5"), dates
/// without their time, text as letters and digits. `None` for empty values.
fn comparable(v: &Value) -> Option<String> {
    let text = match v {
        Value::Null => return None,
        Value::Bool(b) => return Some(b.to_string()),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        Value::Array(_) | Value::Object(_) => return None,
    };
    if text.is_empty() {
        return None;
    }
    if let Ok(d) = text.parse::<Decimal>() {
        return Some(d.normalize().to_string());
    }
    let is_date = text.len() >= 10
        && text.is_char_boundary(10)
        && chrono::NaiveDate::parse_from_str(&text[..10], "%Y-%m-%d").is_ok();
    if is_date && (text.len() == 10 || text[10..].starts_with('T')) {
        return Some(text[..10].to_owned());
    }
    let s = squash(&text);
    (!s.is_empty()).then_some(s)
}

/// The words of a short text value, each reduced ("22.50 USD" → "22.5", "usd").
fn tokens(v: &Value) -> Vec<String> {
    let Value::String(s) = v else {
        return Vec::new();
    };
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() < 2 || words.len() > 4 {
        return Vec::new();
    }
    words
        .into_iter()
        .filter_map(|w| comparable(&Value::String(w.to_owned())))
        .collect()
}

/// Whether two field names are alike ("hireDate" ~ "hire_date", "id" ~ "remote_id").
fn names_alike(provider: &str, canonical: &str) -> bool {
    let p = squash(last_segment(provider));
    let c = squash(last_segment(canonical));
    !p.is_empty() && !c.is_empty() && (p == c || c.ends_with(&p) || p.ends_with(&c))
}

fn is_sensitive_name(path: &str) -> bool {
    let last = last_segment(path);
    SENSITIVE_RAW_KEYS.contains(&last) || SENSITIVE_FIELDS.contains(&last)
}

fn shown(v: &Value, sensitive: bool) -> String {
    if sensitive {
        return MASK.into();
    }
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX_VALUE_CHARS {
        let cut: String = text.chars().take(MAX_VALUE_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// One record, provider field by provider field, with the canonical fields each one fills.
///
/// # Errors
/// When the record cannot be encoded (it always can for records a connector produced).
pub fn map_record(record: &CanonicalRecord) -> Result<SampleRecord> {
    let mut canonical_json = record
        .to_json()
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    let mut custom: BTreeSet<String> = BTreeSet::new();
    if let Some(map) = canonical_json.as_object_mut() {
        if let Some(Value::Object(fields)) = map.remove("custom_fields") {
            custom.extend(fields.keys().cloned());
        }
        for k in ["raw", "provenance", "company_id"] {
            map.remove(k);
        }
        map.insert(
            "remote_id".into(),
            Value::String(record.provenance().remote_id.clone()),
        );
    }
    let mut canonical = Vec::new();
    leaves("", &canonical_json, &mut canonical, usize::MAX);
    let canonical: Vec<(String, String)> = canonical
        .into_iter()
        .filter_map(|(path, v)| comparable(v).map(|c| (path, c)))
        .collect();

    let mut raw = Vec::new();
    let payload = record.raw().to_value();
    leaves("", &payload, &mut raw, MAX_FIELDS);
    let empty_fields = raw.iter().filter(|(_, v)| comparable(v).is_none()).count();
    let mut fields: Vec<FieldMapping> = raw
        .into_iter()
        .filter_map(|(path, v)| comparable(v).map(|value| (path, v, value)))
        .map(|(path, v, value)| {
            // A one-character or yes/no value matches too much by chance: only where the
            // names agree.
            let weak = value.chars().count() < 2 || matches!(v, Value::Bool(_));
            let words = tokens(v);
            let mut exact: Vec<&str> = Vec::new();
            let mut partial: Vec<&str> = Vec::new();
            for (name, c) in &canonical {
                if weak && !names_alike(&path, name) {
                    continue;
                }
                if *c == value {
                    exact.push(name);
                } else if words.contains(c) {
                    partial.push(name);
                }
            }
            // Whole values first; a word of the value ("USD" of "22.50 USD") only otherwise.
            let mut matches = if exact.is_empty() { partial } else { exact };
            // Names alike first: "hireDate" → "hire_date" before "start_date".
            matches.sort_by_key(|name| !names_alike(&path, name));
            matches.dedup();
            let sensitive = is_sensitive_name(&path)
                || matches
                    .iter()
                    .any(|m| SENSITIVE_FIELDS.contains(&last_segment(m)));
            let fate = if !matches.is_empty() {
                FieldFate::Mapped
            } else if custom.contains(first_segment(&path)) {
                FieldFate::Custom
            } else {
                FieldFate::Unmapped
            };
            FieldMapping {
                value: shown(v, sensitive),
                canonical: matches.into_iter().take(2).map(str::to_owned).collect(),
                provider_field: path,
                fate,
                sensitive,
            }
        })
        .collect();
    fields.sort_by(|a, b| (a.fate, &a.provider_field).cmp(&(b.fate, &b.provider_field)));
    Ok(SampleRecord {
        remote_id: record.provenance().remote_id.clone(),
        fields,
        empty_fields,
    })
}

impl App {
    /// Reads the first page of `entity` from a saved connection (nothing is stored) and maps
    /// up to `samples` records (at most [`MAX_SAMPLES`]) field by field.
    pub async fn mapping_preview(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        entity: EntityKind,
        samples: usize,
    ) -> Result<MappingPreview> {
        let connector = self.connector(company_id, connection_id).await?;
        let manifest = connector.manifest();
        if !manifest.entity(entity).is_some_and(|e| e.read) {
            return Err(AppError::new(
                ErrorCode::Validation,
                format!("{} cannot read {entity}", manifest.name),
            ));
        }
        let page = connector
            .read(&ReadRequest {
                entity,
                page: None,
                since: None,
            })
            .await
            .map_err(|e| self.connector_error(&e))?;
        let samples = page
            .records
            .iter()
            .take(samples.min(MAX_SAMPLES))
            .map(map_record)
            .collect::<Result<Vec<_>>>()?;
        Ok(MappingPreview {
            entity,
            records_on_page: page.records.len(),
            more: page.next.is_some(),
            samples,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use maestro_core::clock::SystemClock;
    use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
    use maestro_store::{MemorySecretStore, NewKey};
    use serde_json::json;

    use super::*;

    #[test]
    fn values_compare_exactly_and_dates_without_time() {
        assert_eq!(comparable(&json!("22.50")), comparable(&json!(22.5)));
        assert_eq!(
            comparable(&json!("2021-04-05T00:00:00Z")),
            Some("2021-04-05".into())
        );
        assert_eq!(
            comparable(&json!("Full-Time")),
            comparable(&json!("full_time"))
        );
        assert_eq!(comparable(&json!("  ")), None);
        assert_eq!(comparable(&Value::Null), None);
        assert_eq!(tokens(&json!("22.50 USD")), vec!["22.5", "usd"]);
        assert!(names_alike("workEmail", "work_email"));
        assert!(names_alike("id", "remote_id"));
        assert!(!names_alike("status", "first_name"));
    }

    /// Against the BambooHR emulator: real fields map to canonical ones, the account's custom
    /// field is kept as is, birth dates are masked, and nothing is stored.
    #[tokio::test]
    async fn bamboohr_employees_map_field_by_field() {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let app = App::init(
            &dir.path().join("data"),
            NewKey::Keychain(Arc::new(MemorySecretStore::default())),
            "Bluebird Bakery",
            Arc::new(SystemClock),
        )
        .await
        .unwrap()
        .with_retry_policy(maestro_http::RetryPolicy::fast());
        let company = app.company(None).await.unwrap();
        let mut input = crate::demo::sandbox_input(&sandbox, Provider::BambooHr).unwrap();
        // Opted in, so the payload holds birth dates: the preview must still mask them.
        input.sync_sensitive = true;
        let (connection, _) = app
            .connect(&company, input, &crate::demo::SandboxSignIn)
            .await
            .unwrap();

        let preview = app
            .mapping_preview(company.id, connection.id, EntityKind::Employee, 10)
            .await
            .unwrap();
        assert_eq!(preview.samples.len(), MAX_SAMPLES);
        assert!(preview.records_on_page >= MAX_SAMPLES, "{preview:?}");
        let first = &preview.samples[0];
        let field = |name: &str| {
            first
                .fields
                .iter()
                .find(|f| f.provider_field == name)
                .unwrap_or_else(|| panic!("no {name} in {:#?}", first.fields))
        };
        assert_eq!(field("firstName").fate, FieldFate::Mapped);
        assert_eq!(field("firstName").canonical[0], "first_name");
        assert_eq!(field("workEmail").canonical[0], "work_email");
        assert_eq!(field("id").canonical[0], "remote_id");
        assert_eq!(field("displayName").canonical[0], "display_full_name");
        // A field the canonical model does not know stays in the raw record.
        assert_eq!(field("division").fate, FieldFate::Unmapped);
        assert!(field("division").canonical.is_empty());
        assert!(first.fields.iter().all(|f| !f.value.is_empty()));
        assert!(first.empty_fields > 0);
        let birth = field("birthDate");
        assert!(birth.sensitive);
        assert_eq!(birth.value, MASK);
        assert_eq!(birth.canonical[0], "date_of_birth");
        // Mapped fields come first, then custom ones, then the rest.
        let fates: Vec<FieldFate> = first.fields.iter().map(|f| f.fate).collect();
        let mut sorted = fates.clone();
        sorted.sort();
        assert_eq!(fates, sorted);

        // Nothing was stored by the preview.
        let mut conn = app.store().pool().acquire().await.unwrap();
        let counts = maestro_store::records::counts(&mut conn, company.id)
            .await
            .unwrap();
        assert!(counts.is_empty(), "{counts:?}");

        // A custom field of the account (the emulator lists none: added to a real record here)
        // is kept as is, not mapped.
        let connector = app.connector(company.id, connection.id).await.unwrap();
        let page = connector
            .read(&ReadRequest {
                entity: EntityKind::Employee,
                page: None,
                since: None,
            })
            .await
            .unwrap();
        let Some(CanonicalRecord::Employee(mut e)) = page.records.into_iter().next() else {
            panic!("no employee read");
        };
        e.custom_fields.insert("customShirtSize".into(), json!("M"));
        let mut payload = e.raw.to_value();
        payload["customShirtSize"] = json!("M");
        e.raw = payload.into();
        let sample = map_record(&CanonicalRecord::Employee(e)).unwrap();
        let shirt = sample
            .fields
            .iter()
            .find(|f| f.provider_field == "customShirtSize")
            .unwrap();
        assert_eq!(shirt.fate, FieldFate::Custom);
        assert_eq!(shirt.value, "M");

        // An entity the connector cannot read is refused in words.
        let err = app
            .mapping_preview(company.id, connection.id, EntityKind::PayrollRun, 3)
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Validation);
    }
}
