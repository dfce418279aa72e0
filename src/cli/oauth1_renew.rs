//! `oauth1to2 oauth1 renew`: renew a Xero partner app's 30-minute access token.

use std::path::PathBuf;
use std::time::Duration;

use oauth1to2::xero::partner::{self, PartnerToken, RenewError};

use super::common::{self, CliError, KeyPasswordArgs, EXIT_AUTH, EXIT_NETWORK, EXIT_OK};
use super::oauth1_sign::unix_now;

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

/// The HTTP client for OAuth 1.0a calls: connect and overall timeouts, no redirects.
pub fn http_client(timeout_secs: u64) -> Result<reqwest::blocking::Client, CliError> {
    oauth1to2::oauth2::http::client_builder(oauth1to2::oauth2::http::Timeouts {
        connect: Duration::from_secs(10.min(timeout_secs)),
        total: Duration::from_secs(timeout_secs),
    })
    .build()
    .map_err(|e| CliError {
        message: format!("cannot set up the HTTP client: {e}"),
        hint: None,
        code: EXIT_NETWORK,
    })
}

/// Renews and saves; shared with `oauth1 request`.
pub fn renew_and_save(
    consumer_key: &str,
    key: &oauth1to2::cert::PrivateKey,
    token_file: &std::path::Path,
    url: &str,
) -> Result<PartnerToken, CliError> {
    // The renewal carries the session handle, which renews the grant for a year.
    oauth1to2::oauth2::http::require_secure("the access token URL", url)?;
    let current = PartnerToken::load(token_file).map_err(|e| {
        CliError::input(
            e.to_string(),
            "a token file is JSON with oauth_token, oauth_session_handle and expires_at",
        )
    })?;
    let new = partner::renew(&http_client(30)?, url, consumer_key, key, &current, unix_now()).map_err(|e| {
        let (code, hint) = match &e {
            RenewError::Network { .. } => (EXIT_NETWORK, "check the network; the old token file is untouched".to_owned()),
            RenewError::Refused { problem: Some(p), .. } => (EXIT_AUTH, p.hint.clone()),
            RenewError::Refused { .. } => (EXIT_AUTH, "the session handle may have expired (Xero kept them for a year); the organisation must authorise the app again".to_owned()),
            _ => (EXIT_AUTH, "the answer was not a token; the old token file is untouched".to_owned()),
        };
        CliError { message: format!("{}: {e}", token_file.display()), hint: Some(hint), code }
    })?;
    // Persist the new token before anything uses it: the old one is dead once Xero answers.
    new.save(token_file)
        .map_err(|e| CliError::input(e.to_string(), "check the folder is writable"))?;
    Ok(new)
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
