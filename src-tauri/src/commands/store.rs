//! First run: create or unlock the encrypted store.

use maestro_app::App;
use maestro_store::{Layout, NewKey, Passphrase, Store};
use tauri::State;

use crate::dto::{AppStateDto, KeySource};
use crate::error::{IpcError, IpcErrorCode};
use crate::state::DesktopState;

/// Where the app stands: no store yet, locked, or unlocked.
#[tauri::command]
#[specta::specta]
pub async fn app_state(state: State<'_, DesktopState>) -> Result<AppStateDto, IpcError> {
    Ok(describe(&state).await)
}

/// Creates the encrypted store with its first company. With a passphrase the key is derived
/// from it; without one the key goes to the system keychain.
#[tauri::command]
#[specta::specta]
pub async fn create_store(
    state: State<'_, DesktopState>,
    company: String,
    passphrase: Option<String>,
) -> Result<AppStateDto, IpcError> {
    if company.trim().is_empty() {
        return Err(IpcError::new(
            IpcErrorCode::Validation,
            "Give your company a name, for example “Bluebird Bakery”.",
        )
        .with_field("company"));
    }
    let mut slot = state.app.write().await;
    if slot.is_some() || Layout::new(&state.data_dir).exists() {
        return Err(IpcError::new(
            IpcErrorCode::Validation,
            "Your data is already set up on this computer. Unlock it instead.",
        ));
    }
    let key = match passphrase.filter(|p| !p.is_empty()) {
        Some(p) => {
            let p = Passphrase::new(p);
            p.check_strength()
                .map_err(|e| IpcError::from(e).with_field("passphrase"))?;
            NewKey::Passphrase(p)
        }
        None if state.keychain_available().await => {
            NewKey::Keychain(maestro_app::keys::system_keychain())
        }
        None => {
            return Err(IpcError::new(
                IpcErrorCode::Validation,
                "This computer has no system keychain. Choose a passphrase to protect your data.",
            )
            .with_field("passphrase"));
        }
    };
    let app = App::init(&state.data_dir, key, company.trim(), state.clock.clone())
        .await?
        .with_actor("app");
    *slot = Some(app);
    drop(slot);
    state.announce_unlocked();
    Ok(describe(&state).await)
}

/// Opens the existing store, with the passphrase when it is protected by one.
#[tauri::command]
#[specta::specta]
pub async fn unlock(
    state: State<'_, DesktopState>,
    passphrase: Option<String>,
) -> Result<AppStateDto, IpcError> {
    let mut slot = state.app.write().await;
    if slot.is_none() {
        let passphrase = passphrase.filter(|p| !p.is_empty()).map(Passphrase::new);
        let app = App::open(&state.data_dir, passphrase, state.clock.clone())
            .await
            .map_err(|e| IpcError::from(e).with_field("passphrase"))?
            .with_actor("app");
        *slot = Some(app.clone());
        drop(slot);
        // The demo's emulators first, so neither the screens nor the scheduler meet a
        // missing sandbox.
        if let Err(err) = super::demo::resume_demo(&state, &app).await {
            tracing::warn!(error = %err.message, "the demo tools could not restart");
        }
        state.announce_unlocked();
    } else {
        drop(slot);
    }
    Ok(describe(&state).await)
}

async fn describe(state: &DesktopState) -> AppStateDto {
    let store_exists = Layout::new(&state.data_dir).exists();
    let key_source = store_exists
        .then(|| Store::key_meta(&state.data_dir).ok())
        .flatten()
        .map(|m| KeySource::from_name(m.source_name()));
    let keychain_available = if store_exists {
        key_source == Some(KeySource::Keychain)
    } else {
        state.keychain_available().await
    };
    let app = state.app.read().await.clone();
    let company = match &app {
        Some(app) => app.company(None).await.ok().map(|c| c.name),
        None => None,
    };
    AppStateDto {
        store_exists,
        unlocked: app.is_some(),
        key_source,
        keychain_available,
        data_dir: state.data_dir.display().to_string(),
        demo_running: state.demo.lock().await.is_some(),
        company,
    }
}
