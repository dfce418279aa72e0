//! Verifying a captured request, and explaining a failure.
//!
//! When an RSA-SHA1 signature does not verify, we open it with the public key (`s^e mod n`). If
//! the result is a well-formed PKCS#1 v1.5 SHA-1 block, the right key made the signature and the
//! signer hashed a different base string: we then rebuild the base string with each of the
//! common mistakes until one hashes to the signed digest, which names the mistake exactly. If the
//! block is not well formed, a different key made the signature: Xero's `signature_invalid` from
//! a key that does not match the uploaded certificate.

use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPublicKey};
use serde::Serialize;
use sha1::{Digest, Sha1};

use super::{base_string, normalise_url, percent_encode, Error, SignatureBaseString};

/// A request as captured (from flags, curl, HAR or raw HTTP), ready to verify.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedRequest {
    /// HTTP method.
    pub method: String,
    /// Absolute URL, query included.
    pub url: String,
    /// The `Authorization` header value, if any.
    pub authorization: Option<String>,
    /// Parameters of a single-part form body (signed); empty for other bodies.
    pub form: Vec<(String, String)>,
}

/// How a verification came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The signature verifies.
    Valid,
    /// The key made the signature, but over a different base string.
    WrongBaseString,
    /// A different key made the signature.
    WrongKey,
    /// HMAC: neither these secrets over this base string nor a known mistake reproduces the
    /// signature (wrong secrets, or a change nobody can guess).
    NoMatch,
}

/// The verification report.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The outcome.
    pub outcome: Outcome,
    /// The base string rebuilt from the request.
    pub base_string: SignatureBaseString,
    /// The OAuth parameters found (the signature included), decoded.
    pub oauth_parameters: Vec<(String, String)>,
    /// Where the OAuth parameters came from: `header`, `query` or `body`.
    pub parameters_from: &'static str,
    /// For a wrong base string: the mistake that reproduces the signed digest, if found.
    pub cause: Option<String>,
    /// The likely causes to check, most likely first.
    pub likely_causes: Vec<String>,
    /// Seconds between `oauth_timestamp` and the check time (positive: in the past).
    pub timestamp_age_seconds: Option<i64>,
    /// What the server checks beyond the signature and would refuse, even with a valid one:
    /// a NetSuite realm that is missing, not in upper case, or names another account than the
    /// host (realm is not in the base string, so the signature cannot show it).
    pub refused_anyway: Vec<String>,
}

/// The mistakes signers commonly made, as base-string variants.
const MISTAKES: &[(&str, Mistake)] = &[
    (
        "the signer kept the default port (:443 or :80) in the base URI",
        Mistake::KeepDefaultPort,
    ),
    (
        "the signer encoded `+` in the query as %2B (a plus) instead of a space",
        Mistake::PlusAsPlus,
    ),
    (
        "the signer left the form body parameters out of the base string",
        Mistake::NoForm,
    ),
    (
        "the signer sorted parameters by their raw (unencoded) names and values",
        Mistake::RawSort,
    ),
    (
        "the signer left the query parameters out of the base string",
        Mistake::NoQuery,
    ),
    (
        "the signer did not lower-case the scheme and host",
        Mistake::KeepCase,
    ),
    ("the signer left out oauth_version", Mistake::NoVersion),
    (
        "the signer signed the URL with http instead of https (or the reverse)",
        Mistake::FlipScheme,
    ),
    (
        "the signer percent-encoded the parameters twice",
        Mistake::DoubleEncode,
    ),
];

#[derive(Clone, Copy)]
enum Mistake {
    KeepDefaultPort,
    PlusAsPlus,
    NoForm,
    RawSort,
    NoQuery,
    KeepCase,
    NoVersion,
    FlipScheme,
    DoubleEncode,
}

/// Decoded name/value pairs.
pub type Params = Vec<(String, String)>;

/// Collects the OAuth parameters from the header, or else from the query or form body.
pub fn oauth_parameters(req: &CapturedRequest) -> Result<(Params, &'static str), Error> {
    if let Some(h) = &req.authorization {
        return Ok((super::parse_authorization(h)?, "header"));
    }
    let u = normalise_url(&req.url)?;
    let from_query: Vec<_> = u
        .query
        .iter()
        .filter(|(k, _)| k.starts_with("oauth_"))
        .cloned()
        .collect();
    if !from_query.is_empty() {
        return Ok((from_query, "query"));
    }
    let from_body: Vec<_> = req
        .form
        .iter()
        .filter(|(k, _)| k.starts_with("oauth_"))
        .cloned()
        .collect();
    if !from_body.is_empty() {
        return Ok((from_body, "body"));
    }
    Err(Error::Missing { name: "oauth_signature (no Authorization header, and no oauth_ parameters in the query or body)" })
}

/// What both verifications start from: the OAuth parameters and where they came from, the
/// base string, the declared method, the signature and the timestamp's age.
struct Prepared {
    oauth: Params,
    from: &'static str,
    base: SignatureBaseString,
    method: String,
    signature: String,
    timestamp_age_seconds: Option<i64>,
}

/// The OAuth parameters of a request and where they came from, as [`oauth_parameters`] gives
/// them: a caller that has read them already passes them on rather than have them read again.
pub type Parsed = (Params, &'static str);

fn prepare(req: &CapturedRequest, now: i64, parsed: Option<Parsed>) -> Result<Prepared, Error> {
    let (oauth, from) = match parsed {
        Some(p) => p,
        None => oauth_parameters(req)?,
    };
    let method = required(&oauth, "oauth_signature_method")?.to_owned();
    let signature = required(&oauth, "oauth_signature")?.to_owned();
    let timestamp_age_seconds = required(&oauth, "oauth_timestamp")
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
        .map(|t| now - t);
    let base = base_string(
        &req.method,
        &req.url,
        &req.form,
        header_params(&oauth, from),
    )?;
    Ok(Prepared {
        oauth,
        from,
        base,
        method,
        signature,
        timestamp_age_seconds,
    })
}

/// The value of the parameter `name`, which the request must have.
fn required<'a>(oauth: &'a [(String, String)], name: &'static str) -> Result<&'a str, Error> {
    oauth
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .ok_or(Error::Missing { name })
}

/// The OAuth parameters that the base string takes from the header: those that came in the
/// query or body are already part of it there.
fn header_params<'a>(oauth: &'a [(String, String)], from: &str) -> &'a [(String, String)] {
    if from == "header" {
        oauth
    } else {
        &[]
    }
}

/// Verifies an RSA-SHA1 request against `key`. `now` (Unix seconds) is for the timestamp check.
/// For many requests checked with one key, [`verify_request_with`] is faster.
pub fn verify_request(
    req: &CapturedRequest,
    key: &RsaPublicKey,
    now: i64,
) -> Result<Verification, Error> {
    verify_request_with(req, &super::RsaVerifier::new(key.clone()), now)
}

/// [`verify_request`] with a key prepared once for many checks.
pub fn verify_request_with(
    req: &CapturedRequest,
    verifier: &super::RsaVerifier,
    now: i64,
) -> Result<Verification, Error> {
    rsa_verification(req, verifier, now, None)
}

fn rsa_verification(
    req: &CapturedRequest,
    verifier: &super::RsaVerifier,
    now: i64,
    parsed: Option<Parsed>,
) -> Result<Verification, Error> {
    let key = verifier.key();
    let Prepared {
        oauth,
        from,
        base,
        method,
        signature,
        timestamp_age_seconds,
    } = prepare(req, now, parsed)?;
    if method != "RSA-SHA1" {
        return Err(Error::Method {
            method: format!("{method} (verification against a certificate needs RSA-SHA1)"),
        });
    }

    let sig = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, signature.trim())
        .map_err(|_| Error::SignatureEncoding)?;
    // The fast check first (aws-lc-rs); only a signature that fails it is opened with the raw
    // public-key operation, which tells a wrong key from a wrong base string.
    let (outcome, cause) = if verifier.verifies(base.text.as_bytes(), &sig) {
        (Outcome::Valid, None)
    } else {
        let digest = Sha1::digest(base.text.as_bytes());
        match open_signature(key, &sig) {
            Some(d) if d.as_slice() == digest.as_slice() => (Outcome::Valid, None),
            Some(d) => (
                Outcome::WrongBaseString,
                find_mistake(req, header_params(&oauth, from), &d),
            ),
            None => (Outcome::WrongKey, None),
        }
    };
    let mut likely_causes = Vec::new();
    match outcome {
        Outcome::Valid | Outcome::NoMatch => {}
        Outcome::WrongKey => likely_causes.push(
            "the request was signed with a different private key than the one in this certificate (a server answers that with oauth_problem=signature_invalid); check the key with `oauth1to2 cert check --key KEY CERT`".to_owned(),
        ),
        Outcome::WrongBaseString => {
            match &cause {
                Some(c) => likely_causes.push(c.clone()),
                None => likely_causes = unexplained("the key is right but the signer's base string differs from the request's; compare it with the one shown"),
            }
        }
    }
    Ok(Verification {
        outcome,
        base_string: base,
        oauth_parameters: oauth,
        parameters_from: from,
        cause,
        likely_causes,
        timestamp_age_seconds,
        refused_anyway: Vec::new(),
    })
}

/// What requests may be checked with: the RSA public key for RSA-SHA1, the secrets for the HMAC
/// methods and PLAINTEXT.
#[derive(Default)]
pub struct Credentials<'a> {
    /// The certificate's (or the bare) RSA public key, prepared for checking.
    pub key: Option<&'a super::RsaVerifier>,
    /// The consumer and token secrets.
    pub secrets: Option<Secrets<'a>>,
    /// Providers' rules for the realm (`(url, realm)` gives what the provider would refuse):
    /// the signature can be right and the request refused anyway.
    pub realm_rules: &'a [RealmRule],
}

/// A provider's rule for the header's realm: what it would refuse for this URL and realm.
pub type RealmRule = fn(&str, Option<&str>) -> Option<String>;

/// Verifies `req` with what its declared signature method needs ([`verify_request`] or
/// [`verify_hmac_request`]); a method whose key or secrets were not given is an error naming it.
pub fn verify_with(
    req: &CapturedRequest,
    credentials: &Credentials<'_>,
    now: i64,
) -> Result<Verification, Error> {
    verify_parsed(req, oauth_parameters(req)?, credentials, now)
}

/// Whether the signature holds, and nothing more: the check [`verify_parsed`] starts with (the
/// same base string, the same RSA or HMAC comparison) without the report and without looking
/// for a mistake. For a server that checks every request and wants [`verify_parsed`]'s report
/// only for those that fail. `oauth` and `from` are what [`oauth_parameters`] read.
pub fn signature_holds(
    req: &CapturedRequest,
    oauth: &[(String, String)],
    from: &str,
    credentials: &Credentials<'_>,
) -> Result<bool, Error> {
    let declared = required(oauth, "oauth_signature_method")?;
    let signature = required(oauth, "oauth_signature")?;
    let method = super::SignatureMethod::parse(declared)?;
    let missing = |needs| Error::NoCredential {
        method: declared.to_owned(),
        needs,
    };
    let text =
        super::base_string_text(&req.method, &req.url, &req.form, header_params(oauth, from))?;
    if method == super::SignatureMethod::RsaSha1 {
        let key = credentials
            .key
            .ok_or_else(|| missing("the certificate's public key"))?;
        let sig =
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, signature.trim())
                .map_err(|_| Error::SignatureEncoding)?;
        Ok(key.verifies(text.as_bytes(), &sig))
    } else {
        let secrets = credentials
            .secrets
            .as_ref()
            .ok_or_else(|| missing("the consumer secret and the token secret"))?;
        Ok(super::hmac_verifies(
            method,
            &text,
            secrets.consumer,
            secrets.token,
            signature,
        ))
    }
}

/// [`verify_with`] for a request whose OAuth parameters were read already ([`oauth_parameters`]).
pub fn verify_parsed(
    req: &CapturedRequest,
    parsed: Parsed,
    credentials: &Credentials<'_>,
    now: i64,
) -> Result<Verification, Error> {
    let method = parsed
        .0
        .iter()
        .find(|(k, _)| k == "oauth_signature_method")
        .map(|(_, v)| v.clone())
        .ok_or(Error::Missing {
            name: "oauth_signature_method",
        })?;
    let missing = |needs| Error::NoCredential {
        method: method.clone(),
        needs,
    };
    let mut v = if method == "RSA-SHA1" {
        let key = credentials
            .key
            .ok_or_else(|| missing("the certificate's public key"))?;
        rsa_verification(req, key, now, Some(parsed))?
    } else {
        let secrets = credentials
            .secrets
            .as_ref()
            .ok_or_else(|| missing("the consumer secret and the token secret"))?;
        hmac_verification(req, secrets, now, Some(parsed))?
    };
    let realm = v
        .oauth_parameters
        .iter()
        .find(|(k, _)| k == "realm")
        .map(|(_, v)| v.as_str());
    v.refused_anyway.extend(
        credentials
            .realm_rules
            .iter()
            .filter_map(|rule| rule(&req.url, realm)),
    );
    Ok(v)
}

/// The causes to check when nothing reproduced a signature: `first`, every base-string mistake,
/// and a change after signing.
fn unexplained(first: &str) -> Vec<String> {
    std::iter::once(first.to_owned())
        .chain(MISTAKES.iter().map(|(m, _)| (*m).to_owned()))
        .chain(std::iter::once(
            "the request was changed after signing (a proxy re-encoding the path or query, a rewritten body)".to_owned(),
        ))
        .collect()
}

/// The shared secrets an HMAC signature was made with.
pub struct Secrets<'a> {
    /// The consumer secret.
    pub consumer: &'a str,
    /// The token secret, or "".
    pub token: &'a str,
}

/// Verifies an HMAC (SHA-1, SHA-256, SHA-512) or PLAINTEXT request with the secrets, and on a
/// failure looks for the mistake that reproduces the signature: the common base-string ones, and
/// those of NetSuite's TBA (realm put into the base string, HMAC-SHA1 computed while
/// HMAC-SHA256 is declared or the reverse, the token secret left out of the key).
pub fn verify_hmac_request(
    req: &CapturedRequest,
    secrets: &Secrets<'_>,
    now: i64,
) -> Result<Verification, Error> {
    hmac_verification(req, secrets, now, None)
}

fn hmac_verification(
    req: &CapturedRequest,
    secrets: &Secrets<'_>,
    now: i64,
    parsed: Option<Parsed>,
) -> Result<Verification, Error> {
    use super::{hmac_verifies, SignatureMethod};
    let Prepared {
        oauth,
        from,
        base,
        method: declared,
        signature,
        timestamp_age_seconds,
    } = prepare(req, now, parsed)?;
    let method = SignatureMethod::parse(&declared)?;
    if method == SignatureMethod::RsaSha1 {
        return Err(Error::Method {
            method: "RSA-SHA1 (verify it against the certificate, not secrets)".into(),
        });
    }
    let get = |name: &str| {
        oauth
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let ok = |m: SignatureMethod, text: &str, token: &str| {
        hmac_verifies(m, text, secrets.consumer, token, &signature)
    };
    let valid = ok(method, &base.text, secrets.token);
    let cause = if valid {
        None
    } else {
        let others = [
            SignatureMethod::HmacSha1,
            SignatureMethod::HmacSha256,
            SignatureMethod::HmacSha512,
        ];
        let with_realm = get("realm").and_then(|_| {
            super::base_string_keeping_realm(
                &req.method,
                &req.url,
                &req.form,
                header_params(&oauth, from),
                true,
            )
            .ok()
            .map(|b| b.text)
        });
        if let Some(m) = others
            .iter()
            .copied()
            .find(|m| *m != method && ok(*m, &base.text, secrets.token))
        {
            Some(format!(
                "the signer computed {} while declaring {declared} (a server that takes only the declared method refuses it)",
                m.as_str()
            ))
        } else if with_realm
            .as_deref()
            .is_some_and(|t| ok(method, t, secrets.token))
        {
            Some("the signer put realm into the base string; RFC 5849 leaves it out (it goes in the header only)".into())
        } else if !secrets.token.is_empty() && ok(method, &base.text, "") {
            Some("the signer left the token secret out of the key (consumer_secret& with nothing after it)".into())
        } else {
            MISTAKES.iter().find_map(|(what, m)| {
                let text = variant(req, header_params(&oauth, from), *m)?;
                ok(method, &text, secrets.token).then(|| (*what).to_owned())
            })
        }
    };
    let outcome = match (valid, &cause) {
        (true, _) => Outcome::Valid,
        (false, Some(_)) => Outcome::WrongBaseString,
        (false, None) => Outcome::NoMatch,
    };
    let mut likely_causes = Vec::new();
    match (&outcome, &cause) {
        (Outcome::Valid, _) => {}
        (_, Some(c)) => likely_causes.push(c.clone()),
        _ => {
            likely_causes = unexplained("the consumer secret or the token secret is not the one the signer used (they come in pairs with the consumer key and the token id)");
        }
    }
    Ok(Verification {
        outcome,
        base_string: base,
        oauth_parameters: oauth,
        parameters_from: from,
        cause,
        likely_causes,
        timestamp_age_seconds,
        refused_anyway: Vec::new(),
    })
}

/// `s^e mod n`, then the SHA-1 digest inside a well-formed PKCS#1 v1.5 block, if it is one.
fn open_signature(key: &RsaPublicKey, sig: &[u8]) -> Option<Vec<u8>> {
    const SHA1_PREFIX: &[u8] = &[
        0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
    ];
    let k = key.size();
    if sig.len() != k {
        return None;
    }
    let s = BigUint::from_bytes_be(sig);
    if &s >= key.n() {
        return None;
    }
    let m = s.modpow(key.e(), key.n()).to_bytes_be();
    let mut em = vec![0u8; k - m.len()];
    em.extend_from_slice(&m);
    // 00 01 FF..FF 00 DigestInfo(SHA-1) H
    let tail = SHA1_PREFIX.len() + 20;
    if em.len() < tail + 11 || em[0] != 0 || em[1] != 1 {
        return None;
    }
    let sep = em.len() - tail - 1;
    if em[sep] != 0
        || !em[2..sep].iter().all(|&b| b == 0xff)
        || em[sep + 1..sep + 1 + SHA1_PREFIX.len()] != *SHA1_PREFIX
    {
        return None;
    }
    Some(em[em.len() - 20..].to_vec())
}

fn find_mistake(
    req: &CapturedRequest,
    oauth: &[(String, String)],
    signed: &[u8],
) -> Option<String> {
    MISTAKES.iter().find_map(|(what, m)| {
        let text = variant(req, oauth, *m)?;
        (Sha1::digest(text.as_bytes()).as_slice() == signed).then(|| (*what).to_owned())
    })
}

fn variant(req: &CapturedRequest, oauth: &[(String, String)], m: Mistake) -> Option<String> {
    let u = normalise_url(&req.url).ok()?;
    let (scheme, rest) = u.base_uri.split_once("://")?;
    let raw_query = req
        .url
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or(""))
        .unwrap_or("");
    // The request's parts are borrowed; a mistake that changes one makes its own copy of that
    // one only (the parameter lists can hold up to `MAX_PARAMS` each).
    type Params<'p> = std::borrow::Cow<'p, [(String, String)]>;
    let mut base_uri = u.base_uri.clone();
    let mut query: Params = Params::Borrowed(&u.query);
    let mut form: Params = Params::Borrowed(&req.form);
    let mut oauth: Params = Params::Borrowed(oauth);
    let mut raw_sort = false;
    let mut double = false;
    match m {
        Mistake::KeepDefaultPort => {
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            if host.contains(':') {
                return None;
            }
            let port = if scheme == "https" { 443 } else { 80 };
            base_uri = format!("{scheme}://{host}:{port}/{path}");
        }
        Mistake::PlusAsPlus => {
            if !raw_query.contains('+') {
                return None;
            }
            query = Params::Owned(
                raw_query
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        let (k, v) = p.split_once('=').unwrap_or((p, ""));
                        (
                            super::percent_decode(k, false),
                            super::percent_decode(v, false),
                        )
                    })
                    .collect(),
            );
        }
        Mistake::NoForm => {
            if form.is_empty() {
                return None;
            }
            form = Params::Borrowed(&[]);
        }
        Mistake::RawSort => raw_sort = true,
        Mistake::NoQuery => {
            if query.is_empty() {
                return None;
            }
            query = Params::Borrowed(&[]);
        }
        Mistake::KeepCase => {
            let original = req.url.split(['?', '#']).next()?;
            if original == base_uri {
                return None;
            }
            base_uri = original.to_owned();
        }
        Mistake::NoVersion => {
            let before = oauth.len();
            oauth.to_mut().retain(|(k, _)| k != "oauth_version");
            if oauth.len() == before {
                return None;
            }
        }
        Mistake::FlipScheme => {
            base_uri = if scheme == "https" {
                format!("http://{rest}")
            } else {
                format!("https://{rest}")
            };
        }
        Mistake::DoubleEncode => double = true,
    }
    let mut params: Vec<(String, String)> = query
        .iter()
        .chain(form.iter())
        .chain(oauth.iter())
        .filter(|(k, _)| k != "realm" && k != "oauth_signature")
        .map(|(k, v)| {
            if raw_sort {
                (k.clone(), v.clone())
            } else if double {
                (
                    percent_encode(&percent_encode(k)),
                    percent_encode(&percent_encode(v)),
                )
            } else {
                (percent_encode(k), percent_encode(v))
            }
        })
        .collect();
    params.sort();
    if raw_sort {
        params = params
            .into_iter()
            .map(|(k, v)| (percent_encode(&k), percent_encode(&v)))
            .collect();
    }
    let joined = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    Some(format!(
        "{}&{}&{}",
        percent_encode(&req.method.to_ascii_uppercase()),
        percent_encode(&base_uri),
        percent_encode(&joined)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth1::{authorization_header, sign, SignatureMethod, Signer};

    fn key() -> crate::cert::PrivateKey {
        let pem = include_bytes!("../../fixtures/oauth1/wiki-rsa-sha1-test-key.pem");
        crate::cert::load_private_key("wiki key", pem, None).unwrap()
    }

    fn signed(
        url_signed: &str,
        url_sent: &str,
        form_signed: &[(&str, &str)],
        form_sent: &[(&str, &str)],
        k: &crate::cert::PrivateKey,
    ) -> CapturedRequest {
        let oauth: Vec<(String, String)> = [
            ("oauth_consumer_key", "ck"),
            ("oauth_token", "ck"),
            ("oauth_signature_method", "RSA-SHA1"),
            ("oauth_timestamp", "1700000000"),
            ("oauth_nonce", "n-1_2"),
            ("oauth_version", "1.0"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let fs: Vec<_> = form_signed
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let b = base_string("POST", url_signed, &fs, &oauth).unwrap();
        let sig = sign(SignatureMethod::RsaSha1, &b.text, &Signer::Rsa(k)).unwrap();
        let mut all = oauth;
        all.push(("oauth_signature".into(), sig));
        CapturedRequest {
            method: "POST".into(),
            url: url_sent.into(),
            authorization: Some(authorization_header(None, &all)),
            form: form_sent
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }

    #[test]
    fn a_good_signature_verifies() {
        let k = key();
        let r = signed(
            "https://api.xero.com/api.xro/2.0/Invoices?a=1",
            "https://api.xero.com/api.xro/2.0/Invoices?a=1",
            &[("x", "y")],
            &[("x", "y")],
            &k,
        );
        let v = verify_request(&r, &k.public_key(), 1_700_000_010).unwrap();
        assert_eq!(v.outcome, Outcome::Valid);
        assert_eq!(v.timestamp_age_seconds, Some(10));
    }

    #[test]
    fn a_left_out_form_body_is_named() {
        let k = key();
        let r = signed(
            "https://api.xero.com/x",
            "https://api.xero.com/x",
            &[],
            &[("Name", "Acme")],
            &k,
        );
        let v = verify_request(&r, &k.public_key(), 0).unwrap();
        assert_eq!(v.outcome, Outcome::WrongBaseString);
        assert!(v.cause.unwrap().contains("form body"));
    }

    #[test]
    fn a_kept_port_is_named() {
        let k = key();
        // Our normaliser drops :443, so sign the mistaken base string directly.
        let oauth: Vec<(String, String)> = vec![
            ("oauth_signature_method".into(), "RSA-SHA1".into()),
            ("oauth_consumer_key".into(), "ck".into()),
        ];
        let req = CapturedRequest {
            method: "GET".into(),
            url: "https://api.xero.com/x".into(),
            authorization: None,
            form: vec![],
        };
        let text = variant(&req, &oauth, Mistake::KeepDefaultPort).unwrap();
        assert!(text.contains("api.xero.com%3A443"));
        let sig = sign(SignatureMethod::RsaSha1, &text, &Signer::Rsa(&k)).unwrap();
        let mut all = oauth.clone();
        all.push(("oauth_signature".into(), sig));
        let req = CapturedRequest {
            authorization: Some(authorization_header(None, &all)),
            ..req
        };
        let v = verify_request(&req, &k.public_key(), 0).unwrap();
        assert_eq!(v.outcome, Outcome::WrongBaseString);
        assert!(v.cause.unwrap().contains("default port"));
    }

    #[test]
    fn another_key_is_named_as_such() {
        let k = key();
        let other = crate::cert::load_private_key(
            "other",
            include_bytes!("../../fixtures/keys/privatekey-pkcs8.pem"),
            None,
        )
        .unwrap();
        let r = signed(
            "https://api.xero.com/x",
            "https://api.xero.com/x",
            &[],
            &[],
            &other,
        );
        let v = verify_request(&r, &k.public_key(), 0).unwrap();
        assert_eq!(v.outcome, Outcome::WrongKey);
        assert!(v.likely_causes[0].contains("signature_invalid"));
    }
}
