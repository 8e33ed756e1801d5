//! The loopback redirect listener (RFC 8252 §7.3): `http://127.0.0.1:{ephemeral port}/callback`.
//!
//! It answers every browser request with a small plain page and hands back the authorization
//! code of the first callback whose `state` matches. A callback with a different or missing
//! `state` (a forgery, or a stale tab of an earlier sign-in) is answered with an error page,
//! its code or error dropped unused, and the listener keeps waiting: such a request must not
//! be able to end the owner's sign-in. A callback with the right `state` that carries an
//! `error` ends it. When the deadline passes and only mismatched callbacks came, the sign-in
//! ends with [`OAuthError::StateMismatch`], otherwise with [`OAuthError::Timeout`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use maestro_core::sensitive::Sensitive;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use url::Url;

use super::OAuthError;

/// Path of the redirect URI on the loopback listener.
const CALLBACK_PATH: &str = "/callback";
/// Largest request head read from the browser.
const MAX_HEAD: usize = 16 * 1024;
/// How long one browser connection may take to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

const PAGE_DONE: &str = "You can close this window and return to Integration Maestro.";
const PAGE_DENIED: &str =
    "Access was not granted. You can close this window and return to Integration Maestro.";
const PAGE_MISMATCH: &str = "This sign-in answer does not belong to the sign-in Integration Maestro started, \
     so it was ignored. Finish signing in from the window Integration Maestro opened, or start \
     connecting again from Integration Maestro.";
const PAGE_ALREADY: &str = "This sign-in was already handled. You can close this window and return to Integration Maestro.";

type Outcome = Result<Callback, OAuthError>;

/// A decisive callback's code and its other parameters (QuickBooks' `realmId`: the company
/// the owner chose), `state` and errors left out.
#[derive(Debug)]
pub(crate) struct Callback {
    /// The authorization code.
    pub code: Sensitive<String>,
    /// Every other query parameter of the callback.
    pub params: BTreeMap<String, String>,
}

/// A bound loopback listener waiting for one authorization callback.
pub(crate) struct Loopback {
    listener: TcpListener,
    redirect_uri: String,
}

struct Shared {
    expected_state: String,
    sender: Mutex<Option<oneshot::Sender<Outcome>>>,
    /// A callback with a wrong or missing `state` came (and was ignored).
    mismatched: AtomicBool,
}

impl Shared {
    /// Delivers the first decisive outcome; returns false when one was already delivered.
    fn deliver(&self, outcome: Outcome) -> bool {
        let sender = self
            .sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match sender {
            Some(tx) => {
                // The receiver is gone only when the sign-in already ended (timeout); nothing to do.
                let _ = tx.send(outcome);
                true
            }
            None => false,
        }
    }

    fn is_done(&self) -> bool {
        self.sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }
}

impl Loopback {
    /// Binds `127.0.0.1` on an ephemeral port.
    pub(crate) async fn bind() -> Result<Self, OAuthError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| OAuthError::Listener(e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| OAuthError::Listener(e.to_string()))?
            .port();
        Ok(Loopback {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}{CALLBACK_PATH}"),
        })
    }

    /// The redirect URI to register in the authorization request.
    pub(crate) fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Serves browser requests until a decisive callback arrives or `timeout` passes; its code.
    /// (The sign-in uses [`Loopback::wait_callback`], which keeps the other parameters too.)
    #[cfg(test)]
    pub(crate) async fn wait(
        self,
        expected_state: String,
        timeout: Duration,
    ) -> Result<Sensitive<String>, OAuthError> {
        self.wait_callback(expected_state, timeout)
            .await
            .map(|c| c.code)
    }

    /// Serves browser requests until a decisive callback arrives or `timeout` passes: its code
    /// and other parameters. Cancel-safe: dropping the future closes the listener.
    pub(crate) async fn wait_callback(self, expected_state: String, timeout: Duration) -> Outcome {
        let (tx, mut rx) = oneshot::channel();
        let shared = Arc::new(Shared {
            expected_state,
            sender: Mutex::new(Some(tx)),
            mismatched: AtomicBool::new(false),
        });
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = &mut deadline => {
                    return Err(if shared.mismatched.load(Ordering::SeqCst) {
                        OAuthError::StateMismatch
                    } else {
                        OAuthError::Timeout
                    });
                }
                outcome = &mut rx => {
                    return outcome.unwrap_or_else(|_| Err(OAuthError::Listener("the listener stopped".into())));
                }
                accepted = self.listener.accept() => {
                    match accepted {
                        Ok((stream, _peer)) => {
                            tokio::spawn(handle_connection(stream, Arc::clone(&shared)));
                        }
                        Err(e) => tracing::warn!(error = %e, "loopback accept failed"),
                    }
                }
            }
        }
    }
}

/// What one request means for the sign-in.
enum Verdict {
    /// Not a callback (favicon, a stray request): answer and keep waiting.
    Ignore(u16, &'static str),
    /// A callback with a wrong or missing `state`: answer with an error page, drop its code
    /// or error, and keep waiting for the genuine one.
    Mismatch,
    /// A decisive callback.
    Decide(Outcome),
}

fn judge(target: &str, expected_state: &str) -> Verdict {
    let Ok(url) = Url::parse(&format!("http://127.0.0.1{target}")) else {
        return Verdict::Ignore(400, "Bad request.");
    };
    if url.path() != CALLBACK_PATH {
        return Verdict::Ignore(404, "Not found.");
    }
    let (mut state, mut code, mut error, mut description) = (None, None, None, None);
    let mut params = BTreeMap::new();
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "state" => state = Some(v.into_owned()),
            "code" => code = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = Some(v.into_owned()),
            other => {
                params.insert(other.to_owned(), v.into_owned());
            }
        }
    }
    let is_callback = code.is_some() || error.is_some();
    let state_matches = state
        .as_deref()
        .is_some_and(|s| constant_time_eq(s.as_bytes(), expected_state.as_bytes()));
    if is_callback && !state_matches {
        // RFC 6749 §4.1.2: `state` comes back with a code and with an error alike. Anyone can
        // reach this port (another page, a stale tab), so only the right `state` decides.
        return Verdict::Mismatch;
    }
    match (code, error) {
        (_, Some(error)) if error == "access_denied" => {
            Verdict::Decide(Err(OAuthError::AccessDenied { description }))
        }
        (_, Some(error)) => Verdict::Decide(Err(OAuthError::Authorization { error, description })),
        (Some(code), None) => Verdict::Decide(Ok(Callback {
            code: Sensitive::new(code),
            params,
        })),
        (None, None) => Verdict::Ignore(400, "The sign-in answer is incomplete."),
    }
}

async fn handle_connection(mut stream: TcpStream, shared: Arc<Shared>) {
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => head,
        // Browsers open speculative connections that never send anything; just drop them.
        _ => return,
    };
    let mut parts = head.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, text) = if method != "GET" {
        (405, "Method not allowed.")
    } else {
        match judge(target, &shared.expected_state) {
            Verdict::Ignore(status, text) => (status, text),
            Verdict::Mismatch => {
                tracing::warn!("ignored a sign-in callback whose state does not match");
                shared.mismatched.store(true, Ordering::SeqCst);
                (400, PAGE_MISMATCH)
            }
            Verdict::Decide(outcome) if shared.is_done() => {
                drop(outcome);
                (200, PAGE_ALREADY)
            }
            Verdict::Decide(outcome) => {
                let page = match &outcome {
                    Ok(_) => PAGE_DONE,
                    Err(_) => PAGE_DENIED,
                };
                if shared.deliver(outcome) {
                    (200, page)
                } else {
                    (200, PAGE_ALREADY)
                }
            }
        }
    };
    let _ = write_page(&mut stream, status, text).await;
}

/// Reads up to the end of the request head; returns its first line.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
    }
    let text = String::from_utf8_lossy(&buf);
    text.lines().next().map(str::to_owned)
}

async fn write_page(stream: &mut TcpStream, status: u16, text: &str) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let body = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Integration Maestro</title></head>\
         <body style=\"font-family: sans-serif; margin: 3em;\"><p>{text}</p></body></html>\n"
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn judges_callbacks() {
        let ok = judge("/callback?code=abc&state=s1", "s1");
        assert!(matches!(ok, Verdict::Decide(Ok(ref c)) if c.code.expose() == "abc"));
        let with_realm = judge("/callback?code=abc&state=s1&realmId=9130", "s1");
        assert!(
            matches!(with_realm, Verdict::Decide(Ok(ref c)) if c.params.get("realmId").map(String::as_str) == Some("9130") && c.params.len() == 1)
        );
        assert!(matches!(
            judge("/callback?error=access_denied&state=s1", "s1"),
            Verdict::Decide(Err(OAuthError::AccessDenied { .. }))
        ));
        assert!(matches!(
            judge("/callback?error=server_error&state=s1", "s1"),
            Verdict::Decide(Err(OAuthError::Authorization { .. }))
        ));
        assert!(matches!(
            judge("/favicon.ico", "s1"),
            Verdict::Ignore(404, _)
        ));
        assert!(matches!(
            judge("/callback?state=s1", "s1"),
            Verdict::Ignore(400, _)
        ));
    }

    #[test]
    fn a_wrong_or_missing_state_is_ignored_whatever_the_callback_carries() {
        for target in [
            "/callback?code=abc&state=s2",
            "/callback?code=abc",
            "/callback?code=abc&state=",
            "/callback?code=abc&state=s1x",
            "/callback?error=access_denied&state=zz",
            "/callback?error=access_denied",
            "/callback?error=server_error",
        ] {
            assert!(matches!(judge(target, "s1"), Verdict::Mismatch), "{target}");
        }
    }

    async fn get(port: u16, target: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let request = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        let status = answer[9..12].parse().unwrap();
        (status, answer)
    }

    fn port(loopback: &Loopback) -> u16 {
        Url::parse(loopback.redirect_uri()).unwrap().port().unwrap()
    }

    #[tokio::test]
    async fn a_forged_callback_is_answered_and_the_genuine_one_still_completes() {
        let loopback = Loopback::bind().await.unwrap();
        let port = port(&loopback);
        let waiting = tokio::spawn(loopback.wait("s1".into(), Duration::from_secs(10)));
        for forged in [
            "/callback?code=evil&state=forged",
            "/callback?code=evil",
            "/callback?error=access_denied",
        ] {
            let (status, page) = get(port, forged).await;
            assert_eq!(status, 400, "{forged}");
            assert!(page.contains("ignored"), "{page}");
            assert!(!waiting.is_finished(), "{forged} ended the sign-in");
        }
        let (status, page) = get(port, "/callback?code=good&state=s1").await;
        assert_eq!(status, 200);
        assert!(page.contains(PAGE_DONE));
        let code = waiting.await.unwrap().unwrap();
        assert_eq!(code.expose(), "good");
    }

    #[tokio::test]
    async fn an_error_with_the_right_state_ends_the_sign_in() {
        let loopback = Loopback::bind().await.unwrap();
        let port = port(&loopback);
        let waiting = tokio::spawn(loopback.wait("s1".into(), Duration::from_secs(10)));
        get(port, "/callback?error=access_denied&state=s1").await;
        assert!(matches!(
            waiting.await.unwrap(),
            Err(OAuthError::AccessDenied { .. })
        ));
    }

    #[tokio::test]
    async fn only_forged_callbacks_until_the_deadline_say_so() {
        let loopback = Loopback::bind().await.unwrap();
        let port = port(&loopback);
        let waiting = tokio::spawn(loopback.wait("s1".into(), Duration::from_millis(500)));
        get(port, "/callback?code=evil&state=forged").await;
        assert_eq!(
            waiting.await.unwrap().unwrap_err(),
            OAuthError::StateMismatch
        );

        let loopback = Loopback::bind().await.unwrap();
        let outcome = loopback.wait("s1".into(), Duration::from_millis(100)).await;
        assert_eq!(outcome.unwrap_err(), OAuthError::Timeout);
    }
}
