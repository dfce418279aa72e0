//! Any OpenID Connect provider, found by discovery from the profile's issuer. It has no API of
//! its own that oauth1to2 knows: such a profile stands in for Xero's identity server (a staging
//! server, the test desk), and the API at its API base is taken to be Xero's, tenants and scope
//! catalogue included.
//! A provider whose API differs gets its own entry.

use super::{EndpointSource, Provider, TokenRules};

/// The entry.
pub static PROVIDER: Provider = Provider {
    id: "oidc",
    name: "the provider",
    endpoints: EndpointSource::Discovery,
    api_base: None,
    prompt_consent_for_offline_access: true,
    revocation_note: None,
    tokens: TokenRules {
        refresh_reuse_grace_secs: None,
    },
    error_hints: &[],
    rate_limit_hint: None,
    tenants: Some(super::xero::CONNECTIONS),
    scopes: Some(&super::xero::SCOPES),
    migrations: &[],
    m2m_scope_steps: &[],
    machine_to_machine_regions: &[],
    assertion: crate::oauth2::assertion::AssertionPolicy::RFC7523,
};
