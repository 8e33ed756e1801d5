//! Sync activity pushed to the UI as typed Tauri events, forwarded from
//! [`maestro_app::App::sync_events`].

use std::collections::HashMap;

use maestro_sync::SyncEvent;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;
use tokio::sync::broadcast::error::RecvError;

use crate::dto::small;
use crate::state::DesktopState;

/// Which moment of a run an update describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// The run began.
    Started,
    /// A page was stored.
    Progress,
    /// The run succeeded.
    Finished,
    /// The run failed.
    Failed,
}

/// Live progress of one sync run (connection × entity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    /// Run id.
    pub run_id: String,
    /// The connection syncing.
    pub connection_id: String,
    /// The entity kind.
    pub entity: String,
    /// Phase.
    pub phase: SyncPhase,
    /// Records read so far.
    pub seen: u32,
    /// Created so far.
    pub created: u32,
    /// Updated so far.
    pub updated: u32,
    /// Deleted so far.
    pub deleted: u32,
    /// Why it failed.
    pub error: Option<String>,
}

/// Remembers which connection and entity each run belongs to (progress events carry only
/// the run id).
#[derive(Debug, Default)]
pub struct ProgressMapper {
    runs: HashMap<String, (String, String)>,
}

impl ProgressMapper {
    /// The UI update for `event`, if it is one the UI shows (per-record changes are not).
    pub fn map(&mut self, event: SyncEvent) -> Option<SyncProgress> {
        let progress =
            |run_id: String, (connection_id, entity): (String, String), phase| SyncProgress {
                run_id,
                connection_id,
                entity,
                phase,
                seen: 0,
                created: 0,
                updated: 0,
                deleted: 0,
                error: None,
            };
        match event {
            SyncEvent::RunStarted {
                run_id,
                connection_id,
                entity,
                ..
            } => {
                let key = (connection_id.to_string(), entity.as_str().to_owned());
                self.runs.insert(run_id.clone(), key.clone());
                Some(progress(run_id, key, SyncPhase::Started))
            }
            SyncEvent::RunProgress {
                run_id,
                seen,
                created,
                updated,
                deleted,
            } => {
                let key = self.runs.get(&run_id)?.clone();
                Some(SyncProgress {
                    seen: small(seen),
                    created: small(created),
                    updated: small(updated),
                    deleted: small(deleted),
                    ..progress(run_id, key, SyncPhase::Progress)
                })
            }
            SyncEvent::RunFinished {
                run_id,
                status,
                summary,
                error,
            } => {
                let key = self.runs.remove(&run_id)?;
                let phase = if status == "succeeded" {
                    SyncPhase::Finished
                } else {
                    SyncPhase::Failed
                };
                Some(SyncProgress {
                    seen: small(summary.seen),
                    created: small(summary.created),
                    updated: small(summary.updated),
                    deleted: small(summary.deleted),
                    error,
                    ..progress(run_id, key, phase)
                })
            }
            _ => None,
        }
    }
}

/// Forwards the unlocked app's sync events to the window: from each unlock (or store swap
/// after a key change or restore) until the app is locked again.
pub fn forward_sync_events<R: Runtime>(handle: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        loop {
            let state = handle.state::<DesktopState>();
            let Some(app) = state.unlocked_app().await else {
                return;
            };
            let events = app.sync_events();
            drop(app);
            tokio::select! {
                () = forward(&handle, events) => {}
                () = state.locked() => {}
            }
        }
    });
}

/// Sends each progress update of `events` to the window until the stream ends.
async fn forward<R: Runtime>(
    handle: &AppHandle<R>,
    mut events: tokio::sync::broadcast::Receiver<SyncEvent>,
) {
    let mut mapper = ProgressMapper::default();
    loop {
        match events.recv().await {
            Ok(event) => {
                if let Some(update) = mapper.map(event)
                    && let Err(err) = update.emit(handle)
                {
                    tracing::warn!(error = %err, "could not send sync progress to the window");
                }
            }
            Err(RecvError::Lagged(missed)) => {
                tracing::debug!(missed, "sync progress lagged; newer updates follow");
            }
            Err(RecvError::Closed) => return,
        }
    }
}
