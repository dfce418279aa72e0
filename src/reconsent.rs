//! Moving a connected profile to new scopes (Xero's move to granular scopes). A refresh never
//! changes scopes, so each move is a new consent:
//! - [`check_grant`]: the profile's granted scopes against the deprecated broad ones and,
//!   given evidence, against what the calls need (`scopes check`);
//! - [`link`]: the authorize link with the new scopes for an organisation's admin, completed by
//!   the app's own front-end at its registered redirect URI; no token passes through us
//!   (`scopes link`);
//! - [`upgrade`]: the consultant's own connection, re-consented with the new scopes, checked
//!   (every requested scope granted, a read call per new scope family), and only then switched
//!   in, atomically and under the store's lock (`scopes upgrade`). Until the switch the old
//!   grant is untouched; during it, a 0600 copy of the old tokens stays beside them.

use serde::Serialize;
use std::time::Duration;

use crate::audit::scope_check::{self, ScopeCheck, IDENTITY};
use crate::audit::scopes::{self, ApiCall, CatalogueError, ScopeCatalogue};
use crate::connect::{format_time, BrowserOptions};
use crate::interact::{Interaction, Progress};
use crate::oauth2::http::{HttpClient, Timeouts};
use crate::oauth2::profile::{Config, Grant, Paths, Profile};
use crate::oauth2::store::{ScopesFrom, TokenSet, TokenStore};
use crate::oauth2::{flow, Oauth2Error};
use crate::session::Session;

/// Why a check, a link or an upgrade stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReconsentError {
    /// The OAuth 2.0 side failed (no tokens, the consent, the token endpoint).
    #[error(transparent)]
    OAuth(#[from] Oauth2Error),
    /// The built-in scope catalogue cannot be read.
    #[error(transparent)]
    Catalogue(#[from] &'static CatalogueError),
    /// The provider has no scope catalogue to check against.
    #[error("oauth1to2 has no scope catalogue for {0}")]
    NoCatalogue(&'static str),
    /// No scopes to move to.
    #[error("no scopes to move to")]
    NoScopes,
    /// The new grant lacks scopes that were asked for; the old grant is still in place.
    #[error("the provider did not grant {}; the old grant is still in place", refused.join(" "))]
    Refused {
        /// The scopes asked for and not granted.
        refused: Vec<String>,
        /// What it granted.
        granted: Vec<String>,
    },
    /// Asked without a scope parameter, the provider did not say what it granted and no read
    /// call could check it; the old grant is still in place.
    #[error("the provider did not say what it granted to a request without scopes, and no read call could check {}; the old grant is still in place", requested.join(" "))]
    Unconfirmed {
        /// The scopes wanted.
        requested: Vec<String>,
    },
    /// A read call with the new grant was refused; the old grant is still in place.
    #[error(
        "the new grant could not make {call} (HTTP {status}); the old grant is still in place"
    )]
    Verify {
        /// The call.
        call: String,
        /// The answer's status.
        status: u16,
    },
}

impl ReconsentError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            ReconsentError::OAuth(e) => e.hint(),
            ReconsentError::Catalogue(e) => e.hint(),
            ReconsentError::NoCatalogue(_) => "name the scopes to move to yourself".into(),
            ReconsentError::NoScopes => "name the scopes, or give evidence of the app's calls".into(),
            ReconsentError::Refused { .. } => "allow those scopes for the app in the provider's developer portal (or leave them out), then run the upgrade again".into(),
            ReconsentError::Unconfirmed { .. } => "set the scopes in the developer portal, choose a tenant the read calls can use, then run the upgrade again".into(),
            ReconsentError::Verify { .. } => "the new scopes do not reach what the integration calls: check them against the provider's scope pages, then run the upgrade again".into(),
        }
    }
}

/// A profile's check.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileCheck {
    /// The profile.
    pub profile: String,
    /// Where the granted scopes came from: the provider (`response`, `previous`), or
    /// `as-requested` when it never said and the profile's request stands in.
    pub granted_from: ScopesFrom,
    /// When the consent that produced the grant happened (RFC 3339), if known.
    pub consented_at: Option<String>,
    /// The check.
    #[serde(flatten)]
    pub check: ScopeCheck,
}

fn tokens_of(name: &str, profile: &Profile, paths: &Paths) -> Result<TokenSet, Oauth2Error> {
    TokenStore::with_backend(&paths.tokens_dir, name, profile.token_store)
        .load()?
        .ok_or_else(|| Oauth2Error::NotConnected {
            profile: name.to_owned(),
        })
}

/// Checks the session's granted scopes (see [`scope_check::check`]).
pub fn check_grant(
    session: &Session,
    calls: Option<&[ApiCall]>,
    app_created: Option<time::Date>,
    today: time::Date,
) -> Result<ProfileCheck, ReconsentError> {
    let (name, profile, paths) = (&session.name, &session.profile, &session.paths);
    let p = session.api;
    let Some(catalogue) = p.scopes else {
        return Err(ReconsentError::NoCatalogue(p.name));
    };
    let t = tokens_of(name, profile, paths)?;
    // Tokens stored by an older version may carry the JWT access token's own claim
    // (`access-token`); that claim is never trusted, so they count as what was requested.
    let (granted, from) = if t.scopes.is_empty() || t.scopes_from == Some(ScopesFrom::AccessToken) {
        (profile.scopes.clone(), ScopesFrom::AsRequested)
    } else {
        (
            t.scopes.clone(),
            t.scopes_from.unwrap_or(ScopesFrom::Response),
        )
    };
    let check = scope_check::check(&scope_check::CheckInput {
        catalogue,
        granted: &granted,
        calls,
        app_created,
        today,
    })?;
    Ok(ProfileCheck {
        profile: name.to_owned(),
        granted_from: from,
        consented_at: t.consented_at.map(format_time),
        check,
    })
}

/// Checks a list of scopes given by hand (a vendor's published list, an app's page in the
/// developer portal) with no profile and no tokens: offline. `granted_from` is `given`.
pub fn check_granted(
    catalogue: &'static ScopeCatalogue,
    granted: &[String],
    calls: Option<&[ApiCall]>,
    app_created: Option<time::Date>,
    today: time::Date,
) -> Result<ProfileCheck, ReconsentError> {
    let check = scope_check::check(&scope_check::CheckInput {
        catalogue,
        granted,
        calls,
        app_created,
        today,
    })?;
    Ok(ProfileCheck {
        profile: "(given)".into(),
        granted_from: ScopesFrom::Given,
        consented_at: None,
        check,
    })
}

/// The scope set to move to: `to` when given (with the identity scopes the profile has, which
/// are kept as they were), else the check's target.
pub fn target_scopes(
    profile: &Profile,
    to: Option<&[String]>,
    check: Option<&ScopeCheck>,
) -> Vec<String> {
    let Some(to) = to else {
        return check.map(|c| c.target.clone()).unwrap_or_default();
    };
    let mut out: Vec<String> = Vec::new();
    let granted = check.map(|c| c.granted.as_slice()).unwrap_or_default();
    for s in profile.scopes.iter().chain(granted) {
        if IDENTITY.contains(&s.as_str()) && !out.contains(s) {
            out.push(s.clone());
        }
    }
    for s in to {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// The scope set to move profile `name` to: `to` when given without evidence (the profile's
/// tokens are not needed then), else the check's target with the evidence's calls (`to`, when
/// given too, still wins; the identity scopes are kept either way).
pub fn plan_target(
    session: &Session,
    to: Option<&[String]>,
    calls: Option<&[ApiCall]>,
    today: time::Date,
) -> Result<Vec<String>, ReconsentError> {
    let profile = &session.profile;
    let check = if to.is_some() && calls.is_none() {
        None
    } else {
        Some(check_grant(session, calls, None, today)?.check)
    };
    Ok(target_scopes(profile, to, check.as_ref()))
}

/// The steps to set a machine-to-machine app's scopes in the provider's portal (a Custom
/// Connection's scopes are chosen there, not in the token request).
pub fn portal_steps(profile: &Profile, scopes: &[String]) -> Vec<String> {
    let api_scopes: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !IDENTITY.contains(s))
        .collect();
    crate::provider::of_profile(profile)
        .map(|p| p.m2m_scope_steps)
        .unwrap_or(&[])
        .iter()
        .map(|s| {
            s.replace("{client_id}", &profile.client_id)
                .replace("{scopes}", &api_scopes.join(" "))
        })
        .collect()
}

/// An authorize link.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// The URL to send.
    pub url: String,
    /// The `state` in it, for the app's front-end if it checks one.
    pub state: String,
    /// The scopes it asks for.
    pub scopes: Vec<String>,
    /// The redirect URI it names.
    pub redirect_uri: String,
}

/// The authorize link for `profile`'s app with `scopes`, at the app's `redirect_uri`.
pub fn link(
    profile: &Profile,
    paths: &Paths,
    redirect_uri: &str,
    scopes: &[String],
) -> Result<Link, ReconsentError> {
    if scopes.is_empty() {
        return Err(ReconsentError::NoScopes);
    }
    crate::oauth2::http::require_secure("the redirect URI", redirect_uri)?;
    let http = HttpClient::new(Timeouts::default(), profile.ca_file.as_deref())?;
    let endpoints = crate::provider::endpoints(profile, &http, &paths.cache_dir)?;
    let (url, state) = flow::authorization_link(profile, &endpoints, redirect_uri, scopes)?;
    Ok(Link {
        url,
        state,
        scopes: scopes.to_vec(),
        redirect_uri: redirect_uri.to_owned(),
    })
}

/// One read call made with the new grant.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    /// The new scope it stands for.
    pub scope: String,
    /// The call.
    pub call: String,
    /// Its status.
    pub status: u16,
}

/// What an upgrade did.
#[derive(Debug, Clone, Serialize)]
pub struct Upgraded {
    /// The profile.
    pub profile: String,
    /// The scopes granted before.
    pub from: Vec<String>,
    /// The scopes asked for.
    pub requested: Vec<String>,
    /// The scopes granted now.
    pub granted: Vec<String>,
    /// Whether the provider said what it granted (if not, the request stands in).
    pub granted_known: bool,
    /// The read calls made with the new grant before the switch.
    pub verified: Vec<Verified>,
    /// Scope families no read call could check (no tenant, no readable resource).
    pub unverified: Vec<String>,
}

/// A read call that a granted scope allows: the first catalogue row it covers that can be read
/// on its own (not `*`, not attachments).
fn read_call_for(
    cat: &'static ScopeCatalogue,
    scope: &str,
) -> Result<Option<String>, &'static CatalogueError> {
    let base = scope.strip_suffix(".read").unwrap_or(scope);
    Ok(scopes::catalogue(cat)?
        .iter()
        .filter(|r| r.resource != "*" && r.resource != "Attachments")
        .find(|r| {
            r.granular_known
                && [&r.granular, &r.granular_read]
                    .iter()
                    .any(|g| g.as_deref() == Some(scope) || g.as_deref() == Some(base))
        })
        .map(|r| format!("{}/{}", r.prefix, r.resource)))
}

/// Whether the new grant holds every scope in `requested`, and whether that is known. Only the
/// token response decides: a JWT access token's `scope` claim is for showing, never for
/// deciding. A response without `scope` to a request with scopes means exactly those were
/// granted (RFC 6749 section 5.1), and `tokens` says so; to a request without any it says
/// nothing (`Ok(false)`: only read calls can check).
fn granted_check(
    tokens: &mut TokenSet,
    requested: &[String],
    asked_without_scopes: bool,
) -> Result<bool, ReconsentError> {
    let said = tokens.scopes_from == Some(ScopesFrom::Response);
    if !said {
        if asked_without_scopes {
            return Ok(false);
        }
        tokens.scopes = requested.to_vec();
        tokens.scopes_from = Some(ScopesFrom::AsRequested);
    }
    let refused: Vec<String> = requested
        .iter()
        .filter(|s| !tokens.scopes.contains(s))
        .cloned()
        .collect();
    if refused.is_empty() {
        Ok(true)
    } else {
        Err(ReconsentError::Refused {
            refused,
            granted: tokens.scopes.clone(),
        })
    }
}

/// A test-only fault hook (debug builds): with `OAUTH1TO2_TEST_PAUSE_BEFORE_SWITCH=FILE`, write
/// FILE once the new grant is checked and wait to be killed, before anything is switched.
#[cfg(debug_assertions)]
fn test_pause() {
    if let Ok(file) = std::env::var("OAUTH1TO2_TEST_PAUSE_BEFORE_SWITCH") {
        let _ = std::fs::write(file, "checked");
        std::thread::sleep(Duration::from_secs(120));
    }
}

#[cfg(not(debug_assertions))]
fn test_pause() {}

/// Re-consents profile `name` with `scopes` and switches it to the new grant once checked.
/// For a Custom Connection (client credentials) the portal decides the scopes: the caller shows
/// its steps first; here a token is requested with the scopes and, if refused, without any.
pub fn upgrade(
    session: &Session,
    scopes: &[String],
    browser: &BrowserOptions,
    ui: &dyn Interaction,
) -> Result<Upgraded, ReconsentError> {
    if scopes.is_empty() {
        return Err(ReconsentError::NoScopes);
    }
    let (name, profile, paths) = (&session.name, &session.profile, &session.paths);
    let (provider, catalogue) = (session.provider, session.api.scopes);
    let store = TokenStore::with_backend(&paths.tokens_dir, name, profile.token_store);
    let old = tokens_of(name, profile, paths)?;
    let mut next = profile.clone();
    next.scopes = scopes.to_vec();

    // 1. The new grant, nothing saved.
    let mut asked_without_scopes = false;
    let tokens = match crate::connect::obtain(name, &next, browser, paths, ui) {
        Err(Oauth2Error::OAuth { ref error, .. })
            if next.grant == Grant::ClientCredentials
                && matches!(error.as_str(), "invalid_scope" | "unauthorized_client") =>
        {
            // Newer Custom Connections may refuse a scope parameter and grant what the portal set.
            ui.progress(&Progress::Line(
                "the token endpoint refused the scope parameter; asking again without one (the portal's scopes apply)",
            ));
            let mut bare = next.clone();
            bare.scopes.clear();
            asked_without_scopes = true;
            crate::connect::obtain(name, &bare, browser, paths, ui)
                .map_err(|e| provider.explain(e))?
                .0
        }
        other => other.map_err(|e| provider.explain(e))?.0,
    };

    // 2. Every requested scope granted.
    let mut tokens = tokens;
    let granted_known = granted_check(&mut tokens, scopes, asked_without_scopes)?;
    if !granted_known {
        ui.progress(&Progress::Line(
            "the provider did not say which scopes it granted; the read calls below are the only check",
        ));
    }

    // 3. A read call per new scope family, with the new token.
    let before: Vec<String> = if old.scopes.is_empty() {
        profile.scopes.clone()
    } else {
        old.scopes.clone()
    };
    let mut verified = Vec::new();
    let mut unverified = Vec::new();
    let http = HttpClient::new(Timeouts::default(), profile.ca_file.as_deref())?;
    for s in scopes
        .iter()
        .filter(|s| !before.contains(s) && !IDENTITY.contains(&s.as_str()))
    {
        let read_call = match catalogue {
            Some(c) => read_call_for(c, s)?,
            None => None,
        };
        let call = match (read_call, profile.tenant_id.as_deref()) {
            (Some(path), Some(_)) => path,
            _ => {
                unverified.push(s.clone());
                continue;
            }
        };
        let answer = crate::api::call(
            &http,
            &crate::provider::api_base(profile)?,
            &tokens.access_token,
            crate::provider::tenant_header(profile)?,
            &crate::api::ApiRequest {
                method: "GET",
                path: &call,
                body: None,
                tenant_id: profile.tenant_id.as_deref(),
                max_wait: Duration::from_secs(60),
            },
        )
        .map_err(|e| e.redacted(&[&tokens.access_token]))?;
        let status = answer.response.status;
        let call = format!("GET {call}");
        if matches!(status, 401 | 403) {
            return Err(ReconsentError::Verify { call, status });
        }
        ui.progress(&Progress::Line(&format!("{s}: {call} answered {status}")));
        verified.push(Verified {
            scope: s.clone(),
            call,
            status,
        });
    }
    if !granted_known && verified.is_empty() {
        return Err(ReconsentError::Unconfirmed {
            requested: scopes.to_vec(),
        });
    }
    test_pause();

    // 4. The switch: a copy of the old tokens, the new ones under the lock, the profile, and
    // the copy removed. A crash leaves the old grant or the new one, and the copy says which
    // grant was there before.
    let backup = paths.tokens_dir.join(format!("{name}.previous.json"));
    if profile.token_store == crate::oauth2::store::Backend::File {
        let mut bytes = zeroize::Zeroizing::new(serde_json::to_vec_pretty(&old).map_err(|e| {
            Oauth2Error::Io {
                path: backup.clone(),
                message: e.to_string(),
            }
        })?);
        bytes.push(b'\n');
        crate::files::write_atomic(&backup, &bytes, crate::files::Visibility::Private, true)
            .map_err(|e| Oauth2Error::Io {
                path: backup.clone(),
                message: e.to_string(),
            })?;
    }
    store.replace(&tokens)?;
    Config::update(&paths.config_file, |config| {
        config.profiles.insert(name.to_owned(), next);
        Ok(())
    })?;
    let _ = std::fs::remove_file(&backup);
    Ok(Upgraded {
        profile: name.to_owned(),
        from: before,
        requested: scopes.to_vec(),
        granted: if granted_known {
            tokens.scopes.clone()
        } else {
            scopes.to_vec()
        },
        granted_known,
        verified,
        unverified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_custom_connections_portal_steps_name_its_client_and_the_api_scopes() {
        let mut p = Profile::new("CC-CLIENT-1");
        p.grant = Grant::ClientCredentials;
        let steps = portal_steps(&p, &["offline_access".into(), "accounting.invoices".into()]);
        assert_eq!(steps.len(), 3);
        assert!(steps[0].contains("CC-CLIENT-1"), "{steps:?}");
        assert!(
            steps[1].contains("select exactly: accounting.invoices;"),
            "{steps:?}"
        );
        // A generic OpenID provider has no portal steps to give.
        crate::provider::use_issuer(&mut p, "https://id.example.com");
        assert!(portal_steps(&p, &["a".into()]).is_empty());
    }

    #[test]
    fn each_new_scope_family_has_a_read_call_from_the_catalogue() {
        for (scope, call) in [
            ("accounting.invoices", "/api.xro/2.0/Invoices"),
            ("accounting.invoices.read", "/api.xro/2.0/Invoices"),
            ("accounting.contacts.read", "/api.xro/2.0/Contacts"),
            ("accounting.payments", "/api.xro/2.0/Payments"),
            (
                "accounting.reports.balancesheet.read",
                "/api.xro/2.0/Reports/BalanceSheet",
            ),
            ("payroll.employees", "/payroll.xro/1.0/Employees"),
        ] {
            assert_eq!(
                read_call_for(&crate::provider::xero::SCOPES, scope)
                    .unwrap()
                    .as_deref(),
                Some(call),
                "{scope}"
            );
        }
        // files and assets are `*` rows: nothing to read on its own.
        assert_eq!(
            read_call_for(&crate::provider::xero::SCOPES, "files").unwrap(),
            None
        );
        assert_eq!(
            read_call_for(&crate::provider::xero::SCOPES, "no.such.scope").unwrap(),
            None
        );
    }

    fn tokens(scopes: &[&str], from: ScopesFrom) -> TokenSet {
        TokenSet {
            token_type: "Bearer".into(),
            access_token: "a".into(),
            refresh_token: None,
            expires_at: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            scopes_from: Some(from),
            consented_at: None,
            id_token: None,
            obtained_at: 0,
            refresh_started_at: None,
            expiry_assumed: false,
        }
    }

    #[test]
    fn the_new_grant_must_hold_every_requested_scope() {
        let want: Vec<String> = vec!["a".into(), "b".into()];
        // Said, and complete.
        let mut t = tokens(&["a", "b", "c"], ScopesFrom::Response);
        assert!(granted_check(&mut t, &want, false).unwrap());
        // Said, and one left out: refused, naming it.
        let mut t = tokens(&["a"], ScopesFrom::Response);
        match granted_check(&mut t, &want, false) {
            Err(ReconsentError::Refused { refused, .. }) => assert_eq!(refused, ["b"]),
            other => panic!("{other:?}"),
        }
        // Not said, to a request with scopes: exactly those (RFC 6749 5.1).
        let mut t = tokens(&[], ScopesFrom::Unknown);
        assert!(granted_check(&mut t, &want, false).unwrap());
        assert_eq!(t.scopes, want);
        assert_eq!(t.scopes_from, Some(ScopesFrom::AsRequested));
        // Not said, to a request without scopes: unknown.
        let mut t = tokens(&[], ScopesFrom::Unknown);
        assert!(!granted_check(&mut t, &want, true).unwrap());
        assert!(t.scopes.is_empty());
        // A JWT access token's claim decides nothing: a claim of everything, to a request
        // without scopes, is still unknown.
        let mut t = tokens(&["a", "b"], ScopesFrom::AccessToken);
        assert!(!granted_check(&mut t, &want, true).unwrap());
    }

    #[test]
    fn the_target_keeps_the_identity_scopes_and_adds_the_named_ones() {
        let mut p = Profile::new("x");
        p.scopes = vec![
            "openid".into(),
            "offline_access".into(),
            "accounting.transactions".into(),
        ];
        let to = vec!["accounting.invoices".to_owned(), "openid".to_owned()];
        assert_eq!(
            target_scopes(&p, Some(&to), None),
            ["openid", "offline_access", "accounting.invoices"]
        );
        assert!(target_scopes(&p, None, None).is_empty());
    }
}
