//! The Review screen: differences between systems to settle, and writes that change pay
//! waiting for approval.

use std::collections::BTreeMap;

use maestro_app::review::Choice;
use maestro_store::outbox::OutboxStatus;
use tauri::State;

use crate::dto::{CheckSummaryDto, ConflictDto, PendingWriteDto, ReviewDto};
use crate::error::IpcError;
use crate::state::DesktopState;

async fn connection_names(
    app: &maestro_app::App,
    company_id: maestro_core::ids::CompanyId,
) -> Result<BTreeMap<String, String>, IpcError> {
    Ok(app
        .connection_overviews(company_id)
        .await?
        .into_iter()
        .map(|o| (o.connection.id.to_string(), o.connection.display_name))
        .collect())
}

fn pending(
    item: &maestro_store::outbox::OutboxItem,
    names: &BTreeMap<String, String>,
) -> PendingWriteDto {
    let id = item.connection_id.to_string();
    let target = names.get(&id).cloned().unwrap_or(id);
    PendingWriteDto::new(item, target)
}

/// Open differences and writes awaiting approval.
#[tauri::command]
#[specta::specta]
pub async fn review_queue(state: State<'_, DesktopState>) -> Result<ReviewDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let names = connection_names(&app, company.id).await?;
    let conflicts = app
        .conflicts(company.id, false)
        .await?
        .iter()
        .map(ConflictDto::from)
        .collect();
    let pending_writes = app
        .outbox(company.id, Some(OutboxStatus::AwaitingApproval))
        .await?
        .iter()
        .map(|i| pending(i, &names))
        .collect();
    Ok(ReviewDto {
        conflicts,
        pending_writes,
    })
}

/// Compares the systems again (people, differences) and plans the writes the routes call
/// for; writes that change pay wait here for approval.
#[tauri::command]
#[specta::specta]
pub async fn check_again(state: State<'_, DesktopState>) -> Result<CheckSummaryDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let reconciled = app.reconcile(company.id).await?;
    let plan = app.plan_routes(company.id, false).await?;
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    let queued: Vec<_> = plan.new_writes().collect();
    Ok(CheckSummaryDto {
        people: n(reconciled.conflicts.people),
        opened: n(reconciled.conflicts.opened),
        decided: n(reconciled.conflicts.decided),
        queued: n(queued.len()),
        awaiting_approval: n(queued.iter().filter(|w| w.requires_approval).count()),
    })
}

/// Settles a difference by keeping the value of the system `keep` (a connection id); the
/// other system gets the write that brings it in line.
#[tauri::command]
#[specta::specta]
pub async fn resolve_conflict(
    state: State<'_, DesktopState>,
    id: String,
    keep: String,
) -> Result<ConflictDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let c = app
        .resolve_conflict(company.id, &id, &Choice::Keep(keep))
        .await?;
    Ok(ConflictDto::from(&c))
}

/// Approves a write that changes pay; it is sent with the next run of the outbox.
#[tauri::command]
#[specta::specta]
pub async fn approve_write(
    state: State<'_, DesktopState>,
    id: String,
) -> Result<PendingWriteDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let names = connection_names(&app, company.id).await?;
    Ok(pending(&app.approve(company.id, &id).await?, &names))
}

/// Turns down a write that changes pay: it is never sent.
#[tauri::command]
#[specta::specta]
pub async fn reject_write(
    state: State<'_, DesktopState>,
    id: String,
) -> Result<PendingWriteDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let names = connection_names(&app, company.id).await?;
    Ok(pending(&app.reject_write(company.id, &id).await?, &names))
}
