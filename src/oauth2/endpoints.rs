//! Where the authorization server's endpoints are: built in for Xero, or found by OpenID
//! discovery (`/.well-known/openid-configuration`) for any other issuer. Discovery documents are
//! cached for a day: Xero has blocked clients that fetched its discovery document repeatedly.

use serde::{Deserialize, Serialize};
use std::path::Path;

use super::http::HttpClient;
use super::Oauth2Error;

/// How long a cached discovery document is used.
pub const DISCOVERY_TTL_SECS: i64 = 24 * 3600;

/// An authorization server's endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// The issuer (`iss` of id tokens).
    pub issuer: String,
    /// The authorization endpoint (the browser goes here).
    pub authorization_endpoint: String,
    /// The token endpoint.
    pub token_endpoint: String,
    /// The revocation endpoint (RFC 7009), if the server has one.
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    /// The JWKS with the id token signing keys.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// The userinfo endpoint.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
}

impl Endpoints {
    /// Refuses any endpoint that is plain http to a host that is not loopback: the token
    /// endpoint gets the client secret and refresh tokens, the others codes and tokens, and
    /// the JWKS decides which id tokens are believed.
    pub fn check_secure(&self) -> Result<(), Oauth2Error> {
        use super::http::require_secure;
        require_secure("the issuer", &self.issuer)?;
        require_secure("the authorization endpoint", &self.authorization_endpoint)?;
        require_secure("the token endpoint", &self.token_endpoint)?;
        for (what, u) in [
            ("the revocation endpoint", &self.revocation_endpoint),
            ("the JWKS URI", &self.jwks_uri),
            ("the userinfo endpoint", &self.userinfo_endpoint),
        ] {
            if let Some(u) = u {
                require_secure(what, u)?;
            }
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct Cached {
    fetched_at: i64,
    endpoints: Endpoints,
}

/// Fetches (or reads from the cache) the discovery document of `issuer`.
pub fn discover(
    issuer: &str,
    http: &HttpClient,
    cache_dir: &Path,
    now: i64,
) -> Result<Endpoints, Oauth2Error> {
    let issuer = issuer.trim_end_matches('/');
    super::http::require_secure("the issuer", issuer)?;
    let cache_file = cache_dir.join(format!("discovery-{}.json", cache_key(issuer)));
    // A cached document that another user could have written is not believed: it names the
    // token endpoint the client secret goes to.
    let trusted = crate::files::writable_by_others(&cache_file).is_none();
    if let Some(bytes) = trusted
        .then(|| crate::files::read_limited(&cache_file, crate::files::MAX_FILE).ok())
        .flatten()
    {
        if let Ok(c) = serde_json::from_slice::<Cached>(&bytes) {
            if now.saturating_sub(c.fetched_at) < DISCOVERY_TTL_SECS
                && c.endpoints.issuer == issuer
                && c.endpoints.check_secure().is_ok()
            {
                return Ok(c.endpoints);
            }
        }
    }
    let url = format!("{issuer}/.well-known/openid-configuration");
    let doc = http.get_json(&url)?;
    let endpoints = read_discovery(&doc, issuer).map_err(|message| Oauth2Error::BadResponse {
        url: url.clone(),
        message,
    })?;
    // A plain-http endpoint is refused as every such URL is (exit 2), naming it.
    endpoints.check_secure()?;
    let cached = Cached {
        fetched_at: now,
        endpoints: endpoints.clone(),
    };
    // The cache is an optimisation: failing to write it is not an error.
    if crate::files::create_private_dir(cache_dir).is_ok() {
        let _ = crate::files::write_atomic(
            &cache_file,
            &serde_json::to_vec_pretty(&cached).unwrap_or_default(),
            crate::files::Visibility::Private,
            true,
        );
    }
    Ok(endpoints)
}

/// Reads the fields we need from a discovery document, checks its issuer, and that every
/// endpoint is https (or loopback).
pub fn parse_discovery(doc: &serde_json::Value, issuer: &str) -> Result<Endpoints, String> {
    let e = read_discovery(doc, issuer)?;
    e.check_secure().map_err(|e| e.to_string())?;
    Ok(e)
}

/// Reads the fields we need from a discovery document and checks its issuer.
fn read_discovery(doc: &serde_json::Value, issuer: &str) -> Result<Endpoints, String> {
    let field = |k: &str| doc.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let doc_issuer = field("issuer").ok_or("no \"issuer\" in the discovery document")?;
    // OpenID Connect Discovery 1.0 section 4.3: the issuer must match exactly.
    if doc_issuer.trim_end_matches('/') != issuer {
        return Err(format!(
            "the document is for issuer {doc_issuer:?}, not {issuer:?}"
        ));
    }
    let need = |k: &str| field(k).ok_or(format!("no {k:?} in the discovery document"));
    let e = Endpoints {
        issuer: doc_issuer,
        authorization_endpoint: need("authorization_endpoint")?,
        token_endpoint: need("token_endpoint")?,
        revocation_endpoint: field("revocation_endpoint"),
        jwks_uri: field("jwks_uri"),
        userinfo_endpoint: field("userinfo_endpoint"),
    };
    Ok(e)
}

fn cache_key(issuer: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(issuer.as_bytes())[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_must_name_the_same_issuer() {
        let doc = serde_json::json!({
            "issuer": "https://id.example",
            "authorization_endpoint": "https://id.example/auth",
            "token_endpoint": "https://id.example/token",
        });
        let e = parse_discovery(&doc, "https://id.example").unwrap();
        assert_eq!(e.token_endpoint, "https://id.example/token");
        assert_eq!(e.revocation_endpoint, None);
        assert!(parse_discovery(&doc, "https://evil.example").is_err());
    }

    #[test]
    fn discovery_naming_a_plain_http_endpoint_is_refused() {
        for field in [
            "authorization_endpoint",
            "token_endpoint",
            "revocation_endpoint",
            "jwks_uri",
            "userinfo_endpoint",
        ] {
            let mut doc = serde_json::json!({
                "issuer": "https://id.example",
                "authorization_endpoint": "https://id.example/auth",
                "token_endpoint": "https://id.example/token",
            });
            doc[field] = serde_json::json!("http://id.example/x");
            let err = parse_discovery(&doc, "https://id.example").unwrap_err();
            assert!(err.contains("http://id.example/x"), "{field}: {err}");
            // The same document on a loopback host is a local test server: allowed.
            doc[field] = serde_json::json!("http://127.0.0.1:9/x");
            assert!(
                parse_discovery(&doc, "https://id.example").is_ok(),
                "{field}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_file_others_can_write_is_not_believed() {
        use std::os::unix::fs::PermissionsExt;
        let http = HttpClient::new(Default::default(), None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        // Port 1 on loopback refuses at once: a fetch is a Network error, a cache hit is Ok.
        let issuer = "https://127.0.0.1:1";
        let evil = Endpoints {
            issuer: issuer.into(),
            authorization_endpoint: "https://evil.example/auth".into(),
            token_endpoint: "https://evil.example/token".into(),
            revocation_endpoint: None,
            jwks_uri: None,
            userinfo_endpoint: None,
        };
        let file = dir
            .path()
            .join(format!("discovery-{}.json", cache_key(issuer)));
        let doc = serde_json::to_vec(&Cached {
            fetched_at: 100,
            endpoints: evil.clone(),
        })
        .unwrap();
        std::fs::write(&file, &doc).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        // Control: the same file, private, is a cache hit.
        assert_eq!(discover(issuer, &http, dir.path(), 200).unwrap(), evil);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        let err = discover(issuer, &http, dir.path(), 200).unwrap_err();
        assert!(matches!(err, Oauth2Error::Network { .. }), "{err}");
    }

    #[test]
    fn a_plain_http_issuer_is_refused_before_any_request() {
        let http = HttpClient::new(Default::default(), None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let err = discover("http://idp.example.com", &http, dir.path(), 0).unwrap_err();
        assert!(matches!(err, Oauth2Error::Insecure { .. }), "{err}");
        assert!(err.to_string().contains("http://idp.example.com"));
    }
}
