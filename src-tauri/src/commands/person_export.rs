//! People → "Export this person's data" (a data access request): the owner chooses where in
//! the system's save dialog; the JSON and its HTML summary are written side by side. Audited
//! by the app (`person.export`).

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime, State};

use super::parse_id;
use crate::error::IpcError;
use crate::file_dialog;
use crate::state::DesktopState;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonExportDto {
    /// The JSON file (every value, for machines).
    pub json: String,
    /// The HTML summary beside it (for people; prints well).
    pub html: String,
    /// Records included.
    pub records: u32,
    /// Stored versions included.
    pub versions: u32,
    /// Audit entries included.
    pub audit_entries: u32,
}

/// Writes everything held about one person where the owner chooses; `None` when they cancel.
#[tauri::command]
#[specta::specta]
pub async fn export_person_data<R: Runtime>(
    handle: AppHandle<R>,
    state: State<'_, DesktopState>,
    identity_id: String,
) -> Result<Option<PersonExportDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let id = parse_id(&identity_id, "identityId")?;
    let hex: String = identity_id.chars().filter(|c| *c != '-').collect();
    let name = format!(
        "person-{}-{}.json",
        &hex[hex.len().saturating_sub(8)..],
        app.now().format("%Y-%m-%d")
    );
    let Some(dest) = file_dialog::pick_save_path(
        &handle,
        "Save this person's data (a .json and an .html beside it)",
        &name,
        &[file_dialog::JSON],
    )
    .await
    else {
        return Ok(None);
    };
    let files = app.export_person(company.id, id, &dest).await?;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(Some(PersonExportDto {
        json: files.json.display().to_string(),
        html: files.html.display().to_string(),
        records: count(files.records),
        versions: count(files.versions),
        audit_entries: count(files.audit_entries),
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::{Value, json};
    use tauri::Manager;

    use super::super::screens_tests::Harness;

    #[test]
    fn a_person_is_exported_where_the_dialog_says_and_a_cancel_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let h = Harness::new(dir.path()).unwrap();
        let (sandbox, people) = h.synced_people(&[
            maestro_sandbox::Provider::BambooHr,
            maestro_sandbox::Provider::Gusto,
        ]);
        let ana = &people[0];

        let answers = dir.path().join("dialog-answers");
        let chosen = dir.path().join("out").join("ana.json");
        std::fs::write(&answers, format!("{}\n\n", chosen.display())).unwrap();
        h.app
            .state::<crate::file_dialog::DialogHook>()
            .answer_from(answers);
        let body = json!({"identityId": ana.identity_id});
        let saved: super::PersonExportDto = h.ok("export_person_data", body.clone());
        assert_eq!(saved.json, chosen.display().to_string());
        assert_eq!(
            saved.html,
            chosen.with_extension("html").display().to_string()
        );
        assert!(
            saved.records >= 2 && saved.versions >= saved.records,
            "{saved:?}"
        );
        let json: Value = serde_json::from_slice(&std::fs::read(&chosen).unwrap()).unwrap();
        assert_eq!(json["person"]["name"], ana.name.as_str());
        let html = std::fs::read_to_string(chosen.with_extension("html")).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));

        let cancelled: Value = h.ok("export_person_data", body);
        assert_eq!(cancelled, Value::Null, "a cancelled dialog exports nothing");
        let bad = h
            .call("export_person_data", json!({"identityId": "not an id"}))
            .expect_err("an id that is not one");
        assert_eq!(bad.field.as_deref(), Some("identityId"));
        tauri::async_runtime::block_on(sandbox.shutdown());
    }
}
