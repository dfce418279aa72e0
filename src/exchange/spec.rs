//! What a provider says about its exchange ([`ExchangeSpec`], in its folder), the app's
//! credentials a run is given ([`App`]), and the HTTP pieces every provider's exchanger uses:
//! an OAuth 1.0a HMAC-SHA1 signed request with the user's token, and the reading of an answer
//! into an [`Answer`]. Nothing here names a provider.

use std::time::Duration;

use super::input::UserToken;
use super::rate::Budget;
use super::run::{Answer, Exchanger};
use crate::oauth1::{self, SignatureMethod, Signer};
use crate::secret::{Password, Token};

/// A provider's exchange.
pub struct ExchangeSpec {
    /// The exchange endpoint.
    pub endpoint: &'static str,
    /// The base of its other calls an exchanger makes (a user-id look-up, a probe of an old
    /// token after a crash).
    pub api_base: &'static str,
    /// Its rate budget, as documented (or our guess, said in `budget_source`).
    pub budget: Budget,
    /// The share of the budget a run uses unless told otherwise, in percent.
    pub budget_percent: u32,
    /// Where the budget comes from.
    pub budget_source: &'static str,
    /// Whether it needs the OAuth 1.0a consumer secret (it signs with it).
    pub needs_consumer_secret: bool,
    /// Whether it needs the OAuth 2.0 client id.
    pub needs_client_id: bool,
    /// What a request lost to a crash means there, in words.
    pub after_crash: &'static str,
    /// What is not confirmed about it, one line each.
    pub unconfirmed: &'static [&'static str],
    /// The sources of its facts (titles or URLs).
    pub sources: &'static [&'static str],
    /// Its exchanger for `app`.
    pub exchanger: fn(App) -> Box<dyn Exchanger>,
}

impl std::fmt::Debug for ExchangeSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExchangeSpec")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// The app a run exchanges for: its OAuth 1.0a consumer and, where the provider wants it, its
/// OAuth 2.0 client; the endpoints (the provider's, or a stand-in's); one HTTP client.
#[derive(Clone)]
pub struct App {
    /// The HTTP client (timeouts, no redirects).
    pub http: reqwest::blocking::Client,
    /// The exchange endpoint.
    pub endpoint: String,
    /// The base of its other calls.
    pub api_base: String,
    /// The OAuth 1.0a consumer key.
    pub consumer_key: String,
    /// The OAuth 1.0a consumer secret.
    pub consumer_secret: Option<Password>,
    /// The OAuth 2.0 client id.
    pub client_id: Option<String>,
    /// The OAuth 2.0 client secret (a confidential client).
    pub client_secret: Option<Password>,
    /// The scopes to ask for, where the provider takes a subset.
    pub scope: Option<String>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("endpoint", &self.endpoint)
            .field("consumer_key", &self.consumer_key)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The largest answer read from an exchange endpoint: 64 KiB (a pair is well under 4 KiB).
pub const MAX_ANSWER: usize = 64 << 10;

/// An HTTP answer, read and capped.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// `Retry-After`, in seconds from now.
    pub retry_after: Option<u64>,
    /// The body (never printed: it may hold tokens).
    pub body: zeroize::Zeroizing<String>,
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Sends `req` and reads the answer; a network failure is an `Err` with what happened (no
/// secret: reqwest names the URL only, and the query is dropped).
pub fn send(req: reqwest::blocking::RequestBuilder) -> Result<Reply, String> {
    let resp = req.send().map_err(|e| crate::net::describe(&e))?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| super::rate::retry_after(v, now_secs()));
    let body = crate::net::read_body(resp, MAX_ANSWER)?;
    Ok(Reply {
        status,
        retry_after,
        body: zeroize::Zeroizing::new(String::from_utf8_lossy(&body).into_owned()),
    })
}

/// An OAuth 1.0a HMAC-SHA1 signed request for `user` (its token and secret) by the app's
/// consumer: `form` is sent as the body and signed.
pub fn oauth1_request(
    app: &App,
    method: &str,
    url: &str,
    form: &[(String, String)],
    user: &UserToken,
) -> Result<reqwest::blocking::RequestBuilder, String> {
    let consumer_secret = app
        .consumer_secret
        .as_ref()
        .ok_or("the consumer secret is missing")?;
    let mut oauth = oauth1::ProtocolParams {
        consumer_key: &app.consumer_key,
        token: Some(user.token.expose()),
        method: SignatureMethod::HmacSha1,
        timestamp: u64::try_from(now_secs()).unwrap_or(0),
        nonce: None,
        version: true,
        extra: &[],
    }
    .build();
    let base = oauth1::base_string(method, url, form, &oauth).map_err(|e| e.to_string())?;
    let sig = oauth1::sign_base_string(
        SignatureMethod::HmacSha1,
        &base,
        &Signer::Secrets {
            consumer_secret: consumer_secret.expose(),
            token_secret: user.token_secret.expose(),
        },
    )
    .map_err(|e| e.to_string())?;
    oauth.push(("oauth_signature".into(), sig));
    let m = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let mut req = app
        .http
        .request(m, url)
        .header("Authorization", oauth1::authorization_header(None, &oauth))
        .header("Accept", "application/json");
    if !form.is_empty() || method == "POST" {
        req = req
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form_body(form).as_bytes().to_vec());
    }
    Ok(req)
}

/// `form` as an `application/x-www-form-urlencoded` body.
pub fn form_body(form: &[(String, String)]) -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(
        form.iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    crate::form::percent_encode(k),
                    crate::form::percent_encode(v)
                )
            })
            .collect::<Vec<_>>()
            .join("&"),
    )
}

/// The answer's OAuth error code and description (RFC 6749 section 5.2), or the two other
/// common shapes (`{"errors": [{"code": ..., "message": ...}]}`, `{"meta": {"msg": ...}}`).
pub fn error_of(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    if let Some(code) = v.get("error").and_then(text) {
        let desc = v.get("error_description").and_then(text);
        return Some(match desc {
            Some(d) => format!("{code}: {d}"),
            None => code,
        });
    }
    if let Some(m) = v.pointer("/errors/0/message").and_then(text) {
        return Some(m);
    }
    v.pointer("/meta/msg").and_then(text)
}

/// What the answer said, for a reason in the journal and the report: its status and error, at
/// most 200 characters, with `user`'s token and secret taken out should the server echo them.
pub fn said(reply: &Reply, user: &UserToken) -> String {
    let text = format!(
        "HTTP {}{}",
        reply.status,
        error_of(&reply.body)
            .map(|e| format!(" ({})", e.chars().take(200).collect::<String>()))
            .unwrap_or_default()
    );
    crate::text::redact(&text, &[user.token.expose(), user.token_secret.expose()]).into_owned()
}

/// What an answer that carries no pair means, by the rules every provider shares: 429 and 5xx
/// are "not now"; `None` for the provider to read (401, 400, ...).
pub fn not_now(reply: &Reply, user: &UserToken) -> Option<Answer> {
    (reply.status == 429 || reply.status >= 500).then(|| Answer::TryLater {
        retry_after: reply.retry_after,
        reason: said(reply, user),
    })
}

/// A 200 answer's pair (`access_token`, `refresh_token`, `expires_in`, `scope`), with every
/// other field kept.
pub fn pair_of(body: &str) -> Answer {
    let mut map = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => return Answer::Unexpected("a 200 answer that is not a JSON object".into()),
    };
    let access_token = match map.remove("access_token") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Token::new(s),
        _ => return Answer::Unexpected("a 200 answer without an access_token".into()),
    };
    let refresh_token = match map.remove("refresh_token") {
        Some(serde_json::Value::String(s)) => Some(Token::new(s)),
        _ => None,
    };
    let expires_in = map.remove("expires_in").and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    });
    let scope = match map.remove("scope") {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    };
    // Nothing secret-looking is kept among the other fields unless it is one the pair has.
    map.retain(|k, _| !k.contains("token") || k.ends_with("_type") || k.ends_with("expires_in"));
    Answer::Pair {
        access_token,
        refresh_token,
        expires_in,
        scope,
        other: map,
    }
}

/// What every provider reads the same way in an exchange's answer: a pair (200), "not now"
/// (a network failure, 429, 5xx). `Err` gives the provider the rest to read (401, 400, ...).
pub fn read(sent: Result<Reply, String>, user: &UserToken) -> Result<Answer, Reply> {
    let reply = match sent {
        Ok(r) => r,
        Err(e) => return Ok(network(e)),
    };
    if reply.status == 200 {
        return Ok(pair_of(&reply.body));
    }
    match not_now(&reply, user) {
        Some(a) => Ok(a),
        None => Err(reply),
    }
}

/// A network failure: "not now".
pub fn network(reason: String) -> Answer {
    Answer::TryLater {
        retry_after: None,
        reason,
    }
}

/// How long the HTTP client waits for an exchange: connect 10 s, the whole request 30 s.
pub const TIMEOUTS: crate::net::Timeouts = crate::net::Timeouts {
    connect: Duration::from_secs(10),
    total: Duration::from_secs(30),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Password;

    #[test]
    fn a_pair_is_read_with_its_other_fields_and_no_stray_token() {
        let a = pair_of(
            r#"{"access_token":"a","refresh_token":"r","expires_in":"7200","scope":"x y","token_type":"bearer","id_token":"secret","refresh_token_expires_in":7775998}"#,
        );
        match a {
            Answer::Pair {
                access_token,
                refresh_token,
                expires_in,
                scope,
                other,
            } => {
                assert_eq!(access_token.expose(), "a");
                assert_eq!(refresh_token.unwrap().expose(), "r");
                assert_eq!(expires_in, Some(7200));
                assert_eq!(scope.as_deref(), Some("x y"));
                assert_eq!(other["token_type"], "bearer");
                assert_eq!(other["refresh_token_expires_in"], 7775998);
                assert!(!other.contains_key("id_token"));
            }
            _ => panic!("not a pair"),
        }
        assert!(matches!(pair_of("[]"), Answer::Unexpected(_)));
        assert!(matches!(
            pair_of(r#"{"access_token":""}"#),
            Answer::Unexpected(_)
        ));
        assert_eq!(
            error_of(r#"{"error":"invalid_grant","error_description":"revoked"}"#).as_deref(),
            Some("invalid_grant: revoked")
        );
        assert_eq!(
            error_of(r#"{"meta":{"status":401,"msg":"Unauthorized"}}"#).as_deref(),
            Some("Unauthorized")
        );
    }

    fn user() -> UserToken {
        UserToken {
            line: 2,
            user_id: "u1".into(),
            token: Token::new("tok-abc123"),
            token_secret: Password::new("sec-xyz789"),
            extra: Vec::new(),
        }
    }

    #[test]
    fn a_reason_never_carries_what_the_server_echoed_of_the_users_token() {
        let reply = Reply {
            status: 400,
            retry_after: None,
            body: zeroize::Zeroizing::new(
                r#"{"error":"invalid_grant","error_description":"token tok-abc123 (secret sec-xyz789) is revoked"}"#.into(),
            ),
        };
        let said = said(&reply, &user());
        assert!(
            said.starts_with("HTTP 400 (invalid_grant: token [REDACTED]"),
            "{said}"
        );
        assert!(!said.contains("tok-abc123") && !said.contains("sec-xyz789"));
    }

    /// One answer from a server on loopback, to the first request.
    fn answer_once(raw: Vec<u8>) -> String {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/token", l.local_addr().unwrap());
        std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(&raw);
        });
        url
    }

    #[test]
    fn redirects_are_not_followed_and_a_large_answer_is_refused() {
        let http = crate::net::client_builder(TIMEOUTS).build().unwrap();
        let url = answer_once(
            b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\n\r\n".to_vec(),
        );
        let r = send(http.post(&url)).unwrap();
        assert_eq!(r.status, 302, "the redirect is the answer");
        let mut big = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', 100_000));
        let url = answer_once(big);
        let e = send(http.post(&url)).unwrap_err();
        assert!(e.contains("larger than 64 KiB"), "{e}");
    }
}
