//! `oauth1to2 bridge`: run the OAuth 1.0a → OAuth 2.0 reverse proxy described by a config file.

use std::path::PathBuf;

use oauth1to2::bridge::{self, BridgeError};
use oauth1to2::oauth2::profile::Paths;

use super::common::{print_json, CliError, EXIT_INPUT, EXIT_NETWORK, EXIT_NOT_CONNECTED, EXIT_OK};

/// Keep a legacy OAuth 1.0a client working, unchanged, against an OAuth 2.0 API.
///
/// The bridge checks each request as the legacy provider did (signature, timestamp window,
/// nonce seen once), then sends it to the route's upstream with the client's Authorization
/// replaced by the route profile's OAuth 2.0 bearer token. Refusals answer 400 or 401 with the
/// legacy `oauth_problem`. Logs are one JSON object per line on stderr, with no secrets.
/// SIGTERM or Ctrl-C stops accepting and lets requests in flight finish. The file's format,
/// the security model and a systemd unit are in docs/bridge.md.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
oauth1to2 bridge --config bridge.toml --check      # validate, resolve every route, exit\n  \
CONSUMER_SECRET=... oauth1to2 bridge --config bridge.toml\n  \
oauth1to2 bridge --config bridge.toml 2>>bridge.log")]
pub struct Args {
    /// The bridge's configuration (TOML; paths in it are relative to its folder).
    #[arg(long, short = 'c', value_name = "FILE")]
    config: PathBuf,
    /// Check the file and every route's profile, print what each route resolves to, and exit
    /// without listening.
    #[arg(long)]
    check: bool,
    /// With --check: JSON output (fields in docs/json.md).
    #[arg(long, requires = "check")]
    json: bool,
}

fn error(e: BridgeError) -> CliError {
    let (code, hint) = match &e {
        BridgeError::Config(_) => (EXIT_INPUT, "fix the line named, then run with --check"),
        BridgeError::Route { message, .. } if message.contains("no tokens yet") => (
            EXIT_NOT_CONNECTED,
            "run `oauth1to2 connect -p PROFILE` for that profile, then start the bridge",
        ),
        BridgeError::Route { .. } | BridgeError::Tls(_) => {
            (EXIT_INPUT, "fix the route named, then run with --check")
        }
        BridgeError::State(_) => (
            EXIT_NETWORK,
            "start Redis or fix [state] redis; the bridge does not run without the state it was told to share",
        ),
        BridgeError::Listen { .. } => (
            EXIT_NETWORK,
            "choose a free address in listen, or stop what holds it",
        ),
    };
    CliError {
        message: e.to_string(),
        hint: Some(hint.into()),
        code,
    }
}

pub fn run(a: Args) -> Result<u8, CliError> {
    let config = bridge::config::load(&a.config, &|name| std::env::var(name).ok())
        .map_err(|e| error(e.into()))?;
    let paths = Paths::resolve()?;
    if a.check {
        let routes = bridge::check(&config, &paths).map_err(error)?;
        if a.json {
            print_json(&serde_json::json!({
                "config": config.path.display().to_string(),
                "listen": config.listen.to_string(),
                "tls": config.tls.is_some(),
                "operations": config.operations.map(|a| a.to_string()),
                "state": if config.redis.is_some() { "redis" } else { "local" },
                "routes": routes,
            }))?;
        } else {
            let scheme = if config.tls.is_some() {
                "https"
            } else {
                "http"
            };
            println!(
                "{}: OK, {} route(s), listening on {scheme}://{}",
                config.path.display(),
                routes.len(),
                config.listen
            );
            for r in &routes {
                println!(
                    "  {} -> {} (profile {})",
                    oauth1to2::text::term(&r.prefix),
                    oauth1to2::text::term(&r.upstream),
                    oauth1to2::text::term(&r.profile)
                );
                println!(
                    "    {} from consumer key {}; token: {}",
                    r.signature_method,
                    oauth1to2::text::term(&r.consumer_key),
                    oauth1to2::text::term(r.token.as_deref().unwrap_or("none"))
                );
                if let Some(t) = &r.tenant_header {
                    println!("    sends {}", oauth1to2::text::term(t));
                }
                for w in &r.warnings {
                    println!("    warning: {}", oauth1to2::text::term(w));
                }
            }
        }
        return Ok(EXIT_OK);
    }
    let log: bridge::Log = std::sync::Arc::new(|lines: &str| {
        use std::io::Write;
        // Whole lines in one write: stderr is unbuffered, and a line written piece by piece
        // costs dozens of system calls (and interleaves with other threads' lines).
        let _ = std::io::stderr().lock().write_all(lines.as_bytes());
    });
    bridge::run_blocking(config, paths, log, shutdown()).map_err(error)?;
    Ok(EXIT_OK)
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
