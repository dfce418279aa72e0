//! `migrate`: the move from a legacy integration to working OAuth 2.0 credentials, as a
//! resumable sequence of idempotent steps whose progress lives in a state file next to the
//! inventory. This module owns the state file, the plan (how to create the Xero app), the
//! migration record and the handoff exports; `run` runs the steps (talking to the person
//! through the `Interaction` trait) and `batch` a partner app's token batch.

pub mod batch;
pub mod folder;
mod run;

pub use folder::{migrate_folder, FolderItem, FolderOutcome};
pub use run::{migrate, Migration, Options, Outcome, RunError};

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::audit::inventory::LegacyIntegration;
use crate::audit::IntegrationAudit;
use crate::files::{write_atomic, Visibility, WriteError};
use crate::oauth2::profile::SecretRef;

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// 1. Audit the inventory.
    Audit,
    /// 2. Print how to create the Xero app.
    Plan,
    /// 3. Collect the client id and secret (by reference).
    Credentials,
    /// 4. Connect: the first tokens.
    Connect,
    /// 5. Pick the tenant matching the inventory's organisation.
    Tenant,
    /// 6. A real read call that needs the planned scopes.
    Verify,
    /// 7. Profile, tokens, migration record and handoff exports.
    Outputs,
    /// 8. The decommissioning checklist.
    Checklist,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 8] = [
        Step::Audit,
        Step::Plan,
        Step::Credentials,
        Step::Connect,
        Step::Tenant,
        Step::Verify,
        Step::Outputs,
        Step::Checklist,
    ];

    /// The step's name, as in the state file.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Audit => "audit",
            Step::Plan => "plan",
            Step::Credentials => "credentials",
            Step::Connect => "connect",
            Step::Tenant => "tenant",
            Step::Verify => "verify",
            Step::Outputs => "outputs",
            Step::Checklist => "checklist",
        }
    }

    /// 1-based number.
    pub fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }
}

/// One finished step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Which.
    pub step: Step,
    /// When it finished (RFC 3339).
    pub done_at: String,
    /// What it did, in a line (never a secret).
    pub summary: String,
}

/// The state file: what is done and what was decided. It never holds a secret or a token.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MigrationState {
    /// Format version.
    pub version: u32,
    /// The inventory file.
    pub inventory: String,
    /// The OAuth 2.0 profile the migration creates.
    pub profile: String,
    /// Finished steps, in order.
    pub steps: Vec<StepRecord>,
    /// The new app's client id (an identifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Where the client secret is (a variable's name or a file's path), never the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<SecretRef>,
    /// The scopes asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The chosen tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_name: Option<String>,
    /// The call that verified the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_with: Option<String>,
    /// Files written by the outputs step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<String>,
    /// A machine-to-machine connection's key (its path) and key id, never the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<crate::oauth2::assertion::AssertionRef>,
}

/// The state file is unusable.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// It cannot be read or parsed.
    #[error("{path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// It cannot be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl StateError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            StateError::Read { .. } => {
                "fix or delete the state file, or start the migration again from the beginning"
                    .into()
            }
            StateError::Write(e) => e.hint(),
        }
    }
}

impl MigrationState {
    /// Whether `step` is done.
    pub fn done(&self, step: Step) -> bool {
        self.steps.iter().any(|s| s.step == step)
    }

    /// The next step to run.
    pub fn next(&self) -> Option<Step> {
        Step::ALL.into_iter().find(|s| !self.done(*s))
    }

    /// Marks `step` done (idempotent: a step done twice keeps its first record).
    pub fn finish(&mut self, step: Step, done_at: String, summary: impl Into<String>) {
        if !self.done(step) {
            self.steps.push(StepRecord {
                step,
                done_at,
                summary: summary.into(),
            });
        }
    }
}

/// Where the state file of `inventory` lives: `NAME.migration.json` beside it.
pub fn state_path(inventory: &Path) -> PathBuf {
    sibling(inventory, "migration.json")
}

/// Where `migrate` keeps the key and certificate it makes for a NetSuite machine-to-machine
/// connection: a 0700 folder beside `inventory`.
pub fn m2m_dir(inventory: &Path) -> PathBuf {
    sibling(inventory, "m2m")
}

/// Where the migration record of `inventory` goes.
pub fn record_path(inventory: &Path) -> PathBuf {
    sibling(inventory, "migration-record.md")
}

/// Where `migrate --partner` writes its results for `inventory`.
pub fn partner_results_path(inventory: &Path) -> PathBuf {
    sibling(inventory, "partner-results.jsonl")
}

/// Where the handoff export of `inventory` goes.
pub fn handoff_path(inventory: &Path, ext: &str) -> PathBuf {
    sibling(inventory, &format!("handoff.{ext}"))
}

fn sibling(inventory: &Path, suffix: &str) -> PathBuf {
    let stem = inventory
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "integration".into());
    inventory.with_file_name(format!("{stem}.{suffix}"))
}

/// Reads the state; `None` when the migration has not started.
pub fn load_state(path: &Path) -> Result<Option<MigrationState>, StateError> {
    match crate::files::read_limited(path, crate::files::MAX_FILE) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| StateError::Read {
                path: path.to_path_buf(),
                message: format!(
                    "not a migration state file (JSON error at line {}, column {})",
                    e.line(),
                    e.column()
                ),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StateError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
    }
}

/// Writes the state atomically (temporary file, fsync, rename), so a kill leaves the old or
/// the new state, never half of one.
pub fn save_state(path: &Path, state: &MigrationState) -> Result<(), StateError> {
    let mut bytes = serde_json::to_vec_pretty(state).map_err(|e| StateError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    write_atomic(path, &bytes, Visibility::Private, true)?;
    Ok(())
}

/// The scopes the new app asks for: the plan's, plus what a third-party platform asks for.
pub fn scopes_for(inv: &LegacyIntegration, audit: &IntegrationAudit) -> Vec<String> {
    let mut out: Vec<String> = audit
        .scopes
        .as_ref()
        .map(|p| p.scopes.iter().map(|s| s.scope.clone()).collect())
        .unwrap_or_default();
    let platform = crate::provider::legacy_of(inv)
        .ok()
        .and_then(|l| l.target(&audit.recommendation.target))
        .is_some_and(|t| t.platform);
    if let Some(t) = inv.target.as_ref().filter(|_| platform) {
        for s in &t.scopes {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
    }
    out
}

pub use crate::handoff::{render_handoff, ExportFormat, Handoff};

/// The migration record: what was done, when, by which steps. No secrets.
pub fn render_record(
    inv: &LegacyIntegration,
    audit: &IntegrationAudit,
    state: &MigrationState,
    generated_at: &str,
) -> String {
    // What the inventory, the certificate and the server said is escaped as the audit's
    // Markdown escapes it: the record is handed to the client, and is read rendered.
    let (md, code) = (crate::text::markdown, crate::text::markdown_code);
    let mut s = format!("# Migration record: {}\n\n", md(&inv.name));
    s.push_str(&format!("- Inventory: {}\n", code(&state.inventory)));
    if let Some(v) = &inv.vendor {
        s.push_str(&format!("- Vendor: {}\n", md(v)));
    }
    s.push_str(&format!(
        "- From: {} {} app ({})\n",
        audit.protocol,
        inv.app_type,
        md(&audit.oauth1_status)
    ));
    s.push_str(&format!(
        "- To: {} ({})\n",
        audit.recommendation.target,
        md(&audit.recommendation.reason)
    ));
    s.push_str(&format!("- OAuth 2.0 profile: {}\n", code(&state.profile)));
    if let Some(c) = &state.client_id {
        s.push_str(&format!("- Client id: {}\n", code(c)));
    }
    if let Some(c) = &state.client_secret {
        s.push_str(&format!(
            "- Client secret: kept in {} (not recorded here)\n",
            md(&c.describe())
        ));
    }
    if !state.scopes.is_empty() {
        s.push_str(&format!("- Scopes: {}\n", code(&state.scopes.join(" "))));
    }
    if let (Some(id), Some(name)) = (&state.tenant_id, &state.tenant_name) {
        s.push_str(&format!("- Tenant: {} ({})\n", md(name), code(id)));
    }
    if let Some(v) = &state.verified_with {
        s.push_str(&format!("- Verified with: {}\n", code(v)));
    }
    if let Some(c) = &audit.certificate {
        s.push_str(&format!(
            "- Old certificate: {} (SHA-256 {}), to be retired\n",
            md(&c.subject),
            code(&c.sha256_fingerprint)
        ));
    }
    s.push_str(&format!("- Record written: {}\n\n## Steps\n\n| # | step | done at | what happened |\n|---|---|---|---|\n", md(generated_at)));
    for r in &state.steps {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.step.number(),
            r.step.as_str(),
            md(&r.done_at),
            md(&r.summary)
        ));
    }
    s.push_str("\n## Still to do (decommissioning)\n\n");
    for (i, step) in audit.decommissioning().iter().enumerate() {
        s.push_str(&format!("{}. {}\n", i + 1, md(step)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_escapes_what_the_inventory_and_the_server_said() {
        let hostile = "Acme <img src=x onerror=alert(1)> [link](http://evil) \u{1b}[2J\r";
        let text = format!(
            "name = {hostile:?}\nvendor = {hostile:?}\napp_type = \"private\"\nregion = \"NZ\"\nconsumer_key = \"CK\"\n[endpoints]\ncalls = [\"GET Contacts\"]\n"
        );
        let text = text.replace("\\u{1b}", "\\u001B");
        let inv = crate::audit::inventory::parse(Path::new("/c/acme.toml"), &text).unwrap();
        let audit = crate::audit::audit(
            &inv,
            &crate::audit::AuditOptions {
                now: time::OffsetDateTime::now_utc(),
            },
        )
        .unwrap();
        let state = MigrationState {
            inventory: "/c/acme`.toml".into(),
            profile: "acme".into(),
            tenant_id: Some("70784a63-d24b-46a9-a4db-0e70a274b056".into()),
            tenant_name: Some(hostile.into()),
            steps: vec![StepRecord {
                step: Step::Tenant,
                done_at: "2026-12-02T10:00:00Z".into(),
                summary: format!("tenant {hostile} | chosen"),
            }],
            ..Default::default()
        };
        let md = render_record(&inv, &audit, &state, "2026-12-02T10:00:00Z");
        for raw in ["<img", "[link](", "\u{1b}", "\r", "`/c/acme`"] {
            assert!(!md.contains(raw), "{raw:?} got through:\n{md}");
        }
        assert!(
            md.contains("&lt;img src=x onerror=alert\\(1\\)&gt;"),
            "{md}"
        );
        assert!(md.contains("\\1B\\[2J\\0D"), "{md}");
        // Four cells a row: a | in a summary does not add one.
        let row = md.lines().find(|l| l.starts_with("| 5 |")).unwrap();
        assert_eq!(row.matches(" | ").count(), 3, "{row}");
    }

    #[test]
    fn state_files_sit_beside_the_inventory() {
        let p = Path::new("/clients/acme/integration.toml");
        assert_eq!(
            state_path(p),
            Path::new("/clients/acme/integration.migration.json")
        );
        assert_eq!(
            handoff_path(p, "env"),
            Path::new("/clients/acme/integration.handoff.env")
        );
    }

    #[test]
    fn steps_resume_in_order_and_finish_is_idempotent() {
        let mut s = MigrationState::default();
        assert_eq!(s.next(), Some(Step::Audit));
        s.finish(Step::Audit, "t1".into(), "a");
        s.finish(Step::Audit, "t2".into(), "b");
        assert_eq!(s.steps.len(), 1);
        assert_eq!(s.next(), Some(Step::Plan));
    }
}
