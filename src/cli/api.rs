//! `oauth1to2 api METHOD PATH`: call a profile's API like `gh api` calls GitHub's.

use clap::Args as ClapArgs;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use oauth1to2::api::ApiRequest;

use super::common::{CliError, EXIT_AUTH, EXIT_HTTP, EXIT_OK};
use super::session::ProfileArg;

/// Call the profile's API (Xero's, NetSuite's REST API, a Salesforce org's instance) with its
/// bearer token (and tenant, where the API has tenants), and print the JSON body.
#[derive(Debug, ClapArgs)]
#[command(after_help = "Examples:\n  \
oauth1to2 api GET /api.xro/2.0/Organisation\n  \
oauth1to2 api GET '/api.xro/2.0/Contacts?where=Name==\"Acme\"'\n  \
oauth1to2 api POST /api.xro/2.0/Contacts -d '{\"Name\":\"Acme\"}'\n  \
oauth1to2 api GET /connections --no-tenant\n  \
oauth1to2 api -p acme-sf GET /services/data/v65.0/limits\n\n\
Exit codes: 0 a 2xx answer; 3 network; 4 HTTP 401/403; 5 any other HTTP error; 6 no usable token.")]
pub struct Args {
    #[command(flatten)]
    profile: ProfileArg,
    /// GET, POST, PUT, PATCH or DELETE.
    method: String,
    /// A path under the API base, e.g. /api.xro/2.0/Organisation (Xero) or
    /// /services/data/v65.0/limits (Salesforce).
    path: String,
    /// A JSON body.
    #[arg(short = 'd', long, value_name = "JSON", conflicts_with = "data_file")]
    data: Option<String>,
    /// Read the JSON body from a file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    data_file: Option<PathBuf>,
    /// Send this tenant id instead of the profile's.
    #[arg(long, value_name = "ID")]
    tenant: Option<String>,
    /// Send no xero-tenant-id header (for /connections).
    #[arg(long, conflicts_with = "tenant")]
    no_tenant: bool,
    /// The longest total wait for rate limits (429 with Retry-After), in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=3600))]
    max_wait: u64,
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let method = a.method.to_ascii_uppercase();
    if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "DELETE" | "PATCH") {
        return Err(CliError::input(
            format!("{:?} is not an HTTP method this command sends", a.method),
            "use GET, POST, PUT, PATCH or DELETE",
        ));
    }
    let body = match (&a.data, &a.data_file) {
        (Some(d), _) => Some(d.clone().into_bytes()),
        (None, Some(f)) => Some(super::common::read_input(&f.to_string_lossy())?),
        _ => None,
    };
    if let Some(b) = &body {
        if let Err(e) = serde_json::from_slice::<serde_json::Value>(b) {
            return Err(CliError::input(
                format!("the request body is not JSON: {e}"),
                "give a JSON object with -d '{...}' or --data-file FILE",
            ));
        }
    }
    let s = super::session::open(&a.profile)?;
    let tenant = if a.no_tenant {
        None
    } else {
        a.tenant.clone().or_else(|| s.profile.tenant_id.clone())
    };
    let answer = oauth1to2::connect::api_call(
        &s.name,
        &s.profile,
        &s.paths,
        &ApiRequest {
            method: &method,
            path: &a.path,
            body,
            tenant_id: tenant.as_deref(),
            max_wait: Duration::from_secs(a.max_wait),
        },
        &super::ui::Terminal::default(),
    )?;
    if answer.waited_secs > 0 {
        eprintln!(
            "note: waited {} s for the API's rate limit (Retry-After)",
            answer.waited_secs
        );
    }
    // The library has redacted the bearer token from the body (and so from the error detail).
    let r = &answer.response;
    let mut out = std::io::stdout().lock();
    match serde_json::from_slice::<serde_json::Value>(&r.body) {
        Ok(v) => {
            let _ = serde_json::to_writer_pretty(&mut out, &v);
            let _ = writeln!(out);
        }
        Err(_) if !r.body.is_empty() => {
            // As it came when piped (like curl); on a terminal, control characters escaped.
            let body = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                oauth1to2::text::term_lines(&String::from_utf8_lossy(&r.body)).into_bytes()
            } else {
                r.body.clone()
            };
            let _ = out.write_all(&body);
            if !body.ends_with(b"\n") {
                let _ = writeln!(out);
            }
        }
        Err(_) => {}
    }
    let _ = out.flush();
    if (200..300).contains(&r.status) {
        return Ok(EXIT_OK);
    }
    Err(CliError {
        message: format!(
            "{} {} answered HTTP {}{}",
            method,
            r.url,
            r.status,
            r.error_detail()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ),
        hint: Some(oauth1to2::provider::api_of(&s.profile)?.api_failure_hint(
            r.status,
            r.error_detail().as_deref(),
            tenant.is_some(),
        )),
        code: if matches!(r.status, 401 | 403) {
            EXIT_AUTH
        } else {
            EXIT_HTTP
        },
    })
}
