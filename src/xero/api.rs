//! Calls to the Xero API with an OAuth 2.0 bearer token, the way `gh api` calls GitHub's: a
//! method, a path under the API base, an optional JSON body, and the `xero-tenant-id` header.
//!
//! A 429 is retried after `Retry-After` when that fits in the caller's bounded wait (Xero refuses
//! the call before doing anything, so even a POST is safe to repeat). Network errors and 5xx are
//! retried, with backoff, only for GET.

use std::time::Duration;

use crate::oauth2::http::{HttpClient, Response};
use crate::oauth2::Oauth2Error;

/// One API call.
#[derive(Debug, Clone)]
pub struct ApiCall<'a> {
    /// HTTP method, upper case.
    pub method: &'a str,
    /// A path such as `/api.xro/2.0/Organisation`, or a full URL under the API base.
    pub path: &'a str,
    /// JSON body.
    pub body: Option<Vec<u8>>,
    /// The `xero-tenant-id` header.
    pub tenant_id: Option<&'a str>,
    /// The longest total time to spend waiting on 429s.
    pub max_wait: Duration,
}

/// The answer, whatever its status, and how long we waited on rate limits.
#[derive(Debug, Clone)]
pub struct ApiAnswer {
    /// The response.
    pub response: Response,
    /// Seconds spent waiting on 429s.
    pub waited_secs: u64,
}

/// Builds the URL: paths are relative to the API base; full URLs must be under it, so the
/// bearer token is never sent to another host.
pub fn url_for(api_base: &str, path: &str) -> Result<String, Oauth2Error> {
    if path.starts_with("http://") || path.starts_with("https://") {
        if path.starts_with(&format!("{api_base}/")) {
            return Ok(path.to_owned());
        }
        return Err(Oauth2Error::Usage(format!(
            "{path} is not under the API base {api_base}; the token is only sent there"
        )));
    }
    Ok(format!("{api_base}/{}", path.trim_start_matches('/')))
}

/// Sends the call.
pub fn call(
    http: &HttpClient,
    api_base: &str,
    access_token: &str,
    call: &ApiCall<'_>,
) -> Result<ApiAnswer, Oauth2Error> {
    let url = url_for(api_base, call.path)?;
    let auth = format!("Bearer {access_token}");
    let mut headers: Vec<(&str, &str)> =
        vec![("authorization", &auth), ("accept", "application/json")];
    if let Some(t) = call.tenant_id {
        headers.push((crate::provider::xero::CONNECTIONS.header, t));
    }
    if call.body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    let mut waited = 0u64;
    loop {
        let response = if call.method.eq_ignore_ascii_case("GET") {
            http.get(&url, &headers)?
        } else {
            http.send(
                &call.method.to_ascii_uppercase(),
                &url,
                &headers,
                call.body.clone(),
            )?
        };
        if response.status == 429 {
            let wait = response.retry_after.unwrap_or(60);
            if waited.saturating_add(wait) <= call.max_wait.as_secs() {
                std::thread::sleep(Duration::from_secs(wait));
                waited += wait;
                continue;
            }
        }
        return Ok(ApiAnswer {
            response,
            waited_secs: waited,
        });
    }
}

/// What a failed answer means, for the hint line.
pub fn failure_hint(status: u16, detail: Option<&str>, tenant_sent: bool) -> String {
    let detail = detail.unwrap_or("");
    match status {
        401 => "the access token was refused, or lacks a scope this endpoint needs: check the scopes with `oauth1to2 token show`, add the missing one to the profile and connect again".into(),
        403 if !tenant_sent || detail.contains("AuthenticationUnsuccessful") => {
            if tenant_sent {
                "Xero did not accept the tenant: the user may have lost access to it; check `oauth1to2 tenants list`".into()
            } else {
                "Xero needs the xero-tenant-id header: pick a tenant with `oauth1to2 tenants use ID` (see `oauth1to2 tenants list`), or name one for this call".into()
            }
        }
        403 => "the token lacks a scope for this endpoint, or the organisation's plan does not include it: check `oauth1to2 token show`".into(),
        404 => "no such endpoint or record: check the path (for example /api.xro/2.0/Organisation)".into(),
        429 => "Xero's rate limit (60 calls a minute, 5,000 a day per organisation) was hit and the wait allowed for the call ran out: retry later, or allow a longer wait".into(),
        s if s >= 500 => "Xero reported a server error: retry later".into(),
        _ => "Xero refused the request: the body above says why".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_only_goes_under_the_api_base() {
        let b = "https://api.xero.com";
        assert_eq!(
            url_for(b, "/api.xro/2.0/Organisation").unwrap(),
            "https://api.xero.com/api.xro/2.0/Organisation"
        );
        assert_eq!(
            url_for(b, "connections").unwrap(),
            "https://api.xero.com/connections"
        );
        assert!(url_for(b, "https://api.xero.com/connections").is_ok());
        assert!(url_for(b, "https://api.xero.com.evil.example/x").is_err());
        assert!(url_for(b, "https://evil.example/").is_err());
    }

    #[test]
    fn hints_name_the_missing_tenant_header() {
        assert!(
            failure_hint(403, Some("AuthenticationUnsuccessful"), false).contains("tenants use")
        );
        assert!(failure_hint(401, None, true).contains("scope"));
    }
}
