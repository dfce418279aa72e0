//! Salesforce's evidence of how integrations log in: a `LoginHistory` export (the object's
//! fields by API name, as a SOQL query's CSV gives them, or labelled as Setup's download labels
//! them) or an `ApiTotalUsage` event log file. Each file is read one record at a time (capped),
//! and the logins are counted by user, application, way of logging in and API version.
//!
//! Only columns whose names can be cited are read: `LoginHistory`'s `ApiType`, `ApiVersion`,
//! `Application`, `LoginSubType`, `LoginTime`, `LoginType`, `Status` and `UserId`
//! (developer.salesforce.com, object reference "LoginHistory"), a `Username` column where the
//! export has one, and `ApiTotalUsage`'s `API_FAMILY`, `API_RESOURCE`, `API_VERSION`,
//! `CONNECTED_APP_NAME`, `CLIENT_NAME` and `USER_ID` (object reference "ApiTotalUsage Event
//! Type"). A header is matched with case, spaces and underscores ignored, so `API Type`,
//! `ApiType` and `API_TYPE` are one column. Setup's own CSV headers are not documented:
//! unconfirmed, which is why this matching is loose.
//!
//! The rules are heuristics, and say so in the audit: a login subtype naming the
//! username-password flow (`OAuth Username-Password`, or the code `oauthpassword` that
//! `LoginEventLog` documents) is the password flow; a SOAP API type with no OAuth subtype is a
//! probable SOAP `login()`; an `ApiTotalUsage` row of API family `SOAP` and resource `login`
//! is one (the rule sfdx-hardis's legacy API check uses).

use serde::Serialize;
use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::Path;

use crate::records::{csv_fields, CsvFields, Records};

/// The longest record read; a longer one is skipped and counted.
pub const MAX_RECORD: usize = 64 * 1024;
/// The most distinct (user, application, way, version) groups kept per audit; the logins of
/// others are counted together.
pub const MAX_GROUPS: usize = 10_000;

/// How a login was made, as far as the columns tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Way {
    /// The OAuth 2.0 username-password flow.
    PasswordFlow,
    /// SOAP `login()` (probable, from `LoginHistory`; certain from `ApiTotalUsage`).
    SoapLogin,
}

impl Way {
    /// As inventories and reports name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Way::PasswordFlow => "password-flow",
            Way::SoapLogin => "soap-login",
        }
    }
}

/// The logins of one user through one application one way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoginUse {
    /// The username (or user id, where the file has no username).
    pub user: String,
    /// Whether `user` is a user id (the file had no username column).
    pub user_is_id: bool,
    /// The application (Login History's `Application`, a connected app's or client's name).
    pub application: String,
    /// How.
    pub way: Way,
    /// The API version, where the file says.
    pub api_version: Option<String>,
    /// How many logins.
    pub logins: u64,
    /// How many of them failed (`Status` other than `Success`).
    pub failed: u64,
    /// The latest `LoginTime` seen (as written), where the file has one.
    pub last_seen: Option<String>,
}

/// One file read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// The file.
    pub file: String,
    /// `login-history` or `api-total-usage`.
    pub kind: &'static str,
    /// Records read (without the header).
    pub rows: u64,
    /// Records skipped: too long, not CSV, or fewer fields than the header.
    pub skipped: u64,
}

/// What the files showed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoginEvidence {
    /// The files, in order.
    pub files: Vec<FileSummary>,
    /// The password and SOAP logins, by user, application, way and version.
    pub uses: Vec<LoginUse>,
    /// Logins in groups past [`MAX_GROUPS`], counted together.
    pub other_logins: u64,
}

/// A file that cannot be read as evidence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct EvidenceError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Default)]
struct Columns {
    user: Option<usize>,
    user_id: Option<usize>,
    application: Option<usize>,
    login_sub_type: Option<usize>,
    api_type: Option<usize>,
    api_version: Option<usize>,
    status: Option<usize>,
    login_time: Option<usize>,
    api_family: Option<usize>,
    api_resource: Option<usize>,
    client_name: Option<usize>,
}

fn norm(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Columns {
    fn of(header: &[String]) -> Columns {
        let mut c = Columns::default();
        for (i, h) in header.iter().enumerate() {
            let slot = match norm(h).as_str() {
                "username" => &mut c.user,
                "userid" => &mut c.user_id,
                "application" | "connectedappname" => &mut c.application,
                "loginsubtype" => &mut c.login_sub_type,
                "apitype" => &mut c.api_type,
                "apiversion" => &mut c.api_version,
                "status" => &mut c.status,
                "logintime" => &mut c.login_time,
                "apifamily" => &mut c.api_family,
                "apiresource" => &mut c.api_resource,
                "clientname" => &mut c.client_name,
                _ => continue,
            };
            slot.get_or_insert(i);
        }
        c
    }

    fn usage_log(&self) -> bool {
        self.api_family.is_some() && self.api_resource.is_some()
    }
}

type Key = (String, bool, String, Way, Option<String>);

/// Counts logins across files (one [`Tally`] per audit).
#[derive(Debug, Default)]
pub struct Tally {
    groups: BTreeMap<Key, (u64, u64, Option<String>)>,
    evidence: LoginEvidence,
}

impl Tally {
    /// Reads one file (at most `max_bytes` of it).
    pub fn read_file(&mut self, path: &Path, max_bytes: u64) -> Result<(), EvidenceError> {
        let name = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|e| EvidenceError {
            file: name.clone(),
            message: format!("cannot open it: {e}"),
        })?;
        let r = BufReader::new(std::io::Read::take(f, max_bytes));
        self.read(&name, r)
    }

    /// Reads one file's text from `r`; `name` names it.
    pub fn read<R: std::io::BufRead>(&mut self, name: &str, r: R) -> Result<(), EvidenceError> {
        let err = |message: String| EvidenceError {
            file: name.to_owned(),
            message,
        };
        let mut records = Records::new(r, MAX_RECORD, true);
        let header = loop {
            match records
                .next_record()
                .map_err(|e| err(format!("cannot read it: {e}")))?
            {
                None => return Err(err("it is empty: a CSV export has a header line".into())),
                Some((_, Err(len))) => {
                    return Err(err(format!(
                        "its first line is {len} bytes long, not a header"
                    )))
                }
                Some((_, Ok(bytes))) => match csv_fields(&bytes) {
                    Some(f) if f.iter().all(|h| h.trim().is_empty()) => continue,
                    Some(f) => break f,
                    None => return Err(err("its header is not CSV".into())),
                },
            }
        };
        let c = Columns::of(&header);
        let usage = c.usage_log();
        if !usage && c.login_sub_type.is_none() && c.api_type.is_none() {
            return Err(err(
                "its header has none of the columns that tell how a login was made (LoginSubType, ApiType; or API_FAMILY and API_RESOURCE)".into(),
            ));
        }
        if c.user.is_none() && c.user_id.is_none() {
            return Err(err(
                "its header names no user (Username or UserId; USER_ID in an event log file)"
                    .into(),
            ));
        }
        let mut summary = FileSummary {
            file: name.to_owned(),
            kind: if usage {
                "api-total-usage"
            } else {
                "login-history"
            },
            rows: 0,
            skipped: 0,
        };
        let (mut buf, mut fields) = (Vec::new(), CsvFields::default());
        while let Some((_, rec)) = records
            .next_record_into(&mut buf)
            .map_err(|e| err(format!("cannot read on after line {}: {e}", records.line())))?
        {
            match rec.ok().and_then(|()| fields.parse(&buf)) {
                Some(n) if (0..n).all(|i| fields.get(i).is_none_or(|v| v.trim().is_empty())) => {
                    continue
                }
                Some(_) => {}
                None => {
                    summary.skipped += 1;
                    continue;
                }
            }
            summary.rows += 1;
            let get = |i: Option<usize>| {
                i.and_then(|i| fields.get(i))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
            };
            let way = if usage {
                let soap = get(c.api_family).is_some_and(|v| v.eq_ignore_ascii_case("soap"));
                let login = get(c.api_resource).is_some_and(|v| v.eq_ignore_ascii_case("login"));
                (soap && login).then_some(Way::SoapLogin)
            } else {
                let sub = get(c.login_sub_type).unwrap_or("").to_ascii_lowercase();
                let api = get(c.api_type).unwrap_or("").to_ascii_lowercase();
                if sub.contains("username-password") || sub == "oauthpassword" {
                    Some(Way::PasswordFlow)
                } else if api.contains("soap") && !sub.starts_with("oauth") {
                    Some(Way::SoapLogin)
                } else {
                    None
                }
            };
            let Some(way) = way else { continue };
            let (user, is_id) = match (get(c.user), get(c.user_id)) {
                (Some(u), _) => (u, false),
                (None, Some(id)) => (id, true),
                (None, None) => ("(unknown)", false),
            };
            let app = get(c.application)
                .or(get(c.client_name))
                .unwrap_or("(unknown)");
            let failed = get(c.status).is_some_and(|s| !s.eq_ignore_ascii_case("success"));
            let time = get(c.login_time)
                .filter(|t| t.len() >= 10 && t.as_bytes()[..4].iter().all(u8::is_ascii_digit));
            let key: Key = (cap(user), is_id, cap(app), way, get(c.api_version).map(cap));
            let full = self.groups.len() >= MAX_GROUPS && !self.groups.contains_key(&key);
            if full {
                self.evidence.other_logins += 1;
                continue;
            }
            let g = self.groups.entry(key).or_default();
            g.0 += 1;
            g.1 += u64::from(failed);
            if let Some(t) = time {
                if g.2.as_deref().is_none_or(|seen| t > seen) {
                    g.2 = Some(cap(t));
                }
            }
        }
        self.evidence.files.push(summary);
        Ok(())
    }

    /// What was read, the most logins first.
    pub fn finish(mut self) -> LoginEvidence {
        let mut uses: Vec<LoginUse> = self
            .groups
            .into_iter()
            .map(
                |(
                    (user, user_is_id, application, way, api_version),
                    (logins, failed, last_seen),
                )| LoginUse {
                    user,
                    user_is_id,
                    application,
                    way,
                    api_version,
                    logins,
                    failed,
                    last_seen,
                },
            )
            .collect();
        uses.sort_by(|a, b| b.logins.cmp(&a.logins).then_with(|| a.user.cmp(&b.user)));
        self.evidence.uses = uses;
        self.evidence
    }
}

/// A value from a file, cut to 200 characters.
fn cap(s: &str) -> String {
    s.chars().take(200).collect()
}

/// The API version as a number (`58.0` → 58.0), where it is one.
pub fn version_number(v: &str) -> Option<f64> {
    let v = v.trim().trim_start_matches(['v', 'V']);
    let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
    let ok = !major.is_empty()
        && major.len() <= 3
        && major.bytes().all(|b| b.is_ascii_digit())
        && minor.len() <= 2
        && minor.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| format!("{major}.{}", if minor.is_empty() { "0" } else { minor }))
        .and_then(|s| s.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> LoginEvidence {
        let mut t = Tally::default();
        t.read("h.csv", text.as_bytes()).unwrap();
        t.finish()
    }

    #[test]
    fn login_history_by_api_name_and_by_label() {
        let api = "UserId,LoginTime,LoginType,LoginSubType,ApiType,ApiVersion,Application,Status\n\
005A,2026-11-02T10:00:00.000+0000,Remote Access 2.0,OAuth Username-Password,,,Acme ETL,Success\n\
005A,2026-11-03T10:00:00.000+0000,Remote Access 2.0,OAuth Username-Password,,,Acme ETL,Failed: Invalid Password\n\
005B,2026-11-03T11:00:00.000+0000,Other Apex API,,Soap Enterprise,58.0,DataLoader,Success\n\
005C,2026-11-03T12:00:00.000+0000,Remote Access 2.0,OAuth Web Server,,,Portal,Success\n";
        let e = read(api);
        assert_eq!(e.files[0].rows, 4);
        assert_eq!(e.uses.len(), 2);
        assert_eq!(e.uses[0].user, "005A");
        assert_eq!(e.uses[0].way, Way::PasswordFlow);
        assert_eq!((e.uses[0].logins, e.uses[0].failed), (2, 1));
        assert_eq!(
            e.uses[0].last_seen.as_deref(),
            Some("2026-11-03T10:00:00.000+0000")
        );
        assert_eq!(e.uses[1].way, Way::SoapLogin);
        assert_eq!(e.uses[1].api_version.as_deref(), Some("58.0"));
        let labels = "Username,Login Time,Login Subtype,API Type,API Version,Application\n\
etl@acme.com,2026-11-02T10:00:00Z,oauthpassword,,,ETL\n";
        let e = read(labels);
        assert_eq!(e.uses[0].user, "etl@acme.com");
        assert_eq!(e.uses[0].way, Way::PasswordFlow);
    }

    #[test]
    fn api_total_usage_rows_of_soap_login() {
        let e = read("USER_ID,API_FAMILY,API_RESOURCE,API_VERSION,CLIENT_NAME\n005A,SOAP,login,45.0,Informatica\n005A,REST,/sobjects,62.0,x\n");
        assert_eq!(e.files[0].kind, "api-total-usage");
        assert_eq!(e.uses.len(), 1);
        assert_eq!(e.uses[0].application, "Informatica");
        assert_eq!(e.uses[0].way, Way::SoapLogin);
    }

    #[test]
    fn a_file_that_cannot_tell_is_an_error_naming_what_is_missing() {
        let mut t = Tally::default();
        let e = t.read("x.csv", &b"Name,Email\na,b\n"[..]).unwrap_err();
        assert!(e.message.contains("LoginSubType"), "{e}");
        let e = t
            .read("x.csv", &b"LoginSubType,ApiType\na,b\n"[..])
            .unwrap_err();
        assert!(e.message.contains("Username or UserId"), "{e}");
        let e = t.read("x.csv", &b""[..]).unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
    }

    #[test]
    fn versions_are_read_as_numbers() {
        assert_eq!(version_number("58.0"), Some(58.0));
        assert_eq!(version_number("v31.0"), Some(31.0));
        assert_eq!(version_number("64"), Some(64.0));
        assert_eq!(version_number("abc"), None);
        assert_eq!(version_number("1e9"), None);
    }
}
