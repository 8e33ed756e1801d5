//! `maestro schedule`: see and change when connections sync on their own (the desktop app's
//! background scheduler, or any process running one, follows these saved schedules).

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Subcommand;
use maestro_app::App;
use maestro_app::schedule::{ConnectionSchedule, ScheduleState, ScheduleTarget};
use maestro_core::ids::CompanyId;

/// `maestro schedule` subcommands.
#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Show each connection's interval, state, last and next run.
    Show {
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Set how often a connection syncs, or go back to its provider's default.
    Set {
        /// The connection (id, provider id or name).
        connection: String,
        /// The interval, e.g. 90s, 10m, 1h, 1h30m, 1d (between 1 minute and 7 days).
        #[arg(long, value_name = "INTERVAL", required_unless_present = "default")]
        every: Option<String>,
        /// Use the provider's default interval.
        #[arg(long, conflicts_with = "every")]
        default: bool,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Pause scheduled syncs of a connection, or of every connection with --all.
    Pause {
        /// The connection (id, provider id or name).
        #[arg(required_unless_present = "all")]
        connection: Option<String>,
        /// Pause every connection of every company.
        #[arg(long, conflicts_with = "connection")]
        all: bool,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// How many hours may pass before a scheduled (incremental) sync also reads everything,
    /// which finds deletions a provider does not report (0 = every run; default 24).
    FullEvery {
        /// Hours between full reads.
        hours: i64,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Resume scheduled syncs; anything that fell due while paused runs once, at once.
    Resume {
        /// The connection (id, provider id or name).
        #[arg(required_unless_present = "all")]
        connection: Option<String>,
        /// Resume the installation-wide pause (connections paused one by one stay paused).
        #[arg(long, conflicts_with = "connection")]
        all: bool,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
}

/// Runs one `maestro schedule` subcommand.
pub async fn run(app: &App, command: ScheduleCommand) -> Result<ExitCode> {
    match command {
        ScheduleCommand::FullEvery { hours, company } => {
            let company = app.company(company.as_deref()).await?;
            app.set_full_sync_cadence(company.id, hours).await?;
            println!(
                "Scheduled syncs of {} now read everything at least every {hours} hour(s).",
                company.name
            );
        }
        ScheduleCommand::Show { company, json } => {
            let company = app.company(company.as_deref()).await?;
            let schedules = app.schedules(company.id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&schedules)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "Scheduled syncs of {}{}",
                company.name,
                if schedules.paused_globally {
                    " (all paused: `maestro schedule resume --all`)"
                } else {
                    ""
                }
            );
            if schedules.connections.iter().any(|s| !s.custom_interval) {
                println!("  (* the provider's default interval)");
            }
            if schedules.connections.is_empty() {
                println!("  no connections yet; add one with `maestro connect <provider>`");
            }
            for s in &schedules.connections {
                println!("  {}", line(s));
            }
        }
        ScheduleCommand::Set {
            connection,
            every,
            default: _,
            company,
        } => {
            let interval = every.as_deref().map(parse_interval).transpose()?;
            let (company_id, target) = find(app, company.as_deref(), &connection).await?;
            let s = app
                .set_schedule(company_id, target.connection_id, interval)
                .await?;
            println!("{}", line(&s));
        }
        ScheduleCommand::Pause {
            connection,
            all,
            company,
        } => {
            let target = target(app, company.as_deref(), connection.as_deref(), all).await?;
            app.pause_schedule(target).await?;
            println!(
                "Paused {}. `maestro sync` still syncs on demand.",
                describe(&target)
            );
        }
        ScheduleCommand::Resume {
            connection,
            all,
            company,
        } => {
            let target = target(app, company.as_deref(), connection.as_deref(), all).await?;
            app.resume_schedule(target).await?;
            println!("Resumed {}.", describe(&target));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(target: &ScheduleTarget) -> &'static str {
    match target {
        ScheduleTarget::All => "scheduled syncs of every connection",
        ScheduleTarget::Connection { .. } => "scheduled syncs of this connection",
    }
}

async fn target(
    app: &App,
    company: Option<&str>,
    connection: Option<&str>,
    all: bool,
) -> Result<ScheduleTarget> {
    match (connection, all) {
        (_, true) => Ok(ScheduleTarget::All),
        (Some(sel), false) => {
            let (company_id, s) = find(app, company, sel).await?;
            Ok(ScheduleTarget::Connection {
                company_id,
                connection_id: s.connection_id,
            })
        }
        (None, false) => bail!("name a connection, or pass --all"),
    }
}

/// The connection picked by id, provider id or name.
async fn find(
    app: &App,
    company: Option<&str>,
    selector: &str,
) -> Result<(CompanyId, ConnectionSchedule)> {
    let company = app.company(company).await?;
    let all = app.schedules(company.id).await?.connections;
    let names = all
        .iter()
        .map(|s| s.display_name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut matches: Vec<ConnectionSchedule> = all
        .iter()
        .filter(|s| {
            s.connection_id.to_string() == selector
                || s.provider.eq_ignore_ascii_case(selector)
                || s.display_name.eq_ignore_ascii_case(selector)
        })
        .cloned()
        .collect();
    match matches.len() {
        1 => Ok((company.id, matches.remove(0))),
        0 => bail!(
            "{} has no connection '{selector}'; connections: {}",
            company.name,
            if names.is_empty() { "none" } else { &names }
        ),
        _ => bail!(
            "several connections of {} match '{selector}'; use its id (`maestro schedule show --json`)",
            company.name
        ),
    }
}

fn line(s: &ConnectionSchedule) -> String {
    let mut out = format!(
        "{:<22} every {:<8} {}",
        s.display_name,
        format!(
            "{}{}",
            fmt_interval(s.interval_seconds),
            if s.custom_interval { "" } else { "*" }
        ),
        state_text(s)
    );
    if let Some(ok) = s.last_success_at {
        out.push_str(&format!(
            "; last synced {}",
            ok.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    if let Some(e) = &s.last_error {
        out.push_str(&format!("; last error: {e}"));
    }
    out
}

fn state_text(s: &ConnectionSchedule) -> String {
    const AT: &str = "%Y-%m-%d %H:%M UTC";
    match &s.state {
        ScheduleState::Requested => "sync requested, starting soon".into(),
        ScheduleState::Due => "due now".into(),
        ScheduleState::Waiting { until } => format!("next at {}", until.format(AT)),
        ScheduleState::BackingOff { until } => format!(
            "retrying at {} after {} failed run{}",
            until.format(AT),
            s.consecutive_failures,
            if s.consecutive_failures == 1 { "" } else { "s" }
        ),
        ScheduleState::Paused => "paused".into(),
        ScheduleState::PausedGlobally => "paused (all schedules)".into(),
        ScheduleState::NeedsReconnect => "waiting to be reconnected (see `maestro alerts`)".into(),
    }
}

/// Parses `90s`, `10m`, `1h`, `1h30m`, `2d` (or a bare number of minutes) into seconds.
pub fn parse_interval(text: &str) -> Result<i64> {
    let text = text.trim();
    if let Ok(minutes) = text.parse::<i64>() {
        return minutes
            .checked_mul(60)
            .ok_or_else(|| anyhow::anyhow!("'{text}' is too long an interval"));
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut parts = 0;
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let unit = match ch.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => bail!("'{text}' is not an interval; write it like 90s, 10m, 1h30m or 1d"),
        };
        let n: i64 = number.parse().map_err(|_| {
            anyhow::anyhow!("'{text}' is not an interval; write it like 90s, 10m, 1h30m or 1d")
        })?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| anyhow::anyhow!("'{text}' is too long an interval"))?;
        number.clear();
        parts += 1;
    }
    if parts == 0 || !number.is_empty() {
        bail!("'{text}' is not an interval; write it like 90s, 10m, 1h30m or 1d");
    }
    Ok(total)
}

/// Writes seconds as `1h30m`, `5m`, `45s`, `2d`.
pub fn fmt_interval(seconds: i64) -> String {
    if seconds <= 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, name) in [(86_400, 'd'), (3_600, 'h'), (60, 'm'), (1, 's')] {
        if rest >= unit {
            out.push_str(&format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn intervals_parse_and_print() {
        assert_eq!(parse_interval("90s").unwrap(), 90);
        assert_eq!(parse_interval("10m").unwrap(), 600);
        assert_eq!(parse_interval("1h30m").unwrap(), 5_400);
        assert_eq!(parse_interval("2D").unwrap(), 172_800);
        assert_eq!(parse_interval(" 15 ").unwrap(), 900);
        for bad in ["", "m", "10x", "1h30", "-5m", "99999999999999999999d"] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
        assert_eq!(fmt_interval(5_400), "1h30m");
        assert_eq!(fmt_interval(300), "5m");
        assert_eq!(fmt_interval(90_061), "1d1h1m1s");
        for s in [45, 600, 5_400, 604_800] {
            assert_eq!(parse_interval(&fmt_interval(s)).unwrap(), s);
        }
    }
}
