//! Secret values (passwords, key material) that must never reach output by accident.
//!
//! [`Password`] wraps `secrecy::SecretString`: its `Debug` prints `[REDACTED]`, the memory is
//! zeroized on drop, and the only way to the text is an explicit [`Password::expose`].

use secrecy::{ExposeSecret, SecretString};

/// A password or passphrase, e.g. for a `.pfx` file or an encrypted PKCS#8 key.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Wraps a password. Trailing `\r`/`\n` (from a file or a prompt) are removed.
    pub fn new(text: impl Into<String>) -> Self {
        let mut s: String = text.into();
        while s.ends_with('\n') || s.ends_with('\r') {
            s.pop();
        }
        Password(SecretString::from(s))
    }

    /// The password text. Call only where it is handed to a cipher.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let p = Password::new("hunter2\n");
        assert_eq!(p.expose(), "hunter2");
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
