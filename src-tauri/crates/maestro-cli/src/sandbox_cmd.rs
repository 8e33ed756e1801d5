//! `maestro sandbox`: the local provider emulators, for trying everything without accounts.

use std::process::ExitCode;

use anyhow::Result;
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};

/// Starts the sandbox, prints how to connect to it, and runs until Ctrl-C.
pub async fn run(seed: u64, employees: usize) -> Result<ExitCode> {
    let sandbox = Sandbox::start(SandboxConfig {
        seed,
        employees,
        ..SandboxConfig::default()
    })
    .await?;
    let c = sandbox.credentials();
    let bamboo = sandbox.base_url(Provider::BambooHr);
    let gusto = sandbox.base_url(Provider::Gusto);
    let harvest = sandbox.base_url(Provider::Harvest);
    let toggl = sandbox.base_url(Provider::Toggl);
    let clockify = sandbox.base_url(Provider::Clockify);
    let rippling = sandbox.base_url(Provider::Rippling);
    let zenefits = sandbox.base_url(Provider::Zenefits);
    let goodhire = sandbox.base_url(Provider::GoodHire);
    let justworks = sandbox.base_url(Provider::Justworks);
    let trinet = sandbox.base_url(Provider::TriNet);
    let paychex = sandbox.base_url(Provider::Paychex);
    let adp = sandbox.base_url(Provider::Adp);
    let quickbooks = sandbox.base_url(Provider::QuickBooks);
    let adp_files = write_adp_pems(&c.adp)?;
    println!(
        "Provider sandbox running on this machine only (seed {seed}, {employees} people at {}).",
        sandbox.config().company_name
    );
    println!("These are demo credentials for the local emulators, not real accounts.\n");
    println!("  BambooHR  {bamboo}");
    println!("  Gusto     {gusto}");
    println!("  Harvest   {harvest}");
    println!("  Toggl     {toggl}");
    println!("  Clockify  {clockify}");
    println!("  Rippling  {rippling}");
    println!("  Zenefits  {zenefits}");
    println!("  GoodHire  {goodhire}");
    println!("  Justworks {justworks}  (its sign-in page too)");
    println!("  TriNet    {trinet}  (its token endpoint too)");
    println!("  Paychex   {paychex}  (its token endpoint too)");
    println!("  QuickBooks {quickbooks}  (its sign-in page too)");
    println!("  ADP       {adp}  (mutual TLS: its test CA signed the client certificate below)\n");
    println!("Connect them from another terminal:");
    println!(
        "  maestro connect bamboohr --base-url {bamboo} --set subdomain={} --set api_key={}",
        c.bamboohr.company_domain, c.bamboohr.api_key
    );
    println!(
        "  maestro connect harvest --base-url {harvest} --set account_id={} --set access_token={}",
        c.harvest.account_id, c.harvest.personal_access_token
    );
    println!(
        "  maestro connect toggl --base-url {toggl} --set workspace_id={} --set api_token={}",
        c.toggl.workspace_id, c.toggl.api_token
    );
    println!(
        "  maestro connect clockify --base-url {clockify} --set workspace_id={} --set api_key={}",
        c.clockify.workspace_id, c.clockify.api_key
    );
    println!(
        "  maestro connect rippling --base-url {rippling} --set api_token={}",
        c.rippling.api_token
    );
    println!(
        "  maestro connect zenefits --base-url {zenefits} --set api_token={}",
        c.zenefits.api_token
    );
    println!(
        "  maestro connect goodhire --base-url {goodhire} --set company_id={} --set api_key={}",
        c.goodhire.company_id, c.goodhire.api_key
    );
    println!(
        "  MAESTRO_OAUTH_CLIENT_SECRET={} maestro connect gusto --base-url {gusto} --client-id {} --set company_uuid={}",
        c.gusto.client_secret, c.gusto.client_id, c.gusto.company_uuid
    );
    // Justworks signs in with OAuth: the emulator's sign-in page approves at once.
    println!(
        "  MAESTRO_OAUTH_CLIENT_SECRET={} maestro connect justworks --base-url {justworks} --client-id {}",
        c.justworks.client_secret, c.justworks.client_id
    );
    // QuickBooks signs in with OAuth; the sign-in's redirect gives the company (realm) id.
    println!(
        "  MAESTRO_OAUTH_CLIENT_SECRET={} maestro connect quickbooks --base-url {quickbooks} --client-id {}",
        c.quickbooks.client_secret, c.quickbooks.client_id
    );
    // TriNet: the company id, client id and secret its Integration Center shows once; the
    // client id and secret are exchanged for a token on connect.
    println!(
        "  maestro connect trinet --base-url {trinet} --set company_id={} --set client_id={} --set client_secret={}",
        c.trinet.company_id, c.trinet.client_id, c.trinet.client_secret
    );
    // Paychex: the API key (client id) and secret of an app in Company Settings > Integrated
    // apps, exchanged for a token on connect; the company comes from `/companies`.
    println!(
        "  maestro connect paychex --base-url {paychex} --set client_id={} --set client_secret={}",
        c.paychex.client_id, c.paychex.client_secret
    );
    // ADP: client id and secret, and the client certificate and key (PEM) its emulator's test
    // CA signed, with that CA (trusted for this connection to this computer only).
    let file = |name: &str| adp_files.join(name).display().to_string();
    println!(
        "  maestro connect adp --base-url {adp} --set client_id={} --set client_secret={} --set \"client_certificate=$(cat {})\" --set \"client_key=$(cat {})\" --set \"sandbox_ca=$(cat {})\"",
        c.adp.client_id,
        c.adp.client_secret,
        file("client.pem"),
        file("client.key"),
        file("ca.pem"),
    );
    println!("\nPress Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    println!("Sandbox stopped.");
    Ok(ExitCode::SUCCESS)
}

/// Writes the ADP emulator's client certificate, key and test CA (PEM) to a folder of this
/// user's only (the key readable by its owner alone), for `maestro connect adp` to read.
fn write_adp_pems(c: &maestro_sandbox::AdpCredentials) -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("maestro-sandbox-adp-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    for (name, text) in [
        ("client.pem", &c.client_certificate),
        ("client.key", &c.client_key),
        ("ca.pem", &c.ca_certificate),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(dir)
}
