//! Garmin Connect Developer Program (Health, Activity and Women's Health APIs): OAuth 2.0
//! with PKCE for new users, and the exchange of each user's OAuth 1.0a token for an OAuth 2.0
//! pair before OAuth 1.0a ends on 2026-12-31. Facts, sources and what is unconfirmed in
//! docs/exchange.md.

mod exchange;

use super::{EndpointSource, Provider};
use crate::oauth2::endpoints::Endpoints;

/// Garmin's OAuth 2.0 endpoints, as public integrations use them (Garmin's own page is behind
/// its portal's login: our reading of public code, not Garmin's documentation). Garmin
/// publishes no OpenID issuer: the issuer is its site, for messages only.
pub fn endpoints() -> Endpoints {
    Endpoints {
        issuer: "https://connect.garmin.com".into(),
        authorization_endpoint: "https://connect.garmin.com/oauth2Confirm".into(),
        token_endpoint: "https://diauth.garmin.com/di-oauth2-service/oauth/token".into(),
        revocation_endpoint: None,
        jwks_uri: None,
        userinfo_endpoint: None,
    }
}

/// The entry.
pub static PROVIDER: Provider = Provider {
    id: "garmin",
    name: "Garmin",
    endpoints: EndpointSource::BuiltIn(endpoints),
    api_base: Some("https://apis.garmin.com"),
    exchange: Some(&exchange::SPEC),
    ..Provider::BARE
};
