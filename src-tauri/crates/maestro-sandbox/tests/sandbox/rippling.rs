//! Rippling's emulator: the seeded people as workers (the same names and work emails as every
//! other tool), paged by an absolute `next_link` that keeps the query, and refusing what the
//! spec does not allow.

use maestro_sandbox::{Adversarial, Provider};
use serde_json::Value;

use crate::{client, start};

#[tokio::test]
async fn workers_are_the_company_people_paged_by_next_link() {
    let sb = start().await;
    let token = sb.credentials().rippling.api_token;
    sb.set_adversarial(
        Provider::Rippling,
        Adversarial {
            short_pages: 4,
            ..Default::default()
        },
    );
    let mut next = Some(format!(
        "{}/workers/?expand=user",
        sb.base_url(Provider::Rippling)
    ));
    let mut seen = Vec::new();
    let mut pages = 0;
    while let Some(url) = next {
        let body: Value = client()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let results = body["results"].as_array().unwrap();
        assert!(results.len() <= 4);
        for w in results {
            // `expand=user` travels in every next link.
            assert!(w["user"]["name"]["given_name"].is_string(), "{url}");
            seen.push((
                w["work_email"].as_str().unwrap().to_owned(),
                w["user"]["name"]["formatted"].as_str().unwrap().to_owned(),
            ));
        }
        next = body["next_link"].as_str().map(str::to_owned);
        if let Some(n) = &next {
            assert!(n.starts_with(&sb.base_url(Provider::Rippling)), "{n}");
        }
        pages += 1;
    }
    let people = &sb.company().people;
    assert_eq!(pages, people.len().div_ceil(4));
    let want: Vec<(String, String)> = people
        .iter()
        .map(|p| (p.work_email.clone(), p.full_name()))
        .collect();
    assert_eq!(seen, want);
    sb.shutdown().await;
}

#[tokio::test]
async fn what_the_spec_does_not_allow_is_refused() {
    let sb = start().await;
    let token = sb.credentials().rippling.api_token;
    let base = sb.base_url(Provider::Rippling);
    let status = |path: &str, token: &str| {
        let url = format!("{base}{path}");
        let token = token.to_owned();
        async move {
            client()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(status("/workers/", &token).await, 200);
    // No page size in the spec.
    assert_eq!(status("/workers/?limit=10", &token).await, 400);
    // A cursor the API never gave.
    assert_eq!(status("/workers/?cursor=20", &token).await, 400);
    // Work locations have nothing to expand; workers have no `salary`.
    assert_eq!(status("/work-locations/?expand=address", &token).await, 400);
    assert_eq!(status("/workers/?expand=salary", &token).await, 400);
    assert_eq!(status("/workers/", "not-the-token").await, 401);
    sb.shutdown().await;
}
