//! Reading a request to verify from what a consultant has at hand: a curl command line, a HAR
//! file exported from browser dev tools or a proxy, or a raw HTTP request from a log.

use super::verify::CapturedRequest;
use super::{parse_params, Error};

fn header_err(reason: impl Into<String>) -> Error {
    Error::Header {
        reason: reason.into(),
    }
}

fn is_form(content_type: Option<&str>) -> bool {
    content_type.is_none_or(|ct| {
        ct.trim()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    })
}

/// Parses `curl [options] URL`: `-X/--request`, `-H/--header`, `-d/--data/--data-raw/
/// --data-binary/--data-urlencode`, `--url`, `-G/--get`. Other options are skipped.
pub fn from_curl(command: &str) -> Result<CapturedRequest, Error> {
    let words = shlex::split(command.trim())
        .ok_or_else(|| header_err("the curl command has unbalanced quotes"))?;
    let mut it = words.into_iter().peekable();
    if it.peek().is_some_and(|w| w == "curl") {
        it.next();
    }
    let mut method: Option<String> = None;
    let mut url: Option<String> = None;
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut data: Vec<String> = Vec::new();
    let mut get = false;
    // Options that take a value we do not need.
    const SKIP_VALUE: &[&str] = &[
        "-o",
        "--output",
        "-u",
        "--user",
        "-A",
        "--user-agent",
        "-e",
        "--referer",
        "-b",
        "--cookie",
        "-c",
        "--cookie-jar",
        "--connect-timeout",
        "-m",
        "--max-time",
        "-w",
        "--write-out",
        "--cacert",
        "--cert",
        "--key",
        "-x",
        "--proxy",
        "--retry",
        "-T",
        "--upload-file",
        "-F",
        "--form",
    ];
    while let Some(w) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| header_err(format!("curl option {name} has no value")))
        };
        match w.as_str() {
            "-X" | "--request" => method = Some(value(&w)?),
            "-H" | "--header" => {
                let h = value(&w)?;
                let (k, v) = h
                    .split_once(':')
                    .ok_or_else(|| header_err(format!("curl header `{h}` has no colon")))?;
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-ascii" => {
                data.push(value(&w)?)
            }
            "--data-urlencode" => {
                let d = value(&w)?;
                let encoded = match d.split_once('=') {
                    Some((k, v)) => format!("{k}={}", super::percent_encode(v)),
                    None => super::percent_encode(&d),
                };
                data.push(encoded);
            }
            "--url" => url = Some(value(&w)?),
            "-G" | "--get" => get = true,
            s if SKIP_VALUE.contains(&s) => {
                value(s)?;
            }
            s if s.starts_with('-') => {}
            _ => {
                if url.is_none() {
                    url = Some(w);
                }
            }
        }
    }
    let mut url = url.ok_or_else(|| header_err("the curl command has no URL"))?;
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = data.join("&");
    let mut form = Vec::new();
    if get && !body.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&body);
    } else if !body.is_empty() && is_form(header("content-type").as_deref()) {
        form = parse_params(&body, "form body")?;
    }
    let method = method.unwrap_or_else(|| {
        if !body.is_empty() && !get {
            "POST".into()
        } else {
            "GET".into()
        }
    });
    Ok(CapturedRequest {
        method,
        url,
        authorization: header("authorization"),
        form,
    })
}

/// Every request in a HAR file that carries OAuth 1.0a parameters, with a label for each.
/// An entry is copied out only once it is known to carry them.
pub fn from_har(json: &str) -> Result<Vec<(String, CapturedRequest)>, Error> {
    use crate::har::{self, HarError};
    let v = har::parse(json).map_err(|e| {
        header_err(match e {
            HarError::Json { .. } => format!("the HAR file is not JSON: {e}"),
            HarError::NoEntries => "the HAR file has no log.entries".into(),
            HarError::TooManyEntries => format!("the HAR file {e}"),
        })
    })?;
    let mut out = Vec::new();
    for (i, r) in har::requests(&v).enumerate() {
        let Some(r) = r else { continue };
        let authorization = r
            .header("authorization")
            .filter(|a| a.trim_start().to_ascii_lowercase().starts_with("oauth "));
        let mime = r.body_type.or_else(|| r.header("content-type"));
        let form_body = r.body.filter(|_| is_form(mime));
        let has_oauth = authorization.is_some()
            || r.url.contains("oauth_signature=")
            || form_body.is_some_and(|b| b.contains("oauth_signature"));
        if !has_oauth {
            continue;
        }
        let form = match form_body {
            Some(b) => parse_params(b, "form body")?,
            None => Vec::new(),
        };
        if authorization.is_none()
            && !r.url.contains("oauth_signature=")
            && !form.iter().any(|(k, _)| k == "oauth_signature")
        {
            continue;
        }
        let req = CapturedRequest {
            method: r.method.to_owned(),
            url: r.url.to_owned(),
            authorization: authorization.map(str::to_owned),
            form,
        };
        out.push((format!("entry {} ({} {})", i + 1, r.method, r.url), req));
    }
    Ok(out)
}

/// A raw HTTP/1.x request (`GET /path HTTP/1.1`, headers, blank line, body). The scheme is not
/// in the request; `scheme` supplies it (Xero was always https).
pub fn from_raw_http(bytes: &[u8], scheme: &str) -> Result<CapturedRequest, Error> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines().filter(|l| !l.trim().is_empty());
    let request_line = lines
        .next()
        .ok_or_else(|| header_err("the raw request is empty"))?;
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(header_err(format!(
            "`{request_line}` is not an HTTP request line (METHOD /path HTTP/1.1)"
        )));
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let url = if target.starts_with("http://") || target.starts_with("https://") {
        target.to_owned()
    } else {
        let host = header("host").ok_or_else(|| {
            header_err("the raw request has no Host header, so its URL is unknown")
        })?;
        format!("{scheme}://{host}{target}")
    };
    let form = if !body.is_empty() && is_form(header("content-type").as_deref()) {
        parse_params(body.trim_end_matches('\n'), "form body")?
    } else {
        Vec::new()
    };
    Ok(CapturedRequest {
        method: method.to_owned(),
        url,
        authorization: header("authorization"),
        form,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_commands_are_read() {
        let r = from_curl(r#"curl -s -X PUT 'https://api.xero.com/api.xro/2.0/Contacts?x=1' -H 'Authorization: OAuth oauth_nonce="a"' -H "Content-Type: application/x-www-form-urlencoded" --data 'Name=A+B&x=2'"#).unwrap();
        assert_eq!(r.method, "PUT");
        assert_eq!(r.url, "https://api.xero.com/api.xro/2.0/Contacts?x=1");
        assert_eq!(r.authorization.as_deref(), Some("OAuth oauth_nonce=\"a\""));
        assert_eq!(
            r.form,
            vec![("Name".into(), "A B".into()), ("x".into(), "2".into())]
        );
        let r = from_curl("curl https://h/p -d '{\"a\":1}' -H 'Content-Type: application/json'")
            .unwrap();
        assert_eq!(r.method, "POST");
        assert!(r.form.is_empty());
        assert!(from_curl("curl -H").is_err());
        assert!(from_curl("curl 'unbalanced").is_err());
        assert!(from_curl("curl -s").is_err());
    }

    #[test]
    fn raw_requests_are_read() {
        let raw = b"POST /api.xro/2.0/Invoices?page=2 HTTP/1.1\r\nHost: api.xero.com\r\nAuthorization: OAuth a=\"b\"\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nxml=%3CInvoice%2F%3E";
        let r = from_raw_http(raw, "https").unwrap();
        assert_eq!(r.url, "https://api.xero.com/api.xro/2.0/Invoices?page=2");
        assert_eq!(r.form, vec![("xml".into(), "<Invoice/>".into())]);
        assert!(from_raw_http(b"", "https").is_err());
        assert!(from_raw_http(b"GET /x HTTP/1.1\r\n\r\n", "https").is_err());
    }

    #[test]
    fn har_entries_with_oauth_are_found() {
        let har = r#"{"log":{"entries":[
            {"request":{"method":"GET","url":"https://api.xero.com/a","headers":[{"name":"Authorization","value":"OAuth oauth_signature=\"x\""}]}},
            {"request":{"method":"GET","url":"https://example.com/","headers":[]}},
            {"request":{"method":"POST","url":"https://api.xero.com/b","headers":[{"name":"Authorization","value":"OAuth a=\"b\""},{"name":"Content-Type","value":"application/x-www-form-urlencoded"}],"postData":{"mimeType":"application/x-www-form-urlencoded","text":"k=v"}}}
        ]}}"#;
        let found = from_har(har).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].1.form, vec![("k".into(), "v".into())]);
        assert!(from_har("{}").is_err());
        assert!(from_har("not json").is_err());
    }
}
