//! How oauth1to2 writes files.
//!
//! Every file is written to a temporary file in the destination folder, fsynced, then moved into
//! place, so a crash never leaves a partial file under the final name. Private material is created
//! with mode 0600 from the first byte (the temporary file already has it). Without `force`, an
//! existing destination is never replaced: the final step is a hard link, which fails atomically if
//! the name exists, closing the check-then-create race.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Who may read the file we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Private keys, tokens, `.pfx` files: mode 0600.
    Private,
    /// Certificates and reports: mode 0644 (less the umask).
    Public,
}

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The destination exists and `force` was not given.
    #[error("{path} already exists")]
    Exists {
        /// The file we refused to replace.
        path: PathBuf,
    },
    /// Any other I/O failure, with the file it concerns.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl WriteError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            WriteError::Exists { .. } => {
                "choose another path, move the file away, or allow replacing it".into()
            }
            WriteError::Io { .. } => {
                "check that the folder exists and that you may write to it".into()
            }
        }
    }
}

/// Writes `bytes` to `path` atomically. See the module docs for the guarantees.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    visibility: Visibility,
    force: bool,
) -> Result<(), WriteError> {
    write_atomic_with(path, visibility, force, |f| f.write_all(bytes))
}

/// [`write_atomic`], for a file written piece by piece by `fill` (a large output streamed): the
/// same temporary file, flush and rename, so a reader never sees part of it.
pub fn write_atomic_with(
    path: &Path,
    visibility: Visibility,
    force: bool,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    if !force && fs::symlink_metadata(path).is_ok() {
        return Err(WriteError::Exists {
            path: path.to_path_buf(),
        });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let (tmp_path, mut file) = create_temp(&dir, &file_name, visibility).map_err(io_err)?;
    let result = (|| {
        fill(&mut file)?;
        file.sync_all()?;
        drop(file);
        if force {
            fs::rename(&tmp_path, path)?;
        } else {
            // link() refuses to replace an existing name: the no-clobber check is atomic.
            match fs::hard_link(&tmp_path, path) {
                Ok(()) => {
                    let _ = fs::remove_file(&tmp_path);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let _ = fs::remove_file(&tmp_path);
                    return Err(e);
                }
                Err(_) => {
                    // Filesystems without hard links: fall back to a checked rename.
                    if fs::symlink_metadata(path).is_ok() {
                        let _ = fs::remove_file(&tmp_path);
                        return Err(io::Error::from(io::ErrorKind::AlreadyExists));
                    }
                    fs::rename(&tmp_path, path)?;
                }
            }
        }
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp_path);
            if e.kind() == io::ErrorKind::AlreadyExists {
                Err(WriteError::Exists {
                    path: path.to_path_buf(),
                })
            } else {
                Err(io_err(e))
            }
        }
    }
}

/// Creates `dir` and any missing parents with mode 0700 (whatever the umask), for every folder
/// of ours: config, tokens, secrets, the discovery cache. An existing folder is left as it is.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)?;
    // The mode above is masked by the umask, which can only take bits away: set the leaf
    // exactly, in case the umask removed the owner's own bits.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Why `path` must not be trusted: another user can write it, or swap it by writing its
/// folder (a folder with the sticky bit, like /tmp, protects its files). `None` when it is
/// safe, or does not exist. On other platforms than Unix, always `None`.
pub fn writable_by_others(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::symlink_metadata(path).ok()?;
        let mode = meta.permissions().mode();
        if mode & 0o022 != 0 {
            return Some(format!(
                "{} is writable by other users (mode {:04o})",
                path.display(),
                mode & 0o7777
            ));
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(d) = fs::metadata(dir) {
            let m = d.permissions().mode();
            if m & 0o022 != 0 && m & 0o1000 == 0 {
                return Some(format!(
                    "its folder {} is writable by other users (mode {:04o}), so the file can be swapped",
                    dir.display(),
                    m & 0o7777
                ));
            }
        }
    }
    let _ = path;
    None
}

fn create_temp(dir: &Path, name: &str, visibility: Visibility) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..16 {
        let suffix: u64 = rand::random();
        let tmp = dir.join(format!(".{name}.{suffix:016x}.tmp"));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(match visibility {
                Visibility::Private => 0o600,
                Visibility::Public => 0o644,
            });
        }
        match opts.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temporary name available")))
}

/// An exclusive advisory lock on a file, held while this value lives (released on drop, and
/// by the kernel if the process dies).
#[derive(Debug)]
pub struct FileLock(#[allow(dead_code)] File);

/// Takes an exclusive lock on `path` (created 0600 in a 0700 folder if missing), waiting up to
/// `wait` for another holder; past it, an error of kind `WouldBlock`.
pub fn lock_exclusive(path: &Path, wait: std::time::Duration) -> io::Result<FileLock> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(path)?;
    let deadline = std::time::Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock(file)),
            Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "another oauth1to2 process has held the lock for {} seconds",
                        wait.as_secs()
                    ),
                ))
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// The most oauth1to2 reads of a file the consultant names that is not evidence (an inventory,
/// a certificate, a key, a state or batch file): 16 MiB.
pub const MAX_FILE: usize = 16 << 20;

/// The most it reads of a file that holds one secret or password (its first line is used):
/// 64 KiB, far beyond any real one, so `/dev/zero` named by mistake costs nothing.
pub const MAX_SECRET_FILE: usize = 64 << 10;

/// The most it reads of a HAR export or an access log: 64 MiB.
pub const MAX_EVIDENCE: usize = 64 << 20;

/// Reads a whole text file of at most `cap` bytes (see [`read_limited`]); not UTF-8 is an
/// error.
pub fn read_text_limited(path: &Path, cap: usize) -> io::Result<String> {
    String::from_utf8(read_limited(path, cap)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// Reads a whole file of at most `cap` bytes; a larger one (or `/dev/zero`) is an error
/// without being read through.
pub fn read_limited(path: &Path, cap: usize) -> io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    // Opening a FIFO would wait for a writer, and a socket cannot be read: refuse both first.
    let kind = std::fs::metadata(path)?.file_type();
    if kind.is_fifo() || kind.is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO or a socket)",
        ));
    }
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(cap as u64 + 1)
        .read_to_end(&mut buf)?;
    if buf.len() > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            if cap.is_multiple_of(1 << 20) {
                format!("larger than {} MiB", cap >> 20)
            } else {
                format!("larger than {cap} bytes")
            },
        ));
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_files_are_0600_and_never_replaced_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("privatekey.pem");
        write_atomic(&p, b"one", Visibility::Private, false).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let err = write_atomic(&p, b"two", Visibility::Private, false).unwrap_err();
        assert!(matches!(err, WriteError::Exists { .. }));
        assert_eq!(fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"three", Visibility::Private, true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"three");
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
