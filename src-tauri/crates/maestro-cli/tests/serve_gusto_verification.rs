//! `maestro serve` finishes Gusto's first webhook handshake with the owner: a verification
//! token that arrives is announced by reference (never the token), `show REF` prints it to
//! verify with Gusto, and only `confirm REF` makes it the webhook secret.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::Command;

const PASS: &str = "correct horse battery staple";

fn maestro(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("maestro").unwrap();
    cmd.env("MAESTRO_DATA_DIR", dir)
        .env("MAESTRO_PASSPHRASE", PASS)
        .env("MAESTRO_KEYCHAIN_SERVICE", "maestro-cli-tests");
    cmd
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The server's stdout, line by line, with a deadline per line.
struct Lines(mpsc::Receiver<String>);

impl Lines {
    fn until(&self, what: &str) -> String {
        loop {
            let line = self
                .0
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no line with '{what}' from maestro serve"));
            if line.contains(what) {
                return line;
            }
        }
    }
}

fn say(stdin: &mut ChildStdin, line: &str) {
    writeln!(stdin, "{line}").unwrap();
    stdin.flush().unwrap();
}

fn handshake(rt: &tokio::runtime::Runtime, url: &str, token: &str) -> u16 {
    rt.block_on(async {
        reqwest::Client::new()
            .post(url)
            .json(&serde_json::json!({"verification_token": token}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}

/// A demo data folder (it connects Gusto) and its Gusto connection's id.
fn demo_with_gusto(dir: &Path) -> String {
    maestro(dir).arg("demo").assert().success();
    let status = maestro(dir)
        .args(["status", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status: serde_json::Value = serde_json::from_slice(&status).unwrap();
    status["companies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["connections"].as_array().unwrap())
        .find(|c| c["provider"] == "gusto")
        .expect("the demo connects Gusto")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `maestro serve` on an ephemeral port with `stdin`, its stdout lines and base URL.
fn serve(dir: &Path, stdin: Stdio) -> (Server, Lines, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("maestro"))
        .args(["serve", "--bind", "127.0.0.1:0", "--no-scheduler"])
        .env("MAESTRO_DATA_DIR", dir)
        .env("MAESTRO_PASSPHRASE", PASS)
        .env("MAESTRO_KEYCHAIN_SERVICE", "maestro-cli-tests")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let lines = Lines(rx);
    let base = lines
        .until("Local API at ")
        .trim()
        .strip_prefix("Local API at ")
        .unwrap()
        .to_owned();
    (Server(child), lines, base)
}

#[test]
fn serve_announces_a_gusto_token_and_the_owner_confirms_it_on_stdin() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let gusto = demo_with_gusto(&dir);
    let (mut server, lines, base) = serve(&dir, Stdio::piped());
    let mut stdin = server.0.stdin.take().unwrap();
    let hook = format!("{base}/webhooks/{gusto}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let planted = "attacker-chosen-token";
    let real = "6590f590-3dba-4b8e-9c41-2ad1c0ffee00";
    assert_eq!(handshake(&rt, &hook, planted), 202);
    assert_eq!(handshake(&rt, &hook, real), 202);

    // Each is announced once, by reference, with what to do; neither token is printed.
    let mut refs = Vec::new();
    for _ in 0..2 {
        let line = lines.until("Gusto verification token ");
        assert!(!line.contains(real) && !line.contains(planted), "{line}");
        assert!(line.contains(&gusto), "{line}");
        assert!(
            line.contains("/verify") && line.contains("confirm "),
            "{line}"
        );
        let r = line
            .split("Gusto verification token ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_owned();
        refs.push(r);
    }
    let mut real_ref = None;
    for r in &refs {
        say(&mut stdin, &format!("show {r}"));
        let shown = lines.until(&format!("Token {r} "));
        if shown.ends_with(real) {
            real_ref = Some(r.clone());
        } else {
            assert!(shown.ends_with(planted), "{shown}");
        }
    }
    let real_ref = real_ref.expect("Gusto's token was announced");

    say(&mut stdin, "confirm 00000000");
    lines.until("No Gusto verification token 00000000 is waiting");
    assert_eq!(
        handshake(&rt, &hook, planted),
        202,
        "nothing is saved before the owner confirms"
    );
    say(&mut stdin, &format!("confirm {real_ref}"));
    lines.until("Saved. Gusto's events to");

    assert_eq!(handshake(&rt, &hook, real), 200);
    assert_eq!(handshake(&rt, &hook, planted), 401);
    drop(server);
}

#[test]
fn serve_without_input_says_where_to_confirm_and_saves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let gusto = demo_with_gusto(&dir);
    let (server, lines, base) = serve(&dir, Stdio::null());
    let hook = format!("{base}/webhooks/{gusto}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(handshake(&rt, &hook, "some-token"), 202);
    lines.until("Gusto verification token ");
    lines.until("run `maestro serve` in a terminal");
    assert_eq!(
        handshake(&rt, &hook, "another-token"),
        202,
        "nothing was saved"
    );
    drop(server);
}
