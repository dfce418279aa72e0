//! `oauth1to2 scopes upgrade -p PROFILE`: re-consent the profile's app with new scopes, check
//! the new grant, and only then switch the profile to it.

use oauth1to2::connect::BrowserOptions;
use oauth1to2::oauth2::profile::Grant;
use oauth1to2::reconsent::{self, Upgraded};
use oauth1to2::text::term;

use super::common::{print_json, reconsent_error, CliError, EXIT_OK};
use super::evidence::TargetArgs;
use super::session::ProfileArg;
use super::ui::Terminal;

/// Re-consent a profile with new scopes, check the new grant, then switch to it.
///
/// The new scopes are --to, or what `scopes check` proposes (the evidence's needs, or each
/// deprecated broad scope replaced). The identity scopes the profile had (openid, profile,
/// email, offline_access) are kept. The consent runs as `connect` does (browser and loopback,
/// or a pasted URL with --no-browser). The new grant must hold every scope asked for, and a
/// read call per new scope family must succeed; only then are the new tokens stored, under the
/// token lock. Until then, and if anything fails or you press Ctrl-C, the old grant keeps
/// working. For a Custom Connection the scopes are set in Xero's portal: the steps are printed
/// first, then a token is requested and its scopes checked.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 scopes upgrade -p acme --from-har session.har\n  \
oauth1to2 scopes upgrade -p acme --to 'accounting.invoices accounting.contacts.read' --no-browser\n\n\
Exit codes: 0 switched; 2 unusable input; 3 network; 4 the provider refused a scope or the new \
grant failed a read call (the old grant stays); 6 the profile has no tokens; 7 consent declined \
or timed out; 8 a security check failed.")]
pub struct Args {
    #[command(flatten)]
    profile: ProfileArg,
    #[command(flatten)]
    target: TargetArgs,
    /// Do not open a browser: print the URL and accept the final redirect URL pasted on stdin.
    #[arg(long)]
    no_browser: bool,
    /// Seconds to wait for the browser step.
    #[arg(long, default_value_t = 300, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,
    /// What was done as JSON on stdout (progress stays on stderr).
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let s = super::session::open(&a.profile)?;
    let scopes = a.target.scopes(&s)?;
    eprintln!("Moving profile {} to: {}", s.name, term(&scopes.join(" ")));
    if s.profile.grant == Grant::ClientCredentials {
        let steps = reconsent::portal_steps(&s.profile, &scopes);
        if !steps.is_empty() {
            eprintln!("A Custom Connection's scopes are set in the portal. First:");
            for (i, step) in steps.iter().enumerate() {
                eprintln!("  {}. {}", i + 1, term(step));
            }
        }
    }
    let up = reconsent::upgrade(
        &s,
        &scopes,
        &BrowserOptions {
            no_browser: a.no_browser,
            timeout: a.timeout,
        },
        &Terminal::default(),
    )
    .map_err(reconsent_error)?;
    if a.json {
        print_json(&up)?;
    } else {
        render(&up);
    }
    Ok(EXIT_OK)
}

fn render(u: &Upgraded) {
    eprintln!(
        "Switched profile {} to the new grant: {}{}.",
        u.profile,
        term(&u.granted.join(" ")),
        if u.granted_known {
            ""
        } else {
            " (as asked: the provider did not say what it granted)"
        }
    );
    eprintln!("  before: {}", term(&u.from.join(" ")));
    if !u.unverified.is_empty() {
        eprintln!(
            "  not checked by a read call: {} (no tenant chosen, or nothing to read on its own)",
            term(&u.unverified.join(" "))
        );
    }
    eprintln!(
        "Every other organisation must authorise again too: `oauth1to2 scopes link -p {} --to '...' --redirect-uri URI`.",
        u.profile
    );
}
