//! `maestro serve`: the local API (REST, GraphQL, WebSocket, webhooks) with the background
//! scheduler, until Ctrl-C; and `maestro webhook-secret` to save a provider's signing secret.
//!
//! Gusto's first webhook handshake: the local API only holds a received verification token as
//! a pending candidate, in this process's memory (anyone who reaches the address could have
//! sent it). `serve` prints a line when one arrives, naming it by a short reference (never the
//! token), and takes the owner's answer on its standard input: `show REF` prints the token to
//! verify with Gusto (`PUT /v1/webhook_subscriptions/{uuid}/verify`, which accepts only
//! Gusto's own token), and `confirm REF` then makes it the connection's webhook secret, in an
//! owner-audited write. Another process cannot reach the candidates, so a `serve` without input
//! (a service) says to run it in a terminal for this step.

use std::collections::HashSet;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use maestro_app::App;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::sensitive::Sensitive;
use maestro_gateway::{Gateway, GatewayConfig, PendingWebhookToken, RunningGateway, TlsSetting};
use tokio::sync::mpsc;

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
    /// Save the secret a provider signs this connection's webhooks with (BambooHR's private
    /// key; a Gusto verification token you already hold — one that arrives is confirmed in
    /// `maestro serve` or the app), read from MAESTRO_WEBHOOK_SECRET or a prompt.
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
    watch_until_ctrl_c(&app, &running).await?;
    eprintln!("Stopping…");
    running.shutdown().await;
    if let Some(s) = scheduler {
        s.shutdown().await;
    }
    Ok(ExitCode::SUCCESS)
}

/// How often `serve` looks for Gusto verification tokens waiting for the owner.
const TOKEN_POLL: Duration = Duration::from_secs(2);

/// Until Ctrl-C: announces Gusto verification tokens as they arrive and answers the owner's
/// `show`/`confirm` lines on standard input. Input is read only from the first announcement on,
/// so a `serve` sent to the background is not stopped by a terminal read before anything waits.
async fn watch_until_ctrl_c(app: &App, running: &RunningGateway) -> Result<()> {
    let mut lines: Option<mpsc::Receiver<String>> = None;
    let mut stdin_open = true;
    let mut announced: HashSet<String> = HashSet::new();
    let mut ticker = tokio::time::interval(TOKEN_POLL);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let reading = stdin_open && lines.is_some();
        tokio::select! {
            stop = &mut ctrl_c => return Ok(stop?),
            _ = ticker.tick() => match waiting(app, running).await {
                Ok(list) => {
                    for w in list.iter().filter(|w| announced.insert(w.reference.clone())) {
                        println!("{}", announcement(w, stdin_open));
                        lines.get_or_insert_with(stdin_lines);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not look for Gusto verification tokens"),
            },
            line = next_line(&mut lines), if reading => match line {
                Some(line) if !line.trim().is_empty() => {
                    println!("{}", answer(app, running, &line).await);
                }
                Some(_) => {}
                None => {
                    stdin_open = false;
                    println!("{NO_INPUT}");
                }
            },
        }
        let _ = std::io::stdout().flush();
    }
}

/// Said when standard input is closed while a token waits.
const NO_INPUT: &str = "This `maestro serve` reads no input, so a Gusto verification token cannot \
     be confirmed here: run `maestro serve` in a terminal, in the foreground, and ask Gusto to \
     send the token again.";

async fn next_line(lines: &mut Option<mpsc::Receiver<String>>) -> Option<String> {
    match lines {
        Some(rx) => rx.recv().await,
        None => None,
    }
}

/// Standard input's lines, read on a thread of their own (a blocking read must not keep the
/// runtime from shutting down at Ctrl-C).
fn stdin_lines() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel(8);
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A Gusto verification token waiting for the owner, as `serve` names it.
struct Waiting {
    company: CompanyId,
    connection: ConnectionId,
    name: String,
    token: PendingWebhookToken,
    reference: String,
}

/// The short reference of a token (the start of its SHA-256; it does not reveal the token).
fn reference(token: &str) -> String {
    let mut digest = maestro_store::digest::sha256_hex(&[token]);
    digest.truncate(8);
    digest
}

/// The tokens waiting at the Gusto connections of every company.
async fn waiting(app: &App, running: &RunningGateway) -> Result<Vec<Waiting>> {
    let mut out = Vec::new();
    let mut conn = app.store().pool().acquire().await?;
    for company in app.companies().await? {
        let connections = maestro_store::connections::list(&mut conn, company.id).await?;
        for c in connections.into_iter().filter(|c| c.provider == "gusto") {
            for token in running.pending_webhook_tokens(c.id) {
                out.push(Waiting {
                    company: company.id,
                    connection: c.id,
                    name: c.display_name.clone(),
                    reference: reference(token.token.expose()),
                    token,
                });
            }
        }
    }
    Ok(out)
}

/// The line printed when a token arrives: where from, and what to do.
fn announcement(w: &Waiting, interactive: bool) -> String {
    let what_next = if interactive {
        format!(
            "Type `show {0}` to see it, send it to Gusto to verify the webhook subscription \
             (PUT /v1/webhook_subscriptions/{{uuid}}/verify; Gusto accepts only its own token), \
             then type `confirm {0}` here.",
            w.reference
        )
    } else {
        NO_INPUT.to_owned()
    };
    format!(
        "Gusto verification token {} for {} ({}) arrived from {} at {}. It is not used until \
         you confirm it. {what_next}",
        w.reference,
        w.name,
        w.connection,
        w.token.from,
        w.token.received_at.to_rfc3339()
    )
}

/// What the owner typed: `show REF`, `confirm REF`, or something else.
#[derive(Debug, PartialEq, Eq)]
enum OwnerLine<'a> {
    Show(&'a str),
    Confirm(&'a str),
    Other,
}

fn parse_line(line: &str) -> OwnerLine<'_> {
    let mut words = line.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("show"), Some(r), None) => OwnerLine::Show(r),
        (Some("confirm"), Some(r), None) => OwnerLine::Confirm(r),
        _ => OwnerLine::Other,
    }
}

/// The answer to one line of the owner's.
async fn answer(app: &App, running: &RunningGateway, line: &str) -> String {
    let (show, r) = match parse_line(line) {
        OwnerLine::Show(r) => (true, r),
        OwnerLine::Confirm(r) => (false, r),
        OwnerLine::Other => {
            return "Type `show REF` or `confirm REF` for a Gusto verification token \
                    (REF as printed when it arrived); Ctrl-C stops."
                .to_owned();
        }
    };
    let list = match waiting(app, running).await {
        Ok(list) => list,
        Err(e) => return format!("Could not read the waiting tokens: {e}"),
    };
    let Some(w) = list.iter().find(|w| w.reference.eq_ignore_ascii_case(r)) else {
        return format!(
            "No Gusto verification token {r} is waiting (it was confirmed or replaced, or it \
             expired after 24 hours). Ask Gusto to send a new one."
        );
    };
    if show {
        return format!("Token {r} for {}: {}", w.name, w.token.token.expose());
    }
    match running
        .confirm_webhook_token(w.company, w.connection, &w.token.token)
        .await
    {
        Ok(()) => format!(
            "Saved. Gusto's events to {} are now checked with token {r}.",
            w.name
        ),
        Err(e) => format!("Not confirmed: {}", e.message),
    }
}

/// Runs one `maestro webhook-secret` command.
pub async fn webhook_secret(app: &App, command: WebhookSecretCommand) -> Result<ExitCode> {
    let WebhookSecretCommand::Set {
        connection,
        company,
    } = command;
    let company = app.company(company.as_deref()).await?;
    let connections = app.connections(company.id).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_lines_are_show_or_confirm_with_one_reference() {
        assert_eq!(parse_line("show 1a2b3c4d"), OwnerLine::Show("1a2b3c4d"));
        assert_eq!(
            parse_line("  confirm 1a2b3c4d \n"),
            OwnerLine::Confirm("1a2b3c4d")
        );
        assert_eq!(parse_line("confirm"), OwnerLine::Other);
        assert_eq!(parse_line("confirm a b"), OwnerLine::Other);
        assert_eq!(parse_line("yes"), OwnerLine::Other);
    }

    #[test]
    fn a_reference_names_a_token_without_showing_it() {
        let r = reference("6590f590-3dba-4b8e-9c41-2ad1c0ffee00");
        assert_eq!(r.len(), 8);
        assert!(!"6590f590-3dba-4b8e-9c41-2ad1c0ffee00".contains(&r));
        assert_ne!(r, reference("6590f590-3dba-4b8e-9c41-2ad1c0ffee01"));
    }
}
