//! Ordering a Checkr check through the registry against its emulator: the account's packages
//! with their prices; an order creates the candidate, then the invitation for the package and
//! the work location; a retry (same key, or a later plan with a new one) orders nothing more;
//! a candidate Checkr already has gets no second candidate; what Checkr refuses comes back as
//! a clear error, with nothing ordered.

use std::sync::Arc;

use maestro_connectors::{
    BackgroundCheckOrder, Connector, ConnectorError, WorkLocation, WriteOp, WriteRequest,
};
use maestro_core::error::ErrorKind;
use maestro_core::money::{Currency, Money};
use maestro_core::sensitive::Sensitive;
use maestro_http::{Auth, HttpError, IdempotencyKey};
use maestro_sandbox::{FaultPlan, Provider, Sandbox, SandboxConfig};
use serde_json::Value;

use crate::support::{connector, context};

async fn checkr() -> (Sandbox, Arc<dyn Connector>) {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let auth = Auth::Basic {
        username: Sensitive::new(sb.credentials().checkr.api_key),
        password: Sensitive::new(String::new()),
    };
    let c = connector("checkr", context(&sb.base_url(Provider::Checkr), auth, &[]));
    (sb, c)
}

fn order(email: &str, package: &str) -> BackgroundCheckOrder {
    BackgroundCheckOrder {
        first_name: "Jane".into(),
        middle_name: None,
        last_name: "Doe".into(),
        email: email.into(),
        work_location: WorkLocation {
            country: Some("US".into()),
            state: Some("CA".into()),
            city: Some("Oakland".into()),
        },
        package: package.into(),
        reference: Some("maestro-jane".into()),
    }
}

fn request(o: BackgroundCheckOrder, key: &str) -> WriteRequest {
    WriteRequest {
        op: WriteOp::OrderBackgroundCheck(o),
        idempotency_key: IdempotencyKey::from_stable(key),
    }
}

fn with_email<'a>(records: &'a [Value], email: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["email"] == email).collect()
}

#[tokio::test]
async fn packages_come_from_the_account_with_their_price_in_dollars() {
    let (sb, c) = checkr().await;
    let packages = c.check_packages().await.unwrap();
    let tasker = packages.iter().find(|p| p.id == "tasker_standard").unwrap();
    assert_eq!(tasker.name, "Tasker Standard");
    assert_eq!(tasker.price, Some(Money::from_minor(2900, Currency::USD)));
    assert!(tasker.screenings.iter().any(|s| s == "ssn_trace"));
    assert_eq!(
        packages.len(),
        sb.records(Provider::Checkr, "packages").len()
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn an_order_creates_the_candidate_then_the_invitation_and_retries_order_nothing_more() {
    let (sb, c) = checkr().await;
    let invitations = sb.records(Provider::Checkr, "invitations").len();
    let email = "jane.doe@home.example";
    let first = c
        .write(&request(order(email, "tasker_standard"), "plan:jane:v1"))
        .await
        .unwrap();
    assert!(first.applied_now);
    let candidates = sb.records(Provider::Checkr, "candidates");
    let made = with_email(&candidates, email);
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["first_name"], "Jane");
    assert_eq!(made[0]["no_middle_name"], true);
    assert_eq!(made[0]["custom_id"], "maestro-jane");
    let all = sb.records(Provider::Checkr, "invitations");
    assert_eq!(all.len(), invitations + 1);
    let inv = all
        .iter()
        .find(|i| i["id"] == first.remote_id.as_str())
        .unwrap();
    assert_eq!(
        (inv["status"].as_str(), inv["package"].as_str()),
        (Some("pending"), Some("tasker_standard"))
    );
    assert_eq!(inv["candidate_id"], made[0]["id"]);
    // The POSTs carried the spec's fields only (the emulator refuses others).
    let posts: Vec<String> = sb
        .requests(Provider::Checkr)
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.path)
        .collect();
    assert_eq!(posts.len(), 2, "{posts:?}");

    // The same write again, and a later plan's write with a new key: found, not ordered.
    for key in ["plan:jane:v1", "plan:jane:v2"] {
        let again = c
            .write(&request(order(email, "tasker_standard"), key))
            .await
            .unwrap();
        assert_eq!(again.remote_id, first.remote_id, "{key}");
        assert!(!again.applied_now, "{key}");
    }
    assert_eq!(
        sb.records(Provider::Checkr, "invitations").len(),
        invitations + 1
    );
    assert_eq!(
        with_email(&sb.records(Provider::Checkr, "candidates"), email).len(),
        1
    );
    // Another package for the same person: a second invitation, still one candidate.
    let driver = c
        .write(&request(order(email, "driver_pro"), "plan:jane:driver"))
        .await
        .unwrap();
    assert!(driver.applied_now);
    assert_ne!(driver.remote_id, first.remote_id);
    assert_eq!(
        with_email(&sb.records(Provider::Checkr, "candidates"), email).len(),
        1
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_failing_answer_is_retried_with_the_same_key_and_orders_once() {
    let (sb, c) = checkr().await;
    let invitations = sb.records(Provider::Checkr, "invitations").len();
    sb.set_faults(
        Provider::Checkr,
        FaultPlan {
            server_errors: 3,
            ..FaultPlan::default()
        },
    );
    let out = c
        .write(&request(order("jo@home.example", "tasker_standard"), "k"))
        .await
        .unwrap();
    assert!(out.applied_now);
    assert_eq!(
        sb.records(Provider::Checkr, "invitations").len(),
        invitations + 1
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_person_checkr_already_screened_in_the_package_is_not_ordered_again() {
    let (sb, c) = checkr().await;
    // A demo candidate whose tasker_standard invitation completed into a report.
    let invitations = sb.records(Provider::Checkr, "invitations");
    let done = invitations
        .iter()
        .find(|i| i["status"] == "completed")
        .unwrap();
    let candidates = sb.records(Provider::Checkr, "candidates");
    let cand = candidates
        .iter()
        .find(|c| c["id"] == done["candidate_id"])
        .unwrap();
    let email = cand["email"].as_str().unwrap();
    let out = c
        .write(&request(order(email, "tasker_standard"), "k2"))
        .await
        .unwrap();
    assert_eq!(out.remote_id, done["id"].as_str().unwrap());
    assert!(!out.applied_now);
    assert!(
        sb.requests(Provider::Checkr)
            .iter()
            .all(|r| r.method != "POST")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn what_checkr_refuses_is_a_clear_error_and_nothing_is_ordered() {
    let (sb, c) = checkr().await;
    let invitations = sb.records(Provider::Checkr, "invitations").len();
    // A last name the spec's pattern refuses (at least two letters): Checkr's 400.
    let mut short = order("al@home.example", "tasker_standard");
    short.last_name = "O".into();
    let e = c.write(&request(short, "k3")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(
        matches!(&e, ConnectorError::Http(HttpError::Validation { status: 400, message, .. }) if message.contains("last_name")),
        "{e:?}"
    );
    assert!(e.to_string().contains("Checkr rejected the request"), "{e}");
    // A package the account does not have: the spec's 404, told as a package to choose.
    let e = c
        .write(&request(order("bo@home.example", "gold"), "k4"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ConnectorError::Config { field, message } if field == "package" && message.contains("no package `gold`")),
        "{e:?}"
    );
    // No state for the work location: refused before anything is sent.
    let before = sb.requests(Provider::Checkr).len();
    let mut nowhere = order("cy@home.example", "tasker_standard");
    nowhere.work_location.state = None;
    let e = c.write(&request(nowhere, "k5")).await.unwrap_err();
    assert!(e.to_string().contains("state"), "{e}");
    assert_eq!(sb.requests(Provider::Checkr).len(), before);
    assert_eq!(
        sb.records(Provider::Checkr, "invitations").len(),
        invitations
    );
    sb.shutdown().await;
}
