//! `audit`'s text and JSON reports written as the audits come, so that memory stays that of
//! one group of inventories however large the estate (the Markdown and HTML reports open with
//! a summary of them all, and are built whole).

use std::io::Write;
use std::path::Path;

use oauth1to2::audit::{self, render, walk::Found, AuditOptions, IntegrationAudit};
use oauth1to2::cert::Severity;
use oauth1to2::files::{write_atomic_with, Visibility};

use super::common::{inventory_error, output_error, CliError, EXIT_INPUT};

/// How a report is written.
pub struct Sink<'a> {
    /// JSON (an array, exactly as `serde_json`'s pretty printer writes it), else text.
    pub json: bool,
    /// The severity label of the text report (coloured on a terminal).
    pub label: &'a dyn Fn(Severity) -> String,
}

/// Writes the report to `path` (atomically: a failed run leaves no partial file) or stdout.
pub fn write(
    found: &Found,
    options: &AuditOptions,
    sink: Sink<'_>,
    progress: &mut dyn FnMut(usize, &Path),
    path: Option<&Path>,
    force: bool,
) -> Result<audit::Seen, CliError> {
    let mut failed: Option<CliError> = None;
    let mut seen = None;
    let mut fill = |w: &mut dyn Write| -> std::io::Result<()> {
        match report(found, options, &sink, progress, w) {
            Ok(s) => {
                seen = Some(s);
                Ok(())
            }
            Err(Stop::Io(e)) => Err(e),
            Err(Stop::Inventory(e)) => {
                failed = Some(inventory_error(e));
                Err(std::io::Error::other("the audit stopped"))
            }
        }
    };
    let result = match path {
        Some(p) => write_atomic_with(p, Visibility::Public, force, |f| {
            let mut w = std::io::BufWriter::new(f);
            fill(&mut w)?;
            w.flush()
        })
        .map_err(|e| CliError {
            message: e.to_string(),
            hint: Some("choose another -o, or pass --force to replace it".into()),
            code: EXIT_INPUT,
        }),
        // Spooled to a private temporary file and copied out once whole: an audit that stops
        // part-way (an inventory named on its own that cannot be used) prints nothing, rather
        // than half a JSON array.
        None => spooled(&mut fill).map_err(output_error),
    };
    if let Some(e) = failed {
        return Err(e);
    }
    result?;
    seen.ok_or_else(|| CliError::input("the audit wrote nothing", "run it again"))
}

fn spooled(fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let path = std::env::temp_dir().join(format!(
        "oauth1to2-audit-{}-{:016x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    let result = (|| {
        let mut w = std::io::BufWriter::new(&mut file);
        fill(&mut w)?;
        w.flush()?;
        drop(w);
        std::io::Seek::rewind(&mut file)?;
        let mut out = std::io::stdout().lock();
        std::io::copy(&mut file, &mut out)?;
        out.flush()
    })();
    let _ = std::fs::remove_file(&path);
    result
}

enum Stop {
    Io(std::io::Error),
    Inventory(oauth1to2::audit::inventory::InventoryError),
}

fn report(
    found: &Found,
    options: &AuditOptions,
    sink: &Sink<'_>,
    progress: &mut dyn FnMut(usize, &Path),
    w: &mut dyn Write,
) -> Result<audit::Seen, Stop> {
    let mut io_error: Option<std::io::Error> = None;
    let mut first = true;
    if sink.json {
        w.write_all(b"[").map_err(Stop::Io)?;
    }
    let mut each = |a: IntegrationAudit| {
        let piece = if sink.json {
            json_element(&a, first)
        } else {
            render::text_one(&a, sink.label)
        };
        first = false;
        w.write_all(piece.as_bytes()).map_err(|e| {
            io_error = Some(e);
            oauth1to2::audit::inventory::InventoryError {
                file: a.file.clone().into(),
                line: None,
                message: "the report could not be written".into(),
                hint: String::new(),
            }
        })
    };
    let seen = audit::audit_found_each(found, options, progress, &mut each);
    if let Some(e) = io_error {
        return Err(Stop::Io(e));
    }
    let seen = seen.map_err(Stop::Inventory)?;
    let tail = if sink.json {
        if seen.audited == 0 {
            "]\n".to_owned()
        } else {
            "\n]\n".to_owned()
        }
    } else {
        render::summary(seen.audited, seen.with_errors) + &render::unusable_text(&seen.unusable)
    };
    w.write_all(tail.as_bytes()).map_err(Stop::Io)?;
    Ok(seen)
}

/// One element of the JSON array, as `serde_json::to_writer_pretty` writes it inside one.
fn json_element(a: &IntegrationAudit, first: bool) -> String {
    let text = serde_json::to_string_pretty(a).unwrap_or_else(|_| "null".into());
    let mut s = String::with_capacity(text.len() + text.len() / 16 + 4);
    s.push_str(if first { "\n" } else { ",\n" });
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str("  ");
        s.push_str(line);
    }
    s
}
