//! The Activity screen: sync runs with their errors, activity per day for the dashboard's
//! chart, and the audit log, filtered and saved as CSV or JSON.

use std::collections::BTreeMap;

use maestro_app::ExportFormat;
use maestro_app::activity::{AuditFilter, default_audit_path};
use tauri::{AppHandle, Runtime, State};

use crate::dto::{AuditEntryDto, AuditQuery, DayActivityDto, FileFormat, SavedFileDto, SyncRunDto};
use crate::error::IpcError;
use crate::file_dialog;
use crate::state::DesktopState;

/// Runs listed when the UI asks for no particular number.
const DEFAULT_RUNS: u32 = 200;
/// Audit entries listed when the UI asks for no particular number.
const DEFAULT_ENTRIES: u32 = 500;

/// The newest sync runs, with their connection's name and any error.
#[tauri::command]
#[specta::specta]
pub async fn sync_runs(
    state: State<'_, DesktopState>,
    limit: Option<u32>,
) -> Result<Vec<SyncRunDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let names: BTreeMap<_, _> = app
        .connection_overviews(company.id)
        .await?
        .into_iter()
        .map(|o| (o.connection.id, o.connection.display_name))
        .collect();
    Ok(app
        .sync_run_history(company.id, limit.unwrap_or(DEFAULT_RUNS))
        .await?
        .iter()
        .map(|r| {
            let name = names
                .get(&r.connection_id)
                .cloned()
                .unwrap_or_else(|| r.connection_id.to_string());
            SyncRunDto::new(r, name)
        })
        .collect())
}

/// Records changed and failed runs per day over the last `days` days, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn daily_activity(
    state: State<'_, DesktopState>,
    days: u32,
) -> Result<Vec<DayActivityDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    Ok(app
        .daily_activity(company.id, days)
        .await?
        .iter()
        .map(DayActivityDto::from)
        .collect())
}

fn filter(query: &AuditQuery, default_limit: Option<u32>) -> Result<AuditFilter, IpcError> {
    Ok(AuditFilter::for_days(
        query.action.as_deref(),
        query.from.as_deref(),
        query.to.as_deref(),
        query
            .limit
            .or(default_limit)
            .and_then(|l| usize::try_from(l).ok()),
    )?)
}

/// Audit entries matching `query`, newest first.
#[tauri::command]
#[specta::specta]
pub async fn audit_log(
    state: State<'_, DesktopState>,
    query: AuditQuery,
) -> Result<Vec<AuditEntryDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let names: BTreeMap<String, String> = app
        .connection_overviews(company.id)
        .await?
        .into_iter()
        .map(|o| (o.connection.id.to_string(), o.connection.display_name))
        .collect();
    Ok(app
        .audit_entries(&filter(&query, Some(DEFAULT_ENTRIES))?)
        .await?
        .iter()
        .map(|e| AuditEntryDto {
            target_name: names.get(&e.target).cloned(),
            ..AuditEntryDto::from(e)
        })
        .collect())
}

/// Saves the whole filtered audit log (the list's limit does not apply) as CSV or JSON where
/// the owner chooses in the system's save dialog; `None` when they cancel. An existing file
/// is never overwritten.
#[tauri::command]
#[specta::specta]
pub async fn save_audit_log<R: Runtime>(
    handle: AppHandle<R>,
    state: State<'_, DesktopState>,
    query: AuditQuery,
    format: FileFormat,
) -> Result<Option<SavedFileDto>, IpcError> {
    let app = state.app().await?;
    let (format, file_type) = match format {
        FileFormat::Csv => (ExportFormat::Csv, file_dialog::CSV),
        FileFormat::Json => (ExportFormat::Json, file_dialog::JSON),
    };
    let suggested = default_audit_path(format, app.now())?;
    let name = suggested
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(dest) =
        file_dialog::pick_save_path(&handle, "Save the audit log", &name, &[file_type]).await
    else {
        return Ok(None);
    };
    let all = AuditQuery {
        limit: None,
        ..query
    };
    let n = app.save_audit(&filter(&all, None)?, format, &dest).await?;
    Ok(Some(SavedFileDto {
        path: dest.display().to_string(),
        entries: u32::try_from(n).unwrap_or(u32::MAX),
        bytes: None,
    }))
}
