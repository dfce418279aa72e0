//! `oauth1to2 tenants list|use|disconnect`: Xero's connections (which organisations the token
//! may act for), and the tenant id kept in the profile.

use clap::{Args as ClapArgs, Subcommand};
use oauth1to2::text::term;

use oauth1to2::xero::connections::{self, Connection};

use super::common::{print_json, CliError, EXIT_INPUT, EXIT_OK};
use super::session::{confirm, ProfileArg, Session};

#[derive(Debug, Subcommand)]
pub enum TenantsCommand {
    /// List the organisations this profile's token is connected to (GET /connections).
    List(ListArgs),
    /// Store a tenant (by tenant id or organisation name) in the profile; `api` then sends it.
    Use(UseArgs),
    /// Remove a connection (DELETE /connections/{id}) after confirmation.
    Disconnect(DisconnectArgs),
}

#[derive(Debug, ClapArgs)]
pub struct ListArgs {
    #[command(flatten)]
    profile: ProfileArg,
    /// JSON on stdout (Xero's fields, camelCase).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, ClapArgs)]
pub struct UseArgs {
    #[command(flatten)]
    profile: ProfileArg,
    /// A tenant id, a connection id or an organisation name from `tenants list`.
    tenant: String,
}

#[derive(Debug, ClapArgs)]
pub struct DisconnectArgs {
    #[command(flatten)]
    profile: ProfileArg,
    /// The tenant id, connection id or organisation name to disconnect.
    tenant: String,
    /// Do not ask for confirmation (needed when there is no terminal).
    #[arg(long)]
    yes: bool,
}

pub fn run(cmd: TenantsCommand) -> Result<u8, CliError> {
    match cmd {
        TenantsCommand::List(a) => list(a),
        TenantsCommand::Use(a) => use_tenant(a),
        TenantsCommand::Disconnect(a) => disconnect(a),
    }
}

fn fetch(s: &Session) -> Result<Vec<Connection>, CliError> {
    let http = s.http()?;
    let t = s.fresh_tokens(&http, 60, false)?;
    Ok(connections::list(
        &http,
        &oauth1to2::provider::api_base(&s.profile),
        &t.access_token,
    )?)
}

fn list(a: ListArgs) -> Result<u8, CliError> {
    let s = Session::load(&a.profile)?;
    let conns = fetch(&s)?;
    if a.json {
        print_json(&conns)?;
        return Ok(EXIT_OK);
    }
    if conns.is_empty() {
        eprintln!("No organisations are connected to this app for this user. Connect again and pick one on the consent page.");
        return Ok(EXIT_OK);
    }
    println!(
        "{:<3} {:<32} {:<13} {:<36} {:<36}",
        "", "NAME", "TYPE", "TENANT ID", "CONNECTION ID"
    );
    for c in &conns {
        let chosen = s.profile.tenant_id.as_deref() == Some(c.tenant_id.as_str());
        println!(
            "{:<3} {:<32} {:<13} {:<36} {:<36}",
            if chosen { "*" } else { "" },
            term(c.tenant_name.as_deref().unwrap_or("-")),
            term(c.tenant_type.as_deref().unwrap_or("-")),
            term(&c.tenant_id),
            term(&c.id)
        );
    }
    Ok(EXIT_OK)
}

fn pick<'a>(conns: &'a [Connection], key: &str) -> Result<&'a Connection, CliError> {
    match connections::find(conns, key).as_slice() {
        [one] => Ok(one),
        [] => Err(CliError::input(
            format!("no connected organisation matches {key:?}"),
            "see `oauth1to2 tenants list` for the names and ids",
        )),
        many => Err(CliError::input(
            format!("{} organisations are named {key:?}", many.len()),
            "use the tenant id instead (see `oauth1to2 tenants list`)",
        )),
    }
}

fn use_tenant(a: UseArgs) -> Result<u8, CliError> {
    let mut s = Session::load(&a.profile)?;
    let conns = fetch(&s)?;
    let c = pick(&conns, &a.tenant)?.clone();
    s.profile.tenant_id = Some(c.tenant_id.clone());
    s.save_profile()?;
    eprintln!(
        "Profile {} now uses tenant {} ({}).",
        s.name,
        term(&c.tenant_id),
        term(c.tenant_name.as_deref().unwrap_or("unnamed"))
    );
    Ok(EXIT_OK)
}

fn disconnect(a: DisconnectArgs) -> Result<u8, CliError> {
    let mut s = Session::load(&a.profile)?;
    let http = s.http()?;
    let t = s.fresh_tokens(&http, 60, false)?;
    let conns = connections::list(
        &http,
        &oauth1to2::provider::api_base(&s.profile),
        &t.access_token,
    )?;
    let c = pick(&conns, &a.tenant)?.clone();
    let label = format!(
        "{} (tenant {}, connection {})",
        c.tenant_name.as_deref().unwrap_or("unnamed"),
        c.tenant_id,
        c.id
    );
    if !a.yes && !confirm(&format!("Disconnect {label} from this app? The app loses access until someone connects it again."))? {
        return Err(CliError {
            message: format!("not disconnected: {label}"),
            hint: Some("answer y at the prompt, or pass --yes (needed without a terminal)".into()),
            code: EXIT_INPUT,
        });
    }
    let existed = connections::delete(
        &http,
        &oauth1to2::provider::api_base(&s.profile),
        &t.access_token,
        &c.id,
    )?;
    if s.profile.tenant_id.as_deref() == Some(c.tenant_id.as_str()) {
        s.profile.tenant_id = None;
        s.save_profile()?;
    }
    if existed {
        eprintln!("Disconnected {}.", term(&label));
    } else {
        eprintln!(
            "Xero no longer knew connection {}; nothing to do.",
            term(&c.id)
        );
    }
    Ok(EXIT_OK)
}
