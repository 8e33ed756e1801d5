//! Micro-benchmarks of the CPU side of storing a sync page: splitting a page body into item
//! texts, packing and unpacking a payload (alone and against a dictionary), and preparing a 2,000-record page of Harvest-shaped time entries
//! (`cargo bench -p maestro-store`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use maestro_core::model::{CanonicalRecord, EntityKind};
use std::collections::HashMap;

use maestro_store::{batch, packed};
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// A time entry as Harvest sends it (the shape the sandbox serves).
fn raw_entry(i: u64) -> Value {
    json!({
        "id": 1_000_000 + i, "spent_date": "2026-11-02", "hours": 7.25, "rounded_hours": 7.25,
        "notes": format!("Worked on item {i}"), "is_locked": false, "is_closed": false,
        "is_billed": false, "is_running": false, "billable": true, "budgeted": true,
        "billable_rate": 120.0, "cost_rate": 60.0, "started_time": null, "ended_time": null,
        "timer_started_at": null, "locked_reason": null, "invoice": null, "external_reference": null,
        "created_at": "2026-11-02T17:00:00Z", "updated_at": "2026-11-02T17:00:00Z",
        "user": {"id": 4_000 + i % 50, "name": "Ada Lovelace"},
        "client": {"id": 7, "name": "Acme", "currency": "USD"},
        "project": {"id": 9, "name": "Website", "code": "WEB"},
        "task": {"id": 11, "name": "Design"},
        "user_assignment": {"id": 13, "is_project_manager": false, "is_active": true},
        "task_assignment": {"id": 15, "billable": true, "is_active": true}
    })
}

fn record(i: u64) -> CanonicalRecord {
    let data = json!({
        "provenance": {
            "connection_id": "0190f4b2-7c1e-7a2b-9c3d-4e5f60718293",
            "provider": "harvest",
            "remote_id": (1_000_000 + i).to_string(),
            "remote_modified_at": "2026-11-02T17:00:00Z"
        },
        "company_id": "0190f4b2-7c1e-7a2b-9c3d-4e5f60718294",
        "employee_remote_id": (4_000 + i % 50).to_string(),
        "work_date": "2026-11-02",
        "started_at": null, "ended_at": null, "time_zone": null,
        "hours": "7.25",
        "project_remote_id": "9", "project_name": "Website", "task_name": "Design",
        "client_name": "Acme", "notes": format!("Worked on item {i}"), "billable": true,
        "rate": null,
        "raw": raw_entry(i)
    });
    CanonicalRecord::from_json(EntityKind::TimeEntry, data).expect("a time entry")
}

fn hot_paths(c: &mut Criterion) {
    let raw = raw_entry(1).to_string();
    c.bench_function("pack one raw entry (LZ4)", |b| {
        b.iter(|| packed::pack(black_box(&raw)))
    });
    let samples: Vec<String> = (100..110).map(|i| raw_entry(i).to_string()).collect();
    let stream = packed::Stream {
        connection_id: maestro_core::ids::ConnectionId::new(),
        kind: EntityKind::TimeEntry,
        column: packed::Column::Raw,
    };
    let dictionary = packed::dictionary_for(stream, samples.iter().map(String::as_str)).unwrap();
    c.bench_function(
        "pack one raw entry (LZ4 with its stream's dictionary)",
        |b| b.iter(|| packed::pack_with(black_box(&raw), &dictionary)),
    );
    let packed_raw = packed::pack_with(&raw, &dictionary);
    c.bench_function(
        "unpack one raw entry (LZ4 with its stream's dictionary)",
        |b| b.iter(|| packed::unpack(black_box(packed_raw.clone()), "raw").unwrap()),
    );
    let body = serde_json::to_vec(&json!({
        "time_entries": (0..2_000).map(raw_entry).collect::<Vec<_>>()
    }))
    .unwrap();
    c.bench_function("split a 2,000-entry page body into item texts", |b| {
        b.iter(|| {
            let page: HashMap<String, &RawValue> =
                serde_json::from_slice(black_box(&body)).unwrap();
            serde_json::from_str::<Vec<&RawValue>>(page["time_entries"].get())
                .unwrap()
                .len()
        })
    });
    c.bench_function(
        "parse a 2,000-entry page body into JSON values (before)",
        |b| b.iter(|| serde_json::from_slice::<Value>(black_box(&body)).unwrap()),
    );
    let page: Vec<CanonicalRecord> = (0..2_000).map(record).collect();
    let mut group = c.benchmark_group("page");
    group.sample_size(20);
    group.bench_function("prepare a 2,000-record page for storing", |b| {
        b.iter_batched(
            || page.clone(),
            |records| batch::prepare_page(records).unwrap(),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);
