//! `oauth1to2 migrate INVENTORY --partner TOKENS_FILE`: a partner app's OAuth 1.0a tokens moved
//! to OAuth 2.0 in one batch with `POST /oauth/migrate`, resumable through the results file.

use std::path::{Path, PathBuf};

use oauth1to2::audit::inventory::{AppType, LegacyIntegration};
use oauth1to2::audit::IntegrationAudit;
use oauth1to2::migrate::partner::{
    self, BatchEntry, MigrateError, MigrateRequest, MigrationResult,
};
use oauth1to2::oauth2::profile::SecretRef;
use oauth1to2::xero::partner::{self as xp, PartnerToken};

use super::common::{self, format_time, CliError, KeyPasswordArgs, EXIT_OK, EXIT_PROBLEMS};
use super::signing::{http_client, unix_now};

/// The partner-mode options of `migrate`.
#[derive(Debug, clap::Args)]
pub struct PartnerArgs {
    /// Migrate the partner app's OAuth 1.0a tokens in this batch file (a JSON array of
    /// {"label", "oauth_token", "oauth_session_handle", "expires_at"}; see docs/migrate.md).
    #[arg(long, value_name = "TOKENS_FILE")]
    pub partner: Option<PathBuf>,
    /// The partner app's private key (default: [private_key] path in the inventory).
    #[arg(long, value_name = "KEY", requires = "partner")]
    pub key: Option<String>,
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
    #[arg(long, value_name = "URL", default_value = partner::MIGRATE_URL, hide = true)]
    pub migrate_url: String,
    /// Xero's OAuth 1.0a renewal endpoint (testing).
    #[arg(long, value_name = "URL", default_value = xp::ACCESS_TOKEN_URL, hide = true)]
    pub access_token_url: String,
}

pub struct Credentials<'a> {
    pub client_id: &'a str,
    pub secret: &'a SecretRef,
}

fn batch_err(e: partner::BatchError) -> CliError {
    CliError::input(
        e.to_string(),
        "fix the file; see docs/migrate.md for the batch and results formats",
    )
}

pub fn run(
    inventory: &Path,
    inv: &LegacyIntegration,
    audit: &IntegrationAudit,
    p: &PartnerArgs,
    tokens_file: &Path,
    creds: Credentials,
    dry_run: bool,
) -> Result<u8, CliError> {
    if inv.app_type != AppType::Partner {
        return Err(CliError::input(
            format!("{}: --partner is for partner apps, and this inventory says app_type = {:?}", inventory.display(), inv.app_type.as_str()),
            "private apps have no token-migration path: run `oauth1to2 migrate INVENTORY` without --partner",
        ));
    }
    let consumer_key = inv.consumer_key.clone().ok_or_else(|| {
        CliError::input(
            format!("{} has no consumer_key", inventory.display()),
            "add consumer_key = \"...\" (the partner app's) to the inventory",
        )
    })?;
    let key_path = match (&p.key, &inv.private_key) {
        (Some(k), _) => k.clone(),
        (None, Some(k)) => inv.resolve(&k.path).display().to_string(),
        (None, None) => {
            return Err(CliError::input(
                "no private key to sign the migrate calls with",
                "give --key privatekey.pem, or [private_key] path in the inventory",
            ))
        }
    };
    let key = common::load_key(&key_path, &p.key_password)?;
    // Both carry the app's client secret or the organisations' session handles.
    oauth1to2::oauth2::http::require_secure("--migrate-url", &p.migrate_url)?;
    oauth1to2::oauth2::http::require_secure("--access-token-url", &p.access_token_url)?;
    let mut scopes: Vec<String> = match &p.scopes {
        Some(s) => s
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        None => oauth1to2::migrate::scopes_for(inv, audit),
    };
    if !scopes.iter().any(|s| s == "offline_access") {
        scopes.insert(0, "offline_access".into());
    }
    let scope = scopes.join(" ");
    let secret = creds.secret.read("partner migration")?;

    let mut batch = partner::load_batch(tokens_file).map_err(batch_err)?;
    let results_file = p
        .results
        .clone()
        .unwrap_or_else(|| oauth1to2::migrate::partner_results_path(inventory));
    let mut results = partner::load_results(&results_file).map_err(batch_err)?;
    let done: std::collections::BTreeSet<String> = results
        .iter()
        .filter(|r| r.status == "migrated")
        .map(|r| r.label.clone())
        .collect();
    let todo: Vec<usize> = (0..batch.len())
        .filter(|i| !done.contains(&batch[*i].label))
        .collect();
    eprintln!(
        "{} token(s) in {}: {} already migrated (in {}), {} to go. Scopes: {scope}",
        batch.len(),
        tokens_file.display(),
        batch.len() - todo.len(),
        results_file.display(),
        todo.len()
    );
    if dry_run {
        for i in &todo {
            let e = &batch[*i];
            let renew = if e.token.expires_within(unix_now(), 60) {
                " (its OAuth 1.0a token would be renewed first)"
            } else {
                ""
            };
            eprintln!("  would migrate {}{renew}", e.label);
        }
        eprintln!("Dry run: nothing was sent or written.");
        return Ok(EXIT_OK);
    }
    let http = http_client(30)?;
    let bar = super::common::progress_bar(todo.len());
    let request = MigrateRequest {
        scope: &scope,
        client_id: creds.client_id,
        client_secret: secret.expose(),
    };
    let (mut migrated, mut failed) = (0usize, Vec::new());
    for i in todo {
        if let Some(b) = &bar {
            b.set_message(batch[i].label.clone());
        }
        let now = unix_now();
        let outcome = migrate_entry(
            &http,
            p,
            &consumer_key,
            &key,
            &mut batch,
            i,
            tokens_file,
            &request,
            now,
        );
        let at = format_time(now);
        let result = match outcome {
            Ok(t) => {
                migrated += 1;
                MigrationResult {
                    label: batch[i].label.clone(),
                    status: "migrated".into(),
                    at,
                    reason: None,
                    xero_tenant_id: t.xero_tenant_id,
                    access_token: Some(t.access_token),
                    refresh_token: t.refresh_token,
                    expires_at: t
                        .expires_in
                        .map(|s| now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX))),
                }
            }
            Err(reason) => {
                failed.push((batch[i].label.clone(), reason.clone()));
                MigrationResult {
                    label: batch[i].label.clone(),
                    status: "failed".into(),
                    at,
                    reason: Some(reason),
                    xero_tenant_id: None,
                    access_token: None,
                    refresh_token: None,
                    expires_at: None,
                }
            }
        };
        // Saved before the next organisation: a crash loses nothing already migrated.
        partner::append_result(&results_file, &mut results, result).map_err(batch_err)?;
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    eprintln!(
        "Migrated {migrated}, failed {}; results in {} (mode 0600: it holds the new OAuth 2.0 tokens).",
        failed.len(),
        results_file.display()
    );
    for (label, reason) in &failed {
        eprintln!("  failed  {label}: {reason}");
    }
    if !failed.is_empty() {
        eprintln!(
            "Run the same command again to retry the failed ones; migrated ones are skipped."
        );
        return Ok(EXIT_PROBLEMS);
    }
    Ok(EXIT_OK)
}

/// Renews the entry's OAuth 1.0a token if needed (saving the batch first), then migrates it.
#[allow(clippy::too_many_arguments)]
fn migrate_entry(
    http: &reqwest::blocking::Client,
    p: &PartnerArgs,
    consumer_key: &str,
    key: &oauth1to2::cert::PrivateKey,
    batch: &mut [BatchEntry],
    i: usize,
    tokens_file: &Path,
    request: &MigrateRequest<'_>,
    now: i64,
) -> Result<partner::MigratedTokens, String> {
    if batch[i].token.expires_within(now, 60) {
        let renewed: PartnerToken = xp::renew(
            http,
            &p.access_token_url,
            consumer_key,
            key,
            &batch[i].token,
            now,
        )
        .map_err(|e| MigrateError::from(e).to_string())?;
        batch[i].token = renewed;
        // The old token is dead once Xero answers: keep the new one before using it.
        partner::save_batch(tokens_file, batch).map_err(|e| e.to_string())?;
    }
    partner::migrate_one(
        http,
        &p.migrate_url,
        consumer_key,
        key,
        &batch[i],
        request,
        now,
    )
    .map_err(|e| e.to_string())
}
