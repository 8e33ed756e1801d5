//! Sensitive fields (SSN, birth date, bank numbers, credentials, the passphrase) never appear in
//! `Debug` output or in what the engine logs while storing and reading them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, TimeZone, Utc};
use maestro_core::model::{
    BankAccount, BankAccountType, Employee, EmploymentStatus, PhoneKind, PhoneNumber, Provenance,
};
use maestro_core::sensitive::{REDACTED, Sensitive};
use maestro_store::records;
use maestro_store::{NewKey, Passphrase, Store, Unlock, companies, connections};
use serde_json::json;

const SSN: &str = "987-65-4329";
const BIRTH_DATE: &str = "1979-03-14";
const ACCOUNT_NUMBER: &str = "004417263955";
const ROUTING_NUMBER: &str = "121042882";
const API_KEY: &str = "bhr_live_Zq8YwT3nK0pL5sVd";
const PASSPHRASE: &str = "redaction passphrase that is long";

/// A `MakeWriter` appending everything into one shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn birth_date() -> NaiveDate {
    NaiveDate::parse_from_str(BIRTH_DATE, "%Y-%m-%d").unwrap()
}

fn employee(provenance: Provenance, company_id: maestro_core::ids::CompanyId) -> Employee {
    Employee {
        provenance,
        company_id,
        first_name: Some("Grace".into()),
        middle_name: None,
        last_name: Some("Hopper".into()),
        preferred_name: None,
        display_full_name: Some("Grace Hopper".into()),
        employee_number: Some("E-0042".into()),
        work_email: Some("grace@example.test".into()),
        personal_email: None,
        phone_numbers: vec![PhoneNumber {
            number: "+1 555 0100".into(),
            kind: PhoneKind::Work,
        }],
        date_of_birth: Some(Sensitive::new(birth_date())),
        ssn: Some(Sensitive::new(SSN.to_owned())),
        employment_status: EmploymentStatus::Active,
        hire_date: NaiveDate::from_ymd_opt(2020, 1, 6),
        start_date: NaiveDate::from_ymd_opt(2020, 1, 6),
        termination_date: None,
        manager_remote_id: None,
        department_remote_id: Some("d-7".into()),
        work_location_remote_id: None,
        home_location_remote_id: None,
        custom_fields: BTreeMap::new(),
        raw: json!({"id": "e-42"}).into(),
    }
}

fn bank_account(provenance: Provenance, company_id: maestro_core::ids::CompanyId) -> BankAccount {
    BankAccount {
        provenance,
        company_id,
        employee_remote_id: "e-42".into(),
        bank_name: Some("First Test Bank".into()),
        routing_number: Some(Sensitive::new(ROUTING_NUMBER.to_owned())),
        account_number: Some(Sensitive::new(ACCOUNT_NUMBER.to_owned())),
        account_last4: Some("3955".into()),
        account_type: Some(BankAccountType::Checking),
        raw: json!({"id": "b-42"}).into(),
    }
}

/// Every secret, with the forms it could be printed in.
fn secrets() -> Vec<(&'static str, String)> {
    vec![
        ("ssn", SSN.to_owned()),
        ("ssn digits", SSN.replace('-', "")),
        ("birth date", BIRTH_DATE.to_owned()),
        ("birth date (Debug)", format!("{:?}", birth_date())),
        ("account number", ACCOUNT_NUMBER.to_owned()),
        ("routing number", ROUTING_NUMBER.to_owned()),
        ("api key", API_KEY.to_owned()),
        ("passphrase", PASSPHRASE.to_owned()),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for (name, secret) in secrets() {
        assert!(
            !text.contains(&secret),
            "{what} shows the {name} ({secret}):\n{text}"
        );
    }
}

#[test]
fn debug_output_redacts_sensitive_fields() {
    let company = maestro_core::ids::CompanyId::new();
    let connection = maestro_core::ids::ConnectionId::new();
    let emp = employee(Provenance::new(connection, "bamboohr", "e-42"), company);
    let bank = bank_account(Provenance::new(connection, "gusto", "b-42"), company);
    for text in [
        format!("{emp:?}"),
        format!("{emp:#?}"),
        format!("{bank:?}"),
        format!("{bank:#?}"),
        format!("{:?}", Passphrase::new(PASSPHRASE)),
        format!("{:?}", Sensitive::new(json!({"api_key": API_KEY}))),
    ] {
        assert_clean("Debug output", &text);
        assert!(text.contains(REDACTED), "{text}");
    }
    // The non-sensitive fields still show, so the check above is not vacuous.
    assert!(format!("{emp:?}").contains("Hopper"));
    assert!(format!("{bank:?}").contains("First Test Bank"));
}

#[tokio::test]
async fn logs_never_show_sensitive_fields() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let store = Store::create(&dir, NewKey::Passphrase(Passphrase::new(PASSPHRASE)))
        .await
        .unwrap();

    let mut tx = store.write().await.unwrap();
    let company = companies::insert(tx.conn(), "Redaction Co", at)
        .await
        .unwrap();
    let connection = connections::insert(
        tx.conn(),
        company.id,
        "bamboohr",
        "BambooHR",
        &json!({"subdomain": "redaction"}),
        at,
    )
    .await
    .unwrap();
    let emp = employee(
        Provenance::new(connection.id, "bamboohr", "e-42"),
        company.id,
    );
    let bank = bank_account(
        Provenance::new(connection.id, "bamboohr", "b-42"),
        company.id,
    );
    let stored_emp = records::put_entity(tx.conn(), company.id, &emp, None, at)
        .await
        .unwrap();
    records::put_entity(tx.conn(), company.id, &bank, None, at)
        .await
        .unwrap();
    connections::save_credential(
        tx.conn(),
        company.id,
        connection.id,
        "api_key",
        &Sensitive::new(json!({"api_key": API_KEY})),
        None,
        at,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    store.close().await;

    // Reopen (the passphrase goes through key derivation again) and read everything back.
    let store = Store::open(&dir, &Unlock::passphrase(Passphrase::new(PASSPHRASE)))
        .await
        .unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    let history = records::history(&mut conn, company.id, stored_emp.record_id)
        .await
        .unwrap();
    let back: Employee = history.last().unwrap().entity().unwrap();
    assert_eq!(back, emp);
    assert_eq!(back.ssn.as_ref().unwrap().expose(), SSN);
    let current = records::current_page(&mut conn, company.id, None, None, 100)
        .await
        .unwrap();
    let bank_back: BankAccount = current
        .iter()
        .find(|r| r.remote_id == "b-42")
        .unwrap()
        .entity()
        .unwrap();
    assert_eq!(bank_back, bank);
    let (kind, secret) = connections::load_credential(&mut conn, company.id, connection.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kind, "api_key");
    assert_eq!(secret.expose()["api_key"], API_KEY);

    tracing::info!(?back, "synced");
    tracing::info!(employee = ?emp, bank = ?bank_back, credential = ?secret, "synced");
    tracing::debug!(?store, "store in use");
    drop(conn);
    store.close().await;

    let log = capture.text();
    assert!(!log.trim().is_empty(), "the log capture caught nothing");
    // The store's own events are usually captured too, but tracing caches each call site's
    // interest process-wide, so with other tests logging in parallel a scoped subscriber can
    // miss them. maestro-store's `tests/logs` checks every thread's events in a process of
    // its own; here the test's own events (which print the sensitive values' holders) suffice.
    assert!(log.contains("synced"), "{log}");
    assert!(log.contains(REDACTED), "nothing was redacted in:\n{log}");
    assert!(
        log.contains("Hopper"),
        "the employee was not logged:\n{log}"
    );
    assert_clean("the log", &log);
    // Nor the database key derived from the passphrase.
    let maestro_store::KeyMeta::Passphrase { kdf } = Store::key_meta(&dir).unwrap() else {
        panic!("a passphrase store has passphrase key metadata");
    };
    let key = kdf.derive(&Passphrase::new(PASSPHRASE)).unwrap().to_hex();
    assert!(
        !log.contains(key.as_str()),
        "the log shows the database key"
    );
}
