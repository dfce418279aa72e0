//! `oauth1to2 scopes check -p PROFILE`: the profile's granted scopes against Xero's deprecated
//! broad ones and, given evidence of the calls, against what they need.

use time::{Date, OffsetDateTime};

use oauth1to2::oauth2::store::ScopesFrom;
use oauth1to2::reconsent::{self, ProfileCheck};
use oauth1to2::text::term;

use super::common::{parse_date, print_json, reconsent_error, CliError, EXIT_OK, EXIT_PROBLEMS};
use super::evidence::EvidenceArgs;
use super::session::ProfileArg;

/// Compare a profile's granted scopes with the deprecated broad ones and with what the calls need.
///
/// The granted scopes are the ones the provider reported when the profile connected (a refresh
/// never changes them). With evidence of the integration's calls, the check also says what to
/// add, what is granted but unused, and which calls the grant cannot make.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 scopes check -p acme\n  \
oauth1to2 scopes check -p acme --from-har session.har\n  \
oauth1to2 scopes check -p acme --endpoints 'GET Invoices,POST Invoices,GET Contacts' --json\n  \
oauth1to2 scopes check --granted 'offline_access accounting.transactions' --from-har session.har\n\n\
Exit codes: 0 nothing needs doing; 1 a deprecated scope is granted, a needed scope is missing, \
or a call cannot be made (the report says which); 2 unusable input; 6 the profile has no tokens.")]
pub struct Args {
    #[command(flatten)]
    profile: ProfileArg,
    #[command(flatten)]
    evidence: EvidenceArgs,
    /// Check these scopes (space- or comma-separated: a vendor's published list, an app's page)
    /// instead of a profile's grant: offline, no profile or tokens read.
    #[arg(long, value_name = "SCOPES")]
    granted: Option<String>,
    /// When the app was created (YYYY-MM-DD): an app created on or after 2026-03-02 is granted
    /// granular scopes only.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    app_created: Option<Date>,
    /// The report as JSON (fields in docs/json.md).
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let session = match a.granted {
        Some(_) => None,
        None => Some(super::session::open(&a.profile)?),
    };
    let catalogue = super::evidence::catalogue_for(session.as_ref().map(|s| &s.profile))?;
    let evidence = a.evidence.load(catalogue)?;
    let calls = evidence.as_ref().map(|e| e.calls.as_slice());
    let today = OffsetDateTime::now_utc().date();
    let r = match &a.granted {
        Some(list) => {
            let granted: Vec<String> = list
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            reconsent::check_granted(catalogue, &granted, calls, a.app_created, today)
        }
        None => {
            let s = session
                .as_ref()
                .ok_or_else(|| CliError::input("no profile to check", "name one with --profile"))?;
            reconsent::check_grant(s, calls, a.app_created, today)
        }
    }
    .map_err(reconsent_error)?;
    let code = if r.check.needs_doing() {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    };
    if a.json {
        print_json(&r)?;
    } else {
        render(
            &r,
            evidence
                .as_ref()
                .map(|e| (e.source.as_str(), e.calls.len())),
        );
    }
    Ok(code)
}

fn words(v: &[String]) -> String {
    term(&v.join(" ")).into_owned()
}

fn render(r: &ProfileCheck, source: Option<(&str, usize)>) {
    let c = &r.check;
    let from = match r.granted_from {
        ScopesFrom::AsRequested => "the provider did not say what it granted: these are the scopes asked for (RFC 6749 section 5.1)",
        ScopesFrom::Given => "as given with --granted",
        _ => "as the provider reported them",
    };
    if r.granted_from == ScopesFrom::Given {
        println!("scopes given: {}", words(&c.granted));
    } else {
        println!("profile {}: granted {}", r.profile, words(&c.granted));
    }
    println!(
        "  ({from}{})",
        r.consented_at
            .as_deref()
            .map(|t| format!("; consented {t}"))
            .unwrap_or_default()
    );
    if let Some((src, n)) = source {
        println!("  checked against {n} call(s) from {}", term(src));
    }
    for d in &c.deprecated {
        let when = if c.past_deadline {
            format!("Xero retired it in {}: calls that need it fail", c.deadline)
        } else {
            format!("Xero retires it by {}", c.deadline)
        };
        println!("deprecated: {}: a broad scope; {when}", d.scope);
        println!("      replaced by: {}", words(&d.replacements));
        if c.evidence {
            println!(
                "      the calls need: {}",
                if d.needed_replacements.is_empty() {
                    "none of them".into()
                } else {
                    words(&d.needed_replacements)
                }
            );
        }
    }
    if !c.add.is_empty() {
        println!("add:     {}  (the calls need them)", words(&c.add));
    }
    if !c.unused.is_empty() {
        println!(
            "unused:  {}  (granted; no call needs them: drop them)",
            words(&c.unused)
        );
    }
    for m in &c.missing {
        println!(
            "cannot:  {}  (needs {})",
            term(&m.call),
            words(&m.allowed_by).replace(' ', " or ")
        );
    }
    for u in &c.unmapped {
        println!("unmapped: {}: {}", term(&u.call), term(&u.reason));
    }
    if !c.needs_doing() {
        println!(
            "Nothing to do: no deprecated scope is granted{}.",
            if c.evidence {
                ", and the grant covers every call"
            } else {
                ""
            }
        );
        return;
    }
    let to = c
        .target
        .iter()
        .filter(|s| !oauth1to2::audit::scope_check::IDENTITY.contains(&s.as_str()))
        .cloned()
        .collect::<Vec<_>>();
    println!("move to: {}", words(&c.target));
    if r.granted_from == ScopesFrom::Given {
        return;
    }
    println!("Next (a refresh never changes scopes; each organisation must authorise again):");
    println!(
        "  oauth1to2 scopes upgrade -p {} --to {}   re-consents this profile",
        r.profile,
        term(&oauth1to2::text::shell(&to.join(" ")))
    );
    println!(
        "  oauth1to2 scopes link -p {} --to {} --redirect-uri URI   the link for each organisation's admin",
        r.profile,
        term(&oauth1to2::text::shell(&to.join(" ")))
    );
    if c.granular_only_app && !c.deprecated.is_empty() {
        println!("note: this app was created on or after 2 March 2026; Xero no longer grants it broad scopes, so a new consent must ask for granular ones.");
    }
}
