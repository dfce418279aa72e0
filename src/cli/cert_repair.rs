//! `oauth1to2 cert repair [FILE|-]`: the clean PEM of a mangled paste, for a pipeline.

use oauth1to2::cert;
use oauth1to2::text::term;

use super::common::{self, CliError, PfxPasswordArgs, EXIT_OK};

/// Print the clean PEM of a certificate that a web page, mail, chat or word processor mangled.
///
/// Stdout gets only the certificate(s), as clean PEM; what was repaired goes to stderr. Unlike
/// `cert check --pem`, the exit status says whether a certificate was recovered, not whether it
/// is sound, so `cert repair pasted.txt > publickey.cer && ...` goes on with a weak but readable
/// certificate. Lint it with `cert check`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 cert repair pasted-from-email.txt > publickey.cer\n  \
pbpaste | oauth1to2 cert repair - > publickey.cer && oauth1to2 cert check publickey.cer\n\n\
Exit codes: 0 a certificate was recovered (stdout holds it); 2 none could be (the error says \
where the paste breaks).")]
pub struct Args {
    /// The pasted text, a PEM/DER file or a .pfx; `-` reads stdin.
    #[arg(value_name = "FILE", default_value = "-")]
    input: String,
    /// Say nothing on stderr unless it fails.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    pfx: PfxPasswordArgs,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let bytes = common::read_input(&args.input)?;
    let loaded = common::load_with_password(&args.input, &bytes, &args.pfx)?;
    let pem: String = loaded
        .certificates
        .iter()
        .map(|der| cert::der_to_pem(der, "CERTIFICATE"))
        .collect();
    common::write_stdout(pem.as_bytes())?;
    if !args.quiet {
        let n = loaded.certificates.len();
        eprintln!(
            "{}: recovered {n} {}",
            term(&args.input),
            if n == 1 {
                "certificate"
            } else {
                "certificates"
            }
        );
        if loaded.repairs.is_empty() {
            eprintln!("  no repair was needed");
        }
        for r in &loaded.repairs {
            eprintln!("  repaired: {}", term(&r.message));
        }
        for s in &loaded.skipped {
            eprintln!(
                "  skipped a {} block (its contents are not shown)",
                term(&s.label)
            );
        }
    }
    Ok(EXIT_OK)
}
