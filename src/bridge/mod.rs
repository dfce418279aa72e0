//! The bridge: a reverse proxy that keeps a legacy OAuth 1.0a client working against an OAuth
//! 2.0 API, unchanged. Each request is checked as the legacy provider checked it
//! ([`inbound`]: signature, timestamp window, nonce seen once), then sent to the route's
//! upstream with the client's `Authorization` replaced by the route profile's bearer token
//! (renewed under the token store's lock, so once per rotation however many requests wait) and
//! the provider's tenant header. Bodies stream both ways, except where a check needs them read
//! (a form, whose parameters are signed; a body with `oauth_body_hash`).
//!
//! Built on tokio and hyper with rustls; the command line's blocking HTTP client is used only
//! for token renewals, off the async workers. The library logs through the caller's [`Log`]:
//! one JSON object per request and per event, never with a secret.

pub mod config;
pub mod inbound;
mod line;
pub mod metrics;
mod proxy;
pub mod state;
mod upstream;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::oauth2::profile::Paths;
use crate::session::Session;

pub use config::{BridgeConfig, ConfigError};
pub use proxy::{run, Bridge};

/// Where the bridge's log lines go: text of one or more lines, each a JSON object followed by a
/// newline (the CLI writes it to stderr as it is). Request lines are written straight to text,
/// with no intermediate `serde_json::Value`: one is logged for every request, and an event
/// loop gives its request lines in one call when it is about to wait for work.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// Logs an event (not a request): `line` serialised.
fn emit(log: &Log, line: serde_json::Value) {
    let mut text = line.to_string();
    text.push('\n');
    log(&text)
}

/// Why the bridge could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A route's profile, upstream or credentials (with the configuration line).
    #[error("{path} line {line}: {message}")]
    Route {
        /// The configuration file.
        path: String,
        /// The route's line.
        line: usize,
        /// What is wrong, and what to do.
        message: String,
    },
    /// The shared state (Redis).
    #[error("shared state: {0}")]
    State(String),
    /// A listener: its address, and why.
    #[error("cannot listen on {addr}: {message}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        message: String,
    },
    /// The listener's TLS certificate or key.
    #[error("TLS: {0}")]
    Tls(String),
}

/// What `bridge --check` reports for each route: what it was resolved to.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RouteSummary {
    /// The prefix.
    pub prefix: String,
    /// The profile.
    pub profile: String,
    /// Where requests go.
    pub upstream: String,
    /// The tenant header and value, when one is sent.
    pub tenant_header: Option<String>,
    /// The signature method accepted.
    pub signature_method: &'static str,
    /// The consumer key accepted.
    pub consumer_key: String,
    /// The token accepted (`None`: requests carry none).
    pub token: Option<String>,
    /// Where the token rule came from: `given`, or the signing style that implies it.
    pub token_from: String,
    /// Warnings about the route (a 1024-bit key, a plain-HTTP upstream on loopback, ...).
    pub warnings: Vec<String>,
}

/// Checks `config` against the profiles in `paths` without listening: every route's profile
/// is connected and its upstream allowed, and what each route was resolved to.
pub fn check(config: &BridgeConfig, paths: &Paths) -> Result<Vec<RouteSummary>, BridgeError> {
    config
        .routes
        .iter()
        .map(|r| proxy::resolve(config, r, paths, None).map(|(summary, _)| summary))
        .collect()
}

/// Runs the bridge from `config` until `shutdown` completes, then finishes requests in
/// flight (up to the configured grace) and returns. A convenience for callers without a
/// runtime of their own: it builds one.
pub fn run_blocking(
    config: BridgeConfig,
    paths: Paths,
    log: Log,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BridgeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| BridgeError::State(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(run(config, paths, log, shutdown))
}

/// A session's renewal notices, sent to the log.
struct LogInteraction(Log);

impl crate::interact::Interaction for LogInteraction {
    fn notice(&self, level: crate::interact::Level, message: &str) {
        emit(
            &self.0,
            serde_json::json!({
                "ts": proxy::now_text(),
                "event": "notice",
                "level": match level { crate::interact::Level::Info => "info", crate::interact::Level::Warning => "warning" },
                "message": message,
            }),
        );
    }
    fn ask_secret(&self, _: &str) -> Option<crate::secret::Password> {
        None
    }
    fn ask(&self, _: &str) -> Option<String> {
        None
    }
    fn authorize(
        &self,
        _: &crate::interact::AuthorizePrompt<'_>,
    ) -> Option<std::sync::mpsc::Receiver<String>> {
        None
    }
}

/// A route's session, shared between requests.
type SharedSession = Arc<Session>;
