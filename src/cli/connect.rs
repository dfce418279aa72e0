//! `oauth1to2 connect`: create or update a profile and get its first tokens, through the browser
//! (authorization code + PKCE, loopback listener) or without one (client credentials).

use clap::{Args as ClapArgs, ValueEnum};
use std::path::PathBuf;

use oauth1to2::connect::{connect_profile, prompt_secret_to_file, BrowserOptions};
use oauth1to2::oauth2::profile::{check_name, Config, Grant, Paths, Profile, SecretRef};
use oauth1to2::oauth2::store::Backend;

use super::common::{print_json, CliError, EXIT_OK};
use super::session::{EndpointArgs, ProfileArg};
use super::ui::{print_connected, Terminal};
use oauth1to2::oauth2::assertion::{AssertionAlg, AssertionKey, AssertionRef};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GrantArg {
    /// A confidential client (Xero "Web app"): client secret, plus PKCE.
    AuthorizationCode,
    /// A public client (Xero "Auth code with PKCE"): no secret.
    Pkce,
    /// A Xero Custom Connection, a Salesforce External Client App's client credentials flow:
    /// client id and secret, no browser, no refresh token.
    ClientCredentials,
    /// The JWT bearer grant (RFC 7523): a JWT signed by --assertion-key names --username; no
    /// browser, no secret, no refresh token (a new JWT is signed when the token is old).
    JwtBearer,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TokenStoreArg {
    /// A JSON file per profile, 0600, in oauth1to2's data folder (default).
    File,
    /// The OS keyring (Linux: the kernel keyring, emptied at reboot; macOS Keychain; Windows
    /// Credential Manager).
    Keyring,
}

impl From<TokenStoreArg> for Backend {
    fn from(b: TokenStoreArg) -> Backend {
        match b {
            TokenStoreArg::File => Backend::File,
            TokenStoreArg::Keyring => Backend::Keyring,
        }
    }
}

impl From<GrantArg> for Grant {
    fn from(g: GrantArg) -> Grant {
        match g {
            GrantArg::AuthorizationCode => Grant::AuthorizationCode,
            GrantArg::Pkce => Grant::Pkce,
            GrantArg::ClientCredentials => Grant::ClientCredentials,
            GrantArg::JwtBearer => Grant::JwtBearer,
        }
    }
}

/// Connect a profile to a provider and store its tokens.
#[derive(Debug, ClapArgs)]
#[command(
    long_about = "Connect a profile and store its tokens.\n\n\
The first time, give the app's client id (and, for a Web app or Custom Connection, where its \
secret is); the settings are saved in the profile, so later `connect --profile NAME` needs \
nothing else.\n\n\
For the browser grants, oauth1to2 listens on 127.0.0.1 only, prints the redirect URI to register \
on the app (http://localhost:8742/callback by default), prints the login URL and opens it \
(unless --no-browser). Over SSH, use --no-browser, open the URL on your own machine, and paste \
the address the browser ends on back here.",
    after_help = "Examples:\n  \
oauth1to2 connect --client-id ABC --scopes 'openid profile email offline_access accounting.contacts.read'\n  \
XERO_SECRET=... oauth1to2 connect -p acme --grant authorization-code --client-id ABC \\\n    --client-secret-env XERO_SECRET --scopes '...'\n  \
oauth1to2 connect -p acme-cc --grant client-credentials --client-id ABC --client-secret-prompt \\\n    --scopes 'accounting.invoices.read'\n  \
oauth1to2 connect -p acme-sf --provider salesforce --grant jwt-bearer --client-id CONSUMER_KEY \\\n    --username integration@acme.com --assertion-key salesforce-privatekey.pem \\\n    [--login-url https://test.salesforce.com]\n\n\
Exit codes: 0 connected; 2 bad settings; 3 network; 4 the provider refused the client; \
7 declined, timed out or a provider error; 8 a security check failed (state, issuer, id token)."
)]
pub struct Args {
    #[command(flatten)]
    profile: ProfileArg,
    /// The app's client id (required the first time).
    #[arg(long)]
    client_id: Option<String>,
    /// The grant: pkce (the default without a secret), authorization-code (the default with a
    /// secret: a Xero Web app), client-credentials (a Custom Connection) or jwt-bearer (a
    /// Salesforce External Client App with a certificate).
    #[arg(long, value_enum)]
    grant: Option<GrantArg>,
    /// Scopes, space- or comma-separated (may be repeated). Add offline_access for refresh tokens.
    #[arg(long, visible_alias = "scope", value_name = "SCOPES")]
    scopes: Vec<String>,
    #[command(flatten)]
    endpoints: EndpointArgs,
    /// Read the client secret from this environment variable (the profile keeps the name).
    #[arg(long, value_name = "VAR", group = "secret")]
    client_secret_env: Option<String>,
    /// Read the client secret from the first line of this file (the profile keeps the path).
    #[arg(long, value_name = "FILE", group = "secret")]
    client_secret_file: Option<PathBuf>,
    /// Ask for the client secret and store it in a 0600 file in oauth1to2's data folder.
    #[arg(long, group = "secret")]
    client_secret_prompt: bool,
    /// Sign with this private key (PEM): a JWT client assertion instead of a secret
    /// (`private_key_jwt`, RFC 7523, with client credentials or the authorization code, and
    /// --assertion-kid), or the JWT bearer grant's assertion (--grant jwt-bearer).
    #[arg(long, value_name = "KEY.pem", conflicts_with = "secret")]
    assertion_key: Option<PathBuf>,
    /// The key id the provider knows the assertion key's public half by (NetSuite: the
    /// Certificate ID); a client assertion needs it.
    #[arg(long, value_name = "KID", requires = "assertion_key")]
    assertion_kid: Option<String>,
    /// The assertion's signature algorithm: PS256, PS384, PS512, ES256, ES384, ES512 or RS256.
    /// By default the key decides: an RSA key signs PS256 (RS256 for Salesforce), an EC key
    /// ES256, ES384 or ES512 by its curve.
    #[arg(long, value_name = "ALG", requires = "assertion_key", value_parser = ["PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "RS256"])]
    assertion_alg: Option<String>,
    /// Send this certificate's SHA-256 thumbprint as `x5t#S256` in the assertion header (as
    /// Microsoft Entra wants it; see `cert inspect`).
    #[arg(long, value_name = "CERT", requires = "assertion_key")]
    assertion_x5t: Option<PathBuf>,
    /// The user a JWT bearer grant's token acts for (its `sub`: the Salesforce username, such
    /// as integration@acme.com).
    #[arg(long, value_name = "USER")]
    username: Option<String>,
    /// Where to keep the tokens: file (default) or keyring.
    #[arg(long, value_enum, value_name = "STORE")]
    token_store: Option<TokenStoreArg>,
    /// Do not open a browser: print the URL, and accept the final redirect URL pasted on stdin.
    #[arg(long)]
    no_browser: bool,
    /// Seconds to wait for the browser step.
    #[arg(long, default_value_t = 300, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,
    /// Print the result as JSON on stdout (never tokens).
    #[arg(long)]
    json: bool,
}

fn split_scopes(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v.iter().flat_map(|s| s.split([' ', ','])) {
        let s = s.trim();
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

/// Builds the profile from what is stored and the flags.
fn merge(
    name: &str,
    stored: Option<&Profile>,
    a: &Args,
    paths: &Paths,
) -> Result<Profile, CliError> {
    let mut p = match (stored, &a.client_id) {
        (Some(p), _) => p.clone(),
        (None, Some(id)) => Profile::new(id.clone()),
        (None, None) => {
            return Err(CliError::input(
                format!("profile {name:?} does not exist yet, and no --client-id was given"),
                "give --client-id (from the app's page in the developer portal) the first time",
            ))
        }
    };
    if let Some(id) = &a.client_id {
        p.client_id = id.clone();
    }
    let secret_given =
        a.client_secret_env.is_some() || a.client_secret_file.is_some() || a.client_secret_prompt;
    match a.grant {
        // A PKCE app has no secret: a secret given with it would be ignored, and the consent
        // in the browser would end in invalid_client. Refuse before any of that.
        Some(GrantArg::Pkce) if secret_given => {
            return Err(CliError::input(
                "--grant pkce takes no client secret (a Xero \"Auth code with PKCE\" app has none)",
                "for a Xero Web app (it has a secret) use --grant authorization-code, the default when a secret is given; for a PKCE app drop the --client-secret-* flag",
            ))
        }
        Some(g) => p.grant = g.into(),
        // A secret and no grant: the app is a Web app (authorization code with a secret).
        None if secret_given && p.grant == Grant::Pkce => p.grant = Grant::AuthorizationCode,
        None => {}
    }
    if !a.scopes.is_empty() {
        p.scopes = split_scopes(&a.scopes);
    }
    a.endpoints.apply(&mut p);
    if let Some(b) = a.token_store {
        p.token_store = b.into();
    }
    if let Some(v) = &a.client_secret_env {
        p.client_secret = Some(SecretRef::Env(v.clone()));
    }
    if let Some(f) = &a.client_secret_file {
        p.client_secret = Some(SecretRef::File(
            std::path::absolute(f).unwrap_or_else(|_| f.clone()),
        ));
    }
    if a.client_secret_prompt {
        p.client_secret = Some(prompt_secret_to_file(name, paths, &Terminal::default())?);
    }
    if let Some(u) = &a.username {
        p.username = Some(u.trim().to_owned());
    }
    if let Some(key) = &a.assertion_key {
        let kid = match (&a.assertion_kid, p.grant) {
            (_, Grant::Pkce) => {
                return Err(CliError::input(
                    "--assertion-key signs for a confidential client, and a PKCE app is public",
                    "add --grant client-credentials (no user), --grant authorization-code (a user signs in) or --grant jwt-bearer (the app acts for --username)",
                ))
            }
            (Some(k), _) => k.clone(),
            (None, Grant::JwtBearer) => String::new(),
            (None, _) => {
                return Err(CliError::input(
                    "a client assertion needs the key id the provider knows the key by",
                    "give --assertion-kid (NetSuite: the Certificate ID), or --grant jwt-bearer for a JWT bearer grant",
                ))
            }
        };
        let x5t_s256 = match &a.assertion_x5t {
            Some(c) => Some(super::cert_render::x5t_s256_of(c)?),
            None => None,
        };
        let key = std::path::absolute(key).unwrap_or_else(|_| key.clone());
        // Fail now, not at the token endpoint, when the key does not fit the algorithm; with
        // no --assertion-alg, the key decides (PS256 for RSA, ES256/384/512 by curve).
        let rsa = oauth1to2::provider::of_profile(&p)?.assertion.rsa;
        let alg = match a.assertion_alg.as_deref().and_then(AssertionAlg::parse) {
            Some(alg) => AssertionKey::load(&key, alg)?.alg(),
            None => AssertionKey::load_for(&key, rsa)?.alg(),
        };
        p.client_secret = None;
        p.assertion = Some(AssertionRef {
            key,
            kid,
            alg,
            x5t_s256,
        });
    }
    if p.scopes.is_empty() && p.grant.uses_browser() {
        return Err(CliError::input(
            format!("profile {name:?} has no scopes"),
            match oauth1to2::provider::of_profile(&p).ok().and_then(|pr| pr.scopes) {
                Some(_) => "give --scopes, e.g. 'openid profile email offline_access accounting.settings.read' (see `oauth1to2 scopes plan`)",
                None => "give --scopes: the scopes the app is registered for, space-separated (and the one that grants a refresh token, such as offline_access)",
            },
        ));
    }
    p.validate(name)?;
    Ok(p)
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let name = a.profile.profile.clone();
    check_name(&name)?;
    let paths = Paths::resolve()?;
    let config = Config::load(&paths.config_file)?;
    let profile = merge(&name, config.profiles.get(&name), &a, &paths)?;
    let options = BrowserOptions {
        no_browser: a.no_browser,
        timeout: a.timeout,
    };
    let out = connect_profile(&name, profile, &options, &paths, &Terminal::default())?;
    if a.json {
        print_json(&out)?;
    } else {
        print_connected(&out);
    }
    Ok(EXIT_OK)
}
