//! Activity → "Documents for compliance": the roster, terminations and pay summaries as CSV and
//! PDF in a new folder the owner names in the system's save dialog (what a compliance provider
//! such as ComplianceHR or HR360, or an auditor, asks for). Audited by the app
//! (`compliance.export`).

use maestro_app::compliance_docs::DocFormat;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime, State};

use crate::error::{IpcError, IpcErrorCode};
use crate::file_dialog;
use crate::state::DesktopState;

/// What the export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceDocsDto {
    /// The folder holding the files.
    pub folder: String,
    /// The files' names.
    pub files: Vec<String>,
    /// People on the roster.
    pub people: u32,
    /// Terminations listed.
    pub terminations: u32,
    /// Pay summary rows.
    pub pay_rows: u32,
}

/// Writes the six documents (CSV and PDF of each) into a new folder the owner names; `None`
/// when they cancel. An existing file of that name is refused; an existing folder is used.
#[tauri::command]
#[specta::specta]
pub async fn export_compliance_documents<R: Runtime>(
    handle: AppHandle<R>,
    state: State<'_, DesktopState>,
) -> Result<Option<ComplianceDocsDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let name = format!("compliance-documents-{}", app.now().format("%Y-%m-%d"));
    let Some(folder) = file_dialog::pick_save_path(
        &handle,
        "Name a folder for the compliance documents",
        &name,
        &[],
    )
    .await
    else {
        return Ok(None);
    };
    if folder.is_file() {
        return Err(IpcError::new(
            IpcErrorCode::Validation,
            format!(
                "{} is a file; choose a new name for the folder",
                folder.display()
            ),
        ));
    }
    let summary = app
        .export_compliance_documents(company.id, &folder, DocFormat::Both)
        .await?;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(Some(ComplianceDocsDto {
        folder: folder.display().to_string(),
        files: summary
            .files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect(),
        people: count(summary.people),
        terminations: count(summary.terminations),
        pay_rows: count(summary.pay_rows),
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::{Value, json};
    use tauri::Manager;

    use super::super::screens_tests::Harness;
    use crate::error::IpcErrorCode;

    #[test]
    fn the_documents_go_into_the_named_folder_and_a_file_there_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let h = Harness::new(dir.path()).unwrap();
        let _: Value = h.ok(
            "create_store",
            json!({"company": "Bluebird Bakery", "passphrase": "correct horse battery staple"}),
        );
        let folder = dir.path().join("for-the-auditor");
        let a_file = dir.path().join("taken.txt");
        std::fs::write(&a_file, "x").unwrap();
        let answers = dir.path().join("dialog-answers");
        std::fs::write(
            &answers,
            format!("{}\n{}\n\n", folder.display(), a_file.display()),
        )
        .unwrap();
        h.app
            .state::<crate::file_dialog::DialogHook>()
            .answer_from(answers);
        let saved: super::ComplianceDocsDto = h.ok("export_compliance_documents", json!({}));
        assert_eq!(saved.folder, folder.display().to_string());
        assert_eq!(saved.files.len(), 6);
        for f in &saved.files {
            assert!(folder.join(f).is_file(), "{f}");
        }
        // An empty company: headings only, and a PDF page saying so.
        let roster = std::fs::read_to_string(folder.join("roster.csv")).unwrap();
        assert_eq!(roster.lines().count(), 1, "{roster}");
        assert_eq!(saved.people, 0);
        let refused = h
            .call("export_compliance_documents", json!({}))
            .expect_err("a file is not a folder");
        assert_eq!(refused.code, IpcErrorCode::Validation);
        assert_eq!(std::fs::read_to_string(&a_file).unwrap(), "x");
        let cancelled: Value = h.ok("export_compliance_documents", json!({}));
        assert_eq!(cancelled, Value::Null);
    }
}
