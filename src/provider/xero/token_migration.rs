//! Xero's partner apps: moving many OAuth 1.0a access tokens to OAuth 2.0 with `POST /oauth/migrate`,
//! one organisation at a time, without asking any of them to consent again.
//!
//! Each call is signed RSA-SHA1 with the partner app's key and the organisation's current
//! OAuth 1.0a token; a token older than its 30 minutes is renewed first (and the batch file
//! rewritten before the new token is used). Every outcome is appended to a results file at once
//! (the whole file rewritten atomically, mode 0600: it holds the new OAuth 2.0 tokens), so a
//! crash loses nothing and a re-run skips the organisations already migrated.

use serde::{Deserialize, Serialize};
use std::path::Path;

use super::partner::{PartnerToken, RenewError};
use crate::files::{write_atomic, Visibility};
use crate::migrate::batch::{batch_error, BatchError};
use crate::oauth1::{self, SignatureMethod, Signer};

/// Xero's token migration endpoint.
pub const MIGRATE_URL: &str = "https://api.xero.com/oauth/migrate";

/// One organisation's OAuth 1.0a token in the batch file.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchEntry {
    /// A name for reports (the organisation's, or any unique label).
    pub label: String,
    /// `ORGANISATION` or `PRACTICE`, sent as `?tenantType=` when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_type: Option<String>,
    /// The token.
    #[serde(flatten)]
    pub token: PartnerToken,
}

impl std::fmt::Debug for BatchEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchEntry")
            .field("label", &self.label)
            .field("token", &self.token)
            .finish()
    }
}

/// Reads the batch file: a JSON array of entries.
pub fn load_batch(path: &Path) -> Result<Vec<BatchEntry>, BatchError> {
    let text = crate::files::read_text_limited(path, crate::files::MAX_FILE)
        .map_err(|e| batch_error(path, e.to_string()))?;
    let entries: Vec<BatchEntry> = serde_json::from_str(&text).map_err(|e| {
        batch_error(
            path,
            format!(
                "not a partner token batch (JSON error at line {}, column {}); it is an array of {{\"label\", \"oauth_token\", \"oauth_session_handle\", \"expires_at\"}}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let mut seen = std::collections::BTreeSet::new();
    for e in &entries {
        if !seen.insert(e.label.as_str()) {
            return Err(batch_error(
                path,
                format!(
                    "the label {:?} appears twice; labels must be unique",
                    e.label
                ),
            ));
        }
    }
    Ok(entries)
}

/// Writes the batch file back atomically (0600): after a renewal, the old token is dead.
pub fn save_batch(path: &Path, entries: &[BatchEntry]) -> Result<(), BatchError> {
    let mut bytes =
        serde_json::to_vec_pretty(entries).map_err(|e| batch_error(path, e.to_string()))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes, Visibility::Private, true)
        .map_err(|e| batch_error(path, e.to_string()))
}

/// What happened to one organisation.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationResult {
    /// The batch entry's label.
    pub label: String,
    /// `migrated` or `failed`.
    pub status: String,
    /// When (RFC 3339).
    pub at: String,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The organisation's tenant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xero_tenant_id: Option<String>,
    /// The new OAuth 2.0 access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// The new OAuth 2.0 refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When the access token expires (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for MigrationResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MigrationResult")
            .field("label", &self.label)
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("xero_tenant_id", &self.xero_tenant_id)
            .finish_non_exhaustive()
    }
}

/// Reads the results so far (JSON Lines); none when the file does not exist.
pub fn load_results(path: &Path) -> Result<Vec<MigrationResult>, BatchError> {
    let text = match crate::files::read_text_limited(path, crate::files::MAX_FILE) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(batch_error(path, e.to_string())),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|_| batch_error(path, format!("line {} is not a result", i + 1)))
        })
        .collect()
}

/// Appends one result: the whole file is rewritten atomically, so it is never half-written.
pub fn append_result(
    path: &Path,
    results: &mut Vec<MigrationResult>,
    result: MigrationResult,
) -> Result<(), BatchError> {
    results.push(result);
    let mut text = String::new();
    for r in results.iter() {
        text.push_str(&serde_json::to_string(r).map_err(|e| batch_error(path, e.to_string()))?);
        text.push('\n');
    }
    write_atomic(path, text.as_bytes(), Visibility::Private, true)
        .map_err(|e| batch_error(path, e.to_string()))
}

/// The new app's credentials and scopes for the migrate call's body.
pub struct MigrateRequest<'a> {
    /// Scopes, space-separated; must include `offline_access`.
    pub scope: &'a str,
    /// The new app's client id.
    pub client_id: &'a str,
    /// Its secret.
    pub client_secret: &'a str,
}

/// The OAuth 2.0 tokens Xero answers with.
#[derive(Clone, Deserialize)]
pub struct MigratedTokens {
    /// Access token.
    pub access_token: String,
    /// Refresh token.
    pub refresh_token: Option<String>,
    /// Lifetime; Xero sends it as a string ("1800").
    #[serde(default, deserialize_with = "crate::oauth2::flow::number_or_string")]
    pub expires_in: Option<u64>,
    /// The organisation.
    pub xero_tenant_id: Option<String>,
}

/// Why one migrate call failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The network failed.
    #[error("cannot reach {url}: {reason}")]
    Network {
        /// The URL (no query).
        url: String,
        /// Why.
        reason: String,
    },
    /// Xero refused or failed.
    #[error("HTTP {status}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// Status.
        status: u16,
        /// `oauth_problem` or a short, secret-free summary.
        detail: Option<String>,
    },
    /// The answer was not tokens.
    #[error("the answer was not a token set")]
    BadAnswer,
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] crate::oauth1::Error),
    /// Renewing the OAuth 1.0a token first failed.
    #[error("renewing the OAuth 1.0a token failed: {0}")]
    Renew(#[from] RenewError),
}

impl MigrateError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            MigrateError::Network { .. } => {
                "check the network; run the batch again to retry".into()
            }
            MigrateError::Refused { .. } => {
                "see the reason; run the batch again to retry the failed organisations".into()
            }
            MigrateError::BadAnswer => {
                "the provider answered without tokens; run the batch again to retry".into()
            }
            MigrateError::Sign(e) => e.hint(),
            MigrateError::Renew(e) => e.hint(),
        }
    }
}

/// Calls `POST url` for one token: RSA-SHA1 over the method, the URL (with `tenantType`) and
/// the OAuth parameters; the JSON body is not signed (it is not a form).
pub fn migrate_one(
    http: &reqwest::blocking::Client,
    url: &str,
    consumer_key: &str,
    key: &crate::cert::PrivateKey,
    entry: &BatchEntry,
    request: &MigrateRequest<'_>,
    now: i64,
) -> Result<MigratedTokens, MigrateError> {
    let url = match &entry.tenant_type {
        Some(t) => format!("{url}?tenantType={t}"),
        None => url.to_owned(),
    };
    let mut oauth = oauth1::ProtocolParams {
        consumer_key,
        token: Some(&entry.token.oauth_token),
        method: SignatureMethod::RsaSha1,
        timestamp: u64::try_from(now).unwrap_or(0),
        nonce: None,
        version: true,
        extra: &[],
    }
    .build();
    let base = oauth1::base_string("POST", &url, &[], &oauth)?;
    let sig = oauth1::sign_base_string(SignatureMethod::RsaSha1, &base, &Signer::Rsa(key))?;
    oauth.push(("oauth_signature".into(), sig));
    let body = serde_json::json!({
        "scope": request.scope,
        "client_id": request.client_id,
        "client_secret": request.client_secret,
    });
    let body = zeroize::Zeroizing::new(body.to_string());
    let resp = http
        .post(&url)
        .header("Authorization", oauth1::authorization_header(None, &oauth))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(body.as_bytes().to_vec())
        .send()
        .map_err(|e| MigrateError::Network {
            url: url.split('?').next().unwrap_or(&url).to_owned(),
            reason: crate::oauth2::http::describe(&e),
        })?;
    let status = resp.status().as_u16();
    let text = crate::oauth2::http::read_body(resp, crate::oauth2::http::MAX_IDENTITY_BODY)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|reason| MigrateError::Network {
            url: url.split('?').next().unwrap_or(&url).to_owned(),
            reason,
        })?;
    if !(200..300).contains(&status) {
        let detail = super::oauth1::parse_oauth_problem(&text)
            .map(|p| p.code)
            .or_else(|| {
                serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| {
                        v.get("Detail")
                            .or_else(|| v.get("Title"))
                            .or_else(|| v.get("error"))
                            .and_then(|d| d.as_str())
                            .map(|d| d.chars().take(120).collect())
                    })
            });
        return Err(MigrateError::Refused { status, detail });
    }
    serde_json::from_str(&text).map_err(|_| MigrateError::BadAnswer)
}
