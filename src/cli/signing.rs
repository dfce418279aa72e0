//! What the OAuth 1.0a subcommands share: the signing arguments (`--as`, keys, secrets, fixed
//! nonce and timestamp), signing one request, the partner token file and its renewal, and the
//! HTTP client for Xero's OAuth 1.0a endpoints.

use std::time::Duration;

use oauth1to2::oauth1::style::{SigningStyle, TokenSource};
use oauth1to2::oauth1::{self, SignatureBaseString, SignatureMethod, Signer};
use oauth1to2::provider::xero::partner::{self, PartnerToken, RenewError};

use super::common::{self, CliError, KeyPasswordArgs, SecretArgs, EXIT_AUTH, EXIT_NETWORK};

/// What `oauth1 sign` and `oauth1 request` share: the request and how to sign it.
#[derive(Debug, clap::Args)]
pub struct SigningArgs {
    /// HTTP method (GET, POST, PUT, DELETE, ...).
    pub method: String,
    /// The full URL, query included (the query is signed).
    pub url: String,
    /// The app's consumer key.
    #[arg(long, env = "OAUTH1TO2_CONSUMER_KEY", value_name = "KEY")]
    pub consumer_key: String,
    /// The private key (PKCS#1/PKCS#8 PEM, encrypted PKCS#8, DER or .pfx), for RSA-SHA1.
    #[arg(long, value_name = "FILE")]
    pub key: Option<String>,
    /// Sign as which kind of app (the first listed is the default).
    #[arg(long = "as", value_name = "APP", value_parser = style_parser(), default_value = default_style())]
    pub sign_as: String,
    /// The signature method (with --as generic only; Xero private apps used RSA-SHA1, NetSuite
    /// TBA uses HMAC-SHA256).
    #[arg(long, value_enum)]
    pub signature_method: Option<MethodArg>,
    /// The NetSuite account id, 1234567 or 1234567_SB1 (--as netsuite): it becomes the realm,
    /// and the URL's host must name the same account.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// oauth_token (--as generic; the token id with --as netsuite).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// The partner token file (--as xero-partner), as `oauth1 renew` keeps it.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<std::path::PathBuf>,
    /// A form-body parameter NAME=VALUE (repeatable); signed, like curl's -d.
    #[arg(short = 'd', long = "data", value_name = "NAME=VALUE")]
    pub data: Vec<String>,
    /// Fixed oauth_nonce, for reproducible test vectors.
    #[arg(long)]
    pub nonce: Option<String>,
    /// Fixed oauth_timestamp (Unix seconds), for reproducible test vectors.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub timestamp: Option<u64>,
    /// Leave oauth_version out (it is optional in RFC 5849; Xero's apps sent it).
    #[arg(long)]
    pub omit_version: bool,
    /// A realm to put in the header (not signed).
    #[arg(long)]
    pub realm: Option<String>,
    #[command(flatten)]
    pub key_password: KeyPasswordArgs,
    #[command(flatten)]
    pub secrets: SecretArgs,
}

/// The signing styles `--as` takes: every provider's, then `generic`.
fn style_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        oauth1to2::provider::signing_styles()
            .into_iter()
            .map(|s| clap::builder::PossibleValue::new(s.id).help(s.about)),
    )
}

fn default_style() -> &'static str {
    oauth1to2::provider::signing_styles()[0].id
}

/// The style `--as` named (the parser took only known names).
pub fn style(args: &SigningArgs) -> &'static SigningStyle {
    oauth1to2::provider::signing_styles()
        .into_iter()
        .find(|s| s.id == args.sign_as)
        .unwrap_or(&oauth1to2::oauth1::style::GENERIC)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MethodArg {
    #[value(name = "RSA-SHA1")]
    RsaSha1,
    #[value(name = "HMAC-SHA1")]
    HmacSha1,
    #[value(name = "HMAC-SHA256")]
    HmacSha256,
    #[value(name = "HMAC-SHA512")]
    HmacSha512,
    #[value(name = "PLAINTEXT")]
    Plaintext,
}

/// A signed request, ready to send.
pub struct SignedRequest {
    pub base: SignatureBaseString,
    pub signature: String,
    pub authorization: String,
    pub form: Vec<(String, String)>,
    pub method: SignatureMethod,
}

pub fn parse_data(data: &[String]) -> Result<Vec<(String, String)>, CliError> {
    data.iter()
        .map(|d| {
            d.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| {
                    CliError::input(
                        format!("-d `{d}` is not NAME=VALUE"),
                        "write each form parameter as -d name=value",
                    )
                })
        })
        .collect()
}

/// Now, in Unix seconds: the library's clock.
pub use oauth1to2::oauth2::now as unix_now;

pub fn load_partner_token(
    args: &SigningArgs,
) -> Result<oauth1to2::provider::xero::partner::PartnerToken, CliError> {
    let path = args.token_file.as_ref().ok_or_else(|| {
        CliError::input(
            "signing as xero-partner needs the token file",
            "add --token-file partner-token.json (see `oauth1to2 oauth1 renew --help` for its format)",
        )
    })?;
    oauth1to2::provider::xero::partner::PartnerToken::load(path).map_err(|e| {
        CliError::input(
            e.to_string(),
            "a token file is JSON with oauth_token, oauth_session_handle and expires_at (Unix seconds)",
        )
    })
}

/// Where the style makes the realm from the account: the realm from `--account`, after the
/// style checked that the URL's host names the same account.
fn style_realm(args: &SigningArgs, style: &SigningStyle) -> Result<Option<String>, CliError> {
    let Some(realm_for) = style.realm else {
        return Ok(None);
    };
    let given = args.account.as_deref().ok_or_else(|| {
        CliError::input(
            format!("signing as {} needs the account id", style.id),
            "add --account 1234567 (or 1234567_SB1 for a sandbox)",
        )
    })?;
    let realm = realm_for(given, &args.url).map_err(|(why, todo)| CliError::input(why, todo))?;
    if args.realm.as_deref().is_some_and(|r| r != realm) {
        return Err(CliError::input(
            format!(
                "--realm {:?} is not the account's realm {realm}",
                args.realm.as_deref().unwrap_or("")
            ),
            format!(
                "drop --realm: with --as {} the realm is the account id",
                style.id
            ),
        ));
    }
    Ok(Some(realm))
}

/// Signs per the arguments; shared with `oauth1 request`.
pub fn sign_request(args: &SigningArgs) -> Result<SignedRequest, CliError> {
    let style = style(args);
    let asked = args.signature_method.map(|m| match m {
        MethodArg::RsaSha1 => SignatureMethod::RsaSha1,
        MethodArg::HmacSha1 => SignatureMethod::HmacSha1,
        MethodArg::HmacSha256 => SignatureMethod::HmacSha256,
        MethodArg::HmacSha512 => SignatureMethod::HmacSha512,
        MethodArg::Plaintext => SignatureMethod::Plaintext,
    });
    let method = style.method(asked).map_err(|why| {
        CliError::input(
            why,
            "drop --signature-method, or use --as generic to sign otherwise",
        )
    })?;
    let realm = style_realm(args, style)?.or_else(|| args.realm.clone());
    let token = match style.token {
        TokenSource::ConsumerKey => Some(args.consumer_key.clone()),
        TokenSource::RenewedFile => {
            let t = load_partner_token(args)?;
            let now = unix_now();
            if t.expires_within(now, 0) {
                eprintln!("warning: the token expired {} seconds ago; the provider will answer token_expired (run `oauth1to2 oauth1 renew`, or use `oauth1 request`, which renews)", now - t.expires_at);
            }
            Some(t.oauth_token.clone())
        }
        TokenSource::Given {
            required: false, ..
        } => args.token.clone(),
        TokenSource::Given {
            required: true,
            what,
        } => Some(args.token.clone().ok_or_else(|| {
            CliError::input(
                format!("signing as {} needs {what}", style.id),
                "add --token TOKEN, with --token-secret-env VAR",
            )
        })?),
    };
    let form = parse_data(&args.data)?;
    let timestamp = args
        .timestamp
        .unwrap_or_else(|| u64::try_from(unix_now()).unwrap_or(0));
    let mut oauth = oauth1::ProtocolParams {
        consumer_key: &args.consumer_key,
        token: token.as_deref(),
        method,
        timestamp,
        nonce: args.nonce.as_deref(),
        version: !args.omit_version,
        extra: &[],
    }
    .build();
    let base = oauth1::base_string(&args.method, &args.url, &form, &oauth).map_err(|e| {
        CliError::input(
            e.to_string(),
            "give the full URL, e.g. https://api.xero.com/api.xro/2.0/Organisation",
        )
    })?;

    let signature = match method {
        SignatureMethod::RsaSha1 => {
            let path = args.key.as_deref().ok_or_else(|| {
                CliError::input("RSA-SHA1 needs the private key", "add --key privatekey.pem")
            })?;
            let key = common::load_key(path, &args.key_password)?;
            oauth1::sign_base_string(method, &base, &Signer::Rsa(&key))
        }
        _ => {
            let consumer_secret = args.secrets.consumer_secret()?;
            let token_secret = args.secrets.token_secret()?;
            oauth1::sign_base_string(
                method,
                &base,
                &Signer::Secrets {
                    consumer_secret: consumer_secret.expose(),
                    token_secret: token_secret.as_ref().map(|p| p.expose()).unwrap_or(""),
                },
            )
        }
    }
    .map_err(|e| CliError::input(e.to_string(), e.hint()))?;
    oauth.push(("oauth_signature".into(), signature.clone()));
    let authorization = oauth1::authorization_header(realm.as_deref(), &oauth);
    Ok(SignedRequest {
        base,
        signature,
        authorization,
        form,
        method,
    })
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
    let current =
        PartnerToken::load(token_file).map_err(|e| CliError::input(e.to_string(), e.hint()))?;
    let new = partner::renew(
        &http_client(30)?,
        url,
        consumer_key,
        key,
        &current,
        unix_now(),
    )
    .map_err(|e| {
        let code = match &e {
            RenewError::Network { .. } => EXIT_NETWORK,
            _ => EXIT_AUTH,
        };
        CliError {
            message: format!("{}: {e}", token_file.display()),
            hint: Some(e.hint()),
            code,
        }
    })?;
    // Persist the new token before anything uses it: the old one is dead once Xero answers.
    new.save(token_file)
        .map_err(|e| CliError::input(e.to_string(), e.hint()))?;
    Ok(new)
}
