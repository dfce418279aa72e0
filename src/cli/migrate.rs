//! `oauth1to2 migrate INVENTORY [--dry-run]`: the whole move, step by step, resumable. The
//! state lives in `NAME.migration.json` beside the inventory and is saved after every step,
//! so Ctrl-C or a crash costs at most the step in progress, and running the command again
//! continues where it stopped.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

use oauth1to2::audit::inventory::{self, LegacyIntegration, TargetKind};
use oauth1to2::audit::{self, AuditOptions, IntegrationAudit};
use oauth1to2::files::{write_atomic, Visibility};
use oauth1to2::migrate::{self, ExportFormat, Handoff, MigrationState, Step};
use oauth1to2::oauth2::profile::{check_name, Config, Paths, Profile, SecretRef};
use oauth1to2::text::term;
use oauth1to2::xero::api::{self, ApiCall};
use oauth1to2::xero::connections::{self, Connection};

use super::common::inventory_error;
use super::common::{format_time, CliError, EXIT_INPUT, EXIT_OK};
use super::session::{read_answer, ProfileArg, Session};
use super::ui::{print_connected, Terminal};
use oauth1to2::connect::{connect_profile, prompt_secret_to_file, BrowserOptions};

/// Move a legacy integration to working OAuth 2.0 credentials, step by step.
///
/// The steps: 1 audit, 2 plan (how to create the Xero app), 3 collect the client id and secret
/// (never echoed; stored by reference), 4 connect, 5 pick the tenant matching the inventory's
/// organisation, 6 verify with a real read call, 7 write the profile, tokens, a migration record
/// and the handoff export, 8 print the decommissioning checklist. Each step is saved in
/// NAME.migration.json beside the inventory; running the command again continues after the
/// last finished step.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 migrate fixtures/opmetrix/integration.toml --dry-run\n  \
oauth1to2 migrate clients/acme/integration.toml\n  \
XERO_SECRET=... oauth1to2 migrate acme.toml --client-id ABC --client-secret-env XERO_SECRET --no-browser\n\n\
Exit codes: 0 done (or the dry run printed the plan); 2 unusable inventory or input; 3 network; \
4 refused credentials; 6 not connected; 7 consent declined or timed out; 8 a security check failed.")]
pub struct Args {
    /// The inventory file (see docs/inventory.md).
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
    #[command(flatten)]
    endpoints: super::session::EndpointArgs,
    /// Also print a JSON summary on stdout at the end: the audit, the plan, the scopes and the
    /// steps done (fields in docs/json.md). Progress stays on stderr.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    partner: super::migrate_partner::PartnerArgs,
}

/// `migrate --json`: what a script needs to know about the move.
#[derive(serde::Serialize)]
struct Summary<'a> {
    inventory: String,
    profile: &'a str,
    dry_run: bool,
    complete: bool,
    state_file: String,
    audit: &'a IntegrationAudit,
    plan: &'a [String],
    scopes: &'a [String],
    steps: &'a [oauth1to2::migrate::StepRecord],
    checklist: Vec<String>,
}

/// "1 error, 3 warnings, 1 notice" (zero counts left out but for errors).
fn counts(audit: &IntegrationAudit) -> String {
    use oauth1to2::cert::Severity;
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

fn now_text() -> String {
    format_time(OffsetDateTime::now_utc().unix_timestamp())
}

/// A step's line on stderr. The text may hold names from the inventory or the server: escaped.
fn say(step: Step, text: &str) {
    eprintln!("[{}/8 {}] {}", step.number(), step.as_str(), term(text));
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

struct Run<'a> {
    a: &'a Args,
    inv: LegacyIntegration,
    audit: IntegrationAudit,
    state_path: PathBuf,
    state: MigrationState,
    paths: Paths,
}

impl Run<'_> {
    fn save(&mut self, step: Step, summary: String) -> Result<(), CliError> {
        self.state.finish(step, now_text(), summary);
        migrate::save_state(&self.state_path, &self.state).map_err(|e| {
            CliError::input(
                format!("cannot save the migration state: {e}"),
                "check that the inventory's folder is writable",
            )
        })?;
        test_pause(step);
        Ok(())
    }

    fn target(&self) -> TargetKind {
        self.audit.recommendation.target
    }

    fn redirect_uri(&self) -> String {
        let host = self
            .a
            .endpoints
            .redirect_host
            .as_deref()
            .unwrap_or("localhost");
        match self.a.endpoints.port {
            Some(0) => format!("http://{host}:<any port>/callback"),
            Some(p) => format!("http://{host}:{p}/callback"),
            None => format!("http://{host}:8742/callback"),
        }
    }
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let inv = inventory::load(&a.inventory).map_err(inventory_error)?;
    let audit = audit::audit(
        &inv,
        &AuditOptions {
            now: OffsetDateTime::now_utc(),
        },
    )
    .map_err(inventory_error)?;
    let profile = a
        .profile
        .clone()
        .unwrap_or_else(|| audit::profile_name(&inv));
    check_name(&profile)?;
    let state_path = migrate::state_path(&a.inventory);
    let mut state = if a.restart || a.dry_run {
        None
    } else {
        migrate::load_state(&state_path).map_err(|e| {
            CliError::input(
                e.to_string(),
                "fix or delete the state file, or pass --restart to begin again",
            )
        })?
    }
    .unwrap_or_default();
    if state.steps.is_empty() {
        state = MigrationState {
            version: 1,
            inventory: a.inventory.display().to_string(),
            profile: profile.clone(),
            ..Default::default()
        };
    } else if state.profile != profile {
        return Err(CliError::input(
            format!(
                "the migration in {} is for profile {:?}, not {profile:?}",
                state_path.display(),
                state.profile
            ),
            "drop -p, or pass --restart to begin again with the new profile",
        ));
    }
    let mut run = Run {
        a: &a,
        paths: Paths::resolve()?,
        inv,
        audit,
        state_path,
        state,
    };
    if let Some(next) = run.state.next() {
        if next != Step::Audit {
            eprintln!(
                "Resuming the migration of {} at step {} ({}); {} is the state file.",
                term(&run.inv.name),
                next.number(),
                next.as_str(),
                run.state_path.display()
            );
        }
    }

    // 1. Audit (always shown; recorded once).
    if let Some(tokens_file) = &a.partner.partner {
        return partner_mode(&run, tokens_file);
    }
    let a_ = &run.audit;
    say(
        Step::Audit,
        &format!(
            "{} ({} app): {}",
            term(&a_.name),
            a_.app_type.as_str(),
            counts(a_)
        ),
    );
    eprintln!("      OAuth 1.0a: {}", term(&a_.oauth1_status));
    // Every finding, most important first (the published-certificate warning is often the
    // whole story).
    let mut findings: Vec<_> = a_.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in findings {
        let sev = super::style::severity_err(f.severity);
        let _ = writeln!(
            std::io::stderr(),
            "      {sev} {}: {}",
            f.id,
            term(&f.message)
        );
    }
    eprintln!(
        "      target: {} ({})",
        a_.recommendation.target.as_str(),
        term(&a_.recommendation.reason)
    );
    // 2. Plan.
    let plan = migrate::plan_steps(&run.inv, &run.audit, &run.redirect_uri());
    let scopes = migrate::scopes_for(&run.inv, &run.audit);
    if !run.state.done(Step::Plan) || a.dry_run {
        say(Step::Plan, "create the new Xero app:");
        for (i, s) in plan.iter().enumerate() {
            eprintln!("      {}. {}", i + 1, term(s));
        }
    }
    if a.dry_run {
        eprintln!(
            "Dry run: nothing was written. Run without --dry-run to go on (state in {}).",
            run.state_path.display()
        );
        if a.json {
            print_summary(&run, &plan, &scopes, true)?;
        }
        return Ok(EXIT_OK);
    }
    if !run.state.done(Step::Audit) {
        let summary = format!(
            "{} error(s), {} warning(s); target {}",
            run.audit.count(oauth1to2::cert::Severity::Error),
            run.audit.count(oauth1to2::cert::Severity::Warning),
            run.target().as_str()
        );
        run.save(Step::Audit, summary)?;
    }
    if !run.state.done(Step::Plan) {
        run.state.scopes = scopes.clone();
        run.save(
            Step::Plan,
            format!(
                "{} instructions printed; scopes {}",
                plan.len(),
                scopes.join(" ")
            ),
        )?;
    }

    // 3. Credentials.
    if !run.state.done(Step::Credentials) {
        credentials(&mut run)?;
    }
    // 4. Connect.
    if !run.state.done(Step::Connect) {
        connect(&mut run, &scopes)?;
    }
    // 5. Tenant.
    if !run.state.done(Step::Tenant) {
        tenant(&mut run)?;
    }
    // 6. Verify.
    if !run.state.done(Step::Verify) {
        verify(&mut run)?;
    }
    // 7. Outputs.
    if !run.state.done(Step::Outputs) {
        outputs(&mut run)?;
    }
    // 8. Checklist (printed every time it is reached).
    say(Step::Checklist, "what is left to do:");
    for (i, s) in run.audit.decommissioning().iter().enumerate() {
        eprintln!("      {}. {}", i + 1, term(s));
    }
    if !run.state.done(Step::Checklist) {
        run.save(Step::Checklist, "decommissioning checklist printed".into())?;
    }
    eprintln!(
        "Migration of {} complete: profile {} (see `oauth1to2 profile show {}`).",
        term(&run.inv.name),
        run.state.profile,
        run.state.profile
    );
    if a.json {
        print_summary(&run, &plan, &scopes, false)?;
    }
    Ok(EXIT_OK)
}

fn print_summary(
    run: &Run,
    plan: &[String],
    scopes: &[String],
    dry_run: bool,
) -> Result<(), CliError> {
    super::common::print_json(&Summary {
        inventory: run.a.inventory.display().to_string(),
        profile: &run.state.profile,
        dry_run,
        complete: run.state.done(Step::Checklist),
        state_file: run.state_path.display().to_string(),
        audit: &run.audit,
        plan,
        scopes,
        steps: if dry_run { &[] } else { &run.state.steps },
        checklist: run.audit.decommissioning().to_vec(),
    })
}

/// `--partner`: the batch migration of a partner app's tokens (no browser, no state steps).
fn partner_mode(run: &Run, tokens_file: &Path) -> Result<u8, CliError> {
    let a = run.a;
    let client_id = match &a.client_id {
        Some(id) => id.trim().to_owned(),
        None => ask("Client id of the new Xero app (from its Configuration page)")?,
    };
    let secret = if let Some(v) = &a.client_secret_env {
        SecretRef::Env(v.clone())
    } else if let Some(f) = &a.client_secret_file {
        SecretRef::File(f.clone())
    } else {
        prompt_secret_to_file(&run.state.profile, &run.paths, &Terminal)?
    };
    super::migrate_partner::run(
        &a.inventory,
        &run.inv,
        &run.audit,
        &a.partner,
        tokens_file,
        super::migrate_partner::Credentials {
            client_id: &client_id,
            secret: &secret,
        },
        a.dry_run,
    )
}

fn ask(question: &str) -> Result<String, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::input(
            format!("{question}: no terminal to ask on"),
            "pass it as a flag (see `oauth1to2 migrate --help`)",
        ));
    }
    Ok(read_answer(&format!("{question}: "))?.unwrap_or_default())
}

fn credentials(run: &mut Run) -> Result<(), CliError> {
    let a = run.a;
    let client_id = match &a.client_id {
        Some(id) => id.trim().to_owned(),
        None => ask("Client id of the new Xero app (from its Configuration page)")?,
    };
    if client_id.is_empty() || client_id.chars().any(char::is_whitespace) {
        return Err(CliError::input(
            format!("{client_id:?} is not a client id"),
            "copy the Client id from the app's Configuration page",
        ));
    }
    let grant = migrate::grant_for(run.target());
    let secret = if !grant.needs_secret() {
        None
    } else if let Some(v) = &a.client_secret_env {
        Some(SecretRef::Env(v.clone()))
    } else if let Some(f) = &a.client_secret_file {
        Some(SecretRef::File(
            std::path::absolute(f).unwrap_or_else(|_| f.clone()),
        ))
    } else {
        Some(prompt_secret_to_file(
            &run.state.profile,
            &run.paths,
            &Terminal,
        )?)
    };
    if let Some(s) = &secret {
        // Fail now, not after the browser step, when the reference leads nowhere.
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
    say(Step::Credentials, &summary);
    run.save(Step::Credentials, summary)
}

fn connect(run: &mut Run, scopes: &[String]) -> Result<(), CliError> {
    let a = run.a;
    let name = run.state.profile.clone();
    let client_id = run
        .state
        .client_id
        .clone()
        .ok_or_else(|| CliError::input("the state has no client id", "pass --restart"))?;
    let mut p = Profile::new(client_id);
    p.grant = migrate::grant_for(run.target());
    p.scopes = scopes.to_vec();
    p.client_secret = run.state.client_secret.clone();
    a.endpoints.apply(&mut p);
    p.validate(&name)?;
    let config = Config::load(&run.paths.config_file)?;
    say(
        Step::Connect,
        &format!("connecting profile {name} ({})", p.grant.as_str()),
    );
    let out = connect_profile(
        &name,
        p,
        &BrowserOptions {
            no_browser: a.no_browser,
            timeout: a.timeout,
        },
        &run.paths,
        config,
        &Terminal,
    )?;
    print_connected(&out);
    run.save(Step::Connect, format!("profile {name} connected"))
}

fn tenant(run: &mut Run) -> Result<(), CliError> {
    let mut s = Session::load(&ProfileArg {
        profile: run.state.profile.clone(),
    })?;
    let http = s.http()?;
    let t = s.fresh_tokens(&http, 60, false)?;
    let conns = connections::list(
        &http,
        &oauth1to2::provider::api_base(&s.profile),
        &t.access_token,
    )?;
    let chosen: Connection = match &run.a.tenant {
        Some(id) => connections::find(&conns, id)
            .first()
            .map(|c| (*c).clone())
            .ok_or_else(|| {
                CliError::input(
                    format!("--tenant {id:?} is not among the connected organisations"),
                    "see `oauth1to2 tenants list -p PROFILE`",
                )
            })?,
        None => {
            let wanted = run.inv.organisation.clone().unwrap_or_default();
            let matches = if wanted.is_empty() {
                conns.iter().collect::<Vec<_>>()
            } else {
                connections::find(&conns, &wanted)
            };
            match matches.as_slice() {
                [one] => (*one).clone(),
                _ if conns.is_empty() => {
                    return Err(CliError {
                        message: "the consent connected no organisation".into(),
                        hint: Some("run the migration again with --restart and pick the organisation on Xero's consent page".into()),
                        code: EXIT_INPUT,
                    })
                }
                _ => choose(&conns, &wanted)?,
            }
        }
    };
    s.profile.tenant_id = Some(chosen.tenant_id.clone());
    s.save_profile()?;
    let name = chosen
        .tenant_name
        .clone()
        .unwrap_or_else(|| "unnamed".into());
    say(
        Step::Tenant,
        &format!("tenant {name} ({})", chosen.tenant_id),
    );
    run.state.tenant_id = Some(chosen.tenant_id.clone());
    run.state.tenant_name = Some(name.clone());
    run.save(
        Step::Tenant,
        format!("tenant {name} ({})", chosen.tenant_id),
    )
}

/// Asks which organisation, when the name matched none or several.
fn choose(conns: &[Connection], wanted: &str) -> Result<Connection, CliError> {
    let list = conns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "  {}. {} ({})",
                i + 1,
                term(c.tenant_name.as_deref().unwrap_or("unnamed")),
                term(&c.tenant_id)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    if !std::io::stdin().is_terminal() {
        return Err(CliError::input(
            format!(
                "the organisation {wanted:?} matches {} of the connected ones:\n{list}",
                if conns.iter().any(|c| c
                    .tenant_name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(wanted)))
                {
                    "several"
                } else {
                    "none"
                }
            ),
            "pass --tenant TENANT_ID with one of the ids above",
        ));
    }
    eprintln!(
        "Which organisation is {}?\n{list}",
        term(&format!("{wanted:?}"))
    );
    let answer = ask("Number")?;
    answer
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| conns.get(i))
        .cloned()
        .ok_or_else(|| {
            CliError::input(
                format!("{answer:?} is not one of the numbers"),
                "run migrate again",
            )
        })
}

fn verify(run: &mut Run) -> Result<(), CliError> {
    let s = Session::load(&ProfileArg {
        profile: run.state.profile.clone(),
    })?;
    let path = verification_path(&run.audit);
    let http = s.http()?;
    let t = s.fresh_tokens(&http, 60, false)?;
    let answer = api::call(
        &http,
        &oauth1to2::provider::api_base(&s.profile),
        &t.access_token,
        &ApiCall {
            method: "GET",
            path: &path,
            body: None,
            tenant_id: s.profile.tenant_id.as_deref(),
            max_wait: Duration::from_secs(60),
        },
    )?;
    let r = &answer.response;
    let status = r.status;
    if !(200..300).contains(&status) {
        return Err(CliError {
            message: format!(
                "the verification call GET {path} answered HTTP {status}{}",
                r.error_detail()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
            hint: Some(api::failure_hint(
                status,
                r.error_detail().as_deref(),
                s.profile.tenant_id.is_some(),
            )),
            code: if matches!(status, 401 | 403) {
                super::common::EXIT_AUTH
            } else {
                super::common::EXIT_HTTP
            },
        });
    }
    let summary = format!("GET {path} answered {status}");
    say(Step::Verify, &summary);
    run.state.verified_with = Some(format!("GET {path}"));
    run.save(Step::Verify, summary)
}

/// A read call the planned scopes allow: the organisation when a settings scope is planned,
/// else the first planned GET, else the connections list.
fn verification_path(audit: &IntegrationAudit) -> String {
    let Some(plan) = &audit.scopes else {
        return "/connections".into();
    };
    if plan
        .scopes
        .iter()
        .any(|s| s.scope.starts_with("accounting.settings"))
    {
        return "/api.xro/2.0/Organisation".into();
    }
    plan.scopes
        .iter()
        .flat_map(|s| &s.needed_by)
        .find_map(|c| c.strip_prefix("GET ").map(str::to_owned))
        .unwrap_or_else(|| "/connections".into())
}

fn outputs(run: &mut Run) -> Result<(), CliError> {
    let s = Session::load(&ProfileArg {
        profile: run.state.profile.clone(),
    })?;
    let third_party = run.target() == TargetKind::ThirdParty;
    let handoff = Handoff {
        client_id: s.profile.client_id.clone(),
        client_secret_location: s.profile.client_secret.as_ref().map(|r| r.describe()),
        client_secret: None,
        scopes: s.profile.scopes.join(" "),
        redirect_uri: Some(if third_party {
            run.inv
                .target
                .as_ref()
                .and_then(|t| t.redirect_uri.clone())
                .unwrap_or_else(|| s.profile.redirect_uri(s.profile.redirect_port))
        } else {
            s.profile.redirect_uri(s.profile.redirect_port)
        }),
        tenant_id: s.profile.tenant_id.clone(),
    };
    let oomnitza = run
        .inv
        .target
        .as_ref()
        .and_then(|t| t.platform.as_deref())
        .is_some_and(|p| p.eq_ignore_ascii_case("oomnitza"));
    let (format, ext) = if oomnitza {
        (ExportFormat::Oomnitza, "oomnitza.txt")
    } else {
        (ExportFormat::Env, "env")
    };
    let handoff_path = migrate::handoff_path(&run.a.inventory, ext);
    let record_path = migrate::record_path(&run.a.inventory);
    let write = |p: &Path, text: &str| {
        write_atomic(p, text.as_bytes(), Visibility::Private, true).map_err(|e| {
            CliError::input(
                e.to_string(),
                "check that the inventory's folder is writable",
            )
        })
    };
    write(&handoff_path, &migrate::render_handoff(&handoff, format))?;
    run.state.outputs = vec![
        format!(
            "profile {} and its tokens ({})",
            s.name,
            s.store().location()
        ),
        handoff_path.display().to_string(),
        record_path.display().to_string(),
    ];
    // The record describes the finished migration, outputs step included.
    let mut finished = run.state.clone();
    finished.finish(Step::Outputs, now_text(), "record and handoff written");
    write(
        &record_path,
        &migrate::render_record(&run.inv, &run.audit, &finished, &now_text()),
    )?;
    say(
        Step::Outputs,
        &format!(
            "wrote {} and {}",
            record_path.display(),
            handoff_path.display()
        ),
    );
    run.save(Step::Outputs, "record and handoff written".into())
}
