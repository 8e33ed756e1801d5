//! Signed updates against a local update server (axum on 127.0.0.1) that serves a static
//! `latest.json` and the package, signed in the test with the committed TEST key
//! (`tests/fixtures/updater/test-only.key`, empty password) the way `cargo tauri signer sign`
//! signs (minisign, prehashed, the version in the trusted comment).
//!
//! The app is the real one (`build_app` with the updater plugin) on Tauri's mock runtime. The
//! test binary carries no bundle-type marker, so the plugin installs the way it does for an
//! AppImage: it replaces the program at `UpdateSource::executable`, here a copy in a temp
//! folder. Check, download, minisign verification and the replacement are the plugin's real
//! code; the `.deb` step (`pkexec dpkg -i` on the owner's machine) is not run here.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use base64::Engine;
use chrono::{TimeZone, Utc};
use maestro_app::App;
use maestro_core::clock::SystemClock;
use maestro_core::model::{CanonicalRecord, Department, EntityKind, Provenance};
use maestro_desktop::state::DesktopState;
use maestro_desktop::updates::{self, UpdateError, UpdateSource, Updates};
use maestro_store::{NewKey, Passphrase, batch, records};
use serde_json::json;
use tauri::Manager;
use tauri::test::MockRuntime;

const PASSPHRASE: &str = "correct horse battery staple";
const NEW_VERSION: &str = "0.2.0";
const NOTES: &str = "What changed: backups are chosen in a native dialog.";

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/updater")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// The committed test key pair (secret key decrypted with its empty password).
fn test_keys() -> (String, minisign::SecretKey) {
    let sk_box = String::from_utf8(b64().decode(fixture("test-only.key").trim()).unwrap()).unwrap();
    let sk = minisign::SecretKeyBox::from_string(&sk_box)
        .unwrap()
        .into_secret_key(Some(String::new()))
        .unwrap();
    (fixture("test-only.key.pub").trim().to_owned(), sk)
}

/// A key pair nobody trusts.
fn other_keys() -> minisign::SecretKey {
    minisign::KeyPair::generate_unencrypted_keypair()
        .unwrap()
        .sk
}

/// The `.sig` content for `bytes` as `cargo tauri signer sign` writes it: base64 of the
/// minisign signature box, the version in the trusted comment.
fn sign(sk: &minisign::SecretKey, bytes: &[u8], file: &str, version: &str) -> String {
    let trusted = format!("timestamp:1765000000\tfile:{file}\tversion:{version}");
    let signature = minisign::sign(
        None,
        sk,
        Cursor::new(bytes),
        Some(&trusted),
        Some("signature from tauri secret key"),
    )
    .unwrap();
    b64().encode(signature.to_string())
}

/// A runnable program of `version`: a copy of `/bin/true` with the version appended (an ELF
/// file, as the AppImage installer requires; trailing bytes do not change what it runs).
fn program(version: &str) -> Vec<u8> {
    let mut bytes = std::fs::read("/bin/true").unwrap();
    bytes.extend_from_slice(format!("\nIntegration Maestro {version}\n").as_bytes());
    bytes
}

#[derive(Clone)]
struct Served {
    manifest: serde_json::Value,
    package: Arc<Vec<u8>>,
}

/// The local update server; returns its manifest address.
async fn serve(signature: String, package_served: Vec<u8>) -> url::Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let platform = json!({
        "url": format!("{base}/download/integration-maestro_{NEW_VERSION}_amd64.AppImage"),
        "signature": signature,
    });
    let served = Served {
        manifest: json!({
            "version": NEW_VERSION,
            "notes": NOTES,
            "pub_date": "2026-12-07T12:00:00Z",
            "platforms": {
                "linux-x86_64": platform,
                "linux-x86_64-deb": platform,
            }
        }),
        package: Arc::new(package_served),
    };
    let router = Router::new()
        .route(
            "/latest.json",
            get(|State(s): State<Served>| async move { axum::Json(s.manifest) }),
        )
        .route(
            "/download/{file}",
            get(|State(s): State<Served>| async move { s.package.as_ref().clone() }),
        )
        .with_state(served);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("{base}/latest.json").parse().unwrap()
}

struct Setup {
    dir: tempfile::TempDir,
    app: tauri::App<MockRuntime>,
    installed: PathBuf,
    source: UpdateSource,
}

impl Setup {
    /// The app over a temp data folder, "installed" as a program of version 0.1.0 in the same
    /// temp folder, pointed at `endpoint` and trusting the test key.
    fn new(endpoint: url::Url) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = maestro_desktop::build_app(
            tauri::test::mock_builder(),
            DesktopState::new(dir.path().join("data")),
        )
        .unwrap();
        let installed = dir.path().join("Integration Maestro.AppImage");
        std::fs::write(&installed, program(env!("CARGO_PKG_VERSION"))).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&installed, std::fs::Permissions::from_mode(0o755)).unwrap();
        let source = UpdateSource {
            endpoint: Some(endpoint),
            pubkey: Some(test_keys().0),
            executable: Some(installed.clone()),
        };
        Self {
            dir,
            app,
            installed,
            source,
        }
    }

    fn installed_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.installed).unwrap()
    }

    /// Checks (a newer version with its notes must be found), then installs.
    async fn check_and_install(&self) -> Result<String, UpdateError> {
        let handle = self.app.handle();
        let found = updates::check(handle, &self.source)
            .await
            .unwrap()
            .expect("an update");
        assert_eq!(found.version, NEW_VERSION);
        assert_eq!(found.current_version, env!("CARGO_PKG_VERSION"));
        assert_eq!(found.notes.as_deref(), Some(NOTES));
        assert_eq!(found.published.as_deref(), Some("2026-12-07T12:00:00Z"));
        updates::install(handle, &self.source).await
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_newer_signed_version_installs() {
    let rt = runtime();
    let (_, sk) = test_keys();
    let package = program(NEW_VERSION);
    let signature = sign(&sk, &package, "integration-maestro.AppImage", NEW_VERSION);
    let endpoint = rt.block_on(serve(signature, package.clone()));
    let setup = Setup::new(endpoint);
    assert_ne!(setup.installed_bytes(), package);

    let installed = rt.block_on(setup.check_and_install()).unwrap();

    assert_eq!(installed, NEW_VERSION);
    assert_eq!(
        setup.installed_bytes(),
        package,
        "the new version is what is installed"
    );
    let status = std::process::Command::new(&setup.installed)
        .status()
        .unwrap();
    assert!(status.success(), "the installed program runs");
    let state = setup.app.handle().state::<Updates>();
    let after = state.status(env!("CARGO_PKG_VERSION"), Default::default());
    assert_eq!(after.available, None, "nothing is waiting any more");
    assert_eq!(after.last_error, None);
}

#[test]
fn a_tampered_package_is_refused_and_nothing_is_installed() {
    let rt = runtime();
    let (_, sk) = test_keys();
    let package = program(NEW_VERSION);
    let signature = sign(&sk, &package, "integration-maestro.AppImage", NEW_VERSION);
    let mut tampered = package.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let endpoint = rt.block_on(serve(signature, tampered));
    let setup = Setup::new(endpoint);
    let before = setup.installed_bytes();

    let err = rt.block_on(setup.check_and_install()).unwrap_err();

    assert_eq!(err, UpdateError::BadSignature);
    assert_eq!(
        err.to_string(),
        "The update could not be verified: its signature does not match the Integration Maestro signing key. Nothing was installed."
    );
    assert_eq!(
        setup.installed_bytes(),
        before,
        "the installed program is unchanged"
    );
    let state = setup.app.handle().state::<Updates>();
    let after = state.status(env!("CARGO_PKG_VERSION"), Default::default());
    assert_eq!(after.last_error.as_deref(), Some(err.to_string().as_str()));
    assert!(
        after.available.is_some(),
        "the update is still offered (it may be fixed)"
    );
}

#[test]
fn a_package_signed_with_another_key_is_refused() {
    let rt = runtime();
    let package = program(NEW_VERSION);
    let signature = sign(
        &other_keys(),
        &package,
        "integration-maestro.AppImage",
        NEW_VERSION,
    );
    let endpoint = rt.block_on(serve(signature, package));
    let setup = Setup::new(endpoint);
    let before = setup.installed_bytes();

    let err = rt.block_on(setup.check_and_install()).unwrap_err();

    assert_eq!(err, UpdateError::OtherKey);
    assert!(
        err.to_string()
            .starts_with("The update could not be verified: it was signed with a different key"),
        "{err}"
    );
    assert_eq!(setup.installed_bytes(), before);
}

#[test]
fn a_signature_for_another_version_is_refused() {
    let rt = runtime();
    let (_, sk) = test_keys();
    // An older package, validly signed as 0.1.5, announced as 0.2.0.
    let package = program("0.1.5");
    let signature = sign(&sk, &package, "integration-maestro.AppImage", "0.1.5");
    let endpoint = rt.block_on(serve(signature, package));
    let setup = Setup::new(endpoint);
    let before = setup.installed_bytes();

    let err = rt.block_on(setup.check_and_install()).unwrap_err();

    assert_eq!(
        err,
        UpdateError::VersionMismatch {
            signed: "0.1.5".into(),
            announced: NEW_VERSION.into()
        }
    );
    assert_eq!(setup.installed_bytes(), before);
}

#[test]
fn the_update_waits_while_a_sync_runs() {
    let rt = runtime();
    let (_, sk) = test_keys();
    let package = program(NEW_VERSION);
    let signature = sign(&sk, &package, "integration-maestro.AppImage", NEW_VERSION);
    let endpoint = rt.block_on(serve(signature, package.clone()));
    let setup = Setup::new(endpoint);
    let before = setup.installed_bytes();
    let updates_state = setup.app.handle().state::<Updates>();
    updates_state.sync_run("run-1", true);

    let err = rt.block_on(setup.check_and_install()).unwrap_err();
    assert_eq!(err, UpdateError::SyncRunning(1));
    assert!(err.to_string().contains("does not interrupt"), "{err}");
    assert_eq!(setup.installed_bytes(), before);

    updates_state.sync_run("run-1", false);
    let installed = rt.block_on(updates::install(setup.app.handle(), &setup.source));
    assert_eq!(installed, Ok(NEW_VERSION.to_owned()));
    assert_eq!(setup.installed_bytes(), package);
}

/// Every current record (id, kind, version, data) and the number of audit entries.
async fn snapshot(app: &App) -> (Vec<(String, String, i64, serde_json::Value)>, i64) {
    let company = app.company(None).await.unwrap();
    let mut conn = app.store().pool().acquire().await.unwrap();
    let page = records::current_page(&mut conn, company.id, None, None, 1000)
        .await
        .unwrap();
    drop(conn);
    let rows = page
        .into_iter()
        .map(|r| {
            (
                r.record_id.to_string(),
                format!("{:?}", r.kind),
                r.version,
                r.data,
            )
        })
        .collect();
    let verification = app.verify_audit(&maestro_app::NoProgress).await.unwrap();
    assert!(verification.is_intact(), "{:?}", verification.breaks);
    (rows, verification.entries)
}

#[test]
fn the_data_store_survives_the_update_untouched() {
    let rt = runtime();
    let (_, sk) = test_keys();
    let package = program(NEW_VERSION);
    let signature = sign(&sk, &package, "integration-maestro.AppImage", NEW_VERSION);
    let endpoint = rt.block_on(serve(signature, package.clone()));
    let setup = Setup::new(endpoint);
    let data = setup.dir.path().join("data");

    let before = rt.block_on(async {
        let app = App::init(
            &data,
            NewKey::Passphrase(Passphrase::new(PASSPHRASE)),
            "Bluebird Bakery",
            Arc::new(SystemClock),
        )
        .await
        .unwrap();
        let company = app.company(None).await.unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        let mut tx = app.store().write().await.unwrap();
        let connection = maestro_store::connections::insert(
            tx.conn(),
            company.id,
            "bamboohr",
            "BambooHR",
            &json!({}),
            at,
        )
        .await
        .unwrap()
        .id;
        let departments: Vec<CanonicalRecord> = (0..12)
            .map(|i| {
                CanonicalRecord::Department(Department {
                    provenance: Provenance::new(connection, "bamboohr", format!("d-{i}")),
                    company_id: company.id,
                    name: format!("Ovens, shift {i}"),
                    parent_remote_id: None,
                    raw: json!({"id": format!("d-{i}"), "name": format!("Ovens, shift {i}")})
                        .into(),
                })
            })
            .collect();
        batch::put_many(tx.conn(), &departments, None, at)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let before = snapshot(&app).await;
        assert_eq!(before.0.len(), 12);
        assert!(
            before
                .0
                .iter()
                .all(|r| r.1 == format!("{:?}", EntityKind::Department))
        );
        // The owner has it open (unlocked) when the update installs, as in the app.
        let state = setup.app.handle().state::<DesktopState>();
        *state.app.write().await = Some(app);
        state.announce_unlocked();
        before
    });
    let files_before = listing(&data);

    let installed = rt.block_on(async {
        let installed = setup.check_and_install().await;
        // The install command then closes the store before restarting.
        setup.app.handle().state::<DesktopState>().lock().await;
        installed
    });
    assert_eq!(installed, Ok(NEW_VERSION.to_owned()));
    assert_eq!(setup.installed_bytes(), package);

    // The new version opens the same store: the same records, and the audit chain holds.
    let after = rt.block_on(async {
        let app = App::open(
            &data,
            Some(Passphrase::new(PASSPHRASE)),
            Arc::new(SystemClock),
        )
        .await
        .unwrap();
        let after = snapshot(&app).await;
        app.close().await;
        after
    });
    assert_eq!(after.0, before.0, "every record and version is as it was");
    assert!(
        after.1 >= before.1,
        "the audit log only grew ({} → {})",
        before.1,
        after.1
    );
    let files_after = listing(&data);
    for file in &files_before {
        assert!(
            files_after.contains(file),
            "{file} is still in the data folder: {files_after:?}"
        );
    }
}

/// The names in the data folder (the WAL and shared-memory files come and go with the store).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect();
    names.sort();
    names
}
