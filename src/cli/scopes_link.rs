//! `oauth1to2 scopes link -p PROFILE --redirect-uri URI`: the authorize link with the new scopes
//! that each organisation's admin opens; the app's own front-end completes it.

use oauth1to2::reconsent;
use oauth1to2::text::term;

use super::common::{print_json, reconsent_error, CliError, EXIT_OK};
use super::evidence::TargetArgs;
use super::session::ProfileArg;

/// Print the authorize link with new scopes for an organisation's admin to open.
///
/// The link names the app's own registered redirect URI, so the app's web front-end completes
/// the consent and keeps the tokens; nothing passes through oauth1to2. The scopes are --to, or
/// what `scopes check` proposes (from the evidence, if given).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 scopes link -p acme --to 'accounting.invoices accounting.contacts.read' \\\n    \
--redirect-uri https://app.example.com/xero/callback\n  \
oauth1to2 scopes link -p acme --from-har session.har --redirect-uri https://app.example.com/cb \\\n    --json\n\n\
Exit codes: 0 the link was printed; 2 unusable input; 6 no tokens to take the scopes from (give --to).")]
pub struct Args {
    #[command(flatten)]
    profile: ProfileArg,
    #[command(flatten)]
    target: TargetArgs,
    /// The redirect URI registered on the app, where its front-end finishes the consent.
    #[arg(long, value_name = "URI")]
    redirect_uri: String,
    /// The link, its state and scopes as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let s = super::session::open(&a.profile)?;
    let scopes = a.target.scopes(&s)?;
    let link =
        reconsent::link(&s.profile, &s.paths, &a.redirect_uri, &scopes).map_err(reconsent_error)?;
    if a.json {
        print_json(&link)?;
        return Ok(EXIT_OK);
    }
    println!("{}", link.url);
    eprintln!(
        "Send this link to each organisation's admin. It asks for: {}",
        term(&link.scopes.join(" "))
    );
    eprintln!(
        "The consent ends at {} (the app's own redirect URI), where the app exchanges the code; state={}.",
        term(&link.redirect_uri),
        link.state
    );
    Ok(EXIT_OK)
}
