//! Certificate lints. Each finding has a stable `id` (documented in `docs/lints.md`), a
//! severity, a message saying what is wrong with this certificate, and a hint saying what to do.

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::validate::{Validator, VecLogger, X509StructureValidator};

use super::names;
use super::policy::{KeyFacts, KeyPolicy, GENERIC};
use super::published;
use super::report::{CertificateReport, Facts};
use super::PrivateKey;

pub use super::finding::{Finding, Severity};

/// Inputs to the lints besides the certificate.
pub struct CheckOptions<'a> {
    /// Which rules apply: plain X.509, and the policy's own.
    pub policy: &'static KeyPolicy,
    /// The time to check validity against (normally now).
    pub now: OffsetDateTime,
    /// A private key that should belong to the certificate.
    pub key: Option<&'a PrivateKey>,
}

impl CheckOptions<'_> {
    /// Plain X.509 lints, checked as of now, no key.
    pub fn now() -> CheckOptions<'static> {
        CheckOptions {
            policy: &GENERIC,
            now: OffsetDateTime::now_utc(),
            key: None,
        }
    }
}

pub(crate) fn finding(
    id: &'static str,
    severity: Severity,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> Finding {
    Finding {
        id,
        severity,
        message: message.into(),
        hint: hint.into(),
    }
}

const DAY: i64 = 86_400;

pub(crate) fn run(
    cert: &X509Certificate<'_>,
    report: &CertificateReport,
    facts: &Facts,
    options: &CheckOptions<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let renew = "make a new keypair and certificate with `oauth1to2 cert new`, or, better, move the integration to OAuth 2.0";

    // Published certificate first: it is the finding a consultant most needs to see.
    if let Some(p) = published::published_certificate(&report.sha256_fingerprint) {
        out.push(finding(
            "published-certificate",
            Severity::Warning,
            format!(
                "this certificate was published by {} on a public page ({}); {}",
                p.vendor, p.source, options.policy.published.0
            ),
            options.policy.published.1,
        ));
    }

    let key_alg = facts.public_key.algorithm.as_str();
    if key_alg == "RSA" && facts.public_key.bits < 2048 {
        out.push(finding(
            "rsa-key-too-small",
            Severity::Error,
            format!(
                "the RSA key is {} bits; keys under 2048 bits are considered breakable",
                facts.public_key.bits
            ),
            renew,
        ));
    }

    if let Some(hash) = names::signature_hash(&facts.signature_oid) {
        out.push(finding(
            "weak-signature-hash",
            Severity::Warning,
            format!(
                "the certificate is signed with {} ({}), which is broken for signatures",
                hash, report.signature_algorithm
            ),
            "new certificates should be signed with SHA-256; `oauth1to2 cert new` does that",
        ));
    }

    let validity = cert.validity();
    let nb = validity.not_before.to_datetime();
    let na = validity.not_after.to_datetime();
    let now = options.now;
    if na < now {
        out.push(finding(
            "expired",
            Severity::Error,
            format!("the certificate expired on {}", report.not_after),
            renew,
        ));
    } else if (na - now).whole_seconds() < 30 * DAY {
        out.push(finding(
            "expiring-soon",
            Severity::Warning,
            format!(
                "the certificate expires in {} days, on {}",
                report.days_left, report.not_after
            ),
            "upload a new certificate before it expires, or move the integration to OAuth 2.0",
        ));
    }
    if nb > now {
        out.push(finding(
            "not-yet-valid",
            Severity::Error,
            format!(
                "the certificate is not valid until {}",
                report.not_before
            ),
            "check the clock of the machine that made it; a certificate dated in the future is refused",
        ));
    }
    let lifetime_days = (na - nb).whole_days();
    (options.policy.lints)(
        &KeyFacts {
            algorithm: key_alg,
            bits: facts.public_key.bits,
            lifetime_days,
            der_len: cert.as_raw().len(),
        },
        &mut out,
    );
    if lifetime_days > 5 * 366 {
        let years = lifetime_days / 365;
        let extra = if years >= 50 {
            format!(" ({years} years: it will outlive everyone who could rotate it)")
        } else {
            String::new()
        };
        out.push(finding(
            "long-validity",
            Severity::Notice,
            format!("the certificate is valid for {lifetime_days} days{extra}; a key that never expires is never rotated"),
            "prefer five years or less (`oauth1to2 cert new --days 1825`)",
        ));
    }

    if let Ok(Some(bc)) = cert.basic_constraints() {
        if bc.value.ca {
            out.push(finding(
                "ca-signing-certificate",
                Severity::Warning,
                "the certificate says CA:TRUE, but it is used to sign requests, not to issue certificates",
                "signing certificates should carry basicConstraints CA:FALSE; `oauth1to2 cert new` makes them that way",
            ));
        }
    }

    if report.self_signed && report.self_signature_valid == Some(false) {
        out.push(finding(
            "bad-self-signature",
            Severity::Error,
            "the certificate is self-signed but its signature does not verify with its own key: it was altered or damaged",
            "copy it again from the original source; if it still fails, make a new one",
        ));
    }

    if report.version < 3 {
        out.push(finding(
            "version-1",
            Severity::Warning,
            format!(
                "this is an X.509 version {} certificate, which cannot carry extensions",
                report.version
            ),
            "make a version 3 certificate (`oauth1to2 cert new`)",
        ));
    }

    structure_findings(cert, &mut out);

    if let Some(key) = options.key {
        match &facts.rsa {
            Some((n, e)) if key.matches_rsa_public(n, e) => {}
            _ => out.push(finding(
                "key-mismatch",
                Severity::Error,
                format!(
                    "the private key {} does not belong to this certificate; a signature made with it is refused (oauth_problem=signature_invalid)",
                    key.source()
                ),
                "find the key that was generated with this certificate, or upload the certificate that belongs to this key",
            )),
        }
    }
    out
}

/// x509-parser's structural validation: serial encoding and other DER-level problems.
fn structure_findings(cert: &X509Certificate<'_>, out: &mut Vec<Finding>) {
    let mut logger = VecLogger::default();
    X509StructureValidator.validate(cert, &mut logger);
    let mut seen = std::collections::BTreeSet::new();
    for (msg, is_error) in logger
        .errors()
        .iter()
        .map(|m| (m, true))
        .chain(logger.warnings().iter().map(|m| (m, false)))
    {
        if !seen.insert(msg.clone()) {
            continue;
        }
        let serial = msg.to_ascii_lowercase().contains("serial");
        out.push(finding(
            if serial { "serial-encoding" } else { "structure" },
            if is_error {
                Severity::Warning
            } else {
                Severity::Notice
            },
            format!("{}: {msg}", if serial { "serial number" } else { "encoding" }),
            if serial {
                "RFC 5280 asks for a positive serial of at most 20 bytes; strict verifiers may reject this certificate"
            } else {
                "strict parsers may reject this certificate; make a new one if a verifier complains"
            },
        ));
    }
}
