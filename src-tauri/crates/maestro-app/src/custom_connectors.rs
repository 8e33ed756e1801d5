//! User-defined connectors: provider files the owner adds (`maestro connectors add FILE`, or
//! the wizard's "Add your own"), kept inside the encrypted store and installed whenever it
//! opens, so they appear in the wizard and sync like the built-in ones.

use chrono::{DateTime, Utc};
use maestro_connectors::Manifest;
use maestro_connectors::kit::custom::{self, CustomError};
use maestro_store::audit::AuditEvent;
use maestro_store::settings::{self, Scope};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::App;
use crate::error::{AppError, ErrorCode, Result};

/// The setting (installation-wide) that holds the files.
const SETTING: &str = "connectors.custom";

/// A provider file the owner added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomConnectorFile {
    /// The connector's id (from the file).
    pub id: String,
    /// The file's name as added.
    pub file_name: String,
    /// The file's text.
    pub text: String,
    /// When it was added.
    pub added_at: DateTime<Utc>,
}

fn refused(e: &CustomError) -> AppError {
    let error = AppError::new(ErrorCode::Validation, e.to_string());
    match e {
        CustomError::File(f) => error.with_field(&f.field),
        CustomError::Refused { .. } => error,
    }
}

impl App {
    /// The provider files added to this store.
    pub async fn custom_connector_files(&self) -> Result<Vec<CustomConnectorFile>> {
        let mut conn = self.conn().await?;
        Ok(settings::get(&mut conn, Scope::Global, SETTING)
            .await?
            .unwrap_or_default())
    }

    /// Installs the provider files saved in this store; a file that no longer loads (a newer
    /// build reads files more strictly) is left out and named in the log.
    pub async fn load_custom_connectors(&self) -> Result<usize> {
        let mut loaded = 0;
        for f in self.custom_connector_files().await? {
            match custom::load(&f.file_name, &f.text) {
                Ok(p) => {
                    custom::install(p);
                    loaded += 1;
                }
                Err(e) => {
                    tracing::warn!(connector = %f.id, "a saved connector file no longer loads: {e}")
                }
            }
        }
        Ok(loaded)
    }

    /// Checks, saves and installs a provider file; a malformed one is refused with the line
    /// and field at fault, and nothing is saved. Adding a file with the id of one added before
    /// replaces it.
    pub async fn add_connector_file(
        &self,
        file_name: &str,
        text: &str,
    ) -> Result<&'static Manifest> {
        let provider = custom::load(file_name, text).map_err(|e| refused(&e))?;
        let manifest = provider.manifest;
        let mut files = self.custom_connector_files().await?;
        files.retain(|f| f.id != manifest.id);
        files.push(CustomConnectorFile {
            id: manifest.id.to_owned(),
            file_name: file_name.to_owned(),
            text: text.to_owned(),
            added_at: self.now(),
        });
        let now = self.now();
        let mut tx = self.store().write().await?;
        settings::set(tx.conn(), Scope::Global, SETTING, &files, now).await?;
        maestro_store::audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "connector.add", manifest.id)
                .detail(json!({"file": file_name, "name": manifest.name})),
            now,
        )
        .await?;
        tx.commit().await?;
        custom::install(provider);
        Ok(manifest)
    }

    /// Removes an added provider file; refused while a connection uses it.
    pub async fn remove_connector_file(&self, id: &str) -> Result<()> {
        let mut files = self.custom_connector_files().await?;
        if !files.iter().any(|f| f.id == id) {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!("no connector called '{id}' was added"),
            ));
        }
        let mut conn = self.conn().await?;
        for company in maestro_store::companies::list(&mut conn).await? {
            let used = maestro_store::connections::list(&mut conn, company.id)
                .await?
                .into_iter()
                .find(|c| c.provider == id);
            if let Some(c) = used {
                return Err(AppError::new(
                    ErrorCode::Validation,
                    format!(
                        "“{}” still uses this connector; remove that connection first",
                        c.display_name
                    ),
                ));
            }
        }
        drop(conn);
        files.retain(|f| f.id != id);
        let now = self.now();
        let mut tx = self.store().write().await?;
        settings::set(tx.conn(), Scope::Global, SETTING, &files, now).await?;
        maestro_store::audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "connector.remove", id),
            now,
        )
        .await?;
        tx.commit().await?;
        custom::uninstall(id);
        Ok(())
    }
}
