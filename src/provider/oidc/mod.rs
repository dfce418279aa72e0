//! Any OpenID Connect provider, found by discovery from the profile's issuer. oauth1to2 knows
//! no API of its own for it: its token goes only to the API base the profile names, it has no
//! tenants and no scope catalogue. A profile whose identity server stands in for a known
//! provider's (a staging server, the test desk) names that provider in `api`
//! (`crate::provider::api_of`), and that provider's tenants and scopes apply.
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
    tenants: None,
    scopes: None,
    migrations: &[],
    m2m_scope_steps: &[],
    machine_to_machine_regions: &[],
    assertion: crate::oauth2::assertion::AssertionPolicy::RFC7523,
    oauth1_realm_rule: None,
    legacy: None,
    key_policies: &[],
    handoff_env: crate::handoff::generic_env,
    platforms: &[],
    signing_styles: &[],
    exchange: None,
    api_failure_hint: crate::api::failure_hint,
};
