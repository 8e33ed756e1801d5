//! Reading backup files: a damaged, cut or crafted backup (its header's key-derivation
//! settings included) is refused with a clear error within a time bound, never panics and
//! never leaves a half-made store behind; an undamaged one restores.

use std::cell::Cell;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use maestro_store::{MemorySecretStore, NewKey, Passphrase, Store, StoreError};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

use crate::junk;

const PASSPHRASE: &str = "backup property passphrase, long enough";
/// The longest a refusal may take (an undamaged restore here takes well under a second).
const CASE_BOUND: Duration = Duration::from_secs(20);

/// One way to damage the file.
#[derive(Debug, Clone)]
enum Damage {
    /// Damage the header line's JSON.
    Header(Vec<junk::Mutation>),
    /// Set the key-derivation settings to these (memory KiB, passes, lanes).
    Kdf(u64, u64, u64),
    /// Flip a byte of the payload at this fraction (per mille).
    Flip(u16, u8),
    /// Cut the file at this fraction (per mille).
    Cut(u16),
}

fn damage() -> impl Strategy<Value = Damage> {
    let big = prop_oneof![
        Just(0u64),
        Just(1),
        Just(8),
        Just(65_536),
        Just(4_194_304),
        Just(u64::from(u32::MAX)),
        Just(u64::MAX),
        any::<u64>(),
    ];
    prop_oneof![
        junk::mutations().prop_map(Damage::Header),
        (big.clone(), big.clone(), big).prop_map(|(m, t, p)| Damage::Kdf(m, t, p)),
        (0u16..1000, 1u8..=255).prop_map(|(at, x)| Damage::Flip(at, x)),
        (0u16..1000).prop_map(Damage::Cut),
    ]
}

/// The file with `d` applied.
fn damaged(original: &[u8], d: &Damage) -> Vec<u8> {
    let first = original.iter().position(|b| *b == b'\n').unwrap() + 1;
    let second = first + original[first..].iter().position(|b| *b == b'\n').unwrap() + 1;
    let (magic, header, payload) = (
        &original[..first],
        &original[first..second - 1],
        &original[second..],
    );
    let rebuilt = |header: &[u8], payload: &[u8]| {
        let mut out = magic.to_vec();
        out.extend_from_slice(header);
        out.push(b'\n');
        out.extend_from_slice(payload);
        out
    };
    match d {
        Damage::Header(m) => {
            let mut h = junk::apply(header, m);
            h.retain(|b| *b != b'\n');
            rebuilt(&h, payload)
        }
        Damage::Kdf(m, t, p) => {
            let mut h: Value = serde_json::from_slice(header).unwrap();
            h["kdf"]["memory_kib"] = (*m).into();
            h["kdf"]["iterations"] = (*t).into();
            h["kdf"]["parallelism"] = (*p).into();
            rebuilt(h.to_string().as_bytes(), payload)
        }
        Damage::Flip(at, x) => {
            let mut p = payload.to_vec();
            let i = p.len() * usize::from(*at) / 1000;
            p[i] ^= x;
            rebuilt(header, &p)
        }
        Damage::Cut(at) => {
            let mut all = original.to_vec();
            all.truncate(original.len() * usize::from(*at) / 1000);
            all
        }
    }
}

async fn restore(file: &Path, dir: &Path) -> Result<(), StoreError> {
    Store::restore(
        file,
        &Passphrase::new(PASSPHRASE),
        dir,
        NewKey::Keychain(std::sync::Arc::new(MemorySecretStore::default())),
        Utc::now(),
    )
    .await
    .map(|_| ())
}

#[test]
fn damaged_backups_are_refused_in_bounded_time() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("good.maestro-backup");
    rt.block_on(async {
        let store = Store::create(
            &tmp.path().join("source"),
            NewKey::Passphrase(Passphrase::new(PASSPHRASE)),
        )
        .await
        .unwrap();
        store
            .backup(&file, &Passphrase::new(PASSPHRASE), Utc::now())
            .await
            .unwrap();
        store.close().await;
        // The undamaged file restores, so each refusal below is the damage's doing.
        restore(&file, &tmp.path().join("restored")).await.unwrap();
    });
    let original = std::fs::read(&file).unwrap();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let (refused, restored, n) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0usize));
    runner
        .run(&damage(), |d| {
            n.set(n.get() + 1);
            let case = tmp.path().join(format!("case-{}", n.get()));
            std::fs::create_dir_all(&case).unwrap();
            let bad = case.join("backup");
            std::fs::write(&bad, damaged(&original, &d)).unwrap();
            let dir = case.join("store");
            let started = Instant::now();
            let outcome =
                rt.block_on(async { tokio::time::timeout(CASE_BOUND, restore(&bad, &dir)).await });
            prop_assert!(outcome.is_ok(), "{d:?}: no answer within {CASE_BOUND:?}");
            prop_assert!(
                started.elapsed() < CASE_BOUND,
                "{d:?}: took {:?}",
                started.elapsed()
            );
            match outcome.unwrap() {
                Ok(()) => restored.set(restored.get() + 1),
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                    // Nothing half-made is left behind.
                    let left: Vec<_> = std::fs::read_dir(&dir)
                        .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
                        .unwrap_or_default();
                    prop_assert!(left.is_empty(), "{d:?}: left {left:?}");
                    refused.set(refused.get() + 1);
                }
            }
            let _ = std::fs::remove_dir_all(&case);
            Ok(())
        })
        .unwrap();
    println!(
        "backups: {} damaged files ({} refused, {} unchanged in effect and restored)",
        n.get(),
        refused.get(),
        restored.get()
    );
    crate::assert_peak_memory_bounded("backups");
}
