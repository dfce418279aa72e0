//! The audit of a NetSuite Token-Based Authentication integration (`provider = "netsuite"`,
//! `app_type = "tba"`): OAuth 1.0 with HMAC-SHA256, moving to OAuth 2.0 machine-to-machine
//! (client credentials with a certificate), or to the authorization code grant when a user must
//! be present. The calls come from the evidence (`provider::netsuite::calls`); the scopes are
//! NetSuite's three; the findings are what stops or complicates the move.

use crate::text::shell;
use std::collections::BTreeMap;

use super::calls::{self, Api, Call};
use super::Account;
use crate::audit::inventory::{InventoryError, LegacyIntegration, SecretField};
use crate::audit::model::{
    finding, profile_name, sort_findings, AuditFinding, AuditOptions, IntegrationAudit,
    Recommendation,
};
use crate::audit::scopes::{PlannedScope, ScopePlan, UnmappedCall};
use crate::cert::Severity;
use crate::oauth2::profile::Grant;
use crate::provider::legacy::{
    AppType, CertificateStep, Credential, Field, FieldProblem, Legacy, MigrationPlan, Question,
    Target,
};

/// NetSuite's legacy integrations: Token-Based Authentication, moving to machine-to-machine
/// or the authorization code grant.
pub static LEGACY: Legacy = Legacy {
    app_types: &[AppType {
        id: "tba",
        oauth2: false,
    }],
    targets: &[
        Target {
            id: M2M,
            grant: Grant::ClientCredentials,
            credential: Credential::CertificateAssertion,
            platform: false,
        },
        Target {
            id: AUTHORIZATION_CODE,
            grant: Grant::AuthorizationCode,
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
            field: Field::Account,
            ask: "NetSuite account id (1234567, or 1234567_SB1 for a sandbox)",
            required: true,
        },
        Question {
            field: Field::TokenId,
            ask: "Token id of the TBA access token",
            required: false,
        },
    ],
    calls_question: "API calls it makes (GET record/customer,RESTlet 6/1,...)",
};

/// Machine-to-machine: client credentials with a certificate and a signed JWT assertion.
pub const M2M: &str = "m2m";
/// The authorization code grant: a user signs in.
pub const AUTHORIZATION_CODE: &str = "authorization-code";

static MIGRATION: MigrationPlan = MigrationPlan {
    plan_heading: "create the new NetSuite integration record:",
    client_id_question:
        "Client ID of the new NetSuite integration record (shown once, when it was saved)",
    requires: Some((
        "account",
        "a NetSuite migration needs the account id, and the inventory names none",
        "add account = \"1234567\" (or \"1234567_SB1\" for a sandbox) to the inventory; Setup > Company > Company Information shows it",
    )),
    portal_steps: migration_steps,
    verification_paths,
    certificate: Some(&CERTIFICATE),
    token_batch: None,
};

// The certificate conditions of NetSuite's M2M setup (help topic subsect_162755332391):
// RSA 3072 by default, valid for two years at most.
static CERTIFICATE: CertificateStep = CertificateStep {
    key_file: "netsuite-privatekey.pem",
    certificate_file: "netsuite-publickey.cer",
    key_type: crate::cert::generate::KeyType::Rsa(3072),
    days: 730,
    make_step: certificate_step,
    upload_step: UPLOAD_STEP,
    key_id_question: Some("Certificate ID NetSuite shows for the uploaded certificate"),
};

/// NetSuite's checks of an inventory: the account's spelling, the signature method.
fn check(inv: &LegacyIntegration) -> Result<(), FieldProblem> {
    if let Some(a) = &inv.account {
        if let Err(e) = Account::parse(a) {
            return Err(FieldProblem {
                field: "account",
                message: e.to_string(),
                hint: e.hint(),
            });
        }
    }
    if let Some(m) = &inv.signature_method {
        if !matches!(m.as_str(), "HMAC-SHA256" | "HMAC-SHA1") {
            return Err(FieldProblem {
                field: "signature_method",
                message: format!("signature_method {m:?} is not one TBA has used"),
                hint: "write HMAC-SHA256 (or HMAC-SHA1, if the code still signs that way)".into(),
            });
        }
    }
    Ok(())
}

fn recommend(inv: &LegacyIntegration) -> Recommendation {
    let (kind, reason) = target(inv);
    crate::audit::model::follow_inventory(inv, kind, reason)
}

/// The portal steps `migrate` shows: the integration record, then the Client ID.
fn migration_steps(
    inv: &LegacyIntegration,
    audit: &IntegrationAudit,
    redirect_uri: &str,
) -> Vec<String> {
    let scopes = audit
        .scopes
        .as_ref()
        .map(|p| p.scope_string.clone())
        .unwrap_or_default();
    vec![
        record_step(inv, &audit.recommendation.target, &scopes, redirect_uri),
        "Keep the Client ID at hand: oauth1to2 asks for it next (or give --client-id).".into(),
    ]
}

/// A REST read call for each record type the integration used.
fn verification_paths(
    inv: &LegacyIntegration,
    _audit: &IntegrationAudit,
) -> Result<Vec<String>, InventoryError> {
    let calls = calls_of(inv)?;
    Ok(record_types(&calls)
        .iter()
        .map(|t| format!("/record/v1/{t}?limit=1"))
        .collect())
}

/// The stable ids of this audit's findings (docs/inventory.md lists them).
pub const HMAC_SHA1: &str = "tba-hmac-sha1";
/// A realm (or passport account) for another account than the host, or than the inventory's.
pub const REALM_MISMATCH: &str = "tba-realm-mismatch";
/// A SOAP operation: OAuth 2.0 does not cover SOAP web services.
pub const SOAP_CALL: &str = "soap-call";
/// No account id in the inventory.
pub const NO_ACCOUNT: &str = "no-account";

/// Where the scopes and the grant come from.
const SOURCE: &str = "Oracle NetSuite help, The Request Token Structure (section_162790605110)";

/// The calls the inventory's evidence shows (list, HAR, log), in order, duplicates kept out.
pub fn calls_of(inv: &LegacyIntegration) -> Result<Vec<Call>, InventoryError> {
    let mut out = calls::from_list(&inv.endpoints.calls).map_err(|e| {
        inv.field_error(inv.lines.calls, format!("[endpoints] calls: {e}"), e.hint())
    })?;
    for (is_har, line, name, text) in crate::audit::model::evidence_files(inv)? {
        let found = if is_har {
            calls::from_har(&text)
                .map_err(|e| inv.field_error(line, format!("{name}: {e}"), e.hint()))?
                .0
        } else {
            calls::from_log(&text).0
        };
        out.extend(found);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Where a TBA integration goes, and why.
pub fn target(inv: &LegacyIntegration) -> (&'static str, String) {
    if inv.unattended == Some(false) {
        (
            AUTHORIZATION_CODE,
            "a user signs in for every run: the authorization code grant keeps that (with PKCE, and a refresh token while the user is away)".into(),
        )
    } else {
        (
            M2M,
            "a TBA token acts for one user and role with no one present; machine-to-machine (client credentials with a certificate, signed JWT assertions) does the same for an entity and role mapped to the certificate, with no shared secret to leak".into(),
        )
    }
}

/// Audits one TBA integration.
pub fn audit(
    inv: &LegacyIntegration,
    options: &AuditOptions,
) -> Result<IntegrationAudit, InventoryError> {
    let mut findings = Vec::new();
    let account = inv.account.as_deref().and_then(|a| Account::parse(a).ok());
    if account.is_none() {
        findings.push(finding(
            NO_ACCOUNT,
            Severity::Warning,
            "the inventory does not name the NetSuite account".into(),
            "add account = \"1234567\" (or \"1234567_SB1\" for a sandbox): Setup > Company > Company Information shows it; the new endpoints and the certificate mapping are per account",
        ));
    }
    for (key, field) in [
        ("consumer secret", &inv.consumer_secret),
        ("token secret", &inv.token_secret),
    ] {
        if let Some(SecretField::Inline(_)) = field {
            findings.push(finding(
                "inline-secret",
                Severity::Error,
                format!("the {key} is written into the inventory file"),
                "move it to an environment variable or a 0600 file and write { env = \"VAR\" }; treat the old value as exposed (reset it on the integration record or the access token)",
            ));
        }
    }

    let calls = calls_of(inv)?;
    signature_findings(inv, account.as_ref(), &calls, &mut findings);
    let plan = plan(&calls, &mut findings);
    let certificate = crate::audit::model::check_certificate_as(
        inv,
        options,
        &super::keys::M2M,
        false,
        &mut findings,
    )?;

    let recommendation = recommend(inv);
    let status = sort_findings(&mut findings);
    let (checklist, decommission_from) = checklist(inv, &recommendation, plan.as_ref(), &calls);
    Ok(IntegrationAudit {
        file: inv.file.display().to_string(),
        name: inv.name.clone(),
        vendor: inv.vendor.clone(),
        organisation: inv.organisation.clone(),
        app_type: inv.app_type.clone(),
        protocol: "OAuth 1.0",
        oauth1_status: format!(
            "in use; as of NetSuite {} no new TBA integrations can be created (existing ones keep working), and SOAP web services accept only TBA",
            super::TBA_NO_NEW_FROM
        ),
        status,
        findings,
        certificate: certificate.0,
        key_matches: certificate.1,
        recommendation,
        scopes: plan,
        checklist,
        decommission_from,
    })
}

fn signature_findings(
    inv: &LegacyIntegration,
    account: Option<&Account>,
    calls: &[Call],
    findings: &mut Vec<AuditFinding>,
) {
    let mut sha1_where: Vec<String> = Vec::new();
    if inv.signature_method.as_deref() == Some("HMAC-SHA1") {
        sha1_where.push("the inventory's signature_method".into());
    }
    let sha1_calls = calls
        .iter()
        .filter(|c| c.signature_method.as_deref() == Some("HMAC-SHA1"))
        .count();
    if sha1_calls > 0 {
        sha1_where.push(format!(
            "{sha1_calls} call{} in the evidence",
            if sha1_calls == 1 { "" } else { "s" }
        ));
    }
    if !sha1_where.is_empty() {
        findings.push(finding(
            HMAC_SHA1,
            Severity::Error,
            format!(
                "the integration signs with HMAC-SHA1 ({}); NetSuite stopped accepting HMAC-SHA1 in 2023.1 (sandboxes in 2021.2), so these requests fail",
                sha1_where.join(", ")
            ),
            "sign with HMAC-SHA256 until the move (`oauth1to2 oauth1 sign --as netsuite` shows the header), or move to machine-to-machine now",
        ));
    }
    // A realm for one account sent to another's host, and hosts of another account than the
    // inventory's.
    let mut mismatches: BTreeMap<(String, String), usize> = BTreeMap::new();
    for c in calls {
        if c.realm_mismatch() == Some(true) {
            *mismatches
                .entry((
                    c.realm.clone().unwrap_or_default(),
                    c.host_account.clone().unwrap_or_default(),
                ))
                .or_default() += 1;
        }
    }
    for ((realm, host), n) in mismatches {
        findings.push(finding(
            REALM_MISMATCH,
            Severity::Error,
            format!("{n} call{} signed with realm {realm:?} went to the host of account {host:?}: NetSuite refuses the login (realm and host must name the same account)", if n == 1 { "" } else { "s" }),
            "use the account id in upper case with _SB1 style suffixes as realm, and the same account in lower case with - in the host (`oauth1to2 oauth1 sign --as netsuite --account ID` builds both)",
        ));
    }
    if let Some(a) = account {
        let mut others: Vec<&str> = calls
            .iter()
            .filter_map(|c| c.host_account.as_deref())
            .filter(|h| *h != a.host)
            .collect();
        others.sort_unstable();
        others.dedup();
        if !others.is_empty() {
            findings.push(finding(
                REALM_MISMATCH,
                Severity::Warning,
                format!(
                    "the evidence has calls to account {} but the inventory names {}",
                    others.join(", "),
                    a.realm
                ),
                "check which account the integration serves (a sandbox and production are separate accounts, each with its own M2M mapping)",
            ));
        }
    }
}

fn plan(calls: &[Call], findings: &mut Vec<AuditFinding>) -> Option<ScopePlan> {
    if calls.is_empty() {
        findings.push(finding(
            "no-endpoints",
            Severity::Notice,
            "the inventory lists no calls and no HAR or log to find them in".into(),
            "add [endpoints] calls = [\"GET record/customer\", \"RESTlet 6/1\", ...], or har = / log = with the integration's traffic, to plan the scopes",
        ));
        return None;
    }
    let mut by_scope: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut soap: BTreeMap<String, usize> = BTreeMap::new();
    for c in calls {
        match c.api.scope() {
            Some(s) => {
                let what = format!("{} {}", c.method, c.api);
                let list = by_scope.entry(s).or_default();
                if !list.contains(&what) {
                    list.push(what);
                }
            }
            None => {
                if let Api::Soap { action } = &c.api {
                    *soap.entry(action.clone()).or_default() += 1;
                }
            }
        }
    }
    let mut unmapped = Vec::new();
    for (action, n) in &soap {
        findings.push(finding(
            SOAP_CALL,
            Severity::Warning,
            format!(
                "SOAP {action} ({n} call{}): SOAP web services accept only TBA, and OAuth 2.0 does not cover them",
                if *n == 1 { "" } else { "s" }
            ),
            "move this operation to REST web services (a record or SuiteQL call) or a RESTlet before the switch; until then it keeps its TBA token",
        ));
        unmapped.push(UnmappedCall {
            call: format!("SOAP {action}"),
            reason: "OAuth 2.0 does not cover SOAP web services: move it to REST first".into(),
        });
    }
    let scopes: Vec<PlannedScope> = by_scope
        .into_iter()
        .map(|(scope, needed_by)| PlannedScope {
            scope: scope.into(),
            reason: match scope {
                "restlets" => "RESTlet calls",
                "suite_analytics" => "SuiteAnalytics Connect",
                _ => "REST web services (records and SuiteQL)",
            }
            .into(),
            needed_by,
            granular_replacement: Vec::new(),
            confirm: false,
            sources: vec![SOURCE.into()],
        })
        .collect();
    Some(ScopePlan {
        scheme: "netsuite",
        scheme_reason: "NetSuite's OAuth 2.0 has one scope per API family: rest_webservices, restlets and suite_analytics".into(),
        scope_string: scopes
            .iter()
            .map(|s| s.scope.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        scopes,
        unmapped,
        calls: calls.len(),
    })
}

/// The six steps of the move, then the switch and the decommissioning.
fn checklist(
    inv: &LegacyIntegration,
    r: &Recommendation,
    plan: Option<&ScopePlan>,
    calls: &[Call],
) -> (Vec<String>, usize) {
    let scopes = plan
        .map(|p| p.scope_string.clone())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "rest_webservices".into());
    let mut steps = Vec::new();
    let mut soap: Vec<&str> = calls
        .iter()
        .filter_map(|c| match &c.api {
            Api::Soap { action } => Some(action.as_str()),
            _ => None,
        })
        .collect();
    soap.sort_unstable();
    soap.dedup();
    if !soap.is_empty() {
        steps.push(format!(
            "Move the SOAP operations to REST web services or a RESTlet first (OAuth 2.0 does not cover SOAP): {}.",
            soap.join(", ")
        ));
    }
    steps.extend(plan_steps(inv, &r.target, &scopes));
    steps.extend(verify_steps(calls, &profile_name(inv)));
    let decommission_from = steps.len();
    steps.extend(decommission_steps(inv));
    (steps, decommission_from)
}

/// The account as the plan writes it: the realm spelling, or a placeholder.
fn account_of(inv: &LegacyIntegration) -> String {
    inv.account
        .as_deref()
        .and_then(|a| Account::parse(a).ok())
        .map(|a| a.realm)
        .unwrap_or_else(|| "ACCOUNT_ID".into())
}

/// Step 1 of NetSuite's plan: the new integration record, for the target's grant.
/// `redirect_uri` is the loopback URI `connect` will use (authorization code only).
pub fn record_step(
    inv: &LegacyIntegration,
    target: &str,
    scopes: &str,
    redirect_uri: &str,
) -> String {
    let account = account_of(inv);
    let scope_names = scopes.replace(' ', ", ");
    if target == AUTHORIZATION_CODE {
        format!("In NetSuite ({account}), Setup > Integration > Manage Integrations > New: name it \"{} (OAuth 2.0)\", tick Authorization Code Grant, clear Token-Based Authentication, add the redirect URI {redirect_uri}, tick the scopes {scope_names}, save, and copy the Client ID and Client Secret (shown once).", inv.name)
    } else {
        format!("In NetSuite ({account}), Setup > Integration > Manage Integrations > New: name it \"{} (OAuth 2.0)\", tick Client Credentials (Machine to Machine) Grant, clear Token-Based Authentication and the other grants, tick the scopes {scope_names}, save, and copy the Client ID (shown once).", inv.name)
    }
}

/// Step 2 of the plan: the key and the certificate.
pub fn certificate_step(inv: &LegacyIntegration, out_dir: &str) -> String {
    format!("Make the key and certificate: oauth1to2 cert new --for netsuite-m2m --cn {} --out-dir {} (keep netsuite-privatekey.pem; upload netsuite-publickey.cer).", shell(&inv.name), shell(out_dir))
}

/// Step 3 of the plan: the certificate's mapping, which gives the Certificate ID.
pub const UPLOAD_STEP: &str = "Upload the certificate: Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup > Create New; choose the entity and role the TBA token acts as and the new integration record, upload netsuite-publickey.cer, and copy the Certificate ID.";

/// Steps 1 to 4 of NetSuite's plan: the integration record, the certificate, its mapping, the
/// connection. `migrate` runs the same steps.
fn plan_steps(inv: &LegacyIntegration, target: &str, scopes: &str) -> Vec<String> {
    let (account, profile) = (account_of(inv), profile_name(inv));
    let (sh_account, sh_profile, sh_scopes) = (shell(&account), shell(&profile), shell(scopes));
    let record = record_step(inv, target, scopes, "http://localhost:8742/callback");
    if target == AUTHORIZATION_CODE {
        return vec![
            record,
            format!("Connect: oauth1to2 connect -p {sh_profile} --provider netsuite --account {sh_account} --grant authorization-code --client-id CLIENT_ID --client-secret-prompt --scopes {sh_scopes} (a user signs in)."),
        ];
    }
    vec![
        record,
        certificate_step(inv, &format!("{profile}-m2m/")),
        UPLOAD_STEP.into(),
        format!("Connect with the assertion: oauth1to2 connect -p {sh_profile} --provider netsuite --account {sh_account} --grant client-credentials --client-id CLIENT_ID --assertion-key {} --assertion-kid CERTIFICATE_ID --scopes {sh_scopes}", shell(&format!("{profile}-m2m/netsuite-privatekey.pem"))),
    ]
}

/// The REST record types among `calls`, sorted, each once.
pub fn record_types(calls: &[Call]) -> Vec<&str> {
    let mut types: Vec<&str> = calls
        .iter()
        .filter_map(|c| match &c.api {
            Api::Record { record_type } => Some(record_type.as_str()),
            _ => None,
        })
        .collect();
    types.sort_unstable();
    types.dedup();
    types
}

/// Step 5: a REST read call for each record type the integration used.
fn verify_steps(calls: &[Call], profile: &str) -> Vec<String> {
    let types = record_types(calls);
    if types.is_empty() {
        return vec![format!("Verify with a read call: oauth1to2 api -p {} GET '/record/v1/customer?limit=1' (or the RESTlet the integration calls).", shell(profile))];
    }
    types
        .iter()
        .map(|t| {
            format!(
                "Verify with a read call: oauth1to2 api -p {} GET {}.",
                shell(profile),
                shell(&format!("/record/v1/{t}?limit=1"))
            )
        })
        .collect()
}

/// Step 6: the switch and the decommissioning.
fn decommission_steps(inv: &LegacyIntegration) -> Vec<String> {
    let token = inv
        .token_id
        .as_deref()
        .map(|t| format!(" ({})", t.chars().take(12).collect::<String>()))
        .unwrap_or_default();
    let consumer = inv
        .consumer_key
        .as_deref()
        .map(|c| {
            format!(
                " (consumer key {}...)",
                c.chars().take(12).collect::<String>()
            )
        })
        .unwrap_or_default();
    vec![
        "Switch the integration to the new credentials and watch one full run.".into(),
        format!("Revoke the TBA access token{token}: Setup > Users/Roles > Access Tokens, open it and revoke it."),
        format!("Block the old integration record{consumer} in Setup > Integration > Manage Integrations (State: Blocked) once nothing else uses it; SOAP calls still on TBA need it until they move."),
        "Remove the consumer key and secret and the token id and secret from every config file, environment and secret store.".into(),
    ]
}
