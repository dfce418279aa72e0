//! `oauth1to2 scopes ...`: the group, dispatching to one file per subcommand.

use clap::Subcommand;

use super::common::CliError;
use super::{scopes_check, scopes_link, scopes_plan, scopes_upgrade};

/// Plan the scopes an integration needs, and move a connected app to them.
#[derive(Debug, Subcommand)]
pub enum ScopesCommand {
    // Each subcommand's help is its Args' doc comment (first line: the summary).
    Plan(scopes_plan::Args),
    Check(scopes_check::Args),
    Upgrade(scopes_upgrade::Args),
    Link(scopes_link::Args),
}

pub fn run(cmd: ScopesCommand) -> Result<u8, CliError> {
    match cmd {
        ScopesCommand::Plan(a) => scopes_plan::run(a),
        ScopesCommand::Check(a) => scopes_check::run(a),
        ScopesCommand::Upgrade(a) => scopes_upgrade::run(a),
        ScopesCommand::Link(a) => scopes_link::run(a),
    }
}
