//! Xero's partner batch: a partner app's OAuth 1.0a tokens moved to OAuth 2.0 one organisation
//! at a time with `POST /oauth/migrate`. Each result is appended to the results file before
//! the next organisation, and a renewed OAuth 1.0a token is saved in the batch file before it
//! is used, so running the batch again skips what is done and loses nothing.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use super::partner::{self as xp, PartnerToken};
use super::token_migration::{
    self as partner, BatchEntry, MigrateError, MigrateRequest, MigrationResult,
};
use crate::cert::{self, PrivateKey};
use crate::connect::format_time;
use crate::interact::{Interaction, Progress};
use crate::migrate::batch::{Batch, BatchOptions, BatchOutcome, BatchRunError, Failure};
use crate::oauth2::http::{client_builder, require_secure, Timeouts};
use crate::oauth2::profile::SecretRef;
use crate::oauth2::Oauth2Error;

/// Loads the key, asking for its password only when it turns out to need one.
fn load_key(
    path: &Path,
    password: Option<&SecretRef>,
    ui: &dyn Interaction,
) -> Result<PrivateKey, BatchRunError> {
    let name = path.display().to_string();
    let bytes = crate::files::read_limited(path, cert::paste::MAX_INPUT).map_err(|e| {
        cert::Error::Read {
            input: name.clone(),
            reason: e.to_string(),
        }
    })?;
    let given = password.map(|p| p.read("the partner key")).transpose()?;
    match cert::load_private_key(&name, &bytes, given.as_ref()) {
        Err(cert::Error::PasswordNeeded { .. }) if given.is_none() => {
            let asked = ui.ask_secret(&format!("Password for {name}: "));
            Ok(cert::load_private_key(&name, &bytes, asked.as_ref())?)
        }
        other => Ok(other?),
    }
}

/// Runs (or, dry, lists) the batch.
pub fn run(
    b: &Batch<'_>,
    p: &BatchOptions,
    ui: &dyn Interaction,
) -> Result<BatchOutcome, BatchRunError> {
    let token_migration = crate::provider::by_id(&b.inv.provider)
        .and_then(|p| p.migration(&b.inv.app_type))
        .is_some_and(|m| m.token_migration);
    if !token_migration {
        return Err(BatchRunError::NotPartner {
            inventory: b.inventory.display().to_string(),
            app_type: b.inv.app_type.clone(),
        });
    }
    let consumer_key = b
        .inv
        .consumer_key
        .clone()
        .ok_or_else(|| BatchRunError::NoConsumerKey(b.inventory.display().to_string()))?;
    let key_path = match (&p.key, &b.inv.private_key) {
        (Some(k), _) => k.clone(),
        (None, Some(k)) => b.inv.resolve(&k.path),
        (None, None) => return Err(BatchRunError::NoKey),
    };
    let key = load_key(&key_path, p.key_password.as_ref(), ui)?;
    // Both carry the app's client secret or the organisations' session handles.
    require_secure("the migrate endpoint", &p.migrate_url)?;
    require_secure("the OAuth 1.0a renewal endpoint", &p.access_token_url)?;
    let mut scopes = p
        .scopes
        .clone()
        .unwrap_or_else(|| crate::migrate::scopes_for(b.inv, b.audit));
    if !scopes.iter().any(|s| s == "offline_access") {
        scopes.insert(0, "offline_access".into());
    }
    let scope = scopes.join(" ");
    let secret = b.secret.read("partner migration")?;

    let mut batch = partner::load_batch(&p.tokens_file)?;
    let results_file = p
        .results
        .clone()
        .unwrap_or_else(|| crate::migrate::partner_results_path(b.inventory));
    let mut results = partner::load_results(&results_file)?;
    let done: BTreeSet<String> = results
        .iter()
        .filter(|r| r.status == "migrated")
        .map(|r| r.label.clone())
        .collect();
    let todo: Vec<usize> = (0..batch.len())
        .filter(|i| !done.contains(&batch[*i].label))
        .collect();
    let mut out = BatchOutcome {
        tokens_file: p.tokens_file.display().to_string(),
        results_file: results_file.display().to_string(),
        scope: scope.clone(),
        total: batch.len(),
        already: batch.len() - todo.len(),
        dry_run: b.dry_run,
        would_migrate: Vec::new(),
        migrated: 0,
        failed: Vec::new(),
    };
    ui.progress(&Progress::Heading(&format!(
        "{} token(s) in {}: {} already migrated (in {}), {} to go. Scopes: {scope}",
        out.total,
        out.tokens_file,
        out.already,
        out.results_file,
        todo.len()
    )));
    if b.dry_run {
        let now = crate::oauth2::now();
        out.would_migrate = todo
            .iter()
            .map(|i| {
                (
                    batch[*i].label.clone(),
                    batch[*i].token.expires_within(now, 60),
                )
            })
            .collect();
        return Ok(out);
    }
    let http = client_builder(Timeouts {
        connect: Duration::from_secs(10),
        total: Duration::from_secs(30),
    })
    .build()
    .map_err(|e| Oauth2Error::Network {
        url: p.migrate_url.clone(),
        message: format!("cannot set up the HTTP client: {e}"),
    })?;
    let request = MigrateRequest {
        scope: &scope,
        client_id: b.client_id,
        client_secret: secret.expose(),
    };
    let signer = Signer {
        http: &http,
        p,
        consumer_key: &consumer_key,
        key: &key,
        tokens_file: &p.tokens_file,
        request: &request,
    };
    for (n, i) in todo.iter().copied().enumerate() {
        ui.progress(&Progress::Batch {
            done: n,
            total: todo.len(),
            current: Some(&batch[i].label),
        });
        let now = crate::oauth2::now();
        let outcome = signer.migrate_entry(&mut batch, i, now);
        let label = batch[i].label.clone();
        let at = format_time(now);
        let result = match outcome {
            Ok(t) => {
                out.migrated += 1;
                MigrationResult {
                    label,
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
                out.failed.push(Failure {
                    label: label.clone(),
                    reason: reason.clone(),
                });
                MigrationResult {
                    label,
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
        partner::append_result(&results_file, &mut results, result)?;
    }
    ui.progress(&Progress::Batch {
        done: todo.len(),
        total: todo.len(),
        current: None,
    });
    Ok(out)
}

/// What every migrate call of the batch shares.
struct Signer<'a> {
    http: &'a reqwest::blocking::Client,
    p: &'a BatchOptions,
    consumer_key: &'a str,
    key: &'a PrivateKey,
    tokens_file: &'a Path,
    request: &'a MigrateRequest<'a>,
}

impl Signer<'_> {
    /// Renews the entry's OAuth 1.0a token if needed (saving the batch first), then migrates
    /// it. The error is the reason recorded for the organisation.
    fn migrate_entry(
        &self,
        batch: &mut [BatchEntry],
        i: usize,
        now: i64,
    ) -> Result<partner::MigratedTokens, String> {
        if batch[i].token.expires_within(now, 60) {
            let renewed: PartnerToken = xp::renew(
                self.http,
                &self.p.access_token_url,
                self.consumer_key,
                self.key,
                &batch[i].token,
                now,
            )
            .map_err(|e| MigrateError::from(e).to_string())?;
            batch[i].token = renewed;
            // The old token is dead once the provider answers: keep the new one before use.
            partner::save_batch(self.tokens_file, batch).map_err(|e| e.to_string())?;
        }
        partner::migrate_one(
            self.http,
            &self.p.migrate_url,
            self.consumer_key,
            self.key,
            &batch[i],
            self.request,
            now,
        )
        .map_err(|e| e.to_string())
    }
}
