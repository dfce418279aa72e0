//! `oauth1to2 exchange`: trade every user's OAuth 1.0a token for an OAuth 2.0 pair, in bulk and
//! resumably (the library's `exchange::job`).

use std::path::PathBuf;

use oauth1to2::exchange::job::{self, Job, Users};
use oauth1to2::exchange::postgres::TableConfig;
use oauth1to2::exchange::rate::Budget;

use super::common::{
    print_json, CliError, EXIT_AUTH, EXIT_HTTP, EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS,
};
use super::inputs::resolve_secret;

/// The providers with an exchange, from the registry.
fn provider_parser() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new(
        oauth1to2::provider::REGISTRY
            .iter()
            .filter(|p| p.exchange.is_some())
            .map(|p| PossibleValue::new(p.id).help(p.name)),
    )
}

/// Exchange each user's OAuth 1.0a token for an OAuth 2.0 pair, without asking the users to
/// consent again, in bulk and resumably.
///
/// Every request is written to a journal (OUT.journal, 0600) before it goes out, and every pair
/// received is written there, flushed to the disk, before anything else: a run killed at any
/// moment loses no pair and never exchanges a user twice. Run the same command again (or with
/// --resume) to carry on. The output CSV (0600) has user_id, status (exchanged, reconsent,
/// failed, pending), access_token, refresh_token, expires_at, scope, reason and
/// provider_user_id, then the input's other columns. Secrets come from environment variables or
/// files, never the command line.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 exchange --provider x --client-id ID --client-secret-env X_SECRET --tokens users.csv --out exchanged.csv --dry-run\n  \
oauth1to2 exchange --provider tumblr --consumer-key CK --consumer-secret-env TUMBLR_SECRET --tokens users.csv --out exchanged.csv\n  \
PGPASSWORD=... oauth1to2 exchange --provider garmin --consumer-key CK --consumer-secret-env GARMIN_SECRET \\\n    \
--tokens 'postgresql://app@127.0.0.1:5432/partner' --table garmin_users --journal worker1.journal\n\n\
Exit codes: 0 every user exchanged; 1 some must consent again or failed (the output says who; \
run again to retry the failed); 2 unusable input; 4 the provider refused the app (the run \
stopped at once); 5 an answer oauth1to2 does not expect stopped the run.\n\
Facts, limits and what is unconfirmed per provider: docs/exchange.md.")]
pub struct Args {
    /// The provider.
    #[arg(long, value_parser = provider_parser())]
    provider: String,
    /// The OAuth 1.0a app's consumer key (Garmin, Tumblr: they sign the exchange with it).
    #[arg(long, value_name = "CK")]
    consumer_key: Option<String>,
    /// Read the consumer secret from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "consumer_secret_file")]
    consumer_secret_env: Option<String>,
    /// Read the consumer secret from the first line of this file.
    #[arg(long, value_name = "FILE")]
    consumer_secret_file: Option<PathBuf>,
    /// The OAuth 2.0 app's client id (X).
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// Read the OAuth 2.0 client secret from this environment variable (a confidential client).
    #[arg(long, value_name = "VAR", conflicts_with = "client_secret_file")]
    client_secret_env: Option<String>,
    /// Read the OAuth 2.0 client secret from the first line of this file.
    #[arg(long, value_name = "FILE")]
    client_secret_file: Option<PathBuf>,
    /// The users: a CSV with a header (user_id,oauth_token,oauth_token_secret, and any other
    /// columns, passed through), JSON lines, or a postgresql:// URL with --table.
    #[arg(long, value_name = "FILE|URL")]
    tokens: String,
    /// The output CSV (a file of users); its journal is OUT.journal unless --journal is given.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The journal (required with a table: one per worker, kept across its restarts).
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// The table of users (with a postgresql:// --tokens).
    #[arg(long, value_name = "NAME")]
    table: Option<String>,
    /// The table's column names where they differ: NAME=COLUMN,... (names in docs/exchange.md).
    #[arg(long, value_name = "MAP")]
    columns: Option<String>,
    /// This worker's name in the table (default: the host name and the journal's path).
    #[arg(long, value_name = "NAME")]
    worker: Option<String>,
    /// The exchange endpoint, if not the provider's (a test server or a proxy; https, or http
    /// to a loopback address).
    #[arg(long, value_name = "URL")]
    token_endpoint: Option<String>,
    /// The base URL of the provider's other calls (user id, probe), if not its own.
    #[arg(long, value_name = "URL")]
    api_base: Option<String>,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// The rate budget, CALLS/SECONDS (default: the provider's, at its documented margin), or
    /// `unlimited`.
    #[arg(long, value_name = "N/SECONDS")]
    rate: Option<String>,
    /// Tries per user when the provider says "not now" (429, 5xx, a timeout).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    attempts: u32,
    /// The scopes to ask for, where the provider takes a subset of the old grant (X).
    #[arg(long, value_name = "SCOPES")]
    scope: Option<String>,
    /// Carry on a run that stopped (the same as running the command again; refused when there
    /// is no journal to resume).
    #[arg(long)]
    resume: bool,
    /// Replace the output file if it exists and this is a new run.
    #[arg(long)]
    force: bool,
    /// Check the input and the credentials' presence, print the plan and the time the rate
    /// implies, and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// JSON output (fields in docs/json.md).
    #[arg(long)]
    json: bool,
}

fn job_error(e: job::JobError) -> CliError {
    CliError {
        message: e.message,
        hint: Some(e.hint),
        code: if e.input { EXIT_INPUT } else { EXIT_HTTP },
    }
}

fn the_job(a: &Args) -> Result<Job, CliError> {
    let provider = oauth1to2::provider::by_id(&a.provider).ok_or_else(|| {
        CliError::input(
            format!("no provider is called {:?}", a.provider),
            "run `oauth1to2 exchange --help` for the providers",
        )
    })?;
    let secret = |env: &Option<String>, file: &Option<PathBuf>, what: &str, flag: &str| {
        (env.is_some() || file.is_some())
            .then(|| {
                let flags = format!("--{flag}-env VAR or --{flag}-file FILE");
                resolve_secret(env.as_deref(), file.as_ref(), what, &flags)
            })
            .transpose()
    };
    let consumer_secret = secret(
        &a.consumer_secret_env,
        &a.consumer_secret_file,
        "the consumer secret",
        "consumer-secret",
    )?;
    let client_secret = secret(
        &a.client_secret_env,
        &a.client_secret_file,
        "the client secret",
        "client-secret",
    )?;
    let unlimited = a.rate.as_deref() == Some("unlimited");
    let rate = match a.rate.as_deref() {
        None | Some("unlimited") => None,
        Some(r) => Some(Budget::parse(r).map_err(|e| {
            CliError::input(
                format!("--rate: {e}"),
                "write --rate CALLS/SECONDS, e.g. --rate 10000/900, or --rate unlimited",
            )
        })?),
    };
    let users = if a.tokens.starts_with("postgresql://") || a.tokens.starts_with("postgres://") {
        let table = a.table.as_deref().ok_or_else(|| {
            CliError::input(
                "a postgresql:// --tokens needs the table",
                "add --table NAME",
            )
        })?;
        let journal = a.journal.as_ref().ok_or_else(|| {
            CliError::input(
                "a worker on a table needs its own journal",
                "add --journal FILE (one per worker, kept across its restarts)",
            )
        })?;
        if a.out.is_some() {
            return Err(CliError::input(
                "--out is for a file of users: a table is written back row by row",
                "drop --out (each row gets its pair, status and reason)",
            ));
        }
        let worker = a.worker.clone().unwrap_or_else(|| default_worker(journal));
        let password = std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty());
        Users::Table(
            TableConfig::new(
                &a.tokens,
                table,
                a.columns.as_deref(),
                worker,
                password.map(oauth1to2::secret::Password::new),
            )
            .map_err(|e| CliError::input(e.to_string(), e.hint))?,
        )
    } else {
        if a.table.is_some() || a.columns.is_some() {
            return Err(CliError::input(
                "--table and --columns are for a postgresql:// --tokens",
                "drop them, or give the database URL",
            ));
        }
        if a.out.is_none() && !a.dry_run {
            return Err(CliError::input(
                "a file of users needs an output file",
                "add --out FILE (the exchanged pairs and each user's status go there)",
            ));
        }
        Users::File(PathBuf::from(&a.tokens))
    };
    Ok(Job {
        provider,
        consumer_key: a.consumer_key.clone(),
        consumer_secret,
        client_id: a.client_id.clone(),
        client_secret,
        users,
        out: a.out.clone(),
        replace_out: a.force,
        journal: a.journal.clone(),
        endpoint: a.token_endpoint.clone(),
        api_base: a.api_base.clone(),
        rate,
        unlimited,
        workers: usize::from(a.concurrency),
        scope: a.scope.clone(),
        locks_dir: oauth1to2::oauth2::profile::Paths::resolve()
            .ok()
            .map(|p| p.tokens_dir.with_file_name("exchange-locks")),
        attempts: a.attempts,
    })
}

/// The host name and a hash of the journal's full path: the same worker after a restart.
fn default_worker(journal: &std::path::Path) -> String {
    use sha2::Digest;
    let full = std::path::absolute(journal).unwrap_or_else(|_| journal.to_path_buf());
    let host = oauth1to2::files::read_text_limited(std::path::Path::new("/etc/hostname"), 256)
        .map(|h| oauth1to2::text::term(h.trim()).into_owned())
        .unwrap_or_else(|_| "host".into());
    let h = sha2::Sha256::digest(full.as_os_str().as_encoded_bytes());
    format!("{host}:{}", &hex::encode(h)[..12])
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let job = the_job(&a)?;
    if a.dry_run {
        let plan = job::plan(&job).map_err(job_error)?;
        if a.json {
            print_json(&plan)?;
        } else {
            super::exchange_render::print_plan(&plan, true);
        }
        return Ok(EXIT_OK);
    }
    let planned = job::plan(&job).map_err(job_error)?;
    if a.resume && !planned.journal.exists() {
        return Err(CliError::input(
            "--resume: there is no journal to resume",
            "drop --resume to start a new run (or name the journal of the run to resume)",
        ));
    }
    let total = planned.users.unwrap_or(0);
    let bar = if a.json {
        None
    } else {
        super::common::progress_bar(total)
    };
    let progress = |r: &oauth1to2::exchange::run::Report| {
        if let Some(b) = &bar {
            b.set_position(r.done() as u64);
            b.set_message(format!(
                "{} exchanged, {} re-consent, {} failed",
                r.exchanged,
                r.reconsent.len(),
                r.failed.len()
            ));
        }
    };
    let outcome = job::execute(&job, Some(planned), Some(&progress)).map_err(job_error)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if a.json {
        print_json(&outcome)?;
    } else {
        super::exchange_render::print_outcome(&outcome);
    }
    Ok(if outcome.app_refused {
        EXIT_AUTH
    } else if outcome.stopped.is_some() {
        EXIT_HTTP
    } else if outcome.reconsent.is_empty() && outcome.failed.is_empty() {
        EXIT_OK
    } else {
        EXIT_PROBLEMS
    })
}
