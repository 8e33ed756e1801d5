//! Every provider's decoders and mappers against damaged answers. A proxy in front of the
//! sandbox passes each request on and damages the JSON answer as the case says (a value of
//! another shape, a member removed, the text cut short, HTML instead of JSON); the connector
//! must return records or a classified error, never panic, within a time bound.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use maestro_connectors::{AuthKind, Connector, ConnectorContext, KeyScheme, ReadRequest, Registry};
use maestro_core::clock::SystemClock;
use maestro_core::error::ErrorKind;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::sensitive::Sensitive;
use maestro_http::{Auth, ClientOptions, RetryPolicy, build_client};
use maestro_sandbox::{PerProvider, Provider, Sandbox, SandboxConfig};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use url::Url;

use crate::junk::{self, Mutation};

/// The longest one damaged page may take to read or refuse.
const CASE_BOUND: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    damage: Arc<Mutex<Vec<Mutation>>>,
}

async fn forward(
    State(p): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut req = p.http.request(method, format!("{}{path}", p.upstream));
    for (k, v) in &headers {
        if k != "host" && k != "content-length" {
            req = req.header(k, v);
        }
    }
    let Ok(resp) = req.body(body).send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = resp.status();
    let mut out_headers = HeaderMap::new();
    for (k, v) in resp.headers() {
        if k != "content-length" && k != "transfer-encoding" && k != "content-encoding" {
            out_headers.insert(k.clone(), v.clone());
        }
    }
    let bytes = resp.bytes().await.unwrap_or_default();
    let damage = p.damage.lock().unwrap().clone();
    let body = if status.is_success() {
        junk::apply(&bytes, &damage)
    } else {
        bytes.to_vec()
    };
    (status, out_headers, body).into_response()
}

/// Starts the proxy; returns its origin.
async fn start_proxy(upstream: &str, damage: Arc<Mutex<Vec<Mutation>>>) -> String {
    let app = axum::Router::new().fallback(forward).with_state(Proxy {
        upstream: upstream.trim_end_matches('/').to_owned(),
        http: reqwest::Client::new(),
        damage,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// The form values the wizard would send for the sandbox's account.
fn form(sb: &Sandbox, p: Provider) -> BTreeMap<String, String> {
    let c = sb.credentials();
    let pairs = match p {
        Provider::Gusto => vec![("company_uuid", c.gusto.company_uuid)],
        Provider::BambooHr => vec![
            ("subdomain", c.bamboohr.company_domain),
            ("api_key", c.bamboohr.api_key),
        ],
        Provider::Harvest => vec![
            ("account_id", c.harvest.account_id),
            ("access_token", c.harvest.personal_access_token),
        ],
        Provider::Toggl => vec![
            ("api_token", c.toggl.api_token),
            ("workspace_id", c.toggl.workspace_id),
        ],
        Provider::Clockify => vec![
            ("api_key", c.clockify.api_key),
            ("workspace_id", c.clockify.workspace_id),
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
        // Signs in with OAuth: no form values; the pre-issued access token below.
        Provider::Justworks => vec![],
        Provider::Paychex => vec![
            ("client_id", c.paychex.client_id),
            ("client_secret", c.paychex.client_secret),
        ],
        // Signs in with OAuth too; the form keeps the company (realm) id.
        Provider::QuickBooks => vec![("realm_id", c.quickbooks.realm_id)],
        // Not in PROVIDERS: ADP answers only over mutual TLS, which this plain-HTTP damaging
        // proxy does not terminate; its malformed answers are tested in its own suites.
        Provider::Adp => vec![],
    };
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// Credentials as the app builds them.
fn auth(sb: &Sandbox, p: Provider, values: &BTreeMap<String, String>) -> Auth {
    let manifest = Registry::builtin().get(p.name()).unwrap().manifest;
    let get = |k: &str| Sensitive::new(values[k].clone());
    match (p, &manifest.auth) {
        (Provider::Gusto, _) => Auth::Bearer(Sensitive::new(sb.credentials().gusto.access_token)),
        (Provider::BambooHr, _) => Auth::None,
        // Client credentials: the token comes from the emulator itself (undamaged); the API's
        // answers go through the proxy.
        (
            _,
            AuthKind::ApiKey {
                scheme:
                    scheme @ KeyScheme::ClientCredentials {
                        client_id_field,
                        client_secret_field,
                        ..
                    },
            },
        ) => maestro_connectors::manifest::client_credentials_auth(
            manifest.name,
            *scheme,
            get(client_id_field),
            get(client_secret_field),
            &url::Url::parse(&sb.base_url(p)).unwrap(),
            Arc::new(maestro_core::clock::SystemClock),
        )
        .unwrap(),
        (Provider::Justworks, _) => {
            Auth::Bearer(Sensitive::new(sb.credentials().justworks.access_token))
        }
        (Provider::QuickBooks, _) => {
            Auth::Bearer(Sensitive::new(sb.credentials().quickbooks.access_token))
        }
        (
            _,
            AuthKind::ApiKey {
                scheme:
                    KeyScheme::Header {
                        name,
                        field,
                        prefix,
                    },
            },
        ) => Auth::Header {
            name: http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value: Sensitive::new(format!("{prefix}{}", values[*field])),
        },
        (
            _,
            AuthKind::ApiKey {
                scheme:
                    KeyScheme::Basic {
                        username_field,
                        password,
                    },
            },
        ) => Auth::Basic {
            username: get(username_field),
            password: Sensitive::new((*password).to_owned()),
        },
        (
            _,
            AuthKind::ApiKey {
                scheme: KeyScheme::Bearer { token_field },
            },
        ) => Auth::Bearer(get(token_field)),
        (_, other) => panic!("no credentials for {other:?}"),
    }
}

/// A connector of `p` whose every request goes through the proxy at `origin`.
fn connector(sb: &Sandbox, p: Provider, origin: &str) -> Arc<dyn Connector> {
    let mut base = Url::parse(&sb.base_url(p)).unwrap();
    let proxy = Url::parse(origin).unwrap();
    base.set_port(proxy.port()).unwrap();
    let values = form(sb, p);
    let ctx = ConnectorContext {
        company_id: CompanyId::new(),
        connection_id: ConnectionId::new(),
        config: values.clone(),
        base_url: base.clone(),
        auth_base_url: Some(base),
        auth: auth(sb, p, &values),
        http: build_client(&ClientOptions {
            tls13_only: false,
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
        })
        .unwrap(),
        clock: Arc::new(SystemClock),
        retry: RetryPolicy::fast(),
        limiter: None,
    };
    Registry::builtin()
        .get(p.name())
        .unwrap()
        .build(ctx)
        .unwrap()
}

const PROVIDERS: [Provider; 12] = [
    Provider::Gusto,
    Provider::BambooHr,
    Provider::Harvest,
    Provider::Toggl,
    Provider::Clockify,
    Provider::Checkr,
    Provider::GoodHire,
    Provider::Rippling,
    Provider::Zenefits,
    Provider::Justworks,
    Provider::TriNet,
    Provider::QuickBooks,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_answers_end_in_records_or_a_classified_error() {
    let sb = Sandbox::start(SandboxConfig {
        time_entries: Some(300),
        rate_limits: PerProvider::default(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let damage = Arc::new(Mutex::new(Vec::new()));
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    let mut report = Vec::new();
    // `PROPS_PROVIDER=gusto` runs one provider only.
    let only = std::env::var("PROPS_PROVIDER").ok();
    for p in PROVIDERS {
        if only.as_deref().is_some_and(|o| o != p.name()) {
            continue;
        }
        let upstream = Url::parse(&sb.base_url(p)).unwrap();
        let origin = start_proxy(
            upstream.origin().ascii_serialization().as_str(),
            damage.clone(),
        )
        .await;
        let c = connector(&sb, p, &origin);
        let entities: Vec<_> = c
            .manifest()
            .entities
            .iter()
            .filter(|e| e.read)
            .map(|e| e.kind)
            .collect();
        // An undamaged read works, so a refusal below is the damage's doing.
        damage.lock().unwrap().clear();
        for &entity in &entities {
            read(c.as_ref(), entity)
                .await
                .unwrap_or_else(|e| panic!("{p:?} {entity} undamaged: {e}"));
        }
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let (ok, refused, ran) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0usize));
        let handle = tokio::runtime::Handle::current();
        let result = runner.run(
            &(0..entities.len(), junk::mutations()),
            |(which, mutations)| {
                let entity = entities[which];
                *damage.lock().unwrap() = mutations.clone();
                // A connector per case: each holds to its provider's documented rate limit
                // (Gusto's 200 a minute), which hundreds of cases would otherwise wait out.
                let c = connector(&sb, p, &origin);
                let started = Instant::now();
                let outcome = tokio::task::block_in_place(|| {
                    handle.block_on(tokio::time::timeout(CASE_BOUND, read(c.as_ref(), entity)))
                });
                ran.set(ran.get() + 1);
                let Ok(outcome) = outcome else {
                    return Err(TestCaseError::fail(format!(
                        "{entity} took over {CASE_BOUND:?}"
                    )));
                };
                match outcome {
                    Ok(_) => ok.set(ok.get() + 1),
                    Err(e) => {
                        prop_assert!(
                            e.kind != ErrorKind::Internal,
                            "{entity}: an unclassified error: {}",
                            e.message
                        );
                        prop_assert!(!e.message.is_empty());
                        refused.set(refused.get() + 1);
                    }
                }
                prop_assert!(started.elapsed() < CASE_BOUND);
                Ok(())
            },
        );
        damage.lock().unwrap().clear();
        if let Err(e) = result {
            panic!("{p:?}: {e}");
        }
        report.push(format!(
            "{p:?}: {} damaged answers ({} read, {} refused with a classified error)",
            ran.get(),
            ok.get(),
            refused.get()
        ));
    }
    for line in report {
        println!("provider answers: {line}");
    }
    let peak = crate::assert_peak_memory_bounded("provider answers");
    println!("provider answers: peak memory {peak} KiB");
}

/// What a read ended in, as the app sees it.
struct Refusal {
    kind: ErrorKind,
    message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

async fn read(
    c: &dyn Connector,
    entity: maestro_core::model::EntityKind,
) -> Result<usize, Refusal> {
    c.read(&ReadRequest {
        entity,
        page: None,
        since: None,
    })
    .await
    .map(|p| p.records.len())
    .map_err(|e| Refusal {
        kind: e.kind(),
        message: e.to_string(),
    })
}
