//! `kill -9` in the middle of large write transactions leaves the store consistent: every batch
//! is all there or not there at all, the audit chain stays intact, and writing goes on after.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use maestro_store::audit;
use maestro_store::{Passphrase, Store, Unlock};
use rand::Rng;
use sqlx::Row;

const PASSPHRASE: &str = "crash test passphrase, long enough";
const BATCH: i64 = 2_000;
const RUNS: usize = 5;
/// How long to wait for a writer to open the store and commit its first batch.
const FIRST_COMMIT_TIMEOUT: Duration = Duration::from_secs(120);

/// A running `store-writer` with its stdout lines arriving on a channel.
struct Writer {
    child: Child,
    lines: mpsc::Receiver<String>,
    stdout: JoinHandle<()>,
    stderr: JoinHandle<String>,
}

impl Writer {
    fn spawn(dir: &Path, max_batches: i64) -> Writer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_store-writer"))
            .arg(dir)
            .arg(max_batches.to_string())
            .env("MAESTRO_PASSPHRASE", PASSPHRASE)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn store-writer");
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        Writer {
            child,
            lines,
            stdout,
            stderr,
        }
    }

    /// Waits for the next line, failing the test (with the writer's stderr) on timeout or exit.
    fn next_line(&mut self, timeout: Duration) -> String {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => line,
            Err(e) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("store-writer gave no line ({e:?})");
            }
        }
    }

    /// Kills the writer (SIGKILL), reaps it, and returns every line it printed plus its stderr.
    fn kill(mut self) -> (Vec<String>, String) {
        self.child.kill().expect("SIGKILL the writer");
        let status = self.child.wait().unwrap();
        assert!(
            !status.success(),
            "the writer was meant to die, got {status}"
        );
        self.finish()
    }

    /// Waits for the writer to exit by itself; it must succeed.
    fn wait(mut self) -> (Vec<String>, String) {
        let status = self.child.wait().unwrap();
        let (lines, stderr) = self.finish();
        assert!(status.success(), "store-writer failed ({status}): {stderr}");
        (lines, stderr)
    }

    fn finish(self) -> (Vec<String>, String) {
        self.stdout.join().unwrap();
        let stderr = self.stderr.join().unwrap();
        (self.lines.try_iter().collect(), stderr)
    }
}

fn wal_path(dir: &Path) -> std::path::PathBuf {
    let mut name = maestro_store::Layout::new(dir).db_path().into_os_string();
    name.push("-wal");
    name.into()
}

fn committed(line: &str) -> Option<i64> {
    line.strip_prefix("committed ").map(|n| n.parse().unwrap())
}

async fn open(dir: &Path) -> Store {
    Store::open(dir, &Unlock::passphrase(Passphrase::new(PASSPHRASE)))
        .await
        .expect("reopen after kill -9")
}

/// Checks the store after a crash and returns how many whole batches it holds.
async fn check_consistent(store: &Store, context: &str) -> i64 {
    let problems = store.integrity_problems().await.unwrap();
    assert!(problems.is_empty(), "{context}: integrity: {problems:?}");

    let pool = store.pool();
    let row =
        sqlx::query("SELECT count(*) AS n, count(DISTINCT remote_id) AS distinct_ids FROM records")
            .fetch_one(pool)
            .await
            .unwrap();
    let rows: i64 = row.get("n");
    let distinct: i64 = row.get("distinct_ids");
    assert_eq!(rows, distinct, "{context}: a remote id was stored twice");
    assert_eq!(
        rows % BATCH,
        0,
        "{context}: {rows} records is not a whole number of batches"
    );
    let versions: i64 = sqlx::query("SELECT count(*) FROM record_versions")
        .fetch_one(pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(versions, rows, "{context}: records and versions disagree");

    // remote ids are e-{batch}-{i}: group by the batch part.
    let per_batch: BTreeMap<i64, i64> = sqlx::query(
        "SELECT CAST(substr(remote_id, 3, instr(substr(remote_id, 3), '-') - 1) AS INTEGER) AS b,
                count(*) AS n
         FROM records GROUP BY b ORDER BY b",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("b"), r.get("n")))
    .collect();
    let batches = rows / BATCH;
    let partial: Vec<_> = per_batch.iter().filter(|(_, n)| **n != BATCH).collect();
    assert!(
        partial.is_empty(),
        "{context}: partly written batches (batch, records): {partial:?}"
    );
    assert_eq!(
        per_batch.keys().copied().collect::<Vec<_>>(),
        (0..batches).collect::<Vec<_>>(),
        "{context}: batches are not 0..{batches}"
    );

    let mut conn = store.pool().acquire().await.unwrap();
    let chain = audit::verify(&mut conn, |_| {}).await.unwrap();
    assert!(
        chain.is_intact(),
        "{context}: audit chain: {:?}",
        chain.breaks
    );
    assert_eq!(
        chain.entries, batches,
        "{context}: want one audit entry per committed batch"
    );
    let logged: Vec<i64> = audit::page(&mut conn, 0, u32::MAX)
        .await
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e.record_count, BATCH, "{context}: audit entry #{}", e.seq);
            e.detail["batch"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(
        logged,
        (0..batches).collect::<Vec<_>>(),
        "{context}: audit entries name the wrong batches"
    );
    batches
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_transaction_leaves_whole_batches() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let mut rng = rand::rng();
    let mut batches = 0;
    let mut summary = Vec::new();

    for run in 1..=RUNS {
        let delay = Duration::from_millis(rng.random_range(150..=1_500));
        let mut writer = Writer::spawn(&dir, 200);
        let ready = writer.next_line(FIRST_COMMIT_TIMEOUT);
        assert_eq!(
            ready,
            format!("ready {batches}"),
            "run {run}: writer resumed wrongly"
        );
        let first = writer.next_line(FIRST_COMMIT_TIMEOUT);
        assert_eq!(committed(&first), Some(batches), "run {run}: {first}");
        let started = Instant::now();
        std::thread::sleep(delay);
        let (rest, stderr) = writer.kill();
        let wal = std::fs::metadata(wal_path(&dir)).map_or(0, |m| m.len());
        let printed: Vec<i64> = std::iter::once(first.as_str())
            .chain(rest.iter().map(String::as_str))
            .map(|l| committed(l).unwrap_or_else(|| panic!("run {run}: unexpected line {l}")))
            .collect();
        assert_eq!(
            printed,
            (batches..batches + printed.len() as i64).collect::<Vec<_>>(),
            "run {run}: commits out of sequence; stderr: {stderr}"
        );
        let last_printed = *printed.last().unwrap();

        let store = open(&dir).await;
        let context = format!("run {run} (killed {delay:?} after batch {batches})");
        let now = check_consistent(&store, &context).await;
        // Every printed commit survived; at most one more commit landed before the kill
        // without being printed.
        assert!(
            (last_printed + 1..=last_printed + 2).contains(&now),
            "{context}: store holds {now} batches, last printed commit was batch {last_printed}"
        );
        summary.push(format!(
            "run {run}: killed {delay:?} after its first commit ({:?} with the kill), \
             printed up to batch {last_printed}, WAL left {wal} bytes, store has {now} batches",
            started.elapsed()
        ));
        store.close().await;
        batches = now;
    }

    // Writing goes on after the crashes: two more whole batches, then a clean exit.
    let writer = Writer::spawn(&dir, 2);
    let (lines, _) = writer.wait();
    assert_eq!(
        lines,
        vec![
            format!("ready {batches}"),
            format!("committed {batches}"),
            format!("committed {}", batches + 1),
        ]
    );
    let store = open(&dir).await;
    let total = check_consistent(&store, "after the final clean run").await;
    assert_eq!(total, batches + 2);
    store.close().await;
    eprintln!("{}\nfinal: {total} batches", summary.join("\n"));
}
