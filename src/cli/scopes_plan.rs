//! `oauth1to2 scopes plan`: the smallest OAuth 2.0 scopes for what a legacy integration calls.

use oauth1to2::text::term;
use time::{Date, OffsetDateTime};

use oauth1to2::audit::scopes::{self, PlanOptions};

use super::common::{parse_date, print_json, CliError, EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS};

/// Map every API call to the smallest set of scopes, each explained by the calls that need it.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 scopes plan --endpoints 'GET Invoices,GET Contacts,POST Payments'\n  \
oauth1to2 scopes plan --from-har session.har --app-created 2025-11-01\n  \
oauth1to2 scopes plan --from-log access.log --json\n\n\
A bare name (Invoices) may be read or written, so it gets the full scope; say GET Invoices when \
the integration only reads. Apps created on or after 2026-03-02 get granular scopes; older apps \
may keep broad ones until September 2027, and the plan lists the granular scopes to move to.\n\n\
Exit codes: 0 every call is mapped; 1 some calls could not be mapped (listed); 2 unusable input.")]
#[command(group(clap::ArgGroup::new("evidence").required(true).args(["endpoints", "from_har", "from_log"])))]
pub struct Args {
    #[command(flatten)]
    evidence: super::evidence::EvidenceArgs,
    /// When the OAuth 2.0 app was created (YYYY-MM-DD); default: a new app, today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    app_created: Option<Date>,
    /// Leave out offline_access (a Custom Connection has no refresh token).
    #[arg(long)]
    no_offline_access: bool,
    /// Print the plan as JSON (fields in docs/json.md).
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let catalogue = super::evidence::catalogue_for(None)?;
    let Some(evidence) = a.evidence.load(catalogue)? else {
        return Err(CliError::input(
            "nothing to plan from",
            "give --endpoints, --from-har or --from-log",
        ));
    };
    let plan = scopes::plan(
        catalogue,
        &evidence.calls,
        &PlanOptions {
            app_created: a.app_created,
            today: OffsetDateTime::now_utc().date(),
            offline_access: !a.no_offline_access,
        },
    )
    .map_err(|e| CliError {
        message: e.to_string(),
        hint: Some(e.hint()),
        code: EXIT_INPUT,
    })?;
    let code = if plan.unmapped.is_empty() {
        EXIT_OK
    } else {
        EXIT_PROBLEMS
    };
    if a.json {
        print_json(&serde_json::json!({
            "source": evidence.source,
            "calls": evidence.calls,
            "ignored": evidence.ignored,
            "plan": plan,
        }))?;
        return Ok(code);
    }
    println!("{}", plan.scope_string);
    eprintln!(
        "{} call{} from {} ({} other line{} ignored). {} scopes: {}.",
        evidence.calls.len(),
        if evidence.calls.len() == 1 { "" } else { "s" },
        term(&evidence.source),
        evidence.ignored,
        if evidence.ignored == 1 { "" } else { "s" },
        plan.scheme,
        plan.scheme_reason
    );
    for s in &plan.scopes {
        eprintln!("  {}", s.scope);
        eprintln!("      why:       {}", s.reason);
        if !s.needed_by.is_empty() {
            eprintln!("      needed by: {}", term(&s.needed_by.join(", ")));
        }
        if !s.granular_replacement.is_empty() {
            eprintln!(
                "      by September 2027, move to: {}",
                s.granular_replacement.join(" ")
            );
        }
        if s.confirm {
            eprintln!(
                "      confirm:   the mapping is inferred; check {}",
                s.sources.last().map(String::as_str).unwrap_or("")
            );
        }
    }
    if !plan.unmapped.is_empty() {
        eprintln!("Not mapped ({}):", plan.unmapped.len());
        for u in &plan.unmapped {
            eprintln!("  {}: {}", term(&u.call), term(&u.reason));
        }
    }
    Ok(code)
}
