//! `maestro routes`: plan what flows where, show the exact diff, approve what changes pay,
//! and run the outbox.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Subcommand, ValueEnum};
use maestro_app::App;
use maestro_app::routes::{
    OutboxRun, PlanState, PlannedItem, RoutePlan, RouteSettings, WriteResult, parse_date,
};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_store::outbox::{OutboxItem, OutboxStatus};
use maestro_sync::routes::Route;
use maestro_sync::routes::hours::HoursPreview;

/// Route subcommands.
#[derive(Debug, Subcommand)]
pub enum RoutesCommand {
    /// Plan every route from the synced records and show the exact changes, field by field;
    /// new writes are queued in the outbox (changes to pay wait for approval).
    Plan {
        /// Only show what would be written; queue nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Approve a queued write that changes pay (its id is shown by `plan` and `queue`).
    Approve {
        /// The outbox id.
        id: String,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Write everything due in the outbox to the providers (failures are retried later).
    Run {
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Hours per employee for a pay period, with each entry and the sum.
    Hours {
        /// A day in the pay period (YYYY-MM-DD); default: the period after the latest payroll.
        #[arg(long, value_name = "START")]
        period: Option<String>,
        /// Approve these hours (recorded in the audit log); enter them in payroll afterwards.
        #[arg(long)]
        approve: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// List the outbox: what is waiting, queued, written or failed.
    Queue {
        /// Only writes in this state.
        #[arg(long, value_enum)]
        status: Option<QueueStatus>,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Put a failed write back in the queue.
    Retry {
        /// The outbox id.
        id: String,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Show or change which routes run and which connections they use.
    Config {
        /// Turn a route on (hris_to_payroll, time_to_payroll, hris_to_background_checks).
        #[arg(long, value_name = "ROUTE")]
        enable: Vec<String>,
        /// Turn a route off.
        #[arg(long, value_name = "ROUTE")]
        disable: Vec<String>,
        /// Whether writes that change pay wait for approval.
        #[arg(long, value_enum)]
        pay_approval: Option<OnOff>,
        /// The HRIS connection to read (id), when there are several.
        #[arg(long, value_name = "CONNECTION")]
        hris: Option<String>,
        /// The payroll connection to write to (id), when there are several.
        #[arg(long, value_name = "CONNECTION")]
        payroll: Option<String>,
        /// The time-tracking connection to read (id), when there are several.
        #[arg(long, value_name = "CONNECTION")]
        time_tracking: Option<String>,
        /// Your pay schedule, for a payroll whose pay periods cannot be read (QuickBooks
        /// Online): monthly, semi-monthly, weekly:YYYY-MM-DD or biweekly:YYYY-MM-DD (the first
        /// day of any one period); `none` forgets it.
        #[arg(long, value_name = "SCHEDULE")]
        pay_schedule: Option<String>,
        /// The background-check package new hires are ordered with (an id the provider lists,
        /// e.g. Checkr's `tasker_standard`); every order still waits for approval.
        #[arg(long, value_name = "PACKAGE")]
        check_package: Option<String>,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
}

/// Outbox states for `routes queue --status`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum QueueStatus {
    /// Waiting for approval.
    AwaitingApproval,
    /// Queued.
    Pending,
    /// Written.
    Done,
    /// Given up on.
    Failed,
}

/// On or off.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OnOff {
    /// On.
    On,
    /// Off.
    Off,
}

/// Runs a routes subcommand.
pub async fn run(app: &App, command: RoutesCommand) -> Result<ExitCode> {
    match command {
        RoutesCommand::Plan {
            dry_run,
            json,
            company,
        } => {
            let company = app.company(company.as_deref()).await?;
            let plan = app.plan_routes(company.id, dry_run).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&plan)?);
            } else {
                print_plan(&plan);
            }
        }
        RoutesCommand::Approve { id, company } => {
            let company = app.company(company.as_deref()).await?;
            let item = app.approve(company.id, &id).await?;
            println!(
                "Approved: {}. It is written at the next `maestro routes run`.",
                item.summary
            );
        }
        RoutesCommand::Run { company } => {
            let company = app.company(company.as_deref()).await?;
            let run = app.process_outbox(company.id).await?;
            print_run(&run);
            if run
                .attempts
                .iter()
                .any(|a| matches!(a.result, WriteResult::Failed { .. }))
            {
                return Ok(ExitCode::from(2));
            }
        }
        RoutesCommand::Hours {
            period,
            approve,
            json,
            company,
        } => {
            let company = app.company(company.as_deref()).await?;
            let period = period.as_deref().map(parse_date).transpose()?;
            let preview = if approve {
                app.approve_hours(company.id, period).await?
            } else {
                app.hours_preview(company.id, period).await?
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&preview)?);
            } else {
                print_hours(&preview);
                if approve {
                    println!(
                        "\nApproved and recorded in the audit log. Enter these hours in payroll: \
                         its connector cannot write time sheets yet."
                    );
                }
            }
        }
        RoutesCommand::Queue { status, company } => {
            let company = app.company(company.as_deref()).await?;
            let status = status.map(|s| match s {
                QueueStatus::AwaitingApproval => OutboxStatus::AwaitingApproval,
                QueueStatus::Pending => OutboxStatus::Pending,
                QueueStatus::Done => OutboxStatus::Done,
                QueueStatus::Failed => OutboxStatus::Failed,
            });
            let items = app.outbox(company.id, status).await?;
            if items.is_empty() {
                println!("The outbox is empty.");
            }
            for i in &items {
                print_item(i);
            }
        }
        RoutesCommand::Retry { id, company } => {
            let company = app.company(company.as_deref()).await?;
            let item = app.retry_write(company.id, &id).await?;
            println!("Queued again: {} ({}).", item.summary, words(item.status));
        }
        RoutesCommand::Config {
            enable,
            disable,
            pay_approval,
            hris,
            payroll,
            time_tracking,
            pay_schedule,
            check_package,
            company,
        } => {
            let company = app.company(company.as_deref()).await?;
            let mut cfg = app.route_settings(company.id).await?;
            let changed = !enable.is_empty()
                || !disable.is_empty()
                || pay_approval.is_some()
                || hris.is_some()
                || payroll.is_some()
                || time_tracking.is_some()
                || pay_schedule.is_some();
            match pay_schedule.as_deref() {
                None => {}
                Some("none") => cfg.pay_schedule = None,
                Some(text) => cfg.pay_schedule = Some(text.parse().map_err(anyhow::Error::msg)?),
            }
            for r in &enable {
                let r = parse_route(r)?;
                cfg.disabled.retain(|d| *d != r);
            }
            for r in &disable {
                let r = parse_route(r)?;
                if !cfg.disabled.contains(&r) {
                    cfg.disabled.push(r);
                }
            }
            if let Some(p) = pay_approval {
                cfg.approve_pay_changes = matches!(p, OnOff::On);
            }
            set_connection(app, company.id, &mut cfg.hris, hris.as_deref()).await?;
            set_connection(app, company.id, &mut cfg.payroll, payroll.as_deref()).await?;
            set_connection(
                app,
                company.id,
                &mut cfg.time_tracking,
                time_tracking.as_deref(),
            )
            .await?;
            if changed {
                app.set_route_settings(company.id, &cfg).await?;
            }
            if let Some(p) = check_package {
                cfg = app.set_check_package(company.id, &p).await?;
            }
            print_config(&cfg);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_route(text: &str) -> Result<Route> {
    text.parse::<Route>().map_err(anyhow::Error::msg)
}

async fn set_connection(
    app: &App,
    company: CompanyId,
    slot: &mut Option<ConnectionId>,
    selector: Option<&str>,
) -> Result<()> {
    let Some(sel) = selector else { return Ok(()) };
    let found = app.connections(company).await?.into_iter().find(|c| {
        c.id.to_string() == sel
            || c.display_name.eq_ignore_ascii_case(sel)
            || c.provider.eq_ignore_ascii_case(sel)
    });
    match found {
        Some(c) => {
            *slot = Some(c.id);
            Ok(())
        }
        None => bail!("no connection '{sel}'; see `maestro status` for the connections"),
    }
}

fn words(s: OutboxStatus) -> String {
    s.as_str().replace('_', " ")
}

fn show(v: Option<&str>) -> &str {
    v.unwrap_or("(none)")
}

fn print_write(w: &PlannedItem) {
    let state = match w.state {
        PlanState::New if w.requires_approval => "new, needs approval".to_owned(),
        PlanState::New => "new".to_owned(),
        PlanState::Queued(s) => words(s),
    };
    println!("  [{state}] {}", w.summary);
    for c in &w.changes {
        println!(
            "      {}: {} → {}",
            c.field,
            show(c.before.as_deref()),
            show(c.after.as_deref())
        );
    }
    for n in &w.notes {
        println!("      note: {n}");
    }
    if let Some(id) = &w.outbox_id {
        let hint = if w.state == PlanState::Queued(OutboxStatus::AwaitingApproval)
            || (w.state == PlanState::New && w.requires_approval)
        {
            format!(" — approve with `maestro routes approve {id}`")
        } else {
            String::new()
        };
        println!("      outbox id {id}{hint}");
    }
}

fn print_plan(plan: &RoutePlan) {
    if plan.dry_run {
        println!("Dry run: nothing was queued or written.\n");
    }
    if plan.writes.is_empty() {
        println!("Nothing to write.");
    } else {
        println!("Writes:");
        for w in &plan.writes {
            print_write(w);
        }
        let new = plan.new_writes().count();
        if !plan.dry_run && new > 0 {
            println!(
                "\n{new} write(s) queued. Run them with `maestro routes run` (changes to pay \
                 wait for approval)."
            );
        }
    }
    if !plan.skipped.is_empty() {
        println!("\nLeft out:");
        for s in &plan.skipped {
            println!("  - {}: {}", s.who, s.reason);
        }
    }
    if let Some(h) = &plan.hours {
        println!();
        print_hours(h);
    }
    if !plan.notes.is_empty() {
        println!();
        for n in &plan.notes {
            println!("Note: {n}");
        }
    }
}

fn print_hours(h: &HoursPreview) {
    println!("Hours for the pay period {}:", h.period);
    if h.employees.is_empty() {
        println!("  No tracked hours for payroll employees in this period.");
    }
    for e in &h.employees {
        println!("  {} <{}>: {} h", e.name, e.work_email, e.total);
        for l in &e.lines {
            let what = [l.project.as_deref(), l.task.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" / ");
            println!("      {}  {:>6}  {what}", l.date, l.hours);
        }
        println!("      {}", e.calculation());
    }
    println!("  Total: {} h", h.total);
    for u in &h.unmatched {
        println!(
            "  Not for payroll: {} ({} entries, {} h): {}",
            u.name, u.entries, u.total, u.reason
        );
    }
    if h.running_excluded > 0 {
        println!(
            "  {} running timer(s) left out: their hours are not final yet.",
            h.running_excluded
        );
    }
}

fn print_run(run: &OutboxRun) {
    if run.attempts.is_empty() {
        println!("Nothing was due.");
    }
    for a in &run.attempts {
        match &a.result {
            WriteResult::Written {
                remote_id,
                applied_now: true,
            } => println!("Written: {} (id {remote_id})", a.summary),
            WriteResult::Written { remote_id, .. } => println!(
                "Already there: {} (id {remote_id}); an earlier attempt had written it",
                a.summary
            ),
            WriteResult::Retrying {
                error,
                next_attempt_at,
            } => println!(
                "Will retry at {}: {} — {error}",
                next_attempt_at.format("%Y-%m-%d %H:%M UTC"),
                a.summary
            ),
            WriteResult::Failed { error } => println!(
                "Failed: {} — {error}. Retry with `maestro routes retry {}`",
                a.summary, a.outbox_id
            ),
        }
    }
    if run.awaiting_approval > 0 {
        println!(
            "{} write(s) wait for approval: see `maestro routes queue --status awaiting-approval`.",
            run.awaiting_approval
        );
    }
}

fn print_item(i: &OutboxItem) {
    println!("{}  [{}]  {}", i.id, words(i.status), i.summary);
    if i.attempts > 0 {
        println!("      attempts: {}", i.attempts);
    }
    if let Some(e) = &i.last_error {
        println!("      last error: {e}");
    }
    if let Some(by) = &i.approved_by {
        println!("      approved by {by}");
    }
}

fn print_config(cfg: &RouteSettings) {
    for r in Route::ALL {
        let on = if cfg.enabled(*r) { "on " } else { "off" };
        println!("{on}  {}  {}", r.as_str(), r.label());
    }
    println!(
        "Changes to pay wait for approval: {}",
        if cfg.approve_pay_changes { "yes" } else { "no" }
    );
    let conn =
        |c: &Option<ConnectionId>| c.map_or_else(|| "automatic".to_owned(), |c| c.to_string());
    println!("HRIS: {}", conn(&cfg.hris));
    println!("Payroll: {}", conn(&cfg.payroll));
    println!("Time tracking: {}", conn(&cfg.time_tracking));
    println!("Background checks: {}", conn(&cfg.background_checks));
    println!(
        "Pay schedule: {}",
        cfg.pay_schedule.map_or_else(
            || "from payroll (its runs or pay statements)".to_owned(),
            |c| format!("{c} (yours; payroll's own runs or statements win)")
        )
    );
    match &cfg.check_package {
        Some(p) => println!(
            "Background check package: {} ({}){}, for people hired from {}",
            p.name,
            p.id,
            p.price.map(|m| format!(", {m} each")).unwrap_or_default(),
            cfg.checks_hired_since
                .map_or_else(|| "now".to_owned(), |d| d.to_string())
        ),
        None => println!(
            "Background check package: none chosen (the route orders nothing); choose one \
             with --check-package"
        ),
    }
}
