//! `oauth1to2 cert new`

use serde::Serialize;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

use oauth1to2::cert::generate::{Curve, KeyType, NewCertificate, Subject, SubjectPart};
use oauth1to2::cert::{self, CertificateReport, CheckOptions};
use oauth1to2::files::{write_atomic, Visibility};

use super::cert_render;
use super::common::{self, CliError, PfxPasswordArgs, EXIT_OK};

/// Make a keypair and a self-signed certificate for a Xero private app, or for NetSuite.
///
/// Writes privatekey.pem (PKCS#8, mode 0600) and publickey.cer (PEM) into --out-dir, and on
/// request public_privatekey.pfx (for .NET) and privatekey.pk8 (DER, for Java): the files
/// Xero's instructions named. With --for netsuite-m2m it writes netsuite-privatekey.pem (keep)
/// and netsuite-publickey.cer (upload), with RSA 3072 (or 4096) or an EC key (--key-type) and
/// at most 730 days, as
/// NetSuite's machine-to-machine mapping requires. The certificate is signed with SHA-256, has a random 126-bit
/// serial, basicConstraints CA:FALSE and keyUsage digitalSignature (both critical) and a
/// subject key identifier. Existing files are never replaced without --force.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  oauth1to2 cert new --cn \"Acme Xero integration\" --org \"Acme Ltd\" --country NZ\n  \
oauth1to2 cert new --subject \"C=NZ, O=Acme Ltd, CN=Acme Xero integration\" --out-dir keys/\n  \
PFX_PW=... oauth1to2 cert new --cn acme --pfx --pfx-password-env PFX_PW --pk8\n  \
oauth1to2 cert new --for netsuite-m2m --cn \"Acme NetSuite integration\" --org \"Acme Ltd\" --out-dir ns/"
)]
pub struct Args {
    /// What the certificate is for: its key types and sizes, validity, file names and lints
    /// (the first listed is the default).
    #[arg(long = "for", value_name = "USE", value_parser = cert_render::key_policy_parser(), default_value = cert_render::default_key_policy())]
    for_use: String,
    /// RSA key size: 2048, 3072 or 4096, where the rule set takes it (its default otherwise:
    /// 2048, or 3072 for netsuite-m2m). 1024 is refused.
    #[arg(long, value_name = "BITS")]
    bits: Option<usize>,
    /// The key: rsa (the default), or, where the rule set takes one, an EC key: ec-p256,
    /// ec-p384 or ec-p521 (its assertions are then signed ES256, ES384 or ES512).
    #[arg(long, value_enum, value_name = "TYPE", default_value_t = KeyTypeArg::Rsa, conflicts_with = "bits")]
    key_type: KeyTypeArg,
    /// Days the certificate is valid from now: the rule set's default (1825, or 730 for
    /// netsuite-m2m), and at most its limit.
    #[arg(long, value_name = "DAYS")]
    days: Option<u32>,
    /// Common name (CN), e.g. the integration's name.
    #[arg(long, value_name = "NAME")]
    cn: Option<String>,
    /// Organisation (O).
    #[arg(long, value_name = "NAME")]
    org: Option<String>,
    /// Organisational unit (OU).
    #[arg(long, value_name = "NAME")]
    org_unit: Option<String>,
    /// Two-letter country code (C), e.g. NZ.
    #[arg(long, value_name = "CC")]
    country: Option<String>,
    /// Contact e-mail (emailAddress).
    #[arg(long, value_name = "ADDRESS")]
    email: Option<String>,
    /// The whole subject at once: "C=NZ, O=Acme Ltd, CN=Acme Xero integration".
    #[arg(long, value_name = "DN", conflicts_with_all = ["cn", "org", "org_unit", "country", "email"])]
    subject: Option<String>,
    /// Folder to write the files into (created with mode 0700 if it does not exist).
    #[arg(long, default_value = ".", value_name = "DIR")]
    out_dir: PathBuf,
    /// Also write public_privatekey.pfx (PKCS#12, AES-256) for .NET.
    #[arg(long)]
    pfx: bool,
    /// Write the .pfx with 3DES/SHA-1 for old .NET Framework readers (implies --pfx).
    #[arg(long)]
    pfx_legacy: bool,
    /// Also write privatekey.pk8 (unencrypted PKCS#8 DER, mode 0600) for Java.
    #[arg(long)]
    pk8: bool,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
    /// Print the result as JSON (fields in docs/json.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pfx_password: PfxPasswordArgs,
}

/// `--key-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyTypeArg {
    /// RSA (size from --bits).
    Rsa,
    /// EC on NIST P-256.
    EcP256,
    /// EC on NIST P-384.
    EcP384,
    /// EC on NIST P-521.
    EcP521,
}

#[derive(Serialize)]
struct WrittenFile {
    path: String,
    kind: &'static str,
    mode: &'static str,
}

#[derive(Serialize)]
struct NewResult<'a> {
    files: Vec<WrittenFile>,
    certificate_pem: &'a str,
    certificate: &'a CertificateReport,
    next_steps: Vec<&'static str>,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let subject = match &args.subject {
        Some(s) => Subject::parse(s)?,
        None => {
            let mut parts = Vec::new();
            if let Some(v) = &args.country {
                parts.push(SubjectPart::Country(v.clone()));
            }
            if let Some(v) = &args.org {
                parts.push(SubjectPart::Organization(v.clone()));
            }
            if let Some(v) = &args.org_unit {
                parts.push(SubjectPart::OrganizationalUnit(v.clone()));
            }
            if let Some(v) = &args.cn {
                parts.push(SubjectPart::CommonName(v.clone()));
            }
            if let Some(v) = &args.email {
                parts.push(SubjectPart::Email(v.clone()));
            }
            Subject(parts)
        }
    };
    let policy = cert_render::key_policy(&args.for_use);
    let bits = args.bits.unwrap_or(policy.default_rsa_bits);
    let days = args.days.unwrap_or(policy.default_days);
    let key_type = match args.key_type {
        KeyTypeArg::Rsa => KeyType::Rsa(bits),
        KeyTypeArg::EcP256 => KeyType::Ec(Curve::P256),
        KeyTypeArg::EcP384 => KeyType::Ec(Curve::P384),
        KeyTypeArg::EcP521 => KeyType::Ec(Curve::P521),
    };
    policy.check(key_type, days).map_err(|e| {
        CliError::input(
            format!("--for {}: {e}", policy.id),
            "drop --bits, --key-type and --days for the rule set's defaults, or choose another --for",
        )
    })?;
    if matches!(key_type, KeyType::Ec(_)) && (args.pfx || args.pfx_legacy) {
        return Err(CliError::input(
            "--pfx writes RSA keys only (the .pfx is for .NET clients that load RSA keys)",
            format!(
                "drop --pfx; the EC key is in {} (PKCS#8), and --pk8 writes it as DER",
                policy.key_file()
            ),
        ));
    }
    let request = NewCertificate {
        key_type,
        days,
        subject,
        now: OffsetDateTime::now_utc(),
    };
    // Refuse bad requests before prompting or spending time on a key.
    cert::generate::validate(&request)?;

    let want_pfx = args.pfx || args.pfx_legacy;
    let key_path = args.out_dir.join(policy.key_file());
    let cert_path = args.out_dir.join(policy.certificate_file());
    let pfx_path = args.out_dir.join("public_privatekey.pfx");
    let pk8_path = args.out_dir.join("privatekey.pk8");
    let mut planned = vec![&key_path, &cert_path];
    if want_pfx {
        planned.push(&pfx_path);
    }
    if args.pk8 {
        planned.push(&pk8_path);
    }
    if args.out_dir.exists() && !args.out_dir.is_dir() {
        return Err(CliError::input(
            format!("{} is a file, not a folder", args.out_dir.display()),
            "choose a folder for --out-dir (it is created if it does not exist)",
        ));
    }
    if !args.force {
        if let Some(existing) = planned.iter().find(|p| p.exists()) {
            return Err(CliError::input(
                format!("{} already exists", existing.display()),
                "choose another --out-dir, move the file away, or pass --force to replace it",
            ));
        }
    }
    let pfx_password = if want_pfx {
        Some(args.pfx_password.resolve("the new .pfx file", true)?)
    } else {
        None
    };

    // A folder that will hold the private key is created 0700 (like every folder of ours).
    oauth1to2::files::create_private_dir(&args.out_dir).map_err(|e| {
        CliError::input(
            format!("cannot create the folder {}: {e}", args.out_dir.display()),
            "check the path and its permissions, or choose another --out-dir",
        )
    })?;
    let identity = cert::generate(&request)?;
    let pem = identity.key.to_pkcs8_pem()?;
    let mut files = Vec::new();
    let mut write = |path: &Path, bytes: &[u8], vis: Visibility, kind: &'static str| {
        let exists = "choose another --out-dir, move the file away, or pass --force to replace it";
        write_atomic(path, bytes, vis, args.force)
            .map_err(|e| CliError::input(e.to_string(), exists))?;
        files.push(WrittenFile {
            path: path.display().to_string(),
            kind,
            mode: match vis {
                Visibility::Private => "0600",
                Visibility::Public => "0644",
            },
        });
        Ok::<(), CliError>(())
    };
    write(
        &key_path,
        pem.as_bytes(),
        Visibility::Private,
        "private key (PKCS#8 PEM)",
    )?;
    write(
        &cert_path,
        identity.certificate_pem.as_bytes(),
        Visibility::Public,
        "certificate (PEM)",
    )?;
    if let Some(pw) = &pfx_password {
        let rsa = identity.key.rsa().ok_or_else(|| {
            CliError::input("--pfx writes RSA keys only", "drop --pfx for an EC key")
        })?;
        let pfx = cert::pkcs12::write(rsa, &identity.certificate_der, pw, args.pfx_legacy)?;
        write(
            &pfx_path,
            &pfx,
            Visibility::Private,
            if args.pfx_legacy {
                "PKCS#12 (3DES/SHA-1, legacy)"
            } else {
                "PKCS#12 (AES-256)"
            },
        )?;
    }
    if args.pk8 {
        let der = identity.key.to_pkcs8_der()?;
        write(
            &pk8_path,
            &der,
            Visibility::Private,
            "private key (PKCS#8 DER)",
        )?;
    }

    let report = cert::analyse(
        &cert_path.display().to_string(),
        1,
        &identity.certificate_der,
        &[],
        &CheckOptions {
            policy,
            ..CheckOptions::now()
        },
    )?;
    let next_steps = policy.next_steps;

    if args.json {
        common::print_json(&NewResult {
            files,
            certificate_pem: &identity.certificate_pem,
            certificate: &report,
            next_steps: next_steps.to_vec(),
        })?;
        return Ok(EXIT_OK);
    }
    let an = ["a", "an"][usize::from(matches!(request.key_type, KeyType::Ec(_)))];
    let kind = request.key_type.describe();
    println!("Created {an} {kind} key and a self-signed certificate:");
    for f in &files {
        println!("  {:<28} {} (mode {})", f.path, f.kind, f.mode);
    }
    println!(
        "\nKeep the private key secret: it never leaves this machine and is never uploaded.\n"
    );
    println!(
        "Certificate{} ({} holds the same):\n",
        if policy.file_prefix.is_empty() {
            ""
        } else {
            " to upload"
        },
        policy.certificate_file()
    );
    print!("{}", identity.certificate_pem);
    println!();
    let colons = |hex: &str| cert::hex_colons(&hex::decode(hex).unwrap_or_default());
    println!("SHA-1 fingerprint:   {}", colons(&report.sha1_fingerprint));
    println!(
        "SHA-256 fingerprint: {}",
        colons(&report.sha256_fingerprint)
    );
    println!(
        "Expires:             {} (in {} days)",
        report.not_after, report.days_left
    );
    println!("\nNext steps:");
    for (i, s) in next_steps.iter().enumerate() {
        println!("  {}. {s}", i + 1);
    }
    Ok(EXIT_OK)
}
