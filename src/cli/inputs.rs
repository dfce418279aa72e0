//! Where inputs and secrets come from on the command line: a file or `-` (bounded), and
//! passwords and client secrets from an environment variable, a file or a prompt, never from
//! an argument.

use clap::Args;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use oauth1to2::cert;
use oauth1to2::secret::Password;

use super::common::CliError;

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

/// A secret from an environment variable or the first line of a file (one of them given).
pub fn resolve_secret(
    env: Option<&str>,
    file: Option<&PathBuf>,
    what: &str,
    flags: &str,
) -> Result<Password, CliError> {
    resolve_password(env, file, what, flags, false)
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
        let text = oauth1to2::files::read_text_limited(path, oauth1to2::files::MAX_SECRET_FILE)
            .map(zeroize::Zeroizing::new)
            .map_err(|e| {
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

/// Consumer and token secrets for HMAC-SHA1 and PLAINTEXT, from env vars or files only.
#[derive(Debug, Clone, Default, Args)]
pub struct SecretArgs {
    /// Read the consumer secret from this environment variable (HMAC methods, PLAINTEXT).
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
