//! `maestro api-key`: create (shown once), list and revoke the keys of the local API.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use maestro_app::App;

/// `maestro api-key` subcommands.
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key; it is printed once and only its hash is kept.
    Create {
        /// What the key is for ("payroll export script").
        #[arg(long, default_value = "API key")]
        name: String,
        /// What it may do: ENTITY:read or ENTITY:write (write includes read), e.g.
        /// employees:read, time_entries:write, *:read, events:read. Repeat or separate with
        /// commas.
        #[arg(long = "scope", required = true, value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Requests allowed per minute (default 600).
        #[arg(long, value_name = "N")]
        rate_per_minute: Option<u32>,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// List the keys: id, name, scopes, last use (never the keys themselves).
    List {
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key at once.
    Revoke {
        /// The key's id (from `maestro api-key list`).
        id: String,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
}

/// Runs one `maestro api-key` command.
pub async fn run(app: &App, command: ApiKeyCommand) -> Result<ExitCode> {
    match command {
        ApiKeyCommand::Create {
            name,
            scopes,
            rate_per_minute,
            company,
        } => {
            let company = app.company(company.as_deref()).await?;
            let created =
                maestro_gateway::create_key(app, company.id, &name, &scopes, rate_per_minute)
                    .await?;
            println!("{}", created.secret.expose());
            eprintln!(
                "Created API key {} ({}) for {} with {}. Copy it now: it is not shown again.",
                created.key.id,
                created.key.name,
                company.name,
                created.key.scopes.join(", ")
            );
        }
        ApiKeyCommand::List { company, json } => {
            let company = app.company(company.as_deref()).await?;
            let keys = maestro_gateway::list_keys(app, company.id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&keys)?);
            } else if keys.is_empty() {
                println!(
                    "No API keys yet; create one with `maestro api-key create --scope employees:read`."
                );
            } else {
                for k in keys {
                    let state = match (k.revoked_at, k.last_used_at) {
                        (Some(at), _) => format!("revoked {}", at.to_rfc3339()),
                        (None, Some(at)) => format!("last used {}", at.to_rfc3339()),
                        (None, None) => "never used".into(),
                    };
                    println!(
                        "{}  {}…  {:<24} {:<40} {}/min  {}",
                        k.id,
                        k.prefix,
                        k.name,
                        k.scopes.join(","),
                        k.rate_per_minute,
                        state
                    );
                }
            }
        }
        ApiKeyCommand::Revoke { id, company } => {
            let company = app.company(company.as_deref()).await?;
            maestro_gateway::revoke_key(app, company.id, &id).await?;
            println!("Revoked API key {id}; requests with it are refused from now on.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
