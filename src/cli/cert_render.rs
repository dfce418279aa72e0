//! What `cert inspect` and `cert check` share: the `--for` lint rules and the human rendering
//! of a certificate report, its findings and a partial report. Everything shown that came from
//! a certificate or a file is escaped.

use std::io::Write;

use oauth1to2::cert::{self, CertificateReport, KeyPolicy};
use oauth1to2::text::term;

/// The rule sets `--for` takes: every provider's key policy, then `generic`; each with what it
/// is for.
pub fn key_policy_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        oauth1to2::provider::key_policies()
            .into_iter()
            .map(|p| clap::builder::PossibleValue::new(p.id).help(p.about)),
    )
}

/// The default rule set: the first provider's first.
pub fn default_key_policy() -> &'static str {
    oauth1to2::provider::key_policies()[0].id
}

/// The policy `--for` named (the parser took only known names).
pub fn key_policy(id: &str) -> &'static KeyPolicy {
    oauth1to2::provider::key_policy(id).unwrap_or(&oauth1to2::cert::policy::GENERIC)
}

fn none_if_empty(v: &[String]) -> String {
    if v.is_empty() {
        "(none)".into()
    } else {
        term(&v.join(", ")).into_owned()
    }
}

fn hex_to_colons(hex: &str, upper: bool) -> String {
    let bytes = hex::decode(hex.trim_start_matches('-')).unwrap_or_default();
    let s = cert::hex_colons(&bytes);
    let s = if upper { s } else { s.to_ascii_lowercase() };
    if hex.starts_with('-') {
        format!("-{s}")
    } else {
        s
    }
}

/// Human rendering of one certificate.
pub fn render(
    out: &mut impl Write,
    r: &CertificateReport,
    index: usize,
    total_in_input: usize,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Certificate {index} of {total_in_input} in {}",
        term(&r.input)
    )?;
    let self_note = match (r.self_signed, r.self_signature_valid) {
        (true, Some(true)) => " (self-signed; the signature verifies)",
        (true, Some(false)) => " (self-signed; the signature does NOT verify)",
        (true, None) => " (self-signed; signature algorithm not checked)",
        (false, _) => "",
    };
    writeln!(out, "  Subject:             {}", term(&r.subject))?;
    writeln!(out, "  Issuer:              {}{self_note}", term(&r.issuer))?;
    writeln!(
        out,
        "  Serial:              {}",
        hex_to_colons(&r.serial, false)
    )?;
    writeln!(out, "  Version:             {}", r.version)?;
    writeln!(out, "  Not before:          {}", r.not_before)?;
    let left = if r.days_left < 0 {
        format!("expired {} days ago", -r.days_left)
    } else {
        format!("{} days left", r.days_left)
    };
    writeln!(out, "  Not after:           {} ({left})", r.not_after)?;
    let curve = r
        .public_key
        .curve
        .as_deref()
        .map(|c| format!(" ({})", term(c)))
        .unwrap_or_default();
    writeln!(
        out,
        "  Public key:          {} {} bits{curve}",
        term(&r.public_key.algorithm),
        r.public_key.bits
    )?;
    writeln!(
        out,
        "  Signature algorithm: {}",
        term(&r.signature_algorithm)
    )?;
    writeln!(
        out,
        "  SHA-1 fingerprint:   {}",
        hex_to_colons(&r.sha1_fingerprint, true)
    )?;
    writeln!(
        out,
        "  SHA-256 fingerprint: {}",
        hex_to_colons(&r.sha256_fingerprint, true)
    )?;
    writeln!(out, "  x5t / x5t#S256:      {} / {}", r.x5t, r.x5t_s256)?;
    let e = &r.extensions;
    let bc = match &e.basic_constraints {
        Some(b) => format!(
            "CA:{}{}{}",
            if b.ca { "TRUE" } else { "FALSE" },
            b.path_len
                .map(|p| format!(", pathlen:{p}"))
                .unwrap_or_default(),
            if b.critical { " (critical)" } else { "" }
        ),
        None => "(none)".into(),
    };
    writeln!(out, "  Basic constraints:   {bc}")?;
    let list = |v: &Option<Vec<String>>| {
        v.as_deref()
            .map(none_if_empty)
            .unwrap_or_else(|| "(none)".into())
    };
    let key_id = |k: &Option<String>| {
        k.as_deref()
            .map(|h| hex_to_colons(h, true))
            .unwrap_or_else(|| "(none)".into())
    };
    writeln!(out, "  Key usage:           {}", list(&e.key_usage))?;
    writeln!(
        out,
        "  Extended key usage:  {}",
        list(&e.extended_key_usage)
    )?;
    writeln!(
        out,
        "  Subject alt names:   {}",
        none_if_empty(&e.subject_alt_names)
    )?;
    writeln!(
        out,
        "  Subject key id:      {}",
        key_id(&e.subject_key_identifier)
    )?;
    writeln!(
        out,
        "  Authority key id:    {}",
        key_id(&e.authority_key_identifier)
    )?;
    if r.repairs.is_empty() {
        writeln!(out, "  Repairs:             none needed")?;
    } else {
        writeln!(out, "  Repairs:")?;
        for n in &r.repairs {
            writeln!(out, "    - {}", term(&n.message))?;
        }
    }
    render_findings(out, r)?;
    writeln!(out)
}

/// What could be read of a certificate x509-parser refused.
pub fn render_partial(
    out: &mut impl Write,
    p: &cert::PartialReport,
    total_in_input: usize,
) -> std::io::Result<()> {
    let or_unknown = |v: &Option<String>| {
        v.as_deref()
            .map(|s| term(s).into_owned())
            .unwrap_or_else(|| "(could not be read)".into())
    };
    writeln!(
        out,
        "Certificate {} of {total_in_input} in {} (PARTIAL: it does not parse as X.509)",
        p.index,
        term(&p.input)
    )?;
    writeln!(
        out,
        "  Malformed:           {} ({})",
        p.malformed,
        term(&p.parser_error)
    )?;
    writeln!(out, "  Subject:             {}", or_unknown(&p.subject))?;
    writeln!(out, "  Issuer:              {}", or_unknown(&p.issuer))?;
    writeln!(
        out,
        "  Serial:              {}",
        p.serial
            .as_deref()
            .map(|s| hex_to_colons(s, false))
            .unwrap_or_else(|| "(could not be read)".into())
    )?;
    writeln!(
        out,
        "  Signature algorithm: {}",
        or_unknown(&p.signature_algorithm)
    )?;
    writeln!(
        out,
        "  Public key:          {}",
        or_unknown(&p.public_key_algorithm)
    )?;
    writeln!(
        out,
        "  SHA-1 fingerprint:   {}",
        hex_to_colons(&p.sha1_fingerprint, true)
    )?;
    writeln!(
        out,
        "  SHA-256 fingerprint: {}",
        hex_to_colons(&p.sha256_fingerprint, true)
    )?;
    writeln!(out)
}

/// The findings block.
pub fn render_findings(out: &mut impl Write, r: &CertificateReport) -> std::io::Result<()> {
    if r.findings.is_empty() {
        return writeln!(out, "  Findings:            none");
    }
    writeln!(out, "  Findings:")?;
    for f in &r.findings {
        writeln!(
            out,
            "    {} {}: {}",
            super::style::severity(f.severity),
            f.id,
            term(&f.message)
        )?;
        writeln!(out, "             hint: {}", term(&f.hint))?;
    }
    Ok(())
}

/// The `x5t#S256` thumbprint of the first certificate in `path` (for `connect --assertion-x5t`).
pub fn x5t_s256_of(path: &std::path::Path) -> Result<String, super::common::CliError> {
    let name = path.display().to_string();
    let bytes = super::common::read_input(&name)?;
    let loaded = oauth1to2::cert::load_certificates(&name, &bytes, None)?;
    let der = loaded.certificates.first().ok_or_else(|| {
        super::common::CliError::input(
            format!("{name} holds no certificate"),
            "give the certificate whose key signs the assertions",
        )
    })?;
    let report =
        oauth1to2::cert::analyse(&name, 1, der, &[], &oauth1to2::cert::CheckOptions::now())?;
    Ok(report.x5t_s256)
}
