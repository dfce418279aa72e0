//! `oauth1to2 oauth1 ...`: the group, dispatching to one file per subcommand.

use clap::Subcommand;

use super::common::CliError;
use super::{oauth1_renew, oauth1_request, oauth1_sign, oauth1_verify};

#[derive(Debug, Subcommand)]
pub enum OAuth1Command {
    /// Sign a request (a Xero private or partner app, NetSuite TBA, or any OAuth 1.0a) and print the Authorization header.
    Sign(oauth1_sign::Args),
    /// Verify a captured request's signature (RSA-SHA1 with a certificate, HMAC with the secrets) and explain failures.
    Verify(oauth1_verify::Args),
    /// Sign a request like a Xero private app and send it; print the status and body.
    Request(oauth1_request::Args),
    /// Renew a Xero partner app's 30-minute access token with its session handle.
    Renew(oauth1_renew::Args),
}

pub fn run(cmd: OAuth1Command) -> Result<u8, CliError> {
    match cmd {
        OAuth1Command::Sign(a) => oauth1_sign::run(a),
        OAuth1Command::Verify(a) => oauth1_verify::run(a),
        OAuth1Command::Request(a) => oauth1_request::run(a),
        OAuth1Command::Renew(a) => oauth1_renew::run(a),
    }
}
