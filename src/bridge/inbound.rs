//! Checking a legacy client's signed request (RFC 5849 section 3.2), in the order that keeps
//! forged requests from costing anyone anything: the protocol parameters (present, once each,
//! version 1.0), the consumer key, method and token the route accepts, the timestamp window,
//! the signature (the one implementation `oauth1 verify` uses), the body hash; only a request
//! that passes all of them has its nonce recorded (by the caller, in the shared state), so a
//! forged request cannot burn a real client's nonce.
//!
//! A refusal carries the `oauth_problem` a legacy provider answered with (the OAuth Problem
//! Reporting extension's codes, which Xero used), and a reason for the log that holds no
//! secret.

use base64::Engine;
use sha1::{Digest, Sha1};
use sha2::Sha256;

use super::config::Inbound;
use crate::oauth1::verify::{self, CapturedRequest, Credentials, Outcome, Secrets};
use crate::oauth1::{SignatureMethod, MAX_PARAMS};

/// Why a request was refused, as a legacy provider said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A protocol parameter is missing.
    ParameterAbsent(Vec<&'static str>),
    /// A protocol parameter is duplicated or malformed.
    ParameterRejected(String),
    /// `oauth_version` is not `1.0`.
    VersionRejected,
    /// The consumer key is not the route's.
    ConsumerKeyUnknown,
    /// The method is not the route's.
    SignatureMethodRejected,
    /// The token is not the one the route accepts.
    TokenRejected,
    /// The timestamp is outside the window around `now`.
    TimestampRefused {
        /// The earliest timestamp accepted now.
        from: i64,
        /// The latest.
        to: i64,
    },
    /// The signature (or the body hash) does not verify.
    SignatureInvalid,
    /// The nonce was used before within the window.
    NonceUsed,
}

impl Problem {
    /// The `oauth_problem` code.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::ParameterAbsent(_) => "parameter_absent",
            Problem::ParameterRejected(_) => "parameter_rejected",
            Problem::VersionRejected => "version_rejected",
            Problem::ConsumerKeyUnknown => "consumer_key_unknown",
            Problem::SignatureMethodRejected => "signature_method_rejected",
            Problem::TokenRejected => "token_rejected",
            Problem::TimestampRefused { .. } => "timestamp_refused",
            Problem::SignatureInvalid => "signature_invalid",
            Problem::NonceUsed => "nonce_used",
        }
    }

    /// The HTTP status (RFC 5849 section 3.2: 400 for a malformed request, 401 for bad
    /// credentials, signature or nonce).
    pub fn status(&self) -> u16 {
        match self {
            Problem::ParameterAbsent(_)
            | Problem::ParameterRejected(_)
            | Problem::VersionRejected
            | Problem::SignatureMethodRejected => 400,
            _ => 401,
        }
    }

    /// The answer's body, form-encoded as legacy providers sent it: `oauth_problem`, the
    /// extension's detail parameter where it has one, and advice.
    pub fn body(&self) -> String {
        let mut pairs = vec![("oauth_problem", self.code().to_owned())];
        match self {
            Problem::ParameterAbsent(names) => {
                pairs.push(("oauth_parameters_absent", names.join("&")));
            }
            Problem::ParameterRejected(name) => {
                pairs.push(("oauth_parameters_rejected", name.clone()))
            }
            Problem::VersionRejected => pairs.push(("oauth_acceptable_versions", "1.0-1.0".into())),
            Problem::TimestampRefused { from, to } => {
                pairs.push(("oauth_acceptable_timestamps", format!("{from}-{to}")));
            }
            _ => {}
        }
        let advice = match self {
            Problem::TimestampRefused { .. } => "the client's clock is off; set it right (NTP)",
            Problem::NonceUsed => {
                "this request was seen before; send each request with a new nonce"
            }
            Problem::SignatureInvalid => {
                "the signature does not verify with the credentials this route accepts"
            }
            Problem::ConsumerKeyUnknown => "this route accepts another consumer key",
            Problem::TokenRejected => "this route accepts another token",
            Problem::SignatureMethodRejected => "this route accepts another signature method",
            _ => "",
        };
        if !advice.is_empty() {
            pairs.push(("oauth_problem_advice", advice.into()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::oauth1::percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// A refusal: the problem, and why, for the log (never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What the client is told.
    pub problem: Problem,
    /// What the log says.
    pub reason: String,
}

fn refuse(problem: Problem, reason: impl Into<String>) -> Refusal {
    Refusal {
        problem,
        reason: reason.into(),
    }
}

/// A request that passed every check but the nonce: what the nonce is recorded under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The SHA-256 of the consumer key, token, timestamp and nonce, each length-prefixed
    /// (fixed length, nothing secret).
    pub nonce_key: [u8; 32],
    /// The consumer key, for the log.
    pub consumer_key: String,
}

/// What the checks read from a request.
pub struct Signed<'a> {
    /// The request as signed: method, the URL the client signed (scheme, host and port it
    /// called, path and query), the Authorization header and the form body's parameters.
    pub request: &'a CapturedRequest,
    /// The body, when it was read (a form, or a body with `oauth_body_hash`); `None` when it
    /// is streamed.
    pub body: Option<&'a [u8]>,
    /// Whether the body is a form (its parameters are in `request.form`).
    pub form_body: bool,
    /// Whether there is a body at all.
    pub has_body: bool,
}

const REQUIRED: [&str; 5] = [
    "oauth_consumer_key",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
];

/// Whether the request needs its body read before it can be checked: a form (its parameters
/// are signed) or one with `oauth_body_hash` (found in the header or query).
pub fn needs_body(authorization: Option<&str>, query: &str) -> bool {
    authorization.is_some_and(|h| h.contains("oauth_body_hash"))
        || query.contains("oauth_body_hash")
}

/// Runs every check but the nonce (see the module docs) for `inbound`, with a timestamp
/// window of `window` seconds around `now`.
pub fn check(
    inbound: &Inbound,
    signed: &Signed<'_>,
    window: i64,
    require_body_hash: bool,
    now: i64,
) -> Result<Accepted, Refusal> {
    let req = signed.request;
    let (oauth, from) = verify::oauth_parameters(req).map_err(|e| match e {
        crate::oauth1::Error::Missing { .. } => refuse(
            Problem::ParameterAbsent(REQUIRED.to_vec()),
            "no OAuth parameters (no Authorization: OAuth header, none in the query or form)",
        ),
        other => refuse(
            Problem::ParameterRejected("Authorization".into()),
            format!(
                "unreadable OAuth parameters: {}",
                crate::text::term(&other.to_string())
            ),
        ),
    })?;
    // Every protocol parameter once, from one place: RFC 5849 section 3.2 refuses duplicates.
    let mut all: Vec<&str> = oauth
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| k.starts_with("oauth_"))
        .collect();
    if from == "header" {
        let url = crate::oauth1::url_parts(&req.url).map_err(|_| {
            refuse(
                Problem::ParameterRejected("url".into()),
                "unreadable request URL",
            )
        })?;
        let in_query = crate::oauth1::query_names(url.query)
            .chain(
                req.form
                    .iter()
                    .map(|(k, _)| std::borrow::Cow::Borrowed(k.as_str())),
            )
            .find(|k| k.starts_with("oauth_"));
        if let Some(k) = in_query {
            return Err(refuse(
                Problem::ParameterRejected(k.clone().into_owned()),
                format!(
                    "{} is in the header and in the query or body",
                    crate::text::term(&k)
                ),
            ));
        }
    }
    all.sort_unstable();
    if let Some(w) = all.windows(2).find(|w| w[0] == w[1]) {
        return Err(refuse(
            Problem::ParameterRejected(w[0].to_owned()),
            format!("{} is given more than once", crate::text::term(w[0])),
        ));
    }
    if oauth.len() > MAX_PARAMS {
        return Err(refuse(
            Problem::ParameterRejected("oauth".into()),
            "too many parameters",
        ));
    }
    let get = |name: &str| {
        oauth
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let absent: Vec<&'static str> = REQUIRED
        .iter()
        .copied()
        .filter(|n| get(n).is_none())
        .collect();
    if !absent.is_empty() {
        return Err(refuse(
            Problem::ParameterAbsent(absent.clone()),
            format!("missing {}", absent.join(", ")),
        ));
    }
    if get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err(refuse(Problem::VersionRejected, "oauth_version is not 1.0"));
    }
    let consumer_key = get("oauth_consumer_key").unwrap_or_default();
    if consumer_key != inbound.consumer_key {
        return Err(refuse(
            Problem::ConsumerKeyUnknown,
            format!(
                "consumer key {:?} is not the route's",
                crate::text::term(consumer_key)
            ),
        ));
    }
    let declared = get("oauth_signature_method").unwrap_or_default();
    if SignatureMethod::parse(declared).ok() != Some(inbound.method) {
        return Err(refuse(
            Problem::SignatureMethodRejected,
            format!(
                "signed with {:?}; the route accepts {}",
                crate::text::term(declared),
                inbound.method.as_str()
            ),
        ));
    }
    let token = get("oauth_token").filter(|t| !t.is_empty());
    if token != inbound.token.as_deref() {
        return Err(refuse(
            Problem::TokenRejected,
            match token {
                Some(_) => "oauth_token is not the route's token".to_owned(),
                None => "no oauth_token; the route needs one".to_owned(),
            },
        ));
    }
    let timestamp = get("oauth_timestamp").unwrap_or_default();
    let ts: i64 = timestamp
        .parse()
        .ok()
        .filter(|_| timestamp.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            refuse(
                Problem::ParameterRejected("oauth_timestamp".into()),
                "oauth_timestamp is not a number of seconds",
            )
        })?;
    if (now - ts).abs() > window {
        return Err(refuse(
            Problem::TimestampRefused {
                from: now - window,
                to: now + window,
            },
            format!(
                "oauth_timestamp is {} s from the bridge's clock (window {window} s)",
                now - ts
            ),
        ));
    }
    let secrets = inbound.consumer_secret.as_ref().map(|c| Secrets {
        consumer: c.expose(),
        token: inbound
            .token_secret
            .as_ref()
            .map(|t| t.expose())
            .unwrap_or(""),
    });
    let credentials = Credentials {
        key: inbound.key.as_ref(),
        secrets,
        realm_rules: &[],
    };
    // The plain check first; verify_parsed's report (the mistake, the base string) is only
    // built for a request that fails it.
    let holds = verify::signature_holds(req, &oauth, from, &credentials).unwrap_or(false);
    if !holds {
        let v =
            verify::verify_parsed(req, (oauth.clone(), from), &credentials, now).map_err(|e| {
                refuse(
                    Problem::SignatureInvalid,
                    format!("unverifiable: {}", crate::text::term(&e.to_string())),
                )
            })?;
        if v.outcome != Outcome::Valid {
            let why = match (&v.outcome, &v.cause) {
                (_, Some(c)) => c.clone(),
                (Outcome::WrongKey, None) => {
                    "signed with another key than the certificate's".into()
                }
                (Outcome::NoMatch, None) => {
                    "the secrets or the request differ from what was signed".into()
                }
                _ => "the signer's base string differs".into(),
            };
            let mut base = v.base_string.text;
            if base.len() > 2048 {
                let mut cut = 2048;
                while !base.is_char_boundary(cut) {
                    cut -= 1;
                }
                base.truncate(cut);
                base.push('…');
            }
            return Err(refuse(
                Problem::SignatureInvalid,
                format!("{why}; base string {}", crate::text::term(&base)),
            ));
        }
    }
    match get("oauth_body_hash") {
        Some(hash) => {
            let body = signed.body.unwrap_or_default();
            let ours = base64::engine::general_purpose::STANDARD.encode(Sha1::digest(body));
            let same = ours.len() == hash.len()
                && aws_lc_rs::constant_time::verify_slices_are_equal(
                    ours.as_bytes(),
                    hash.as_bytes(),
                )
                .is_ok();
            if !same {
                return Err(refuse(
                    Problem::SignatureInvalid,
                    "oauth_body_hash does not match the body",
                ));
            }
        }
        None if require_body_hash && signed.has_body && !signed.form_body => {
            return Err(refuse(
                Problem::ParameterAbsent(vec!["oauth_body_hash"]),
                "the route requires oauth_body_hash for a body that is not a form",
            ));
        }
        None => {}
    }
    let mut h = Sha256::new();
    for part in [
        consumer_key,
        token.unwrap_or(""),
        timestamp,
        get("oauth_nonce").unwrap_or(""),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    Ok(Accepted {
        nonce_key: h.finalize().into(),
        consumer_key: consumer_key.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth1::{authorization_header, base_string, sign, Signer};

    const ROUTE: &str = "[[route]]\nprefix = \"/a/\"\nprofile = \"p\"\n[route.inbound]\nsignature_method = \"HMAC-SHA1\"\nconsumer_key = \"ck\"\nconsumer_secret_env = \"S\"\ntoken = \"tk\"\ntoken_secret_env = \"T\"\n\n[[route]]\nprefix = \"/rsa/\"\nprofile = \"p\"\n[route.inbound]\nsignature_method = \"RSA-SHA1\"\nconsumer_key = \"ck\"\ncertificate = \"keys/publickey.cer\"\n";
    const NOW: i64 = 1_800_000_000;

    fn routes() -> crate::bridge::config::BridgeConfig {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let env = |n: &str| Some(format!("secret-{n}"));
        crate::bridge::config::parse(ROUTE, std::path::Path::new("t.toml"), &fixtures, &env)
            .unwrap()
    }

    /// A request signed with HMAC-SHA1 by the library's signer (itself checked against
    /// oauthlib in tests/oauth1_peers.rs), with `extra` protocol parameters.
    fn signed(url: &str, ts: i64, extra: &[(&str, &str)]) -> CapturedRequest {
        let mut oauth: Vec<(String, String)> = [
            ("oauth_consumer_key", "ck"),
            ("oauth_token", "tk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_nonce", "n1"),
            ("oauth_version", "1.0"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        oauth.push(("oauth_timestamp".into(), ts.to_string()));
        let base = base_string("POST", url, &[], &oauth).unwrap();
        let secrets = Signer::Secrets {
            consumer_secret: "secret-S",
            token_secret: "secret-T",
        };
        oauth.push((
            "oauth_signature".into(),
            sign(SignatureMethod::HmacSha1, &base.text, &secrets).unwrap(),
        ));
        CapturedRequest {
            method: "POST".into(),
            url: url.into(),
            authorization: Some(authorization_header(None, &oauth)),
            form: vec![],
        }
    }

    fn run(
        req: &CapturedRequest,
        body: Option<&[u8]>,
        require: bool,
        now: i64,
    ) -> Result<Accepted, Refusal> {
        let conf = routes();
        let signed = Signed {
            request: req,
            body,
            form_body: false,
            has_body: body.is_some_and(|b| !b.is_empty()),
        };
        check(&conf.routes[0].inbound, &signed, 300, require, now)
    }

    #[test]
    fn the_window_is_inclusive_and_a_refusal_names_the_acceptable_range() {
        let req = signed("http://b.test/a/x", NOW, &[]);
        assert!(run(&req, None, false, NOW + 300).is_ok());
        assert!(run(&req, None, false, NOW - 300).is_ok());
        let e = run(&req, None, false, NOW + 301).unwrap_err();
        assert_eq!(
            e.problem,
            Problem::TimestampRefused {
                from: NOW + 1,
                to: NOW + 601
            }
        );
        assert_eq!(e.problem.status(), 401);
        assert!(
            e.problem.body().starts_with(&format!(
                "oauth_problem=timestamp_refused&oauth_acceptable_timestamps={}-{}",
                NOW + 1,
                NOW + 601
            )),
            "{}",
            e.problem.body()
        );
    }

    #[test]
    fn duplicated_and_malformed_protocol_parameters_are_refused_with_400() {
        let mut req = signed("http://b.test/a/x", NOW, &[]);
        let h = req.authorization.clone().unwrap();
        req.authorization = Some(format!("{h}, oauth_nonce=\"n2\""));
        let e = run(&req, None, false, NOW).unwrap_err();
        assert_eq!(
            (e.problem.code(), e.problem.status()),
            ("parameter_rejected", 400)
        );
        let req = signed("http://b.test/a/x?oauth_nonce=q", NOW, &[]);
        assert_eq!(
            run(&req, None, false, NOW).unwrap_err().problem.code(),
            "parameter_rejected"
        );
        let req = signed("http://b.test/a/x", NOW, &[("oauth_version", "2.0")]);
        assert_eq!(
            run(&req, None, false, NOW).unwrap_err().problem,
            Problem::ParameterRejected("oauth_version".into())
        );
        let mut req = signed("http://b.test/a/x", NOW, &[]);
        req.authorization = Some(
            req.authorization
                .unwrap()
                .replace("oauth_version=\"1.0\"", "oauth_version=\"2.0\""),
        );
        assert_eq!(
            run(&req, None, false, NOW).unwrap_err().problem,
            Problem::VersionRejected
        );
    }

    #[test]
    fn a_body_hash_is_checked_and_required_only_where_the_route_says() {
        let body = br#"{"a":1}"#;
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha1::digest(body));
        let req = signed("http://b.test/a/x", NOW, &[("oauth_body_hash", &hash)]);
        assert!(run(&req, Some(body), true, NOW).is_ok());
        assert_eq!(
            run(&req, Some(b"{\"a\":2}"), false, NOW)
                .unwrap_err()
                .problem,
            Problem::SignatureInvalid
        );
        let req = signed("http://b.test/a/x", NOW, &[]);
        assert!(run(&req, Some(body), false, NOW).is_ok());
        assert_eq!(
            run(&req, Some(body), true, NOW).unwrap_err().problem,
            Problem::ParameterAbsent(vec!["oauth_body_hash"])
        );
    }

    #[test]
    fn the_nonce_key_separates_its_parts() {
        let a = run(&signed("http://b.test/a/x", NOW, &[]), None, false, NOW).unwrap();
        let b = run(&signed("http://b.test/a/y", NOW, &[]), None, false, NOW).unwrap();
        assert_eq!(
            a.nonce_key, b.nonce_key,
            "the same client, timestamp and nonce on another path is a replay"
        );
        let c = run(&signed("http://b.test/a/x", NOW + 1, &[]), None, false, NOW).unwrap();
        assert_ne!(a.nonce_key, c.nonce_key);
    }

    #[test]
    fn an_rsa_route_reads_the_certificate_and_refuses_hmac() {
        let conf = routes();
        assert!(conf.routes[1].inbound.key.is_some());
        let req = signed("http://b.test/rsa/x", NOW, &[]);
        let signed = Signed {
            request: &req,
            body: None,
            form_body: false,
            has_body: false,
        };
        let e = check(&conf.routes[1].inbound, &signed, 300, false, NOW).unwrap_err();
        assert_eq!(e.problem, Problem::SignatureMethodRejected);
    }
}
