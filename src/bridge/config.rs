//! The bridge's configuration file (`bridge.toml`): read whole, checked whole, before anything
//! listens. Every error names the file and the line it is about, and says what to do.
//!
//! Paths in the file are relative to its folder. Secrets are never in it: it names the
//! environment variables that hold them (`consumer_secret_env`, `token_secret_env`).

use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::oauth1::SignatureMethod;
use crate::secret::Password;

/// The largest configuration file read.
pub const MAX_CONFIG: usize = 1 << 20;
/// The most routes one bridge serves.
pub const MAX_ROUTES: usize = 1000;

/// A configuration that could not be used: the file, the line (when it is about one), what is
/// wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct ConfigError {
    /// The configuration file.
    pub path: PathBuf,
    /// The line, from 1.
    pub line: Option<usize>,
    /// What is wrong, and what to do.
    pub message: String,
}

/// The bridge's settings, checked.
#[derive(Debug)]
pub struct BridgeConfig {
    /// The file they came from.
    pub path: PathBuf,
    /// Where legacy clients connect.
    pub listen: SocketAddr,
    /// TLS on that listener (rustls), when a certificate and key are given.
    pub tls: Option<TlsFiles>,
    /// Where `/healthz` and `/metrics` are served, if anywhere.
    pub operations: Option<SocketAddr>,
    /// Where nonces, tokens and the renewal lock are shared: `None` in this process only.
    pub redis: Option<String>,
    /// Limits on what a client may send and how long things may take.
    pub limits: Limits,
    /// The routes, in the file's order; the longest matching prefix wins.
    pub routes: Vec<Route>,
}

/// The listener's certificate chain and private key (PEM files).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub certificate: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// Limits (the defaults in brackets).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Request line and headers together [16 KiB].
    pub max_header_bytes: usize,
    /// A request or answer body [10 MiB]: a larger one is refused (413), not forwarded.
    pub max_body_bytes: u64,
    /// Open client connections at once [1024]; more wait to be accepted.
    pub max_connections: usize,
    /// How far `oauth_timestamp` may be from the bridge's clock, either way [300 s].
    pub timestamp_window_secs: i64,
    /// The whole upstream exchange, headers to the last byte [60 s].
    pub upstream_timeout_secs: u64,
    /// Time for a client to send its headers [10 s].
    pub header_timeout_secs: u64,
    /// On SIGTERM, how long requests in flight may take to finish [30 s].
    pub shutdown_grace_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 16 << 10,
            max_body_bytes: 10 << 20,
            max_connections: 1024,
            timestamp_window_secs: 300,
            upstream_timeout_secs: 60,
            header_timeout_secs: 10,
            shutdown_grace_secs: 30,
        }
    }
}

/// One route: the paths a legacy client calls, how it signs, and where its requests go.
#[derive(Debug)]
pub struct Route {
    /// The line of its `[[route]]` table.
    pub line: usize,
    /// The path prefix it serves (starts and ends with `/`).
    pub prefix: String,
    /// The OAuth 2.0 profile whose bearer goes upstream.
    pub profile: String,
    /// Where requests go (scheme, host, port); `None`: the profile's API base.
    pub upstream: Option<String>,
    /// The value of the provider's tenant header, where it has one.
    pub tenant: Option<String>,
    /// The scheme, host and port clients sign, when the bridge is behind a load balancer or
    /// TLS terminator; `None`: the listener's scheme and the request's `Host` header.
    pub public_base_url: Option<String>,
    /// Whether a body that is not a form must carry `oauth_body_hash`.
    pub require_body_hash: bool,
    /// How the legacy client signs.
    pub inbound: Inbound,
}

/// How a route's legacy client signs, and what it is checked with.
pub struct Inbound {
    /// The one method accepted.
    pub method: SignatureMethod,
    /// The consumer key accepted.
    pub consumer_key: String,
    /// RSA-SHA1: the public key of the certificate the client's key matches.
    pub key: Option<crate::oauth1::RsaVerifier>,
    /// The certificate's file, for messages.
    pub certificate: Option<PathBuf>,
    /// HMAC: the consumer secret.
    pub consumer_secret: Option<Password>,
    /// The `oauth_token` accepted: given, implied by the signing style, or none.
    pub token: Option<String>,
    /// Whether `token` was given in the file (else the style's).
    pub token_given: bool,
    /// HMAC: the token secret ("" when none).
    pub token_secret: Option<Password>,
    /// The signing style named in the file, if one was.
    pub style: Option<String>,
}

impl std::fmt::Debug for Inbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbound")
            .field("method", &self.method)
            .field("consumer_key", &self.consumer_key)
            .field("certificate", &self.certificate)
            .field("consumer_secret", &self.consumer_secret)
            .field("token", &self.token)
            .field("token_secret", &self.token_secret)
            .field("style", &self.style)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    listen: Option<Spanned<String>>,
    tls: Option<Spanned<RawTls>>,
    operations: Option<RawOperations>,
    state: Option<RawState>,
    limits: Option<RawLimits>,
    #[serde(default)]
    route: Vec<Spanned<RawRoute>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    certificate: Spanned<String>,
    key: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperations {
    listen: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    redis: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_header_bytes: Option<Spanned<u64>>,
    max_body_bytes: Option<Spanned<u64>>,
    max_connections: Option<Spanned<u64>>,
    timestamp_window_seconds: Option<Spanned<u64>>,
    upstream_timeout_seconds: Option<Spanned<u64>>,
    header_timeout_seconds: Option<Spanned<u64>>,
    shutdown_grace_seconds: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    prefix: Spanned<String>,
    profile: Spanned<String>,
    upstream: Option<Spanned<String>>,
    tenant: Option<Spanned<String>>,
    public_base_url: Option<Spanned<String>>,
    #[serde(default)]
    require_body_hash: bool,
    inbound: Spanned<RawInbound>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInbound {
    signature_method: Spanned<String>,
    consumer_key: Spanned<String>,
    certificate: Option<Spanned<String>>,
    consumer_secret_env: Option<Spanned<String>>,
    token: Option<Spanned<String>>,
    token_secret_env: Option<Spanned<String>>,
    style: Option<Spanned<String>>,
}

/// Reads and checks the configuration at `path`; `env` reads an environment variable (the
/// process's, or a test's).
pub fn load(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BridgeConfig, ConfigError> {
    let bytes = crate::files::read_limited(path, MAX_CONFIG).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: None,
        message: format!("cannot read it: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| ConfigError {
        path: path.to_path_buf(),
        line: None,
        message: "it is not UTF-8 text; save it as UTF-8".into(),
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&text, path, &dir, env)
}

/// Checks the configuration `text`, as if read from `path`; relative paths are under `dir`.
pub fn parse(
    text: &str,
    path: &Path,
    dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BridgeConfig, ConfigError> {
    let at = |span: Range<usize>, message: String| ConfigError {
        path: path.to_path_buf(),
        line: Some(line_of(text, span.start)),
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: crate::text::term(e.message()).into_owned(),
    })?;
    let addr = |s: &Spanned<String>, what: &str| -> Result<SocketAddr, ConfigError> {
        s.get_ref().parse().map_err(|_| {
            at(
                s.span(),
                format!(
                    "{what} {:?} is not an address and port, such as \"127.0.0.1:8080\" or \"[::1]:8080\"",
                    crate::text::term(s.get_ref())
                ),
            )
        })
    };
    let listen = match &raw.listen {
        Some(s) => addr(s, "listen")?,
        None => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let file = |s: &Spanned<String>| dir.join(s.get_ref());
    let tls = raw.tls.as_ref().map(|t| TlsFiles {
        certificate: file(&t.get_ref().certificate),
        key: file(&t.get_ref().key),
    });
    let operations = match &raw.operations {
        Some(o) => Some(addr(&o.listen, "operations listen")?),
        None => None,
    };
    if operations == Some(listen) && listen.port() != 0 {
        let o = raw
            .operations
            .as_ref()
            .map(|o| o.listen.span())
            .unwrap_or(0..0);
        return Err(at(
            o,
            "the operations listener needs an address of its own, not the bridge's".into(),
        ));
    }
    let redis = match raw.state.as_ref().and_then(|s| s.redis.as_ref()) {
        Some(r) => {
            let url = r.get_ref();
            if !(url.starts_with("redis://")
                || url.starts_with("redis+unix://")
                || url.starts_with("unix://"))
            {
                return Err(at(
                    r.span(),
                    "redis must be a redis:// URL (such as \"redis://127.0.0.1:6379/\") or unix:// for a socket".into(),
                ));
            }
            Some(url.clone())
        }
        None => None,
    };
    let limits = limits(raw.limits.as_ref(), &at)?;
    if raw.route.is_empty() {
        return Err(ConfigError {
            path: path.to_path_buf(),
            line: None,
            message: "it has no [[route]]: add one for each API prefix a legacy client calls"
                .into(),
        });
    }
    if raw.route.len() > MAX_ROUTES {
        return Err(at(
            raw.route[MAX_ROUTES].span(),
            format!("more than {MAX_ROUTES} routes; run several bridges"),
        ));
    }
    let mut routes: Vec<Route> = Vec::new();
    for r in &raw.route {
        let route = route(r, dir, env, &at)?;
        if let Some(other) = routes.iter().find(|o| o.prefix == route.prefix) {
            return Err(at(
                r.get_ref().prefix.span(),
                format!(
                    "the prefix {:?} is already the route's on line {}; each prefix has one route",
                    route.prefix, other.line
                ),
            ));
        }
        routes.push(route);
    }
    Ok(BridgeConfig {
        path: path.to_path_buf(),
        listen,
        tls,
        operations,
        redis,
        limits,
        routes,
    })
}

fn limits(
    raw: Option<&RawLimits>,
    at: &dyn Fn(Range<usize>, String) -> ConfigError,
) -> Result<Limits, ConfigError> {
    let mut l = Limits::default();
    let Some(raw) = raw else { return Ok(l) };
    let within = |v: &Option<Spanned<u64>>,
                  name: &str,
                  lo: u64,
                  hi: u64|
     -> Result<Option<u64>, ConfigError> {
        match v {
            Some(s) if (lo..=hi).contains(s.get_ref()) => Ok(Some(*s.get_ref())),
            Some(s) => Err(at(
                s.span(),
                format!("{name} must be between {lo} and {hi}"),
            )),
            None => Ok(None),
        }
    };
    if let Some(v) = within(&raw.max_header_bytes, "max_header_bytes", 8192, 1 << 20)? {
        l.max_header_bytes = v as usize;
    }
    if let Some(v) = within(&raw.max_body_bytes, "max_body_bytes", 0, 1 << 32)? {
        l.max_body_bytes = v;
    }
    if let Some(v) = within(&raw.max_connections, "max_connections", 1, 1 << 20)? {
        l.max_connections = v as usize;
    }
    if let Some(v) = within(
        &raw.timestamp_window_seconds,
        "timestamp_window_seconds",
        1,
        86_400,
    )? {
        l.timestamp_window_secs = v as i64;
    }
    if let Some(v) = within(
        &raw.upstream_timeout_seconds,
        "upstream_timeout_seconds",
        1,
        3600,
    )? {
        l.upstream_timeout_secs = v;
    }
    if let Some(v) = within(
        &raw.header_timeout_seconds,
        "header_timeout_seconds",
        1,
        600,
    )? {
        l.header_timeout_secs = v;
    }
    if let Some(v) = within(
        &raw.shutdown_grace_seconds,
        "shutdown_grace_seconds",
        0,
        3600,
    )? {
        l.shutdown_grace_secs = v;
    }
    Ok(l)
}

fn route(
    r: &Spanned<RawRoute>,
    dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    at: &dyn Fn(Range<usize>, String) -> ConfigError,
) -> Result<Route, ConfigError> {
    let line_at = at(r.span(), String::new()).line.unwrap_or(0);
    let raw = r.get_ref();
    let prefix = raw.prefix.get_ref();
    if !prefix.starts_with('/') || !prefix.ends_with('/') || prefix.contains(['?', '#', ' ']) {
        return Err(at(
            raw.prefix.span(),
            format!(
                "prefix {:?} must be a path that starts and ends with '/', such as \"/api.xro/2.0/\"",
                crate::text::term(prefix)
            ),
        ));
    }
    if raw.profile.get_ref().trim().is_empty() {
        return Err(at(
            raw.profile.span(),
            "profile is empty: name the OAuth 2.0 profile (`oauth1to2 profile list`)".into(),
        ));
    }
    let url_check = |s: &Spanned<String>, what: &str| -> Result<String, ConfigError> {
        let u = s.get_ref().trim_end_matches('/');
        let parsed = oauth2::url::Url::parse(u).map_err(|e| {
            at(
                s.span(),
                format!("{what} {:?} is not a URL: {e}", crate::text::term(u)),
            )
        })?;
        if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
            return Err(at(
                s.span(),
                format!("{what} must be an http(s) URL with a host"),
            ));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() || parsed.path() != "/" {
            return Err(at(
                s.span(),
                format!("{what} is a scheme, host and port only, with no path or query (the request's path is kept)"),
            ));
        }
        Ok(u.to_owned())
    };
    let upstream = match &raw.upstream {
        Some(s) => {
            let u = url_check(s, "upstream")?;
            if let Some(why) = crate::net::insecure_reason(&u) {
                return Err(at(
                    s.span(),
                    format!("upstream {why}: the bearer token may not travel there"),
                ));
            }
            Some(u)
        }
        None => None,
    };
    let public_base_url = match &raw.public_base_url {
        Some(s) => Some(url_check(s, "public_base_url")?),
        None => None,
    };
    let i = raw.inbound.get_ref();
    let method = SignatureMethod::parse(i.signature_method.get_ref())
        .ok()
        .filter(|m| {
            matches!(
                m,
                SignatureMethod::RsaSha1 | SignatureMethod::HmacSha1 | SignatureMethod::HmacSha256
            )
        })
        .ok_or_else(|| {
            at(
                i.signature_method.span(),
                format!(
                    "signature_method {:?} is not one the bridge verifies: RSA-SHA1, HMAC-SHA1 or HMAC-SHA256",
                    crate::text::term(i.signature_method.get_ref())
                ),
            )
        })?;
    if i.consumer_key.get_ref().is_empty() {
        return Err(at(
            i.consumer_key.span(),
            "consumer_key is empty: give the key the legacy client sends".into(),
        ));
    }
    let secret_from = |s: &Spanned<String>, what: &str| -> Result<Password, ConfigError> {
        let name = s.get_ref();
        match env(name) {
            Some(v) if !v.is_empty() => Ok(Password::new(v)),
            _ => Err(at(
                s.span(),
                format!("{what} names the environment variable {name:?}, which is not set: set it to the {} (secrets are never in this file)", what.trim_end_matches("_env").replace('_', " ")),
            )),
        }
    };
    let (mut key, mut certificate, mut consumer_secret, mut token_secret) =
        (None, None, None, None);
    if method == SignatureMethod::RsaSha1 {
        let c = i.certificate.as_ref().ok_or_else(|| {
            at(raw.inbound.span(), "an RSA-SHA1 route needs certificate = \"FILE\": the certificate (or public key) whose private key the legacy client signs with".into())
        })?;
        for (s, name) in [
            (&i.consumer_secret_env, "consumer_secret_env"),
            (&i.token_secret_env, "token_secret_env"),
        ] {
            if let Some(s) = s {
                return Err(at(s.span(), format!("{name} is for HMAC routes; an RSA-SHA1 route is checked with its certificate")));
            }
        }
        let path = dir.join(c.get_ref());
        key = Some(crate::oauth1::RsaVerifier::new(
            public_key(&path).map_err(|m| at(c.span(), m))?,
        ));
        certificate = Some(path);
    } else {
        if let Some(c) = &i.certificate {
            return Err(at(c.span(), "certificate is for RSA-SHA1 routes; an HMAC route is checked with consumer_secret_env".into()));
        }
        let s = i.consumer_secret_env.as_ref().ok_or_else(|| {
            at(raw.inbound.span(), format!("an {} route needs consumer_secret_env = \"VARIABLE\", the environment variable that holds the consumer secret", method.as_str()))
        })?;
        consumer_secret = Some(secret_from(s, "consumer_secret_env")?);
        token_secret = match &i.token_secret_env {
            Some(s) => Some(secret_from(s, "token_secret_env")?),
            None => None,
        };
    }
    let style = match &i.style {
        Some(s) => {
            let known = crate::provider::signing_styles();
            let Some(found) = known.iter().find(|k| k.id == s.get_ref()) else {
                let names: Vec<&str> = known.iter().map(|k| k.id).collect();
                return Err(at(
                    s.span(),
                    format!(
                        "style {:?} is not known: one of {}",
                        crate::text::term(s.get_ref()),
                        names.join(", ")
                    ),
                ));
            };
            if found.method.is_some_and(|m| m != method) {
                return Err(at(
                    i.signature_method.span(),
                    format!(
                        "the {} style signs with {}, not {}",
                        found.id,
                        found.method.map(|m| m.as_str()).unwrap_or(""),
                        method.as_str()
                    ),
                ));
            }
            Some(found.id.to_owned())
        }
        None => None,
    };
    if i.token_secret_env.is_some() && i.token.is_none() {
        return Err(at(i.token_secret_env.as_ref().map(|s| s.span()).unwrap_or(0..0), "token_secret_env is set but token is not: give the token (the oauth_token value) the secret belongs to".into()));
    }
    Ok(Route {
        line: line_at,
        prefix: prefix.clone(),
        profile: raw.profile.get_ref().clone(),
        upstream,
        tenant: raw.tenant.as_ref().map(|t| t.get_ref().clone()),
        public_base_url,
        require_body_hash: raw.require_body_hash,
        inbound: Inbound {
            method,
            consumer_key: i.consumer_key.get_ref().clone(),
            key,
            certificate,
            consumer_secret,
            token_given: i.token.is_some(),
            token: i.token.as_ref().map(|t| t.get_ref().clone()),
            token_secret,
            style,
        },
    })
}

/// The RSA public key in a certificate (PEM, DER) or a bare public key (PEM).
fn public_key(path: &Path) -> Result<rsa::RsaPublicKey, String> {
    let shown = path.display().to_string();
    let bytes = crate::files::read_limited(path, crate::files::MAX_FILE)
        .map_err(|e| format!("cannot read the certificate {shown}: {e}"))?;
    if let Some(key) =
        crate::cert::rsa_public_key_from_pem(&shown, &String::from_utf8_lossy(&bytes))
    {
        return key.map_err(|e| e.to_string());
    }
    let loaded = crate::cert::load_certificates(&shown, &bytes, None).map_err(|e| e.to_string())?;
    crate::cert::rsa_public_key_of_certificate(&shown, &loaded.certificates[0])
        .map_err(|e| e.to_string())
}

/// The line (from 1) of byte `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_is_a_valid_configuration_with_the_documented_defaults() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join("docs/bridge.example.toml")).unwrap();
        let env = |n: &str| Some(format!("value-of-{n}"));
        // Its certificate is the fixture's (docs/ has none).
        let c = parse(
            &text,
            Path::new("bridge.toml"),
            &root.join("fixtures/keys"),
            &env,
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            c.operations.map(|a| a.to_string()).as_deref(),
            Some("127.0.0.1:9090")
        );
        assert_eq!(c.routes.len(), 2);
        assert_eq!(c.routes[0].inbound.method, SignatureMethod::RsaSha1);
        assert_eq!(c.routes[1].inbound.token.as_deref(), Some("reports-token"));
        assert!(c.redis.is_none() && c.tls.is_none());
        // Defaults: loopback 8080, and the limits docs/bridge.md lists.
        let bare = "[[route]]\nprefix = \"/a/\"\nprofile = \"p\"\n[route.inbound]\nsignature_method = \"HMAC-SHA256\"\nconsumer_key = \"k\"\nconsumer_secret_env = \"S\"\n";
        let c = parse(bare, Path::new("b.toml"), root, &env).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(c.operations.is_none());
        let l = c.limits;
        assert_eq!(
            (
                l.max_header_bytes,
                l.max_body_bytes,
                l.max_connections,
                l.timestamp_window_secs
            ),
            (16 << 10, 10 << 20, 1024, 300)
        );
        assert_eq!(
            (
                l.upstream_timeout_secs,
                l.header_timeout_secs,
                l.shutdown_grace_secs
            ),
            (60, 10, 30)
        );
        assert!(!c.routes[0].require_body_hash);
    }
}
