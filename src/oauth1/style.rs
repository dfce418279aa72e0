//! Signing styles: how one kind of legacy app signs its OAuth 1.0a requests where its provider
//! fixes it (the method, where `oauth_token` comes from, the realm), and how that provider's
//! answers are read. Providers list theirs (`crate::provider::Provider::signing_styles`);
//! [`GENERIC`] leaves every choice to the caller.

use super::problem::{self, ProblemHints};
use super::send::ErrorReader;
use super::SignatureMethod;

/// How one kind of app signs.
#[derive(Debug)]
pub struct SigningStyle {
    /// Its name for `--as` (`xero-private`, `netsuite`, `generic`).
    pub id: &'static str,
    /// What it is, in a few words (for help).
    pub about: &'static str,
    /// The one method it signs with; `None` when the caller chooses.
    pub method: Option<SignatureMethod>,
    /// Why another method is refused (when `method` is fixed).
    pub method_refused: &'static str,
    /// Where `oauth_token` comes from.
    pub token: TokenSource,
    /// The realm, from the account, checked against the URL's host: `(account, url)` gives the
    /// realm, or why not and what to do. `None`: the realm is the caller's.
    pub realm: Option<RealmFrom>,
    /// Reads the service's own error answers, where it has them.
    pub read_error: Option<ErrorReader>,
    /// What each `oauth_problem` code means there.
    pub problem_hints: ProblemHints,
}

/// Makes the realm from an account for a URL: the realm, or `(why not, what to do)`.
pub type RealmFrom = fn(&str, &str) -> Result<String, (String, String)>;

/// Where a style's `oauth_token` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// The consumer key itself (an app for one organisation, with no token dance).
    ConsumerKey,
    /// A token file whose short-lived token is renewed with its session handle.
    RenewedFile,
    /// Given by the caller; `required` when the style cannot sign without one, and `what` says
    /// what it is called there.
    Given {
        /// Whether it must be given.
        required: bool,
        /// Its name at the provider ("the token id").
        what: &'static str,
    },
}

/// Any OAuth 1.0a provider: the method, the token and the realm as the caller gives them.
pub static GENERIC: SigningStyle = SigningStyle {
    id: "generic",
    about: "Any OAuth 1.0a provider: the signature method, token and secrets as given",
    method: None,
    method_refused: "",
    token: TokenSource::Given {
        required: false,
        what: "the token",
    },
    realm: None,
    read_error: None,
    problem_hints: problem::generic_hint,
};

impl SigningStyle {
    /// The method to sign with: the style's, or the caller's where the style leaves it open
    /// (RSA-SHA1 when neither says); an error saying why when the caller asks for another than
    /// the style's.
    pub fn method(&self, asked: Option<SignatureMethod>) -> Result<SignatureMethod, String> {
        match (self.method, asked) {
            (Some(m), None) => Ok(m),
            (Some(m), Some(a)) if a == m => Ok(m),
            (Some(_), Some(_)) => Err(self.method_refused.to_owned()),
            (None, a) => Ok(a.unwrap_or(SignatureMethod::RsaSha1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_method_refuses_another_and_an_open_one_takes_any() {
        let fixed = SigningStyle {
            id: "t",
            about: "",
            method: Some(SignatureMethod::HmacSha256),
            method_refused: "HMAC-SHA256 only",
            ..GENERIC
        };
        assert_eq!(fixed.method(None), Ok(SignatureMethod::HmacSha256));
        assert_eq!(
            fixed.method(Some(SignatureMethod::HmacSha256)),
            Ok(SignatureMethod::HmacSha256)
        );
        assert_eq!(
            fixed.method(Some(SignatureMethod::HmacSha1)),
            Err("HMAC-SHA256 only".into())
        );
        assert_eq!(GENERIC.method(None), Ok(SignatureMethod::RsaSha1));
        assert_eq!(
            GENERIC.method(Some(SignatureMethod::Plaintext)),
            Ok(SignatureMethod::Plaintext)
        );
    }
}
