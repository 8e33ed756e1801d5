//! A person's data export (DSAR) and the compliance documents, on the sandbox company synced
//! from BambooHR, Gusto and Harvest: the export holds every version of every record of the
//! person, checked against an independent walk of the store; the documents have a row per
//! person and the pay statements' exact money.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use maestro_app::App;
use maestro_app::compliance_docs::DocFormat;
use maestro_app::people::Person;
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{EntityKind, PayStatement};
use maestro_sandbox::Provider;
use maestro_store::identities::IdentityId;
use maestro_store::records::{self, StoredRecord};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::{connect_and_sync, every_record, sandbox_app, sync_clean};

fn holder<'a>(people: &'a [Person], provider: &str, remote_id: &str) -> &'a Person {
    people
        .iter()
        .find(|p| {
            p.records
                .iter()
                .any(|r| r.provider == provider && r.remote_id == remote_id)
        })
        .expect("the person is on the roster")
}

/// The records the export must hold: those linked to the identity, and every record whose
/// data, in any version, names one of them by `employee_remote_id` or `candidate_remote_id`
/// in the same connection.
async fn expected_records(
    app: &App,
    company: CompanyId,
    identity: IdentityId,
    all: &BTreeMap<RecordId, Vec<StoredRecord>>,
) -> BTreeSet<RecordId> {
    let mut conn = app.store().pool().acquire().await.unwrap();
    let links = maestro_store::identities::links_of(&mut conn, company, identity)
        .await
        .unwrap();
    let mine: BTreeSet<RecordId> = links.iter().map(|l| l.record_id).collect();
    let owners: BTreeSet<(ConnectionId, String)> = mine
        .iter()
        .map(|id| {
            let v = &all[id][0];
            (v.connection_id, v.remote_id.clone())
        })
        .collect();
    let mut out = mine;
    for (id, versions) in all {
        let refers = versions.iter().any(|v| {
            ["employee_remote_id", "candidate_remote_id"]
                .iter()
                .any(|f| {
                    v.data
                        .get(*f)
                        .and_then(Value::as_str)
                        .is_some_and(|o| owners.contains(&(v.connection_id, o.to_owned())))
                })
        });
        if refers {
            out.insert(*id);
        }
    }
    out
}

#[tokio::test]
async fn a_person_export_holds_every_version_of_every_record_and_is_audited() {
    let (dir, sandbox, app) = sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let conns = connect_and_sync(
        &app,
        &sandbox,
        &company,
        &[Provider::BambooHr, Provider::Gusto, Provider::Harvest],
    )
    .await;
    let (bamboo, gusto) = (conns[0].id, conns[1].id);
    // Someone who tracked time in Harvest, so the export spans HRIS, payroll and time records.
    let tracked: BTreeSet<u64> = sandbox
        .harvest_time_entries(0, 200)
        .iter()
        .filter_map(|e| e["user"]["id"].as_u64())
        .collect();
    let truth = sandbox
        .company()
        .people
        .iter()
        .find(|p| tracked.contains(&p.harvest_id) && p.terminated_on.is_none())
        .expect("someone tracked time")
        .clone();
    // An export of all records, made while the person's records were live, touched them.
    app.export(
        &company,
        &maestro_app::ExportRequest {
            format: maestro_app::ExportFormat::Json,
            dest: dir.path().join("all.json"),
            kind: None,
            include_sensitive: false,
            include_raw: false,
        },
        &maestro_app::NoProgress,
    )
    .await
    .unwrap();
    // A change at the HRIS, and birth dates from Gusto once the owner opts in: more versions.
    sandbox
        .set_employee_field(
            Provider::BambooHr,
            &truth.bamboo_id.to_string(),
            "mobilePhone",
            serde_json::json!("(555) 010-4477"),
        )
        .unwrap();
    app.set_sync_sensitive(company.id, gusto, true)
        .await
        .unwrap();
    sync_clean(&app, company.id, bamboo).await;
    sync_clean(&app, company.id, gusto).await;
    app.resolve_identities(company.id).await.unwrap();
    let people = app.people(company.id).await.unwrap();
    let person = holder(&people, "bamboohr", &truth.bamboo_id.to_string()).clone();
    assert!(person.records.len() >= 3, "{:?}", person.records);

    let out = dir.path().join("dsar");
    let files = app
        .export_person(company.id, person.identity_id, &out)
        .await
        .unwrap();
    let export: Value = serde_json::from_slice(&std::fs::read(&files.json).unwrap()).unwrap();
    let html = std::fs::read_to_string(&files.html).unwrap();

    // Every record, every version, canonical data and payload, against the store itself.
    let all = every_record(&app, company.id).await;
    let expected = expected_records(&app, company.id, person.identity_id, &all).await;
    let exported: BTreeMap<RecordId, &Value> = export["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["record_id"].as_str().unwrap().parse().unwrap(), r))
        .collect();
    assert_eq!(
        exported.keys().copied().collect::<BTreeSet<_>>(),
        expected,
        "the export holds exactly the person's records"
    );
    let mut versions = 0;
    for id in &expected {
        let stored = &all[id];
        let out = exported[id]["versions"].as_array().unwrap();
        assert_eq!(out.len(), stored.len(), "every version of {id}");
        for (v, s) in out.iter().zip(stored) {
            assert_eq!(v["version"], s.version);
            assert_eq!(v["data"], s.data, "canonical data of {id} v{}", s.version);
            assert_eq!(v["raw"], s.raw.to_value(), "payload of {id} v{}", s.version);
            assert_eq!(v["deleted"], s.deleted);
            assert_eq!(
                v["valid_from"]
                    .as_str()
                    .unwrap()
                    .parse::<chrono::DateTime<chrono::Utc>>()
                    .unwrap(),
                s.valid_from
            );
            assert_eq!(exported[id]["provider"], s.provider.as_str());
            assert!(
                v["sync_run"]["id"].is_string(),
                "each version names its sync run"
            );
            versions += 1;
        }
    }
    assert_eq!(files.versions, versions);
    let kinds: BTreeSet<&str> = exported
        .values()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    for kind in ["employee", "employment", "pay_statement", "time_entry"] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }
    let bamboo_record = exported
        .values()
        .find(|r| r["provider"] == "bamboohr" && r["kind"] == "employee")
        .unwrap();
    let bamboo_versions = bamboo_record["versions"].as_array().unwrap();
    assert!(
        bamboo_versions.len() >= 2,
        "the change made a second version"
    );
    assert!(bamboo_versions[0]["valid_to"].is_string());
    assert!(
        bamboo_versions
            .last()
            .unwrap()
            .to_string()
            .contains("(555) 010-4477")
    );
    // Sensitive values are the person's own data: the birth date Gusto sent is in the export.
    let gusto_record = exported
        .values()
        .find(|r| r["provider"] == "gusto" && r["kind"] == "employee")
        .unwrap();
    let birth = truth.birth_date.to_string();
    assert!(
        gusto_record["versions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["data"]["date_of_birth"] == birth.as_str())
    );
    // Identity links with method, confidence and status.
    let links = export["identity_links"].as_array().unwrap();
    assert_eq!(links.len(), person.records.len());
    assert!(
        links
            .iter()
            .all(|l| l["method"].is_string() && l["status"].is_string())
    );

    // Audit: the syncs that stored the records and the earlier export are listed.
    let reasons: BTreeSet<&str> = export["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.contains("sync_stored"), "{reasons:?}");
    assert!(reasons.contains("exported"), "{reasons:?}");

    // The HTML names the person and each source, and stands alone.
    let shown_name = person.name.replace('\'', "&#39;");
    assert!(html.contains(&shown_name));
    for c in &conns {
        assert!(
            html.contains(&c.display_name),
            "{} in the HTML",
            c.display_name
        );
    }
    assert!(html.contains(&birth));
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<link"));

    // The export is audited without personal data, and the chain still verifies.
    let mut conn = app.store().pool().acquire().await.unwrap();
    let total = maestro_store::audit::len(&mut conn).await.unwrap();
    let last = maestro_store::audit::page(&mut conn, total - 1, 1)
        .await
        .unwrap()
        .pop()
        .unwrap();
    drop(conn);
    assert_eq!(last.action, "person.export");
    assert_eq!(last.target, person.identity_id.to_string());
    assert_eq!(last.record_count, i64::try_from(expected.len()).unwrap());
    let entry = serde_json::to_string(&last).unwrap();
    for private in [
        person.name.as_str(),
        truth.work_email.as_str(),
        birth.as_str(),
        "dsar",
    ] {
        assert!(!entry.contains(private), "{private} in {entry}");
    }
    assert!(
        app.verify_audit(&maestro_app::NoProgress)
            .await
            .unwrap()
            .is_intact()
    );
    sandbox.shutdown().await;
}

/// The CSV cells of a file, heading row first (RFC 4180 quoting, as the writer uses).
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

#[tokio::test]
async fn compliance_documents_have_a_row_per_person_and_exact_pay() {
    let (dir, sandbox, app) = sandbox_app().await;
    let company = app.company(None).await.unwrap();
    connect_and_sync(
        &app,
        &sandbox,
        &company,
        &[Provider::BambooHr, Provider::Gusto],
    )
    .await;
    app.resolve_identities(company.id).await.unwrap();
    let out = dir.path().join("compliance");
    let summary = app
        .export_compliance_documents(company.id, &out, DocFormat::Both)
        .await
        .unwrap();
    assert_eq!(summary.files.len(), 6);

    let people = app.people(company.id).await.unwrap();
    let roster = read_csv(&std::fs::read_to_string(out.join("roster.csv")).unwrap());
    assert_eq!(roster[0][0], "Name");
    assert_eq!(roster.len() - 1, people.len(), "one row per person");
    let names: BTreeSet<&str> = roster[1..].iter().map(|r| r[0].as_str()).collect();
    for p in &people {
        assert!(names.contains(p.name.as_str()), "{} on the roster", p.name);
    }
    // Department and work location come from the HRIS.
    let first = &sandbox.company().people[0];
    let row = roster[1..]
        .iter()
        .find(|r| r[1] == first.work_email)
        .expect("the first person by work email");
    assert_eq!(
        row[3],
        sandbox.company().departments[first.department].title
    );
    assert!(!row[6].is_empty(), "a work location: {row:?}");
    // No SSN or birth date anywhere.
    let all_csv: String = ["roster", "terminations", "pay-summaries"]
        .iter()
        .map(|s| std::fs::read_to_string(out.join(format!("{s}.csv"))).unwrap())
        .collect();
    for p in &sandbox.company().people {
        assert!(!all_csv.contains(&p.birth_date.to_string()));
    }

    // Pay: one row per pay statement, gross and net exactly as stored.
    let mut conn = app.store().pool().acquire().await.unwrap();
    let mut statements: Vec<PayStatement> = Vec::new();
    records::for_each_current(&mut conn, company.id, EntityKind::PayStatement, |r| {
        statements.push(r.entity::<PayStatement>()?);
        Ok::<_, maestro_store::StoreError>(())
    })
    .await
    .unwrap();
    drop(conn);
    let pay = read_csv(&std::fs::read_to_string(out.join("pay-summaries.csv")).unwrap());
    assert!(!statements.is_empty());
    assert_eq!(pay.len() - 1, statements.len());
    let exact = |i: usize| -> Decimal {
        pay[1..]
            .iter()
            .map(|r| match r[i].as_str() {
                // No lines of that kind on the statement.
                "" => Decimal::ZERO,
                cell => cell.parse::<Decimal>().unwrap(),
            })
            .sum()
    };
    let gross: Decimal = statements.iter().map(|s| s.gross_pay.amount).sum();
    let net: Decimal = statements.iter().map(|s| s.net_pay.amount).sum();
    assert_eq!(exact(4), gross);
    assert_eq!(exact(5), net);
    let taxes: Decimal = statements
        .iter()
        .flat_map(|s| s.taxes.iter().filter(|t| !t.employer))
        .map(|t| t.amount.amount)
        .sum();
    assert_eq!(exact(6), taxes);
    // An empty tax cell is a statement that lists no employee tax, never a lost amount.
    let with_taxes = statements
        .iter()
        .filter(|s| s.taxes.iter().any(|t| !t.employer))
        .count();
    assert_eq!(
        pay[1..].iter().filter(|r| !r[6].is_empty()).count(),
        with_taxes
    );
    assert!(pay[1..].iter().all(|r| r[9] == "USD"));
    // Every gross as written is a stored gross, digit for digit.
    let stored: BTreeSet<String> = statements
        .iter()
        .map(|s| s.gross_pay.amount.to_string())
        .collect();
    assert!(pay[1..].iter().all(|r| stored.contains(&r[4])));

    // Terminations: the person the sandbox terminates in BambooHR is listed with a date.
    let terminations = read_csv(&std::fs::read_to_string(out.join("terminations.csv")).unwrap());
    let terminated: Vec<&Person> = people
        .iter()
        .filter(|p| {
            p.fields.iter().any(|f| {
                f.field == "termination_date"
                    || (f.field == "status" && f.value.starts_with("terminated"))
            })
        })
        .collect();
    assert!(!terminated.is_empty(), "the sandbox has a leaver");
    assert_eq!(terminations.len() - 1, terminated.len());
    for p in terminated {
        assert!(terminations[1..].iter().any(|r| r[0] == p.name));
    }

    // The PDFs parse as PDFs: header, cross-reference table, pages.
    for slug in ["roster", "terminations", "pay-summaries"] {
        let bytes = std::fs::read(out.join(format!("{slug}.pdf"))).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{slug}");
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("\nxref\n") && text.contains("startxref"),
            "{slug}"
        );
        let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
        assert!(pages > 0, "{slug}");
        assert!(text.contains("/BaseFont /Helvetica"), "{slug}");
    }

    // Audited.
    let mut conn = app.store().pool().acquire().await.unwrap();
    let total = maestro_store::audit::len(&mut conn).await.unwrap();
    let last = maestro_store::audit::page(&mut conn, total - 1, 1)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.action, "compliance.export");
    assert_eq!(last.detail["people"], roster.len() - 1);
    sandbox.shutdown().await;
}
