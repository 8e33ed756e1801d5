//! The company the desktop shows. A bookkeeper's store holds several companies and the window
//! shows one at a time: the choice is remembered in the store (an installation setting), and
//! an [`App`] made with [`App::remembering_current_company`] (the desktop's) takes it wherever
//! a caller asks for "the company" without naming one. The CLI does not: there a store with
//! several companies still needs `--company`.

use maestro_store::audit::AuditEvent;
use maestro_store::companies::{self, Company};
use maestro_store::settings::{self, Scope};

use crate::App;
use crate::error::{AppError, ErrorCode, Result};

/// The installation setting holding the id of the company shown.
pub const CURRENT_COMPANY_KEY: &str = "current_company";

impl App {
    /// This handle takes the remembered current company when asked for "the company" of a store
    /// with several (see [`App::company`]).
    pub fn remembering_current_company(mut self) -> Self {
        self.remember_current = true;
        self
    }

    /// The company shown: the one last switched to while it exists, else the first added.
    pub async fn current_company(&self) -> Result<Company> {
        let mut conn = self.conn().await?;
        let all = companies::list(&mut conn).await?;
        let saved: Option<String> =
            settings::get(&mut conn, Scope::Global, CURRENT_COMPANY_KEY).await?;
        let chosen = saved.and_then(|id| all.iter().position(|c| c.id.to_string() == id));
        all.into_iter().nth(chosen.unwrap_or(0)).ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                "there is no company yet; add one with `maestro company add NAME`",
            )
        })
    }

    /// Shows the company `selector` (id or name) from now on, also after a restart. Audited.
    pub async fn switch_company(&self, selector: &str) -> Result<Company> {
        let company = self.company(Some(selector)).await?;
        let now = self.now();
        let mut tx = self.store().write().await?;
        settings::set(
            tx.conn(),
            Scope::Global,
            CURRENT_COMPANY_KEY,
            &company.id.to_string(),
            now,
        )
        .await?;
        maestro_store::audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "company.switch", &company.name).company(company.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(company)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use maestro_core::clock::SystemClock;
    use maestro_store::{MemorySecretStore, NewKey};

    use super::*;

    #[tokio::test]
    async fn the_desktop_shows_the_company_switched_to_and_the_cli_still_asks() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::init(
            &dir.path().join("data"),
            NewKey::Keychain(Arc::new(MemorySecretStore::default())),
            "Acme Bakery",
            Arc::new(SystemClock),
        )
        .await
        .unwrap();
        let desktop = app.clone().remembering_current_company();
        // One company: it is the company everywhere.
        assert_eq!(desktop.company(None).await.unwrap().name, "Acme Bakery");
        let globex = app.add_company("Globex").await.unwrap();
        // Several, none chosen: the desktop shows the first; the CLI asks which.
        assert_eq!(desktop.company(None).await.unwrap().name, "Acme Bakery");
        let err = app.company(None).await.unwrap_err();
        assert!(err.message.contains("several companies"), "{}", err.message);
        assert_eq!(
            desktop.switch_company("globex").await.unwrap().id,
            globex.id
        );
        assert_eq!(desktop.company(None).await.unwrap().id, globex.id);
        assert_eq!(desktop.current_company().await.unwrap().id, globex.id);
        assert!(
            app.company(None).await.is_err(),
            "the CLI's handle still asks"
        );
        // Named companies are unaffected; an unknown one is refused and changes nothing.
        assert_eq!(
            desktop.company(Some("Acme Bakery")).await.unwrap().name,
            "Acme Bakery"
        );
        assert!(desktop.switch_company("Initech").await.is_err());
        assert_eq!(desktop.company(None).await.unwrap().id, globex.id);
    }
}
