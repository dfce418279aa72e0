//! OAuth 2.0 and OpenID Connect: profiles, endpoints, the authorization code flow with PKCE and
//! a loopback listener, client credentials, id token validation, and a token store whose refresh
//! survives crashes and concurrent processes.
//!
//! The flow follows RFC 6749 (OAuth 2.0), RFC 7636 (PKCE, S256 only), RFC 8252 (native apps:
//! loopback redirect on 127.0.0.1), RFC 7009 (revocation) and OpenID Connect Core (id token
//! checks). Token requests go through the `oauth2` crate, over our own reqwest client
//! ([`http::HttpClient`]): rustls, timeouts, and redirects never followed.

pub mod assertion;
pub mod endpoints;
pub mod flow;
pub mod http;
pub mod idtoken;
pub mod loopback;
pub mod profile;
pub mod store;

use std::path::PathBuf;

/// Everything that can go wrong in the OAuth 2.0 half. Messages never carry a token or secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Oauth2Error {
    /// The config file (profiles) cannot be used.
    #[error("{path}: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong, with the line when known.
        message: String,
    },
    /// A profile was asked for that does not exist.
    #[error("there is no profile named {name:?}")]
    NoProfile {
        /// The name asked for.
        name: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        message: String,
    },
    /// The client secret could not be found where the profile says it is.
    #[error("the client secret for profile {profile:?} is not available: {reason}")]
    Secret {
        /// The profile.
        profile: String,
        /// Why (names the variable or file, never the value).
        reason: String,
    },
    /// The server could not be reached: connection refused, DNS, TLS, timeout.
    #[error("cannot reach {url}: {message}")]
    Network {
        /// The URL.
        url: String,
        /// What happened.
        message: String,
    },
    /// The TLS handshake failed for a common, explainable reason.
    #[error("cannot reach {url} securely: {problem}")]
    Tls {
        /// The URL.
        url: String,
        /// What is wrong, in plain words.
        problem: String,
        /// What to do.
        hint: &'static str,
    },
    /// The server answered with an HTTP error that is not an OAuth error.
    #[error("{url} answered HTTP {status}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Http {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
        /// A short, secret-free summary of the body.
        detail: Option<String>,
    },
    /// The authorization server answered with an OAuth error (`invalid_grant`, ...).
    #[error("{endpoint} refused the request: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    OAuth {
        /// Which endpoint: "the token endpoint", "the revocation endpoint".
        endpoint: String,
        /// The `error` code.
        error: String,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// The server's answer could not be understood.
    #[error("unexpected answer from {url}: {message}")]
    BadResponse {
        /// The URL.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The browser step did not produce a code.
    #[error("{0}")]
    Callback(#[from] loopback::CallbackError),
    /// The id token failed a check.
    #[error("the id token failed validation: {0}")]
    IdToken(String),
    /// No token is stored for the profile.
    #[error("profile {profile:?} has no stored token")]
    NotConnected {
        /// The profile.
        profile: String,
    },
    /// The access token expired and there is no refresh token to renew it.
    #[error("the access token for profile {profile:?} has expired and there is no refresh token")]
    NoRefreshToken {
        /// The profile.
        profile: String,
    },
    /// The OS keyring could not be used.
    #[error("the OS keyring refused the tokens of profile {profile:?}: {message}")]
    Keyring {
        /// The profile.
        profile: String,
        /// What the keyring said (never the entry's contents).
        message: String,
    },
    /// A profile names a provider the registry does not know.
    #[error("provider {name:?} is not one oauth1to2 knows (it knows {known})")]
    UnknownProvider {
        /// The name given.
        name: String,
        /// The names it knows.
        known: String,
    },
    /// A URL that would carry a secret in clear: plain http to a host that is not loopback.
    #[error("{what} {url} is refused: {reason}")]
    Insecure {
        /// Its role: "the issuer URL", "the token endpoint", ...
        what: String,
        /// The URL, without its query.
        url: String,
        /// Why.
        reason: String,
    },
    /// The client assertion key cannot be used.
    #[error("the client assertion key {key}: {message}")]
    Assertion {
        /// The key file.
        key: PathBuf,
        /// What is wrong (never the key).
        message: String,
    },
    /// A setting is wrong (bad URL, unsupported option).
    #[error("{0}")]
    Usage(String),
    /// The profile's provider has no API oauth1to2 knows and the profile names no API base:
    /// its token is sent nowhere rather than to another provider's API.
    #[error("{provider} has no API base that oauth1to2 knows, and the profile sets none; a token is sent only to its own provider's API")]
    NoApiBase {
        /// The provider, as people know it (a generic one by its issuer).
        provider: String,
    },
    /// Another error, with its provider's hint for it (see `crate::provider::Provider::explain`).
    #[error("{error}")]
    Explained {
        /// The error.
        error: Box<Oauth2Error>,
        /// What to do, from the provider's rules.
        hint: String,
    },
}

impl Oauth2Error {
    /// The error with every copy of each secret in `secrets` replaced by `[REDACTED]` in the
    /// text that came from a server (`error_description`, an HTTP error's detail, a bad
    /// answer's summary). A server that echoes the request would otherwise print the client
    /// secret, a refresh token, a code or the PKCE verifier.
    pub fn redacted(self, secrets: &[&str]) -> Oauth2Error {
        let r = |s: String| crate::text::redact(&s, secrets).into_owned();
        match self {
            Oauth2Error::OAuth {
                endpoint,
                error,
                description,
            } => Oauth2Error::OAuth {
                endpoint,
                error: r(error),
                description: description.map(r),
            },
            Oauth2Error::Http {
                url,
                status,
                detail,
            } => Oauth2Error::Http {
                url,
                status,
                detail: detail.map(r),
            },
            Oauth2Error::BadResponse { url, message } => Oauth2Error::BadResponse {
                url,
                message: r(message),
            },
            Oauth2Error::Network { url, message } => Oauth2Error::Network {
                url,
                message: r(message),
            },
            Oauth2Error::Explained { error, hint } => Oauth2Error::Explained {
                error: Box::new(error.redacted(secrets)),
                hint,
            },
            other => other,
        }
    }

    /// The error itself, without a provider's hint around it.
    pub fn inner(&self) -> &Oauth2Error {
        match self {
            Oauth2Error::Explained { error, .. } => error.inner(),
            other => other,
        }
    }

    /// What the user should do about it.
    pub fn hint(&self) -> String {
        match self {
            Oauth2Error::Config { .. } => "fix the file at the line shown, or remove the profile with `oauth1to2 profile remove NAME` and connect again".into(),
            Oauth2Error::NoProfile { .. } => "list the profiles there are, or create this one by connecting it with the app's client id".into(),
            Oauth2Error::Io { .. } => "check the path and its permissions".into(),
            Oauth2Error::Secret { .. } => "set the variable or create the file named above, or give the secret another way (another variable or file, or typed at a prompt)".into(),
            Oauth2Error::Network { .. } => "check the network and the URL; nothing was changed".into(),
            Oauth2Error::Tls { hint, .. } => (*hint).into(),
            Oauth2Error::Http { status: 401, .. } => "the access token was refused: run `oauth1to2 token refresh`, or connect again".into(),
            Oauth2Error::Http { status: 403, .. } => "the token lacks a scope this call needs, or the tenant is wrong: check `oauth1to2 token show` and `oauth1to2 tenants list`".into(),
            Oauth2Error::Http { status: 429, .. } => "the provider limits how many calls an app may make: wait and retry".into(),
            Oauth2Error::Http { .. } => "the server reported an error; retry later if it is a 5xx".into(),
            Oauth2Error::OAuth { error, .. } => oauth_error_hint(error).into(),
            Oauth2Error::BadResponse { .. } => "check that the URL points at an OAuth 2.0 / OpenID provider".into(),
            Oauth2Error::Callback(e) => e.hint().into(),
            Oauth2Error::IdToken(_) => "the answer did not come from the provider you configured, or was replayed: do not use it; check the issuer URL and the client id, then connect again".into(),
            Oauth2Error::NotConnected { profile } => format!("connect profile {profile} first"),
            Oauth2Error::NoRefreshToken { profile } => format!("ask for the offline_access scope to get refresh tokens, or connect profile {profile} again"),
            Oauth2Error::Keyring { profile, .. } => format!("keep profile {profile}'s tokens in a 0600 file instead, the file store (on Linux the keyring is the kernel's, which is emptied at reboot)"),
            Oauth2Error::UnknownProvider { .. } => "name one of the providers listed, or use a generic OpenID provider by its issuer URL".into(),
            Oauth2Error::Insecure { .. } => "use the provider's https:// address; plain http is accepted only for a loopback address (127.0.0.1, [::1], localhost), such as a local test server".into(),
            Oauth2Error::Usage(_) => "correct the setting named above".into(),
            Oauth2Error::NoApiBase { .. } => "give the profile its provider's API base: connect it again with one, or set `api_base` in its section of the config file".into(),
            Oauth2Error::Assertion { .. } => "give the private key whose certificate or public key the provider holds, in PEM, and the algorithm that fits it (PS256 for RSA, ES256 for P-256)".into(),
            Oauth2Error::Explained { hint, .. } => hint.clone(),
        }
    }
}

/// What an OAuth error code from a token or revocation endpoint means for the user.
pub fn oauth_error_hint(code: &str) -> &'static str {
    match code {
        "invalid_grant" => "the refresh token (or code) is no longer valid: it was used already (refresh tokens that rotate work once), it expired, or the grant was revoked. Connect the profile again to get a new grant",
        "invalid_client" => "the client id or secret is wrong, or the app type does not match the grant (a PKCE app has no secret; a Web app needs one): check them in the developer portal",
        "unauthorized_client" => "this app may not use this grant or scope: check the grant types and scopes allowed in the app's registration",
        "invalid_scope" => "a requested scope is unknown or not allowed for this app: check the scopes allowed in the app's registration",
        "unsupported_grant_type" => "the provider does not allow this grant for the app",
        "invalid_request" => "the provider rejected the request as malformed: check the redirect URI registered for the app",
        "access_denied" => "the user declined the request",
        _ => "see the provider's error description",
    }
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    t.saturating_add(test_clock_offset())
}

/// A test-only hook, compiled into debug builds only: `OAUTH1TO2_TEST_CLOCK_OFFSET=SECS` moves
/// this process's clock, so a test can present a real provider's real id token as expired.
#[cfg(debug_assertions)]
fn test_clock_offset() -> i64 {
    std::env::var("OAUTH1TO2_TEST_CLOCK_OFFSET")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[cfg(not(debug_assertions))]
fn test_clock_offset() -> i64 {
    0
}
