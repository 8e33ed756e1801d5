//! The `maestro` binary as a user drives it: init, status, export, audit, backup and restore.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use assert_cmd::Command;
use maestro_core::ids::CompanyId;
use maestro_core::model::{EntityKind, Provenance};
use maestro_store::records::{self, RecordWrite};
use maestro_store::{Passphrase, Store, Unlock};
use predicates::prelude::*;
use serde_json::json;

const PASS: &str = "correct horse battery staple";
const BACKUP_PASS: &str = "a long backup passphrase";

fn maestro(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("maestro").unwrap();
    cmd.env("MAESTRO_DATA_DIR", dir)
        .env("MAESTRO_PASSPHRASE", PASS)
        .env_remove("MAESTRO_BACKUP_PASSPHRASE")
        .env("MAESTRO_KEYCHAIN_SERVICE", "maestro-cli-tests");
    cmd
}

fn init(dir: &Path) {
    maestro(dir)
        .args(["init", "--passphrase", "--company", "Acme Bakery"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Created an encrypted store"));
}

/// Seeds employees directly through the store, as a sync would.
fn seed(dir: &Path, n: usize) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open(dir, &Unlock::passphrase(Passphrase::new(PASS)))
            .await
            .unwrap();
        let mut conn = store.pool().acquire().await.unwrap();
        let company: CompanyId = maestro_store::companies::list(&mut conn).await.unwrap()[0].id;
        drop(conn);
        let mut tx = store.write().await.unwrap();
        let connection = maestro_store::connections::insert(
            tx.conn(),
            company,
            "bamboohr",
            "BambooHR",
            &json!({}),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        for i in 0..n {
            let p = Provenance::new(connection.id, "bamboohr", format!("{i}"));
            let data = json!({"first_name": format!("Person {i}"), "ssn": "123-45-6789",
                "pay_rate": {"amount": "25.50", "currency": "USD"}});
            records::put(
                tx.conn(),
                &RecordWrite {
                    company_id: company,
                    kind: EntityKind::Employee,
                    provenance: &p,
                    data: &data,
                    raw: &maestro_core::model::RawPayload::from(json!({"id": i})),
                    sync_run_id: None,
                },
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        store.close().await;
    });
}

#[test]
fn status_before_init_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    maestro(&dir.path().join("data"))
        .arg("status")
        .assert()
        .failure()
        .stderr(predicate::str::contains("maestro init"));
}

#[test]
fn init_then_status_shows_an_encrypted_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    maestro(&data)
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("SQLCipher"))
        .stdout(predicate::str::contains("Acme Bakery"));
    maestro(&data)
        .arg("status")
        .env("MAESTRO_PASSPHRASE", "not the passphrase at all")
        .assert()
        .failure()
        .stderr(predicate::str::contains("does not unlock"));
    // Initialising twice refuses rather than overwriting.
    maestro(&data)
        .args(["init", "--passphrase"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("already holds"));
}

#[test]
fn status_of_one_company_shows_only_that_company() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    seed(&data, 3);
    maestro(&data)
        .args(["company", "add", "Globex"])
        .assert()
        .success();
    maestro(&data)
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("Company: Acme Bakery"))
        .stdout(predicate::str::contains("       3  employee"))
        .stdout(predicate::str::contains("Company: Globex"));
    maestro(&data)
        .args(["status", "--company", "Globex"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Data folder:"))
        .stdout(predicate::str::contains("Company: Globex"))
        .stdout(predicate::str::contains("No records yet."))
        .stdout(predicate::str::contains("Acme Bakery").not());
    let out = maestro(&data)
        .args(["status", "--json", "--company", "Acme Bakery"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let companies = doc["companies"].as_array().unwrap();
    assert_eq!(companies.len(), 1);
    assert_eq!(companies[0]["company"]["name"], "Acme Bakery");
    assert_eq!(companies[0]["records"], json!([["employee", 3]]));
    maestro(&data)
        .args(["status", "--company", "Initech"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no company called 'Initech'"));
}

#[test]
fn export_json_and_csv_mask_sensitive_fields_and_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    seed(&data, 2_500);
    let json_file = dir.path().join("people.json");
    maestro(&data)
        .args(["export", "--format", "json", "--out"])
        .arg(&json_file)
        .assert()
        .success()
        .stderr(predicate::str::contains("Exported 2500 records"));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
    let recs = doc["records"].as_array().unwrap();
    assert_eq!(recs.len(), 2_500);
    assert_eq!(recs[0]["data"]["ssn"], "<redacted>");
    assert_eq!(recs[0]["data"]["pay_rate"]["amount"], "25.50");

    let csv_dir = dir.path().join("csv");
    maestro(&data)
        .args(["export", "--format", "csv", "--include-sensitive", "--out"])
        .arg(&csv_dir)
        .assert()
        .success();
    let csv = std::fs::read_to_string(csv_dir.join("employee.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    // Every cell is quoted (a `;` in a value cannot start a new cell in any locale).
    assert!(header.starts_with(
        "\"record_id\",\"provider\",\"remote_id\",\"version\",\"remote_modified_at\""
    ));
    assert!(header.contains("pay_rate.amount") && header.contains("pay_rate.currency"));
    assert_eq!(lines.count(), 2_500);
    assert!(
        csv.contains("123-45-6789"),
        "--include-sensitive writes them in clear"
    );

    maestro(&data)
        .args(["audit", "export"])
        .assert()
        .success()
        .stdout(predicate::str::contains("records.export").count(2));
    maestro(&data)
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("intact"));
}

#[test]
fn audit_verify_names_a_tampered_entry() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    maestro(&data)
        .args(["company", "add", "Globex"])
        .assert()
        .success();
    maestro(&data)
        .args(["company", "add", "Initech"])
        .assert()
        .success();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open(&data, &Unlock::passphrase(Passphrase::new(PASS)))
            .await
            .unwrap();
        let mut conn = store.pool().acquire().await.unwrap();
        sqlx_exec(&mut conn, "DROP TRIGGER audit_log_no_update").await;
        sqlx_exec(
            &mut conn,
            "UPDATE audit_log SET target = 'Evil Corp' WHERE seq = 2",
        )
        .await;
        drop(conn);
        store.close().await;
    });
    maestro(&data)
        .args(["audit", "verify"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("entry #2 was edited"));
}

async fn sqlx_exec(conn: &mut maestro_store::sqlx::SqliteConnection, sql: &str) {
    maestro_store::sqlx::query(sql).execute(conn).await.unwrap();
}

#[test]
fn backup_and_restore_into_a_new_folder_reproduce_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    seed(&data, 300);
    let backup = dir.path().join("acme.maestro-backup");
    maestro(&data)
        .arg("backup")
        .arg(&backup)
        .env("MAESTRO_BACKUP_PASSPHRASE", BACKUP_PASS)
        .assert()
        .success()
        .stdout(predicate::str::contains("Backup written"));

    let restored = dir.path().join("restored");
    maestro(&restored)
        .args(["restore", "--passphrase"])
        .arg(&backup)
        .env("MAESTRO_BACKUP_PASSPHRASE", BACKUP_PASS)
        .assert()
        .success()
        .stdout(predicate::str::contains("300 records, audit log verified"));

    let export = |data: &Path, out: &Path| {
        maestro(data)
            .args(["export", "--format", "json", "--out"])
            .arg(out)
            .assert()
            .success();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
        doc["records"].clone()
    };
    let a = export(&data, &dir.path().join("a.json"));
    let b = export(&restored, &dir.path().join("b.json"));
    assert_eq!(a, b);
    maestro(&restored)
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("intact"));

    // A tampered backup is refused with a clear message, and nothing is restored.
    let mut bytes = std::fs::read(&backup).unwrap();
    let i = bytes.len() - 100;
    bytes[i] ^= 0xff;
    let tampered = dir.path().join("tampered.maestro-backup");
    std::fs::write(&tampered, &bytes).unwrap();
    let target = dir.path().join("restored-2");
    maestro(&target)
        .args(["restore", "--passphrase"])
        .arg(&tampered)
        .env("MAESTRO_BACKUP_PASSPHRASE", BACKUP_PASS)
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot be used"))
        .stderr(predicate::str::contains("modified or damaged"));
    assert!(!target.join("maestro.db").exists());

    // A wrong backup passphrase says so.
    maestro(&dir.path().join("restored-3"))
        .args(["restore", "--passphrase"])
        .arg(&backup)
        .env("MAESTRO_BACKUP_PASSPHRASE", "wrong backup passphrase")
        .assert()
        .failure()
        .stderr(predicate::str::contains("passphrase is wrong"));
}

#[test]
fn rekey_changes_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    seed(&data, 10);
    let new = "a completely new passphrase";
    maestro(&data)
        .args(["rekey", "--to-passphrase"])
        .env("MAESTRO_NEW_PASSPHRASE", new)
        .assert()
        .success();
    maestro(&data).arg("status").assert().failure();
    maestro(&data)
        .arg("status")
        .env("MAESTRO_PASSPHRASE", new)
        .assert()
        .success()
        .stdout(predicate::str::contains("10  employee"));
}

#[test]
#[ignore = "needs a Secret Service keychain: run through tests/run"]
fn init_uses_the_system_keychain_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let service = format!("maestro-cli-test-{}", std::process::id());
    let run = |args: &[&str]| {
        let mut cmd = Command::cargo_bin("maestro").unwrap();
        cmd.env("MAESTRO_DATA_DIR", &data)
            .env_remove("MAESTRO_PASSPHRASE")
            .env("MAESTRO_KEYCHAIN_SERVICE", &service)
            .args(args)
            .assert()
    };
    run(&["init", "--company", "Acme"])
        .success()
        .stdout(predicate::str::contains("key in the system keychain"));
    run(&["status"])
        .success()
        .stdout(predicate::str::contains("key from the system keychain"));
    let meta = std::fs::read_to_string(data.join("store.json")).unwrap();
    assert!(meta.contains("\"source\": \"keychain\""));
    // Rotate, then still open without any passphrase.
    run(&["rekey"]).success();
    run(&["status"]).success();
}

/// `maestro sandbox` in the background, as a new user would start it.
struct SandboxProcess {
    child: std::process::Child,
    connect_lines: Vec<String>,
}

impl SandboxProcess {
    fn start() -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_maestro"))
            .arg("sandbox")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut connect_lines = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if line.contains("maestro connect") {
                connect_lines.push(line.trim().to_owned());
            }
            if line.starts_with("Press Ctrl-C") {
                break;
            }
        }
        Self {
            child,
            connect_lines,
        }
    }

    /// The printed `maestro connect <provider> …` line, as arguments (and its env prefix).
    fn connect_args(&self, provider: &str) -> (Vec<(String, String)>, Vec<String>) {
        let line = self
            .connect_lines
            .iter()
            .find(|l| l.contains(&format!("maestro connect {provider} ")))
            .unwrap();
        let mut env = Vec::new();
        let mut args = Vec::new();
        let mut seen_maestro = false;
        for word in line.split_whitespace() {
            if !seen_maestro {
                if word == "maestro" {
                    seen_maestro = true;
                } else if let Some((k, v)) = word.split_once('=') {
                    env.push((k.to_owned(), v.to_owned()));
                }
                continue;
            }
            args.push(word.to_owned());
        }
        (env, args)
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `maestro` on `data` with extra environment variables (a sandbox's connect line sets some).
fn maestro_with(data: &Path, env: Vec<(String, String)>) -> Command {
    let mut cmd = maestro(data);
    cmd.envs(env);
    cmd
}

/// `args` with every argument that starts with `prefix` replaced by `with`.
fn replacing(args: &[String], prefix: &str, with: &str) -> Vec<String> {
    args.iter()
        .map(|a| {
            if a.starts_with(prefix) {
                with.to_owned()
            } else {
                a.clone()
            }
        })
        .collect()
}

#[test]
fn sandbox_then_connect_and_sync_as_a_new_user_would() {
    let sandbox = SandboxProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    for provider in ["bamboohr", "harvest", "gusto"] {
        let (env, mut args) = sandbox.connect_args(provider);
        if provider == "gusto" {
            args.extend(["--browser".into(), "fetch".into()]);
        }
        maestro_with(&data, env)
            .args(&args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Connected"))
            .stdout(predicate::str::contains("Bluebird Bakery"));
    }
    maestro(&data)
        .args(["sync", "bamboohr", "--full", "--entity", "employee"])
        .assert()
        .success()
        .stdout(predicate::str::contains("employee"))
        .stdout(predicate::str::contains("25 new"));
    maestro(&data)
        .args(["status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("25  employee"));

    // The same account again is refused (its records would count twice).
    let (env, args) = sandbox.connect_args("bamboohr");
    maestro_with(&data, env)
        .args(&args)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "This BambooHR account is already connected as “BambooHR”",
        ));

    // For another account, a wrong key and an unreachable host get clear messages, and nothing
    // is saved.
    let args = replacing(&args, "subdomain=", "subdomain=bluebird-annex");
    let wrong = replacing(&args, "api_key=", &format!("api_key={}", "0".repeat(40)));
    maestro(&data)
        .args(&wrong)
        .assert()
        .failure()
        .stderr(predicate::str::contains("did not accept these credentials"));
    let unreachable = replacing(&args, "http://127.0.0.1:", "http://127.0.0.1:9");
    maestro(&data)
        .args(&unreachable)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "could not reach BambooHR (127.0.0.1:9",
        ));
    maestro(&data)
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("BambooHR [bamboohr]").count(1));
}

#[test]
fn connect_refuses_plain_http_except_to_this_computer() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    let key = format!("api_key={}", "ab".repeat(20));
    for flag in ["--base-url", "--auth-url"] {
        maestro(&data)
            .args([
                "connect",
                "bamboohr",
                "--set",
                "subdomain=acme",
                "--set",
                &key,
            ])
            .args([flag, "http://hr.example.invalid/api"])
            .assert()
            .failure()
            .stderr(predicate::str::contains(
                "http://hr.example.invalid is not encrypted",
            ))
            .stderr(predicate::str::contains("could not reach").not());
    }
    maestro(&data)
        .args(["status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[bamboohr]").not());
}

#[test]
fn demo_runs_start_to_finish_without_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    maestro(&data)
        .arg("demo")
        .assert()
        .success()
        .stdout(predicate::str::contains("✓ BambooHR"))
        .stdout(predicate::str::contains("✓ Gusto"))
        .stdout(predicate::str::contains("✓ Harvest"))
        .stdout(predicate::str::contains("25 employee"))
        .stdout(predicate::str::contains("25 linked across all"))
        // The 26th person is Harvest's contractor, and the summary says so.
        .stdout(predicate::str::contains(
            "26 in all: 25 employees and 1 contractor (in Harvest only)",
        ))
        .stdout(predicate::str::contains(
            "people by the email each candidate gave",
        ))
        .stdout(predicate::str::contains(
            "started before their Checkr background check cleared",
        ))
        .stdout(predicate::str::contains(
            "started before their GoodHire background check cleared",
        ))
        .stdout(predicate::str::contains("chain intact"))
        .stdout(predicate::str::contains("0 sync step(s) failed"));
    // The data stays, encrypted, and every sync read is in the audit log.
    maestro(&data)
        .args(["audit", "export"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sync.read"))
        .stdout(predicate::str::contains("credential.use"));
    assert!(
        !std::fs::read(data.join("maestro.db"))
            .unwrap()
            .starts_with(b"SQLite format 3")
    );
}

#[test]
fn connectors_are_listed_before_any_store_exists() {
    let dir = tempfile::tempdir().unwrap();
    maestro(dir.path())
        .arg("connectors")
        .assert()
        .success()
        .stdout(predicate::str::contains("bamboohr").and(predicate::str::contains("gusto")))
        .stdout(predicate::str::contains("adp"))
        .stderr(predicate::str::contains(
            "(user-defined connectors: unlock the store to list them",
        ));
    let out = maestro(dir.path())
        .args(["connectors", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    assert!(list.iter().any(|m| m["id"] == "quickbooks"), "{list:?}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "listing creates no store"
    );
}
