//! The migrate step runner: audit, plan, credentials, connect, tenant, verify, outputs and
//! checklist, each saved in the state file as it finishes, so a kill costs at most the step
//! under way and the next run goes on after the last finished one. It talks to the person only
//! through [`Interaction`]: the credentials it is not given, the browser step, the choice of an
//! organisation and the progress of each step.

use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

use super::{ExportFormat, Handoff, MigrationState, Step, StepRecord};
use crate::api::ApiRequest;
use crate::audit::inventory::{self, InventoryError, LegacyIntegration};
use crate::audit::{self, AuditOptions, IntegrationAudit};
use crate::cert::Severity;
use crate::connect::{connect_profile, format_time, prompt_secret_to_file};
use crate::connect::{BrowserOptions, Connected};
use crate::files::{write_atomic, Visibility};
use crate::interact::{Interaction, Progress};
use crate::oauth2::profile::{
    check_name, Config, Overrides, Paths, Profile, ProviderId, SecretRef,
};
use crate::oauth2::Oauth2Error;
use crate::provider::legacy::{CertificateStep, Credential, MigrationPlan, Target};
use crate::session::Session;
use crate::tenants::{Tenant, TenantError, Tenants};

/// What a migration is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The inventory file.
    pub inventory: PathBuf,
    /// Stop after the plan; write nothing.
    pub dry_run: bool,
    /// Forget the state file's progress and begin again.
    pub restart: bool,
    /// The profile to create (default: from the integration's name).
    pub profile: Option<String>,
    /// The new app's client id (otherwise asked for).
    pub client_id: Option<String>,
    /// Where the new app's client secret is (otherwise asked for and kept in a 0600 file).
    pub client_secret: Option<SecretRef>,
    /// The tenant to use when the organisation's name matches none or several.
    pub tenant: Option<String>,
    /// How the browser step runs.
    pub browser: BrowserOptions,
    /// Endpoints and redirect of the new profile, when not the provider's.
    pub overrides: Overrides,
    /// A partner app's token batch instead of the steps.
    pub token_batch: Option<super::batch::BatchOptions>,
    /// NetSuite machine-to-machine: a key made already (`cert new --for netsuite-m2m`)
    /// instead of the one `migrate` makes.
    pub assertion_key: Option<PathBuf>,
    /// NetSuite machine-to-machine: the Certificate ID of the uploaded certificate (otherwise
    /// asked for).
    pub certificate_id: Option<String>,
    /// The certificate is uploaded to the app already (and, for Salesforce, the user
    /// pre-authorised): where the provider gives the certificate no id, `migrate` otherwise asks.
    pub certificate_uploaded: bool,
}

/// What a migration did (or, in a dry run, would do). Never a secret.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The inventory file.
    pub inventory: String,
    /// The profile.
    pub profile: String,
    /// Whether it was a dry run.
    pub dry_run: bool,
    /// Whether every step is done.
    pub complete: bool,
    /// The state file.
    pub state_file: String,
    /// The audit.
    pub audit: IntegrationAudit,
    /// How to create the new app.
    pub plan: Vec<String>,
    /// The scopes the new app asks for.
    pub scopes: Vec<String>,
    /// The steps done (none in a dry run).
    pub steps: Vec<StepRecord>,
    /// What is left to do by hand.
    pub checklist: Vec<String>,
}

/// Why a migration stopped. Each names the file or value at fault; [`RunError::hint`] says
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The inventory cannot be used.
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    /// The OAuth 2.0 side failed (the profile, the consent, the token endpoint, the API).
    #[error(transparent)]
    OAuth(#[from] Oauth2Error),
    /// The inventory describes an OAuth 2.0 app: its move is to granular scopes.
    #[error(
        "the inventory describes an OAuth 2.0 {0} app: there is nothing to migrate off OAuth 1.0a"
    )]
    NotLegacy(String),
    /// The state file cannot be read.
    #[error("{0}")]
    State(String),
    /// A file cannot be written.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The state file belongs to another profile's migration.
    #[error("the migration in {path} is for profile {was:?}, not {asked:?}")]
    OtherProfile {
        /// The state file.
        path: PathBuf,
        /// The profile in it.
        was: String,
        /// The profile asked for.
        asked: String,
    },
    /// Something needed was not given and there was no one to ask.
    #[error("{0}: not given, and no one to ask")]
    NotGiven(&'static str),
    /// The client id given cannot be one.
    #[error("{0:?} is not a client id")]
    BadClientId(String),
    /// The consent connected no organisation.
    #[error("the consent connected no organisation")]
    NoOrganisation,
    /// One of the machine-to-machine key and certificate is there without the other.
    #[error("{present} is there, but {missing} is not")]
    HalfPair {
        /// The file that is there.
        present: PathBuf,
        /// The one that is not.
        missing: PathBuf,
    },
    /// The key and certificate for a machine-to-machine connection could not be made.
    #[error(transparent)]
    Certificate(#[from] crate::cert::Error),
    /// The tenant asked for was not connected.
    #[error("the tenant {0:?} is not among the connected organisations")]
    UnknownTenant(String),
    /// The organisation's name matched none or several connected ones, and no one chose.
    #[error("the organisation {wanted:?} matches {} of the connected ones: {list}", if *several { "several" } else { "none" })]
    TenantNotChosen {
        /// The inventory's organisation.
        wanted: String,
        /// Whether several matched (else none).
        several: bool,
        /// The connected ones, one per line, with their ids.
        list: String,
    },
    /// The verification call failed.
    #[error("the verification call GET {path} answered HTTP {status}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Verify {
        /// The path called.
        path: String,
        /// The status.
        status: u16,
        /// The API's error detail, redacted.
        detail: Option<String>,
        /// What to do, from the status and detail.
        hint: String,
    },
    /// The tenants could not be listed or kept.
    #[error(transparent)]
    Tenants(#[from] TenantError),
    /// The partner batch cannot run.
    #[error(transparent)]
    Batch(#[from] super::batch::BatchRunError),
}

impl RunError {
    /// What to do about it. It names no command-line flag: the caller knows its own.
    pub fn hint(&self) -> String {
        match self {
            RunError::Inventory(e) => e.hint.clone(),
            RunError::OAuth(e) => e.hint(),
            RunError::NotLegacy(_) => "audit it for the move to granular scopes, and re-consent with `oauth1to2 scopes upgrade` and `oauth1to2 scopes link`".into(),
            RunError::State(_) => "fix or delete the state file, or start the migration again from the beginning".into(),
            RunError::Write { .. } => "check that the inventory's folder is writable".into(),
            RunError::OtherProfile { was, .. } => format!("use profile {was:?} to go on, or start the migration again from the beginning with the new profile"),
            RunError::NotGiven("certificate upload") => "upload the certificate to the app and pre-authorise the user there, then say so (up front, or when asked)".into(),
            RunError::NotGiven(what) => format!("give the {what} up front"),
            RunError::BadClientId(_) => "copy the Client id from the app's Configuration page".into(),
            RunError::NoOrganisation => "start the migration again from the beginning and pick the organisation on the provider's consent page".into(),
            RunError::UnknownTenant(_) | RunError::TenantNotChosen { .. } => "name one of the connected organisations' tenant ids (see the tenants list)".into(),
            RunError::Verify { hint, .. } => hint.clone(),
            RunError::Tenants(e) => e.hint(),
            RunError::Batch(e) => e.hint(),
            RunError::Certificate(e) => e.hint(),
            RunError::HalfPair { .. } => "a key and its certificate are made together: move the folder away to make a new pair (upload the new certificate then), or put the missing file back".into(),
        }
    }
}

/// What happened: the steps, or a partner batch.
#[derive(Debug, Clone)]
pub enum Migration {
    /// The steps ran (or the dry run planned them).
    Steps(Box<Outcome>),
    /// A token batch ran (or the dry run listed it).
    TokenBatch(super::batch::BatchOutcome),
}

/// A test-only fault hook (debug builds): after saving `step`, write FILE and wait to be killed.
#[cfg(debug_assertions)]
fn test_pause(step: Step) {
    if let Ok(v) = std::env::var("OAUTH1TO2_TEST_PAUSE_AFTER_STEP") {
        if let Some((name, file)) = v.split_once(':') {
            if name == step.as_str() {
                let _ = std::fs::write(file, step.as_str());
                std::thread::sleep(Duration::from_secs(120));
            }
        }
    }
}

#[cfg(not(debug_assertions))]
fn test_pause(_: Step) {}

fn now_text() -> String {
    format_time(crate::oauth2::now())
}

/// "1 error, 3 warnings, 1 notice" (zero counts left out but for errors).
fn counts(audit: &IntegrationAudit) -> String {
    let n = |s| audit.count(s);
    let word = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    let mut parts = vec![word(n(Severity::Error), "error", "errors")];
    if n(Severity::Warning) > 0 {
        parts.push(word(n(Severity::Warning), "warning", "warnings"));
    }
    if n(Severity::Notice) > 0 {
        parts.push(word(n(Severity::Notice), "notice", "notices"));
    }
    parts.join(", ")
}

struct Run<'a> {
    o: &'a Options,
    ui: &'a dyn Interaction,
    paths: &'a Paths,
    inv: LegacyIntegration,
    audit: IntegrationAudit,
    state_path: PathBuf,
    state: MigrationState,
}

impl Run<'_> {
    fn say(&self, step: Step, text: &str) {
        self.ui.progress(&Progress::Step {
            number: step.number(),
            total: Step::ALL.len(),
            name: step.as_str(),
            text,
        });
    }

    fn save(&mut self, step: Step, summary: String) -> Result<(), RunError> {
        self.state.finish(step, now_text(), summary);
        super::save_state(&self.state_path, &self.state).map_err(|e| RunError::Write {
            path: self.state_path.clone(),
            message: e.to_string(),
        })?;
        test_pause(step);
        Ok(())
    }

    /// The target, as the provider describes it (the audit's target is one of its own).
    fn target(&self) -> Result<&'static Target, RunError> {
        crate::provider::legacy_of(&self.inv)?
            .target(&self.audit.recommendation.target)
            .ok_or_else(|| {
                RunError::State(format!(
                    "the provider has no target {:?}",
                    self.audit.recommendation.target
                ))
            })
    }

    /// The saved profile, as a session.
    fn session(&self) -> Result<Session, RunError> {
        Ok(Session::open(&self.state.profile, self.paths)?)
    }

    fn outcome(self, plan: Vec<String>, scopes: Vec<String>) -> Outcome {
        let dry_run = self.o.dry_run;
        Outcome {
            inventory: self.o.inventory.display().to_string(),
            profile: self.state.profile.clone(),
            dry_run,
            complete: self.state.done(Step::Checklist),
            state_file: self.state_path.display().to_string(),
            checklist: self.audit.decommissioning().to_vec(),
            audit: self.audit,
            plan,
            scopes,
            steps: if dry_run {
                Vec::new()
            } else {
                self.state.steps
            },
        }
    }
}

/// Runs the migration the inventory describes: the steps not yet done, or the partner batch.
pub fn migrate(o: &Options, paths: &Paths, ui: &dyn Interaction) -> Result<Migration, RunError> {
    let inv = inventory::load(&o.inventory)?;
    let legacy = crate::provider::legacy_of(&inv)?;
    if legacy.app_type(&inv.app_type).is_some_and(|t| t.oauth2) {
        return Err(RunError::NotLegacy(inv.app_type.clone()));
    }
    let plan_of = legacy.migration.ok_or_else(|| {
        RunError::Inventory(InventoryError {
            file: o.inventory.clone(),
            line: None,
            message: format!("oauth1to2 does not migrate {} integrations", inv.provider),
            hint: "audit it, and follow the audit's checklist".into(),
        })
    })?;
    if let Some((field, message, hint)) = plan_of.requires {
        let missing = match field {
            "account" => inv.account.is_none(),
            "username" => inv.username.is_none(),
            _ => false,
        };
        if missing {
            return Err(RunError::Inventory(InventoryError {
                file: o.inventory.clone(),
                line: None,
                message: message.into(),
                hint: hint.into(),
            }));
        }
    }
    let audit = audit::audit(
        &inv,
        &AuditOptions {
            now: OffsetDateTime::now_utc(),
        },
    )?;
    let profile = o
        .profile
        .clone()
        .unwrap_or_else(|| audit::profile_name(&inv));
    check_name(&profile)?;
    let state_path = super::state_path(&o.inventory);
    let mut state = if o.restart || o.dry_run {
        None
    } else {
        super::load_state(&state_path).map_err(|e| RunError::State(e.to_string()))?
    }
    .unwrap_or_default();
    if state.steps.is_empty() {
        state = MigrationState {
            version: 1,
            inventory: o.inventory.display().to_string(),
            profile: profile.clone(),
            ..Default::default()
        };
    } else if state.profile != profile {
        return Err(RunError::OtherProfile {
            path: state_path,
            was: state.profile,
            asked: profile,
        });
    }
    let mut run = Run {
        o,
        ui,
        paths,
        inv,
        audit,
        state_path,
        state,
    };
    if let Some(p) = &o.token_batch {
        let client_id = client_id(&run, plan_of)?;
        let secret = match &o.client_secret {
            Some(s) => s.clone(),
            None => prompt_secret_to_file(&run.state.profile, paths, ui)?,
        };
        let batch = plan_of.token_batch.ok_or_else(|| {
            RunError::Batch(super::batch::BatchRunError::NotPartner {
                inventory: o.inventory.display().to_string(),
                app_type: run.inv.app_type.clone(),
            })
        })?;
        return Ok(Migration::TokenBatch(batch(
            &super::batch::Batch {
                inventory: &o.inventory,
                inv: &run.inv,
                audit: &run.audit,
                client_id: &client_id,
                secret: &secret,
                dry_run: o.dry_run,
            },
            p,
            ui,
        )?));
    }
    if let Some(next) = run.state.next() {
        if next != Step::Audit {
            ui.progress(&Progress::Heading(&format!(
                "Resuming the migration of {} at step {} ({}); {} is the state file.",
                run.inv.name,
                next.number(),
                next.as_str(),
                run.state_path.display()
            )));
        }
    }

    // 1. Audit (always shown; recorded once).
    show_audit(&run);
    // 2. Plan.
    let plan = (plan_of.portal_steps)(&run.inv, &run.audit, &o.overrides.redirect_uri_shown());
    let scopes = super::scopes_for(&run.inv, &run.audit);
    if !run.state.done(Step::Plan) || o.dry_run {
        run.say(Step::Plan, plan_of.plan_heading);
        for (i, s) in plan.iter().enumerate() {
            ui.progress(&Progress::Item {
                number: i + 1,
                text: s,
            });
        }
    }
    if o.dry_run {
        return Ok(Migration::Steps(Box::new(run.outcome(plan, scopes))));
    }
    if !run.state.done(Step::Audit) {
        let summary = format!(
            "{} error(s), {} warning(s); target {}",
            run.audit.count(Severity::Error),
            run.audit.count(Severity::Warning),
            run.target()?.id
        );
        run.save(Step::Audit, summary)?;
    }
    if !run.state.done(Step::Plan) {
        run.state.scopes = scopes.clone();
        let summary = format!(
            "{} instructions printed; scopes {}",
            plan.len(),
            scopes.join(" ")
        );
        run.save(Step::Plan, summary)?;
    }
    if !run.state.done(Step::Credentials) {
        credentials(&mut run, plan_of)?;
    }
    if !run.state.done(Step::Connect) {
        connect(&mut run, &scopes)?;
    }
    if !run.state.done(Step::Tenant) {
        tenant(&mut run)?;
    }
    if !run.state.done(Step::Verify) {
        verify(&mut run, plan_of)?;
    }
    if !run.state.done(Step::Outputs) {
        outputs(&mut run)?;
    }
    // 8. Checklist (shown every time it is reached).
    run.say(Step::Checklist, "what is left to do:");
    for (i, s) in run.audit.decommissioning().iter().enumerate() {
        ui.progress(&Progress::Item {
            number: i + 1,
            text: s,
        });
    }
    if !run.state.done(Step::Checklist) {
        run.save(Step::Checklist, "decommissioning checklist printed".into())?;
    }
    Ok(Migration::Steps(Box::new(run.outcome(plan, scopes))))
}

/// Step 1's report: the counts, the OAuth 1.0a status, every finding (most important first:
/// the published-certificate warning is often the whole story) and the target.
fn show_audit(run: &Run) {
    let a = &run.audit;
    run.say(
        Step::Audit,
        &format!("{} ({} app): {}", a.name, a.app_type.as_str(), counts(a)),
    );
    run.ui.progress(&Progress::Line(&format!(
        "{}: {}",
        a.protocol, a.oauth1_status
    )));
    let mut findings: Vec<_> = a.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in findings {
        run.ui.progress(&Progress::Finding {
            severity: f.severity,
            id: &f.id,
            message: &f.message,
        });
    }
    run.ui.progress(&Progress::Line(&format!(
        "target: {} ({})",
        a.recommendation.target.as_str(),
        a.recommendation.reason
    )));
}

/// The new app's client id: given, or asked for.
fn client_id(run: &Run, plan: &MigrationPlan) -> Result<String, RunError> {
    let question = plan.client_id_question;
    let given = run.o.client_id.as_ref().or(run
        .inv
        .target
        .as_ref()
        .and_then(|t| t.client_id.as_ref()));
    let id = match given {
        Some(id) => id.trim().to_owned(),
        None => run
            .ui
            .ask(question)
            .ok_or(RunError::NotGiven("client id"))?
            .trim()
            .to_owned(),
    };
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        return Err(RunError::BadClientId(id));
    }
    Ok(id)
}

/// Step 3: The client id and, for a confidential client, where its secret is (checked readable
/// now, not after the browser step).
fn credentials(run: &mut Run, plan: &MigrationPlan) -> Result<(), RunError> {
    let client_id = client_id(run, plan)?;
    let target = run.target()?;
    let grant = target.grant;
    if target.credential == Credential::CertificateAssertion {
        let step = plan.certificate.ok_or_else(|| {
            RunError::State(format!(
                "the provider's target {} needs a certificate it does not say how to make",
                target.id
            ))
        })?;
        return assertion_credentials(run, client_id, step);
    }
    let secret = if !grant.needs_secret() {
        None
    } else if let Some(s) = &run.o.client_secret {
        Some(match s {
            SecretRef::File(f) => SecretRef::File(std::path::absolute(f).unwrap_or(f.clone())),
            other => other.clone(),
        })
    } else {
        Some(prompt_secret_to_file(
            &run.state.profile,
            run.paths,
            run.ui,
        )?)
    };
    if let Some(s) = &secret {
        s.read(&run.state.profile)?;
    }
    let summary = format!(
        "client id {client_id}; secret {}",
        secret
            .as_ref()
            .map(|s| s.describe())
            .unwrap_or_else(|| "none (PKCE)".into())
    );
    run.state.client_id = Some(client_id);
    run.state.client_secret = secret;
    run.say(Step::Credentials, &summary);
    run.save(Step::Credentials, summary)
}

/// Step 3 for a target whose credential is a signed assertion: the client id, the key and
/// certificate (made beside the inventory unless one is given, and kept when a run is
/// resumed: its certificate may be uploaded already), and the id the provider gave it.
fn assertion_credentials(
    run: &mut Run,
    client_id: String,
    step: &CertificateStep,
) -> Result<(), RunError> {
    use crate::oauth2::assertion::{AssertionKey, AssertionRef};
    let (key_path, cert_path) = match &run.o.assertion_key {
        Some(k) => (std::path::absolute(k).unwrap_or_else(|_| k.clone()), None),
        None => {
            let dir = super::m2m_dir(&run.o.inventory);
            let dir = std::path::absolute(&dir).unwrap_or(dir);
            let key = dir.join(step.key_file);
            let cert = dir.join(step.certificate_file);
            let kept = key.exists();
            if kept != cert.exists() {
                let (present, missing) = if kept { (key, cert) } else { (cert, key) };
                return Err(RunError::HalfPair { present, missing });
            }
            if kept {
                run.say(
                    Step::Credentials,
                    &format!(
                        "keeping the key and certificate made before in {}",
                        dir.display()
                    ),
                );
            } else {
                run.say(
                    Step::Credentials,
                    &(step.make_step)(&run.inv, &dir.display().to_string()),
                );
                make_certificate(&run.inv, &dir, step)?;
            }
            (key, Some(cert))
        }
    };
    let provider =
        crate::provider::by_id(&run.inv.provider).unwrap_or(crate::provider::REGISTRY[0]);
    let key = AssertionKey::load_for(&key_path, provider.assertion.rsa)?;
    if let Some(c) = &cert_path {
        run.ui.progress(&Progress::Line(&format!(
            "{} The certificate is {}.",
            step.upload_step,
            c.display()
        )));
    }
    let kid = match (&run.o.certificate_id, step.key_id_question) {
        (_, None) => {
            // Nothing to ask for that proves the upload happened: ask that it did.
            if !run.o.certificate_uploaded
                && !run.ui.confirm(
                    "Is the certificate uploaded to the app (and the user pre-authorised), so that connecting can go on?",
                )
            {
                return Err(RunError::NotGiven("certificate upload"));
            }
            String::new()
        }
        (Some(k), Some(_)) => k.trim().to_owned(),
        (None, Some(question)) => run
            .ui
            .ask(question)
            .ok_or(RunError::NotGiven("certificate id"))?
            .trim()
            .to_owned(),
    };
    if step.key_id_question.is_some()
        && (kid.is_empty() || kid.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err(RunError::BadClientId(kid));
    }
    let named = if kid.is_empty() {
        String::new()
    } else {
        format!(", Certificate ID {kid}")
    };
    let summary = format!(
        "client id {client_id}; assertion key {} ({}){named}",
        key_path.display(),
        key.alg().as_str()
    );
    run.state.client_id = Some(client_id);
    run.state.client_secret = None;
    run.state.assertion = Some(AssertionRef {
        key: key_path,
        kid,
        alg: key.alg(),
        x5t_s256: None,
    });
    run.say(Step::Credentials, &summary);
    run.save(Step::Credentials, summary)
}

/// Makes the key (0600) and certificate the provider's step names in `dir` (0700), as
/// `cert new --for` the provider does.
fn make_certificate(
    inv: &LegacyIntegration,
    dir: &Path,
    step: &CertificateStep,
) -> Result<(), RunError> {
    use crate::cert::generate::{NewCertificate, Subject, SubjectPart};
    let write_err = |path: &Path, e: &dyn std::fmt::Display| RunError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    crate::files::create_private_dir(dir).map_err(|e| write_err(dir, &e))?;
    let mut subject = vec![SubjectPart::CommonName(inv.name.chars().take(64).collect())];
    if let Some(v) = inv.vendor.as_deref().filter(|v| !v.trim().is_empty()) {
        subject.insert(0, SubjectPart::Organization(v.chars().take(64).collect()));
    }
    let identity = crate::cert::generate(&NewCertificate {
        key_type: step.key_type,
        days: step.days,
        subject: Subject(subject),
        now: OffsetDateTime::now_utc(),
    })?;
    let key = dir.join(step.key_file);
    let cert = dir.join(step.certificate_file);
    let pem = identity.key.to_pkcs8_pem()?;
    // Created new, never over a file: a key left without its certificate (or the other way
    // round) is the person's to look at, not ours to replace.
    write_atomic(&key, pem.as_bytes(), Visibility::Private, false)
        .map_err(|e| write_err(&key, &e))?;
    write_atomic(
        &cert,
        identity.certificate_pem.as_bytes(),
        Visibility::Public,
        false,
    )
    .map_err(|e| write_err(&cert, &e))?;
    Ok(())
}

/// Step 4: The first tokens, through the browser (or without one for a Custom Connection).
fn connect(run: &mut Run, scopes: &[String]) -> Result<(), RunError> {
    let name = run.state.profile.clone();
    let client_id = run
        .state
        .client_id
        .clone()
        .ok_or_else(|| RunError::State("the state file has no client id".into()))?;
    let mut p = Profile::new(client_id);
    p.grant = run.target()?.grant;
    p.scopes = scopes.to_vec();
    p.client_secret = run.state.client_secret.clone();
    p.provider = ProviderId::new(run.inv.provider.as_str());
    p.account = run.inv.account.clone();
    p.login_url = run.inv.login_url.clone();
    if p.grant == crate::oauth2::profile::Grant::JwtBearer {
        p.username = run.inv.username.clone();
    }
    p.assertion = run.state.assertion.clone();
    crate::provider::apply_overrides(&run.o.overrides, &mut p);
    p.validate(&name)?;
    run.say(
        Step::Connect,
        &format!("connecting profile {name} ({})", p.grant.as_str()),
    );
    let out: Connected = connect_profile(&name, p, &run.o.browser, run.paths, run.ui)?;
    run.ui.progress(&Progress::Connected(&out));
    run.save(Step::Connect, format!("profile {name} connected"))
}

/// Step 5: The organisation: the one named by the caller, else the one whose name is the
/// inventory's, else the person's choice.
fn tenant(run: &mut Run) -> Result<(), RunError> {
    let session = run.session()?;
    if session.api.tenants.is_none() {
        let summary = format!(
            "account {}: a token there is for that one account (no tenant to choose)",
            session.profile.account.as_deref().unwrap_or("(none)")
        );
        run.say(Step::Tenant, &summary);
        return run.save(Step::Tenant, summary);
    }
    let tenants = Tenants::fetch(&session, run.ui)?;
    let conns = &tenants.list;
    let chosen: Tenant = match &run.o.tenant {
        Some(id) => tenants
            .find(id)
            .first()
            .map(|c| (*c).clone())
            .ok_or_else(|| RunError::UnknownTenant(id.clone()))?,
        None => {
            let wanted = run.inv.organisation.clone().unwrap_or_default();
            let matches = if wanted.is_empty() {
                conns.iter().collect::<Vec<_>>()
            } else {
                tenants.find(&wanted)
            };
            match matches.as_slice() {
                [one] => (*one).clone(),
                _ if conns.is_empty() => return Err(RunError::NoOrganisation),
                _ => choose(run.ui, conns, &wanted)?,
            }
        }
    };
    tenants.use_tenant(&chosen)?;
    let name = chosen
        .tenant_name
        .clone()
        .unwrap_or_else(|| "unnamed".into());
    let summary = format!("tenant {name} ({})", chosen.tenant_id);
    run.say(Step::Tenant, &summary);
    run.state.tenant_id = Some(chosen.tenant_id.clone());
    run.state.tenant_name = Some(name);
    run.save(Step::Tenant, summary)
}

/// Asks which organisation, when the name matched none or several.
fn choose(ui: &dyn Interaction, conns: &[Tenant], wanted: &str) -> Result<Tenant, RunError> {
    let options: Vec<String> = conns
        .iter()
        .map(|c| {
            format!(
                "{} ({})",
                c.tenant_name.as_deref().unwrap_or("unnamed"),
                c.tenant_id
            )
        })
        .collect();
    if let Some(i) = ui.choose(&format!("Which organisation is {wanted:?}?"), &options) {
        if let Some(c) = conns.get(i) {
            return Ok(c.clone());
        }
    }
    let several = conns.iter().any(|c| {
        c.tenant_name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
    });
    let list = options
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{}. {o}", i + 1))
        .collect::<Vec<_>>()
        .join("; ");
    Err(RunError::TenantNotChosen {
        wanted: wanted.to_owned(),
        several,
        list,
    })
}

/// Step 6: A real read call with the new tokens.
fn verify(run: &mut Run, plan: &MigrationPlan) -> Result<(), RunError> {
    let session = run.session()?;
    let paths = (plan.verification_paths)(&run.inv, &run.audit)?;
    if paths.is_empty() {
        let summary = "no REST record calls to verify with: the token was issued; check the RESTlet with the integration's first run".to_owned();
        run.say(Step::Verify, &summary);
        return run.save(Step::Verify, summary);
    }
    let mut done = Vec::new();
    for path in paths {
        let status = verify_call(&session, &path, run.ui)?;
        done.push(format!("GET {path} answered {status}"));
    }
    let summary = done.join("; ");
    run.say(Step::Verify, &summary);
    run.state.verified_with = Some(
        done.iter()
            .map(|d| d.split(" answered").next().unwrap_or(d).to_owned())
            .collect::<Vec<_>>()
            .join(", "),
    );
    run.save(Step::Verify, summary)
}

/// One GET with the new token; its status, or why it failed.
fn verify_call(session: &Session, path: &str, ui: &dyn Interaction) -> Result<u16, RunError> {
    let path = path.to_owned();
    let profile = &session.profile;
    let answer = session.api_call(
        &ApiRequest {
            method: "GET",
            path: &path,
            body: None,
            tenant_id: profile.tenant_id.as_deref(),
            max_wait: Duration::from_secs(60),
        },
        ui,
    )?;
    let r = &answer.response;
    let status = r.status;
    if !(200..300).contains(&status) {
        let detail = r.error_detail();
        return Err(RunError::Verify {
            hint: session.api.api_failure_hint(
                status,
                detail.as_deref(),
                profile.tenant_id.is_some(),
            ),
            path,
            status,
            detail,
        });
    }
    Ok(status)
}

fn write_private(path: &Path, text: &str) -> Result<(), RunError> {
    write_atomic(path, text.as_bytes(), Visibility::Private, true).map_err(|e| RunError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Step 7: The handoff export and the migration record, beside the inventory.
fn outputs(run: &mut Run) -> Result<(), RunError> {
    let name = run.state.profile.clone();
    let config = Config::load(&run.paths.config_file)?;
    let p = config.get(&name)?.clone();
    let own_redirect = p.redirect_uri(p.redirect_port);
    let redirect_uri = if run.target()?.platform {
        run.inv
            .target
            .as_ref()
            .and_then(|t| t.redirect_uri.clone())
            .unwrap_or(own_redirect)
    } else {
        own_redirect
    };
    let provider = crate::provider::api_of(&p)?;
    let platform = run
        .inv
        .target
        .as_ref()
        .and_then(|t| t.platform.as_deref())
        .and_then(|name| {
            provider
                .platforms
                .iter()
                .find(|k| k.name.eq_ignore_ascii_case(name) || k.id.eq_ignore_ascii_case(name))
        });
    let (format, ext) = match platform {
        Some(k) => (ExportFormat::Platform(k), format!("{}.txt", k.id)),
        None => (ExportFormat::Env, "env".to_owned()),
    };
    let mut handoff = Handoff::of_profile(&p, format, Some(redirect_uri));
    if let Some(m) = crate::provider::of_profile(&p)?.login_model() {
        handoff
            .login_url
            .get_or_insert_with(|| m.default_url.to_owned());
    }
    let handoff_path = super::handoff_path(&run.o.inventory, &ext);
    let record_path = super::record_path(&run.o.inventory);
    write_private(
        &handoff_path,
        &super::render_handoff(&handoff, format, provider.handoff_env),
    )?;
    let store =
        crate::oauth2::store::TokenStore::with_backend(&run.paths.tokens_dir, &name, p.token_store);
    run.state.outputs = vec![
        format!("profile {name} and its tokens ({})", store.location()),
        handoff_path.display().to_string(),
        record_path.display().to_string(),
    ];
    // The record describes the finished migration, outputs step included.
    let mut finished = run.state.clone();
    finished.finish(Step::Outputs, now_text(), "record and handoff written");
    write_private(
        &record_path,
        &super::render_record(&run.inv, &run.audit, &finished, &now_text()),
    )?;
    run.say(
        Step::Outputs,
        &format!(
            "wrote {} and {}",
            record_path.display(),
            handoff_path.display()
        ),
    );
    run.save(Step::Outputs, "record and handoff written".into())
}
