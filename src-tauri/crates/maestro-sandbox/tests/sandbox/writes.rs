use chrono::Utc;
use maestro_sandbox::Provider;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::{UA, bamboo, client, gusto, harvest, start};

#[tokio::test]
async fn gusto_create_update_with_version_and_terminate() {
    let sb = start().await;
    let c = client();
    let base = sb.base_url(Provider::Gusto);
    let creds = sb.credentials().gusto;
    let r = c
        .post(format!(
            "{base}/v1/companies/{}/employees",
            creds.company_uuid
        ))
        .bearer_auth(&creds.access_token)
        .json(&json!({"first_name": "Ada"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["error_key"], "last_name");
    let r = c
        .post(format!("{base}/v1/companies/{}/employees", creds.company_uuid))
        .bearer_auth(&creds.access_token)
        .json(&json!({"first_name": "Ada", "last_name": "Lovelace", "work_email": "ada.lovelace@bluebird.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let e: Value = r.json().await.unwrap();
    let id = e["uuid"].as_str().unwrap().to_string();
    let v1 = e["version"].as_str().unwrap().to_string();
    let got: Value = gusto(&sb, &c, &format!("/v1/employees/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["last_name"], "Lovelace");
    let put = |body: Value| {
        c.put(format!("{base}/v1/employees/{id}"))
            .bearer_auth(&creds.access_token)
            .json(&body)
    };
    let r = put(json!({"version": "stale", "first_name": "Augusta"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = put(json!({"version": v1, "first_name": "Augusta"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let e: Value = r.json().await.unwrap();
    assert_ne!(e["version"].as_str().unwrap(), v1);
    assert_eq!(
        sb.gusto_employees()
            .iter()
            .find(|x| x["uuid"] == id.as_str())
            .unwrap()["first_name"],
        "Augusta"
    );
    let r = c
        .post(format!("{base}/v1/employees/{id}/terminations"))
        .bearer_auth(&creds.access_token)
        .json(&json!({"effective_date": Utc::now().date_naive().to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let got: Value = gusto(&sb, &c, &format!("/v1/employees/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["terminated"], true);
    // Control-plane mutation bumps version too.
    let before = got["version"].clone();
    sb.set_employee_field(Provider::Gusto, &id, "preferred_first_name", json!("Ada"))
        .unwrap();
    let got: Value = gusto(&sb, &c, &format!("/v1/employees/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(got["version"], before);
    sb.shutdown().await;
}

#[tokio::test]
async fn bamboohr_insert_update_delete_show_in_changed_feed() {
    let sb = start().await;
    let c = client();
    let base = sb.base_url(Provider::BambooHr);
    let key = sb.credentials().bamboohr.api_key;
    let since = (Utc::now() - chrono::Duration::seconds(1)).to_rfc3339();
    let r = c
        .post(format!("{base}/api/v1/employees"))
        .basic_auth(&key, Some("x"))
        .json(&json!({"firstName": "Grace", "lastName": "Hopper", "workEmail": "grace.hopper@bluebird.example", "jobTitle": "Barista"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(r.bytes().await.unwrap().is_empty());
    let new_id = loc.rsplit('/').next().unwrap().to_string();
    let e: Value = bamboo(
        &sb,
        &c,
        &format!("/api/v1/employees/{new_id}?fields=firstName,workEmail"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(e["firstName"], "Grace");
    let r = c
        .post(format!("{base}/api/v1/employees/101"))
        .basic_auth(&key, Some("x"))
        .json(&json!({"mobilePhone": "(415) 555-0100"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    sb.delete_employee(Provider::BambooHr, "102").unwrap();
    let changed: Value = bamboo(
        &sb,
        &c,
        &format!("/api/v1/employees/changed?since={}", urlencode(&since)),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let emps = changed["employees"].as_object().unwrap();
    assert_eq!(emps[&new_id]["action"], "Inserted");
    assert_eq!(emps["101"]["action"], "Updated");
    assert_eq!(emps["102"]["action"], "Deleted");
    assert_eq!(emps.len(), 3);
    // Time off request.
    let r = c
        .put(format!("{base}/api/v1/employees/101/time_off/request"))
        .basic_auth(&key, Some("x"))
        .json(&json!({"status": "requested", "start": "2026-04-06", "end": "2026-04-07", "timeOffTypeId": 78, "amount": 16, "notes": [{"from": "employee", "note": "Spring break"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let list: Vec<Value> = bamboo(
        &sb,
        &c,
        "/api/v1/time_off/requests?start=2026-04-01&end=2026-04-30&employeeId=101",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let req = list
        .iter()
        .find(|r| r["notes"]["employee"] == "Spring break")
        .unwrap();
    assert_eq!(req["amount"]["unit"], "hours");
    assert_eq!(req["amount"]["amount"], 16.0);
    assert_eq!(req["dates"]["2026-04-06"], 8.0);
    let bal: Vec<Value> = bamboo(&sb, &c, "/api/v1/employees/101/time_off/calculator")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bal.len(), 2);
    assert!(bal[0]["balance"].as_str().unwrap().contains('.'));
    sb.shutdown().await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn harvest_create_entry_visible_via_updated_since() {
    let sb = start().await;
    let c = client();
    let base = sb.base_url(Provider::Harvest);
    let creds = sb.credentials().harvest;
    let since = (Utc::now() - chrono::Duration::seconds(2))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let user = sb.company().people[5].harvest_id;
    let r = c
        .post(format!("{base}/v2/time_entries"))
        .bearer_auth(&creds.personal_access_token)
        .header("Harvest-Account-Id", &creds.account_id)
        .header("User-Agent", UA)
        .json(&json!({"user_id": user, "project_id": 7_300_001u64, "task_id": 9_200_001u64, "spent_date": "2026-03-01", "hours": 7.25}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["hours"], 7.25);
    let id = e["id"].as_u64().unwrap();
    let body: Value = harvest(&sb, &c, &format!("/v2/time_entries?updated_since={since}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["total_entries"], 1);
    assert_eq!(body["time_entries"][0]["id"], id);
    sb.set_time_entry_hours(id - 1, Decimal::new(100, 2))
        .unwrap();
    let ids = sb
        .add_time_entries(
            user,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            Decimal::new(4, 0),
            2,
        )
        .unwrap();
    let body: Value = harvest(&sb, &c, &format!("/v2/time_entries?updated_since={since}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["total_entries"], 4);
    assert_eq!(
        body["time_entries"][0]["id"], ids[1],
        "newest spent_date first"
    );
    sb.shutdown().await;
}
