//! The conformance suite: every provider that runs on the kit, through the registry, against
//! the kit's emulator of it (built from the same provider file, held to the published spec).
//! A new provider gets all of it by adding its file, its mappers, its emulator dataset and one
//! line in [`PROVIDERS`].

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use maestro_connectors::{
    AuthKind, Connector, ConnectorContext, ConnectorError, KeyScheme, Manifest, ReadRequest,
    Registry,
};
use maestro_core::model::{CanonicalRecord, EntityKind};
use maestro_core::sensitive::Sensitive;
use maestro_http::{Auth, HttpError, PageCursor};
use maestro_sandbox::{
    Adversarial, FaultPlan, MalformedKind, PerProvider, Provider, Sandbox, SandboxConfig,
};

use crate::support::{context, read_all};

/// One provider under the suite.
struct Case {
    provider: Provider,
    /// The kind and the stream the paging, resuming and malformed-page checks read: time
    /// entries for time trackers, employees for an HRIS without time entries.
    paged: (EntityKind, &'static str),
    /// Whether that stream reads incrementally (then the incremental check runs on it).
    incremental: bool,
    /// A member of a `paged` record the mapper reads, to corrupt, and the path the error
    /// must name.
    malformed: (&'static str, &'static str),
    /// A page size that makes several pages of the emulator's data.
    short: u32,
    /// Whether to send `null` wherever the spec allows it. Harvest's community spec marks
    /// every member nullable, ids, days and hours included, which Harvest's own docs never
    /// show; a record without them cannot be read by anyone, so that check is left out there.
    nulls: bool,
}

const PROVIDERS: [Case; 12] = [
    Case {
        provider: Provider::Harvest,
        paged: (EntityKind::TimeEntry, "time_entries"),
        incremental: true,
        malformed: ("hours", "hours"),
        short: 100,
        nulls: false,
    },
    Case {
        provider: Provider::Clockify,
        paged: (EntityKind::TimeEntry, "time_entries"),
        incremental: true,
        malformed: ("start", "timeInterval.start"),
        short: 10,
        nulls: true,
    },
    Case {
        provider: Provider::Toggl,
        paged: (EntityKind::TimeEntry, "time_entries"),
        incremental: true,
        malformed: ("seconds", "time_entries[0].seconds"),
        short: 15,
        nulls: true,
    },
    // An HRIS: no time entries; its workers are paged by `next_link` and read in full each
    // time (the spec documents no filter syntax).
    Case {
        provider: Provider::Rippling,
        paged: (EntityKind::Employee, "workers"),
        incremental: false,
        malformed: ("start_date", "start_date"),
        short: 7,
        nulls: true,
    },
    // Background checks: no people and no time entries; its checks come from the reports of
    // every candidate (one request each) and the invitations still open, read in full each
    // time (Checkr has no changed-since filter).
    Case {
        provider: Provider::Checkr,
        paged: (EntityKind::BackgroundCheck, "reports"),
        incremental: false,
        malformed: ("status", "status"),
        short: 2,
        nulls: true,
    },
    // Background checks from an unofficial spec: the reports of each requestor, one unpaged
    // list each (no paging documented), read in full each time.
    Case {
        provider: Provider::GoodHire,
        paged: (EntityKind::BackgroundCheck, "reports"),
        incremental: false,
        malformed: ("status", "status"),
        short: 2,
        nulls: true,
    },
    // An HRIS without a published spec (documentation-only): people paged by `data.next_url`
    // with `limit`, read in full each time (no changed-since filter is documented).
    Case {
        provider: Provider::Zenefits,
        paged: (EntityKind::Employee, "people"),
        incremental: false,
        malformed: ("date_of_birth", "date_of_birth"),
        short: 7,
        nulls: true,
    },
    // An HRIS without a published spec (documentation-only) that signs in with client
    // credentials: employees in one unpaged answer (no paging documented), read in full.
    Case {
        provider: Provider::TriNet,
        paged: (EntityKind::Employee, "employees"),
        incremental: false,
        malformed: ("serviceDate", "employmentInfo.serviceDate"),
        short: 7,
        nulls: true,
    },
    // PEO payroll from an unofficial spec that signs in with OAuth (authorization code):
    // members read once per status by `cursor`/`next_cursor`, read in full each time (the
    // spec's `updated_at` operators are not declared parameters).
    Case {
        provider: Provider::Justworks,
        paged: (EntityKind::Employee, "members_active"),
        incremental: false,
        malformed: ("employment_start_date", "employment_start_date"),
        short: 7,
        nulls: true,
    },
    // Payroll (accounting) without a published OpenAPI (its XSDs transcribed), signing in with
    // OAuth: time activities paged by the query language (STARTPOSITION / MAXRESULTS); a read
    // with a start goes through change data capture.
    Case {
        provider: Provider::QuickBooks,
        paged: (EntityKind::TimeEntry, "time_activities"),
        incremental: true,
        malformed: ("Hours", "Hours"),
        short: 50,
        nulls: true,
    },
    // Payroll with a published spec, client credentials in the token operation's body and a
    // vendor media type per stream: processed checks per pay period under each company, paged
    // by offset/limit up to metadata.pagination.total, read in full each time (no
    // changed-since filter is declared).
    Case {
        provider: Provider::Paychex,
        paged: (EntityKind::PayStatement, "checks"),
        incremental: false,
        malformed: ("netPay", "netPay"),
        short: 7,
        nulls: true,
    },
    // Payroll over mutual TLS (the client certificate on the token request and every call;
    // the suite's connections present the sandbox's), client credentials in the body: workers
    // paged by OData `$top`/`$skip` until 204 (a short page is not the end), read in full each
    // time (the spec has no changed-since filter).
    Case {
        provider: Provider::Adp,
        paged: (EntityKind::Employee, "workers"),
        incremental: false,
        malformed: ("hireDate", "workAssignments.hireDate"),
        short: 7,
        nulls: true,
    },
];

/// The ids a full read of `case.paged` must give: the emulator's records of its stream, and for
/// Checkr also the invitations not completed (a completed one's check is its report).
fn truth(sb: &Sandbox, case: &Case) -> HashSet<String> {
    let mut ids = entry_ids(&sb.records(case.provider, case.paged.1), case.provider);
    if case.provider == Provider::Checkr {
        let open = sb.records(case.provider, "invitations");
        let open: Vec<_> = open
            .into_iter()
            .filter(|i| i["status"] != "completed")
            .collect();
        ids.extend(entry_ids(&open, case.provider));
    }
    if case.provider == Provider::Justworks {
        // People are read from both statuses' lists.
        let gone = sb.records(case.provider, "members_terminated");
        ids.extend(entry_ids(&gone, case.provider));
    }
    ids
}

/// Whether `case.paged`'s stream has no paging (one answer per partition, GoodHire's).
fn unpaged(case: &Case) -> bool {
    maestro_kit::builtin_file(case.provider.name())
        .and_then(|b| b.file.stream(case.paged.1))
        .is_some_and(|s| matches!(s.paginator, maestro_kit::file::PaginatorSpec::None))
}

/// Whether `case.paged`'s stream is read once per parent record (GoodHire's per requestor).
fn partitioned(case: &Case) -> bool {
    maestro_kit::builtin_file(case.provider.name())
        .and_then(|b| b.file.stream(case.paged.1))
        .is_some_and(|s| s.partition.is_some())
}

/// The kind the fault checks read: people where the provider has them, else `case.paged`'s.
fn steady_kind(c: &dyn Connector, case: &Case) -> EntityKind {
    if c.manifest().entity(EntityKind::Employee).is_some() {
        EntityKind::Employee
    } else {
        case.paged.0
    }
}

/// Time entries in the emulator's records of `stream` (report rows hold several).
fn entry_ids(records: &[serde_json::Value], p: Provider) -> HashSet<String> {
    let mut out = HashSet::new();
    for r in records {
        match p {
            Provider::Toggl => {
                for e in r["time_entries"].as_array().into_iter().flatten() {
                    out.insert(e["id"].to_string());
                }
            }
            // QuickBooks' objects are keyed by `Id`.
            Provider::QuickBooks => {
                out.insert(r["Id"].as_str().unwrap_or_default().to_owned());
            }
            // Paychex's checks are keyed by `paycheckId`.
            Provider::Paychex => {
                out.insert(r["paycheckId"].as_str().unwrap_or_default().to_owned());
            }
            // ADP's workers are keyed by `associateOID`.
            Provider::Adp => {
                out.insert(r["associateOID"].as_str().unwrap_or_default().to_owned());
            }
            // TriNet's employees are keyed by `employeeId` (no `id` member).
            Provider::TriNet => {
                out.insert(r["employeeId"].as_str().unwrap_or_default().to_owned());
            }
            _ => {
                out.insert(match &r["id"] {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
            }
        }
    }
    out
}

async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig {
        rate_limits: PerProvider::default(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

/// The form as the wizard would fill it for the emulator's account.
fn form(sb: &Sandbox, p: Provider) -> Vec<(&'static str, String)> {
    let c = sb.credentials();
    match p {
        Provider::Toggl => vec![
            ("api_token", c.toggl.api_token),
            ("workspace_id", c.toggl.workspace_id),
        ],
        Provider::Clockify => vec![
            ("api_key", c.clockify.api_key),
            ("workspace_id", c.clockify.workspace_id),
        ],
        Provider::Harvest => vec![
            ("account_id", c.harvest.account_id),
            ("access_token", c.harvest.personal_access_token),
        ],
        Provider::Rippling => vec![("api_token", c.rippling.api_token)],
        Provider::Checkr => vec![("api_key", c.checkr.api_key)],
        Provider::GoodHire => vec![
            ("api_key", c.goodhire.api_key),
            ("company_id", c.goodhire.company_id),
        ],
        Provider::Zenefits => vec![("api_token", c.zenefits.api_token)],
        Provider::TriNet => vec![
            ("company_id", c.trinet.company_id),
            ("client_id", c.trinet.client_id),
            ("client_secret", c.trinet.client_secret),
        ],
        Provider::Paychex => vec![
            ("client_id", c.paychex.client_id),
            ("client_secret", c.paychex.client_secret),
        ],
        // Not form fields: the OAuth client and the tokens a sign-in gave (the emulator's
        // pre-issued pair, so the suite needs no browser), and where its endpoints are.
        Provider::Justworks => vec![
            ("client_id", c.justworks.client_id),
            ("client_secret", c.justworks.client_secret),
            ("access_token", c.justworks.access_token),
            ("refresh_token", c.justworks.refresh_token),
            ("base_url", sb.base_url(p)),
        ],
        // The company the sign-in picked, and the OAuth client and tokens as for Justworks.
        Provider::QuickBooks => vec![
            ("realm_id", c.quickbooks.realm_id),
            ("client_id", c.quickbooks.client_id),
            ("client_secret", c.quickbooks.client_secret),
            ("access_token", c.quickbooks.access_token),
            ("refresh_token", c.quickbooks.refresh_token),
            ("base_url", sb.base_url(p)),
        ],
        other => panic!("{other:?} is not a kit provider"),
    }
}

/// Credentials as the app builds them from the manifest's key scheme (a client-credentials
/// token endpoint on the emulator's own address, as the app's sandbox connections have it).
fn auth(manifest: &Manifest, values: &BTreeMap<String, String>, base_url: &str) -> Auth {
    let get = |k: &str| Sensitive::new(values[k].clone());
    match &manifest.auth {
        AuthKind::ApiKey {
            scheme:
                scheme @ KeyScheme::ClientCredentials {
                    client_id_field,
                    client_secret_field,
                    ..
                },
        } => maestro_connectors::manifest::client_credentials_auth(
            manifest.name,
            *scheme,
            get(client_id_field),
            get(client_secret_field),
            &url::Url::parse(base_url).unwrap(),
            std::sync::Arc::new(maestro_core::clock::SystemClock),
        )
        .unwrap(),
        AuthKind::ApiKey {
            scheme:
                KeyScheme::Header {
                    name,
                    field,
                    prefix,
                },
        } => Auth::Header {
            name: http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value: Sensitive::new(format!("{prefix}{}", values[*field])),
        },
        AuthKind::ApiKey {
            scheme:
                KeyScheme::Basic {
                    username_field,
                    password,
                },
        } => Auth::Basic {
            username: get(username_field),
            password: Sensitive::new((*password).to_owned()),
        },
        AuthKind::ApiKey {
            scheme: KeyScheme::Bearer { token_field },
        } => Auth::Bearer(get(token_field)),
        AuthKind::OAuth2 {
            authorize_path,
            token_path,
            ..
        } => oauth(manifest.name, (authorize_path, token_path), values),
        other => panic!("the suite does not build {other:?} yet"),
    }
}

/// Tokens kept in memory only (the app keeps them in its encrypted store).
struct Forget;

#[async_trait::async_trait]
impl maestro_http::oauth::TokenPersistence for Forget {
    async fn save(
        &self,
        _tokens: &maestro_http::oauth::TokenSet,
    ) -> Result<(), maestro_http::oauth::OAuthError> {
        Ok(())
    }
}

/// An OAuth sign-in's tokens refreshed as the app refreshes them, with the file's authorize
/// and token endpoints on the emulator's own address (as the app's sandbox connections have
/// them).
fn oauth(name: &str, (authorize, token): (&str, &str), values: &BTreeMap<String, String>) -> Auth {
    use maestro_http::oauth::{OAuthClientConfig, TokenManager, TokenSet};
    let base_url = values["base_url"].as_str();
    let at = |p: &str| {
        let path = url::Url::parse(p).map_or(p.to_owned(), |u| u.path().to_owned());
        url::Url::parse(&format!("{base_url}{path}")).unwrap()
    };
    let cfg = OAuthClientConfig::new(name, &values["client_id"], at(authorize), at(token))
        .with_secret(values["client_secret"].clone());
    let tokens = TokenSet {
        access_token: Sensitive::new(values["access_token"].clone()),
        refresh_token: Some(Sensitive::new(values["refresh_token"].clone())),
        expires_at: None,
        scope: None,
        refresh_expires_at: None,
    };
    Auth::OAuth(std::sync::Arc::new(TokenManager::new(
        cfg,
        maestro_http::oauth::token_http_client().unwrap(),
        tokens,
        std::sync::Arc::new(Forget),
        std::sync::Arc::new(maestro_core::clock::SystemClock),
    )))
}

fn ctx_for(sb: &Sandbox, p: Provider) -> ConnectorContext {
    if p == Provider::Adp {
        // Mutual TLS: the sandbox's client certificate on both clients (see `adp.rs`).
        let c = sb.credentials().adp;
        return crate::adp::context(sb, Some((&c.client_certificate, &c.client_key)), 3000);
    }
    let manifest = Registry::builtin()
        .get(p.name())
        .unwrap_or_else(|| panic!("{} is not in the registry", p.name()))
        .manifest;
    let values: BTreeMap<String, String> = form(sb, p)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let config: Vec<(&str, &str)> = manifest
        .config
        .iter()
        .filter(|f| f.kind != maestro_connectors::FieldKind::Secret)
        .filter_map(|f| values.get(f.key).map(|v| (f.key, v.as_str())))
        .collect();
    context(
        &sb.base_url(p),
        auth(manifest, &values, &sb.base_url(p)),
        &config,
    )
}

fn connector(sb: &Sandbox, p: Provider) -> std::sync::Arc<dyn Connector> {
    crate::support::connector(p.name(), ctx_for(sb, p))
}

fn ids(records: &[CanonicalRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| r.provenance().remote_id.clone())
        .collect()
}

fn unique(records: &[CanonicalRecord]) -> HashSet<String> {
    let all = ids(records);
    let set: HashSet<String> = all.iter().cloned().collect();
    assert_eq!(set.len(), all.len(), "a record came twice");
    set
}

async fn try_read_all(
    c: &dyn Connector,
    entity: EntityKind,
) -> Result<Vec<CanonicalRecord>, ConnectorError> {
    let mut page: Option<PageCursor> = None;
    let mut out = Vec::new();
    loop {
        let p = c
            .read(&ReadRequest {
                entity,
                page: page.clone(),
                since: None,
            })
            .await?;
        out.extend(p.records);
        match p.next {
            Some(n) => page = Some(n),
            None => return Ok(out),
        }
    }
}

#[tokio::test]
async fn the_connection_test_names_the_account() {
    let sb = start().await;
    for case in &PROVIDERS {
        let report = connector(&sb, case.provider).check().await.unwrap();
        // GoodHire's spec names no company anywhere: its account is the first requestor.
        let name = match case.provider {
            Provider::GoodHire => sb.company().people[0].work_email.clone(),
            // A Paychex company carries its legal name only (CompanyResource.legalName).
            Provider::Paychex => sb.company().legal_name.clone(),
            _ => sb.company().name.clone(),
        };
        assert!(
            report.account.contains(&name),
            "{:?}: {}",
            case.provider,
            report.account
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_full_read_equals_the_ground_truth_once_each() {
    let sb = start().await;
    for case in &PROVIDERS {
        let c = connector(&sb, case.provider);
        if c.manifest().entity(EntityKind::Employee).is_none() {
            // No people here (Checkr): the paged kind against its ground truth only.
            let (paged, _) = read_all(c.as_ref(), case.paged.0, None).await;
            assert_eq!(unique(&paged), truth(&sb, case), "{:?}", case.provider);
            continue;
        }
        let (people, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
        let people_ids = unique(&people);
        assert_eq!(
            people_ids.len(),
            sb.company().people.len(),
            "{:?}",
            case.provider
        );
        let emails: HashSet<_> = people
            .iter()
            .filter_map(|r| match r {
                CanonicalRecord::Employee(e) => e.work_email.clone(),
                _ => None,
            })
            .collect();
        for p in &sb.company().people {
            assert!(emails.contains(&p.work_email), "{} missing", p.work_email);
        }
        let mut workers = people_ids.clone();
        if c.manifest().entity(EntityKind::Contractor).is_some() {
            let (contractors, _) = read_all(c.as_ref(), EntityKind::Contractor, None).await;
            workers.extend(unique(&contractors));
        }
        let (paged, _) = read_all(c.as_ref(), case.paged.0, None).await;
        assert_eq!(unique(&paged), truth(&sb, case), "{:?}", case.provider);
        if c.manifest().entity(EntityKind::TimeEntry).is_none() {
            continue;
        }
        let (entries, _) = read_all(c.as_ref(), EntityKind::TimeEntry, None).await;
        for r in &entries {
            let CanonicalRecord::TimeEntry(t) = r else {
                panic!("not a time entry")
            };
            assert!(
                workers.contains(&t.employee_remote_id),
                "{:?}",
                case.provider
            );
            assert!(t.hours > rust_decimal::Decimal::ZERO);
            assert_eq!(t.started_at.is_some(), t.ended_at.is_some());
        }
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn short_pages_reordered_records_unlisted_members_and_nulls_change_nothing() {
    let sb = start().await;
    for case in &PROVIDERS {
        let c = connector(&sb, case.provider);
        let (plain, plain_pages) = read_all(c.as_ref(), case.paged.0, None).await;
        sb.set_adversarial(
            case.provider,
            Adversarial {
                short_pages: case.short,
                reordered: true,
                unknown_fields: true,
                nulls: case.nulls,
            },
        );
        let (hostile, hostile_pages) = read_all(c.as_ref(), case.paged.0, None).await;
        assert!(
            hostile_pages > plain_pages || (unpaged(case) && hostile_pages == plain_pages),
            "{:?}: pages did not get shorter",
            case.provider
        );
        assert_eq!(unique(&hostile), unique(&plain), "{:?}", case.provider);
        if c.manifest().entity(EntityKind::Employee).is_some() {
            let (people, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
            assert_eq!(people.len(), sb.company().people.len());
        }
        sb.set_adversarial(case.provider, Adversarial::default());
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn an_incremental_read_brings_what_changed_and_less_than_everything() {
    let sb = start().await;
    for case in PROVIDERS.iter().filter(|c| c.incremental) {
        let c = connector(&sb, case.provider);
        let (all, _) = read_all(c.as_ref(), case.paged.0, None).await;
        let added = sb.add_record(case.provider, case.paged.1).unwrap();
        let since = chrono::Utc::now() - chrono::Duration::hours(1);
        let (changed, _) = read_all(c.as_ref(), case.paged.0, Some(since)).await;
        let changed_ids = unique(&changed);
        assert!(
            changed_ids.contains(&added),
            "{:?}: {added} not read",
            case.provider
        );
        assert!(
            changed.len() < all.len(),
            "{:?}: read everything again",
            case.provider
        );
        sb.reset(case.provider);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn revoked_credentials_need_a_reconnect() {
    let sb = start().await;
    for case in &PROVIDERS {
        sb.revoke(case.provider);
        let c = connector(&sb, case.provider);
        let err = c.check().await.unwrap_err();
        assert!(err.needs_reconnect(), "{:?}: {err}", case.provider);
        let err = try_read_all(c.as_ref(), case.paged.0).await.unwrap_err();
        assert!(err.needs_reconnect(), "{:?}: {err}", case.provider);
        sb.reset(case.provider);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn throttling_server_errors_and_timeouts_are_retried() {
    let sb = start().await;
    for case in &PROVIDERS {
        let c = connector(&sb, case.provider);
        let (expected, _) = read_all(c.as_ref(), steady_kind(c.as_ref(), case), None).await;
        for plan in [
            FaultPlan {
                rate_limit_burst: 1,
                retry_after_secs: 1,
                ..Default::default()
            },
            FaultPlan {
                quota_exhausted: 1,
                retry_after_secs: 1,
                ..Default::default()
            },
            FaultPlan {
                server_errors: 2,
                ..Default::default()
            },
            FaultPlan {
                delays: 1,
                delay_ms: 4_000,
                ..Default::default()
            },
            FaultPlan {
                dropped_connections: 1,
                ..Default::default()
            },
        ] {
            sb.set_faults(case.provider, plan.clone());
            let before = sb.request_count(case.provider);
            let started = std::time::Instant::now();
            let got = try_read_all(c.as_ref(), steady_kind(c.as_ref(), case))
                .await
                .unwrap_or_else(|e| panic!("{:?} {plan:?}: {e}", case.provider));
            assert_eq!(ids(&got), ids(&expected), "{:?} {plan:?}", case.provider);
            assert!(
                sb.request_count(case.provider) > before + 1,
                "{plan:?} was not retried"
            );
            if plan.retry_after_secs > 0 {
                assert!(
                    started.elapsed() >= Duration::from_millis(900),
                    "did not wait"
                );
            }
        }
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn persistent_throttling_is_reported_as_such() {
    let sb = start().await;
    for case in &PROVIDERS {
        let c = connector(&sb, case.provider);
        sb.set_faults(
            case.provider,
            FaultPlan {
                quota_exhausted: 50,
                retry_after_secs: 1,
                ..Default::default()
            },
        );
        let err = c.check().await.unwrap_err();
        assert_eq!(
            err.kind(),
            maestro_core::error::ErrorKind::Throttled,
            "{:?}: {err}",
            case.provider
        );
        sb.reset(case.provider);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_malformed_page_names_the_field() {
    let sb = start().await;
    for case in &PROVIDERS {
        let c = connector(&sb, case.provider);
        sb.set_faults(
            case.provider,
            FaultPlan {
                malformed: 100,
                malformed_kind: MalformedKind::WrongTypeWhereFound {
                    field: case.malformed.0.into(),
                },
                ..Default::default()
            },
        );
        let err = try_read_all(c.as_ref(), case.paged.0).await.unwrap_err();
        let ConnectorError::Http(HttpError::Decode { path, .. }) = &err else {
            panic!("{:?}: {err:?}", case.provider)
        };
        assert!(
            path.starts_with(case.paged.1) && path.ends_with(case.malformed.1),
            "{:?}: {path}",
            case.provider
        );
        sb.set_faults(
            case.provider,
            FaultPlan {
                malformed: 100,
                malformed_kind: MalformedKind::Truncated,
                ..Default::default()
            },
        );
        let err = c.check().await.unwrap_err();
        assert!(
            matches!(err, ConnectorError::Http(HttpError::Decode { .. })),
            "{err:?}"
        );
        sb.reset(case.provider);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_read_stopped_midway_resumes_from_its_cursor_with_nothing_doubled() {
    let sb = start().await;
    for case in &PROVIDERS {
        // One answer with every record (TriNet: no paging, no partitions) has no middle.
        if unpaged(case) && !partitioned(case) {
            continue;
        }
        let (all, _) = read_all(connector(&sb, case.provider).as_ref(), case.paged.0, None).await;
        // Small pages, so there is a middle to stop in.
        sb.set_adversarial(
            case.provider,
            Adversarial {
                short_pages: case.short,
                ..Default::default()
            },
        );
        let first = connector(&sb, case.provider);
        let mut got = Vec::new();
        let mut page = None;
        // An unpaged stream's pages are its partitions: stop after the first.
        for _ in 0..if unpaged(case) { 1 } else { 2 } {
            let p = first
                .read(&ReadRequest {
                    entity: case.paged.0,
                    page: page.clone(),
                    since: None,
                })
                .await
                .unwrap();
            got.extend(p.records);
            page = p.next;
        }
        // The process dies; the cursor was saved with the page as text.
        let saved = serde_json::to_string(&page.expect("more pages")).unwrap();
        drop(first);
        let second = connector(&sb, case.provider);
        let mut page: Option<PageCursor> = Some(serde_json::from_str(&saved).unwrap());
        while let Some(cursor) = page {
            let p = second
                .read(&ReadRequest {
                    entity: case.paged.0,
                    page: Some(cursor),
                    since: None,
                })
                .await
                .unwrap();
            got.extend(p.records);
            page = p.next;
        }
        assert_eq!(unique(&got), unique(&all), "{:?}", case.provider);
        sb.set_adversarial(case.provider, Adversarial::default());
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn every_file_provider_is_in_the_registry_with_its_form() {
    let registry = Registry::builtin();
    for case in &PROVIDERS {
        let def = registry.get(case.provider.name()).unwrap();
        assert!(matches!(def.builder, maestro_connectors::Builder::Kit(_)));
        let m = def.manifest;
        // A secret in the form, or a sign-in (OAuth's client and tokens are not form fields).
        assert!(
            m.config
                .iter()
                .any(|f| f.kind == maestro_connectors::FieldKind::Secret)
                || matches!(m.auth, AuthKind::OAuth2 { .. })
        );
        assert!(
            m.entity(case.paged.0)
                .is_some_and(|e| e.read && e.incremental == case.incremental)
        );
        assert!(!m.docs_url.is_empty() && !m.rate_limit_text.is_empty());
    }
}
