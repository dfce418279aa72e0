//! `oauth1to2 init [FILE]`: writes an inventory (docs/inventory.md) from flags, asking on a
//! terminal for what the flags leave out. The file is checked by the same parser `audit` uses
//! before it is written, and never holds a secret.

use std::io::IsTerminal;
use std::path::PathBuf;

use oauth1to2::audit::inventory;
use oauth1to2::files::{write_atomic, Visibility};

use super::common::{CliError, EXIT_INPUT, EXIT_OK};
use super::session::read_answer;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum AppTypeArg {
    Private,
    Partner,
    Public,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TargetArg {
    Web,
    Pkce,
    CustomConnection,
    ThirdParty,
}

/// Create an inventory file describing one legacy integration.
///
/// Give what you know as flags; on a terminal, oauth1to2 asks for the rest (Enter skips an
/// optional field). The consumer secret is only ever referenced (--consumer-secret-env or
/// --consumer-secret-file), never written.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 init clients/acme/integration.toml\n  \
oauth1to2 init acme.toml --name 'Acme stock sync' --app-type private --organisation 'Acme Ltd' \\\n    \
--region NZ --certificate publickey.cer --calls 'GET Contacts,POST Invoices' --target web\n\n\
Then: oauth1to2 audit acme.toml")]
pub struct Args {
    /// Where to write it.
    #[arg(default_value = "integration.toml")]
    file: PathBuf,
    /// A short name for the integration.
    #[arg(long)]
    name: Option<String>,
    /// Who built it.
    #[arg(long)]
    vendor: Option<String>,
    /// The OAuth 1.0a app type.
    #[arg(long, value_enum)]
    app_type: Option<AppTypeArg>,
    /// The Xero organisation's name.
    #[arg(long)]
    organisation: Option<String>,
    /// The organisation's country (AU, NZ, UK, US, ...).
    #[arg(long)]
    region: Option<String>,
    /// The OAuth 1.0a consumer key (an identifier).
    #[arg(long)]
    consumer_key: Option<String>,
    /// The environment variable holding the consumer secret.
    #[arg(long, value_name = "VAR", conflicts_with = "consumer_secret_file")]
    consumer_secret_env: Option<String>,
    /// The file holding the consumer secret.
    #[arg(long, value_name = "FILE")]
    consumer_secret_file: Option<PathBuf>,
    /// The certificate uploaded to Xero (path, relative to the inventory).
    #[arg(long, value_name = "PATH")]
    certificate: Option<PathBuf>,
    /// The private key, if the client holds it (path).
    #[arg(long, value_name = "PATH")]
    private_key: Option<PathBuf>,
    /// API calls, comma-separated ("GET Contacts,POST Invoices").
    #[arg(long, value_name = "LIST")]
    calls: Option<String>,
    /// A HAR file of the integration's traffic.
    #[arg(long, value_name = "FILE")]
    har: Option<PathBuf>,
    /// An access log of the integration's traffic.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// The target (omit to let `audit` recommend one).
    #[arg(long, value_enum)]
    target: Option<TargetArg>,
    /// Third-party: the platform's name.
    #[arg(long)]
    platform: Option<String>,
    /// Third-party: the platform's redirect URI.
    #[arg(long, value_name = "URI")]
    redirect_uri: Option<String>,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn ask(question: &str, required: bool) -> Result<Option<String>, CliError> {
    let prompt = format!(
        "{question}{}: ",
        if required { "" } else { " (Enter to skip)" }
    );
    loop {
        match read_answer(&prompt)? {
            Some(t) if !t.is_empty() => return Ok(Some(t)),
            // End of input, or Enter on an optional field.
            None => return Ok(None),
            Some(_) if !required => return Ok(None),
            Some(_) => {}
        }
    }
}

pub fn run(mut a: Args) -> Result<u8, CliError> {
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        if a.name.is_none() {
            a.name = ask("Integration name (e.g. Opmetrix)", true)?;
        }
        if a.app_type.is_none() {
            a.app_type =
                match ask("OAuth 1.0a app type: private, partner or public", true)?.as_deref() {
                    Some("partner") => Some(AppTypeArg::Partner),
                    Some("public") => Some(AppTypeArg::Public),
                    Some("private") => Some(AppTypeArg::Private),
                    other => {
                        return Err(CliError::input(
                            format!("{:?} is not an app type", other.unwrap_or("")),
                            "answer private, partner or public",
                        ))
                    }
                };
        }
        if a.organisation.is_none() {
            a.organisation = ask("Xero organisation name", false)?;
        }
        if a.region.is_none() {
            a.region = ask("Organisation's country (AU, NZ, UK, US, ...)", false)?;
        }
        if a.certificate.is_none() {
            a.certificate = ask("Certificate file uploaded to Xero", false)?.map(PathBuf::from);
        }
        if a.calls.is_none() && a.har.is_none() && a.log.is_none() {
            a.calls = ask("API calls it makes (GET Contacts,POST Invoices,...)", false)?;
        }
    }
    let name = a.name.clone().ok_or_else(|| {
        CliError::input(
            "no --name given",
            "give --name 'Acme stock sync' (or run on a terminal to be asked)",
        )
    })?;
    let app_type = a.app_type.ok_or_else(|| {
        CliError::input(
            "no --app-type given",
            "give --app-type private, partner or public",
        )
    })?;
    let mut t = String::from("# Inventory of a legacy Xero OAuth 1.0a integration (docs/inventory.md).\n# Written by `oauth1to2 init`; check it with `oauth1to2 audit`.\n");
    t.push_str(&format!("name = {}\n", q(&name)));
    if let Some(v) = &a.vendor {
        t.push_str(&format!("vendor = {}\n", q(v)));
    }
    t.push_str(&format!(
        "app_type = {}\n",
        q(match app_type {
            AppTypeArg::Private => "private",
            AppTypeArg::Partner => "partner",
            AppTypeArg::Public => "public",
        })
    ));
    if let Some(v) = &a.organisation {
        t.push_str(&format!("organisation = {}\n", q(v)));
    }
    if let Some(v) = &a.region {
        t.push_str(&format!("region = {}\n", q(&v.to_ascii_uppercase())));
    }
    if let Some(v) = &a.consumer_key {
        t.push_str(&format!("consumer_key = {}\n", q(v)));
    }
    if let Some(v) = &a.consumer_secret_env {
        t.push_str(&format!("consumer_secret = {{ env = {} }}\n", q(v)));
    } else if let Some(v) = &a.consumer_secret_file {
        t.push_str(&format!(
            "consumer_secret = {{ file = {} }}\n",
            q(&v.display().to_string())
        ));
    }
    if let Some(c) = &a.certificate {
        t.push_str(&format!(
            "\n[certificate]\npath = {}\n",
            q(&c.display().to_string())
        ));
    }
    if let Some(k) = &a.private_key {
        t.push_str(&format!(
            "\n[private_key]\npath = {}\n",
            q(&k.display().to_string())
        ));
    }
    if a.calls.is_some() || a.har.is_some() || a.log.is_some() {
        t.push_str("\n[endpoints]\n");
        if let Some(c) = &a.calls {
            let list: Vec<String> = c
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(q)
                .collect();
            t.push_str(&format!("calls = [{}]\n", list.join(", ")));
        }
        if let Some(h) = &a.har {
            t.push_str(&format!("har = {}\n", q(&h.display().to_string())));
        }
        if let Some(l) = &a.log {
            t.push_str(&format!("log = {}\n", q(&l.display().to_string())));
        }
    }
    if let Some(target) = a.target {
        t.push_str(&format!(
            "\n[target]\nkind = {}\n",
            q(match target {
                TargetArg::Web => "web",
                TargetArg::Pkce => "pkce",
                TargetArg::CustomConnection => "custom-connection",
                TargetArg::ThirdParty => "third-party",
            })
        ));
        if let Some(p) = &a.platform {
            t.push_str(&format!("platform = {}\n", q(p)));
        }
        if let Some(r) = &a.redirect_uri {
            t.push_str(&format!("redirect_uri = {}\n", q(r)));
        }
    }
    // The same parser `audit` uses: an inventory init writes is one audit can read.
    inventory::parse(&a.file, &t).map_err(|e| CliError {
        message: format!("the inventory would not be valid: {}", e.message),
        hint: Some(e.hint.clone()),
        code: EXIT_INPUT,
    })?;
    write_atomic(&a.file, t.as_bytes(), Visibility::Public, a.force).map_err(|e| CliError {
        message: e.to_string(),
        hint: Some("choose another file, or pass --force to replace it".into()),
        code: EXIT_INPUT,
    })?;
    eprintln!(
        "Wrote {}. Next: oauth1to2 audit {}",
        a.file.display(),
        a.file.display()
    );
    Ok(EXIT_OK)
}
