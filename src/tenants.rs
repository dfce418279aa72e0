//! Tenants: the organisations a profile's token may act for, as its provider's tenant model
//! lists them ([`crate::provider::TenantModel`]), and the one the profile sends on API calls.
//! `tenants list|use|disconnect` and the migration's tenant step use these.

use crate::interact::Interaction;
use crate::oauth2::profile::Config;
use crate::oauth2::Oauth2Error;
use crate::provider::{self, TenantModel};
use crate::session::Session;
use serde::{Deserialize, Serialize};

/// One tenant: an organisation a token may act for, in the shape the provider lists it
/// (ids, type, name, dates; Xero's connections are the model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// The connection id, by which the app's access to it is removed.
    pub id: String,
    /// The auth event that created it.
    #[serde(default)]
    pub auth_event_id: Option<String>,
    /// The tenant id (the value of the provider's tenant header).
    pub tenant_id: String,
    /// `ORGANISATION` or `PRACTICE`.
    #[serde(default)]
    pub tenant_type: Option<String>,
    /// The organisation's name.
    #[serde(default)]
    pub tenant_name: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub created_date_utc: Option<String>,
    /// When it was last updated.
    #[serde(default)]
    pub updated_date_utc: Option<String>,
}

/// Why a tenant could not be listed, picked or removed.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// The OAuth 2.0 side or the API failed.
    #[error(transparent)]
    OAuth(#[from] Oauth2Error),
    /// The profile's provider has no tenants.
    #[error("{0} has no tenants: a token there is for one account")]
    NoTenants(&'static str),
    /// Nothing matched.
    #[error("no connected organisation matches {0:?}")]
    NoMatch(String),
    /// Several organisations have that name.
    #[error("{count} organisations are named {key:?}")]
    Several {
        /// The name given.
        key: String,
        /// How many have it.
        count: usize,
    },
    /// The person did not confirm.
    #[error("not disconnected: {0}")]
    NotConfirmed(String),
}

impl TenantError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            TenantError::OAuth(e) => e.hint(),
            TenantError::NoTenants(_) => "call the API without a tenant".into(),
            TenantError::NoMatch(_) => "see `oauth1to2 tenants list` for the names and ids".into(),
            TenantError::Several { .. } => {
                "use the tenant id instead (see `oauth1to2 tenants list`)".into()
            }
            TenantError::NotConfirmed(_) => "confirm it when asked".into(),
        }
    }
}

/// A profile's tenants, listed with a fresh token.
pub struct Tenants<'a> {
    session: &'a Session,
    model: &'static TenantModel,
    access_token: String,
    /// What the provider listed.
    pub list: Vec<Tenant>,
}

impl<'a> Tenants<'a> {
    /// Lists the session's tenants (refreshing its token under the lock if needed).
    pub fn fetch(session: &'a Session, ui: &dyn Interaction) -> Result<Tenants<'a>, TenantError> {
        let p = session.api;
        let model = p.tenants.as_ref().ok_or(TenantError::NoTenants(p.name))?;
        let api_base = provider::api_base(&session.profile)?;
        let t = session.fresh_tokens(60, false, ui)?;
        let list = (model.list)(&session.http, &api_base, &t.access_token)?;
        Ok(Tenants {
            session,
            model,
            access_token: t.access_token.expose().to_owned(),
            list,
        })
    }

    /// The tenants whose id, connection id or name (case-insensitive) is `key`.
    pub fn find(&self, key: &str) -> Vec<&Tenant> {
        (self.model.find)(&self.list, key)
    }

    /// The one tenant `key` names.
    pub fn pick(&self, key: &str) -> Result<&Tenant, TenantError> {
        match self.find(key).as_slice() {
            [one] => Ok(one),
            [] => Err(TenantError::NoMatch(key.to_owned())),
            many => Err(TenantError::Several {
                key: key.to_owned(),
                count: many.len(),
            }),
        }
    }

    /// Makes `tenant` the one the profile sends on API calls, and saves the profile.
    pub fn use_tenant(&self, tenant: &Tenant) -> Result<(), TenantError> {
        Config::update(&self.session.paths.config_file, |config| {
            // The profile as it is now, with the tenant chosen.
            let mut p = config.get(&self.session.name)?.clone();
            p.tenant_id = Some(tenant.tenant_id.clone());
            config.profiles.insert(self.session.name.clone(), p);
            Ok(())
        })?;
        Ok(())
    }

    /// Removes the app's connection to the tenant `key` names, after the person confirms
    /// (`assume_yes` skips the question). Returns the tenant and whether the provider still
    /// knew the connection. A profile that used it stops using it.
    pub fn disconnect(
        &self,
        key: &str,
        assume_yes: bool,
        ui: &dyn Interaction,
    ) -> Result<(Tenant, bool), TenantError> {
        let t = self.pick(key)?.clone();
        let label = format!(
            "{} (tenant {}, connection {})",
            t.tenant_name.as_deref().unwrap_or("unnamed"),
            t.tenant_id,
            t.id
        );
        if !assume_yes && !ui.confirm(&format!("Disconnect {label} from this app? The app loses access until someone connects it again.")) {
            return Err(TenantError::NotConfirmed(label));
        }
        let existed = (self.model.remove)(
            &self.session.http,
            &provider::api_base(&self.session.profile)?,
            &self.access_token,
            &t.id,
        )?;
        if self.session.profile.tenant_id.as_deref() == Some(t.tenant_id.as_str()) {
            Config::update(&self.session.paths.config_file, |config| {
                let mut p = config.get(&self.session.name)?.clone();
                p.tenant_id = None;
                config.profiles.insert(self.session.name.clone(), p);
                Ok(())
            })?;
        }
        Ok((t, existed))
    }
}
