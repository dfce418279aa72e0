//! The HTTP client every OAuth 2.0 and Xero API call goes through: reqwest (blocking) with rustls,
//! a connect timeout and an overall timeout, and redirects never followed (a redirect on an
//! identity endpoint could carry a code or token to another host). Retries happen only for
//! idempotent requests (GET), with backoff.

use std::path::Path;
use std::time::Duration;

use super::Oauth2Error;
pub use crate::net::{
    client_builder, describe, insecure_reason, parse_http_date, read_body, strip_query,
    tls_problem, Timeouts, MAX_API_BODY, MAX_IDENTITY_BODY, POOL_IDLE,
};

/// A response, read in full.
#[derive(Debug, Clone)]
pub struct Response {
    /// The URL asked for.
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// `Retry-After`, in seconds, if the server sent one as a number.
    pub retry_after: Option<u64>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A short summary of an error body for messages: the JSON `Detail`/`Message`/`error` field
    /// when there is one, else the first 200 characters.
    pub fn error_detail(&self) -> Option<String> {
        if self.body.is_empty() {
            return None;
        }
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&self.body) {
            // A list of errors, each with a code and a message (Salesforce's REST API).
            if let Some(first) = v.as_array().and_then(|a| a.first()) {
                let code = first.get("errorCode").and_then(|s| s.as_str());
                let message = first.get("message").and_then(|s| s.as_str());
                let text = match (code, message) {
                    (Some(c), Some(m)) => format!("{c}: {m}"),
                    (Some(t), None) | (None, Some(t)) => t.to_owned(),
                    (None, None) => String::new(),
                };
                if !text.is_empty() {
                    return Some(text.chars().take(300).collect());
                }
            }
            for key in [
                "Detail",
                "Message",
                "Title",
                "error_description",
                "error",
                "message",
            ] {
                if let Some(s) = v.get(key).and_then(|s| s.as_str()) {
                    return Some(s.chars().take(300).collect());
                }
            }
        }
        let t = self.text();
        let t = t.trim();
        (!t.is_empty()).then(|| t.chars().take(200).collect())
    }
}

/// The shared client.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::blocking::Client,
    /// The largest answer body read; a larger one is an error, not read through.
    pub max_body: usize,
    /// The time the last answer's `Date` header gave (Unix seconds): the server's clock, to
    /// tell a refusal for clock skew from others.
    server_clock: std::sync::Arc<std::sync::Mutex<Option<i64>>>,
    /// Retries for idempotent requests after the first try.
    pub retries: u32,
    /// First backoff; doubles each time.
    pub backoff: Duration,
}

/// The error type the `oauth2` crate sees.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(String);

impl HttpClient {
    /// Builds the client. `ca_file` adds a CA (PEM) to the system's roots.
    pub fn new(timeouts: Timeouts, ca_file: Option<&Path>) -> Result<HttpClient, Oauth2Error> {
        let mut b = client_builder(timeouts);
        if let Some(path) = ca_file {
            let pem = crate::files::read_limited(path, crate::files::MAX_FILE).map_err(|e| {
                Oauth2Error::Io {
                    path: path.to_path_buf(),
                    message: format!("cannot read the CA file: {e}"),
                }
            })?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| Oauth2Error::Io {
                    path: path.to_path_buf(),
                    message: format!("not a PEM CA certificate: {e}"),
                })?;
            if certs.is_empty() {
                return Err(Oauth2Error::Io {
                    path: path.to_path_buf(),
                    message: "no certificate in the CA file".into(),
                });
            }
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let inner = b.build().map_err(|e| Oauth2Error::Network {
            url: "(client setup)".into(),
            message: e.to_string(),
        })?;
        Ok(HttpClient {
            inner,
            max_body: MAX_IDENTITY_BODY,
            server_clock: Default::default(),
            retries: 2,
            backoff: Duration::from_millis(500),
        })
    }

    /// The server's clock as its last answer's `Date` header gave it (Unix seconds), if any.
    pub fn server_time(&self) -> Option<i64> {
        *self.server_clock.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn note_date(&self, headers: &reqwest::header::HeaderMap) {
        let date = headers
            .get("date")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date);
        *self.server_clock.lock().unwrap_or_else(|p| p.into_inner()) = date;
    }

    /// Sends one request, no retries.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Response, Oauth2Error> {
        require_secure("the request URL", url)?;
        let m = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| Oauth2Error::Usage(format!("{method:?} is not an HTTP method")))?;
        let mut req = self.inner.request(m, url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let resp = req.send().map_err(|e| network_error(url, &e))?;
        self.note_date(resp.headers());
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_body(resp, self.max_body).map_err(|message| Oauth2Error::Network {
            url: strip_query(url),
            message,
        })?;
        Ok(Response {
            url: strip_query(url),
            status,
            retry_after,
            content_type,
            body,
        })
    }

    /// A GET, retried with backoff on network errors and 502/503/504 (GET is idempotent).
    pub fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Response, Oauth2Error> {
        let mut wait = self.backoff;
        let mut attempt = 0;
        loop {
            let r = self.send("GET", url, headers, None);
            let retryable = match &r {
                Err(Oauth2Error::Network { .. }) => true,
                Ok(resp) => matches!(resp.status, 502..=504),
                Err(_) => false,
            };
            if !retryable || attempt >= self.retries {
                return r;
            }
            attempt += 1;
            std::thread::sleep(wait);
            wait *= 2;
        }
    }

    /// A GET that must answer 200 with JSON.
    pub fn get_json(&self, url: &str) -> Result<serde_json::Value, Oauth2Error> {
        let r = self.get(url, &[("accept", "application/json")])?;
        if r.status != 200 {
            return Err(Oauth2Error::Http {
                url: r.url.clone(),
                status: r.status,
                detail: r.error_detail(),
            });
        }
        serde_json::from_slice(&r.body).map_err(|e| Oauth2Error::BadResponse {
            url: r.url,
            message: format!("not JSON: {e}"),
        })
    }
}

impl oauth2::SyncHttpClient for HttpClient {
    type Error = TransportError;

    fn call(&self, request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, TransportError> {
        let (parts, body) = request.into_parts();
        // The token endpoint gets the client secret, codes and refresh tokens.
        if let Some(reason) = insecure_reason(&parts.uri.to_string()) {
            return Err(TransportError(format!(
                "refused to send to {}: {reason}",
                strip_query(&parts.uri.to_string())
            )));
        }
        let mut req = self
            .inner
            .request(parts.method, parts.uri.to_string())
            .body(body);
        for (k, v) in parts.headers.iter() {
            req = req.header(k, v);
        }
        let resp = req.send().map_err(|e| TransportError(describe(&e)))?;
        self.note_date(resp.headers());
        let mut builder = oauth2::http::Response::builder().status(resp.status());
        for (k, v) in resp.headers() {
            builder = builder.header(k, v);
        }
        let body = read_body(resp, self.max_body).map_err(TransportError)?;
        builder
            .body(body)
            .map_err(|e| TransportError(e.to_string()))
    }
}

/// A transport error as the user should see it: TLS failures in plain words with their own hint.
pub fn network_error(url: &str, e: &reqwest::Error) -> Oauth2Error {
    let message = describe(e);
    match tls_problem(&message) {
        Some((problem, hint)) => Oauth2Error::Tls {
            url: strip_query(url),
            problem: problem.to_owned(),
            hint,
        },
        None => Oauth2Error::Network {
            url: strip_query(url),
            message,
        },
    }
}

/// Refuses a URL that would carry a secret in clear (see [`insecure_reason`]). `what` names the
/// URL's role in the error ("the token endpoint", "the API base").
pub fn require_secure(what: &str, url: &str) -> Result<(), Oauth2Error> {
    match insecure_reason(url) {
        None => Ok(()),
        Some(reason) => Err(Oauth2Error::Insecure {
            what: what.to_owned(),
            url: strip_query(url),
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_failures_in_plain_words() {
        for (raw, word) in [
            ("error sending request: client error (Connect): invalid peer certificate: UnknownIssuer", "not signed"),
            ("invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))", "CA certificate"),
            ("invalid peer certificate: NotValidForName", "another name"),
            ("invalid peer certificate: certificate not valid for name \"x\"; certificate is only valid for ...", "another name"),
            ("invalid peer certificate: Expired", "expired"),
        ] {
            let (problem, hint) = tls_problem(raw).unwrap_or_else(|| panic!("{raw}"));
            assert!(problem.contains(word), "{raw}: {problem}");
            assert!(!hint.is_empty());
        }
        assert!(tls_problem("could not connect: Connection refused").is_none());
    }

    #[test]
    fn only_https_or_loopback_may_carry_secrets() {
        for ok in [
            "https://identity.xero.com/connect/token",
            "http://127.0.0.1:8080/token",
            "http://127.9.9.9/token",
            "http://[::1]:3000/token",
            "http://localhost:3000/token",
            "http://LOCALHOST/token",
        ] {
            assert_eq!(insecure_reason(ok), None, "{ok}");
        }
        for bad in [
            "http://idp.example.com/token",
            "http://localhost.evil.example/token",
            "http://10.0.0.1/token",
            "http://[::2]/token",
            "ftp://idp.example.com/token",
            "not a url",
        ] {
            assert!(insecure_reason(bad).is_some(), "{bad}");
        }
    }

    /// A hostile server on loopback that answers every request with a 302 to `location`.
    fn redirecting_server(location: String) -> String {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/token", l.local_addr().unwrap().port());
        std::thread::spawn(move || {
            for mut s in l.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = s.read(&mut buf);
                let _ = write!(
                    s,
                    "HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        url
    }

    /// A server that answers every request with an endless chunked body (or, with
    /// `declared`, a Content-Length of 300 MB it never sends).
    fn endless_server(declared: bool) -> String {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://127.0.0.1:{}/.well-known/openid-configuration",
            l.local_addr().unwrap().port()
        );
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut s = s;
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf);
                    if declared {
                        let _ =
                            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 300000000\r\n\r\n{");
                        return;
                    }
                    let _ = s.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
                    let chunk = format!("{:x}\r\n{}\r\n", 65536, "a".repeat(65536));
                    while s.write_all(chunk.as_bytes()).is_ok() {}
                });
            }
        });
        url
    }

    #[test]
    fn http_dates_are_read_as_servers_send_them() {
        assert_eq!(
            parse_http_date("Wed, 02 Dec 2026 19:30:00 GMT"),
            Some(1_796_239_800)
        );
        assert_eq!(parse_http_date("not a date"), None);
    }

    #[test]
    fn answers_past_the_cap_are_refused_not_read_through() {
        for declared in [false, true] {
            let url = endless_server(declared);
            let c = HttpClient::new(Timeouts::default(), None).unwrap();
            let e = c.send("GET", &url, &[], None).unwrap_err().to_string();
            assert!(e.contains("larger than 4 MiB"), "{e}");
            let req = oauth2::http::Request::builder()
                .method("POST")
                .uri(&url)
                .body(Vec::new())
                .unwrap();
            let e = oauth2::SyncHttpClient::call(&c, req)
                .unwrap_err()
                .to_string();
            assert!(e.contains("larger than 4 MiB"), "{e}");
        }
    }

    #[test]
    fn redirects_are_never_followed() {
        // Where a followed redirect would land: it must never see a connection.
        let target = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        target.set_nonblocking(true).unwrap();
        let location = format!(
            "http://127.0.0.1:{}/steal",
            target.local_addr().unwrap().port()
        );
        let url = redirecting_server(location);
        let c = HttpClient::new(Timeouts::default(), None).unwrap();
        let r = c
            .send("POST", &url, &[], Some(b"client_secret=s3cret".to_vec()))
            .unwrap();
        assert_eq!(r.status, 302);
        let req = oauth2::http::Request::builder()
            .method("POST")
            .uri(&url)
            .body(b"grant_type=refresh_token&refresh_token=rt".to_vec())
            .unwrap();
        let resp = oauth2::SyncHttpClient::call(&c, req).unwrap();
        assert_eq!(resp.status().as_u16(), 302);
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            matches!(target.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "a redirect was followed"
        );
    }

    /// A server whose first connection goes stale: it answers one request with keep-alive,
    /// then drops the connection when the next request arrives on it, as a server does when it
    /// closes an idle connection just as the request comes. Later connections are answered.
    fn stale_keep_alive_server() -> String {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/token", l.local_addr().unwrap().port());
        let read_request = |s: &mut std::net::TcpStream| {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            true
        };
        std::thread::spawn(move || {
            for (i, s) in l.incoming().flatten().enumerate() {
                std::thread::spawn(move || {
                    let mut s = s;
                    while read_request(&mut s) {
                        let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}");
                        if i == 0 {
                            // The next request on this connection is never answered.
                            read_request(&mut s);
                            return;
                        }
                    }
                });
            }
        });
        url
    }

    #[test]
    fn a_connection_idle_past_the_pool_limit_is_not_reused() {
        let url = stale_keep_alive_server();
        let c = HttpClient::new(Timeouts::default(), None).unwrap();
        let first = c.send("POST", &url, &[], Some(b"a=1".to_vec())).unwrap();
        assert_eq!(first.status, 200);
        // Longer than a person takes to leave the browser step at its quickest.
        std::thread::sleep(POOL_IDLE + Duration::from_millis(500));
        let second = c.send("POST", &url, &[], Some(b"a=2".to_vec()));
        assert_eq!(
            second.map(|r| r.status).unwrap_or_else(|e| panic!("{e}")),
            200
        );
    }

    #[test]
    fn the_client_refuses_plain_http_before_connecting() {
        let c = HttpClient::new(Timeouts::default(), None).unwrap();
        // example.invalid never resolves: a Network error would mean a connection was tried.
        let err = c
            .send("POST", "http://api.example.invalid/x?code=1", &[], None)
            .unwrap_err();
        assert!(matches!(err, Oauth2Error::Insecure { .. }), "{err}");
        assert!(!err.to_string().contains("code=1"));
        let req = oauth2::http::Request::builder()
            .method("POST")
            .uri("http://idp.example.invalid/token")
            .body(b"client_secret=s3cret".to_vec())
            .unwrap();
        let err = oauth2::SyncHttpClient::call(&c, req).unwrap_err();
        assert!(err.to_string().contains("refused"), "{err}");
    }
}
