//! Xero's OAuth 1.0a endpoints: how they reported problems, and what each problem meant for
//! the person holding the integration.
//!
//! Sources: developer.xero.com/documentation/auth-and-limits/oauth-issues, and how xeroizer's
//! `http_response.rb` read the same answers.

pub use crate::oauth1::problem::OAuthProblem;
use crate::oauth1::style::{SigningStyle, TokenSource};
use crate::oauth1::SignatureMethod;

/// A private app: one organisation, RSA-SHA1, `oauth_token` = the consumer key, and
/// `oauth_version=1.0` (developer.xero.com/documentation/auth-and-limits/private-applications).
pub static PRIVATE: SigningStyle = SigningStyle {
    id: "xero-private",
    about: "oauth_token = consumer key, RSA-SHA1, oauth_version=1.0",
    method: Some(SignatureMethod::RsaSha1),
    method_refused: "Xero private and partner apps sign with RSA-SHA1 only",
    token: TokenSource::ConsumerKey,
    realm: None,
    read_error: None,
    problem_hints: problem_hint,
};

/// A partner app: RSA-SHA1, a 30-minute token renewed with its session handle.
pub static PARTNER: SigningStyle = SigningStyle {
    id: "xero-partner",
    about: "oauth_token from a token file (30-minute tokens, renewed with their session handle), RSA-SHA1",
    method: Some(SignatureMethod::RsaSha1),
    method_refused: "Xero private and partner apps sign with RSA-SHA1 only",
    token: TokenSource::RenewedFile,
    realm: None,
    read_error: None,
    problem_hints: problem_hint,
};

/// Reads an OAuth 1.0a problem report from a response body, with Xero's meaning of its code.
pub fn parse_oauth_problem(body: &str) -> Option<OAuthProblem> {
    crate::oauth1::problem::parse(body, problem_hint)
}

/// What an `oauth_problem` code means, in the consultant's terms.
pub fn problem_hint(code: &str) -> &'static str {
    match code {
        "signature_invalid" => "Xero could not verify the signature: either the private key does not belong to the certificate uploaded to the app (check the pair with `oauth1to2 cert check`, given the key), or the base string was built differently (check a captured request with `oauth1to2 oauth1 verify`)",
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
        assert!(p.hint.contains("cert check`, given the key"));
        let p = parse_oauth_problem("oauth_problem=rate%20limit%20exceeded&oauth_problem_advice=please%20wait%20before%20retrying%20the%20xero%20api").unwrap();
        assert!(p.hint.contains("60 calls a minute"));
        assert!(parse_oauth_problem("{\"Status\":\"OK\"}").is_none());
    }
}
