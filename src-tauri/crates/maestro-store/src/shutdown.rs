//! Ending a process that used the store.
//!
//! Each SQLite connection runs on its own worker thread (sqlx), which answers "closed" and
//! then ends. While it ends, OpenSSL (SQLCipher's crypto) frees that thread's state. If the
//! process exits in that moment, OpenSSL's exit handler frees the same global state from the
//! main thread, and the process can abort with "double free or corruption" after its work is
//! done (seen once in CI, on a `maestro` command that had printed its output). So a process
//! waits for those threads to be gone before it exits.

use std::time::{Duration, Instant};

/// The name sqlx gives its SQLite worker threads, as the kernel keeps it (15 bytes).
const WORKER_THREAD_PREFIX: &str = "sqlx-sqlite-wor";

/// How long [`wait_for_connection_threads`] waits at most.
pub const THREAD_EXIT_WAIT: Duration = Duration::from_secs(2);

/// Waits (at most `limit`) until no SQLite worker thread of this process is left; call it
/// after closing the store and before returning from `main`. Returns whether none is left.
/// Where the threads cannot be listed (not Linux) it returns at once.
pub fn wait_for_connection_threads(limit: Duration) -> bool {
    wait_for_threads(WORKER_THREAD_PREFIX, limit)
}

fn wait_for_threads(prefix: &str, limit: Duration) -> bool {
    let started = Instant::now();
    loop {
        match threads_named(prefix) {
            None | Some(0) => return true,
            Some(left) if started.elapsed() >= limit => {
                tracing::warn!(left, "database threads still running at exit");
                return false;
            }
            Some(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// How many threads of this process have a name starting with `prefix`, when the system can
/// tell.
fn threads_named(prefix: &str) -> Option<usize> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    Some(
        tasks
            .filter_map(|task| task.ok())
            .filter_map(|task| std::fs::read_to_string(task.path().join("comm")).ok())
            .filter(|name| name.starts_with(prefix))
            .count(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn waits_until_the_named_threads_have_ended() {
        // Its own name, so the store's other tests' connections do not count.
        const NAME: &str = "maestro-waitest";
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let (ready, started) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::Builder::new()
            .name(format!("{NAME}-1"))
            .spawn(move || {
                // The thread names itself as it starts: say when that is done.
                ready.send(()).unwrap();
                let _ = stopped.recv();
            })
            .unwrap();
        started.recv().unwrap();
        if threads_named(NAME).is_none() {
            return; // no /proc here: nothing to observe
        }
        assert_eq!(threads_named(NAME), Some(1));
        assert!(!wait_for_threads(NAME, Duration::from_millis(20)));
        stop.send(()).unwrap();
        assert!(wait_for_threads(NAME, THREAD_EXIT_WAIT));
        worker.join().unwrap();
    }
}
