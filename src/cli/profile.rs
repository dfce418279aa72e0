//! `oauth1to2 profile list|show|remove`. Never shows a secret: the client secret is only ever
//! a reference (an environment variable's name or a file's path).

use clap::{Args as ClapArgs, Subcommand};
use serde::Serialize;

use oauth1to2::oauth2::profile::{check_name, Config, Paths, Profile};
use oauth1to2::oauth2::store::TokenStore;
use oauth1to2::text::term;

use super::common::{print_json, CliError, EXIT_INPUT, EXIT_OK};
use super::session::confirm;

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List the profiles and whether each has tokens.
    List(ListArgs),
    /// Show a profile's settings (the client secret only as where it is kept).
    Show(ShowArgs),
    /// Remove a profile, its stored tokens, and a secret stored by --client-secret-prompt.
    Remove(RemoveArgs),
}

#[derive(Debug, ClapArgs)]
pub struct ListArgs {
    /// JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, ClapArgs)]
pub struct ShowArgs {
    /// The profile.
    #[arg(env = "OAUTH1TO2_PROFILE", default_value = "default")]
    name: String,
    /// JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, ClapArgs)]
pub struct RemoveArgs {
    /// The profile.
    name: String,
    /// Do not ask (needed without a terminal).
    #[arg(long)]
    yes: bool,
}

#[derive(Serialize)]
struct View {
    name: String,
    provider: String,
    issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    token_endpoint: Option<String>,
    client_id: String,
    client_secret: Option<String>,
    /// The client assertion's key file, kid and algorithm (never the key).
    #[serde(skip_serializing_if = "Option::is_none")]
    assertion: Option<oauth1to2::oauth2::assertion::AssertionRef>,
    grant: &'static str,
    scopes: Vec<String>,
    redirect_uri: Option<String>,
    tenant_id: Option<String>,
    api_base: Option<String>,
    ca_file: Option<String>,
    tokens: bool,
    token_store: &'static str,
    stored_in: String,
}

fn view(name: &str, p: &Profile, paths: &Paths) -> View {
    let store = TokenStore::with_backend(&paths.tokens_dir, name, p.token_store);
    View {
        name: name.to_owned(),
        provider: oauth1to2::provider::of_profile(p)
            .map(|e| e.id.to_owned())
            .unwrap_or_else(|_| p.provider.as_str().to_owned()),
        issuer: p.issuer.clone(),
        account: p.account.clone(),
        token_endpoint: p.token_endpoint.clone(),
        client_id: p.client_id.clone(),
        client_secret: p.client_secret.as_ref().map(|s| s.describe()),
        assertion: p.assertion.clone(),
        grant: p.grant.as_str(),
        scopes: p.scopes.clone(),
        redirect_uri: p.grant.uses_browser().then(|| {
            if p.redirect_port == 0 {
                format!("http://{}:<any port>/callback", p.redirect_host)
            } else {
                p.redirect_uri(p.redirect_port)
            }
        }),
        tenant_id: p.tenant_id.clone(),
        api_base: oauth1to2::provider::api_base(p).ok(),
        ca_file: p.ca_file.as_ref().map(|c| c.display().to_string()),
        tokens: matches!(store.load(), Ok(Some(_))),
        token_store: p.token_store.as_str(),
        stored_in: store.location(),
    }
}

pub fn run(cmd: ProfileCommand) -> Result<u8, CliError> {
    let paths = Paths::resolve()?;
    let config = Config::load(&paths.config_file)?;
    match cmd {
        ProfileCommand::List(a) => {
            let views: Vec<View> = config
                .profiles
                .iter()
                .map(|(n, p)| view(n, p, &paths))
                .collect();
            if a.json {
                print_json(&views)?;
            } else if views.is_empty() {
                eprintln!("No profiles yet in {}. Create one with `oauth1to2 connect --profile NAME --client-id ID --scopes ...`.", paths.config_file.display());
            } else {
                println!(
                    "{:<20} {:<20} {:<8} {:<7} CLIENT ID",
                    "NAME", "GRANT", "PROVIDER", "TOKENS"
                );
                for v in views {
                    println!(
                        "{:<20} {:<20} {:<8} {:<7} {}",
                        v.name,
                        v.grant,
                        v.provider,
                        if v.tokens { "yes" } else { "no" },
                        v.client_id
                    );
                }
            }
        }
        ProfileCommand::Show(a) => {
            check_name(&a.name)?;
            let v = view(&a.name, config.get(&a.name)?, &paths);
            if a.json {
                print_json(&v)?;
            } else {
                println!("profile:       {}", v.name);
                println!(
                    "provider:      {}{}",
                    v.provider,
                    v.issuer
                        .as_deref()
                        .map(|i| format!(" ({})", term(i)))
                        .unwrap_or_default()
                );
                if let Some(a) = &v.account {
                    println!("account:       {}", term(a));
                }
                if let Some(t) = &v.token_endpoint {
                    println!("token URL:     {}", term(t));
                }
                println!("client id:     {}", term(&v.client_id));
                match &v.assertion {
                    Some(a) => println!(
                        "client auth:   JWT assertion ({}, kid {}) signed by {}",
                        a.alg.as_str(),
                        term(&a.kid),
                        a.key.display()
                    ),
                    None => println!(
                        "client secret: {}",
                        term(v.client_secret.as_deref().unwrap_or("none (PKCE app)"))
                    ),
                }
                println!("grant:         {}", v.grant);
                println!("scopes:        {}", term(&v.scopes.join(" ")));
                if let Some(r) = &v.redirect_uri {
                    println!("redirect URI:  {}", term(r));
                }
                println!(
                    "tenant id:     {}",
                    term(v.tenant_id.as_deref().unwrap_or("(none)"))
                );
                println!(
                    "API base:      {}",
                    term(v.api_base.as_deref().unwrap_or(
                        "(none: its token goes to no API until one is set with --api-base)"
                    ))
                );
                if let Some(c) = &v.ca_file {
                    println!("extra CA:      {}", term(c));
                }
                println!(
                    "tokens:        {}",
                    if v.tokens {
                        v.stored_in.as_str()
                    } else {
                        "none yet"
                    }
                );
                println!("config file:   {}", paths.config_file.display());
            }
        }
        ProfileCommand::Remove(a) => {
            check_name(&a.name)?;
            config.get(&a.name)?;
            if !a.yes && !confirm(&format!("Remove profile {} and its stored tokens? (Nothing is revoked at the provider: use `oauth1to2 token revoke` for that.)", a.name))? {
                return Err(CliError { message: format!("profile {} was not removed", a.name), hint: Some("answer y, or pass --yes".into()), code: EXIT_INPUT });
            }
            let removed = Config::update(&paths.config_file, |c| Ok(c.profiles.remove(&a.name)))?;
            let backend = removed.map(|p| p.token_store).unwrap_or_default();
            TokenStore::with_backend(&paths.tokens_dir, &a.name, backend).remove()?;
            let _ = std::fs::remove_file(paths.tokens_dir.join(format!("{}.lock", a.name)));
            let _ = std::fs::remove_file(paths.secrets_dir.join(format!("{}.secret", a.name)));
            eprintln!("Removed profile {}.", a.name);
        }
    }
    Ok(EXIT_OK)
}
