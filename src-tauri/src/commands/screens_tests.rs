//! The People, Review, Activity and Settings commands through real IPC on the mock runtime.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

use crate::dto::{AuditEntryDto, DesktopPrefsDto, ReviewDto, SchedulesDto};
use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The app on the mock runtime with its main window, for driving commands through IPC
/// (shared by the command modules' tests).
pub(super) struct Harness {
    pub(super) app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

impl Harness {
    pub(super) fn new(dir: &std::path::Path) -> Result<Self, Box<dyn std::error::Error>> {
        let app = crate::build_app(mock_builder(), DesktopState::new(dir.join("data")))?;
        let window = WebviewWindowBuilder::new(&app, "main", WebviewUrl::default()).build()?;
        Ok(Self { app, window })
    }

    pub(super) fn call(&self, cmd: &str, body: Value) -> Result<Value, IpcError> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.window, request)
            .map(|r| r.deserialize::<Value>().expect("json"))
            .map_err(|e| serde_json::from_value(e).expect("an IpcError"))
    }

    pub(super) fn ok<T: serde::de::DeserializeOwned>(&self, cmd: &str, body: Value) -> T {
        let value = self
            .call(cmd, body)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e:?}"));
        serde_json::from_value(value).expect("shape")
    }

    /// Creates the Bluebird Bakery store, connects the sandbox's `providers` and syncs them;
    /// the running sandbox (for the caller to shut down) and the people the store then lists.
    pub(super) fn synced_people(
        &self,
        providers: &[maestro_sandbox::Provider],
    ) -> (maestro_sandbox::Sandbox, Vec<crate::dto::PersonDto>) {
        let _: Value = self.ok(
            "create_store",
            json!({"company": "Bluebird Bakery", "passphrase": "correct horse battery staple"}),
        );
        let state = self.app.state::<DesktopState>();
        let sandbox = tauri::async_runtime::block_on(async {
            let app = state.app().await.unwrap();
            let company = app.company(None).await.unwrap();
            let sandbox =
                maestro_sandbox::Sandbox::start(maestro_sandbox::SandboxConfig::default())
                    .await
                    .unwrap();
            for p in providers {
                app.connect_sandbox_provider(&company, &sandbox, *p)
                    .await
                    .unwrap();
            }
            sandbox
        });
        let _: Value = self.ok("sync_now", json!({"connection": null}));
        let people: Vec<crate::dto::PersonDto> = self.ok("people", json!({}));
        (sandbox, people)
    }
}

#[test]
fn screens_read_an_empty_store_and_settings_persist_until_locked() -> TestResult {
    let dir = tempfile::tempdir()?;
    let h = Harness::new(dir.path())?;
    let _: Value = h.ok(
        "create_store",
        json!({"company": "Bluebird Bakery", "passphrase": "correct horse battery staple"}),
    );

    let people: Vec<Value> = h.ok("people", json!({}));
    assert!(people.is_empty());
    let review: ReviewDto = h.ok("review_queue", json!({}));
    assert!(review.conflicts.is_empty() && review.pending_writes.is_empty());
    let schedules: SchedulesDto = h.ok("schedules", json!({}));
    assert!(!schedules.paused_globally && schedules.connections.is_empty());
    let days: Vec<Value> = h.ok("daily_activity", json!({"days": 14}));
    assert_eq!(days.len(), 14);

    let prefs: DesktopPrefsDto = h.ok("desktop_prefs", json!({}));
    assert_eq!(
        prefs,
        DesktopPrefsDto {
            notifications: true,
            autostart: false
        }
    );
    let _: Value = h.ok(
        "set_desktop_pref",
        json!({"pref": "notifications", "on": false}),
    );
    let _: Value = h.ok("set_sync_paused", json!({"paused": true}));
    let prefs: DesktopPrefsDto = h.ok("desktop_prefs", json!({}));
    assert!(!prefs.notifications);
    let schedules: SchedulesDto = h.ok("schedules", json!({}));
    assert!(schedules.paused_globally);

    // The audit log says who changed the setting; a filter by action finds it.
    let entries: Vec<AuditEntryDto> = h.ok(
        "audit_log",
        json!({"query": {"action": "settings", "from": null, "to": null, "limit": null}}),
    );
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].target, "desktop.notifications");
    let bad = h
        .call(
            "audit_log",
            json!({"query": {"action": null, "from": "yesterday", "to": null, "limit": null}}),
        )
        .expect_err("a date that is not one is refused");
    assert_eq!(bad.field.as_deref(), Some("from"));

    // The save dialog is answered from a file: the path, the same path again, then a cancel.
    let answers = dir.path().join("dialog-answers");
    let audit_csv = dir.path().join("audit.csv");
    std::fs::write(&answers, format!("{0}\n{0}\n\n", audit_csv.display()))?;
    h.app
        .state::<crate::file_dialog::DialogHook>()
        .answer_from(answers);
    let all = json!({"query": {"action": null, "from": null, "to": null, "limit": null}, "format": "csv"});
    let saved: Value = h.ok("save_audit_log", all.clone());
    assert!(saved["entries"].as_u64().unwrap_or(0) >= 3, "{saved}");
    assert_eq!(saved["path"], json!(audit_csv.display().to_string()));
    let csv = std::fs::read_to_string(&audit_csv)?;
    assert!(csv.starts_with("seq,at,actor,action,target"));
    let again = h
        .call("save_audit_log", all.clone())
        .expect_err("an existing file is never overwritten");
    assert_eq!(again.field.as_deref(), Some("path"));
    let cancelled: Value = h.ok("save_audit_log", all);
    assert_eq!(cancelled, Value::Null, "a cancelled dialog saves nothing");

    // A wrong current passphrase is refused at the field.
    let wrong = h
        .call(
            "change_passphrase",
            json!({"current": "not my passphrase", "newPassphrase": "another long passphrase"}),
        )
        .expect_err("wrong current passphrase");
    assert_eq!(wrong.code, IpcErrorCode::WrongKey);
    assert_eq!(wrong.field.as_deref(), Some("current"));

    // Locking forgets the store: reads say "locked" until the owner unlocks.
    let _: Value = h.ok("lock", json!({}));
    let locked = h.call("people", json!({})).expect_err("locked");
    assert_eq!(locked.code, IpcErrorCode::PassphraseRequired);
    let _: Value = h.ok(
        "unlock",
        json!({"passphrase": "correct horse battery staple"}),
    );
    let prefs: DesktopPrefsDto = h.ok("desktop_prefs", json!({}));
    assert!(!prefs.notifications, "the setting survived the lock");
    Ok(())
}

#[test]
fn the_demo_fill_is_empty_without_the_demo_and_names_unknown_providers() -> TestResult {
    let dir = tempfile::tempdir()?;
    let h = Harness::new(dir.path())?;
    let none: Value = h.ok("sandbox_credentials", json!({"provider": "bamboohr"}));
    assert!(none.is_null());
    let err = h
        .call("sandbox_credentials", json!({"provider": "workday"}))
        .expect_err("unknown provider");
    assert_eq!(err.code, IpcErrorCode::NotFound);
    Ok(())
}

#[test]
fn demo_data_fills_people_review_and_history_and_a_pay_write_can_be_rejected() -> TestResult {
    use tauri::Manager;

    let dir = tempfile::tempdir()?;
    let h = Harness::new(dir.path())?;
    let _: Value = h.ok(
        "create_store",
        json!({"company": "Bluebird Bakery", "passphrase": "correct horse battery staple"}),
    );
    // The emulators on ephemeral ports, connected as the wizard would (not `start_demo`, so
    // this test does not depend on the demo's own ports).
    let state = h.app.state::<DesktopState>();
    let sandbox = tauri::async_runtime::block_on(async {
        let app = state.app().await.expect("unlocked");
        let company = app.company(None).await.expect("company");
        let sandbox = maestro_sandbox::Sandbox::start(maestro_sandbox::SandboxConfig::default())
            .await
            .expect("sandbox");
        app.connect_sandbox(&company, &sandbox)
            .await
            .expect("connect");
        sandbox
    });
    let _: Value = h.ok("sync_now", json!({"connection": null}));

    let people: Vec<crate::dto::PersonDto> = h.ok("people", json!({}));
    assert!(people.len() >= 25, "{}", people.len());
    let diego = people
        .iter()
        .find(|p| p.fields.iter().any(|f| f.field == "pay_rate" && !f.agree))
        .expect("someone whose pay differs between systems");
    let pay = diego
        .fields
        .iter()
        .find(|f| f.field == "pay_rate")
        .expect("pay");
    assert!(pay.values.len() >= 2, "{pay:?}");
    let history: Vec<crate::dto::HistoryEntryDto> =
        h.ok("person_history", json!({"identityId": diego.identity_id}));
    assert!(
        history.iter().any(|e| e.kind == "compensation"),
        "{history:?}"
    );
    assert!(history.iter().all(|e| e.change == "created"));

    let alerts: Vec<crate::dto::AlertDto> = h.ok("alerts", json!({}));
    let pay_alert = alerts
        .iter()
        .find(|a| a.kind == "pay_rate_mismatch")
        .expect("a pay discrepancy alert");
    let record = pay_alert
        .record_id
        .as_deref()
        .expect("the alert names a record");
    assert!(
        people
            .iter()
            .any(|p| p.records.iter().any(|r| r.record_id == record)),
        "the alert's record belongs to someone in the roster"
    );

    let review: ReviewDto = h.ok("review_queue", json!({}));
    let conflict = review.conflicts.first().expect("a difference to review");
    assert!(
        conflict.sources.iter().all(|s| s.value.money.is_some()),
        "{conflict:?}"
    );

    let check: crate::dto::CheckSummaryDto = h.ok("check_again", json!({}));
    assert!(check.awaiting_approval >= 1, "{check:?}");
    let review: ReviewDto = h.ok("review_queue", json!({}));
    let write = review
        .pending_writes
        .first()
        .expect("a write awaiting approval");
    let rejected: crate::dto::PendingWriteDto = h.ok("reject_write", json!({"id": write.id}));
    assert_eq!(rejected.status, "failed");
    let review: ReviewDto = h.ok("review_queue", json!({}));
    assert!(review.pending_writes.iter().all(|w| w.id != write.id));
    // Planning again does not bring a rejected write back.
    let _: crate::dto::CheckSummaryDto = h.ok("check_again", json!({}));
    let review: ReviewDto = h.ok("review_queue", json!({}));
    assert!(review.pending_writes.iter().all(|w| w.id != write.id));

    let kept = conflict
        .sources
        .iter()
        .find(|s| s.category == "payroll")
        .expect("payroll side");
    let resolved: crate::dto::ConflictDto = h.ok(
        "resolve_conflict",
        json!({"id": conflict.id, "keep": kept.connection_id}),
    );
    assert_eq!(resolved.status, "resolved");
    let runs: Vec<crate::dto::SyncRunDto> = h.ok("sync_runs", json!({"limit": 5}));
    assert_eq!(runs.len(), 5);
    drop(sandbox);
    Ok(())
}

#[test]
fn the_demo_fill_gives_the_running_sandboxs_address_and_key() -> TestResult {
    use tauri::Manager;

    let dir = tempfile::tempdir()?;
    let h = Harness::new(dir.path())?;
    let state = h.app.state::<DesktopState>();
    tauri::async_runtime::block_on(async {
        let sandbox = maestro_sandbox::Sandbox::start(maestro_sandbox::SandboxConfig::default())
            .await
            .expect("sandbox");
        *state.demo.lock().await = Some(sandbox);
    });
    let fill: crate::dto::SandboxFillDto =
        h.ok("sandbox_credentials", json!({"provider": "bamboohr"}));
    assert!(
        fill.base_url.starts_with("http://127.0.0.1:"),
        "{}",
        fill.base_url
    );
    assert!(fill.values.get("api_key").is_some_and(|k| !k.is_empty()));
    assert!(fill.values.contains_key("subdomain"));
    assert_eq!(fill.oauth_client_id, None);
    let gusto: crate::dto::SandboxFillDto =
        h.ok("sandbox_credentials", json!({"provider": "gusto"}));
    assert!(gusto.oauth_client_id.is_some());
    Ok(())
}
