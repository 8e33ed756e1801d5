//! The People screen: the unified roster with per-field provenance, a person's timeline, and
//! the owner's confirm or split of identity links.

use tauri::State;

use super::parse_id;
use crate::dto::{HistoryEntryDto, PersonDto};
use crate::error::IpcError;
use crate::state::DesktopState;

/// Everyone across the connected systems, one row per person, sorted by name.
#[tauri::command]
#[specta::specta]
pub async fn people(state: State<'_, DesktopState>) -> Result<Vec<PersonDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    Ok(app
        .people(company.id)
        .await?
        .iter()
        .map(PersonDto::from)
        .collect())
}

/// A person's timeline: every version of their records, newest first.
#[tauri::command]
#[specta::specta]
pub async fn person_history(
    state: State<'_, DesktopState>,
    identity_id: String,
) -> Result<Vec<HistoryEntryDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let id = parse_id(&identity_id, "identityId")?;
    Ok(app
        .person_history(company.id, id)
        .await?
        .iter()
        .map(HistoryEntryDto::from)
        .collect())
}

/// The owner confirms that the records linked with `record_id` are one person.
#[tauri::command]
#[specta::specta]
pub async fn confirm_link(
    state: State<'_, DesktopState>,
    record_id: String,
) -> Result<(), IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    app.confirm_link(company.id, parse_id(&record_id, "recordId")?)
        .await?;
    Ok(())
}

/// The owner says `record_id` is someone else: it becomes a person of its own. Returns the
/// new person's identity id.
#[tauri::command]
#[specta::specta]
pub async fn split_link(
    state: State<'_, DesktopState>,
    record_id: String,
) -> Result<String, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    Ok(app
        .split(company.id, parse_id(&record_id, "recordId")?)
        .await?
        .to_string())
}
