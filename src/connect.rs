//! The connect flow: a profile's first tokens, through the browser (authorization code with
//! PKCE, loopback listener, id token checks) or without one (client credentials), then the
//! profile and tokens saved. It talks to the person only through [`Interaction`]; `connect`
//! and `migrate` on the command line, and the library tests, drive it the same way.

use serde::Serialize;
use std::time::Duration;

use crate::interact::{AuthorizePrompt, Interaction, Level};
use crate::oauth2::endpoints::Endpoints;
use crate::oauth2::http::{HttpClient, Timeouts};
use crate::oauth2::loopback::{Listener, ListenerNotice};
use crate::oauth2::profile::{Config, Grant, Paths, Profile, SecretRef};
use crate::oauth2::store::{TokenSet, TokenStore};
use crate::oauth2::{flow, idtoken, now, Oauth2Error};
use crate::secret::Password;

/// How the browser step runs.
#[derive(Debug, Clone, Copy)]
pub struct BrowserOptions {
    /// Offer to paste the redirect URL instead of relying on the browser coming back (SSH).
    pub no_browser: bool,
    /// Seconds to wait for the callback.
    pub timeout: u64,
}

/// What a connect did. Never a token.
#[derive(Debug, Clone, Serialize)]
pub struct Connected {
    /// The profile.
    pub profile: String,
    /// The grant used.
    pub grant: &'static str,
    /// The client id.
    pub client_id: String,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// When the access token expires (RFC 3339), if the server said.
    pub expires_at: Option<String>,
    /// Whether a refresh token was stored.
    pub refresh_token: bool,
    /// The id token's subject, when `openid` was requested.
    pub id_token_subject: Option<String>,
    /// The id token's e-mail, if it had one.
    pub id_token_email: Option<String>,
    /// `file` or `keyring`.
    pub token_store: &'static str,
    /// Where the tokens are.
    pub stored_in: String,
    /// Where the profile's API calls go, when known (the profile's, the token answer's or the
    /// provider's).
    pub api_base: Option<String>,
    /// Whether the provider's API has tenants to choose among.
    pub tenants: bool,
}

/// Unix seconds as RFC 3339 UTC, or the number when it is out of range.
pub fn format_time(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| secs.to_string())
}

/// Asks for the client secret (not echoed) and keeps it in a new 0600 file in the data folder
/// (in a 0700 folder); the profile refers to the file.
pub fn prompt_secret_to_file(
    name: &str,
    paths: &Paths,
    ui: &dyn Interaction,
) -> Result<SecretRef, Oauth2Error> {
    let pw = ui
        .ask_secret(&format!("Client secret for profile {name}: "))
        .ok_or_else(|| Oauth2Error::Secret {
            profile: name.to_owned(),
            reason: "there is no terminal to ask for it on (give it by environment variable or file instead)".into(),
        })?;
    let secret = pw.expose().trim();
    if secret.is_empty() {
        return Err(Oauth2Error::Secret {
            profile: name.to_owned(),
            reason: "the client secret typed was empty".into(),
        });
    }
    let path = paths.secrets_dir.join(format!("{name}.secret"));
    let io = |message: String| Oauth2Error::Io {
        path: path.clone(),
        message,
    };
    crate::files::create_private_dir(&paths.secrets_dir).map_err(|e| io(e.to_string()))?;
    let bytes = zeroize::Zeroizing::new(format!("{secret}\n").into_bytes());
    crate::files::write_atomic(&path, &bytes, crate::files::Visibility::Private, true)
        .map_err(|e| io(e.to_string()))?;
    Ok(SecretRef::File(path))
}

/// Gets the first tokens for `profile`, then saves the profile and the tokens. Nothing is
/// saved when anything fails (a declined consent, a forged callback, an id token that does not
/// validate).
pub fn connect_profile(
    name: &str,
    profile: Profile,
    options: &BrowserOptions,
    paths: &Paths,
    ui: &dyn Interaction,
) -> Result<Connected, Oauth2Error> {
    let mut profile = profile;
    let provider = crate::provider::name_provider(&mut profile)?;
    provider.prepare_profile(name, &mut profile)?;
    connect_inner(name, profile, options, paths, ui).map_err(|e| provider.explain(e))
}

fn connect_inner(
    name: &str,
    profile: Profile,
    options: &BrowserOptions,
    paths: &Paths,
    ui: &dyn Interaction,
) -> Result<Connected, Oauth2Error> {
    let name = name.to_owned();
    let mut profile = profile;
    let (tokens, claims, api_base) = obtain_with_api(&name, &profile, options, paths, ui)?;
    // The token answer says where this grant's API is (Salesforce's instance_url, checked
    // against the provider's hosts): the profile calls it there from now on.
    if let Some(b) = api_base {
        profile.api_base = Some(b);
    }
    let store = TokenStore::with_backend(&paths.tokens_dir, &name, profile.token_store);
    store.save(&tokens)?;
    // Read afresh under the lock: another process may have changed the config while the
    // browser step waited.
    let before = Config::update(&paths.config_file, |config| {
        Ok(config.profiles.insert(name.clone(), profile.clone()))
    })?;
    // Moved to the other store: the old copy of the grant must not linger.
    if let Some(old) = before.filter(|b| b.token_store != profile.token_store) {
        TokenStore::with_backend(&paths.tokens_dir, &name, old.token_store).remove()?;
    }
    Ok(Connected {
        profile: name,
        grant: profile.grant.as_str(),
        client_id: profile.client_id.clone(),
        scopes: tokens.scopes.clone(),
        expires_at: tokens.expires_at.map(format_time),
        refresh_token: tokens.refresh_token.is_some(),
        id_token_subject: claims.as_ref().map(|c| c.subject.clone()),
        id_token_email: claims.as_ref().and_then(|c| c.email.clone()),
        token_store: profile.token_store.as_str(),
        stored_in: store.location(),
        api_base: crate::provider::api_base(&profile).ok(),
        tenants: crate::provider::api_of(&profile)?.tenants.is_some(),
    })
}

/// A new grant for `profile` (the browser step, or a client-credentials request), with the id
/// token checked; nothing is saved. `connect_profile` saves it; `scopes upgrade` checks it
/// first.
pub(crate) fn obtain(
    name: &str,
    profile: &Profile,
    options: &BrowserOptions,
    paths: &Paths,
    ui: &dyn Interaction,
) -> Result<(TokenSet, Option<idtoken::IdClaims>), Oauth2Error> {
    obtain_with_api(name, profile, options, paths, ui).map(|(t, c, _)| (t, c))
}

/// [`obtain`], with the API base the token answer names (where the provider's answers name
/// one), checked against the provider's hosts; the tokens dated as the provider says when the
/// answer gave no lifetime.
type Obtained = (TokenSet, Option<idtoken::IdClaims>, Option<String>);

fn obtain_with_api(
    name: &str,
    profile: &Profile,
    options: &BrowserOptions,
    paths: &Paths,
    ui: &dyn Interaction,
) -> Result<Obtained, Oauth2Error> {
    let http = HttpClient::new(Timeouts::default(), profile.ca_file.as_deref())?;
    let endpoints = crate::provider::endpoints(profile, &http, &paths.cache_dir)?;
    let provider = crate::provider::of_profile(profile)?;
    let secret = match &profile.client_secret {
        Some(r) if profile.grant.needs_secret() => Some(r.read(name)?),
        _ => None,
    };
    let with_api = |(t, json): (TokenSet, serde_json::Value)| -> Result<Obtained, Oauth2Error> {
        Ok((t, None, provider.api_base_of_answer(&json)?))
    };
    let (mut tokens, claims, api_base) = match (profile.grant, &profile.assertion) {
        (Grant::JwtBearer, _) => {
            let audience = provider.bearer_audience(profile, &endpoints);
            with_api(flow::jwt_bearer(
                profile,
                &endpoints,
                &http,
                &flow::Rules {
                    assertion: &provider.assertion,
                    bearer: &provider.bearer,
                    audience: &audience,
                },
                now(),
            )?)
        }
        (Grant::ClientCredentials, Some(a)) => Ok((
            flow::client_credentials_with_assertion(
                profile,
                &endpoints,
                &http,
                a,
                &provider.assertion,
                now(),
            )?,
            None,
            None,
        )),
        (Grant::ClientCredentials, None) => {
            let s = secret.as_ref().ok_or_else(|| {
                Oauth2Error::Usage("client_credentials needs a client secret".into())
            })?;
            with_api(flow::client_credentials_answer(
                profile,
                &endpoints,
                &http,
                s,
                now(),
            )?)
        }
        (Grant::AuthorizationCode | Grant::Pkce, _) => {
            browser_flow(options, profile, &endpoints, &http, secret.as_ref(), ui)
                .map(|(t, c)| (t, c, None))
        }
    }?;
    provider.date_tokens(&mut tokens);
    Ok((tokens, claims, api_base))
}

/// The browser step and the code exchange, with the id token checked when `openid` is asked.
fn browser_flow(
    a: &BrowserOptions,
    profile: &Profile,
    endpoints: &Endpoints,
    http: &HttpClient,
    secret: Option<&Password>,
    ui: &dyn Interaction,
) -> Result<(TokenSet, Option<idtoken::IdClaims>), Oauth2Error> {
    // Listening first, then the browser.
    let listener = Listener::bind_for_host(&profile.redirect_host, profile.redirect_port)?;
    let redirect_uri = profile.redirect_uri(listener.port());
    let request = flow::authorization_request(
        profile,
        endpoints,
        &redirect_uri,
        crate::provider::of_profile(profile)?.prompt_consent_for_offline_access,
    )?;
    let listening = listener.addresses();
    let pasted = ui.authorize(&AuthorizePrompt {
        url: &request.url,
        redirect_uri: &redirect_uri,
        fixed_port: profile.redirect_port != 0,
        listening: &listening,
        timeout_secs: a.timeout,
        open_browser: !a.no_browser,
    });
    let expected_state = request.state.clone();
    let nonce = request.nonce.clone();
    let code = listener.wait(
        &expected_state,
        Some(&endpoints.issuer),
        &redirect_uri,
        Duration::from_secs(a.timeout),
        pasted.as_ref(),
        &mut |n| match n {
            ListenerNotice::WrongState => ui.notice(
                Level::Warning,
                "ignored a callback whose state is not this login's (a stale tab, or a request from another page); still waiting",
            ),
            _ => ui.notice(
                Level::Warning,
                "too many connections to the listener at once (a local program is flooding it?); closing the oldest as new ones come",
            ),
        },
    )?;
    let (tokens, id_token) = flow::exchange_code(
        profile,
        endpoints,
        http,
        secret,
        &crate::provider::of_profile(profile)?.assertion,
        &code.0,
        request,
        now(),
    )?;
    let claims = if profile.wants_openid() {
        let id_token = id_token.ok_or_else(|| {
            Oauth2Error::IdToken(
                "openid was requested but the token response has no id_token".into(),
            )
        })?;
        let jwks_uri = endpoints
            .jwks_uri
            .as_deref()
            .ok_or_else(|| Oauth2Error::IdToken("the provider publishes no jwks_uri".into()))?;
        let jwks = http.get_json(jwks_uri)?;
        let claims = idtoken::validate(
            &id_token,
            &jwks,
            &idtoken::Expected {
                issuer: &endpoints.issuer,
                client_id: &profile.client_id,
                nonce: nonce.as_deref(),
                now: now(),
            },
        )
        .map_err(Oauth2Error::IdToken)?;
        Some(claims)
    } else {
        None
    };
    Ok((tokens, claims))
}

/// Tokens for profile `name` good for `margin` seconds (or renewed now with `force`), as
/// [`crate::session::Session::fresh_tokens`] gets them, with `http` as the session's client.
pub fn fresh_tokens(
    name: &str,
    profile: &Profile,
    paths: &Paths,
    http: &HttpClient,
    margin: i64,
    force: bool,
    ui: &dyn Interaction,
) -> Result<TokenSet, Oauth2Error> {
    crate::session::Session::with_client(name, profile.clone(), paths, http.clone())?
        .fresh_tokens(margin, force, ui)
}

/// What a revocation did.
#[derive(Debug, Clone, Serialize)]
pub struct Revoked {
    /// The profile.
    pub profile: String,
    /// The revocation endpoint called.
    pub endpoint: String,
    /// What revoking also does at this provider, if it says.
    pub note: Option<&'static str>,
}

/// Revokes profile `name`'s grant at the provider, then deletes its stored tokens (they are
/// kept when the provider refuses).
pub fn revoke_profile(session: &crate::session::Session) -> Result<Revoked, Oauth2Error> {
    let (name, profile, provider) = (&session.name, &session.profile, session.provider);
    let run = || {
        let current = session
            .tokens
            .load()?
            .ok_or_else(|| Oauth2Error::NotConnected {
                profile: name.to_owned(),
            })?;
        let endpoints =
            crate::provider::endpoints(profile, &session.http, &session.paths.cache_dir)?;
        let secret = match &profile.client_secret {
            Some(r) => Some(r.read(name)?),
            None => None,
        };
        flow::revoke(
            profile,
            &endpoints,
            &session.http,
            secret.as_ref(),
            &current,
        )?;
        session.tokens.remove()?;
        Ok(endpoints.revocation_endpoint.unwrap_or_default())
    };
    let endpoint = run().map_err(|e| provider.explain(e))?;
    Ok(Revoked {
        profile: name.to_owned(),
        endpoint,
        note: provider.revocation_note,
    })
}

/// The refresh rule: tokens can be renewed without a person when a refresh token is stored,
/// or when the grant is client credentials (a new token request). Every other grant needs the
/// person again.
pub fn renewable(profile: &Profile, tokens: &TokenSet) -> bool {
    tokens.refresh_token.is_some() || profile.grant.renews_by_request()
}

/// Whether a profile's stored tokens can be used now, and why.
#[derive(Debug, Clone, Serialize)]
pub struct TokenStatus {
    /// The profile.
    pub profile: String,
    /// A request can be made (now, or after a renewal that needs no person).
    pub usable: bool,
    /// Why, in a sentence.
    pub reason: String,
    /// The granted scopes (empty when the provider never said).
    pub granted: Vec<String>,
    /// Where they came from: `response`, `previous`, `as-requested` or `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted_from: Option<crate::oauth2::store::ScopesFrom>,
    /// When the consent that produced the grant happened (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consented_at: Option<String>,
    /// Granted scopes the provider is retiring (Xero's broad ones), with when.
    pub deprecated: Vec<String>,
    /// When the deprecated scopes stop working, as the provider says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated_until: Option<&'static str>,
}

impl TokenStatus {
    /// The status of a profile whose tokens cannot be read at all.
    pub fn unusable(profile: &str, reason: String) -> TokenStatus {
        TokenStatus {
            profile: profile.to_owned(),
            usable: false,
            reason,
            granted: Vec::new(),
            granted_from: None,
            consented_at: None,
            deprecated: Vec::new(),
            deprecated_until: None,
        }
    }
}

/// Reads profile `name`'s tokens (no network) and says whether they can be used.
pub fn token_status(session: &crate::session::Session) -> TokenStatus {
    let (name, profile) = (&session.name, &session.profile);
    let loaded = session.tokens.load();
    let (usable, reason) = match &loaded {
        Err(e) => (false, e.to_string()),
        Ok(None) => (false, format!("profile {name:?} has no stored token")),
        Ok(Some(t)) if t.valid_for(now(), 0) => (
            true,
            format!(
                "the access token is valid until {}",
                t.expires_at
                    .map(format_time)
                    .unwrap_or_else(|| "(no expiry given)".into())
            ),
        ),
        Ok(Some(t)) if t.refresh_token.is_some() => (
            true,
            "the access token has expired; a refresh token is stored".into(),
        ),
        Ok(Some(t)) if renewable(profile, t) => (
            true,
            "the access token has expired; client credentials can ask for a new one".into(),
        ),
        Ok(Some(_)) => (
            false,
            "the access token has expired and there is no refresh token".into(),
        ),
    };
    let mut status = TokenStatus::unusable(name, reason);
    status.usable = usable;
    if let Ok(Some(t)) = loaded {
        let catalogue = crate::provider::api_of(profile).ok().and_then(|p| p.scopes);
        let retiring = match catalogue {
            Some(c) => crate::audit::scope_check::deprecated_scopes(c).unwrap_or_default(),
            None => Vec::new(),
        };
        status.deprecated = t
            .scopes
            .iter()
            .filter(|s| retiring.iter().any(|(d, _)| d == *s))
            .cloned()
            .collect();
        status.deprecated_until = catalogue
            .filter(|_| !status.deprecated.is_empty())
            .map(|c| c.broad_deadline);
        status.granted = t.scopes;
        status.granted_from = t.scopes_from;
        status.consented_at = t.consented_at.map(format_time);
    }
    status
}

/// Calls the provider's API as profile `name` (see [`crate::session::Session::api_call`]).
pub fn api_call(
    name: &str,
    profile: &Profile,
    paths: &Paths,
    call: &crate::api::ApiRequest<'_>,
    ui: &dyn Interaction,
) -> Result<crate::api::ApiAnswer, Oauth2Error> {
    crate::session::Session::of(name, profile.clone(), paths)?.api_call(call, ui)
}
