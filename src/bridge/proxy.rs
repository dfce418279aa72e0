//! The listener, the request path (route, check, nonce, bearer, upstream) and the operations
//! endpoints.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};

use super::config::{BridgeConfig, Limits, Route};
use super::inbound::{self, Problem, Refusal, Signed};
use super::metrics::Metrics;
use super::state::{Nonces, RedisTokens};
use super::{BridgeError, Log, LogInteraction, RouteSummary, SharedSession};
use crate::oauth1::style::TokenSource;
use crate::oauth1::verify::CapturedRequest;
use crate::oauth2::profile::Paths;
use crate::session::Session;

use super::line::{Field, Line};
use super::upstream::{Body, Upstream};

/// Renew a token this long before it expires.
const MARGIN: i64 = 60;
/// Re-read tokens whose lifetime is unknown this often.
const UNKNOWN_LIFETIME_RECHECK: i64 = 300;

/// A route, ready to serve.
struct Served {
    route: Route,
    index: usize,
    session: SharedSession,
    tenant: Option<(HeaderName, HeaderValue)>,
    upstream: Upstream,
    cache: Mutex<Option<Arc<Bearer>>>,
    renewing: tokio::sync::Mutex<()>,
}

/// An access token ready to send.
struct Bearer {
    header: HeaderValue,
    token: String,
    good_until: i64,
}

/// The running bridge's shared parts.
pub struct Bridge {
    routes: Vec<Served>,
    nonces: Nonces,
    limits: Limits,
    metrics: Metrics,
    log: Log,
    scheme: &'static str,
}

thread_local! {
    /// An event loop's request lines not yet given to the log: given when the loop is about to
    /// wait for work (tokio's park hook), when they pass [`PENDING_MAX`] bytes, and when the
    /// loop ends. A line a request leaves behind costs a write system call no more; under load
    /// one write carries many lines. `None` outside an event loop, where lines go straight out.
    static PENDING: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// How many bytes of request lines an event loop holds before it gives them to the log.
const PENDING_MAX: usize = 16 * 1024;

/// Logs `lines`: held with this event loop's pending lines (given all at once past
/// [`PENDING_MAX`]), or given straight to the log outside an event loop.
fn pend(log: &Log, lines: &str) {
    let full = PENDING.with(|p| match p.borrow_mut().as_mut() {
        Some(pending) => {
            pending.push_str(lines);
            pending.len() >= PENDING_MAX
        }
        None => {
            log(lines);
            false
        }
    });
    if full {
        flush_pending(log);
    }
}

/// An event loop's runtime: one thread, whose pending request lines go to `log` whenever it
/// is about to wait for work.
fn event_loop_runtime(log: &Log) -> std::io::Result<tokio::runtime::Runtime> {
    let log = log.clone();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || flush_pending(&log))
        .build()
}

/// Gives this thread's pending request lines to the log.
fn flush_pending(log: &Log) {
    PENDING.with(|p| {
        if let Some(pending) = p.borrow_mut().as_mut() {
            if !pending.is_empty() {
                log(pending);
                pending.clear();
            }
        }
    });
}

/// The time now, for log lines: RFC 3339 in UTC, to the nanosecond. The date and time up to
/// the second are formatted once a second per thread (a line is written for every request).
pub(super) fn now_text() -> String {
    thread_local! {
        static SECOND: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((0, String::new())) };
    }
    let now = time::OffsetDateTime::now_utc();
    SECOND.with(|second| {
        let mut second = second.borrow_mut();
        if second.0 != now.unix_timestamp() || second.1.is_empty() {
            let whole = now.replace_nanosecond(0).unwrap_or(now);
            let mut text = whole
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            // `...T08:47:27Z`: the nanoseconds go before the Z.
            text.pop();
            *second = (now.unix_timestamp(), text);
        }
        let mut text = String::with_capacity(second.1.len() + 11);
        text.push_str(&second.1);
        let _ = std::fmt::Write::write_fmt(&mut text, format_args!(".{:09}Z", now.nanosecond()));
        text
    })
}

fn full(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(
        Full::new(body.into())
            .map_err(|e: Infallible| match e {})
            .boxed(),
    );
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

/// Resolves a route against its profile: the session, the upstream, the tenant header, the
/// token rule. `redis`: where its tokens are shared, if anywhere.
pub(super) fn resolve(
    config: &BridgeConfig,
    route: &Route,
    paths: &Paths,
    redis: Option<&str>,
) -> Result<(RouteSummary, Resolved), BridgeError> {
    let fail = |message: String| BridgeError::Route {
        path: config.path.display().to_string(),
        line: route.line,
        message,
    };
    let session = Session::open(&route.profile, paths)
        .map_err(|e| fail(format!("profile {:?}: {e}", route.profile)))?;
    let session = match redis {
        Some(url) => {
            let shared = RedisTokens::new(url, &route.profile).map_err(|e| fail(e.0))?;
            shared
                .seed_from(session.tokens.as_ref())
                .map_err(|e| fail(format!("profile {:?}: {e}", route.profile)))?;
            session.with_tokens(Arc::new(shared))
        }
        None => session,
    };
    let stored = session
        .tokens
        .load()
        .map_err(|e| fail(format!("profile {:?}: {e}", route.profile)))?;
    if stored.is_none() {
        return Err(fail(format!(
            "profile {:?} has no tokens yet: connect it first (the connect command), then start the bridge",
            route.profile
        )));
    }
    let upstream = match &route.upstream {
        Some(u) => u.clone(),
        None => {
            let base = crate::provider::api_base(&session.profile).map_err(|e| {
                fail(format!(
                    "profile {:?} has no API base to send requests to ({e}); set upstream",
                    route.profile
                ))
            })?;
            let u = oauth2::url::Url::parse(&base)
                .map_err(|e| fail(format!("the API base {base}: {e}")))?;
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "{}://{}{port}",
                u.scheme(),
                u.host_str().unwrap_or_default()
            )
        }
    };
    if let Some(why) = crate::net::insecure_reason(&upstream) {
        return Err(fail(format!(
            "upstream {why}: the bearer token may not travel there"
        )));
    }
    let header = session.api.tenants.as_ref().map(|t| t.header);
    let tenant_value = route
        .tenant
        .clone()
        .or_else(|| session.profile.tenant_id.clone());
    let tenant = match (header, tenant_value) {
        (Some(h), Some(v)) => Some((
            HeaderName::from_bytes(h.as_bytes()).map_err(|e| fail(e.to_string()))?,
            HeaderValue::from_str(&v).map_err(|_| {
                fail(format!(
                    "tenant {:?} is not a header value",
                    crate::text::term(&v)
                ))
            })?,
        )),
        (None, Some(_)) if route.tenant.is_some() => {
            return Err(fail(format!(
                "tenant is set, but the {} API has no tenant header; remove it",
                session.api.name
            )))
        }
        _ => None,
    };
    let i = &route.inbound;
    let styles = crate::provider::signing_styles();
    let style = match &i.style {
        Some(id) => styles.iter().copied().find(|s| s.id == id),
        // The legacy client called the API's provider, and signed its way.
        None => session
            .api
            .signing_styles
            .iter()
            .copied()
            .find(|s| s.method == Some(i.method)),
    }
    .unwrap_or(&crate::oauth1::style::GENERIC);
    let (token, token_from) = if i.token_given {
        (i.token.clone(), "given".to_owned())
    } else if style.token == TokenSource::ConsumerKey {
        (
            Some(i.consumer_key.clone()),
            format!("the {} style (oauth_token = consumer key)", style.id),
        )
    } else {
        (None, format!("the {} style (no token)", style.id))
    };
    let mut warnings = Vec::new();
    if let Some(k) = i.key.as_ref().map(|v| v.key()) {
        use rsa::traits::PublicKeyParts;
        if k.size() * 8 < 2048 {
            warnings.push(format!(
                "the client's RSA key is {} bits: accepted, as the legacy provider did, but plan to replace it",
                k.size() * 8
            ));
        }
    }
    if upstream.starts_with("http://") {
        warnings.push("the upstream is plain HTTP on loopback".into());
    }
    let summary = RouteSummary {
        prefix: route.prefix.clone(),
        profile: route.profile.clone(),
        upstream: upstream.clone(),
        tenant_header: tenant
            .as_ref()
            .map(|(h, v)| format!("{h}: {}", v.to_str().unwrap_or(""))),
        signature_method: i.method.as_str(),
        consumer_key: i.consumer_key.clone(),
        token: token.clone(),
        token_from,
        warnings,
    };
    Ok((
        summary,
        Resolved {
            session,
            tenant,
            token,
            upstream,
        },
    ))
}

/// A route resolved against its profile.
pub(super) struct Resolved {
    session: Session,
    tenant: Option<(HeaderName, HeaderValue)>,
    token: Option<String>,
    upstream: String,
}

fn tls_acceptor(config: &BridgeConfig) -> Result<Option<tokio_rustls::TlsAcceptor>, BridgeError> {
    use rustls::pki_types::{
        CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
    };
    use tokio_rustls::rustls;
    let Some(files) = &config.tls else {
        return Ok(None);
    };
    let read = |p: &std::path::Path| {
        crate::files::read_limited(p, crate::files::MAX_FILE)
            .map_err(|e| BridgeError::Tls(format!("{}: {e}", p.display())))
            .and_then(|b| {
                pem::parse_many(b)
                    .map_err(|e| BridgeError::Tls(format!("{}: not PEM: {e}", p.display())))
            })
    };
    let certs: Vec<CertificateDer<'static>> = read(&files.certificate)?
        .into_iter()
        .filter(|p| p.tag() == "CERTIFICATE")
        .map(|p| CertificateDer::from(p.into_contents()))
        .collect();
    if certs.is_empty() {
        return Err(BridgeError::Tls(format!(
            "{}: no CERTIFICATE block",
            files.certificate.display()
        )));
    }
    let key = read(&files.key)?
        .into_iter()
        .find_map(|p| match p.tag() {
            "PRIVATE KEY" => Some(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                p.into_contents(),
            ))),
            "RSA PRIVATE KEY" => Some(PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(
                p.into_contents(),
            ))),
            "EC PRIVATE KEY" => Some(PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(
                p.into_contents(),
            ))),
            _ => None,
        })
        .ok_or_else(|| {
            BridgeError::Tls(format!(
                "{}: no unencrypted PRIVATE KEY block",
                files.key.display()
            ))
        })?;
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| BridgeError::Tls(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| BridgeError::Tls(format!("the certificate and key: {e}")))?;
    Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(server))))
}

/// Runs the bridge until `shutdown` completes (see [`super::run_blocking`]).
pub async fn run(
    config: BridgeConfig,
    paths: Paths,
    log: Log,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BridgeError> {
    let nonces = match &config.redis {
        Some(url) => Nonces::redis(url).await.map_err(|e| {
            BridgeError::State(format!("{} ({})", e.0, crate::net::strip_query(url)))
        })?,
        None => Nonces::local(),
    };
    let tls = tls_acceptor(&config)?;
    let mut routes = Vec::new();
    for (index, route) in config.routes.iter().enumerate() {
        let (cfg, paths2, redis) = (&config, paths.clone(), config.redis.clone());
        let resolved =
            tokio::task::block_in_place(|| resolve(cfg, route, &paths2, redis.as_deref()))?;
        let (
            _,
            Resolved {
                session,
                tenant,
                token,
                upstream,
            },
        ) = resolved;
        let upstream = Upstream::new(
            &upstream,
            session.profile.ca_file.as_deref(),
            Duration::from_secs(config.limits.upstream_timeout_secs),
        )
        .map_err(|message| BridgeError::Route {
            path: config.path.display().to_string(),
            line: route.line,
            message,
        })?;
        routes.push((index, session, tenant, token, upstream));
    }
    let prefixes: Vec<String> = config.routes.iter().map(|r| r.prefix.clone()).collect();
    let mut profiles: Vec<String> = config.routes.iter().map(|r| r.profile.clone()).collect();
    profiles.dedup();
    let metrics = Metrics::new(&prefixes, &profiles);
    let BridgeConfig {
        listen,
        operations,
        limits,
        routes: cfg_routes,
        ..
    } = config;
    let served: Vec<Served> = cfg_routes
        .into_iter()
        .zip(routes)
        .map(|(mut route, (index, session, tenant, token, upstream))| {
            route.inbound.token = token;
            Served {
                route,
                index,
                session: Arc::new(session),
                tenant,
                upstream,
                cache: Mutex::new(None),
                renewing: tokio::sync::Mutex::new(()),
            }
        })
        .collect();
    let bridge = Arc::new(Bridge {
        routes: served,
        nonces,
        limits: limits.clone(),
        metrics,
        log: log.clone(),
        scheme: if tls.is_some() { "https" } else { "http" },
    });
    let listener =
        tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| BridgeError::Listen {
                addr: listen,
                message: e.to_string(),
            })?;
    let bound = listener.local_addr().unwrap_or(listen);
    let ops = match operations {
        Some(addr) => {
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| BridgeError::Listen {
                    addr,
                    message: e.to_string(),
                })?;
            Some(l)
        }
        None => None,
    };
    let ops_bound = ops.as_ref().and_then(|l| l.local_addr().ok());
    // One event loop per CPU (see below).
    let loops = std::thread::available_parallelism().map_or(1, |n| n.get());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some(l) = ops {
        let b = bridge.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    r = l.accept() => if let Ok((stream, _)) = r {
                        let b = b.clone();
                        let svc = hyper::service::service_fn(move |req| { let b = b.clone(); async move { Ok::<_, Infallible>(b.operations(req).await) } });
                        let mut builder = hyper::server::conn::http1::Builder::new();
                        builder.timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(10));
                        tokio::spawn(async move { let _ = builder.serve_connection(TokioIo::new(stream), svc).await; });
                    },
                    _ = stop.changed() => break,
                }
            }
        });
    }
    let semaphore = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = Arc::new(Mutex::new(Some(graceful)));
    let (accepting_tx, accepting_rx) = tokio::sync::watch::channel(true);
    let (done_tx, done_rx) = tokio::sync::watch::channel(false);
    let listen_error = |e: std::io::Error| BridgeError::Listen {
        addr: bound,
        message: e.to_string(),
    };
    let shared = listener.into_std().map_err(listen_error)?;
    // One event loop per CPU, each accepting on the shared socket and serving its connections
    // to the end, with its own pool of upstream connections: a request never changes thread,
    // where a work-stealing runtime handed each one between threads (the bridge used about a
    // quarter less CPU a request without those hand-overs, on two cores).
    let mut threads = Vec::with_capacity(loops);
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel::<()>();
    for i in 0..loops {
        let event_loop = EventLoop {
            bridge: bridge.clone(),
            tls: tls.clone(),
            semaphore: semaphore.clone(),
            graceful: graceful.clone(),
            limits: limits.clone(),
            log: log.clone(),
            accepting: accepting_rx.clone(),
            done: done_rx.clone(),
        };
        let socket = shared.try_clone().map_err(listen_error)?;
        let runtime = event_loop_runtime(&log)
            .map_err(|e| BridgeError::State(format!("cannot start an event loop: {e}")))?;
        let thread = std::thread::Builder::new()
            .name(format!("bridge-loop-{i}"))
            .spawn({
                let started = started_tx.clone();
                let log = log.clone();
                move || {
                    PENDING.set(Some(String::with_capacity(PENDING_MAX + 4096)));
                    let _ = started.send(());
                    drop(started);
                    runtime.block_on(event_loop.serve(socket));
                    flush_pending(&log);
                }
            })
            .map_err(|e| BridgeError::State(format!("cannot start an event loop: {e}")))?;
        threads.push(thread);
    }
    drop(shared);
    drop(started_tx);
    // Each loop's thread has its name once it runs; all of them run before `listening`.
    for _ in 0..threads.len() {
        let _ = started.recv().await;
    }
    // Said once every event loop is running.
    super::emit(
        &log,
        serde_json::json!({
            "ts": now_text(), "event": "listening", "listen": bound.to_string(),
            "scheme": bridge.scheme,
            "operations": ops_bound.map(|a| a.to_string()),
            "state": if matches!(bridge.nonces, Nonces::Redis(_)) { "redis" } else { "local" },
            "event_loops": loops,
            "routes": bridge.routes.iter().map(|r| &r.route.prefix).collect::<Vec<_>>(),
        }),
    );
    shutdown.await;
    let _ = accepting_tx.send(false);
    let graceful = graceful.lock().unwrap_or_else(|p| p.into_inner()).take();
    let in_flight = graceful.as_ref().map_or(0, |g| g.count());
    super::emit(
        &log,
        serde_json::json!({"ts": now_text(), "event": "stopping", "connections": in_flight}),
    );
    let grace = Duration::from_secs(limits.shutdown_grace_secs);
    let finished = match graceful {
        Some(g) => tokio::time::timeout(grace, g.shutdown()).await.is_ok(),
        None => true,
    };
    let _ = done_tx.send(true);
    let _ = stop_tx.send(true);
    let _ = tokio::task::spawn_blocking(move || {
        for t in threads {
            let _ = t.join();
        }
    })
    .await;
    super::emit(
        &log,
        serde_json::json!({"ts": now_text(), "event": "stopped", "finished_in_flight": finished}),
    );
    Ok(())
}

/// An event loop's share of the listener.
struct EventLoop {
    bridge: Arc<Bridge>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    semaphore: Arc<tokio::sync::Semaphore>,
    graceful: Arc<Mutex<Option<hyper_util::server::graceful::GracefulShutdown>>>,
    limits: Limits,
    log: Log,
    /// Turns false when the bridge stops taking connections.
    accepting: tokio::sync::watch::Receiver<bool>,
    /// Turns true when connections in flight have finished (or the grace ran out).
    done: tokio::sync::watch::Receiver<bool>,
}

impl EventLoop {
    /// Accepts connections on `socket` and serves each on this thread, until the bridge stops
    /// accepting; then keeps serving those in flight until told they are done.
    async fn serve(self, socket: std::net::TcpListener) {
        let EventLoop {
            bridge,
            tls,
            semaphore,
            graceful,
            limits,
            log,
            mut accepting,
            mut done,
        } = self;
        let listener = match tokio::net::TcpListener::from_std(socket) {
            Ok(l) => l,
            Err(e) => return accept_failed(&log, &e),
        };
        while *accepting.borrow() {
            let permit = tokio::select! {
                p = semaphore.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
                _ = accepting.changed() => break,
            };
            let (stream, peer) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(x) => x,
                    Err(e) => {
                        accept_failed(&log, &e);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = accepting.changed() => break,
            };
            let Some(watcher) = graceful
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .map(|g| g.watcher())
            else {
                break;
            };
            let _ = stream.set_nodelay(true);
            let b = bridge.clone();
            let svc = hyper::service::service_fn(move |req| {
                let b = b.clone();
                async move { Ok::<_, Infallible>(b.handle(req, peer).await) }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(limits.header_timeout_secs))
                .max_buf_size(limits.max_header_bytes.max(8192))
                .max_headers(100);
            match &tls {
                None => {
                    let conn = watcher.watch(builder.serve_connection(TokioIo::new(stream), svc));
                    tokio::spawn(async move {
                        let _ = conn.await;
                        drop(permit);
                    });
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    let handshake = Duration::from_secs(limits.header_timeout_secs);
                    tokio::spawn(async move {
                        if let Ok(Ok(tls)) =
                            tokio::time::timeout(handshake, acceptor.accept(stream)).await
                        {
                            let _ = watcher
                                .watch(builder.serve_connection(TokioIo::new(tls), svc))
                                .await;
                        }
                        drop(permit);
                    });
                }
            }
        }
        drop(listener);
        let _ = done.wait_for(|d| *d).await;
    }
}

/// Logs a connection that could not be taken.
fn accept_failed(log: &Log, e: &std::io::Error) {
    super::emit(
        log,
        serde_json::json!({"ts": now_text(), "event": "accept_failed", "level": "warning", "message": e.to_string()}),
    );
}

/// `.` or `..`, each dot written as it is or as `%2e`/`%2E`.
fn dot_segment(seg: &str) -> bool {
    let mut rest = seg.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        if rest[0] == b'.' {
            rest = &rest[1..];
        } else if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"%2e") {
            rest = &rest[3..];
        } else {
            return false;
        }
        dots += 1;
    }
    dots == 1 || dots == 2
}

/// Hop-by-hop headers (RFC 9110 section 7.6.1), never forwarded either way.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

fn is_form(content_type: Option<&HeaderValue>) -> bool {
    content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// A host and optional port as a `Host` header may carry them.
fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
}

impl Bridge {
    /// Logs a request: one JSON object written straight to text (a line for every request,
    /// so no `serde_json::Value` in between), `extra` after the common fields.
    fn log_request(
        &self,
        route: Option<&Served>,
        req: &RequestFacts,
        status: u16,
        outcome: &str,
        extra: &[(&str, Field<'_>)],
    ) {
        let mut line = Line::new();
        line.field("ts", Field::Str(&now_text()));
        line.field("event", Field::Str("request"));
        match route {
            Some(r) => line.field("route", Field::Str(&r.route.prefix)),
            None => line.field("route", Field::Null),
        }
        line.field("method", Field::Str(req.method.as_str()));
        line.field("path", Field::Str(&req.path));
        line.field("peer", Field::Display(&req.peer));
        line.field("status", Field::Int(u64::from(status)));
        line.field("outcome", Field::Str(outcome));
        line.field("ms", Field::Millis(req.started.elapsed()));
        for (k, v) in extra {
            line.field(k, *v);
        }
        let mut text = line.finish();
        text.push('\n');
        pend(&self.log, &text);
    }

    fn refuse(&self, route: &Served, req: &RequestFacts, refusal: Refusal) -> Response<Body> {
        let status =
            StatusCode::from_u16(refusal.problem.status()).unwrap_or(StatusCode::UNAUTHORIZED);
        self.metrics.refused(refusal.problem.code());
        self.metrics.routes[route.index]
            .1
            .refused
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.log_request(
            Some(route),
            req,
            status.as_u16(),
            "refused",
            &[
                ("problem", Field::Str(refusal.problem.code())),
                ("reason", Field::Str(&refusal.reason)),
            ],
        );
        let mut r = full(
            status,
            "application/x-www-form-urlencoded",
            refusal.problem.body(),
        );
        let realm = format!(
            "OAuth realm=\"{}\"",
            route.route.prefix.replace(['"', '\\'], "")
        );
        if let Ok(v) = HeaderValue::from_str(&realm) {
            r.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
        }
        if matches!(refusal.problem, Problem::TimestampRefused { .. }) {
            if let Ok(v) = HeaderValue::from_str(&httpdate_now()) {
                r.headers_mut().insert(http::header::DATE, v);
            }
        }
        r
    }

    fn own_error(
        &self,
        route: &Served,
        req: &RequestFacts,
        status: StatusCode,
        reason: &str,
        message: String,
    ) -> Response<Body> {
        self.metrics.refused(reason);
        self.metrics.routes[route.index]
            .1
            .failed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.log_request(
            Some(route),
            req,
            status.as_u16(),
            "failed",
            &[
                ("reason", Field::Str(reason)),
                ("message", Field::Str(&message)),
            ],
        );
        full(
            status,
            "text/plain; charset=utf-8",
            format!("{}\n", status.canonical_reason().unwrap_or("error")),
        )
    }

    async fn handle(self: Arc<Self>, req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let facts = RequestFacts {
            method: req.method().clone(),
            path: req.uri().path().to_owned(),
            peer,
            started: Instant::now(),
        };
        let path = req.uri().path();
        // A dot segment would leave the route's prefix once the upstream URL is resolved
        // ("/api/../admin" is "/admin"): refused before any route is chosen.
        if path.split('/').any(dot_segment) {
            self.metrics.refused("no_route");
            self.log_request(
                None,
                &facts,
                400,
                "refused",
                &[("reason", Field::Str("dot_segment"))],
            );
            return full(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=utf-8",
                "a path with . or .. segments is not forwarded\n",
            );
        }
        let Some(route) = self
            .routes
            .iter()
            .filter(|r| path.starts_with(&r.route.prefix))
            .max_by_key(|r| r.route.prefix.len())
        else {
            self.metrics.refused("no_route");
            self.log_request(
                None,
                &facts,
                404,
                "refused",
                &[("reason", Field::Str("no_route"))],
            );
            return full(
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                "no route for this path\n",
            );
        };
        // Boxed: the future hyper keeps for a request is moved whole, and a forwarded
        // request's state is large.
        match Box::pin(self.clone().forward(route, req, &facts)).await {
            Ok(r) => r,
            Err(r) => r,
        }
    }

    async fn forward(
        self: Arc<Self>,
        route: &Served,
        req: Request<Incoming>,
        facts: &RequestFacts,
    ) -> Result<Response<Body>, Response<Body>> {
        let (parts, incoming) = req.into_parts();
        // The URL the client signed: its scheme, host and port, then the path and query.
        let base = match &route.route.public_base_url {
            Some(b) => b.clone(),
            None => {
                let host = parts
                    .headers
                    .get(HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("");
                if !valid_host(host) {
                    return Err(self.refuse(
                        route,
                        facts,
                        Refusal {
                            problem: Problem::ParameterRejected("Host".into()),
                            reason: "no usable Host header to rebuild the signed URL from".into(),
                        },
                    ));
                }
                format!("{}://{host}", self.scheme)
            }
        };
        let path_query = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let signed_url = format!("{base}{path_query}");
        let query = parts.uri.query().unwrap_or("");
        let authorization = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let form_body = is_form(parts.headers.get(CONTENT_TYPE));
        let length: Option<u64> = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        if length.is_some_and(|l| l > self.limits.max_body_bytes) {
            return Err(self.own_error(
                route,
                facts,
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("Content-Length {} over the limit", length.unwrap_or(0)),
            ));
        }
        let has_body = length.is_some_and(|l| l > 0)
            || (length.is_none() && parts.headers.contains_key(http::header::TRANSFER_ENCODING));
        let read_body = has_body && (form_body || inbound::needs_body(authorization, query));
        let mut buffered: Option<Bytes> = None;
        let mut streamed: Option<Incoming> = Some(incoming);
        if read_body {
            let limited = Limited::new(
                streamed.take().expect("body"),
                self.limits.max_body_bytes as usize,
            );
            let read = tokio::time::timeout(
                Duration::from_secs(self.limits.upstream_timeout_secs),
                limited.collect(),
            )
            .await;
            match read {
                Ok(Ok(c)) => buffered = Some(c.to_bytes()),
                Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                    return Err(self.own_error(
                        route,
                        facts,
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "body_too_large",
                        "body over the limit".into(),
                    ));
                }
                Ok(Err(e)) => {
                    return Err(self.own_error(
                        route,
                        facts,
                        StatusCode::BAD_REQUEST,
                        "body_unreadable",
                        format!("reading the body: {e}"),
                    ))
                }
                Err(_) => {
                    return Err(self.own_error(
                        route,
                        facts,
                        StatusCode::REQUEST_TIMEOUT,
                        "body_unreadable",
                        "the body did not arrive in time".into(),
                    ))
                }
            }
        } else if !has_body {
            streamed = None;
        }
        let form = match (&buffered, form_body) {
            (Some(b), true) => match std::str::from_utf8(b)
                .ok()
                .map(|s| crate::oauth1::parse_params(s, "form body"))
            {
                Some(Ok(p)) => p,
                _ => {
                    return Err(self.refuse(
                        route,
                        facts,
                        Refusal {
                            problem: Problem::ParameterRejected("body".into()),
                            reason: "the form body is not UTF-8 or has too many parameters".into(),
                        },
                    ))
                }
            },
            _ => Vec::new(),
        };
        let captured = CapturedRequest {
            method: parts.method.as_str().to_owned(),
            url: signed_url,
            authorization: authorization.map(str::to_owned),
            form,
        };
        let window = self.limits.timestamp_window_secs;
        let accepted = inbound::check(
            &route.route.inbound,
            &Signed {
                request: &captured,
                body: buffered.as_deref(),
                form_body,
                has_body,
            },
            window,
            route.route.require_body_hash,
            crate::oauth2::now(),
        )
        .map_err(|refusal| self.refuse(route, facts, refusal))?;
        match self
            .nonces
            .first_use(&accepted.nonce_key, Duration::from_secs(2 * window as u64))
            .await
        {
            Ok(true) => {}
            Ok(false) => return Err(self.refuse(
                route,
                facts,
                Refusal {
                    problem: Problem::NonceUsed,
                    reason:
                        "this consumer key, token, timestamp and nonce were seen within the window"
                            .into(),
                },
            )),
            Err(e) => {
                return Err(self.own_error(
                    route,
                    facts,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "state_unavailable",
                    format!(
                        "cannot record the nonce, so the request is refused: {}",
                        e.0
                    ),
                ));
            }
        }
        // Upstream: the client's Authorization and hop-by-hop headers out, the bearer and the
        // tenant header in.
        let mut headers = http::HeaderMap::new();
        for (name, value) in &parts.headers {
            if hop_by_hop(name) || name == HOST || name == AUTHORIZATION {
                continue;
            }
            if buffered.is_some() && name == CONTENT_LENGTH {
                continue;
            }
            if route.tenant.as_ref().is_some_and(|(h, _)| h == name) {
                continue;
            }
            headers.append(name.clone(), value.clone());
        }
        if let Some((h, v)) = &route.tenant {
            headers.insert(h.clone(), v.clone());
        }
        let uri = match route.upstream.uri(path_query) {
            Ok(u) => u,
            Err(message) => {
                return Err(self.own_error(
                    route,
                    facts,
                    StatusCode::BAD_REQUEST,
                    "upstream",
                    message,
                ))
            }
        };
        if !headers.contains_key(http::header::USER_AGENT) {
            headers.insert(
                http::header::USER_AGENT,
                HeaderValue::from_static(concat!("oauth1to2-bridge/", env!("CARGO_PKG_VERSION"))),
            );
        }
        let replayable = streamed.is_none();
        let idempotent = matches!(
            parts.method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        );
        let mut rejected: Option<String> = None;
        let mut body_stream =
            streamed.map(|s| Limited::new(s, self.limits.max_body_bytes as usize));
        for attempt in 0..2 {
            let cached = self.cached_bearer(route, rejected.as_deref(), crate::oauth2::now());
            let bearer = match cached {
                Some(b) => Ok(b),
                // Boxed: a renewal's state stays out of every request's future.
                None => Box::pin(self.bearer(route, rejected.as_deref())).await,
            };
            let bearer = match bearer {
                Ok(b) => b,
                Err(message) => {
                    return Err(self.own_error(
                        route,
                        facts,
                        StatusCode::BAD_GATEWAY,
                        "no_token",
                        message,
                    ));
                }
            };
            let mut h = headers.clone();
            h.insert(AUTHORIZATION, bearer.header.clone());
            let body: Body = match (&buffered, body_stream.take()) {
                (Some(b), _) => Full::new(b.clone()).map_err(|e| match e {}).boxed(),
                (None, Some(s)) => s.boxed(),
                (None, None) => http_body_util::Empty::new().map_err(|e| match e {}).boxed(),
            };
            let mut request = Request::new(body);
            *request.method_mut() = parts.method.clone();
            *request.uri_mut() = uri.clone();
            *request.headers_mut() = h;
            let sent = Instant::now();
            let answer = route.upstream.send(request).await;
            self.metrics.upstream_time(sent.elapsed());
            let answer = match answer {
                Ok(a) => a,
                Err(e) => {
                    let status = if e.timed_out {
                        StatusCode::GATEWAY_TIMEOUT
                    } else {
                        StatusCode::BAD_GATEWAY
                    };
                    return Err(self.own_error(route, facts, status, "upstream", e.message));
                }
            };
            if answer.status() == StatusCode::UNAUTHORIZED
                && attempt == 0
                && idempotent
                && replayable
            {
                rejected = Some(bearer.token.clone());
                self.metrics.routes[route.index]
                    .1
                    .retried
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                continue;
            }
            let upstream_time = sent.elapsed();
            let status = answer.status();
            let (mut rparts, rbody) = answer.into_parts();
            let names: Vec<HeaderName> = rparts
                .headers
                .keys()
                .filter(|n| hop_by_hop(n))
                .cloned()
                .collect();
            for n in names {
                rparts.headers.remove(n);
            }
            self.metrics.routes[route.index]
                .1
                .forwarded
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.log_request(
                Some(route),
                facts,
                status.as_u16(),
                "forwarded",
                &[
                    ("consumer_key", Field::Str(&accepted.consumer_key)),
                    ("upstream_ms", Field::Millis(upstream_time)),
                    ("retried", Field::Bool(attempt > 0)),
                ],
            );
            return Ok(Response::from_parts(rparts, rbody));
        }
        Err(self.own_error(
            route,
            facts,
            StatusCode::BAD_GATEWAY,
            "upstream",
            "no answer".into(),
        ))
    }

    /// The route's cached bearer, if it is good at `now` and is not `rejected`.
    fn cached_bearer(
        &self,
        route: &Served,
        rejected: Option<&str>,
        now: i64,
    ) -> Option<Arc<Bearer>> {
        let c = route.cache.lock().unwrap_or_else(|p| p.into_inner());
        c.as_ref()
            .filter(|b| b.good_until > now && Some(b.token.as_str()) != rejected)
            .cloned()
    }

    /// The route's bearer when [`Self::cached_bearer`] had none: one from the session
    /// (renewed under the store's lock when it must be), one renewal at a time per route, good
    /// for [`MARGIN`] seconds. `rejected`: a token the upstream refused, which must not come
    /// back.
    async fn bearer(&self, route: &Served, rejected: Option<&str>) -> Result<Arc<Bearer>, String> {
        let _one = route.renewing.lock().await;
        if let Some(b) = self.cached_bearer(route, rejected, crate::oauth2::now()) {
            return Ok(b);
        }
        let session = route.session.clone();
        let log = self.log.clone();
        let rejected = rejected.map(str::to_owned);
        let got = tokio::task::spawn_blocking(move || {
            let ui = LogInteraction(log);
            let (t, renewed) = session.fresh_tokens_told(MARGIN, false, &ui)?;
            if rejected.as_deref() == Some(t.access_token.expose()) {
                let (t, _) = session.fresh_tokens_told(MARGIN, true, &ui)?;
                return Ok::<_, crate::oauth2::Oauth2Error>((t, true));
            }
            Ok((t, renewed))
        })
        .await
        .map_err(|e| format!("token renewal stopped: {e}"))?;
        let (tokens, renewed) =
            got.map_err(|e| format!("profile {:?}: {e}", route.route.profile))?;
        if renewed {
            self.metrics.renewed(&route.route.profile);
            super::emit(
                &self.log,
                serde_json::json!({"ts": now_text(), "event": "token_renewed", "profile": route.route.profile}),
            );
        }
        let token = tokens.access_token.expose().to_owned();
        let mut header = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| "the access token is not a header value".to_owned())?;
        header.set_sensitive(true);
        let now = crate::oauth2::now();
        let good_until = match tokens.expires_at {
            Some(e) => e - MARGIN,
            None => now + UNKNOWN_LIFETIME_RECHECK,
        };
        let b = Arc::new(Bearer {
            header,
            token,
            good_until,
        });
        *route.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(b.clone());
        Ok(b)
    }

    async fn operations(&self, req: Request<Incoming>) -> Response<Body> {
        match req.uri().path() {
            "/healthz" => match self.nonces.healthy().await {
                Ok(()) => full(StatusCode::OK, "text/plain; charset=utf-8", "ok\n"),
                Err(e) => full(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "text/plain; charset=utf-8",
                    format!("shared state unavailable: {}\n", e.0),
                ),
            },
            "/metrics" => full(
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                self.metrics.render(),
            ),
            _ => full(
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                "/healthz or /metrics\n",
            ),
        }
    }
}

struct RequestFacts {
    method: Method,
    path: String,
    peer: SocketAddr,
    started: Instant,
}

fn httpdate_now() -> String {
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::now_utc()
        .format(&f)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::dot_segment;

    #[test]
    fn an_event_loop_writes_its_request_lines_together_when_it_runs_out_of_work() {
        use std::sync::{Arc, Mutex};
        let calls: Arc<Mutex<Vec<String>>> = Arc::default();
        let log: super::Log = {
            let calls = calls.clone();
            Arc::new(move |text: &str| calls.lock().unwrap().push(text.to_owned()))
        };
        // Outside an event loop a line goes straight out.
        super::pend(&log, "{\"a\":0}\n");
        assert_eq!(calls.lock().unwrap().len(), 1);
        let runtime = super::event_loop_runtime(&log).unwrap();
        let seen = std::thread::spawn({
            let calls = calls.clone();
            let log = log.clone();
            move || {
                super::PENDING.set(Some(String::new()));
                runtime.block_on(async {
                    // Two requests' lines while the loop is busy: nothing written yet.
                    super::pend(&log, "{\"a\":1}\n");
                    super::pend(&log, "{\"a\":2}\n");
                    let busy = calls.lock().unwrap().len();
                    // The loop waits (a timer), so it parks and gives both lines in one call.
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    (busy, calls.lock().unwrap().clone())
                })
            }
        })
        .join()
        .unwrap();
        assert_eq!(seen.0, 1);
        assert_eq!(seen.1, ["{\"a\":0}\n", "{\"a\":1}\n{\"a\":2}\n"]);
        // Past PENDING_MAX the lines go out without waiting for the loop to park.
        super::PENDING.set(Some(String::new()));
        let long = format!("{}\n", "x".repeat(super::PENDING_MAX));
        super::pend(&log, &long);
        assert_eq!(calls.lock().unwrap().last().unwrap(), &long);
        super::PENDING.set(None);
    }

    #[test]
    fn log_times_are_rfc3339_and_keep_up_with_the_clock() {
        use time::format_description::well_known::Rfc3339;
        let before = time::OffsetDateTime::now_utc();
        let text = super::now_text();
        let after = time::OffsetDateTime::now_utc();
        let t = time::OffsetDateTime::parse(&text, &Rfc3339).unwrap();
        assert!(before <= t && t <= after, "{before} {text} {after}");
        assert!(
            text.ends_with('Z') && text.len() == "2026-12-04T08:47:27.184476673Z".len(),
            "{text}"
        );
    }

    #[test]
    fn dot_segments_are_found_however_the_dots_are_written() {
        for seg in [".", "..", "%2e", "%2E%2e", ".%2E", "%2e."] {
            assert!(dot_segment(seg), "{seg}");
        }
        for seg in ["", "...", "a.", ".a", "%2e%2e%2e", "%2", "%2f", "x", "%2ex"] {
            assert!(!dot_segment(seg), "{seg}");
        }
    }
}
