//! Any OpenID Connect provider, found by discovery from the profile's issuer. It has no API of
//! its own that oauth1to2 knows; `api` and `tenants` use the profile's `--api-base`.

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
};
