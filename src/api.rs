//! Calls to a provider's API with an OAuth 2.0 bearer token, the way `gh api` calls GitHub's: a
//! method, a path under the API base, an optional JSON body, and the tenant header where the
//! provider's API has tenants (its entry names the header).
//!
//! A 429 is retried after `Retry-After` when that fits in the caller's bounded wait (a rate limit
//! refuses the call before doing anything, so even a POST is safe to repeat). Network errors and
//! 5xx are retried, with backoff, only for GET.

use std::time::Duration;

use crate::oauth2::http::{HttpClient, Response};
use crate::oauth2::Oauth2Error;

/// One request to a provider's API.
#[derive(Debug, Clone)]
pub struct ApiRequest<'a> {
    /// HTTP method, upper case.
    pub method: &'a str,
    /// A path such as `/api.xro/2.0/Organisation`, or a full URL under the API base.
    pub path: &'a str,
    /// JSON body.
    pub body: Option<Vec<u8>>,
    /// The tenant the call acts for, sent in the provider's tenant header.
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

/// Sends the call. `tenant_header` is the header the provider's API names a tenant in (`None`
/// where a token is for one account: then a tenant is an error, not dropped).
pub fn call(
    http: &HttpClient,
    api_base: &str,
    access_token: &str,
    tenant_header: Option<&str>,
    call: &ApiRequest<'_>,
) -> Result<ApiAnswer, Oauth2Error> {
    let url = url_for(api_base, call.path)?;
    if call.tenant_id.is_some() && tenant_header.is_none() {
        return Err(Oauth2Error::Usage(format!(
            "the API at {api_base} has no tenants, so a call to it cannot name one"
        )));
    }
    let auth = format!("Bearer {access_token}");
    let mut headers: Vec<(&str, &str)> =
        vec![("authorization", &auth), ("accept", "application/json")];
    if let (Some(t), Some(header)) = (call.tenant_id, tenant_header) {
        headers.push((header, t));
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

/// What a failed answer means, for the hint line, where the provider's entry says nothing
/// more (`crate::provider::Provider::api_failure_hint`).
pub fn failure_hint(status: u16, _detail: Option<&str>, _tenant_sent: bool) -> String {
    match status {
        401 => "the access token was refused, or lacks a scope this endpoint needs: check the scopes with `oauth1to2 token show`, add the missing one to the profile and connect again".into(),
        403 => "the token lacks a scope or a permission for this endpoint: check `oauth1to2 token show`, and the role the app's user has".into(),
        404 => "no such endpoint or record: check the path".into(),
        429 => "the API's rate limit was hit and the wait allowed for the call ran out: retry later, or allow a longer wait".into(),
        s if s >= 500 => "the API reported a server error: retry later".into(),
        _ => "the API refused the request: the body above says why".into(),
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
    fn generic_hints_name_no_provider() {
        for status in [401, 403, 404, 429, 500, 418] {
            let h = failure_hint(status, None, false);
            assert!(
                !h.contains("Xero") && !h.contains("tenant"),
                "{status}: {h}"
            );
        }
        assert!(failure_hint(401, None, true).contains("scope"));
    }
}
