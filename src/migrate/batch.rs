//! A token batch: a provider's legacy tokens moved to OAuth 2.0 grants one organisation at a
//! time, without asking any of them to consent again (Xero's partner apps, with `POST
//! /oauth/migrate`). The provider's migration plan runs it (`MigrationPlan::token_batch`);
//! these are the types `migrate` and its callers share.

use serde::Serialize;
use std::path::{Path, PathBuf};

use crate::audit::inventory::LegacyIntegration;
use crate::audit::IntegrationAudit;
use crate::cert;
use crate::interact::Interaction;
use crate::oauth2::profile::SecretRef;
use crate::oauth2::Oauth2Error;

/// A provider's token batch.
pub type TokenBatch =
    fn(&Batch<'_>, &BatchOptions, &dyn Interaction) -> Result<BatchOutcome, BatchRunError>;

/// What a token batch needs beyond the steps' options.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// The batch file: a JSON array of the organisations' OAuth 1.0a tokens.
    pub tokens_file: PathBuf,
    /// The partner app's private key (default: the inventory's).
    pub key: Option<PathBuf>,
    /// The key's password, if it has one (otherwise asked for when needed).
    pub key_password: Option<SecretRef>,
    /// Scopes for the new grants (default: the plan's); `offline_access` is always added.
    pub scopes: Option<Vec<String>>,
    /// Where the results go (default: beside the inventory).
    pub results: Option<PathBuf>,
    /// The provider's migrate endpoint.
    pub migrate_url: String,
    /// The provider's OAuth 1.0a renewal endpoint.
    pub access_token_url: String,
}

/// The migration a batch belongs to.
pub struct Batch<'a> {
    /// The inventory file.
    pub inventory: &'a Path,
    /// What it says.
    pub inv: &'a LegacyIntegration,
    /// Its audit (for the planned scopes).
    pub audit: &'a IntegrationAudit,
    /// The new app's client id.
    pub client_id: &'a str,
    /// Where its secret is.
    pub secret: &'a SecretRef,
    /// List what would be done; send and write nothing.
    pub dry_run: bool,
}

/// One organisation not migrated, and why (never a token).
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The batch entry's label.
    pub label: String,
    /// Why.
    pub reason: String,
}

/// What a batch did.
#[derive(Debug, Clone, Serialize)]
pub struct BatchOutcome {
    /// The batch file.
    pub tokens_file: String,
    /// The results file.
    pub results_file: String,
    /// The scopes asked for.
    pub scope: String,
    /// Entries in the batch.
    pub total: usize,
    /// Migrated by an earlier run.
    pub already: usize,
    /// Whether it was a dry run.
    pub dry_run: bool,
    /// In a dry run: the labels that would be migrated, and whether their OAuth 1.0a token
    /// would be renewed first.
    pub would_migrate: Vec<(String, bool)>,
    /// Migrated by this run.
    pub migrated: usize,
    /// Failed in this run.
    pub failed: Vec<Failure>,
}

/// Why a batch cannot run at all.
#[derive(Debug, thiserror::Error)]
pub enum BatchRunError {
    /// The inventory is not a partner app's.
    #[error("{inventory}: the token batch is for partner apps, and this inventory says app_type = {app_type:?}")]
    NotPartner {
        /// The inventory file.
        inventory: String,
        /// What it says.
        app_type: String,
    },
    /// The inventory has no consumer key.
    #[error("{0} has no consumer_key")]
    NoConsumerKey(String),
    /// No key to sign with.
    #[error("no private key to sign the migrate calls with")]
    NoKey,
    /// The key cannot be read or used.
    #[error(transparent)]
    Key(#[from] cert::Error),
    /// A batch or results file cannot be used.
    #[error(transparent)]
    File(#[from] BatchError),
    /// An endpoint, the secret or the HTTP client.
    #[error(transparent)]
    OAuth(#[from] Oauth2Error),
}

impl BatchRunError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            BatchRunError::NotPartner { .. } => "private apps have no token-migration path: run the migration without the token batch".into(),
            BatchRunError::NoConsumerKey(_) => "add consumer_key = \"...\" (the partner app's) to the inventory".into(),
            BatchRunError::NoKey => "give the partner app's private key, or [private_key] path in the inventory".into(),
            BatchRunError::Key(e) => e.hint(),
            BatchRunError::File(e) => e.hint(),
            BatchRunError::OAuth(e) => e.hint(),
        }
    }
}

/// A batch or results file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct BatchError {
    /// The file.
    pub path: String,
    /// What is wrong (never a token).
    pub message: String,
}

impl BatchError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        "fix the file; see docs/migrate.md for the batch and results formats".into()
    }
}

/// A [`BatchError`] about `path`.
pub fn batch_error(path: &Path, message: impl Into<String>) -> BatchError {
    BatchError {
        path: path.display().to_string(),
        message: message.into(),
    }
}
