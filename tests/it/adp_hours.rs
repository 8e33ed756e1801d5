//! ADP Workforce Now as the payroll beside BambooHR and Harvest, with no pay schedule stated by
//! the owner: the pay periods come from ADP's own statements (each read whole at its detail
//! link, the only place ADP states a statement's `payPeriod`), so the hours route has a
//! calendar and the "hours paid vs hours tracked" check compares the latest period, raising
//! one alert for the person ADP paid for hours that differ from the ones tracked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, NaiveDate};
use maestro_sandbox::Provider;

#[tokio::test]
async fn adp_statements_give_the_hours_calendar_and_the_paid_vs_tracked_alert() {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    super::support::connect_and_sync(
        &app,
        &sandbox,
        &company,
        &[Provider::BambooHr, Provider::Harvest, Provider::Adp],
    )
    .await;
    app.reconcile(company.id).await.unwrap();
    assert!(
        app.route_settings(company.id)
            .await
            .unwrap()
            .pay_schedule
            .is_none(),
        "no pay schedule stated: the calendar must come from ADP"
    );

    // ADP's latest statement period, as its emulator serves it at the detail links.
    let day = |v: &serde_json::Value| v.as_str().unwrap().parse::<NaiveDate>().unwrap();
    let (start, end) = sandbox
        .records(Provider::Adp, "pay_statement_details")
        .iter()
        .map(|d| {
            (
                day(&d["payPeriod"]["startDate"]),
                day(&d["payPeriod"]["endDate"]),
            )
        })
        .max_by_key(|(s, e)| (*e, *s))
        .expect("ADP has pay statements");

    // The preview with no period is of the next payroll: the period after ADP's latest.
    let next = app.hours_preview(company.id, None).await.unwrap();
    assert_eq!(next.period.start, end + Duration::days(1));
    assert_eq!(
        next.period.end - next.period.start,
        end - start,
        "the same length of period"
    );
    let latest = app.hours_preview(company.id, Some(start)).await.unwrap();
    assert_eq!((latest.period.start, latest.period.end), (start, end));
    assert!(
        !latest.employees.is_empty(),
        "tracked hours in ADP's period"
    );

    let raised = app.check_paid_hours(company.id).await.unwrap();
    let alerts = app.open_alerts(company.id).await.unwrap();
    let hours: Vec<_> = alerts
        .iter()
        .filter(|a| a.kind == "discrepancy_hours")
        .collect();
    assert_eq!(hours.len(), 1, "{alerts:#?}");
    assert_eq!(raised, 1);
    let detail = &hours[0].detail;
    assert!(
        detail.contains(&format!("For {start} to {end}")) && detail.contains("but payroll paid"),
        "{detail}"
    );
    // The person is one ADP paid: their paid hours are their statement's, not the tracked ones.
    let person = latest
        .employees
        .iter()
        .find(|e| hours[0].title.starts_with(&e.name))
        .unwrap_or_else(|| panic!("{} is not in the preview", hours[0].title));
    assert!(!detail.contains(&format!("paid {} h", person.total.normalize())));
}
