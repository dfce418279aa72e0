//! `oauth1to2 cert check [--key KEY] [--for USE] [--pem] [FILE|-]`

use oauth1to2::text::term;
use serde::Serialize;
use std::io::Write;
use time::OffsetDateTime;

use oauth1to2::cert::{self, CertificateReport, CheckOptions, RepairNote, Severity, SkippedBlock};

use super::cert_render;
use super::common::{
    self, CliError, KeyPasswordArgs, PfxPasswordArgs, EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS,
};

/// Repair a pasted certificate, lint it, and check a private key belongs to it.
///
/// The input may be a file, or text pasted on stdin, in whatever state a web page, word
/// processor, mail client, chat tool or JSON config left it: the repair is reported line by
/// line. Then every certificate is linted (key size, signature hash, validity, CA flag,
/// self-signature, published vendor certificates, ...). With --key, the private key is checked
/// against the certificate: a mismatch is what Xero reported as `signature_invalid`.
///
/// Exit status: 0 no error-level findings, 1 error-level findings, 2 unusable input.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  oauth1to2 cert check publickey.cer\n  \
oauth1to2 cert check --key privatekey.pem publickey.cer\n  \
oauth1to2 cert check --pem pasted-from-email.txt > publickey.cer\n  \
oauth1to2 cert check --json - < pasted.txt")]
pub struct Args {
    /// The certificate (file or pasted text); `-` reads stdin.
    #[arg(value_name = "FILE", default_value = "-")]
    input: String,
    /// A private key that should belong to the certificate: PKCS#1 or PKCS#8 PEM, encrypted
    /// PKCS#8, DER (.pk8) or .pfx.
    #[arg(long, value_name = "KEY")]
    key: Option<String>,
    /// Which lint rules: `xero-private-app` (default) also requires an RSA key; `generic` is
    /// plain X.509; `netsuite-m2m` checks NetSuite's key and validity conditions.
    #[arg(long = "for", value_name = "USE", value_parser = cert_render::key_policy_parser(), default_value = cert_render::default_key_policy())]
    for_use: String,
    /// Print the repaired certificate as clean PEM on stdout (the report goes to stderr).
    #[arg(long)]
    pem: bool,
    /// Print the result as one JSON object (fields in docs/json.md).
    #[arg(long, conflicts_with = "pem")]
    json: bool,
    /// Check validity as of this date (2027-09-30 or RFC 3339) instead of now.
    #[arg(long, value_name = "DATE", value_parser = common::parse_at)]
    at: Option<OffsetDateTime>,
    #[command(flatten)]
    pfx: PfxPasswordArgs,
    #[command(flatten)]
    key_password: KeyPasswordArgs,
}

/// `cert check --json`.
#[derive(Serialize)]
struct CheckResult<'a> {
    input: &'a str,
    /// `ok` (no error-level findings) or `problems`.
    status: &'static str,
    errors: usize,
    warnings: usize,
    notices: usize,
    /// Whether a key was given and matches the first certificate; null without --key.
    key_matches: Option<bool>,
    repairs: &'a [RepairNote],
    skipped_blocks: &'a [SkippedBlock],
    certificates: &'a [CertificateReport],
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let bytes = common::read_input(&args.input)?;
    let loaded = common::load_with_password(&args.input, &bytes, &args.pfx)?;
    let key = match &args.key {
        Some(path) => Some(common::load_key(path, &args.key_password)?),
        None => None,
    };
    let now = args.at.unwrap_or_else(OffsetDateTime::now_utc);
    let mut reports = Vec::new();
    for (i, der) in loaded.certificates.iter().enumerate() {
        // The key belongs to the first (leaf) certificate of a chain.
        let options = CheckOptions {
            policy: cert_render::key_policy(&args.for_use),
            now,
            key: if i == 0 { key.as_ref() } else { None },
        };
        match cert::analyse(&args.input, i + 1, der, &loaded.repairs, &options) {
            Ok(r) => reports.push(r),
            Err(cert::Error::Unparseable { detail, .. }) if !args.json => {
                // Say what can still be read, then fail as before.
                let partial = cert::analyse_partial(&args.input, i + 1, der, &detail);
                let mut buf = Vec::new();
                let _ = cert_render::render_partial(&mut buf, &partial, loaded.certificates.len());
                common::write_stdout(&buf)?;
                return Err(cert::Error::Unparseable {
                    input: args.input.clone(),
                    index: i + 1,
                    detail,
                }
                .into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    let count = |s: Severity| {
        reports
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.severity == s)
            .count()
    };
    let (errors, warnings, notices) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Notice),
    );
    let key_matches = key.as_ref().map(|_| {
        !reports
            .first()
            .is_some_and(|r| r.findings.iter().any(|f| f.id == "key-mismatch"))
    });
    let code = if errors > 0 { EXIT_PROBLEMS } else { EXIT_OK };

    if args.json {
        common::print_json(&CheckResult {
            input: &args.input,
            status: if errors > 0 { "problems" } else { "ok" },
            errors,
            warnings,
            notices,
            key_matches,
            repairs: &loaded.repairs,
            skipped_blocks: &loaded.skipped,
            certificates: &reports,
        })?;
        return Ok(code);
    }

    let mut buf = Vec::new();
    render(
        &mut buf,
        &args.input,
        &loaded,
        &reports,
        key.as_ref(),
        key_matches,
    )
    .and_then(|_| {
        let line = format!(
            "Result: {} {}, {} {}, {} {}: {}",
            errors,
            if errors == 1 { "error" } else { "errors" },
            warnings,
            if warnings == 1 { "warning" } else { "warnings" },
            notices,
            if notices == 1 { "notice" } else { "notices" },
            if errors > 0 {
                "problems found (exit 1)"
            } else {
                "no errors"
            }
        );
        // With --pem the report goes to stderr.
        let painted = if args.pem {
            super::style::result_err(&line, errors > 0)
        } else {
            super::style::result(&line, errors > 0)
        };
        writeln!(buf, "{painted}")
    })
    .map_err(|e| CliError {
        message: format!("cannot render: {e}"),
        hint: None,
        code: EXIT_INPUT,
    })?;
    if args.pem {
        // Clean PEM on stdout, so `cert check --pem x > clean.cer` works; report on stderr.
        let _ = std::io::stderr().write_all(&buf);
        let pem: String = loaded
            .certificates
            .iter()
            .map(|der| cert::der_to_pem(der, "CERTIFICATE"))
            .collect();
        print!("{pem}");
    } else {
        common::write_stdout(&buf)?;
    }
    Ok(code)
}

fn render(
    out: &mut Vec<u8>,
    input: &str,
    loaded: &cert::LoadedCertificates,
    reports: &[CertificateReport],
    key: Option<&cert::PrivateKey>,
    key_matches: Option<bool>,
) -> std::io::Result<()> {
    let n = reports.len();
    writeln!(
        out,
        "{}: {n} {} ({})",
        term(input),
        if n == 1 {
            "certificate"
        } else {
            "certificates"
        },
        match loaded.format {
            cert::InputFormat::Pem => "PEM",
            cert::InputFormat::Der => "DER",
            cert::InputFormat::Pkcs12 => "PKCS#12",
        }
    )?;
    if loaded.repairs.is_empty() {
        writeln!(out, "Repairs: none needed")?;
    } else {
        writeln!(out, "Repairs:")?;
        for note in &loaded.repairs {
            writeln!(out, "  - {}", term(&note.message))?;
        }
        writeln!(
            out,
            "  (use --pem to print the clean certificate for re-pasting)"
        )?;
    }
    for s in &loaded.skipped {
        writeln!(
            out,
            "Skipped: a {} block (its contents are not shown)",
            term(&s.label)
        )?;
    }
    if let (Some(k), Some(m)) = (key, key_matches) {
        writeln!(
            out,
            "Key: {} ({} bits) {}",
            term(k.source()),
            k.bits(),
            if m {
                "matches the certificate"
            } else {
                "does NOT match the certificate"
            }
        )?;
    }
    for r in reports {
        writeln!(out)?;
        writeln!(out, "Certificate {} of {n}: {}", r.index, term(&r.subject))?;
        writeln!(
            out,
            "  {} {} bits, {}, valid {} to {}",
            term(&r.public_key.algorithm),
            r.public_key.bits,
            term(&r.signature_algorithm),
            r.not_before,
            r.not_after
        )?;
        writeln!(
            out,
            "  SHA-256 {}",
            cert::hex_colons(&hex::decode(&r.sha256_fingerprint).unwrap_or_default())
        )?;
        cert_render::render_findings(out, r)?;
    }
    writeln!(out)
}
