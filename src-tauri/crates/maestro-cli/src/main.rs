//! `maestro`: the command-line twin of the Integration Maestro desktop app.

mod api_key_cmd;
mod commands;
mod compliance_cmd;
mod compliance_docs_cmd;
mod conflicts_cmd;
mod connect_cmd;
mod demo_cmd;
mod erase_cmd;
mod people_cmd;
mod progress_bar;
mod retention_cmd;
mod routes_cmd;
mod sandbox_cmd;
mod schedule_cmd;
mod secrets;
mod serve_cmd;
mod sync_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Integration Maestro — keep your HR tools in step, from your own machine.
#[derive(Debug, Parser)]
#[command(name = "maestro", version, about, long_about = None)]
pub struct Cli {
    /// Data folder (default: the platform's app-data folder).
    #[arg(long, global = true, env = "MAESTRO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the encrypted store and the first company.
    Init {
        /// The first company's name.
        #[arg(long, default_value = "My Company")]
        company: String,
        /// Protect the store with a passphrase (MAESTRO_PASSPHRASE or a prompt) instead of a
        /// random key in the system keychain.
        #[arg(long)]
        passphrase: bool,
    },
    /// Show what the store holds.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Show only this company (id or name), read without the others.
        #[arg(long)]
        company: Option<String>,
    },
    /// Manage companies (a bookkeeper can keep several clients apart).
    #[command(subcommand)]
    Company(CompanyCommand),
    /// Check or export the tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Export canonical records as JSON or CSV.
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// JSON: a file, or - for standard output. CSV: a folder for one file per kind.
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// Only this kind of record (e.g. employee, time_entry).
        #[arg(long)]
        kind: Option<String>,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
        /// Write SSNs, birth dates, bank and tax numbers in clear (masked by default).
        #[arg(long)]
        include_sensitive: bool,
        /// Include the providers' raw payloads (JSON only).
        #[arg(long)]
        include_raw: bool,
    },
    /// Write an encrypted, integrity-checked backup file (passphrase: MAESTRO_BACKUP_PASSPHRASE or a prompt).
    Backup {
        /// The backup file to create.
        file: PathBuf,
    },
    /// Restore a backup into an empty data folder (--data-dir).
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Protect the restored store with a passphrase instead of the system keychain.
        #[arg(long)]
        passphrase: bool,
    },
    /// List the connectors (built in, and added from provider files) with what each can read
    /// and write; `add FILE` adds one from a provider file, `remove ID` takes it away.
    Connectors {
        /// Print JSON (the manifests) instead of a table.
        #[arg(long)]
        json: bool,
        /// Add or remove a connector defined by a provider file.
        #[command(subcommand)]
        action: Option<ConnectorsAction>,
    },
    /// Connect a provider: asks for what it needs (or take --set key=value), signs in, tests
    /// the connection and saves it only if the test passes.
    Connect {
        /// Connector id (see `maestro connectors`), e.g. bamboohr, gusto, harvest.
        provider: String,
        /// A form value, e.g. --set subdomain=acme (secrets are better typed at the prompt).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// API address instead of the provider's production one (its sandbox, a region, or
        /// the local `maestro sandbox`).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// OAuth sign-in address instead of the provider's.
        #[arg(long, value_name = "URL")]
        auth_url: Option<String>,
        /// OAuth client id (providers that sign in with OAuth).
        #[arg(long, env = "MAESTRO_OAUTH_CLIENT_ID")]
        client_id: Option<String>,
        /// How to show the sign-in page.
        #[arg(long, value_enum, default_value_t = BrowserMode::System)]
        browser: BrowserMode,
        /// The name to show for this connection.
        #[arg(long)]
        name: Option<String>,
        /// Also sync SSNs, birth dates and bank numbers from this provider (off by default).
        #[arg(long)]
        sync_sensitive: bool,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Sync now: read from the provider(s) into the encrypted store.
    Sync {
        /// The connection (id, provider id or name); all connections when left out.
        connection: Option<String>,
        /// Only this kind of record (e.g. employee, time_entry).
        #[arg(long)]
        entity: Option<String>,
        /// Re-read everything (and detect deletions) instead of only what changed.
        #[arg(long)]
        full: bool,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Differences between systems waiting for a decision: list them, compare again, or settle
    /// one by keeping a system's value (`resolve ID --keep gusto`).
    Conflicts(conflicts_cmd::ConflictsCommand),
    /// The unified roster: one row per person across systems, where each value came from, and
    /// confirm / split / merge of the links between their records.
    People(people_cmd::PeopleCommand),
    /// When connections sync on their own: show the schedules, set an interval, pause or
    /// resume one connection or all (`maestro schedule pause --all`).
    #[command(subcommand)]
    Schedule(schedule_cmd::ScheduleCommand),
    /// Routes (what flows where): plan the writes with their exact diff (--dry-run to only
    /// look), approve changes to pay, run the outbox, and preview hours per pay period.
    #[command(subcommand)]
    Routes(routes_cmd::RoutesCommand),
    /// Data retention: how long each kind is kept after termination (documented defaults),
    /// set a period (`maestro retention set time_entry 3y`), or purge now.
    #[command(subcommand)]
    Retention(retention_cmd::RetentionCommand),
    /// Compliance calendar (the substitute for ComplianceHR/HR360): what is due and why,
    /// its iCalendar export, its settings, and marking items done.
    #[command(subcommand)]
    Compliance(compliance_cmd::ComplianceCommand),
    /// Serve the local API (REST, GraphQL, live events, provider webhooks) on 127.0.0.1, with
    /// scheduled syncs, until Ctrl-C. Other interfaces need --tls and --allow.
    Serve(serve_cmd::ServeArgs),
    /// Keys of the local API: create (shown once), list, revoke.
    #[command(subcommand)]
    ApiKey(api_key_cmd::ApiKeyCommand),
    /// Save the secret a provider signs a connection's webhooks with.
    #[command(subcommand)]
    WebhookSecret(serve_cmd::WebhookSecretCommand),
    /// Show what needs attention, with the fix for each.
    Alerts {
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
        /// Mark this alert (id or the start of it) as seen; it stays until its cause is gone.
        #[arg(long, value_name = "ID")]
        ack: Option<String>,
    },
    /// The whole product on the built-in sandbox, no accounts: starts the emulated providers,
    /// creates an encrypted store (in --data-dir, or a new temporary folder), connects, syncs
    /// and prints a summary.
    Demo {
        /// Which tools the demo company uses: `whole` (every sandbox tool), `books`
        /// (Rippling → QuickBooks Online, Toggl Track's hours), `adp` (BambooHR → ADP, Harvest)
        /// or `paychex` (BambooHR → Paychex, Clockify).
        #[arg(long, default_value = "whole")]
        stack: String,
    },
    /// Start the local provider sandbox (demo company, no accounts) and print its addresses and
    /// demo credentials; runs until Ctrl-C.
    Sandbox {
        /// Seed for the generated company data.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// People in the demo company.
        #[arg(long, default_value_t = 25)]
        employees: usize,
    },
    /// Re-encrypt the database under a new key (rotation), or switch keychain ⇄ passphrase.
    Rekey {
        /// Protect with a new passphrase (MAESTRO_NEW_PASSPHRASE or a prompt).
        #[arg(long, conflicts_with = "to_keychain")]
        to_passphrase: bool,
        /// Protect with a new random key in the system keychain.
        #[arg(long)]
        to_keychain: bool,
    },
}

/// How `connect` shows the provider's sign-in page.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BrowserMode {
    /// Open the system browser (default).
    System,
    /// Print the address to open by hand (e.g. over SSH).
    Print,
    /// Follow the sign-in page from this process: only for the local sandbox, which approves
    /// without a person.
    Fetch,
}

/// `maestro connectors add|remove`.
#[derive(Debug, Subcommand)]
pub enum ConnectorsAction {
    /// Add a connector from a provider file (TOML; see the connector guide). A malformed file
    /// is refused with the line and field at fault.
    Add {
        /// The provider file.
        file: PathBuf,
    },
    /// Remove a connector added from a file (no connection may still use it).
    Remove {
        /// The connector's id.
        id: String,
    },
}

/// Company subcommands.
#[derive(Debug, Subcommand)]
pub enum CompanyCommand {
    /// List companies.
    List,
    /// Add a company.
    Add {
        /// Its name.
        name: String,
    },
}

/// Audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-check every entry's hash and link; names any edited, removed or reordered entry.
    Verify,
    /// Write the audit log as JSON lines.
    Export {
        /// The file to write (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// One JSON document.
    Json,
    /// One CSV file per kind.
    Csv,
}

fn main() -> ExitCode {
    maestro_malloc::tune();
    // Output piped into `head` and closed early is not an error worth a panic message.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MAESTRO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(commands::run(cli));
    drop(runtime);
    // The store is closed; let its connection threads end before the process does.
    maestro_store::shutdown::wait_for_connection_threads(maestro_store::shutdown::THREAD_EXIT_WAIT);
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each said once: an app error often carries its store error's
/// own words, which `{:#}` would print twice.
fn describe(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod describe_tests {
    use super::describe;

    #[derive(Debug)]
    struct Inner;
    impl std::fmt::Display for Inner {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("the passphrase does not unlock the database")
        }
    }
    impl std::error::Error for Inner {}

    #[derive(Debug)]
    struct Outer(Inner);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            std::fmt::Display::fmt(&self.0, f)
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_cause_that_repeats_its_error_is_said_once_and_context_is_kept() {
        let repeated = anyhow::Error::new(Outer(Inner));
        assert_eq!(
            describe(&repeated),
            "the passphrase does not unlock the database"
        );
        let with_context = repeated.context("could not open the store");
        assert_eq!(
            describe(&with_context),
            "could not open the store: the passphrase does not unlock the database"
        );
    }
}
