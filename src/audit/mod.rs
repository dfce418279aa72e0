//! `audit`: what a consultant is dealing with before touching anything. For one legacy
//! integration (an inventory file, see [`inventory`]) it gathers the app type and its OAuth 1.0a
//! status, every certificate finding, the key/certificate match, secrets written into the
//! inventory, the recommended OAuth 2.0 target with its reason, the planned scopes, and a
//! numbered checklist that ends with decommissioning. [`render`] turns it into text, Markdown
//! or one self-contained HTML page.

pub mod client;
pub mod inventory;
pub mod netsuite_tba;
mod oauth2_app;
pub mod render;
pub mod scope_check;
pub mod scopes;
pub mod walk;

use crate::text::shell;
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::cert::{self, CheckOptions, Severity};
use inventory::{AppType, InventoryError, LegacyIntegration, SecretField, TargetKind};
use scopes::{PlanOptions, ScopePlan};

/// One finding about an integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditFinding {
    /// Stable id: the `cert check` lint id, or one of the audit's own (docs/inventory.md).
    pub id: String,
    /// How bad.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// The certificate, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateSummary {
    /// Subject, openssl style.
    pub subject: String,
    /// SHA-256 fingerprint, colon hex.
    pub sha256_fingerprint: String,
    /// Key algorithm and size, e.g. `RSA 1024`.
    pub key: String,
    /// Expiry (RFC 3339).
    pub not_after: String,
}

/// The recommended OAuth 2.0 target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    /// The target.
    pub target: TargetKind,
    /// Why.
    pub reason: String,
    /// The inventory chose a different target: why ours differs (the inventory's choice is
    /// still the one `migrate` uses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub differs_from_inventory: Option<String>,
}

/// The audit of one integration.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrationAudit {
    /// The inventory file.
    pub file: String,
    /// The integration's name.
    pub name: String,
    /// Its vendor.
    pub vendor: Option<String>,
    /// Its organisation.
    pub organisation: Option<String>,
    /// `private`, `partner` or `public`; or `web`, `pkce` or `custom-connection` for an
    /// existing OAuth 2.0 app.
    pub app_type: AppType,
    /// `OAuth 1.0a` or `OAuth 2.0`: what the integration signs with today.
    pub protocol: &'static str,
    /// "retired on 2021-09-30" and what that means.
    pub oauth1_status: String,
    /// `ok`, `warnings` or `errors`.
    pub status: &'static str,
    /// Every finding, errors first.
    pub findings: Vec<AuditFinding>,
    /// The certificate, when one was given and could be read.
    pub certificate: Option<CertificateSummary>,
    /// Whether the private key belongs to the certificate (`None`: no key, or no certificate).
    pub key_matches: Option<bool>,
    /// Where to go.
    pub recommendation: Recommendation,
    /// The scopes (`None` when the inventory gives no calls and no evidence).
    pub scopes: Option<ScopePlan>,
    /// What to do, in order.
    pub checklist: Vec<String>,
    /// Where in `checklist` the switch-over and decommissioning steps start.
    #[serde(skip)]
    pub decommission_from: usize,
}

impl IntegrationAudit {
    /// The switch-over and decommissioning steps at the end of the checklist.
    pub fn decommissioning(&self) -> &[String] {
        &self.checklist[self.decommission_from.min(self.checklist.len())..]
    }

    /// How many findings of a severity.
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
}

/// Sorts findings most important first and gives the audit's status: `errors`, `warnings` or
/// `ok`.
pub(crate) fn sort_findings(findings: &mut [AuditFinding]) -> &'static str {
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    match findings.first().map(|f| f.severity) {
        Some(Severity::Error) => "errors",
        Some(Severity::Warning) => "warnings",
        _ => "ok",
    }
}

pub(crate) fn finding(id: &str, severity: Severity, message: String, hint: &str) -> AuditFinding {
    AuditFinding {
        id: id.into(),
        severity,
        message,
        hint: hint.into(),
    }
}

/// When the audit runs (for validity and granular-scope dates).
#[derive(Debug, Clone, Copy)]
pub struct AuditOptions {
    /// Now.
    pub now: OffsetDateTime,
}

/// Loads and audits every inventory in `files`, on all cores, in their order. `progress` is
/// called on the calling thread as each group finishes, with how many are done. The first
/// unusable inventory (in `files` order) is the error.
pub fn audit_files(
    files: &[std::path::PathBuf],
    options: &AuditOptions,
    progress: &mut dyn FnMut(usize, &std::path::Path),
) -> Result<Vec<IntegrationAudit>, InventoryError> {
    audit_each(files, options, progress).into_iter().collect()
}

/// An inventory found in a client's folder that could not be used (a TOML error, another
/// tool's `.toml`), reported beside the audits of the others.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unusable {
    /// The file.
    pub file: String,
    /// What is wrong, with the line when known.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// Audits what a walk found. A file named on its own that is unusable is the error (as in
/// [`audit_files`]); one found in a folder is reported in the second list and the others are
/// audited, so one broken or foreign `.toml` does not hide a client's whole estate.
pub fn audit_found(
    found: &walk::Found,
    options: &AuditOptions,
    progress: &mut dyn FnMut(usize, &std::path::Path),
) -> Result<(Vec<IntegrationAudit>, Vec<Unusable>), InventoryError> {
    let mut audits = Vec::new();
    let mut unusable = Vec::new();
    let results = audit_each(&found.files, options, progress);
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(a) => audits.push(a),
            Err(e) if found.in_folder.get(i).copied().unwrap_or(false) => unusable.push(Unusable {
                file: e.file.display().to_string(),
                hint: e.hint(),
                message: e.to_string(),
            }),
            Err(e) => return Err(e),
        }
    }
    Ok((audits, unusable))
}

fn audit_each(
    files: &[std::path::PathBuf],
    options: &AuditOptions,
    progress: &mut dyn FnMut(usize, &std::path::Path),
) -> Vec<Result<IntegrationAudit, InventoryError>> {
    use rayon::prelude::*;
    let mut out = Vec::with_capacity(files.len());
    for chunk in files.chunks(64) {
        let done: Vec<Result<IntegrationAudit, InventoryError>> = chunk
            .par_iter()
            .map(|f| audit(&inventory::load(f)?, options))
            .collect();
        out.extend(done);
        if let Some(last) = chunk.last() {
            progress(out.len(), last);
        }
    }
    out
}

/// Audits one integration. A file the inventory names that cannot be read (certificate, key,
/// HAR, log) is an error naming the inventory's line; everything else is a finding.
pub fn audit(
    inv: &LegacyIntegration,
    options: &AuditOptions,
) -> Result<IntegrationAudit, InventoryError> {
    if inv.app_type.is_oauth2() {
        return oauth2_app::audit(inv, options);
    }
    if inv.app_type == AppType::Tba {
        return netsuite_tba::audit(inv, options);
    }
    // The OAuth 1.0a retirement is the reason for the work, not a finding: it is reported as
    // `oauth1_status`, so that the exit code tells integrations with real problems apart.
    let mut findings = Vec::new();

    // The certificate and key.
    let (certificate, key_matches) = check_certificate(inv, options, &mut findings)?;

    // Secrets in the inventory itself.
    if let Some(SecretField::Inline(_)) = &inv.consumer_secret {
        findings.push(finding(
            "inline-secret",
            Severity::Error,
            "the consumer secret is written into the inventory file".into(),
            "move it to an environment variable or a 0600 file and write consumer_secret = { env = \"VAR\" }; treat the old value as exposed",
        ));
    }
    if let Some(c) = inv.certificate.as_ref().and_then(|c| c.pem.as_ref()) {
        if c.contains("PRIVATE KEY") {
            findings.push(finding(
                "inline-private-key",
                Severity::Error,
                "the [certificate] block in the inventory holds a private key".into(),
                "remove it from the file at once, keep the key in a 0600 file named by [private_key] path, and treat it as exposed",
            ));
        }
    }

    let recommendation = recommend(inv);
    let scopes = plan_scopes(inv, options, recommendation.target, &mut findings)?;
    let status = sort_findings(&mut findings);
    let (checklist, decommission_from) = checklist(inv, &recommendation, scopes.as_ref());
    Ok(IntegrationAudit {
        file: inv.file.display().to_string(),
        name: inv.name.clone(),
        vendor: inv.vendor.clone(),
        organisation: inv.organisation.clone(),
        app_type: inv.app_type,
        protocol: "OAuth 1.0a",
        oauth1_status: format!(
            "retired on {}: Xero no longer accepts OAuth 1.0a {} app requests",
            inv.app_type.retired_on(),
            inv.app_type.as_str()
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

fn check_certificate(
    inv: &LegacyIntegration,
    options: &AuditOptions,
    findings: &mut Vec<AuditFinding>,
) -> Result<(Option<CertificateSummary>, Option<bool>), InventoryError> {
    check_certificate_as(inv, options, cert::Profile::XeroPrivateApp, findings)
}

/// The inventory's certificate checked with `profile`'s lints (a Xero private app's, or a
/// NetSuite machine-to-machine certificate's).
pub(crate) fn check_certificate_as(
    inv: &LegacyIntegration,
    options: &AuditOptions,
    profile: cert::Profile,
    findings: &mut Vec<AuditFinding>,
) -> Result<(Option<CertificateSummary>, Option<bool>), InventoryError> {
    let Some(source) = &inv.certificate else {
        if !matches!(inv.app_type, AppType::Public | AppType::Tba) {
            findings.push(finding(
                "no-certificate",
                Severity::Notice,
                "the inventory names no certificate".into(),
                "add [certificate] path = \"publickey.cer\" to have it checked (a published or weak certificate is a risk even after the move)",
            ));
        }
        return Ok((None, None));
    };
    let cert_line = inv.lines.certificate;
    let (name, bytes) = match (&source.path, &source.pem) {
        (Some(p), _) => {
            let path = inv.resolve(p);
            let bytes = crate::files::read_limited(&path, crate::files::MAX_FILE).map_err(|e| {
                inv.field_error(
                    cert_line,
                    format!("cannot read the certificate {}: {e}", path.display()),
                    "fix [certificate] path; it is relative to the inventory file",
                )
            })?;
            (path.display().to_string(), bytes)
        }
        (None, Some(pem)) => (
            format!("{} [certificate] pem", inv.file.display()),
            pem.as_bytes().to_vec(),
        ),
        (None, None) => return Ok((None, None)),
    };
    let unreadable = |e: cert::Error| {
        inv.field_error(
            cert_line,
            format!("the certificate is unusable: {e}"),
            &format!("{} (check it with `oauth1to2 cert check`)", e.hint()),
        )
    };
    let loaded = cert::load_certificates(&name, &bytes, None).map_err(unreadable)?;
    let key = match &inv.private_key {
        None => None,
        Some(k) => {
            let path = inv.resolve(&k.path);
            let bytes = crate::files::read_limited(&path, crate::files::MAX_FILE).map_err(|e| {
                inv.field_error(
                    inv.lines.private_key,
                    format!("cannot read the private key {}: {e}", path.display()),
                    "fix [private_key] path (relative to the inventory file), or remove [private_key] if the client does not hold the key",
                )
            })?;
            match cert::load_private_key(&path.display().to_string(), &bytes, None) {
                Ok(k) => Some(k),
                Err(e) => {
                    // An encrypted key needs a password the audit does not ask for.
                    findings.push(finding(
                        "key-not-checked",
                        Severity::Warning,
                        format!("the private key could not be checked against the certificate: {e}"),
                        "check it with `oauth1to2 cert check --key KEY CERT`, which can ask for a password",
                    ));
                    None
                }
            }
        }
    };
    let Some(der) = loaded.certificates.first() else {
        return Ok((None, None));
    };
    let check = CheckOptions {
        profile,
        now: options.now,
        key: key.as_ref(),
    };
    let report = cert::analyse(&name, 1, der, &loaded.repairs, &check).map_err(unreadable)?;
    for f in &report.findings {
        findings.push(finding(f.id, f.severity, f.message.clone(), &f.hint));
    }
    let key_matches = key
        .as_ref()
        .map(|_| !report.findings.iter().any(|f| f.id == "key-mismatch"));
    Ok((
        Some(CertificateSummary {
            subject: report.subject.clone(),
            sha256_fingerprint: report.sha256_fingerprint.clone(),
            key: format!("{} {}", report.public_key.algorithm, report.public_key.bits),
            not_after: report.not_after.clone(),
        }),
        key_matches,
    ))
}

/// The target to move to, and why.
pub fn recommend(inv: &LegacyIntegration) -> Recommendation {
    let region = inv.region.as_deref().map(|r| r.trim().to_ascii_uppercase());
    let paid_region = region.as_deref().is_some_and(|r| {
        crate::provider::xero::PROVIDER
            .machine_to_machine_regions
            .contains(&r)
    });
    let chosen = inv.target.as_ref().and_then(|t| t.kind);
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
        match inv.app_type {
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
                inv.app_type.as_target().unwrap_or(TargetKind::Web),
                "it is already an OAuth 2.0 app: it keeps its type and moves its scopes".into(),
            ),
            AppType::Tba => netsuite_tba::target(inv),
        }
    };
    follow_inventory(inv, target, reason)
}

/// The recommendation: the audit's target and reason, unless the inventory chose another
/// (then that one, with a note of the difference).
pub(crate) fn follow_inventory(
    inv: &LegacyIntegration,
    target: TargetKind,
    reason: String,
) -> Recommendation {
    let chosen = inv.target.as_ref().and_then(|t| t.kind);
    let differs_from_inventory = chosen.filter(|c| *c != target).map(|c| {
        format!(
            "the inventory chose {}; the audit would choose {} ({reason}). migrate follows the inventory",
            c.as_str(),
            target.as_str()
        )
    });
    Recommendation {
        target: chosen.unwrap_or(target),
        reason: if differs_from_inventory.is_some() {
            format!(
                "chosen in the inventory ({})",
                chosen.map(|c| c.as_str()).unwrap_or("")
            )
        } else {
            reason
        },
        differs_from_inventory,
    }
}

fn app_created(inv: &LegacyIntegration) -> Option<Date> {
    toml_date(inv.target.as_ref()?.app_created.as_ref()?)
}

/// A TOML date as a calendar date.
pub(crate) fn toml_date(d: &toml::value::Datetime) -> Option<Date> {
    let d = d.date?;
    Date::from_calendar_date(
        i32::from(d.year),
        time::Month::try_from(d.month).ok()?,
        d.day,
    )
    .ok()
}

/// One evidence file, read: `(is_har, the field's line, the file's name, its text)`.
pub(crate) type EvidenceFile = (bool, Option<usize>, String, String);

/// The inventory's evidence files, read (each up to `MAX_EVIDENCE`), the HAR first.
pub(crate) fn evidence_files(inv: &LegacyIntegration) -> Result<Vec<EvidenceFile>, InventoryError> {
    let mut out = Vec::new();
    for (path, is_har, line) in [
        (&inv.endpoints.har, true, inv.lines.har),
        (&inv.endpoints.log, false, inv.lines.log),
    ] {
        let Some(p) = path else { continue };
        let p = inv.resolve(p);
        let name = p.display().to_string();
        let text =
            crate::files::read_text_limited(&p, crate::files::MAX_EVIDENCE).map_err(|e| {
                inv.field_error(
                    line,
                    format!("cannot read {name}: {e}"),
                    "fix the path; it is relative to the inventory file",
                )
            })?;
        out.push((is_har, line, name, text));
    }
    Ok(out)
}

/// The calls the inventory lists or its HAR and log show, sorted and deduplicated.
pub(crate) fn calls_of(inv: &LegacyIntegration) -> Result<Vec<scopes::ApiCall>, InventoryError> {
    let mut calls = Vec::new();
    if !inv.endpoints.calls.is_empty() {
        let e = scopes::from_list(&inv.endpoints.calls.join(",")).map_err(|e| {
            inv.field_error(
                inv.lines.calls,
                format!("[endpoints] calls: {e}"),
                "write each call as \"GET Invoices\", \"POST /api.xro/2.0/Contacts\" or a bare name \"Items\"",
            )
        })?;
        calls.extend(e.calls);
    }
    for (is_har, line, name, text) in evidence_files(inv)? {
        let e = if is_har {
            scopes::from_har(&name, &text)
        } else {
            scopes::from_log(&name, &text)
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
pub(crate) fn plan_scopes_for(
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
                scopes::BROAD_DEADLINE
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
    match r.target {
        TargetKind::CustomConnection => {
            steps.push("In the Xero developer portal (My Apps), create a Custom Connection; choose the scopes below and the user who will authorise it.".into());
            steps.push(format!("Scopes: {scopes}"));
            steps.push(format!("Have the user of {org} accept the emailed authorisation, and pay for the connection."));
            steps.push("Copy the client id; generate the secret and store it in an environment variable or 0600 file (never in the inventory).".into());
            steps.push(format!("Connect: oauth1to2 connect -p {} --grant client-credentials --client-id ID --client-secret-env VAR --scopes {}", shell(&profile_name(inv)), shell(&scopes)));
        }
        // NetSuite's targets have their own checklist (netsuite_tba).
        TargetKind::M2m | TargetKind::AuthorizationCode => {}
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
            let kind = if r.target == TargetKind::Web {
                "Web app"
            } else {
                "Mobile or desktop app (PKCE)"
            };
            steps.push(format!("In the Xero developer portal (My Apps), create a {kind}; redirect URI http://localhost:8742/callback."));
            steps.push(format!("Scopes: {scopes}"));
            if r.target == TargetKind::Web {
                steps.push("Copy the client id; generate the secret and store it in an environment variable or 0600 file (never in the inventory).".into());
            } else {
                steps.push("Copy the client id (a PKCE app has no secret).".into());
            }
            steps.push(format!("Connect once as a user of {org}: oauth1to2 migrate {} (or oauth1to2 connect -p {} ...).", shell(&inv.file.display().to_string()), shell(&profile_name(inv))));
            steps.push(format!(
                "Choose the tenant: oauth1to2 tenants use -p {} {}.",
                shell(&profile_name(inv)),
                shell(org)
            ));
        }
    }
    steps.push(format!(
        "Verify with a read call the planned scopes allow: oauth1to2 api -p {} GET {}.",
        shell(&profile_name(inv)),
        shell(&verification_path(plan))
    ));
    let decommission_from = steps.len();
    steps.push("Switch the integration to the new credentials and watch one full run.".into());
    match inv.app_type {
        AppType::Private => steps.push(format!(
            "Decommission: delete the private app \"{}\" in Xero (My Apps).",
            inv.name
        )),
        AppType::Partner | AppType::Public => steps.push(format!(
            "Decommission: delete the OAuth 1.0a {} app in Xero once every token is migrated.",
            inv.app_type.as_str()
        )),
        AppType::Web | AppType::Pkce | AppType::CustomConnection | AppType::Tba => {}
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

/// The profile name `migrate` uses for an integration: its name, lowercased, letters and
/// digits kept, other runs turned into `-`.
pub fn profile_name(inv: &LegacyIntegration) -> String {
    let mut out = String::new();
    for c in inv.name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "integration".into()
    } else {
        out
    }
}
