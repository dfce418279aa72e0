//! `oauth1to2 cert ...`: the group, dispatching to one file per subcommand.

use clap::Subcommand;

use super::common::CliError;
use super::{cert_check, cert_convert, cert_inspect, cert_new, cert_repair};

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Make an RSA keypair and a self-signed certificate (a Xero private app, or NetSuite M2M).
    New(cert_new::Args),
    /// Show what certificates are: fields, fingerprints, extensions, findings.
    Inspect(cert_inspect::Args),
    /// Repair a pasted certificate, lint it, and check a private key belongs to it.
    Check(cert_check::Args),
    /// Print the clean PEM of a mangled paste (repairs on stderr; exit 0 when recovered).
    Repair(cert_repair::Args),
    /// Convert between PEM, DER, PKCS#8 and PKCS#12 (.pfx).
    Convert(cert_convert::Args),
}

pub fn run(cmd: CertCommand) -> Result<u8, CliError> {
    match cmd {
        CertCommand::New(a) => cert_new::run(a),
        CertCommand::Inspect(a) => cert_inspect::run(a),
        CertCommand::Check(a) => cert_check::run(a),
        CertCommand::Repair(a) => cert_repair::run(a),
        CertCommand::Convert(a) => cert_convert::run(a),
    }
}
