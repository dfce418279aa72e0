//! `oauth1to2 cert convert INPUT --to FORMAT`

use std::io::Write;
use std::path::PathBuf;

use oauth1to2::cert;
use oauth1to2::files::{write_atomic, Visibility};

use super::common::{self, CliError, KeyPasswordArgs, PfxPasswordArgs, EXIT_OK};

/// Convert between PEM, DER, PKCS#8 and PKCS#12 (.pfx).
///
/// --to pem   a certificate (PEM, DER, pasted text or .pfx) to clean PEM; or a private key to
///            PKCS#8 PEM (needs -o). From a .pfx, --key-out also writes its key.
/// --to der   a certificate to DER (needs -o).
/// --to pk8   a private key to unencrypted PKCS#8 DER for Java (needs -o; mode 0600).
/// --to pfx   a certificate plus --key to PKCS#12 (needs -o; AES-256, or --pfx-legacy).
///
/// Files holding private material are written with mode 0600. Nothing is overwritten without
/// --force, and private material is never written to stdout.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  oauth1to2 cert convert publickey.cer --to der -o publickey.der\n  \
oauth1to2 cert convert privatekey.pem --to pk8 -o privatekey.pk8\n  \
PFX_PW=... oauth1to2 cert convert publickey.cer --key privatekey.pem --to pfx -o public_privatekey.pfx --pfx-password-env PFX_PW\n  \
PFX_PW=... oauth1to2 cert convert public_privatekey.pfx --to pem \\\n    --key-out privatekey.pem --pfx-password-env PFX_PW"
)]
pub struct Args {
    /// The input file; `-` reads stdin.
    #[arg(value_name = "INPUT")]
    input: String,
    /// The output format.
    #[arg(long, value_enum)]
    to: Target,
    /// Output file (stdout for PEM certificates when omitted).
    #[arg(short, long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The private key to bundle (--to pfx).
    #[arg(long, value_name = "KEY")]
    key: Option<String>,
    /// From a .pfx: also write its private key here as PKCS#8 PEM (mode 0600).
    #[arg(long, value_name = "FILE")]
    key_out: Option<PathBuf>,
    /// Write the .pfx with 3DES/SHA-1 for old .NET Framework readers.
    #[arg(long)]
    pfx_legacy: bool,
    /// Replace existing output files.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    pfx: PfxPasswordArgs,
    #[command(flatten)]
    key_password: KeyPasswordArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Target {
    Pem,
    Der,
    Pk8,
    Pfx,
}

fn need_out(args: &Args, what: &str) -> Result<PathBuf, CliError> {
    args.out.clone().ok_or_else(|| {
        CliError::input(
            format!("--to {what} needs an output file"),
            format!("add -o FILE; {what} output is never written to the terminal"),
        )
    })
}

fn looks_like_key(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    text.contains("PRIVATE KEY-----")
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let write = |path: &PathBuf, bytes: &[u8], vis: Visibility| -> Result<(), CliError> {
        write_atomic(path, bytes, vis, args.force).map_err(|e| {
            CliError::input(
                e.to_string(),
                "choose another -o/--out (or --key-out), move the file away, or pass --force to replace it",
            )
        })?;
        eprintln!("wrote {}", path.display());
        Ok(())
    };
    match args.to {
        Target::Pk8 => {
            let out = need_out(&args, "pk8")?;
            let key = common::load_key(&args.input, &args.key_password)?;
            write(&out, &key.to_pkcs8_der()?, Visibility::Private)?;
        }
        Target::Pfx => {
            let out = need_out(&args, "pfx")?;
            let key_path = args.key.as_deref().ok_or_else(|| {
                CliError::input("--to pfx needs the private key", "add --key privatekey.pem")
            })?;
            let key = common::load_key(key_path, &args.key_password)?;
            let bytes = common::read_input(&args.input)?;
            let loaded = common::load_with_password(&args.input, &bytes, &args.pfx)?;
            let leaf = &loaded.certificates[0];
            let report = cert::analyse(
                &args.input,
                1,
                leaf,
                &[],
                &cert::CheckOptions {
                    key: Some(&key),
                    ..cert::CheckOptions::now()
                },
            )?;
            if report.findings.iter().any(|f| f.id == "key-mismatch") {
                return Err(CliError::input(
                    format!("{key_path} does not belong to the certificate in {}", args.input),
                    "bundle the key with its own certificate; `oauth1to2 cert check --key` shows which pairs match",
                ));
            }
            let pw = args.pfx.resolve("the new .pfx file", true)?;
            let pfx = cert::pkcs12::write(&key, leaf, &pw, args.pfx_legacy)?;
            write(&out, &pfx, Visibility::Private)?;
        }
        Target::Der => {
            let out = need_out(&args, "der")?;
            let bytes = common::read_input(&args.input)?;
            let loaded = common::load_with_password(&args.input, &bytes, &args.pfx)?;
            if loaded.certificates.len() > 1 {
                eprintln!(
                    "note: {} holds {} certificates; DER holds one, so only the first was written",
                    args.input,
                    loaded.certificates.len()
                );
            }
            write(&out, &loaded.certificates[0], Visibility::Public)?;
        }
        Target::Pem => {
            let bytes = common::read_input(&args.input)?;
            if looks_like_key(&bytes) {
                let out = need_out(&args, "pem (of a private key)")?;
                let key = common::load_key(&args.input, &args.key_password)?;
                write(&out, key.to_pkcs8_pem()?.as_bytes(), Visibility::Private)?;
                return Ok(EXIT_OK);
            }
            let loaded = common::load_with_password(&args.input, &bytes, &args.pfx)?;
            for note in &loaded.repairs {
                eprintln!("repaired: {}", note.message);
            }
            let pem: String = loaded
                .certificates
                .iter()
                .map(|d| cert::der_to_pem(d, "CERTIFICATE"))
                .collect();
            match &args.out {
                Some(out) => write(out, pem.as_bytes(), Visibility::Public)?,
                None => {
                    print!("{pem}");
                    let _ = std::io::stdout().flush();
                }
            }
            if let Some(key_out) = &args.key_out {
                let key = loaded.private_key.as_ref().ok_or_else(|| {
                    CliError::input(
                        format!("{} holds no private key", args.input),
                        "--key-out works only on a .pfx file that contains a key",
                    )
                })?;
                write(key_out, key.to_pkcs8_pem()?.as_bytes(), Visibility::Private)?;
            }
        }
    }
    Ok(EXIT_OK)
}
