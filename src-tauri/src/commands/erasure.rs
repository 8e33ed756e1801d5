//! People → "Erase this person": the erasure (strong confirmation: the person's name typed
//! again, checked by the app too) and what the tools still hold of the people erased.

use maestro_app::erasure::{ErasureReport, StillHeld};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use super::parse_id;
use crate::error::IpcError;
use crate::state::DesktopState;

/// A record a tool still holds after an erasure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StillHeldDto {
    /// Connector id ("gusto").
    pub provider: String,
    /// The connection's name.
    pub connection: String,
    /// Kind of record ("time_entry").
    pub kind: String,
    /// The tool's id for it.
    pub remote_id: String,
    /// Times a sync skipped it since.
    pub skipped: u32,
}

impl From<StillHeld> for StillHeldDto {
    fn from(h: StillHeld) -> Self {
        Self {
            provider: h.provider,
            connection: h.connection,
            kind: h.kind.as_str().to_owned(),
            remote_id: h.remote_id,
            skipped: u32::try_from(h.skipped).unwrap_or(u32::MAX),
        }
    }
}

/// What an erasure did (the name is not repeated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ErasureDto {
    /// The erasure's opaque id (in the audit log).
    pub erasure_id: String,
    /// Records removed.
    pub records: u32,
    /// Versions removed.
    pub versions: u32,
    /// Audit entries whose words were blanked.
    pub audit_entries_blanked: u32,
    /// Other rows removed (alerts, conflicts, queued writes…).
    pub other_rows: u32,
    /// What the tools still hold.
    pub still_held: Vec<StillHeldDto>,
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<ErasureReport> for ErasureDto {
    fn from(r: ErasureReport) -> Self {
        Self {
            erasure_id: r.erasure_id,
            records: count(r.records),
            versions: count(r.versions),
            audit_entries_blanked: count(r.audit_entries_blanked),
            other_rows: count(r.other_rows),
            still_held: r.still_held.into_iter().map(StillHeldDto::from).collect(),
        }
    }
}

/// Erases one person; `confirmName` must be their name as shown (any case).
#[tauri::command]
#[specta::specta]
pub async fn erase_person(
    state: State<'_, DesktopState>,
    identity_id: String,
    confirm_name: String,
) -> Result<ErasureDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let id = parse_id(&identity_id, "identityId")?;
    let report = app.erase_person(company.id, id, &confirm_name).await?;
    Ok(report.into())
}

/// What the tools still hold of every person erased.
#[tauri::command]
#[specta::specta]
pub async fn erased_still_held(
    state: State<'_, DesktopState>,
) -> Result<Vec<StillHeldDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    Ok(app
        .still_held(company.id)
        .await?
        .into_iter()
        .map(StillHeldDto::from)
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::super::screens_tests::Harness;

    #[test]
    fn a_person_is_erased_only_with_their_name_and_the_tools_holdings_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let h = Harness::new(dir.path()).unwrap();
        let (sandbox, people) = h.synced_people(&[maestro_sandbox::Provider::BambooHr]);
        let ana = &people[0];
        let wrong = h
            .call(
                "erase_person",
                json!({"identityId": ana.identity_id, "confirmName": "someone else"}),
            )
            .expect_err("the name must match");
        assert_eq!(wrong.field.as_deref(), Some("confirm"));
        let done: super::ErasureDto = h.ok(
            "erase_person",
            json!({"identityId": ana.identity_id, "confirmName": ana.name}),
        );
        assert!(
            done.records >= 1 && done.versions >= done.records,
            "{done:?}"
        );
        assert!(
            !done.still_held.is_empty() && done.still_held.iter().all(|s| s.provider == "bamboohr"),
            "{done:?}"
        );
        let held: Vec<super::StillHeldDto> = h.ok("erased_still_held", json!({}));
        assert_eq!(held.len(), done.still_held.len());
        let after: Vec<crate::dto::PersonDto> = h.ok("people", json!({}));
        assert_eq!(after.len(), people.len() - 1);
        tauri::async_runtime::block_on(sandbox.shutdown());
    }
}
