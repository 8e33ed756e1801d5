//! `store-writer DATA_DIR [MAX_BATCHES]`: a victim process for crash tests.
//!
//! Opens (or creates) the encrypted store in `DATA_DIR` with the passphrase in
//! `MAESTRO_PASSPHRASE`, makes sure it holds one company with one connection, then writes
//! batches. Each batch is one write transaction that stores [`BATCH_SIZE`] employee records
//! (remote ids `e-{batch}-{i}`) and appends one audit entry; after its commit the writer prints
//! `committed {batch}` and flushes stdout. Batch numbers continue from what the store already
//! holds, so a test can kill the writer mid-transaction, check the store, and run it again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use maestro_core::clock::{Clock, SystemClock};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{EntityKind, Provenance, RawPayload};
use maestro_store::audit::{self, AuditEvent};
use maestro_store::records::{self, RecordWrite};
use maestro_store::{Layout, NewKey, Passphrase, Store, Unlock, companies, connections};
use serde_json::json;

/// Records written by each transaction.
const BATCH_SIZE: i64 = 2_000;

/// Batches written when the command line does not say.
const DEFAULT_MAX_BATCHES: i64 = 200;

/// Provider name recorded on the connection and in every record's provenance.
const PROVIDER: &str = "crash-test";

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let dir = PathBuf::from(
        args.next()
            .context("usage: store-writer DATA_DIR [MAX_BATCHES]")?,
    );
    let max_batches: i64 = match args.next() {
        Some(n) => n
            .to_str()
            .context("MAX_BATCHES is not text")?
            .parse()
            .context("MAX_BATCHES is not a number")?,
        None => DEFAULT_MAX_BATCHES,
    };
    let passphrase =
        Passphrase::new(std::env::var("MAESTRO_PASSPHRASE").context("MAESTRO_PASSPHRASE unset")?);
    let clock = SystemClock;

    let store = if Layout::new(&dir).exists() {
        Store::open(&dir, &Unlock::passphrase(passphrase)).await?
    } else {
        Store::create(&dir, NewKey::Passphrase(passphrase)).await?
    };
    let (company, connection) = ensure_fixture(&store, &clock).await?;

    let existing = {
        let mut conn = store.pool().acquire().await?;
        records::counts(&mut conn, company)
            .await?
            .into_iter()
            .find(|(kind, _)| *kind == EntityKind::Employee)
            .map_or(0, |(_, n)| n)
    };
    if existing % BATCH_SIZE != 0 {
        bail!("the store holds {existing} employees: not a whole number of batches");
    }
    let first = existing / BATCH_SIZE;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ready {first}")?;
    stdout.flush()?;

    for batch in first..first + max_batches {
        let at = clock.now();
        let mut tx = store.write().await?;
        for i in 0..BATCH_SIZE {
            let remote_id = format!("e-{batch}-{i}");
            let provenance = Provenance::new(connection, PROVIDER, remote_id.as_str());
            let data = json!({
                "remote_id": remote_id,
                "first_name": format!("First{i}"),
                "last_name": format!("Batch{batch}"),
                "employment_status": "active",
                "work_email": format!("e{batch}.{i}@example.test"),
            });
            let raw = RawPayload::from(json!({"id": remote_id, "batch": batch, "index": i}));
            records::put(
                tx.conn(),
                &RecordWrite {
                    company_id: company,
                    kind: EntityKind::Employee,
                    provenance: &provenance,
                    data: &data,
                    raw: &raw,
                    sync_run_id: None,
                },
                at,
            )
            .await?;
        }
        audit::append(
            tx.conn(),
            &AuditEvent::new("store-writer", "records.batch", "employee")
                .company(company)
                .records(BATCH_SIZE)
                .detail(json!({ "batch": batch })),
            at,
        )
        .await?;
        tx.commit().await?;
        writeln!(stdout, "committed {batch}")?;
        stdout.flush()?;
    }
    drop(stdout);
    store.close().await;
    Ok(())
}

/// The store's first company and its first connection, created when missing.
async fn ensure_fixture(
    store: &Store,
    clock: &impl Clock,
) -> anyhow::Result<(CompanyId, ConnectionId)> {
    let at = clock.now();
    let mut tx = store.write().await?;
    let company = match companies::list(tx.conn()).await?.into_iter().next() {
        Some(c) => c.id,
        None => companies::insert(tx.conn(), "Crash Test Inc", at).await?.id,
    };
    let connection = match connections::list(tx.conn(), company)
        .await?
        .into_iter()
        .next()
    {
        Some(c) => c.id,
        None => {
            connections::insert(tx.conn(), company, PROVIDER, "Crash test", &json!({}), at)
                .await?
                .id
        }
    };
    tx.commit().await?;
    Ok((company, connection))
}
