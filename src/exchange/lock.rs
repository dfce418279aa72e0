//! One exchange per user at a time, across workers and processes on one machine: before it
//! asks the provider for a user, a worker takes that user's lock, one of [`STRIPES`] files under
//! the lock folder, picked by a hash of the provider, the app and the user (so no user id
//! reaches a file name, and a million users make 4,096 files, not a million). Two users that
//! share a file wait for each other for one request; a worker holds one lock at a time, so no
//! two wait for each other forever.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::files::FileLock;

/// How many lock files the users share.
pub const STRIPES: u32 = 4096;

/// The per-user locks of one provider and app.
#[derive(Debug, Clone)]
pub struct UserLocks {
    dir: PathBuf,
    scope: String,
}

/// A user's lock, held until dropped.
#[derive(Debug)]
pub struct UserGuard(#[allow(dead_code)] FileLock);

impl UserLocks {
    /// The locks under `dir` (made 0700) for `provider`'s app `app` (its client or consumer
    /// key).
    pub fn new(dir: &Path, provider: &str, app: &str) -> std::io::Result<UserLocks> {
        crate::files::create_private_dir(dir)?;
        Ok(UserLocks {
            dir: dir.to_path_buf(),
            scope: format!("{provider}\n{app}\n"),
        })
    }

    fn path(&self, user: &str) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.scope.as_bytes());
        h.update(user.as_bytes());
        let d = h.finalize();
        let stripe = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) % STRIPES;
        self.dir.join(format!("{stripe:04x}.lock"))
    }

    /// Takes `user`'s lock if no one holds it; `None` when someone does.
    pub fn try_lock(&self, user: &str) -> std::io::Result<Option<UserGuard>> {
        self.lock(user, std::time::Duration::ZERO)
    }

    /// Takes `user`'s lock, waiting up to `wait` for whoever holds it; `None` if they still do.
    pub fn lock(
        &self,
        user: &str,
        wait: std::time::Duration,
    ) -> std::io::Result<Option<UserGuard>> {
        match crate::files::lock_exclusive(&self.path(user), wait) {
            Ok(l) => Ok(Some(UserGuard(l))),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_locked_once_and_others_are_not_held_up() {
        let dir = tempfile::tempdir().unwrap();
        let a = UserLocks::new(&dir.path().join("locks"), "x", "client-1").unwrap();
        // Another worker of the same run (its own handles on the same files).
        let b = a.clone();
        let held = a.try_lock("user 1").unwrap().expect("free");
        assert!(b.try_lock("user 1").unwrap().is_none(), "held elsewhere");
        assert_ne!(a.path("user 1"), a.path("user 2"));
        let other = b.try_lock("user 2").unwrap();
        assert!(other.is_some(), "another user is free");
        // The same user of another app is another lock.
        let c = UserLocks::new(&dir.path().join("locks"), "x", "client-2").unwrap();
        assert!(c.try_lock("user 1").unwrap().is_some());
        drop(held);
        assert!(
            b.try_lock("user 1").unwrap().is_some(),
            "released when dropped"
        );
        // No user id in a file name.
        for e in std::fs::read_dir(dir.path().join("locks")).unwrap() {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!n.contains("user"), "{n}");
        }
    }
}
