//! `oauth1to2 oauth1 renew`: renew a Xero partner app's 30-minute access token.

use std::path::PathBuf;

use oauth1to2::provider::xero::partner;

use super::common::{self, CliError, KeyPasswordArgs, EXIT_OK};
use super::signing::{renew_and_save, unix_now};

/// Renew a Xero partner app's access token with its session handle.
///
/// Sends `POST /oauth/AccessToken` signed RSA-SHA1 with the current token and
/// `oauth_session_handle`, and writes the new token back to the token file atomically (temporary
/// file, fsync, rename; mode 0600), so a crash never loses it. The token is never printed.
///
/// The token file is JSON: {"oauth_token": "...", "oauth_token_secret": "...",
/// "oauth_session_handle": "...", "expires_at": UNIX_SECONDS}.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  oauth1to2 oauth1 renew --consumer-key CK --key privatekey.pem --token-file partner-token.json"
)]
pub struct Args {
    /// The partner app's consumer key.
    #[arg(long, env = "OAUTH1TO2_CONSUMER_KEY", value_name = "KEY")]
    consumer_key: String,
    /// The partner app's private key.
    #[arg(long, value_name = "FILE")]
    key: String,
    /// The token file to read and rewrite.
    #[arg(long, value_name = "FILE")]
    token_file: PathBuf,
    /// The renewal endpoint (Xero's by default; change it only for a proxy or a test server).
    #[arg(long, default_value = partner::ACCESS_TOKEN_URL, value_name = "URL")]
    access_token_url: String,
    /// Print the new expiry as JSON (never the token).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    key_password: KeyPasswordArgs,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let key = common::load_key(&args.key, &args.key_password)?;
    let new = renew_and_save(
        &args.consumer_key,
        &key,
        &args.token_file,
        &args.access_token_url,
    )?;
    if args.json {
        common::print_json(&serde_json::json!({
            "token_file": args.token_file.display().to_string(),
            "expires_at": new.expires_at,
            "authorization_expires_at": new.authorization_expires_at,
        }))?;
    } else {
        eprintln!(
            "renewed: {} now holds a token valid for {} seconds",
            args.token_file.display(),
            new.expires_at - unix_now()
        );
    }
    Ok(EXIT_OK)
}
