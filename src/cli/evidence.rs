//! Evidence of an integration's API calls, for the `scopes` commands: a list, a HAR file or an
//! access log (read up to the usual input cap).

use std::path::PathBuf;

use oauth1to2::audit::scopes::{self, Evidence, EvidenceError, ScopeCatalogue};

use super::common::{reconsent_error, split_words, CliError, EXIT_INPUT};
use super::session::Session;

/// Where the calls come from (at most one).
#[derive(Debug, Clone, Default, clap::Args)]
#[group(multiple = false)]
pub struct EvidenceArgs {
    /// Calls, comma-separated: `Invoices`, `GET Contacts`, `POST /api.xro/2.0/Payments`.
    #[arg(long, value_name = "LIST")]
    pub endpoints: Option<String>,
    /// A HAR file of the integration's traffic (browser dev tools, mitmproxy, Fiddler).
    #[arg(long, value_name = "FILE")]
    pub from_har: Option<PathBuf>,
    /// An HTTP access log of the integration's traffic (common or combined log format).
    #[arg(long, value_name = "FILE")]
    pub from_log: Option<PathBuf>,
}

fn read(path: &std::path::Path) -> Result<String, CliError> {
    oauth1to2::files::read_text_limited(path, oauth1to2::files::MAX_EVIDENCE).map_err(|e| {
        CliError::input(
            format!("cannot read {}: {e}", path.display()),
            "check the path; a HAR or log is read up to 64 MiB (trim a larger one to the integration's requests)",
        )
    })
}

fn evidence_error(source: &str, e: EvidenceError) -> CliError {
    CliError {
        message: format!("{source}: {e}"),
        hint: Some(e.hint()),
        code: EXIT_INPUT,
    }
}

/// The scope catalogue for a profile (its API's), or, with none, the registry's first.
pub fn catalogue_for(
    profile: Option<&oauth1to2::oauth2::profile::Profile>,
) -> Result<&'static ScopeCatalogue, CliError> {
    let found = match profile {
        Some(p) => {
            let api = oauth1to2::provider::api_of(p)?;
            api.scopes.ok_or_else(|| {
                CliError::input(
                    format!("oauth1to2 has no scope catalogue for {}", api.name),
                    "plan the scopes from the provider's documentation",
                )
            })?
        }
        None => oauth1to2::provider::default_catalogue().ok_or_else(|| {
            CliError::input(
                "oauth1to2 has no scope catalogue",
                "plan the scopes from the provider's documentation",
            )
        })?,
    };
    Ok(found)
}

impl EvidenceArgs {
    /// The calls, if any evidence was given, read against the catalogue's API.
    pub fn load(&self, cat: &'static ScopeCatalogue) -> Result<Option<Evidence>, CliError> {
        Ok(Some(if let Some(list) = &self.endpoints {
            scopes::from_list(cat, list).map_err(|e| evidence_error("--endpoints", e))?
        } else if let Some(p) = &self.from_har {
            let name = p.display().to_string();
            scopes::from_har(cat, &name, &read(p)?).map_err(|e| evidence_error(&name, e))?
        } else if let Some(p) = &self.from_log {
            let name = p.display().to_string();
            scopes::from_log(cat, &name, &read(p)?).map_err(|e| evidence_error(&name, e))?
        } else {
            return Ok(None);
        }))
    }
}

/// The scopes to move a profile to (`scopes upgrade` and `scopes link`): `--to`, or what the
/// evidence needs, with the identity scopes the profile has kept.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TargetArgs {
    /// The scopes to move to, space- or comma-separated (the identity scopes the profile has
    /// are kept).
    #[arg(long, value_name = "SCOPES")]
    pub to: Option<String>,
    #[command(flatten)]
    pub evidence: EvidenceArgs,
}

impl TargetArgs {
    /// The library's choice of scopes for profile `s` (`reconsent::plan_target`).
    pub fn scopes(&self, s: &Session) -> Result<Vec<String>, CliError> {
        let to = self.to.as_deref().map(split_words);
        let evidence = self.evidence.load(catalogue_for(Some(&s.profile))?)?;
        oauth1to2::reconsent::plan_target(
            s,
            to.as_deref(),
            evidence.as_ref().map(|e| e.calls.as_slice()),
            time::OffsetDateTime::now_utc().date(),
        )
        .map_err(reconsent_error)
    }
}
