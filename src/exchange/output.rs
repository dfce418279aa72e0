//! The output of a bulk exchange: one CSV row per listed user, built from the journal (the
//! record of what happened, so the output can be written again after a crash), with `user_id`,
//! `status` (`exchanged`, `reconsent`, `failed`, or `pending` for a user not reached),
//! `access_token`, `refresh_token`, `expires_at`, `scope`, `reason` and `provider_user_id` (the
//! provider's own id for the user, where the new token no longer names it), then the list's other
//! columns, passed through. It holds tokens: it is written 0600, atomically (never a partial
//! file), and refused over an existing file unless the caller says to replace it.

use std::path::Path;

use super::input::TokenList;
use super::journal::Record;
use crate::files::{write_atomic, Visibility, WriteError};

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

/// The output's text. Every value is CSV-quoted where it needs to be and otherwise written as
/// it is: the file is data for the partner's systems (a token may well start with `-`), not a
/// sheet to open.
pub fn render(list: &TokenList, records: &[Record]) -> zeroize::Zeroizing<String> {
    use std::collections::HashMap;
    // The last word on each user.
    let mut last: HashMap<&str, &Record> = HashMap::new();
    for r in records {
        if !matches!(r, Record::Attempt { .. }) {
            last.insert(r.user(), r);
        }
    }
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let header: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .chain(list.extra_columns.iter().map(String::as_str))
        .collect();
    let _ = w.write_record(&header);
    for u in &list.users {
        let mut row: Vec<String> = match last.get(u.user_id.as_str()) {
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
        for c in &list.extra_columns {
            row.push(
                u.extra
                    .iter()
                    .find(|(k, _)| k == c)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            );
        }
        let _ = w.write_record(&row);
    }
    let bytes = w.into_inner().unwrap_or_default();
    zeroize::Zeroizing::new(String::from_utf8(bytes).unwrap_or_default())
}

/// Writes the output to `path` (0600, atomically); `replace` allows an existing file to be
/// replaced.
pub fn write(
    path: &Path,
    list: &TokenList,
    records: &[Record],
    replace: bool,
) -> Result<(), WriteError> {
    let text = render(list, records);
    write_atomic(path, text.as_bytes(), Visibility::Private, replace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::input::{parse, Format};
    use crate::secret::Token;

    #[test]
    fn each_user_gets_a_row_with_its_state_and_its_own_columns() {
        let list = parse(
            "u.csv",
            "user_id,oauth_token,oauth_token_secret,email\n\
             u1,t1,s1,a@example.com\n\
             u2,t2,s2,=HYPERLINK(\"x\")\n\
             u3,t3,s3,c@example.com\n",
            Format::Csv,
        )
        .unwrap();
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
        let text = render(&list, &records);
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
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("exchanged.csv");
        write(&out, &list, &records, false).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(write(&out, &list, &records, false).is_err());
        write(&out, &list, &records, true).unwrap();
    }
}
