//! `oauth1to2 man`: the man page (roff), on stdout.

use clap::CommandFactory;

use super::common::{write_stdout, CliError, EXIT_INPUT, EXIT_OK};

/// Print the man page (roff) on stdout.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 man | man -l -\n  \
oauth1to2 man > ~/.local/share/man/man1/oauth1to2.1")]
pub struct Args {}

pub fn run(_: Args) -> Result<u8, CliError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(super::Cli::command())
        .render(&mut page)
        .map_err(|e| CliError {
            message: format!("cannot render the man page: {e}"),
            hint: None,
            code: EXIT_INPUT,
        })?;
    write_stdout(&page)?;
    Ok(EXIT_OK)
}
