//! The audit of an existing OAuth 2.0 app (`app_type = "web" | "pkce" | "custom-connection"`):
//! its move is from Xero's broad scopes to granular ones, by September 2027. The findings come
//! from the scope check (`scope_check`) on the scopes the app requests today and the evidence
//! of its calls; the checklist is the re-consent of every connected organisation.

use crate::text::shell;
use time::Date;

use super::audit::{app_type, calls_of, plan_scopes_for, TargetKind};
use crate::audit::inventory::{InventoryError, LegacyIntegration};
use crate::audit::model::{
    finding, profile_name, sort_findings, toml_date, AuditFinding, AuditOptions, IntegrationAudit,
    Recommendation,
};
use crate::audit::scope_check::{self, CheckInput, ScopeCheck, IDENTITY};
use crate::cert::Severity;

/// The stable ids of this audit's findings (docs/inventory.md lists them).
pub const BROAD_SCOPE_DEPRECATED: &str = "broad-scope-deprecated";
/// A requested scope no call needs.
pub const SCOPE_UNUSED: &str = "scope-unused";
/// A call needs a scope the app does not request.
pub const SCOPE_MISSING: &str = "scope-missing";
/// An unattended web or PKCE app without `offline_access`.
pub const OFFLINE_ACCESS_MISSING: &str = "offline-access-missing";
/// A broad scope on a Custom Connection created after broad scopes stopped for them.
pub const CUSTOM_CONNECTION_BROAD_SCOPE: &str = "custom-connection-broad-scope";

/// Audits one existing OAuth 2.0 app.
pub fn audit(
    inv: &LegacyIntegration,
    options: &AuditOptions,
) -> Result<IntegrationAudit, InventoryError> {
    let catalogue = &super::SCOPES;
    let kind = app_type(inv).as_target().unwrap_or(TargetKind::Web);
    let today = options.now.date();
    let created = inv.app_created.as_ref().and_then(toml_date);
    let mut findings = Vec::new();
    if inv.scopes.is_empty() {
        findings.push(finding(
            "no-scopes",
            Severity::Notice,
            "the inventory does not say which scopes the app requests today".into(),
            "add scopes = [\"openid\", \"offline_access\", \"accounting.transactions\", ...] as the app asks for them (its authorise URL or `oauth1to2 token status` shows them)",
        ));
    }

    // The scope plan from the evidence (granular, whatever the app's age: that is where it goes).
    let calls = calls_of(inv)?;
    let plan = plan_scopes_for(inv, &calls, options, kind, &mut findings)?;
    let check = scope_check::check(&CheckInput {
        catalogue,
        granted: &inv.scopes,
        calls: (!calls.is_empty()).then_some(calls.as_slice()),
        app_created: created,
        today,
    })
    .map_err(|e| InventoryError {
        file: inv.file.clone(),
        line: None,
        message: e.to_string(),
        hint: e.hint(),
    })?;
    scope_findings(inv, kind, created, &check, &mut findings);
    let status = sort_findings(&mut findings);
    let checklist = checklist(inv, kind, &check);
    let decommission_from = checklist.len().saturating_sub(1);
    Ok(IntegrationAudit {
        file: inv.file.display().to_string(),
        name: inv.name.clone(),
        vendor: inv.vendor.clone(),
        organisation: inv.organisation.clone(),
        app_type: inv.app_type.clone(),
        protocol: "OAuth 2.0",
        oauth1_status: format!(
            "in use; Xero's broad scopes go by {}",
            catalogue.broad_deadline
        ),
        status,
        findings,
        certificate: None,
        key_matches: None,
        recommendation: Recommendation {
            target: kind.as_str().to_owned(),
            reason: "it is already an OAuth 2.0 app: it keeps its type and moves to granular scopes, and every connected organisation authorises again".into(),
            differs_from_inventory: None,
        },
        scopes: plan,
        checklist,
        decommission_from,
    })
}

fn scope_findings(
    inv: &LegacyIntegration,
    kind: TargetKind,
    created: Option<Date>,
    c: &ScopeCheck,
    findings: &mut Vec<AuditFinding>,
) {
    let catalogue = &super::SCOPES;
    let m2m_refused = kind == TargetKind::CustomConnection
        && created.is_some_and(|d| d >= catalogue.m2m_granular_from);
    for d in &c.deprecated {
        let instead = if d.needed_replacements.is_empty() {
            d.replacements.join(" ")
        } else {
            d.needed_replacements.join(" ")
        };
        if m2m_refused {
            findings.push(finding(
                CUSTOM_CONNECTION_BROAD_SCOPE,
                Severity::Error,
                format!(
                    "the Custom Connection was created on {} and asks for {}: Xero refuses broad scopes to Custom Connections created since {}",
                    created.map(|d| d.to_string()).unwrap_or_default(),
                    d.scope,
                    catalogue.m2m_granular_from
                ),
                &format!("select {instead} for it in the developer portal instead; its token requests fail until then"),
            ));
            continue;
        }
        findings.push(finding(
            BROAD_SCOPE_DEPRECATED,
            if c.past_deadline {
                Severity::Error
            } else {
                Severity::Warning
            },
            if c.past_deadline {
                format!(
                    "{} is a broad scope Xero retired in {}",
                    d.scope, c.deadline
                )
            } else {
                format!(
                    "{} is a broad scope Xero retires by {}",
                    d.scope, c.deadline
                )
            },
            &format!("request {instead} instead; every connected organisation must authorise again (a refresh never changes scopes)"),
        ));
    }
    for u in &c.unused {
        findings.push(finding(
            SCOPE_UNUSED,
            Severity::Notice,
            format!("{u} is requested but no call in the evidence needs it"),
            "drop it at the next consent, unless the evidence misses a call",
        ));
    }
    for m in &c.missing {
        findings.push(finding(
            SCOPE_MISSING,
            Severity::Error,
            format!(
                "{} needs {} and the app does not request it",
                m.call,
                m.allowed_by.join(" or ")
            ),
            "add the scope to the app's request; the call fails until every organisation has consented to it",
        ));
    }
    let unattended = inv.unattended.unwrap_or(true);
    if unattended
        && matches!(kind, TargetKind::Web | TargetKind::Pkce)
        && !inv.scopes.is_empty()
        && !inv.scopes.iter().any(|s| s == "offline_access")
    {
        findings.push(finding(
            OFFLINE_ACCESS_MISSING,
            Severity::Error,
            "the app runs without a user present but does not request offline_access, so it gets no refresh token and stops when its 30-minute access token expires".into(),
            "add offline_access to the scopes, or set unattended = false in the inventory if a user signs in for every run",
        ));
    }
}

fn checklist(inv: &LegacyIntegration, kind: TargetKind, c: &ScopeCheck) -> Vec<String> {
    let profile = profile_name(inv);
    let api: Vec<&str> = c
        .target
        .iter()
        .map(String::as_str)
        .filter(|s| !IDENTITY.contains(s))
        .collect();
    let mut target: Vec<String> = c.target.clone();
    if matches!(kind, TargetKind::Web | TargetKind::Pkce)
        && inv.unattended.unwrap_or(true)
        && !target.iter().any(|s| s == "offline_access")
    {
        target.insert(0, "offline_access".into());
    }
    let scopes = target.join(" ");
    let client = inv.client_id.as_deref().unwrap_or("CLIENT_ID");
    let mut steps = Vec::new();
    if kind == TargetKind::CustomConnection {
        steps.push(format!("In the Xero developer portal (My Apps), open the Custom Connection {client} and select exactly: {}; clear the broad scopes.", api.join(" ")));
        steps.push(format!(
            "Request a token and check the grant: oauth1to2 scopes upgrade -p {} --to {}.",
            shell(&profile),
            shell(&api.join(" "))
        ));
    } else {
        steps.push(format!(
            "Change the integration to request these scopes in its authorise URL: {scopes}."
        ));
        steps.push(format!(
            "Every connected organisation must authorise again: send each organisation's admin the link {}",
            reconsent_link(inv, &target)
        ));
        steps.push(format!(
            "Re-consent your own connection: oauth1to2 scopes upgrade -p {} --to {}.",
            shell(&profile),
            shell(&api.join(" "))
        ));
    }
    steps.push(format!(
        "Check it: oauth1to2 scopes check -p {} with the same evidence exits 0.",
        shell(&profile)
    ));
    steps.push(format!(
        "Before {}, remove the broad scopes from every place the integration lists them.",
        c.deadline
    ));
    steps
}

/// The authorise link with the new scopes, from the app's client id and registered redirect
/// URI, at Xero's authorization endpoint (or the command that prints it, when one is missing).
fn reconsent_link(inv: &LegacyIntegration, scopes: &[String]) -> String {
    let (Some(client), Some(redirect)) = (&inv.client_id, &inv.redirect_uri) else {
        return format!(
            "from `oauth1to2 scopes link -p {} --to '...' --redirect-uri URI` (add client_id and redirect_uri to the inventory to have it here)",
            shell(&profile_name(inv))
        );
    };
    let endpoint = crate::provider::xero::endpoints().authorization_endpoint;
    match oauth2::url::Url::parse_with_params(
        &endpoint,
        &[
            ("response_type", "code"),
            ("client_id", client.as_str()),
            ("redirect_uri", redirect.as_str()),
            ("scope", &scopes.join(" ")),
        ],
    ) {
        Ok(u) => u.to_string(),
        Err(_) => format!("(the redirect URI {redirect:?} is not a URL)"),
    }
}
