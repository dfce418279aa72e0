//! The audit of a Salesforce integration that logs in with a password (`app_type =
//! "password-flow"`: the OAuth 2.0 username-password flow; `"soap-login"`: SOAP `login()` with
//! its API version) or has moved already (`"jwt-bearer"`), and the evidence of the org's Login
//! History. The move is to an External Client App with the JWT bearer flow (a certificate, no
//! shared secret) or its client credentials flow (a secret and a run-as user). Dates and
//! sources: docs/salesforce.md.

use super::login_history::{version_number, LoginEvidence, Tally, Way, MAX_RECORD};
use crate::audit::inventory::{InventoryError, LegacyIntegration, SecretField};
use crate::audit::model::{
    finding, profile_name, sort_findings, AuditFinding, AuditOptions, IntegrationAudit,
    Recommendation,
};
use crate::audit::scopes::{PlannedScope, ScopePlan};
use crate::cert::Severity;
use crate::oauth2::profile::Grant;
use crate::provider::legacy::{
    AppType, CertificateStep, Credential, Field, FieldProblem, Legacy, MigrationPlan, Question,
    Target,
};
use crate::text::shell;

/// The JWT bearer flow: a certificate uploaded to the app, a signed assertion per token.
pub const JWT_BEARER: &str = "jwt-bearer";
/// The client credentials flow of an External Client App: a secret and a run-as user.
pub const CLIENT_CREDENTIALS: &str = "client-credentials";
/// The app types.
pub const PASSWORD_FLOW: &str = "password-flow";
/// SOAP `login()`.
pub const SOAP_LOGIN: &str = "soap-login";

/// When the username-password flow goes, as Salesforce names it, and the source.
pub const PASSWORD_FLOW_RETIRES: &str = "Winter '27";
/// When SOAP `login()` goes for API 31.0 to 64.0.
pub const SOAP_LOGIN_RETIRES: &str = "Summer '27";
/// The API version from which SOAP takes JWT-format access tokens.
pub const SOAP_JWT_FROM: f64 = 68.0;
/// The API version at which the limits resource is read to verify a new token (one current
/// orgs serve; the resource exists in every version the move uses).
pub const VERIFY_VERSION: &str = "v62.0";

/// The largest Login History file read (an event log file can be large; each record is capped
/// too).
pub const MAX_LOGIN_FILE: u64 = 4 * 1024 * 1024 * 1024;

/// Salesforce's legacy integrations.
pub static LEGACY: Legacy = Legacy {
    app_types: &[
        AppType {
            id: PASSWORD_FLOW,
            oauth2: false,
        },
        AppType {
            id: SOAP_LOGIN,
            oauth2: false,
        },
        AppType {
            id: JWT_BEARER,
            oauth2: true,
        },
    ],
    targets: &[
        Target {
            id: JWT_BEARER,
            grant: Grant::JwtBearer,
            credential: Credential::CertificateAssertion,
            platform: false,
        },
        Target {
            id: CLIENT_CREDENTIALS,
            grant: Grant::ClientCredentials,
            credential: Credential::Secret,
            platform: false,
        },
    ],
    check,
    audit,
    recommend,
    migration: Some(&MIGRATION),
    questions: &[
        Question {
            field: Field::LoginUrl,
            ask: "Login URL (Enter for https://login.salesforce.com; https://test.salesforce.com for a sandbox, or the org's My Domain URL)",
            required: false,
        },
        Question {
            field: Field::Username,
            ask: "Username of the API user it logs in as",
            required: true,
        },
        Question {
            field: Field::ApiVersion,
            ask: "SOAP API version, for soap-login (the number in its SOAP endpoint's URL; Enter to skip)",
            required: false,
        },
    ],
    // Its audit reads logins, not calls.
    calls_question: "",
};

static MIGRATION: MigrationPlan = MigrationPlan {
    plan_heading: "set up the External Client App:",
    client_id_question: "Consumer key of the External Client App (its OAuth settings show it)",
    requires: Some((
        "username",
        "a Salesforce migration needs the API user's username, and the inventory names none",
        "add username = \"integration@acme.com\" to the inventory: the user the integration logs in as today",
    )),
    portal_steps: migration_steps,
    verification_paths,
    certificate: Some(&CERTIFICATE),
    token_batch: None,
};

/// The certificate the JWT bearer flow needs, as `cert new --for salesforce` makes it.
static CERTIFICATE: CertificateStep = CertificateStep {
    key_file: "salesforce-privatekey.pem",
    certificate_file: "salesforce-publickey.cer",
    key_type: crate::cert::generate::KeyType::Rsa(2048),
    days: 365,
    make_step: |inv, dir| {
        format!(
            "Making the app's key and certificate for {} in {dir} (RSA 2048, SHA-256, 365 days, as Salesforce's own walk-through makes them).",
            inv.name
        )
    },
    upload_step: "Upload salesforce-publickey.cer to the External Client App (OAuth settings: enable the JWT bearer flow, upload the certificate), and pre-authorise the API user's profile or a permission set in its policies.",
    key_id_question: None,
};

/// Salesforce's checks of an inventory: the login URL, the API version.
fn check(inv: &LegacyIntegration) -> Result<(), FieldProblem> {
    if let Some(u) = &inv.login_url {
        if let Some(why) = crate::net::insecure_reason(u) {
            return Err(FieldProblem {
                field: "login_url",
                message: format!("login_url {:?}: {why}", crate::text::term(u)),
                hint: "write https://login.salesforce.com, https://test.salesforce.com or the org's My Domain URL".into(),
            });
        }
    }
    if let Some(v) = &inv.api_version {
        if version_number(v).is_none() {
            return Err(FieldProblem {
                field: "api_version",
                message: format!(
                    "api_version {:?} is not an API version",
                    crate::text::term(v)
                ),
                hint: "write it as the SOAP endpoint's URL shows it, such as \"58.0\"".into(),
            });
        }
    }
    Ok(())
}

fn recommend(inv: &LegacyIntegration) -> Recommendation {
    crate::audit::model::follow_inventory(
        inv,
        JWT_BEARER,
        "a job that logs in as one API user with no one present: the JWT bearer flow keeps that user, with a certificate instead of a password, and no secret to share".into(),
    )
}

/// Audits one integration.
pub fn audit(
    inv: &LegacyIntegration,
    options: &AuditOptions,
) -> Result<IntegrationAudit, InventoryError> {
    let mut findings = Vec::new();
    let moved = inv.app_type == JWT_BEARER;
    if let Some(SecretField::Inline(_)) = &inv.password {
        findings.push(finding(
            "inline-secret",
            Severity::Error,
            "the API user's password is written into the inventory file".into(),
            "move it to an environment variable or a 0600 file and write password = { env = \"VAR\" }; treat the old value as exposed and reset it",
        ));
    }
    if let Some(SecretField::Inline(_)) = &inv.consumer_secret {
        findings.push(finding(
            "inline-secret",
            Severity::Error,
            "the consumer secret is written into the inventory file".into(),
            "move it to an environment variable or a 0600 file; treat the old value as exposed",
        ));
    }
    match inv.app_type.as_str() {
        PASSWORD_FLOW => findings.push(finding(
            "password-flow-retires",
            Severity::Error,
            format!("the OAuth 2.0 username-password flow retires with {PASSWORD_FLOW_RETIRES} (Salesforce's release note; the calendar day is not published, and orgs created in Summer '23 or later block the flow by default)"),
            "move to an External Client App with the JWT bearer flow (the checklist below)",
        )),
        SOAP_LOGIN => soap_findings(inv, &mut findings),
        _ => {}
    }
    if !moved {
        findings.push(finding(
            "new-apps-are-external-client-apps",
            Severity::Notice,
            "new Connected Apps need a Support case since Spring '26: the new app is an External Client App".into(),
            "create it in Setup's External Client App Manager",
        ));
    }
    if inv.username.is_none() {
        findings.push(finding(
            "no-username",
            Severity::Warning,
            "the inventory does not name the API user".into(),
            "add username = \"integration@acme.com\": the JWT bearer flow acts as that user, who must be pre-authorised for the app",
        ));
    }
    if inv.login_url.is_none() {
        findings.push(finding(
            "no-login-url",
            Severity::Notice,
            "the inventory names no login URL, so production's (https://login.salesforce.com) is assumed".into(),
            "add login_url = \"https://test.salesforce.com\" for a sandbox, or the org's My Domain URL",
        ));
    }
    let evidence = login_evidence(inv)?;
    evidence_findings(inv, &evidence, &mut findings);
    let certificate = crate::audit::model::check_certificate_as(
        inv,
        options,
        &super::keys::JWT_BEARER,
        moved,
        &mut findings,
    )?;
    let recommendation = recommend(inv);
    let status = sort_findings(&mut findings);
    let (checklist, decommission_from) = checklist(inv, &recommendation.target);
    Ok(IntegrationAudit {
        file: inv.file.display().to_string(),
        name: inv.name.clone(),
        vendor: inv.vendor.clone(),
        organisation: inv.organisation.clone(),
        app_type: inv.app_type.clone(),
        protocol: match inv.app_type.as_str() {
            SOAP_LOGIN => "SOAP login()",
            _ => "OAuth 2.0",
        },
        oauth1_status: match inv.app_type.as_str() {
            PASSWORD_FLOW => format!("in use; the username-password flow retires with {PASSWORD_FLOW_RETIRES} (day unconfirmed)"),
            SOAP_LOGIN => format!("in use; SOAP login() for API 31.0 to 64.0 retires with {SOAP_LOGIN_RETIRES}, and 65.0 has none"),
            _ => "moved: the JWT bearer flow".into(),
        },
        status,
        findings,
        certificate: certificate.0,
        key_matches: certificate.1,
        recommendation,
        scopes: Some(scope_plan()),
        checklist,
        decommission_from,
    })
}

fn soap_findings(inv: &LegacyIntegration, findings: &mut Vec<AuditFinding>) {
    let Some(v) = inv.api_version.as_deref().and_then(version_number) else {
        findings.push(finding(
            "soap-version-unknown",
            Severity::Warning,
            "the inventory does not give the SOAP API version, and the dates depend on it".into(),
            "add api_version = \"58.0\": the number in the client's SOAP endpoint URL (/services/Soap/u/58.0)",
        ));
        return;
    };
    let shown = inv.api_version.as_deref().unwrap_or("").trim();
    if v >= 65.0 {
        findings.push(finding(
            "soap-login-gone",
            Severity::Error,
            format!("SOAP API {shown} has no login(): the call fails with INVALID_OPERATION"),
            "log in with the JWT bearer flow and pass its access token as the session id",
        ));
    } else if v >= 31.0 {
        findings.push(finding(
            "soap-login-retires",
            Severity::Error,
            format!("SOAP login() in API {shown} retires with {SOAP_LOGIN_RETIRES} (Salesforce's help article on the retirement; some report a day, unconfirmed)"),
            "log in with the JWT bearer flow, and raise the client's API version to 65.0 or later while at it",
        ));
    } else {
        findings.push(finding(
            "soap-version-retired",
            Severity::Error,
            format!("SOAP API {shown} is older than the versions the retirement notices cover (31.0 to 64.0): it is most likely retired already (unconfirmed)"),
            "raise the client's API version, and log in with the JWT bearer flow",
        ));
    }
    if (31.0..41.0).contains(&v) {
        findings.push(finding(
            "soap-version-deprecated",
            Severity::Warning,
            format!("API {shown} itself is deprecated with Summer '27 and removed with Summer '28 (as public code citing Salesforce's notice reads it: unconfirmed)"),
            "raise the client's API version as part of the move",
        ));
    }
    if v < SOAP_JWT_FROM {
        findings.push(finding(
            "soap-jwt-access-token",
            Severity::Notice,
            format!("SOAP takes JWT-format access tokens only from API {SOAP_JWT_FROM:.1}; this client is on {shown}"),
            "leave the new app issuing opaque access tokens (its default), or raise the client to 68.0 or later",
        ));
    }
}

/// The inventory's Login History files, read.
fn login_evidence(inv: &LegacyIntegration) -> Result<LoginEvidence, InventoryError> {
    let mut tally = Tally::default();
    for p in &inv.login_history {
        let path = inv.resolve(p);
        tally.read_file(&path, MAX_LOGIN_FILE).map_err(|e| {
            inv.field_error(
                inv.lines.login_history,
                e.to_string(),
                "export Login History as CSV (a SOQL query of LoginHistory, or Setup's download), or an ApiTotalUsage event log file; the path is relative to the inventory",
            )
        })?;
    }
    Ok(tally.finish())
}

/// How many groups of each way are written as findings; the rest are counted in one.
const SHOWN: usize = 20;

fn evidence_findings(inv: &LegacyIntegration, e: &LoginEvidence, out: &mut Vec<AuditFinding>) {
    if e.files.is_empty() {
        if inv.app_type != JWT_BEARER {
            out.push(finding(
                "no-login-history",
                Severity::Notice,
                "the inventory names no Login History export, so nothing shows which other users and apps still log in with a password".into(),
                "add login_history = [\"LoginHistory.csv\"]: a CSV of SELECT UserId, LoginTime, LoginType, LoginSubType, ApiType, ApiVersion, Application, Status FROM LoginHistory (six months are kept)",
            ));
        }
        return;
    }
    let rows: u64 = e.files.iter().map(|f| f.rows).sum();
    let skipped: u64 = e.files.iter().map(|f| f.skipped).sum();
    if skipped > 0 {
        out.push(finding(
            "login-history-skipped",
            Severity::Warning,
            format!("{skipped} record(s) of the Login History files could not be read (longer than {} KiB, or not CSV) and were left out", MAX_RECORD / 1024),
            "check the export is whole; re-export it if it was cut",
        ));
    }
    if e.uses.is_empty() {
        out.push(finding(
            "login-history-clean",
            Severity::Notice,
            format!("no password or SOAP logins in {rows} login record(s)"),
            "keep watching Login History until the old login is switched off",
        ));
        return;
    }
    for way in [Way::PasswordFlow, Way::SoapLogin] {
        let of: Vec<_> = e.uses.iter().filter(|u| u.way == way).collect();
        for u in of.iter().take(SHOWN) {
            let who = if u.user_is_id {
                "a user id: compare it with the API user's"
            } else if inv.username.as_deref() == Some(u.user.as_str()) {
                "the inventory's API user"
            } else {
                "another user"
            };
            let version = u
                .api_version
                .as_deref()
                .map(|v| format!(", API {v}"))
                .unwrap_or_default();
            let last = u
                .last_seen
                .as_deref()
                .map(|t| format!(", last {t}"))
                .unwrap_or_default();
            let failed = if u.failed > 0 {
                format!(" ({} failed)", u.failed)
            } else {
                String::new()
            };
            let (what, hint) = match way {
                Way::PasswordFlow => ("with the username-password flow", "an integration logs in with a password: move it to the External Client App (give it an inventory of its own if it is not this one)"),
                Way::SoapLogin => ("with SOAP login()", "a SOAP client logs in with a password (Login History: a SOAP API type and no OAuth subtype, a heuristic; an ApiTotalUsage row: SOAP login): move it to the JWT bearer flow and pass the token as the session id"),
            };
            out.push(finding(
                &format!("login-history-{}", way.as_str()),
                Severity::Warning,
                format!(
                    "{} login(s){failed} by {} ({who}) through {} {what}{version}{last}",
                    u.logins,
                    crate::text::term(&u.user),
                    crate::text::term(&u.application),
                ),
                hint,
            ));
        }
        if of.len() > SHOWN {
            let more: u64 = of.iter().skip(SHOWN).map(|u| u.logins).sum();
            out.push(finding(
                &format!("login-history-{}", way.as_str()),
                Severity::Warning,
                format!(
                    "and {more} more login(s) {} by {} other user and application pairs",
                    way.as_str(),
                    of.len() - SHOWN
                ),
                "see the Login History export",
            ));
        }
    }
    if e.other_logins > 0 {
        out.push(finding(
            "login-history-truncated",
            Severity::Notice,
            format!("{} login(s) past the first {} user and application pairs were counted without their names", e.other_logins, super::login_history::MAX_GROUPS),
            "split the export by user to see them",
        ));
    }
}

/// `api` is the scope an integration's REST and SOAP calls need (Salesforce's "Manage user
/// data via APIs").
fn scope_plan() -> ScopePlan {
    ScopePlan {
        scheme: "salesforce",
        scheme_reason:
            "the External Client App grants scopes itself; the integration's API calls need api"
                .into(),
        scope_string: "api".into(),
        scopes: vec![PlannedScope {
            scope: "api".into(),
            reason: "REST and SOAP API calls".into(),
            needed_by: Vec::new(),
            granular_replacement: Vec::new(),
            confirm: false,
            sources: vec!["Salesforce Help, OAuth Tokens and Scopes".into()],
        }],
        unmapped: Vec::new(),
        calls: 0,
    }
}

fn login_url(inv: &LegacyIntegration) -> &str {
    inv.login_url
        .as_deref()
        .map(|u| u.trim_end_matches('/'))
        .unwrap_or(super::LOGIN.default_url)
}

/// The External Client App's set-up, as `migrate` shows it before asking for the consumer key.
fn app_steps(inv: &LegacyIntegration, target: &str) -> Vec<String> {
    let user = inv.username.as_deref().unwrap_or("the API user");
    let mut steps = vec![format!(
        "In Salesforce Setup ({}), External Client App Manager > New External Client App: name it \"{} (JWT)\", turn on OAuth, and give it the scope api (Manage user data via APIs).",
        login_url(inv),
        inv.name
    )];
    if target == CLIENT_CREDENTIALS {
        steps.push(format!("In its OAuth settings, enable the Client Credentials Flow; in its policies, set the run-as user to {user}, and copy the consumer key and secret."));
    } else {
        steps.push("In its OAuth settings, enable the JWT Bearer Flow and upload salesforce-publickey.cer as its certificate.".into());
        steps.push(format!("In its policies, set Permitted Users to \"Admin approved users are pre-authorized\", and add the profile of {user} or a permission set assigned to that user."));
    }
    steps.push("Keep the consumer key at hand (the app's OAuth settings show it).".into());
    steps
}

fn migration_steps(inv: &LegacyIntegration, audit: &IntegrationAudit, _: &str) -> Vec<String> {
    app_steps(inv, &audit.recommendation.target)
}

fn verification_paths(
    _: &LegacyIntegration,
    _: &IntegrationAudit,
) -> Result<Vec<String>, InventoryError> {
    Ok(vec![format!("/services/data/{VERIFY_VERSION}/limits")])
}

/// The steps of the move, then the switch and the decommissioning.
fn checklist(inv: &LegacyIntegration, target: &str) -> (Vec<String>, usize) {
    let profile = profile_name(inv);
    let user = inv.username.as_deref().unwrap_or("USERNAME");
    let url = login_url(inv);
    let mut steps = Vec::new();
    if target != CLIENT_CREDENTIALS {
        steps.push(format!(
            "Make the app's key and certificate: oauth1to2 cert new --for salesforce --cn {} --out-dir {} (keep salesforce-privatekey.pem in the client's vault).",
            shell(&inv.name),
            shell(&format!("{profile}-salesforce"))
        ));
    }
    steps.extend(app_steps(inv, target));
    steps.push(if target == CLIENT_CREDENTIALS {
        format!("Connect and read: oauth1to2 connect -p {} --provider salesforce --grant client-credentials --client-id CONSUMER_KEY --client-secret-prompt --login-url MY_DOMAIN_URL, then oauth1to2 api -p {} GET /services/data/{VERIFY_VERSION}/limits.", shell(&profile), shell(&profile))
    } else {
        format!(
            "Connect and read: oauth1to2 connect -p {} --provider salesforce --grant jwt-bearer --client-id CONSUMER_KEY --username {} --assertion-key {} --login-url {}, then oauth1to2 api -p {} GET /services/data/{VERIFY_VERSION}/limits (or oauth1to2 migrate {}, which does these steps and resumes).",
            shell(&profile),
            shell(user),
            shell(&format!("{profile}-salesforce/salesforce-privatekey.pem")),
            shell(url),
            shell(&profile),
            shell(&inv.file.display().to_string()),
        )
    });
    if inv.app_type == SOAP_LOGIN {
        steps.push("Raise the SOAP client's API version to 65.0 or later (there is no login() there) and pass the access token as its session id; keep the app's tokens opaque unless the client is on 68.0 or later.".into());
    }
    let decommission_from = steps.len();
    steps.push("Switch the integration to the handoff (SF_CLIENT_ID, SF_USERNAME, SF_LOGIN_URL, SF_INSTANCE_URL and the key's path) and run it once.".into());
    steps.push(format!(
        "Watch Login History for {user}: no more password or SOAP logins."
    ));
    steps.push("Then block the old login: in OAuth and OpenID Connect Settings turn off username-password flows, reset the API user's password, and retire the old Connected App.".into());
    if target != CLIENT_CREDENTIALS {
        steps.push("Note the certificate's expiry (365 days) and renew it before then: the app stops taking assertions when it passes.".into());
    }
    (steps, decommission_from)
}
