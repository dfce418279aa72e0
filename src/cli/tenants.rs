//! `oauth1to2 tenants list|use|disconnect`: the organisations the token may act for (Xero's
//! connections), and the tenant id kept in the profile. The library's `tenants` does the work.

use clap::{Args as ClapArgs, Subcommand};
use oauth1to2::text::term;

use oauth1to2::tenants::{TenantError, Tenants};

use super::common::{print_json, CliError, EXIT_INPUT, EXIT_OK};
use super::session::ProfileArg;
use super::ui::Terminal;

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

/// The library's error, exit 2 unless the OAuth side says otherwise.
fn error(e: TenantError) -> CliError {
    match e {
        TenantError::OAuth(o) => o.into(),
        TenantError::NotConfirmed(_) => CliError {
            message: e.to_string(),
            hint: Some("answer y at the prompt, or pass --yes (needed without a terminal)".into()),
            code: EXIT_INPUT,
        },
        other => CliError::input(other.to_string(), other.hint()),
    }
}

fn list(a: ListArgs) -> Result<u8, CliError> {
    let s = super::session::open(&a.profile)?;
    let t = Tenants::fetch(&s, &Terminal::default()).map_err(error)?;
    if a.json {
        print_json(&t.list)?;
        return Ok(EXIT_OK);
    }
    if t.list.is_empty() {
        eprintln!("No organisations are connected to this app for this user. Connect again and pick one on the consent page.");
        return Ok(EXIT_OK);
    }
    println!(
        "{:<3} {:<32} {:<13} {:<36} {:<36}",
        "", "NAME", "TYPE", "TENANT ID", "CONNECTION ID"
    );
    for c in &t.list {
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

fn use_tenant(a: UseArgs) -> Result<u8, CliError> {
    let s = super::session::open(&a.profile)?;
    let t = Tenants::fetch(&s, &Terminal::default()).map_err(error)?;
    let c = t.pick(&a.tenant).map_err(error)?;
    t.use_tenant(c).map_err(error)?;
    eprintln!(
        "Profile {} now uses tenant {} ({}).",
        s.name,
        term(&c.tenant_id),
        term(c.tenant_name.as_deref().unwrap_or("unnamed"))
    );
    Ok(EXIT_OK)
}

fn disconnect(a: DisconnectArgs) -> Result<u8, CliError> {
    let s = super::session::open(&a.profile)?;
    let ui = Terminal::default();
    let t = Tenants::fetch(&s, &ui).map_err(error)?;
    let (c, existed) = t.disconnect(&a.tenant, a.yes, &ui).map_err(error)?;
    if existed {
        eprintln!(
            "Disconnected {} (tenant {}, connection {}).",
            term(c.tenant_name.as_deref().unwrap_or("unnamed")),
            term(&c.tenant_id),
            term(&c.id)
        );
    } else {
        eprintln!(
            "The provider no longer knew connection {}; nothing to do.",
            term(&c.id)
        );
    }
    Ok(EXIT_OK)
}
