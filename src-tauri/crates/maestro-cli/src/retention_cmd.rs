//! `maestro retention show|set|purge`: how long each kind of record is kept after the person
//! leaves (documented defaults with their source), changing it, and purging what is past it
//! now (the scheduler also purges once a day).

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use maestro_app::App;
use maestro_app::retention::{RetentionRule, describe, parse_period};
use maestro_core::model::EntityKind;

/// `maestro retention` subcommands.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Each kind's period after termination, its default and where the default comes from.
    Show {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Set how long a kind is kept after termination: 4y, 18m, 400d, 3y6m, or never.
    Set {
        /// The kind (employee, time_entry, pay_statement, benefit_enrollment…).
        kind: String,
        /// The period after termination, or never.
        duration: String,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Purge now what is past its period (audited; the scheduler does it daily).
    Purge {
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
}

/// Runs a `maestro retention` command.
pub async fn run(app: &App, cmd: RetentionCommand) -> Result<ExitCode> {
    match cmd {
        RetentionCommand::Show { json, company } => {
            let company = app.company(company.as_deref()).await?;
            let rules = app.retention_policy(company.id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rules)?);
            } else {
                print_rules(&rules);
            }
        }
        RetentionCommand::Set {
            kind,
            duration,
            company,
        } => {
            let company = app.company(company.as_deref()).await?;
            let kind: EntityKind = kind
                .parse()
                .map_err(|e| anyhow::anyhow!("{e}; `maestro retention show` lists the kinds"))?;
            let period = parse_period(&duration)?;
            app.set_retention(company.id, kind, period).await?;
            match period {
                Some(p) => println!("{kind} records are now kept {p} after termination."),
                None => println!("{kind} records are now kept for ever."),
            }
        }
        RetentionCommand::Purge { company } => {
            let company = app.company(company.as_deref()).await?;
            let purged = app.purge_retention(company.id).await?;
            if purged.is_empty() {
                println!("Nothing is past its retention period.");
            }
            for line in describe(&purged) {
                println!("{line}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_rules(rules: &[RetentionRule]) {
    println!(
        "{:<20} {:<8} {:<8} SOURCE OF THE DEFAULT",
        "KIND", "KEPT", "DEFAULT"
    );
    for r in rules {
        println!(
            "{:<20} {:<8} {:<8} {}",
            r.kind.as_str(),
            r.period.as_deref().unwrap_or("never"),
            r.default.as_deref().unwrap_or("-"),
            r.source
        );
    }
    println!(
        "Kept after the person's termination (or the provider's deletion); other kinds are kept."
    );
}
