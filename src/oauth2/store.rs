//! The token store: one JSON file per profile, mode 0600, always replaced atomically (temporary
//! file, fsync, rename), next to a lock file that serialises refreshes between processes.
//!
//! How a refresh stays safe ([`TokenStore::fresh`]):
//! 1. Under an exclusive lock on `NAME.lock`, the token file is read again: if another process
//!    refreshed meanwhile, its token is used and no request is sent. So when eight processes
//!    need a token at once, one refreshes and seven read its result.
//! 2. Before the request, the file records `refresh_started_at`.
//! 3. The response is written to the token file (atomically) before the new access token is
//!    returned to anyone, and only then is the lock released.
//! 4. If the process dies between 2 and 3 (crash, SIGKILL, timeout with the response lost), the
//!    file still holds the old refresh token and the marker. The next run sees the marker, says
//!    so, and retries with the old refresh token. Providers that rotate refresh tokens accept a
//!    used one again for a while for exactly this case (how long is a provider rule:
//!    `crate::provider::TokenRules`).
//!
//! With [`Backend::Keyring`] the tokens live in the OS keyring instead (one entry per profile,
//! replaced whole on every save); the lock file and the protocol stay the same.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Oauth2Error;
use crate::files::{write_atomic, Visibility};

/// How long to wait for another process's refresh before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(90);

/// What is stored for a profile.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSet {
    /// Usually `bearer`.
    pub token_type: String,
    /// The access token.
    pub access_token: crate::secret::Token,
    /// The refresh token (only with `offline_access`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<crate::secret::Token>,
    /// When the access token expires, Unix seconds, if the server said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The granted scopes: the token response's `scope`, else what was requested (RFC 6749
    /// section 5.1), else carried from the tokens this refresh replaced.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Where `scopes` came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes_from: Option<ScopesFrom>,
    /// When the consent (or client-credentials request) that produced this grant happened,
    /// Unix seconds; a refresh keeps it, since a refresh never changes scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consented_at: Option<i64>,
    /// The id token from the last code exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// `expires_at` is the provider's assumed lifetime (its answer gave no `expires_in`), not
    /// what it said.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expiry_assumed: bool,
    /// When these tokens were obtained.
    pub obtained_at: i64,
    /// Set while a refresh is in flight; left behind if it never completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_started_at: Option<i64>,
}

/// Where a grant's list of scopes came from, as token files and JSON reports write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopesFrom {
    /// The token response's `scope`.
    Response,
    /// The tokens a refresh replaced (its response did not say).
    Previous,
    /// What was requested: the response had no `scope` (RFC 6749 section 5.1).
    AsRequested,
    /// A token set written by an older version from the access token's own claim, which is
    /// never trusted (it counts as what was requested).
    AccessToken,
    /// Given by hand (a vendor's list, an app's page), not by a provider.
    Given,
    /// The provider never said (and nothing was requested); also any value this version does
    /// not know.
    #[serde(other)]
    Unknown,
}

impl ScopesFrom {
    /// As token files and reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopesFrom::Response => "response",
            ScopesFrom::Previous => "previous",
            ScopesFrom::AsRequested => "as-requested",
            ScopesFrom::AccessToken => "access-token",
            ScopesFrom::Given => "given",
            ScopesFrom::Unknown => "unknown",
        }
    }
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("token_type", &self.token_type)
            .field("access_token", &"[REDACTED]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("expires_at", &self.expires_at)
            .field("expiry_assumed", &self.expiry_assumed)
            .field("scopes", &self.scopes)
            .field("scopes_from", &self.scopes_from)
            .field("consented_at", &self.consented_at)
            .field("obtained_at", &self.obtained_at)
            .field("refresh_started_at", &self.refresh_started_at)
            .finish()
    }
}

impl TokenSet {
    /// Whether the access token is still good for `margin` seconds.
    pub fn valid_for(&self, now: i64, margin: i64) -> bool {
        match self.expires_at {
            Some(e) => e.saturating_sub(now) > margin,
            // No expiry given: trust it until the API says otherwise.
            None => true,
        }
    }
}

/// What happened while getting a fresh token (for the CLI to tell the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A refresh was sent.
    Refreshed,
    /// Another process refreshed while we waited for the lock.
    RefreshedByOther,
    /// An earlier refresh never completed; we retried with the old refresh token.
    ResumedInterruptedRefresh {
        /// When the interrupted refresh started.
        started_at: i64,
        /// When it was retried (Unix seconds): the provider's rules say whether that is
        /// still within the time it accepts a used refresh token again.
        retried_at: i64,
    },
}

/// Where a profile's tokens are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// A JSON file per profile, 0600 (the default; works everywhere).
    #[default]
    File,
    /// The OS keyring: the kernel keyring (keyutils) on Linux, which does not survive a reboot;
    /// Keychain on macOS; Credential Manager on Windows.
    Keyring,
}

impl Backend {
    /// The name used in the config file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::File => "file",
            Backend::Keyring => "keyring",
        }
    }

    /// Whether this is the default file store (not written to the config file).
    pub fn is_file(&self) -> bool {
        *self == Backend::File
    }
}

/// The keyring service name of every entry oauth1to2 makes.
pub const KEYRING_SERVICE: &str = "oauth1to2";

/// A profile's token store and lock.
#[derive(Debug, Clone)]
pub struct TokenStore {
    profile: String,
    backend: Backend,
    path: PathBuf,
    lock_path: PathBuf,
}

/// Held while refreshing; dropping it releases the lock.
#[derive(Debug)]
pub struct Lock(#[allow(dead_code)] crate::files::FileLock);

impl TokenStore {
    /// The file store of `profile` under `tokens_dir`.
    pub fn new(tokens_dir: &Path, profile: &str) -> TokenStore {
        TokenStore::with_backend(tokens_dir, profile, Backend::File)
    }

    /// The store of `profile` in `backend`. The lock file is under `tokens_dir` either way.
    pub fn with_backend(tokens_dir: &Path, profile: &str, backend: Backend) -> TokenStore {
        TokenStore {
            profile: profile.to_owned(),
            backend,
            path: tokens_dir.join(format!("{profile}.json")),
            lock_path: tokens_dir.join(format!("{profile}.lock")),
        }
    }

    /// The token file (of the file backend; for the keyring, the file that is not used).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Where the tokens are, for people: the file, or the keyring entry.
    pub fn location(&self) -> String {
        match self.backend {
            Backend::File => format!("{} (0600)", self.path.display()),
            Backend::Keyring => format!(
                "the OS keyring (service {KEYRING_SERVICE:?}, entry {:?})",
                self.keyring_user()
            ),
        }
    }

    /// The keyring entry's user name: the profile and the folder, so that two configurations
    /// (OAUTH1TO2_HOME) never share an entry.
    fn keyring_user(&self) -> String {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        format!("{} in {}", self.profile, dir.display())
    }

    fn io(&self, path: &Path, e: impl std::fmt::Display) -> Oauth2Error {
        Oauth2Error::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }

    /// Reads the tokens; `None` if there are none yet.
    pub fn load(&self) -> Result<Option<TokenSet>, Oauth2Error> {
        if self.backend == Backend::Keyring {
            return match keyring::get(&self.profile, &self.keyring_user())? {
                None => Ok(None),
                Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                    keyring::error(
                        &self.profile,
                        format!(
                            "the entry is not a token set (JSON error at column {})",
                            e.column()
                        ),
                    )
                }),
            };
        }
        let bytes = match crate::files::read_limited(&self.path, crate::files::MAX_FILE) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(&self.path, format!("cannot read the token file: {e}"))),
        };
        // serde's message could quote a value; report the position only.
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            self.io(
                &self.path,
                format!(
                    "not a token file (JSON error at line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
        })
    }

    /// Writes the tokens atomically: a 0600 file replaced by rename, or the keyring entry.
    pub fn save(&self, tokens: &TokenSet) -> Result<(), Oauth2Error> {
        if self.backend == Backend::Keyring {
            let text = serde_json::to_string(tokens)
                .map_err(|e| keyring::error(&self.profile, e.to_string()))?;
            return keyring::set(&self.profile, &self.keyring_user(), &text);
        }
        let dir = self.path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(|e| self.io(dir, e))?;
        let mut bytes = serde_json::to_vec_pretty(tokens).map_err(|e| self.io(&self.path, e))?;
        bytes.push(b'\n');
        write_atomic(&self.path, &bytes, Visibility::Private, true)
            .map_err(|e| self.io(&self.path, e))
    }

    /// Deletes the stored tokens; `false` if there were none.
    pub fn remove(&self) -> Result<bool, Oauth2Error> {
        if self.backend == Backend::Keyring {
            return keyring::delete(&self.profile, &self.keyring_user());
        }
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.io(&self.path, e)),
        }
    }

    /// Replaces the stored tokens with `new` under the lock, so no refresh runs halfway through
    /// (a new consent's grant: `scopes upgrade`).
    pub fn replace(&self, new: &TokenSet) -> Result<(), Oauth2Error> {
        self.replace_waiting(new, LOCK_WAIT)
    }

    fn replace_waiting(&self, new: &TokenSet, wait: Duration) -> Result<(), Oauth2Error> {
        let _lock = self.lock(wait)?;
        self.save(new)
    }

    /// Takes the exclusive lock, waiting up to `wait`.
    pub fn lock(&self, wait: Duration) -> Result<Lock, Oauth2Error> {
        crate::files::lock_exclusive(&self.lock_path, wait)
            .map(Lock)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::WouldBlock => self.io(
                    &self.lock_path,
                    format!(
                        "another oauth1to2 process has held the token lock for {} seconds",
                        wait.as_secs()
                    ),
                ),
                _ => self.io(&self.lock_path, e),
            })
    }

    /// Returns tokens whose access token is good for `margin` seconds, renewing them with
    /// `renew` if needed, following the protocol in the module docs.
    pub fn fresh(
        &self,
        margin: i64,
        force: bool,
        now: impl Fn() -> i64,
        renew: impl FnOnce(&TokenSet) -> Result<TokenSet, Oauth2Error>,
    ) -> Result<(TokenSet, Vec<Notice>), Oauth2Error> {
        let mut renew = Some(renew);
        fresh_under(
            &Protocol {
                load: &|| self.load(),
                save: &|t| self.save(t),
                lock: &|| {
                    self.lock(LOCK_WAIT)
                        .map(|l| Box::new(l) as Box<dyn std::any::Any>)
                },
                not_connected: &|| Oauth2Error::NotConnected {
                    profile: self.profile.clone(),
                },
            },
            margin,
            force,
            &now,
            &mut |t| (renew.take().expect("renewed once"))(t),
        )
    }
}

/// A store's part in the renewal protocol of the module docs: reading and replacing the
/// tokens, its lock (held, as the returned guard, while a renewal runs), and its error for a
/// profile that has none. The file and keyring store and the bridge's shared store follow it.
pub struct Protocol<'a> {
    /// Reads the stored tokens.
    pub load: &'a dyn Fn() -> Result<Option<TokenSet>, Oauth2Error>,
    /// Replaces them whole.
    pub save: &'a dyn Fn(&TokenSet) -> Result<(), Oauth2Error>,
    /// Takes the store's exclusive lock.
    pub lock: &'a dyn Fn() -> Result<Box<dyn std::any::Any>, Oauth2Error>,
    /// The error for a profile with no tokens.
    pub not_connected: &'a dyn Fn() -> Oauth2Error,
}

/// Tokens good for `margin` seconds (or renewed now with `force`), renewed with `renew` at
/// most once, under the store's lock: steps 1 to 4 of the module docs.
pub fn fresh_under(
    store: &Protocol<'_>,
    margin: i64,
    force: bool,
    now: &dyn Fn() -> i64,
    renew: &mut dyn FnMut(&TokenSet) -> Result<TokenSet, Oauth2Error>,
) -> Result<(TokenSet, Vec<Notice>), Oauth2Error> {
    // Fast path, no lock: the tokens are only ever replaced whole.
    let first = (store.load)()?.ok_or_else(store.not_connected)?;
    if !force && first.valid_for(now(), margin) && first.refresh_started_at.is_none() {
        return Ok((first, vec![]));
    }
    let _lock = (store.lock)()?;
    let mut current = (store.load)()?.ok_or_else(store.not_connected)?;
    let mut notices = Vec::new();
    let t = now();
    if !force && current.refresh_started_at.is_none() && current.valid_for(t, margin) {
        if current.obtained_at != first.obtained_at || current.access_token != first.access_token {
            notices.push(Notice::RefreshedByOther);
        }
        return Ok((current, notices));
    }
    if let Some(started_at) = current.refresh_started_at {
        notices.push(Notice::ResumedInterruptedRefresh {
            started_at,
            retried_at: t,
        });
    } else {
        current.refresh_started_at = Some(t);
        (store.save)(&current)?;
    }
    let fresh = renew(&current)?;
    test_hook_after_refresh_response();
    (store.save)(&fresh)?;
    notices.push(Notice::Refreshed);
    Ok((fresh, notices))
}

/// What flows need of a token store, so that a caller can hand them another (a shared one, for
/// many machines): where the tokens are, reading, replacing and removing them, and tokens good
/// for a margin, renewed under the store's lock so that a rotated refresh token is never lost
/// (the protocol in the module docs). The file and keyring stores ([`TokenStore`]) are one.
pub trait TokenBackend: Send + Sync + std::fmt::Debug {
    /// Where the tokens are, for people.
    fn location(&self) -> String;
    /// The stored tokens, if any.
    fn load(&self) -> Result<Option<TokenSet>, Oauth2Error>;
    /// Replaces the stored tokens.
    fn replace(&self, new: &TokenSet) -> Result<(), Oauth2Error>;
    /// Removes them; `false` when there were none.
    fn remove(&self) -> Result<bool, Oauth2Error>;
    /// Tokens good for `margin` seconds (or renewed now with `force`), renewed with `renew`
    /// under the store's lock.
    fn fresh_with(
        &self,
        margin: i64,
        force: bool,
        now: &dyn Fn() -> i64,
        renew: &mut dyn FnMut(&TokenSet) -> Result<TokenSet, Oauth2Error>,
    ) -> Result<(TokenSet, Vec<Notice>), Oauth2Error>;
}

impl TokenBackend for TokenStore {
    fn location(&self) -> String {
        TokenStore::location(self)
    }

    fn load(&self) -> Result<Option<TokenSet>, Oauth2Error> {
        TokenStore::load(self)
    }

    fn replace(&self, new: &TokenSet) -> Result<(), Oauth2Error> {
        TokenStore::replace(self, new)
    }

    fn remove(&self) -> Result<bool, Oauth2Error> {
        TokenStore::remove(self)
    }

    fn fresh_with(
        &self,
        margin: i64,
        force: bool,
        now: &dyn Fn() -> i64,
        renew: &mut dyn FnMut(&TokenSet) -> Result<TokenSet, Oauth2Error>,
    ) -> Result<(TokenSet, Vec<Notice>), Oauth2Error> {
        self.fresh(margin, force, now, |current| renew(current))
    }
}

use crate::files::create_private_dir;

/// A test-only fault hook, compiled into debug builds only: with
/// `OAUTH1TO2_TEST_PAUSE_AFTER_REFRESH=FILE`, the process creates FILE after the refresh
/// response arrived and before it is written, then sleeps, so a test can SIGKILL it there.
#[cfg(debug_assertions)]
fn test_hook_after_refresh_response() {
    if let Some(path) = std::env::var_os("OAUTH1TO2_TEST_PAUSE_AFTER_REFRESH") {
        let _ = std::fs::write(&path, b"paused\n");
        std::thread::sleep(Duration::from_secs(120));
    }
}

#[cfg(not(debug_assertions))]
fn test_hook_after_refresh_response() {}

/// The OS keyring, through the `keyring` crate. Messages never carry the entry's contents.
#[cfg(feature = "keyring")]
mod keyring {
    use super::{Oauth2Error, KEYRING_SERVICE};

    pub(super) fn error(profile: &str, message: String) -> Oauth2Error {
        Oauth2Error::Keyring {
            profile: profile.to_owned(),
            message,
        }
    }

    fn entry(profile: &str, user: &str) -> Result<keyring::Entry, Oauth2Error> {
        keyring::Entry::new(KEYRING_SERVICE, user).map_err(|e| error(profile, describe(&e)))
    }

    /// The crate's own message, except for the variants that could quote stored bytes.
    fn describe(e: &keyring::Error) -> String {
        match e {
            keyring::Error::BadEncoding(_) => "the entry is not UTF-8 text".into(),
            keyring::Error::Ambiguous(_) => "several keyring entries match".into(),
            other => other.to_string(),
        }
    }

    pub(super) fn get(profile: &str, user: &str) -> Result<Option<String>, Oauth2Error> {
        match entry(profile, user)?.get_password() {
            Ok(text) => Ok(Some(text)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(error(profile, describe(&e))),
        }
    }

    pub(super) fn set(profile: &str, user: &str, text: &str) -> Result<(), Oauth2Error> {
        entry(profile, user)?.set_password(text).map_err(|e| {
            // keyutils answers "no entry" when it may not link the key into the persistent
            // keyring, which happens when the process has no session keyring of its own.
            let why = if cfg!(target_os = "linux") {
                format!(
                    "{}; the kernel keyring needs a login session keyring (SSH and desktop \
                     logins make one through pam_keyinit; `keyctl session` starts one)",
                    describe(&e)
                )
            } else {
                describe(&e)
            };
            error(profile, format!("cannot store the tokens: {why}"))
        })
    }

    pub(super) fn delete(profile: &str, user: &str) -> Result<bool, Oauth2Error> {
        match entry(profile, user)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(error(profile, describe(&e))),
        }
    }
}

/// Built without the `keyring` feature: every call says so.
#[cfg(not(feature = "keyring"))]
mod keyring {
    use super::Oauth2Error;

    pub(super) fn error(profile: &str, message: String) -> Oauth2Error {
        Oauth2Error::Keyring {
            profile: profile.to_owned(),
            message,
        }
    }

    fn unavailable<T>(profile: &str) -> Result<T, Oauth2Error> {
        Err(error(
            profile,
            "this oauth1to2 was built without the keyring feature".into(),
        ))
    }

    pub(super) fn get(profile: &str, _user: &str) -> Result<Option<String>, Oauth2Error> {
        unavailable(profile)
    }

    pub(super) fn set(profile: &str, _user: &str, _text: &str) -> Result<(), Oauth2Error> {
        unavailable(profile)
    }

    pub(super) fn delete(profile: &str, _user: &str) -> Result<bool, Oauth2Error> {
        unavailable(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(rt: &str, expires_at: i64) -> TokenSet {
        TokenSet {
            token_type: "bearer".into(),
            access_token: format!("at-{rt}").into(),
            refresh_token: Some(rt.into()),
            expires_at: Some(expires_at),
            scopes: vec!["offline_access".into()],
            scopes_from: None,
            consented_at: None,
            id_token: None,
            obtained_at: 0,
            refresh_started_at: None,
            expiry_assumed: false,
        }
    }

    #[test]
    fn valid_tokens_are_returned_without_renewing() {
        let dir = tempfile::tempdir().unwrap();
        let s = TokenStore::new(dir.path(), "p");
        s.save(&tokens("r1", 1000)).unwrap();
        let (t, n) = s
            .fresh(60, false, || 100, |_| panic!("no refresh expected"))
            .unwrap();
        assert_eq!(t.refresh_token.as_deref(), Some("r1"));
        assert!(n.is_empty());
    }

    #[test]
    fn an_interrupted_refresh_is_retried_with_the_old_token() {
        let dir = tempfile::tempdir().unwrap();
        let s = TokenStore::new(dir.path(), "p");
        s.save(&tokens("r1", 100)).unwrap();
        // The renewal fails as a lost response would: the marker stays, r1 stays.
        let err = s.fresh(
            60,
            false,
            || 90,
            |_| {
                Err(Oauth2Error::Network {
                    url: "t".into(),
                    message: "timed out".into(),
                })
            },
        );
        assert!(err.is_err());
        let on_disk = s.load().unwrap().unwrap();
        assert_eq!(on_disk.refresh_token.as_deref(), Some("r1"));
        assert_eq!(on_disk.refresh_started_at, Some(90));
        // The next run says so and uses r1 again.
        let (t, n) = s
            .fresh(
                60,
                false,
                || 95,
                |cur| {
                    assert_eq!(cur.refresh_token.as_deref(), Some("r1"));
                    Ok(tokens("r2", 2000))
                },
            )
            .unwrap();
        assert_eq!(t.refresh_token.as_deref(), Some("r2"));
        assert!(matches!(
            n[0],
            Notice::ResumedInterruptedRefresh {
                started_at: 90,
                retried_at: 95
            }
        ));
        let on_disk = s.load().unwrap().unwrap();
        assert_eq!(on_disk.refresh_token.as_deref(), Some("r2"));
        assert_eq!(on_disk.refresh_started_at, None);
    }

    #[cfg(unix)]
    #[test]
    fn token_files_are_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let s = TokenStore::new(&dir.path().join("tokens"), "p");
        s.save(&tokens("r1", 100)).unwrap();
        let mode = std::fs::metadata(s.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dmode = std::fs::metadata(dir.path().join("tokens"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dmode, 0o700);
    }

    #[test]
    fn a_replacement_waits_for_a_refresh_holding_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let s = TokenStore::new(dir.path(), "p");
        s.save(&tokens("r1", 100)).unwrap();
        let held = s.lock(Duration::from_secs(1)).unwrap();
        // Another store on the same file (as another process would open it) cannot replace
        // the tokens while the lock is held: with no time to wait, it is refused...
        let other = TokenStore::new(dir.path(), "p");
        assert!(other
            .replace_waiting(&tokens("r2", 200), Duration::ZERO)
            .is_err());
        assert_eq!(
            s.load().unwrap().unwrap().refresh_token.as_deref(),
            Some("r1"),
            "replaced while the lock was held"
        );
        // ...and once it is released, it goes through.
        drop(held);
        other
            .replace_waiting(&tokens("r2", 200), Duration::ZERO)
            .unwrap();
        assert_eq!(
            s.load().unwrap().unwrap().refresh_token.as_deref(),
            Some("r2")
        );
    }
}
