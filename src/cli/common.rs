//! What every subcommand shares: the exit codes (all of them, here and only here), the
//! two-line error, JSON and stdout, and the `--at` time. Inputs and secrets are in `inputs.rs`.

use time::OffsetDateTime;

use oauth1to2::cert;

pub use super::inputs::{
    load_key, load_with_password, read_input, KeyPasswordArgs, PfxPasswordArgs, SecretArgs,
};
/// Unix seconds as `2026-11-23T14:15:16Z` (the library's one formatter).
pub use oauth1to2::connect::format_time;

/// Everything fine.
pub const EXIT_OK: u8 = 0;
/// The check ran and found error-level problems.
pub const EXIT_PROBLEMS: u8 = 1;
/// Unusable input or a usage error.
pub const EXIT_INPUT: u8 = 2;
/// The server could not be reached (connect, TLS, timeout).
pub const EXIT_NETWORK: u8 = 3;
/// The server refused the credentials or signature (401, 403, oauth_problem).
pub const EXIT_AUTH: u8 = 4;
/// Any other HTTP error status.
pub const EXIT_HTTP: u8 = 5;
/// No usable token: connect (again).
pub const EXIT_NOT_CONNECTED: u8 = 6;
/// The browser step did not complete: declined, provider error, timeout.
pub const EXIT_NOT_AUTHORIZED: u8 = 7;
/// A security check failed: wrong state, wrong issuer, bad id token.
pub const EXIT_SECURITY: u8 = 8;
/// Stdout was closed early (`oauth1to2 ... | head`): what a Unix tool stopped by SIGPIPE
/// reports in the shell. Rust ignores SIGPIPE, so a write to the closed pipe fails and `print!`
/// would panic; `cli::main` ends the program quietly instead.
pub const EXIT_BROKEN_PIPE: u8 = 141;

/// An error for the user: what went wrong, what to do, and the exit code.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub hint: Option<String>,
    pub code: u8,
}

impl CliError {
    pub fn input(message: impl Into<String>, hint: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            hint: Some(hint.into()),
            code: EXIT_INPUT,
        }
    }

    /// Prints `error:` and `hint:` on stderr. Both may quote a file, a certificate or a
    /// server, so control characters are escaped.
    pub fn print(&self) {
        use oauth1to2::text::term;
        eprintln!("error: {}", term(&self.message));
        if let Some(h) = &self.hint {
            eprintln!("hint: {}", term(h));
        }
    }
}

impl From<cert::Error> for CliError {
    fn from(e: cert::Error) -> Self {
        CliError {
            hint: Some(cert_hint(&e)),
            message: e.to_string(),
            code: EXIT_INPUT,
        }
    }
}

/// The library's hint, said with the flags that do it.
fn cert_hint(e: &cert::Error) -> String {
    match e {
        cert::Error::PasswordNeeded { .. } => "give the password with --pfx-password-env VAR or --pfx-password-file FILE (or run on a terminal to be asked)".into(),
        cert::Error::KeySize { bits } if *bits < 2048 => "keys under 2048 bits can be factored with public resources and are refused by today's linters; old instructions said 1024: use --bits 2048 (the default), 3072 or 4096".into(),
        cert::Error::KeySize { .. } => "use --bits 2048 (the default), 3072 or 4096".into(),
        cert::Error::Subject { .. } => "give --cn and/or --org (and optionally --org-unit, --country, --email), or one --subject \"C=NZ, O=Example Ltd, CN=Example app\"".into(),
        cert::Error::Validity { .. } => "give --days between 1 and 36500".into(),
        other => other.hint(),
    }
}

/// `--at`: check validity as of a moment other than now.
/// A `YYYY-MM-DD` flag value.
pub fn parse_date(s: &str) -> Result<time::Date, String> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{s:?} is not a date; write YYYY-MM-DD, e.g. 2025-11-01"))
}

pub fn parse_at(s: &str) -> Result<OffsetDateTime, String> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| format!("`{s}` is not a date: use 2027-09-30 or 2027-09-30T12:00:00Z"))
}

/// Writes `bytes` to stdout; a failed write (a closed pipe, a full disk) is an error, not a panic.
pub fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(output_error)
}

/// A failed write to stdout as the command's error.
pub fn output_error(e: std::io::Error) -> CliError {
    CliError {
        message: format!("cannot write output: {e}"),
        hint: None,
        // A reader that went away (`| head`) ends the command quietly (see cli::main).
        code: if e.kind() == std::io::ErrorKind::BrokenPipe {
            EXIT_BROKEN_PIPE
        } else {
            EXIT_INPUT
        },
    }
}

/// Adds the published-certificate entries a consultant keeps in `published-certs/` beside the
/// config file (docs/lints.md) to the built-in catalogue. A file that is not an entry is said
/// on stderr and left out.
pub fn add_published_entries() {
    let Ok(paths) = oauth1to2::oauth2::profile::Paths::resolve() else {
        return;
    };
    let Some(dir) = paths
        .config_file
        .parent()
        .map(|d| d.join("published-certs"))
    else {
        return;
    };
    for (file, why) in cert::add_entries_from(&dir) {
        eprintln!(
            "warning: {}: not a published-certificate entry ({}); left out",
            oauth1to2::text::term(&file.display().to_string()),
            oauth1to2::text::term(&why)
        );
    }
}

/// Writes pretty JSON and a newline to stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let write_err = |e: String| CliError {
        message: format!("cannot write output: {e}"),
        hint: None,
        code: EXIT_INPUT,
    };
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| write_err(e.to_string()))?;
    writeln!(out)
        .and_then(|_| out.flush())
        .map_err(|e| write_err(e.to_string()))
}

/// A progress bar on stderr for `len` items, only when there are several and a person is
/// watching (stderr is a terminal); `None` when piped.
pub fn progress_bar(len: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    (len > 1 && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(len as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    })
}

/// An inventory that cannot be used: the error names the file, the line and the fix (exit 2).
pub fn inventory_error(e: oauth1to2::audit::inventory::InventoryError) -> CliError {
    CliError {
        message: e.to_string(),
        hint: Some(e.hint.clone()),
        code: EXIT_INPUT,
    }
}

/// A scope check, link or upgrade that stopped: the OAuth side's own exit code, 4 when the
/// provider refused a scope or the new grant could not make a read call, else 2.
pub fn reconsent_error(e: oauth1to2::reconsent::ReconsentError) -> CliError {
    use oauth1to2::reconsent::ReconsentError;
    match e {
        ReconsentError::OAuth(o) => o.into(),
        ReconsentError::Refused { .. }
        | ReconsentError::Verify { .. }
        | ReconsentError::Unconfirmed { .. } => CliError {
            hint: Some(e.hint()),
            message: e.to_string(),
            code: EXIT_AUTH,
        },
        other => CliError::input(other.to_string(), other.hint()),
    }
}

/// Words of a flag value separated by spaces or commas (`--to 'a b,c'`).
pub fn split_words(s: &str) -> Vec<String> {
    s.split([' ', ','])
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}
