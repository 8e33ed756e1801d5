//! The crash soak: `kill -9` at many random points of full syncs, incremental syncs, outbox
//! writes and re-keys, checked after every kill against the sandbox's ground truth — the store
//! opens (with exactly one of the two passphrases during a re-key), its integrity check and
//! audit chain hold, no record is stored twice or lost, no hours value appears that the
//! provider never had, and no write reaches the provider twice.
//!
//! Size: `MAESTRO_SOAK_KILLS` kills in all (default 100, which keeps `tests/run` short); a
//! release run uses `MAESTRO_SOAK_KILLS=1000` or more (see `tests/bench.md`). The victims are
//! `soak-runner` processes; the sandbox runs in this process and outlives them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use maestro_app::App;
use maestro_connectors::{NewTimeEntry, WriteOp};
use maestro_core::clock::{Clock, SystemClock};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_sandbox::{Provider, Sandbox};
use maestro_store::outbox::{self, NewOutboxItem, OutboxStatus};
use maestro_store::{Passphrase, audit};
use rand::Rng;
use rand::seq::IndexedRandom;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::sync_crash::{
    PAGE, PASSPHRASE, assert_entries_equal, assert_store_sound, connect, decimal, init_app,
    sandbox, stored_entries, truth_entries,
};
use crate::victim::Victim;

/// Three pages of Harvest time entries.
const ENTRIES: usize = 3 * PAGE;
/// The passphrase re-keys alternate to (and back from).
const OTHER_PASSPHRASE: &str = "the soak's second passphrase, also long";
/// Writes queued before each outbox kill.
const WRITES_PER_KILL: usize = 6;

/// Kills in all, from `MAESTRO_SOAK_KILLS`.
fn total_kills() -> usize {
    std::env::var("MAESTRO_SOAK_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

/// What the soak runs against, and what it has seen so far.
struct Soak {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    sandbox: Sandbox,
    company: CompanyId,
    harvest: ConnectionId,
    /// The passphrase that opens the store now.
    passphrase: &'static str,
    /// Every hours value each entry has had at the provider.
    history: BTreeMap<String, BTreeSet<Decimal>>,
    /// Idempotency keys of every write queued.
    keys: Vec<String>,
    /// Minutes the next outbox runner's clock runs ahead.
    clock_offset: i64,
    /// What each phase did, for the report.
    log: Vec<String>,
}

/// How one phase's kills landed.
#[derive(Default)]
struct Tally {
    /// Killed before the victim said `done`: a real kill point.
    mid_work: usize,
    /// The victim had finished before the kill.
    after_done: usize,
}

impl Soak {
    async fn new() -> Soak {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let sandbox = sandbox(ENTRIES).await;
        let (app, company) = init_app(&dir).await;
        let harvest = connect(&app, &sandbox, Provider::Harvest).await;
        app.close().await;
        let mut soak = Soak {
            _tmp: tmp,
            dir,
            sandbox,
            company,
            harvest,
            passphrase: PASSPHRASE,
            history: BTreeMap::new(),
            keys: Vec::new(),
            clock_offset: 0,
            log: Vec::new(),
        };
        soak.remember_truth();
        soak
    }

    fn remember_truth(&mut self) -> Vec<(String, Decimal)> {
        let truth = truth_entries(&self.sandbox);
        for (id, hours) in &truth {
            self.history.entry(id.clone()).or_default().insert(*hours);
        }
        truth
    }

    fn spawn(&self, mode: &str, envs: &[(&str, &str)]) -> Victim {
        let mut all = vec![("MAESTRO_PASSPHRASE", self.passphrase)];
        all.extend_from_slice(envs);
        Victim::spawn(env!("CARGO_BIN_EXE_soak-runner"), &self.dir, &[mode], &all)
    }

    /// Opens the store as the owner would after the crash.
    async fn open(&self, context: &str) -> App {
        open_with(&self.dir, self.passphrase)
            .await
            .unwrap_or_else(|e| panic!("{context}: the store does not open: {e}"))
    }

    /// Runs `mode` to the end, returning how long it took.
    async fn run_to_end(&self, mode: &str, envs: &[(&str, &str)]) -> Duration {
        let started = Instant::now();
        let (status, lines, stderr) = self.spawn(mode, envs).finish().await;
        assert!(
            status.success(),
            "{mode} run failed ({status}): {lines:?} {stderr}"
        );
        started.elapsed()
    }

    /// Spawns `mode`, kills it after a random moment within `span` of its start, and says
    /// whether it had finished first.
    async fn kill_once(
        &self,
        mode: &str,
        envs: &[(&str, &str)],
        span: Duration,
    ) -> (bool, Duration) {
        let victim = self.spawn(mode, envs);
        let ms = u64::try_from(span.as_millis()).unwrap_or(u64::MAX).max(1);
        let delay = Duration::from_millis(rand::rng().random_range(0..=ms));
        tokio::time::sleep(delay).await;
        let lines = victim.kill().await;
        (lines.iter().any(|l| l == "done"), delay)
    }

    /// Every stored entry is one the provider has, with hours it has had, each once.
    async fn check_entries(&self, app: &App, context: &str) -> BTreeMap<String, Decimal> {
        let stored = stored_entries(app.store().pool(), self.harvest).await;
        let strange: Vec<_> = stored
            .iter()
            .filter(|(id, h)| !self.history.get(*id).is_some_and(|seen| seen.contains(h)))
            .collect();
        assert!(
            strange.is_empty(),
            "{context}: entries with hours the provider never had: {strange:?}"
        );
        stored
    }

    fn note(&mut self, phase: &str, kills: usize, tally: &Tally, started: Instant) {
        self.log.push(format!(
            "{phase}: {kills} kills ({} mid-work, {} after the victim finished) in {:?}",
            tally.mid_work,
            tally.after_done,
            started.elapsed()
        ));
    }

    /// Kills during full syncs: the first ones interrupt the initial read, later ones re-reads.
    async fn full_syncs(&mut self, kills: usize) {
        let started = Instant::now();
        let truth = self.remember_truth();
        let mut span = Duration::from_secs(3);
        let mut tally = Tally::default();
        for k in 1..=kills {
            let (done, delay) = self.kill_once("full", &[], span).await;
            let context = format!("full sync kill {k} after {delay:?}");
            let app = self.open(&context).await;
            assert_sound(&app, &context).await;
            let stored = self.check_entries(&app, &context).await;
            let n = stored.len();
            assert!(
                n % PAGE == 0 || n == truth.len(),
                "{context}: {n} entries is not a whole number of pages"
            );
            assert_entries_equal(&stored, &truth[..n], &context);
            if done {
                assert_eq!(n, truth.len(), "{context}: finished but incomplete");
                tally.after_done += 1;
                // Kill sooner: the span covered more than a whole run.
                span = span.mul_f64(0.8);
            } else {
                tally.mid_work += 1;
            }
            app.close().await;
        }
        self.run_to_end("full", &[]).await;
        let app = self.open("after the full syncs").await;
        assert_entries_equal(
            &stored_entries(app.store().pool(), self.harvest).await,
            &truth,
            "after the full syncs",
        );
        app.close().await;
        self.note("full syncs", kills, &tally, started);
    }

    /// Kills during incremental syncs, with a few hours changed at the provider before each.
    async fn incremental_syncs(&mut self, kills: usize) {
        let started = Instant::now();
        let took = self.run_to_end("incremental", &[]).await;
        let span = took.mul_f64(1.5);
        let mut tally = Tally::default();
        for k in 1..=kills {
            self.change_some_hours(k);
            let truth = self.remember_truth();
            let (done, delay) = self.kill_once("incremental", &[], span).await;
            let context = format!("incremental sync kill {k} after {delay:?}");
            let app = self.open(&context).await;
            assert_sound(&app, &context).await;
            let stored = self.check_entries(&app, &context).await;
            assert_eq!(stored.len(), truth.len(), "{context}: entries went missing");
            if done {
                assert_entries_equal(&stored, &truth, &context);
                tally.after_done += 1;
            } else {
                tally.mid_work += 1;
            }
            app.close().await;
        }
        self.run_to_end("incremental", &[]).await;
        let truth = self.remember_truth();
        let app = self.open("after the incremental syncs").await;
        assert_store_sound(&app, "after the incremental syncs").await;
        assert_entries_equal(
            &stored_entries(app.store().pool(), self.harvest).await,
            &truth,
            "after the incremental syncs",
        );
        app.close().await;
        self.note("incremental syncs", kills, &tally, started);
    }

    fn change_some_hours(&self, k: usize) {
        let entries = self.sandbox.harvest_time_entries(0, usize::MAX);
        let mut rng = rand::rng();
        for e in entries.choose_multiple(&mut rng, 3) {
            let id: u64 = e["id"].as_u64().unwrap();
            let step = Decimal::new(25 * i64::try_from(k % 5 + 1).unwrap(), 2);
            let hours = (decimal(&e["hours"]) + step) % Decimal::from(12) + Decimal::new(25, 2);
            self.sandbox.set_time_entry_hours(id, hours).unwrap();
        }
    }

    /// Kills during re-keys between two passphrases: afterwards exactly one of them opens the
    /// store, and everything is still there.
    async fn rekeys(&mut self, kills: usize) {
        let started = Instant::now();
        let truth = self.remember_truth();
        let took = self
            .run_to_end("rekey", &[("MAESTRO_NEW_PASSPHRASE", OTHER_PASSPHRASE)])
            .await;
        self.passphrase = OTHER_PASSPHRASE;
        self.log.push(format!("a whole re-key took {took:?}"));
        let span = took.mul_f64(1.2);
        let mut tally = Tally::default();
        let mut opening = Duration::ZERO;
        for k in 1..=kills {
            let (from, to) = (self.passphrase, other(self.passphrase));
            let (done, delay) = self
                .kill_once("rekey", &[("MAESTRO_NEW_PASSPHRASE", to)], span)
                .await;
            let context = format!("re-key kill {k} after {delay:?}");
            let t = Instant::now();
            let old = open_with(&self.dir, from).await;
            let app = match old {
                Ok(app) => app,
                Err(old_err) => {
                    let app = open_with(&self.dir, to).await.unwrap_or_else(|new_err| {
                        panic!(
                            "{context}: neither passphrase opens the store: {old_err} / {new_err}"
                        )
                    });
                    self.passphrase = to;
                    app
                }
            };
            opening += t.elapsed();
            if done {
                assert_eq!(
                    self.passphrase, to,
                    "{context}: finished, yet the old key opens"
                );
                tally.after_done += 1;
            } else {
                tally.mid_work += 1;
            }
            assert_sound(&app, &context).await;
            assert_entries_equal(
                &stored_entries(app.store().pool(), self.harvest).await,
                &truth,
                &context,
            );
            app.close().await;
        }
        self.log.push(format!(
            "opening after re-key kills took {opening:?} in all"
        ));
        self.note("re-keys", kills, &tally, started);
    }

    /// Kills while the outbox writes time entries to Harvest: no write reaches Harvest twice,
    /// and in the end every one has reached it exactly once.
    async fn outbox_writes(&mut self, kills: usize) {
        let started = Instant::now();
        let template = self.sandbox.harvest_time_entries(0, 1)[0].clone();
        self.queue_writes(&template, 0).await;
        self.clock_offset += 120;
        let took = self.run_to_end("outbox", &self.offset_env()).await;
        let span = took.mul_f64(1.5);
        let mut tally = Tally::default();
        for k in 1..=kills {
            self.queue_writes(&template, k).await;
            // Later than any claim a killed runner left behind (claims hide a write for at most
            // an hour).
            self.clock_offset += 120;
            let (done, delay) = self.kill_once("outbox", &self.offset_env(), span).await;
            let context = format!("outbox kill {k} after {delay:?}");
            let app = self.open(&context).await;
            assert_sound(&app, &context).await;
            self.check_writes(&app, &context, false).await;
            if done {
                tally.after_done += 1;
            } else {
                tally.mid_work += 1;
            }
            app.close().await;
        }
        self.clock_offset += 120;
        self.run_to_end("outbox", &self.offset_env()).await;
        let app = self.open("after the outbox writes").await;
        assert_sound(&app, "after the outbox writes").await;
        self.check_writes(&app, "after the outbox writes", true)
            .await;
        app.close().await;
        self.note("outbox writes", kills, &tally, started);
    }

    fn offset_env(&self) -> Vec<(&'static str, &'static str)> {
        let text: &'static str = Box::leak(self.clock_offset.to_string().into_boxed_str());
        vec![("MAESTRO_CLOCK_OFFSET_MINUTES", text)]
    }

    /// Queues [`WRITES_PER_KILL`] new time entries for the template entry's person.
    async fn queue_writes(&mut self, template: &Value, batch: usize) {
        let app = self.open("queueing writes").await;
        let mut tx = app.store().write().await.unwrap();
        for i in 0..WRITES_PER_KILL {
            let key = format!("soak-{batch}-{i}");
            let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
                + chrono::Days::new(u64::try_from(batch * WRITES_PER_KILL + i).unwrap() % 700);
            let op = WriteOp::CreateTimeEntry(NewTimeEntry {
                user_remote_id: template["user"]["id"].to_string(),
                project_remote_id: template["project"]["id"].to_string(),
                task_remote_id: template["task"]["id"].to_string(),
                date: day,
                hours: Decimal::new(125 + i64::try_from(i).unwrap(), 2),
                notes: Some(format!("soak {batch}/{i}")),
            });
            let payload = serde_json::to_value(&op).unwrap();
            outbox::enqueue(
                tx.conn(),
                &NewOutboxItem {
                    company_id: self.company,
                    connection_id: self.harvest,
                    route: "soak",
                    subject: &key,
                    operation: "create_time_entry",
                    payload: &payload,
                    changes: &json!([]),
                    summary: &format!("soak write {key}"),
                    idempotency_key: &key,
                    requires_approval: false,
                },
                SystemClock.now(),
            )
            .await
            .unwrap();
            self.keys.push(key);
        }
        tx.commit().await.unwrap();
        app.close().await;
    }

    /// No key's entry is at Harvest twice; every write marked done is there once, under the
    /// id the outbox recorded; with `all_done`, every write is done.
    async fn check_writes(&self, app: &App, context: &str, all_done: bool) {
        let mut at_provider: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in self.sandbox.harvest_time_entries(0, usize::MAX) {
            let notes = e["notes"].as_str().unwrap_or_default();
            if let Some(start) = notes.find("[maestro:soak-") {
                let key = notes[start + 9..].trim_end_matches(']').to_owned();
                at_provider
                    .entry(key)
                    .or_default()
                    .push(e["id"].to_string());
            }
        }
        let doubled: Vec<_> = at_provider
            .iter()
            .filter(|(_, ids)| ids.len() > 1)
            .collect();
        assert!(doubled.is_empty(), "{context}: written twice: {doubled:?}");
        let mut conn = app.store().pool().acquire().await.unwrap();
        let items = outbox::list(&mut conn, self.company, None).await.unwrap();
        assert_eq!(
            items.len(),
            self.keys.len(),
            "{context}: queued writes went missing"
        );
        for item in &items {
            let there = at_provider.get(&item.idempotency_key);
            match item.status {
                OutboxStatus::Done => assert_eq!(
                    there.map(|ids| ids.as_slice()),
                    Some(std::slice::from_ref(item.remote_id.as_ref().unwrap())),
                    "{context}: {} is done but Harvest does not hold it under that id",
                    item.idempotency_key
                ),
                _ => assert!(
                    !all_done,
                    "{context}: {} ended {:?} ({:?})",
                    item.idempotency_key, item.status, item.last_error
                ),
            }
        }
        if all_done {
            assert_eq!(
                at_provider.len(),
                self.keys.len(),
                "{context}: writes at Harvest"
            );
        }
    }
}

fn other(passphrase: &str) -> &'static str {
    if passphrase == PASSPHRASE {
        OTHER_PASSPHRASE
    } else {
        PASSPHRASE
    }
}

async fn open_with(dir: &Path, passphrase: &str) -> maestro_app::Result<App> {
    App::open(
        dir,
        Some(Passphrase::new(passphrase)),
        Arc::new(SystemClock),
    )
    .await
}

/// The store's own checks plus an intact audit chain.
async fn assert_sound(app: &App, context: &str) {
    assert_store_sound(app, context).await;
    let mut conn = app.store().pool().acquire().await.unwrap();
    let chain = audit::verify(&mut conn, |_| {}).await.unwrap();
    assert!(
        chain.is_intact(),
        "{context}: audit chain: {:?}",
        chain.breaks
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_soak_loses_and_doubles_nothing() {
    let started = Instant::now();
    let kills = total_kills();
    let full = kills * 3 / 10;
    let incremental = kills * 3 / 10;
    let rekey = kills * 15 / 100;
    let outbox = kills - full - incremental - rekey;
    let mut soak = Soak::new().await;
    soak.full_syncs(full).await;
    soak.incremental_syncs(incremental).await;
    soak.rekeys(rekey).await;
    soak.outbox_writes(outbox).await;
    soak.log
        .push(format!("{kills} kills in all, in {:?}", started.elapsed()));
    // Shown with --nocapture; the figures for tests/bench.md come from here.
    for line in &soak.log {
        println!("crash soak: {line}");
    }
}
