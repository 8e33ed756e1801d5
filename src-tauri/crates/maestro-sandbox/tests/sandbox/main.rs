//! Integration tests of the provider sandbox (one test binary).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod adp;
mod auth;
mod bamboohr_spec;
mod checkr;
mod checkr_orders;
mod faults;
mod goodhire;
mod gusto;
mod justworks;
mod kit;
mod oauth;
mod pagination;
mod paychex;
mod quickbooks;
mod rippling;
mod seed;
mod spec;
mod trinet;
mod webhooks;
mod writes;
mod zenefits;

use chrono::NaiveDate;
use maestro_sandbox::{PerProvider, Provider, Sandbox, SandboxConfig};
use reqwest::RequestBuilder;

pub const UA: &str = "MaestroTests (tests@bluebird.example)";

pub fn config() -> SandboxConfig {
    SandboxConfig {
        today: NaiveDate::from_ymd_opt(2026, 3, 2),
        rate_limits: PerProvider::default(),
        ..SandboxConfig::default()
    }
}

pub async fn start() -> Sandbox {
    Sandbox::start(config()).await.unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

pub fn gusto(sb: &Sandbox, c: &reqwest::Client, path: &str) -> RequestBuilder {
    c.get(format!("{}{path}", sb.base_url(Provider::Gusto)))
        .bearer_auth(sb.credentials().gusto.access_token)
        .header("X-Gusto-API-Version", "2025-06-15")
}

pub fn bamboo(sb: &Sandbox, c: &reqwest::Client, path: &str) -> RequestBuilder {
    c.get(format!("{}{path}", sb.base_url(Provider::BambooHr)))
        .basic_auth(sb.credentials().bamboohr.api_key, Some("x"))
        .header("Accept", "application/json")
}

pub fn harvest(sb: &Sandbox, c: &reqwest::Client, path: &str) -> RequestBuilder {
    let creds = sb.credentials().harvest;
    c.get(format!("{}{path}", sb.base_url(Provider::Harvest)))
        .bearer_auth(creds.personal_access_token)
        .header("Harvest-Account-Id", creds.account_id)
        .header("User-Agent", UA)
}

pub fn harvest_at(sb: &Sandbox, c: &reqwest::Client, url: &str) -> RequestBuilder {
    let creds = sb.credentials().harvest;
    c.get(url)
        .bearer_auth(creds.personal_access_token)
        .header("Harvest-Account-Id", creds.account_id)
        .header("User-Agent", UA)
}
