//! End-to-end test of the real app window through WebDriver: `tauri-driver` in front of
//! WebKitWebDriver drives the built desktop binary (with the embedded UI) under Xvfb.
//!
//! Needs a display, `tauri-driver` on the PATH and `MAESTRO_E2E_APP` pointing at a
//! `maestro-desktop` built with `--features custom-protocol` — `tests/run` provides all three,
//! so the test is `#[ignore]`d for plain `cargo test` and runs there with `--include-ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

/// Where the demo's BambooHR emulator listens (see `commands::demo::DEMO_PORTS`).
const DEMO_BAMBOOHR: &str = "http://127.0.0.1:47812";
/// How long a step may take before the test fails (first syncs run in a debug build).
const STEP: Duration = Duration::from_secs(60);

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `tauri-driver`, stopped with SIGTERM (a SIGKILL would orphan WebKitWebDriver, which then
/// holds the test's output open).
struct TauriDriver {
    child: Child,
    port: u16,
    /// Where the app looks for updates (`serve_update` answers there).
    update_port: u16,
}

impl TauriDriver {
    fn start(data_dir: &std::path::Path) -> Self {
        let port = free_port();
        let native = free_port();
        let update_port = free_port();
        // Updates are checked when asked (Settings → Check now), not on their own mid-journey.
        std::fs::create_dir_all(data_dir).unwrap();
        std::fs::write(
            data_dir.join("updates.json"),
            r#"{"check": false, "everyHours": 24}"#,
        )
        .unwrap();
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("MAESTRO_DATA_DIR", data_dir)
            // The window's remembered size and place (and other settings) of this run only.
            .env("XDG_CONFIG_HOME", config_dir(data_dir))
            // The app's file dialogs are answered from this file (debug builds only).
            .env(
                "MAESTRO_E2E_DIALOG_ANSWERS",
                data_dir.with_file_name("dialog-answers"),
            )
            .env(
                "MAESTRO_UPDATE_ENDPOINT",
                format!("http://127.0.0.1:{update_port}/latest.json"),
            )
            .env(
                "MAESTRO_UPDATE_PUBKEY",
                include_str!("fixtures/updater/test-only.key.pub").trim(),
            )
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver is not installed: run .ci/setup (cargo install tauri-driver)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            update_port,
        }
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// The config folder the app is given (`XDG_CONFIG_HOME`), beside its data folder.
fn config_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.with_file_name("config")
}

/// The ids of the processes running `app`.
fn running(app: &std::path::Path) -> Vec<String> {
    Command::new("pgrep")
        .args(["-f", &app.display().to_string()])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
}

/// Asks every process running `app` to quit (SIGTERM, which the app answers as the tray's
/// Quit: `src/signals.rs`) and waits until they have.
fn quit(app: &std::path::Path) {
    for pid in running(app) {
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !running(app).is_empty() {
        assert!(Instant::now() < deadline, "the app did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until no process runs `app` any more. Closing the WebDriver session closes the
/// window, which the app answers by hiding in the tray; so after a grace period the test ends
/// the instance itself ([`quit`]), as a relaunch would otherwise be handed to it (single
/// instance).
fn wait_for_exit(app: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !running(app).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    quit(app);
}

/// One app at a time: every launch is the same single instance on the session bus, so a
/// second test's launch would be handed to the first test's window.
static ONE_APP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn app_binary() -> PathBuf {
    let path = std::env::var_os("MAESTRO_E2E_APP")
        .map(PathBuf::from)
        .expect(
            "set MAESTRO_E2E_APP to a maestro-desktop built with `--features custom-protocol` \
         (tests/run does this)",
        );
    assert!(path.is_file(), "{} does not exist", path.display());
    path
}

/// The element with `data-testid="{id}"`, waiting for it to appear.
async fn testid(driver: &WebDriver, id: &str) -> WebDriverResult<WebElement> {
    css(driver, &format!("[data-testid='{id}']")).await
}

/// The first element matching `selector`, waiting for it to appear.
async fn css(driver: &WebDriver, selector: &str) -> WebDriverResult<WebElement> {
    driver
        .query(By::Css(selector))
        .wait(STEP, Duration::from_millis(200))
        .first()
        .await
}

/// Waits until no element matches `selector`.
async fn gone(driver: &WebDriver, selector: &str) -> WebDriverResult<()> {
    let deadline = Instant::now() + STEP;
    while !driver.find_all(By::Css(selector)).await?.is_empty() {
        if Instant::now() > deadline {
            return Err(WebDriverError::FatalError(format!(
                "“{selector}” is still in the window"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

/// Waits until the page's text contains `text`.
async fn shows(driver: &WebDriver, text: &str) -> WebDriverResult<()> {
    let deadline = Instant::now() + STEP;
    loop {
        let body = driver.find(By::Tag("body")).await?.text().await?;
        if body.contains(text) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(WebDriverError::FatalError(format!(
                "the window never showed “{text}”; it shows:\n{body}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn sandbox(action: &str) {
    let status = reqwest::Client::new()
        .post(format!("{DEMO_BAMBOOHR}/_sandbox/{action}"))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "sandbox {action}: {status}");
}

/// Replaces what an input holds with `text`, as a person would: select all, then type.
/// (WebDriver's "clear" empties the element behind React's back, which then puts its own value
/// back with the next keystroke.)
async fn fill(el: &WebElement, text: &str) -> WebDriverResult<()> {
    el.send_keys(Key::Control + "a").await?;
    el.send_keys(Key::Backspace).await?;
    el.send_keys(text).await
}

/// The button whose text contains `text`, waiting for it to appear.
async fn button(driver: &WebDriver, text: &str) -> WebDriverResult<WebElement> {
    driver
        .query(By::XPath(format!(
            "//button[contains(normalize-space(.), '{text}')]"
        )))
        .wait(STEP, Duration::from_millis(200))
        .first()
        .await
}

/// How many elements match `selector` right now.
async fn count(driver: &WebDriver, selector: &str) -> WebDriverResult<usize> {
    Ok(driver.find_all(By::Css(selector)).await?.len())
}

/// Waits until `selector` matches fewer than `before` elements.
async fn fewer(driver: &WebDriver, selector: &str, before: usize) -> WebDriverResult<()> {
    let deadline = Instant::now() + STEP;
    while count(driver, selector).await? >= before {
        if Instant::now() > deadline {
            return Err(WebDriverError::FatalError(format!(
                "“{selector}” did not go away"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

/// Clicks the first alert's "Reconnect" and returns the key field of the form it opens. A
/// click that lands while the dashboard reflows (a run's progress rows going away) misses the
/// button, so it is clicked again until the form shows.
async fn open_reconnect_form(driver: &WebDriver) -> WebDriverResult<WebElement> {
    let deadline = Instant::now() + STEP;
    loop {
        if let Some(fix) = driver
            .find_all(By::Css("[data-testid='alert-fix-reconnect']"))
            .await?
            .into_iter()
            .next()
        {
            // The button may be replaced between finding and clicking it.
            let _ = press(fix).await;
        }
        if let Ok(input) = driver
            .query(By::Css("form.reconnect input"))
            .wait(Duration::from_secs(3), Duration::from_millis(200))
            .first()
            .await
        {
            return Ok(input);
        }
        if Instant::now() > deadline {
            return Err(WebDriverError::FatalError(
                "the alert's Reconnect button never opened its form".into(),
            ));
        }
    }
}

/// Clicks `el` once it is enabled and has stopped moving. WebDriver clicks at the element's
/// centre, so a click while the page still reflows (a section opening above it, an answer
/// arriving) lands on whatever moved there, and a click on a disabled button does nothing.
async fn press(el: WebElement) -> WebDriverResult<()> {
    let deadline = Instant::now() + STEP;
    let mut last = el.rect().await?;
    loop {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let now = el.rect().await?;
        let still =
            (now.x, now.y, now.width, now.height) == (last.x, last.y, last.width, last.height);
        if (still && el.is_enabled().await?) || Instant::now() > deadline {
            return el.click().await;
        }
        last = now;
    }
}

/// Saves a screenshot named `name` into `MAESTRO_E2E_SHOTS` when that is set (for looking at
/// the screens the journey passes through); does nothing otherwise.
async fn shot(driver: &WebDriver, name: &str) -> WebDriverResult<()> {
    if let Some(dir) = std::env::var_os("MAESTRO_E2E_SHOTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir)?;
        screenshot(driver, &dir.join(format!("{name}.png"))).await?;
    }
    Ok(())
}

/// Starts repainting one nearly transparent pixel at the window's corner on every frame.
const REPAINT_START: &str = "const dot = document.createElement('div'); dot.id = 'e2e-repaint';
dot.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';
document.documentElement.appendChild(dot);
let on = false;
const tick = () => { if (!dot.isConnected) return; on = !on;
  dot.style.background = on ? 'rgba(0,0,0,0.01)' : 'rgba(0,0,0,0.02)'; requestAnimationFrame(tick); };
requestAnimationFrame(tick);";

/// Stops [`REPAINT_START`]'s repainting and takes its pixel away.
const REPAINT_STOP: &str = "document.getElementById('e2e-repaint')?.remove();";

/// Saves a screenshot of the window as `path`. WebKitGTK answers a WebDriver screenshot after
/// the page's next rendering update; the app draws without compositing (`src/rendering.rs`),
/// and then a page that does not change has no next update, so the screenshot never came back
/// (WebKitGTK 2.50; its MiniBrowser does the same with `WEBKIT_DISABLE_COMPOSITING_MODE=1`).
/// So one pixel is repainted on every frame while the screenshot is taken.
async fn screenshot(driver: &WebDriver, path: &std::path::Path) -> WebDriverResult<()> {
    driver.execute(REPAINT_START, Vec::new()).await?;
    let taken = driver.screenshot(path).await;
    driver.execute(REPAINT_STOP, Vec::new()).await?;
    taken
}

/// Unlocks an existing store with the passphrase.
async fn unlock(driver: &WebDriver) -> WebDriverResult<()> {
    fill(&css(driver, "input[name='passphrase']").await?, PASSPHRASE).await?;
    press(css(driver, "button[type='submit']").await?).await
}

const PASSPHRASE: &str = "correct horse battery staple";

/// The demo BambooHR's API key (derived from the sandbox seed, like the in-app demo's).
async fn demo_bamboohr_key() -> String {
    let sandbox = maestro_sandbox::Sandbox::start(maestro_sandbox::SandboxConfig::default())
        .await
        .unwrap();
    let key = sandbox.credentials().bamboohr.api_key;
    sandbox.shutdown().await;
    key
}

async fn owner_journey(driver: &WebDriver) -> TestResult {
    // First run: protect the new store with a passphrase.
    fill(
        &css(driver, "input[name='company']").await?,
        "Bluebird Bakery",
    )
    .await?;
    if let Some(choice) = driver
        .query(By::Css("input[name='key']"))
        .nowait()
        .all_from_selector()
        .await?
        .into_iter()
        .nth(1)
    {
        press(choice).await?;
    }
    fill(&css(driver, "input[name='passphrase']").await?, PASSPHRASE).await?;
    press(css(driver, "button[type='submit']").await?).await?;

    // Explore with demo data: three tools connected and synced.
    press(css(driver, ".choice-card").await?).await?;
    testid(driver, "screen-dashboard").await?;
    shows(driver, "Connections").await?;
    for tool in ["BambooHR", "Gusto", "Harvest"] {
        shows(driver, tool).await?;
    }
    shot(driver, "01-demo-dashboard").await?;
    // The compliance calendar, worked out from the demo's hires, leavers and payroll runs.
    let calendar = testid(driver, "compliance-calendar").await?;
    css(
        driver,
        "[data-testid='compliance-calendar'] [data-testid='cal-item']",
    )
    .await?;
    calendar.scroll_into_view().await?;
    shot(driver, "01b-compliance-calendar").await?;

    // The wizard connects BambooHR from the sandbox with an API key and runs a first sync.
    press(button(driver, "Connect a tool").await?).await?;
    testid(driver, "wizard-own-file").await?;
    testid(driver, "catalog-adp").await?;
    shot(driver, "02a-wizard-catalog").await?;
    press(button(driver, "HR system").await?).await?;
    press(button(driver, "BambooHR").await?).await?;
    press(testid(driver, "wizard-use-sandbox").await?).await?;
    shows(driver, "Filled in from the demo sandbox").await?;
    // The demo already holds this BambooHR account: connecting it twice is refused, at the
    // company domain; another account of the same tool (a second branch) is fine.
    press(testid(driver, "wizard-test").await?).await?;
    shows(driver, "already connected").await?;
    shot(driver, "02-wizard-already-connected").await?;
    fill(&testid(driver, "field-subdomain").await?, "bluebird-annex").await?;
    press(testid(driver, "wizard-test").await?).await?;
    // What syncs (with the field mapping from real sample records), then the schedule.
    css(
        driver,
        "[data-testid='mapping-preview'] [data-testid^='mapping-']",
    )
    .await?;
    shot(driver, "02c-wizard-what-syncs").await?;
    press(testid(driver, "wizard-next").await?).await?;
    testid(driver, "schedule-paused").await?;
    shot(driver, "03-wizard-schedule").await?;
    press(testid(driver, "wizard-next").await?).await?;
    press(testid(driver, "wizard-connect").await?).await?;
    testid(driver, "sync-progress").await?;
    shows(driver, "First sync done").await?;
    shot(driver, "04-first-sync-done").await?;
    press(button(driver, "Go to the dashboard").await?).await?;
    testid(driver, "screen-dashboard").await?;

    // Tools that run on provider files, through the same wizard: filled in from the sandbox,
    // tested, and a first sync (Toggl Track and Clockify: people and time entries; Rippling:
    // workers, departments, locations and pay; Checkr: background checks).
    for (category, tool, shot_name) in [
        ("Time tracking", "Toggl Track", "04b-toggl-synced"),
        ("Time tracking", "Clockify", "04c-clockify-synced"),
        ("HR system", "Rippling", "04d-rippling-synced"),
        ("Background checks", "Checkr", "04e-checkr-synced"),
        // A second payroll beside the demo's Gusto: client credentials, workers per company.
        ("Payroll", "Paychex Flex", "04f-paychex-synced"),
    ] {
        press(button(driver, "Connect a tool").await?).await?;
        if category == "Time tracking" {
            // Found with the catalog's search box, by its name.
            fill(&testid(driver, "catalog-search").await?, tool).await?;
            if tool == "Toggl Track" {
                shot(driver, "02b-catalog-search").await?;
            }
        } else {
            press(button(driver, category).await?).await?;
        }
        press(button(driver, tool).await?).await?;
        press(testid(driver, "wizard-use-sandbox").await?).await?;
        shows(driver, "Filled in from the demo sandbox").await?;
        press(testid(driver, "wizard-test").await?).await?;
        css(
            driver,
            "[data-testid='mapping-preview'] [data-testid^='mapping-']",
        )
        .await?;
        press(testid(driver, "wizard-next").await?).await?;
        testid(driver, "schedule-paused").await?;
        press(testid(driver, "wizard-next").await?).await?;
        press(testid(driver, "wizard-connect").await?).await?;
        testid(driver, "sync-progress").await?;
        shows(driver, "First sync done").await?;
        if category == "Payroll" {
            // Gusto and Paychex Flex: the preview says the routes wait for a choice.
            shows(driver, "Several Payroll tools are connected").await?;
        }
        shot(driver, shot_name).await?;
        press(button(driver, "Go to the dashboard").await?).await?;
        testid(driver, "screen-dashboard").await?;
        shows(driver, tool).await?;
    }

    // Two HR systems (the demo's BambooHR and the annex's) and two payrolls (Gusto and Paychex
    // Flex): Settings → Routes says the routes need a choice; choosing names both ends.
    press(testid(driver, "nav-settings").await?).await?;
    let routes = testid(driver, "settings-routes").await?;
    shows(driver, "2 Payroll tools are connected and none is chosen").await?;
    routes.scroll_into_view().await?;
    shot(driver, "04g-routes-need-a-choice").await?;
    for (select, tool) in [
        ("route-part-hris-select", "BambooHR"),
        ("route-part-payroll-select", "Gusto"),
        ("route-part-time_tracking-select", "Harvest"),
    ] {
        let option = format!("//select[@id='{select}']/option[normalize-space()='{tool}']");
        press(driver.find(By::XPath(option)).await?).await?;
    }
    shows(driver, "BambooHR → Gusto: new hires and terminations").await?;
    shows(driver, "Harvest → Gusto: hours per pay period").await?;
    testid(driver, "settings-routes")
        .await?
        .scroll_into_view()
        .await?;
    shot(driver, "04h-routes-chosen").await?;
    press(testid(driver, "nav-dashboard").await?).await?;
    testid(driver, "screen-dashboard").await?;

    // The key is revoked in BambooHR: the next sync raises a "reconnect" alert; with a new key
    // issued, the alert's fix reconnects and the alert goes away.
    sandbox("revoke").await;
    press(button(driver, "Sync all now").await?).await?;
    testid(driver, "alert-fix-reconnect").await?;
    // Let the run finish first: its end takes the progress rows away and refreshes every
    // list, moving the alerts under a click in flight.
    button(driver, "Sync all now").await?;
    shot(driver, "05-reconnect-alert").await?;
    sandbox("reset").await;
    let key = demo_bamboohr_key().await;
    let fixes = "[data-testid='alert-fix-reconnect']";
    while count(driver, fixes).await? > 0 {
        let before = count(driver, fixes).await?;
        let input = open_reconnect_form(driver).await?;
        fill(&input, &key).await?;
        shot(driver, "06-reconnect-form").await?;
        press(css(driver, "form.reconnect button[type='submit']").await?).await?;
        fewer(driver, fixes, before).await?;
    }

    // A conflict between BambooHR and Gusto is resolved on the Review screen.
    press(testid(driver, "nav-review").await?).await?;
    testid(driver, "screen-review").await?;
    let approve = "[data-testid^='conflict-approve-']";
    css(driver, approve).await?;
    shot(driver, "07-review").await?;
    let before = count(driver, approve).await?;
    press(css(driver, approve).await?).await?;
    fewer(driver, approve, before).await?;
    Ok(())
}

/// Settings → Back up: the save dialog (answered from `answers`, as a person would pick the
/// file) says where; the file written is a backup that restores.
async fn backup_through_the_dialog(driver: &WebDriver, answers: &std::path::Path) -> TestResult {
    let dest = answers.with_file_name("bluebird.backup");
    std::fs::write(answers, format!("{}\n", dest.display()))?;
    press(testid(driver, "nav-settings").await?).await?;
    let save = testid(driver, "backup-save").await?;
    let form = save.query(By::XPath("./ancestor::form")).first().await?;
    let passphrase = form
        .query(By::Css("input[type='password']"))
        .first()
        .await?;
    fill(&passphrase, "a long backup passphrase").await?;
    press(save).await?;
    shows(driver, "Backup saved to").await?;
    shows(driver, &dest.display().to_string()).await?;
    testid(driver, "backup-save")
        .await?
        .scroll_into_view()
        .await?;
    shot(driver, "08-backup-saved").await?;
    let restored = tempfile::tempdir()?;
    let (store, summary) = maestro_store::Store::restore(
        &dest,
        &maestro_store::Passphrase::new("a long backup passphrase"),
        &restored.path().join("data"),
        maestro_store::NewKey::Passphrase(maestro_store::Passphrase::new(
            "another long passphrase",
        )),
        chrono::Utc::now(),
    )
    .await?;
    assert!(summary.audit_entries > 0, "{summary:?}");
    store.close().await;
    Ok(())
}

/// After a relaunch: unlock, and the demo connections work again (their emulators restart on
/// the same ports). Returns the time from the window's first screen to the dashboard.
async fn relaunch_journey(driver: &WebDriver) -> Result<Duration, Box<dyn std::error::Error>> {
    css(driver, "input[name='passphrase']").await?;
    let started = Instant::now();
    unlock(driver).await?;
    testid(driver, "screen-dashboard").await?;
    shows(driver, "Connections").await?;
    let to_dashboard = started.elapsed();
    press(button(driver, "Sync all now").await?).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    gone(driver, "button[disabled].primary").await?;
    let body = driver.find(By::Tag("body")).await?.text().await?;
    assert!(
        !body.contains("needs to be reconnected") && !body.contains("could not reach"),
        "the demo connections should work after a relaunch:\n{body}"
    );
    Ok(to_dashboard)
}

/// A local update server offering version 0.2.0 (for the update prompt; installing is
/// tested in `tests/updates.rs`, so this package is never downloaded).
async fn serve_update(port: u16) {
    let manifest = serde_json::json!({
        "version": "0.2.0",
        "notes": "Backups, restores and exports are chosen in your system's file dialog.\nThe connection wizard lists every provider, grouped and searchable.",
        "pub_date": "2026-12-07T12:00:00Z",
        "platforms": { "linux-x86_64": {
            "url": format!("http://127.0.0.1:{port}/integration-maestro_0.2.0_amd64.AppImage"),
            "signature": "not downloaded by this test",
        }},
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let router = axum::Router::new().route(
        "/latest.json",
        axum::routing::get(move || async move { axum::Json(manifest) }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
}

/// Settings → Updates → Check now: the banner offers 0.2.0 with what changed, and asks before
/// it installs.
async fn update_prompt(driver: &WebDriver) -> TestResult {
    press(testid(driver, "nav-settings").await?).await?;
    press(testid(driver, "update-check").await?).await?;
    let banner = testid(driver, "update-banner").await?;
    shows(driver, "Version 0.2.0 is available.").await?;
    shows(driver, "chosen in your system's file dialog").await?;
    press(
        banner
            .query(By::Css("[data-testid='update-install']"))
            .first()
            .await?,
    )
    .await?;
    shows(driver, "will close, install version 0.2.0 and open again").await?;
    banner.scroll_into_view().await?;
    shot(driver, "update").await?;
    Ok(())
}

async fn session(port: u16, app: &std::path::Path) -> WebDriverResult<WebDriver> {
    let mut caps = thirtyfour::Capabilities::new();
    caps.set("browserName", "wry")?;
    caps.set(
        "tauri:options",
        serde_json::json!({ "application": app.display().to_string() }),
    )?;
    // tauri-driver accepts connections before the WebKitWebDriver behind it does: a session
    // request that cannot reach it fails at the HTTP level, and is tried again for a while.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match WebDriver::new(format!("http://127.0.0.1:{port}"), caps.clone()).await {
            Err(e)
                if matches!(
                    e.as_inner(),
                    thirtyfour::error::WebDriverErrorInner::HttpError(_)
                ) && Instant::now() < deadline =>
            {
                eprintln!("session not ready yet ({e}); trying again");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            other => return other,
        }
    }
}

async fn run_journey<F, T>(driver: WebDriver, journey: F) -> Result<T, Box<dyn std::error::Error>>
where
    F: AsyncFnOnce(&WebDriver) -> Result<T, Box<dyn std::error::Error>>,
{
    let outcome = journey(&driver).await;
    if outcome.is_err() {
        let shot = std::env::temp_dir().join("maestro-e2e-failure.png");
        if screenshot(&driver, &shot).await.is_ok() {
            eprintln!("screenshot of the failing window: {}", shot.display());
        }
    }
    driver.quit().await?;
    outcome
}

#[tokio::test]
#[ignore = "needs Xvfb, tauri-driver and MAESTRO_E2E_APP: run by tests/run"]
async fn an_owner_sets_up_syncs_fixes_an_alert_and_resolves_a_conflict() -> TestResult {
    let _one_app = ONE_APP.lock().await;
    let app = app_binary();
    let data = tempfile::tempdir()?;
    let tauri_driver = TauriDriver::start(&data.path().join("data"));
    serve_update(tauri_driver.update_port).await;
    let launched = Instant::now();
    let driver = session(tauri_driver.port, &app).await?;
    eprintln!("window up after {:.2?}", launched.elapsed());
    let answers = data.path().join("dialog-answers");
    let first = run_journey(driver, async |driver: &WebDriver| {
        owner_journey(driver).await?;
        backup_through_the_dialog(driver, &answers).await?;
        update_prompt(driver).await
    })
    .await;
    wait_for_exit(&app);
    first?;

    let relaunched = Instant::now();
    let driver = session(tauri_driver.port, &app).await?;
    let window_up = relaunched.elapsed();
    let to_dashboard = run_journey(driver, relaunch_journey).await;
    wait_for_exit(&app);
    let to_dashboard = to_dashboard?;
    eprintln!("relaunch: window up after {window_up:.2?}; unlock to dashboard {to_dashboard:.2?}");
    drop(tauri_driver);
    Ok(())
}

/// Where the window is and how big, once it has stopped changing (GTK applies a move or a
/// resize after the call that asked for it returns).
async fn settled_rect(driver: &WebDriver) -> WebDriverResult<(i64, i64, i64, i64)> {
    let mut last = None;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = driver.get_window_rect().await?;
        let now = (r.x, r.y, r.width, r.height);
        if last == Some(now) || Instant::now() > deadline {
            return Ok(now);
        }
        last = Some(now);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Makes the window smaller and moves it, then quits the app; returns where the window was
/// left (x, y, width, height).
async fn resize_move_and_quit(
    driver: &WebDriver,
    app: &std::path::Path,
    state_file: &std::path::Path,
) -> Result<(i64, i64, i64, i64), Box<dyn std::error::Error>> {
    css(driver, "input[name='company']").await?;
    let opened = settled_rect(driver).await?;
    assert_eq!(
        (opened.2, opened.3),
        (1200, 800),
        "a first launch opens at the configured size"
    );
    driver.set_window_rect(40, 30, 960, 640).await?;
    let left = settled_rect(driver).await?;
    assert_eq!(
        left,
        (40, 30, 960, 640),
        "the window did not take the new size and place"
    );
    assert!(!state_file.exists(), "nothing is saved before quitting");
    quit(app);
    Ok(left)
}

/// The owner makes the window smaller and moves it, quits (the app's real quit path: the
/// tray's Quit, asked for by SIGTERM), and the next launch opens the window at that size and
/// place. Fails without tauri-plugin-window-state: the relaunch would open at the configured
/// 1200 × 800, centred.
#[tokio::test]
#[ignore = "needs Xvfb, tauri-driver and MAESTRO_E2E_APP: run by tests/run"]
async fn the_window_opens_at_the_size_and_place_it_was_left() -> TestResult {
    let _one_app = ONE_APP.lock().await;
    let app = app_binary();
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let tauri_driver = TauriDriver::start(&data);
    let state_file = config_dir(&data)
        .join("app.integrationmaestro.desktop")
        .join(".window-state.json");

    let driver = session(tauri_driver.port, &app).await?;
    let left = resize_move_and_quit(&driver, &app, &state_file).await;
    // The session's window went with the app, so ending the session may fail: that is expected.
    if let Err(err) = driver.quit().await {
        eprintln!("ending the session after the app quit: {err}");
    }
    wait_for_exit(&app);
    let left = left?;
    let saved = std::fs::read_to_string(&state_file)
        .map_err(|e| format!("{} was not written at quit: {e}", state_file.display()))?;
    eprintln!("saved at quit: {saved}");

    let driver = session(tauri_driver.port, &app).await?;
    let reopened = run_journey(driver, async |driver: &WebDriver| {
        css(driver, "input[name='company']").await?;
        shot(driver, "window-state-relaunched").await?;
        Ok(settled_rect(driver).await?)
    })
    .await;
    wait_for_exit(&app);
    assert_eq!(
        reopened?, left,
        "the relaunched window is not where it was left"
    );
    drop(tauri_driver);
    Ok(())
}
