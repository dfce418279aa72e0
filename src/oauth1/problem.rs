//! OAuth 1.0a problem reports: `oauth_problem=...&oauth_problem_advice=...`, in an answer's body
//! or its `WWW-Authenticate` header, as the OAuth Problem Reporting extension
//! (wiki.oauth.net/w/page/12238543/ProblemReporting) defines them. What a code means at one
//! provider is that provider's to say; [`generic_hint`] says what the extension says.

use serde::Serialize;

/// An `oauth_problem=...&oauth_problem_advice=...` answer, with what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthProblem {
    /// The `oauth_problem` code, e.g. `signature_invalid`.
    pub code: String,
    /// The server's `oauth_problem_advice`, if it sent one.
    pub advice: Option<String>,
    /// What it means and what to do.
    pub hint: String,
}

/// What a problem code means at a provider.
pub type ProblemHints = fn(&str) -> &'static str;

/// Reads a problem report from a form-encoded text; `hints` says what each code means.
pub fn parse(text: &str, hints: ProblemHints) -> Option<OAuthProblem> {
    let pairs = crate::form::parse_urlencoded(text.trim());
    let code = pairs.iter().find(|(k, _)| k == "oauth_problem")?.1.clone();
    let advice = pairs
        .iter()
        .find(|(k, _)| k == "oauth_problem_advice")
        .map(|(_, v)| v.clone());
    Some(OAuthProblem {
        hint: hints(&code).to_owned(),
        code,
        advice,
    })
}

/// What the extension's codes mean, for a provider that says no more.
pub fn generic_hint(code: &str) -> &'static str {
    match code {
        "version_rejected" => "the server does not take this oauth_version",
        "parameter_absent" => "a required oauth_ parameter is missing (oauth_parameters_absent names it)",
        "parameter_rejected" => "the server refused an oauth_ parameter it did not expect",
        "timestamp_refused" => "oauth_timestamp is too far from the server's clock: fix the signing machine's clock (NTP)",
        "nonce_used" => "this oauth_nonce was used before: every request needs a fresh random nonce",
        "signature_method_rejected" => "the server does not take this signature method",
        "signature_invalid" => "the server could not verify the signature: the key or secrets differ from the ones it holds, or the base string was built differently",
        "consumer_key_unknown" => "the server does not know this consumer key",
        "consumer_key_rejected" => "the server will not take this consumer key (permanently; for example the app was blocked)",
        "consumer_key_refused" => "the server will not take this consumer key for now (for example it is throttling the app): wait, then retry",
        "token_used" => "the token was already used",
        "token_expired" => "the token has expired: renew it or authorize again",
        "token_revoked" => "the token was revoked: authorize again",
        "token_rejected" => "the server does not take this token",
        "additional_authorization_required" => "the token lacks a permission this call needs",
        "permission_unknown" | "permission_denied" => "the user has not granted the permission this call needs",
        "user_refused" => "the user refused to authorize the app",
        _ => "an OAuth problem the extension does not define; the provider's documentation says what it means",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_is_read_with_its_advice_and_the_given_hints() {
        let p = parse(
            "oauth_problem=nonce_used&oauth_problem_advice=seen%20before",
            generic_hint,
        )
        .unwrap();
        assert_eq!(p.code, "nonce_used");
        assert_eq!(p.advice.as_deref(), Some("seen before"));
        assert!(p.hint.contains("fresh random nonce"), "{}", p.hint);
        assert!(parse("{\"Status\":\"OK\"}", generic_hint).is_none());
    }
}
