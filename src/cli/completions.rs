//! `oauth1to2 completions SHELL`: a completion script for the shell, on stdout.

use clap::CommandFactory;

use super::common::{write_stdout, CliError, EXIT_OK};

/// Print a completion script for your shell.
#[derive(Debug, clap::Args)]
#[command(after_help = "Install:\n  \
bash:       oauth1to2 completions bash > ~/.local/share/bash-completion/completions/oauth1to2\n  \
zsh:        oauth1to2 completions zsh > \"${fpath[1]}/_oauth1to2\"\n  \
fish:       oauth1to2 completions fish > ~/.config/fish/completions/oauth1to2.fish\n  \
PowerShell: oauth1to2 completions powershell | Out-String | Invoke-Expression")]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let mut cmd = super::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "oauth1to2", &mut script);
    write_stdout(&script)?;
    Ok(EXIT_OK)
}
