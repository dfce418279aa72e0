//! Salesforce: moving integrations off the username-password flow and SOAP `login()` to an
//! External Client App with the OAuth 2.0 JWT bearer flow (issue 21). So far: the certificate
//! such an app takes (`cert new --for salesforce`, `cert check --for salesforce`). Facts and
//! sources in docs/salesforce.md.

mod keys;

use super::{EndpointSource, Provider};
use crate::oauth2::endpoints::Endpoints;

/// Salesforce's OAuth 2.0 endpoints on its production login host: the token endpoint as the JWT
/// bearer flow's sources give it (`/services/oauth2/token`), the others at the paths public
/// clients use (our reading, not yet checked against Salesforce's pages). A sandbox uses
/// test.salesforce.com and an org with My Domain its own host, with the same paths.
pub fn endpoints() -> Endpoints {
    Endpoints {
        issuer: "https://login.salesforce.com".into(),
        authorization_endpoint: "https://login.salesforce.com/services/oauth2/authorize".into(),
        token_endpoint: "https://login.salesforce.com/services/oauth2/token".into(),
        revocation_endpoint: Some("https://login.salesforce.com/services/oauth2/revoke".into()),
        jwks_uri: Some("https://login.salesforce.com/id/keys".into()),
        userinfo_endpoint: Some("https://login.salesforce.com/services/oauth2/userinfo".into()),
    }
}

/// The entry.
pub static PROVIDER: Provider = Provider {
    id: "salesforce",
    name: "Salesforce",
    endpoints: EndpointSource::BuiltIn(endpoints),
    key_policies: &[&keys::JWT_BEARER],
    ..Provider::BARE
};
