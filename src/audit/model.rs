//! What an audit is made of, below the providers: the audit of one integration, its findings
//! and recommendation, and the helpers a provider's audit uses (the certificate check with the
//! provider's key policy, the inventory's evidence files, the inline-secret findings, following
//! the inventory's choice of target). A provider's audit imports these; it never imports the
//! audit's dispatch (`crate::audit::audit`), which imports the providers.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use super::inventory::{InventoryError, LegacyIntegration, SecretField};
use super::scopes::ScopePlan;
use crate::cert::{self, CheckOptions, Severity};

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
    /// The target, as the provider's inventories name it (`[target] kind`).
    pub target: String,
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
    /// Its app type, as the provider's inventories name it (`private`, `tba`, `web`, ...).
    pub app_type: String,
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
pub fn sort_findings(findings: &mut [AuditFinding]) -> &'static str {
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    match findings.first().map(|f| f.severity) {
        Some(Severity::Error) => "errors",
        Some(Severity::Warning) => "warnings",
        _ => "ok",
    }
}

/// A finding.
pub fn finding(id: &str, severity: Severity, message: String, hint: &str) -> AuditFinding {
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

/// The findings about secrets written into the inventory itself: the consumer secret inline,
/// a private key pasted as the certificate.
pub fn inventory_secret_findings(inv: &LegacyIntegration, findings: &mut Vec<AuditFinding>) {
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
}

/// The inventory's certificate checked with `profile`'s lints (the rule set the provider names
/// for it). `expected`: whether the app type signs with a certificate, so that a missing one is
/// worth a notice.
pub fn check_certificate_as(
    inv: &LegacyIntegration,
    options: &AuditOptions,
    policy: &'static cert::KeyPolicy,
    expected: bool,
    findings: &mut Vec<AuditFinding>,
) -> Result<(Option<CertificateSummary>, Option<bool>), InventoryError> {
    let Some(source) = &inv.certificate else {
        if expected {
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
        policy,
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

/// The recommendation: the audit's target and reason, unless the inventory chose another
/// (then that one, with a note of the difference).
pub fn follow_inventory(inv: &LegacyIntegration, target: &str, reason: String) -> Recommendation {
    let chosen = inv.target.as_ref().and_then(|t| t.kind.as_deref());
    let differs_from_inventory = chosen.filter(|c| *c != target).map(|c| {
        format!(
            "the inventory chose {c}; the audit would choose {target} ({reason}). migrate follows the inventory"
        )
    });
    Recommendation {
        target: chosen.unwrap_or(target).to_owned(),
        reason: if differs_from_inventory.is_some() {
            format!("chosen in the inventory ({})", chosen.unwrap_or(""))
        } else {
            reason
        },
        differs_from_inventory,
    }
}

/// A TOML date as a calendar date.
pub fn toml_date(d: &toml::value::Datetime) -> Option<Date> {
    let d = d.date?;
    Date::from_calendar_date(
        i32::from(d.year),
        time::Month::try_from(d.month).ok()?,
        d.day,
    )
    .ok()
}

/// One evidence file, read: `(is_har, the field's line, the file's name, its text)`.
pub type EvidenceFile = (bool, Option<usize>, String, String);

/// The inventory's evidence files, read (each up to `MAX_EVIDENCE`), the HAR first.
pub fn evidence_files(inv: &LegacyIntegration) -> Result<Vec<EvidenceFile>, InventoryError> {
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
