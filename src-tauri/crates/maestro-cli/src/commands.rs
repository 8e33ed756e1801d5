//! What each command does, over `maestro_app::App`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use maestro_app::{App, ExportFormat, ExportRequest, keys, paths};
use maestro_core::clock::{Clock, SystemClock};
use maestro_core::model::EntityKind;
use maestro_store::{KeyMeta, NewKey, SecretStore, Store};

use crate::progress_bar::Bar;
use crate::secrets::{self, BACKUP_PASSPHRASE_ENV, NEW_PASSPHRASE_ENV, PASSPHRASE_ENV};
use crate::{AuditCommand, Cli, Command, CompanyCommand, Format};

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    let dir = cli.data_dir.clone().unwrap_or_else(paths::default_data_dir);
    match cli.command {
        Command::Init {
            company,
            passphrase,
        } => init(&dir, &company, passphrase).await,
        Command::Restore { file, passphrase } => restore(&dir, &file, passphrase).await,
        Command::Sandbox { seed, employees } => crate::sandbox_cmd::run(seed, employees).await,
        Command::Demo { stack } => crate::demo_cmd::run(cli.data_dir.as_deref(), &stack).await,
        Command::Connectors { json, action: None } => match open(&dir).await {
            Ok(app) => {
                let code = crate::connect_cmd::list(&app.connectors(), json, None);
                app.close().await;
                code
            }
            // The built-in connectors need no store; the owner's own are kept in it.
            Err(why) => crate::connect_cmd::list(
                &maestro_connectors::Registry::current()
                    .all()
                    .iter()
                    .map(|d| d.manifest)
                    .collect::<Vec<_>>(),
                json,
                Some(&why.to_string()),
            ),
        },
        other => {
            let app = open(&dir).await?.with_actor("cli");
            let code = run_open(&app, other).await;
            app.close().await;
            code
        }
    }
}

async fn run_open(app: &App, command: Command) -> Result<ExitCode> {
    match command {
        Command::Status { json, company } => status(app, json, company.as_deref()).await,
        Command::Company(CompanyCommand::List) => {
            for c in app.companies().await? {
                println!("{}  {}", c.id, c.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Company(CompanyCommand::Add { name }) => {
            let c = app.add_company(&name).await?;
            println!("Added company {} ({})", c.name, c.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify) => {
            let v = app.verify_audit(&Bar::default()).await?;
            if v.is_intact() {
                println!("Audit log intact: {} entries verified.", v.entries);
                Ok(ExitCode::SUCCESS)
            } else {
                println!("Audit log NOT intact ({} entries checked):", v.entries);
                for b in &v.breaks {
                    println!("  - {b}");
                }
                Ok(ExitCode::from(2))
            }
        }
        Command::Audit(AuditCommand::Export { out }) => {
            let n = match out {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(
                        std::fs::File::create(&path)
                            .with_context(|| format!("cannot create {}", path.display()))?,
                    );
                    let n = app.export_audit(&mut file).await?;
                    eprintln!("Wrote {n} audit entries to {}", path.display());
                    n
                }
                None => app.export_audit(&mut std::io::stdout().lock()).await?,
            };
            let _ = n;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            format,
            out,
            kind,
            company,
            include_sensitive,
            include_raw,
        } => {
            let company = app.company(company.as_deref()).await?;
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let request = ExportRequest {
                kind,
                format: match format {
                    Format::Json => ExportFormat::Json,
                    Format::Csv => ExportFormat::Csv,
                },
                dest: out,
                include_sensitive,
                include_raw,
            };
            let summary = app.export(&company, &request, &Bar::default()).await?;
            eprintln!(
                "Exported {} records of {}{}",
                summary.records,
                company.name,
                if summary.files.is_empty() {
                    String::new()
                } else {
                    format!(
                        " to {}",
                        summary
                            .files
                            .iter()
                            .map(|f| f.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            let pass = secrets::new(BACKUP_PASSPHRASE_ENV, "backup passphrase")?;
            let bar = Bar::default();
            maestro_app::Progress::start(&bar, "Writing encrypted backup", None);
            let summary = app.backup(&file, &pass).await;
            maestro_app::Progress::finish(&bar);
            let summary = summary?;
            println!(
                "Backup written to {} ({} bytes, {} audit entries). Keep the backup passphrase safe: without it the backup cannot be opened.",
                summary.file.display(),
                summary.bytes,
                summary.audit_entries
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Rekey {
            to_passphrase,
            to_keychain,
        } => {
            let current = app.store().key_meta_current().clone();
            let use_passphrase =
                to_passphrase || (!to_keychain && matches!(current, KeyMeta::Passphrase { .. }));
            let key = if use_passphrase {
                NewKey::Passphrase(secrets::new(NEW_PASSPHRASE_ENV, "store passphrase")?)
            } else {
                NewKey::Keychain(available_keychain()?)
            };
            let app = app.clone().rekey(key).await?;
            println!(
                "Database re-encrypted; it is now protected by {}.",
                if use_passphrase {
                    "the new passphrase"
                } else {
                    "a new key in the system keychain"
                }
            );
            app.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Connectors { json, action } => match action {
            None => crate::connect_cmd::list(&app.connectors(), json, None),
            Some(action) => crate::connect_cmd::manage(app, action).await,
        },
        Command::Connect {
            provider,
            set,
            base_url,
            auth_url,
            client_id,
            browser,
            name,
            company,
            sync_sensitive,
        } => {
            crate::connect_cmd::connect(
                app,
                &provider,
                &set,
                base_url.as_deref(),
                auth_url.as_deref(),
                client_id,
                browser,
                name,
                company.as_deref(),
                sync_sensitive,
            )
            .await
        }
        Command::Sync {
            connection,
            entity,
            full,
            company,
        } => {
            crate::sync_cmd::run(
                app,
                connection.as_deref(),
                entity.as_deref(),
                full,
                company.as_deref(),
            )
            .await
        }
        Command::Routes(cmd) => crate::routes_cmd::run(app, cmd).await,
        Command::Compliance(cmd) => crate::compliance_cmd::run(app, cmd).await,
        Command::Retention(cmd) => crate::retention_cmd::run(app, cmd).await,
        Command::Alerts { company, ack } => {
            crate::connect_cmd::alerts(app, company.as_deref(), ack.as_deref()).await
        }
        Command::Schedule(cmd) => crate::schedule_cmd::run(app, cmd).await,
        Command::People(cmd) => crate::people_cmd::run(app, cmd).await,
        Command::Conflicts(cmd) => crate::conflicts_cmd::run(app, cmd).await,
        Command::Serve(args) => crate::serve_cmd::serve(app, args).await,
        Command::ApiKey(cmd) => crate::api_key_cmd::run(app, cmd).await,
        Command::WebhookSecret(cmd) => crate::serve_cmd::webhook_secret(app, cmd).await,
        Command::Init { .. }
        | Command::Restore { .. }
        | Command::Sandbox { .. }
        | Command::Demo { .. } => {
            bail!("internal: handled earlier")
        }
    }
}

fn available_keychain() -> Result<Arc<dyn SecretStore>> {
    let keychain = keys::system_keychain();
    if !keychain.is_available() {
        bail!(
            "no system keychain is available here; use a passphrase instead (--passphrase, with MAESTRO_PASSPHRASE or a prompt)"
        );
    }
    Ok(keychain)
}

async fn open(dir: &Path) -> Result<App> {
    let meta = match Store::key_meta(dir) {
        Ok(m) => m,
        Err(maestro_store::StoreError::NotInitialised(_)) => bail!(
            "no Integration Maestro data in {}; create it with `maestro init` (or pass --data-dir)",
            dir.display()
        ),
        Err(e) => return Err(e.into()),
    };
    let passphrase = match meta {
        KeyMeta::Passphrase { .. } => Some(
            secrets::existing(PASSPHRASE_ENV, "Passphrase: ")?.ok_or_else(|| {
                anyhow::anyhow!(
                    "this store is protected by a passphrase: set {PASSPHRASE_ENV} or run in a terminal"
                )
            })?,
        ),
        KeyMeta::Keychain { .. } => None,
    };
    Ok(App::open(dir, passphrase, clock()).await?)
}

async fn new_key(passphrase: bool) -> Result<NewKey> {
    if passphrase {
        return Ok(NewKey::Passphrase(secrets::new(
            PASSPHRASE_ENV,
            "store passphrase",
        )?));
    }
    let keychain = keys::system_keychain();
    if keychain.is_available() {
        return Ok(NewKey::Keychain(keychain));
    }
    eprintln!(
        "No system keychain is available, so the store will be protected by a passphrase instead."
    );
    Ok(NewKey::Passphrase(secrets::new(
        PASSPHRASE_ENV,
        "store passphrase",
    )?))
}

async fn init(dir: &Path, company: &str, passphrase: bool) -> Result<ExitCode> {
    let key = new_key(passphrase).await?;
    let app = App::init(dir, key, company, clock()).await?;
    let status = app.status().await?;
    println!(
        "Created an encrypted store in {} (SQLCipher {}, key in the {}).",
        dir.display(),
        status.cipher_version,
        if status.key_source == "keychain" {
            "system keychain"
        } else {
            "passphrase you chose"
        }
    );
    println!(
        "First company: {company}. Next: connect your tools from the app, or run `maestro status`."
    );
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn restore(dir: &Path, file: &Path, passphrase: bool) -> Result<ExitCode> {
    let backup_pass =
        secrets::existing(BACKUP_PASSPHRASE_ENV, "Backup passphrase: ")?.ok_or_else(|| {
            anyhow::anyhow!("the backup passphrase is needed: set {BACKUP_PASSPHRASE_ENV}")
        })?;
    let key = new_key(passphrase).await?;
    let bar = Bar::default();
    maestro_app::Progress::start(&bar, "Checking and restoring backup", None);
    let result = App::restore(file, &backup_pass, dir, key, clock()).await;
    maestro_app::Progress::finish(&bar);
    let (app, summary) = result?;
    let status = app.status().await?;
    let records: i64 = status
        .companies
        .iter()
        .flat_map(|c| c.records.iter().map(|(_, n)| n))
        .sum();
    println!(
        "Restored {} into {}: {} companies, {} records, audit log verified ({} entries).",
        summary.file.display(),
        dir.display(),
        status.companies.len(),
        records,
        summary.audit_entries
    );
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `maestro status`: the whole installation, or one company read on its own (its cost does
/// not grow with a bookkeeper's other companies).
async fn status(app: &App, json: bool, company: Option<&str>) -> Result<ExitCode> {
    let status = match company {
        Some(selector) => {
            app.company_status(app.company(Some(selector)).await?.id)
                .await?
        }
        None => app.status().await?,
    };
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &status)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "Data folder:   {}", status.data_dir.display())?;
    writeln!(
        out,
        "Encryption:    SQLCipher {} (key from the {})",
        status.cipher_version,
        if status.key_source == "keychain" {
            "system keychain"
        } else {
            "passphrase"
        }
    )?;
    writeln!(out, "Database size: {} KiB", status.database_bytes / 1024)?;
    writeln!(out, "Audit log:     {} entries", status.audit_entries)?;
    for c in &status.companies {
        writeln!(out, "\nCompany: {} ({})", c.company.name, c.company.id)?;
        if c.connections.is_empty() {
            writeln!(out, "  No connections yet.")?;
        }
        for conn in &c.connections {
            writeln!(
                out,
                "  {} [{}] — {}",
                conn.display_name, conn.provider, conn.status
            )?;
        }
        if c.records.is_empty() {
            writeln!(out, "  No records yet.")?;
        }
        for (kind, n) in &c.records {
            writeln!(out, "  {n:>8}  {kind}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses an entity kind, listing the valid ones on error.
pub fn parse_kind(k: &str) -> Result<EntityKind> {
    k.parse::<EntityKind>().map_err(|_| {
        anyhow::anyhow!(
            "unknown kind '{k}'; kinds are: {}",
            EntityKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}
