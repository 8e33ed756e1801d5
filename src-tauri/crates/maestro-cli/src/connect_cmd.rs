//! `maestro connectors`, `maestro connect` and `maestro alerts`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use maestro_app::{App, ConnectInput, validate_fields};
use maestro_connectors::{AuthKind, FieldKind, KeyScheme, Manifest};
use maestro_http::oauth::{BrowserOpener, OAuthError, SystemBrowser};
use url::Url;

use crate::BrowserMode;

/// Prints the connectors table (or JSON manifests). `no_store` says why the store could not
/// be opened: the built-in connectors are listed, and a note (on stderr) says the owner's own
/// connectors are not.
pub fn list(manifests: &[&Manifest], json: bool, no_store: Option<&str>) -> Result<ExitCode> {
    if let Some(why) = no_store {
        eprintln!("(user-defined connectors: unlock the store to list them — {why})");
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&manifests)?);
        return Ok(ExitCode::SUCCESS);
    }
    for m in manifests {
        let auth = match m.auth {
            AuthKind::OAuth2 { .. } => "sign in (OAuth)",
            AuthKind::ApiKey {
                scheme: KeyScheme::ClientCredentials { .. },
            } => "client id and secret",
            AuthKind::ApiKey { .. } => "API key",
        };
        println!(
            "{:<10} {} — {:?}, {auth}, limit {}",
            m.id, m.name, m.category, m.rate_limit_text
        );
        for e in m.entities {
            let mut caps = vec![];
            if e.read {
                caps.push(if e.incremental {
                    "read (incremental)"
                } else {
                    "read"
                });
            }
            if e.write {
                caps.push("write");
            }
            if e.webhook {
                caps.push("webhooks");
            }
            println!("    {:<20} {}", e.kind.as_str(), caps.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `maestro connectors add FILE` / `remove ID`.
pub async fn manage(app: &App, action: crate::ConnectorsAction) -> Result<ExitCode> {
    match action {
        crate::ConnectorsAction::Add { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.display().to_string());
            let m = app.add_connector_file(&name, &text).await?;
            let reads: Vec<&str> = m.entities.iter().map(|e| e.kind.as_str()).collect();
            println!(
                "Added {} ({}): reads {}. Connect it with `maestro connect {}`.",
                m.name,
                m.id,
                reads.join(", "),
                m.id
            );
        }
        crate::ConnectorsAction::Remove { id } => {
            app.remove_connector_file(&id).await?;
            println!("Removed the connector {id}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the sign-in address instead of opening a browser.
struct PrintUrl;

impl BrowserOpener for PrintUrl {
    fn open(&self, url: &Url) -> Result<(), OAuthError> {
        eprintln!("Open this address in a browser to sign in:\n  {url}");
        Ok(())
    }
}

/// Asks for the connector's fields not given with --set, then connects.
#[allow(clippy::too_many_arguments)]
pub async fn connect(
    app: &App,
    provider: &str,
    set: &[String],
    base_url: Option<&str>,
    auth_url: Option<&str>,
    client_id: Option<String>,
    browser: BrowserMode,
    name: Option<String>,
    company: Option<&str>,
    sync_sensitive: bool,
) -> Result<ExitCode> {
    let company = app.company(company).await?;
    let Some(manifest) = app.connectors().into_iter().find(|m| m.id == provider) else {
        bail!(
            "there is no connector called '{provider}'; available: {}",
            app.connectors()
                .iter()
                .map(|m| m.id)
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    // Checked before anything is asked: https, or plain http only to this computer (the
    // app's one rule).
    let parse = |u: Option<&str>| -> Result<Option<Url>> {
        Ok(u.map(maestro_app::base_url::parse_base_url).transpose()?)
    };
    let (base_url, auth_url) = (parse(base_url)?, parse(auth_url)?);
    let mut values = BTreeMap::new();
    for pair in set {
        let Some((k, v)) = pair.split_once('=') else {
            bail!("--set takes KEY=VALUE, got '{pair}'");
        };
        values.insert(k.trim().to_owned(), v.to_owned());
    }
    let interactive = std::io::stdin().is_terminal();
    for field in manifest.config {
        if values.contains_key(field.key) || !interactive {
            continue;
        }
        eprintln!("{} — {}", field.label, field.help);
        let value = if field.kind == FieldKind::Secret {
            rpassword::prompt_password(format!("{}: ", field.label))?
        } else {
            eprint!("{}: ", field.label);
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim().to_owned()
        };
        if !value.is_empty() {
            values.insert(field.key.to_owned(), value);
        }
    }
    let problems = validate_fields(manifest, &values);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("  - {} {}", p.message, p.help);
        }
        bail!(
            "{} cannot be connected until the values above are fixed",
            manifest.name
        );
    }
    let oauth_client = match manifest.auth {
        AuthKind::OAuth2 { .. } => {
            let id = client_id.ok_or_else(|| {
                anyhow::anyhow!(
                    "{} signs in with OAuth: pass --client-id (and MAESTRO_OAUTH_CLIENT_SECRET)",
                    manifest.name
                )
            })?;
            Some((
                id,
                std::env::var("MAESTRO_OAUTH_CLIENT_SECRET")
                    .ok()
                    .filter(|s| !s.is_empty()),
            ))
        }
        AuthKind::ApiKey { .. } => None,
    };
    let opener: Box<dyn BrowserOpener> = match browser {
        BrowserMode::System => Box::new(SystemBrowser),
        BrowserMode::Print => Box::new(PrintUrl),
        BrowserMode::Fetch => Box::new(maestro_app::demo::SandboxSignIn),
    };
    if oauth_client.is_some() {
        eprintln!("Signing in to {} in your browser…", manifest.name);
    }
    eprintln!("Testing the connection to {}…", manifest.name);
    let (connection, report) = app
        .connect(
            &company,
            ConnectInput {
                provider: provider.to_owned(),
                display_name: name,
                values,
                base_url,
                auth_base_url: auth_url,
                oauth_client,
                sync_sensitive,
            },
            opener.as_ref(),
        )
        .await?;
    println!(
        "Connected {} ({}) for {}: {}",
        connection.display_name, connection.id, company.name, report.account
    );
    for d in &report.details {
        println!("  - {d}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Lists open alerts with their suggested fixes, or acknowledges one.
pub async fn alerts(app: &App, company: Option<&str>, ack: Option<&str>) -> Result<ExitCode> {
    let company = app.company(company).await?;
    if let Some(id) = ack {
        app.acknowledge_alert(company.id, id).await?;
        println!("Acknowledged; it stays listed until its cause is gone.");
        return Ok(ExitCode::SUCCESS);
    }
    let alerts = app.open_alerts(company.id).await?;
    if alerts.is_empty() {
        println!("Nothing needs attention for {}.", company.name);
    }
    for a in alerts {
        let seen = if a.state == "acknowledged" {
            ", acknowledged"
        } else {
            ""
        };
        println!(
            "[{}{seen}] {}  ({})",
            a.severity,
            a.title,
            &a.id[a.id.len().saturating_sub(8)..]
        );
        println!("    {}", a.detail);
        if let Some(action) = a.action {
            println!("    Fix: {}", cli_fix(&action));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The command that carries out an alert's one-click fix (the desktop shows a button).
fn cli_fix(action: &str) -> String {
    match action {
        "review" => "see them with `maestro conflicts list`, then `maestro conflicts resolve ID \
                     --keep SOURCE` (changes to pay: `maestro routes approve ID`)"
            .into(),
        other => other.into(),
    }
}
