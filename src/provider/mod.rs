//! Providers in one place: what oauth1to2 knows about each authorization server and the API
//! behind it. The generic OAuth 2.0 code (`crate::oauth2`) knows no provider by name; it is told
//! what it needs (endpoints, whether to ask for consent again, where the API is) from here.
//!
//! Each provider is one folder here with a [`Provider`] value, and one line in
//! [`REGISTRY`]. A profile names its provider by [`ProviderId`]; [`of`] resolves it.
//!
//! An entry holds its endpoints (or discovery), its API base, its token rules and the hints for
//! its error codes, its tenant model, its scope catalogue and its migration paths.

pub mod garmin;
pub mod legacy;
pub mod netsuite;
pub mod oidc;
pub mod salesforce;
pub mod tumblr;
pub mod x;
pub mod xero;

use std::path::Path;

use crate::oauth2::assertion::AssertionPolicy;
use crate::oauth2::endpoints::{discover, Endpoints};
use crate::oauth2::http::HttpClient;
use crate::oauth2::profile::Profile;
pub use crate::oauth2::profile::ProviderId;
use crate::oauth2::Oauth2Error;
use crate::tenants::Tenant;

/// Where a provider's endpoints come from.
#[derive(Debug, Clone, Copy)]
pub enum EndpointSource {
    /// Known in advance (from the provider's documentation).
    BuiltIn(fn() -> Endpoints),
    /// OpenID Connect discovery from the profile's issuer, cached for a day.
    Discovery,
    /// Built from the profile's account (NetSuite: one host per account).
    PerAccount(&'static AccountModel),
    /// At the profile's login URL, else the provider's default one (Salesforce: production,
    /// sandbox or a custom domain).
    AtLoginUrl(&'static LoginModel),
}

/// A provider with several login hosts: where its endpoints are for each.
#[derive(Debug)]
pub struct LoginModel {
    /// The login URL when the profile names none.
    pub default_url: &'static str,
    /// The others people use, for hints (a sandbox's).
    pub others: &'static [&'static str],
    /// The endpoints at a login URL (no trailing slash).
    pub endpoints: fn(&str) -> Endpoints,
}

/// A token answer that says where the API is for this grant (Salesforce's `instance_url`):
/// the field, and the hosts it may name (a token goes only to its own provider's API).
#[derive(Debug)]
pub struct ApiBaseInAnswer {
    /// The JSON field.
    pub field: &'static str,
    /// Host suffixes it may name (`.salesforce.com`); a loopback host is taken too, as
    /// everywhere, for tests.
    pub hosts: &'static [&'static str],
}

/// A provider whose endpoints and API are per account: how an account is written and where
/// its endpoints are.
#[derive(Debug)]
pub struct AccountModel {
    /// What the provider calls it, for messages ("account id").
    pub what: &'static str,
    /// Reads an account in any spelling the provider uses: the stored spelling, or why not
    /// (with what to do).
    pub parse: fn(&str) -> Result<String, (String, String)>,
    /// The endpoints for an account (in the stored spelling).
    pub endpoints: fn(&str) -> Endpoints,
    /// The API base for an account.
    pub api_base: fn(&str) -> String,
}

/// What oauth1to2 knows about one provider.
#[derive(Debug)]
pub struct Provider {
    /// The name profiles store (`provider = "xero"`).
    pub id: &'static str,
    /// The name people know it by, for messages.
    pub name: &'static str,
    /// Its endpoints.
    pub endpoints: EndpointSource,
    /// The API base the `api` and `tenants` commands call when the profile sets none.
    pub api_base: Option<&'static str>,
    /// Ask for consent again (`prompt=consent`) when `offline_access` is requested: OpenID
    /// Connect issues a refresh token only after an explicit consent.
    pub prompt_consent_for_offline_access: bool,
    /// What revoking a grant also does there, told after `token revoke`.
    pub revocation_note: Option<&'static str>,
    /// How its tokens behave.
    pub tokens: TokenRules,
    /// Hints for OAuth error codes (`invalid_grant`, ...) where this provider means something
    /// more than RFC 6749 says; the generic hint is used for the others.
    pub error_hints: &'static [(&'static str, &'static str)],
    /// What an HTTP 429 means there.
    pub rate_limit_hint: Option<&'static str>,
    /// How its API divides access among organisations; `None` when a token is for one account.
    pub tenants: Option<TenantModel>,
    /// Which scopes its API's calls need; `None` when oauth1to2 has no catalogue for it.
    pub scopes: Option<&'static ScopeCatalogue>,
    /// The ways off its legacy app types.
    pub migrations: &'static [MigrationPath],
    /// How to set a machine-to-machine app's scopes in its portal, one step per line
    /// (`{client_id}` and `{scopes}` are filled in); empty when its token request decides.
    pub m2m_scope_steps: &'static [&'static str],
    /// Regions where it sells machine-to-machine apps (Xero's Custom Connections); empty when
    /// it has none or sells them everywhere it says nothing about.
    pub machine_to_machine_regions: &'static [&'static str],
    /// What it wants of a JWT client assertion beyond RFC 7523.
    pub assertion: AssertionPolicy,
    /// What a failed answer from its API means: `(status, the answer's detail, whether a
    /// tenant was named)`; `crate::api::failure_hint` where it says nothing more.
    pub api_failure_hint: fn(u16, Option<&str>, bool) -> String,
    /// What it refuses in an OAuth 1.0a request's realm whatever the signature (NetSuite: the
    /// account id, upper case, for the account the URL's host names); `None` when nothing.
    pub oauth1_realm_rule: Option<crate::oauth1::verify::RealmRule>,
    /// Its legacy integrations: inventories, audit, migration; `None` when oauth1to2 moves
    /// none off it.
    pub legacy: Option<&'static legacy::Legacy>,
    /// The key policies of the certificates it takes (`cert new --for`, `cert check --for`).
    pub key_policies: &'static [&'static crate::cert::KeyPolicy],
    /// The shell variables a profile's handoff is written as (`crate::handoff::generic_env`
    /// where it names none of its own).
    pub handoff_env: fn(&crate::handoff::Handoff) -> String,
    /// Third-party platforms that run its OAuth flow and take the handoff in their own form.
    pub platforms: &'static [&'static crate::handoff::Platform],
    /// How its legacy apps signed OAuth 1.0a requests (`oauth1 sign --as`).
    pub signing_styles: &'static [&'static crate::oauth1::style::SigningStyle],
    /// Its per-user exchange of OAuth 1.0a tokens for OAuth 2.0 pairs (`exchange`); `None`
    /// when it has none.
    pub exchange: Option<&'static crate::exchange::spec::ExchangeSpec>,
    /// What it wants of a JWT bearer grant's assertion (RFC 7523 section 2.1).
    pub bearer: crate::oauth2::assertion::BearerPolicy,
    /// Where its token answers say the API is, when they do.
    pub api_base_in_answer: Option<&'static ApiBaseInAnswer>,
    /// Hints for OAuth errors told apart by their description: `(error, text the description
    /// contains, hint)`; looked up before [`Provider::error_hints`].
    pub error_description_hints: &'static [(&'static str, &'static str, &'static str)],
}

impl Provider {
    /// An entry that knows nothing beyond its endpoints: no API base, tenants, scopes, legacy
    /// side, key policies, signing styles, platforms or exchange. A provider's entry starts
    /// from it (`Provider { id: "x", ..Provider::BARE }`) and says what it has.
    pub const BARE: Provider = Provider {
        id: "",
        name: "",
        endpoints: EndpointSource::Discovery,
        api_base: None,
        prompt_consent_for_offline_access: false,
        revocation_note: None,
        tokens: TokenRules {
            refresh_reuse_grace_secs: None,
            assumed_lifetime_secs: None,
        },
        error_hints: &[],
        rate_limit_hint: None,
        tenants: None,
        scopes: None,
        migrations: &[],
        m2m_scope_steps: &[],
        machine_to_machine_regions: &[],
        assertion: crate::oauth2::assertion::AssertionPolicy::RFC7523,
        oauth1_realm_rule: None,
        legacy: None,
        key_policies: &[],
        handoff_env: crate::handoff::generic_env,
        platforms: &[],
        signing_styles: &[],
        exchange: None,
        api_failure_hint: crate::api::failure_hint,
        bearer: crate::oauth2::assertion::BearerPolicy::RFC7523,
        api_base_in_answer: None,
        error_description_hints: &[],
    };
}

/// One way off a legacy app type at a provider.
#[derive(Debug)]
pub struct MigrationPath {
    /// The legacy app type, as inventories name it (`app_type = "private"`).
    pub from: &'static str,
    /// When it stopped working there (ISO date).
    pub retired_on: &'static str,
    /// The OAuth 2.0 app types it can move to, as inventories name them; the audit picks
    /// among them.
    pub targets: &'static [&'static str],
    /// Whether its existing tokens can be moved without each organisation consenting again
    /// (Xero's `POST /oauth/migrate` for partner apps).
    pub token_migration: bool,
}

pub use crate::audit::scopes::ScopeCatalogue;

/// The scope catalogue of the first provider that has one (for commands that are not given a
/// profile).
pub fn default_catalogue() -> Option<&'static ScopeCatalogue> {
    REGISTRY.iter().find_map(|p| p.scopes)
}

/// A provider's tenants: how to list them, find one and remove one, and the header that names
/// one on an API call.
#[derive(Debug)]
pub struct TenantModel {
    /// The header that names the tenant on each API call.
    pub header: &'static str,
    /// Lists the tenants a token may act for: `(http, api_base, access_token)`.
    pub list: fn(&HttpClient, &str, &str) -> Result<Vec<Tenant>, Oauth2Error>,
    /// Removes the app's connection to one: `(http, api_base, access_token, connection id)`;
    /// `false` when the provider did not know it.
    pub remove: fn(&HttpClient, &str, &str, &str) -> Result<bool, Oauth2Error>,
    /// The tenants a key (an id or a name) names.
    pub find: for<'a> fn(&'a [Tenant], &str) -> Vec<&'a Tenant>,
}

/// How a provider's tokens behave, where it documents it.
#[derive(Debug, Clone, Copy)]
pub struct TokenRules {
    /// How long a used (rotated) refresh token is accepted again, in seconds; `None` when the
    /// provider does not say.
    pub refresh_reuse_grace_secs: Option<i64>,
    /// How long to take an access token to last when the answer gives no `expires_in`, so it
    /// is renewed before it is refused; `None`: until the API refuses it.
    pub assumed_lifetime_secs: Option<i64>,
}

impl Provider {
    /// The migration path for a legacy app type, if the provider had that type.
    pub fn migration(&self, from: &str) -> Option<&'static MigrationPath> {
        self.migrations.iter().find(|m| m.from == from)
    }

    /// The hint for `e` from a call to this provider: its own for the error code, else the
    /// generic one.
    pub fn hint(&self, e: &Oauth2Error) -> String {
        if let Oauth2Error::OAuth {
            error,
            description: Some(d),
            ..
        } = e.inner()
        {
            let d = d.to_ascii_lowercase();
            if let Some((_, _, h)) = self
                .error_description_hints
                .iter()
                .find(|(code, text, _)| code == error && d.contains(text))
            {
                return (*h).to_owned();
            }
        }
        match e.inner() {
            Oauth2Error::OAuth { error, .. } => self
                .error_hints
                .iter()
                .find(|(code, _)| code == error)
                .map(|(_, h)| (*h).to_owned())
                .unwrap_or_else(|| e.hint()),
            Oauth2Error::Http { status: 429, .. } => self
                .rate_limit_hint
                .map(str::to_owned)
                .unwrap_or_else(|| e.hint()),
            _ => e.hint(),
        }
    }

    /// A JWT bearer grant's `aud` for `profile`: the token endpoint, or the login URL (the
    /// profile's, else the provider's default) where the provider wants that.
    pub fn bearer_audience(&self, profile: &Profile, endpoints: &Endpoints) -> String {
        use crate::oauth2::assertion::Audience;
        match (self.bearer.audience, self.login_model()) {
            (Audience::LoginUrl, Some(m)) => profile
                .login_url
                .as_deref()
                .unwrap_or(m.default_url)
                .trim_end_matches('/')
                .to_owned(),
            _ => endpoints.token_endpoint.clone(),
        }
    }

    /// Its login model, where it has several login hosts.
    pub fn login_model(&self) -> Option<&'static LoginModel> {
        match self.endpoints {
            EndpointSource::AtLoginUrl(m) => Some(m),
            _ => None,
        }
    }

    /// Sets an access token's expiry where the answer gave none and the provider says how
    /// long to assume (see [`TokenRules::assumed_lifetime_secs`]).
    pub fn date_tokens(&self, tokens: &mut crate::oauth2::store::TokenSet) {
        if let (None, Some(s)) = (tokens.expires_at, self.tokens.assumed_lifetime_secs) {
            tokens.expires_at = Some(tokens.obtained_at.saturating_add(s));
            tokens.expiry_assumed = true;
        }
    }

    /// The API base a token answer names, checked: https (or loopback) and on one of the
    /// provider's hosts. `Ok(None)` when the provider's answers name none or this one did not.
    pub fn api_base_of_answer(
        &self,
        answer: &serde_json::Value,
    ) -> Result<Option<String>, Oauth2Error> {
        let Some(rule) = self.api_base_in_answer else {
            return Ok(None);
        };
        let Some(url) = answer.get(rule.field).and_then(|v| v.as_str()) else {
            return Ok(None);
        };
        let url = url.trim_end_matches('/');
        let bad = |why: String| Oauth2Error::BadResponse {
            url: "the token answer".into(),
            message: format!("its {} {:?}: {why}", rule.field, crate::text::term(url)),
        };
        crate::oauth2::http::require_secure(rule.field, url).map_err(|e| bad(e.to_string()))?;
        let parsed = oauth2::url::Url::parse(url).map_err(|_| bad("not a URL".into()))?;
        let host = parsed.host_str().unwrap_or("").to_ascii_lowercase();
        if !crate::net::is_loopback(&parsed) && !rule.hosts.iter().any(|h| host.ends_with(h)) {
            return Err(bad(format!(
                "not a host of {} ({}), so no token is sent there",
                self.name,
                rule.hosts.join(", ")
            )));
        }
        if parsed.path() != "/" || parsed.query().is_some() {
            return Err(bad("an API base is a scheme and host only".into()));
        }
        Ok(Some(url.to_owned()))
    }

    /// Its account model, where its endpoints are per account.
    pub fn account_model(&self) -> Option<&'static AccountModel> {
        match self.endpoints {
            EndpointSource::PerAccount(m) => Some(m),
            _ => None,
        }
    }

    /// What a failed answer from its API means (see [`Provider::api_failure_hint`]'s field).
    pub fn api_failure_hint(&self, status: u16, detail: Option<&str>, tenant_sent: bool) -> String {
        (self.api_failure_hint)(status, detail, tenant_sent)
    }

    /// `e`, carrying this provider's hint for it.
    pub fn explain(&self, e: Oauth2Error) -> Oauth2Error {
        let hint = self.hint(&e);
        if hint == e.hint() {
            return e;
        }
        let error = match e {
            Oauth2Error::Explained { error, .. } => error,
            e => Box::new(e),
        };
        Oauth2Error::Explained { error, hint }
    }

    /// Prepares a profile for this provider before anything is sent: checks that it names an
    /// account where the endpoints are per account (and none where they are not) and an
    /// assertion algorithm the provider takes, and stores the account in the provider's own
    /// spelling.
    pub fn prepare_profile(&self, name: &str, profile: &mut Profile) -> Result<(), Oauth2Error> {
        let bad = |m: String| Oauth2Error::Usage(format!("profile {name:?}: {m}"));
        match (&self.endpoints, profile.account.as_deref()) {
            (EndpointSource::PerAccount(model), Some(given)) => {
                let stored =
                    (model.parse)(given).map_err(|(why, todo)| bad(format!("{why}; {todo}")))?;
                profile.account = Some(stored);
            }
            (EndpointSource::PerAccount(model), None) => {
                return Err(bad(format!(
                    "{} needs its {} (its endpoints are per account)",
                    self.name, model.what
                )))
            }
            (_, Some(_)) => {
                return Err(bad(format!(
                "{} has no accounts in its endpoints; an account is for a provider like netsuite",
                self.name
            )))
            }
            (_, None) => {}
        }
        if profile.login_url.is_some() && self.login_model().is_none() {
            return Err(bad(format!(
                "{} has one login host, so a login URL does not apply (a proxy is named as the token endpoint instead)",
                self.name
            )));
        }
        if let Some(a) = &profile.assertion {
            self.assertion.check(a.alg)?;
        }
        Ok(())
    }

    /// How the retry of an interrupted refresh is told: whether the provider still accepts
    /// the used refresh token, when it says how long it does.
    pub fn interrupted_refresh_note(&self, started_at: i64, retried_at: i64) -> String {
        let when = crate::connect::format_time(started_at);
        let head = format!("an earlier refresh (started {when}) never completed; retried with the refresh token it used");
        match self.tokens.refresh_reuse_grace_secs {
            Some(g) if retried_at.saturating_sub(started_at) > g => format!(
                "{head}, although that was more than {} minutes ago, past the window in which {} accepts it again",
                g / 60,
                self.name
            ),
            Some(g) => format!(
                "{head} ({} accepts a used refresh token again for {} minutes)",
                self.name,
                g / 60
            ),
            None => head,
        }
    }
}

/// Every provider oauth1to2 knows, once.
pub static REGISTRY: [&Provider; 7] = [
    &xero::PROVIDER,
    &netsuite::PROVIDER,
    &oidc::PROVIDER,
    &garmin::PROVIDER,
    &x::PROVIDER,
    &tumblr::PROVIDER,
    &salesforce::PROVIDER,
];

/// Every provider's OAuth 1.0a realm rule (each looks at the URL's host, so all can be asked).
pub fn oauth1_realm_rules() -> Vec<crate::oauth1::verify::RealmRule> {
    REGISTRY
        .iter()
        .filter_map(|p| p.oauth1_realm_rule)
        .collect()
}

/// The entry named `id` (as profiles and inventories store it).
pub fn by_id(id: &str) -> Option<&'static Provider> {
    REGISTRY.iter().copied().find(|p| p.id == id)
}

/// The names the registry knows, for messages and `--help`.
pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|p| p.id).collect()
}

/// Every key policy: the providers' (the first is the default), then the generic one.
pub fn key_policies() -> Vec<&'static crate::cert::KeyPolicy> {
    let mut all: Vec<_> = REGISTRY
        .iter()
        .flat_map(|p| p.key_policies.iter().copied())
        .collect();
    all.push(&crate::cert::policy::GENERIC);
    all
}

/// The key policy named `id`.
pub fn key_policy(id: &str) -> Option<&'static crate::cert::KeyPolicy> {
    key_policies().into_iter().find(|p| p.id == id)
}

/// Every signing style: the providers' (the first is the default), then the generic one.
pub fn signing_styles() -> Vec<&'static crate::oauth1::style::SigningStyle> {
    let mut all: Vec<_> = REGISTRY
        .iter()
        .flat_map(|p| p.signing_styles.iter().copied())
        .collect();
    all.push(&crate::oauth1::style::GENERIC);
    all
}

/// Every platform a provider knows, for `export --format`.
pub fn platforms() -> Vec<&'static crate::handoff::Platform> {
    REGISTRY
        .iter()
        .flat_map(|p| p.platforms.iter().copied())
        .collect()
}

/// The providers whose legacy integrations inventories can describe.
pub fn inventory_providers() -> Vec<&'static str> {
    REGISTRY
        .iter()
        .filter(|p| p.legacy.is_some())
        .map(|p| p.id)
        .collect()
}

/// The legacy side of an inventory's provider (the inventory was checked against it when read).
pub fn legacy_of(
    inv: &crate::audit::inventory::LegacyIntegration,
) -> Result<&'static legacy::Legacy, crate::audit::inventory::InventoryError> {
    let provider = match inv.provider.as_str() {
        "" => Some(REGISTRY[0]),
        id => by_id(id),
    };
    provider
        .and_then(|p| p.legacy)
        .ok_or_else(|| crate::audit::inventory::InventoryError {
            file: inv.file.clone(),
            line: None,
            message: format!(
                "provider {:?} has no legacy integrations oauth1to2 audits",
                inv.provider
            ),
            hint: format!("write one of: {}", inventory_providers().join(", ")),
        })
}

/// The names of the providers a profile can name directly (their endpoints are built in or
/// per account; the others are found by discovery from an issuer).
pub fn named_providers() -> Vec<&'static str> {
    REGISTRY
        .iter()
        .filter(|p| !matches!(p.endpoints, EndpointSource::Discovery))
        .map(|p| p.id)
        .collect()
}

/// The entry for the provider `id` names: the registry's first for the default (empty) one;
/// an error naming the known ones for a name it does not know.
pub fn of(id: &ProviderId) -> Result<&'static Provider, Oauth2Error> {
    if id.is_default() {
        return Ok(REGISTRY[0]);
    }
    by_id(id.as_str()).ok_or_else(|| Oauth2Error::UnknownProvider {
        name: id.as_str().to_owned(),
        known: names().join(", "),
    })
}

/// The provider of a new profile, its name written into it: a profile that names none gets
/// the registry's first by name, so that the saved config says which provider it is for and a
/// later change to the registry's order cannot change it.
pub fn name_provider(profile: &mut Profile) -> Result<&'static Provider, Oauth2Error> {
    let provider = of_profile(profile)?;
    profile.provider = ProviderId::new(provider.id);
    Ok(provider)
}

/// The provider of a profile.
pub fn of_profile(profile: &Profile) -> Result<&'static Provider, Oauth2Error> {
    of(&profile.provider)
}

/// The provider found by OpenID Connect discovery from an issuer.
pub fn discovery() -> &'static Provider {
    REGISTRY
        .iter()
        .copied()
        .find(|p| matches!(p.endpoints, EndpointSource::Discovery))
        .unwrap_or(REGISTRY[0])
}

/// Sets what `overrides` gives on `profile`: an issuer without a provider means the OpenID
/// provider found by discovery from it.
pub fn apply_overrides(overrides: &crate::oauth2::profile::Overrides, profile: &mut Profile) {
    overrides.apply(profile);
    if overrides.issuer.is_some() && overrides.provider.is_none() {
        profile.provider = ProviderId::new(discovery().id);
    }
}

/// Makes `profile` use the OpenID provider at `issuer`, found by discovery.
pub fn use_issuer(profile: &mut Profile, issuer: &str) {
    profile.provider = ProviderId::new(discovery().id);
    profile.issuer = Some(issuer.trim_end_matches('/').to_owned());
}

/// The endpoints for a profile: built in, per account, or discovered (cached under
/// `cache_dir`); the profile's own token endpoint, when it sets one, wins.
pub fn endpoints(
    profile: &Profile,
    http: &HttpClient,
    cache_dir: &Path,
) -> Result<Endpoints, Oauth2Error> {
    let mut found = provider_endpoints(profile, http, cache_dir)?;
    if let Some(t) = &profile.token_endpoint {
        found.token_endpoint = t.clone();
    }
    Ok(found)
}

fn provider_endpoints(
    profile: &Profile,
    http: &HttpClient,
    cache_dir: &Path,
) -> Result<Endpoints, Oauth2Error> {
    let provider = of_profile(profile)?;
    match provider.endpoints {
        EndpointSource::BuiltIn(make) => Ok(make()),
        EndpointSource::PerAccount(model) => {
            let account = profile.account.as_deref().ok_or_else(|| {
                Oauth2Error::Usage(format!(
                    "{} needs the profile's {} (its endpoints are per account)",
                    provider.name, model.what
                ))
            })?;
            Ok((model.endpoints)(account))
        }
        EndpointSource::AtLoginUrl(model) => Ok((model.endpoints)(
            profile
                .login_url
                .as_deref()
                .unwrap_or(model.default_url)
                .trim_end_matches('/'),
        )),
        EndpointSource::Discovery => {
            let issuer = profile
                .issuer
                .as_deref()
                .ok_or_else(|| {
                    Oauth2Error::Usage(format!(
                        "the {} provider is found by discovery, and this profile names no issuer URL (set the provider's issuer URL on the profile)",
                        provider.id
                    ))
                })?;
            discover(issuer, http, cache_dir, crate::oauth2::now())
        }
    }
}

/// The header a profile's API names a tenant in, if its API has tenants.
pub fn tenant_header(profile: &Profile) -> Result<Option<&'static str>, Oauth2Error> {
    Ok(api_of(profile)?.tenants.as_ref().map(|t| t.header))
}

/// The provider whose API a profile's API base serves: the one the profile names in `api` (an
/// OpenID provider standing in for a known provider's identity server), else its own. Its
/// tenant model and scope catalogue are the ones that apply.
pub fn api_of(profile: &Profile) -> Result<&'static Provider, Oauth2Error> {
    match &profile.api {
        Some(api) => of(api),
        None => of_profile(profile),
    }
}

/// The API base for a profile, without a trailing slash: the profile's own, else its
/// provider's (per account where its endpoints are). A profile whose provider has no API
/// oauth1to2 knows (a generic OpenID provider) and that sets none has no API base: a token
/// goes only to its own provider's API, never to another's by default.
pub fn api_base(profile: &Profile) -> Result<String, Oauth2Error> {
    let provider = of_profile(profile)?;
    let per_account = match (provider.endpoints, profile.account.as_deref()) {
        (EndpointSource::PerAccount(model), Some(a)) => Some((model.api_base)(a)),
        _ => None,
    };
    profile
        .api_base
        .as_deref()
        .or(provider.api_base)
        .or(per_account.as_deref())
        .map(|b| b.trim_end_matches('/').to_owned())
        .ok_or_else(|| Oauth2Error::NoApiBase {
            provider: match &profile.issuer {
                Some(i) => format!("the OpenID provider at {i}"),
                None => provider.name.to_owned(),
            },
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(id: &str) -> &'static Provider {
        by_id(id).unwrap()
    }
    use netsuite::ACCOUNTS as ACCOUNTS_OF_NETSUITE;

    #[test]
    fn each_kind_has_one_entry_named_as_profiles_store_it() {
        for entry in REGISTRY {
            let stored = serde_json::to_value(ProviderId::new(entry.id)).unwrap();
            assert_eq!(stored, entry.id);
            assert_eq!(of(&ProviderId::new(entry.id)).unwrap().id, entry.id);
        }
        // The default is the registry's first; an unknown name is an error naming the known.
        assert_eq!(of(&ProviderId::default()).unwrap().id, REGISTRY[0].id);
        // A new profile is saved with its provider named, not left to the default.
        let mut p = Profile::new("id");
        assert!(p.provider.is_default());
        assert_eq!(name_provider(&mut p).unwrap().id, REGISTRY[0].id);
        assert_eq!(p.provider.as_str(), REGISTRY[0].id);
        let saved = toml::to_string(&p).unwrap();
        assert!(
            saved.contains(&format!("provider = \"{}\"", REGISTRY[0].id)),
            "{saved}"
        );
        let e = of(&ProviderId::new("nosuch")).unwrap_err().to_string();
        assert!(e.contains("nosuch") && e.contains("netsuite"), "{e}");
        assert!(matches!(kind("xero").endpoints, EndpointSource::BuiltIn(_)));
        assert!(matches!(kind("oidc").endpoints, EndpointSource::Discovery));
    }

    fn oauth(code: &str) -> Oauth2Error {
        Oauth2Error::OAuth {
            endpoint: "the token endpoint".into(),
            error: code.into(),
            description: None,
        }
    }

    #[test]
    fn a_provider_hint_wins_over_the_generic_one_and_keeps_the_error() {
        let xero = kind("xero");
        let e = xero.explain(oauth("invalid_grant"));
        assert!(e.hint().contains("30 minutes"), "{}", e.hint());
        assert!(e.hint().contains("60 days"), "{}", e.hint());
        assert!(matches!(e.inner(), Oauth2Error::OAuth { error, .. } if error == "invalid_grant"));
        assert_eq!(e.to_string(), oauth("invalid_grant").to_string());
        // A generic provider gives the generic hint, which names no provider.
        let generic = kind("oidc").explain(oauth("invalid_grant"));
        assert!(matches!(generic, Oauth2Error::OAuth { .. }), "not wrapped");
        assert!(!generic.hint().contains("Xero"), "{}", generic.hint());
        // Codes the entry does not know fall back to the generic hint.
        assert_eq!(
            xero.hint(&oauth("access_denied")),
            oauth("access_denied").hint()
        );
        let limited = Oauth2Error::Http {
            url: "https://api.xero.com/connections".into(),
            status: 429,
            detail: None,
        };
        assert!(xero.hint(&limited).contains("60 calls a minute"));
        assert!(!kind("oidc").hint(&limited).contains("Xero"));
    }

    #[test]
    fn an_interrupted_refresh_is_told_by_the_providers_grace() {
        let xero = kind("xero");
        let within = xero.interrupted_refresh_note(1_000, 1_000 + 29 * 60);
        assert!(
            within.contains("accepts a used refresh token again for 30 minutes"),
            "{within}"
        );
        let past = xero.interrupted_refresh_note(1_000, 1_000 + 31 * 60);
        assert!(past.contains("more than 30 minutes ago"), "{past}");
        let generic = kind("oidc").interrupted_refresh_note(1_000, 1_000 + 31 * 60);
        assert!(
            generic.contains("never completed") && !generic.contains("minutes"),
            "{generic}"
        );
    }

    #[test]
    fn migration_paths_cover_every_legacy_app_type_and_name_real_targets() {
        for provider in REGISTRY {
            let Some(legacy) = provider.legacy else {
                assert!(provider.migrations.is_empty(), "{}", provider.id);
                continue;
            };
            for t in legacy.app_types.iter().filter(|t| !t.oauth2) {
                let path = provider
                    .migration(t.id)
                    .unwrap_or_else(|| panic!("{}: no path off {}", provider.id, t.id));
                for target in path.targets {
                    assert!(
                        legacy.target(target).is_some(),
                        "{}: {target} is not a target",
                        provider.id
                    );
                }
            }
        }
        // Only Xero's partner apps can move their tokens without a new consent.
        let xero = kind("xero");
        let movable: Vec<_> = xero
            .migrations
            .iter()
            .filter(|m| m.token_migration)
            .map(|m| m.from)
            .collect();
        assert_eq!(movable, ["partner"]);
        use xero::audit::AppType;
        assert_eq!(AppType::Private.retired_on(), "2021-09-30");
        assert_eq!(AppType::Public.retired_on(), "2021-03-31");
    }

    #[test]
    fn a_netsuite_profile_needs_its_account_and_takes_no_rs256() {
        use crate::oauth2::assertion::{AssertionAlg, AssertionRef};
        let ns = kind("netsuite");
        let mut p = Profile::new("id");
        p.provider = ProviderId::new("netsuite");
        let e = ns.prepare_profile("ns", &mut p).unwrap_err().to_string();
        assert!(e.contains("account id"), "{e}");
        p.account = Some("1234567-sb1".into());
        ns.prepare_profile("ns", &mut p).unwrap();
        assert_eq!(
            p.account.as_deref(),
            Some("1234567_SB1"),
            "the realm spelling is stored"
        );
        assert_eq!(
            api_base(&p).unwrap(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"
        );
        let e = (ACCOUNTS_OF_NETSUITE.endpoints)("1234567_SB1");
        assert_eq!(
            e.token_endpoint,
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
        );
        assert_eq!(
            e.authorization_endpoint,
            "https://1234567-sb1.app.netsuite.com/app/login/oauth2/authorize.nl"
        );
        p.account = Some("1234567/SB1".into());
        assert!(ns.prepare_profile("ns", &mut p).is_err());
        p.account = Some("1234567".into());
        p.assertion = Some(AssertionRef {
            key: "k.pem".into(),
            kid: "cert-id".into(),
            alg: AssertionAlg::RS256,
            x5t_s256: None,
        });
        let e = ns.prepare_profile("ns", &mut p).unwrap_err().to_string();
        assert!(e.contains("NetSuite refuses RS256"), "{e}");
        // The same key and algorithm are fine elsewhere; an account is not.
        let mut x = p.clone();
        x.provider = ProviderId::new("xero");
        let e = kind("xero")
            .prepare_profile("x", &mut x)
            .unwrap_err()
            .to_string();
        assert!(e.contains("netsuite"), "{e}");
        x.account = None;
        kind("xero").prepare_profile("x", &mut x).unwrap();
        // The profile's token endpoint wins over the provider's.
        p.token_endpoint = Some("https://127.0.0.1:9/token".into());
        let http = HttpClient::new(Default::default(), None).unwrap();
        let found = endpoints(&p, &http, Path::new("/nonexistent")).unwrap();
        assert_eq!(found.token_endpoint, "https://127.0.0.1:9/token");
        assert!(found
            .authorization_endpoint
            .starts_with("https://1234567.app.netsuite.com/"));
    }

    #[test]
    fn the_api_base_comes_from_the_profile_then_the_provider() {
        let mut p = Profile::new("id");
        assert_eq!(api_base(&p).unwrap(), "https://api.xero.com");
        p.api_base = Some("https://127.0.0.1:9/".into());
        assert_eq!(api_base(&p).unwrap(), "https://127.0.0.1:9");
    }

    #[test]
    fn a_generic_openid_profile_has_no_api_base_and_no_tenants_unless_given() {
        let mut p = Profile::new("id");
        use_issuer(&mut p, "https://login.example.com");
        let e = api_base(&p).unwrap_err().to_string();
        assert!(e.contains("https://login.example.com"), "{e}");
        assert!(!e.contains("api.xero.com"), "{e}");
        assert!(api_of(&p).unwrap().tenants.is_none());
        assert!(api_of(&p).unwrap().scopes.is_none());
        p.api_base = Some("https://api.example.com".into());
        assert_eq!(api_base(&p).unwrap(), "https://api.example.com");
        assert!(api_of(&p).unwrap().tenants.is_none());
        // Named as a stand-in for Xero's identity server, Xero's tenants and scopes apply.
        p.api = Some(ProviderId::new("xero"));
        assert_eq!(api_of(&p).unwrap().id, "xero");
        assert_eq!(api_base(&p).unwrap(), "https://api.example.com");
        p.api_base = None;
        // ... but its token still never goes to Xero's own API by default.
        assert!(api_base(&p).is_err());
    }
}
