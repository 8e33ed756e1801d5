//! GoodHire through the registry against its emulator: background checks from every
//! requestor's reports, in the demo's mix of the spec's states, with the candidate's email as
//! their id and neither SSN nor phone kept; the key sent as `Authorization: ApiKey <key>`; one
//! unpaged request per requestor; and webhooks refused, since GoodHire documents no signature.

use std::collections::HashSet;

use maestro_connectors::{Connector, ConnectorError};
use maestro_core::model::{
    BackgroundCheck, BackgroundCheckResult, BackgroundCheckStatus, CanonicalRecord, EntityKind,
};
use maestro_core::sensitive::Sensitive;
use maestro_http::Auth;
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};

use crate::support::{connector, context, read_all};

async fn goodhire() -> (Sandbox, std::sync::Arc<dyn Connector>) {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let creds = sb.credentials().goodhire;
    let auth = Auth::Header {
        name: http::HeaderName::from_static("authorization"),
        value: Sensitive::new(format!("ApiKey {}", creds.api_key)),
    };
    let c = connector(
        "goodhire",
        context(
            &sb.base_url(Provider::GoodHire),
            auth,
            &[("company_id", creds.company_id.as_str())],
        ),
    );
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
async fn checks_carry_the_specs_states_and_never_the_candidates_ssn_or_phone() {
    let (sb, c) = goodhire().await;
    let report = c.check().await.unwrap();
    assert_eq!(
        report.account,
        sb.company().people[0].work_email,
        "the first requestor"
    );
    let (records, _) = read_all(c.as_ref(), EntityKind::BackgroundCheck, None).await;
    let all = checks(records);
    let truth = sb.records(Provider::GoodHire, "reports");
    assert_eq!(all.len(), truth.len());
    let ids: HashSet<&str> = all
        .iter()
        .map(|c| c.provenance.remote_id.as_str())
        .collect();
    assert_eq!(ids.len(), truth.len(), "nothing twice");
    let count = |status, result| {
        all.iter()
            .filter(|c| c.status == status && c.result == result)
            .count()
    };
    use BackgroundCheckStatus as S;
    assert!(count(S::Completed, Some(BackgroundCheckResult::Clear)) >= 2);
    assert_eq!(
        count(S::Completed, Some(BackgroundCheckResult::Consider)),
        1
    );
    for status in [S::Pending, S::Suspended, S::Cancelled] {
        assert_eq!(count(status, None), 1, "{status:?}");
    }
    // One running for a long-standing employee, one for the new hire.
    assert_eq!(count(S::InProgress, None), 2);
    let homes: HashSet<String> = sb
        .company()
        .people
        .iter()
        .map(|p| p.home_email.to_ascii_lowercase())
        .collect();
    for check in &all {
        assert!(homes.contains(&check.candidate_remote_id));
        assert!(["RPT_BASIC", "RPT_STANDARD"].contains(&check.package.as_deref().unwrap()));
        assert!(check.submitted_at.is_some());
        assert_eq!(check.completed_at.is_some(), check.status == S::Completed);
        assert_eq!(
            check.report_url, None,
            "GoodHire documents no report address"
        );
        let candidate = check.raw.get("candidate").unwrap();
        assert!(candidate.get("phone").is_none() && candidate.get("ssn").is_none());
        assert!(candidate.get("email").is_some());
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn each_reports_candidate_is_read_with_its_email_as_id_and_without_ssn_or_phone() {
    let (sb, c) = goodhire().await;
    let (records, _) = read_all(c.as_ref(), EntityKind::Candidate, None).await;
    let truth = sb.records(Provider::GoodHire, "reports");
    assert_eq!(
        records.len(),
        truth.len(),
        "one per report, as the reports carry them"
    );
    let people = &sb.company().people;
    for r in records {
        let CanonicalRecord::Candidate(cand) = r else {
            panic!("{r:?}")
        };
        let p = people
            .iter()
            .find(|p| p.home_email.to_ascii_lowercase() == cand.provenance.remote_id)
            .expect("the demo's candidates are the company's people, by their personal email");
        assert_eq!(
            cand.email.as_deref(),
            Some(cand.provenance.remote_id.as_str())
        );
        assert_eq!(cand.first_name.as_deref(), Some(p.first_name.as_str()));
        assert_eq!(cand.last_name.as_deref(), Some(p.last_name.as_str()));
        let stored = cand.raw.to_value();
        assert!(stored.get("ssn").is_none() && stored.get("phone").is_none());
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn each_requestors_reports_are_one_unpaged_request_with_the_apikey_scheme() {
    let (sb, c) = goodhire().await;
    sb.reset_requests(Provider::GoodHire);
    read_all(c.as_ref(), EntityKind::BackgroundCheck, None).await;
    let co = sb.credentials().goodhire.company_id;
    let requests = sb.requests(Provider::GoodHire);
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    let requestors = sb.records(Provider::GoodHire, "requestors");
    let mut want = vec![format!("/company/{co}/requestors")];
    want.extend(requestors.iter().map(|r| {
        format!(
            "/company/{co}/requestor/{}/report",
            r["id"].as_str().unwrap()
        )
    }));
    assert_eq!(paths, want);
    assert!(
        requests.iter().all(|r| r.query.is_empty()),
        "no paging asked"
    );
    // The same key without its scheme is refused as a reconnect.
    let bare = connector(
        "goodhire",
        context(
            &sb.base_url(Provider::GoodHire),
            Auth::Header {
                name: http::HeaderName::from_static("authorization"),
                value: Sensitive::new(sb.credentials().goodhire.api_key),
            },
            &[("company_id", co.as_str())],
        ),
    );
    let err = bare.check().await.unwrap_err();
    assert!(err.needs_reconnect(), "{err:?}");
    sb.shutdown().await;
}

#[tokio::test]
async fn webhooks_are_refused_since_goodhire_documents_no_signature() {
    let (sb, c) = goodhire().await;
    let report = &sb.records(Provider::GoodHire, "reports")[0];
    let body = serde_json::to_vec(&serde_json::json!({
        "event": "report.status_changed",
        "report": report,
    }))
    .unwrap();
    let key = Sensitive::new(sb.credentials().goodhire.api_key);
    let err = c
        .verify_webhook(&http::HeaderMap::new(), &body, &key, chrono::Utc::now())
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported { .. }), "{err:?}");
    sb.shutdown().await;
}
