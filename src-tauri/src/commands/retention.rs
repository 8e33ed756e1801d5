//! Settings → Data retention: each kind's period after termination (documented defaults with
//! their source), changing one, and purging now (the scheduler purges once a day).

use maestro_app::retention::{RetentionRule, describe, parse_period};
use maestro_core::model::EntityKind;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

/// One kind's retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RetentionRuleDto {
    /// The kind ("time_entry").
    pub kind: String,
    /// The period after termination ("3y"), or null: kept for ever.
    pub period: Option<String>,
    /// The documented default.
    pub default: Option<String>,
    /// Where the default comes from.
    pub source: String,
}

impl From<RetentionRule> for RetentionRuleDto {
    fn from(r: RetentionRule) -> Self {
        Self {
            kind: r.kind.as_str().to_owned(),
            period: r.period,
            default: r.default,
            source: r.source,
        }
    }
}

/// The company's retention rules.
#[tauri::command]
#[specta::specta]
pub async fn retention_policy(
    state: State<'_, DesktopState>,
) -> Result<Vec<RetentionRuleDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    Ok(app
        .retention_policy(company.id)
        .await?
        .into_iter()
        .map(RetentionRuleDto::from)
        .collect())
}

/// Sets one kind's period: "4y", "18m", "400d", "3y6m" or "never". Returns the rules.
#[tauri::command]
#[specta::specta]
pub async fn set_retention(
    state: State<'_, DesktopState>,
    kind: String,
    period: String,
) -> Result<Vec<RetentionRuleDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let kind: EntityKind = kind.parse().map_err(|_| {
        IpcError::new(IpcErrorCode::Validation, "not a kind of record").with_field("kind")
    })?;
    let period = parse_period(&period)?;
    Ok(app
        .set_retention(company.id, kind, period)
        .await?
        .into_iter()
        .map(RetentionRuleDto::from)
        .collect())
}

/// Purges now what is past its period; one line per kind ("purged 12 versions of 3 time
/// entries").
#[tauri::command]
#[specta::specta]
pub async fn purge_retention(state: State<'_, DesktopState>) -> Result<Vec<String>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    Ok(describe(&app.purge_retention(company.id).await?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::{Value, json};

    use super::super::screens_tests::Harness;

    #[test]
    fn rules_are_listed_set_and_refused_naming_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let h = Harness::new(dir.path()).unwrap();
        let _: Value = h.ok(
            "create_store",
            json!({"company": "Bluebird Bakery", "passphrase": "correct horse battery staple"}),
        );
        let rules: Vec<super::RetentionRuleDto> = h.ok("retention_policy", json!({}));
        let time = rules.iter().find(|r| r.kind == "time_entry").unwrap();
        assert_eq!(time.period.as_deref(), Some("3y"));
        assert!(time.source.contains("516.5"));
        let rules: Vec<super::RetentionRuleDto> = h.ok(
            "set_retention",
            json!({"kind": "time_entry", "period": "2y6m"}),
        );
        let time = rules.iter().find(|r| r.kind == "time_entry").unwrap();
        assert_eq!(time.period.as_deref(), Some("2y6m"));
        assert_eq!(time.default.as_deref(), Some("3y"));
        let bad = h
            .call(
                "set_retention",
                json!({"kind": "time_entry", "period": "soon"}),
            )
            .expect_err("not a period");
        assert_eq!(bad.field.as_deref(), Some("period"));
        let purged: Vec<String> = h.ok("purge_retention", json!({}));
        assert!(purged.is_empty(), "nothing to purge in an empty store");
    }
}
