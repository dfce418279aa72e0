//! What every HTTP call oauth1to2 makes shares, below both OAuth halves: how a client is built
//! (rustls, timeouts, no redirects, short-lived idle connections), how much of an answer is read,
//! which URLs may carry a secret, and transport errors in plain words.

use std::time::Duration;

/// How long to wait.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// The whole request.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            total: Duration::from_secs(30),
        }
    }
}

/// The largest answer read from an identity endpoint (token, discovery, keys, revocation,
/// connections) and from OAuth 1.0a's: 4 MiB. Their real answers are a few KB.
pub const MAX_IDENTITY_BODY: usize = 4 << 20;

/// The largest answer `api` reads from a provider's API: 64 MiB.
pub const MAX_API_BODY: usize = 64 << 20;

/// Reads an answer's body, at most `cap` bytes: a larger one is an error once `cap` bytes are
/// read, so a hostile or broken server cannot make us hold more.
pub fn read_body(resp: reqwest::blocking::Response, cap: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large(cap));
    }
    let mut body = Vec::new();
    resp.take(cap as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| e.to_string())?;
    if body.len() > cap {
        return Err(too_large(cap));
    }
    Ok(body)
}

fn too_large(cap: usize) -> String {
    let size = if cap >= 1 << 20 {
        format!("{} MiB", cap >> 20)
    } else {
        format!("{} KiB", cap >> 10)
    };
    format!("the answer is larger than {size}, the most oauth1to2 reads from it")
}

/// An HTTP `Date` (`Wed, 02 Dec 2026 19:30:00 GMT`, RFC 9110 section 5.6.7) as Unix seconds.
pub fn parse_http_date(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc2822)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// The common TLS failures in plain words, with what to do: `(problem, hint)`. `text` is a
/// reqwest error with its causes (see [`describe`]), which carries rustls's own names.
pub fn tls_problem(text: &str) -> Option<(&'static str, &'static str)> {
    let t = text.to_ascii_lowercase().replace([' ', '_'], "");
    if t.contains("unknownissuer") {
        Some((
            "the server's certificate is not signed by a certificate authority this machine trusts",
            "if a company proxy or a test server signs its own certificates, trust its CA certificate as well (the profile's CA file); otherwise check the URL",
        ))
    } else if t.contains("causedasendentity") {
        Some((
            "the server presents a CA certificate as its own certificate",
            "the server is misconfigured (its certificate is a CA's); if it is a test server, give it a proper leaf certificate, or trust its CA certificate as well (the profile's CA file)",
        ))
    } else if t.contains("notvalidforname") || t.contains("notvalidforthename") {
        Some((
            "the server's certificate is for another name than the host in the URL",
            "check the host in the URL (use the name the certificate is for, not an IP address or an alias)",
        ))
    } else if t.contains("expired") || t.contains("notvalidyet") {
        Some((
            "the server's certificate is expired or not yet valid",
            "check this machine's clock (date -u); if it is right, the server's certificate must be renewed",
        ))
    } else {
        None
    }
}

/// The one way oauth1to2 builds an HTTP client, for both OAuth halves: rustls, connect and
/// overall timeouts, redirects never followed.
pub fn client_builder(timeouts: Timeouts) -> reqwest::blocking::ClientBuilder {
    reqwest::blocking::Client::builder()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.total)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(POOL_IDLE)
        .user_agent(concat!("oauth1to2/", env!("CARGO_PKG_VERSION")))
}

/// How long an idle connection may be reused. Servers close idle keep-alive connections after
/// a few seconds (Node.js and Apache httpd after 5), and a request sent as the server closes
/// one is reset: for a token request, after the person spent longer than that in the browser.
/// Below the shortest common keep-alive, so a connection left idle that long is never reused.
pub const POOL_IDLE: Duration = Duration::from_secs(2);

/// A reqwest error and its causes, for messages. reqwest names the URL but never carries our
/// headers or body, so no secret reaches the message.
pub fn describe(e: &reqwest::Error) -> String {
    let s = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        e.to_string()
    };
    with_causes(s, e)
}

/// `head`, then each cause of `e` that it does not already say, joined with `: `.
pub fn with_causes(mut head: String, e: &dyn std::error::Error) -> String {
    let mut src = e.source();
    while let Some(c) = src {
        let t = c.to_string();
        if !head.contains(&t) {
            head.push_str(": ");
            head.push_str(&t);
        }
        src = c.source();
    }
    head
}

/// Whether `url` may carry a secret: `https://`, or `http://` to a loopback address only
/// (127.0.0.0/8, `[::1]`, `localhost`), where nothing crosses a network. Returns why not.
pub fn insecure_reason(url: &str) -> Option<String> {
    let parsed = match oauth2::url::Url::parse(url) {
        Ok(u) => u,
        Err(e) => return Some(format!("it is not a valid URL ({e})")),
    };
    match parsed.scheme() {
        "https" => None,
        "http" => {
            let loopback = is_loopback(&parsed);
            (!loopback).then(|| {
                "it is plain http to a host that is not a loopback address, so a secret sent there would cross the network in clear".to_owned()
            })
        }
        other => Some(format!("its scheme is {other:?}, not https")),
    }
}

/// Whether a URL's host is a loopback address (127.0.0.0/8, `[::1]`) or `localhost`.
pub fn is_loopback(url: &oauth2::url::Url) -> bool {
    match url.host() {
        Some(oauth2::url::Host::Ipv4(a)) => a.is_loopback(),
        Some(oauth2::url::Host::Ipv6(a)) => a.is_loopback(),
        Some(oauth2::url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// URLs in messages lose their query (it can hold a code or state).
pub fn strip_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_owned()
}
