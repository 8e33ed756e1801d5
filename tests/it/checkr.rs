//! Checkr connected through the app as the wizard does (API key only) and synced into the
//! local store: every background check the emulator holds (reports and open invitations)
//! stored once with its provenance, status, result and Dashboard link, and no screening's
//! contents or candidate invitation link in what is kept; a report ordered later arrives with
//! the next sync.
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
async fn background_checks_sync_into_the_store_with_their_state_and_a_link_only() {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let checkr = app
        .connect_sandbox_provider(&company, &sandbox, Provider::Checkr)
        .await
        .unwrap();
    assert_eq!(checkr.provider, "checkr");
    for o in app
        .sync_connection(company.id, checkr.id, None, Mode::Full)
        .await
        .unwrap()
    {
        assert!(o.error.is_none(), "{o:?}");
    }
    let reports = sandbox.records(Provider::Checkr, "reports");
    let open = sandbox
        .records(Provider::Checkr, "invitations")
        .into_iter()
        .filter(|i| i["status"] != "completed")
        .count();
    let records = stored(&app, company.id).await;
    assert_eq!(records.len(), reports.len() + open);
    for r in &records {
        assert_eq!(r.connection_id, checkr.id);
        let status = r.data["status"].as_str().unwrap();
        assert!(
            ["pending", "completed", "cancelled"].contains(&status),
            "{status}"
        );
        assert!(
            r.data["report_url"]
                .as_str()
                .unwrap()
                .starts_with("https://dashboard.checkr.com/candidates/")
        );
        let kept = format!("{}{}", r.data, r.raw);
        assert!(!kept.contains("invitation_url") && !kept.contains("apply.checkr.com"));
        // Screenings are ids only (`ssn_trace_id`…); no embedded screening.
        assert!(r.raw.get("drug_screening").is_none());
    }
    assert!(records.iter().any(|r| r.data["result"] == "consider"));
    // A report ordered at Checkr afterwards arrives with the next sync.
    let added = sandbox.add_record(Provider::Checkr, "reports").unwrap();
    app.sync_connection(company.id, checkr.id, None, Mode::Full)
        .await
        .unwrap();
    let records = stored(&app, company.id).await;
    assert_eq!(records.len(), reports.len() + open + 1);
    assert!(records.iter().any(|r| r.remote_id == added));
    sandbox.shutdown().await;
}
