//! The People, Review, Activity and Settings commands through real IPC on the mock runtime.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{WebviewUrl, WebviewWindow, WebviewWindowBuilder};

use crate::dto::{AuditEntryDto, DesktopPrefsDto, ReviewDto, SchedulesDto};
use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct Harness {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

impl Harness {
    fn new(dir: &std::path::Path) -> Result<Self, Box<dyn std::error::Error>> {
        let app = crate::build_app(mock_builder(), DesktopState::new(dir.join("data")))?;
        let window = WebviewWindowBuilder::new(&app, "main", WebviewUrl::default()).build()?;
        Ok(Self { _app: app, window })
    }

    fn call(&self, cmd: &str, body: Value) -> Result<Value, IpcError> {
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

    fn ok<T: serde::de::DeserializeOwned>(&self, cmd: &str, body: Value) -> T {
        let value = self
            .call(cmd, body)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e:?}"));
        serde_json::from_value(value).expect("shape")
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

    let saved: Value = h.ok(
        "save_audit_log",
        json!({"query": {"action": null, "from": null, "to": null, "limit": null},
               "format": "csv", "path": dir.path().join("audit.csv")}),
    );
    assert!(saved["entries"].as_u64().unwrap_or(0) >= 3, "{saved}");
    let csv = std::fs::read_to_string(dir.path().join("audit.csv"))?;
    assert!(csv.starts_with("seq,at,actor,action,target"));
    let again = h
        .call(
            "save_audit_log",
            json!({"query": {"action": null, "from": null, "to": null, "limit": null},
                   "format": "csv", "path": dir.path().join("audit.csv")}),
        )
        .expect_err("an existing file is never overwritten");
    assert_eq!(again.field.as_deref(), Some("path"));

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
