//! `oauth1to2 man`: the man page (roff) on stdout, or with `--out-dir` one page for every
//! command and subcommand, so that each `oauth1to2-NAME(1)` the main page names exists.

use std::path::PathBuf;

use clap::CommandFactory;
use oauth1to2::files::{write_atomic, Visibility};

use super::common::{write_stdout, CliError, EXIT_INPUT, EXIT_OK};

/// Print the man page (roff) on stdout, or write every page to a folder.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 man | man -l -\n  \
oauth1to2 man --out-dir ~/.local/share/man/man1")]
pub struct Args {
    /// Write one page per command (oauth1to2.1, oauth1to2-cert.1, oauth1to2-cert-check.1, ...)
    /// into this folder, replacing pages already there, instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

fn render_error(e: std::io::Error) -> CliError {
    CliError {
        message: format!("cannot render the man page: {e}"),
        hint: None,
        code: EXIT_INPUT,
    }
}

/// Every page: the command's and each visible subcommand's, as `(file name, roff)`.
fn pages(cmd: clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> Result<(), CliError> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
        pages(sub, out)?;
    }
    let man = clap_mangen::Man::new(cmd);
    let mut page = Vec::new();
    man.render(&mut page).map_err(render_error)?;
    out.push((man.get_filename(), page));
    Ok(())
}

pub fn run(a: Args) -> Result<u8, CliError> {
    // Without the `help` subcommand, which has no page of its own.
    let mut cmd = super::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let Some(dir) = a.out_dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut page)
            .map_err(render_error)?;
        write_stdout(&page)?;
        return Ok(EXIT_OK);
    };
    let mut all = Vec::new();
    pages(cmd, &mut all)?;
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::input(
            format!("cannot create {}: {e}", dir.display()),
            "choose a folder you may write to (--out-dir)",
        )
    })?;
    for (name, page) in &all {
        let path = dir.join(name);
        write_atomic(&path, page, Visibility::Public, true).map_err(|e| {
            CliError::input(
                e.to_string(),
                "choose a folder you may write to (--out-dir)",
            )
        })?;
    }
    eprintln!("Wrote {} man pages to {}.", all.len(), dir.display());
    Ok(EXIT_OK)
}
