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
//! Everything read is capped: the file ([`MAX_FILE`]), a row ([`MAX_ROW`]) and the number of
//! users ([`MAX_USERS`]); a larger list belongs in a database table.

use std::collections::HashMap;
use std::path::Path;

use crate::secret::{Password, Token};

/// The largest list read: 512 MiB (a million users is about 200 MB of CSV).
pub const MAX_FILE: usize = 512 << 20;
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

/// Reads the list in `path` (see the module's description).
pub fn read(path: &Path) -> Result<TokenList, InputError> {
    let file = path.display().to_string();
    let text = crate::files::read_text_limited(path, MAX_FILE).map_err(|e| InputError {
        file: file.clone(),
        message: format!("cannot read it: {e}"),
        hint: "check the path; a list larger than 512 MiB belongs in a database table".into(),
    })?;
    parse(&file, &text, Format::of(path, &text))
}

/// Parses a list's text; `file` names it in errors.
pub fn parse(file: &str, text: &str, format: Format) -> Result<TokenList, InputError> {
    let mut list = match format {
        Format::Csv => parse_csv(file, text)?,
        Format::JsonLines => parse_json_lines(text),
    };
    // One user, one exchange: a second row for a user is skipped, naming the first.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut kept = Vec::with_capacity(list.users.len());
    for u in std::mem::take(&mut list.users) {
        match seen.get(&u.user_id) {
            Some(first) => list.bad.push(BadRow {
                line: u.line,
                reason: format!(
                    "user_id {:?} is listed again (first on line {first}); a user is exchanged once",
                    shown(&u.user_id)
                ),
            }),
            None => {
                seen.insert(u.user_id.clone(), u.line);
                kept.push(u);
            }
        }
    }
    list.users = kept;
    list.bad.sort_by_key(|b| b.line);
    if list.users.len() > MAX_USERS {
        return Err(InputError {
            file: file.into(),
            message: format!(
                "it lists {} users, more than the {MAX_USERS} one list may hold",
                list.users.len()
            ),
            hint: "split the list, or read the users from a database table".into(),
        });
    }
    Ok(list)
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

fn parse_csv(file: &str, text: &str) -> Result<TokenList, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| InputError {
            file: file.into(),
            message: format!("its header cannot be read: {e}"),
            hint: "the first line names the columns: user_id,oauth_token,oauth_token_secret".into(),
        })?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|r| !header.iter().any(|h| h == r))
        .collect();
    if !missing.is_empty() {
        return Err(InputError {
            file: file.into(),
            message: format!(
                "the header has no {} column{}",
                missing.join(", "),
                if missing.len() == 1 { "" } else { "s" }
            ),
            hint: "the first line names the columns, at least user_id,oauth_token,oauth_token_secret (others are kept)".into(),
        });
    }
    let extra_columns: Vec<String> = header
        .iter()
        .filter(|h| !REQUIRED.contains(&h.as_str()) && !h.is_empty())
        .cloned()
        .collect();
    let mut list = TokenList {
        extra_columns: extra_columns.clone(),
        ..TokenList::default()
    };
    let mut record = csv::StringRecord::new();
    // Lines are counted from byte offsets, once through the text (the reader's own count skips
    // blank lines).
    let bytes = text.as_bytes();
    let (mut counted_to, mut lines_before) = (0usize, 0usize);
    let mut line_at = |byte: usize| {
        // A record's position may be where the blank lines before it start.
        let mut byte = byte.min(bytes.len());
        while byte < bytes.len() && matches!(bytes[byte], b'\n' | b'\r') {
            byte += 1;
        }
        if byte > counted_to {
            lines_before += bytes[counted_to..byte]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            counted_to = byte;
        }
        lines_before + 1
    };
    loop {
        let start = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let len = (reader.position().byte() - start) as usize;
                let line = line_at(record.position().map_or(start, |p| p.byte()) as usize);
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if record.len() != header.len() {
                    list.bad.push(BadRow {
                        line,
                        reason: format!(
                            "the row has {} fields and the header {}",
                            record.len(),
                            header.len()
                        ),
                    });
                    continue;
                }
                let fields = header
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_owned))
                    .collect();
                match user_of(line, len, fields, &extra_columns) {
                    Ok(u) => list.users.push(u),
                    Err(b) => list.bad.push(b),
                }
            }
            Err(e) => {
                let line = line_at(e.position().map_or(start, |p| p.byte()) as usize);
                list.bad.push(BadRow {
                    line,
                    reason: "the row is not valid CSV".into(),
                });
                if e.is_io_error() {
                    break;
                }
            }
        }
    }
    Ok(list)
}

fn parse_json_lines(text: &str) -> TokenList {
    let mut list = TokenList::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        if raw.len() > MAX_ROW {
            list.bad.push(BadRow {
                line,
                reason: format!(
                    "the row is {} bytes, longer than the {MAX_ROW} a row may be",
                    raw.len()
                ),
            });
            continue;
        }
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(raw)
        else {
            list.bad.push(BadRow {
                line,
                reason: "the row is not a JSON object".into(),
            });
            continue;
        };
        let mut fields = Vec::new();
        let mut extra_here = Vec::new();
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if !REQUIRED.contains(&k.as_str()) {
                extra_here.push(k.clone());
            }
            fields.push((k, text));
        }
        for k in extra_here {
            if !list.extra_columns.contains(&k) {
                list.extra_columns.push(k);
            }
        }
        let extra_columns = list.extra_columns.clone();
        match user_of(line, raw.len(), fields, &extra_columns) {
            Ok(u) => list.users.push(u),
            Err(b) => list.bad.push(b),
        }
    }
    list
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
