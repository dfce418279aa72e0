//! The client that carries requests to a route's upstream: hyper-util's pooled HTTP/1.1
//! client over rustls, with the operating system's roots plus the profile's `ca_file`.
//!
//! It follows no redirect (hyper's client never does), gives each exchange a deadline that
//! covers the answer's body too, and is built once per route. The upstream's scheme, host and
//! path are fixed when the route is resolved; a request adds only its path and query, so it
//! cannot name another host.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, Uri};
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio_rustls::rustls;

pub(super) type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A body either way: a buffered one, the client's stream (capped), or nothing.
pub(super) type Body = http_body_util::combinators::BoxBody<Bytes, BoxError>;

/// How long a connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an idle connection to the upstream is kept for reuse.
const POOL_IDLE: Duration = Duration::from_secs(30);

type Pooled = Client<HttpsConnector<HttpConnector>, Body>;

/// Each upstream's number, for [`CLIENTS`].
static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

thread_local! {
    /// This thread's client for each upstream (by number): a client's connections are driven
    /// by tasks on the runtime that opened them, so each event loop keeps its own pool.
    static CLIENTS: std::cell::RefCell<Vec<(usize, Pooled)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A route's upstream: where its requests go, and how to connect there.
pub(super) struct Upstream {
    id: usize,
    connector: HttpsConnector<HttpConnector>,
    /// The upstream URL without a trailing `/`; a request's path and query follow it.
    base: String,
    timeout: Duration,
}

/// Why an exchange with the upstream failed.
pub(super) struct Failure {
    /// The deadline passed (a 504 rather than a 502).
    pub timed_out: bool,
    /// What happened, with the causes; never a header or a body.
    pub message: String,
}

impl Upstream {
    /// A client for `base` (`https://...`, or `http://` where the route allowed it), trusting
    /// the system's roots and the certificates in `ca_file`. `timeout`: one exchange, from
    /// sending to the answer's last byte.
    pub fn new(
        base: &str,
        ca_file: Option<&std::path::Path>,
        timeout: Duration,
    ) -> Result<Upstream, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = match ca_file {
            None => rustls_platform_verifier::Verifier::new(provider.clone()),
            Some(path) => {
                let text = crate::files::read_limited(path, crate::files::MAX_FILE)
                    .map_err(|e| format!("{}: cannot read the CA file: {e}", path.display()))?;
                let certs: Vec<_> = pem::parse_many(&text)
                    .map_err(|e| format!("{}: {e}", path.display()))?
                    .into_iter()
                    .filter(|p| p.tag() == "CERTIFICATE")
                    .map(|p| rustls::pki_types::CertificateDer::from(p.into_contents()))
                    .collect();
                if certs.is_empty() {
                    return Err(format!("{}: no certificate in the CA file", path.display()));
                }
                rustls_platform_verifier::Verifier::new_with_extra_roots(certs, provider.clone())
            }
        }
        .map_err(|e| format!("cannot set up TLS verification: {e}"))?;
        // ALPN (http/1.1) is set by the connector's builder, which refuses a preset list.
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Upstream {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            connector,
            base: base.trim_end_matches('/').to_owned(),
            timeout,
        })
    }

    /// This thread's pooled client for the upstream.
    fn client(&self) -> Pooled {
        CLIENTS.with(|c| {
            let mut clients = c.borrow_mut();
            if let Some((_, client)) = clients.iter().find(|(id, _)| *id == self.id) {
                return client.clone();
            }
            let client = Client::builder(TokioExecutor::new())
                .pool_idle_timeout(POOL_IDLE)
                .pool_timer(TokioTimer::new())
                .build(self.connector.clone());
            clients.push((self.id, client.clone()));
            client
        })
    }

    /// The upstream URI for a request's `path_query`, which must start with `/` (so that it
    /// cannot add to the upstream's host).
    pub fn uri(&self, path_query: &str) -> Result<Uri, String> {
        if !path_query.starts_with('/') {
            return Err("only a path starting with / is forwarded".into());
        }
        Uri::try_from(format!("{}{path_query}", self.base))
            .map_err(|e| format!("the upstream URL for this path is not valid: {e}"))
    }

    /// Sends `req` and returns the answer, whose body carries what is left of the deadline.
    pub async fn send(&self, req: Request<Body>) -> Result<Response<Body>, Failure> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        match tokio::time::timeout_at(deadline, self.client().request(req)).await {
            Err(_) => Err(Failure {
                timed_out: true,
                message: "timed out".into(),
            }),
            Ok(Err(e)) => Err(Failure {
                timed_out: false,
                message: describe(&e),
            }),
            Ok(Ok(answer)) => Ok(answer.map(|b| {
                Deadline {
                    inner: b,
                    sleep: Box::pin(tokio::time::sleep_until(deadline)),
                }
                .boxed()
            })),
        }
    }
}

/// A client error and its causes, for messages. hyper names neither headers nor bodies, so
/// no secret reaches the message.
fn describe(e: &hyper_util::client::legacy::Error) -> String {
    let head = if e.is_connect() {
        "could not connect".to_owned()
    } else {
        e.to_string()
    };
    crate::net::with_causes(head, e)
}

/// An answer's body that fails once the exchange's deadline has passed.
struct Deadline {
    inner: Incoming,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the upstream's answer did not finish in time")]
struct TimedOut;

impl hyper::body::Body for Deadline {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(f) => Poll::Ready(f.map(|r| r.map_err(|e| Box::new(e) as BoxError))),
            Poll::Pending => match self.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(TimedOut)))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_path_never_changes_the_upstream_host() {
        let up =
            Upstream::new("https://api.example.com/v2/", None, Duration::from_secs(1)).unwrap();
        let uri = up.uri("/Invoices?page=2").unwrap();
        assert_eq!(
            uri.to_string(),
            "https://api.example.com/v2/Invoices?page=2"
        );
        let uri = up.uri("//evil.example/x").unwrap();
        assert_eq!(uri.host(), Some("api.example.com"));
        for bad in ["@evil.example/x", ".evil.example/x", ":8443/x", "*", ""] {
            assert!(up.uri(bad).is_err(), "{bad:?}");
        }
    }
}
