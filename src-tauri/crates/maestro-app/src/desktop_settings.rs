//! Settings and safety actions of the desktop app: on/off preferences kept in the store
//! (notifications, start at login), rejecting a write that waits for approval, changing the
//! passphrase after checking the current one, and restoring a backup over the current data.

use std::path::{Path, PathBuf};

use maestro_core::ids::CompanyId;
use maestro_store::audit::{self, AuditEvent};
use maestro_store::backup::BackupSummary;
use maestro_store::outbox::{self, OutboxItem, OutboxStatus};
use maestro_store::settings::{self, Scope};
use maestro_store::{NewKey, Passphrase, Store, StoreError, Unlock};

use crate::App;
use crate::error::{AppError, ErrorCode, Result};

/// Setting: desktop notifications, "on" (default) or "off".
pub const NOTIFICATIONS_KEY: &str = "desktop.notifications";
/// Setting: start the app at login, "on" or "off" (default).
pub const AUTOSTART_KEY: &str = "desktop.autostart";

/// The desktop preferences and their defaults.
pub const DESKTOP_FLAGS: [(&str, bool); 2] = [(NOTIFICATIONS_KEY, true), (AUTOSTART_KEY, false)];

fn default_of(key: &str) -> Result<bool> {
    DESKTOP_FLAGS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, d)| *d)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Validation,
                format!("'{key}' is not a desktop setting"),
            )
        })
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

impl App {
    /// A desktop on/off preference (`NOTIFICATIONS_KEY`, `AUTOSTART_KEY`), installation-wide;
    /// its default when never set.
    pub async fn desktop_flag(&self, key: &str) -> Result<bool> {
        let default = default_of(key)?;
        let mut conn = self.conn().await?;
        let value: Option<String> = settings::get(&mut conn, Scope::Global, key).await?;
        Ok(match value.as_deref() {
            Some("on") => true,
            Some("off") => false,
            _ => default,
        })
    }

    /// Saves a desktop on/off preference as "on"/"off"; audited.
    pub async fn set_desktop_flag(&self, key: &str, on: bool) -> Result<()> {
        default_of(key)?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        settings::set(tx.conn(), Scope::Global, key, &on_off(on), now).await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "settings.set", key)
                .detail(serde_json::json!({ "value": on_off(on) })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The owner turns down a write that waits for approval: it is never sent (planning does
    /// not queue it again; "retry" would put it back for approval). Audited.
    pub async fn reject_write(&self, company_id: CompanyId, outbox_id: &str) -> Result<OutboxItem> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let item = outbox::get(tx.conn(), company_id, outbox_id).await?;
        if item.status != OutboxStatus::AwaitingApproval {
            return Err(AppError::new(
                ErrorCode::Validation,
                format!(
                    "\"{}\" is not waiting for approval (it is {})",
                    item.summary,
                    item.status.as_str().replace('_', " ")
                ),
            ));
        }
        let reason = format!("Rejected by {}", self.actor);
        outbox::mark_failed(tx.conn(), company_id, outbox_id, &reason, now).await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "outbox.reject", &item.summary)
                .company(company_id)
                .detail(serde_json::json!({
                    "outbox_id": item.id,
                    "route": item.route,
                    "operation": item.operation,
                    "connection_id": item.connection_id,
                    "changes": item.changes,
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(outbox::get(&mut *self.conn().await?, company_id, outbox_id).await?)
    }

    /// Checks that `passphrase` opens this store (stores protected by a passphrase only).
    pub async fn check_passphrase(&self, passphrase: &Passphrase) -> Result<()> {
        let dir = self.store.layout().dir().to_path_buf();
        let unlock = Unlock {
            keychain: None,
            passphrase: Some(passphrase.clone()),
        };
        match Store::open(&dir, &unlock).await {
            Ok(store) => {
                store.close().await;
                Ok(())
            }
            Err(StoreError::WrongKey { .. } | StoreError::KeyMissing) => Err(AppError::new(
                ErrorCode::WrongKey,
                "that is not your current passphrase",
            )
            .with_field("current")),
            Err(e) => Err(e.into()),
        }
    }

    /// Re-encrypts the store under `new_key`. A store protected by a passphrase asks for the
    /// current one first (`current`), so nobody at an unlocked computer can take it over.
    pub async fn change_key(self, current: Option<&Passphrase>, new_key: NewKey) -> Result<App> {
        if self.store.key_meta_current().source_name() == "passphrase" {
            let current = current.ok_or_else(|| {
                AppError::new(ErrorCode::Validation, "type your current passphrase")
                    .with_field("current")
            })?;
            self.check_passphrase(current).await?;
        }
        if let NewKey::Passphrase(p) = &new_key {
            p.check_strength()
                .map_err(|e| AppError::from(e).with_field("new"))?;
        }
        self.rekey(new_key).await
    }

    /// Replaces this store with a backup. The backup is first restored beside the data folder
    /// and checked (a wrong passphrase or a damaged file changes nothing); then this store is
    /// closed, the data folder is set aside as `<folder>.before-restore-<time>` and the
    /// restored one takes its place. Returns the reopened app (unlocked with `reopen`, the
    /// passphrase of `new_key` when it is one), what was restored, and where the old data went.
    pub async fn restore_replacing(
        self,
        backup: &Path,
        backup_passphrase: &Passphrase,
        new_key: NewKey,
        reopen: Option<Passphrase>,
    ) -> Result<(App, BackupSummary, PathBuf)> {
        let dir = self.store.layout().dir().to_path_buf();
        let stamp = self.now().format("%Y%m%dT%H%M%SZ").to_string();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "maestro".into());
        let staged = dir.with_file_name(format!("{name}.restoring-{stamp}"));
        let aside = dir.with_file_name(format!("{name}.before-restore-{stamp}"));
        // Erasures made after the backup are applied to it again (maestro_store::erasure).
        let ledger = maestro_store::erasure::whole_ledger(&self.store).await?;
        let (store, summary) = Store::restore_reapplying(
            backup,
            backup_passphrase,
            &staged,
            new_key,
            self.now(),
            &ledger,
        )
        .await
        .map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            AppError::from(e).with_field("backup")
        })?;
        store.close().await;
        let clock = self.clock.clone();
        let actor = self.actor.clone();
        self.close().await;
        std::fs::rename(&dir, &aside)?;
        if let Err(e) = std::fs::rename(&staged, &dir) {
            let _ = std::fs::rename(&aside, &dir);
            return Err(e.into());
        }
        let app = App::open(&dir, reopen, clock).await?.with_actor(&actor);
        app.audit(
            AuditEvent::new(&actor, "store.restore", &backup.display().to_string())
                .detail(serde_json::json!({ "previous_data": aside.display().to_string() })),
        )
        .await?;
        Ok((app, summary, aside))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::Arc;

    use maestro_core::clock::ManualClock;

    use super::*;

    async fn app(dir: &Path) -> App {
        let clock = Arc::new(ManualClock::new("2026-03-02T10:00:00Z".parse().unwrap()));
        App::init(
            dir,
            NewKey::Passphrase(Passphrase::new("correct horse battery staple")),
            "Bluebird Bakery",
            clock,
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn desktop_flags_default_and_persist() {
        let tmp = tempfile::tempdir().unwrap();
        let app = app(&tmp.path().join("data")).await;
        assert!(app.desktop_flag(NOTIFICATIONS_KEY).await.unwrap());
        assert!(!app.desktop_flag(AUTOSTART_KEY).await.unwrap());
        app.set_desktop_flag(NOTIFICATIONS_KEY, false)
            .await
            .unwrap();
        assert!(!app.desktop_flag(NOTIFICATIONS_KEY).await.unwrap());
        assert!(app.desktop_flag("desktop.other").await.is_err());
    }

    #[tokio::test]
    async fn changing_the_passphrase_needs_the_current_one() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let app = app(&dir).await;
        let wrong = app
            .clone()
            .change_key(
                Some(&Passphrase::new("not the passphrase at all")),
                NewKey::Passphrase(Passphrase::new("a brand new long passphrase")),
            )
            .await
            .err()
            .expect("a wrong current passphrase is refused");
        assert_eq!(wrong.code, ErrorCode::WrongKey);
        let app = app
            .change_key(
                Some(&Passphrase::new("correct horse battery staple")),
                NewKey::Passphrase(Passphrase::new("a brand new long passphrase")),
            )
            .await
            .unwrap();
        app.close().await;
        let reopened = App::open(
            &dir,
            Some(Passphrase::new("a brand new long passphrase")),
            Arc::new(ManualClock::new("2026-03-02T10:00:00Z".parse().unwrap())),
        )
        .await;
        assert!(reopened.is_ok());
    }

    #[tokio::test]
    async fn restoring_replaces_the_data_and_keeps_the_old_folder_aside() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let app = app(&dir).await;
        let backup = tmp.path().join("bluebird.backup");
        let pass = Passphrase::new("backup passphrase long enough");
        app.backup(&backup, &pass).await.unwrap();
        app.add_company("Added after the backup").await.unwrap();

        // A wrong backup passphrase changes nothing and leaves the store open.
        let err = app
            .clone()
            .restore_replacing(
                &backup,
                &Passphrase::new("not the backup passphrase"),
                NewKey::Passphrase(Passphrase::new("restored store passphrase")),
                Some(Passphrase::new("restored store passphrase")),
            )
            .await
            .err()
            .expect("a wrong backup passphrase is refused");
        assert_eq!(err.field.as_deref(), Some("backup"));
        assert_eq!(app.companies().await.unwrap().len(), 2);

        let (restored, summary, aside) = app
            .restore_replacing(
                &backup,
                &pass,
                NewKey::Passphrase(Passphrase::new("restored store passphrase")),
                Some(Passphrase::new("restored store passphrase")),
            )
            .await
            .unwrap();
        assert!(summary.audit_entries > 0);
        let names: Vec<String> = restored
            .companies()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["Bluebird Bakery"]);
        assert!(
            aside.exists(),
            "the old data folder is kept at {}",
            aside.display()
        );
        assert!(maestro_store::Layout::new(&aside).exists());
    }
}
