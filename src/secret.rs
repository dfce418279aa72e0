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

/// An OAuth token (access or refresh): its `Debug` prints `[REDACTED]` (so a new `Debug` of a
/// struct holding one cannot leak it), it has no `Display` (`format!("{}", token)` does not
/// compile), and its memory is zeroized on drop. The text is reached through
/// [`Token::expose`] or a deref to `&str`, where it is sent to its provider. Stored as a plain
/// JSON string.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Token(String);

impl Token {
    /// Wraps a token.
    pub fn new(text: impl Into<String>) -> Self {
        Token(text.into())
    }

    /// The token text. Call only where it is sent to its provider or handed to the user on
    /// purpose (`token get`, `--reveal`).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Token {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Token {
    fn from(s: String) -> Self {
        Token(s)
    }
}

impl From<&str> for Token {
    fn from(s: &str) -> Self {
        Token(s.to_owned())
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_token() {
        let t = Token::new("at-secret-123");
        assert_eq!(t.expose(), "at-secret-123");
        assert!(!format!("{t:?} {:?}", Some(t.clone())).contains("at-secret-123"));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"at-secret-123\"");
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = Password::new("hunter2\n");
        assert_eq!(p.expose(), "hunter2");
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
