//! Xero: its identity endpoints (developer.xero.com/documentation/oauth2/auth-flow, and the
//! discovery document at identity.xero.com), its API base, and what revocation does there.
//! Its OAuth 1.0a problems (`oauth1`), partner tokens (`partner`) and connections
//! (`connections`) are beside it.

pub mod audit;
pub mod batch;
pub mod connections;
pub mod handoff;
pub mod keys;
pub mod migration;
pub mod oauth1;
mod oauth2_app;
pub mod partner;
pub mod token_migration;

use super::{EndpointSource, MigrationPath, Provider, ScopeCatalogue, TenantModel, TokenRules};
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
        assumed_lifetime_secs: None,
    },
    error_hints: &[
        ("invalid_grant", "the refresh token (or code) is no longer valid. Xero rotates refresh tokens: each one works once, the previous one is accepted again only for 30 minutes after it was used, and an unused one dies after 60 days. This usually means another copy of the token was used, or the token was revoked. Connect the profile again to get a new grant"),
        ("unauthorized_client", "this app may not use this grant or scope: Custom Connections need client_credentials, and restricted scopes (paymentservices, bankfeeds) need an agreement with Xero"),
        ("invalid_scope", "a requested scope is unknown or not allowed: apps created on or after 2 March 2026 must ask for granular scopes (see `oauth1to2 scopes plan`)"),
    ],
    rate_limit_hint: Some(
        "Xero allows 60 calls a minute and 5,000 a day per organisation: wait and retry",
    ),
    tenants: Some(CONNECTIONS),
    scopes: Some(&SCOPES),
    migrations: &MIGRATIONS,
    // Custom Connections are sold in these regions only (developer.xero.com/faq/custom-integration).
    machine_to_machine_regions: &["AU", "NZ", "UK", "US"],
    assertion: crate::oauth2::assertion::AssertionPolicy::RFC7523,
    oauth1_realm_rule: None,
    legacy: Some(&migration::LEGACY),
    key_policies: &[&keys::PRIVATE_APP],
    handoff_env: handoff::env,
    platforms: &[&handoff::OOMNITZA],
    signing_styles: &[&oauth1::PRIVATE, &oauth1::PARTNER],
    exchange: None,
    bearer: crate::oauth2::assertion::BearerPolicy::RFC7523,
    api_base_in_answer: None,
    error_description_hints: &[],
    api_failure_hint,
    // developer.xero.com/documentation/guides/oauth2/custom-connections: a Custom Connection's
    // scopes are picked on its page in My Apps. Whether changing them asks the organisation to
    // authorise again by e-mail is not documented (our caution, in the last step).
    m2m_scope_steps: &[
        "Sign in at https://developer.xero.com/app/manage and open the Custom Connection whose client id is {client_id}.",
        "Under its scopes, select exactly: {scopes}; clear the broad ones (accounting.transactions, accounting.reports.read).",
        "Save. If Xero asks the organisation to authorise the connection again, wait until its user has accepted the e-mail.",
    ],
};

/// Xero's OAuth 1.0a app types and where they go. The retirement dates are from
/// developer.xero.com/documentation/auth-and-limits/private-applications and
/// developer.xero.com/documentation/oauth2/overview ("Key dates"); the targets are the audit's choices (`crate::audit::recommend`); only partner
/// apps have `POST /oauth/migrate`.
pub const MIGRATIONS: [MigrationPath; 3] = [
    MigrationPath {
        from: "private",
        retired_on: "2021-09-30",
        targets: &["custom-connection", "web", "third-party"],
        token_migration: false,
    },
    MigrationPath {
        from: "partner",
        retired_on: "2021-03-31",
        targets: &["web", "third-party"],
        token_migration: true,
    },
    MigrationPath {
        from: "public",
        retired_on: "2021-03-31",
        targets: &["pkce", "web", "third-party"],
        token_migration: false,
    },
];

/// Xero's scopes: `scopes.tsv` beside this file, one row per API resource citing the
/// Xero page it comes from; apps created on or after 2 March 2026 get granular scopes only,
/// and older apps must move by September 2027 (developer.xero.com/faq/granular-scopes).
pub static SCOPES: ScopeCatalogue = ScopeCatalogue {
    provider: "Xero",
    table: include_str!("scopes.tsv"),
    table_file: "src/provider/xero/scopes.tsv",
    pages: &[
        (
            "S",
            "https://developer.xero.com/documentation/guides/oauth2/scopes/",
        ),
        ("G", "https://developer.xero.com/faq/granular-scopes"),
    ],
    scopes_page: "S",
    api_host: "api.xero.com",
    api_prefixes: &[
        "/api.xro/",
        "/payroll.xro/",
        "/files.xro/",
        "/assets.xro/",
        "/projects.xro/",
    ],
    bare_name_prefix: "/api.xro/2.0",
    granular_from: time::macros::date!(2026 - 03 - 02),
    broad_deadline: "September 2027",
    // Our reading, not Xero's words: Xero says "by September 2027" and gives no day, so the
    // whole of September is taken as still allowed (a guess; docs/scopes.md says so).
    broad_last_day: time::macros::date!(2027 - 09 - 30),
    // Custom Connections created after late April 2026 reject broad scopes ("Client credentials
    // scope validation failed", XeroAPI/xero-mcp-server#175). Xero gives no day: from 1 May
    // 2026 is our reading.
    m2m_granular_from: time::macros::date!(2026 - 05 - 01),
    rows: std::sync::OnceLock::new(),
};

/// Xero's connections: `GET /connections` and `DELETE /connections/{id}`, and the
/// `xero-tenant-id` header.
pub const CONNECTIONS: TenantModel = TenantModel {
    header: "xero-tenant-id",
    list: connections::list,
    remove: connections::delete,
    find: connections::find,
};

/// What a failed answer from Xero's API means: its tenant header and its rate limit; the
/// generic hint (`crate::api::failure_hint`) for the rest.
pub fn api_failure_hint(status: u16, detail: Option<&str>, tenant_sent: bool) -> String {
    let detail = detail.unwrap_or("");
    match status {
        403 if !tenant_sent || detail.contains("AuthenticationUnsuccessful") => {
            if tenant_sent {
                "Xero did not accept the tenant: the user may have lost access to it; check `oauth1to2 tenants list`".into()
            } else {
                "Xero needs the xero-tenant-id header: pick a tenant with `oauth1to2 tenants use ID` (see `oauth1to2 tenants list`), or name one for this call".into()
            }
        }
        403 => "the token lacks a scope for this endpoint, or the organisation's plan does not include it: check `oauth1to2 token show`".into(),
        404 => "no such endpoint or record: check the path (for example /api.xro/2.0/Organisation)".into(),
        429 => "Xero's rate limit (60 calls a minute, 5,000 a day per organisation) was hit and the wait allowed for the call ran out: retry later, or allow a longer wait".into(),
        s if s >= 500 => "Xero reported a server error: retry later".into(),
        s if s != 401 => "Xero refused the request: the body above says why".into(),
        _ => crate::api::failure_hint(status, Some(detail), tenant_sent),
    }
}

#[cfg(test)]
mod api_tests {
    use super::*;

    #[test]
    fn hints_name_the_missing_tenant_header() {
        assert!(
            api_failure_hint(403, Some("AuthenticationUnsuccessful"), false)
                .contains("tenants use")
        );
        assert!(api_failure_hint(401, None, true).contains("scope"));
        assert!(api_failure_hint(429, None, true).contains("60 calls a minute"));
    }
}
