//! A session: one profile resolved once, for every flow that works as that profile. It holds
//! the profile's name and settings, its provider and the provider whose API it calls (resolved
//! from the registry when it is opened, so an unknown name fails here and nowhere later), where
//! its tokens are (a [`TokenBackend`]), one HTTP client, and the clock.
//!
//! The CLI opens one per command; a long-running caller (a proxy, a web page) opens one and
//! keeps it for hours, from several threads: a `Session` is `Send` and `Sync`, and every token
//! renewal runs under the token store's lock, so two threads (or processes) never both spend a
//! refresh token.

use std::sync::Arc;

use crate::api::{ApiAnswer, ApiRequest};
use crate::interact::{Interaction, Level};
use crate::oauth2::flow;
use crate::oauth2::http::{HttpClient, Timeouts};
use crate::oauth2::profile::{Config, Paths, Profile};
use crate::oauth2::store::{Notice, TokenBackend, TokenSet, TokenStore};
use crate::oauth2::Oauth2Error;
use crate::provider::Provider;

/// The time, in Unix seconds.
pub type Clock = fn() -> i64;

/// One profile, resolved.
#[derive(Debug, Clone)]
pub struct Session {
    /// The profile's name.
    pub name: String,
    /// Its settings.
    pub profile: Profile,
    /// Its provider.
    pub provider: &'static Provider,
    /// The provider whose API its API base serves (its own, or the one it stands in for).
    pub api: &'static Provider,
    /// Where the config, tokens and caches are.
    pub paths: Paths,
    /// The one HTTP client for its identity endpoints.
    pub http: HttpClient,
    /// Where its tokens are.
    pub tokens: Arc<dyn TokenBackend>,
    /// The clock token lifetimes are judged by.
    pub clock: Clock,
}

impl Session {
    /// Opens profile `name` from the config in `paths`.
    pub fn open(name: &str, paths: &Paths) -> Result<Session, Oauth2Error> {
        let config = Config::load(&paths.config_file)?;
        let profile = config.get(name)?.clone();
        Session::of(name, profile, paths)
    }

    /// A session for `profile` as `name` (saved or not): its providers resolved, its HTTP
    /// client built, its tokens in the store it names.
    pub fn of(name: &str, profile: Profile, paths: &Paths) -> Result<Session, Oauth2Error> {
        let http = HttpClient::new(Timeouts::default(), profile.ca_file.as_deref())?;
        Session::with_client(name, profile, paths, http)
    }

    /// [`Session::of`] with an HTTP client the caller has already.
    pub fn with_client(
        name: &str,
        profile: Profile,
        paths: &Paths,
        http: HttpClient,
    ) -> Result<Session, Oauth2Error> {
        let provider = crate::provider::of_profile(&profile)?;
        let api = crate::provider::api_of(&profile)?;
        let tokens = Arc::new(TokenStore::with_backend(
            &paths.tokens_dir,
            name,
            profile.token_store,
        ));
        Ok(Session {
            name: name.to_owned(),
            profile,
            provider,
            api,
            paths: paths.clone(),
            http,
            tokens,
            clock: crate::oauth2::now,
        })
    }

    /// The same session with its tokens kept elsewhere (a shared store).
    pub fn with_tokens(mut self, tokens: Arc<dyn TokenBackend>) -> Session {
        self.tokens = tokens;
        self
    }

    /// Tokens good for `margin` seconds (or renewed now with `force`). A renewal runs under the
    /// store's lock, with a refresh token (or, for client credentials, a new token request);
    /// what the store had to recover from is told through `ui`.
    pub fn fresh_tokens(
        &self,
        margin: i64,
        force: bool,
        ui: &dyn Interaction,
    ) -> Result<TokenSet, Oauth2Error> {
        self.fresh_tokens_told(margin, force, ui).map(|(t, _)| t)
    }

    /// [`Session::fresh_tokens`], and whether this call renewed them (a long-running caller
    /// counts its renewals).
    pub fn fresh_tokens_told(
        &self,
        margin: i64,
        force: bool,
        ui: &dyn Interaction,
    ) -> Result<(TokenSet, bool), Oauth2Error> {
        let (name, profile, provider) = (&self.name, &self.profile, self.provider);
        let clock = self.clock;
        let (tokens, notices) = self
            .tokens
            .fresh_with(margin, force, &clock, &mut |current| {
                let endpoints =
                    crate::provider::endpoints(profile, &self.http, &self.paths.cache_dir)?;
                let secret = match &profile.client_secret {
                    Some(r) => Some(r.read(name)?),
                    None => None,
                };
                if !crate::connect::renewable(profile, current) {
                    return Err(Oauth2Error::NoRefreshToken {
                        profile: name.to_owned(),
                    });
                }
                let audience = provider.bearer_audience(profile, &endpoints);
                let mut tokens = flow::renew(
                    profile,
                    &endpoints,
                    &self.http,
                    secret.as_ref(),
                    &flow::Rules {
                        assertion: &provider.assertion,
                        bearer: &provider.bearer,
                        audience: &audience,
                    },
                    current,
                    clock(),
                )?;
                provider.date_tokens(&mut tokens);
                Ok(tokens)
            })
            .map_err(|e| provider.explain(e))?;
        let renewed = notices.contains(&Notice::Refreshed);
        for n in notices {
            if let Notice::ResumedInterruptedRefresh {
                started_at,
                retried_at,
            } = n
            {
                ui.notice(
                    Level::Info,
                    &provider.interrupted_refresh_note(started_at, retried_at),
                );
            }
        }
        Ok((tokens, renewed))
    }

    /// Calls the provider's API: a token good for a minute (renewed under the lock if needed),
    /// the call with the API's tenant header, and every secret the profile holds (the access
    /// and refresh tokens, the client secret in each form it is sent in) redacted from the
    /// answer and from any error, so a server that echoes them cannot make us print them.
    pub fn api_call(
        &self,
        call: &ApiRequest<'_>,
        ui: &dyn Interaction,
    ) -> Result<ApiAnswer, Oauth2Error> {
        // Refused before a token is even renewed when there is nowhere the token may go.
        let api_base = crate::provider::api_base(&self.profile)?;
        let t = self.fresh_tokens(60, false, ui)?;
        // The API's answers may be large (a report, a page of invoices); the token
        // endpoint's not.
        let mut http = self.http.clone();
        http.max_body = crate::net::MAX_API_BODY;
        let client_secret = self
            .profile
            .client_secret
            .as_ref()
            .and_then(|r| r.read(&self.name).ok());
        let mut tokens = vec![t.access_token.expose()];
        tokens.extend(t.refresh_token.as_deref());
        let known = flow::secret_forms(&self.profile, client_secret.as_ref(), &tokens);
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let header = self.api.tenants.as_ref().map(|t| t.header);
        let mut answer = crate::api::call(&http, &api_base, &t.access_token, header, call)
            .map_err(|e| e.redacted(&known))?;
        // A grant renewed by one more request (client credentials, a newly signed JWT bearer
        // assertion) whose token the API refused (expired early, a session ended by the
        // provider): one new token, and the call once more. A 401 did nothing, so even a POST
        // is safe to repeat.
        if answer.response.status == 401 && self.profile.grant.renews_by_request() {
            let t = self.fresh_tokens(60, true, ui)?;
            let mut tokens = vec![t.access_token.expose()];
            tokens.extend(t.refresh_token.as_deref());
            let again = flow::secret_forms(&self.profile, client_secret.as_ref(), &tokens);
            let again: Vec<&str> = again.iter().map(String::as_str).collect();
            answer = crate::api::call(&http, &api_base, &t.access_token, header, call)
                .map_err(|e| e.redacted(&again))?;
            for secret in &again {
                answer.response.body = crate::text::redact_bytes(&answer.response.body, secret);
            }
        }
        for secret in &known {
            answer.response.body = crate::text::redact_bytes(&answer.response.body, secret);
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn a_session_can_be_shared_between_threads() {
        assert_send_sync::<Session>();
    }

    #[test]
    fn an_unknown_provider_fails_when_the_session_opens() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let mut p = Profile::new("id");
        p.provider = crate::provider::ProviderId::new("nosuch");
        let e = Session::of("x", p, &paths).unwrap_err().to_string();
        assert!(e.contains("nosuch"), "{e}");
        let s = Session::of("x", Profile::new("id"), &paths).unwrap();
        assert_eq!(s.provider.id, crate::provider::REGISTRY[0].id);
        assert!(
            s.tokens.location().contains("x.json"),
            "{}",
            s.tokens.location()
        );
    }
}
