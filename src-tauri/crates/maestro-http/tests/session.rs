//! The request loop against a mock server: classification, retries, Retry-After, budgets,
//! idempotency and auth.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use http::Method;
use maestro_core::sensitive::Sensitive;
use maestro_http::{
    ApiRequest, Auth, ClientOptions, HttpError, IdempotencyKey, ProviderSession, RateLimit,
    RetryPolicy, build_client,
};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn session(server: &MockServer, auth: Auth) -> ProviderSession {
    let client = build_client(&ClientOptions {
        tls13_only: false,
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(800),
    })
    .unwrap();
    ProviderSession::new(
        "Acme HR",
        server.uri().parse().unwrap(),
        auth,
        RateLimit::per_seconds(1000, 1),
        client,
    )
    .with_retry_policy(RetryPolicy::fast())
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn honours_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/things"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/things"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let s = session(&server, Auth::None);
    let started = Instant::now();
    let (body, _): (serde_json::Value, _) = s.get_json(s.url("/v1/things").unwrap()).await.unwrap();
    assert_eq!(body["ok"], true);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn retries_server_errors_then_gives_up_with_the_last_error() {
    let server = MockServer::start().await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(path("/down"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let s = session(&server, Auth::None);
    s.send(&ApiRequest::get(s.url("/flaky").unwrap()))
        .await
        .unwrap();
    let err = s
        .send(&ApiRequest::get(s.url("/down").unwrap()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, HttpError::RetriesExhausted { last, .. } if matches!(**last, HttpError::Server { status: 503, .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("tried 5 times"), "{err}");
    // 3 for /flaky, 5 attempts for /down.
    assert_eq!(requests(&server).await, 8);
}

#[tokio::test]
async fn timeouts_are_transient_and_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let s = session(&server, Auth::None);
    s.send(&ApiRequest::get(s.url("/slow").unwrap()))
        .await
        .unwrap();
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn writes_without_an_idempotency_key_are_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let s = session(&server, Auth::None).with_idempotency_header("idempotency-key");
    let url = s.url("/v1/employees").unwrap();
    let err = s
        .send(&ApiRequest::json(
            Method::POST,
            url.clone(),
            json!({"a": 1}),
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::Server { status: 503, .. }));
    assert_eq!(requests(&server).await, 1);

    // With a key, retries reuse the same key.
    let key = IdempotencyKey::from_stable("outbox-42");
    let _ = s
        .send(&ApiRequest::json(Method::POST, url, json!({"a": 1})).idempotent(key))
        .await;
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 6);
    assert!(
        received[1..]
            .iter()
            .all(|r| r.headers.get("idempotency-key").unwrap() == "outbox-42")
    );
}

#[tokio::test]
async fn auth_failures_need_reconnecting_and_carry_the_provider_message() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/me"))
        .and(header("authorization", "Bearer good"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    Mock::given(path("/v1/me"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"errors": [{"message": "token revoked"}]})),
        )
        .mount(&server)
        .await;
    let ok = session(&server, Auth::Bearer(Sensitive::new("good".into())));
    ok.send(&ApiRequest::get(ok.url("/v1/me").unwrap()))
        .await
        .unwrap();
    let bad = session(&server, Auth::Bearer(Sensitive::new("old".into())));
    let err = bad
        .send(&ApiRequest::get(bad.url("/v1/me").unwrap()))
        .await
        .unwrap_err();
    assert!(err.needs_reconnect());
    assert!(err.to_string().contains("token revoked"), "{err}");
    assert!(!format!("{bad:?}").contains("old"));
}

#[tokio::test]
async fn client_errors_are_not_retried_and_are_explained() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/employees"))
        .respond_with(ResponseTemplate::new(422).set_body_json(
            json!({"errors": [{"error_key": "first_name", "category": "invalid_attribute_value", "message": "First name can't be blank"}]}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/missing"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("X-BambooHR-Error-Message", "Employee not found"),
        )
        .mount(&server)
        .await;
    let s = session(&server, Auth::None);
    let err = s
        .send(&ApiRequest::get(s.url("/v1/employees").unwrap()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("First name can't be blank"));
    let err = s
        .send(&ApiRequest::get(s.url("/missing").unwrap()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::NotFound { .. }) && err.to_string().contains("Employee not found")
    );
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_is_surfaced_not_slept() {
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;
    let s = session(&server, Auth::None);
    let started = Instant::now();
    let err = s
        .send(&ApiRequest::get(s.url("/x").unwrap()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Throttled { retry_after: Some(d), .. } if d == Duration::from_secs(3600))
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn unreachable_hosts_say_so() {
    let s = ProviderSession::new(
        "Acme HR",
        "http://127.0.0.1:9".parse().unwrap(),
        Auth::None,
        RateLimit::per_seconds(10, 1),
        build_client(&ClientOptions {
            tls13_only: false,
            ..Default::default()
        })
        .unwrap(),
    )
    .with_retry_policy(RetryPolicy {
        max_attempts: 2,
        ..RetryPolicy::fast()
    });
    let err = s
        .send(&ApiRequest::get(s.url("/").unwrap()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("could not reach Acme HR"), "{err}");
}

struct RotatingSource {
    current: std::sync::Mutex<String>,
    refreshes: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl maestro_http::AccessTokenSource for RotatingSource {
    async fn access_token(&self) -> Result<Sensitive<String>, HttpError> {
        Ok(Sensitive::new(self.current.lock().unwrap().clone()))
    }
    async fn refresh_after_unauthorized(
        &self,
        rejected: &Sensitive<String>,
    ) -> Result<(), HttpError> {
        assert_eq!(rejected.expose(), "expired");
        self.refreshes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        *self.current.lock().unwrap() = "fresh".into();
        Ok(())
    }
}

#[tokio::test]
async fn an_oauth_401_refreshes_once_and_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/me"))
        .and(header("authorization", "Bearer fresh"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    Mock::given(path("/v1/me"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let source = std::sync::Arc::new(RotatingSource {
        current: std::sync::Mutex::new("expired".into()),
        refreshes: Default::default(),
    });
    let s = session(&server, Auth::OAuth(source.clone()));
    s.send(&ApiRequest::get(s.url("/v1/me").unwrap()))
        .await
        .unwrap();
    assert_eq!(
        source.refreshes.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn redirects_stay_on_the_origin_asked_and_query_keys_stay_out_of_errors() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/same"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/hop"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/same"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/away"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/steal", elsewhere.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let s = session(
        &server,
        Auth::Header {
            name: http::HeaderName::from_static("x-api-key"),
            value: Sensitive::new("key-1234".into()),
        },
    );
    // Within the origin a redirect is followed.
    let same = s
        .send(&ApiRequest::get(s.url("/hop").unwrap()))
        .await
        .unwrap();
    assert_eq!(same.status, 200);
    // To another origin it is not: the key never reaches it.
    let err = s
        .send(&ApiRequest::get(s.url("/away").unwrap()))
        .await
        .unwrap_err();
    assert_eq!(
        requests(&elsewhere).await,
        0,
        "the key followed the redirect"
    );
    assert!(!err.to_string().contains("key-1234"), "{err}");
    // A key sent in the query does not appear in a transport error.
    let q = ProviderSession::new(
        "Acme HR",
        "http://127.0.0.1:9".parse().unwrap(),
        Auth::Query {
            name: "api_key".into(),
            value: Sensitive::new("secret-in-query".into()),
        },
        RateLimit::per_seconds(1000, 1),
        build_client(&ClientOptions {
            tls13_only: false,
            ..ClientOptions::default()
        })
        .unwrap(),
    )
    .with_retry_policy(RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::fast()
    });
    let err = q
        .send(&ApiRequest::get(q.url("/x").unwrap()))
        .await
        .unwrap_err();
    assert!(
        !format!("{err} {err:?}").contains("secret-in-query"),
        "{err:?}"
    );
}

/// How a raw test server frames an oversized answer.
#[derive(Clone, Copy, Debug)]
enum Framing {
    /// Announces a `Content-Length` above the cap (and sends nothing more).
    Announced,
    /// `Transfer-Encoding: chunked`, no length: only counting what arrives can stop it.
    Chunked,
    /// No length at all, the body ends when the connection closes.
    UntilClose,
}

/// A one-answer-per-connection server that answers every request with a body just over
/// [`maestro_http::client::MAX_BODY_BYTES`]; returns its address and a count of connections.
async fn oversized_server(
    framing: Framing,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let total = maestro_http::client::MAX_BODY_BYTES + 1;
                let head = match framing {
                    Framing::Announced => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {total}\r\n\r\n"
                    ),
                    Framing::Chunked => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned(),
                    Framing::UntilClose => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".to_owned(),
                };
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                if matches!(framing, Framing::Announced) {
                    // Keep the connection open a while: only the announced length may stop it.
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    return;
                }
                let piece = vec![b' '; 1024 * 1024];
                let mut sent = 0;
                while sent < total {
                    let n = piece.len().min(total - sent);
                    let ok = match framing {
                        Framing::Chunked => {
                            let mut frame = format!("{n:x}\r\n").into_bytes();
                            frame.extend_from_slice(&piece[..n]);
                            frame.extend_from_slice(b"\r\n");
                            stream.write_all(&frame).await
                        }
                        _ => stream.write_all(&piece[..n]).await,
                    };
                    if ok.is_err() {
                        return;
                    }
                    sent += n;
                }
                if matches!(framing, Framing::Chunked) {
                    let _ = stream.write_all(b"0\r\n\r\n").await;
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    (format!("http://{addr}"), count)
}

#[tokio::test]
async fn an_answer_over_the_body_cap_is_refused_however_it_is_framed() {
    for framing in [Framing::Announced, Framing::Chunked, Framing::UntilClose] {
        let (base, connections) = oversized_server(framing).await;
        let client = build_client(&ClientOptions {
            tls13_only: false,
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(60),
        })
        .unwrap();
        let s = ProviderSession::new(
            "Acme HR",
            base.parse().unwrap(),
            Auth::None,
            RateLimit::per_seconds(1000, 1),
            client,
        )
        .with_retry_policy(RetryPolicy::fast());
        let started = Instant::now();
        let err = s
            .send(&ApiRequest::get(s.url("/big").unwrap()))
            .await
            .unwrap_err();
        assert!(
            matches!(err, HttpError::Decode { ref path, .. } if path == "(document)"),
            "{framing:?}: {err:?}"
        );
        assert_eq!(
            err.kind(),
            maestro_core::error::ErrorKind::Validation,
            "{framing:?}"
        );
        assert!(err.to_string().contains("larger than 64 MiB"), "{err}");
        // Not retried: asking again would only bring the same answer.
        assert_eq!(
            connections.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "{framing:?}"
        );
        if matches!(framing, Framing::Announced) {
            assert!(started.elapsed() < Duration::from_secs(4), "read anyway");
        }
    }
}
