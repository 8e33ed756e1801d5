//! Field names and JSON types of key objects, as declared in the specs under /work/shared/specs
//! (Gusto Employee/Job/Compensation/Payroll, BambooHR employees list item, Harvest TimeEntry/User).
//! A focused stand-in for full JSON-Schema validation (no YAML/JSON-Schema crate in the workspace).

use maestro_sandbox::Provider;
use serde_json::Value;

use crate::{bamboo, client, gusto, harvest, start};

#[derive(Clone, Copy, Debug)]
enum T {
    Str,
    StrOrNull,
    Bool,
    Num,
    NumOrNull,
    Int,
    Arr,
    Obj,
    ObjOrNull,
}

fn check(obj: &Value, fields: &[(&str, T)], what: &str) {
    for (k, t) in fields {
        let v = obj
            .get(*k)
            .unwrap_or_else(|| panic!("{what}: missing {k} in {obj}"));
        let ok = match t {
            T::Str => v.is_string(),
            T::StrOrNull => v.is_string() || v.is_null(),
            T::Bool => v.is_boolean(),
            T::Num => v.is_number(),
            T::NumOrNull => v.is_number() || v.is_null(),
            T::Int => v.is_i64() || v.is_u64(),
            T::Arr => v.is_array(),
            T::Obj => v.is_object(),
            T::ObjOrNull => v.is_object() || v.is_null(),
        };
        assert!(ok, "{what}.{k} should be {t:?}, got {v}");
    }
}

fn is_decimal_string(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.parse::<rust_decimal::Decimal>().is_ok())
}

#[tokio::test]
async fn gusto_shapes_match_spec() {
    let sb = start().await;
    let c = client();
    let company = sb.credentials().gusto.company_uuid;
    let list: Vec<Value> = gusto(&sb, &c, &format!("/v1/companies/{company}/employees"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for e in &list {
        use T::*;
        check(
            e,
            &[
                ("uuid", Str),
                ("first_name", Str),
                ("middle_initial", StrOrNull),
                ("last_name", Str),
                ("email", StrOrNull),
                ("company_uuid", Str),
                ("manager_uuid", StrOrNull),
                ("version", Str),
                ("department", StrOrNull),
                ("terminated", Bool),
                ("onboarded", Bool),
                ("jobs", Arr),
                ("terminations", Arr),
                ("garnishments", Arr),
                ("has_ssn", Bool),
                ("payment_method", Str),
                ("work_email", StrOrNull),
                ("department_uuid", StrOrNull),
                ("employee_code", Str),
                ("historical", Bool),
            ],
            "Employee",
        );
        for j in e["jobs"].as_array().unwrap() {
            check(
                j,
                &[
                    ("uuid", Str),
                    ("version", Str),
                    ("employee_uuid", Str),
                    ("hire_date", Str),
                    ("title", StrOrNull),
                    ("primary", Bool),
                    ("rate", Str),
                    ("payment_unit", StrOrNull),
                    ("current_compensation_uuid", Str),
                    ("location_uuid", Str),
                    ("compensations", Arr),
                ],
                "Job",
            );
            assert!(is_decimal_string(&j["rate"]));
            for comp in j["compensations"].as_array().unwrap() {
                check(
                    comp,
                    &[
                        ("uuid", Str),
                        ("version", Str),
                        ("job_uuid", Str),
                        ("employee_uuid", Str),
                        ("rate", Str),
                        ("payment_unit", Str),
                        ("flsa_status", Str),
                        ("effective_date", Str),
                        ("adjust_for_minimum_wage", Bool),
                        ("minimum_wages", Arr),
                    ],
                    "Compensation",
                );
                assert!(
                    ["Hour", "Week", "Month", "Year", "Paycheck"]
                        .contains(&comp["payment_unit"].as_str().unwrap())
                );
                assert!(is_decimal_string(&comp["rate"]));
            }
        }
    }
    let payroll = &sb.gusto_payrolls()[0];
    let p: Value = gusto(
        &sb,
        &c,
        &format!(
            "/v1/companies/{company}/payrolls/{}?per=100",
            payroll["uuid"].as_str().unwrap()
        ),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    for k in [
        "gross_pay",
        "net_pay",
        "employer_taxes",
        "employee_taxes",
        "benefits",
        "company_debit",
    ] {
        assert!(
            is_decimal_string(&p["totals"][k]),
            "totals.{k} must be a decimal string"
        );
    }
    for ec in p["employee_compensations"].as_array().unwrap() {
        use T::*;
        check(
            ec,
            &[
                ("employee_uuid", Str),
                ("gross_pay", NumOrNull),
                ("net_pay", NumOrNull),
                ("check_amount", NumOrNull),
                ("hourly_compensations", Arr),
                ("fixed_compensations", Arr),
            ],
            "EmployeeCompensation",
        );
        for h in ec["hourly_compensations"].as_array().unwrap() {
            assert!(is_decimal_string(&h["hours"]) && is_decimal_string(&h["amount"]));
        }
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn bamboohr_shapes_match_spec() {
    let sb = start().await;
    let c = client();
    let body: Value = bamboo(
        &sb,
        &c,
        "/api/v1/employees?fields=workEmail,hireDate,departmentName,locationId",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    use T::*;
    check(
        &body,
        &[("data", Arr), ("meta", Obj), ("_links", Obj)],
        "EmployeesList",
    );
    check(&body["meta"], &[("total", Int), ("page", Obj)], "meta");
    for e in body["data"].as_array().unwrap() {
        check(
            e,
            &[
                ("employeeId", Str),
                ("firstName", StrOrNull),
                ("lastName", StrOrNull),
                ("preferredName", StrOrNull),
                ("photoUrl", StrOrNull),
                ("jobTitleName", StrOrNull),
                ("status", StrOrNull),
                ("_restrictedFields", Arr),
                ("workEmail", StrOrNull),
                ("hireDate", StrOrNull),
                ("departmentName", StrOrNull),
                ("locationId", StrOrNull),
            ],
            "Employee",
        );
    }
    let reqs: Vec<Value> = bamboo(
        &sb,
        &c,
        "/api/v1/time_off/requests?start=2025-01-01&end=2027-01-01",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(!reqs.is_empty());
    for r in &reqs {
        check(
            r,
            &[
                ("id", Int),
                ("employeeId", Int),
                ("name", Str),
                ("start", Str),
                ("end", Str),
                ("created", Str),
                ("status", Obj),
                ("type", Obj),
                ("amount", Obj),
                ("dates", Obj),
            ],
            "TimeOffRequest",
        );
        assert!(r["amount"]["amount"].is_number());
    }
    let changed: Value = bamboo(
        &sb,
        &c,
        "/api/v1/employees/changed?since=2000-01-01T00:00:00Z",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    check(&changed, &[("latest", Str), ("employees", Obj)], "Changed");
    sb.shutdown().await;
}

#[tokio::test]
async fn harvest_shapes_match_spec() {
    let sb = start().await;
    let c = client();
    let body: Value = harvest(&sb, &c, "/v2/time_entries?per_page=50")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    use T::*;
    check(
        &body,
        &[
            ("time_entries", Arr),
            ("per_page", Int),
            ("total_pages", Int),
            ("total_entries", Int),
            ("page", Int),
            ("links", Obj),
        ],
        "TimeEntries",
    );
    for e in body["time_entries"].as_array().unwrap() {
        check(
            e,
            &[
                ("id", Int),
                ("spent_date", Str),
                ("user", Obj),
                ("client", Obj),
                ("project", Obj),
                ("task", Obj),
                ("user_assignment", ObjOrNull),
                ("task_assignment", ObjOrNull),
                ("hours", Num),
                ("hours_without_timer", Num),
                ("rounded_hours", Num),
                ("notes", StrOrNull),
                ("is_locked", Bool),
                ("is_billed", Bool),
                ("is_running", Bool),
                ("billable", Bool),
                ("billable_rate", NumOrNull),
                ("cost_rate", NumOrNull),
                ("created_at", Str),
                ("updated_at", Str),
            ],
            "TimeEntry",
        );
    }
    let users: Value = harvest(&sb, &c, "/v2/users")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for u in users["users"].as_array().unwrap() {
        check(
            u,
            &[
                ("id", Int),
                ("first_name", Str),
                ("last_name", Str),
                ("email", Str),
                ("timezone", Str),
                ("is_contractor", Bool),
                ("is_active", Bool),
                ("weekly_capacity", Int),
                ("default_hourly_rate", NumOrNull),
                ("cost_rate", NumOrNull),
                ("roles", Arr),
                ("access_roles", Arr),
                ("created_at", Str),
                ("updated_at", Str),
            ],
            "User",
        );
    }
    let _ = Provider::Harvest;
    sb.shutdown().await;
}
