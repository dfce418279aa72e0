//! `oauth1to2 connect`: create or update a profile and get its first tokens, through the browser
//! (authorization code + PKCE, loopback listener) or without one (client credentials).

use clap::{Args as ClapArgs, ValueEnum};
use oauth1to2::text::term;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use oauth1to2::oauth2::endpoints::Endpoints;
use oauth1to2::oauth2::http::{HttpClient, Timeouts};
use oauth1to2::oauth2::loopback::{Listener, ListenerNotice};
use oauth1to2::oauth2::profile::{check_name, Config, Grant, Paths, Profile, SecretRef};
use oauth1to2::oauth2::store::{Backend, TokenSet, TokenStore};
use oauth1to2::oauth2::{flow, idtoken, now, Oauth2Error};

use super::common::{format_time, print_json, CliError, EXIT_OK};
use super::session::ProfileArg;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GrantArg {
    /// A confidential client (Xero "Web app"): client secret, plus PKCE.
    AuthorizationCode,
    /// A public client (Xero "Auth code with PKCE"): no secret.
    Pkce,
    /// A Xero Custom Connection: client id and secret, no browser, no refresh token.
    ClientCredentials,
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
        }
    }
}

/// Connect a profile to Xero (or any OpenID provider) and store its tokens.
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
XERO_SECRET=... oauth1to2 connect -p acme --grant authorization-code --client-id ABC --client-secret-env XERO_SECRET --scopes '...'\n  \
oauth1to2 connect -p acme-cc --grant client-credentials --client-id ABC --client-secret-prompt --scopes 'accounting.invoices.read'\n\n\
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
    /// secret: a Xero Web app) or client-credentials (a Custom Connection).
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

#[derive(Serialize)]
pub struct Connected {
    profile: String,
    grant: &'static str,
    client_id: String,
    scopes: Vec<String>,
    expires_at: Option<String>,
    refresh_token: bool,
    id_token_subject: Option<String>,
    id_token_email: Option<String>,
    token_store: &'static str,
    stored_in: String,
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

/// Asks for the client secret (not echoed) and keeps it in a 0600 file in the data folder;
/// the profile refers to the file. Shared with `migrate`.
pub fn prompt_secret_to_file(name: &str, paths: &Paths) -> Result<SecretRef, CliError> {
    let pw = rpassword::prompt_password(format!("Client secret for profile {name}: "))
        .map_err(|e| {
            CliError::input(
                format!("cannot read the client secret from the terminal: {e}"),
                "use --client-secret-env VAR or --client-secret-file FILE when there is no terminal",
            )
        })?;
    let pw = pw.trim();
    if pw.is_empty() {
        return Err(CliError::input(
            "the client secret is empty",
            "paste the secret from the app's page",
        ));
    }
    let path = paths.secrets_dir.join(format!("{name}.secret"));
    oauth1to2::files::create_private_dir(&paths.secrets_dir).map_err(|e| {
        CliError::input(
            format!("cannot create {}: {e}", paths.secrets_dir.display()),
            "check the permissions",
        )
    })?;
    oauth1to2::files::write_atomic(
        &path,
        format!("{pw}\n").as_bytes(),
        oauth1to2::files::Visibility::Private,
        true,
    )
    .map_err(|e| CliError::input(e.to_string(), "check the permissions"))?;
    Ok(SecretRef::File(path))
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
        p.client_secret = Some(prompt_secret_to_file(name, paths)?);
    }
    if p.scopes.is_empty() && p.grant != Grant::ClientCredentials {
        return Err(CliError::input(
            format!("profile {name:?} has no scopes"),
            "give --scopes, e.g. 'openid profile email offline_access accounting.settings.read' (see `oauth1to2 scopes plan`)",
        ));
    }
    p.validate(name)?;
    Ok(p)
}

/// Where the profile's endpoints are and how the redirect looks (shared with `migrate`).
#[derive(Debug, Clone, clap::Args)]
pub struct EndpointArgs {
    /// Use this OpenID provider (found by discovery) instead of Xero.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// The Xero API base for `tenants` and `api` (default https://api.xero.com).
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,
    /// Also trust this CA certificate (PEM) for the profile's endpoints.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// The loopback port for the redirect URI; 0 picks a free one (only where the provider allows any port).
    #[arg(long)]
    pub port: Option<u16>,
    /// The host in the redirect URI: localhost (default, as Xero documents) or 127.0.0.1.
    #[arg(long, value_name = "HOST")]
    pub redirect_host: Option<String>,
}

impl EndpointArgs {
    /// Sets what was given on `p`.
    pub fn apply(&self, p: &mut Profile) {
        if let Some(i) = &self.issuer {
            p.use_issuer(i);
        }
        if let Some(b) = &self.api_base {
            p.api_base = Some(b.trim_end_matches('/').to_owned());
        }
        if let Some(c) = &self.ca_file {
            p.ca_file = Some(std::path::absolute(c).unwrap_or_else(|_| c.clone()));
        }
        if let Some(port) = self.port {
            p.redirect_port = port;
        }
        if let Some(h) = &self.redirect_host {
            p.redirect_host = h.clone();
        }
    }
}

/// How the browser step runs (shared with `migrate`).
#[derive(Debug, Clone, Copy)]
pub struct BrowserOptions {
    /// Print the URL and accept a pasted redirect URL instead of opening a browser.
    pub no_browser: bool,
    /// Seconds to wait for the callback.
    pub timeout: u64,
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
    let out = connect_profile(&name, profile, &options, &paths, config)?;
    if a.json {
        print_json(&out)?;
    } else {
        print_connected(&out);
    }
    Ok(EXIT_OK)
}

/// Gets the first tokens for `profile`, then saves the profile and tokens (nothing is saved
/// when anything fails).
pub fn connect_profile(
    name: &str,
    profile: Profile,
    options: &BrowserOptions,
    paths: &Paths,
    mut config: Config,
) -> Result<Connected, CliError> {
    let name = name.to_owned();
    let http = HttpClient::new(Timeouts::default(), profile.ca_file.as_deref())?;
    let endpoints = oauth1to2::provider::endpoints(&profile, &http, &paths.cache_dir)?;
    let secret = match &profile.client_secret {
        Some(r) if profile.grant.needs_secret() => Some(r.read(&name)?),
        _ => None,
    };

    let (tokens, claims) = match profile.grant {
        Grant::ClientCredentials => {
            let s = secret.as_ref().ok_or_else(|| {
                CliError::from(Oauth2Error::Usage(
                    "client_credentials needs a client secret".into(),
                ))
            })?;
            (
                flow::client_credentials(&profile, &endpoints, &http, s, now())?,
                None,
            )
        }
        Grant::AuthorizationCode | Grant::Pkce => {
            browser_flow(options, &profile, &endpoints, &http, secret.as_ref())?
        }
    };

    let store = TokenStore::with_backend(&paths.tokens_dir, &name, profile.token_store);
    store.save(&tokens)?;
    let before = config.profiles.insert(name.clone(), profile.clone());
    config.save(&paths.config_file)?;
    // Moved to the other store: the old copy of the grant must not linger.
    if let Some(old) = before.filter(|b| b.token_store != profile.token_store) {
        TokenStore::with_backend(&paths.tokens_dir, &name, old.token_store).remove()?;
    }

    let out = Connected {
        profile: name.clone(),
        grant: profile.grant.as_str(),
        client_id: profile.client_id.clone(),
        scopes: tokens.scopes.clone(),
        expires_at: tokens.expires_at.map(format_time),
        refresh_token: tokens.refresh_token.is_some(),
        id_token_subject: claims
            .as_ref()
            .map(|c: &idtoken::IdClaims| c.subject.clone()),
        id_token_email: claims.as_ref().and_then(|c| c.email.clone()),
        token_store: profile.token_store.as_str(),
        stored_in: store.location(),
    };
    Ok(out)
}

/// The summary `connect` prints on stderr.
pub fn print_connected(out: &Connected) {
    let name = &out.profile;
    eprintln!("Connected profile {name} ({}).", out.grant);
    if let Some(s) = &out.id_token_subject {
        eprintln!(
            "  signed in as:  {}{}",
            term(out.id_token_email.as_deref().unwrap_or("")),
            if out.id_token_email.is_some() {
                format!(" (sub {})", term(s))
            } else {
                term(s).into_owned()
            }
        );
    }
    eprintln!("  scopes:        {}", term(&out.scopes.join(" ")));
    eprintln!(
        "  access token:  expires {}",
        out.expires_at.as_deref().unwrap_or("(no expiry given)")
    );
    eprintln!(
        "  refresh token: {}",
        if out.refresh_token {
            "stored (rotates on every use)"
        } else if out.grant == Grant::ClientCredentials.as_str() {
            "none (client credentials: `token get` asks for a new token when needed)"
        } else {
            "none (ask for offline_access to get one)"
        }
    );
    eprintln!("  stored in:     {}", out.stored_in);
    if out.grant != Grant::ClientCredentials.as_str() {
        eprintln!("Next: `oauth1to2 tenants list -p {name}` and `oauth1to2 tenants use -p {name} TENANT`.");
    }
}

fn browser_flow(
    a: &BrowserOptions,
    profile: &Profile,
    endpoints: &Endpoints,
    http: &HttpClient,
    secret: Option<&oauth1to2::secret::Password>,
) -> Result<(TokenSet, Option<idtoken::IdClaims>), CliError> {
    // Listening first, then the browser.
    let listener = Listener::bind_for_host(&profile.redirect_host, profile.redirect_port)
        .map_err(Oauth2Error::from)?;
    let redirect_uri = profile.redirect_uri(listener.port());
    let request = flow::authorization_request(
        profile,
        endpoints,
        &redirect_uri,
        oauth1to2::provider::of_profile(profile).prompt_consent_for_offline_access,
    )?;
    if profile.redirect_port != 0 {
        eprintln!("Redirect URI (register exactly this on the app): {redirect_uri}");
    }
    let addresses: Vec<String> = listener.addresses().iter().map(|a| a.to_string()).collect();
    eprintln!(
        "Listening on {} for the callback ({} s).",
        addresses.join(" and "),
        a.timeout
    );
    eprintln!(
        "Open this URL to sign in and allow access:\n\n  {}\n",
        request.url
    );

    let pasted = if a.no_browser {
        eprintln!(
            "Or paste here the address your browser ends on (http://{}:{}/callback?...):",
            profile.redirect_host,
            listener.port()
        );
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).unwrap_or(0) > 0 {
                if tx.send(std::mem::take(&mut line)).is_err() {
                    break;
                }
            }
        });
        Some(rx)
    } else {
        if let Err(e) = open_browser(&request.url) {
            eprintln!("note: could not open a browser ({e}); open the URL above yourself");
        }
        None
    };
    let expected_state = request.state.clone();
    let nonce = request.nonce.clone();
    let code = listener
        .wait(
            &expected_state,
            Some(&endpoints.issuer),
            Duration::from_secs(a.timeout),
            pasted.as_ref(),
            &mut |n| match n {
                ListenerNotice::WrongState => eprintln!(
                    "warning: ignored a callback whose state is not this login's (a stale tab, or a request from another page); still waiting"
                ),
                _ => eprintln!("warning: too many connections to the listener at once; closed one"),
            },
        )
        .map_err(Oauth2Error::from)?;
    let (tokens, id_token) =
        flow::exchange_code(profile, endpoints, http, secret, &code.0, request, now())?;
    let claims = if profile.wants_openid() {
        let id_token = id_token.ok_or_else(|| {
            Oauth2Error::IdToken(
                "openid was requested but the token response has no id_token".into(),
            )
        })?;
        let jwks_uri = endpoints
            .jwks_uri
            .as_deref()
            .ok_or_else(|| Oauth2Error::IdToken("the provider publishes no jwks_uri".into()))?;
        let jwks = http.get_json(jwks_uri)?;
        let claims = idtoken::validate(
            &id_token,
            &jwks,
            &idtoken::Expected {
                issuer: &endpoints.issuer,
                client_id: &profile.client_id,
                nonce: nonce.as_deref(),
                now: now(),
            },
        )
        .map_err(Oauth2Error::IdToken)?;
        Some(claims)
    } else {
        None
    };
    Ok((tokens, claims))
}

/// Opens the URL with the `webbrowser` crate: `$BROWSER` if set, else the platform's default
/// browser. No shell is involved, so nothing in the URL is interpreted as a command.
fn open_browser(url: &str) -> Result<(), String> {
    webbrowser::open(url).map_err(|e| e.to_string())
}
