//! The legacy side of the provider contract: what a provider's inventories may say, how one
//! integration is audited, and how `migrate` moves it. `audit` and `migrate` walk these, and
//! never ask which provider they are looking at.

use crate::audit::inventory::{InventoryError, LegacyIntegration};
use crate::audit::model::{AuditOptions, IntegrationAudit, Recommendation};
use crate::oauth2::profile::Grant;

/// What a provider's legacy integrations are, and how each is audited and moved.
#[derive(Debug)]
pub struct Legacy {
    /// The app types its inventories may name (`app_type = "private"`).
    pub app_types: &'static [AppType],
    /// The targets its inventories may name (`[target] kind = "web"`).
    pub targets: &'static [Target],
    /// Its checks of an inventory beyond the shape every inventory has (an account's
    /// spelling, a signature method).
    pub check: fn(&LegacyIntegration) -> Result<(), FieldProblem>,
    /// Audits one integration.
    pub audit: fn(&LegacyIntegration, &AuditOptions) -> Result<IntegrationAudit, InventoryError>,
    /// The target it recommends, and why (the inventory's choice wins, with a note).
    pub recommend: fn(&LegacyIntegration) -> Recommendation,
    /// How `migrate` moves an integration; `None` when it does not.
    pub migration: Option<&'static MigrationPlan>,
    /// What `init` asks a person about one of its integrations, after the name and app type.
    pub questions: &'static [Question],
    /// How `init` asks for the calls an integration makes (empty: its audit reads no calls).
    pub calls_question: &'static str,
}

/// A field of an inventory that `init` can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The organisation it connects to.
    Organisation,
    /// The organisation's country.
    Region,
    /// The account, where the endpoints are per account.
    Account,
    /// The token id of the token it signs with.
    TokenId,
    /// The certificate's path.
    Certificate,
    /// The login URL, for a provider with several login hosts.
    LoginUrl,
    /// The API user it logs in as.
    Username,
    /// The API version of a SOAP client.
    ApiVersion,
}

/// One question `init` asks.
#[derive(Debug)]
pub struct Question {
    /// What it fills in.
    pub field: Field,
    /// The question.
    pub ask: &'static str,
    /// Whether it must be answered.
    pub required: bool,
}

/// One app type.
#[derive(Debug)]
pub struct AppType {
    /// Its name in inventories.
    pub id: &'static str,
    /// Whether it is an OAuth 2.0 app already (its move is to other scopes, not off OAuth 1.0).
    pub oauth2: bool,
}

/// One target: an OAuth 2.0 app type an integration moves to.
#[derive(Debug)]
pub struct Target {
    /// Its name in inventories and audits.
    pub id: &'static str,
    /// The grant its profile uses.
    pub grant: Grant,
    /// How the new app proves who it is.
    pub credential: Credential,
    /// A third-party platform runs the flow: the redirect URI and extra scopes are the
    /// platform's (the inventory's `[target]`).
    pub platform: bool,
}

/// How a new app proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A client secret (or none, where the grant needs none: PKCE).
    Secret,
    /// A signed JWT assertion with a key whose certificate the provider holds
    /// ([`MigrationPlan::certificate`] says how it is made).
    CertificateAssertion,
}

/// A field of an inventory that the provider refuses.
#[derive(Debug)]
pub struct FieldProblem {
    /// The field (its line is found in the file).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// How `migrate` moves one of the provider's integrations: the steps as data and the few
/// functions that need the inventory.
#[derive(Debug)]
pub struct MigrationPlan {
    /// What the person is told before the portal steps ("create the new app:").
    pub plan_heading: &'static str,
    /// How the new app's client id is asked for.
    pub client_id_question: &'static str,
    /// Refused before anything starts when the inventory lacks it: `(field, message, hint)`.
    pub requires: Option<(&'static str, &'static str, &'static str)>,
    /// The portal steps to create the new app: `(inventory, audit, the redirect URI connect
    /// will use)`.
    pub portal_steps: fn(&LegacyIntegration, &IntegrationAudit, &str) -> Vec<String>,
    /// API paths to read with the new token, to verify it (none: nothing to call).
    pub verification_paths:
        fn(&LegacyIntegration, &IntegrationAudit) -> Result<Vec<String>, InventoryError>,
    /// How a certificate for [`Credential::CertificateAssertion`] is made and registered.
    pub certificate: Option<&'static CertificateStep>,
    /// Moves the app's existing tokens without a new consent, where the provider can.
    pub token_batch: Option<crate::migrate::batch::TokenBatch>,
}

/// A key and certificate that `migrate` makes for a target whose credential is a signed
/// assertion, and how the person registers it.
#[derive(Debug)]
pub struct CertificateStep {
    /// The key's file name (0600), beside the inventory.
    pub key_file: &'static str,
    /// The certificate's file name.
    pub certificate_file: &'static str,
    /// The key.
    pub key_type: crate::cert::generate::KeyType,
    /// The certificate's days of validity.
    pub days: u32,
    /// The step that says what is being made: `(inventory, the folder)`.
    pub make_step: fn(&LegacyIntegration, &str) -> String,
    /// The step that says where to upload it.
    pub upload_step: &'static str,
    /// How the id the provider gives the uploaded certificate is asked for; `None` where it
    /// gives none (the assertion names no key).
    pub key_id_question: Option<&'static str>,
}

impl Legacy {
    /// The app type named `id`.
    pub fn app_type(&self, id: &str) -> Option<&'static AppType> {
        self.app_types.iter().find(|t| t.id == id)
    }

    /// The names of its app types.
    pub fn app_type_names(&self) -> Vec<&'static str> {
        self.app_types.iter().map(|t| t.id).collect()
    }

    /// The target named `id`.
    pub fn target(&self, id: &str) -> Option<&'static Target> {
        self.targets.iter().find(|t| t.id == id)
    }
}
