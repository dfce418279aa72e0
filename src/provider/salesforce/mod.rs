//! Salesforce: moving integrations off the username-password flow and SOAP `login()` to an
//! External Client App with the OAuth 2.0 JWT bearer flow (RFC 7523 section 2.1), or its client
//! credentials flow. What is here: the certificate such an app takes (`cert new --for
//! salesforce`, `cert check --for salesforce`), the login hosts, the JWT bearer assertion as
//! Salesforce wants it, the API base its token answer names, and what its errors mean. Facts,
//! sources and what is unconfirmed: docs/salesforce.md.

pub mod audit;
mod keys;
pub mod login_history;

use super::{ApiBaseInAnswer, EndpointSource, LoginModel, MigrationPath, Provider, TokenRules};
use crate::oauth2::assertion::{AssertionAlg, AssertionPolicy, Audience, BearerPolicy};
use crate::oauth2::endpoints::Endpoints;

/// The endpoints at a login URL: the token endpoint at `/services/oauth2/token`, as the JWT
/// bearer flow's sources give it (RFC 7523 clients simple-salesforce and jsforce, Salesforce's
/// "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"); the others at the paths
/// public clients use (our reading, not checked against Salesforce's pages).
pub fn endpoints_at(login_url: &str) -> Endpoints {
    Endpoints {
        issuer: login_url.to_owned(),
        authorization_endpoint: format!("{login_url}/services/oauth2/authorize"),
        token_endpoint: format!("{login_url}/services/oauth2/token"),
        revocation_endpoint: Some(format!("{login_url}/services/oauth2/revoke")),
        jwks_uri: Some(format!("{login_url}/id/keys")),
        userinfo_endpoint: Some(format!("{login_url}/services/oauth2/userinfo")),
    }
}

/// The endpoints on the production login host.
pub fn endpoints() -> Endpoints {
    endpoints_at(LOGIN.default_url)
}

/// Production by default; a sandbox logs in at test.salesforce.com; an org may use its My
/// Domain URL (which a client credentials flow needs, and which some report an External Client
/// App needs as the audience too: unconfirmed).
pub static LOGIN: LoginModel = LoginModel {
    default_url: "https://login.salesforce.com",
    others: &[
        "https://test.salesforce.com",
        "https://MYDOMAIN.my.salesforce.com",
    ],
    endpoints: endpoints_at,
};

/// The JWT bearer assertion as Salesforce's flow page lists it: `iss` the consumer key, `sub`
/// the username, `aud` the login URL, `exp` "within 3 minutes" (its wording, seen through
/// mirrors of the page). Whether it takes other claims is unconfirmed, so none are sent; the
/// default expiry is two minutes ahead, and more than three is refused before signing.
pub const BEARER: BearerPolicy = BearerPolicy {
    audience: Audience::LoginUrl,
    lifetime: 120,
    max_lifetime: 180,
    registered_only: true,
};

/// RS256 only: Salesforce's step list signs with RSA and SHA-256; that it refuses the others
/// is said by third parties only (our reading).
pub const ASSERTIONS: AssertionPolicy = AssertionPolicy {
    who: "Salesforce",
    scope_in_jwt: None,
    refused: &[
        (AssertionAlg::PS256, NOT_RS256),
        (AssertionAlg::PS384, NOT_RS256),
        (AssertionAlg::PS512, NOT_RS256),
        (AssertionAlg::ES256, NOT_RS256),
        (AssertionAlg::ES384, NOT_RS256),
        (AssertionAlg::ES512, NOT_RS256),
    ],
    rsa: AssertionAlg::RS256,
    instead:
        "use RS256 with an RSA key of 2048 bits or more (the key policy for salesforce makes one)",
};

const NOT_RS256: &str = "its JWT bearer flow signs with RSA and SHA-256 (RS256)";

/// The token answer's `instance_url` is where the org's API is. The hosts it may name are our
/// reading of Salesforce's domains (not a list Salesforce publishes).
pub static INSTANCE: ApiBaseInAnswer = ApiBaseInAnswer {
    field: "instance_url",
    hosts: &[".salesforce.com", ".force.com", ".salesforce.mil"],
};

/// The `error_description`s of `invalid_grant` that tell causes apart. "user hasn't approved
/// this consumer" is the one simple-salesforce warns on; the others are reported by third
/// parties (salesforce.stackexchange.com, the issues of clients that implement the flow).
const GRANT_ERRORS: &[(&str, &str, &str)] = &[
    ("invalid_grant", "user hasn't approved this consumer", "the user is not pre-authorised for the app: in the External Client App's policies, let admin-approved users in and add the integration user's profile or a permission set that holds it (or the user once approved it with the refresh_token scope)"),
    ("invalid_grant", "audience is invalid", "the assertion's aud is not what this org takes: use https://login.salesforce.com for production, https://test.salesforce.com for a sandbox, or the org's My Domain URL (set it with the login URL)"),
    ("invalid_grant", "expired authorization code", "Salesforce judged the assertion expired or not yet valid: set this machine's clock right (NTP); the assertion lives two minutes"),
    ("invalid_grant", "invalid assertion", "the signature did not verify with the certificate uploaded to the app: check that the key is the private half of that certificate, and that the consumer key (the client id) is this app's"),
    ("invalid_grant", "user", "the username is unknown, inactive or locked, or its login is refused (IP ranges, login hours): check the integration user in Setup"),
    ("invalid_client_id", "", "the consumer key (the client id) is not an app of this org: copy it from the External Client App's OAuth settings, and check the login URL (production, sandbox or My Domain)"),
    ("invalid_app_access", "", "the app does not let this user in: pre-authorise the user's profile or a permission set in the app's policies"),
    ("unsupported_grant_type", "", "the app does not take this grant: turn on the JWT bearer flow (or the client credentials flow) in the External Client App's OAuth settings"),
];

/// What a failed answer from the org's REST API means.
fn api_failure_hint(status: u16, detail: Option<&str>, tenant_sent: bool) -> String {
    let code = detail.unwrap_or("");
    if status == 401 || code.starts_with("INVALID_SESSION_ID") {
        return "Salesforce refused the session (INVALID_SESSION_ID: expired, logged out or revoked), and a newly signed token was refused too: check the app's session policies and that the user may still use it".into();
    }
    if code.starts_with("API_DISABLED_FOR_ORG") {
        return "the org's edition or the user's profile has no API access: give the integration user the API Enabled permission".into();
    }
    if code.starts_with("REQUEST_LIMIT_EXCEEDED") {
        return "the org's daily API request limit is used up: see /services/data/vXX.X/limits, and retry when it resets".into();
    }
    if code.starts_with("NOT_FOUND") || status == 404 {
        return "no such resource at this API version: list the versions with GET /services/data"
            .into();
    }
    crate::api::failure_hint(status, detail, tenant_sent)
}

/// The entry.
pub static PROVIDER: Provider = Provider {
    id: "salesforce",
    name: "Salesforce",
    endpoints: EndpointSource::AtLoginUrl(&LOGIN),
    key_policies: &[&keys::JWT_BEARER],
    assertion: ASSERTIONS,
    bearer: BEARER,
    api_base_in_answer: Some(&INSTANCE),
    error_description_hints: GRANT_ERRORS,
    // No expires_in in the answer: the token lives as long as the org's session timeout (two
    // hours by default, as Salesforce's API guide says of sessions). Taken as fifteen minutes,
    // the shortest we know the setting to offer (our reading), so `token get` signs a new
    // assertion in time; a refused token gets a new one anyway.
    tokens: TokenRules {
        refresh_reuse_grace_secs: None,
        assumed_lifetime_secs: Some(15 * 60),
    },
    api_failure_hint,
    legacy: Some(&audit::LEGACY),
    migrations: &[
        MigrationPath {
            from: audit::PASSWORD_FLOW,
            retired_on: "",
            targets: &[audit::JWT_BEARER, audit::CLIENT_CREDENTIALS],
            token_migration: false,
        },
        MigrationPath {
            from: audit::SOAP_LOGIN,
            retired_on: "",
            targets: &[audit::JWT_BEARER, audit::CLIENT_CREDENTIALS],
            token_migration: false,
        },
    ],
    handoff_env,
    ..Provider::BARE
};

/// The shell variables an integration is handed: the consumer key, the API user, the login
/// and instance URLs, and the key's path (never the key).
fn handoff_env(h: &crate::handoff::Handoff) -> String {
    use crate::text::shell;
    let mut s = String::new();
    for (name, value) in [
        ("SF_CLIENT_ID", Some(h.client_id.as_str())),
        ("SF_USERNAME", h.username.as_deref()),
        ("SF_LOGIN_URL", h.login_url.as_deref()),
        ("SF_INSTANCE_URL", h.api_base.as_deref()),
        ("SF_JWT_KEY_FILE", h.private_key_file.as_deref()),
    ] {
        if let Some(v) = value {
            s.push_str(&format!("export {name}={}\n", shell(v)));
        }
    }
    if let Some(l) = &h.client_secret_location {
        s.push_str(&format!("# SF_CLIENT_SECRET: not exported; it is in {l}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_base_is_taken_only_from_salesforce_hosts_over_https() {
        let of =
            |url: &str| PROVIDER.api_base_of_answer(&serde_json::json!({ "instance_url": url }));
        assert_eq!(
            of("https://acme.my.salesforce.com/").unwrap().as_deref(),
            Some("https://acme.my.salesforce.com")
        );
        assert!(of("https://acme--uat.sandbox.my.salesforce.com")
            .unwrap()
            .is_some());
        assert!(of("https://127.0.0.1:8443").unwrap().is_some());
        for bad in [
            "https://evil.example",
            "https://salesforce.com.evil.example",
            "https://evilsalesforce.com",
            "http://acme.my.salesforce.com",
            "https://acme.my.salesforce.com/services?x=1",
            "not a url",
        ] {
            let e = of(bad).unwrap_err().to_string();
            assert!(e.contains("instance_url"), "{bad}: {e}");
        }
        assert_eq!(
            PROVIDER.api_base_of_answer(&serde_json::json!({})).unwrap(),
            None
        );
    }

    #[test]
    fn invalid_grant_is_told_apart_by_its_description() {
        let e = |d: &str| crate::oauth2::Oauth2Error::OAuth {
            endpoint: "the token endpoint".into(),
            error: "invalid_grant".into(),
            description: Some(d.into()),
        };
        assert!(PROVIDER
            .hint(&e("user hasn't approved this consumer"))
            .contains("pre-authorise"));
        assert!(PROVIDER
            .hint(&e("audience is invalid"))
            .contains("test.salesforce.com"));
        assert!(PROVIDER
            .hint(&e("expired authorization code"))
            .contains("clock"));
        assert!(PROVIDER
            .hint(&e("invalid assertion"))
            .contains("certificate"));
        for (code, says) in [
            ("invalid_client_id", "consumer key"),
            ("invalid_app_access", "pre-authorise"),
            ("unsupported_grant_type", "JWT bearer flow"),
        ] {
            let e = crate::oauth2::Oauth2Error::OAuth {
                endpoint: "the token endpoint".into(),
                error: code.into(),
                description: Some("whatever it says".into()),
            };
            assert!(PROVIDER.hint(&e).contains(says), "{code}");
        }
    }

    #[test]
    fn rest_errors_are_read_for_their_code() {
        let r = crate::oauth2::http::Response {
            url: "https://acme.my.salesforce.com/services/data/v65.0/limits".into(),
            status: 401,
            retry_after: None,
            content_type: None,
            body: br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#
                .to_vec(),
        };
        let detail = r.error_detail().unwrap();
        assert_eq!(detail, "INVALID_SESSION_ID: Session expired or invalid");
        assert!(PROVIDER
            .api_failure_hint(401, Some(&detail), false)
            .contains("INVALID_SESSION_ID"));
        assert!(PROVIDER
            .api_failure_hint(
                403,
                Some("REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."),
                false
            )
            .contains("limit"));
    }
}
