//! Xero: its identity endpoints (developer.xero.com/documentation/oauth2/auth-flow, and the
//! discovery document at identity.xero.com), its API base, and what revocation does there.
//! Xero's OAuth 1.0a facts, connections and API calls are in `crate::xero`.

use super::{EndpointSource, Provider};
use crate::oauth2::endpoints::Endpoints;

pub use crate::xero::API_BASE;

/// Xero's identity endpoints.
pub fn endpoints() -> Endpoints {
    Endpoints {
        issuer: "https://identity.xero.com".into(),
        authorization_endpoint: "https://login.xero.com/identity/connect/authorize".into(),
        token_endpoint: "https://identity.xero.com/connect/token".into(),
        revocation_endpoint: Some("https://identity.xero.com/connect/revocation".into()),
        jwks_uri: Some("https://identity.xero.com/.well-known/openid-configuration/jwks".into()),
        userinfo_endpoint: Some("https://identity.xero.com/connect/userinfo".into()),
    }
}

/// The entry.
pub static PROVIDER: Provider = Provider {
    id: "xero",
    endpoints: EndpointSource::BuiltIn(endpoints),
    api_base: Some(API_BASE),
    prompt_consent_for_offline_access: false,
    revocation_note: Some(
        "Xero removes all of this user's connections to the app when its refresh token is revoked.",
    ),
};
