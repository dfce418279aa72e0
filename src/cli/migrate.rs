//! `oauth1to2 migrate INVENTORY [--dry-run]`: the whole move, step by step, resumable. The
//! library's `migrate::migrate` runs the steps (and the partner batch) and saves the state in
//! `NAME.migration.json` beside the inventory after every step; this file parses, calls it
//! and renders the outcome.

use std::path::PathBuf;

use oauth1to2::connect::BrowserOptions;
use oauth1to2::migrate::batch::{BatchOptions, BatchOutcome};
use oauth1to2::migrate::{self, Migration, Options, Outcome, RunError};
use oauth1to2::oauth2::profile::{Paths, SecretRef};
use oauth1to2::provider::xero::partner::ACCESS_TOKEN_URL;
use oauth1to2::provider::xero::token_migration::MIGRATE_URL;
use oauth1to2::text::term;

use super::common::{
    CliError, KeyPasswordArgs, EXIT_AUTH, EXIT_HTTP, EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS,
};
use super::ui::Terminal;

/// Move a legacy integration to working OAuth 2.0 credentials, step by step.
///
/// The steps: 1 audit, 2 plan (how to create the Xero app), 3 collect the client id and secret
/// (never echoed; stored by reference), 4 connect, 5 pick the tenant matching the inventory's
/// organisation, 6 verify with a real read call, 7 write the profile, tokens, a migration record
/// and the handoff export, 8 print the decommissioning checklist. Each step is saved in
/// NAME.migration.json beside the inventory; running the command again continues after the
/// last finished step.
///
/// A NetSuite TBA inventory runs the same steps with NetSuite's plan: 2 the integration record
/// with the machine-to-machine grant; 3 the client id, a key and certificate made in NAME.m2m/
/// beside the inventory (or --assertion-key), and the Certificate ID NetSuite gives once the
/// certificate is uploaded; 4 connect with a signed assertion; 5 the account (no tenants);
/// 6 a REST read call for each record type the integration used.
///
/// A Salesforce inventory (password-flow or soap-login) moves to an External Client App with
/// the JWT bearer flow: 2 the app's set-up; 3 the consumer key, a key and certificate made in
/// NAME.m2m/ beside the inventory (or --assertion-key), and a yes once the certificate is
/// uploaded and the user pre-authorised (or --uploaded); 4 connect as the inventory's username
/// at its login URL; 5 the org (no tenants); 6 a read of the org's limits at the instance URL;
/// 7 the handoff as SF_* variables.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 migrate fixtures/opmetrix/integration.toml --dry-run\n  \
oauth1to2 migrate clients/acme/integration.toml\n  \
oauth1to2 migrate clients/acme/salesforce/ --uploaded --json\n  \
XERO_SECRET=... oauth1to2 migrate acme.toml --client-id ABC --client-secret-env XERO_SECRET \\\n    --no-browser\n\n\
Exit codes: 0 done (or the dry run printed the plan); 1 a folder's inventories did not all finish; \
2 unusable inventory or input; 3 network; \
4 refused credentials; 6 not connected; 7 consent declined or timed out; 8 a security check failed.")]
pub struct Args {
    /// The inventory file (see docs/inventory.md), or a folder: every inventory under it, each
    /// with its own state, the new app's client id from its [target] client_id.
    inventory: PathBuf,
    /// Stop after the plan: print what would be done, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Start again: forget the state file's progress (the profile and tokens stay until replaced).
    #[arg(long)]
    restart: bool,
    /// The OAuth 2.0 profile to create (default: from the integration's name).
    #[arg(long, short = 'p', value_name = "NAME")]
    profile: Option<String>,
    /// The new app's client id (otherwise asked for; env OAUTH1TO2_CLIENT_ID).
    #[arg(long, env = "OAUTH1TO2_CLIENT_ID", value_name = "ID")]
    client_id: Option<String>,
    /// Read the client secret from this environment variable (the profile keeps the name).
    #[arg(long, value_name = "VAR", group = "secret")]
    client_secret_env: Option<String>,
    /// Read the client secret from this file (the profile keeps the path).
    #[arg(long, value_name = "FILE", group = "secret")]
    client_secret_file: Option<PathBuf>,
    /// The tenant id to use when the organisation's name matches none or several.
    #[arg(long, value_name = "TENANT_ID")]
    tenant: Option<String>,
    /// Do not open a browser: print the URL and accept the final redirect URL pasted on stdin.
    #[arg(long)]
    no_browser: bool,
    /// Seconds to wait for the browser step.
    #[arg(long, default_value_t = 300, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,
    /// NetSuite machine-to-machine or Salesforce JWT bearer: sign the assertions with this key
    /// (made already with `cert new --for netsuite-m2m` or `--for salesforce`) instead of the
    /// one migrate makes beside the inventory.
    #[arg(long, value_name = "KEY.pem")]
    assertion_key: Option<PathBuf>,
    /// NetSuite machine-to-machine: the Certificate ID NetSuite shows once the certificate is
    /// uploaded (otherwise asked for).
    #[arg(long, value_name = "ID")]
    certificate_id: Option<String>,
    /// Salesforce: the certificate printed in step 3 is uploaded to the External Client App
    /// and the API user pre-authorised (otherwise asked; without a terminal, migrate stops there
    /// until this is given).
    #[arg(long)]
    uploaded: bool,
    #[command(flatten)]
    endpoints: super::session::EndpointArgs,
    /// Also print a JSON summary on stdout at the end: the audit, the plan, the scopes and the
    /// steps done (fields in docs/json.md). Progress stays on stderr.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    partner: PartnerArgs,
}

/// The partner-mode options of `migrate`.
#[derive(Debug, clap::Args)]
pub struct PartnerArgs {
    /// Migrate the partner app's OAuth 1.0a tokens in this batch file (a JSON array of
    /// {"label", "oauth_token", "oauth_session_handle", "expires_at"}; see docs/migrate.md).
    #[arg(long, value_name = "TOKENS_FILE")]
    pub partner: Option<PathBuf>,
    /// The partner app's private key (default: [private_key] path in the inventory).
    #[arg(long, value_name = "KEY", requires = "partner")]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub key_password: KeyPasswordArgs,
    /// Scopes for the new grants (default: the plan's; offline_access is always added).
    #[arg(long, value_name = "SCOPES", requires = "partner")]
    pub scopes: Option<String>,
    /// Where the results go, one JSON line per organisation, mode 0600 (default:
    /// NAME.partner-results.jsonl beside the inventory). It holds the new tokens.
    #[arg(long, value_name = "FILE", requires = "partner")]
    pub results: Option<PathBuf>,
    /// Xero's migrate endpoint (testing).
    #[arg(long, value_name = "URL", default_value = MIGRATE_URL, hide = true)]
    pub migrate_url: String,
    /// Xero's OAuth 1.0a renewal endpoint (testing).
    #[arg(long, value_name = "URL", default_value = ACCESS_TOKEN_URL, hide = true)]
    pub access_token_url: String,
}

impl Args {
    fn options(&self) -> Options {
        let secret = if let Some(v) = &self.client_secret_env {
            Some(SecretRef::Env(v.clone()))
        } else {
            self.client_secret_file.clone().map(SecretRef::File)
        };
        let p = &self.partner;
        Options {
            inventory: self.inventory.clone(),
            dry_run: self.dry_run,
            restart: self.restart,
            profile: self.profile.clone(),
            client_id: self.client_id.clone(),
            client_secret: secret,
            tenant: self.tenant.clone(),
            browser: BrowserOptions {
                no_browser: self.no_browser,
                timeout: self.timeout,
            },
            overrides: self.endpoints.overrides(),
            assertion_key: self.assertion_key.clone(),
            certificate_id: self.certificate_id.clone(),
            certificate_uploaded: self.uploaded,
            token_batch: p.partner.clone().map(|tokens_file| BatchOptions {
                tokens_file,
                key: p.key.clone(),
                key_password: p.key_password.secret_ref(),
                scopes: p.scopes.as_ref().map(|s| {
                    s.split([' ', ','])
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                }),
                results: p.results.clone(),
                migrate_url: p.migrate_url.clone(),
                access_token_url: p.access_token_url.clone(),
            }),
        }
    }
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let paths = Paths::resolve()?;
    // A dry run's plan is the command's output (`> plan.txt` keeps it); with --json, stdout is
    // the JSON and the plan stays on stderr.
    let ui = if a.dry_run && !a.json {
        Terminal::plan_on_stdout()
    } else {
        Terminal::default()
    };
    if a.inventory.is_dir() {
        if a.profile.is_some() || a.client_id.is_some() || a.partner.partner.is_some() {
            return Err(CliError::input(
                "a folder of inventories is migrated one inventory at a time, each with its own profile and app",
                "drop --profile, --client-id and --partner, and write each new app's client id in its inventory as [target] client_id",
            ));
        }
        let out =
            migrate::migrate_folder(&a.inventory, &a.options(), &paths, &ui).map_err(error)?;
        return super::migrate_folder::done(&out, a.json);
    }
    let outcome = migrate::migrate(&a.options(), &paths, &ui).map_err(error)?;
    match outcome {
        Migration::Steps(o) => steps_done(&a, &o),
        Migration::TokenBatch(b) => Ok(batch_done(&b)),
    }
}

fn steps_done(a: &Args, o: &Outcome) -> Result<u8, CliError> {
    if o.dry_run {
        eprintln!(
            "Dry run: nothing was written. Run without --dry-run to go on (state in {}).",
            o.state_file
        );
    } else {
        eprintln!(
            "Migration of {} complete: profile {} (see `oauth1to2 profile show {}`).",
            term(&o.audit.name),
            o.profile,
            o.profile
        );
    }
    if a.json {
        super::common::print_json(o)?;
    }
    Ok(EXIT_OK)
}

fn batch_done(b: &BatchOutcome) -> u8 {
    if b.dry_run {
        for (label, renew) in &b.would_migrate {
            let renew = if *renew {
                " (its OAuth 1.0a token would be renewed first)"
            } else {
                ""
            };
            eprintln!("  would migrate {}{renew}", term(label));
        }
        eprintln!("Dry run: nothing was sent or written.");
        return EXIT_OK;
    }
    eprintln!(
        "Migrated {}, failed {}; results in {} (mode 0600: it holds the new OAuth 2.0 tokens).",
        b.migrated,
        b.failed.len(),
        b.results_file
    );
    for f in &b.failed {
        eprintln!("  failed  {}: {}", term(&f.label), term(&f.reason));
    }
    if !b.failed.is_empty() {
        eprintln!(
            "Run the same command again to retry the failed ones; migrated ones are skipped."
        );
        return EXIT_PROBLEMS;
    }
    EXIT_OK
}

/// The library's error, with this command's flags in the hint where one is the fix.
fn error(e: RunError) -> CliError {
    use oauth1to2::migrate::batch::BatchRunError;
    let flag_hint = match &e {
        RunError::State(_) => Some("fix or delete the state file, or pass --restart to begin again"),
        RunError::OtherProfile { .. } => Some("drop -p, or pass --restart to begin again with the new profile"),
        RunError::NotGiven("certificate id") => Some("upload the certificate printed above in NetSuite (OAuth 2.0 Client Credentials (M2M) Setup), then run the same command with --certificate-id ID"),
        RunError::NotGiven("certificate upload") => Some("upload the certificate printed above to the External Client App, pre-authorise the API user, then run the same command with --uploaded"),
        RunError::NotGiven("client id") => Some("give --client-id ID (the Client id on the new app's Configuration page): there was no terminal to ask on"),
        RunError::NotGiven(_) => Some("give it with its flag (see `oauth1to2 migrate --help`): there was no terminal to ask on"),
        RunError::NoOrganisation => Some("run the migration again with --restart and pick the organisation on Xero's consent page"),
        RunError::UnknownTenant(_) => Some("see `oauth1to2 tenants list -p PROFILE`"),
        RunError::TenantNotChosen { .. } => Some("pass --tenant TENANT_ID with one of the ids above"),
        RunError::Batch(BatchRunError::NotPartner { .. }) => Some("private apps have no token-migration path: run `oauth1to2 migrate INVENTORY` without --partner"),
        RunError::Batch(BatchRunError::NoKey) => Some("give --key privatekey.pem, or [private_key] path in the inventory"),
        _ => None,
    };
    let code = match &e {
        RunError::OAuth(o)
        | RunError::Batch(BatchRunError::OAuth(o))
        | RunError::Tenants(oauth1to2::tenants::TenantError::OAuth(o)) => {
            super::session::code_for(o)
        }
        RunError::Verify {
            status: 401 | 403, ..
        } => EXIT_AUTH,
        RunError::Verify { .. } => EXIT_HTTP,
        _ => EXIT_INPUT,
    };
    // In the middle of a migration the way on is the migration, not a `connect` of its own.
    let hint = flag_hint.map(str::to_owned).unwrap_or_else(|| e.hint());
    let lower = hint.to_ascii_lowercase();
    let hint = if [
        "oauth1to2 connect",
        "connect again",
        "connect the profile again",
    ]
    .iter()
    .any(|c| lower.contains(c))
    {
        "run the same `oauth1to2 migrate` command again: it resumes at this step (add --restart to begin again with a new consent)".to_owned()
    } else {
        hint
    };
    CliError {
        hint: Some(hint),
        message: e.to_string(),
        code,
    }
}
