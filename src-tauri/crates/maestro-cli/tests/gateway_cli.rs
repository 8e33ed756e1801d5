//! `maestro api-key` and `maestro serve` as a user drives them: a key is printed once and
//! stored hashed, a bad scope or an unsafe binding is refused in plain words, and a served API
//! answers with the key and refuses without it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;

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

#[test]
fn api_keys_and_serve() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    maestro(&dir)
        .args(["init", "--passphrase", "--company", "Acme Bakery"])
        .assert()
        .success();

    maestro(&dir)
        .args(["api-key", "create", "--scope", "pets:read"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not a scope"));
    let out = maestro(&dir)
        .args([
            "api-key",
            "create",
            "--name",
            "script",
            "--scope",
            "employees:read,alerts:read",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("not shown again"))
        .get_output()
        .stdout
        .clone();
    let key = String::from_utf8(out).unwrap().trim().to_owned();
    assert!(key.starts_with("mk_live_") && key.len() == 8 + 64, "{key}");
    let list = maestro(&dir)
        .args(["api-key", "list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list = String::from_utf8(list).unwrap();
    assert!(list.contains("employees:read") && list.contains("script"));
    assert!(!list.contains(&key[8..]), "the key itself is listed");

    maestro(&dir)
        .args(["serve", "--bind", "0.0.0.0:0"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("TLS").and(predicate::str::contains("allowlist")));

    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("maestro"))
        .args(["serve", "--bind", "127.0.0.1:0", "--no-scheduler"])
        .env("MAESTRO_DATA_DIR", &dir)
        .env("MAESTRO_PASSPHRASE", PASS)
        .env("MAESTRO_KEYCHAIN_SERVICE", "maestro-cli-tests")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    // Keep reading stdout open while the server runs (it prints more than the first line).
    let mut stdout = BufReader::new(server.0.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let base = line
        .trim()
        .strip_prefix("Local API at ")
        .unwrap()
        .to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let no_key = http
            .get(format!("{base}/api/v1/alerts"))
            .send()
            .await
            .unwrap();
        assert_eq!(no_key.status(), 401);
        let ok = http
            .get(format!("{base}/api/v1/alerts"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        let forbidden = http
            .get(format!("{base}/api/v1/connections"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(forbidden.status(), 403);
    });
    drop(server);
    drop(stdout);

    let id = list
        .split("\"id\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    maestro(&dir)
        .args(["api-key", "revoke", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains("Revoked"));
    maestro(&dir)
        .args(["api-key", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("revoked"));
}
