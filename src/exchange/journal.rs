//! The exchange journal: what a bulk exchange did, written before anything else, so that a run
//! killed at any moment loses no pair it received and never exchanges a user twice.
//!
//! One JSON object per line, appended and flushed to the disk (`fsync`) before the run goes on:
//! an `attempt` before each request, then the `received` pair (every field the provider sent)
//! before anything else is done with it, or the user's `outcome` (`reconsent`, `failed`). The
//! file is created 0600 in a 0700 folder and only ever appended to. Replaying it gives each
//! user's state; a last line cut short by a crash is the one thing it leaves out.
//!
//! One run holds a journal at a time: [`Journal::open`] takes its lock without waiting, and a
//! second run on the same journal is refused at once.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files::FileLock;
use crate::secret::Token;

/// One line of the journal.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Record {
    /// A request is about to go out for `user`.
    Attempt {
        /// The user.
        user: String,
        /// When (Unix seconds).
        at: i64,
    },
    /// The provider answered `user`'s exchange with a pair: kept before anything else.
    Received {
        /// The user.
        user: String,
        /// When (Unix seconds).
        at: i64,
        /// The new access token.
        access_token: Token,
        /// The new refresh token, if one came.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refresh_token: Option<Token>,
        /// When the access token expires (Unix seconds), if the provider said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<i64>,
        /// The scopes granted, as the provider wrote them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        /// Every other field of the answer, kept as it came.
        #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
        other: serde_json::Map<String, serde_json::Value>,
    },
    /// `user` will not be exchanged in this run: `status` is `reconsent` (the user must consent
    /// again) or `failed`, with the reason (never a token).
    Outcome {
        /// The user.
        user: String,
        /// When (Unix seconds).
        at: i64,
        /// `reconsent` or `failed`.
        status: String,
        /// Why.
        reason: String,
    },
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Record::Attempt { user, at } => f
                .debug_struct("Attempt")
                .field("user", user)
                .field("at", at)
                .finish(),
            Record::Received { user, at, .. } => f
                .debug_struct("Received")
                .field("user", user)
                .field("at", at)
                .finish_non_exhaustive(),
            Record::Outcome {
                user,
                status,
                reason,
                ..
            } => f
                .debug_struct("Outcome")
                .field("user", user)
                .field("status", status)
                .field("reason", reason)
                .finish(),
        }
    }
}

impl Record {
    /// The user it is about.
    pub fn user(&self) -> &str {
        match self {
            Record::Attempt { user, .. }
            | Record::Received { user, .. }
            | Record::Outcome { user, .. } => user,
        }
    }
}

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Another run holds it.
    #[error("{path}: another exchange run is using this journal")]
    Busy {
        /// The journal.
        path: PathBuf,
    },
    /// It cannot be read, created or written.
    #[error("{path}: {message}")]
    Io {
        /// The journal.
        path: PathBuf,
        /// What happened.
        message: String,
    },
    /// A line before the last is not a record: the file was changed by hand or is another file.
    #[error("{path} line {line}: not a journal record")]
    Corrupt {
        /// The journal.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
    },
}

impl JournalError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            JournalError::Busy { .. } => "wait for the other run to finish, or give this run its own journal".into(),
            JournalError::Io { .. } => "check the folder exists and that you may write to it".into(),
            JournalError::Corrupt { .. } => "restore the journal from the run that wrote it; never edit it by hand (it holds every pair received)".into(),
        }
    }
}

/// An open journal, held by one run, shared by its workers. Appends are group-committed: a
/// worker's record is written at once, and one `fsync` makes every record written before it
/// durable, so workers appending together share a flush; none returns before its own record
/// is on the disk.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    /// The file for writes, and how many records were written to it.
    file: std::sync::Mutex<(File, u64)>,
    /// A second handle for flushing, and how many records are known to be on the disk.
    synced: std::sync::Mutex<(File, u64)>,
    _lock: FileLock,
}

fn io(path: &Path, e: impl std::fmt::Display) -> JournalError {
    JournalError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

impl Journal {
    /// Opens (or creates, 0600 in a 0700 folder) the journal at `path` and takes its lock; the
    /// index of the records already in it.
    pub fn open(path: &Path) -> Result<(Journal, Index), JournalError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::create_private_dir(dir).map_err(|e| io(dir, e))?;
        }
        let lock_path = path.with_extension("lock");
        let lock = crate::files::lock_exclusive(&lock_path, std::time::Duration::ZERO).map_err(
            |e| match e.kind() {
                std::io::ErrorKind::WouldBlock => JournalError::Busy {
                    path: path.to_path_buf(),
                },
                _ => io(&lock_path, e),
            },
        )?;
        let mut opts = OpenOptions::new();
        opts.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(path).map_err(|e| io(path, e))?;
        // It holds tokens: 0600 whatever the umask made it, or a copy left it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| io(path, e))?;
        }
        let records = Index::of(path)?;
        let flush = file.try_clone().map_err(|e| io(path, e))?;
        Ok((
            Journal {
                path: path.to_path_buf(),
                file: std::sync::Mutex::new((file, 0)),
                synced: std::sync::Mutex::new((flush, 0)),
                _lock: lock,
            },
            records,
        ))
    }

    /// The record at `offset` (from the index).
    pub fn read_at(&self, offset: u64) -> Result<Record, JournalError> {
        read_at(&self.path, offset)
    }

    /// Appends `record` and flushes it to the disk before returning.
    pub fn append(&self, record: &Record) -> Result<(), JournalError> {
        let mut line =
            zeroize::Zeroizing::new(serde_json::to_string(record).map_err(|e| io(&self.path, e))?);
        line.push('\n');
        let mine = {
            let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
            f.0.write_all(line.as_bytes())
                .map_err(|e| io(&self.path, e))?;
            f.1 += 1;
            f.1
        };
        let mut s = self.synced.lock().unwrap_or_else(|e| e.into_inner());
        if s.1 >= mine {
            // Another worker's flush, begun after this record was written, covered it.
            return Ok(());
        }
        let written = self.file.lock().unwrap_or_else(|e| e.into_inner()).1;
        s.0.sync_data().map_err(|e| io(&self.path, e))?;
        s.1 = written;
        Ok(())
    }
}

/// The longest journal line read: 1 MiB (a record is a few KB; a longer line is not one).
pub const MAX_LINE: usize = 1 << 20;

/// Reads the journal at `path` a line at a time, giving each record and its byte offset to
/// `each`; a last line cut short by a crash is left out. A missing journal has no records.
pub fn scan(path: &Path, each: impl FnMut(u64, Record)) -> Result<(), JournalError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(path, e)),
    };
    scan_reader(
        std::io::BufReader::with_capacity(256 << 10, file),
        path,
        each,
    )
}

/// [`scan`] over any reader (`path` names it in errors).
pub fn scan_reader<R: std::io::BufRead>(
    mut r: R,
    path: &Path,
    mut each: impl FnMut(u64, Record),
) -> Result<(), JournalError> {
    use std::io::{BufRead, Read};
    let (mut offset, mut line_no) = (0u64, 0usize);
    let mut line = zeroize::Zeroizing::new(Vec::new());
    // A bad line is only an error if another follows it.
    let mut pending_bad: Option<usize> = None;
    loop {
        line.clear();
        let n = (&mut r)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| io(path, e))?;
        if n == 0 {
            return Ok(());
        }
        if let Some(l) = pending_bad {
            return Err(JournalError::Corrupt {
                path: path.to_path_buf(),
                line: l,
            });
        }
        line_no += 1;
        let at = offset;
        offset += n as u64;
        let text = std::str::from_utf8(&line).unwrap_or("");
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(text) {
            Ok(rec) if line.ends_with(b"\n") => each(at, rec),
            _ => pending_bad = Some(line_no),
        }
    }
}

/// The records in the journal at `path`; a last line cut short by a crash is left out. Holds
/// them all: for small journals and tests ([`Index`] is what a run keeps).
pub fn replay(path: &Path) -> Result<Vec<Record>, JournalError> {
    let mut out = Vec::new();
    scan(path, |_, r| out.push(r))?;
    Ok(out)
}

/// A user's last word in a journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Last {
    /// A request went out and nothing came back that was kept.
    InFlight,
    /// A pair was kept, at this offset.
    Received(u64),
    /// Re-consent, at this offset.
    Reconsent(u64),
    /// Failed, at this offset.
    Failed(u64),
}

/// Each user's last word in a journal, by a 16-byte digest of the user id: 24 bytes a user
/// (built from a list of the records, sorted, not a hash table), whatever the journal holds.
/// The record itself is read back when needed ([`Reader`], [`Journal::read_at`]).
#[derive(Debug, Default)]
pub struct Index {
    /// Sorted by digest; the offset's top two bits say which [`Last`] it is.
    entries: Vec<([u8; 16], u64)>,
}

const TAG: u64 = 0b11 << 62;

fn pack(last: Last) -> u64 {
    match last {
        Last::InFlight => 0,
        Last::Received(at) => (1 << 62) | at,
        Last::Reconsent(at) => (2 << 62) | at,
        Last::Failed(at) => (3 << 62) | at,
    }
}

fn unpack(v: u64) -> Last {
    let at = v & !TAG;
    match v >> 62 {
        0 => Last::InFlight,
        1 => Last::Received(at),
        2 => Last::Reconsent(at),
        _ => Last::Failed(at),
    }
}

impl Index {
    /// The index of the journal at `path`.
    pub fn of(path: &Path) -> Result<Index, JournalError> {
        Index::build(path, true)
    }

    /// The index of the journal at `path` without requests in flight (only pairs and
    /// outcomes): what the output needs.
    pub fn settled_of(path: &Path) -> Result<Index, JournalError> {
        Index::build(path, false)
    }

    fn build(path: &Path, attempts: bool) -> Result<Index, JournalError> {
        let mut all: Vec<([u8; 16], u64)> = Vec::new();
        scan(path, |at, r| {
            let last = match &r {
                Record::Attempt { .. } if !attempts => return,
                Record::Attempt { .. } => Last::InFlight,
                Record::Received { .. } => Last::Received(at),
                Record::Outcome { status, .. } if status == "reconsent" => Last::Reconsent(at),
                Record::Outcome { .. } => Last::Failed(at),
            };
            all.push((crate::exchange::input::digest(r.user()), pack(last)));
        })?;
        // Stable: each user's records stay in the journal's order.
        all.sort_by_key(|e| e.0);
        // Each user's group folded to its last word, in place (no second list).
        let (mut write, mut read) = (0, 0);
        while read < all.len() {
            let key = all[read].0;
            let mut last = unpack(all[read].1);
            read += 1;
            while read < all.len() && all[read].0 == key {
                let next = unpack(all[read].1);
                // An attempt after a pair is never written; if it were, the pair still stands.
                if !(matches!(last, Last::Received(_)) && next == Last::InFlight) {
                    last = next;
                }
                read += 1;
            }
            all[write] = (key, pack(last));
            write += 1;
        }
        all.truncate(write);
        all.shrink_to_fit();
        let entries = all;
        Ok(Index { entries })
    }

    /// `user`'s last word, if the journal has one.
    pub fn get(&self, user: &str) -> Option<Last> {
        let k = crate::exchange::input::digest(user);
        self.entries
            .binary_search_by_key(&k, |e| e.0)
            .ok()
            .map(|i| unpack(self.entries[i].1))
    }

    /// Users with a last word.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// How many requests the journal at `path` records at or after `since` (Unix seconds): what a
/// restarted run counts against its rate budget's window.
pub fn attempts_since(path: &Path, since: i64) -> Result<u32, JournalError> {
    let mut n = 0u32;
    scan(path, |_, r| {
        if let Record::Attempt { at, .. } = r {
            if at >= since {
                n = n.saturating_add(1);
            }
        }
    })?;
    Ok(n)
}

/// A journal opened for reading records back by offset, one `pread` each.
#[derive(Debug)]
pub struct Reader {
    path: PathBuf,
    file: File,
    buf: zeroize::Zeroizing<Vec<u8>>,
}

impl Reader {
    /// Opens the journal at `path` for reading.
    pub fn open(path: &Path) -> Result<Reader, JournalError> {
        Ok(Reader {
            path: path.to_path_buf(),
            file: File::open(path).map_err(|e| io(path, e))?,
            buf: zeroize::Zeroizing::new(vec![0; 8 << 10]),
        })
    }

    /// The record at `offset` (an offset from [`Index`]).
    pub fn read_at(&mut self, offset: u64) -> Result<Record, JournalError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            let mut len = 0;
            loop {
                if len == self.buf.len() {
                    if len >= MAX_LINE {
                        break;
                    }
                    self.buf.resize(len * 2, 0);
                }
                let n = self
                    .file
                    .read_at(&mut self.buf[len..], offset + len as u64)
                    .map_err(|e| io(&self.path, e))?;
                if n == 0 {
                    break;
                }
                let found = self.buf[len..len + n].iter().position(|b| *b == b'\n');
                len += n;
                if let Some(i) = found {
                    len = len - n + i;
                    break;
                }
            }
            serde_json::from_slice(&self.buf[..len]).map_err(|_| JournalError::Corrupt {
                path: self.path.clone(),
                line: 0,
            })
        }
        #[cfg(not(unix))]
        {
            read_at(&self.path, offset)
        }
    }
}

/// The record at `offset` in the journal at `path` (an offset from [`Index`]).
pub fn read_at(path: &Path, offset: u64) -> Result<Record, JournalError> {
    use std::io::{BufRead, Read, Seek};
    let mut f = File::open(path).map_err(|e| io(path, e))?;
    f.seek(std::io::SeekFrom::Start(offset))
        .map_err(|e| io(path, e))?;
    let mut line = zeroize::Zeroizing::new(Vec::new());
    std::io::BufReader::new(f)
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .map_err(|e| io(path, e))?;
    serde_json::from_slice(&line).map_err(|_| JournalError::Corrupt {
        path: path.to_path_buf(),
        line: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(user: &str, token: &str) -> Record {
        Record::Received {
            user: user.into(),
            at: 1,
            access_token: Token::new(token),
            refresh_token: Some(Token::new(format!("r-{token}"))),
            expires_at: Some(7201),
            scope: Some("basic write".into()),
            other: serde_json::Map::from_iter([("user_id".to_owned(), serde_json::json!("g-1"))]),
        }
    }

    #[test]
    fn records_survive_a_reopen_and_a_second_run_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs/exchange.journal");
        let (j, before) = Journal::open(&path).unwrap();
        assert!(before.is_empty());
        j.append(&Record::Attempt {
            user: "u1".into(),
            at: 1,
        })
        .unwrap();
        j.append(&received("u1", "access-1")).unwrap();
        j.append(&Record::Attempt {
            user: "u2".into(),
            at: 2,
        })
        .unwrap();
        j.append(&Record::Outcome {
            user: "u3".into(),
            at: 3,
            status: "reconsent".into(),
            reason: "invalid_grant".into(),
        })
        .unwrap();
        // A second run on the same journal is refused while the first holds it.
        assert!(matches!(
            Journal::open(&path),
            Err(JournalError::Busy { .. })
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
            drop(j);
            // A journal copied with wider permissions is made 0600 when it is opened again.
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let (j2, _) = Journal::open(&path).unwrap();
            assert_eq!(mode(&path), 0o600);
            drop(j2);
        }
        #[cfg(not(unix))]
        drop(j);
        let (j, index) = Journal::open(&path).unwrap();
        let records = replay(&path).unwrap();
        assert_eq!(records.len(), 4);
        assert_eq!(records[1], received("u1", "access-1"));
        // The index keeps each user's last word, and reads it back.
        assert_eq!(index.len(), 3);
        let Some(Last::Received(at)) = index.get("u1") else {
            panic!("{:?}", index.get("u1"))
        };
        assert_eq!(j.read_at(at).unwrap(), received("u1", "access-1"));
        let mut reader = Reader::open(&path).unwrap();
        assert_eq!(reader.read_at(at).unwrap(), received("u1", "access-1"));
        let Some(Last::Reconsent(at3)) = index.get("u3") else {
            panic!()
        };
        assert!(matches!(
            reader.read_at(at3).unwrap(),
            Record::Outcome { .. }
        ));
        assert_eq!(index.get("u2"), Some(Last::InFlight));
        assert!(matches!(index.get("u3"), Some(Last::Reconsent(_))));
        assert_eq!(index.get("u4"), None);
        let Record::Outcome { reason, .. } = reader.read_at(at3).unwrap() else {
            panic!()
        };
        assert_eq!(reason, "invalid_grant");
        // Debug shows no token.
        let shown = format!("{records:?}");
        assert!(
            !shown.contains("access-1") && !shown.contains("r-access-1"),
            "{shown}"
        );
    }

    #[test]
    fn a_line_cut_short_at_the_end_is_left_out_and_one_before_it_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let whole = serde_json::to_string(&received("u1", "a")).unwrap();
        std::fs::write(&path, format!("{whole}\n{}", &whole[..whole.len() / 2])).unwrap();
        let records = replay(&path).unwrap();
        assert_eq!(records.len(), 1);
        std::fs::write(&path, format!("{}\n{whole}\n", &whole[..10])).unwrap();
        assert!(matches!(
            replay(&path),
            Err(JournalError::Corrupt { line: 1, .. })
        ));
    }
}
