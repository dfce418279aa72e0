//! What the OAuth 2.0 commands share: the `--profile` flag, loading the config and the profile,
//! the HTTP client, a fresh token (refreshing under the lock), and mapping library errors to
//! exit codes 3 to 8.

use clap::Args;
use std::path::PathBuf;

use oauth1to2::oauth2::loopback::CallbackError;
use oauth1to2::oauth2::profile::{check_name, Overrides, Paths, Profile, ProviderId};
use oauth1to2::oauth2::store::TokenSet;
use oauth1to2::oauth2::Oauth2Error;
use oauth1to2::secret::Password;

use super::common::{
    CliError, EXIT_AUTH, EXIT_HTTP, EXIT_INPUT, EXIT_NETWORK, EXIT_NOT_AUTHORIZED,
    EXIT_NOT_CONNECTED, EXIT_SECURITY,
};

/// Which profile.
#[derive(Debug, Clone, Args)]
pub struct ProfileArg {
    /// The profile to use (see `oauth1to2 profile list`).
    #[arg(
        long,
        short = 'p',
        env = "OAUTH1TO2_PROFILE",
        default_value = "default"
    )]
    pub profile: String,
}

pub fn code_for(e: &Oauth2Error) -> u8 {
    match e.inner() {
        Oauth2Error::Network { .. } | Oauth2Error::Tls { .. } => EXIT_NETWORK,
        Oauth2Error::OAuth { error, .. } if error == "invalid_grant" => EXIT_NOT_CONNECTED,
        Oauth2Error::OAuth { .. } => EXIT_AUTH,
        Oauth2Error::Http {
            status: 401 | 403, ..
        } => EXIT_AUTH,
        Oauth2Error::Http { .. } | Oauth2Error::BadResponse { .. } => EXIT_HTTP,
        Oauth2Error::Callback(c) => match c {
            CallbackError::StateMismatch | CallbackError::IssuerMismatch { .. } => EXIT_SECURITY,
            CallbackError::BadPaste(_) | CallbackError::Bind { .. } => EXIT_INPUT,
            _ => EXIT_NOT_AUTHORIZED,
        },
        Oauth2Error::IdToken(_) => EXIT_SECURITY,
        Oauth2Error::NotConnected { .. } | Oauth2Error::NoRefreshToken { .. } => EXIT_NOT_CONNECTED,
        _ => EXIT_INPUT,
    }
}

impl From<Oauth2Error> for CliError {
    fn from(e: Oauth2Error) -> Self {
        // A URL refused for a profile is named by the flag that gave it.
        let message = match &e {
            Oauth2Error::Insecure { what, url, reason } => {
                let flag = match what.as_str() {
                    "the issuer URL" => "--issuer",
                    "the API base" => "--api-base",
                    "the profile's token endpoint" => "--token-endpoint",
                    other => other,
                };
                format!("{flag} {url} is refused: {reason}")
            }
            _ => e.to_string(),
        };
        CliError {
            code: code_for(&e),
            hint: Some(cli_hint(&e)),
            message,
        }
    }
}

/// The library's hint, said with the commands and flags that do it.
fn cli_hint(e: &Oauth2Error) -> String {
    match e {
        Oauth2Error::NoProfile { .. } => "list profiles with `oauth1to2 profile list`, or create one with `oauth1to2 connect --profile NAME --client-id ID`".into(),
        Oauth2Error::Secret { .. } => "set the variable or create the file named above, or give the secret another way: `oauth1to2 connect` with --client-secret-env, --client-secret-file or --client-secret-prompt".into(),
        Oauth2Error::IdToken(_) => "the answer did not come from the provider you configured, or was replayed: do not use it; check --issuer and the client id, then connect again".into(),
        Oauth2Error::NotConnected { profile } => format!("run `oauth1to2 connect --profile {profile}` first"),
        Oauth2Error::NoRefreshToken { profile } => format!("ask for the offline_access scope to get refresh tokens, or run `oauth1to2 connect --profile {profile}` again"),
        Oauth2Error::Keyring { profile, .. } => format!("keep the tokens in a 0600 file instead: `oauth1to2 connect --profile {profile} --token-store file` (on Linux the keyring is the kernel's, which is emptied at reboot)"),
        Oauth2Error::Usage(_) => "see `oauth1to2 connect --help`".into(),
        Oauth2Error::NoApiBase { .. } => "connect the profile again with its provider's API base (`oauth1to2 connect --profile NAME --api-base https://...`), or set `api_base` in its section of the config file".into(),
        Oauth2Error::Tls { .. } => e.hint().replace("the profile's CA file", "--ca-file CA.pem"),
        Oauth2Error::Callback(c) => match c {
            CallbackError::IssuerMismatch { .. } => "the response came from another authorization server; nothing was stored. Check --issuer".into(),
            CallbackError::Timeout { .. } => "run connect again and finish the login within the time (raise it with --timeout), or use --no-browser and paste the final URL".into(),
            CallbackError::Bind { .. } => "another program uses the port: stop it, or pick another port with --port (and register the new redirect URI)".into(),
            _ => e.hint(),
        },
        _ => e.hint(),
    }
}

/// The library's session: one profile resolved (see `oauth1to2::session`).
pub use oauth1to2::session::Session;

/// Opens the named profile; it must exist, and its provider must be one the registry knows.
pub fn open(arg: &ProfileArg) -> Result<Session, CliError> {
    check_name(&arg.profile)?;
    let paths = Paths::resolve()?;
    Ok(Session::open(&arg.profile, &paths)?)
}

/// The profile's client secret, if it has one.
pub fn secret(s: &Session) -> Result<Option<Password>, CliError> {
    match &s.profile.client_secret {
        Some(r) => Ok(Some(r.read(&s.name)?)),
        None => Ok(None),
    }
}

/// Tokens good for `margin` seconds, renewed under the lock if needed; the notices go to stderr.
pub fn fresh_tokens(s: &Session, margin: i64, force: bool) -> Result<TokenSet, CliError> {
    Ok(s.fresh_tokens(margin, force, &super::ui::Terminal::default())?)
}

/// Prints `prompt` on stderr and reads one line from stdin, trimmed; `None` at end of input.
pub fn read_answer(prompt: &str) -> Result<Option<String>, CliError> {
    use std::io::{BufRead, Write};
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let n = std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        CliError::input(
            format!("cannot read the answer from standard input: {e}"),
            "give the value as a flag instead (see the command's --help)",
        )
    })?;
    Ok((n > 0).then(|| line.trim().to_owned()))
}

/// Asks a yes/no question on the terminal; without a terminal the answer is no.
pub fn confirm(question: &str) -> Result<bool, CliError> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    let answer = read_answer(&format!("{question} [y/N] "))?;
    Ok(matches!(
        answer.as_deref(),
        Some("y" | "Y" | "yes" | "YES" | "Yes")
    ))
}

/// The providers `--provider` and `--api` take: the registry's, less the ones found by
/// discovery from `--issuer`.
pub fn provider_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(oauth1to2::provider::named_providers())
}

/// Where the profile's endpoints are and how the redirect looks (`connect` and `migrate`).
#[derive(Debug, Clone, clap::Args)]
pub struct EndpointArgs {
    /// The provider (default: the first listed). One whose endpoints are per account needs
    /// --account too. Any other OpenID provider is chosen by --issuer.
    #[arg(long, value_parser = provider_parser(), value_name = "NAME", conflicts_with = "issuer")]
    pub provider: Option<String>,
    /// The NetSuite account id, in either spelling (1234567_SB1 or 1234567-sb1); the endpoints
    /// and the REST base are built from it.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Use this token endpoint instead of the provider's (a proxy, a test server). A client
    /// assertion is addressed to it (`aud`).
    #[arg(long, value_name = "URL")]
    pub token_endpoint: Option<String>,
    /// Use this OpenID provider (found by discovery) instead of Xero.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// The API base for `tenants` and `api` (default: the provider's own, such as
    /// https://api.xero.com). A profile with --issuer has none unless given: its token is
    /// sent to no other provider's API.
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,
    /// With --issuer: the identity server stands in for this provider's (a staging or test
    /// server), so its tenants and scope catalogue apply at --api-base.
    #[arg(long, value_parser = provider_parser(), value_name = "NAME", requires_all = ["issuer", "api_base"])]
    pub api: Option<String>,
    /// Also trust this CA certificate (PEM) for the profile's endpoints.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// The loopback port for the redirect URI; 0 picks a free one (only where the provider allows any port).
    #[arg(long)]
    pub port: Option<u16>,
    /// The host in the redirect URI: localhost (default, as Xero documents) or 127.0.0.1.
    #[arg(long, value_name = "HOST")]
    pub redirect_host: Option<String>,
    /// The login URL, for a provider with several (Salesforce: https://login.salesforce.com by
    /// default, https://test.salesforce.com for a sandbox, or the org's My Domain URL). The
    /// token request goes there, and a JWT bearer assertion is addressed to it (`aud`).
    #[arg(long, value_name = "URL")]
    pub login_url: Option<String>,
}

impl EndpointArgs {
    /// The library's form.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            provider: self.provider.as_deref().map(ProviderId::new),
            account: self.account.clone(),
            token_endpoint: self.token_endpoint.clone(),
            issuer: self.issuer.clone(),
            api_base: self.api_base.clone(),
            api: self.api.as_deref().map(ProviderId::new),
            ca_file: self.ca_file.clone(),
            port: self.port,
            redirect_host: self.redirect_host.clone(),
            login_url: self.login_url.clone(),
        }
    }

    /// Sets what was given on `p`.
    pub fn apply(&self, p: &mut Profile) {
        oauth1to2::provider::apply_overrides(&self.overrides(), p)
    }
}
