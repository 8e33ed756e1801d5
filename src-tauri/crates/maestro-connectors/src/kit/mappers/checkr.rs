//! Checkr records (spec `Candidate`, `Report`, `Invitation`) → candidates and background
//! checks. Of a check only its state is kept: status, result, adjudication, package, dates and
//! a link to the candidate in Checkr's Dashboard; never a screening's contents (the file asks
//! for no `include`, so none arrive). Of a candidate only the name and email, which join them
//! to the company's people; never the SSN, birth date, phone, address or licence numbers.

use chrono::{DateTime, Utc};
use maestro_core::model::{
    BackgroundCheck, BackgroundCheckResult, BackgroundCheckStatus, Candidate, CanonicalRecord,
    RawPayload,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{MapCtx, MapError, decode, non_empty};

/// Where the owner opens a candidate (and their reports) in Checkr's Dashboard. The API
/// documents no Dashboard address for a report; the candidate page lists the candidate's
/// reports. A staging account's Dashboard is elsewhere (see the provider file).
const DASHBOARD: &str = "https://dashboard.checkr.com/candidates/";

/// Candidate members never kept locally (the spec's private details of the person).
const PRIVATE: [&str; 11] = [
    "ssn",
    "dob",
    "phone",
    "zipcode",
    "postal_address",
    "driver_license_number",
    "driver_license_state",
    "previous_driver_license_number",
    "previous_driver_license_state",
    "mother_maiden_name",
    "custom_id",
];

#[derive(Debug, Deserialize)]
struct CandidateIn {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
}

/// A candidate → the person a check is for: their name and the email they gave Checkr.
/// `custom_id` (the employer's own id for them) is dropped with the private members: it is
/// free text the employer chose.
pub fn candidate(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let c: CandidateIn = decode(raw)?;
    let mut payload: serde_json::Value = serde_json::from_str(raw.get()).map_err(|e| MapError {
        path: "(record)".into(),
        message: e.to_string(),
    })?;
    if let Some(m) = payload.as_object_mut() {
        for k in PRIVATE {
            m.remove(k);
        }
    }
    let candidate = Candidate {
        provenance: ctx.provenance(c.id, None),
        company_id: ctx.company_id,
        first_name: non_empty(c.first_name.as_deref()),
        last_name: non_empty(c.last_name.as_deref()),
        email: non_empty(c.email.as_deref()),
        raw: RawPayload::from_value(&payload),
    };
    Ok(vec![candidate.into()])
}

#[derive(Debug, Deserialize)]
struct Report {
    id: String,
    status: String,
    result: Option<String>,
    adjudication: Option<String>,
    package: Option<String>,
    candidate_id: String,
    created_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    revised_at: Option<DateTime<Utc>>,
    upgraded_at: Option<DateTime<Utc>>,
}

fn dashboard(candidate: &str) -> Option<String> {
    non_empty(Some(candidate)).map(|c| format!("{DASHBOARD}{c}"))
}

/// A report's status (spec enum `pending`, `complete`, `suspended`, `dispute`, `canceled`;
/// the docs' check-status page adds `paused`).
fn status(text: &str) -> Result<BackgroundCheckStatus, MapError> {
    Ok(match text {
        "pending" => BackgroundCheckStatus::Pending,
        "complete" => BackgroundCheckStatus::Completed,
        "suspended" | "paused" => BackgroundCheckStatus::Suspended,
        "dispute" => BackgroundCheckStatus::Disputed,
        "canceled" => BackgroundCheckStatus::Cancelled,
        other => {
            return Err(MapError {
                path: "status".into(),
                message: format!("`{other}` is not a report status Checkr documents"),
            });
        }
    })
}

/// A report → a background check. The result (`clear`, `consider`) and the employer's
/// adjudication of it (`engaged`, `pre_adverse_action`, `post_adverse_action`) are kept as
/// given; the assessment stays in the payload.
pub fn report(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let r: Report = decode(raw)?;
    let result = r.result.as_deref().map(|t| match t {
        "clear" => BackgroundCheckResult::Clear,
        "consider" => BackgroundCheckResult::Consider,
        _ => BackgroundCheckResult::Other,
    });
    let changed = [r.created_at, r.completed_at, r.revised_at, r.upgraded_at]
        .into_iter()
        .flatten()
        .max();
    let check = BackgroundCheck {
        provenance: ctx.provenance(r.id, changed),
        company_id: ctx.company_id,
        report_url: dashboard(&r.candidate_id),
        candidate_remote_id: r.candidate_id,
        package: non_empty(r.package.as_deref()),
        status: status(&r.status)?,
        result,
        adjudication: non_empty(r.adjudication.as_deref()),
        submitted_at: r.created_at,
        completed_at: r.completed_at,
        raw: RawPayload::from_raw(raw),
    };
    Ok(vec![check.into()])
}

#[derive(Debug, Deserialize)]
struct Invitation {
    id: String,
    status: String,
    package: Option<String>,
    candidate_id: String,
    created_at: Option<DateTime<Utc>>,
}

/// An invitation → a background check still waiting on the candidate (`pending`), or one
/// they never started (`expired`, as cancelled). A completed invitation gives nothing: its
/// report is the check. The candidate's own invitation link is not kept.
pub fn invitation(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let i: Invitation = decode(raw)?;
    let status = match i.status.as_str() {
        "pending" => BackgroundCheckStatus::Pending,
        "expired" => BackgroundCheckStatus::Cancelled,
        "completed" => return Ok(Vec::new()),
        other => {
            return Err(MapError {
                path: "status".into(),
                message: format!("`{other}` is not an invitation status Checkr documents"),
            });
        }
    };
    let mut payload: serde_json::Value = serde_json::from_str(raw.get()).map_err(|e| MapError {
        path: "(record)".into(),
        message: e.to_string(),
    })?;
    if let Some(m) = payload.as_object_mut() {
        m.remove("invitation_url");
    }
    let check = BackgroundCheck {
        provenance: ctx.provenance(i.id, i.created_at),
        company_id: ctx.company_id,
        report_url: dashboard(&i.candidate_id),
        candidate_remote_id: i.candidate_id,
        package: non_empty(i.package.as_deref()),
        status,
        result: None,
        adjudication: None,
        submitted_at: i.created_at,
        completed_at: None,
        raw: RawPayload::from_value(&payload),
    };
    Ok(vec![check.into()])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    use super::super::test_support::raw;

    fn ctx() -> MapCtx<'static> {
        super::super::test_support::ctx("checkr", None)
    }

    fn check(out: Vec<CanonicalRecord>) -> BackgroundCheck {
        match out.into_iter().next() {
            Some(CanonicalRecord::BackgroundCheck(c)) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_completed_report_keeps_its_result_package_dates_and_a_dashboard_link() {
        // The spec's own example values.
        let r = raw(
            r#"{"id":"4722c07dd9a10c3985ae432a","object":"report","status":"complete","result":"consider","adjudication":"engaged","package":"driver_pro","candidate_id":"e44aa283528e6fde7d542194","created_at":"2014-01-18T12:34:00Z","completed_at":"2014-01-18T12:35:30Z","revised_at":null,"ssn_trace_id":"539fd88c101897f7cd000001"}"#,
        );
        let c = check(report(&ctx(), &r).unwrap());
        assert_eq!(c.provenance.remote_id, "4722c07dd9a10c3985ae432a");
        assert_eq!(c.candidate_remote_id, "e44aa283528e6fde7d542194");
        assert_eq!(c.status, BackgroundCheckStatus::Completed);
        assert_eq!(c.result, Some(BackgroundCheckResult::Consider));
        assert_eq!(c.package.as_deref(), Some("driver_pro"));
        assert_eq!(
            c.submitted_at.unwrap().to_rfc3339(),
            "2014-01-18T12:34:00+00:00"
        );
        assert_eq!(
            c.completed_at.unwrap().to_rfc3339(),
            "2014-01-18T12:35:30+00:00"
        );
        assert_eq!(c.provenance.remote_modified_at, c.completed_at);
        assert_eq!(
            c.report_url.as_deref(),
            Some("https://dashboard.checkr.com/candidates/e44aa283528e6fde7d542194")
        );
        assert_eq!(c.adjudication.as_deref(), Some("engaged"));
    }

    #[test]
    fn a_candidate_keeps_name_and_email_and_never_the_private_details() {
        // The spec's own example values.
        let r = raw(
            r#"{"id":"e44aa283528e6fde7d542194","object":"candidate","uri":"/v1/candidates/e44aa283528e6fde7d542194","first_name":"John","middle_name":"Alfred","no_middle_name":false,"last_name":"Smith","email":"john.smith@gmail.com","phone":"5555555555","zipcode":"90401","dob":"1970-01-22","ssn":"XXX-XX-4645","driver_license_number":"F2111655","driver_license_state":"CA","previous_driver_license_number":"F1501739","previous_driver_license_state":"MD","mother_maiden_name":"Jones","custom_id":"bluebird-7","postal_address":{"street":"123 Main Street"},"report_ids":["532e71cfe88a1d4e8d00000d"],"geo_ids":[],"copy_requested":false}"#,
        );
        let c = match candidate(&ctx(), &r).unwrap().into_iter().next() {
            Some(CanonicalRecord::Candidate(c)) => c,
            other => panic!("{other:?}"),
        };
        assert_eq!(c.provenance.remote_id, "e44aa283528e6fde7d542194");
        assert_eq!(c.first_name.as_deref(), Some("John"));
        assert_eq!(c.last_name.as_deref(), Some("Smith"));
        assert_eq!(c.email.as_deref(), Some("john.smith@gmail.com"));
        let stored = serde_json::to_string(&c).unwrap();
        for private in [
            "4645",
            "1970-01-22",
            "F2111655",
            "5555555555",
            "Main Street",
            "Jones",
        ] {
            assert!(!stored.contains(private), "{private} kept");
        }
        assert_eq!(
            c.raw.get("report_ids"),
            Some(serde_json::json!(["532e71cfe88a1d4e8d00000d"]))
        );
        let r = raw(r#"{"id":7,"object":"candidate","email":"a@b.c"}"#);
        assert_eq!(candidate(&ctx(), &r).unwrap_err().path, "id");
    }

    #[test]
    fn every_documented_status_maps_and_an_unknown_one_names_the_field() {
        for (text, want) in [
            ("pending", BackgroundCheckStatus::Pending),
            ("complete", BackgroundCheckStatus::Completed),
            ("suspended", BackgroundCheckStatus::Suspended),
            ("paused", BackgroundCheckStatus::Suspended),
            ("dispute", BackgroundCheckStatus::Disputed),
            ("canceled", BackgroundCheckStatus::Cancelled),
        ] {
            let r = raw(&format!(
                r#"{{"id":"r","status":"{text}","result":null,"candidate_id":"c"}}"#
            ));
            let c = check(report(&ctx(), &r).unwrap());
            assert_eq!(c.status, want);
            assert_eq!(c.result, None);
        }
        let r = raw(r#"{"id":"r","status":"sideways","candidate_id":"c"}"#);
        assert_eq!(report(&ctx(), &r).unwrap_err().path, "status");
        let r = raw(r#"{"id":"r","status":7,"candidate_id":"c"}"#);
        assert_eq!(report(&ctx(), &r).unwrap_err().path, "status");
    }

    #[test]
    fn invitations_waiting_or_expired_are_checks_and_completed_ones_leave_it_to_the_report() {
        let text = |status: &str| {
            format!(
                r#"{{"id":"i1","object":"invitation","status":"{status}","package":"tasker_standard","candidate_id":"c1","created_at":"2026-11-30T09:00:00Z","invitation_url":"https://apply.checkr.com/invite/x/y/z","report_id":null}}"#
            )
        };
        let c = check(invitation(&ctx(), &raw(&text("pending"))).unwrap());
        assert_eq!(c.status, BackgroundCheckStatus::Pending);
        assert_eq!(c.package.as_deref(), Some("tasker_standard"));
        assert_eq!(c.candidate_remote_id, "c1");
        assert_eq!(c.raw.get("invitation_url"), None);
        assert_eq!(c.raw.get("status"), Some(serde_json::json!("pending")));
        let c = check(invitation(&ctx(), &raw(&text("expired"))).unwrap());
        assert_eq!(c.status, BackgroundCheckStatus::Cancelled);
        assert!(
            invitation(&ctx(), &raw(&text("completed")))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            invitation(&ctx(), &raw(&text("lost"))).unwrap_err().path,
            "status"
        );
    }
}
