//! Any OpenID Connect provider, found by discovery from the profile's issuer. oauth1to2 knows
//! no API of its own for it: its token goes only to the API base the profile names, it has no
//! tenants and no scope catalogue. A profile whose identity server stands in for a known
//! provider's (a staging server, the test desk) names that provider in `api`
//! (`crate::provider::api_of`), and that provider's tenants and scopes apply.
//! A provider whose API differs gets its own entry.

use super::{EndpointSource, Provider};

/// The entry.
pub static PROVIDER: Provider = Provider {
    id: "oidc",
    name: "the provider",
    endpoints: EndpointSource::Discovery,
    prompt_consent_for_offline_access: true,
    ..Provider::BARE
};
