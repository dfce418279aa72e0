//! Facts about Xero that the other modules need: how its OAuth 1.0a endpoints reported
//! problems, and what each problem meant for the person holding the integration.
//!
//! Sources: developer.xero.com/documentation/auth-and-limits/oauth-issues, and how xeroizer's
//! `http_response.rb` read the same answers.

use serde::Serialize;

pub mod api;
pub mod connections;
pub mod partner;

/// The API base (the provider entry holds it).
pub use crate::provider::xero::API_BASE;

/// An `oauth_problem=...&oauth_problem_advice=...` answer, with what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthProblem {
    /// The `oauth_problem` code, e.g. `signature_invalid`.
    pub code: String,
    /// Xero's `oauth_problem_advice`, if it sent one.
    pub advice: Option<String>,
    /// What it means and what to do.
    pub hint: String,
}

/// Reads an OAuth 1.0a problem report from a response body (form-encoded, as Xero sent it).
pub fn parse_oauth_problem(body: &str) -> Option<OAuthProblem> {
    let pairs = crate::oauth1::parse_urlencoded(body.trim());
    let code = pairs.iter().find(|(k, _)| k == "oauth_problem")?.1.clone();
    let advice = pairs
        .iter()
        .find(|(k, _)| k == "oauth_problem_advice")
        .map(|(_, v)| v.clone());
    Some(OAuthProblem {
        hint: problem_hint(&code).to_owned(),
        code,
        advice,
    })
}

/// What an `oauth_problem` code means, in the consultant's terms.
pub fn problem_hint(code: &str) -> &'static str {
    match code {
        "signature_invalid" => "Xero could not verify the signature: either the private key does not belong to the certificate uploaded to the app (check with `oauth1to2 cert check --key KEY CERT`), or the base string was built differently (check a captured request with `oauth1to2 oauth1 verify`)",
        "signature_method_rejected" => "private and partner apps had to sign with RSA-SHA1; HMAC-SHA1 was for public apps only",
        "token_rejected" => "the oauth_token is unknown: for a private app it must equal the consumer key; for a partner app the access token is wrong or was revoked",
        "token_expired" => "partner app access tokens lived 30 minutes: renew with the session handle (POST /oauth/AccessToken) and retry",
        "nonce_used" => "this oauth_nonce was used before: every request needs a fresh random nonce",
        "timestamp_refused" => "oauth_timestamp is too far from Xero's clock: fix the signing machine's clock (NTP)",
        "consumer_key_unknown" => "Xero does not know this consumer key: the app was deleted, or the key is mistyped",
        "consumer_key_rejected" => "the consumer key may not do this: for example a private app asking for a request token (private apps skip the three-legged flow)",
        "rate limit exceeded" => "Xero's rate limit was hit (60 calls a minute, 5,000 a day per organisation); wait before retrying, and spread calls out",
        "organisation offline" => "the organisation is temporarily unavailable (Xero maintenance); retry later",
        _ => "an OAuth problem Xero did not document; check the app's settings in the developer portal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xero_problem_bodies_are_read() {
        let p = parse_oauth_problem("oauth_problem=signature_invalid&oauth_problem_advice=Failed%20to%20validate%20signature").unwrap();
        assert_eq!(p.code, "signature_invalid");
        assert_eq!(p.advice.as_deref(), Some("Failed to validate signature"));
        assert!(p.hint.contains("cert check --key"));
        let p = parse_oauth_problem("oauth_problem=rate%20limit%20exceeded&oauth_problem_advice=please%20wait%20before%20retrying%20the%20xero%20api").unwrap();
        assert!(p.hint.contains("60 calls a minute"));
        assert!(parse_oauth_problem("{\"Status\":\"OK\"}").is_none());
    }
}
