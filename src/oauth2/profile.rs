//! Profiles: one OAuth 2.0 client each, kept in `config.toml` under the platform's config folder
//! (`$XDG_CONFIG_HOME/oauth1to2/` on Linux, via the `directories` crate). Tokens live in the data
//! folder, one file per profile. `OAUTH1TO2_HOME` puts everything under one folder instead
//! (for tests, and for consultants who keep one folder per client).
//!
//! A profile never holds a secret value: the client secret is a reference to an environment
//! variable or a 0600 file.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::store::Backend;
use super::Oauth2Error;
use crate::files::{write_atomic, Visibility};

/// Where oauth1to2 keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    /// `config.toml` with the profiles.
    pub config_file: PathBuf,
    /// One `NAME.json` token file (and `NAME.lock`) per profile.
    pub tokens_dir: PathBuf,
    /// Client secrets stored by `--client-secret-prompt`, one 0600 file per profile.
    pub secrets_dir: PathBuf,
    /// Cached OpenID discovery documents.
    pub cache_dir: PathBuf,
}

impl Paths {
    /// The platform folders, or `OAUTH1TO2_HOME` when it is set.
    pub fn resolve() -> Result<Paths, Oauth2Error> {
        if let Some(home) = std::env::var_os("OAUTH1TO2_HOME").filter(|h| !h.is_empty()) {
            return Ok(Paths::under(Path::new(&home)));
        }
        let dirs = directories::ProjectDirs::from("", "", "oauth1to2").ok_or_else(|| {
            Oauth2Error::Usage(
                "cannot find a home folder for the config file; set OAUTH1TO2_HOME".into(),
            )
        })?;
        Ok(Paths {
            config_file: dirs.config_dir().join("config.toml"),
            tokens_dir: dirs.data_dir().join("tokens"),
            secrets_dir: dirs.data_dir().join("secrets"),
            cache_dir: dirs.cache_dir().to_path_buf(),
        })
    }

    /// Everything under one folder.
    pub fn under(home: &Path) -> Paths {
        Paths {
            config_file: home.join("config.toml"),
            tokens_dir: home.join("tokens"),
            secrets_dir: home.join("secrets"),
            cache_dir: home.join("cache"),
        }
    }

    /// The token file of a profile.
    pub fn token_file(&self, profile: &str) -> PathBuf {
        self.tokens_dir.join(format!("{profile}.json"))
    }
}

/// Which provider a profile is for: a name the provider registry knows
/// (`crate::provider::REGISTRY`), resolved when the profile is used. Empty: the registry's
/// first entry, as in a config written before profiles named their provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProviderId(String);

impl ProviderId {
    /// The provider named `id`.
    pub fn new(id: impl Into<String>) -> ProviderId {
        ProviderId(id.into())
    }

    /// The name, as profiles store it (empty for the default).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether no provider was named (the registry's first entry applies).
    pub fn is_default(&self) -> bool {
        self.0.is_empty()
    }
}

/// The OAuth 2.0 grant a profile uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// Authorization code for a confidential client (Xero "Web app"): client secret + PKCE.
    AuthorizationCode,
    /// Authorization code for a public client (Xero "Auth code with PKCE"): no secret.
    #[default]
    Pkce,
    /// Client credentials (a Xero Custom Connection): no browser, no refresh token.
    ClientCredentials,
    /// The JWT bearer grant (RFC 7523 section 2.1): a JWT signed by the app's key, naming the
    /// user the token acts for, is the grant itself; no browser, no secret, no refresh token
    /// (a new assertion is signed instead).
    JwtBearer,
}

impl Grant {
    /// The name used in the config file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::Pkce => "pkce",
            Grant::ClientCredentials => "client_credentials",
            Grant::JwtBearer => "jwt_bearer",
        }
    }

    /// Whether the grant needs a client secret (or a client assertion key instead).
    pub fn needs_secret(self) -> bool {
        matches!(self, Grant::AuthorizationCode | Grant::ClientCredentials)
    }

    /// Whether a person signs in through a browser (and a redirect URI is registered).
    pub fn uses_browser(self) -> bool {
        matches!(self, Grant::AuthorizationCode | Grant::Pkce)
    }

    /// Whether a new token is had without a person and without a refresh token: one more
    /// request with the app's own credentials (client credentials, a newly signed assertion).
    pub fn renews_by_request(self) -> bool {
        matches!(self, Grant::ClientCredentials | Grant::JwtBearer)
    }
}

/// Where the client secret is. Never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretRef {
    /// An environment variable.
    Env(String),
    /// The first line of a file.
    File(PathBuf),
}

impl SecretRef {
    /// Reads the secret.
    pub fn read(&self, profile: &str) -> Result<crate::secret::Password, Oauth2Error> {
        let fail = |reason: String| Oauth2Error::Secret {
            profile: profile.to_owned(),
            reason,
        };
        match self {
            SecretRef::Env(var) => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => Ok(crate::secret::Password::new(v)),
                _ => Err(fail(format!("the environment variable {var} is not set"))),
            },
            SecretRef::File(path) => {
                let text = crate::files::read_text_limited(path, crate::files::MAX_SECRET_FILE)
                    .map(zeroize::Zeroizing::new)
                    .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
                let first = text.lines().next().unwrap_or("").trim().to_owned();
                if first.is_empty() {
                    return Err(fail(format!("{} is empty", path.display())));
                }
                Ok(crate::secret::Password::new(first))
            }
        }
    }

    /// How `profile show` describes it.
    pub fn describe(&self) -> String {
        match self {
            SecretRef::Env(v) => format!("environment variable {v}"),
            SecretRef::File(p) => format!("file {}", p.display()),
        }
    }
}

/// Where a new profile's endpoints are and how its redirect looks, when not the defaults
/// (`connect` and `migrate` take them from the command line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// A provider with built-in endpoints, by the name profiles store.
    pub provider: Option<ProviderId>,
    /// The account, for a provider whose endpoints are per account.
    pub account: Option<String>,
    /// The token endpoint, instead of the provider's.
    pub token_endpoint: Option<String>,
    /// An OpenID provider, found by discovery, instead of the default provider.
    pub issuer: Option<String>,
    /// The API base for tenant and API calls.
    pub api_base: Option<String>,
    /// Whose API the API base serves, for an OpenID provider that stands in for one.
    pub api: Option<ProviderId>,
    /// A CA certificate (PEM) to trust as well.
    pub ca_file: Option<PathBuf>,
    /// The loopback port of the redirect URI (0: any free port).
    pub port: Option<u16>,
    /// The host of the redirect URI.
    pub redirect_host: Option<String>,
    /// The login URL, for a provider with several login hosts (production, sandbox, a custom
    /// domain): its endpoints are there, and a JWT bearer assertion is addressed to it.
    pub login_url: Option<String>,
}

impl Overrides {
    /// Sets what was given on `p`. An issuer does not change the provider here:
    /// `crate::provider::apply_overrides` makes it the one found by discovery.
    pub fn apply(&self, p: &mut Profile) {
        if let Some(i) = &self.issuer {
            p.issuer = Some(i.trim_end_matches('/').to_owned());
        }
        if let Some(k) = &self.provider {
            p.provider = k.clone();
        }
        if let Some(a) = &self.account {
            p.account = Some(a.trim().to_owned());
        }
        if let Some(t) = &self.token_endpoint {
            p.token_endpoint = Some(t.clone());
        }
        if let Some(b) = &self.api_base {
            p.api_base = Some(b.trim_end_matches('/').to_owned());
        }
        if let Some(a) = &self.api {
            p.api = Some(a.clone());
        }
        if let Some(c) = &self.ca_file {
            p.ca_file = Some(std::path::absolute(c).unwrap_or_else(|_| c.clone()));
        }
        if let Some(port) = self.port {
            p.redirect_port = port;
        }
        if let Some(h) = &self.redirect_host {
            p.redirect_host = h.clone();
        }
        if let Some(u) = &self.login_url {
            p.login_url = Some(u.trim().trim_end_matches('/').to_owned());
        }
    }

    /// The redirect URI a new profile with these overrides would register (for instructions:
    /// port 0 shows as `<any port>`).
    pub fn redirect_uri_shown(&self) -> String {
        let mut p = Profile::new("");
        self.apply(&mut p);
        match p.redirect_port {
            0 => format!("http://{}:<any port>/callback", p.redirect_host),
            port => p.redirect_uri(port),
        }
    }
}

/// One OAuth 2.0 client and how to use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The provider, by the name the registry knows it by.
    #[serde(default, skip_serializing_if = "ProviderId::is_default")]
    pub provider: ProviderId,
    /// The issuer URL, for `oidc` (discovery runs against it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The account, for a provider whose endpoints are per account (NetSuite's account id, in
    /// the provider's stored spelling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The login URL, for a provider with several login hosts (see
    /// `crate::provider::LoginModel`); `None`: the provider's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
    /// The token endpoint, when not the provider's own (tests, a proxy). A client assertion's
    /// `aud` is this URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// The client id.
    pub client_id: String,
    /// The user a JWT bearer grant acts for (the assertion's `sub`: Salesforce's username).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Where the client secret is (none for PKCE apps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<SecretRef>,
    /// Requested scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The grant.
    #[serde(default)]
    pub grant: Grant,
    /// Loopback redirect port; 0 picks a free port (only where the provider allows any port).
    #[serde(default = "default_port")]
    pub redirect_port: u16,
    /// Loopback redirect host as registered: `localhost` (Xero's documented form) or `127.0.0.1`.
    /// The listener binds 127.0.0.1 either way.
    #[serde(default = "default_host")]
    pub redirect_host: String,
    /// The tenant (organisation) chosen with `tenants use`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// The API base, when not the provider's own (tests, proxies); see `provider::api_base`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_base: Option<String>,
    /// Whose API the API base serves, when the profile's identity server is a generic OpenID
    /// provider standing in for a known provider's (a staging or test server): that
    /// provider's tenants and scope catalogue apply. `None`: the profile's own provider's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<ProviderId>,
    /// An extra CA certificate (PEM) to trust for this profile's endpoints, e.g. a TLS-inspecting
    /// proxy's. The system's roots stay trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Where the tokens are kept: `file` (default) or `keyring`.
    #[serde(default, skip_serializing_if = "Backend::is_file")]
    pub token_store: Backend,
    /// Client credentials with a signed JWT assertion (`private_key_jwt`) instead of a secret:
    /// where the key is and how the provider names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<super::assertion::AssertionRef>,
}

/// The default loopback port. Register `http://localhost:8742/callback` on the Xero app.
pub const DEFAULT_PORT: u16 = 8742;

fn default_port() -> u16 {
    DEFAULT_PORT
}

fn default_host() -> String {
    "localhost".into()
}

impl Profile {
    /// A new profile with defaults.
    pub fn new(client_id: impl Into<String>) -> Profile {
        Profile {
            provider: ProviderId::default(),
            issuer: None,
            account: None,
            login_url: None,
            token_endpoint: None,
            client_id: client_id.into(),
            username: None,
            client_secret: None,
            scopes: Vec::new(),
            grant: Grant::Pkce,
            redirect_port: DEFAULT_PORT,
            redirect_host: default_host(),
            tenant_id: None,
            api_base: None,
            api: None,
            ca_file: None,
            token_store: Backend::File,
            assertion: None,
        }
    }

    /// The redirect URI to register (for a fixed port).
    pub fn redirect_uri(&self, port: u16) -> String {
        format!("http://{}:{port}/callback", self.redirect_host)
    }

    /// Whether the scopes include `offline_access` (refresh tokens).
    pub fn wants_refresh(&self) -> bool {
        self.scopes.iter().any(|s| s == "offline_access")
    }

    /// Whether an id token is expected.
    pub fn wants_openid(&self) -> bool {
        self.scopes.iter().any(|s| s == "openid")
    }

    /// Checks the combination of settings.
    pub fn validate(&self, name: &str) -> Result<(), Oauth2Error> {
        let bad = |m: String| Oauth2Error::Usage(format!("profile {name:?}: {m}"));
        if self.client_id.trim().is_empty() {
            return Err(bad("the client id is empty".into()));
        }
        if self.grant.needs_secret() && self.client_secret.is_none() && self.assertion.is_none() {
            return Err(bad(format!(
                "the {} grant needs a client secret (from an environment variable, a file or a prompt) or a client assertion key",
                self.grant.as_str()
            )));
        }
        if self.grant == Grant::JwtBearer {
            if self.assertion.is_none() {
                return Err(bad(
                    "the jwt_bearer grant needs the key that signs its assertions".into(),
                ));
            }
            if self.username.as_deref().is_none_or(|u| u.trim().is_empty()) {
                return Err(bad("the jwt_bearer grant needs the username the token acts for (the assertion's sub)".into()));
            }
        }
        if self.grant != Grant::JwtBearer && self.username.is_some() {
            return Err(bad(format!(
                "a username is for the jwt_bearer grant, and this profile uses {}",
                self.grant.as_str()
            )));
        }
        if let Some(i) = &self.issuer {
            super::http::require_secure("the issuer URL", i)?;
        }
        if let Some(u) = &self.login_url {
            // The login URL gets the signed assertions.
            super::http::require_secure("the login URL", u)?;
        }
        if let Some(b) = &self.api_base {
            // The API base gets the bearer token on every call.
            super::http::require_secure("the API base", b)?;
        }
        if let Some(t) = &self.token_endpoint {
            // The token endpoint gets the client's credentials.
            super::http::require_secure("the profile's token endpoint", t)?;
        }
        if self.redirect_host != "localhost" && self.redirect_host != "127.0.0.1" {
            return Err(bad(format!(
                "redirect host {:?} is not a loopback name; use localhost or 127.0.0.1",
                self.redirect_host
            )));
        }
        Ok(())
    }
}

/// Checks a profile name: it becomes a file name.
pub fn check_name(name: &str) -> Result<(), Oauth2Error> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(Oauth2Error::Usage(format!(
            "profile name {name:?} is not allowed: use letters, digits, '-', '_' and '.', up to 64 characters"
        )))
    }
}

/// The config file: all profiles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

impl Config {
    /// Reads the config file; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Config, Oauth2Error> {
        // The config names the issuer and where the client secret is: whoever can rewrite it
        // can send the secret elsewhere.
        if let Some(why) = crate::files::writable_by_others(path) {
            return Err(Oauth2Error::Config {
                path: path.to_path_buf(),
                message: format!("refusing to read the config file: {why}; run `chmod 600` on it (and `chmod 700` on its folder), and check its profiles before using them"),
            });
        }
        let text = match crate::files::read_text_limited(path, crate::files::MAX_FILE) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => {
                return Err(Oauth2Error::Io {
                    path: path.to_path_buf(),
                    message: format!("cannot read the config file: {e}"),
                })
            }
        };
        Config::parse(&text).map_err(|message| Oauth2Error::Config {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses config text; the error names the line.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            match line {
                Some(l) => format!("line {l}: {}", e.message()),
                None => e.message().to_owned(),
            }
        })
    }

    /// Writes the config file atomically (0600: it names where secrets are).
    pub fn save(&self, path: &Path) -> Result<(), Oauth2Error> {
        let io = |message: String| Oauth2Error::Io {
            path: path.to_path_buf(),
            message,
        };
        if let Some(dir) = path.parent() {
            crate::files::create_private_dir(dir).map_err(|e| io(e.to_string()))?;
        }
        let mut text = String::from(
            "# oauth1to2 profiles. Edited by `oauth1to2 connect`, `tenants use` and `profile remove`.\n\
             # No secret values live here: client_secret names an environment variable or a file.\n\n",
        );
        text.push_str(&toml::to_string_pretty(self).map_err(|e| io(e.to_string()))?);
        write_atomic(path, text.as_bytes(), Visibility::Private, true)
            .map_err(|e| io(e.to_string()))
    }

    /// Changes the config file: under an exclusive lock (`config.lock` beside it), it is read
    /// afresh, `change` is applied, and it is saved, so two processes changing it at once (two
    /// `connect`s, one of them after a long browser wait) never lose each other's profile.
    pub fn update<T>(
        path: &Path,
        change: impl FnOnce(&mut Config) -> Result<T, Oauth2Error>,
    ) -> Result<T, Oauth2Error> {
        let lock_path = path.with_file_name("config.lock");
        let _lock = crate::files::lock_exclusive(&lock_path, std::time::Duration::from_secs(30))
            .map_err(|e| Oauth2Error::Io {
                path: lock_path.clone(),
                message: format!("cannot lock the config file: {e}"),
            })?;
        let mut config = Config::load(path)?;
        let out = change(&mut config)?;
        config.save(path)?;
        Ok(out)
    }

    /// A profile by name.
    pub fn get(&self, name: &str) -> Result<&Profile, Oauth2Error> {
        self.profiles
            .get(name)
            .ok_or_else(|| Oauth2Error::NoProfile {
                name: name.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_line_numbers() {
        let mut c = Config::default();
        let mut p = Profile::new("ABC");
        p.client_secret = Some(SecretRef::Env("XERO_SECRET".into()));
        p.grant = Grant::AuthorizationCode;
        p.scopes = vec!["openid".into(), "offline_access".into()];
        c.profiles.insert("acme".into(), p);
        let text = toml::to_string_pretty(&c).unwrap();
        assert!(text.contains("env = \"XERO_SECRET\""));
        assert_eq!(Config::parse(&text).unwrap(), c);
        let err =
            Config::parse("[profiles.a]\nclient_id = \"x\"\ngrant = \"implicit\"\n").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
    }

    #[test]
    fn names_that_would_escape_the_folder_are_refused() {
        assert!(check_name("acme-ltd_2").is_ok());
        for bad in ["", "../x", "a/b", ".hidden", "a b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
