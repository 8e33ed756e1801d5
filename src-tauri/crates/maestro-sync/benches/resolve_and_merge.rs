//! Micro-benchmarks of the people side of a sync (`cargo bench -p maestro-sync`): identity
//! resolution over a company's records from three tools, and the three-way merge with the
//! approval policy over every compared field.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, black_box, criterion_group, criterion_main};
use maestro_connectors::Category;
use maestro_core::ids::{ConnectionId, RecordId};
use maestro_core::model::EmploymentStatus;
use maestro_sync::conflicts::{Field, FieldOwners, FieldValue, decide};
use maestro_sync::identity::{Candidate, PersonKeys, Role, name_keys, normalize_email, plan};

/// `people` people as an HRIS, a payroll and a time tracker each hold them: the same work
/// email everywhere, employee numbers in HRIS and payroll, birth dates where tools keep them.
fn candidates(people: usize) -> Vec<Candidate<u32>> {
    let tools = [
        (ConnectionId::new(), Role::Hris),
        (ConnectionId::new(), Role::Payroll),
        (ConnectionId::new(), Role::TimeTracking),
    ];
    let mut out = Vec::with_capacity(people * tools.len());
    for i in 0..people {
        let first = format!("Person{i}");
        let last = format!("Family{}", i % 97);
        for (connection_id, role) in &tools {
            out.push(Candidate {
                record_id: RecordId::new(),
                connection_id: *connection_id,
                role: *role,
                keys: PersonKeys {
                    work_email: normalize_email(&format!("{first}.{last}@bluebird.example")),
                    other_emails: Vec::new(),
                    employee_number: (*role != Role::TimeTracking).then(|| format!("{}", 1000 + i)),
                    names: name_keys(Some(&first), Some(&last), None, None),
                    birth_date: (*role != Role::TimeTracking)
                        .then(|| NaiveDate::from_ymd_opt(1980, 1, 1 + (i % 28) as u32))
                        .flatten(),
                },
                current: None,
            });
        }
    }
    out
}

fn identity(c: &mut Criterion) {
    let mut group = c.benchmark_group("identity resolution");
    for people in [100, 1_000] {
        let input = candidates(people);
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{people} people x 3 tools")),
            &input,
            |b, input| b.iter(|| plan(black_box(input))),
        );
    }
    group.finish();
}

fn merge(c: &mut Criterion) {
    let owners = FieldOwners::default();
    let base = FieldValue::Text("Baker".into());
    let same = FieldValue::Text("Baker".into());
    let changed = FieldValue::Text("Head baker".into());
    let active = FieldValue::Status(EmploymentStatus::Active);
    c.bench_function("three-way merge + policy, 1,000 fields", |b| {
        b.iter(|| {
            for i in 0..1_000 {
                let (field, left, right) = match i % 3 {
                    0 => (Field::JobTitle, &same, &same),
                    1 => (Field::JobTitle, &changed, &same),
                    _ => (Field::EmploymentStatus, &active, &active),
                };
                black_box(decide(
                    field,
                    Some(black_box(&base)),
                    &owners,
                    (Category::Hris, left),
                    (Category::Payroll, right),
                ));
            }
        })
    });
}

criterion_group!(benches, identity, merge);
criterion_main!(benches);
