//! What every subcommand shares: the exit codes (all of them, here and only here), the
//! two-line error, reading inputs, password sources and the `--at` time.

use clap::Args;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use time::OffsetDateTime;

use oauth1to2::cert;
use oauth1to2::secret::Password;

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
            hint: Some(e.hint()),
            message: e.to_string(),
            code: EXIT_INPUT,
        }
    }
}

fn too_large(name: &str) -> CliError {
    CliError::input(
        format!(
            "{} is larger than {} MiB, the most oauth1to2 reads from a certificate, key or body file",
            if name == "-" { "stdin" } else { name },
            cert::paste::MAX_INPUT >> 20
        ),
        "check that this is the right file: a certificate or key is a few KB",
    )
}

/// Reads a file, or stdin for `-`, up to [`cert::paste::MAX_INPUT`] (16 MiB): a bigger input
/// (or an endless one such as /dev/zero) is refused without reading the rest.
pub fn read_input(name: &str) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    let cap = cert::paste::MAX_INPUT as u64 + 1;
    if name == "-" {
        if std::io::stdin().is_terminal() {
            eprintln!("Paste the certificate, then press Ctrl-D on an empty line:");
        }
        std::io::stdin()
            .take(cap)
            .read_to_end(&mut buf)
            .map_err(|e| cert::Error::Read {
                input: "-".into(),
                reason: e.to_string(),
            })?;
        if buf.len() as u64 >= cap {
            return Err(too_large(name));
        }
        return Ok(buf);
    }
    let path = std::path::Path::new(name);
    if path.is_dir() {
        return Err(CliError::input(
            format!("{name} is a folder"),
            "pass a certificate file inside it, e.g. publickey.cer",
        ));
    }
    let read_err = |e: std::io::Error| -> CliError {
        cert::Error::Read {
            input: name.into(),
            reason: e.to_string(),
        }
        .into()
    };
    std::fs::File::open(path)
        .and_then(|f| f.take(cap).read_to_end(&mut buf))
        .map_err(read_err)?;
    if buf.len() as u64 >= cap {
        return Err(too_large(name));
    }
    Ok(buf)
}

/// Where a password comes from. Never from the command line itself.
#[derive(Debug, Clone, Default, Args)]
pub struct PfxPasswordArgs {
    /// Read the .pfx password from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "pfx_password_file")]
    pub pfx_password_env: Option<String>,
    /// Read the .pfx password from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub pfx_password_file: Option<PathBuf>,
}

impl PfxPasswordArgs {
    pub fn given(&self) -> bool {
        self.pfx_password_env.is_some() || self.pfx_password_file.is_some()
    }

    /// The password from the env var or file, or a prompt on the terminal.
    pub fn resolve(&self, what: &str, confirm: bool) -> Result<Password, CliError> {
        resolve_password(
            self.pfx_password_env.as_deref(),
            self.pfx_password_file.as_ref(),
            what,
            "--pfx-password-env VAR or --pfx-password-file FILE",
            confirm,
        )
    }
}

/// Where a private key's password comes from.
#[derive(Debug, Clone, Default, Args)]
pub struct KeyPasswordArgs {
    /// Read the private key's password (encrypted PKCS#8 or .pfx) from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "key_password_file")]
    pub key_password_env: Option<String>,
    /// Read the private key's password from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub key_password_file: Option<PathBuf>,
}

impl KeyPasswordArgs {
    /// Where the password is, for the library to read when it needs it.
    pub fn secret_ref(&self) -> Option<oauth1to2::oauth2::profile::SecretRef> {
        use oauth1to2::oauth2::profile::SecretRef;
        match (&self.key_password_env, &self.key_password_file) {
            (Some(v), _) => Some(SecretRef::Env(v.clone())),
            (None, Some(f)) => Some(SecretRef::File(f.clone())),
            (None, None) => None,
        }
    }

    pub fn resolve(&self, what: &str) -> Result<Password, CliError> {
        resolve_password(
            self.key_password_env.as_deref(),
            self.key_password_file.as_ref(),
            what,
            "--key-password-env VAR or --key-password-file FILE",
            false,
        )
    }
}

fn resolve_password(
    env: Option<&str>,
    file: Option<&PathBuf>,
    what: &str,
    flags: &str,
    confirm: bool,
) -> Result<Password, CliError> {
    if let Some(var) = env {
        return match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Password::new(v)),
            _ => Err(CliError::input(
                format!("the environment variable {var} is not set (or empty)"),
                format!("export {var}=... first, or use a file instead"),
            )),
        };
    }
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::input(
                format!("cannot read the password file {}: {e}", path.display()),
                "check the path; the file's first line is the password",
            )
        })?;
        let first = text.lines().next().unwrap_or("").to_owned();
        if first.is_empty() {
            return Err(CliError::input(
                format!("the password file {} is empty", path.display()),
                "put the password on its first line",
            ));
        }
        return Ok(Password::new(first));
    }
    if !std::io::stderr().is_terminal() {
        return Err(CliError::input(
            format!("{what} needs a password and there is no terminal to ask on"),
            format!("give it with {flags}"),
        ));
    }
    let first = rpassword::prompt_password(format!("Password for {what}: ")).map_err(|e| {
        CliError::input(
            format!("cannot read a password from the terminal: {e}"),
            format!("give it with {flags}"),
        )
    })?;
    if confirm {
        let again = rpassword::prompt_password("Repeat the password: ").map_err(|e| {
            CliError::input(
                format!("cannot read a password: {e}"),
                format!("use {flags}"),
            )
        })?;
        if again != first {
            return Err(CliError::input(
                "the two passwords differ",
                "run the command again and type the same password twice",
            ));
        }
    }
    if first.is_empty() {
        return Err(CliError::input(
            "the password is empty",
            "a .pfx with an empty password is unprotected; type a password",
        ));
    }
    Ok(Password::new(first))
}

/// `--at`: check validity as of a moment other than now.
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

/// Loads certificates, asking for a .pfx password only when the input turns out to need one.
pub fn load_with_password(
    name: &str,
    bytes: &[u8],
    pfx: &PfxPasswordArgs,
) -> Result<cert::LoadedCertificates, CliError> {
    let early = if pfx.given() {
        Some(pfx.resolve(name, false)?)
    } else {
        None
    };
    match cert::load_certificates(name, bytes, early.as_ref()) {
        Err(cert::Error::PasswordNeeded { .. }) if early.is_none() => {
            let pw = pfx.resolve(name, false)?;
            Ok(cert::load_certificates(name, bytes, Some(&pw))?)
        }
        other => Ok(other?),
    }
}

/// Loads a private key, asking for its password only if it turns out to need one.
pub fn load_key(path: &str, pw: &KeyPasswordArgs) -> Result<cert::PrivateKey, CliError> {
    let bytes = read_input(path)?;
    let early = if pw.key_password_env.is_some() || pw.key_password_file.is_some() {
        Some(pw.resolve(path)?)
    } else {
        None
    };
    match cert::load_private_key(path, &bytes, early.as_ref()) {
        Err(cert::Error::PasswordNeeded { .. }) if early.is_none() => {
            let p = pw.resolve(path)?;
            Ok(cert::load_private_key(path, &bytes, Some(&p))?)
        }
        Err(cert::Error::PasswordNeeded { input }) => Err(CliError::input(
            format!("{input} is protected by a password"),
            "give it with --key-password-env VAR or --key-password-file FILE",
        )),
        other => Ok(other?),
    }
}

/// Writes `bytes` to stdout; a failed write (a closed pipe, a full disk) is an error, not a panic.
pub fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(|e| CliError {
            message: format!("cannot write output: {e}"),
            hint: None,
            code: EXIT_INPUT,
        })
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

/// Consumer and token secrets for HMAC-SHA1 and PLAINTEXT, from env vars or files only.
#[derive(Debug, Clone, Default, Args)]
pub struct SecretArgs {
    /// Read the consumer secret from this environment variable (HMAC-SHA1, PLAINTEXT).
    #[arg(long, value_name = "VAR", conflicts_with = "consumer_secret_file")]
    pub consumer_secret_env: Option<String>,
    /// Read the consumer secret from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub consumer_secret_file: Option<PathBuf>,
    /// Read the token secret from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "token_secret_file")]
    pub token_secret_env: Option<String>,
    /// Read the token secret from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub token_secret_file: Option<PathBuf>,
}

impl SecretArgs {
    pub fn consumer_secret(&self) -> Result<Password, CliError> {
        resolve_password(
            self.consumer_secret_env.as_deref(),
            self.consumer_secret_file.as_ref(),
            "the consumer secret",
            "--consumer-secret-env VAR or --consumer-secret-file FILE",
            false,
        )
    }

    pub fn token_secret(&self) -> Result<Option<Password>, CliError> {
        if self.token_secret_env.is_none() && self.token_secret_file.is_none() {
            return Ok(None);
        }
        resolve_password(
            self.token_secret_env.as_deref(),
            self.token_secret_file.as_ref(),
            "the token secret",
            "--token-secret-env VAR or --token-secret-file FILE",
            false,
        )
        .map(Some)
    }
}

/// Unix seconds as `2026-11-23T14:15:16Z` (the library's one formatter).
pub use oauth1to2::connect::format_time;

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
