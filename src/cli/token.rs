//! `oauth1to2 token get|show|status|refresh|revoke`.

use clap::{Args as ClapArgs, Subcommand};
use oauth1to2::text::term;
use serde::Serialize;

use oauth1to2::oauth2::now;
use oauth1to2::oauth2::store::TokenSet;

use super::common::EXIT_NOT_CONNECTED;
use super::common::{format_time, print_json, CliError, EXIT_OK};
use super::session::{ProfileArg, Session};

/// How close to expiry `get` refreshes.
const MARGIN_SECS: i64 = 60;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print the access token (refreshed first if it expires within 60 s), for scripts:
    /// curl -H "Authorization: Bearer $(oauth1to2 token get)" ...
    Get(GetArgs),
    /// Show expiry, scopes and tenant; tokens are redacted unless --reveal.
    Show(ShowArgs),
    /// Exit 0 if a valid or refreshable token exists, 6 otherwise. Sends nothing.
    Status(StatusArgs),
    /// Refresh now (the new refresh token is saved before anything else happens).
    Refresh(StatusArgs),
    /// Revoke the grant at the provider's revocation endpoint and delete the stored tokens.
    Revoke(StatusArgs),
}

#[derive(Debug, ClapArgs)]
pub struct GetArgs {
    #[command(flatten)]
    profile: ProfileArg,
    /// Print `export XERO_ACCESS_TOKEN=...` (and `XERO_TENANT_ID`) lines for `eval`.
    #[arg(long)]
    env: bool,
}

#[derive(Debug, ClapArgs)]
pub struct ShowArgs {
    #[command(flatten)]
    profile: ProfileArg,
    /// JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Include the access, refresh and id tokens.
    #[arg(long)]
    reveal: bool,
}

#[derive(Debug, ClapArgs)]
pub struct StatusArgs {
    #[command(flatten)]
    profile: ProfileArg,
    /// JSON on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: TokenCommand) -> Result<u8, CliError> {
    match cmd {
        TokenCommand::Get(a) => get(a),
        TokenCommand::Show(a) => show(a),
        TokenCommand::Status(a) => status(a),
        TokenCommand::Refresh(a) => refresh(a),
        TokenCommand::Revoke(a) => revoke(a),
    }
}

fn get(a: GetArgs) -> Result<u8, CliError> {
    let s = super::session::open(&a.profile)?;
    let t = super::session::fresh_tokens(&s, MARGIN_SECS, false)?;
    if a.env {
        println!(
            "export XERO_ACCESS_TOKEN={}",
            oauth1to2::text::shell(&t.access_token)
        );
        if let Some(tenant) = &s.profile.tenant_id {
            println!("export XERO_TENANT_ID={}", oauth1to2::text::shell(tenant));
        }
    } else {
        println!("{}", t.access_token.expose());
    }
    Ok(EXIT_OK)
}

#[derive(Serialize)]
struct Shown {
    profile: String,
    grant: &'static str,
    token_type: String,
    expires_at: Option<String>,
    expires_in_seconds: Option<i64>,
    expiry_assumed: bool,
    expired: bool,
    scopes: Vec<String>,
    tenant_id: Option<String>,
    has_refresh_token: bool,
    refresh_interrupted_at: Option<String>,
    obtained_at: String,
    access_token: String,
    refresh_token: Option<String>,
    id_token: Option<String>,
}

const REDACTED: &str = "[redacted: use --reveal]";

fn shown(s: &Session, t: &TokenSet, reveal: bool) -> Shown {
    let n = now();
    let redact = |v: &str| {
        if reveal {
            v.to_owned()
        } else {
            REDACTED.to_owned()
        }
    };
    Shown {
        profile: s.name.clone(),
        grant: s.profile.grant.as_str(),
        token_type: t.token_type.clone(),
        expires_at: t.expires_at.map(format_time),
        expires_in_seconds: t.expires_at.map(|e| e.saturating_sub(n)),
        expiry_assumed: t.expiry_assumed,
        expired: !t.valid_for(n, 0),
        scopes: t.scopes.clone(),
        tenant_id: s.profile.tenant_id.clone(),
        has_refresh_token: t.refresh_token.is_some(),
        refresh_interrupted_at: t.refresh_started_at.map(format_time),
        obtained_at: format_time(t.obtained_at),
        access_token: redact(&t.access_token),
        refresh_token: t.refresh_token.as_deref().map(redact),
        id_token: t.id_token.as_deref().map(redact),
    }
}

fn load_tokens(s: &Session) -> Result<TokenSet, CliError> {
    Ok(s.tokens
        .load()?
        .ok_or_else(|| oauth1to2::oauth2::Oauth2Error::NotConnected {
            profile: s.name.clone(),
        })?)
}

fn show(a: ShowArgs) -> Result<u8, CliError> {
    let s = super::session::open(&a.profile)?;
    let t = load_tokens(&s)?;
    let v = shown(&s, &t, a.reveal);
    if a.json {
        print_json(&v)?;
        return Ok(EXIT_OK);
    }
    println!("profile:        {}", v.profile);
    println!("grant:          {}", v.grant);
    match (&v.expires_at, v.expires_in_seconds) {
        (Some(at), Some(secs)) if secs > 0 => println!(
            "access token:   {} {at} (in {})",
            if v.expiry_assumed {
                "taken to expire (the provider gave no lifetime)"
            } else {
                "expires"
            },
            human_secs(secs)
        ),
        (Some(at), _) => println!("access token:   EXPIRED at {at}"),
        _ => println!("access token:   no expiry given"),
    }
    println!("scopes:         {}", term(&v.scopes.join(" ")));
    println!(
        "tenant:         {}",
        term(
            v.tenant_id
                .as_deref()
                .unwrap_or("(none chosen: `oauth1to2 tenants use`)")
        )
    );
    println!(
        "refresh token:  {}",
        if v.has_refresh_token { "yes" } else { "no" }
    );
    if let Some(at) = &v.refresh_interrupted_at {
        println!("note:           a refresh started {at} never completed; the next use retries it");
    }
    println!("obtained:       {}", v.obtained_at);
    println!("stored in:      {}", s.tokens.location());
    if a.reveal {
        println!("access_token:   {}", v.access_token);
        if let Some(r) = &v.refresh_token {
            println!("refresh_token:  {r}");
        }
        if let Some(i) = &v.id_token {
            println!("id_token:       {i}");
        }
    }
    Ok(EXIT_OK)
}

fn human_secs(s: i64) -> String {
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

fn status(a: StatusArgs) -> Result<u8, CliError> {
    let st = match super::session::open(&a.profile) {
        Err(e) => oauth1to2::connect::TokenStatus::unusable(&a.profile.profile, e.message),
        Ok(s) => oauth1to2::connect::token_status(&s),
    };
    if a.json {
        print_json(&st)?;
    } else {
        println!(
            "{}: {}",
            if st.usable { "ok" } else { "not usable" },
            term(&st.reason)
        );
        if !st.granted.is_empty() {
            println!("granted: {}", term(&st.granted.join(" ")));
        } else if st.granted_from == Some(oauth1to2::oauth2::store::ScopesFrom::Unknown) {
            println!("granted: (the provider did not say)");
        }
        if let Some(at) = &st.consented_at {
            println!("consented: {at}");
        }
        if !st.deprecated.is_empty() {
            println!(
                "deprecated: {} (broad scopes, until {}; see `oauth1to2 scopes check -p {}`)",
                term(&st.deprecated.join(" ")),
                st.deprecated_until.unwrap_or("the provider's deadline"),
                st.profile
            );
        }
    }
    Ok(if st.usable {
        EXIT_OK
    } else {
        EXIT_NOT_CONNECTED
    })
}

fn refresh(a: StatusArgs) -> Result<u8, CliError> {
    let s = super::session::open(&a.profile)?;
    let t = super::session::fresh_tokens(&s, MARGIN_SECS, true)?;
    let v = shown(&s, &t, false);
    if a.json {
        print_json(&v)?;
    } else {
        eprintln!(
            "Refreshed profile {}: the access token expires {}{}.",
            s.name,
            v.expires_at.as_deref().unwrap_or("(no expiry given)"),
            if v.has_refresh_token {
                "; the new refresh token is stored"
            } else {
                ""
            }
        );
    }
    Ok(EXIT_OK)
}

fn revoke(a: StatusArgs) -> Result<u8, CliError> {
    let s = super::session::open(&a.profile)?;
    let r = oauth1to2::connect::revoke_profile(&s)?;
    if a.json {
        print_json(
            &serde_json::json!({"profile": r.profile, "revoked": true, "tokens_deleted": true}),
        )?;
    } else {
        eprintln!(
            "Revoked the grant of profile {} at {} and deleted its stored tokens.",
            r.profile, r.endpoint
        );
        if let Some(note) = r.note {
            eprintln!("{note}");
        }
    }
    Ok(EXIT_OK)
}
