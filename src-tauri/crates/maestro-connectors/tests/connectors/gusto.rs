//! Gusto: wiremock fixtures shaped by the embedded API v2025-06-15 spec, and the sandbox.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use maestro_connectors::{
    ConnectorError, EmployeeChanges, NewEmployee, ReadRequest, WriteOp, WriteRequest,
};
use maestro_core::model::{CanonicalRecord, EmploymentStatus, EntityKind};
use maestro_core::money::{Currency, Money};
use maestro_core::sensitive::Sensitive;
use maestro_http::{Auth, HttpError, IdempotencyKey, webhook};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{connector, context, read_all};

const CO: &str = "e904cc79-818a-4da8-9d37-0be0a86fdda8";

fn bearer() -> Auth {
    Auth::Bearer(Sensitive::new("test-token".into()))
}

fn gusto(server: &MockServer) -> std::sync::Arc<dyn maestro_connectors::Connector> {
    connector(
        "gusto",
        context(&server.uri(), bearer(), &[("company_uuid", CO)]),
    )
}

fn paged(body: Value, total_pages: u32) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("X-Total-Pages", total_pages.to_string().as_str())
        .set_body_json(body)
}

fn emp_id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn compensation(n: usize, suffix: &str, effective: &str, rate: &str) -> Value {
    json!({
        "uuid": format!("comp-{n}-{suffix}"), "employee_uuid": emp_id(n), "version": "cv",
        "payment_unit": "Hour", "flsa_status": "Nonexempt", "adjust_for_minimum_wage": false,
        "minimum_wages": [], "job_uuid": format!("job-{n}"), "effective_date": effective,
        "rate": rate
    })
}

fn job(n: usize) -> Value {
    json!({
        "uuid": format!("job-{n}"), "version": "jv", "employee_uuid": emp_id(n),
        "current_compensation_uuid": format!("comp-{n}-b"), "payment_unit": "Hour",
        "primary": true, "two_percent_shareholder": false, "state_wc_covered": null,
        "state_wc_class_code": null, "title": "Baker", "location_uuid": "loc-1",
        "compensations": [
            compensation(n, "a", "2024-01-01", "21.50"),
            compensation(n, "b", "2025-01-01", "23.75")
        ],
        "rate": "23.75", "hire_date": "2024-01-01"
    })
}

/// An `Employee` as the spec's example shapes it, with one job and its compensations.
fn employee(n: usize) -> Value {
    let id = emp_id(n);
    let terminations = if n == 5 {
        json!([{"uuid": "t-5", "employee_uuid": id, "active": true, "cancelable": false,
                "effective_date": "2025-03-31", "run_termination_payroll": false}])
    } else {
        json!([])
    };
    let mut e = json!({
        "uuid": id, "first_name": format!("First{n}"), "middle_initial": null,
        "last_name": format!("Last{n}"), "email": format!("p{n}@home.example"),
        "company_uuid": CO, "manager_uuid": null, "version": format!("v{n}"),
        "current_employment_status": "full_time", "onboarding_status": "onboarding_completed",
        "preferred_first_name": null, "department_uuid": "dep-1", "employee_code": format!("c{n}"),
        "payment_method": "Direct Deposit", "department": "Kitchen", "terminated": n == 5,
        "two_percent_shareholder": false, "onboarded": true, "historical": false, "has_ssn": true
    });
    let more = json!({
        "jobs": [job(n)], "eligible_paid_time_off": [], "terminations": terminations,
        "garnishments": [], "date_of_birth": "1990-05-01", "ssn": "",
        "phone": "5555550100", "work_email": format!("p{n}@bluebird.example"),
        "hired_at": "2024-01-01"
    });
    e.as_object_mut()
        .unwrap()
        .extend(more.as_object().unwrap().clone());
    e
}

fn location(n: usize) -> Value {
    json!({
        "created_at": "2025-06-09T13:43:49.000-07:00", "updated_at": "2025-06-09T13:43:50.000-07:00",
        "company_uuid": CO, "version": "lv", "uuid": format!("loc-{n}"),
        "street_1": format!("{n}00 3rd Street"), "street_2": null, "city": "San Francisco",
        "state": "CA", "zip": "94107", "country": "USA", "active": true,
        "phone_number": "8009360383", "filing_address": n == 1, "mailing_address": n == 1
    })
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Where the connector's open payroll window ends: 3 months after the day before today (Gusto's
/// own date may be a day behind ours).
fn open_window_end() -> NaiveDate {
    today()
        .pred_opt()
        .unwrap()
        .checked_add_months(chrono::Months::new(3))
        .unwrap()
}

fn days_ago(n: i64) -> String {
    (today() - chrono::Duration::days(n)).to_string()
}

/// A payroll of the last pay period (its dates relative to today, as the history walk is).
fn payroll(id: &str, processed: bool) -> Value {
    json!({
        "payroll_deadline": format!("{}T23:00:00Z", days_ago(10)), "check_date": days_ago(8),
        "processed": processed, "processed_date": if processed { json!(days_ago(11)) } else { json!(null) },
        "calculated_at": format!("{}T16:58:03Z", days_ago(12)), "uuid": id, "payroll_uuid": id,
        "company_uuid": CO, "off_cycle": false, "auto_pilot": false, "external": false,
        "pay_period": {"start_date": days_ago(28), "end_date": days_ago(15),
                       "pay_schedule_uuid": "40ff5990-0191-4796-9717-32f7dd3e94d5"},
        "totals": {"gross_pay": "5000.10", "net_pay": "3900.00", "employer_taxes": "400.55",
                   "employee_taxes": "800.05", "benefits": "120.00",
                   "employee_benefits_deductions": "250.00", "other_deductions": "50.05",
                   "company_debit": "5520.65", "check_amount": "3900.00"}
    })
}

fn employee_compensation(n: usize) -> Value {
    json!({
        "employee_uuid": emp_id(n), "excluded": false, "first_name": format!("First{n}"),
        "last_name": format!("Last{n}"), "gross_pay": 2791.25, "net_pay": 2038.9,
        "check_amount": 2038.9, "payment_method": "Direct Deposit", "memo": null,
        "fixed_compensations": [{"name": "Bonus", "amount": "100.00", "job_uuid": format!("job-{n}")}],
        "hourly_compensations": [
            {"name": "Regular Hours", "hours": "80.000", "amount": "2500.00",
             "job_uuid": format!("job-{n}"), "compensation_multiplier": 1, "flsa_status": "Nonexempt"},
            {"name": "Overtime", "hours": "5.500", "amount": "191.25",
             "job_uuid": format!("job-{n}"), "compensation_multiplier": 1.5, "flsa_status": "Nonexempt"}
        ],
        "paid_time_off": [], "reimbursements": [],
        "taxes": [
            {"name": "Federal Income Tax", "employer": false, "amount": 301.17},
            {"name": "Social Security", "employer": true, "amount": 173.06}
        ],
        "benefits": [{"name": "Medical Insurance", "employee_deduction": 125.0,
                      "company_contribution": 60, "imputed": false}],
        "deductions": [{"name": "Child support", "amount": 50.05}]
    })
}

/// Matches a payroll list request for the open window of the history: dated, its end 3 months
/// ahead.
struct OpenWindow;

impl wiremock::Match for OpenWindow {
    fn matches(&self, request: &wiremock::Request) -> bool {
        let q: std::collections::HashMap<String, String> =
            request.url.query_pairs().into_owned().collect();
        let date = |k: &str| q.get(k).and_then(|d| d.parse::<NaiveDate>().ok());
        date("start_date").is_some() && date("end_date") == Some(open_window_end())
    }
}

/// Mounts every read endpoint: employees (3 pages), locations (3), payrolls (3 pages in the
/// open window, none before), a payroll's employee compensations (2 pages), benefits per
/// employee, and the unpaginated lists.
async fn mount_company(server: &MockServer) {
    let base = format!("/v1/companies/{CO}");
    Mock::given(method("GET"))
        .and(path(base.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ein": "00-0000001", "entity_type": "LLC", "tier": "plus", "is_suspended": false,
            "company_status": "Approved", "uuid": CO, "name": "Bluebird Bakery LLC",
            "join_date": days_ago(60),
            "trade_name": "Bluebird Bakery & Café", "is_partner_managed": false,
            "locations": [location(1)], "compensations": {},
            "primary_payroll_admin": {"first_name": "Ann", "last_name": "Owner",
                                      "email": "ann@bluebird.example", "phone": "5555550000"}
        })))
        .mount(server)
        .await;
    for (page, ids) in [(1, vec![1, 2]), (2, vec![3, 4]), (3, vec![5])] {
        let body = Value::Array(ids.into_iter().map(employee).collect());
        Mock::given(method("GET"))
            .and(path(format!("{base}/employees")))
            .and(query_param("page", page.to_string()))
            .and(query_param("per", "100"))
            .respond_with(paged(body, 3))
            .mount(server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{base}/locations")))
            .and(query_param("page", page.to_string()))
            .respond_with(paged(json!([location(page)]), 3))
            .mount(server)
            .await;
        for (statuses, processed) in [("processed,unprocessed", false), ("processed", true)] {
            let items = if processed {
                json!([payroll(&format!("pr-{page}"), true)])
            } else {
                json!([
                    payroll(&format!("pr-{page}"), true),
                    payroll(&format!("draft-{page}"), false)
                ])
            };
            Mock::given(method("GET"))
                .and(path(format!("{base}/payrolls")))
                .and(query_param("processing_statuses", statuses))
                .and(query_param("payroll_types", "regular,off_cycle"))
                .and(query_param("page", page.to_string()))
                .and(OpenWindow)
                .respond_with(paged(items, 3))
                .mount(server)
                .await;
        }
    }
    // Earlier windows of the history hold nothing.
    Mock::given(method("GET"))
        .and(path(format!("{base}/payrolls")))
        .respond_with(paged(json!([]), 1))
        .with_priority(10)
        .mount(server)
        .await;
    for page in 1..=3 {
        let id = format!("pr-{page}");
        // pr-1 has two pages of employee compensations; the others one.
        let pages: Vec<Vec<usize>> = if page == 1 {
            vec![vec![1, 2], vec![3]]
        } else {
            vec![vec![1]]
        };
        for (i, emps) in pages.iter().enumerate() {
            let mut body = payroll(&id, true);
            body["employee_compensations"] =
                Value::Array(emps.iter().map(|n| employee_compensation(*n)).collect());
            Mock::given(method("GET"))
                .and(path(format!("{base}/payrolls/{id}")))
                .and(query_param("page", (i + 1).to_string()))
                .respond_with(paged(body, pages.len() as u32))
                .mount(server)
                .await;
        }
    }
    for n in 1..=5 {
        let id = emp_id(n);
        Mock::given(method("GET"))
            .and(path(format!("/v1/employees/{id}/employee_benefits")))
            .respond_with(paged(
                json!([{
                    "version": "ebv", "employee_uuid": id,
                    "company_benefit_uuid": "54e37c27-43e6-4ae5-a5b2-e29895a133be",
                    "active": true, "uuid": format!("eb-{n}"), "employee_deduction": "125.00",
                    "company_contribution": "60.00", "deduct_as_percentage": false,
                    "contribute_as_percentage": false, "catch_up": false,
                    "contribution": {"type": "amount", "value": "60.00"}, "elective": false,
                    "effective_date": "2025-01-01", "expiration_date": null
                }]),
                1,
            ))
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(format!("{base}/departments")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"uuid": "dep-1", "company_uuid": CO, "title": "Kitchen", "version": "dv",
             "employees": [{"uuid": emp_id(1)}], "contractors": []},
            {"uuid": "dep-2", "company_uuid": CO, "title": "Front of house", "version": "dv2",
             "employees": [], "contractors": []}
        ])))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{base}/time_off_policies")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "uuid": "3f746cd0-dd08-408f-b712-8180c7c621e9", "company_uuid": CO,
            "name": "Vacation", "policy_type": "vacation", "accrual_method": "per_hour_worked",
            "accrual_rate": "0.04", "max_hours": "120.0", "complete": true, "version": "tv",
            "is_active": true, "employees": [{"uuid": emp_id(1)}]
        }])))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{base}/company_benefits")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "uuid": "54e37c27-43e6-4ae5-a5b2-e29895a133be", "version": "bv", "benefit_type": 1,
            "active": true, "description": "Kaiser Permanente", "source": "external",
            "partner_name": null, "deletable": true, "supports_percentage_amounts": true
        }])))
        .mount(server)
        .await;
}

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

async fn read(c: &dyn maestro_connectors::Connector, entity: EntityKind) -> Vec<CanonicalRecord> {
    read_all(c, entity, None).await.0
}

#[tokio::test]
async fn reads_every_entity_across_pages() {
    let server = MockServer::start().await;
    mount_company(&server).await;
    let c = gusto(&server);

    let (employees, pages) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    assert_eq!((employees.len(), pages), (5, 3));
    let CanonicalRecord::Employee(e) = &employees[0] else {
        panic!()
    };
    assert_eq!(e.provenance.provider, "gusto");
    assert_eq!(e.provenance.remote_id, emp_id(1));
    assert_eq!(e.work_email.as_deref(), Some("p1@bluebird.example"));
    assert_eq!(e.raw, employee(1), "raw is the item exactly as received");
    assert_eq!(e.department_remote_id.as_deref(), Some("dep-1"));
    assert_eq!(e.work_location_remote_id.as_deref(), Some("loc-1"));
    let CanonicalRecord::Employee(e5) = &employees[4] else {
        panic!()
    };
    assert_eq!(e5.employment_status, EmploymentStatus::Terminated);
    assert_eq!(e5.termination_date, NaiveDate::from_ymd_opt(2025, 3, 31));

    let (jobs, pages) = read_all(c.as_ref(), EntityKind::Employment, None).await;
    assert_eq!((jobs.len(), pages), (5, 3));
    let CanonicalRecord::Employment(j) = &jobs[0] else {
        panic!()
    };
    assert_eq!(j.pay_rate, Some(usd("23.75")));
    assert_eq!(j.employee_remote_id, emp_id(1));
    assert_eq!(j.raw, employee(1)["jobs"][0]);

    let comps = read(c.as_ref(), EntityKind::Compensation).await;
    assert_eq!(comps.len(), 10);
    let CanonicalRecord::Compensation(k) = &comps[0] else {
        panic!()
    };
    assert_eq!(k.rate.to_string(), "21.50 USD");
    assert_eq!(k.employment_remote_id.as_deref(), Some("job-1"));

    let (locs, pages) = read_all(c.as_ref(), EntityKind::Location, None).await;
    assert_eq!((locs.len(), pages), (3, 3));
    let CanonicalRecord::Location(l) = &locs[0] else {
        panic!()
    };
    assert_eq!(l.address.country.as_deref(), Some("US"));
    assert!(l.provenance.remote_modified_at.is_some());

    let (runs, pages) = read_all(c.as_ref(), EntityKind::PayrollRun, None).await;
    assert_eq!((runs.len(), pages), (6, 3));
    let CanonicalRecord::PayrollRun(r) = &runs[0] else {
        panic!()
    };
    assert_eq!(r.totals.gross_pay, Some(usd("5000.10")));
    assert_eq!(r.totals.employee_deductions, Some(usd("300.05")));

    let (stubs, pages) = read_all(c.as_ref(), EntityKind::PayStatement, None).await;
    assert_eq!(
        (stubs.len(), pages),
        (5, 4),
        "pr-1 has two pages, pr-2 and pr-3 one each"
    );
    let CanonicalRecord::PayStatement(s) = &stubs[0] else {
        panic!()
    };
    assert_eq!(s.provenance.remote_id, format!("pr-1:{}", emp_id(1)));
    assert_eq!(s.gross_pay.to_string(), "2791.25 USD");
    assert_eq!(s.net_pay.to_string(), "2038.90 USD");
    assert_eq!(s.earnings_total().unwrap(), s.gross_pay);
    assert_eq!(s.total_hours, Some("85.500".parse().unwrap()));
    assert_eq!(s.taxes[0].amount, usd("301.17"));
    assert_eq!(s.employee_deductions.len(), 2);
    assert_eq!(s.employer_contributions[0].amount, usd("60"));
    assert_eq!(s.computed_net_pay().unwrap(), usd("2315.03"));
    assert_eq!(s.raw, employee_compensation(1));

    let (enrol, pages) = read_all(c.as_ref(), EntityKind::BenefitEnrollment, None).await;
    assert_eq!((enrol.len(), pages), (5, 5));
    let CanonicalRecord::BenefitEnrollment(b) = &enrol[0] else {
        panic!()
    };
    assert_eq!(b.employee_contribution, Some(usd("125.00")));
    assert_eq!(b.company_contribution, Some(usd("60.00")));

    for (entity, n) in [
        (EntityKind::Company, 1),
        (EntityKind::Department, 2),
        (EntityKind::TimeOffPolicy, 1),
        (EntityKind::BenefitPlan, 1),
    ] {
        assert_eq!(read(c.as_ref(), entity).await.len(), n, "{entity}");
    }
    let CanonicalRecord::Company(co) = &read(c.as_ref(), EntityKind::Company).await[0] else {
        panic!()
    };
    assert_eq!(co.name, "Bluebird Bakery & Café");
    assert_eq!(co.legal_name.as_deref(), Some("Bluebird Bakery LLC"));
    let CanonicalRecord::BenefitPlan(p) = &read(c.as_ref(), EntityKind::BenefitPlan).await[0]
    else {
        panic!()
    };
    assert_eq!(p.name, "Kaiser Permanente");
    assert_eq!(p.kind, maestro_core::model::BenefitKind::Medical);

    let received = server.received_requests().await.unwrap();
    assert!(received.iter().all(|r| {
        r.headers.get("x-gusto-api-version").unwrap() == "2025-06-15"
            && r.headers.get("authorization").unwrap() == "Bearer test-token"
    }));
}

/// How a fake Gusto reads "payrolls whose pay period is after the start date / before the end
/// date": the whole period inside the range, or any overlap.
#[derive(Clone, Copy)]
enum Reading {
    Inside,
    Overlap,
}

/// A payroll list and single payrolls over `history`, holding Gusto's limits: dates required
/// here (the default is only 6 months), a year at most between them, the end at most 3 months
/// ahead; each payroll has one employee's compensation.
struct History {
    payrolls: Vec<Value>,
    reading: Reading,
}

impl wiremock::Respond for History {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let path = request.url.path().to_owned();
        if let Some(id) = path.strip_prefix(&format!("/v1/companies/{CO}/payrolls/")) {
            let Some(mut p) = self.payrolls.iter().find(|p| p["uuid"] == id).cloned() else {
                return ResponseTemplate::new(404);
            };
            p["employee_compensations"] = json!([employee_compensation(1)]);
            return paged(p, 1);
        }
        let q: std::collections::HashMap<String, String> =
            request.url.query_pairs().into_owned().collect();
        let date = |k: &str| q.get(k).and_then(|d| d.parse::<NaiveDate>().ok());
        let refuse = |m: &str| {
            ResponseTemplate::new(422).set_body_json(json!({"errors": [
                {"error_key": "end_date", "category": "invalid_attribute_value", "message": m}]}))
        };
        let (Some(start), Some(end)) = (date("start_date"), date("end_date")) else {
            return refuse("this fake serves only dated reads");
        };
        if start < end.checked_sub_months(chrono::Months::new(12)).unwrap() {
            return refuse("start_date and end_date can't be more than 1 year apart");
        }
        if end > today().checked_add_months(chrono::Months::new(3)).unwrap() {
            return refuse("end_date can be at most 3 months in the future");
        }
        let processed_only = q.get("processing_statuses").map(String::as_str) == Some("processed");
        let items: Vec<Value> = self
            .payrolls
            .iter()
            .filter(|p| !processed_only || p["processed"] == true)
            .filter(|p| {
                let d = |k: &str| {
                    p["pay_period"][k]
                        .as_str()
                        .unwrap()
                        .parse::<NaiveDate>()
                        .unwrap()
                };
                match self.reading {
                    Reading::Inside => d("start_date") >= start && d("end_date") <= end,
                    Reading::Overlap => d("start_date") <= end && d("end_date") >= start,
                }
            })
            .cloned()
            .collect();
        let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        let per: usize = q.get("per").and_then(|p| p.parse().ok()).unwrap_or(25);
        let pages = items.len().div_ceil(per).max(1);
        let slice: Vec<Value> = items.into_iter().skip((page - 1) * per).take(per).collect();
        paged(Value::Array(slice), pages as u32)
    }
}

/// Biweekly payrolls over about 2 years back from last week (newest has a draft next to it),
/// plus a monthly one and a quarterly one, so some straddle the windows' boundaries.
fn history() -> Vec<Value> {
    let mut out = Vec::new();
    let mut end = today() - chrono::Duration::days(8);
    for n in 0..52 {
        let mut p = payroll(&format!("pr-h{n}"), true);
        p["pay_period"]["start_date"] = json!((end - chrono::Duration::days(13)).to_string());
        p["pay_period"]["end_date"] = json!(end.to_string());
        p["check_date"] = json!((end + chrono::Duration::days(6)).to_string());
        out.push(p);
        end -= chrono::Duration::days(14);
    }
    for (id, back, length) in [("pr-month", 200, 30), ("pr-quarter", 430, 88)] {
        let end = today() - chrono::Duration::days(back);
        let mut p = payroll(id, true);
        p["off_cycle"] = json!(true);
        p["pay_period"]["start_date"] = json!((end - chrono::Duration::days(length)).to_string());
        p["pay_period"]["end_date"] = json!(end.to_string());
        out.push(p);
    }
    out.push(payroll("draft-now", false));
    out
}

async fn mount_history(server: &MockServer, join_date: Value, reading: Reading) -> Vec<Value> {
    let payrolls = history();
    Mock::given(method("GET"))
        .and(path(format!("/v1/companies/{CO}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "uuid": CO, "name": "Bluebird Bakery LLC", "join_date": join_date
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(format!(
            "^/v1/companies/{CO}/payrolls"
        )))
        .respond_with(History {
            payrolls: payrolls.clone(),
            reading,
        })
        .mount(server)
        .await;
    payrolls
}

fn ids(records: &[CanonicalRecord]) -> Vec<String> {
    let mut out: Vec<String> = records
        .iter()
        .map(|r| match r {
            CanonicalRecord::PayrollRun(p) => p.provenance.remote_id.clone(),
            CanonicalRecord::PayStatement(s) => s.payroll_run_remote_id.clone().unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    out.sort();
    out
}

fn dated_requests(received: &[wiremock::Request]) -> Vec<(NaiveDate, NaiveDate)> {
    received
        .iter()
        .filter(|r| r.url.path() == format!("/v1/companies/{CO}/payrolls"))
        .map(|r| {
            let q: std::collections::HashMap<String, String> =
                r.url.query_pairs().into_owned().collect();
            let d = |k: &str| q[k].parse::<NaiveDate>().unwrap();
            (d("start_date"), d("end_date"))
        })
        .collect()
}

#[tokio::test]
async fn payroll_history_is_read_in_year_windows_back_to_the_join_date() {
    for reading in [Reading::Inside, Reading::Overlap] {
        let server = MockServer::start().await;
        let join = today() - chrono::Duration::days(760);
        let payrolls = mount_history(&server, json!(join.to_string()), reading).await;
        let c = gusto(&server);
        let mut all: Vec<String> = payrolls
            .iter()
            .map(|p| p["uuid"].as_str().unwrap().to_owned())
            .collect();
        all.sort();

        let (runs, _) = read_all(c.as_ref(), EntityKind::PayrollRun, None).await;
        assert_eq!(ids(&runs), all, "every payroll once, the draft too");
        let windows = dated_requests(&server.received_requests().await.unwrap());
        assert!(
            windows
                .iter()
                .all(|(s, e)| *s > e.checked_sub_months(chrono::Months::new(12)).unwrap())
        );
        assert_eq!(windows[0].1, open_window_end());
        let oldest = windows.iter().map(|(s, _)| *s).min().unwrap();
        assert!(oldest < join, "reaches the join date: {oldest}");
        assert!(windows.len() <= 5, "{windows:?}");

        let (stubs, _) = read_all(c.as_ref(), EntityKind::PayStatement, None).await;
        let processed: Vec<String> = all
            .iter()
            .filter(|id| *id != "draft-now")
            .cloned()
            .collect();
        assert_eq!(
            ids(&stubs),
            processed,
            "one statement per processed payroll"
        );

        // Incremental: only the open window, no company read.
        server.reset().await;
        mount_history(&server, json!(join.to_string()), reading).await;
        let since = Some(chrono::Utc::now());
        let (recent, pages) = read_all(c.as_ref(), EntityKind::PayrollRun, since).await;
        let received = server.received_requests().await.unwrap();
        assert_eq!(pages, 1);
        assert_eq!(received.len(), 1, "one request: the open window");
        let keep_from = open_window_end()
            .checked_sub_months(chrono::Months::new(9))
            .unwrap();
        let expected: Vec<String> = {
            let mut v: Vec<String> = payrolls
                .iter()
                .filter(|p| {
                    p["pay_period"]["end_date"]
                        .as_str()
                        .unwrap()
                        .parse::<NaiveDate>()
                        .unwrap()
                        > keep_from
                })
                .map(|p| p["uuid"].as_str().unwrap().to_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(ids(&recent), expected);
        assert!(expected.len() > 10 && expected.len() < all.len());
    }
}

#[tokio::test]
async fn a_page_number_saved_before_the_windows_starts_the_walk_over() {
    let server = MockServer::start().await;
    mount_history(&server, json!(days_ago(760)), Reading::Inside).await;
    let c = gusto(&server);
    let first = |page: Option<maestro_http::PageCursor>| {
        let c = c.clone();
        async move {
            let p = c
                .read(&ReadRequest {
                    entity: EntityKind::PayrollRun,
                    page,
                    since: None,
                })
                .await
                .unwrap();
            (ids(&p.records), p.next)
        }
    };
    let fresh = first(None).await;
    let legacy = first(Some(maestro_http::PageCursor::Page(2))).await;
    assert!(!fresh.0.is_empty());
    assert_eq!(legacy, fresh);
}

#[tokio::test]
async fn without_a_join_date_the_walk_stops_at_an_empty_window() {
    let server = MockServer::start().await;
    let payrolls = mount_history(&server, Value::Null, Reading::Inside).await;
    let (runs, _) = read_all(gusto(&server).as_ref(), EntityKind::PayrollRun, None).await;
    assert_eq!(runs.len(), payrolls.len());
    let windows = dated_requests(&server.received_requests().await.unwrap());
    // Two years of history: the fifth window (back 3 years) is the first empty one.
    assert!(windows.len() <= 6, "{windows:?}");
}

#[tokio::test]
async fn a_termination_no_longer_in_effect_sets_no_date() {
    let server = MockServer::start().await;
    let mut cancelled = employee(1);
    cancelled["terminations"] = json!([{"uuid": "t-1", "employee_uuid": emp_id(1),
        "active": false, "cancelable": false, "effective_date": days_ago(30),
        "run_termination_payroll": false}]);
    let mut scheduled = employee(2);
    let ahead = (today() + chrono::Duration::days(30)).to_string();
    scheduled["terminations"] = json!([{"uuid": "t-2", "employee_uuid": emp_id(2),
        "active": false, "cancelable": true, "effective_date": ahead,
        "run_termination_payroll": false}]);
    let mut gone = employee(3);
    gone["terminated"] = json!(true);
    gone["terminations"] = json!([{"uuid": "t-3", "employee_uuid": emp_id(3),
        "active": true, "cancelable": false, "effective_date": days_ago(5),
        "run_termination_payroll": false}]);
    Mock::given(method("GET"))
        .and(path(employees_path()))
        .respond_with(paged(json!([cancelled, scheduled, gone]), 1))
        .mount(&server)
        .await;
    let got: Vec<Option<NaiveDate>> = read(gusto(&server).as_ref(), EntityKind::Employee)
        .await
        .iter()
        .map(|r| match r {
            CanonicalRecord::Employee(e) => e.termination_date,
            other => panic!("{other:?}"),
        })
        .collect();
    let day = |s: &str| Some(s.parse::<NaiveDate>().unwrap());
    assert_eq!(got, [None, day(&ahead), day(&days_ago(5))]);
}

fn employees_path() -> String {
    format!("/v1/companies/{CO}/employees")
}

#[tokio::test]
async fn honours_retry_after_on_429() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(employees_path()))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(employees_path()))
        .respond_with(paged(json!([employee(1)]), 1))
        .mount(&server)
        .await;
    let c = gusto(&server);
    let started = Instant::now();
    let records = read(c.as_ref(), EntityKind::Employee).await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    assert_eq!(records.len(), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retries_a_burst_of_server_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(employees_path()))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(employees_path()))
        .respond_with(paged(json!([employee(1), employee(2)]), 1))
        .mount(&server)
        .await;
    let records = read(gusto(&server).as_ref(), EntityKind::Employee).await;
    assert_eq!(records.len(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

async fn read_err(server: &MockServer, entity: EntityKind) -> ConnectorError {
    gusto(server)
        .read(&ReadRequest {
            entity,
            page: None,
            since: None,
        })
        .await
        .unwrap_err()
}

#[tokio::test]
async fn surfaces_endless_server_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let err = read_err(&server, EntityKind::Employee).await;
    match &err {
        ConnectorError::Http(HttpError::RetriesExhausted { last, .. }) => {
            assert!(
                matches!(**last, HttpError::Server { status: 500, .. }),
                "{last:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
}

#[tokio::test]
async fn malformed_item_names_the_field_path() {
    let server = MockServer::start().await;
    let mut items: Vec<Value> = (1..=4).map(employee).collect();
    items[3]["jobs"][0]["rate"] = json!("abc");
    Mock::given(method("GET"))
        .and(path(employees_path()))
        .respond_with(paged(Value::Array(items), 1))
        .mount(&server)
        .await;
    let err = read_err(&server, EntityKind::Employment).await;
    match &err {
        ConnectorError::Http(HttpError::Decode { path, .. }) => {
            assert_eq!(path, "[3].jobs[0].rate")
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("[3].jobs[0].rate"), "{err}");

    // Truncated JSON is a decode error too.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"[{"uuid":"a","first_na"#))
        .mount(&server)
        .await;
    let err = read_err(&server, EntityKind::Employee).await;
    assert!(
        matches!(err, ConnectorError::Http(HttpError::Decode { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn unauthorized_needs_reconnect() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "errors": [{"error_key": "base", "category": "invalid_token", "message": "The access token is invalid"}]
        })))
        .mount(&server)
        .await;
    let err = read_err(&server, EntityKind::Company).await;
    assert!(err.needs_reconnect(), "{err:?}");
    let err = gusto(&server).check().await.unwrap_err();
    assert!(err.needs_reconnect(), "{err:?}");
}

fn write_req(op: WriteOp) -> WriteRequest {
    WriteRequest {
        op,
        idempotency_key: IdempotencyKey::from_stable("outbox-1"),
    }
}

#[tokio::test]
async fn create_employee_is_idempotent_by_work_email() {
    let server = MockServer::start().await;
    let created = json!({"uuid": "new-1", "first_name": "Rosa", "last_name": "Diaz",
        "work_email": "rosa@bluebird.example", "version": "nv", "jobs": [], "terminations": []});
    // Before the first POST the search finds nobody; afterwards it finds the new hire.
    Mock::given(method("GET"))
        .and(path(employees_path()))
        .and(query_param("search_term", "Diaz"))
        .respond_with(paged(json!([employee(1)]), 1))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(employees_path()))
        .and(query_param("search_term", "Diaz"))
        .respond_with(paged(json!([employee(1), created.clone()]), 1))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(employees_path()))
        .and(body_partial_json(
            json!({"first_name": "Rosa", "work_email": "Rosa@Bluebird.example"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(created))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/employees/new-1/jobs"))
        .and(body_partial_json(
            json!({"title": "Baker", "hire_date": "2025-07-01"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"uuid": "job-new"})))
        .expect(1)
        .mount(&server)
        .await;
    let c = gusto(&server);
    let op = WriteOp::CreateEmployee(NewEmployee {
        first_name: "Rosa".into(),
        last_name: "Diaz".into(),
        work_email: "Rosa@Bluebird.example".into(),
        job_title: Some("Baker".into()),
        department: None,
        start_date: NaiveDate::from_ymd_opt(2025, 7, 1),
        date_of_birth: None,
    });
    let first = c.write(&write_req(op.clone())).await.unwrap();
    assert_eq!(
        (first.remote_id.as_str(), first.applied_now),
        ("new-1", true)
    );
    let again = c.write(&write_req(op)).await.unwrap();
    assert_eq!(
        (again.remote_id.as_str(), again.applied_now),
        ("new-1", false)
    );
    // `expect(1)` on the POSTs is verified when the server drops.
}

#[tokio::test]
async fn update_rereads_the_version_after_a_conflict() {
    let server = MockServer::start().await;
    let id = emp_id(1);
    let at = |version: &str| {
        let mut e = employee(1);
        e["version"] = json!(version);
        ResponseTemplate::new(200).set_body_json(e)
    };
    Mock::given(method("GET"))
        .and(path(format!("/v1/employees/{id}")))
        .respond_with(at("stale"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/employees/{id}")))
        .respond_with(at("fresh"))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("/v1/employees/{id}")))
        .and(body_partial_json(json!({"version": "stale"})))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({"errors": [
            {"error_key": "version", "category": "invalid_attribute_value",
             "message": "The version is not current"}]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("/v1/employees/{id}")))
        .and(body_partial_json(
            json!({"version": "fresh", "last_name": "Okafor"}),
        ))
        .respond_with(at("newer"))
        .expect(1)
        .mount(&server)
        .await;
    let out = gusto(&server)
        .write(&write_req(WriteOp::UpdateEmployee {
            remote_id: id.clone(),
            changes: EmployeeChanges {
                last_name: Some("Okafor".into()),
                ..EmployeeChanges::default()
            },
        }))
        .await
        .unwrap();
    assert_eq!((out.remote_id, out.applied_now), (id, true));
}

#[tokio::test]
async fn terminate_posts_once() {
    let server = MockServer::start().await;
    let id = emp_id(1);
    let mut terminated = employee(1);
    terminated["terminations"] =
        json!([{"uuid": "t", "effective_date": "2025-08-01", "active": false}]);
    Mock::given(method("GET"))
        .and(path(format!("/v1/employees/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(employee(1)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/employees/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(terminated))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/employees/{id}/terminations")))
        .and(body_partial_json(json!({"effective_date": "2025-08-01"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"uuid": "t"})))
        .expect(1)
        .mount(&server)
        .await;
    let c = gusto(&server);
    let op = WriteOp::TerminateEmployee {
        remote_id: id,
        effective_date: NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
    };
    assert!(c.write(&write_req(op.clone())).await.unwrap().applied_now);
    assert!(!c.write(&write_req(op)).await.unwrap().applied_now);
}

#[tokio::test]
async fn webhook_signature_is_checked() {
    let server = MockServer::start().await;
    let c = gusto(&server);
    let secret = Sensitive::new("verification-token-123".to_owned());
    let body = serde_json::to_vec(&json!({
        "uuid": "f7397a24-57ad-4fae-b011-d258e8232900", "event_type": "employee.updated",
        "resource_type": "Company", "resource_uuid": CO, "entity_type": "Employee",
        "entity_uuid": emp_id(1), "timestamp": 1686784995
    }))
    .unwrap();
    let mut headers = http::HeaderMap::new();
    let sig = webhook::sign_hex(secret.expose().as_bytes(), &[&body]);
    headers.insert("X-Gusto-Signature", sig.parse().unwrap());
    let now = chrono::Utc::now();
    let events = c.verify_webhook(&headers, &body, &secret, now).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "employee.updated");
    assert_eq!(events[0].entity, Some(EntityKind::Employee));
    assert_eq!(events[0].remote_id, Some(emp_id(1)));

    let mut tampered = body.clone();
    let at = tampered.len() - 2;
    tampered[at] = b'0'; // timestamp …995 → …990
    let err = c
        .verify_webhook(&headers, &tampered, &secret, now)
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConnectorError::Webhook(webhook::SignatureError::Mismatch)
        ),
        "{err:?}"
    );
    let err = c
        .verify_webhook(&http::HeaderMap::new(), &body, &secret, now)
        .unwrap_err();
    assert!(matches!(
        err,
        ConnectorError::Webhook(webhook::SignatureError::Missing(_))
    ));
}

#[test]
fn manifest_describes_gusto() {
    let reg = maestro_connectors::Registry::builtin();
    let m = reg.get("gusto").unwrap().manifest;
    assert_eq!(m.max_page_size, 100);
    assert_eq!(m.rate_limit.requests, 200);
    assert!(
        m.config
            .iter()
            .any(|f| f.key == "company_uuid" && f.required)
    );
    assert!(m.entity(EntityKind::Employee).unwrap().write);
    assert!(!m.entity(EntityKind::Employee).unwrap().incremental);
}

// ---- against the sandbox emulator ----

mod sandbox {
    use std::time::{Duration, Instant};

    use maestro_connectors::{Connector, ConnectorError, NewEmployee, ReadRequest, WriteOp};
    use maestro_core::model::{CanonicalRecord, EntityKind};
    use maestro_core::sensitive::Sensitive;
    use maestro_http::{Auth, HttpError};
    use maestro_sandbox::{FaultPlan, MalformedKind, Provider, Sandbox, SandboxConfig};
    use serde_json::Value;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::write_req;
    use crate::support::{connector, context, read_all};

    async fn start() -> (Sandbox, std::sync::Arc<dyn Connector>) {
        let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let creds = sb.credentials().gusto;
        let ctx = context(
            &sb.base_url(Provider::Gusto),
            Auth::Bearer(Sensitive::new(creds.access_token)),
            &[("company_uuid", creds.company_uuid.as_str())],
        );
        (sb, connector("gusto", ctx))
    }

    async fn try_read(c: &dyn Connector, entity: EntityKind) -> Result<usize, ConnectorError> {
        c.read(&ReadRequest {
            entity,
            page: None,
            since: None,
        })
        .await
        .map(|p| p.records.len())
    }

    #[tokio::test]
    async fn full_read_matches_ground_truth() {
        let (sb, c) = start().await;
        let truth = sb.gusto_employees();

        let (employees, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
        assert_eq!(employees.len(), truth.len());
        for (rec, t) in employees.iter().zip(&truth) {
            let CanonicalRecord::Employee(e) = rec else {
                panic!()
            };
            assert_eq!(e.provenance.remote_id, t["uuid"].as_str().unwrap());
            assert_eq!(e.work_email.as_deref(), t["work_email"].as_str());
            assert_eq!(e.last_name.as_deref(), t["last_name"].as_str());
            assert_eq!(
                &e.raw, t,
                "custom fields asked for with include=custom_fields"
            );
            assert!(
                e.custom_fields.contains_key("Uniform size"),
                "{:?}",
                e.custom_fields
            );
        }

        let jobs: Vec<&Value> = truth
            .iter()
            .flat_map(|e| e["jobs"].as_array().unwrap())
            .collect();
        let (employments, _) = read_all(c.as_ref(), EntityKind::Employment, None).await;
        assert_eq!(employments.len(), jobs.len());
        for (rec, j) in employments.iter().zip(&jobs) {
            let CanonicalRecord::Employment(e) = rec else {
                panic!()
            };
            let rate = e.pay_rate.unwrap().amount;
            assert_eq!(rate, j["rate"].as_str().unwrap().parse().unwrap());
        }
        let comps = jobs
            .iter()
            .flat_map(|j| j["compensations"].as_array().unwrap())
            .filter(|c| c["payment_unit"] != "Paycheck")
            .count();
        let (compensations, _) = read_all(c.as_ref(), EntityKind::Compensation, None).await;
        assert_eq!(compensations.len(), comps);

        // The whole history (past the API's default 6 months) and the draft.
        let payrolls = sb.gusto_payrolls();
        let (runs, _) = read_all(c.as_ref(), EntityKind::PayrollRun, None).await;
        assert_eq!(runs.len(), payrolls.len());
        let unique: std::collections::BTreeSet<&str> = runs
            .iter()
            .map(|r| r.provenance().remote_id.as_str())
            .collect();
        assert_eq!(unique.len(), runs.len(), "each payroll once");
        for rec in &runs {
            let CanonicalRecord::PayrollRun(r) = rec else {
                panic!()
            };
            // Windows are read newest first: match by id.
            let p = payrolls
                .iter()
                .find(|p| p["uuid"] == r.provenance.remote_id.as_str())
                .unwrap_or_else(|| panic!("{} is not in the sandbox", r.provenance.remote_id));
            let gross = r.totals.gross_pay.map(|g| g.amount.to_string());
            assert_eq!(gross.as_deref(), p["totals"]["gross_pay"].as_str());
            let draft = r.status == maestro_core::model::PayrollRunStatus::Draft;
            assert_eq!(draft, p["processed"] == false, "{}", p["uuid"]);
        }
        assert!(
            runs.iter()
                .any(|r| matches!(r, CanonicalRecord::PayrollRun(r)
            if r.status == maestro_core::model::PayrollRunStatus::Draft))
        );
        let statements: usize = payrolls
            .iter()
            .filter(|p| p["processed"] == true)
            .map(|p| p["employee_compensations"].as_array().unwrap().len())
            .sum();
        let (stubs, _) = read_all(c.as_ref(), EntityKind::PayStatement, None).await;
        assert_eq!(stubs.len(), statements);
        for rec in &stubs {
            let CanonicalRecord::PayStatement(s) = rec else {
                panic!()
            };
            assert_eq!(
                s.earnings_total().unwrap(),
                s.gross_pay,
                "{:?}",
                s.provenance
            );
            // The sandbox sends no tax/benefit lines (it ignores `include=taxes,...`), so only
            // gross can be reconciled from the lines.
        }

        for entity in [
            EntityKind::Company,
            EntityKind::Department,
            EntityKind::Location,
            EntityKind::TimeOffPolicy,
            EntityKind::BenefitPlan,
            EntityKind::BenefitEnrollment,
        ] {
            let (records, _) = read_all(c.as_ref(), entity, None).await;
            assert!(!records.is_empty(), "{entity}");
        }
        let report = c.check().await.unwrap();
        assert!(!report.account.is_empty());
    }

    #[tokio::test]
    async fn incremental_payroll_reads_cover_the_open_window() {
        let (sb, c) = start().await;
        let keep_from = super::open_window_end()
            .checked_sub_months(chrono::Months::new(9))
            .unwrap();
        let payrolls = sb.gusto_payrolls();
        let open: Vec<&str> = payrolls
            .iter()
            .filter(|p| {
                let end: chrono::NaiveDate = p["pay_period"]["end_date"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                end > keep_from
            })
            .map(|p| p["uuid"].as_str().unwrap())
            .collect();
        assert!(
            open.len() < payrolls.len(),
            "the sandbox's history is older"
        );
        sb.reset_requests(Provider::Gusto);
        let since = Some(chrono::Utc::now());
        let (runs, _) = read_all(c.as_ref(), EntityKind::PayrollRun, since).await;
        let got: Vec<&str> = runs
            .iter()
            .map(|r| match r {
                CanonicalRecord::PayrollRun(r) => r.provenance.remote_id.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(got, open);
        assert_eq!(sb.request_count(Provider::Gusto), 1);
    }

    #[tokio::test]
    async fn job_and_department_writes_reach_the_sandbox() {
        let (sb, c) = start().await;
        let truth = |id: &str| {
            sb.gusto_employees()
                .into_iter()
                .find(|e| e["uuid"] == id)
                .unwrap()
        };
        let (departments, _) = read_all(c.as_ref(), EntityKind::Department, None).await;
        let dept = |i: usize| match &departments[i] {
            CanonicalRecord::Department(d) => (d.name.clone(), d.provenance.remote_id.clone()),
            other => panic!("{other:?}"),
        };
        let title = |i: usize| dept(i).0;
        let uuid = |i: usize| Value::String(dept(i).1);

        let new = NewEmployee {
            first_name: "Rosa".into(),
            last_name: "Diaz".into(),
            work_email: "rosa.diaz@bluebird.example".into(),
            job_title: Some("Pastry Cook".into()),
            department: Some(title(0)),
            start_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 5),
            date_of_birth: None,
        };
        let made = c
            .write(&write_req(WriteOp::CreateEmployee(new)))
            .await
            .unwrap();
        let e = truth(&made.remote_id);
        assert_eq!(e["jobs"][0]["title"], "Pastry Cook");
        assert_eq!(e["jobs"][0]["hire_date"], "2026-01-05");
        assert_eq!(e["jobs"][0]["primary"], true);
        assert_eq!(e["department_uuid"], uuid(0));

        let changes = maestro_connectors::EmployeeChanges {
            job_title: Some("Head Pastry Cook".into()),
            department: Some(title(1)),
            ..Default::default()
        };
        let op = WriteOp::UpdateEmployee {
            remote_id: made.remote_id.clone(),
            changes,
        };
        assert!(c.write(&write_req(op)).await.unwrap().applied_now);
        let e = truth(&made.remote_id);
        assert_eq!(e["jobs"][0]["title"], "Head Pastry Cook");
        assert_eq!(e["department_uuid"], uuid(1));
        let puts: Vec<String> = sb
            .requests(Provider::Gusto)
            .iter()
            .filter(|r| r.method == "PUT")
            .map(|r| r.path.clone())
            .collect();
        let job = e["jobs"][0]["uuid"].as_str().unwrap();
        assert!(puts.contains(&format!("/v1/jobs/{job}")), "{puts:?}");
        let add = format!("/v1/departments/{}/add", uuid(1).as_str().unwrap());
        assert!(puts.contains(&add), "{puts:?}");
    }

    #[tokio::test]
    async fn faults_are_retried_or_surfaced() {
        let (sb, c) = start().await;
        let g = Provider::Gusto;

        sb.set_faults(
            g,
            FaultPlan {
                rate_limit_burst: 1,
                retry_after_secs: 1,
                ..FaultPlan::default()
            },
        );
        let started = Instant::now();
        assert!(try_read(c.as_ref(), EntityKind::Employee).await.unwrap() > 0);
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "waited for Retry-After"
        );

        sb.reset_requests(g);
        sb.set_faults(
            g,
            FaultPlan {
                server_errors: 2,
                ..FaultPlan::default()
            },
        );
        assert!(try_read(c.as_ref(), EntityKind::Employee).await.unwrap() > 0);
        assert_eq!(sb.request_count(g), 3);

        sb.set_faults(
            g,
            FaultPlan {
                delays: 1,
                delay_ms: 3_500,
                ..FaultPlan::default()
            },
        );
        assert!(try_read(c.as_ref(), EntityKind::Employee).await.unwrap() > 0);

        sb.set_faults(
            g,
            FaultPlan {
                server_errors: 1_000,
                ..FaultPlan::default()
            },
        );
        let err = try_read(c.as_ref(), EntityKind::Employee)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ConnectorError::Http(HttpError::RetriesExhausted { last, .. })
                if matches!(**last, HttpError::Server { .. })),
            "{err:?}"
        );
        sb.set_faults(g, FaultPlan::default());

        let wrong = MalformedKind::WrongType {
            field: "rate".into(),
        };
        sb.set_faults(
            g,
            FaultPlan {
                malformed: 1,
                malformed_kind: wrong,
                ..FaultPlan::default()
            },
        );
        match try_read(c.as_ref(), EntityKind::Employment)
            .await
            .unwrap_err()
        {
            ConnectorError::Http(HttpError::Decode { path, .. }) => {
                assert!(
                    path.starts_with("[0].jobs[0]") && path.ends_with(".rate"),
                    "{path}"
                )
            }
            other => panic!("{other:?}"),
        }
        sb.set_faults(
            g,
            FaultPlan {
                malformed: 1,
                ..FaultPlan::default()
            },
        );
        let err = try_read(c.as_ref(), EntityKind::Employee)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ConnectorError::Http(HttpError::Decode { .. })),
            "{err:?}"
        );

        sb.revoke(g);
        let err = try_read(c.as_ref(), EntityKind::Employee)
            .await
            .unwrap_err();
        assert!(err.needs_reconnect(), "{err:?}");
    }

    #[tokio::test]
    async fn writes_apply_once() {
        let (sb, c) = start().await;
        let new = NewEmployee {
            first_name: "Rosa".into(),
            last_name: "Diaz".into(),
            work_email: "rosa.diaz@bluebird.example".into(),
            job_title: None,
            department: None,
            start_date: None,
            date_of_birth: None,
        };
        let first = c
            .write(&write_req(WriteOp::CreateEmployee(new.clone())))
            .await
            .unwrap();
        assert!(first.applied_now);
        let again = c
            .write(&write_req(WriteOp::CreateEmployee(new)))
            .await
            .unwrap();
        assert_eq!(
            (again.remote_id.as_str(), again.applied_now),
            (first.remote_id.as_str(), false)
        );
        let posts = sb
            .requests(Provider::Gusto)
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/employees"))
            .count();
        assert_eq!(posts, 1);

        let id = sb.gusto_employees()[1]["uuid"].as_str().unwrap().to_owned();
        let changes = maestro_connectors::EmployeeChanges {
            last_name: Some("Okafor-Smith".into()),
            ..Default::default()
        };
        let op = WriteOp::UpdateEmployee {
            remote_id: id.clone(),
            changes,
        };
        assert!(c.write(&write_req(op)).await.unwrap().applied_now);
        let e = sb
            .gusto_employees()
            .into_iter()
            .find(|e| e["uuid"] == id.as_str())
            .unwrap();
        assert_eq!(e["last_name"], "Okafor-Smith");

        let date = chrono::NaiveDate::from_ymd_opt(2030, 1, 31).unwrap();
        let op = WriteOp::TerminateEmployee {
            remote_id: id.clone(),
            effective_date: date,
        };
        assert!(c.write(&write_req(op.clone())).await.unwrap().applied_now);
        assert!(!c.write(&write_req(op)).await.unwrap().applied_now);
    }

    #[tokio::test]
    async fn verifies_the_sandbox_webhook() {
        let (sb, c) = start().await;
        let receiver = MockServer::start().await;
        Mock::given(wiremock::matchers::method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&receiver)
            .await;
        let id = sb.gusto_employees()[0]["uuid"].as_str().unwrap().to_owned();
        let event = maestro_sandbox::WebhookEvent {
            event_type: "employee.updated".into(),
            entity_id: id.clone(),
            changed_fields: vec![],
        };
        let sent = sb
            .send_webhook(Provider::Gusto, &receiver.uri(), event)
            .await
            .unwrap();
        let secret = Sensitive::new(sb.credentials().gusto.webhook_verification_token);
        let mut headers = http::HeaderMap::new();
        headers.insert("x-gusto-signature", sent.signature.parse().unwrap());
        let events = c
            .verify_webhook(&headers, &sent.body, &secret, chrono::Utc::now())
            .unwrap();
        assert_eq!(events[0].remote_id.as_deref(), Some(id.as_str()));
        assert_eq!(events[0].entity, Some(EntityKind::Employee));
        let mut tampered = sent.body.clone();
        tampered.push(b' ');
        assert!(
            c.verify_webhook(&headers, &tampered, &secret, chrono::Utc::now())
                .is_err()
        );
    }
}
