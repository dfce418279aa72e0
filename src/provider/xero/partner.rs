//! Xero partner apps' OAuth 1.0a access tokens: 30 minutes long, renewed with the session handle
//! at `POST https://api.xero.com/oauth/AccessToken`, and kept in a token file that is rewritten
//! atomically (0600) after every renewal, so a crash never loses the new token.

use serde::{Deserialize, Serialize};
use std::path::Path;

use crate::files::{write_atomic, Visibility, WriteError};

/// Xero's token-renewal endpoint for partner apps.
pub const ACCESS_TOKEN_URL: &str = "https://api.xero.com/oauth/AccessToken";

/// A partner app's access token, as kept in the token file.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerToken {
    /// `oauth_token`.
    pub oauth_token: String,
    /// `oauth_token_secret` (unused by RSA-SHA1, kept because Xero returns it).
    #[serde(default)]
    pub oauth_token_secret: String,
    /// `oauth_session_handle`, needed to renew.
    pub oauth_session_handle: String,
    /// When the access token expires, Unix seconds.
    pub expires_at: i64,
    /// When the session handle stops renewing, Unix seconds, if Xero said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_expires_at: Option<i64>,
}

impl std::fmt::Debug for PartnerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnerToken")
            .field("oauth_token", &"[REDACTED]")
            .field("oauth_token_secret", &"[REDACTED]")
            .field("oauth_session_handle", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Why a token file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The file could not be read.
    #[error("cannot read the token file {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file is not a token file.
    #[error("{path} is not a partner token file: {reason}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong (never the token itself).
        reason: String,
    },
    /// Xero's renewal answer lacked something.
    #[error("the AccessToken answer has no {field}")]
    Answer {
        /// The missing field.
        field: &'static str,
    },
    /// Writing the renewed token failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl TokenError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            TokenError::Read { .. } | TokenError::Format { .. } => {
                "a token file is JSON with oauth_token, oauth_session_handle and expires_at".into()
            }
            TokenError::Answer { .. } => {
                "the answer was not a token; the old token file is untouched".into()
            }
            TokenError::Write(e) => e.hint(),
        }
    }
}

impl PartnerToken {
    /// Whether the token expires within `margin` seconds of `now`.
    pub fn expires_within(&self, now: i64, margin: i64) -> bool {
        self.expires_at - now <= margin
    }

    /// Reads a token file.
    pub fn load(path: &Path) -> Result<PartnerToken, TokenError> {
        let p = path.display().to_string();
        let text = crate::files::read_text_limited(path, crate::files::MAX_SECRET_FILE)
            .map(zeroize::Zeroizing::new)
            .map_err(|e| TokenError::Read {
                path: p.clone(),
                reason: e.to_string(),
            })?;
        serde_json::from_str(&text).map_err(|e| TokenError::Format {
            path: p,
            // serde_json's message names the field and position, never the value.
            reason: format!(
                "{} (line {}, column {})",
                classify(&e),
                e.line(),
                e.column()
            ),
        })
    }

    /// Replaces the token file atomically, mode 0600.
    pub fn save(&self, path: &Path) -> Result<(), TokenError> {
        let json = zeroize::Zeroizing::new(serde_json::to_vec_pretty(self).unwrap_or_default());
        write_atomic(path, &json, Visibility::Private, true)?;
        Ok(())
    }

    /// Reads Xero's renewal answer (`oauth_token=...&oauth_token_secret=...&oauth_expires_in=1800
    /// &oauth_session_handle=...&oauth_authorization_expires_in=...`).
    pub fn from_renewal(body: &str, now: i64) -> Result<PartnerToken, TokenError> {
        let pairs = crate::oauth1::parse_urlencoded(body.trim());
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let expires_in: i64 = get("oauth_expires_in")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1800);
        Ok(PartnerToken {
            oauth_token: get("oauth_token").ok_or(TokenError::Answer {
                field: "oauth_token",
            })?,
            oauth_token_secret: get("oauth_token_secret").unwrap_or_default(),
            oauth_session_handle: get("oauth_session_handle").ok_or(TokenError::Answer {
                field: "oauth_session_handle",
            })?,
            expires_at: now + expires_in,
            authorization_expires_at: get("oauth_authorization_expires_in")
                .and_then(|v| v.parse::<i64>().ok())
                .map(|s| now + s),
        })
    }
}

fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "not valid JSON",
        serde_json::error::Category::Data => "a field is missing or has the wrong type (it needs oauth_token, oauth_session_handle and expires_at)",
        serde_json::error::Category::Io => "could not be read",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_answers_become_tokens_and_debug_redacts() {
        let t = PartnerToken::from_renewal(
            "oauth_token=NEWTOKEN&oauth_token_secret=S&oauth_expires_in=1800&oauth_session_handle=H2&oauth_authorization_expires_in=31536000",
            1000,
        )
        .unwrap();
        assert_eq!(t.oauth_token, "NEWTOKEN");
        assert_eq!(t.expires_at, 2800);
        assert!(t.expires_within(2790, 60));
        assert!(!format!("{t:?}").contains("NEWTOKEN"));
        assert!(PartnerToken::from_renewal("oauth_problem=token_rejected", 0).is_err());
    }

    #[test]
    fn token_files_round_trip_at_0600() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("partner-token.json");
        let t = PartnerToken::from_renewal("oauth_token=A&oauth_session_handle=B", 0).unwrap();
        t.save(&p).unwrap();
        t.save(&p).unwrap();
        assert_eq!(PartnerToken::load(&p).unwrap(), t);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        std::fs::write(&p, "{\"oauth_token\": \"SECRETVALUE\"}").unwrap();
        let e = PartnerToken::load(&p).unwrap_err().to_string();
        assert!(e.contains("missing") && !e.contains("SECRETVALUE"), "{e}");
    }
}

/// Why a renewal failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenewError {
    /// Xero could not be reached.
    #[error("cannot reach {url}: {reason}")]
    Network {
        /// The AccessToken URL.
        url: String,
        /// What happened.
        reason: String,
    },
    /// Xero refused the renewal.
    #[error("the renewal was refused (HTTP {status}){}", problem.as_ref().map(|p| format!(": oauth_problem={}", p.code)).unwrap_or_default())]
    Refused {
        /// HTTP status.
        status: u16,
        /// Xero's problem report, if any.
        problem: Option<super::oauth1::OAuthProblem>,
    },
    /// The answer or the token file was unusable.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] crate::oauth1::Error),
}

impl RenewError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            RenewError::Network { .. } => "check the network; the old token file is untouched".into(),
            RenewError::Refused { problem: Some(p), .. } => p.hint.clone(),
            RenewError::Refused { .. } => "the session handle may have expired (Xero kept them for a year); the organisation must authorise the app again".into(),
            RenewError::Token(e) => e.hint(),
            RenewError::Sign(e) => e.hint(),
        }
    }
}

/// Renews a partner token: `POST url` signed RSA-SHA1 with the current token and the session
/// handle. Returns the new token; the caller saves it before using it.
pub fn renew(
    http: &reqwest::blocking::Client,
    url: &str,
    consumer_key: &str,
    key: &crate::cert::PrivateKey,
    token: &PartnerToken,
    now: i64,
) -> Result<PartnerToken, RenewError> {
    use crate::oauth1::{self, SignatureMethod, Signer};
    let mut oauth = oauth1::ProtocolParams {
        consumer_key,
        token: Some(&token.oauth_token),
        method: SignatureMethod::RsaSha1,
        timestamp: u64::try_from(now).unwrap_or(0),
        nonce: None,
        version: true,
        extra: &[("oauth_session_handle", &token.oauth_session_handle)],
    }
    .build();
    let base = oauth1::base_string("POST", url, &[], &oauth)?;
    let sig = oauth1::sign_base_string(SignatureMethod::RsaSha1, &base, &Signer::Rsa(key))?;
    oauth.push(("oauth_signature".into(), sig));
    let resp = http
        .post(url)
        .header("Authorization", oauth1::authorization_header(None, &oauth))
        .send()
        .map_err(|e| RenewError::Network {
            url: url.into(),
            reason: if e.is_timeout() {
                "timed out".into()
            } else if e.is_connect() {
                "could not connect".into()
            } else {
                e.to_string()
            },
        })?;
    let status = resp.status().as_u16();
    let body = crate::oauth2::http::read_body(resp, crate::oauth2::http::MAX_IDENTITY_BODY)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|reason| RenewError::Network {
            url: url.into(),
            reason,
        })?;
    if !(200..300).contains(&status) {
        return Err(RenewError::Refused {
            status,
            problem: super::oauth1::parse_oauth_problem(&body),
        });
    }
    Ok(PartnerToken::from_renewal(&body, now)?)
}
