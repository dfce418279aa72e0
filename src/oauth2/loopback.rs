//! The loopback redirect listener (RFC 8252 section 7.3) and the callback it receives.
//!
//! It binds loopback only (127.0.0.1, plus `[::1]` for a `localhost` redirect URI), never all
//! interfaces. It is listening before the browser is sent to the provider. Each connection is
//! served on its own thread and has 3 seconds from its accept to send its request, however
//! slowly it trickles; with 64 open, the oldest is closed for the newest. So neither idle nor
//! trickling connections can hold up the real callback, and `--timeout` bounds the whole wait. It answers `/favicon.ico` and any
//! other path with 404 and keeps waiting. A callback whose `state` is not this login's gets a
//! 400 page and is ignored: one forged request from a web page cannot end the login. The first
//! callback with the right `state` ends it, success or error. The page it shows says whether it
//! worked and never contains the code or a token. The `state` is compared in constant time.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why the browser step produced no code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The user declined (`error=access_denied`).
    #[error("the authorization was declined at the provider (access_denied){}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    AccessDenied {
        /// `error_description`.
        description: Option<String>,
    },
    /// The provider redirected back with another error.
    #[error("the provider returned error {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Provider {
        /// `error`.
        error: String,
        /// `error_description`.
        description: Option<String>,
    },
    /// The `state` did not match the one we sent.
    #[error(
        "the callback's state does not match the request's: the callback was not for this login"
    )]
    StateMismatch,
    /// The callback names another issuer (RFC 9207).
    #[error("the callback says it comes from issuer {got:?}, not {expected:?}")]
    IssuerMismatch {
        /// `iss` in the callback.
        got: String,
        /// The profile's issuer.
        expected: String,
    },
    /// No `code` in the callback.
    #[error("the callback has neither a code nor an error")]
    MissingCode,
    /// Nothing arrived in time.
    #[error("no callback arrived within {secs} seconds")]
    Timeout {
        /// The wait.
        secs: u64,
    },
    /// A pasted URL could not be read.
    #[error("the pasted text is not the redirect URL: {0}")]
    BadPaste(String),
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {message}")]
    Bind {
        /// The port.
        port: u16,
        /// The OS error.
        message: String,
    },
}

impl CallbackError {
    /// What to do.
    pub fn hint(&self) -> &'static str {
        match self {
            CallbackError::AccessDenied { .. } => "nothing was granted; run connect again and choose Allow (the organisation's admin may need to approve the app)",
            CallbackError::Provider { .. } => "check the app's redirect URI and scopes in the developer portal, then connect again",
            CallbackError::StateMismatch => "a stale or forged callback reached the listener; nothing was stored. Run connect again and use the newest link only",
            CallbackError::IssuerMismatch { .. } => "the response came from another authorization server; nothing was stored. Check the issuer URL",
            CallbackError::MissingCode => "the provider sent an unexpected redirect; check the redirect URI registered for the app",
            CallbackError::Timeout { .. } => "connect again and finish the login within the time (or allow more), or paste the final URL from a browser instead",
            CallbackError::BadPaste(_) => "paste the whole address from the browser's address bar after the login, starting with http://",
            CallbackError::Bind { .. } => "another program uses the port: stop it, or pick another port (and register the new redirect URI)",
        }
    }
}

/// The authorization code from a successful callback. Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthCode(pub String);

impl std::fmt::Debug for AuthCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthCode([REDACTED])")
    }
}

/// Checks a callback's query parameters and returns the code.
pub fn check_callback(
    params: &[(String, String)],
    expected_state: &str,
    expected_issuer: Option<&str>,
) -> Result<AuthCode, CallbackError> {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    // The state is checked first, also for error callbacks: an error with a wrong state is not
    // ours to report.
    let state = get("state").unwrap_or_default();
    if !constant_time_eq(state.as_bytes(), expected_state.as_bytes()) {
        return Err(CallbackError::StateMismatch);
    }
    if let (Some(got), Some(expected)) = (get("iss"), expected_issuer) {
        if got.trim_end_matches('/') != expected.trim_end_matches('/') {
            return Err(CallbackError::IssuerMismatch {
                got,
                expected: expected.to_owned(),
            });
        }
    }
    if let Some(error) = get("error") {
        let description = get("error_description");
        return Err(if error == "access_denied" {
            CallbackError::AccessDenied { description }
        } else {
            CallbackError::Provider { error, description }
        });
    }
    match get("code") {
        Some(c) if !c.is_empty() => Ok(AuthCode(c)),
        _ => Err(CallbackError::MissingCode),
    }
}

/// `scheme://host:port/path` of a URL, lower-cased but for the path, without its query.
fn address_of(url: &str) -> Option<String> {
    let url = url.split(['?', '#']).next()?;
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    Some(format!(
        "{}://{}{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase(),
        if path.is_empty() { "/" } else { path }
    ))
}

/// Reads a pasted redirect URL (`http://localhost:8742/callback?code=...&state=...`). Its
/// scheme, host, port and path must be `redirect_uri`'s: a URL from anywhere else is refused,
/// whatever its `state`.
pub fn parse_pasted(
    text: &str,
    redirect_uri: &str,
) -> Result<Vec<(String, String)>, CallbackError> {
    let t = text.trim();
    let (_, query) = t
        .split_once('?')
        .ok_or_else(|| CallbackError::BadPaste("it has no query (the part after ?)".into()))?;
    match (address_of(t), address_of(redirect_uri)) {
        (Some(got), Some(want)) if got == want => {}
        (got, want) => {
            return Err(CallbackError::BadPaste(format!(
                "it is not this login's redirect URI: it goes to {}, and this login's is {}",
                crate::text::term(got.as_deref().unwrap_or("no http(s) address")),
                want.unwrap_or_default()
            )))
        }
    }
    let query = query.split('#').next().unwrap_or("");
    let params = crate::form::parse_urlencoded(query);
    if !params.iter().any(|(k, _)| k == "code" || k == "error") {
        return Err(CallbackError::BadPaste(
            "it has no code= or error= parameter".into(),
        ));
    }
    Ok(params)
}

/// Compares without an early exit, so the time taken does not tell how much of a guess matched.
/// Lengths are compared first: the length of our state is no secret (it is always 22).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// A bound loopback listener: 127.0.0.1, and also `[::1]` on the same port when the redirect
/// URI says `localhost` (a browser may resolve it to either, and another local user must not be
/// able to take the side we left free).
#[derive(Debug)]
pub struct Listener {
    sockets: Vec<TcpListener>,
    port: u16,
}

/// What one request to the listener was.
enum Request {
    Callback(Vec<(String, String)>),
    Other,
}

/// Something the listener saw that the person should know about. The wait goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListenerNotice {
    /// A request to `/callback` whose `state` is not this login's: a stale tab, or a forged
    /// request from a web page. It got a 400 page and was ignored.
    WrongState,
    /// Too many connections were open at once; the oldest was closed to serve the newest.
    /// Reported once per wait, however often it happens.
    Busy,
}

/// At most this many connections are served at once; each gets its own thread and
/// [`REQUEST_DEADLINE`] from its accept to send its request. When all are taken, the oldest
/// is closed for the newest: a flood of slow local connections cannot keep out the browser's
/// callback, which sends its request at once.
const MAX_CONNECTIONS: usize = 64;

/// How long a connection has, from its accept, to send its whole request head.
const REQUEST_DEADLINE: Duration = Duration::from_secs(3);

impl Listener {
    /// Binds 127.0.0.1:`port` only (0 picks a free port).
    pub fn bind(port: u16) -> Result<Listener, CallbackError> {
        Listener::bind_for_host("127.0.0.1", port)
    }

    /// Binds for a redirect URI on `host`: 127.0.0.1 always, and `[::1]` on the same port too
    /// when `host` is `localhost`. A machine without IPv6 gets the IPv4 side only; an IPv6 port
    /// that another program holds is an error.
    pub fn bind_for_host(host: &str, port: u16) -> Result<Listener, CallbackError> {
        let bind_err = |port: u16, addr: &str, e: std::io::Error| CallbackError::Bind {
            port,
            message: format!("{addr}: {e}"),
        };
        let v4 = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .map_err(|e| bind_err(port, "127.0.0.1", e))?;
        let port = v4
            .local_addr()
            .map_err(|e| bind_err(port, "127.0.0.1", e))?
            .port();
        let mut sockets = vec![v4];
        if host.eq_ignore_ascii_case("localhost") {
            match TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))) {
                Ok(v6) => sockets.push(v6),
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                    return Err(bind_err(port, "[::1]", e))
                }
                // No IPv6 loopback on this machine: nobody can take that side either.
                Err(_) => {}
            }
        }
        for s in &sockets {
            s.set_nonblocking(true)
                .map_err(|e| bind_err(port, "loopback", e))?;
        }
        Ok(Listener { sockets, port })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The addresses listened on.
    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.sockets
            .iter()
            .filter_map(|s| s.local_addr().ok())
            .collect()
    }

    /// Waits for the callback (or a pasted redirect URL from `pasted`, which must be
    /// `redirect_uri`'s), checks it and returns the code. `timeout` bounds the whole wait.
    /// Connections are served concurrently. Other paths get 404; a callback with another
    /// `state` gets a 400 page, is reported through `notice`, and the wait goes on. The first
    /// callback with the right `state` ends it.
    pub fn wait(
        self,
        expected_state: &str,
        expected_issuer: Option<&str>,
        redirect_uri: &str,
        timeout: Duration,
        pasted: Option<&Receiver<String>>,
        notice: &mut dyn FnMut(ListenerNotice),
    ) -> Result<AuthCode, CallbackError> {
        let deadline = Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400));
        let (tx, rx) = mpsc::channel::<Served>();
        // The connections being served, oldest first, each with a handle to close it by.
        let active: Arc<Mutex<VecDeque<(u64, TcpStream)>>> = Arc::default();
        let mut next_id = 0u64;
        let mut told_busy = false;
        loop {
            if let Some(rx) = pasted {
                if let Ok(line) = rx.try_recv() {
                    if !line.trim().is_empty() {
                        let params = parse_pasted(&line, redirect_uri)?;
                        return check_callback(&params, expected_state, expected_issuer);
                    }
                }
            }
            while let Ok(served) = rx.try_recv() {
                match served {
                    Served::Callback(result) => return result,
                    Served::WrongState => notice(ListenerNotice::WrongState),
                }
            }
            let mut accepted = false;
            for socket in &self.sockets {
                if let Ok((stream, _)) = socket.accept() {
                    accepted = true;
                    let Ok(handle) = stream.try_clone() else {
                        continue;
                    };
                    let id = next_id;
                    next_id += 1;
                    {
                        let mut open = active.lock().unwrap_or_else(|p| p.into_inner());
                        if open.len() >= MAX_CONNECTIONS {
                            if let Some((_, oldest)) = open.pop_front() {
                                let _ = oldest.shutdown(std::net::Shutdown::Both);
                            }
                            if !told_busy {
                                told_busy = true;
                                notice(ListenerNotice::Busy);
                            }
                        }
                        open.push_back((id, handle));
                    }
                    let (tx, active) = (tx.clone(), Arc::clone(&active));
                    let (state, issuer) = (
                        expected_state.to_owned(),
                        expected_issuer.map(str::to_owned),
                    );
                    std::thread::spawn(move || {
                        if let Some(s) = serve_one(stream, &state, issuer.as_deref()) {
                            let _ = tx.send(s);
                        }
                        let mut open = active.lock().unwrap_or_else(|p| p.into_inner());
                        open.retain(|(i, _)| *i != id);
                    });
                }
            }
            if Instant::now() >= deadline {
                return Err(CallbackError::Timeout {
                    secs: timeout.as_secs(),
                });
            }
            if !accepted {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// What a served connection reports to the wait.
enum Served {
    Callback(Result<AuthCode, CallbackError>),
    WrongState,
}

/// Serves one connection. Returns `Some` when it was a callback.
fn serve_one(
    mut stream: TcpStream,
    expected_state: &str,
    expected_issuer: Option<&str>,
) -> Option<Served> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let request = match read_request(&mut stream) {
        Some(r) => r,
        None => {
            respond(
                &mut stream,
                400,
                "Bad request",
                "This is not a request this page understands.",
            );
            return None;
        }
    };
    match request {
        Request::Other => {
            respond(&mut stream, 404, "Not found", "Nothing here.");
            None
        }
        Request::Callback(params) => {
            let result = check_callback(&params, expected_state, expected_issuer);
            match &result {
                Ok(_) => respond(
                    &mut stream,
                    200,
                    "Connected",
                    "oauth1to2 received the authorization. You can close this tab and go back to the terminal.",
                ),
                Err(CallbackError::StateMismatch) => {
                    respond(
                        &mut stream,
                        400,
                        "Not this login",
                        "This callback is not for the login oauth1to2 is waiting for (a stale tab, or a request from another page). It was ignored; finish the login in the newest tab.",
                    );
                    return Some(Served::WrongState);
                }
                Err(e) => respond(
                    &mut stream,
                    400,
                    "Authorization failed",
                    &format!("{e}. {} Go back to the terminal for details.", e.hint()),
                ),
            }
            Some(Served::Callback(result))
        }
    }
}

/// Reads the request head (at most 16 KiB, within [`REQUEST_DEADLINE`] of the accept, however
/// slowly it trickles in) and classifies it.
fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let until = Instant::now() + REQUEST_DEADLINE;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && !buf.windows(2).any(|w| w == b"\n\n") {
        let left = until.checked_duration_since(Instant::now())?;
        if buf.len() > 16 * 1024 || left.is_zero() {
            return None;
        }
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => return None,
        }
    }
    parse_request_head(&buf)
}

/// Parses `GET /callback?... HTTP/1.1` (the first line is all that matters).
fn parse_request_head(head: &[u8]) -> Option<Request> {
    let text = std::str::from_utf8(head).ok()?;
    let line = text.lines().next()?;
    let mut parts = line.split(' ');
    let method = parts.next()?;
    let target = parts.next()?;
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || path != "/callback" {
        return Some(Request::Other);
    }
    Some(Request::Callback(crate::form::parse_urlencoded(query)))
}

fn respond(stream: &mut TcpStream, status: u16, title: &str, message: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let body = page(title, message, status == 200);
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
    let _ = stream.flush();
}

/// The plain page the browser shows. No code, no token, no external assets.
pub fn page(title: &str, message: &str, ok: bool) -> String {
    let colour = if ok { "#1b7f3b" } else { "#b3261e" };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oauth1to2: {t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em}}\
         h1{{color:{colour}}}</style></head><body><h1>{t}</h1><p>{m}</p></body></html>",
        t = crate::text::html(title),
        m = crate::text::html(message),
    )
}

/// Classifies a raw request head; public for the fuzz target.
pub fn classify_request_head(head: &[u8]) -> Option<Option<Vec<(String, String)>>> {
    parse_request_head(head).map(|r| match r {
        Request::Callback(p) => Some(p),
        Request::Other => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Vec<(String, String)> {
        crate::form::parse_urlencoded(s)
    }

    #[test]
    fn callbacks_are_checked_state_first() {
        assert_eq!(
            check_callback(&q("code=abc&state=s1"), "s1", None).unwrap(),
            AuthCode("abc".into())
        );
        assert_eq!(
            check_callback(&q("code=abc&state=s2"), "s1", None),
            Err(CallbackError::StateMismatch)
        );
        assert_eq!(
            check_callback(&q("code=abc"), "s1", None),
            Err(CallbackError::StateMismatch)
        );
        assert!(matches!(
            check_callback(&q("error=access_denied&state=s1"), "s1", None),
            Err(CallbackError::AccessDenied { .. })
        ));
        assert!(matches!(
            check_callback(&q("error=invalid_scope&error_description=bad+scope&state=s1"), "s1", None),
            Err(CallbackError::Provider { ref description, .. }) if description.as_deref() == Some("bad scope")
        ));
        assert!(matches!(
            check_callback(
                &q("code=a&state=s1&iss=https%3A%2F%2Fevil"),
                "s1",
                Some("https://good")
            ),
            Err(CallbackError::IssuerMismatch { .. })
        ));
    }

    #[test]
    fn constant_time_eq_is_eq() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn pasted_urls() {
        let r = "http://localhost:8742/callback";
        let p = parse_pasted("  http://localhost:8742/callback?code=x&state=y#frag\n", r).unwrap();
        assert_eq!(p, q("code=x&state=y"));
        assert!(parse_pasted("hello", r).is_err());
        assert!(parse_pasted("http://localhost:8742/callback?foo=1", r).is_err());
        assert!(parse_pasted("HTTP://LOCALHOST:8742/callback?code=x&state=y", r).is_ok());
        // Anywhere else, with the right state or not, is refused.
        for elsewhere in [
            "https://elsewhere.example/anything?code=x&state=y",
            "https://localhost:8742/callback?code=x&state=y",
            "http://127.0.0.1:8742/callback?code=x&state=y",
            "http://localhost:8743/callback?code=x&state=y",
            "http://localhost:8742/callback/x?code=x&state=y",
            "http://localhost:8742/?code=x&state=y",
            "http://localhost:8742@evil.example/callback?code=x&state=y",
        ] {
            let e = parse_pasted(elsewhere, r).unwrap_err().to_string();
            assert!(
                e.contains("not this login's redirect URI"),
                "{elsewhere}: {e}"
            );
        }
    }

    #[test]
    fn request_heads() {
        assert!(matches!(
            parse_request_head(b"GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some(Request::Other)
        ));
        assert!(matches!(
            parse_request_head(b"GET /callback?code=1&state=2 HTTP/1.1\r\n\r\n"),
            Some(Request::Callback(_))
        ));
        assert!(parse_request_head(b"garbage").is_none());
    }

    #[test]
    fn the_page_escapes_and_carries_no_script() {
        let p = page("Authorization failed", "<script>x</script>", false);
        assert!(!p.contains("<script>"));
        assert!(p.contains("&lt;script&gt;"));
    }
}
