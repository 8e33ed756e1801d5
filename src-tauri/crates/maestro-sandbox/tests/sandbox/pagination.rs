use std::collections::HashSet;
use std::time::{Duration, Instant};

use maestro_sandbox::{PerProvider, Provider, RateLimit, Sandbox};
use reqwest::StatusCode;
use serde_json::Value;

use crate::{bamboo, client, config, gusto, harvest, harvest_at, start};

#[tokio::test]
async fn gusto_page_per_with_total_headers() {
    let sb = start().await;
    let c = client();
    let company = sb.credentials().gusto.company_uuid;
    let mut seen = HashSet::new();
    for page in 1..=3 {
        let r = gusto(
            &sb,
            &c,
            &format!("/v1/companies/{company}/employees?page={page}&per=10"),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.headers()["x-total-count"], "25");
        assert_eq!(r.headers()["x-total-pages"], "3");
        assert_eq!(r.headers()["x-page"], page.to_string().as_str());
        let list: Vec<Value> = r.json().await.unwrap();
        assert_eq!(list.len(), if page < 3 { 10 } else { 5 });
        for e in list {
            seen.insert(e["uuid"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(seen.len(), 25);
    // Without page: everything.
    let all: Vec<Value> = gusto(&sb, &c, &format!("/v1/companies/{company}/employees"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 25);
    sb.shutdown().await;
}

#[tokio::test]
async fn bamboohr_cursor_pagination_follows_links_next() {
    let sb = start().await;
    let c = client();
    let creds = sb.credentials().bamboohr;
    let mut url = format!(
        "{}/api/v1/employees?page[limit]=10&fields=workEmail,hireDate",
        sb.base_url(Provider::BambooHr)
    );
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let r = c
            .get(&url)
            .basic_auth(&creds.api_key, Some("x"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        pages += 1;
        assert_eq!(body["meta"]["total"], 25);
        for e in body["data"].as_array().unwrap() {
            assert!(
                e["workEmail"]
                    .as_str()
                    .unwrap()
                    .ends_with("@bluebird.example")
            );
            ids.push(e["employeeId"].as_str().unwrap().to_string());
        }
        match body["_links"]["next"]["href"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 25);
    let r = bamboo(&sb, &c, "/api/v1/employees?page[limit]=2501")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BadPage");
    let r = bamboo(
        &sb,
        &c,
        "/api/v1/employees?page[limit]=2500&filter[status]=inactive",
    )
    .send()
    .await
    .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn harvest_per_page_2000_links_next_and_422() {
    let mut cfg = config();
    cfg.time_entries = Some(5_000);
    let sb = Sandbox::start(cfg).await.unwrap();
    let c = client();
    let r = harvest(&sb, &c, "/v2/time_entries?per_page=2001")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    sb.reset_requests(Provider::Harvest);
    let mut url = format!(
        "{}/v2/time_entries?per_page=2000",
        sb.base_url(Provider::Harvest)
    );
    let mut ids = HashSet::new();
    let mut last_date = String::from("9999-12-31");
    let mut pages = 0;
    loop {
        let body: Value = harvest_at(&sb, &c, &url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        pages += 1;
        assert_eq!(body["total_entries"], 5000);
        assert_eq!(body["total_pages"], 3);
        assert_eq!(body["page"], pages);
        for e in body["time_entries"].as_array().unwrap() {
            let d = e["spent_date"].as_str().unwrap().to_string();
            assert!(d <= last_date, "newest first");
            last_date = d;
            assert!(ids.insert(e["id"].as_u64().unwrap()));
        }
        match body["links"]["next"].as_str() {
            Some(n) => {
                assert!(n.contains("cursor="));
                assert_eq!(body["next_page"], pages + 1);
                url = n.to_string();
            }
            None => {
                assert!(body["next_page"].is_null());
                break;
            }
        }
    }
    assert_eq!(ids.len(), 5000);
    assert_eq!(sb.request_count(Provider::Harvest), 3);
    assert!(
        sb.requests(Provider::Harvest)
            .iter()
            .all(|r| r.query.contains("per_page=2000"))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn harvest_100k_entries_at_2000_per_page() {
    let mut cfg = config();
    cfg.time_entries = Some(100_000);
    let sb = Sandbox::start(cfg).await.unwrap();
    let c = client();
    let started = Instant::now();
    let mut url = format!(
        "{}/v2/time_entries?per_page=2000",
        sb.base_url(Provider::Harvest)
    );
    let mut n = 0usize;
    loop {
        let body: Value = harvest_at(&sb, &c, &url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        n += body["time_entries"].as_array().unwrap().len();
        match body["links"]["next"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(n, 100_000);
    assert_eq!(sb.request_count(Provider::Harvest), 50);
    eprintln!("100k entries fetched in {:?}", started.elapsed());
    sb.shutdown().await;
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let mut cfg = config();
    let small = RateLimit {
        max_requests: 3,
        window: Duration::from_secs(30),
    };
    cfg.rate_limits = PerProvider {
        gusto: Some(small),
        bamboohr: Some(small),
        harvest: Some(small),
        toggl: Some(small),
        clockify: Some(small),
        rippling: Some(small),
        checkr: Some(small),
        goodhire: Some(small),
        zenefits: Some(small),
        justworks: Some(small),
        trinet: Some(small),
        ..PerProvider::default()
    };
    let sb = Sandbox::start(cfg).await.unwrap();
    let c = client();
    let company = sb.credentials().gusto.company_uuid;
    for i in 0..4 {
        let r = gusto(&sb, &c, &format!("/v1/companies/{company}"))
            .send()
            .await
            .unwrap();
        let remaining: u32 = r.headers()["x-ratelimit-limit"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(remaining, 3);
        assert!(r.headers().contains_key("x-ratelimit-remaining"));
        assert!(r.headers().contains_key("x-ratelimit-reset"));
        if i < 3 {
            assert_eq!(r.status(), StatusCode::OK);
            assert!(!r.headers().contains_key("retry-after"));
        } else {
            assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
            let secs: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=30).contains(&secs));
        }
    }
    for i in 0..4 {
        let r = bamboo(&sb, &c, "/api/v1/company_information")
            .send()
            .await
            .unwrap();
        // BambooHR throttled with 503 + Retry-After until 2026-09-16; the tests' today is earlier.
        assert_eq!(r.status() == StatusCode::SERVICE_UNAVAILABLE, i == 3);
        if i == 3 {
            assert!(r.headers().contains_key("retry-after"));
        }
    }
    for i in 0..4 {
        let r = harvest(&sb, &c, "/v2/company").send().await.unwrap();
        assert_eq!(r.status() == StatusCode::TOO_MANY_REQUESTS, i == 3);
        if i == 3 {
            assert!(r.headers().contains_key("retry-after"));
        }
    }
    sb.shutdown().await;
}
