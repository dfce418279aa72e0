//! `migrate`: the move from a legacy integration to working OAuth 2.0 credentials, as a
//! resumable sequence of idempotent steps whose progress lives in a state file next to the
//! inventory. This module owns the state file, the plan (how to create the Xero app), the
//! migration record and the handoff exports; `run` runs the steps (talking to the person
//! through the `Interaction` trait) and `batch` a partner app's token batch.

pub mod batch;
pub mod partner;
mod run;

pub use run::{migrate, Migration, Options, Outcome, RunError};

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::audit::inventory::{LegacyIntegration, TargetKind};
use crate::audit::IntegrationAudit;
use crate::files::{write_atomic, Visibility, WriteError};
use crate::oauth2::profile::{Grant, Profile, SecretRef};

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

/// The OAuth 2.0 grant for a target.
pub fn grant_for(target: TargetKind) -> crate::oauth2::profile::Grant {
    use crate::oauth2::profile::Grant;
    match target {
        TargetKind::Web | TargetKind::ThirdParty => Grant::AuthorizationCode,
        TargetKind::Pkce => Grant::Pkce,
        TargetKind::CustomConnection | TargetKind::M2m => Grant::ClientCredentials,
        TargetKind::AuthorizationCode => Grant::AuthorizationCode,
    }
}

/// The scopes the new app asks for: the plan's, plus what a third-party platform asks for.
pub fn scopes_for(inv: &LegacyIntegration, audit: &IntegrationAudit) -> Vec<String> {
    let mut out: Vec<String> = audit
        .scopes
        .as_ref()
        .map(|p| p.scopes.iter().map(|s| s.scope.clone()).collect())
        .unwrap_or_default();
    if let Some(t) = inv
        .target
        .as_ref()
        .filter(|t| t.kind == Some(TargetKind::ThirdParty))
    {
        for s in &t.scopes {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
    }
    out
}

/// Step 2: how to create the Xero app, click by click, in the manner of a vendor's setup
/// guide. `redirect_uri` is the loopback URI `connect` will use.
pub fn plan_steps(
    inv: &LegacyIntegration,
    audit: &IntegrationAudit,
    redirect_uri: &str,
) -> Vec<String> {
    let target = audit.recommendation.target;
    let scopes = scopes_for(inv, audit).join(" ");
    if matches!(target, TargetKind::M2m | TargetKind::AuthorizationCode) {
        // NetSuite: the integration record; the certificate and its mapping come in step 3.
        return vec![
            crate::audit::netsuite_tba::record_step(inv, target, &scopes, redirect_uri),
            "Keep the Client ID at hand: oauth1to2 asks for it next (or give --client-id).".into(),
        ];
    }
    let org = inv
        .organisation
        .as_deref()
        .unwrap_or("the client's organisation");
    let mut s = vec![
        "Sign in at https://developer.xero.com/app/manage as a user who can manage the client's apps (a dedicated user is best).".to_owned(),
    ];
    match target {
        TargetKind::CustomConnection => {
            s.push("Click New app. Choose the integration type Custom connection.".into());
            s.push(format!("App name: \"{} (OAuth 2.0)\".", inv.name));
            s.push(format!("Scopes: tick {scopes}."));
            s.push(format!("Authorising user: a user of {org}; Xero emails them to accept, and the connection is billed to the organisation."));
            s.push("Click Save and connect. When the user has accepted, open Configuration: copy the Client id, click Generate a secret and copy it (Xero shows it once).".into());
        }
        TargetKind::M2m | TargetKind::AuthorizationCode => {}
        TargetKind::Web | TargetKind::Pkce | TargetKind::ThirdParty => {
            let kind = match target {
                TargetKind::Pkce => "Mobile or desktop app (auth code with PKCE)",
                _ => "Web app",
            };
            s.push(format!("Click New app. Integration type: {kind}."));
            s.push(format!("App name: \"{} (OAuth 2.0)\".", inv.name));
            let company = match (
                target,
                inv.target.as_ref().and_then(|t| t.platform.as_deref()),
            ) {
                (TargetKind::ThirdParty, Some(p)) => format!("the client's {p} address"),
                _ => "the client's or vendor's website".into(),
            };
            s.push(format!("Company or application URL: {company}."));
            if target == TargetKind::ThirdParty {
                let uri = inv
                    .target
                    .as_ref()
                    .and_then(|t| t.redirect_uri.as_deref())
                    .unwrap_or("(the platform's)");
                s.push(format!("Redirect URI: {uri} (the platform's), and a second one, {redirect_uri}, so that oauth1to2 can find the tenant and verify the scopes."));
            } else {
                s.push(format!("Redirect URI: {redirect_uri} (exactly; Xero compares it character by character)."));
            }
            s.push("Tick the terms and click Create app.".into());
            if target == TargetKind::Pkce {
                s.push(
                    "Open Configuration and copy the Client id (a PKCE app has no secret).".into(),
                );
            } else {
                s.push("Open Configuration: copy the Client id, click Generate a secret and copy it (Xero shows it once).".into());
            }
            s.push(format!(
                "oauth1to2 will ask for these scopes when it connects: {scopes}."
            ));
        }
    }
    s.push("Keep the secret out of mail and chat: put it in an environment variable or a 0600 file, or paste it when oauth1to2 asks (it is not echoed).".into());
    s
}

/// What a third-party platform or a deployment needs: no secret unless `client_secret` is set.
/// Its `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Handoff {
    /// The app's client id.
    pub client_id: String,
    /// Where the secret is (its description), when not revealed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_location: Option<String>,
    /// The secret itself, only with an explicit reveal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Scopes, space-separated.
    pub scopes: String,
    /// The redirect URI registered on the app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// The tenant (organisation) id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// NetSuite: the account id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// A client assertion's key id (NetSuite: the Certificate ID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    /// A client assertion's private key file (its path, never the key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key_file: Option<String>,
}

impl std::fmt::Debug for Handoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handoff")
            .field("client_id", &self.client_id)
            .field("client_secret_location", &self.client_secret_location)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("scopes", &self.scopes)
            .field("redirect_uri", &self.redirect_uri)
            .field("tenant_id", &self.tenant_id)
            .field("account", &self.account)
            .field("certificate_id", &self.certificate_id)
            .field("private_key_file", &self.private_key_file)
            .finish()
    }
}

impl Handoff {
    /// What profile `p` hands over: its client id, where its secret is (never the secret),
    /// scopes and tenant, and the redirect URI: `redirect_uri` when given, else Oomnitza's own
    /// for that format, else the profile's (none for client credentials, which has no browser).
    pub fn of_profile(p: &Profile, format: ExportFormat, redirect_uri: Option<String>) -> Handoff {
        let redirect_uri = redirect_uri.or_else(|| match format {
            ExportFormat::Oomnitza => Some(OOMNITZA_REDIRECT_URI.to_owned()),
            _ => (p.grant != Grant::ClientCredentials).then(|| p.redirect_uri(p.redirect_port)),
        });
        Handoff {
            client_id: p.client_id.clone(),
            client_secret_location: p.client_secret.as_ref().map(|r| r.describe()),
            client_secret: None,
            scopes: p.scopes.join(" "),
            redirect_uri,
            tenant_id: p.tenant_id.clone(),
            account: p.account.clone(),
            certificate_id: p.assertion.as_ref().map(|a| a.kid.clone()),
            private_key_file: p.assertion.as_ref().map(|a| a.key.display().to_string()),
        }
    }
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `export XERO_CLIENT_ID=...` lines.
    Env,
    /// One JSON object.
    Json,
    /// The fields as Oomnitza's Xero guide names them, tenant id under `Xero.Tenant Id`.
    Oomnitza,
}

/// Oomnitza's OAuth proxy redirect URI, from its Xero setup guide.
pub const OOMNITZA_REDIRECT_URI: &str =
    "https://generic-oauth2-proxy.oomnitza.com/oauth2/redirect_url";
/// The global variable Oomnitza keeps the tenant id in.
pub const OOMNITZA_TENANT_VARIABLE: &str = "Xero.Tenant Id";

use crate::text::shell as sh_quote;
use crate::text::term;

/// Renders a handoff.
pub fn render_handoff(h: &Handoff, format: ExportFormat) -> String {
    match format {
        ExportFormat::Json => {
            let mut s = serde_json::to_string_pretty(h).unwrap_or_default();
            s.push('\n');
            s
        }
        ExportFormat::Env if h.account.is_some() => {
            // NetSuite: the account, the client id, and the assertion's key id and key file.
            let mut s = String::new();
            for (name, value) in [
                ("NETSUITE_ACCOUNT_ID", h.account.as_deref()),
                ("NETSUITE_CLIENT_ID", Some(h.client_id.as_str())),
                ("NETSUITE_CERTIFICATE_ID", h.certificate_id.as_deref()),
                ("NETSUITE_PRIVATE_KEY_FILE", h.private_key_file.as_deref()),
                ("NETSUITE_SCOPES", Some(h.scopes.as_str())),
            ] {
                if let Some(v) = value {
                    s.push_str(&format!("export {name}={}\n", sh_quote(v)));
                }
            }
            if let Some(l) = &h.client_secret_location {
                s.push_str(&format!(
                    "# NETSUITE_CLIENT_SECRET: not exported; it is in {l}\n"
                ));
            }
            s
        }
        ExportFormat::Env => {
            let mut s = format!("export XERO_CLIENT_ID={}\n", sh_quote(&h.client_id));
            match (&h.client_secret, &h.client_secret_location) {
                (Some(v), _) => s.push_str(&format!("export XERO_CLIENT_SECRET={}\n", sh_quote(v))),
                (None, Some(l)) => s.push_str(&format!(
                    "# XERO_CLIENT_SECRET: not exported; it is in {l}\n"
                )),
                (None, None) => {}
            }
            s.push_str(&format!("export XERO_SCOPES={}\n", sh_quote(&h.scopes)));
            if let Some(r) = &h.redirect_uri {
                s.push_str(&format!("export XERO_REDIRECT_URI={}\n", sh_quote(r)));
            }
            match &h.tenant_id {
                Some(t) => s.push_str(&format!("export XERO_TENANT_ID={}\n", sh_quote(t))),
                None => s.push_str(
                    "# XERO_TENANT_ID: not exported; no tenant is chosen yet (oauth1to2 tenants use)\n",
                ),
            }
            s
        }
        ExportFormat::Oomnitza => {
            let mut s = String::from("# For Oomnitza: Configuration > Security > Credentials > Add new credential > Xero\n");
            s.push_str(&format!("Client ID: {}\n", term(&h.client_id)));
            match (&h.client_secret, &h.client_secret_location) {
                (Some(v), _) => s.push_str(&format!("Client Secret: {v}\n")),
                (None, Some(l)) => {
                    s.push_str(&format!("Client Secret: (not shown; it is in {l})\n"))
                }
                (None, None) => {}
            }
            s.push_str(&format!("Scopes: {}\n", term(&h.scopes)));
            s.push_str(&format!(
                "Redirect URI (register on the Xero app): {}\n",
                term(h.redirect_uri.as_deref().unwrap_or(OOMNITZA_REDIRECT_URI))
            ));
            s.push_str("# Configuration > General > Global Settings > Add new variable\n");
            s.push_str(&format!(
                "{OOMNITZA_TENANT_VARIABLE}: {}\n",
                term(
                    h.tenant_id
                        .as_deref()
                        .unwrap_or("(choose a tenant first: oauth1to2 tenants use)")
                )
            ));
            s
        }
    }
}

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
        inv.app_type.as_str(),
        md(&audit.oauth1_status)
    ));
    s.push_str(&format!(
        "- To: {} ({})\n",
        audit.recommendation.target.as_str(),
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

    #[test]
    fn handoffs_keep_the_secret_out_unless_revealed() {
        let mut h = Handoff {
            client_id: "ABC".into(),
            client_secret_location: Some("file /x/secret".into()),
            client_secret: None,
            scopes: "openid assets.read".into(),
            redirect_uri: None,
            tenant_id: Some("70784a63-d24b-46a9-a4db-0e70a274b056".into()),
            account: None,
            certificate_id: None,
            private_key_file: None,
        };
        let o = render_handoff(&h, ExportFormat::Oomnitza);
        assert!(o.contains("Xero.Tenant Id: 70784a63-d24b-46a9-a4db-0e70a274b056"));
        assert!(o.contains(OOMNITZA_REDIRECT_URI));
        h.client_secret = Some("s3cret value".into());
        let e = render_handoff(&h, ExportFormat::Env);
        assert!(e.contains("export XERO_CLIENT_SECRET='s3cret value'"));
        assert!(e.contains("export XERO_SCOPES='openid assets.read'"));
        // Debug output never shows it.
        let d = format!("{h:?}");
        assert!(!d.contains("s3cret"), "{d}");
        assert!(d.contains("[REDACTED]") && d.contains("ABC"), "{d}");
    }

    #[test]
    fn a_profiles_handoff_names_where_the_secret_is_and_its_redirect() {
        let mut p = Profile::new("ABC");
        p.client_secret = Some(SecretRef::Env("XERO_SECRET".into()));
        p.scopes = vec!["offline_access".into(), "accounting.invoices".into()];
        let h = Handoff::of_profile(&p, ExportFormat::Env, None);
        assert_eq!(h.client_secret, None);
        assert_eq!(
            h.client_secret_location.as_deref(),
            Some("environment variable XERO_SECRET")
        );
        assert_eq!(h.scopes, "offline_access accounting.invoices");
        assert_eq!(
            h.redirect_uri.as_deref(),
            Some("http://localhost:8742/callback")
        );
        let o = Handoff::of_profile(&p, ExportFormat::Oomnitza, None);
        assert_eq!(o.redirect_uri.as_deref(), Some(OOMNITZA_REDIRECT_URI));
        p.grant = Grant::ClientCredentials;
        assert_eq!(
            Handoff::of_profile(&p, ExportFormat::Env, None).redirect_uri,
            None
        );
    }
}
