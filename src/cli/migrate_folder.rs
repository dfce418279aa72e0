//! `oauth1to2 migrate FOLDER`: every inventory under a folder, each resumable on its own; the
//! library's `migrate::migrate_folder` runs them. This file renders what it did.

use oauth1to2::migrate::FolderOutcome;
use oauth1to2::text::term;

use super::common::{print_json, CliError, EXIT_OK, EXIT_PROBLEMS};

/// Prints the summary (text on stderr, or JSON on stdout) and gives the exit code: 0 when
/// every inventory is done (or, in a dry run, planned), 1 when some stopped.
pub fn done(out: &FolderOutcome, json: bool) -> Result<u8, CliError> {
    if json {
        print_json(out)?;
    }
    eprintln!(
        "\n{} of {} inventories under {} migrated.",
        out.complete(),
        out.items.len(),
        term(&out.folder)
    );
    for i in &out.items {
        if i.complete || (out.dry_run && i.error.is_none()) {
            eprintln!(
                "  {}  {} (profile {})",
                if i.complete { "done   " } else { "planned" },
                term(&i.inventory),
                i.profile.as_deref().unwrap_or("-")
            );
        } else {
            eprintln!(
                "  stopped  {}{}: {}",
                term(&i.inventory),
                i.next_step
                    .as_deref()
                    .map(|s| format!(" before {s}"))
                    .unwrap_or_default(),
                term(i.error.as_deref().unwrap_or("")),
            );
            if let Some(h) = &i.hint {
                eprintln!("           hint: {}", term(h));
            }
        }
    }
    if out.all_done() {
        Ok(EXIT_OK)
    } else {
        eprintln!("Run the same command again to go on: each inventory resumes where it stopped.");
        Ok(EXIT_PROBLEMS)
    }
}
