//! The compliance calendar end to end on the sandbox's BambooHR and Gusto, synced through the
//! app: the people's work states come from their locations, a leaver's final pay and a recent
//! hire's new-hire report are dated by their state's rule, the federal filings are there
//! because the company has employees; items within two weeks raise alerts, marking one done
//! resolves its alert and is audited; the owner's enrolment window adds items and alerts and
//! removing it resolves them; the .ics holds one event per item and is never overwritten.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use maestro_app::App;
use maestro_app::compliance_calendar::{
    Area, CalendarSettings, EnrolmentWindow, Urgency, alerts::KIND, tables,
};
use maestro_core::ids::CompanyId;
use maestro_sandbox::Provider;
use maestro_store::alerts::Alert;

async fn open(app: &App, company: CompanyId) -> Vec<Alert> {
    let mut conn = app.store().pool().acquire().await.unwrap();
    maestro_store::alerts::open(&mut conn, company)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == KIND)
        .collect()
}

#[tokio::test]
async fn the_calendar_follows_the_synced_people_and_the_owners_settings() {
    let (dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    super::support::connect_and_sync(
        &app,
        &sandbox,
        &company,
        &[Provider::BambooHr, Provider::Gusto],
    )
    .await;
    let today = app.now().date_naive();
    let facts = app.compliance_facts(company.id).await.unwrap();
    assert!(facts.has_employees);
    assert!(
        facts.paydays.is_some(),
        "Gusto's payroll runs give the paydays"
    );
    assert!(
        facts.people.iter().any(|p| p.state.is_some()),
        "work states come from the synced locations"
    );
    let items = app.compliance_calendar(company.id).await.unwrap();
    assert!(items.windows(2).all(|w| w[0].due <= w[1].due));
    assert!(items.iter().any(|o| o.id.starts_with("form941:")));
    assert!(items.iter().any(|o| o.id.starts_with("w2:")));
    // Gusto is a full-service payroll: by default its federal filings are information for the
    // owner to check, never alerts.
    assert_eq!(
        facts.payroll_filer.as_ref().map(|f| f.name.as_str()),
        Some("Gusto")
    );
    let tax: Vec<_> = items
        .iter()
        .filter(|o| o.area == Area::PayrollTax)
        .collect();
    assert!(!tax.is_empty());
    for o in &tax {
        assert_eq!(o.urgency, Urgency::Info, "{}", o.id);
        assert!(
            o.title
                .starts_with("Gusto files this for you — check it was filed"),
            "{}",
            o.title
        );
    }

    // Each leaver within the window has a final-pay item by their state's rule; each recent
    // hire a new-hire report due their state's days after the hire.
    let mut checked = 0;
    for p in &facts.people {
        if let Some(hired) = p.hire_date {
            let days = p
                .state
                .as_deref()
                .and_then(tables::new_hire)
                .map_or(tables::FEDERAL_NEW_HIRE_DAYS, |r| r.days);
            let due = hired + Duration::days(days);
            let listed = items
                .iter()
                .find(|o| o.id == format!("new_hire:{}:{hired}", p.id));
            if due >= today - Duration::days(60) && due <= today + Duration::days(366) {
                let o = listed.unwrap_or_else(|| panic!("no new-hire item for {}", p.name));
                assert_eq!(o.due, due);
                assert_eq!(o.area, Area::NewHireReport);
                checked += 1;
            } else {
                assert!(listed.is_none());
            }
        }
        if let Some(last) = p.termination_date
            && last >= today - Duration::days(50)
        {
            let o = items
                .iter()
                .find(|o| o.id == format!("final_pay:{}:{last}", p.id))
                .unwrap_or_else(|| panic!("no final-pay item for {}", p.name));
            assert!(o.due >= last);
            // A state in the table: its source; any other: a reminder to check the state's
            // rule, shown on the last day.
            match p.state.as_deref().and_then(tables::final_pay) {
                Some(rule) => assert_eq!(o.source, rule.source),
                None => {
                    assert_eq!(o.due, last);
                    assert!(o.rule.contains("not in this calendar"), "{}", o.rule);
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "the sandbox has recent hires or leavers");

    // Alerts: one per item within its warning days, none for the others.
    app.check_compliance_calendar(company.id).await.unwrap();
    let due_soon: Vec<&str> = items
        .iter()
        .filter(|o| !matches!(o.urgency, Urgency::Upcoming | Urgency::Info))
        .map(|o| o.id.as_str())
        .collect();
    let alerts = open(&app, company.id).await;
    assert_eq!(alerts.len(), due_soon.len());
    assert!(
        alerts
            .iter()
            .all(|a| !a.dedupe_key.starts_with("compliance:form94")
                && !a.dedupe_key.starts_with("compliance:w2:")),
        "no alert for what Gusto files"
    );

    // The owner says they file them: the filings are theirs again, and alerted when due
    // within the warning days.
    app.set_compliance_settings(
        company.id,
        CalendarSettings {
            provider_files_taxes: Some(false),
            ..CalendarSettings::default()
        },
    )
    .await
    .unwrap();
    let own = app.compliance_calendar(company.id).await.unwrap();
    assert!(
        own.iter()
            .filter(|o| o.area == Area::PayrollTax)
            .all(|o| o.handled_by.is_none() && o.urgency != Urgency::Info)
    );
    let alerted_tax = own
        .iter()
        .filter(|o| o.area == Area::PayrollTax && o.urgency != Urgency::Upcoming)
        .count();
    let tax_alerts = open(&app, company.id)
        .await
        .iter()
        .filter(|a| {
            let id = a.dedupe_key.trim_start_matches("compliance:");
            own.iter().any(|o| o.id == id && o.area == Area::PayrollTax)
        })
        .count();
    assert_eq!(tax_alerts, alerted_tax);

    // The owner's enrolment window opening in 10 days: two items, the opening one alerted.
    let opens = today + Duration::days(10);
    app.set_compliance_settings(
        company.id,
        CalendarSettings {
            company_state: Some("ca".into()),
            open_enrolment: Some(EnrolmentWindow {
                opens,
                closes: opens + Duration::days(20),
            }),
            ..CalendarSettings::default()
        },
    )
    .await
    .unwrap();
    let key = format!("compliance:enrolment_opens:{opens}");
    assert!(
        open(&app, company.id)
            .await
            .iter()
            .any(|a| a.dedupe_key == key)
    );
    assert_eq!(
        app.compliance_settings(company.id)
            .await
            .unwrap()
            .company_state
            .as_deref(),
        Some("CA")
    );

    // Marked done: gone from the calendar, its alert resolved, the mark audited.
    let id = format!("enrolment_opens:{opens}");
    app.mark_compliance_done(company.id, &id).await.unwrap();
    assert!(
        app.compliance_calendar(company.id)
            .await
            .unwrap()
            .iter()
            .all(|o| o.id != id)
    );
    assert!(
        open(&app, company.id)
            .await
            .iter()
            .all(|a| a.dedupe_key != key)
    );
    assert!(app.mark_compliance_done(company.id, &id).await.is_err());
    let audit = app.audit_entries(&Default::default()).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "compliance.done" && e.target == id)
    );

    // The window removed: the closing item and its alert go too.
    app.set_compliance_settings(company.id, CalendarSettings::default())
        .await
        .unwrap();
    assert!(
        app.compliance_calendar(company.id)
            .await
            .unwrap()
            .iter()
            .all(|o| o.area != Area::OpenEnrolment)
    );

    // The .ics: one event per item; an existing file is not overwritten.
    let path = dir.path().join("calendar.ics");
    let n = app.save_compliance_ical(&company, &path).await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("BEGIN:VEVENT\r\n").count(), n);
    assert_eq!(n, app.compliance_calendar(company.id).await.unwrap().len());
    assert!(app.save_compliance_ical(&company, &path).await.is_err());
}
