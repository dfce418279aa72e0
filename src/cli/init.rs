//! `oauth1to2 init [FILE]`: writes an inventory (docs/inventory.md) from flags, asking on a
//! terminal (through the Interaction trait, the library's `Draft`) for what the flags leave
//! out. The file is checked by the same parser `audit` uses before it is written, and never
//! holds a secret.

use std::io::IsTerminal;
use std::path::PathBuf;

use oauth1to2::audit::draft::Draft;
use oauth1to2::audit::inventory::SecretReference;
use oauth1to2::files::{write_atomic, Visibility};

use super::common::{CliError, EXIT_INPUT, EXIT_OK};
use super::ui::Terminal;

/// The providers whose integrations an inventory can describe (the first is the default).
fn provider_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(oauth1to2::provider::inventory_providers())
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
    /// Whose integration it is (the first listed is the default).
    #[arg(long, value_parser = provider_parser(), value_name = "NAME")]
    provider: Option<String>,
    /// The app type, as the provider names it (private, partner, public for Xero; tba for
    /// NetSuite; password-flow, soap-login for Salesforce; see docs/inventory.md).
    #[arg(long, value_name = "TYPE")]
    app_type: Option<String>,
    /// The organisation's name.
    #[arg(long)]
    organisation: Option<String>,
    /// The account, where the provider's endpoints are per account (NetSuite: 1234567 or
    /// 1234567_SB1).
    #[arg(long, value_name = "ID")]
    account: Option<String>,
    /// The login URL it logs in at (Salesforce: a sandbox's, or the org's My Domain URL).
    #[arg(long, value_name = "URL")]
    login_url: Option<String>,
    /// The API user it logs in as (Salesforce).
    #[arg(long, value_name = "USER")]
    username: Option<String>,
    /// A SOAP client's API version (Salesforce soap-login, such as 58.0).
    #[arg(long, value_name = "VERSION")]
    api_version: Option<String>,
    /// The token id of the token the integration signs with (NetSuite TBA).
    #[arg(long, value_name = "ID")]
    token_id: Option<String>,
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
    /// The certificate uploaded to the provider (path, relative to the inventory).
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
    /// The target, as the provider names it (omit to let `audit` recommend one).
    #[arg(long, value_name = "KIND")]
    target: Option<String>,
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

pub fn run(a: Args) -> Result<u8, CliError> {
    let secret = |env: &Option<String>, file: &Option<PathBuf>| match (env, file) {
        (Some(v), _) => Some(SecretReference {
            env: Some(v.clone()),
            file: None,
        }),
        (None, Some(f)) => Some(SecretReference {
            env: None,
            file: Some(f.clone()),
        }),
        (None, None) => None,
    };
    let mut draft = Draft {
        provider: a.provider.clone(),
        name: a.name.clone(),
        vendor: a.vendor.clone(),
        app_type: a.app_type.clone(),
        organisation: a.organisation.clone(),
        region: a.region.clone(),
        account: a.account.clone(),
        login_url: a.login_url.clone(),
        username: a.username.clone(),
        api_version: a.api_version.clone(),
        token_id: a.token_id.clone(),
        consumer_key: a.consumer_key.clone(),
        consumer_secret: secret(&a.consumer_secret_env, &a.consumer_secret_file),
        token_secret: None,
        certificate: a.certificate.clone(),
        private_key: a.private_key.clone(),
        calls: a.calls.clone(),
        har: a.har.clone(),
        log: a.log.clone(),
        target: a.target.clone(),
        platform: a.platform.clone(),
        redirect_uri: a.redirect_uri.clone(),
    };
    if std::io::stdin().is_terminal() {
        draft.ask_missing(&Terminal::default());
    }
    let text = draft.to_toml(&a.file).map_err(|e| {
        let hint = match e.field {
            "name" => "give --name 'Acme stock sync' (or run on a terminal to be asked)".into(),
            "app_type" => format!(
                "give --app-type: {}",
                e.hint.trim_start_matches("give one of: ")
            ),
            "provider" => format!(
                "give --provider: {}",
                e.hint.trim_start_matches("name one of: ")
            ),
            _ => e.hint.clone(),
        };
        CliError {
            message: match e.field {
                "name" => "no --name given".into(),
                "app_type" => "no --app-type given".into(),
                _ => e.message.clone(),
            },
            hint: Some(hint),
            code: EXIT_INPUT,
        }
    })?;
    write_atomic(&a.file, text.as_bytes(), Visibility::Public, a.force).map_err(|e| CliError {
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
