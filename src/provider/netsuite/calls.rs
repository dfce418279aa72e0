//! What a NetSuite integration calls, read from evidence: a HAR export, an access log, or a
//! list the consultant writes. Each request is sorted into the API family it belongs to (a REST
//! record type, SuiteQL, a RESTlet's script and deployment, a SOAP action), with what its
//! signature says (realm, signature method) where the evidence carries it.
//!
//! Sources (docs.oracle.com, NetSuite help): the REST and RESTlet hosts (section_1534941295),
//! the OAuth 2.0 scopes per API family (section_162790605110), SOAP's Token-Based
//! Authentication passport (section_4395630653: `tokenPassport` with `account` and
//! `signature algorithm="HMAC_SHA256"`; the attribute's spelling is our reading).
//!
//! Everything here reads untrusted text: it is linear in the input, reads at most
//! [`MAX_ENVELOPE`] bytes of a SOAP body, and keeps no more than [`MAX_FIELD`] characters of any
//! name it takes from it.

use serde::Serialize;

use super::Account;

/// How much of a SOAP body is scanned for its action and passport.
pub const MAX_ENVELOPE: usize = 1 << 20;
/// How many characters of a name (record type, action, account) are kept.
pub const MAX_FIELD: usize = 100;

/// The API family of a call.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "api", rename_all = "snake_case")]
pub enum Api {
    /// REST web services, a record type (`customer`).
    Record {
        /// The record type.
        record_type: String,
    },
    /// REST web services, a SuiteQL query.
    Suiteql,
    /// A RESTlet: its script and deployment ids.
    Restlet {
        /// `script=`.
        script: String,
        /// `deploy=`.
        deploy: String,
    },
    /// SOAP web services (SuiteTalk), an operation (`search`, `get`, `upsertList`).
    Soap {
        /// The operation.
        action: String,
    },
    /// SuiteAnalytics Connect (ODBC/JDBC: not HTTP, so only a list names it).
    SuiteAnalytics,
}

impl Api {
    /// The OAuth 2.0 scope the call needs, or `None` when OAuth 2.0 cannot make it (SOAP).
    pub fn scope(&self) -> Option<&'static str> {
        match self {
            Api::Record { .. } | Api::Suiteql => Some("rest_webservices"),
            Api::Restlet { .. } => Some("restlets"),
            Api::SuiteAnalytics => Some("suite_analytics"),
            Api::Soap { .. } => None,
        }
    }
}

impl std::fmt::Display for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Api::Record { record_type } => write!(f, "REST record {record_type}"),
            Api::Suiteql => f.write_str("REST SuiteQL query"),
            Api::Restlet { script, deploy } => write!(f, "RESTlet script {script} deploy {deploy}"),
            Api::Soap { action } => write!(f, "SOAP {action}"),
            Api::SuiteAnalytics => f.write_str("SuiteAnalytics Connect"),
        }
    }
}

/// One call, with what its evidence says about its signature.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Call {
    /// `GET`, `POST`, ...; `ANY` from a list without one.
    pub method: String,
    /// The API family.
    pub api: Api,
    /// The account the host names (`1234567-sb1`), when the URL is an account host.
    pub host_account: Option<String>,
    /// The realm (header) or passport account (SOAP) the request was signed for.
    pub realm: Option<String>,
    /// The signature method it was signed with (`HMAC-SHA256`; SOAP's `HMAC_SHA256` is
    /// written the same way).
    pub signature_method: Option<String>,
}

impl Call {
    /// Whether the realm names another account than the host (`None`: cannot tell).
    pub fn realm_mismatch(&self) -> Option<bool> {
        let realm = Account::parse(self.realm.as_deref()?).ok()?;
        Some(&realm.host != self.host_account.as_ref()?)
    }
}

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "ANY"];

fn clip(s: &str) -> String {
    s.chars().take(MAX_FIELD).collect()
}

/// Sorts one request into its API family; `None` when it is not a NetSuite API call.
pub fn classify(
    method: &str,
    url: &str,
    authorization: Option<&str>,
    soap_action: Option<&str>,
    body: Option<&str>,
) -> Option<Call> {
    let (label, domain) = super::host_parts(url)?;
    if !domain.ends_with("netsuite.com") {
        return None;
    }
    let (_, rest) = url.split_once("://")?;
    let path_query = &rest[rest.find('/').unwrap_or(rest.len())..];
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    let lower = path.to_ascii_lowercase();
    let query_value = |name: &str| {
        query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| clip(v))
        })
    };
    // A header that is not a well-formed OAuth one says nothing about the signature.
    let params = authorization
        .and_then(|a| crate::oauth1::parse_authorization(a).ok())
        .unwrap_or_default();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| clip(v));
    let mut realm = param("realm");
    let mut signature_method = param("oauth_signature_method");
    let api = if lower.starts_with("/services/rest/record/v1/") {
        // Record types keep their case (salesOrder).
        let rest = &path["/services/rest/record/v1/".len()..];
        let record_type = rest.split('/').next().filter(|t| !t.is_empty())?;
        Api::Record {
            record_type: clip(record_type),
        }
    } else if lower.starts_with("/services/rest/query/v1/suiteql") {
        Api::Suiteql
    } else if lower.ends_with("/restlet.nl") {
        Api::Restlet {
            script: query_value("script").unwrap_or_default(),
            deploy: query_value("deploy").unwrap_or_default(),
        }
    } else if lower.starts_with("/services/netsuiteport") {
        let envelope = body.map(envelope).unwrap_or_default();
        if envelope.account.is_some() {
            realm = envelope.account;
        }
        if envelope.algorithm.is_some() {
            signature_method = envelope.algorithm;
        }
        let action = soap_action
            .map(|a| clip(a.trim().trim_matches('"')))
            .filter(|a| !a.is_empty())
            .or(envelope.action)
            .unwrap_or_else(|| "(unknown operation)".into());
        Api::Soap { action }
    } else {
        return None;
    };
    Some(Call {
        method: method.to_ascii_uppercase(),
        api,
        host_account: (domain.ends_with("api.netsuite.com")).then(|| clip(&label)),
        realm,
        signature_method,
    })
}

/// What a SOAP envelope says: its operation (the first element in the Body) and its TBA
/// passport's account and signature algorithm.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The operation (`search`).
    pub action: Option<String>,
    /// `tokenPassport` `account`.
    pub account: Option<String>,
    /// `tokenPassport` `signature algorithm`, as `HMAC-SHA256` or `HMAC-SHA1`.
    pub algorithm: Option<String>,
}

/// The local name of the element starting at `s` (after `<`): `soap:Body` -> `Body`.
fn local_name(s: &str) -> &str {
    let end = s
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(s.len());
    let name = &s[..end];
    name.rsplit(':').next().unwrap_or(name)
}

/// Reads a SOAP envelope without an XML parser: one pass over the element tags, at most
/// [`MAX_ENVELOPE`] bytes. Each step looks only at the text up to the next `<` (no tag or
/// value holds one), so every byte is read a bounded number of times: linear time, even on
/// a body of nothing but `<`.
pub fn envelope(body: &str) -> Envelope {
    let mut end = body.len().min(MAX_ENVELOPE);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let text = &body[..end];
    let mut out = Envelope::default();
    let mut in_body = false;
    let mut in_passport = false;
    let mut pos = 0;
    while let Some(i) = text[pos..].find('<') {
        let start = pos + i + 1;
        let rest = &text[start..];
        // The tag and the text after it, up to the next tag.
        let tag = &rest[..rest.find('<').unwrap_or(rest.len())];
        pos = start;
        if let Some(closing) = tag.strip_prefix('/') {
            if local_name(closing) == "tokenPassport" {
                in_passport = false;
            }
            continue;
        }
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        let name = local_name(tag);
        let close = tag.find('>').unwrap_or(tag.len());
        let attributes = &tag[..close];
        match name {
            "Body" => in_body = true,
            "tokenPassport" => in_passport = true,
            "account" if in_passport && out.account.is_none() => {
                let value = &tag[(close + 1).min(tag.len())..];
                let value = &value[..value.find('<').unwrap_or(value.len())];
                out.account = Some(clip(value.trim()));
            }
            "signature" if in_passport && out.algorithm.is_none() => {
                if let Some(a) = attributes.split("algorithm=").nth(1) {
                    let v = a.trim_start_matches(['"', '\'']);
                    let v = &v[..v.find(['"', '\'']).unwrap_or(v.len())];
                    out.algorithm = Some(clip(&v.replace('_', "-")));
                }
            }
            _ if in_body && out.action.is_none() && !name.is_empty() => {
                out.action = Some(clip(name));
            }
            _ => {}
        }
    }
    out
}

/// Why evidence could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallsError {
    /// Not a usable HAR file.
    #[error("unusable HAR file: {0}")]
    BadHar(#[from] crate::har::HarError),
    /// A list entry that is not understood.
    #[error("{entry:?}: {reason}")]
    BadEntry {
        /// The entry.
        entry: String,
        /// Why.
        reason: &'static str,
    },
}

impl CallsError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            CallsError::BadHar(e) => e.hint(),
            CallsError::BadEntry { .. } => "write each call as \"GET record/customer\", \"RESTlet 6/1\", \"SOAP search\", \"SuiteQL\" or \"SuiteAnalytics\"",
        }
    }
}

/// The NetSuite calls in a HAR export, and how many entries were something else.
pub fn from_har(json: &str) -> Result<(Vec<Call>, usize), CallsError> {
    let har = crate::har::parse(json)?;
    let mut calls = Vec::new();
    let mut ignored = 0;
    for r in crate::har::requests(&har) {
        match r.and_then(|r| {
            classify(
                r.method,
                r.url,
                r.header("authorization"),
                r.header("soapaction"),
                r.body,
            )
        }) {
            Some(c) => calls.push(c),
            None => ignored += 1,
        }
    }
    Ok((calls, ignored))
}

/// The NetSuite calls in an access log (a method followed by a NetSuite URL on a line).
pub fn from_log(text: &str) -> (Vec<Call>, usize) {
    let mut calls = Vec::new();
    let mut ignored = 0;
    for line in text.lines() {
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == '"')
            .filter(|w| !w.is_empty())
            .take(64)
            .collect();
        match words
            .windows(2)
            .find_map(|w| classify(w[0], w[1], None, None, None))
        {
            Some(c) => calls.push(c),
            None if line.trim().is_empty() => {}
            None => ignored += 1,
        }
    }
    (calls, ignored)
}

/// Calls written by hand: `GET record/customer`, `RESTlet 6/1`, `SOAP search`, `SuiteQL`,
/// `SuiteAnalytics`.
pub fn from_list(entries: &[String]) -> Result<Vec<Call>, CallsError> {
    let mut calls = Vec::new();
    for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let bad = |reason| CallsError::BadEntry {
            entry: clip(entry),
            reason,
        };
        // An optional method, then the call: `GET record/customer`, `RESTlet 6/1`.
        let (first, rest) = entry.split_once(char::is_whitespace).unwrap_or((entry, ""));
        let (method, what) = if METHODS.contains(&first.to_ascii_uppercase().as_str()) {
            (first.to_ascii_uppercase(), rest.trim())
        } else {
            ("ANY".to_owned(), entry)
        };
        let (kind, arg) = what.split_once(char::is_whitespace).unwrap_or((what, ""));
        let (kind, arg) = (kind.to_ascii_lowercase(), arg.trim());
        let api = match (kind.as_str(), arg) {
            (k, "") if k.starts_with("record/") => {
                let t = &what["record/".len()..];
                if t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(bad(
                        "a record type has only letters, digits and _ (record/customer)",
                    ));
                }
                Api::Record {
                    record_type: clip(t),
                }
            }
            ("suiteql", "") => Api::Suiteql,
            ("suiteanalytics", "") => Api::SuiteAnalytics,
            ("restlet", a) => {
                let (script, deploy) = a
                    .split_once('/')
                    .ok_or_else(|| bad("write RESTlet SCRIPT/DEPLOY (RESTlet 6/1)"))?;
                Api::Restlet {
                    script: clip(script),
                    deploy: clip(deploy),
                }
            }
            ("soap", a) if !a.is_empty() => Api::Soap { action: clip(a) },
            _ => return Err(bad("write METHOD record/TYPE, RESTlet SCRIPT/DEPLOY, SOAP OPERATION, SuiteQL or SuiteAnalytics")),
        };
        calls.push(Call {
            method,
            api,
            host_account: None,
            realm: None,
            signature_method: None,
        });
    }
    Ok(calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_sorted_into_their_api_family() {
        let auth = r#"OAuth realm="1234567_SB1", oauth_consumer_key="ck", oauth_token="t", oauth_signature_method="HMAC-SHA256", oauth_signature="x%3D""#;
        let c = classify("get", "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/customer/107?expand=true", Some(auth), None, None).unwrap();
        assert_eq!(
            c.api,
            Api::Record {
                record_type: "customer".into()
            }
        );
        assert_eq!(c.method, "GET");
        assert_eq!(c.realm.as_deref(), Some("1234567_SB1"));
        assert_eq!(c.signature_method.as_deref(), Some("HMAC-SHA256"));
        assert_eq!(c.realm_mismatch(), Some(false));
        assert_eq!(c.api.scope(), Some("rest_webservices"));
        let r = classify("POST", "https://1234567.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=6&deploy=2", Some(auth), None, None).unwrap();
        assert_eq!(
            r.api,
            Api::Restlet {
                script: "6".into(),
                deploy: "2".into()
            }
        );
        assert_eq!(
            r.realm_mismatch(),
            Some(true),
            "a sandbox realm on the production host"
        );
        assert_eq!(r.api.scope(), Some("restlets"));
        let q = classify(
            "POST",
            "https://1234567.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql?limit=5",
            None,
            None,
            None,
        )
        .unwrap();
        assert_eq!(q.api, Api::Suiteql);
        assert_eq!(q.realm_mismatch(), None);
        assert_eq!(
            classify("GET", "https://api.xero.com/connections", None, None, None),
            None
        );
        assert_eq!(classify("GET", "not a url", None, None, None), None);
    }

    #[test]
    fn a_hostile_envelope_is_read_in_linear_time() {
        // Each was quadratic before (a 1 MiB body of `<` took minutes); linear, each takes
        // milliseconds, and three seconds is a bound even for an unoptimised build on a busy machine.
        for unit in [
            "<",
            "<a",
            "<tokenPassport><signature algorithm=",
            "<Body><x ",
        ] {
            let body = unit.repeat(MAX_ENVELOPE / unit.len());
            let t = std::time::Instant::now();
            let _ = envelope(&body);
            let took = t.elapsed();
            assert!(
                took < std::time::Duration::from_secs(3),
                "{unit:?} x {}: {took:?}",
                MAX_ENVELOPE / unit.len()
            );
        }
    }

    #[test]
    fn a_soap_envelope_names_its_operation_account_and_algorithm() {
        let body = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><tokenPassport><account>1234567_SB1</account><consumerKey>ck</consumerKey><token>t</token><nonce>n</nonce><timestamp>1</timestamp><signature algorithm="HMAC_SHA1">c2ln</signature></tokenPassport></soapenv:Header><soapenv:Body><search xmlns="urn:messages_2023_2.platform.webservices.netsuite.com"><searchRecord/></search></soapenv:Body></soapenv:Envelope>"#;
        let e = envelope(body);
        assert_eq!(e.action.as_deref(), Some("search"));
        assert_eq!(e.account.as_deref(), Some("1234567_SB1"));
        assert_eq!(e.algorithm.as_deref(), Some("HMAC-SHA1"));
        let c = classify(
            "POST",
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2023_2",
            None,
            None,
            Some(body),
        )
        .unwrap();
        assert_eq!(
            c.api,
            Api::Soap {
                action: "search".into()
            }
        );
        assert_eq!(c.signature_method.as_deref(), Some("HMAC-SHA1"));
        assert_eq!(c.api.scope(), None);
        // The SOAPAction header wins over the envelope.
        let c = classify(
            "POST",
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2023_2",
            None,
            Some("\"upsertList\""),
            Some(body),
        )
        .unwrap();
        assert_eq!(
            c.api,
            Api::Soap {
                action: "upsertList".into()
            }
        );
        // Truncated, hostile and empty envelopes give what they can, never a panic.
        for bad in [
            "",
            "<",
            "<<<<",
            "<soap:Body",
            "<Body><",
            "<tokenPassport><account>",
            "<tokenPassport><signature algorithm=\"",
            "é<Body>é<x",
        ] {
            let _ = envelope(bad);
        }
        assert_eq!(
            envelope(&format!("<Body><{}>", "a".repeat(5_000)))
                .action
                .unwrap()
                .len(),
            MAX_FIELD
        );
    }

    #[test]
    fn an_access_log_gives_its_netsuite_lines() {
        let log = concat!(
            "10.0.0.5 - - [20/Nov/2026:09:00:00 +0000] \"GET https://1234567.suitetalk.api.netsuite.com/services/rest/record/v1/invoice/9 HTTP/1.1\" 200 512\n",
            "\n",
            "2026-11-20T09:00:01Z POST https://1234567.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=7&deploy=2 204\n",
            "2026-11-20T09:00:02Z GET https://api.xero.com/connections 200\n",
        );
        let (calls, ignored) = from_log(log);
        let apis: Vec<String> = calls
            .iter()
            .map(|c| format!("{} {}", c.method, c.api))
            .collect();
        assert_eq!(
            apis,
            ["GET REST record invoice", "POST RESTlet script 7 deploy 2"]
        );
        assert_eq!(ignored, 1);
    }

    #[test]
    fn a_list_names_calls_by_hand() {
        let calls = from_list(&[
            "GET record/customer".into(),
            "RESTlet 6/1".into(),
            "SOAP upsertList".into(),
            "SuiteQL".into(),
            "SuiteAnalytics".into(),
        ])
        .unwrap();
        let apis: Vec<String> = calls.iter().map(|c| c.api.to_string()).collect();
        assert_eq!(
            apis,
            [
                "REST record customer",
                "RESTlet script 6 deploy 1",
                "SOAP upsertList",
                "REST SuiteQL query",
                "SuiteAnalytics Connect"
            ]
        );
        assert!(from_list(&["GET Invoices".into()]).is_err());
        assert!(from_list(&["RESTlet 6".into()]).is_err());
    }
}
