//! Any OpenID Connect provider, found by discovery from the profile's issuer. It has no API of
//! its own that oauth1to2 knows; `api` and `tenants` use the profile's `--api-base`.

use super::{EndpointSource, Provider};

/// The entry.
pub static PROVIDER: Provider = Provider {
    id: "oidc",
    endpoints: EndpointSource::Discovery,
    api_base: None,
    prompt_consent_for_offline_access: true,
    revocation_note: None,
};
