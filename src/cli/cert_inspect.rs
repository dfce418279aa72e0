//! `oauth1to2 cert inspect [FILE|-]...`

use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;
use time::OffsetDateTime;

use oauth1to2::cert::{self, CertificateReport, CheckOptions};
use oauth1to2::text::term;

use super::cert_render::{self, render, render_partial};
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
    /// plain X.509; `netsuite-m2m` checks NetSuite's key and validity conditions.
    #[arg(long = "for", value_name = "USE", value_parser = cert_render::key_policy_parser(), default_value = cert_render::default_key_policy())]
    for_use: String,
    /// Check validity as of this date (2027-09-30 or RFC 3339) instead of now.
    #[arg(long, value_name = "DATE", value_parser = common::parse_at)]
    at: Option<OffsetDateTime>,
    #[command(flatten)]
    pfx: PfxPasswordArgs,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let options = CheckOptions {
        policy: cert_render::key_policy(&args.for_use),
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
