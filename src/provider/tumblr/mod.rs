//! Tumblr: OAuth 2.0 for new users, and the exchange of each user's OAuth 1.0a token for an
//! OAuth 2.0 pair, which spends the old token. Facts and sources in docs/exchange.md.

mod exchange;

use super::{EndpointSource, Provider};
use crate::oauth2::endpoints::Endpoints;

/// Tumblr's OAuth 2.0 endpoints (tumblr/docs, api.md, "OAuth 2"). Tumblr publishes no OpenID
/// issuer: the issuer is its site, for messages only.
pub fn endpoints() -> Endpoints {
    Endpoints {
        issuer: "https://www.tumblr.com".into(),
        authorization_endpoint: "https://www.tumblr.com/oauth2/authorize".into(),
        token_endpoint: "https://api.tumblr.com/v2/oauth2/token".into(),
        revocation_endpoint: None,
        jwks_uri: None,
        userinfo_endpoint: None,
    }
}

/// The entry.
pub static PROVIDER: Provider = Provider {
    id: "tumblr",
    name: "Tumblr",
    endpoints: EndpointSource::BuiltIn(endpoints),
    api_base: Some("https://api.tumblr.com"),
    rate_limit_hint: Some(
        "Tumblr allows 1,000 calls an hour and 5,000 a day per consumer key, 300 a minute per IP: wait and retry",
    ),
    exchange: Some(&exchange::SPEC),
    ..Provider::BARE
};
