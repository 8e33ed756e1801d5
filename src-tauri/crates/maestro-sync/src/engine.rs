//! One sync run of one connection × entity: pages streamed from the connector, each page stored
//! with its checkpoint in one transaction, so a process killed at any moment resumes from the
//! last stored page with nothing lost and nothing doubled. A full run ends by marking deleted
//! what the provider no longer lists.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use maestro_connectors::{Connector, ConnectorError, Page, ReadRequest};
use maestro_core::clock::Clock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{EntityKind, Provenance};
use maestro_http::PageCursor;
use maestro_store::audit::{self, AuditEvent};
use maestro_store::batch;
use maestro_store::records::{self, Change};
use maestro_store::sync_runs::{self, Counts, NewRun};
use maestro_store::{Store, StoreError, WriteTx, checkpoints};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::events::SyncEvent;

/// How much an incremental run re-reads before the previous run's start, to cover clock skew
/// between us and the provider (re-read records are recognised as unchanged).
pub const INCREMENTAL_OVERLAP_SECS: i64 = 120;

/// Full re-read, or only what changed since the last run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Everything; ends with deletion detection by snapshot diff.
    Full,
    /// Only changes since the previous run (falls back to full when the entity has no
    /// incremental read or there was no previous run).
    Incremental,
}

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct RunRequest {
    /// Company.
    pub company_id: CompanyId,
    /// Connection.
    pub connection_id: ConnectionId,
    /// Entity.
    pub entity: EntityKind,
    /// Mode asked for.
    pub mode: Mode,
}

/// Totals of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// Records read.
    pub seen: u64,
    /// New records.
    pub created: u64,
    /// Changed records (new versions).
    pub updated: u64,
    /// Records marked deleted.
    pub deleted: u64,
    /// Pages stored in this process (a resumed run counts only its own).
    pub pages: u64,
    /// The run read everything (not only changes), so deletions were detected.
    pub full: bool,
}

/// Errors of a run.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The provider call failed (the run can resume from its checkpoint).
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// The store failed (disk full, locked…): nothing of the failing page was kept.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a stream stands between runs, stored as the checkpoint's JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Checkpoint {
    /// A run in progress (or interrupted).
    in_progress: Option<InProgress>,
    /// Where the next incremental run starts.
    next_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct InProgress {
    run_id: String,
    full: bool,
    since: Option<DateTime<Utc>>,
    next: Option<PageCursor>,
    started_at: DateTime<Utc>,
    /// Every page is stored; only the run's end (deletions, final checkpoint) is left.
    #[serde(default)]
    read_done: bool,
    /// The connection had live records of this kind when the run began. A full run that
    /// started from none has nothing to delete at its end (every record it holds, it saw),
    /// so it skips the scan for unseen records. Runs checkpointed by earlier versions scan.
    #[serde(default = "had_records_unknown")]
    had_records: bool,
}

/// What a checkpoint without `had_records` means: assume there were records.
fn had_records_unknown() -> bool {
    true
}

/// A page read and prepared, waiting to be stored.
struct FetchedPage {
    prepared: batch::PreparedPage,
    deleted: Vec<String>,
    next: Option<PageCursor>,
}

/// A page being prepared on a blocking thread.
type Preparing = JoinHandle<Result<FetchedPage, StoreError>>;

/// What storing pages changes of a run, handed to the storing task and back.
struct Storing {
    checkpoint: Checkpoint,
    progress: InProgress,
    summary: RunSummary,
}

/// A spawned task that is stopped when its handle is dropped unawaited (the run was
/// cancelled): nothing keeps writing for a run nobody waits for.
struct StopOnDrop<T>(JoinHandle<T>);

impl<T> Drop for StopOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How many [`SyncEvent`]s a subscriber may fall behind before it misses some. A page is
/// stored and announced in one burst (Harvest pages hold 2,000 records), so the buffer holds
/// several pages: a subscriber that keeps up between pages (the local API's WebSocket, the
/// desktop's event forwarder) never lags, and one that does not is told so (`Lagged`).
pub const EVENT_BUFFER: usize = 8192;

/// Runs syncs against the store and publishes [`SyncEvent`]s.
#[derive(Clone)]
pub struct SyncEngine {
    store: Store,
    clock: Arc<dyn Clock>,
    events: broadcast::Sender<SyncEvent>,
}

impl SyncEngine {
    /// An engine over `store`.
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Self {
            store,
            clock,
            events,
        }
    }

    /// Subscribes to the event stream.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.events.subscribe()
    }

    fn emit(&self, event: SyncEvent) {
        // Nobody listening is fine.
        let _ = self.events.send(event);
    }

    async fn load_checkpoint(&self, req: &RunRequest) -> Result<Checkpoint, SyncError> {
        let mut conn = self
            .store
            .pool()
            .acquire()
            .await
            .map_err(StoreError::from)?;
        let text = checkpoints::load(
            &mut conn,
            req.company_id,
            req.connection_id,
            req.entity.as_str(),
        )
        .await?;
        Ok(text
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default())
    }

    /// Runs (or resumes) one sync of one entity to the end. A resumed run finishes what an
    /// interrupted one began, before this request: where the entity reads incrementally, a
    /// fresh incremental run follows it, so a finished sync holds what changed up to the
    /// moment it was asked for (not only up to when the interrupted run began).
    #[tracing::instrument(skip_all, fields(connection_id = %req.connection_id, entity = %req.entity), err)]
    pub async fn run(
        &self,
        connector: &dyn Connector,
        req: RunRequest,
    ) -> Result<RunSummary, SyncError> {
        let (summary, resumed) = self.run_one(connector, req).await?;
        let incremental_ok = connector
            .manifest()
            .entity(req.entity)
            .is_some_and(|e| e.incremental);
        if !resumed || !incremental_ok {
            return Ok(summary);
        }
        let (after, _) = self
            .run_one(
                connector,
                RunRequest {
                    mode: Mode::Incremental,
                    ..req
                },
            )
            .await?;
        Ok(RunSummary {
            seen: summary.seen + after.seen,
            created: summary.created + after.created,
            updated: summary.updated + after.updated,
            deleted: summary.deleted + after.deleted,
            pages: summary.pages + after.pages,
            full: summary.full,
        })
    }

    /// One run (or the resumption of an interrupted one) to its end; says whether it resumed.
    async fn run_one(
        &self,
        connector: &dyn Connector,
        req: RunRequest,
    ) -> Result<(RunSummary, bool), SyncError> {
        let mut checkpoint = self.load_checkpoint(&req).await?;
        let incremental_ok = connector
            .manifest()
            .entity(req.entity)
            .is_some_and(|e| e.incremental);
        let resumed = checkpoint.in_progress.is_some();
        let mut progress = match checkpoint.in_progress.clone() {
            Some(p) => p,
            None => {
                let since = match req.mode {
                    Mode::Incremental if incremental_ok => checkpoint.next_since,
                    _ => None,
                };
                let mut tx = self.store.write().await?;
                // Only a full run's end looks at it (incremental runs delete nothing unseen).
                let had_records = since.is_some()
                    || records::any_live(tx.conn(), req.company_id, req.connection_id, req.entity)
                        .await?;
                let p = InProgress {
                    run_id: uuid::Uuid::now_v7().to_string(),
                    full: since.is_none(),
                    since,
                    next: None,
                    started_at: self.clock.now(),
                    read_done: false,
                    had_records,
                };
                checkpoint.in_progress = Some(p.clone());
                sync_runs::start(
                    tx.conn(),
                    &NewRun {
                        id: &p.run_id,
                        company_id: req.company_id,
                        connection_id: req.connection_id,
                        entity: req.entity.as_str(),
                        mode: if p.full { "full" } else { "incremental" },
                        trigger: "manual",
                    },
                    p.started_at,
                )
                .await?;
                self.save_checkpoint(tx.conn(), &req, &checkpoint).await?;
                tx.commit().await?;
                p
            }
        };
        self.emit(SyncEvent::RunStarted {
            run_id: progress.run_id.clone(),
            company_id: req.company_id,
            connection_id: req.connection_id,
            entity: req.entity,
            resumed,
        });
        let mut summary = RunSummary {
            full: progress.full,
            ..RunSummary::default()
        };
        // A run killed after its last page was stored only has its end left to do.
        let outcome = if progress.read_done {
            Ok(())
        } else {
            self.pages(
                connector,
                &req,
                &mut checkpoint,
                &mut progress,
                &mut summary,
            )
            .await
        };
        let outcome = match outcome {
            Ok(()) if progress.full && progress.had_records => {
                self.delete_unseen(connector, &req, &progress, &mut summary)
                    .await
            }
            other => other,
        };
        let now = self.clock.now();
        match outcome {
            Ok(()) => {
                checkpoint.in_progress = None;
                checkpoint.next_since =
                    Some(progress.started_at - Duration::seconds(INCREMENTAL_OVERLAP_SECS));
                let mut tx = self.store.write().await?;
                self.save_checkpoint(tx.conn(), &req, &checkpoint).await?;
                sync_runs::finish(tx.conn(), &progress.run_id, None, now).await?;
                let event = read_event(&req, &progress.run_id, &summary, None);
                audit::append(tx.conn(), &event, now).await?;
                tx.commit().await?;
                self.emit(SyncEvent::RunFinished {
                    run_id: progress.run_id.clone(),
                    status: "succeeded".into(),
                    summary,
                    error: None,
                });
                Ok((summary, resumed))
            }
            Err(e) => {
                // The checkpoint keeps the run in progress: the next run resumes after the last
                // stored page.
                let (kind, message) = match &e {
                    SyncError::Connector(c) => (c.kind().as_str().to_owned(), c.to_string()),
                    SyncError::Store(s) => (s.kind().as_str().to_owned(), s.to_string()),
                };
                if let Ok(mut tx) = self.store.write().await {
                    let _ = sync_runs::finish(
                        tx.conn(),
                        &progress.run_id,
                        Some((&kind, &message)),
                        now,
                    )
                    .await;
                    let event = read_event(&req, &progress.run_id, &summary, Some(&message));
                    let _ = audit::append(tx.conn(), &event, now).await;
                    let _ = tx.commit().await;
                }
                self.emit(SyncEvent::RunFinished {
                    run_id: progress.run_id.clone(),
                    status: "failed".into(),
                    summary,
                    error: Some(message),
                });
                Err(e)
            }
        }
    }

    async fn save_checkpoint(
        &self,
        conn: &mut maestro_store::sqlx::SqliteConnection,
        req: &RunRequest,
        checkpoint: &Checkpoint,
    ) -> Result<(), SyncError> {
        let text = serde_json::to_string(checkpoint)
            .map_err(|e| StoreError::Invalid(format!("checkpoint: {e}")))?;
        checkpoints::save(
            conn,
            req.company_id,
            req.connection_id,
            req.entity.as_str(),
            &text,
            self.clock.now(),
        )
        .await?;
        Ok(())
    }

    /// Prepares a page's records for storing on a blocking thread (the CPU work of a page:
    /// canonical JSON, hashes, compression), so it overlaps the store and the next read.
    fn prepare(page: Page) -> Preparing {
        tokio::task::spawn_blocking(move || {
            Ok(FetchedPage {
                prepared: batch::prepare_page(page.records)?,
                deleted: page.deleted,
                next: page.next,
            })
        })
    }

    /// The page `preparing` makes, once it is made.
    async fn prepared(preparing: Preparing) -> Result<FetchedPage, SyncError> {
        Ok(preparing
            .await
            .map_err(|e| StoreError::Invalid(format!("preparing a page stopped: {e}")))??)
    }

    /// Streams the pages through three stages at once: while page k is stored (on its own task
    /// and the database's thread), page k + 1 is prepared (on a blocking thread) and page k + 2
    /// is read from the provider (on this task). The stages wait for each other only through
    /// the pages they hand on, so a slow page in one stage does not hold up the other two.
    ///
    /// A page is asked for only once the transaction of the page two before it has begun, so
    /// whatever that request sets off (another writer, a crash) finds that page under way; a
    /// failed read fails the run after the pages before it are stored. At most three pages are
    /// in memory; each is stored with its checkpoint in one transaction, so the read-ahead
    /// changes nothing on a crash.
    async fn pages(
        &self,
        connector: &dyn Connector,
        req: &RunRequest,
        checkpoint: &mut Checkpoint,
        progress: &mut InProgress,
        summary: &mut RunSummary,
    ) -> Result<(), SyncError> {
        let since = progress.since;
        let read = |page: Option<PageCursor>| async move {
            let request = ReadRequest {
                entity: req.entity,
                page,
                since,
            };
            connector.read(&request).await.map_err(SyncError::from)
        };
        let first = read(progress.next.clone()).await?;
        let mut cursor = first.next.clone();
        let (pages_tx, pages_rx) = mpsc::unbounded_channel();
        let (begun_tx, mut begun_rx) = mpsc::unbounded_channel();
        let state = Storing {
            checkpoint: checkpoint.clone(),
            progress: progress.clone(),
            summary: *summary,
        };
        let mut storer = StopOnDrop(tokio::spawn(
            self.clone()
                .store_pages(
                    *req,
                    connector.manifest().id,
                    state,
                    Self::prepare(first),
                    pages_rx,
                    begun_tx,
                )
                .instrument(tracing::Span::current()),
        ));
        // Transactions begun, and pages asked for (the first one included).
        let (mut begun, mut asked) = (0_usize, 1_usize);
        'reading: while let Some(at) = cursor.take() {
            // Page j may be asked for once the transaction of page max(j - 2, 0) has begun.
            while begun < asked.saturating_sub(1).max(1) {
                if begun_rx.recv().await.is_none() {
                    break 'reading;
                }
                begun += 1;
            }
            let page = tokio::select! {
                page = read(Some(at)) => page,
                // The storer stopped (a store failed): nothing more will be stored.
                () = pages_tx.closed() => break,
            };
            let page = page.map(|p| {
                cursor = p.next.clone();
                Self::prepare(p)
            });
            let failed = page.is_err();
            if pages_tx.send(page).is_err() || failed {
                break;
            }
            asked += 1;
        }
        drop(pages_tx);
        let (result, state) = (&mut storer.0)
            .await
            .map_err(|e| StoreError::Invalid(format!("storing pages stopped: {e}")))?;
        *checkpoint = state.checkpoint;
        *progress = state.progress;
        *summary = state.summary;
        result
    }

    /// The storing stage of [`SyncEngine::pages`]: stores `first`, then each page `pages`
    /// hands on, in order, and says on `begun` when each page's transaction has begun. Ends
    /// with the first failure, a failed read included, or when `pages` closes.
    async fn store_pages(
        self,
        req: RunRequest,
        provider: &'static str,
        mut state: Storing,
        first: Preparing,
        mut pages: mpsc::UnboundedReceiver<Result<Preparing, SyncError>>,
        begun: mpsc::UnboundedSender<()>,
    ) -> (Result<(), SyncError>, Storing) {
        let mut preparing = first;
        let result = loop {
            let stored = async {
                let page = Self::prepared(preparing).await?;
                let tx = self.store.write().await?;
                // The reader may be gone already (this page's read failed); nothing waits then.
                let _ = begun.send(());
                self.store_page(tx, provider, &req, &mut state, page).await
            };
            if let Err(e) = stored.await {
                break Err(e);
            }
            match pages.recv().await {
                Some(Ok(next)) => preparing = next,
                Some(Err(e)) => break Err(e),
                None => break Ok(()),
            }
        };
        (result, state)
    }

    /// Stores one page with its checkpoint and counts in one transaction, then announces it.
    async fn store_page(
        &self,
        mut tx: WriteTx<'_>,
        provider: &'static str,
        req: &RunRequest,
        state: &mut Storing,
        page: FetchedPage,
    ) -> Result<(), SyncError> {
        let Storing {
            checkpoint,
            progress,
            summary,
        } = state;
        let now = self.clock.now();
        let mut counts = Counts {
            seen: page.prepared.len() as i64,
            ..Counts::default()
        };
        let mut changes = Vec::new();
        let stored =
            batch::put_prepared(tx.conn(), page.prepared, Some(&progress.run_id), now).await?;
        for out in stored {
            match out.change {
                Change::Created => counts.created += 1,
                Change::Updated => counts.updated += 1,
                _ => continue,
            }
            changes.push(out);
        }
        for remote_id in &page.deleted {
            let p = Provenance::new(req.connection_id, provider, remote_id.clone());
            if let Some(out) = records::mark_deleted(
                tx.conn(),
                req.company_id,
                &p,
                req.entity,
                Some(&progress.run_id),
                now,
            )
            .await?
                && out.change == Change::Deleted
            {
                counts.deleted += 1;
                changes.push(out);
            }
        }
        progress.next = page.next.clone();
        progress.read_done = page.next.is_none();
        checkpoint.in_progress = Some(progress.clone());
        self.save_checkpoint(tx.conn(), req, checkpoint).await?;
        sync_runs::add_counts(tx.conn(), &progress.run_id, counts).await?;
        tx.commit_bulk(&self.store).await?;
        summary.pages += 1;
        add(summary, counts);
        self.announce(req, &changes, &progress.run_id, summary);
        Ok(())
    }

    /// End of a full run: whatever the provider no longer lists is marked deleted — unless the
    /// run saw nothing at all while records exist, which looks like a provider fault, not a
    /// mass deletion (left for the alerting to flag).
    async fn delete_unseen(
        &self,
        connector: &dyn Connector,
        req: &RunRequest,
        progress: &InProgress,
        summary: &mut RunSummary,
    ) -> Result<(), SyncError> {
        let provider = connector.manifest().id;
        let run_seen = {
            let mut conn = self
                .store
                .pool()
                .acquire()
                .await
                .map_err(StoreError::from)?;
            sync_runs::get(&mut conn, req.company_id, &progress.run_id)
                .await?
                .map(|r| r.counts.seen)
                .unwrap_or(0)
        };
        loop {
            let now = self.clock.now();
            let mut tx = self.store.write().await?;
            let unseen = records::unseen_by_run(
                tx.conn(),
                req.company_id,
                req.connection_id,
                req.entity,
                &progress.run_id,
                500,
            )
            .await?;
            if unseen.is_empty() {
                return Ok(());
            }
            if run_seen == 0 {
                tracing::warn!(entity = %req.entity, existing = unseen.len(), "full read returned nothing; not deleting");
                return Ok(());
            }
            let mut counts = Counts::default();
            let mut changes = Vec::new();
            for remote_id in unseen {
                let p = Provenance::new(req.connection_id, provider, remote_id);
                if let Some(out) = records::mark_deleted(
                    tx.conn(),
                    req.company_id,
                    &p,
                    req.entity,
                    Some(&progress.run_id),
                    now,
                )
                .await?
                {
                    counts.deleted += 1;
                    changes.push(out);
                }
            }
            sync_runs::add_counts(tx.conn(), &progress.run_id, counts).await?;
            tx.commit().await?;
            add(summary, counts);
            self.announce(req, &changes, &progress.run_id, summary);
        }
    }

    fn announce(
        &self,
        req: &RunRequest,
        changes: &[records::PutOutcome],
        run_id: &str,
        summary: &RunSummary,
    ) {
        if self.events.receiver_count() == 0 {
            return;
        }
        for c in changes {
            self.emit(SyncEvent::RecordChanged {
                company_id: req.company_id,
                entity: req.entity,
                record_id: c.record_id.to_string(),
                version: c.version,
                change: match c.change {
                    Change::Created => "created",
                    Change::Updated => "updated",
                    Change::Deleted => "deleted",
                    Change::Unchanged => "unchanged",
                }
                .into(),
            });
        }
        self.emit(SyncEvent::RunProgress {
            run_id: run_id.to_owned(),
            seen: summary.seen,
            created: summary.created,
            updated: summary.updated,
            deleted: summary.deleted,
        });
    }
}

/// The audit entry of a run: who read what from which connection, and how much.
fn read_event(
    req: &RunRequest,
    run_id: &str,
    summary: &RunSummary,
    error: Option<&str>,
) -> AuditEvent {
    AuditEvent::new("sync", "sync.read", &req.connection_id.to_string())
        .company(req.company_id)
        .records(i64::try_from(summary.seen).unwrap_or(i64::MAX))
        .detail(serde_json::json!({
            "entity": req.entity,
            "run_id": run_id,
            "created": summary.created,
            "updated": summary.updated,
            "deleted": summary.deleted,
            "error": error,
        }))
}

fn add(summary: &mut RunSummary, c: Counts) {
    let u = |n: i64| u64::try_from(n).unwrap_or(0);
    summary.seen += u(c.seen);
    summary.created += u(c.created);
    summary.updated += u(c.updated);
    summary.deleted += u(c.deleted);
}
