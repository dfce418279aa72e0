//! The handoff: what a deployment or a third-party platform needs to use a profile (its client
//! id, where its secret is, scopes, tenant, redirect URI, the assertion's key), and the formats
//! it is written in: shell variables named by the provider, JSON, or a platform's own form.

use serde::Serialize;

use crate::oauth2::profile::Profile;

/// What a third-party platform or a deployment needs: no secret unless `client_secret` is set.
/// Its `Debug` hides the secret.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
pub struct Handoff {
    /// The app's client id.
    pub client_id: String,
    /// Where the secret is (its description), when not revealed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_location: Option<String>,
    /// The secret itself, only with an explicit reveal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Scopes, space-separated.
    pub scopes: String,
    /// The redirect URI registered on the app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// The tenant (organisation) id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// The account, where the provider's endpoints are per account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// A client assertion's key id (the id the provider gave its certificate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    /// A client assertion's private key file (its path, never the key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key_file: Option<String>,
    /// The user a JWT bearer grant acts for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The login URL, for a provider with several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
    /// Where the profile's API calls go, when the profile (or its token answer) says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_base: Option<String>,
}

impl std::fmt::Debug for Handoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handoff")
            .field("client_id", &self.client_id)
            .field("client_secret_location", &self.client_secret_location)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("scopes", &self.scopes)
            .field("redirect_uri", &self.redirect_uri)
            .field("tenant_id", &self.tenant_id)
            .field("account", &self.account)
            .field("certificate_id", &self.certificate_id)
            .field("private_key_file", &self.private_key_file)
            .finish()
    }
}

impl Handoff {
    /// What profile `p` hands over: its client id, where its secret is (never the secret),
    /// scopes and tenant, and the redirect URI: `redirect_uri` when given, else a platform's
    /// own for its format, else the profile's (none for client credentials, which has no
    /// browser).
    pub fn of_profile(p: &Profile, format: ExportFormat, redirect_uri: Option<String>) -> Handoff {
        let redirect_uri = redirect_uri.or_else(|| match format {
            ExportFormat::Platform(platform) => Some(platform.redirect_uri.to_owned()),
            _ => p
                .grant
                .uses_browser()
                .then(|| p.redirect_uri(p.redirect_port)),
        });
        Handoff {
            client_id: p.client_id.clone(),
            client_secret_location: p.client_secret.as_ref().map(|r| r.describe()),
            client_secret: None,
            scopes: p.scopes.join(" "),
            redirect_uri,
            tenant_id: p.tenant_id.clone(),
            account: p.account.clone(),
            certificate_id: p
                .assertion
                .as_ref()
                .map(|a| a.kid.clone())
                .filter(|k| !k.is_empty()),
            private_key_file: p.assertion.as_ref().map(|a| a.key.display().to_string()),
            username: p.username.clone(),
            // The provider's default, when the profile names none, is the caller's to add
            // (this layer names no provider).
            login_url: p.login_url.clone(),
            api_base: p.api_base.clone(),
        }
    }
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `export NAME=...` lines, named by the provider ([`crate::provider::Provider::handoff_env`]).
    Env,
    /// One JSON object.
    Json,
    /// A third-party platform's own form (the provider lists the platforms it knows).
    Platform(&'static Platform),
}

/// A third-party platform that runs a provider's OAuth flow itself and takes the handoff in
/// its own form.
#[derive(Debug)]
pub struct Platform {
    /// Its name for `--format` (`oomnitza`).
    pub id: &'static str,
    /// Its name, as people write it; an inventory's `[target] platform` names it.
    pub name: &'static str,
    /// Its OAuth redirect URI, to register on the provider's app.
    pub redirect_uri: &'static str,
    /// The handoff in its form.
    pub render: fn(&Handoff) -> String,
}

impl PartialEq for Platform {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Platform {}

/// Renders a handoff: JSON, or the form the format names (`env_of` writes the provider's
/// shell variables).
pub fn render_handoff(h: &Handoff, format: ExportFormat, env_of: fn(&Handoff) -> String) -> String {
    match format {
        ExportFormat::Json => {
            let mut s = serde_json::to_string_pretty(h).unwrap_or_default();
            s.push('\n');
            s
        }
        ExportFormat::Env => env_of(h),
        ExportFormat::Platform(p) => (p.render)(h),
    }
}

/// Shell variables for a handoff: `export {PREFIX}_CLIENT_ID=...` and the others it has, the
/// secret's place as a comment (the secret only when revealed). For a provider that names no
/// variables of its own.
pub fn generic_env(h: &Handoff) -> String {
    env_with_prefix(h, "OAUTH2")
}

/// [`generic_env`] with the provider's prefix.
pub fn env_with_prefix(h: &Handoff, prefix: &str) -> String {
    use crate::text::shell;
    let mut s = format!("export {prefix}_CLIENT_ID={}\n", shell(&h.client_id));
    match (&h.client_secret, &h.client_secret_location) {
        (Some(v), _) => s.push_str(&format!("export {prefix}_CLIENT_SECRET={}\n", shell(v))),
        (None, Some(l)) => s.push_str(&format!(
            "# {prefix}_CLIENT_SECRET: not exported; it is in {l}\n"
        )),
        (None, None) => {}
    }
    for (name, value) in [
        ("SCOPES", Some(h.scopes.as_str())),
        ("REDIRECT_URI", h.redirect_uri.as_deref()),
        ("TENANT_ID", h.tenant_id.as_deref()),
        ("ACCOUNT_ID", h.account.as_deref()),
        ("CERTIFICATE_ID", h.certificate_id.as_deref()),
        ("PRIVATE_KEY_FILE", h.private_key_file.as_deref()),
    ] {
        if let Some(v) = value {
            s.push_str(&format!("export {prefix}_{name}={}\n", shell(v)));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_variables_carry_what_the_handoff_has_and_never_an_unrevealed_secret() {
        let h = Handoff {
            client_id: "ABC".into(),
            client_secret_location: Some("file /x/secret".into()),
            client_secret: None,
            scopes: "openid api.read".into(),
            redirect_uri: Some("http://localhost:8742/callback".into()),
            tenant_id: None,
            account: None,
            certificate_id: Some("kid-1".into()),
            private_key_file: Some("/k/key pem".into()),
            ..Handoff::default()
        };
        let e = generic_env(&h);
        assert!(e.starts_with("export OAUTH2_CLIENT_ID=ABC\n"), "{e}");
        assert!(
            e.contains("# OAUTH2_CLIENT_SECRET: not exported; it is in file /x/secret\n"),
            "{e}"
        );
        assert!(
            e.contains("export OAUTH2_SCOPES='openid api.read'\n"),
            "{e}"
        );
        assert!(e.contains("export OAUTH2_CERTIFICATE_ID=kid-1\n"), "{e}");
        assert!(
            e.contains("export OAUTH2_PRIVATE_KEY_FILE='/k/key pem'\n"),
            "{e}"
        );
        assert!(!e.contains("TENANT_ID") && !e.contains("ACCOUNT_ID"), "{e}");
    }
}
