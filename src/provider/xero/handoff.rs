//! What Xero's integrations are handed: `XERO_*` shell variables, and Oomnitza's form (its
//! Xero setup guide names the fields, the redirect URI of its OAuth proxy, and the global
//! variable that keeps the tenant id).

use crate::handoff::{Handoff, Platform};
use crate::text::shell as sh_quote;
use crate::text::term;

/// Oomnitza's OAuth proxy redirect URI, from its Xero setup guide.
pub const OOMNITZA_REDIRECT_URI: &str =
    "https://generic-oauth2-proxy.oomnitza.com/oauth2/redirect_url";
/// The global variable Oomnitza keeps the tenant id in.
pub const OOMNITZA_TENANT_VARIABLE: &str = "Xero.Tenant Id";

/// Oomnitza.
pub static OOMNITZA: Platform = Platform {
    id: "oomnitza",
    name: "Oomnitza",
    redirect_uri: OOMNITZA_REDIRECT_URI,
    render: oomnitza,
};

/// `export XERO_CLIENT_ID=...`, the secret's place, scopes, redirect URI and tenant.
pub fn env(h: &Handoff) -> String {
    let mut s = format!("export XERO_CLIENT_ID={}\n", sh_quote(&h.client_id));
    match (&h.client_secret, &h.client_secret_location) {
        (Some(v), _) => s.push_str(&format!("export XERO_CLIENT_SECRET={}\n", sh_quote(v))),
        (None, Some(l)) => s.push_str(&format!(
            "# XERO_CLIENT_SECRET: not exported; it is in {l}\n"
        )),
        (None, None) => {}
    }
    s.push_str(&format!("export XERO_SCOPES={}\n", sh_quote(&h.scopes)));
    if let Some(r) = &h.redirect_uri {
        s.push_str(&format!("export XERO_REDIRECT_URI={}\n", sh_quote(r)));
    }
    match &h.tenant_id {
        Some(t) => s.push_str(&format!("export XERO_TENANT_ID={}\n", sh_quote(t))),
        None => s.push_str(
            "# XERO_TENANT_ID: not exported; no tenant is chosen yet (oauth1to2 tenants use)\n",
        ),
    }
    s
}

fn oomnitza(h: &Handoff) -> String {
    let mut s = String::from(
        "# For Oomnitza: Configuration > Security > Credentials > Add new credential > Xero\n",
    );
    s.push_str(&format!("Client ID: {}\n", term(&h.client_id)));
    match (&h.client_secret, &h.client_secret_location) {
        (Some(v), _) => s.push_str(&format!("Client Secret: {v}\n")),
        (None, Some(l)) => s.push_str(&format!("Client Secret: (not shown; it is in {l})\n")),
        (None, None) => {}
    }
    s.push_str(&format!("Scopes: {}\n", term(&h.scopes)));
    s.push_str(&format!(
        "Redirect URI (register on the Xero app): {}\n",
        term(h.redirect_uri.as_deref().unwrap_or(OOMNITZA_REDIRECT_URI))
    ));
    s.push_str("# Configuration > General > Global Settings > Add new variable\n");
    s.push_str(&format!(
        "{OOMNITZA_TENANT_VARIABLE}: {}\n",
        term(
            h.tenant_id
                .as_deref()
                .unwrap_or("(choose a tenant first: oauth1to2 tenants use)")
        )
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handoff::{render_handoff, ExportFormat};
    use crate::oauth2::profile::{Grant, Profile, SecretRef};

    #[test]
    fn handoffs_keep_the_secret_out_unless_revealed() {
        let mut h = Handoff {
            client_id: "ABC".into(),
            client_secret_location: Some("file /x/secret".into()),
            client_secret: None,
            scopes: "openid assets.read".into(),
            redirect_uri: None,
            tenant_id: Some("70784a63-d24b-46a9-a4db-0e70a274b056".into()),
            account: None,
            certificate_id: None,
            private_key_file: None,
            ..Handoff::default()
        };
        let o = render_handoff(&h, ExportFormat::Platform(&OOMNITZA), env);
        assert!(o.contains("Xero.Tenant Id: 70784a63-d24b-46a9-a4db-0e70a274b056"));
        assert!(o.contains(OOMNITZA_REDIRECT_URI));
        h.client_secret = Some("s3cret value".into());
        let e = render_handoff(&h, ExportFormat::Env, env);
        assert!(e.contains("export XERO_CLIENT_SECRET='s3cret value'"));
        assert!(e.contains("export XERO_SCOPES='openid assets.read'"));
        // Debug output never shows it.
        let d = format!("{h:?}");
        assert!(!d.contains("s3cret"), "{d}");
        assert!(d.contains("[REDACTED]") && d.contains("ABC"), "{d}");
    }

    #[test]
    fn a_profiles_handoff_names_where_the_secret_is_and_its_redirect() {
        let mut p = Profile::new("ABC");
        p.client_secret = Some(SecretRef::Env("XERO_SECRET".into()));
        p.scopes = vec!["offline_access".into(), "accounting.invoices".into()];
        let h = Handoff::of_profile(&p, ExportFormat::Env, None);
        assert_eq!(h.client_secret, None);
        assert_eq!(
            h.client_secret_location.as_deref(),
            Some("environment variable XERO_SECRET")
        );
        assert_eq!(h.scopes, "offline_access accounting.invoices");
        assert_eq!(
            h.redirect_uri.as_deref(),
            Some("http://localhost:8742/callback")
        );
        let o = Handoff::of_profile(&p, ExportFormat::Platform(&OOMNITZA), None);
        assert_eq!(o.redirect_uri.as_deref(), Some(OOMNITZA_REDIRECT_URI));
        p.grant = Grant::ClientCredentials;
        assert_eq!(
            Handoff::of_profile(&p, ExportFormat::Env, None).redirect_uri,
            None
        );
    }
}
