//! Providers in one place: what oauth1to2 knows about each authorization server and the API
//! behind it. The generic OAuth 2.0 code (`crate::oauth2`) knows no provider by name; it is told
//! what it needs (endpoints, whether to ask for consent again, where the API is) from here.
//!
//! Each provider is one entry: a file in this folder with a [`Provider`] value, and one arm in
//! [`of`]. [`ProviderKind`] (the name a profile stores) is matched nowhere else.
//!
//! Still to move here (issue 11): the token rules (Xero's 30-minute retry grace lives in
//! `oauth2::store`), the hints for provider error codes (in `oauth2::oauth_error_hint`), the
//! tenant model, the scope catalogue and the migration paths.

pub mod oidc;
pub mod xero;

use std::path::Path;

use crate::oauth2::endpoints::{discover, Endpoints};
use crate::oauth2::http::HttpClient;
use crate::oauth2::profile::Profile;
pub use crate::oauth2::profile::ProviderKind;
use crate::oauth2::Oauth2Error;

/// Where a provider's endpoints come from.
#[derive(Debug, Clone, Copy)]
pub enum EndpointSource {
    /// Known in advance (from the provider's documentation).
    BuiltIn(fn() -> Endpoints),
    /// OpenID Connect discovery from the profile's issuer, cached for a day.
    Discovery,
}

/// What oauth1to2 knows about one provider.
#[derive(Debug)]
pub struct Provider {
    /// The name profiles store (`provider = "xero"`).
    pub id: &'static str,
    /// Its endpoints.
    pub endpoints: EndpointSource,
    /// The API base the `api` and `tenants` commands call when the profile sets none.
    pub api_base: Option<&'static str>,
    /// Ask for consent again (`prompt=consent`) when `offline_access` is requested: OpenID
    /// Connect issues a refresh token only after an explicit consent.
    pub prompt_consent_for_offline_access: bool,
    /// What revoking a grant also does there, told after `token revoke`.
    pub revocation_note: Option<&'static str>,
}

/// The entry for a provider.
pub fn of(kind: &ProviderKind) -> &'static Provider {
    match kind {
        ProviderKind::Xero => &xero::PROVIDER,
        ProviderKind::Oidc => &oidc::PROVIDER,
    }
}

/// The provider of a profile.
pub fn of_profile(profile: &Profile) -> &'static Provider {
    of(&profile.provider)
}

/// The endpoints for a profile: built in, or discovered (cached under `cache_dir`).
pub fn endpoints(
    profile: &Profile,
    http: &HttpClient,
    cache_dir: &Path,
) -> Result<Endpoints, Oauth2Error> {
    match of_profile(profile).endpoints {
        EndpointSource::BuiltIn(make) => Ok(make()),
        EndpointSource::Discovery => {
            let issuer = profile
                .issuer
                .as_deref()
                .ok_or_else(|| {
                    Oauth2Error::Usage(format!(
                        "the {} provider is found by discovery, and this profile names no issuer URL (give --issuer URL)",
                        of_profile(profile).id
                    ))
                })?;
            discover(issuer, http, cache_dir, crate::oauth2::now())
        }
    }
}

/// The API base for a profile, without a trailing slash: the profile's own, else its
/// provider's, else Xero's (the `api` and `tenants` commands speak Xero's API).
pub fn api_base(profile: &Profile) -> String {
    profile
        .api_base
        .as_deref()
        .or(of_profile(profile).api_base)
        .unwrap_or(xero::API_BASE)
        .trim_end_matches('/')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_one_entry_named_as_profiles_store_it() {
        for kind in [ProviderKind::Xero, ProviderKind::Oidc] {
            let stored = serde_json::to_value(&kind).unwrap();
            assert_eq!(stored, of(&kind).id);
        }
        assert!(matches!(
            of(&ProviderKind::Xero).endpoints,
            EndpointSource::BuiltIn(_)
        ));
        assert!(matches!(
            of(&ProviderKind::Oidc).endpoints,
            EndpointSource::Discovery
        ));
    }

    #[test]
    fn the_api_base_comes_from_the_profile_then_the_provider() {
        let mut p = Profile::new("id");
        assert_eq!(api_base(&p), "https://api.xero.com");
        p.api_base = Some("https://127.0.0.1:9/".into());
        assert_eq!(api_base(&p), "https://127.0.0.1:9");
    }
}
