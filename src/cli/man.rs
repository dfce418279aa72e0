//! `oauth1to2 man`: the man page (roff), on stdout.

use clap::CommandFactory;

use super::common::{CliError, EXIT_INPUT, EXIT_OK};

/// Print the man page (roff) on stdout.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 man | man -l -\n  \
oauth1to2 man > ~/.local/share/man/man1/oauth1to2.1")]
pub struct Args {}

pub fn run(_: Args) -> Result<u8, CliError> {
    let cmd = super::Cli::command();
    clap_mangen::Man::new(cmd)
        .render(&mut std::io::stdout())
        .map_err(|e| CliError {
            message: format!("cannot write the man page: {e}"),
            hint: None,
            code: EXIT_INPUT,
        })?;
    Ok(EXIT_OK)
}
