//! `oauth1to2 cert inspect [FILE|-]...`

use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;
use time::OffsetDateTime;

use oauth1to2::cert::{self, CertificateReport, CheckOptions, Profile};
use oauth1to2::text::term;

use super::common::{self, CliError, PfxPasswordArgs, EXIT_INPUT, EXIT_OK};

/// Show what certificates are.
///
/// Reads PEM (however mangled by a web page, mail or chat), DER and PKCS#12, from files or
/// stdin, and reports every certificate in each input: subject and issuer, serial, validity,
/// key, signature algorithm, fingerprints, extensions, whether the self-signature verifies,
/// lint findings and any repairs made to the input.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  oauth1to2 cert inspect publickey.cer\n  \
pbpaste | oauth1to2 cert inspect -\n  \
oauth1to2 cert inspect --json chain.pem | jq '.[].sha256_fingerprint'\n  \
PFX_PW=... oauth1to2 cert inspect --pfx-password-env PFX_PW public_privatekey.pfx")]
pub struct Args {
    /// Certificate files (PEM, DER, .pfx) or pasted text; `-` reads stdin.
    #[arg(value_name = "FILE", default_value = "-")]
    inputs: Vec<String>,
    /// Print a JSON array with one object per certificate (fields in docs/json.md).
    #[arg(long)]
    json: bool,
    /// Which lint rules: `xero-private-app` (default) also requires an RSA key; `generic` is
    /// plain X.509.
    #[arg(long = "for", value_name = "USE", value_enum, default_value_t = LintFor::XeroPrivateApp)]
    for_use: LintFor,
    /// Check validity as of this date (2027-09-30 or RFC 3339) instead of now.
    #[arg(long, value_name = "DATE", value_parser = common::parse_at)]
    at: Option<OffsetDateTime>,
    #[command(flatten)]
    pfx: PfxPasswordArgs,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LintFor {
    /// A certificate uploaded to a Xero private or partner app.
    XeroPrivateApp,
    /// Plain X.509 lints only.
    Generic,
}

impl From<LintFor> for Profile {
    fn from(p: LintFor) -> Profile {
        match p {
            LintFor::XeroPrivateApp => Profile::XeroPrivateApp,
            LintFor::Generic => Profile::Generic,
        }
    }
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let options = CheckOptions {
        profile: args.for_use.into(),
        now: args.at.unwrap_or_else(OffsetDateTime::now_utc),
        key: None,
    };
    let mut reports: Vec<CertificateReport> = Vec::new();
    let mut partials: Vec<cert::PartialReport> = Vec::new();
    let mut failed = false;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    for name in &args.inputs {
        let loaded = common::read_input(name)
            .and_then(|bytes| common::load_with_password(name, &bytes, &args.pfx));
        let loaded = match loaded {
            Ok(l) => l,
            Err(e) => {
                e.print();
                failed = true;
                continue;
            }
        };
        // Identical certificates (common in bundles, and the point of a published certificate)
        // are analysed once; the copies differ only in their position.
        let mut first_seen: HashMap<&[u8], usize> = HashMap::new();
        let mut unique: Vec<(usize, &[u8])> = Vec::new();
        let slots: Vec<usize> = loaded
            .certificates
            .iter()
            .enumerate()
            .map(|(i, der)| {
                *first_seen.entry(der.as_slice()).or_insert_with(|| {
                    unique.push((i, der.as_slice()));
                    unique.len() - 1
                })
            })
            .collect();
        let analysed: Vec<Result<CertificateReport, cert::Error>> = unique
            .par_iter()
            .map(|(i, der)| cert::analyse(name, i + 1, der, &loaded.repairs, &options))
            .collect();
        for skipped in &loaded.skipped {
            eprintln!(
                "note: {}: skipped a {} block (its contents are not shown)",
                term(name),
                term(&skipped.label)
            );
        }
        let total = slots.len();
        // Render on all cores (copies render from the one analysis); write in order.
        let rendered: Vec<Option<Vec<u8>>> = if args.json {
            Vec::new()
        } else {
            slots
                .par_iter()
                .enumerate()
                .map(|(i, &slot)| {
                    analysed[slot].as_ref().ok().map(|report| {
                        let mut buf = Vec::with_capacity(2048);
                        let _ = render(&mut buf, report, i + 1, total);
                        buf
                    })
                })
                .collect()
        };
        for (i, &slot) in slots.iter().enumerate() {
            match &analysed[slot] {
                Ok(report) if args.json => {
                    let mut r = report.clone();
                    r.index = i + 1;
                    reports.push(r);
                }
                Ok(_) => {
                    if let Some(Some(text)) = rendered.get(i) {
                        out.write_all(text).map_err(write_err)?;
                    }
                }
                // A copy of a certificate already reported as unreadable.
                Err(_) if unique[slot].0 != i => failed = true,
                Err(e) => {
                    // x509-parser refused it; say what can still be read (openssl may read it).
                    if let cert::Error::Unparseable { detail, .. } = e {
                        let partial = cert::analyse_partial(name, i + 1, unique[slot].1, detail);
                        if args.json {
                            partials.push(partial);
                        } else {
                            render_partial(&mut out, &partial, total).map_err(write_err)?;
                        }
                    }
                    CliError::input(e.to_string(), e.hint()).print();
                    failed = true;
                }
            }
        }
    }
    if args.json {
        drop(out);
        // Full reports, then any partial ones (they carry `"partial": true`).
        let mut all: Vec<serde_json::Value> = Vec::with_capacity(reports.len() + partials.len());
        for r in &reports {
            all.push(serde_json::to_value(r).unwrap_or_default());
        }
        for p in &partials {
            all.push(serde_json::to_value(p).unwrap_or_default());
        }
        common::print_json(&all)?;
    } else {
        out.flush().map_err(write_err)?;
    }
    Ok(if failed { EXIT_INPUT } else { EXIT_OK })
}

fn write_err(e: std::io::Error) -> CliError {
    CliError {
        message: format!("cannot write output: {e}"),
        hint: None,
        code: EXIT_INPUT,
    }
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

/// Human rendering of one certificate, shared with `cert check`.
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

/// What could be read of a certificate x509-parser refused; shared with `cert check`.
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

/// The findings block, shared with `cert check`.
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
