//! The output of a bulk exchange: one CSV row per listed user, built from the journal (the
//! record of what happened, so the output can be written again after a crash), with `user_id`,
//! `status` (`exchanged`, `reconsent`, `failed`, or `pending` for a user not reached),
//! `access_token`, `refresh_token`, `expires_at`, `scope`, `reason` and `provider_user_id` (the
//! provider's own id for the user, where the new token no longer names it), then the list's other
//! columns, passed through. It holds tokens: it is written 0600, atomically (never a partial
//! file), and refused over an existing file unless the caller says to replace it.

use std::path::Path;

use super::input::UserToken;
use super::journal::Record;
use crate::files::{write_atomic_with, Visibility};

/// The columns before the list's own.
pub const COLUMNS: [&str; 8] = [
    "user_id",
    "status",
    "access_token",
    "refresh_token",
    "expires_at",
    "scope",
    "reason",
    "provider_user_id",
];

/// One user's row: the columns before the list's own, from the user's last word in the journal
/// (`None`: not reached), then the list's columns.
fn row(u: &UserToken, last: Option<&Record>, extra_columns: &[String]) -> Vec<String> {
    let mut row: Vec<String> = match last {
        Some(Record::Received {
            access_token,
            refresh_token,
            expires_at,
            scope,
            other,
            ..
        }) => vec![
            u.user_id.clone(),
            "exchanged".into(),
            access_token.expose().to_owned(),
            refresh_token
                .as_ref()
                .map(|t| t.expose().to_owned())
                .unwrap_or_default(),
            expires_at.map(|e| e.to_string()).unwrap_or_default(),
            scope.clone().unwrap_or_default(),
            String::new(),
            match other.get(super::run::PROVIDER_USER_ID) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => String::new(),
            },
        ],
        Some(Record::Outcome { status, reason, .. }) => vec![
            u.user_id.clone(),
            status.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            reason.clone(),
            String::new(),
        ],
        _ => vec![
            u.user_id.clone(),
            "pending".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "not reached yet".into(),
            String::new(),
        ],
    };
    for c in extra_columns {
        row.push(
            u.extra
                .iter()
                .find(|(k, _)| k == c)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        );
    }
    row
}

fn header(extra_columns: &[String]) -> Vec<&str> {
    COLUMNS
        .iter()
        .copied()
        .chain(extra_columns.iter().map(String::as_str))
        .collect()
}

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct OutputError {
    /// What happened, naming the file.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// Writes the output for the list in `input` from the journal at `journal` (0600, atomically),
/// a row at a time: the list is read again, and each user's last word is read back from the
/// journal by its index, so neither is held whole. `extra_columns` are the list's own columns
/// (all of them: for JSON lines, as a first reading found them), `duplicates` the lines a first
/// reading found listing a user again.
pub fn write_streaming(
    path: &Path,
    input: &Path,
    journal: &Path,
    extra_columns: &[String],
    duplicates: Vec<usize>,
    replace: bool,
) -> Result<(), OutputError> {
    use super::journal::{Index, Last, Reader};
    let err = |e: String, hint: &str| OutputError {
        message: e,
        hint: hint.into(),
    };
    let index = Index::settled_of(journal).map_err(|e| err(e.to_string(), &e.hint()))?;
    let mut rows = super::input::open(input)
        .map_err(|e| err(e.to_string(), &e.hint()))?
        .knowing_duplicates(duplicates);
    let mut reader = Reader::open(journal).map_err(|e| err(e.to_string(), &e.hint()))?;
    let mut failure: Option<OutputError> = None;
    let result = write_atomic_with(path, Visibility::Private, replace, |f| {
        let mut w =
            csv::WriterBuilder::new().from_writer(std::io::BufWriter::with_capacity(256 << 10, f));
        let io = |e: csv::Error| std::io::Error::other(e.to_string());
        w.write_record(header(extra_columns)).map_err(io)?;
        loop {
            let u = match rows.next_row() {
                Ok(Some(Ok(u))) => u,
                Ok(Some(Err(_))) => continue,
                Ok(None) => break,
                Err(e) => {
                    failure = Some(err(e.to_string(), &e.hint()));
                    return Err(std::io::Error::other("the list could not be read again"));
                }
            };
            let last = match index.get(&u.user_id) {
                Some(Last::Received(at) | Last::Reconsent(at) | Last::Failed(at)) => {
                    match reader.read_at(at) {
                        Ok(r) => Some(r),
                        Err(e) => {
                            failure = Some(err(e.to_string(), &e.hint()));
                            return Err(std::io::Error::other("the journal could not be read"));
                        }
                    }
                }
                _ => None,
            };
            let fields = zeroize::Zeroizing::new(row(&u, last.as_ref(), extra_columns));
            w.write_record(fields.iter()).map_err(io)?;
        }
        w.flush()
    });
    match (result, failure) {
        (_, Some(f)) => Err(f),
        (Ok(()), None) => Ok(()),
        (Err(e), None) => Err(err(e.to_string(), &e.hint())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Token;

    #[test]
    fn each_user_gets_a_row_with_its_state_and_its_own_columns() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("u.csv");
        std::fs::write(
            &input,
            "user_id,oauth_token,oauth_token_secret,email\n\
             u1,t1,s1,a@example.com\n\
             u2,t2,s2,=HYPERLINK(\"x\")\n\
             u3,t3,s3,c@example.com\n",
        )
        .unwrap();
        let journal = dir.path().join("j");
        let records = vec![
            Record::Attempt {
                user: "u1".into(),
                at: 1,
            },
            Record::Received {
                user: "u1".into(),
                at: 1,
                access_token: Token::new("acc,1"),
                refresh_token: Some(Token::new("ref1")),
                expires_at: Some(7201),
                scope: Some("basic write".into()),
                other: serde_json::json!({"provider_user_id": "g-1", "x": 1})
                    .as_object()
                    .unwrap()
                    .clone(),
            },
            Record::Outcome {
                user: "u2".into(),
                at: 2,
                status: "reconsent".into(),
                reason: "invalid_grant".into(),
            },
        ];
        {
            let (j, _) = crate::exchange::journal::Journal::open(&journal).unwrap();
            for r in &records {
                j.append(r).unwrap();
            }
        }
        let out = dir.path().join("exchanged.csv");
        let email = ["email".to_owned()];
        write_streaming(&out, &input, &journal, &email, Vec::new(), false).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        let mut rows = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            header,
            [
                "user_id",
                "status",
                "access_token",
                "refresh_token",
                "expires_at",
                "scope",
                "reason",
                "provider_user_id",
                "email"
            ]
        );
        let rows: Vec<Vec<String>> = rows
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(
            rows[0],
            [
                "u1",
                "exchanged",
                "acc,1",
                "ref1",
                "7201",
                "basic write",
                "",
                "g-1",
                "a@example.com"
            ]
        );
        assert_eq!(rows[1][1], "reconsent");
        assert_eq!(rows[1][6], "invalid_grant");
        assert_eq!(rows[1][8], "=HYPERLINK(\"x\")", "passed through as it came");
        assert_eq!(rows[2][1], "pending");
        // Written 0600, and not over an existing file unless asked.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(write_streaming(&out, &input, &journal, &email, Vec::new(), false).is_err());
        write_streaming(&out, &input, &journal, &email, Vec::new(), true).unwrap();
    }
}
