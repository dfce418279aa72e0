//! NetSuite: the account id in its two spellings, its REST, RESTlet and token endpoints, the
//! Token-Based Authentication (TBA) signing style, and what its TBA error codes mean.
//!
//! Sources (docs.oracle.com, NetSuite online help): section_1534941295 (the authorization
//! headers: realm is the account id, upper case, `_SB1` for a sandbox), section_157652390285
//! (HMAC-SHA256; HMAC-SHA1 ended in 2023.1), subsect_156934879823 (the TBA error codes),
//! section_162790605110 (the OAuth 2.0 token endpoint).

pub mod audit;
pub mod calls;
pub mod handoff;
pub mod keys;

use super::{AccountModel, EndpointSource, Provider, TokenRules};
use crate::oauth1::SignatureMethod;
use crate::oauth2::assertion::{AssertionAlg, AssertionPolicy};
use crate::oauth2::endpoints::Endpoints;

/// The release from which no new TBA integrations can be created (section_158618788810);
/// existing ones keep working.
pub const TBA_NO_NEW_FROM: &str = "2027.1";

/// The signature method TBA accepts.
pub const TBA_METHOD: SignatureMethod = SignatureMethod::HmacSha256;

/// Token-Based Authentication: HMAC-SHA256, the realm the account id (checked against the
/// URL's host), the token id as `oauth_token`, NetSuite's error answers read.
pub static TBA: crate::oauth1::style::SigningStyle = crate::oauth1::style::SigningStyle {
    id: "netsuite",
    about: "NetSuite Token-Based Authentication: HMAC-SHA256, the account id as realm, the token id and both secrets",
    method: Some(TBA_METHOD),
    method_refused: "NetSuite TBA signs with HMAC-SHA256 only (HMAC-SHA1 stopped working in 2023.1)",
    token: crate::oauth1::style::TokenSource::Given {
        required: true,
        what: "the token id",
    },
    realm: Some(realm_for),
    read_error: Some(read_error),
    problem_hints: crate::oauth1::problem::generic_hint,
};

/// The realm for `account` at `url` ([`tba_realm`]), or why not and what to do.
fn realm_for(account: &str, url: &str) -> Result<String, (String, String)> {
    tba_realm(account, url).map_err(|e| (e.to_string(), e.hint()))
}

/// A NetSuite account id, as given in either spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The realm spelling: upper case, `_` before a sandbox suffix (`1234567_SB1`).
    pub realm: String,
    /// The host spelling: lower case, `-` for `_` (`1234567-sb1`).
    pub host: String,
}

/// Why an account id cannot be one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not a NetSuite account id: {reason}")]
pub struct AccountError {
    /// What was given.
    pub given: String,
    /// Why.
    pub reason: &'static str,
}

impl AccountError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        "copy it from Setup > Company > Company Information (Account ID), such as 1234567 or 1234567_SB1".into()
    }
}

impl Account {
    /// Reads an account id in either spelling (`1234567_SB1`, `1234567-sb1`, any case).
    pub fn parse(given: &str) -> Result<Account, AccountError> {
        let t = given.trim();
        let bad = |reason| AccountError {
            given: given.to_owned(),
            reason,
        };
        if t.is_empty() || t.len() > 64 {
            return Err(bad("it is empty or too long"));
        }
        if !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(bad(
                "only letters, digits and one `_` or `-` before a sandbox suffix belong in it",
            ));
        }
        if !t.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(bad(
                "it starts with the company number (or TSTDRV for a test drive)",
            ));
        }
        let realm = t.replace('-', "_").to_ascii_uppercase();
        if realm.matches('_').count() > 1 {
            return Err(bad("it has more than one suffix"));
        }
        let host = realm.replace('_', "-").to_ascii_lowercase();
        Ok(Account { realm, host })
    }

    /// The REST web services base (`https://1234567-sb1.suitetalk.api.netsuite.com/services/rest`).
    pub fn rest_base(&self) -> String {
        format!(
            "https://{}.suitetalk.api.netsuite.com/services/rest",
            self.host
        )
    }

    /// The OAuth 2.0 token endpoint (machine-to-machine).
    pub fn token_endpoint(&self) -> String {
        format!(
            "https://{}.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
            self.host
        )
    }

    /// The RESTlet base (`https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl`).
    pub fn restlet_base(&self) -> String {
        format!(
            "https://{}.restlets.api.netsuite.com/app/site/hosting/restlet.nl",
            self.host
        )
    }

    /// The OAuth 2.0 endpoints: authorization (section_158081944642), token
    /// (section_160855590788, section_162755359851) and revocation (section_161071224088).
    /// The issuer is the `iss` of the access tokens in Oracle's examples (our reading; id
    /// tokens are checked against it only when `openid` is asked for).
    pub fn endpoints(&self) -> Endpoints {
        let suitetalk = format!("https://{}.suitetalk.api.netsuite.com", self.host);
        Endpoints {
            issuer: "https://system.netsuite.com".into(),
            authorization_endpoint: format!(
                "https://{}.app.netsuite.com/app/login/oauth2/authorize.nl",
                self.host
            ),
            token_endpoint: self.token_endpoint(),
            revocation_endpoint: Some(format!("{suitetalk}/services/rest/auth/oauth2/v1/revoke")),
            jwks_uri: None,
            userinfo_endpoint: None,
        }
    }

    /// Whether `url`'s host names this account (a realm for one account and a URL for another
    /// is a classic mistake). `None` when the URL is not a NetSuite account host.
    pub fn matches_host(&self, url: &str) -> Option<bool> {
        account_host(url).map(|(label, _)| label == self.host)
    }
}

/// A URL's host, lower case, split at its first dot: `("1234567-sb1",
/// "restlets.api.netsuite.com")`; `None` when it has none.
pub(crate) fn host_parts(url: &str) -> Option<(String, String)> {
    let host = url.split("://").nth(1)?.split(['/', '?', ':']).next()?;
    let (label, domain) = host.split_once('.')?;
    Some((label.to_ascii_lowercase(), domain.to_ascii_lowercase()))
}

/// The account label and the whole host of a URL on a NetSuite account host
/// (`*.api.netsuite.com`).
fn account_host(url: &str) -> Option<(String, String)> {
    let (label, domain) = host_parts(url)?;
    domain
        .ends_with("api.netsuite.com")
        .then(|| (label.clone(), format!("{label}.{domain}")))
}

/// Why a TBA request cannot be signed for an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TbaRealmError {
    /// The account id is not one.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The URL's host names another account.
    #[error("the account {realm} (host {host}) is not the one the URL names")]
    OtherHost {
        /// The account's realm.
        realm: String,
        /// The account's host label.
        host: String,
        /// Its REST base, for the hint.
        rest_base: String,
    },
}

impl TbaRealmError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            TbaRealmError::Account(e) => e.hint(),
            TbaRealmError::OtherHost {
                host, rest_base, ..
            } => format!("the URL's host must start with {host}., as in {rest_base}"),
        }
    }
}

/// The realm of a TBA request to `url` for `account` (either spelling): the account's realm,
/// once the URL's host is checked to name the same account (NetSuite refuses a realm for one
/// account on another's host). A URL that is not a NetSuite account host is not checked.
pub fn tba_realm(account: &str, url: &str) -> Result<String, TbaRealmError> {
    let account = Account::parse(account)?;
    if account.matches_host(url) == Some(false) {
        return Err(TbaRealmError::OtherHost {
            rest_base: account.rest_base(),
            realm: account.realm,
            host: account.host,
        });
    }
    Ok(account.realm)
}

/// What NetSuite would refuse in a TBA request's realm, whatever its signature: none on an
/// account host, one not in upper case, `-` for `_`, or another account than the host's (a
/// missing or wrong sandbox suffix). `None` when the URL is not a NetSuite account host, or the
/// realm is right. Realm is not in the base string, so a signature check cannot see this.
pub fn realm_problem(url: &str, realm: Option<&str>) -> Option<String> {
    let (label, host) = account_host(url)?;
    let expected = label.replace('-', "_").to_ascii_uppercase();
    let shown = |r: &str| crate::text::term(&r.chars().take(64).collect::<String>()).into_owned();
    match realm {
        None => Some(format!(
            "there is no realm: NetSuite needs realm=\"{expected}\" (the account id) in the header"
        )),
        Some(r) if r == expected => None,
        Some(r) if r.eq_ignore_ascii_case(&expected) => Some(format!(
            "realm {:?} is not in upper case: NetSuite wants {expected:?}",
            shown(r)
        )),
        Some(r) if r.replace('-', "_").eq_ignore_ascii_case(&expected) => Some(format!(
            "realm {:?} writes the sandbox suffix with `-`: NetSuite wants {expected:?} (`-` is the host's spelling)",
            shown(r)
        )),
        Some(r) => Some(format!(
            "realm {:?} names another account than the host {host}: NetSuite wants {expected:?} (a missing or wrong sandbox suffix is the usual cause)",
            shown(r)
        )),
    }
}

/// A stored account (realm spelling) read back; one that no longer parses is used as given.
fn stored(account: &str) -> Account {
    Account::parse(account).unwrap_or_else(|_| Account {
        realm: account.to_ascii_uppercase(),
        host: account.replace('_', "-").to_ascii_lowercase(),
    })
}

/// How NetSuite accounts are written and where their endpoints are.
pub static ACCOUNTS: AccountModel = AccountModel {
    what: "account id (such as 1234567 or 1234567_SB1)",
    parse: |given| {
        Account::parse(given)
            .map(|a| a.realm)
            .map_err(|e| (e.to_string(), e.hint()))
    },
    endpoints: |account| stored(account).endpoints(),
    api_base: |account| stored(account).rest_base(),
};

/// The assertion NetSuite wants (section_162790605110, The Request Token Structure): the
/// scopes inside the JWT, separated by commas, and no RS256 (refused since 1 March 2025).
pub const ASSERTIONS: AssertionPolicy = AssertionPolicy {
    who: "NetSuite",
    scope_in_jwt: Some(","),
    refused: &[(
        AssertionAlg::RS256,
        "it takes PS256, PS384, PS512, ES256, ES384 or ES512, and has refused RSA PKCS#1 v1.5 signatures since 1 March 2025",
    )],
    ..AssertionPolicy::RFC7523
};

/// The entry.
pub static PROVIDER: Provider = Provider {
    id: "netsuite",
    name: "NetSuite",
    endpoints: EndpointSource::PerAccount(&ACCOUNTS),
    api_base: None,
    prompt_consent_for_offline_access: false,
    revocation_note: None,
    // No refresh token in the machine-to-machine grant; the authorization code grant's refresh
    // token rules are not oauth1to2's to state.
    tokens: TokenRules {
        refresh_reuse_grace_secs: None,
        assumed_lifetime_secs: None,
    },
    // The token endpoint's answers to a client assertion. Which code NetSuite gives for which
    // cause is our reading of the M2M set-up pages (section_162686838198,
    // section_162790605110), not a documented table.
    error_hints: &[
        ("invalid_client", "NetSuite refused the client assertion. Check, in this account: that the assertion key id is the Certificate ID shown in Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup (the mapping is per account, is not copied to sandboxes and is cleared by a sandbox refresh); that the mapping's certificate is the public half of the assertion key and is neither revoked nor expired; that the client id is the integration record's; and that this machine's clock is right"),
        ("unauthorized_client", "the integration record does not allow this grant: tick \"Client Credentials (Machine to Machine) Grant\" on it, and check that the mapping's entity and role may use it"),
        ("invalid_scope", "NetSuite's scopes are restlets, rest_webservices and suite_analytics, and the integration record must allow each one asked for (they go inside the assertion)"),
        ("invalid_grant", "NetSuite refused the grant: for a machine-to-machine profile, check the M2M mapping (entity, role, certificate) and that the role has the REST Web Services or RESTlets permission"),
    ],
    rate_limit_hint: Some(
        "NetSuite limits concurrent requests per account (by its service tier and SuiteCloud Plus licences): wait and retry, or spread the calls out",
    ),
    tenants: None,
    scopes: None,
    // TBA is not retired: no new integrations from 2027.1, existing ones keep working.
    migrations: &[super::MigrationPath {
        from: "tba",
        retired_on: "",
        targets: &["m2m", "authorization-code"],
        token_migration: false,
    }],
    m2m_scope_steps: &[],
    machine_to_machine_regions: &[],
    assertion: ASSERTIONS,
    oauth1_realm_rule: Some(realm_problem),
    legacy: Some(&audit::LEGACY),
    key_policies: &[&keys::M2M],
    handoff_env: handoff::env,
    platforms: &[],
    signing_styles: &[&TBA],
    exchange: None,
    bearer: crate::oauth2::assertion::BearerPolicy::RFC7523,
    api_base_in_answer: None,
    error_description_hints: &[],
    api_failure_hint: crate::api::failure_hint,
};

/// What NetSuite's TBA error codes mean, and what to do: the authorization flow's
/// (subsect_156934879823) and those of RESTlets and web services (subsect_156935170194).
pub const TBA_ERRORS: &[(&str, &str)] = &[
    ("InvalidSignature", "the signature does not match: check the four credentials, that HMAC-SHA256 is used, that realm is not in the base string, and that the query (and a form body) are signed; `oauth1to2 oauth1 verify` names the mistake when it can reproduce it"),
    ("InvalidTimestamp", "oauth_timestamp is too far from NetSuite's clock: fix the client's clock (NTP)"),
    ("NonceRejected", "the nonce was used before: send a fresh random nonce with every request"),
    ("UnknownIntegration", "no integration record matches the consumer key: check the key and the account; if the record exists, resetting its credentials may help (every other user of them must then be updated); otherwise create one"),
    ("consumer_key_unknown", "no integration record matches the consumer key: check the key and the account; if the record exists, resetting its credentials may help (every other user of them must then be updated); otherwise create one"),
    ("IntegrationBlocked", "the integration record is Blocked: in Setup > Integration > Manage Integrations, edit it and set State to Enabled"),
    ("consumer_key_refused", "the integration record is Blocked: in Setup > Integration > Manage Integrations, edit it and set State to Enabled"),
    ("AuthorizationFlowRequired", "the integration record does not use the TBA authorization flow: tick \"TBA: Authorization Flow\" on it"),
    ("FeatureDisabled", "Token-based Authentication is not enabled in this account: enable the feature (Setup > Company > Enable Features > SuiteCloud)"),
    ("MissingRequiredParameter", "a required OAuth parameter is missing: send oauth_consumer_key, oauth_token, oauth_nonce, oauth_timestamp, oauth_signature_method and oauth_signature, and realm"),
    ("MissingTokenPassportRequiredFields", "a required OAuth parameter is missing: send oauth_consumer_key, oauth_token, oauth_nonce, oauth_timestamp, oauth_signature_method and oauth_signature, and realm"),
];

/// What the error codes in NetSuite's REST web services and RESTlet answers mean. INVALID_LOGIN
/// and INVALID_LOGIN_ATTEMPT are all NetSuite says of a refused TBA signature; the reason is
/// only in its Login Audit Trail.
const API_ERRORS: &[(&str, &str)] = &[
    ("INVALID_LOGIN", LOGIN_HINT),
    ("INVALID_LOGIN_ATTEMPT", LOGIN_HINT),
    ("invalid_token", LOGIN_HINT),
    ("INVALID_LOGIN_CREDENTIALS", "the role is Web Services Only, which cannot call RESTlets (NetSuite help chapter_1529417663): use a role without that restriction, or call REST web services"),
    ("INSUFFICIENT_PERMISSION", "the token's role may not do this: give the role the permission for this record type (Setup > Users/Roles > Manage Roles), or use a token for another role"),
    ("USER_ERROR", "NetSuite refused the request itself (its detail says what); the authentication worked"),
    ("NONEXISTENT_ID", "no record has this id, or the role cannot see it; the authentication worked"),
    ("invalid_request", "NetSuite could not read the request: a parameter is missing, repeated or malformed"),
];

const LOGIN_HINT: &str = "NetSuite refused the login and does not say why in its answer: open Setup > Users/Roles > User Management > View Login Audit Trail; the Detail column names the TBA error (InvalidSignature, InvalidTimestamp, NonceRejected, UnknownIntegration, ...). Check the signature here with `oauth1to2 oauth1 verify` and the four credentials; also check that the token is not revoked and that its user and role are still active";

fn api_hint(code: &str) -> Option<&'static str> {
    API_ERRORS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, h)| *h)
        .or_else(|| tba_error_hint(code))
}

/// Reads NetSuite's error answers, in the shapes its help documents:
/// - REST web services (section_156570709583): `{"status", "o:errorDetails": [{"detail",
///   "o:errorCode"}]}`;
/// - RESTlets: `{"error": {"code", "message"}}` (the SuiteScript error shape; our reading);
/// - the `WWW-Authenticate` header (subsect_158521885412): `realm`, `error`,
///   `error_description`.
///
/// Reads at most 1 MiB of the body and the first error detail; text is kept as NetSuite sent
/// it, for the caller to escape.
pub fn read_error(
    status: u16,
    www_authenticate: Option<&str>,
    body: &str,
) -> Option<crate::oauth1::send::ServiceError> {
    if status < 400 {
        return None;
    }
    let make = |code: String, detail: Option<String>| {
        let hint = api_hint(&code).map(str::to_owned).unwrap_or_else(|| {
            format!("an error NetSuite answered with HTTP {status}; its detail says what")
        });
        crate::oauth1::send::ServiceError {
            service: "NetSuite",
            code,
            detail,
            hint,
        }
    };
    let clip = |s: &str| s.chars().take(1_000).collect::<String>();
    let json: Option<serde_json::Value> = (body.len() <= 1 << 20)
        .then(|| serde_json::from_str(body.trim()).ok())
        .flatten();
    if let Some(v) = &json {
        if let Some(first) = v["o:errorDetails"].as_array().and_then(|a| a.first()) {
            if let Some(code) = first["o:errorCode"].as_str() {
                return Some(make(clip(code), first["detail"].as_str().map(clip)));
            }
        }
        if let Some(code) = v["error"]["code"].as_str() {
            return Some(make(clip(code), v["error"]["message"].as_str().map(clip)));
        }
    }
    let header = www_authenticate?;
    let param = |name: &str| {
        header.split(',').find_map(|p| {
            let p = p.trim();
            let p = p
                .split_once(' ')
                .filter(|(scheme, _)| !scheme.contains('='))
                .map_or(p, |(_, rest)| rest.trim());
            let (k, v) = p.split_once('=')?;
            (k.trim() == name).then(|| clip(v.trim().trim_matches('"')))
        })
    };
    let code = param("error")?;
    Some(make(code, param("error_description")))
}

/// The hint for a TBA error code, if it is one of NetSuite's.
pub fn tba_error_hint(code: &str) -> Option<&'static str> {
    TBA_ERRORS
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, h)| *h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_id_has_two_spellings() {
        for given in ["1234567_SB1", "1234567-sb1", "1234567_sb1", " 1234567-SB1 "] {
            let a = Account::parse(given).unwrap();
            assert_eq!(a.realm, "1234567_SB1", "{given}");
            assert_eq!(a.host, "1234567-sb1", "{given}");
        }
        let prod = Account::parse("1234567").unwrap();
        assert_eq!(
            (prod.realm.as_str(), prod.host.as_str()),
            ("1234567", "1234567")
        );
        assert_eq!(
            prod.rest_base(),
            "https://1234567.suitetalk.api.netsuite.com/services/rest"
        );
        assert_eq!(
            Account::parse("1234567_SB1").unwrap().token_endpoint(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
        );
        // A test drive account is letters and digits (tstdrv231585.app.netsuite.com).
        assert_eq!(Account::parse("TSTDRV231585").unwrap().host, "tstdrv231585");
        for bad in [
            "",
            "_SB1",
            "1234567_SB1_X",
            "12 34",
            "1234567/SB1",
            "1234567\u{1b}",
        ] {
            assert!(Account::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_realm_netsuite_would_refuse_is_named() {
        let sb =
            "https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=6";
        assert_eq!(realm_problem(sb, Some("1234567_SB1")), None);
        for (realm, says) in [
            (Some("1234567_sb1"), "not in upper case"),
            (Some("1234567-SB1"), "writes the sandbox suffix with `-`"),
            (
                Some("1234567"),
                "names another account than the host 1234567-sb1.restlets.api.netsuite.com",
            ),
            (Some("1234567_SB2"), "names another account"),
            (None, "there is no realm"),
        ] {
            let p = realm_problem(sb, realm).unwrap();
            assert!(p.contains(says), "{realm:?}: {p}");
            assert!(p.contains("\"1234567_SB1\""), "{p}");
        }
        assert_eq!(
            realm_problem("https://api.xero.com/api.xro/2.0/Invoices", None),
            None
        );
        assert_eq!(realm_problem("not a url", Some("x")), None);
    }

    #[test]
    fn netsuites_error_answers_are_read_in_each_documented_shape() {
        // REST web services' error body.
        let rest = r#"{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2","title":"Unauthorized","status":401,"o:errorDetails":[{"detail":"Invalid login attempt.","o:errorCode":"INVALID_LOGIN"}]}"#;
        let e = read_error(401, None, rest).unwrap();
        assert_eq!((e.service, e.code.as_str()), ("NetSuite", "INVALID_LOGIN"));
        assert_eq!(e.detail.as_deref(), Some("Invalid login attempt."));
        assert!(e.hint.contains("Login Audit Trail"), "{}", e.hint);
        // A RESTlet's.
        let restlet =
            r#"{"error":{"code":"INVALID_LOGIN_ATTEMPT","message":"Invalid login attempt."}}"#;
        assert_eq!(
            read_error(401, None, restlet).unwrap().code,
            "INVALID_LOGIN_ATTEMPT"
        );
        // The WWW-Authenticate header, when the body says nothing.
        let h = r#"Bearer realm="123456", error="invalid_token", error_description="Invalid login attempt.""#;
        let e = read_error(401, Some(h), "").unwrap();
        assert_eq!(e.code, "invalid_token");
        assert_eq!(e.detail.as_deref(), Some("Invalid login attempt."));
        // A TBA code from the integration-record table gets its own hint.
        let blocked = r#"{"error":{"code":"consumer_key_refused","message":"x"}}"#;
        assert!(read_error(401, None, blocked)
            .unwrap()
            .hint
            .contains("Blocked"));
        let web_only = r#"{"error":{"code":"INVALID_LOGIN_CREDENTIALS","message":"x"}}"#;
        assert!(read_error(401, None, web_only)
            .unwrap()
            .hint
            .contains("Web Services Only"));
        // Success, other bodies and hostile sizes are not errors of NetSuite's.
        assert_eq!(read_error(200, None, rest), None);
        assert_eq!(read_error(500, None, "<html>oops</html>"), None);
        assert_eq!(read_error(401, Some("garbage"), "[1,2"), None);
        let huge = format!(r#"{{"error":{{"code":"{}"}}}}"#, "A".repeat(10_000));
        assert_eq!(read_error(400, None, &huge).unwrap().code.len(), 1_000);
    }

    #[test]
    fn a_realm_for_one_account_and_a_host_for_another_are_told_apart() {
        let a = Account::parse("1234567_SB1").unwrap();
        assert_eq!(
            a.matches_host("https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=6"),
            Some(true)
        );
        assert_eq!(
            a.matches_host(
                "https://1234567.suitetalk.api.netsuite.com/services/rest/record/v1/customer"
            ),
            Some(false)
        );
        assert_eq!(a.matches_host("https://api.xero.com/connections"), None);
        assert!(tba_error_hint("invalidsignature")
            .unwrap()
            .contains("HMAC-SHA256"));
        assert_eq!(tba_error_hint("SomethingElse"), None);
    }
}
