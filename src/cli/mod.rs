//! The command line: parses arguments, calls the library, renders human text or JSON, and maps
//! errors to the exit codes in `docs/exit-codes.md`. Nothing here does certificate work.

mod api;
mod audit;
mod audit_stream;
mod bridge;
mod cert;
mod cert_check;
mod cert_convert;
mod cert_inspect;
mod cert_new;
mod cert_render;
mod cert_repair;
mod common;
mod completions;
mod connect;
mod evidence;
mod exchange;
mod exchange_render;
mod export;
mod init;
mod inputs;
mod man;
mod migrate;
mod migrate_folder;
mod oauth1;
mod oauth1_renew;
mod oauth1_request;
mod oauth1_sign;
mod oauth1_verify;
mod profile;
mod scopes;
mod scopes_check;
mod scopes_link;
mod scopes_plan;
mod scopes_upgrade;
mod session;
mod signing;
mod style;
mod tenants;
mod token;
mod ui;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

use common::EXIT_BROKEN_PIPE;

/// Inspect, repair and lint the keys and certificates of legacy Xero OAuth 1.0a apps, and move
/// them to OAuth 2.0.
#[derive(Debug, Parser)]
#[command(
    name = "oauth1to2",
    version,
    about,
    long_about = "Inspect, repair and lint the keys and certificates of legacy Xero OAuth 1.0a \
apps (private and partner apps that signed requests with RSA-SHA1), and move them to OAuth 2.0.\n\n\
Start with `oauth1to2 cert check FILE` on the certificate you inherited.",
    after_help = "Exit codes: 0 ok, 1 the check found problems, 2 unusable input or usage error \
(see docs/exit-codes.md).",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size difference between subcommands does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Create, inspect, check and convert keypairs and X.509 certificates.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// Sign and verify OAuth 1.0a requests as Xero private and partner apps made them.
    #[command(subcommand)]
    Oauth1(oauth1::OAuth1Command),
    /// Connect a profile to Xero (or any OpenID provider) with OAuth 2.0 and store its tokens.
    Connect(connect::Args),
    /// Get, show, check, refresh or revoke a profile's OAuth 2.0 tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// List the connected Xero organisations, choose one, or disconnect one.
    #[command(subcommand)]
    Tenants(tenants::TenantsCommand),
    /// Call the Xero API with the profile's token and tenant (like `gh api`).
    Api(api::Args),
    /// List, show or remove OAuth 2.0 profiles.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Create an inventory file describing a legacy integration (from flags, or by asking).
    Init(init::Args),
    /// Audit legacy integrations: findings, target, scopes and a checklist (text, JSON, Markdown, HTML).
    Audit(audit::Args),
    /// Move a legacy integration to working OAuth 2.0 credentials, step by step (resumable).
    Migrate(migrate::Args),
    /// Exchange every user's OAuth 1.0a token for an OAuth 2.0 pair, in bulk and resumably (Garmin, X, Tumblr).
    Exchange(exchange::Args),
    /// Print the handoff a platform or deployment needs: client id, scopes, redirect URI, tenant.
    Export(export::Args),
    /// Plan scopes from the calls, and move a connected app to granular scopes (check, upgrade, link).
    #[command(subcommand)]
    Scopes(scopes::ScopesCommand),
    /// Keep a legacy OAuth 1.0a client working, unchanged, against an OAuth 2.0 API (a reverse proxy).
    Bridge(bridge::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::Args),
    /// Print the man page.
    Man(man::Args),
}

/// A panic from writing to a closed stdout (`| head`) ends the program quietly with
/// `EXIT_BROKEN_PIPE`; any other panic is reported as usual.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("Broken pipe") || msg.contains("os error 32") {
            std::process::exit(i32::from(EXIT_BROKEN_PIPE));
        }
        default(info);
    }));
}

/// Runs the program and returns its exit code.
pub fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    if matches!(
        cli.command,
        Command::Cert(_) | Command::Audit(_) | Command::Migrate(_)
    ) {
        common::add_published_entries();
    }
    let result = match cli.command {
        Command::Cert(c) => cert::run(c),
        Command::Oauth1(c) => oauth1::run(c),
        Command::Connect(a) => connect::run(a),
        Command::Token(c) => token::run(c),
        Command::Tenants(c) => tenants::run(c),
        Command::Api(a) => api::run(a),
        Command::Profile(c) => profile::run(c),
        Command::Init(a) => init::run(a),
        Command::Audit(a) => audit::run(a),
        Command::Scopes(c) => scopes::run(c),
        Command::Migrate(a) => migrate::run(a),
        Command::Export(a) => export::run(a),
        Command::Exchange(a) => exchange::run(a),
        Command::Bridge(a) => bridge::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`| head`): nothing to tell it.
        Err(e) if e.message.contains("os error 32") => ExitCode::from(EXIT_BROKEN_PIPE),
        Err(e) => {
            e.print();
            ExitCode::from(e.code)
        }
    }
}

/// Help and version go out as clap prints them. A usage error becomes the documented pair,
/// `error: ...` then `hint: ...` (clap's `tip:` lines, or where to find the options), exit 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return missing_subcommand(&e.render().to_string());
    }
    if let (ErrorKind::UnknownArgument, Some(clap::error::ContextValue::String(arg))) =
        (e.kind(), e.get(clap::error::ContextKind::InvalidArg))
    {
        // `--format json` where the command has --json: clap would suggest --for.
        if arg == "--format" || arg.starts_with("--format=") {
            let usage = e.render().to_string();
            let path = usage
                .lines()
                .find_map(|l| l.trim().strip_prefix("Usage:"))
                .unwrap_or("")
                .to_owned();
            if command_at(&path)
                .get_arguments()
                .any(|a| a.get_id() == "json")
            {
                common::CliError {
                    message: "unexpected argument '--format' found".into(),
                    hint: Some("this command prints JSON with --json (it has no --format)".into()),
                    code: common::EXIT_INPUT,
                }
                .print();
                return ExitCode::from(common::EXIT_INPUT);
            }
        }
    }
    if let (ErrorKind::InvalidSubcommand, Some(clap::error::ContextValue::String(word))) =
        (e.kind(), e.get(clap::error::ContextKind::InvalidSubcommand))
    {
        // `oauth1to2 check` is `oauth1to2 cert check`: name the group it lives in.
        let top = <Cli as clap::CommandFactory>::command();
        let homes: Vec<String> = top
            .get_subcommands()
            .filter(|g| {
                g.find_subcommand(word)
                    .is_some_and(|c| c.get_name() == word)
            })
            .map(|g| format!("`oauth1to2 {} {word}`", g.get_name()))
            .collect();
        if !homes.is_empty() {
            common::CliError {
                message: format!("unrecognized subcommand '{}'", oauth1to2::text::term(word)),
                hint: Some(format!("did you mean {}?", homes.join(" or "))),
                code: common::EXIT_INPUT,
            }
            .print();
            return ExitCode::from(common::EXIT_INPUT);
        }
    }
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::from(if e.use_stderr() {
            common::EXIT_INPUT
        } else {
            0
        });
    }
    let rendered = e.render().to_string();
    let mut lines = rendered.lines().map(str::trim);
    // The message runs to the first blank line (clap lists missing arguments below it).
    let message = lines
        .by_ref()
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches("error:")
        .trim()
        .to_owned();
    let mut tips: Vec<&str> = Vec::new();
    let mut usage = None;
    for l in lines {
        if let Some(t) = l.strip_prefix("tip:") {
            tips.push(t.trim());
        } else if let Some(u) = l.strip_prefix("Usage:") {
            usage = Some(u.trim().to_owned());
        }
    }
    let hint = if tips.is_empty() {
        match usage {
            Some(u) => format!("usage: {u}; see --help for every option"),
            None => "run the command with --help to see what it accepts".to_owned(),
        }
    } else {
        tips.join("; ")
    };
    common::CliError {
        message,
        hint: Some(hint),
        code: common::EXIT_INPUT,
    }
    .print();
    ExitCode::from(common::EXIT_INPUT)
}

/// `oauth1to2 cert` (or bare `oauth1to2`): the documented `error:`/`hint:` pair naming the
/// subcommands, instead of the whole help (exit 2).
fn missing_subcommand(help: &str) -> ExitCode {
    let command = help
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage:"))
        .map(|u| u.trim().trim_end_matches("<COMMAND>").trim().to_owned())
        .unwrap_or_else(|| "oauth1to2".into());
    let cmd = command_at(&command);
    let names: Vec<&str> = cmd
        .get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
        .map(|c| c.get_name())
        .collect();
    common::CliError {
        message: format!("`{command}` needs a subcommand"),
        hint: Some(format!(
            "one of: {}; `{command} --help` says what each does",
            names.join(", ")
        )),
        code: common::EXIT_INPUT,
    }
    .print();
    ExitCode::from(common::EXIT_INPUT)
}

/// The (sub)command a usage line names: `oauth1to2 cert check [OPTIONS]` is `cert check`.
fn command_at(usage: &str) -> clap::Command {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    for word in usage.split_whitespace().skip(1) {
        match cmd.find_subcommand(word) {
            Some(sub) => cmd = sub.clone(),
            None => break,
        }
    }
    cmd
}
