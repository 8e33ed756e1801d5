//! `maestro serve`: the local API (REST, GraphQL, WebSocket, webhooks) with the background
//! scheduler, until Ctrl-C; and `maestro webhook-secret` to save a provider's signing secret.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use maestro_app::App;
use maestro_core::sensitive::Sensitive;
use maestro_gateway::{Gateway, GatewayConfig, TlsSetting};

/// Env var read by `maestro webhook-secret set` before prompting.
pub const WEBHOOK_SECRET_ENV: &str = "MAESTRO_WEBHOOK_SECRET";

/// `maestro serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port. Anything other than 127.0.0.1 (this computer) needs --tls and --allow.
    #[arg(long, default_value = "127.0.0.1:7878")]
    bind: SocketAddr,
    /// Serve TLS 1.3 with this installation's generated certificate (its fingerprint is
    /// printed for clients to pin).
    #[arg(long)]
    tls: bool,
    /// A client network allowed to connect (CIDR such as 192.168.1.0/24, or one address);
    /// repeat for several.
    #[arg(long = "allow", value_name = "CIDR")]
    allow: Vec<String>,
    /// Do not run scheduled syncs while serving.
    #[arg(long)]
    no_scheduler: bool,
}

/// `maestro webhook-secret` subcommands.
#[derive(Debug, Subcommand)]
pub enum WebhookSecretCommand {
    /// Save the secret a provider signs this connection's webhooks with (Gusto's verification
    /// token, BambooHR's private key), read from MAESTRO_WEBHOOK_SECRET or a prompt.
    Set {
        /// The connection (id, provider id or name).
        connection: String,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
}

/// Runs `maestro serve` until Ctrl-C.
pub async fn serve(app: &App, args: ServeArgs) -> Result<ExitCode> {
    let config = GatewayConfig {
        bind: args.bind,
        tls: if args.tls {
            TlsSetting::Generated
        } else {
            TlsSetting::Off
        },
        allowlist: GatewayConfig::parse_allowlist(&args.allow)?,
        ..GatewayConfig::default()
    };
    let app = app.clone().with_actor("api");
    let running = Gateway::start(app.clone(), config).await?;
    let mut out = std::io::stdout();
    writeln!(out, "Local API at {}", running.base_url())?;
    if let Some(fp) = running.tls_fingerprint() {
        writeln!(out, "TLS certificate SHA-256 fingerprint: {fp}")?;
    }
    writeln!(
        out,
        "REST {0}/api/v1, GraphQL {0}/graphql, events {0}/ws, description {0}/openapi.json. Ctrl-C stops.",
        running.base_url()
    )?;
    out.flush()?;
    let scheduler = (!args.no_scheduler).then(|| app.start_background_scheduler());
    tokio::signal::ctrl_c().await?;
    eprintln!("Stopping…");
    running.shutdown().await;
    if let Some(s) = scheduler {
        s.shutdown().await;
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs one `maestro webhook-secret` command.
pub async fn webhook_secret(app: &App, command: WebhookSecretCommand) -> Result<ExitCode> {
    let WebhookSecretCommand::Set {
        connection,
        company,
    } = command;
    let company = app.company(company.as_deref()).await?;
    let status = app.status().await?;
    let connections: Vec<_> = status
        .companies
        .into_iter()
        .filter(|c| c.company.id == company.id)
        .flat_map(|c| c.connections)
        .collect();
    let matches: Vec<_> = connections
        .iter()
        .filter(|c| {
            c.id.to_string() == connection
                || c.provider.eq_ignore_ascii_case(&connection)
                || c.display_name.eq_ignore_ascii_case(&connection)
        })
        .collect();
    let [target] = matches.as_slice() else {
        bail!(
            "{} connection(s) of {} match '{connection}'; use its id (`maestro status --json`)",
            matches.len(),
            company.name
        );
    };
    let secret = match std::env::var(WEBHOOK_SECRET_ENV) {
        Ok(s) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => rpassword::prompt_password(format!("Webhook secret for {}: ", target.display_name))?
            .trim()
            .to_owned(),
    };
    maestro_gateway::set_webhook_secret(app, company.id, target.id, &Sensitive::new(secret))
        .await?;
    println!(
        "Saved. {} can now send webhooks to /webhooks/{} on the local API.",
        target.display_name, target.id
    );
    Ok(ExitCode::SUCCESS)
}
