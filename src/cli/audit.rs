//! `oauth1to2 audit INVENTORY|DIR...`: what each legacy integration is, what is wrong with it,
//! where it should go and what to do, as text, JSON, Markdown or one HTML page for the client.

use std::path::PathBuf;
use time::OffsetDateTime;

use oauth1to2::audit::{self, render, AuditOptions, IntegrationAudit};
use oauth1to2::cert::Severity;
use oauth1to2::files::{write_atomic, Visibility};
use oauth1to2::text::term;

use super::common::{format_time, inventory_error, CliError, EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Plain text for the terminal (default).
    Text,
    /// JSON (same as --json).
    Json,
    /// Markdown, for a ticket or wiki.
    Markdown,
    /// One self-contained HTML page (no external assets) to send to the client.
    Html,
}

/// Audit legacy OAuth 1.0a integrations described by inventory files.
///
/// For each integration: the app type and its OAuth 1.0a status, every certificate finding
/// (including published certificates), whether the private key matches, secrets written into
/// the inventory, the recommended OAuth 2.0 target and why, the planned scopes, and a numbered
/// checklist that ends with decommissioning the old app, certificate, key and consumer key.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 audit fixtures/opmetrix/integration.toml\n  \
oauth1to2 audit clients/ --format html -o audit.html\n  \
oauth1to2 audit clients/acme/ --format html --for-client -o acme-report.html\n  \
oauth1to2 audit clients/acme.toml --json | jq '.[].findings'\n\n\
A folder is searched for *.toml inventories. See docs/inventory.md for the file format.\n\n\
Exit codes: 0 no integration has error findings; 1 at least one has; 2 an inventory is unusable \
(the error names the file, the line and the fix).")]
pub struct Args {
    /// Inventory files, or folders holding them.
    #[arg(required = true, value_name = "INVENTORY|DIR")]
    inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// JSON output (same as --format json).
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// The report for the client (with --format markdown or html): each integration by its
    /// vendor's name, a published certificate first as an exposure, and no tool commands or
    /// local paths. The default report is the consultant's.
    #[arg(long)]
    for_client: bool,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace --output if it exists.
    #[arg(long)]
    force: bool,
    /// Check certificate validity as of this date (2027-09-30 or RFC 3339) instead of now.
    #[arg(long, value_name = "DATE", value_parser = super::common::parse_at)]
    at: Option<OffsetDateTime>,
}

fn inventories(inputs: &[PathBuf]) -> Result<oauth1to2::audit::walk::Found, CliError> {
    let found = oauth1to2::audit::walk::find_inventories(inputs)
        .map_err(|e| CliError::input(e.to_string(), e.hint()))?;
    for (path, why) in &found.skipped {
        eprintln!("note: skipped {}: {why}", term(&path.display().to_string()));
    }
    if found.files.is_empty() {
        return Err(CliError::input(
            "no inventory (*.toml) found in the folders given",
            "create one with `oauth1to2 init` or see docs/inventory.md",
        ));
    }
    Ok(found)
}

/// The text and JSON reports, written as the audits come.
fn streamed(
    a: &Args,
    format: Format,
    found: &oauth1to2::audit::walk::Found,
    options: &AuditOptions,
    bar: Option<indicatif::ProgressBar>,
) -> Result<u8, CliError> {
    let plain = |sev: Severity| format!("{sev:<8}");
    // Colour only when the report goes to a terminal, never into a file.
    let label: &dyn Fn(Severity) -> String = if a.output.is_none() {
        &super::style::severity
    } else {
        &plain
    };
    let seen = super::audit_stream::write(
        found,
        options,
        super::audit_stream::Sink {
            json: matches!(format, Format::Json),
            label,
        },
        &mut |done, last| {
            if let Some(b) = &bar {
                b.set_position(done as u64);
                b.set_message(last.display().to_string());
            }
        },
        a.output.as_deref(),
        a.force,
    )?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    for u in &seen.unusable {
        eprintln!("warning: not audited: {}", term(&u.message));
        eprintln!("hint: {}", term(&u.hint));
    }
    if let Some(path) = &a.output {
        eprintln!(
            "Wrote {} ({} integration{}).",
            path.display(),
            seen.audited,
            if seen.audited == 1 { "" } else { "s" }
        );
    }
    Ok(if !seen.unusable.is_empty() || seen.with_errors > 0 {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    })
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let format = if a.json { Format::Json } else { a.format };
    if a.for_client && !matches!(format, Format::Markdown | Format::Html) {
        return Err(CliError::input(
            "--for-client shapes the report handed to the client",
            "add --format markdown or --format html",
        ));
    }
    let found = inventories(&a.inputs)?;
    let now = a.at.unwrap_or_else(OffsetDateTime::now_utc);
    let options = AuditOptions { now };
    let bar = super::common::progress_bar(found.files.len());
    if matches!(format, Format::Json | Format::Text) {
        return streamed(&a, format, &found, &options, bar);
    }
    let (audits, unusable): (Vec<IntegrationAudit>, _) =
        audit::audit_found(&found, &options, &mut |done, last| {
            if let Some(b) = &bar {
                b.set_position(done as u64);
                b.set_message(last.display().to_string());
            }
        })
        .map_err(inventory_error)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    // A file in the folder that is not a usable inventory is said on stderr whatever the
    // format (JSON keeps its shape: an array of audits), and counts as a problem found.
    for u in &unusable {
        eprintln!("warning: not audited: {}", term(&u.message));
        eprintln!("hint: {}", term(&u.hint));
    }
    let code = if !unusable.is_empty() || audits.iter().any(|a| a.count(Severity::Error) > 0) {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    };
    let text = match format {
        // Written as they come, above.
        Format::Json | Format::Text => return Ok(code),
        Format::Markdown if a.for_client => audit::client::markdown(&audits),
        Format::Html if a.for_client => {
            audit::client::html(&audits, &format_time(now.unix_timestamp()))
        }
        Format::Markdown => render::markdown(&audits) + &render::unusable_markdown(&unusable),
        Format::Html => render::html(&audits, &format_time(now.unix_timestamp())).replace(
            "</body></html>\n",
            &(render::unusable_html(&unusable) + "</body></html>\n"),
        ),
    };
    match &a.output {
        Some(path) => {
            write_atomic(path, text.as_bytes(), Visibility::Public, a.force).map_err(|e| {
                CliError {
                    message: e.to_string(),
                    hint: Some("choose another -o, or pass --force to replace it".into()),
                    code: EXIT_INPUT,
                }
            })?;
            eprintln!(
                "Wrote {} ({} integration{}).",
                path.display(),
                audits.len(),
                if audits.len() == 1 { "" } else { "s" }
            );
        }
        None => print!("{text}"),
    }
    Ok(code)
}
