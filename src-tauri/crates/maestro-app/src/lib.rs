//! The application layer of Integration Maestro: one [`App`] that the desktop shell, the
//! `maestro` CLI and the tests drive, composed from the store (and, as they land, the
//! connectors and the sync engine). It owns policy: where data lives, how the store is
//! unlocked, what gets audited, and errors phrased for a small-business owner.

mod account_limits;
pub mod activity;
pub mod background_checks;
pub mod base_url;
pub mod benefit_checks;
pub mod compliance_calendar;
pub mod compliance_docs;
pub mod connect;
mod connect_input;
pub mod connection_scope;
pub mod current_company;
pub mod custom_connectors;
pub mod demo;
pub mod demo_stacks;
pub mod desktop;
pub mod desktop_settings;
pub mod diagnostics;
pub mod erasure;
mod error;
pub mod export;
mod health;
pub mod hire_checks;
pub mod keys;
pub mod mapping_preview;
pub mod paid_hours;
pub mod paths;
pub mod people;
pub mod person_export;
pub mod person_history;
pub mod progress;
pub mod reauthorize;
pub mod retention;
pub mod review;
pub mod route_choices;
pub mod routes;
pub mod schedule;
pub mod sensitive;
pub mod sign_in_expiry;
pub mod sync;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use maestro_core::clock::Clock;
use maestro_core::model::EntityKind;
use maestro_store::audit::{self, AuditEntry, AuditEvent, Verification};
use maestro_store::backup::BackupSummary;
use maestro_store::companies::{self, Company};
use maestro_store::{NewKey, Passphrase, Store};
use serde::Serialize;

pub use connect::{ConnectInput, FieldProblem, validate_fields};
pub use error::{AppError, ErrorCode, Result};
pub use export::{ExportFormat, ExportRequest, ExportSummary};
pub use progress::{NoProgress, Progress};

/// The running application over one data folder.
#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    actor: String,
    retry_policy: Option<maestro_http::RetryPolicy>,
    sync: maestro_sync::SyncEngine,
    /// One rate limiter per provider account (see `account_limits`).
    limiters: maestro_http::AccountLimiters,
    /// `company(None)` takes the remembered current company (the desktop's handle).
    remember_current: bool,
}

/// A company and what the store holds for it.
#[derive(Debug, Clone, Serialize)]
pub struct CompanyStatus {
    /// The company.
    pub company: Company,
    /// Its connections.
    pub connections: Vec<maestro_store::connections::Connection>,
    /// Current records per kind.
    pub records: Vec<(EntityKind, i64)>,
}

/// A summary of the installation for `maestro status` and the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The data folder.
    pub data_dir: PathBuf,
    /// "keychain" or "passphrase".
    pub key_source: String,
    /// SQLCipher version doing the encryption.
    pub cipher_version: String,
    /// Size of the encrypted database file in bytes.
    pub database_bytes: u64,
    /// Every company.
    pub companies: Vec<CompanyStatus>,
    /// Audit entries recorded.
    pub audit_entries: i64,
}

impl App {
    fn assemble(store: Store, clock: Arc<dyn Clock>) -> App {
        App {
            sync: maestro_sync::SyncEngine::new(store.clone(), clock.clone()),
            store,
            clock,
            actor: "owner".into(),
            retry_policy: None,
            limiters: maestro_http::AccountLimiters::default(),
            remember_current: false,
        }
    }

    /// Creates a new encrypted store in `dir` with its first company.
    pub async fn init(
        dir: &Path,
        key: NewKey,
        company_name: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<App> {
        if company_name.trim().is_empty() {
            return Err(AppError::new(
                ErrorCode::Validation,
                "give the company a name (for example --company \"Acme Bakery\")",
            ));
        }
        let store = Store::create(dir, key).await?;
        let app = App::assemble(store, clock);
        let now = app.now();
        let mut tx = app.store.write().await?;
        let company = companies::insert(tx.conn(), company_name, now).await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(&app.actor, "store.init", &dir.display().to_string())
                .company(company.id)
                .detail(serde_json::json!({
                    "key_source": app.store.key_meta_current().source_name(),
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(app)
    }

    /// Opens the store in `dir`. The system keychain is always offered; `passphrase` is used
    /// when the store is protected by one.
    pub async fn open(
        dir: &Path,
        passphrase: Option<Passphrase>,
        clock: Arc<dyn Clock>,
    ) -> Result<App> {
        let store = Store::open(dir, &keys::unlock_with(passphrase)).await?;
        let app = App::assemble(store, clock);
        app.load_custom_connectors().await?;
        Ok(app)
    }

    /// Names who acts in audit entries written through this handle ("cli", "app", …).
    pub fn with_actor(mut self, actor: &str) -> Self {
        self.actor = actor.into();
        self
    }

    /// Uses `policy` for provider calls (tests use fast retries).
    pub fn with_retry_policy(mut self, policy: maestro_http::RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current time from the injected clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Writes one audit entry in its own transaction.
    pub async fn audit(&self, event: AuditEvent) -> Result<AuditEntry> {
        let mut tx = self.store.write().await?;
        let entry = audit::append(tx.conn(), &event, self.now()).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Adds a company.
    pub async fn add_company(&self, name: &str) -> Result<Company> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let company = companies::insert(tx.conn(), name, now).await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "company.create", name).company(company.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(company)
    }

    /// All companies.
    pub async fn companies(&self) -> Result<Vec<Company>> {
        let mut conn = self.conn().await?;
        Ok(companies::list(&mut conn).await?)
    }

    /// The company named by id or name; with no selector, the only company (an error lists
    /// the choices when there are several), or on a handle made with
    /// [`App::remembering_current_company`] the current one.
    pub async fn company(&self, selector: Option<&str>) -> Result<Company> {
        let all = self.companies().await?;
        match selector {
            Some(sel) => {
                let mut conn = self.conn().await?;
                companies::find(&mut conn, sel).await?.ok_or_else(|| {
                    AppError::new(
                        ErrorCode::NotFound,
                        format!("no company called '{sel}'; companies here: {}", names(&all)),
                    )
                })
            }
            None if all.len() == 1 => Ok(all.into_iter().next().ok_or_else(|| {
                AppError::new(ErrorCode::Internal, "company list changed while reading")
            })?),
            None if self.remember_current && all.len() > 1 => self.current_company().await,
            None if all.is_empty() => Err(AppError::new(
                ErrorCode::NotFound,
                "there is no company yet; add one with `maestro company add NAME`",
            )),
            None => Err(AppError::new(
                ErrorCode::Validation,
                format!(
                    "this installation holds several companies; choose one with --company ({})",
                    names(&all)
                ),
            )),
        }
    }

    /// A pooled read connection to the store.
    pub(crate) async fn conn(
        &self,
    ) -> Result<maestro_store::sqlx::pool::PoolConnection<maestro_store::sqlx::Sqlite>> {
        self.store
            .pool()
            .acquire()
            .await
            .map_err(|e| maestro_store::StoreError::from(e).into())
    }

    /// The company's setting `key`, or its default when never saved.
    pub(crate) async fn company_setting<T: serde::de::DeserializeOwned + Default>(
        &self,
        company_id: maestro_core::ids::CompanyId,
        key: &str,
    ) -> Result<T> {
        let mut conn = self.conn().await?;
        let scope = maestro_store::settings::Scope::Company(company_id);
        Ok(maestro_store::settings::get(&mut conn, scope, key)
            .await?
            .unwrap_or_default())
    }

    /// The company's connections, without counting its records (what a command that looks
    /// one up needs).
    pub async fn connections(
        &self,
        company_id: maestro_core::ids::CompanyId,
    ) -> Result<Vec<maestro_store::connections::Connection>> {
        let mut conn = self.conn().await?;
        Ok(maestro_store::connections::list(&mut conn, company_id).await?)
    }

    /// A summary of the installation.
    pub async fn status(&self) -> Result<Status> {
        self.status_of(None).await
    }

    /// [`App::status`] of one company only: what the dashboard polls, so its cost does not
    /// grow with a bookkeeper's other companies.
    pub async fn company_status(&self, company_id: maestro_core::ids::CompanyId) -> Result<Status> {
        self.status_of(Some(company_id)).await
    }

    async fn status_of(&self, only: Option<maestro_core::ids::CompanyId>) -> Result<Status> {
        let mut conn = self.conn().await?;
        let mut companies_out = Vec::new();
        for company in companies::list(&mut conn).await? {
            if only.is_some_and(|id| id != company.id) {
                continue;
            }
            let connections = maestro_store::connections::list(&mut conn, company.id).await?;
            let records = maestro_store::records::counts(&mut conn, company.id).await?;
            companies_out.push(CompanyStatus {
                company,
                connections,
                records,
            });
        }
        let audit_entries = audit::len(&mut conn).await?;
        drop(conn);
        let layout = self.store.layout();
        Ok(Status {
            data_dir: layout.dir().to_path_buf(),
            key_source: self.store.key_meta_current().source_name().into(),
            cipher_version: self.store.cipher_version().await?,
            database_bytes: std::fs::metadata(layout.db_path())
                .map(|m| m.len())
                .unwrap_or(0),
            companies: companies_out,
            audit_entries,
        })
    }

    /// Exports the current records of a company; audited.
    pub async fn export(
        &self,
        company: &Company,
        request: &ExportRequest,
        progress: &dyn Progress,
    ) -> Result<ExportSummary> {
        let summary = match request.format {
            ExportFormat::Json => {
                export::write_json(self.store.pool(), company, request, self.now(), progress)
                    .await?
            }
            ExportFormat::Csv => {
                let kinds: Vec<EntityKind> = match request.kind {
                    Some(k) => vec![k],
                    None => {
                        let mut conn = self.conn().await?;
                        maestro_store::records::counts(&mut conn, company.id)
                            .await?
                            .into_iter()
                            .map(|(k, _)| k)
                            .collect()
                    }
                };
                export::write_csv(self.store.pool(), company, request, &kinds, progress).await?
            }
        };
        self.audit(
            AuditEvent::new(
                &self.actor,
                "records.export",
                request.kind.map(|k| k.as_str()).unwrap_or("all"),
            )
            .company(company.id)
            .records(i64::try_from(summary.records).unwrap_or(i64::MAX))
            .detail(serde_json::json!({
                "format": request.format,
                "destination": request.dest.display().to_string(),
                "sensitive_fields": request.include_sensitive,
            })),
        )
        .await?;
        Ok(summary)
    }

    /// Checks the whole audit chain; `progress` counts entries.
    pub async fn verify_audit(&self, progress: &dyn Progress) -> Result<Verification> {
        let mut conn = self.conn().await?;
        let total = audit::len(&mut conn).await?;
        progress.start("Verifying audit log", u64::try_from(total).ok());
        let mut last = 0;
        let v = audit::verify(&mut conn, |n| {
            progress.advance(u64::try_from(n - last).unwrap_or(0));
            last = n;
        })
        .await?;
        progress.finish();
        Ok(v)
    }

    /// Writes the audit log as JSON lines (one entry per line) to `out`; audited itself.
    pub async fn export_audit(&self, out: &mut dyn std::io::Write) -> Result<i64> {
        let mut conn = self.conn().await?;
        let mut after = 0;
        let mut n = 0;
        loop {
            let page = audit::page(&mut conn, after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for entry in &page {
                serde_json::to_writer(&mut *out, entry)
                    .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
                out.write_all(b"\n")?;
                n += 1;
            }
        }
        out.flush()?;
        drop(conn);
        self.audit(AuditEvent::new(&self.actor, "audit.export", "audit_log").records(n))
            .await?;
        Ok(n)
    }

    /// Writes an encrypted backup protected by `passphrase`.
    pub async fn backup(&self, dest: &Path, passphrase: &Passphrase) -> Result<BackupSummary> {
        Ok(self.store.backup(dest, passphrase, self.now()).await?)
    }

    /// Restores a backup into the empty folder `dir`, protecting it with `key`.
    pub async fn restore(
        backup: &Path,
        passphrase: &Passphrase,
        dir: &Path,
        key: NewKey,
        clock: Arc<dyn Clock>,
    ) -> Result<(App, BackupSummary)> {
        let (store, summary) = Store::restore(backup, passphrase, dir, key, clock.now()).await?;
        Ok((App::assemble(store, clock), summary))
    }

    /// Re-encrypts the database under a new key (a new keychain key or a new passphrase).
    pub async fn rekey(self, key: NewKey) -> Result<App> {
        let source = match &key {
            NewKey::Keychain(_) => "keychain",
            NewKey::Passphrase(_) => "passphrase",
        };
        let store = self.store.rekey(key).await?;
        let app = App {
            sync: maestro_sync::SyncEngine::new(store.clone(), self.clock.clone()),
            store,
            ..self
        };
        app.audit(
            AuditEvent::new(&app.actor, "store.rekey", "database")
                .detail(serde_json::json!({ "key_source": source })),
        )
        .await?;
        Ok(app)
    }

    /// Flushes and closes the store.
    pub async fn close(self) {
        self.store.close().await;
    }
}

fn names(companies: &[Company]) -> String {
    if companies.is_empty() {
        return "none".into();
    }
    companies
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl App {
    /// Marks an alert as seen (it stays listed until its cause is gone); audited.
    pub async fn acknowledge_alert(
        &self,
        company_id: maestro_core::ids::CompanyId,
        id: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        if !maestro_store::alerts::acknowledge(tx.conn(), company_id, id, now).await? {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!("no open alert with id '{id}' (see `maestro alerts`)"),
            ));
        }
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "alert.acknowledge", id).company(company_id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The company's alerts that still need attention, newest first.
    pub async fn open_alerts(
        &self,
        company_id: maestro_core::ids::CompanyId,
    ) -> Result<Vec<maestro_store::alerts::Alert>> {
        let mut conn = self.conn().await?;
        Ok(maestro_store::alerts::open(&mut conn, company_id).await?)
    }
}
