//! Xero's audit of one integration: a legacy OAuth 1.0a app (private, partner, public), with its
//! certificate, the target it moves to and why, the scopes its calls need from Xero's catalogue,
//! and the checklist; an existing OAuth 2.0 app (web, pkce, custom-connection) is audited for its
//! move to granular scopes (`oauth2_app`).

use time::Date;

use crate::audit::inventory::{InventoryError, LegacyIntegration};
use crate::audit::model::{
    finding, sort_findings, toml_date, AuditFinding, AuditOptions, IntegrationAudit, Recommendation,
};
use crate::audit::scopes::{self, PlanOptions, ScopePlan};
use crate::cert::Severity;
use crate::text::shell;

/// Xero's app types, as inventories name them: a legacy OAuth 1.0a one (private, partner,
/// public), or an existing OAuth 2.0 app whose scopes must move (web, pkce, custom-connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppType {
    /// One organisation, RSA-SHA1, a certificate uploaded to Xero.
    Private,
    /// Many organisations, RSA-SHA1, 30-minute tokens renewed with a session handle.
    Partner,
    /// HMAC-SHA1, 30-minute tokens, no renewal.
    Public,
    /// An OAuth 2.0 Web app (authorization code with a client secret).
    Web,
    /// An OAuth 2.0 mobile or desktop app (authorization code with PKCE, no secret).
    Pkce,
    /// An OAuth 2.0 Custom Connection (client credentials, one organisation).
    CustomConnection,
}

impl AppType {
    /// Every one, in the order inventories list them.
    pub const ALL: [AppType; 6] = [
        AppType::Private,
        AppType::Partner,
        AppType::Public,
        AppType::Web,
        AppType::Pkce,
        AppType::CustomConnection,
    ];

    /// Name, as in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            AppType::Private => "private",
            AppType::Partner => "partner",
            AppType::Public => "public",
            AppType::Web => "web",
            AppType::Pkce => "pkce",
            AppType::CustomConnection => "custom-connection",
        }
    }

    /// The app type a name names.
    pub fn parse(s: &str) -> Option<AppType> {
        AppType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether it is an existing OAuth 2.0 app (its move is to granular scopes, not off OAuth
    /// 1.0a).
    pub fn is_oauth2(self) -> bool {
        matches!(
            self,
            AppType::Web | AppType::Pkce | AppType::CustomConnection
        )
    }

    /// The OAuth 2.0 app type it is, for an existing OAuth 2.0 app.
    pub fn as_target(self) -> Option<TargetKind> {
        match self {
            AppType::Web => Some(TargetKind::Web),
            AppType::Pkce => Some(TargetKind::Pkce),
            AppType::CustomConnection => Some(TargetKind::CustomConnection),
            _ => None,
        }
    }

    /// When Xero switched this kind of app off (empty for an OAuth 2.0 app).
    pub fn retired_on(self) -> &'static str {
        super::PROVIDER
            .migration(self.as_str())
            .map(|m| m.retired_on)
            .unwrap_or("")
    }
}

/// What a Xero integration moves to, as inventories name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// A Web app (authorization code with a client secret).
    Web,
    /// A mobile or desktop app (authorization code with PKCE, no secret).
    Pkce,
    /// A Custom Connection (client credentials, one organisation).
    CustomConnection,
    /// A third-party platform's own OAuth flow (the platform holds the tokens).
    ThirdParty,
}

impl TargetKind {
    /// Every one.
    pub const ALL: [TargetKind; 4] = [
        TargetKind::Web,
        TargetKind::Pkce,
        TargetKind::CustomConnection,
        TargetKind::ThirdParty,
    ];

    /// Name, as in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Web => "web",
            TargetKind::Pkce => "pkce",
            TargetKind::CustomConnection => "custom-connection",
            TargetKind::ThirdParty => "third-party",
        }
    }

    /// The target a name names.
    pub fn parse(s: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The inventory's app type (checked against Xero's when the inventory was read).
pub fn app_type(inv: &LegacyIntegration) -> AppType {
    AppType::parse(&inv.app_type).unwrap_or(AppType::Private)
}

/// A target by name (the audit's or the inventory's, both checked against Xero's).
pub fn target_kind(name: &str) -> TargetKind {
    TargetKind::parse(name).unwrap_or(TargetKind::Web)
}

/// Audits one integration. A file the inventory names that cannot be read (certificate, key,
/// HAR, log) is an error naming the inventory's line; everything else is a finding.
pub fn audit(
    inv: &LegacyIntegration,
    options: &AuditOptions,
) -> Result<IntegrationAudit, InventoryError> {
    if app_type(inv).is_oauth2() {
        return super::oauth2_app::audit(inv, options);
    }
    // The OAuth 1.0a retirement is the reason for the work, not a finding: it is reported as
    // `oauth1_status`, so that the exit code tells integrations with real problems apart.
    let mut findings = Vec::new();

    // The certificate and key.
    let (certificate, key_matches) = crate::audit::model::check_certificate_as(
        inv,
        options,
        &super::keys::PRIVATE_APP,
        app_type(inv) != AppType::Public,
        &mut findings,
    )?;

    // Secrets in the inventory itself.
    crate::audit::model::inventory_secret_findings(inv, &mut findings);

    let recommendation = recommend(inv);
    let scopes = plan_scopes(
        inv,
        options,
        target_kind(&recommendation.target),
        &mut findings,
    )?;
    let status = sort_findings(&mut findings);
    let (checklist, decommission_from) = checklist(inv, &recommendation, scopes.as_ref());
    Ok(IntegrationAudit {
        file: inv.file.display().to_string(),
        name: inv.name.clone(),
        vendor: inv.vendor.clone(),
        organisation: inv.organisation.clone(),
        app_type: inv.app_type.clone(),
        protocol: "OAuth 1.0a",
        oauth1_status: format!(
            "retired on {}: Xero no longer accepts OAuth 1.0a {} app requests",
            app_type(inv).retired_on(),
            inv.app_type
        ),
        status,
        findings,
        certificate,
        key_matches,
        recommendation,
        scopes,
        checklist,
        decommission_from,
    })
}

/// The target to move to, and why.
pub fn recommend(inv: &LegacyIntegration) -> Recommendation {
    let region = inv.region.as_deref().map(|r| r.trim().to_ascii_uppercase());
    let paid_region = region.as_deref().is_some_and(|r| {
        crate::provider::xero::PROVIDER
            .machine_to_machine_regions
            .contains(&r)
    });
    let chosen = inv
        .target
        .as_ref()
        .and_then(|t| t.kind.as_deref())
        .and_then(TargetKind::parse);
    let (target, reason) = if chosen == Some(TargetKind::ThirdParty) {
        let platform = inv
            .target
            .as_ref()
            .and_then(|t| t.platform.clone())
            .unwrap_or_else(|| "the platform".into());
        (
            TargetKind::ThirdParty,
            format!("{platform} runs its own OAuth 2.0 flow: create a Xero Web app with its redirect URI and hand it the client id, secret, scopes and tenant id; {platform} keeps the tokens"),
        )
    } else {
        match app_type(inv) {
            AppType::Private if paid_region => (
                TargetKind::CustomConnection,
                format!("a private app served one organisation with no user present; a Custom Connection does the same (client credentials, no browser, no refresh token to lose) and is sold in {}", region.as_deref().unwrap_or("")),
            ),
            AppType::Private => (
                TargetKind::Web,
                match region.as_deref() {
                    Some(r) => format!("Custom Connections are not sold in {r} (only AU, NZ, UK and US): a Web app with one consent and a stored refresh token keeps the integration running unattended"),
                    None => "no region is given, so a Custom Connection (AU, NZ, UK and US only) cannot be assumed: a Web app with one consent and a stored refresh token keeps it running unattended; set region to reconsider".into(),
                },
            ),
            AppType::Partner => (
                TargetKind::Web,
                "a partner app served many organisations from a server: a Web app (with a client secret) does the same, and its tokens can be moved with POST /oauth/migrate without asking each organisation again".into(),
            ),
            AppType::Public => (
                TargetKind::Pkce,
                "a public app could not keep a secret: an app with PKCE needs none".into(),
            ),
            AppType::Web | AppType::Pkce | AppType::CustomConnection => (
                app_type(inv).as_target().unwrap_or(TargetKind::Web),
                "it is already an OAuth 2.0 app: it keeps its type and moves its scopes".into(),
            ),
        }
    };
    crate::audit::model::follow_inventory(inv, target.as_str(), reason)
}

fn app_created(inv: &LegacyIntegration) -> Option<Date> {
    toml_date(inv.target.as_ref()?.app_created.as_ref()?)
}

/// The calls the inventory lists or its HAR and log show, sorted and deduplicated.
pub fn calls_of(inv: &LegacyIntegration) -> Result<Vec<scopes::ApiCall>, InventoryError> {
    let mut calls = Vec::new();
    if !inv.endpoints.calls.is_empty() {
        let e = scopes::from_list(&super::SCOPES, &inv.endpoints.calls.join(",")).map_err(|e| {
            inv.field_error(
                inv.lines.calls,
                format!("[endpoints] calls: {e}"),
                "write each call as \"GET Invoices\", \"POST /api.xro/2.0/Contacts\" or a bare name \"Items\"",
            )
        })?;
        calls.extend(e.calls);
    }
    for (is_har, line, name, text) in crate::audit::model::evidence_files(inv)? {
        let e = if is_har {
            scopes::from_har(&super::SCOPES, &name, &text)
        } else {
            scopes::from_log(&super::SCOPES, &name, &text)
        }
        .map_err(|e| {
            inv.field_error(
                line,
                format!("{name}: {e}"),
                "give a HAR export or an access log with requests to https://api.xero.com",
            )
        })?;
        calls.extend(e.calls);
    }
    calls.sort();
    calls.dedup();
    Ok(calls)
}

fn plan_scopes(
    inv: &LegacyIntegration,
    options: &AuditOptions,
    target: TargetKind,
    findings: &mut Vec<AuditFinding>,
) -> Result<Option<ScopePlan>, InventoryError> {
    plan_scopes_for(inv, &calls_of(inv)?, options, target, findings)
}

/// The scope plan for `calls` (from [`calls_of`]), with its findings.
pub fn plan_scopes_for(
    inv: &LegacyIntegration,
    calls: &[scopes::ApiCall],
    options: &AuditOptions,
    target: TargetKind,
    findings: &mut Vec<AuditFinding>,
) -> Result<Option<ScopePlan>, InventoryError> {
    if calls.is_empty() {
        findings.push(finding(
            "no-endpoints",
            Severity::Notice,
            "the inventory lists no API calls and no HAR or log to find them in".into(),
            "add [endpoints] calls = [\"GET Invoices\", ...], or har = / log = with the integration's traffic, to plan the smallest scopes",
        ));
        return Ok(None);
    }
    let Ok(plan) = scopes::plan(
        &super::SCOPES,
        calls,
        &PlanOptions {
            app_created: app_created(inv),
            today: options.now.date(),
            offline_access: target != TargetKind::CustomConnection,
        },
    ) else {
        return Ok(None);
    };
    for u in &plan.unmapped {
        findings.push(finding(
            "unmapped-call",
            Severity::Warning,
            format!("{}: {}", u.call, u.reason),
            "find the scope on Xero's scopes page and add it by hand",
        ));
    }
    if let Some(t) = inv.target.as_ref().filter(|t| !t.scopes.is_empty()) {
        let identity = ["openid", "profile", "email", "offline_access"];
        let extra: Vec<&str> = t
            .scopes
            .iter()
            .map(String::as_str)
            .filter(|s| !identity.contains(s) && !plan.scopes.iter().any(|p| p.scope == *s))
            .collect();
        if !extra.is_empty() {
            findings.push(finding(
                "platform-scopes-wider",
                Severity::Notice,
                format!(
                    "{} asks for {} beyond what the integration's calls need ({})",
                    t.platform.as_deref().unwrap_or("the platform"),
                    extra.join(" "),
                    plan.scope_string
                ),
                "ask the platform whether the narrower scopes will do; scopes are consented by the client",
            ));
        }
    }
    if plan.scheme == "broad" {
        findings.push(finding(
            "broad-scopes",
            Severity::Notice,
            format!(
                "the plan uses broad scopes, which Xero retires for existing apps in {}",
                super::SCOPES.broad_deadline
            ),
            "request the granular replacements listed with each scope before then",
        ));
    }
    Ok(Some(plan))
}

/// A read call the planned scopes allow, to verify a new connection with: the organisation when
/// a settings scope is planned, else the first planned GET, else the connections list (which
/// needs no scope).
pub fn verification_path(plan: Option<&ScopePlan>) -> String {
    let Some(plan) = plan else {
        return "/connections".into();
    };
    if plan
        .scopes
        .iter()
        .any(|s| s.scope.starts_with("accounting.settings"))
    {
        return "/api.xro/2.0/Organisation".into();
    }
    plan.scopes
        .iter()
        .flat_map(|s| &s.needed_by)
        .find_map(|c| c.strip_prefix("GET ").map(str::to_owned))
        .unwrap_or_else(|| "/connections".into())
}

fn checklist(
    inv: &LegacyIntegration,
    r: &Recommendation,
    plan: Option<&ScopePlan>,
) -> (Vec<String>, usize) {
    let mut steps = Vec::new();
    let scopes = plan
        .map(|p| p.scope_string.clone())
        .unwrap_or_else(|| "(plan them first: see the scopes section)".into());
    let org = inv
        .organisation
        .as_deref()
        .unwrap_or("the client's organisation");
    let target = target_kind(&r.target);
    match target {
        TargetKind::CustomConnection => {
            steps.push("In the Xero developer portal (My Apps), create a Custom Connection; choose the scopes below and the user who will authorise it.".into());
            steps.push(format!("Scopes: {scopes}"));
            steps.push(format!("Have the user of {org} accept the emailed authorisation, and pay for the connection."));
            steps.push("Copy the client id; generate the secret and store it in an environment variable or 0600 file (never in the inventory).".into());
            steps.push(format!("Connect: oauth1to2 connect -p {} --grant client-credentials --client-id ID --client-secret-env VAR --scopes {}", shell(&crate::audit::model::profile_name(inv)), shell(&scopes)));
        }
        TargetKind::ThirdParty => {
            let t = inv.target.as_ref();
            let platform = t
                .and_then(|t| t.platform.as_deref())
                .unwrap_or("the platform");
            steps.push(format!("In the Xero developer portal (My Apps), create a Web app named for {platform}; company URL: the client's {platform} address."));
            steps.push(format!(
                "Redirect URI: {}",
                t.and_then(|t| t.redirect_uri.as_deref())
                    .unwrap_or("(the platform's)")
            ));
            steps.push("Copy the client id from Configuration; generate a secret and keep it for the platform only.".into());
            steps.push(format!(
                "Scopes for {platform}: {}",
                t.filter(|t| !t.scopes.is_empty())
                    .map(|t| t.scopes.join(" "))
                    .unwrap_or(scopes.clone())
            ));
            steps.push(format!("Find the tenant id of {org} (oauth1to2 tenants list) and store it in {platform} as {}.", t.and_then(|t| t.tenant_variable.as_deref()).unwrap_or("its tenant variable")));
            steps.push(format!(
                "Enter the credentials in {platform} and authenticate once as a user of {org}."
            ));
        }
        TargetKind::Web | TargetKind::Pkce => {
            let kind = if target == TargetKind::Web {
                "Web app"
            } else {
                "Mobile or desktop app (PKCE)"
            };
            steps.push(format!("In the Xero developer portal (My Apps), create a {kind}; redirect URI http://localhost:8742/callback."));
            steps.push(format!("Scopes: {scopes}"));
            if target == TargetKind::Web {
                steps.push("Copy the client id; generate the secret and store it in an environment variable or 0600 file (never in the inventory).".into());
            } else {
                steps.push("Copy the client id (a PKCE app has no secret).".into());
            }
            steps.push(format!("Connect once as a user of {org}: oauth1to2 migrate {} (or oauth1to2 connect -p {} ...).", shell(&inv.file.display().to_string()), shell(&crate::audit::model::profile_name(inv))));
            steps.push(format!(
                "Choose the tenant: oauth1to2 tenants use -p {} {}.",
                shell(&crate::audit::model::profile_name(inv)),
                shell(org)
            ));
        }
    }
    steps.push(format!(
        "Verify with a read call the planned scopes allow: oauth1to2 api -p {} GET {}.",
        shell(&crate::audit::model::profile_name(inv)),
        shell(&verification_path(plan))
    ));
    let decommission_from = steps.len();
    steps.push("Switch the integration to the new credentials and watch one full run.".into());
    match app_type(inv) {
        AppType::Private => steps.push(format!(
            "Decommission: delete the private app \"{}\" in Xero (My Apps).",
            inv.name
        )),
        AppType::Partner | AppType::Public => steps.push(format!(
            "Decommission: delete the OAuth 1.0a {} app in Xero once every token is migrated.",
            inv.app_type
        )),
        AppType::Web | AppType::Pkce | AppType::CustomConnection => {}
    }
    if inv.certificate.is_some() || inv.private_key.is_some() {
        steps.push("Retire the certificate and private key: delete every copy of the key (servers, backups, mail), and record the certificate's fingerprint as retired.".into());
    }
    steps.push(
        "Remove the consumer key and secret from every config file, environment and secret store."
            .into(),
    );
    (steps, decommission_from)
}
