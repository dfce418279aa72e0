//! Xero: its identity endpoints (developer.xero.com/documentation/oauth2/auth-flow, and the
//! discovery document at identity.xero.com), its API base, and what revocation does there.
//! Xero's OAuth 1.0a facts, connections and API calls are in `crate::xero`.

use super::{EndpointSource, Provider, TokenRules};
use crate::oauth2::endpoints::Endpoints;

/// The Xero API base (accounting, payroll, files, assets, projects and connections).
pub const API_BASE: &str = "https://api.xero.com";

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
    name: "Xero",
    endpoints: EndpointSource::BuiltIn(endpoints),
    api_base: Some(API_BASE),
    prompt_consent_for_offline_access: false,
    revocation_note: Some(
        "Xero removes all of this user's connections to the app when its refresh token is revoked.",
    ),
    // developer.xero.com/faq/oauth2: a used refresh token is accepted again for 30 minutes.
    tokens: TokenRules {
        refresh_reuse_grace_secs: Some(30 * 60),
    },
    error_hints: &[
        ("invalid_grant", "the refresh token (or code) is no longer valid. Xero rotates refresh tokens: each one works once, the previous one is accepted again only for 30 minutes after it was used, and an unused one dies after 60 days. This usually means another copy of the token was used, or the token was revoked. Connect the profile again to get a new grant"),
        ("unauthorized_client", "this app may not use this grant or scope: Custom Connections need client_credentials, and restricted scopes (paymentservices, bankfeeds) need an agreement with Xero"),
        ("invalid_scope", "a requested scope is unknown or not allowed: apps created on or after 2 March 2026 must ask for granular scopes (see `oauth1to2 scopes plan`)"),
    ],
    rate_limit_hint: Some(
        "Xero allows 60 calls a minute and 5,000 a day per organisation: wait and retry",
    ),
};
