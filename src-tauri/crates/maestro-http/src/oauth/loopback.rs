//! The loopback redirect listener (RFC 8252 §7.3): `http://127.0.0.1:{ephemeral port}/callback`.
//!
//! It answers every browser request with a small plain page and hands back the authorization
//! code of the first callback whose `state` matches. A callback with a different or missing
//! `state` ends the sign-in with [`OAuthError::StateMismatch`] and its code is dropped unused.

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
const PAGE_MISMATCH: &str = "This sign-in answer does not belong to the sign-in Integration Maestro started. \
     Close this window and try connecting again from Integration Maestro.";
const PAGE_ALREADY: &str = "This sign-in was already handled. You can close this window and return to Integration Maestro.";

type Outcome = Result<Sensitive<String>, OAuthError>;

/// A bound loopback listener waiting for one authorization callback.
pub(crate) struct Loopback {
    listener: TcpListener,
    redirect_uri: String,
}

struct Shared {
    expected_state: String,
    sender: Mutex<Option<oneshot::Sender<Outcome>>>,
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

    /// Serves browser requests until a decisive callback arrives. Cancel-safe: dropping the
    /// future closes the listener.
    pub(crate) async fn wait(self, expected_state: String) -> Outcome {
        let (tx, mut rx) = oneshot::channel();
        let shared = Arc::new(Shared {
            expected_state,
            sender: Mutex::new(Some(tx)),
        });
        loop {
            tokio::select! {
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
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "state" => state = Some(v.into_owned()),
            "code" => code = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = Some(v.into_owned()),
            _ => {}
        }
    }
    match (&state, code, error) {
        (Some(s), _, _) if !constant_time_eq(s.as_bytes(), expected_state.as_bytes()) => {
            Verdict::Decide(Err(OAuthError::StateMismatch))
        }
        // An error is decisive even when the provider left `state` out: no code is accepted.
        (_, _, Some(error)) if error == "access_denied" => {
            Verdict::Decide(Err(OAuthError::AccessDenied { description }))
        }
        (_, _, Some(error)) => {
            Verdict::Decide(Err(OAuthError::Authorization { error, description }))
        }
        (None, Some(_), None) => Verdict::Decide(Err(OAuthError::StateMismatch)),
        (Some(_), Some(code), None) => Verdict::Decide(Ok(Sensitive::new(code))),
        _ => Verdict::Ignore(400, "The sign-in answer is incomplete."),
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
            Verdict::Decide(outcome) if shared.is_done() => {
                drop(outcome);
                (200, PAGE_ALREADY)
            }
            Verdict::Decide(outcome) => {
                let page = match &outcome {
                    Ok(_) => PAGE_DONE,
                    Err(OAuthError::StateMismatch) => PAGE_MISMATCH,
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
        assert!(matches!(ok, Verdict::Decide(Ok(ref c)) if c.expose() == "abc"));
        assert!(matches!(
            judge("/callback?code=abc&state=s2", "s1"),
            Verdict::Decide(Err(OAuthError::StateMismatch))
        ));
        assert!(matches!(
            judge("/callback?code=abc", "s1"),
            Verdict::Decide(Err(OAuthError::StateMismatch))
        ));
        assert!(matches!(
            judge("/callback?error=access_denied&state=s1", "s1"),
            Verdict::Decide(Err(OAuthError::AccessDenied { .. }))
        ));
        assert!(matches!(
            judge("/callback?error=access_denied&state=zz", "s1"),
            Verdict::Decide(Err(OAuthError::StateMismatch))
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
}
