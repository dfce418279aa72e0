//! X (formerly Twitter): OAuth 2.0 with PKCE for new users, and the exchange of each user's
//! OAuth 1.0a token for an OAuth 2.0 pair (RFC 8693 token exchange with X's own subject token
//! type). Facts and sources in docs/exchange.md.

mod exchange;

use super::{EndpointSource, Provider};
use crate::oauth2::endpoints::Endpoints;

/// X's OAuth 2.0 endpoints (docs.x.com, "OAuth 2.0 Authorization Code Flow with PKCE"). X
/// publishes no OpenID issuer: the issuer is its site, for messages only.
pub fn endpoints() -> Endpoints {
    Endpoints {
        issuer: "https://x.com".into(),
        authorization_endpoint: "https://x.com/i/oauth2/authorize".into(),
        token_endpoint: "https://api.x.com/2/oauth2/token".into(),
        revocation_endpoint: Some("https://api.x.com/2/oauth2/revoke".into()),
        jwks_uri: None,
        userinfo_endpoint: None,
    }
}

/// The entry.
pub static PROVIDER: Provider = Provider {
    id: "x",
    name: "X",
    endpoints: EndpointSource::BuiltIn(endpoints),
    api_base: Some("https://api.x.com"),
    error_hints: &[(
        "invalid_grant",
        "X refuses the token (revoked, invalid, or not this app's) and does not say which: the user must connect again",
    )],
    rate_limit_hint: Some("X allows 10,000 token exchanges per 15 minutes per app and source IP: wait and retry"),
    exchange: Some(&exchange::SPEC),
    ..Provider::BARE
};
