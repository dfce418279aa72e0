//! The list of users whose OAuth 1.0a tokens a bulk exchange trades for OAuth 2.0 pairs: a CSV
//! file with a header naming at least `user_id`, `oauth_token` and `oauth_token_secret` (other
//! columns are kept, in order, and passed through to the output), or JSON lines with the same
//! fields (other string fields kept likewise).
//!
//! A bad row is reported with its line and skipped; only a file that cannot be used at all (no
//! such file, no header, a required column missing, too big) is an error. A second row for a
//! user already listed is a bad row: one user is exchanged once. Tokens and secrets are held as
//! secrets: no `Debug`, error or report shows them.
//!
//! The list is read a row at a time ([`Rows`]), so its size does not set the memory a run
//! needs. A row is capped ([`MAX_ROW`]) and so is the number of users ([`MAX_USERS`]); a larger
//! list belongs in a database table.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::secret::{Password, Token};

/// The longest row: 64 KiB.
pub const MAX_ROW: usize = 64 << 10;
/// The most users in one list.
pub const MAX_USERS: usize = 5_000_000;

/// The columns every row needs.
pub const REQUIRED: [&str; 3] = ["user_id", "oauth_token", "oauth_token_secret"];

/// One user's OAuth 1.0a token, as listed.
#[derive(Clone)]
pub struct UserToken {
    /// The 1-based line it was on.
    pub line: usize,
    /// The user's id in the partner's system.
    pub user_id: String,
    /// The OAuth 1.0a access token.
    pub token: Token,
    /// Its secret.
    pub token_secret: Password,
    /// The other columns, by name, in the file's order, passed through to the output.
    pub extra: Vec<(String, String)>,
}

impl std::fmt::Debug for UserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserToken")
            .field("line", &self.line)
            .field("user_id", &self.user_id)
            .field(
                "extra",
                &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// A row that was skipped, and why (never a token or secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BadRow {
    /// The 1-based line.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// The list, read.
#[derive(Debug, Default)]
pub struct TokenList {
    /// The users to exchange, in the file's order.
    pub users: Vec<UserToken>,
    /// The rows skipped.
    pub bad: Vec<BadRow>,
    /// The names of the columns passed through, in order.
    pub extra_columns: Vec<String>,
}

/// Why the list cannot be used at all.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{file}: {message}")]
pub struct InputError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
    /// What to do, in words.
    pub hint: String,
}

impl InputError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        self.hint.clone()
    }
}

/// How the list is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated, with a header.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

impl Format {
    /// The format of `path`'s text: JSON lines when the first character that is not white space
    /// is `{`, or the name ends `.jsonl` or `.ndjson`; else CSV.
    pub fn of(path: &Path, text: &str) -> Format {
        let named = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"));
        if named || text.trim_start().starts_with('{') {
            Format::JsonLines
        } else {
            Format::Csv
        }
    }
}

/// Opens the list in `path` for reading row by row (see the module's description); its header
/// (CSV) is read and checked now.
pub fn open(path: &Path) -> Result<Rows<BufReader<File>>, InputError> {
    let file = path.display().to_string();
    let f = File::open(path).map_err(|e| InputError {
        file: file.clone(),
        message: format!("cannot read it: {e}"),
        hint: "check the path".into(),
    })?;
    Rows::new(file, BufReader::with_capacity(256 << 10, f), None, path)
}

/// Parses a whole list's text; `file` names it in errors.
pub fn parse(file: &str, text: &str, format: Format) -> Result<TokenList, InputError> {
    let mut rows = Rows::new(file.into(), text.as_bytes(), Some(format), Path::new(file))?;
    let mut list = TokenList::default();
    while let Some(row) = rows.next_row()? {
        match row {
            Ok(u) => list.users.push(u),
            Err(b) => list.bad.push(b),
        }
    }
    list.extra_columns = rows.extra_columns().to_vec();
    Ok(list)
}

/// A list read one row at a time: memory for one row, and for the duplicate check a 16-byte
/// digest and a line number per user.
pub struct Rows<R> {
    file: String,
    records: crate::records::Records<R>,
    format: Format,
    header: Vec<String>,
    extra_columns: Vec<String>,
    /// Each user's digest and first line (the first reading of a list).
    seen: HashMap<[u8; 16], u32>,
    /// The lines of rows that list a user again: found by the first reading, and then skipped
    /// by those after it, which keep no digests.
    duplicates: Vec<usize>,
    /// Whether this reading knows the duplicates already.
    known: bool,
    /// Users read.
    users: usize,
}

impl<R> std::fmt::Debug for Rows<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows")
            .field("file", &self.file)
            .field("line", &self.records.line())
            .finish_non_exhaustive()
    }
}

use crate::records::{csv_fields, Record};

impl<R: BufRead> Rows<R> {
    fn new(
        file: String,
        mut r: R,
        format: Option<Format>,
        path: &Path,
    ) -> Result<Rows<R>, InputError> {
        let format = match format {
            Some(f) => f,
            None => {
                let head = r.fill_buf().map_err(|e| InputError {
                    file: file.clone(),
                    message: format!("cannot read it: {e}"),
                    hint: "check the path".into(),
                })?;
                let start = String::from_utf8_lossy(&head[..head.len().min(64)]).into_owned();
                Format::of(path, &start)
            }
        };
        let mut rows = Rows {
            file,
            records: crate::records::Records::new(r, MAX_ROW, format == Format::Csv),
            format,
            header: Vec::new(),
            extra_columns: Vec::new(),
            seen: HashMap::new(),
            duplicates: Vec::new(),
            known: false,
            users: 0,
        };
        if format == Format::Csv {
            rows.read_header()?;
        }
        Ok(rows)
    }

    /// The columns besides the three required, in order (for JSON lines: as met so far).
    pub fn extra_columns(&self) -> &[String] {
        &self.extra_columns
    }

    /// The next record's first line and bytes, or its length when it is too long; `None` at
    /// the end.
    fn next_record(&mut self) -> Result<Option<Record>, InputError> {
        let after = self.records.line();
        self.records.next_record().map_err(|e| InputError {
            file: self.file.clone(),
            message: format!("cannot read on after line {after}: {e}"),
            hint: "check the file is whole and readable".into(),
        })
    }

    fn read_header(&mut self) -> Result<(), InputError> {
        let err = |file: &str, message: String| {
            InputError {
            file: file.into(),
            message,
            hint: "the first line names the columns: user_id,oauth_token,oauth_token_secret (others are kept)".into(),
        }
        };
        let header = loop {
            match self.next_record()? {
                None => return Err(err(&self.file, "it is empty: there is no header".into())),
                Some((_, Err(len))) => {
                    return Err(err(
                        &self.file,
                        format!("its header is {len} bytes long, not a header"),
                    ))
                }
                Some((_, Ok(bytes))) => match csv_fields(&bytes) {
                    None => return Err(err(&self.file, "its header cannot be read as CSV".into())),
                    Some(f) if f.iter().all(|h| h.trim().is_empty()) => continue,
                    Some(f) => break f,
                },
            }
        };
        self.header = header
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect();
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|r| !self.header.iter().any(|h| h == r))
            .collect();
        if !missing.is_empty() {
            return Err(err(
                &self.file,
                format!(
                    "the header has no {} column{}",
                    missing.join(", "),
                    if missing.len() == 1 { "" } else { "s" }
                ),
            ));
        }
        self.extra_columns = self
            .header
            .iter()
            .filter(|h| !REQUIRED.contains(&h.as_str()) && !h.is_empty())
            .cloned()
            .collect();
        Ok(())
    }

    /// The next row: a user, or a bad row with why; `None` at the end. An error only when the
    /// file cannot be read on, or lists more than [`MAX_USERS`] users.
    pub fn next_row(&mut self) -> Result<Option<Result<UserToken, BadRow>>, InputError> {
        loop {
            let Some((line, rec)) = self.next_record()? else {
                return Ok(None);
            };
            let bytes = match rec {
                Ok(b) => b,
                Err(len) => {
                    return Ok(Some(Err(BadRow {
                        line,
                        reason: format!(
                            "the row is {len} bytes, longer than the {MAX_ROW} a row may be"
                        ),
                    })))
                }
            };
            let row = match self.format {
                Format::Csv => self.csv_row(line, &bytes),
                Format::JsonLines => self.json_row(line, &bytes),
            };
            let Some(row) = row else { continue };
            let row = match row {
                Ok(u) => self.first_time(u),
                bad => bad,
            };
            return Ok(Some(row));
        }
    }

    /// The lines of the rows that listed a user again, so far.
    pub fn duplicates(&self) -> &[usize] {
        &self.duplicates
    }

    /// Reads on without a digest per user: `duplicates` (from a first reading of the same
    /// file) are the rows to skip.
    pub fn knowing_duplicates(mut self, duplicates: Vec<usize>) -> Self {
        self.duplicates = duplicates;
        self.known = true;
        self
    }

    /// One user, one exchange: a second row for a user is bad, naming the first.
    fn first_time(&mut self, u: UserToken) -> Result<UserToken, BadRow> {
        if self.known {
            if self.duplicates.binary_search(&u.line).is_ok() {
                return Err(BadRow {
                    line: u.line,
                    reason: "its user_id is listed again".into(),
                });
            }
            return Ok(u);
        }
        let key = digest(&u.user_id);
        if let Some(first) = self.seen.get(&key) {
            self.duplicates.push(u.line);
            return Err(BadRow {
                line: u.line,
                reason: listed_again(*first as usize),
            });
        }
        self.users += 1;
        if self.users > MAX_USERS {
            return Err(BadRow {
                line: u.line,
                reason: format!(
                    "the list has more than {MAX_USERS} users; split it, or use a table"
                ),
            });
        }
        self.seen
            .insert(key, u32::try_from(u.line).unwrap_or(u32::MAX));
        Ok(u)
    }

    fn csv_row(&mut self, line: usize, bytes: &[u8]) -> Option<Result<UserToken, BadRow>> {
        let bad = |reason: String| Some(Err(BadRow { line, reason }));
        let Some(fields) = csv_fields(bytes) else {
            return bad("the row is not valid CSV (or not UTF-8)".into());
        };
        if fields.iter().all(|f| f.trim().is_empty()) {
            return None;
        }
        if fields.len() != self.header.len() {
            return bad(format!(
                "the row has {} fields and the header {}",
                fields.len(),
                self.header.len()
            ));
        }
        let fields = self.header.iter().cloned().zip(fields).collect();
        Some(user_of(line, bytes.len(), fields, &self.extra_columns))
    }

    fn json_row(&mut self, line: usize, bytes: &[u8]) -> Option<Result<UserToken, BadRow>> {
        let raw = String::from_utf8_lossy(bytes);
        if raw.trim().is_empty() {
            return None;
        }
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(&raw)
        else {
            return Some(Err(BadRow {
                line,
                reason: "the row is not a JSON object".into(),
            }));
        };
        let mut fields = Vec::new();
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if !REQUIRED.contains(&k.as_str()) && !self.extra_columns.contains(&k) {
                self.extra_columns.push(k.clone());
            }
            fields.push((k, text));
        }
        Some(user_of(line, bytes.len(), fields, &self.extra_columns))
    }
}

/// A user id's 16-byte digest: what duplicate checks and the journal's index keep.
pub fn digest(user_id: &str) -> [u8; 16] {
    use sha2::Digest;
    let d = sha2::Sha256::digest(user_id.as_bytes());
    let mut k = [0u8; 16];
    k.copy_from_slice(&d[..16]);
    k
}

/// Why a row that lists a user again is skipped.
pub fn listed_again(first_line: usize) -> String {
    format!("its user_id is listed again (first on line {first_line}); a user is exchanged once")
}

/// A value from the file as messages show it: at most 64 characters, control characters
/// escaped.
fn shown(s: &str) -> String {
    crate::text::term(&s.chars().take(64).collect::<String>()).into_owned()
}

/// The checks every row gets, whatever its format: the three fields present and not empty, no
/// white space inside the token, the row not too long.
fn user_of(
    line: usize,
    len: usize,
    fields: Vec<(String, String)>,
    extra_columns: &[String],
) -> Result<UserToken, BadRow> {
    let bad = |reason: String| BadRow { line, reason };
    if len > MAX_ROW {
        return Err(bad(format!(
            "the row is {len} bytes, longer than the {MAX_ROW} a row may be"
        )));
    }
    let mut user_id = None;
    let mut token = None;
    let mut secret = None;
    let mut extra = Vec::new();
    for (k, v) in fields {
        match k.as_str() {
            "user_id" => user_id = Some(v),
            "oauth_token" => token = Some(v),
            "oauth_token_secret" => secret = Some(v),
            _ if extra_columns.contains(&k) => extra.push((k, v)),
            _ => {}
        }
    }
    let user_id = user_id
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| bad("user_id is empty".into()))?;
    let token = token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad(format!("user {:?}: oauth_token is empty", shown(&user_id))))?;
    if token.chars().any(char::is_whitespace) {
        return Err(bad(format!(
            "user {:?}: oauth_token has white space inside it",
            shown(&user_id)
        )));
    }
    let secret = secret.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        bad(format!(
            "user {:?}: oauth_token_secret is empty",
            shown(&user_id)
        ))
    })?;
    Ok(UserToken {
        line,
        user_id,
        token: Token::new(token),
        token_secret: Password::new(secret.trim().to_owned()),
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> TokenList {
        parse("users.csv", text, Format::Csv).unwrap()
    }

    #[test]
    fn a_csv_list_keeps_its_other_columns_and_skips_bad_rows_by_line() {
        let l = csv("user_id,email,oauth_token,oauth_token_secret\n\
             u1,a@example.com,tok-1,sec-1\n\
             u2,b@example.com,,sec-2\n\
             u3,c@example.com,tok 3,sec-3\n\
             u4,d@example.com,tok-4\n\
             \n\
             u1,e@example.com,tok-5,sec-5\n\
             \"u6\",\"f,g@example.com\",tok-6,\"sec,6\"\n");
        let ids: Vec<_> = l.users.iter().map(|u| u.user_id.as_str()).collect();
        assert_eq!(ids, ["u1", "u6"]);
        assert_eq!(l.extra_columns, ["email"]);
        assert_eq!(
            l.users[1].extra,
            [("email".into(), "f,g@example.com".into())]
        );
        assert_eq!(l.users[1].token_secret.expose(), "sec,6");
        let bad: Vec<(usize, &str)> = l.bad.iter().map(|b| (b.line, b.reason.as_str())).collect();
        assert_eq!(bad.len(), 4, "{bad:?}");
        assert_eq!(bad[0].0, 3);
        assert!(bad[0].1.contains("oauth_token is empty"), "{bad:?}");
        assert_eq!(bad[1].0, 4);
        assert!(bad[1].1.contains("white space"), "{bad:?}");
        assert_eq!(bad[2].0, 5);
        assert!(bad[2].1.contains("3 fields and the header 4"), "{bad:?}");
        assert_eq!(bad[3].0, 7);
        assert!(bad[3].1.contains("first on line 2"), "{bad:?}");
        // Nothing shown names a token or a secret.
        let shown = format!("{:?} {:?}", l.users, l.bad);
        for s in ["tok-1", "sec-1", "tok-5", "sec-5", "sec,6"] {
            assert!(!shown.contains(s), "{s} in {shown}");
        }
    }

    #[test]
    fn a_header_without_a_required_column_is_refused_naming_it() {
        let e = parse("users.csv", "user_id,token\nu1,t\n", Format::Csv).unwrap_err();
        assert!(
            e.message
                .contains("oauth_token, oauth_token_secret columns"),
            "{e}"
        );
        assert!(parse("users.csv", "", Format::Csv).is_err());
    }

    #[test]
    fn json_lines_are_read_with_their_other_fields() {
        let text = "{\"user_id\": 7, \"oauth_token\": \"t7\", \"oauth_token_secret\": \"s7\", \"plan\": \"gold\"}\n\
                    not json\n\
                    {\"user_id\": \"8\", \"oauth_token\": \"t8\"}\n";
        assert_eq!(Format::of(Path::new("x.txt"), text), Format::JsonLines);
        let l = parse("users.jsonl", text, Format::JsonLines).unwrap();
        assert_eq!(l.users.len(), 1);
        assert_eq!(l.users[0].user_id, "7");
        assert_eq!(l.users[0].extra, [("plan".into(), "gold".into())]);
        assert_eq!(l.bad.len(), 2);
        assert_eq!((l.bad[0].line, l.bad[1].line), (2, 3));
        assert!(l.bad[1].reason.contains("oauth_token_secret is empty"));
    }

    #[test]
    fn a_long_row_is_skipped_not_read_through() {
        let long = "x".repeat(MAX_ROW + 10);
        let l = csv(&format!(
            "user_id,oauth_token,oauth_token_secret\nu1,{long},s\nu2,t,s\n"
        ));
        assert_eq!(l.users.len(), 1);
        assert!(l.bad[0].reason.contains("longer than"), "{:?}", l.bad);
    }
}
