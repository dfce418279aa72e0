//! HAR files (HTTP Archive 1.2, as browser dev tools and proxies such as mitmproxy, Fiddler and
//! Charles export them): the requests in one. `oauth1 verify`, the Xero scope planner and the
//! NetSuite call reader all read them through here.

use serde_json::Value;

/// Why a HAR file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HarError {
    /// It is not JSON.
    #[error("JSON error at line {line}, column {column}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// It is JSON, but not a HAR.
    #[error("it has no log.entries list")]
    NoEntries,
}

/// One request of a HAR entry, borrowed from the parsed file.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The method, as written.
    pub method: &'a str,
    /// The full URL.
    pub url: &'a str,
    /// The headers, in order.
    pub headers: Vec<(&'a str, &'a str)>,
    /// `postData.text`, if any.
    pub body: Option<&'a str>,
    /// `postData.mimeType`, when not empty.
    pub body_type: Option<&'a str>,
}

impl<'a> Request<'a> {
    /// The first header of this name (any case).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// Parses a HAR file.
pub fn parse(json: &str) -> Result<Value, HarError> {
    serde_json::from_str(json).map_err(|e| HarError::Json {
        line: e.line(),
        column: e.column(),
    })
}

/// The request of each entry of a parsed HAR file, in order; `None` for an entry without a
/// method or a URL.
pub fn requests(har: &Value) -> Result<Vec<Option<Request<'_>>>, HarError> {
    let entries = har["log"]["entries"]
        .as_array()
        .ok_or(HarError::NoEntries)?;
    Ok(entries
        .iter()
        .map(|e| {
            let r = &e["request"];
            Some(Request {
                method: r["method"].as_str()?,
                url: r["url"].as_str()?,
                headers: r["headers"]
                    .as_array()
                    .map(|hs| {
                        hs.iter()
                            .filter_map(|h| Some((h["name"].as_str()?, h["value"].as_str()?)))
                            .collect()
                    })
                    .unwrap_or_default(),
                body: r["postData"]["text"].as_str(),
                body_type: r["postData"]["mimeType"].as_str().filter(|m| !m.is_empty()),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_without_a_method_or_url_are_kept_as_none() {
        let v = parse(r#"{"log": {"entries": [
            {"request": {"method": "GET", "url": "https://x/y", "headers": [{"name": "Authorization", "value": "OAuth a=1"}, {"name": 5}]}},
            {"request": {"url": "https://x/z"}},
            {"request": {"method": "POST", "url": "https://x/f", "postData": {"mimeType": "", "text": "a=1"}}}
        ]}}"#).unwrap();
        let r = requests(&v).unwrap();
        assert_eq!(r.len(), 3);
        let first = r[0].as_ref().unwrap();
        assert_eq!(first.header("authorization"), Some("OAuth a=1"));
        assert_eq!(first.headers.len(), 1);
        assert!(r[1].is_none());
        let third = r[2].as_ref().unwrap();
        assert_eq!((third.body, third.body_type), (Some("a=1"), None));
        assert_eq!(
            parse("{").unwrap_err(),
            HarError::Json { line: 1, column: 1 }
        );
        assert_eq!(
            requests(&parse("[]").unwrap()).unwrap_err(),
            HarError::NoEntries
        );
    }
}
