//! Checkr through the registry against its emulator: background checks from the reports of
//! every candidate and the invitations still open, in the demo's mix of states, with a link
//! to the Dashboard and nothing of a screening's contents; pages asked by number until
//! `next_href` is gone; webhooks signed with the API key accepted, tampered ones refused.

use std::collections::HashMap;

use maestro_connectors::{Connector, ConnectorError};
use maestro_core::model::{
    BackgroundCheck, BackgroundCheckResult, BackgroundCheckStatus, CanonicalRecord, EntityKind,
};
use maestro_core::sensitive::Sensitive;
use maestro_http::Auth;
use maestro_sandbox::{Adversarial, Provider, Sandbox, SandboxConfig};

use crate::support::{connector, context, read_all};

async fn checkr() -> (Sandbox, std::sync::Arc<dyn Connector>) {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let auth = Auth::Basic {
        username: Sensitive::new(sb.credentials().checkr.api_key),
        password: Sensitive::new(String::new()),
    };
    let c = connector("checkr", context(&sb.base_url(Provider::Checkr), auth, &[]));
    (sb, c)
}

fn checks(records: Vec<CanonicalRecord>) -> Vec<BackgroundCheck> {
    records
        .into_iter()
        .map(|r| match r {
            CanonicalRecord::BackgroundCheck(c) => c,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn checks_carry_status_result_package_and_a_link_never_the_contents() {
    let (sb, c) = checkr().await;
    let (records, _) = read_all(c.as_ref(), EntityKind::BackgroundCheck, None).await;
    let all = checks(records);
    let count = |status, result| {
        all.iter()
            .filter(|c| c.status == status && c.result == result)
            .count()
    };
    assert!(
        count(
            BackgroundCheckStatus::Completed,
            Some(BackgroundCheckResult::Clear)
        ) >= 2
    );
    assert!(
        count(
            BackgroundCheckStatus::Completed,
            Some(BackgroundCheckResult::Consider)
        ) >= 1
    );
    // Reports still running, and invitations the candidate has not done yet.
    assert!(count(BackgroundCheckStatus::Pending, None) >= 4);
    assert_eq!(
        count(BackgroundCheckStatus::Cancelled, None),
        1,
        "the expired invitation"
    );
    let candidates: HashMap<String, serde_json::Value> = sb
        .records(Provider::Checkr, "candidates")
        .into_iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c))
        .collect();
    for check in &all {
        assert!(candidates.contains_key(&check.candidate_remote_id));
        assert_eq!(check.package.as_deref(), Some("tasker_standard"));
        assert!(check.submitted_at.is_some());
        assert_eq!(
            check.completed_at.is_some(),
            check.status == BackgroundCheckStatus::Completed
        );
        assert_eq!(
            check.report_url.as_deref(),
            Some(
                format!(
                    "https://dashboard.checkr.com/candidates/{}",
                    check.candidate_remote_id
                )
                .as_str()
            )
        );
        let raw = check.raw.to_value();
        assert!(
            raw.get("invitation_url").is_none(),
            "the candidate's own link is not kept"
        );
        assert!(raw.get("drug_screening").is_none());
    }
    // The consider report's adjudication stays in the payload.
    let consider = all
        .iter()
        .find(|c| c.result == Some(BackgroundCheckResult::Consider))
        .unwrap();
    assert_eq!(
        consider.raw.get("adjudication"),
        Some(serde_json::json!("engaged"))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn candidates_give_the_name_and_email_each_check_is_joined_by_and_nothing_private() {
    let (sb, c) = checkr().await;
    let (records, _) = read_all(c.as_ref(), EntityKind::Candidate, None).await;
    let truth = sb.records(Provider::Checkr, "candidates");
    assert_eq!(records.len(), truth.len(), "every candidate once");
    let people = &sb.company().people;
    let mut ids = std::collections::HashSet::new();
    for r in records {
        let CanonicalRecord::Candidate(cand) = r else {
            panic!("{r:?}")
        };
        let raw = truth
            .iter()
            .find(|t| t["id"] == cand.provenance.remote_id.as_str())
            .unwrap();
        assert_eq!(cand.email.as_deref(), raw["email"].as_str());
        let p = people
            .iter()
            .find(|p| Some(p.home_email.as_str()) == cand.email.as_deref())
            .expect("the demo's candidates are the company's people, by their personal email");
        assert_eq!(cand.first_name.as_deref(), Some(p.first_name.as_str()));
        assert_eq!(cand.last_name.as_deref(), Some(p.last_name.as_str()));
        let stored = cand.raw.to_value();
        for private in ["ssn", "dob", "phone", "zipcode", "custom_id"] {
            assert!(stored.get(private).is_none(), "{private} kept");
        }
        ids.insert(cand.provenance.remote_id);
    }
    let (records, _) = read_all(c.as_ref(), EntityKind::BackgroundCheck, None).await;
    for check in checks(records) {
        assert!(ids.contains(&check.candidate_remote_id), "{check:?}");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn pages_are_asked_by_number_until_next_href_is_gone() {
    let (sb, c) = checkr().await;
    // (Clearing the log turns adversarial answers off, so it comes first.)
    sb.reset_requests(Provider::Checkr);
    sb.set_adversarial(
        Provider::Checkr,
        Adversarial {
            short_pages: 2,
            ..Default::default()
        },
    );
    let (records, _) = read_all(c.as_ref(), EntityKind::BackgroundCheck, None).await;
    let truth = sb.records(Provider::Checkr, "reports").len()
        + sb.records(Provider::Checkr, "invitations")
            .iter()
            .filter(|i| i["status"] != "completed")
            .count();
    assert_eq!(records.len(), truth);
    let candidates = sb.records(Provider::Checkr, "candidates").len();
    let lists: Vec<String> = sb
        .requests(Provider::Checkr)
        .into_iter()
        .filter(|r| r.path == "/candidates")
        .map(|r| r.query)
        .collect();
    // Two a page: every page once, page numbers in order, and not one past the last.
    assert_eq!(lists.len(), candidates.div_ceil(2), "{lists:?}");
    for (i, q) in lists.iter().enumerate() {
        assert!(q.contains(&format!("page={}", i + 1)), "{q}");
        assert!(q.contains("per_page=100"), "{q}");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn webhooks_signed_with_the_api_key_are_accepted_and_tampered_ones_refused() {
    let (sb, c) = checkr().await;
    let key = Sensitive::new(sb.credentials().checkr.api_key);
    let report = &sb.records(Provider::Checkr, "reports")[0];
    let body = serde_json::to_vec(&serde_json::json!({
        "id": "1002d6bca6acdfcbb8442178",
        "object": "event",
        "type": "report.completed",
        "created_at": "2026-12-07T10:00:00Z",
        "webhook_url": "https://notify.bluebird.example/checkr",
        "data": {"object": report},
    }))
    .unwrap();
    let signature = maestro_http::webhook::sign_hex(key.expose().as_bytes(), &[&body]);
    let mut headers = http::HeaderMap::new();
    headers.insert("X-Checkr-Signature", signature.parse().unwrap());
    let now = chrono::Utc::now();
    let events = c.verify_webhook(&headers, &body, &key, now).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "report.completed");
    assert_eq!(events[0].entity, Some(EntityKind::BackgroundCheck));
    assert_eq!(events[0].remote_id.as_deref(), report["id"].as_str());
    let mut tampered = body.clone();
    let at = tampered.len() - 3;
    tampered[at] ^= 1;
    let err = c
        .verify_webhook(&headers, &tampered, &key, now)
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Webhook(_)), "{err:?}");
    let other = Sensitive::new("0".repeat(40));
    let err = c.verify_webhook(&headers, &body, &other, now).unwrap_err();
    assert!(matches!(err, ConnectorError::Webhook(_)), "{err:?}");
    let err = c
        .verify_webhook(&http::HeaderMap::new(), &body, &key, now)
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Webhook(_)), "{err:?}");
    sb.shutdown().await;
}
