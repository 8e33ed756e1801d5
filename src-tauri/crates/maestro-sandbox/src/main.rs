//! `maestro-sandbox`: runs the provider emulators until Ctrl-C.
//!
//! Flags: `--seed N`, `--employees N`, `--time-entries N`, `--only gusto,harvest` (only these
//! providers hold all N people; the others the first 25), `--no-discrepancies`,
//! `--no-rate-limits`.

use maestro_sandbox::{PerProvider, Provider, Sandbox, SandboxConfig};

fn parse_args() -> Result<SandboxConfig, String> {
    let mut config = SandboxConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--seed" => {
                config.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--employees" => {
                config.employees = value("--employees")?
                    .parse()
                    .map_err(|e| format!("--employees: {e}"))?
            }
            "--time-entries" => {
                config.time_entries = Some(
                    value("--time-entries")?
                        .parse()
                        .map_err(|e| format!("--time-entries: {e}"))?,
                )
            }
            "--only" => {
                let names = value("--only")?;
                let only = names
                    .split(',')
                    .map(|n| {
                        Provider::ALL
                            .into_iter()
                            .find(|p| p.name() == n.trim())
                            .ok_or_else(|| format!("--only: no provider {n}"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                config.seeded = Some(only);
            }
            "--no-discrepancies" => config.discrepancies = false,
            "--no-rate-limits" => config.rate_limits = PerProvider::default(),
            "-h" | "--help" => {
                return Err("usage: maestro-sandbox [--seed N] [--employees N] [--time-entries N] [--only PROVIDER,...] [--no-discrepancies] [--no-rate-limits]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if config.employees == 0 {
        return Err("--employees must be at least 1".into());
    }
    Ok(config)
}

#[tokio::main]
async fn main() {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let sandbox = match Sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("failed to start sandbox: {e}");
            std::process::exit(1);
        }
    };
    for p in Provider::ALL {
        println!("{:<9} {}", p.name(), sandbox.base_url(p));
    }
    match serde_json::to_string_pretty(&sandbox.credentials()) {
        Ok(c) => println!("credentials:\n{c}"),
        Err(e) => eprintln!("cannot print credentials: {e}"),
    }
    println!(
        "control: POST {{base}}/_sandbox/faults | /_sandbox/revoke | /_sandbox/reset, GET /_sandbox/stats"
    );
    println!("press Ctrl-C to stop");
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
}
