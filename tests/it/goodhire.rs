//! GoodHire connected through the app as the wizard does (API key and company id) and synced
//! into the local store: every report of every requestor stored once as a background check
//! with its status, result and package, the candidate's SSN and phone never kept (the
//! emulator sends the phone, as the unofficial spec allows); a check ordered later arrives
//! with the next sync.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use maestro_app::App;
use maestro_core::ids::CompanyId;
use maestro_core::model::EntityKind;
use maestro_sandbox::Provider;
use maestro_sync::Mode;

async fn stored(app: &App, company: CompanyId) -> Vec<maestro_store::records::StoredRecord> {
    let mut conn = app.store().pool().acquire().await.unwrap();
    maestro_store::records::current_page(
        &mut conn,
        company,
        Some(EntityKind::BackgroundCheck),
        None,
        10_000,
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|r| !r.deleted)
    .collect()
}

#[tokio::test]
async fn goodhire_reports_sync_into_the_store_with_their_state_and_no_private_candidate_data() {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let goodhire = app
        .connect_sandbox_provider(&company, &sandbox, Provider::GoodHire)
        .await
        .unwrap();
    assert_eq!(goodhire.provider, "goodhire");
    for o in app
        .sync_connection(company.id, goodhire.id, None, Mode::Full)
        .await
        .unwrap()
    {
        assert!(o.error.is_none(), "{o:?}");
    }
    let reports = sandbox.records(Provider::GoodHire, "reports");
    let records = stored(&app, company.id).await;
    assert_eq!(records.len(), reports.len());
    let phones: Vec<String> = sandbox
        .company()
        .people
        .iter()
        .map(|p| p.phone.clone())
        .collect();
    for r in &records {
        assert_eq!(r.connection_id, goodhire.id);
        let status = r.data["status"].as_str().unwrap();
        assert!(
            [
                "pending",
                "in_progress",
                "completed",
                "suspended",
                "cancelled"
            ]
            .contains(&status),
            "{status}"
        );
        assert!(
            r.data["candidate_remote_id"]
                .as_str()
                .unwrap()
                .contains('@')
        );
        let kept = format!("{}{}", r.data, r.raw);
        assert!(
            !kept.contains("\"ssn\"") && !kept.contains("\"phone\""),
            "{kept}"
        );
        assert!(phones.iter().all(|p| !kept.contains(p.as_str())));
    }
    for status in [
        "completed",
        "in_progress",
        "suspended",
        "cancelled",
        "pending",
    ] {
        assert!(
            records.iter().any(|r| r.data["status"] == status),
            "no {status} check"
        );
    }
    assert!(records.iter().any(|r| r.data["result"] == "consider"));
    // A check ordered at GoodHire afterwards arrives with the next sync.
    let added = sandbox.add_record(Provider::GoodHire, "reports").unwrap();
    app.sync_connection(company.id, goodhire.id, None, Mode::Full)
        .await
        .unwrap();
    let records = stored(&app, company.id).await;
    assert_eq!(records.len(), reports.len() + 1);
    assert!(records.iter().any(|r| r.remote_id == added));
    sandbox.shutdown().await;
}
