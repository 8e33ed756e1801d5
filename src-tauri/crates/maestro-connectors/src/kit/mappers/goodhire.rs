//! GoodHire records (the unofficial spec's `Report`) → background checks and their
//! candidates. Only the check's state is kept: status, result, package (product bundle) and
//! dates; of the candidate, who has no list or id of their own in the spec, the names and
//! email the report carries. The candidate's SSN and
//! phone, which the schema allows inline, are dropped before anything is stored, and no
//! report contents are read. GoodHire documents no address of a report in its web app, so no
//! link is made up: `report_url` stays empty.

use chrono::{DateTime, Utc};
use maestro_core::model::{
    BackgroundCheck, BackgroundCheckResult, BackgroundCheckStatus, Candidate, CanonicalRecord,
    RawPayload,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{MapCtx, MapError, decode, non_empty};

/// Candidate members never kept locally.
const PRIVATE: [&str; 2] = ["ssn", "phone"];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    id: String,
    status: String,
    result: Option<String>,
    candidate: Option<CandidateIn>,
    product_bundle_id: Option<String>,
    created_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CandidateIn {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
}

/// A report's status (the spec's enum: `queued`, `pending_candidate`, `in_progress`,
/// `complete`, `action_required`, `canceled`). `action_required` is a check held until someone
/// supplies what is missing, so it is suspended.
fn status(text: &str) -> Result<BackgroundCheckStatus, MapError> {
    Ok(match text {
        "queued" | "pending_candidate" => BackgroundCheckStatus::Pending,
        "in_progress" => BackgroundCheckStatus::InProgress,
        "complete" => BackgroundCheckStatus::Completed,
        "action_required" => BackgroundCheckStatus::Suspended,
        "canceled" => BackgroundCheckStatus::Cancelled,
        other => {
            return Err(MapError {
                path: "status".into(),
                message: format!("`{other}` is not a report status GoodHire's spec lists"),
            });
        }
    })
}

/// The overall outcome: free text in the spec ("e.g. clear or needs review"). The two values
/// it names are recognised; anything else is `Other`, with the text kept in the payload.
fn result(text: Option<&str>) -> Option<BackgroundCheckResult> {
    let t = non_empty(text)?
        .to_ascii_lowercase()
        .replace(['_', '-'], " ");
    Some(match t.as_str() {
        "clear" => BackgroundCheckResult::Clear,
        "needs review" | "consider" => BackgroundCheckResult::Consider,
        _ => BackgroundCheckResult::Other,
    })
}

/// The payload without the candidate's private members.
fn scrubbed(raw: &RawValue) -> Result<serde_json::Value, MapError> {
    let mut payload: serde_json::Value = serde_json::from_str(raw.get()).map_err(|e| MapError {
        path: "(record)".into(),
        message: e.to_string(),
    })?;
    if let Some(c) = payload
        .get_mut("candidate")
        .and_then(serde_json::Value::as_object_mut)
    {
        for k in PRIVATE {
            c.remove(k);
        }
    }
    Ok(payload)
}

/// A report → a background check and its candidate. The spec gives a report's candidate no
/// id, only names and an email; the email (lower case) is the candidate's id here, so a report
/// without one is an error naming `candidate.email` rather than a check nobody can be matched
/// to. A candidate with several reports is given once per report, the same each time.
pub fn report(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let r: Report = decode(raw)?;
    let status = status(&r.status)?;
    let candidate = r
        .candidate
        .as_ref()
        .and_then(|c| non_empty(c.email.as_deref()))
        .map(|e| e.to_ascii_lowercase())
        .ok_or_else(|| MapError {
            path: "candidate.email".into(),
            message: "a report without its candidate's email cannot be matched to anyone".into(),
        })?;
    let changed = [r.created_at, r.completed_at].into_iter().flatten().max();
    let payload = scrubbed(raw)?;
    let person = Candidate {
        provenance: ctx.provenance(candidate.clone(), None),
        company_id: ctx.company_id,
        first_name: r
            .candidate
            .as_ref()
            .and_then(|c| non_empty(c.first_name.as_deref())),
        last_name: r
            .candidate
            .as_ref()
            .and_then(|c| non_empty(c.last_name.as_deref())),
        email: Some(candidate.clone()),
        raw: RawPayload::from_value(payload.get("candidate").unwrap_or(&serde_json::Value::Null)),
    };
    let check = BackgroundCheck {
        provenance: ctx.provenance(r.id, changed),
        company_id: ctx.company_id,
        candidate_remote_id: candidate,
        package: non_empty(r.product_bundle_id.as_deref()),
        status,
        result: result(r.result.as_deref()),
        adjudication: None,
        submitted_at: r.created_at,
        completed_at: r.completed_at,
        report_url: None,
        raw: RawPayload::from_value(&payload),
    };
    Ok(vec![check.into(), person.into()])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    use super::super::test_support::raw;

    fn ctx() -> MapCtx<'static> {
        super::super::test_support::ctx("goodhire", None)
    }

    fn check(out: Vec<CanonicalRecord>) -> BackgroundCheck {
        match out.into_iter().next() {
            Some(CanonicalRecord::BackgroundCheck(c)) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_completed_report_keeps_status_result_package_dates_and_never_the_ssn() {
        // The unofficial spec's example shape (its Postman collection), with values filled in.
        let r = raw(
            r#"{"id":"7f2c","status":"complete","result":"Needs Review","candidate":{"firstName":"Ana","lastName":"Lopez","email":"Ana.Lopez@Example.com","phone":"+1 555 0100","ssn":"123-45-6789"},"productBundleId":"RPT_BASIC","createdAt":"2026-11-02T16:00:00Z","completedAt":"2026-11-04T18:00:00.000Z"}"#,
        );
        let c = check(report(&ctx(), &r).unwrap());
        assert_eq!(c.provenance.remote_id, "7f2c");
        assert_eq!(c.candidate_remote_id, "ana.lopez@example.com");
        assert_eq!(c.status, BackgroundCheckStatus::Completed);
        assert_eq!(c.result, Some(BackgroundCheckResult::Consider));
        assert_eq!(c.package.as_deref(), Some("RPT_BASIC"));
        assert_eq!(
            c.submitted_at.unwrap().to_rfc3339(),
            "2026-11-02T16:00:00+00:00"
        );
        assert_eq!(
            c.completed_at.unwrap().to_rfc3339(),
            "2026-11-04T18:00:00+00:00"
        );
        assert_eq!(c.provenance.remote_modified_at, c.completed_at);
        assert_eq!(c.report_url, None);
        let stored = c.raw.get("candidate").unwrap();
        assert_eq!(stored.get("ssn"), None);
        assert_eq!(stored.get("phone"), None);
        assert_eq!(stored["lastName"], "Lopez");
        assert!(!serde_json::to_string(&c).unwrap().contains("123-45-6789"));
        let out = report(&ctx(), &r).unwrap();
        let person = match out.get(1) {
            Some(CanonicalRecord::Candidate(p)) => p,
            other => panic!("{other:?}"),
        };
        assert_eq!(person.provenance.remote_id, "ana.lopez@example.com");
        assert_eq!(person.email.as_deref(), Some("ana.lopez@example.com"));
        assert_eq!(person.first_name.as_deref(), Some("Ana"));
        assert_eq!(person.last_name.as_deref(), Some("Lopez"));
        let stored = serde_json::to_string(person).unwrap();
        assert!(!stored.contains("123-45-6789") && !stored.contains("555 0100"));
    }

    #[test]
    fn every_listed_status_maps_and_an_unknown_one_names_the_field() {
        for (text, want) in [
            ("queued", BackgroundCheckStatus::Pending),
            ("pending_candidate", BackgroundCheckStatus::Pending),
            ("in_progress", BackgroundCheckStatus::InProgress),
            ("complete", BackgroundCheckStatus::Completed),
            ("action_required", BackgroundCheckStatus::Suspended),
            ("canceled", BackgroundCheckStatus::Cancelled),
        ] {
            let r = raw(&format!(
                r#"{{"id":"r","status":"{text}","candidate":{{"email":"a@b.c"}}}}"#
            ));
            let c = check(report(&ctx(), &r).unwrap());
            assert_eq!(c.status, want, "{text}");
            assert_eq!(c.result, None);
        }
        for bad in [r#""complete ""#, r#""cancelled""#, "7"] {
            let r = raw(&format!(
                r#"{{"id":"r","status":{bad},"candidate":{{"email":"a@b.c"}}}}"#
            ));
            assert_eq!(report(&ctx(), &r).unwrap_err().path, "status", "{bad}");
        }
    }

    #[test]
    fn results_are_read_as_given_and_a_report_without_its_candidates_email_is_refused() {
        for (text, want) in [
            ("clear", Some(BackgroundCheckResult::Clear)),
            ("needs_review", Some(BackgroundCheckResult::Consider)),
            ("pending adjudication", Some(BackgroundCheckResult::Other)),
            ("  ", None),
        ] {
            let r = raw(&format!(
                r#"{{"id":"r","status":"complete","result":"{text}","candidate":{{"email":"a@b.c"}}}}"#
            ));
            assert_eq!(check(report(&ctx(), &r).unwrap()).result, want, "{text}");
        }
        for r in [
            r#"{"id":"r","status":"queued"}"#,
            r#"{"id":"r","status":"queued","candidate":{"firstName":"A"}}"#,
            r#"{"id":"r","status":"queued","candidate":{"email":" "}}"#,
        ] {
            assert_eq!(report(&ctx(), &raw(r)).unwrap_err().path, "candidate.email");
        }
    }
}
