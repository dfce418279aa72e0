//! JWT client assertions (RFC 7523, `private_key_jwt`): a client authenticates at the token
//! endpoint with a short JWT signed by its private key instead of a secret. The provider holds
//! the public key (an uploaded certificate, a registered JWKS) under a key id (`kid`; NetSuite's
//! Certificate ID).
//!
//! Claims: `iss` = `sub` = the client id, `aud` = the token endpoint, a random `jti`, `iat`, and
//! `exp` at most a few minutes later; a provider may want more (NetSuite: `scope` inside the
//! JWT). Signing is aws-lc-rs: RSASSA-PSS (PS256/384/512), ECDSA with the fixed-size signature
//! JWS wants (ES256/384/512), and RSASSA-PKCS1-v1_5 (RS256) for providers that still take it.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, RsaKeyPair};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use super::Oauth2Error;

/// A JWS signature algorithm for client assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssertionAlg {
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// ECDSA P-384 with SHA-384.
    ES384,
    /// ECDSA P-521 with SHA-512.
    ES512,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (refused by NetSuite since March 2025).
    RS256,
}

impl AssertionAlg {
    /// The JWS `alg` name.
    pub fn as_str(self) -> &'static str {
        match self {
            AssertionAlg::PS256 => "PS256",
            AssertionAlg::PS384 => "PS384",
            AssertionAlg::PS512 => "PS512",
            AssertionAlg::ES256 => "ES256",
            AssertionAlg::ES384 => "ES384",
            AssertionAlg::ES512 => "ES512",
            AssertionAlg::RS256 => "RS256",
        }
    }

    /// Every algorithm, for parsing and listing.
    pub const ALL: [AssertionAlg; 7] = [
        AssertionAlg::PS256,
        AssertionAlg::PS384,
        AssertionAlg::PS512,
        AssertionAlg::ES256,
        AssertionAlg::ES384,
        AssertionAlg::ES512,
        AssertionAlg::RS256,
    ];

    /// The algorithm a JWS `alg` name names.
    pub fn parse(name: &str) -> Option<AssertionAlg> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    fn is_rsa(self) -> bool {
        matches!(
            self,
            AssertionAlg::PS256 | AssertionAlg::PS384 | AssertionAlg::PS512 | AssertionAlg::RS256
        )
    }
}

/// Where a profile's assertion key is, and how it is named to the provider. Never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssertionRef {
    /// The private key file (PEM: PKCS#8, or PKCS#1 for RSA, or SEC1 for EC).
    pub key: PathBuf,
    /// The key id the provider knows the public key by (`kid`).
    pub kid: String,
    /// The signature algorithm.
    pub alg: AssertionAlg,
    /// Also send the certificate's SHA-256 thumbprint (`x5t#S256`), as Entra wants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x5t_s256: Option<String>,
}

/// What a provider wants of a client assertion beyond RFC 7523. The provider entry holds it;
/// the generic flow follows it.
#[derive(Debug, Clone, Copy)]
pub struct AssertionPolicy {
    /// Who the policy is for, in messages.
    pub who: &'static str,
    /// Put the requested scopes into the JWT as `scope`, joined by this separator, and leave
    /// them out of the request body (NetSuite: a comma).
    pub scope_in_jwt: Option<&'static str>,
    /// Algorithms the provider refuses, each with why.
    pub refused: &'static [(AssertionAlg, &'static str)],
    /// The algorithm an RSA key signs with when none is named.
    pub rsa: AssertionAlg,
    /// What to use instead of a refused algorithm, for the message.
    pub instead: &'static str,
}

impl AssertionPolicy {
    /// RFC 7523 as written: scopes in the request body, every algorithm.
    pub const RFC7523: AssertionPolicy = AssertionPolicy {
        who: "the provider",
        scope_in_jwt: None,
        refused: &[],
        rsa: AssertionAlg::PS256,
        instead: "use PS256 with an RSA key or ES256 with an EC P-256 key",
    };

    /// Refuses an algorithm the provider does not take, before anything is signed or sent.
    pub fn check(&self, alg: AssertionAlg) -> Result<(), Oauth2Error> {
        match self.refused.iter().find(|(a, _)| *a == alg) {
            Some((_, why)) => Err(Oauth2Error::Usage(format!(
                "{} refuses {} assertions: {why}; {}",
                self.who,
                alg.as_str(),
                self.instead
            ))),
            None => Ok(()),
        }
    }
}

/// Where a JWT bearer grant's assertion is addressed (`aud`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The token endpoint's URL (RFC 7523 section 3 allows it).
    TokenEndpoint,
    /// The login URL the profile names, else the provider's default (Salesforce).
    LoginUrl,
}

/// What a provider wants of a JWT bearer grant's assertion (RFC 7523 section 2.1), where the
/// signed JWT is the grant itself and names the user the token acts for.
#[derive(Debug, Clone, Copy)]
pub struct BearerPolicy {
    /// Where it is addressed.
    pub audience: Audience,
    /// Seconds from now to `exp`.
    pub lifetime: i64,
    /// The longest `exp` ahead the provider takes; a larger lifetime is refused before signing.
    pub max_lifetime: i64,
    /// Only `iss`, `sub`, `aud` and `exp` in the claims and only `alg` in the header (the
    /// provider documents no others); else also `iat`, a random `jti`, `typ` and `kid`.
    pub registered_only: bool,
}

impl BearerPolicy {
    /// RFC 7523 as written: addressed to the token endpoint, five minutes, with `iat` and
    /// `jti`.
    pub const RFC7523: BearerPolicy = BearerPolicy {
        audience: Audience::TokenEndpoint,
        lifetime: LIFETIME,
        max_lifetime: LIFETIME,
        registered_only: false,
    };
}

/// What a JWT bearer grant's assertion says.
#[derive(Debug, Clone)]
pub struct BearerClaims<'a> {
    /// The client id (`iss`).
    pub issuer: &'a str,
    /// The user the token is for (`sub`).
    pub subject: &'a str,
    /// `aud`.
    pub audience: &'a str,
    /// Now, Unix seconds.
    pub now: i64,
}

/// Makes the signed assertion of a JWT bearer grant as `policy` wants it; `kid` goes in the
/// header only where the policy allows more than `alg` and one is known.
pub fn make_bearer(
    key: &AssertionKey,
    kid: Option<&str>,
    policy: &BearerPolicy,
    claims: &BearerClaims<'_>,
) -> Result<String, Oauth2Error> {
    if policy.lifetime <= 0 || policy.lifetime > policy.max_lifetime {
        return Err(Oauth2Error::Usage(format!(
            "a JWT bearer assertion may live at most {} s here, and {} s was asked",
            policy.max_lifetime, policy.lifetime
        )));
    }
    let exp = claims.now.saturating_add(policy.lifetime);
    let (header, payload) = if policy.registered_only {
        (
            serde_json::json!({"alg": key.alg.as_str()}),
            serde_json::json!({
                "iss": claims.issuer,
                "sub": claims.subject,
                "aud": claims.audience,
                "exp": exp,
            }),
        )
    } else {
        let mut header = serde_json::json!({"alg": key.alg.as_str(), "typ": "JWT"});
        if let Some(k) = kid.filter(|k| !k.is_empty()) {
            header["kid"] = k.into();
        }
        let jti: [u8; 16] = rand::random();
        (
            header,
            serde_json::json!({
                "iss": claims.issuer,
                "sub": claims.subject,
                "aud": claims.audience,
                "jti": hex::encode(jti),
                "iat": claims.now,
                "exp": exp,
            }),
        )
    };
    sign_jws(key, &header, &payload)
}

enum KeyPair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A loaded signing key. Its `Debug` shows nothing of the key.
pub struct AssertionKey {
    pair: KeyPair,
    alg: AssertionAlg,
}

impl std::fmt::Debug for AssertionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssertionKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

fn key_error(path: &Path, message: impl Into<String>) -> Oauth2Error {
    Oauth2Error::Assertion {
        key: path.to_path_buf(),
        message: message.into(),
    }
}

impl AssertionKey {
    /// Reads the key for `alg` from a PEM file (read up to 16 MiB, never echoed).
    pub fn load(path: &Path, alg: AssertionAlg) -> Result<AssertionKey, Oauth2Error> {
        let bytes = zeroize::Zeroizing::new(
            crate::files::read_limited(path, crate::files::MAX_FILE)
                .map_err(|e| key_error(path, format!("cannot read it: {e}")))?,
        );
        Self::from_pem(path, &bytes, alg)
    }

    /// Reads a key and picks its algorithm: PS256 for RSA, ES256, ES384 or ES512 for an EC key
    /// on P-256, P-384 or P-521.
    pub fn load_any(path: &Path) -> Result<AssertionKey, Oauth2Error> {
        Self::load_for(path, AssertionAlg::PS256)
    }

    /// Reads a key and picks its algorithm: `rsa` for an RSA key (a provider's choice, see
    /// [`AssertionPolicy::rsa`]), ES256, ES384 or ES512 for an EC key by its curve.
    pub fn load_for(path: &Path, rsa: AssertionAlg) -> Result<AssertionKey, Oauth2Error> {
        let bytes = zeroize::Zeroizing::new(
            crate::files::read_limited(path, crate::files::MAX_FILE)
                .map_err(|e| key_error(path, format!("cannot read it: {e}")))?,
        );
        for alg in [
            rsa,
            AssertionAlg::ES256,
            AssertionAlg::ES384,
            AssertionAlg::ES512,
        ] {
            if let Ok(k) = Self::from_pem(path, &bytes, alg) {
                return Ok(k);
            }
        }
        Err(key_error(
            path,
            "it is not an RSA private key, nor an EC private key on P-256, P-384 or P-521 (PEM)",
        ))
    }

    /// The algorithm this key signs with.
    pub fn alg(&self) -> AssertionAlg {
        self.alg
    }

    /// Reads the key for `alg` from PEM bytes; `path` only names it in errors.
    pub fn from_pem(
        path: &Path,
        bytes: &[u8],
        alg: AssertionAlg,
    ) -> Result<AssertionKey, Oauth2Error> {
        let text = String::from_utf8_lossy(bytes);
        let block = pem::parse(text.as_bytes())
            .map_err(|_| key_error(path, "it is not a PEM private key"))?;
        let der = zeroize::Zeroizing::new(block.contents().to_vec());
        let pair = match (alg.is_rsa(), block.tag()) {
            (true, "PRIVATE KEY") => RsaKeyPair::from_pkcs8(&der).map(KeyPair::Rsa),
            (true, "RSA PRIVATE KEY") => RsaKeyPair::from_der(&der).map(KeyPair::Rsa),
            (false, "PRIVATE KEY") => {
                EcdsaKeyPair::from_pkcs8(ec_signing(alg), &der).map(KeyPair::Ec)
            }
            (false, "EC PRIVATE KEY") => {
                EcdsaKeyPair::from_private_key_der(ec_signing(alg), &der).map(KeyPair::Ec)
            }
            (_, tag) => {
                return Err(key_error(
                    path,
                    format!("a {tag} block is not a private key for {}", alg.as_str()),
                ))
            }
        }
        .map_err(|_| {
            key_error(
                path,
                format!(
                    "the key does not fit {}: {}",
                    alg.as_str(),
                    if alg.is_rsa() {
                        "PS256/384/512 and RS256 need an RSA key"
                    } else {
                        "ES256 needs a P-256 key, ES384 a P-384 key, ES512 a P-521 key"
                    }
                ),
            )
        })?;
        Ok(AssertionKey { pair, alg })
    }
}

fn ec_signing(alg: AssertionAlg) -> &'static signature::EcdsaSigningAlgorithm {
    match alg {
        AssertionAlg::ES384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        AssertionAlg::ES512 => &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
        _ => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
    }
}

/// What the assertion says.
#[derive(Debug, Clone)]
pub struct Claims<'a> {
    /// The client id (`iss` and `sub`).
    pub client_id: &'a str,
    /// The token endpoint (`aud`).
    pub audience: &'a str,
    /// `scope`, when the provider reads it from the JWT.
    pub scope: Option<&'a str>,
    /// Now, Unix seconds (`iat`).
    pub now: i64,
    /// Seconds until `exp`.
    pub lifetime: i64,
}

/// The default lifetime of an assertion: five minutes.
pub const LIFETIME: i64 = 300;

/// Makes a signed assertion.
pub fn make(
    key: &AssertionKey,
    kid: &str,
    x5t_s256: Option<&str>,
    claims: &Claims<'_>,
) -> Result<String, Oauth2Error> {
    let mut header = serde_json::json!({"alg": key.alg.as_str(), "typ": "JWT", "kid": kid});
    if let Some(t) = x5t_s256 {
        header["x5t#S256"] = t.into();
    }
    let jti: [u8; 16] = rand::random();
    let mut payload = serde_json::json!({
        "iss": claims.client_id,
        "sub": claims.client_id,
        "aud": claims.audience,
        "jti": hex::encode(jti),
        "iat": claims.now,
        "exp": claims.now.saturating_add(claims.lifetime),
    });
    if let Some(s) = claims.scope {
        payload["scope"] = s.into();
    }
    sign_jws(key, &header, &payload)
}

/// A compact JWS of `payload` with `header`, signed by `key`.
fn sign_jws(
    key: &AssertionKey,
    header: &serde_json::Value,
    payload: &serde_json::Value,
) -> Result<String, Oauth2Error> {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let rng = SystemRandom::new();
    let failed = |_| Oauth2Error::Usage("the assertion key could not sign".into());
    let sig = match &key.pair {
        KeyPair::Rsa(k) => {
            let padding: &dyn signature::RsaEncoding = match key.alg {
                AssertionAlg::PS384 => &signature::RSA_PSS_SHA384,
                AssertionAlg::PS512 => &signature::RSA_PSS_SHA512,
                AssertionAlg::RS256 => &signature::RSA_PKCS1_SHA256,
                _ => &signature::RSA_PSS_SHA256,
            };
            let mut out = vec![0u8; k.public_modulus_len()];
            k.sign(padding, &rng, signing_input.as_bytes(), &mut out)
                .map_err(failed)?;
            out
        }
        KeyPair::Ec(k) => k
            .sign(&rng, signing_input.as_bytes())
            .map_err(failed)?
            .as_ref()
            .to_vec(),
    };
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}

/// The `client_assertion_type` of RFC 7523.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
