//! `maestro conflicts`: the review queue of differences between systems — list them, compare
//! again, and settle one by keeping a system's value or typing the right one.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use maestro_app::App;
use maestro_app::review::Choice;
use maestro_store::conflicts::Conflict;
use maestro_sync::conflicts::FieldValue;

/// `maestro conflicts` arguments.
#[derive(Debug, Args)]
pub struct ConflictsCommand {
    /// What to do (default: list the open ones).
    #[command(subcommand)]
    pub action: Option<ConflictsAction>,
    /// The company (id or name); needed when there are several.
    #[arg(long, global = true)]
    pub company: Option<String>,
}

/// `maestro conflicts` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConflictsAction {
    /// Show the differences waiting for a decision.
    List {
        /// Include settled ones, with who decided what.
        #[arg(long)]
        all: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Compare the systems again now (also raises or clears discrepancy alerts).
    Detect,
    /// Settle one difference: keep one system's value, or give the right value.
    Resolve {
        /// The conflict id (or a unique start of it) from `maestro conflicts list`.
        id: String,
        /// Keep this system's value: its connector (e.g. gusto), connection id or kind (payroll).
        #[arg(long, value_name = "SOURCE", required_unless_present = "value")]
        keep: Option<String>,
        /// Use this value instead (a pay rate takes an amount, e.g. 31.50).
        #[arg(long, value_name = "VALUE", conflicts_with = "keep")]
        value: Option<String>,
    },
}

fn value_text(v: &serde_json::Value) -> String {
    serde_json::from_value::<FieldValue>(v.clone())
        .map(|f| f.to_string())
        .unwrap_or_else(|_| v.to_string())
}

fn print(c: &Conflict) {
    println!("{}  {} — {}", c.id, c.person, c.field.replace('_', " "));
    for s in &c.sources {
        let mark = if c.suggested == Some(s.connection_id) {
            "  (suggested)"
        } else {
            ""
        };
        println!("    {:<10} {}{mark}", s.provider, value_text(&s.value));
    }
    if let Some(base) = &c.base_value {
        println!("    last agreed: {}", value_text(base));
    }
    if c.status != "open" {
        let kept = c
            .resolution
            .as_ref()
            .and_then(|r| r.get("value"))
            .map(value_text)
            .unwrap_or_default();
        println!(
            "    settled: {kept} by {}{}",
            c.resolved_by.as_deref().unwrap_or("?"),
            c.resolved_at
                .map(|t| format!(" at {}", t.to_rfc3339()))
                .unwrap_or_default()
        );
    }
}

/// Runs `maestro conflicts`.
pub async fn run(app: &App, cmd: ConflictsCommand) -> Result<ExitCode> {
    let company = app.company(cmd.company.as_deref()).await?;
    match cmd.action.unwrap_or(ConflictsAction::List {
        all: false,
        json: false,
    }) {
        ConflictsAction::List { all, json } => {
            let list = app.conflicts(company.id, all).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("No differences waiting for a decision in {}.", company.name);
            } else {
                for c in &list {
                    print(c);
                }
                println!(
                    "\nSettle one with `maestro conflicts resolve ID --keep SOURCE` (or --value VALUE)."
                );
            }
        }
        ConflictsAction::Detect => {
            let s = app.detect_conflicts(company.id).await?;
            println!(
                "Compared {} people: {} new difference(s) to review, {} still waiting, {} settled by the rules, {} closed; {} discrepancy alert(s).",
                s.people, s.opened, s.still_open, s.decided, s.closed, s.discrepancies
            );
        }
        ConflictsAction::Resolve { id, keep, value } => {
            let choice = match (keep, value) {
                (Some(k), None) => Choice::Keep(k),
                (None, Some(v)) => Choice::Value(v),
                _ => bail!("give either --keep SOURCE or --value VALUE"),
            };
            let c = app.resolve_conflict(company.id, &id, &choice).await?;
            print(&c);
            let writes = c
                .resolution
                .as_ref()
                .and_then(|r| r.get("proposed_writes"))
                .and_then(|w| w.as_array())
                .map(Vec::len)
                .unwrap_or(0);
            if writes > 0 {
                println!("{writes} update(s) proposed to the other system(s), waiting to be sent.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
