//! Sending a signed OAuth 1.0a request and reading the answer the way Xero's OAuth 1.0a API
//! gave it: the status, the body, and an `oauth_problem` report from the body or the
//! `WWW-Authenticate` header. No retries; no redirects (the client comes from
//! `crate::net::client_builder`).

use serde::Serialize;

use super::problem::{OAuthProblem, ProblemHints};

/// A request, signed. Its `Debug` leaves out the header (PLAINTEXT carries both secrets in it,
/// and every method the token) and the body.
#[derive(Clone)]
pub struct Outgoing<'a> {
    /// GET, POST, PUT, DELETE, ...
    pub method: &'a str,
    /// The full URL.
    pub url: &'a str,
    /// The `Authorization: OAuth ...` header value.
    pub authorization: &'a str,
    /// Signed form parameters, sent as `application/x-www-form-urlencoded`.
    pub form: &'a [(String, String)],
    /// Or an unsigned body with its content type (RFC 5849: non-form bodies are not signed).
    pub body: Option<(Vec<u8>, &'a str)>,
    /// Reads the service's own error answers (a provider entry's reader), if it has any.
    pub read_error: Option<ErrorReader>,
    /// What each `oauth_problem` code means there (the provider's, or
    /// [`super::problem::generic_hint`]).
    pub problem_hints: ProblemHints,
}

/// Reads a service's error answer: `(status, WWW-Authenticate, body)`.
pub type ErrorReader = fn(u16, Option<&str>, &str) -> Option<ServiceError>;

/// A service's own error answer, read by its provider entry, with what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceError {
    /// The service (`NetSuite`).
    pub service: &'static str,
    /// Its error code (`INVALID_LOGIN`, `consumer_key_unknown`).
    pub code: String,
    /// Its own words, if it gave any.
    pub detail: Option<String>,
    /// What it means and what to do.
    pub hint: String,
}

impl std::fmt::Debug for Outgoing<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("authorization", &"[REDACTED]")
            .field("form", &format_args!("[{} parameters]", self.form.len()))
            .field("body", &self.body.as_ref().map(|(b, _)| b.len()))
            .finish()
    }
}

/// The answer.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// The body, as text.
    pub body: String,
    /// An `oauth_problem` report, from the body or `WWW-Authenticate`.
    pub oauth_problem: Option<OAuthProblem>,
    /// Xero's 503 "rate limit exceeded".
    pub rate_limited: bool,
    /// The service's own error answer, when the request named a reader for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_error: Option<ServiceError>,
}

/// What an answer means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx.
    Ok,
    /// The server refused the credentials or signature (401, 403, an `oauth_problem`).
    Refused,
    /// Any other HTTP error, the rate limit among them.
    HttpError,
}

impl Answer {
    /// What the answer means.
    pub fn verdict(&self) -> Verdict {
        if (200..300).contains(&self.status) {
            Verdict::Ok
        } else if matches!(self.status, 401 | 403)
            || (self.oauth_problem.is_some() && !self.rate_limited && self.status != 503)
        {
            Verdict::Refused
        } else {
            Verdict::HttpError
        }
    }
}

/// Why nothing came back.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The method is not an HTTP method.
    #[error("`{0}` is not an HTTP method")]
    Method(String),
    /// A URL that would carry the token in clear.
    #[error("the request URL {url} may not carry a secret: {reason}")]
    Insecure {
        /// The URL, without its query.
        url: String,
        /// Why not.
        reason: String,
    },
    /// The server could not be reached (the text names TLS problems in plain words).
    #[error("{method} {url}: {message}")]
    Network {
        /// The method.
        method: String,
        /// The URL.
        url: String,
        /// What happened.
        message: String,
        /// What to do.
        hint: String,
    },
}

impl SendError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            SendError::Method(_) => "use GET, POST, PUT or DELETE".into(),
            SendError::Insecure { .. } => "use the provider's https:// address; plain http is accepted only for a loopback address (127.0.0.1, [::1], localhost), such as a local test server".into(),
            SendError::Network { hint, .. } => hint.clone(),
        }
    }
}

/// Sends `req` once and reads the whole answer.
pub fn send(http: &reqwest::blocking::Client, req: &Outgoing<'_>) -> Result<Answer, SendError> {
    use crate::net::{describe, insecure_reason, strip_query, tls_problem};
    if let Some(reason) = insecure_reason(req.url) {
        return Err(SendError::Insecure {
            url: strip_query(req.url),
            reason,
        });
    }
    let method = reqwest::Method::from_bytes(req.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| SendError::Method(req.method.to_owned()))?;
    let mut r = http
        .request(method, req.url)
        .header("Authorization", req.authorization)
        .header("Accept", "application/json");
    if !req.form.is_empty() {
        let body = req
            .form
            .iter()
            .map(|(k, v)| format!("{}={}", super::percent_encode(k), super::percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        r = r
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
    } else if let Some((bytes, content_type)) = &req.body {
        r = r.header("Content-Type", *content_type).body(bytes.clone());
    }
    let network = |e: &reqwest::Error| {
        let text = describe(e);
        let (message, hint) = match tls_problem(&text) {
            Some((problem, hint)) => (problem.to_owned(), hint.to_owned()),
            None => (
                text,
                "check the URL and your network; nothing was retried".to_owned(),
            ),
        };
        SendError::Network {
            method: req.method.to_owned(),
            url: strip_query(req.url),
            message,
            hint,
        }
    };
    let resp = r.send().map_err(|e| network(&e))?;
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type");
    let www_auth = header("www-authenticate");
    let body = crate::net::read_body(resp, crate::net::MAX_API_BODY)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|message| SendError::Network {
            method: req.method.to_owned(),
            url: strip_query(req.url),
            message,
            hint: "the server sent more than any API answer oauth1to2 reads; ask for less (a page, a filter)".into(),
        })?;
    let oauth_problem = super::problem::parse(&body, req.problem_hints).or_else(|| {
        www_auth.as_deref().and_then(|w| {
            super::problem::parse(&w.replace(", ", "&").replace('"', ""), req.problem_hints)
        })
    });
    let rate_limited = status == 503
        && (body.to_ascii_lowercase().contains("rate limit")
            || oauth_problem
                .as_ref()
                .is_some_and(|p| p.code == "rate limit exceeded"));
    let service_error = req
        .read_error
        .and_then(|read| read(status, www_auth.as_deref(), &body));
    Ok(Answer {
        status,
        content_type,
        body,
        oauth_problem,
        rate_limited,
        service_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_header_or_body() {
        let form = vec![("name".to_owned(), "form-secret-value".to_owned())];
        let o = Outgoing {
            method: "GET",
            url: "https://api.xero.com/x",
            authorization: "OAuth oauth_signature=\"cs%26ts\", oauth_token=\"tok-123\"",
            form: &form,
            body: Some((b"body-secret".to_vec(), "application/json")),
            read_error: None,
            problem_hints: crate::oauth1::problem::generic_hint,
        };
        let d = format!("{o:?}");
        for s in ["cs%26ts", "tok-123", "form-secret-value", "body-secret"] {
            assert!(!d.contains(s), "{d}");
        }
    }
}
