//! `oauth1to2 export`: the handoff a deployment or a third-party platform needs, from a profile.

use std::path::PathBuf;

use oauth1to2::files::{write_atomic, Visibility};
use oauth1to2::migrate::{self, ExportFormat, Handoff};

use super::common::{print_json, CliError, EXIT_INPUT, EXIT_OK};
use super::session::ProfileArg;

/// `env`, `json`, and the platforms the registry's providers know.
fn format_parser() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    let mut values = vec![
        PossibleValue::new("env")
            .help("`export NAME=...` lines named by the provider, for `eval` or an .env file"),
        PossibleValue::new("json").help("One JSON object"),
    ];
    for p in oauth1to2::provider::platforms() {
        values
            .push(PossibleValue::new(p.id).help(format!("The fields as {} asks for them", p.name)));
    }
    clap::builder::PossibleValuesParser::new(values)
}

/// Print what a third-party platform or a deployment needs to use a profile's app: client id,
/// scopes (space-separated), redirect URI and tenant id.
///
/// The client secret is never printed unless --reveal is given; --secret-out writes it to a new
/// 0600 file instead, and the export says where it is.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 export -p acme --format env > acme.env\n  \
oauth1to2 export -p acme --format oomnitza --secret-out acme-secret.txt\n  \
oauth1to2 export -p acme --format json --reveal | platform-cli import")]
pub struct Args {
    #[command(flatten)]
    profile: ProfileArg,
    /// Output format.
    #[arg(long, value_parser = format_parser(), default_value = "env")]
    format: String,
    /// The redirect URI registered on the app for the platform (default: the profile's; for
    /// --format oomnitza, Oomnitza's proxy).
    #[arg(long, value_name = "URI")]
    redirect_uri: Option<String>,
    /// Write the client secret to this new file (mode 0600) instead of printing it.
    #[arg(long, value_name = "FILE", conflicts_with = "reveal")]
    secret_out: Option<PathBuf>,
    /// Replace --secret-out if it exists.
    #[arg(long)]
    force: bool,
    /// Include the client secret in the output.
    #[arg(long)]
    reveal: bool,
    /// JSON output (same as --format json; fields in docs/json.md).
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let s = super::session::open(&a.profile)?;
    let secret = if a.reveal || a.secret_out.is_some() {
        super::session::secret(&s)?
    } else {
        None
    };
    if (a.reveal || a.secret_out.is_some()) && secret.is_none() {
        return Err(CliError::input(
            format!("profile {} has no client secret (a PKCE app)", s.name),
            "drop --reveal / --secret-out",
        ));
    }
    let mut location = s.profile.client_secret.as_ref().map(|r| r.describe());
    if let (Some(path), Some(pw)) = (&a.secret_out, &secret) {
        let mut bytes = zeroize::Zeroizing::new(pw.expose().as_bytes().to_vec());
        bytes.push(b'\n');
        write_atomic(path, &bytes, Visibility::Private, a.force).map_err(|e| CliError {
            message: e.to_string(),
            hint: Some("choose another --secret-out, or pass --force to replace it".into()),
            code: EXIT_INPUT,
        })?;
        location = Some(format!("file {} (0600)", path.display()));
        eprintln!("Wrote the client secret to {} (mode 0600).", path.display());
    }
    let format = match if a.json { "json" } else { a.format.as_str() } {
        "json" => ExportFormat::Json,
        "env" => ExportFormat::Env,
        other => oauth1to2::provider::platforms()
            .into_iter()
            .find(|p| p.id == other)
            .map(ExportFormat::Platform)
            .unwrap_or(ExportFormat::Env),
    };
    let mut handoff = Handoff::of_profile(&s.profile, format, a.redirect_uri.clone());
    if let Some(m) = s.provider.login_model() {
        handoff
            .login_url
            .get_or_insert_with(|| m.default_url.to_owned());
    }
    if a.reveal {
        handoff.client_secret_location = None;
        handoff.client_secret = secret.as_ref().map(|p| p.expose().to_owned());
    } else {
        handoff.client_secret_location = location;
    }
    if s.profile.tenant_id.is_none() && s.profile.grant.uses_browser() && s.api.tenants.is_some() {
        eprintln!(
            "note: no tenant is chosen yet; run `oauth1to2 tenants use -p {} NAME` first",
            s.name
        );
    }
    if let ExportFormat::Json = format {
        print_json(&handoff)?;
    } else {
        let provider = oauth1to2::provider::api_of(&s.profile)?;
        print!(
            "{}",
            migrate::render_handoff(&handoff, format, provider.handoff_env)
        );
    }
    Ok(EXIT_OK)
}
