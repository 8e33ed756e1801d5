//! A victim process for `kill -9` tests: spawned with piped output, its stdout lines arriving on
//! a channel so a test can wait for a step ("ready", "page …") and then kill it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long a victim may take to open the store or to make a step before the test gives up.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// A running victim whose stdout lines arrive on a channel.
pub(crate) struct Victim {
    child: tokio::process::Child,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
    stderr: JoinHandle<String>,
}

impl Victim {
    /// Starts `bin DIR ARGS…` with `envs` (and logging off).
    pub(crate) fn spawn(bin: &str, dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Victim {
        let mut child = tokio::process::Command::new(bin)
            .arg(dir)
            .args(args)
            .envs(envs.iter().copied())
            .env("RUST_LOG", "off")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {bin}: {e}"));
        let (tx, lines) = mpsc::unbounded_channel();
        let out = child.stdout.take().unwrap();
        tokio::spawn(async move {
            let mut out = BufReader::new(out).lines();
            while let Ok(Some(line)) = out.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = tokio::spawn(async move {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s).await;
            s
        });
        Victim {
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    /// Waits for a line starting with `prefix`, failing with everything printed on timeout.
    pub(crate) async fn wait_for(&mut self, prefix: &str) -> String {
        let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => {
                    self.seen.push(line.clone());
                    if line.starts_with(prefix) {
                        return line;
                    }
                }
                other => {
                    let _ = self.child.kill().await;
                    let stderr = (&mut self.stderr).await.unwrap_or_default();
                    panic!(
                        "the victim never printed `{prefix}` ({}); printed {:?}; stderr: {stderr}",
                        if other.is_err() {
                            "timed out"
                        } else {
                            "exited"
                        },
                        self.seen
                    );
                }
            }
        }
    }

    /// Everything printed so far plus what is still buffered.
    fn drain(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        std::mem::take(&mut self.seen)
    }

    /// SIGKILL, reap, and return every line printed.
    pub(crate) async fn kill(mut self) -> Vec<String> {
        self.child.kill().await.expect("SIGKILL the victim");
        let _ = self.child.wait().await;
        // Let the reader task forward the last lines.
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.drain()
    }

    /// Waits for a clean exit.
    pub(crate) async fn finish(mut self) -> (ExitStatus, Vec<String>, String) {
        let status = tokio::time::timeout(STEP_TIMEOUT * 3, self.child.wait())
            .await
            .expect("the victim did not finish")
            .unwrap();
        let stderr = (&mut self.stderr).await.unwrap_or_default();
        tokio::time::sleep(Duration::from_millis(20)).await;
        (status, self.drain(), stderr)
    }
}
