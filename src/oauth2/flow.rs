//! The grants, through the `oauth2` crate: the authorization request (always PKCE S256, a random
//! state, and a nonce when `openid` is asked for), the code exchange, refresh, client credentials
//! and revocation.
//!
//! Token responses are read by [`TokenResponse`], our own implementation of the crate's trait:
//! it accepts `expires_in` as a number or a string (Xero's `/oauth/migrate` sends `"1800"`) and
//! keeps the `id_token`.

use oauth2::basic::{BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenType};
use oauth2::{
    AccessToken, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, RevocationUrl, Scope, StandardRevocableToken, TokenUrl,
};
use serde::{Deserialize, Deserializer, Serialize};
use std::time::Duration;

use super::endpoints::Endpoints;
use super::http::HttpClient;
use super::profile::{Grant, Profile};
use super::store::TokenSet;
use super::Oauth2Error;
use crate::secret::Password;

/// A token endpoint response.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    access_token: AccessToken,
    #[serde(deserialize_with = "oauth2::helpers::deserialize_untagged_enum_case_insensitive")]
    token_type: BasicTokenType,
    #[serde(default, deserialize_with = "number_or_string")]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(rename = "scope", default)]
    #[serde(deserialize_with = "oauth2::helpers::deserialize_space_delimited_vec")]
    #[serde(serialize_with = "oauth2::helpers::serialize_space_delimited_vec")]
    scopes: Option<Vec<Scope>>,
    #[serde(default)]
    id_token: Option<String>,
    /// The answer's other fields (where a provider says more: Salesforce's `instance_url`).
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl oauth2::TokenResponse for TokenResponse {
    type TokenType = BasicTokenType;
    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

/// `expires_in` as `1800` or `"1800"`.
pub fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        Num(u64),
        Str(String),
    }
    match Option::<N>::deserialize(d)? {
        None => Ok(None),
        Some(N::Num(n)) => Ok(Some(n)),
        Some(N::Str(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("expires_in is not a number")),
    }
}

impl TokenResponse {
    /// Turns the response into what we store. `previous` supplies what a refresh response may
    /// leave out (the refresh token when the server does not rotate, the scopes, the id token).
    /// The grant is the response's `scope`, else (RFC 6749 section 5.1) the scopes `requested`;
    /// a JWT access token's own `scope` claim is never read.
    pub fn into_token_set(
        self,
        now: i64,
        previous: Option<&TokenSet>,
        requested: &[String],
    ) -> TokenSet {
        let from_response = self
            .scopes
            .as_ref()
            .map(|v| v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        use super::store::ScopesFrom;
        let (scopes, scopes_from) = match (from_response, previous) {
            (Some(s), _) => (s, ScopesFrom::Response),
            (None, Some(p)) => (
                p.scopes.clone(),
                match p.scopes_from {
                    Some(ScopesFrom::Unknown) => ScopesFrom::Unknown,
                    _ => ScopesFrom::Previous,
                },
            ),
            (None, None) if !requested.is_empty() => (requested.to_vec(), ScopesFrom::AsRequested),
            (None, None) => (Vec::new(), ScopesFrom::Unknown),
        };
        TokenSet {
            token_type: self.token_type.as_ref().to_owned(),
            access_token: self.access_token.secret().clone().into(),
            refresh_token: self
                .refresh_token
                .map(|r| r.secret().clone().into())
                .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
            expires_at: self
                .expires_in
                .map(|s| now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX))),
            scopes,
            scopes_from: Some(scopes_from),
            consented_at: Some(previous.and_then(|p| p.consented_at).unwrap_or(now)),
            id_token: self
                .id_token
                .or_else(|| previous.and_then(|p| p.id_token.clone())),
            expiry_assumed: false,
            obtained_at: now,
            refresh_started_at: None,
        }
    }

    /// The id token, if any.
    pub fn id_token(&self) -> Option<&str> {
        self.id_token.as_deref()
    }
}

type OClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointMaybeSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

fn url_err(what: &str, url: &str) -> Oauth2Error {
    Oauth2Error::Usage(format!("the {what} URL {url:?} is not a valid URL"))
}

fn client(
    profile: &Profile,
    endpoints: &Endpoints,
    secret: Option<&Password>,
    redirect_uri: Option<&str>,
) -> Result<OClient, Oauth2Error> {
    let mut c = oauth2::Client::new(ClientId::new(profile.client_id.clone()))
        .set_auth_uri_option(Some(
            AuthUrl::new(endpoints.authorization_endpoint.clone())
                .map_err(|_| url_err("authorization", &endpoints.authorization_endpoint))?,
        ))
        .set_token_uri_option(Some(
            TokenUrl::new(endpoints.token_endpoint.clone())
                .map_err(|_| url_err("token", &endpoints.token_endpoint))?,
        ))
        .set_revocation_url_option(match &endpoints.revocation_endpoint {
            Some(u) => Some(RevocationUrl::new(u.clone()).map_err(|_| url_err("revocation", u))?),
            None => None,
        });
    // Confidential clients (Web app, Custom Connection) authenticate with HTTP Basic, as Xero
    // documents; a PKCE client sends only its client_id in the body.
    if let Some(s) = secret {
        c = c.set_client_secret(ClientSecret::new(s.expose().to_owned()));
    }
    if let Some(r) = redirect_uri {
        c = c.set_redirect_uri(RedirectUrl::new(r.to_owned()).map_err(|_| url_err("redirect", r))?);
    }
    Ok(c)
}

/// The parts of an authorization request that must be kept until the callback.
pub struct AuthorizationRequest {
    /// The URL to open in the browser.
    pub url: String,
    /// The `state` sent.
    pub state: String,
    /// The `nonce` sent (when `openid` is requested).
    pub nonce: Option<String>,
    /// The PKCE verifier.
    pub verifier: PkceCodeVerifier,
    /// The redirect URI sent.
    pub redirect_uri: String,
}

impl std::fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Builds the authorization URL: code flow, PKCE S256, random state, nonce with `openid`.
pub fn authorization_request(
    profile: &Profile,
    endpoints: &Endpoints,
    redirect_uri: &str,
    prompt_consent_for_offline_access: bool,
) -> Result<AuthorizationRequest, Oauth2Error> {
    let c = client(profile, endpoints, None, Some(redirect_uri))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = c
        .authorize_url(CsrfToken::new_random)
        .map_err(|e| Oauth2Error::Usage(e.to_string()))?
        .set_pkce_challenge(challenge)
        .add_scopes(profile.scopes.iter().map(|s| Scope::new(s.clone())));
    let nonce = profile
        .wants_openid()
        .then(|| CsrfToken::new_random().secret().clone());
    if let Some(n) = &nonce {
        req = req.add_extra_param("nonce", n.clone());
    }
    // OpenID Connect (oidc-provider among them) issues a refresh token only after an explicit
    // consent when offline_access is asked for; the provider entry says whether to ask.
    if profile.wants_refresh() && prompt_consent_for_offline_access {
        req = req.add_extra_param("prompt", "consent");
    }
    let (url, state) = req.url();
    Ok(AuthorizationRequest {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce,
        verifier,
        redirect_uri: redirect_uri.to_owned(),
    })
}

/// An authorize link for the app's own front-end to complete: the app's client id, its
/// registered `redirect_uri`, `scopes` and a random `state`, and no PKCE (the app's backend,
/// which holds its own secret, exchanges the code). Returns the URL and the state.
pub fn authorization_link(
    profile: &Profile,
    endpoints: &Endpoints,
    redirect_uri: &str,
    scopes: &[String],
) -> Result<(String, String), Oauth2Error> {
    let c = client(profile, endpoints, None, Some(redirect_uri))?;
    let (url, state) = c
        .authorize_url(CsrfToken::new_random)
        .map_err(|e| Oauth2Error::Usage(e.to_string()))?
        .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
        .url();
    Ok((url.to_string(), state.secret().clone()))
}

/// An error from the token or the revocation endpoint, without the body (on a 200 it holds
/// tokens).
fn map_token_error<T: oauth2::ErrorResponseType + std::fmt::Display>(
    endpoint: &str,
    url: &str,
    e: RequestTokenError<super::http::TransportError, oauth2::StandardErrorResponse<T>>,
) -> Oauth2Error {
    match e {
        RequestTokenError::ServerResponse(r) => Oauth2Error::OAuth {
            endpoint: endpoint.to_owned(),
            error: r.error().to_string(),
            description: r.error_description().cloned(),
        },
        RequestTokenError::Request(t) => {
            let message = t.to_string();
            match super::http::tls_problem(&message) {
                Some((problem, hint)) => Oauth2Error::Tls {
                    url: url.to_owned(),
                    problem: problem.to_owned(),
                    hint,
                },
                None => Oauth2Error::Network {
                    url: url.to_owned(),
                    message,
                },
            }
        }
        // serde's message can quote a value, so only the path of the field is reported.
        RequestTokenError::Parse(p, _) => Oauth2Error::BadResponse {
            url: url.to_owned(),
            message: format!(
                "the JSON field {:?} is missing or has the wrong type",
                p.path().to_string()
            ),
        },
        RequestTokenError::Other(m) => Oauth2Error::BadResponse {
            url: url.to_owned(),
            message: m.chars().take(200).collect(),
        },
    }
}

/// Every form in which the request may have carried a secret, for [`Oauth2Error::redacted`]:
/// as it is, form-encoded (the body), and the client secret inside the HTTP Basic header
/// (base64 of `id:secret`, with and without the form-encoding RFC 6749 section 2.3.1 asks for).
pub(crate) fn secret_forms(
    profile: &Profile,
    client_secret: Option<&Password>,
    others: &[&str],
) -> zeroize::Zeroizing<Vec<String>> {
    use base64::Engine;
    let enc =
        |s: &str| oauth2::url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let mut v = Vec::new();
    for s in others
        .iter()
        .copied()
        .chain(client_secret.map(|s| s.expose()))
    {
        v.push(s.to_owned());
        v.push(enc(s));
        v.push(crate::form::percent_encode(s));
    }
    if let Some(s) = client_secret {
        let b64 = &base64::engine::general_purpose::STANDARD;
        v.push(b64.encode(format!("{}:{}", enc(&profile.client_id), enc(s.expose()))));
        v.push(b64.encode(format!("{}:{}", profile.client_id, s.expose())));
    }
    // They are secrets too: wiped when dropped.
    zeroize::Zeroizing::new(v)
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The signed client assertion for a token request, when the profile authenticates with one
/// (`private_key_jwt`, RFC 7523 section 2.2) instead of a secret: a new one for each request.
fn assertion_for(
    profile: &Profile,
    endpoints: &Endpoints,
    policy: &super::assertion::AssertionPolicy,
    now: i64,
) -> Result<Option<String>, Oauth2Error> {
    profile
        .assertion
        .as_ref()
        .map(|a| client_assertion(profile, a, &endpoints.token_endpoint, policy, now))
        .transpose()
}

/// The token request's parameters that carry a client assertion (RFC 7523 section 2.2).
fn assertion_params(jwt: &str) -> [(&'static str, String); 2] {
    [
        (
            "client_assertion_type",
            super::assertion::ASSERTION_TYPE.to_owned(),
        ),
        ("client_assertion", jwt.to_owned()),
    ]
}

/// Exchanges an authorization code (with its PKCE verifier). The client authenticates with its
/// secret, or with a signed assertion when the profile has an assertion key.
#[allow(clippy::too_many_arguments)]
pub fn exchange_code(
    profile: &Profile,
    endpoints: &Endpoints,
    http: &HttpClient,
    secret: Option<&Password>,
    policy: &super::assertion::AssertionPolicy,
    code: &str,
    request: AuthorizationRequest,
    now: i64,
) -> Result<(TokenSet, Option<String>), Oauth2Error> {
    let jwt = assertion_for(profile, endpoints, policy, now)?;
    let secret = if jwt.is_some() { None } else { secret };
    let c = client(profile, endpoints, secret, Some(&request.redirect_uri))?;
    let verifier = request.verifier.secret().clone();
    let mut also = vec![code, verifier.as_str()];
    also.extend(jwt.as_deref());
    let known = secret_forms(profile, secret, &also);
    let mut req = c
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| Oauth2Error::Usage(e.to_string()))?
        .set_pkce_verifier(request.verifier);
    for (k, v) in jwt.as_deref().map(assertion_params).into_iter().flatten() {
        req = req.add_extra_param(k, v);
    }
    let resp = req.request(http).map_err(|e| {
        map_token_error("the token endpoint", &endpoints.token_endpoint, e)
            .redacted(&as_strs(&known))
    })?;
    let id_token = resp.id_token().map(str::to_owned);
    Ok((resp.into_token_set(now, None, &profile.scopes), id_token))
}

/// Client credentials (a Xero Custom Connection): one request, no browser, no refresh token.
pub fn client_credentials(
    profile: &Profile,
    endpoints: &Endpoints,
    http: &HttpClient,
    secret: &Password,
    now: i64,
) -> Result<TokenSet, Oauth2Error> {
    client_credentials_answer(profile, endpoints, http, secret, now).map(|(t, _)| t)
}

/// [`client_credentials`], with the answer's fields beside the token (where its API is).
pub fn client_credentials_answer(
    profile: &Profile,
    endpoints: &Endpoints,
    http: &HttpClient,
    secret: &Password,
    now: i64,
) -> Result<(TokenSet, serde_json::Value), Oauth2Error> {
    let c = client(profile, endpoints, Some(secret), None)?;
    let resp = c
        .exchange_client_credentials()
        .map_err(|e| Oauth2Error::Usage(e.to_string()))?
        .add_scopes(profile.scopes.iter().map(|s| Scope::new(s.clone())))
        .request(http)
        .map_err(|e| {
            map_token_error("the token endpoint", &endpoints.token_endpoint, e)
                .redacted(&as_strs(&secret_forms(profile, Some(secret), &[])))
        })?;
    let other = serde_json::Value::Object(resp.other.clone());
    Ok((resp.into_token_set(now, None, &profile.scopes), other))
}

/// The signed client assertion (RFC 7523) for `profile` at `token_endpoint`, as `policy` wants
/// it: the algorithm checked, and the scopes inside the JWT where the provider reads them there.
pub fn client_assertion(
    profile: &Profile,
    a: &super::assertion::AssertionRef,
    token_endpoint: &str,
    policy: &super::assertion::AssertionPolicy,
    now: i64,
) -> Result<String, Oauth2Error> {
    use super::assertion;
    policy.check(a.alg)?;
    let key = assertion::AssertionKey::load(&a.key, a.alg)?;
    let scope = policy
        .scope_in_jwt
        .map(|sep| profile.scopes.join(sep))
        .filter(|s| !s.is_empty());
    assertion::make(
        &key,
        &a.kid,
        a.x5t_s256.as_deref(),
        &assertion::Claims {
            client_id: &profile.client_id,
            audience: token_endpoint,
            scope: scope.as_deref(),
            now,
            lifetime: assertion::LIFETIME,
        },
    )
}

/// Client credentials with a signed JWT client assertion (RFC 7523) instead of a secret: a new
/// assertion for each request.
pub fn client_credentials_with_assertion(
    profile: &Profile,
    endpoints: &Endpoints,
    http: &HttpClient,
    a: &super::assertion::AssertionRef,
    policy: &super::assertion::AssertionPolicy,
    now: i64,
) -> Result<TokenSet, Oauth2Error> {
    let jwt = client_assertion(profile, a, &endpoints.token_endpoint, policy, now)?;
    let c = client(profile, endpoints, None, None)?;
    let mut req = c
        .exchange_client_credentials()
        .map_err(|e| Oauth2Error::Usage(e.to_string()))?;
    for (k, v) in assertion_params(&jwt) {
        req = req.add_extra_param(k, v);
    }
    if policy.scope_in_jwt.is_none() {
        req = req.add_scopes(profile.scopes.iter().map(|s| Scope::new(s.clone())));
    }
    let resp = req.request(http).map_err(|e| {
        let e =
            map_token_error("the token endpoint", &endpoints.token_endpoint, e).redacted(&[&jwt]);
        match &e {
            Oauth2Error::OAuth { error, .. } if error == "invalid_client" => {
                Oauth2Error::Explained {
                    error: Box::new(e),
                    hint: assertion_refused_hint(http.server_time().map(|t| t - now)),
                }
            }
            _ => e,
        }
    })?;
    Ok(resp.into_token_set(now, None, &profile.scopes))
}

/// The `grant_type` of RFC 7523 section 2.1.
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// What the provider wants of the assertions a profile signs: its client assertions
/// (`private_key_jwt`) and a JWT bearer grant's, and where the latter is addressed.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    /// Its client assertions (and the algorithms it refuses for any assertion).
    pub assertion: &'a super::assertion::AssertionPolicy,
    /// A JWT bearer grant's assertion.
    pub bearer: &'a super::assertion::BearerPolicy,
    /// A JWT bearer grant's `aud`.
    pub audience: &'a str,
}

/// The JWT bearer grant (RFC 7523 section 2.1): a new assertion, signed by the profile's key,
/// naming the profile's client (`iss`) and user (`sub`), posted as the grant. No client secret
/// is sent, and no refresh token is expected: the next token comes from a new assertion. The
/// answer's JSON comes back too, for what the provider says beside the token (where its API
/// is).
pub fn jwt_bearer(
    profile: &Profile,
    endpoints: &Endpoints,
    http: &HttpClient,
    rules: &Rules<'_>,
    now: i64,
) -> Result<(TokenSet, serde_json::Value), Oauth2Error> {
    use super::assertion;
    let a = profile.assertion.as_ref().ok_or_else(|| {
        Oauth2Error::Usage("the jwt_bearer grant needs an assertion key on the profile".into())
    })?;
    let subject = profile.username.as_deref().unwrap_or_default();
    rules.assertion.check(a.alg)?;
    let key = assertion::AssertionKey::load(&a.key, a.alg)?;
    let jwt = zeroize::Zeroizing::new(assertion::make_bearer(
        &key,
        Some(&a.kid),
        rules.bearer,
        &assertion::BearerClaims {
            issuer: &profile.client_id,
            subject,
            audience: rules.audience,
            now,
        },
    )?);
    let mut form = vec![
        ("grant_type", JWT_BEARER_GRANT),
        ("assertion", jwt.as_str()),
    ];
    let scope = profile.scopes.join(" ");
    if !rules.bearer.registered_only && !scope.is_empty() {
        form.push(("scope", &scope));
    }
    let body = zeroize::Zeroizing::new(
        oauth2::url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish(),
    );
    let url = &endpoints.token_endpoint;
    let forms = secret_forms(profile, None, &[&jwt]);
    let redact = |e: Oauth2Error| e.redacted(&as_strs(&forms));
    let r = http
        .send(
            "POST",
            url,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "application/json"),
            ],
            Some(body.as_bytes().to_vec()),
        )
        .map_err(redact)?;
    let json: Option<serde_json::Value> = serde_json::from_slice(&r.body).ok();
    if r.status != 200 {
        let e = match json
            .as_ref()
            .and_then(|j| Some((j.get("error")?.as_str()?, j)))
        {
            // Redacted whole, then cut: a cut could leave part of the assertion unmatched.
            Some((error, j)) => Oauth2Error::OAuth {
                endpoint: "the token endpoint".into(),
                error: error.chars().take(100).collect(),
                description: j
                    .get("error_description")
                    .and_then(|d| d.as_str())
                    .map(|d| {
                        crate::text::redact(d, &as_strs(&forms))
                            .chars()
                            .take(300)
                            .collect()
                    }),
            },
            None => Oauth2Error::Http {
                url: r.url.clone(),
                status: r.status,
                detail: r.error_detail(),
            },
        };
        return Err(redact(e));
    }
    let json = json.ok_or_else(|| Oauth2Error::BadResponse {
        url: r.url.clone(),
        message: "the token answer is not JSON".into(),
    })?;
    let resp: TokenResponse =
        serde_json::from_value(json.clone()).map_err(|e| Oauth2Error::BadResponse {
            url: r.url.clone(),
            // serde's message can quote a value: only its kind is said.
            message: format!(
                "the token answer lacks a field or has one of the wrong type ({})",
                match e.classify() {
                    serde_json::error::Category::Data => "data",
                    _ => "syntax",
                }
            ),
        })?;
    Ok((resp.into_token_set(now, None, &profile.scopes), json))
}

/// What to check when a provider refuses a client assertion (`invalid_client`), told apart by
/// what can be known here: how far the provider's clock (its `Date` header) is from the one
/// the assertion was dated by. A provider says no more than `invalid_client` for a wrong kid, a
/// wrong key or an expired assertion.
pub fn assertion_refused_hint(provider_ahead_secs: Option<i64>) -> String {
    match provider_ahead_secs {
        Some(d) if d.abs() > 60 => format!(
            "the provider's clock (its Date header) is {} s {} this machine's, so it judges the assertion's iat and exp {}: set this machine's clock right (NTP) and try again",
            d.abs(),
            if d > 0 { "ahead of" } else { "behind" },
            if d > 0 { "expired" } else { "not yet valid" }
        ),
        Some(_) => "the provider refused the client assertion, and this machine's clock agrees with the provider's (within a minute): check that the kid names the key it holds, that the key is the one whose public half or certificate it holds, and that the client is registered for this algorithm".into(),
        None => "the provider refused the client assertion: check that the kid names the key it holds, that the key is the one whose public half or certificate it holds, that this machine's clock is right (the assertion's iat and exp), and that the client is registered for this algorithm".into(),
    }
}

/// Uses a refresh token. The new refresh token (if the server rotates) is in the result. The
/// client authenticates as for the code exchange.
pub fn refresh(
    profile: &Profile,
    endpoints: &Endpoints,
    http: &HttpClient,
    secret: Option<&Password>,
    policy: &super::assertion::AssertionPolicy,
    current: &TokenSet,
    now: i64,
) -> Result<TokenSet, Oauth2Error> {
    let jwt = assertion_for(profile, endpoints, policy, now)?;
    let secret = if jwt.is_some() { None } else { secret };
    let c = client(profile, endpoints, secret, None)?;
    let rt = current
        .refresh_token
        .as_ref()
        .ok_or_else(|| Oauth2Error::NoRefreshToken {
            profile: String::new(),
        })?;
    let mut also = vec![rt.expose(), current.access_token.expose()];
    also.extend(jwt.as_deref());
    let known = secret_forms(profile, secret, &also);
    let rt = RefreshToken::new(rt.expose().to_owned());
    let mut req = c
        .exchange_refresh_token(&rt)
        .map_err(|e| Oauth2Error::Usage(e.to_string()))?;
    for (k, v) in jwt.as_deref().map(assertion_params).into_iter().flatten() {
        req = req.add_extra_param(k, v);
    }
    let resp = req.request(http).map_err(|e| {
        map_token_error("the token endpoint", &endpoints.token_endpoint, e)
            .redacted(&as_strs(&known))
    })?;
    Ok(resp.into_token_set(now, Some(current), &profile.scopes))
}

/// Gets a new access token the way the grant allows: refresh token, or (client credentials, a
/// JWT bearer grant) a new token request.
pub fn renew(
    profile: &Profile,
    endpoints: &Endpoints,
    http: &HttpClient,
    secret: Option<&Password>,
    rules: &Rules<'_>,
    current: &TokenSet,
    now: i64,
) -> Result<TokenSet, Oauth2Error> {
    let policy = rules.assertion;
    match (profile.grant, secret, &profile.assertion) {
        (Grant::JwtBearer, _, _) => {
            jwt_bearer(profile, endpoints, http, rules, now).map(|(tokens, _)| tokens)
        }
        (Grant::ClientCredentials, _, Some(a)) => {
            client_credentials_with_assertion(profile, endpoints, http, a, policy, now)
        }
        (Grant::ClientCredentials, Some(s), None) => {
            client_credentials(profile, endpoints, http, s, now)
        }
        _ => refresh(profile, endpoints, http, secret, policy, current, now),
    }
}

/// Revokes the refresh token (or the access token when there is none) at the revocation
/// endpoint (RFC 7009): a form POST, the client authenticated as for the token endpoint (HTTP
/// Basic with a secret, else `client_id` in the body). The endpoint must be https, or loopback
/// as every other URL that carries a secret; anything else is refused before sending.
pub fn revoke(
    profile: &Profile,
    endpoints: &Endpoints,
    http: &HttpClient,
    secret: Option<&Password>,
    current: &TokenSet,
) -> Result<(), Oauth2Error> {
    use base64::Engine;
    let url = endpoints
        .revocation_endpoint
        .clone()
        .ok_or_else(|| Oauth2Error::Usage("the provider has no revocation endpoint".into()))?;
    super::http::require_secure("the revocation endpoint", &url)?;
    let enc =
        |s: &str| oauth2::url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let (token, hint) = match &current.refresh_token {
        Some(r) => (r.expose(), "refresh_token"),
        None => (current.access_token.expose(), "access_token"),
    };
    let mut body = zeroize::Zeroizing::new(format!("token={}&token_type_hint={hint}", enc(token)));
    let basic = secret.map(|s| {
        zeroize::Zeroizing::new(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                enc(&profile.client_id),
                enc(s.expose())
            ))
        ))
    });
    if basic.is_none() {
        body.push_str(&format!("&client_id={}", enc(&profile.client_id)));
    }
    let mut headers = vec![
        ("content-type", "application/x-www-form-urlencoded"),
        ("accept", "application/json"),
    ];
    if let Some(b) = &basic {
        headers.push(("authorization", b.as_str()));
    }
    let known = secret_forms(
        profile,
        secret,
        &[
            current.refresh_token.as_deref().unwrap_or(""),
            current.access_token.expose(),
        ],
    );
    let redact = |e: Oauth2Error| e.redacted(&as_strs(&known));
    let r = http
        .send("POST", &url, &headers, Some(body.as_bytes().to_vec()))
        .map_err(redact)?;
    if r.status == 200 {
        return Ok(());
    }
    let error = serde_json::from_slice::<serde_json::Value>(&r.body)
        .ok()
        .and_then(|v| {
            let code = v.get("error")?.as_str()?.to_owned();
            let description = v
                .get("error_description")
                .and_then(|d| d.as_str())
                .map(str::to_owned);
            Some((code, description))
        });
    Err(redact(match error {
        Some((error, description)) => Oauth2Error::OAuth {
            endpoint: "the revocation endpoint".into(),
            error,
            description,
        },
        None => Oauth2Error::Http {
            url: r.url.clone(),
            status: r.status,
            detail: r.error_detail(),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hostile token endpoint on loopback that answers every request with an OAuth error
    /// whose `error_description` echoes the whole request, headers and body.
    fn echoing_token_endpoint() -> String {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/token", l.local_addr().unwrap().port());
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
                    .unwrap();
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf) {
                    req.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&req);
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if body.len() >= len {
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                let echo = String::from_utf8_lossy(&req).into_owned();
                let body = serde_json::json!({"error": "invalid_grant", "error_description": echo})
                    .to_string();
                let _ = write!(
                    s,
                    "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        url
    }

    #[test]
    fn a_jwt_bearer_assertion_a_token_endpoint_echoes_back_is_redacted() {
        let token_endpoint = echoing_token_endpoint();
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k.pem");
        std::fs::copy(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/keys/privatekey-pkcs1.pem"
            ),
            &key,
        )
        .unwrap();
        let mut p = Profile::new("consumer-key");
        p.grant = Grant::JwtBearer;
        p.username = Some("u@acme.example".into());
        p.assertion = Some(super::super::assertion::AssertionRef {
            key,
            kid: String::new(),
            alg: super::super::assertion::AssertionAlg::RS256,
            x5t_s256: None,
        });
        let endpoints = Endpoints {
            issuer: "http://127.0.0.1".into(),
            authorization_endpoint: "http://127.0.0.1/a".into(),
            token_endpoint,
            revocation_endpoint: None,
            jwks_uri: None,
            userinfo_endpoint: None,
        };
        let http = HttpClient::new(Default::default(), None).unwrap();
        let e = jwt_bearer(
            &p,
            &endpoints,
            &http,
            &Rules {
                assertion: &super::super::assertion::AssertionPolicy::RFC7523,
                bearer: &super::super::assertion::BearerPolicy::RFC7523,
                audience: "http://127.0.0.1",
            },
            crate::oauth2::now(),
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("invalid_grant") && text.contains("[REDACTED]"),
            "{text}"
        );
        // No part of the signed assertion: its signature is base64url after the second dot.
        assert!(
            !text.contains("grant-type%3Ajwt-bearer&assertion=ey"),
            "{text}"
        );
        assert!(!text.contains("assertion=ey"), "{text}");
    }

    #[test]
    fn secrets_a_token_endpoint_echoes_back_are_redacted() {
        let token_endpoint = echoing_token_endpoint();
        let endpoints = Endpoints {
            issuer: "http://127.0.0.1".into(),
            authorization_endpoint: "http://127.0.0.1/auth".into(),
            token_endpoint,
            revocation_endpoint: None,
            jwks_uri: None,
            userinfo_endpoint: None,
        };
        let mut profile = Profile::new("client-1");
        profile.grant = super::super::profile::Grant::AuthorizationCode;
        let secret = Password::new("client-secret-XYZ123".to_owned());
        let current: TokenResponse = serde_json::from_str(
            r#"{"access_token":"access-AAA111","token_type":"Bearer","refresh_token":"refresh-RRR999"}"#,
        )
        .unwrap();
        let current = current.into_token_set(0, None, &[]);
        let http = HttpClient::new(Default::default(), None).unwrap();
        let err = refresh(
            &profile,
            &endpoints,
            &http,
            Some(&secret),
            &super::super::assertion::AssertionPolicy::RFC7523,
            &current,
            0,
        )
        .unwrap_err();
        let text = format!("{err} {err:?}");
        // The server did echo the request: the grant type is in the description.
        assert!(text.contains("grant_type=refresh_token"), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
        for s in ["refresh-RRR999", "client-secret-XYZ123"] {
            assert!(!text.contains(s), "{s} was shown: {text}");
        }
        // Basic auth carries the secret base64-encoded; that copy must not be shown either.
        use base64::Engine;
        let basic =
            base64::engine::general_purpose::STANDARD.encode("client-1:client-secret-XYZ123");
        assert!(!text.contains(&basic), "{text}");

        // The code exchange: the authorization code and the PKCE verifier it sent are
        // redacted from the echo too (a fresh echoing endpoint: each answers once).
        let endpoints = Endpoints {
            token_endpoint: echoing_token_endpoint(),
            ..endpoints
        };
        let request =
            authorization_request(&profile, &endpoints, "http://127.0.0.1:1/callback", false)
                .unwrap();
        let verifier = request.verifier.secret().clone();
        let code = "auth-code-CCC777";
        let err = exchange_code(
            &profile,
            &endpoints,
            &http,
            Some(&secret),
            &super::super::assertion::AssertionPolicy::RFC7523,
            code,
            request,
            0,
        )
        .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains("grant_type=authorization_code"), "{text}");
        for s in [code, verifier.as_str(), "client-secret-XYZ123"] {
            assert!(!text.contains(s), "{s} was shown: {text}");
        }
    }

    #[test]
    fn a_huge_expires_in_does_not_overflow() {
        let body =
            r#"{"access_token":"a","token_type":"Bearer","expires_in":"18446744073709551615"}"#;
        let r: TokenResponse = serde_json::from_str(body).unwrap();
        let t = r.into_token_set(1_800_000_000, None, &[]);
        assert_eq!(t.expires_at, Some(i64::MAX));
        assert!(t.valid_for(i64::MIN, 60));
    }

    #[test]
    fn expires_in_as_number_or_string() {
        for body in [
            r#"{"access_token":"a","token_type":"Bearer","expires_in":1800}"#,
            r#"{"access_token":"a","token_type":"bearer","expires_in":"1800","refresh_token":"r"}"#,
        ] {
            let r: TokenResponse = serde_json::from_str(body).unwrap();
            assert_eq!(r.expires_in, Some(1800));
            let t = r.into_token_set(100, None, &[]);
            assert_eq!(t.expires_at, Some(1900));
        }
        let r: Result<TokenResponse, _> = serde_json::from_str(
            r#"{"access_token":"a","token_type":"Bearer","expires_in":"soon"}"#,
        );
        assert!(r.is_err());
    }

    #[test]
    fn a_refresh_without_rotation_keeps_the_old_refresh_token() {
        let first: TokenResponse = serde_json::from_str(
            r#"{"access_token":"a1","token_type":"Bearer","expires_in":60,"refresh_token":"r1","scope":"openid offline_access"}"#,
        )
        .unwrap();
        let first = first.into_token_set(0, None, &[]);
        let second: TokenResponse =
            serde_json::from_str(r#"{"access_token":"a2","token_type":"Bearer","expires_in":60}"#)
                .unwrap();
        let second = second.into_token_set(50, Some(&first), &[]);
        assert_eq!(second.refresh_token.as_deref(), Some("r1"));
        assert_eq!(second.scopes, vec!["openid", "offline_access"]);
        let dbg = format!("{second:?}");
        assert!(!dbg.contains("a2") && !dbg.contains("r1"), "{dbg}");
        // The grant's scopes and consent time carry over a refresh.
        assert_eq!(
            first.scopes_from,
            Some(super::super::store::ScopesFrom::Response)
        );
        assert_eq!(
            second.scopes_from,
            Some(super::super::store::ScopesFrom::Previous)
        );
        assert_eq!(first.consented_at, Some(0));
        assert_eq!(second.consented_at, Some(0));
    }

    /// A JWT with `payload` (JSON) as its claims and a dummy signature.
    fn jwt(payload: &str) -> String {
        use base64::Engine;
        let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.c2ln", e(r#"{"alg":"RS256"}"#), e(payload))
    }

    #[test]
    fn granted_scopes_come_from_the_response_else_as_requested_never_from_the_jwt() {
        // A JWT access token whose own claim says granular scopes, to a request for the broad
        // one: the grant is what was requested (RFC 6749 section 5.1), not the claim.
        let token = jwt(r#"{"sub":"x","scope":["openid","accounting.invoices.read"]}"#);
        let body = format!(r#"{{"access_token":"{token}","token_type":"Bearer"}}"#);
        let r: TokenResponse = serde_json::from_str(&body).unwrap();
        let requested = ["openid".to_owned(), "accounting.transactions".to_owned()];
        let t = r.into_token_set(10, None, &requested);
        assert_eq!(t.scopes, requested);
        assert_eq!(
            t.scopes_from,
            Some(super::super::store::ScopesFrom::AsRequested)
        );
        assert_eq!(t.consented_at, Some(10));
        // The response's own scope wins.
        let body = format!(r#"{{"access_token":"{token}","token_type":"Bearer","scope":"c"}}"#);
        let r: TokenResponse = serde_json::from_str(&body).unwrap();
        let t = r.into_token_set(10, None, &requested);
        assert_eq!(
            (t.scopes, t.scopes_from),
            (
                vec!["c".to_owned()],
                Some(super::super::store::ScopesFrom::Response)
            )
        );
        // Nothing said and nothing asked for: unknown, never a guess.
        let r: TokenResponse = serde_json::from_str(&body.replace(r#","scope":"c""#, "")).unwrap();
        let t = r.into_token_set(10, None, &[]);
        assert!(t.scopes.is_empty());
        assert_eq!(
            t.scopes_from,
            Some(super::super::store::ScopesFrom::Unknown)
        );
    }
}
