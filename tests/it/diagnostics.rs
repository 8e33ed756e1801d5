//! Settings → "Save diagnostics": the bundle made from the demo company (BambooHR, Gusto and
//! Harvest connected with the sandbox's credentials and synced; the demo people carry no SSN or
//! bank account, so one employee with both is stored too; plus a failed run whose message and a
//! log whose lines quote every secret) holds none of the store's secrets, none of the demo
//! data's birth dates, e-mail addresses and credentials, in any file, and does hold what support
//! needs (versions, sync runs, errors, log lines).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use maestro_app::App;
use maestro_app::diagnostics::{self, AppVersion};
use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{
    BankAccount, BankAccountType, Contractor, Dependent, Employee, EmploymentStatus, EntityKind,
    Provenance,
};
use maestro_core::sensitive::Sensitive;
use maestro_http::RetryPolicy;
use maestro_sandbox::{Sandbox, SandboxConfig};
use maestro_store::{NewKey, Passphrase, StoreError, api_keys, connections, records, sync_runs};

const PASSPHRASE: &str = "correct horse battery staple";
const VERSION: &str = "0.1.0-diagnostics-test";
const WEBHOOK_SECRET: &str = "whsec_9fK2mQ7xLp4Rt8Vz";
const SSN: &str = "987-65-4329";
const ACCOUNT: &str = "004417263955";
const ROUTING: &str = "121042882";

/// An employee with an SSN and birth date, and their bank account, from `connection`.
async fn store_sensitive_person(app: &App, company: CompanyId, connection: ConnectionId) {
    let employee = Employee {
        provenance: Provenance::new(connection, "bamboohr", "e-900"),
        company_id: company,
        first_name: Some("Grace".into()),
        middle_name: None,
        last_name: Some("Hopper".into()),
        preferred_name: None,
        display_full_name: Some("Grace Hopper".into()),
        employee_number: Some("E-0900".into()),
        work_email: Some("grace.hopper@bluebird.example".into()),
        personal_email: None,
        phone_numbers: vec![],
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1979, 3, 14).map(Sensitive::new),
        ssn: Some(Sensitive::new(SSN.to_owned())),
        employment_status: EmploymentStatus::Active,
        hire_date: None,
        start_date: None,
        termination_date: None,
        manager_remote_id: None,
        department_remote_id: None,
        work_location_remote_id: None,
        home_location_remote_id: None,
        custom_fields: BTreeMap::new(),
        raw: serde_json::json!({"id": "e-900"}).into(),
    };
    let bank = BankAccount {
        provenance: Provenance::new(connection, "bamboohr", "b-900"),
        company_id: company,
        employee_remote_id: "e-900".into(),
        bank_name: Some("First Test Bank".into()),
        routing_number: Some(Sensitive::new(ROUTING.to_owned())),
        account_number: Some(Sensitive::new(ACCOUNT.to_owned())),
        account_last4: Some("3955".into()),
        account_type: Some(BankAccountType::Checking),
        raw: serde_json::json!({"id": "b-900"}).into(),
    };
    let mut conn = app.store().pool().acquire().await.unwrap();
    records::put_entity(&mut conn, company, &employee, None, app.now())
        .await
        .unwrap();
    records::put_entity(&mut conn, company, &bank, None, app.now())
        .await
        .unwrap();
}

/// The demo data's own secrets and personal data, from the sandbox's seed.
fn seeded(sandbox: &Sandbox) -> Vec<(String, String)> {
    let c = sandbox.company();
    let s = &c.secrets;
    let mut out: Vec<(String, String)> = [
        ("gusto client secret", &s.gusto_client_secret),
        ("gusto access token", &s.gusto_access_token),
        ("gusto refresh token", &s.gusto_refresh_token),
        ("gusto verification token", &s.gusto_verification_token),
        ("bamboohr api key", &s.bamboo_api_key),
        ("bamboohr webhook key", &s.bamboo_webhook_private_key),
        ("harvest token", &s.harvest_pat),
        ("harvest client secret", &s.harvest_client_secret),
    ]
    .into_iter()
    .map(|(w, v)| (w.to_owned(), v.clone()))
    .collect();
    for p in &c.people {
        out.push((
            "seeded birth date".into(),
            p.birth_date.format("%Y-%m-%d").to_string(),
        ));
        out.push((
            "seeded birth date".into(),
            p.birth_date.format("%m/%d/%Y").to_string(),
        ));
        out.push(("seeded e-mail".into(), p.work_email.clone()));
        out.push(("seeded e-mail".into(), p.home_email.clone()));
    }
    out
}

/// Every string inside a credential.
fn leaves(value: &serde_json::Value, out: &mut Vec<(String, String)>, what: &str) {
    match value {
        serde_json::Value::String(s) if s.len() >= 8 => out.push((what.to_owned(), s.clone())),
        serde_json::Value::Array(items) => items.iter().for_each(|v| leaves(v, out, what)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                leaves(v, out, &format!("{what}.{k}"));
            }
        }
        _ => {}
    }
}

fn text(v: Option<&Sensitive<String>>, what: &str, out: &mut Vec<(String, String)>) {
    if let Some(v) = v {
        out.push((what.to_owned(), v.expose().clone()));
        let digits: String = v.expose().chars().filter(char::is_ascii_digit).collect();
        out.push((format!("{what} (digits)"), digits));
    }
}

fn date(v: Option<&Sensitive<chrono::NaiveDate>>, what: &str, out: &mut Vec<(String, String)>) {
    if let Some(d) = v {
        out.push((what.to_owned(), d.expose().format("%Y-%m-%d").to_string()));
        out.push((what.to_owned(), d.expose().format("%m/%d/%Y").to_string()));
    }
}

/// The secrets and personal data the store holds, read here independently of the scrubber.
async fn secrets_in(app: &App) -> Vec<(String, String)> {
    let mut out = vec![("passphrase".to_owned(), PASSPHRASE.to_owned())];
    let mut conn = app.store().pool().acquire().await.unwrap();
    for company in maestro_store::companies::list(&mut conn).await.unwrap() {
        for c in connections::list(&mut conn, company.id).await.unwrap() {
            let (_, secret) = connections::load_credential(&mut conn, company.id, c.id)
                .await
                .unwrap()
                .expect("every demo connection has a credential");
            leaves(
                secret.expose(),
                &mut out,
                &format!("{} credential", c.provider),
            );
            if let Some(s) = api_keys::webhook_secret(&mut conn, company.id, c.id)
                .await
                .unwrap()
            {
                out.push(("webhook secret".into(), s.expose().clone()));
            }
        }
        records::for_each_current(&mut conn, company.id, EntityKind::Employee, |r| {
            let e: Employee = r.entity()?;
            text(e.ssn.as_ref(), "ssn", &mut out);
            date(e.date_of_birth.as_ref(), "birth date", &mut out);
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
        records::for_each_current(&mut conn, company.id, EntityKind::Contractor, |r| {
            let c: Contractor = r.entity()?;
            text(c.tax_id.as_ref(), "tax id", &mut out);
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
        records::for_each_current(&mut conn, company.id, EntityKind::Dependent, |r| {
            let d: Dependent = r.entity()?;
            text(d.ssn.as_ref(), "dependent ssn", &mut out);
            date(d.date_of_birth.as_ref(), "dependent birth date", &mut out);
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
        records::for_each_current(&mut conn, company.id, EntityKind::BankAccount, |r| {
            let b: BankAccount = r.entity()?;
            text(b.routing_number.as_ref(), "routing number", &mut out);
            text(b.account_number.as_ref(), "account number", &mut out);
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
    }
    out.retain(|(_, v)| v.len() >= 4);
    out
}

#[tokio::test]
async fn the_bundle_holds_no_secret_or_personal_datum_of_the_demo_company() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let app = App::init(
        &dir.path().join("data"),
        NewKey::Passphrase(Passphrase::new(PASSPHRASE)),
        "Bluebird Bakery",
        Arc::new(SystemClock),
    )
    .await
    .unwrap()
    .with_retry_policy(RetryPolicy::fast());
    let company = app.company(None).await.unwrap();
    let connected = app.connect_sandbox(&company, &sandbox).await.unwrap();
    for c in &connected {
        crate::support::sync_clean(&app, company.id, c.id).await;
    }
    let gusto = connected.iter().find(|c| c.provider == "gusto").unwrap();
    let mut conn = app.store().pool().acquire().await.unwrap();
    api_keys::set_webhook_secret(
        &mut conn,
        company.id,
        gusto.id,
        &Sensitive::new(WEBHOOK_SECRET.to_owned()),
        app.now(),
    )
    .await
    .unwrap();
    drop(conn);
    let bamboo = connected.iter().find(|c| c.provider == "bamboohr").unwrap();
    store_sensitive_person(&app, company.id, bamboo.id).await;

    let mut secrets = secrets_in(&app).await;
    secrets.extend(seeded(&sandbox));
    let has = |what: &str| secrets.iter().any(|(w, _)| w.starts_with(what));
    for what in [
        "passphrase",
        "bamboohr credential",
        "gusto credential",
        "harvest credential",
    ] {
        assert!(has(what), "the demo company has no {what}: {secrets:?}");
    }
    for what in [
        "ssn",
        "birth date",
        "account number",
        "routing number",
        "webhook secret",
        "seeded birth date",
        "seeded e-mail",
    ] {
        assert!(has(what), "the demo company has no {what}");
    }
    let ssn = &secrets.iter().find(|(w, _)| w == "ssn").unwrap().1;
    let account = &secrets
        .iter()
        .find(|(w, _)| w == "account number")
        .unwrap()
        .1;
    let api_key = &secrets
        .iter()
        .find(|(w, _)| w.starts_with("bamboohr credential"))
        .unwrap()
        .1;

    // A failed run whose message quotes secrets, as a careless provider error might.
    let mut conn = app.store().pool().acquire().await.unwrap();
    let run = sync_runs::NewRun {
        id: "run-with-a-leaky-error",
        company_id: company.id,
        connection_id: bamboo.id,
        entity: "employee",
        mode: "full",
        trigger: "manual",
    };
    sync_runs::start(&mut conn, &run, app.now()).await.unwrap();
    let leaky = format!("HTTP 400: employee {ssn} rejected; account {account}; key {api_key}");
    sync_runs::finish(
        &mut conn,
        run.id,
        Some(("provider_error", &leaky)),
        app.now(),
    )
    .await
    .unwrap();
    drop(conn);

    // A log that quotes secrets too (the app never logs them; the bundle must not rely on it).
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut log = String::from("2026-12-07T10:00:00Z  INFO maestro_sync: sync finished ok\n");
    // (Not the passphrase: nothing holds it after unlocking, so nothing could log it; the
    // bundle is still searched for it below.)
    for (what, secret) in secrets.iter().filter(|(w, _)| w != "passphrase") {
        log.push_str(&format!(
            "2026-12-07T10:00:01Z DEBUG leak: {what} = {secret}\n"
        ));
    }
    std::fs::write(logs.join("maestro.2026-12-07.log"), log).unwrap();

    let to = dir.path().join("diagnostics.zip");
    let about = AppVersion {
        name: "Integration Maestro".into(),
        version: VERSION.into(),
    };
    let saved = app.save_diagnostics(&about, &logs, &to).await.unwrap();
    assert!(saved.sync_runs > 3, "{saved:?}");
    assert_eq!(saved.log_lines, secrets.len(), "{saved:?}");

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&to).unwrap()).unwrap();
    let mut files = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.insert(entry.name().to_owned(), bytes);
    }
    assert_eq!(
        files.keys().map(String::as_str).collect::<Vec<_>>(),
        ["README.txt", "recent.log", "report.json"]
    );
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for (what, secret) in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{name} holds the {what} {secret}"
            );
        }
        assert!(
            !text.contains(WEBHOOK_SECRET),
            "{name} holds the webhook secret"
        );
    }

    // What support needs is there.
    let report: serde_json::Value = serde_json::from_slice(&files["report.json"]).unwrap();
    assert_eq!(report["versions"]["app"]["version"], VERSION);
    assert!(
        report["versions"]["cipher"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
    let companies = report["companies"].as_array().unwrap();
    let runs = companies[0]["sync_runs"].as_array().unwrap();
    assert!(
        runs.iter()
            .any(|r| r["status"] == "succeeded" && r["provider"] == "gusto")
    );
    let failed = runs
        .iter()
        .find(|r| r["id"] == "run-with-a-leaky-error")
        .unwrap();
    assert_eq!(failed["error_kind"], "provider_error");
    let message = failed["error_message"].as_str().unwrap();
    assert!(
        message.starts_with("HTTP 400: employee [scrubbed]"),
        "{message}"
    );
    assert_eq!(companies[0]["failed_runs"], 1);
    let providers: Vec<&str> = companies[0]["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["provider"].as_str().unwrap())
        .collect();
    assert_eq!(providers.len(), 3, "{providers:?}");
    assert!(
        companies[0]["connections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["has_credential"] == true)
    );
    assert!(
        companies[0]["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r[0] == "employee" && r[1].as_i64() > Some(20))
    );
    let log = String::from_utf8_lossy(&files["recent.log"]);
    assert!(log.contains("sync finished ok"), "{log}");
    assert!(String::from_utf8_lossy(&files["README.txt"]).contains(VERSION));
    // The log folder is the data folder's for a chosen one.
    assert_eq!(
        diagnostics::log_dir(&dir.path().join("data")),
        dir.path().join("data").join("logs")
    );
}
