//! QuickBooks Online through the registry against its emulator, signed in with OAuth (the
//! emulator's pre-issued pair): the company's people, 1099 contractors and hours; minorversion
//! 75 and the realm on every request; a later sync reads change data capture and picks up
//! exactly what changed, deletions included; a last sync older than CDC's 30-day window, or a
//! CDC answer at its 1,000-object cap, reads everything instead.

use std::collections::BTreeSet;
use std::sync::Arc;

use maestro_connectors::{
    Connector, EmployeeChanges, NewEmployee, NewTimeEntry, ReadRequest, WriteOp, WriteRequest,
};
use maestro_core::model::{CanonicalRecord, EntityKind};
use maestro_core::sensitive::Sensitive;
use maestro_http::oauth::{
    OAuthClientConfig, OAuthError, TokenManager, TokenPersistence, TokenSet,
};
use maestro_http::{Auth, IdempotencyKey, PageCursor};
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};

use crate::support::{connector, context, read_all};

struct Forget;

#[async_trait::async_trait]
impl TokenPersistence for Forget {
    async fn save(&self, _tokens: &TokenSet) -> Result<(), OAuthError> {
        Ok(())
    }
}

async fn quickbooks() -> (Sandbox, Arc<dyn Connector>) {
    let sb = Sandbox::start(SandboxConfig {
        rate_limits: maestro_sandbox::PerProvider::default(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let base = sb.base_url(Provider::QuickBooks);
    let c = sb.credentials().quickbooks;
    let cfg = OAuthClientConfig::new(
        "QuickBooks Online",
        c.client_id,
        url::Url::parse(&format!("{base}/connect/oauth2")).unwrap(),
        url::Url::parse(&format!("{base}/oauth2/v1/tokens/bearer")).unwrap(),
    )
    .with_secret(c.client_secret);
    let tokens = TokenSet {
        access_token: Sensitive::new(c.access_token),
        refresh_token: Some(Sensitive::new(c.refresh_token)),
        expires_at: None,
        scope: None,
        refresh_expires_at: None,
    };
    let auth = Auth::OAuth(Arc::new(TokenManager::new(
        cfg,
        maestro_http::oauth::token_http_client().unwrap(),
        tokens,
        Arc::new(Forget),
        Arc::new(maestro_core::clock::SystemClock),
    )));
    let conn = connector(
        "quickbooks",
        context(&base, auth, &[("realm_id", c.realm_id.as_str())]),
    );
    (sb, conn)
}

/// Every page of `entity` since `since`: the records' ids and the deletions.
async fn read_changes(
    c: &dyn Connector,
    entity: EntityKind,
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut ids, mut deleted) = (BTreeSet::new(), BTreeSet::new());
    let mut page: Option<PageCursor> = None;
    loop {
        let p = c
            .read(&ReadRequest {
                entity,
                page: page.clone(),
                since,
            })
            .await
            .unwrap();
        ids.extend(p.records.iter().map(|r| r.provenance().remote_id.clone()));
        deleted.extend(p.deleted);
        match p.next {
            Some(n) => page = Some(n),
            None => return (ids, deleted),
        }
    }
}

fn cdc_requests(sb: &Sandbox) -> usize {
    sb.requests(Provider::QuickBooks)
        .iter()
        .filter(|r| r.path.ends_with("/cdc"))
        .count()
}

#[tokio::test]
async fn people_contractors_and_hours_with_minorversion_and_the_realm_on_every_request() {
    let (sb, c) = quickbooks().await;
    let company = sb.company().clone();
    assert_eq!(c.check().await.unwrap().account, company.name);
    let (people, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    assert_eq!(people.len(), company.people.len());
    let (contractors, _) = read_all(c.as_ref(), EntityKind::Contractor, None).await;
    // The 1099 vendor only: the supplier is not a person.
    assert_eq!(contractors.len(), 1);
    let CanonicalRecord::Contractor(k) = &contractors[0] else {
        panic!()
    };
    assert_eq!(
        k.email.as_deref(),
        company.contractor.as_ref().map(|k| k.email.as_str())
    );
    let (entries, _) = read_all(c.as_ref(), EntityKind::TimeEntry, None).await;
    assert_eq!(
        entries.len(),
        sb.records(Provider::QuickBooks, "time_activities").len()
    );
    let (groups, _) = read_all(c.as_ref(), EntityKind::Department, None).await;
    assert_eq!(
        groups.len(),
        company.departments.len() + company.locations.len()
    );
    let realm = sb.credentials().quickbooks.realm_id;
    let requests = sb.requests(Provider::QuickBooks);
    assert!(!requests.is_empty());
    for r in requests {
        assert!(
            r.query.contains("minorversion=75"),
            "{} {}",
            r.path,
            r.query
        );
        assert!(
            r.path.starts_with(&format!("/v3/company/{realm}/")),
            "{}",
            r.path
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_later_sync_reads_exactly_what_changed_and_what_was_deleted_through_cdc() {
    let (sb, c) = quickbooks().await;
    let (all, _) = read_changes(c.as_ref(), EntityKind::TimeEntry, None).await;
    let since = chrono::Utc::now() - chrono::Duration::seconds(2);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let added = sb
        .add_record(Provider::QuickBooks, "time_activities")
        .unwrap();
    let gone = all.iter().next().unwrap().clone();
    assert!(sb.remove_record(Provider::QuickBooks, "time_activities", &gone));
    sb.reset_requests(Provider::QuickBooks);
    let (changed, deleted) = read_changes(c.as_ref(), EntityKind::TimeEntry, Some(since)).await;
    assert_eq!(changed, BTreeSet::from([added.clone()]));
    assert_eq!(deleted, BTreeSet::from([gone.clone()]));
    assert_eq!(cdc_requests(&sb), 1);
    assert_eq!(
        sb.requests(Provider::QuickBooks).len(),
        1,
        "one CDC call, no query"
    );
    // Nothing changed since now: nothing read, nothing deleted.
    let (none, no_deletions) =
        read_changes(c.as_ref(), EntityKind::Employee, Some(chrono::Utc::now())).await;
    assert!(none.is_empty() && no_deletions.is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_sync_older_than_the_cdc_window_or_a_capped_cdc_answer_reads_everything() {
    let (sb, c) = quickbooks().await;
    let (all, _) = read_changes(c.as_ref(), EntityKind::Employee, None).await;
    sb.reset_requests(Provider::QuickBooks);
    let long_ago = chrono::Utc::now() - chrono::Duration::days(31);
    let (read, _) = read_changes(c.as_ref(), EntityKind::Employee, Some(long_ago)).await;
    assert_eq!(read, all);
    assert_eq!(cdc_requests(&sb), 0);
    // 1,000 changes since the last sync: CDC's answer is at its cap, which may have left some
    // out, so the read is a full one.
    let since = chrono::Utc::now() - chrono::Duration::seconds(1);
    let mut added = BTreeSet::new();
    for _ in 0..1000 {
        added.insert(sb.add_record(Provider::QuickBooks, "employees").unwrap());
    }
    sb.reset_requests(Provider::QuickBooks);
    let (read, _) = read_changes(c.as_ref(), EntityKind::Employee, Some(since)).await;
    assert_eq!(cdc_requests(&sb), 1);
    assert_eq!(read.len(), all.len() + 1000);
    assert!(added.is_subset(&read) && all.is_subset(&read));
    sb.shutdown().await;
}

fn write(op: WriteOp, key: &str) -> WriteRequest {
    WriteRequest {
        op,
        idempotency_key: IdempotencyKey::from_stable(key),
    }
}

#[tokio::test]
async fn writes_are_made_once_however_often_retried_and_changes_go_on_the_latest_sync_token() {
    let (sb, c) = quickbooks().await;
    let before = sb.records(Provider::QuickBooks, "employees").len();
    let hire = WriteOp::CreateEmployee(NewEmployee {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        work_email: "grace@bluebird.example".into(),
        job_title: None,
        department: None,
        start_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 14),
        date_of_birth: None,
    });
    let first = c.write(&write(hire.clone(), "hire-1")).await.unwrap();
    let again = c.write(&write(hire.clone(), "hire-1")).await.unwrap();
    assert_eq!(first.remote_id, again.remote_id);
    let employees = sb.records(Provider::QuickBooks, "employees");
    assert_eq!(employees.len(), before + 1, "hired twice");
    let saved = employees
        .iter()
        .find(|e| e["Id"] == first.remote_id.as_str())
        .unwrap();
    assert_eq!(saved["HiredDate"], "2026-12-14");
    assert_eq!(
        saved["PrimaryEmailAddr"]["Address"],
        "grace@bluebird.example"
    );
    // Every write carried its requestid and minorversion.
    let posts: Vec<_> = sb
        .requests(Provider::QuickBooks)
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 2);
    assert!(
        posts
            .iter()
            .all(|r| r.query.contains("requestid=hire-1") && r.query.contains("minorversion=75"))
    );

    // A change: sparse, on the SyncToken read just before; the token moves on.
    let change = WriteOp::UpdateEmployee {
        remote_id: first.remote_id.clone(),
        changes: EmployeeChanges {
            last_name: Some("Hopper-Murray".into()),
            ..EmployeeChanges::default()
        },
    };
    c.write(&write(change.clone(), "change-1")).await.unwrap();
    c.write(&write(change, "change-2")).await.unwrap();
    let saved = sb
        .records(Provider::QuickBooks, "employees")
        .into_iter()
        .find(|e| e["Id"] == first.remote_id.as_str())
        .unwrap();
    assert_eq!(saved["FamilyName"], "Hopper-Murray");
    assert_eq!(
        saved["GivenName"], "Grace",
        "a sparse change keeps the rest"
    );
    assert_eq!(saved["SyncToken"], "2");

    // Approved hours: one time activity however often sent, in hours and minutes.
    let hours = WriteOp::CreateTimeEntry(NewTimeEntry {
        user_remote_id: first.remote_id.clone(),
        project_remote_id: String::new(),
        task_remote_id: String::new(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
        hours: rust_decimal::Decimal::new(7_75, 2),
        notes: Some("approved".into()),
    });
    let before = sb.records(Provider::QuickBooks, "time_activities").len();
    let a = c.write(&write(hours.clone(), "hours-1")).await.unwrap();
    let b = c.write(&write(hours, "hours-1")).await.unwrap();
    assert_eq!(a.remote_id, b.remote_id);
    let activities = sb.records(Provider::QuickBooks, "time_activities");
    assert_eq!(activities.len(), before + 1);
    let saved = activities
        .iter()
        .find(|t| t["Id"] == a.remote_id.as_str())
        .unwrap();
    assert_eq!(
        (saved["Hours"].as_i64(), saved["Minutes"].as_i64()),
        (Some(7), Some(45))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_stale_sync_token_is_refused_as_intuit_does() {
    let (sb, _c) = quickbooks().await;
    let creds = sb.credentials().quickbooks;
    let employee = sb.records(Provider::QuickBooks, "employees")[0].clone();
    let id = employee["Id"].as_str().unwrap();
    let post = |token: &str, family: &str| {
        reqwest::Client::new()
            .post(format!(
                "{}/v3/company/{}/employee?minorversion=75",
                sb.base_url(Provider::QuickBooks),
                creds.realm_id
            ))
            .bearer_auth(&creds.access_token)
            .json(&serde_json::json!({"Id": id, "SyncToken": token, "sparse": true, "FamilyName": family}))
            .send()
    };
    let current = employee["SyncToken"].as_str().unwrap().to_owned();
    assert_eq!(post(&current, "Changed").await.unwrap().status(), 200);
    // The token read before that change is stale now: refused, nothing overwritten.
    let resp = post(&current, "Overwritten").await.unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["Fault"]["Error"][0]["code"], "5010");
    assert_eq!(body["Fault"]["Error"][0]["Message"], "Stale Object Error");
    let saved = sb
        .records(Provider::QuickBooks, "employees")
        .into_iter()
        .find(|e| e["Id"] == id)
        .unwrap();
    assert_eq!(saved["FamilyName"], "Changed");
    sb.shutdown().await;
}

/// Whether `member` is an element or attribute name in Intuit's committed XSD copies (the
/// Employee's own, NameBase's and IntuitEntity's members live in these two files).
fn xsd_member(member: &str) -> bool {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../maestro-kit/specs/quickbooks");
    ["IntuitNamesTypes.xsd", "IntuitBaseTypes.xsd"]
        .iter()
        .any(|f| {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            text.contains(&format!("<xs:element name=\"{member}\""))
                || text.contains(&format!("<xs:attribute name=\"{member}\""))
        })
}

#[tokio::test]
async fn a_termination_releases_the_employee_once_on_the_latest_sync_token() {
    let (sb, c) = quickbooks().await;
    // The XSD's own words: Employee.ReleasedDate is an xs:date.
    let names = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../maestro-kit/specs/quickbooks/IntuitNamesTypes.xsd"),
    )
    .unwrap();
    assert!(names.contains(r#"<xs:element name="ReleasedDate" type="xs:date""#));
    let employee = sb
        .records(Provider::QuickBooks, "employees")
        .into_iter()
        .find(|e| e["Active"] == true && e.get("ReleasedDate").is_none())
        .unwrap();
    let id = employee["Id"].as_str().unwrap().to_owned();
    let token: u64 = employee["SyncToken"].as_str().unwrap().parse().unwrap();
    let last_day = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let op = WriteOp::TerminateEmployee {
        remote_id: id.clone(),
        effective_date: last_day,
    };
    let first = c.write(&write(op.clone(), "term-1")).await.unwrap();
    assert_eq!(first.remote_id, id);
    assert!(first.applied_now);
    // Retried with the same key (the answer lost), and planned again with another key: the
    // employee is released once.
    let again = c.write(&write(op.clone(), "term-1")).await.unwrap();
    let other = c.write(&write(op, "term-2")).await.unwrap();
    assert!(!again.applied_now && !other.applied_now);
    let saved = sb
        .records(Provider::QuickBooks, "employees")
        .into_iter()
        .find(|e| e["Id"] == id.as_str())
        .unwrap();
    assert_eq!(saved["ReleasedDate"], last_day.to_string().as_str());
    assert_eq!(saved["Active"], false, "released and past: inactive");
    assert_eq!(
        saved["SyncToken"],
        (token + 1).to_string().as_str(),
        "one update"
    );
    assert_eq!(
        saved["GivenName"], employee["GivenName"],
        "sparse keeps the rest"
    );
    let saved = saved.as_object().unwrap();
    for member in saved.keys() {
        assert!(
            xsd_member(member),
            "{member} is not a member in Intuit's XSDs"
        );
    }
    // Read back: terminated on that day.
    let (people, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    let e = people
        .iter()
        .find_map(|r| match r {
            CanonicalRecord::Employee(e) if e.provenance.remote_id == id => Some(e),
            _ => None,
        })
        .unwrap();
    assert_eq!(e.termination_date, Some(last_day));

    // A last day still to come: released on it, still active for their remaining hours.
    let next = sb
        .records(Provider::QuickBooks, "employees")
        .into_iter()
        .find(|e| e["Active"] == true && e.get("ReleasedDate").is_none())
        .unwrap();
    let later = chrono::Utc::now().date_naive() + chrono::Duration::days(14);
    let op = WriteOp::TerminateEmployee {
        remote_id: next["Id"].as_str().unwrap().to_owned(),
        effective_date: later,
    };
    c.write(&write(op, "term-3")).await.unwrap();
    let saved = sb
        .records(Provider::QuickBooks, "employees")
        .into_iter()
        .find(|e| e["Id"] == next["Id"])
        .unwrap();
    assert_eq!(saved["ReleasedDate"], later.to_string().as_str());
    assert_eq!(saved["Active"], true);
    sb.shutdown().await;
}

#[tokio::test]
async fn the_emulator_refuses_a_released_date_that_is_not_an_xsd_date() {
    let (sb, _c) = quickbooks().await;
    let creds = sb.credentials().quickbooks;
    let employee = sb.records(Provider::QuickBooks, "employees")[0].clone();
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/v3/company/{}/employee?minorversion=75",
            sb.base_url(Provider::QuickBooks),
            creds.realm_id
        ))
        .bearer_auth(&creds.access_token)
        .json(&serde_json::json!({
            "Id": employee["Id"], "SyncToken": employee["SyncToken"], "sparse": true,
            "ReleasedDate": "12/01/2026", "Active": false
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body.to_string().contains("ReleasedDate"), "{body}");
    let saved = sb
        .records(Provider::QuickBooks, "employees")
        .into_iter()
        .find(|e| e["Id"] == employee["Id"])
        .unwrap();
    assert_eq!(saved, employee, "nothing changed");
    sb.shutdown().await;
}

/// Intuit's "Handling common errors" page (developer.intuit.com/docs/00_quickbooks_online/
/// 2_build/20_explore_the_quickbooks_online_api/handling_common_errors): each a 400 with this
/// code and Message, the Detail saying what and why.
#[tokio::test]
async fn write_faults_carry_intuits_codes_and_the_owner_reads_their_detail() {
    let (sb, c) = quickbooks().await;
    let creds = sb.credentials().quickbooks;
    let post = |entity: &str, body: serde_json::Value| {
        reqwest::Client::new()
            .post(format!(
                "{}/v3/company/{}/{entity}?minorversion=75",
                sb.base_url(Provider::QuickBooks),
                creds.realm_id
            ))
            .bearer_auth(&creds.access_token)
            .json(&body)
            .send()
    };
    let employees = sb.records(Provider::QuickBooks, "employees");
    let active = employees.iter().find(|e| e["Active"] == true).unwrap();
    let released = employees
        .iter()
        .find(|e| e["Active"] == false && e.get("ReleasedDate").is_some())
        .expect("the seed has a leaver");
    let cases = [
        (
            "employee",
            serde_json::json!({"DisplayName": active["DisplayName"]}),
            "6240",
            "Duplicate Name Exists Error",
        ),
        (
            "employee",
            serde_json::json!({"Id": "999999", "SyncToken": "0", "sparse": true, "GivenName": "X"}),
            "610",
            "Object Not Found",
        ),
        (
            "timeactivity",
            serde_json::json!({"NameOf": "Employee", "EmployeeRef": {"value": released["Id"]}, "TxnDate": "2026-12-01", "Hours": 1, "Minutes": 0}),
            "2500",
            "Invalid Reference Id",
        ),
        (
            "timeactivity",
            serde_json::json!({"NameOf": "Employee", "TxnDate": "2026-12-01", "Hours": 1}),
            "2020",
            "Required param missing",
        ),
    ];
    for (entity, body, code, message) in cases {
        let resp = post(entity, body).await.unwrap();
        assert_eq!(resp.status(), 400, "{code}");
        let f: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(f["Fault"]["type"], "ValidationFault");
        assert_eq!(f["Fault"]["Error"][0]["code"], code, "{f}");
        assert_eq!(f["Fault"]["Error"][0]["Message"], message, "{f}");
    }
    // Hours for a released (inactive) employee: refused, and the owner reads why.
    let hours = WriteOp::CreateTimeEntry(NewTimeEntry {
        user_remote_id: released["Id"].as_str().unwrap().to_owned(),
        project_remote_id: String::new(),
        task_remote_id: String::new(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        hours: rust_decimal::Decimal::new(8, 0),
        notes: None,
    });
    let err = c.write(&write(hours, "hours-inactive")).await.unwrap_err();
    assert!(err.to_string().contains("made inactive"), "{err}");
    sb.shutdown().await;
}

/// A display name is unique among Employee, Vendor and Customer names (Intuit's Employee
/// reference, DisplayName): hiring someone named as a 1099 vendor is refused (6240), and the
/// owner reads why.
#[tokio::test]
async fn a_hire_named_like_a_vendor_is_a_duplicate_name() {
    let (sb, c) = quickbooks().await;
    let vendor = sb
        .records(Provider::QuickBooks, "vendors")
        .into_iter()
        .find(|v| v["Vendor1099"] == true)
        .expect("the seed has a 1099 vendor");
    let before = sb.records(Provider::QuickBooks, "employees").len();
    let hire = WriteOp::CreateEmployee(NewEmployee {
        first_name: vendor["GivenName"].as_str().unwrap().into(),
        last_name: vendor["FamilyName"].as_str().unwrap().into(),
        work_email: "someone.new@bluebird.example".into(),
        job_title: None,
        department: None,
        start_date: None,
        date_of_birth: None,
    });
    let err = c.write(&write(hire, "hire-vendor")).await.unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(sb.records(Provider::QuickBooks, "employees").len(), before);
    sb.shutdown().await;
}
