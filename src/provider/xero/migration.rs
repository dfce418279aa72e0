//! How `migrate` moves a Xero integration: the app types and targets inventories name, the
//! steps in the developer portal, and the read call that verifies the new connection.

use super::audit::{self, target_kind, TargetKind};
use crate::audit::inventory::{InventoryError, LegacyIntegration};
use crate::audit::model::IntegrationAudit;
use crate::oauth2::profile::Grant;
use crate::provider::legacy::{
    AppType, Credential, Field, FieldProblem, Legacy, MigrationPlan, Question, Target,
};

/// Xero's legacy integrations and its existing OAuth 2.0 apps.
pub static LEGACY: Legacy = Legacy {
    app_types: &[
        AppType {
            id: "private",
            oauth2: false,
        },
        AppType {
            id: "partner",
            oauth2: false,
        },
        AppType {
            id: "public",
            oauth2: false,
        },
        AppType {
            id: "web",
            oauth2: true,
        },
        AppType {
            id: "pkce",
            oauth2: true,
        },
        AppType {
            id: "custom-connection",
            oauth2: true,
        },
    ],
    targets: &[
        Target {
            id: "web",
            grant: Grant::AuthorizationCode,
            credential: Credential::Secret,
            platform: false,
        },
        Target {
            id: "pkce",
            grant: Grant::Pkce,
            credential: Credential::Secret,
            platform: false,
        },
        Target {
            id: "custom-connection",
            grant: Grant::ClientCredentials,
            credential: Credential::Secret,
            platform: false,
        },
        Target {
            id: "third-party",
            grant: Grant::AuthorizationCode,
            credential: Credential::Secret,
            platform: true,
        },
    ],
    check,
    audit: audit::audit,
    recommend: audit::recommend,
    migration: Some(&MIGRATION),
    questions: &[
        Question {
            field: Field::Organisation,
            ask: "Xero organisation name",
            required: false,
        },
        Question {
            field: Field::Region,
            ask: "Organisation's country (AU, NZ, UK, US, ...)",
            required: false,
        },
        Question {
            field: Field::Certificate,
            ask: "Certificate file uploaded to Xero",
            required: false,
        },
    ],
    calls_question: "API calls it makes (GET Contacts,POST Invoices,...)",
};

static MIGRATION: MigrationPlan = MigrationPlan {
    plan_heading: "create the new Xero app:",
    client_id_question: "Client id of the new Xero app (from its Configuration page)",
    requires: None,
    portal_steps,
    verification_paths,
    certificate: None,
    token_batch: Some(super::batch::run),
};

/// Xero asks nothing of an inventory beyond its shape.
fn check(_: &LegacyIntegration) -> Result<(), FieldProblem> {
    Ok(())
}

/// The read call the planned scopes allow (see [`audit::verification_path`]).
fn verification_paths(
    _: &LegacyIntegration,
    a: &IntegrationAudit,
) -> Result<Vec<String>, InventoryError> {
    Ok(vec![audit::verification_path(a.scopes.as_ref())])
}

/// Step 2: how to create the Xero app, click by click, in the manner of a vendor's setup
/// guide. `redirect_uri` is the loopback URI `connect` will use.
fn portal_steps(
    inv: &LegacyIntegration,
    audit: &IntegrationAudit,
    redirect_uri: &str,
) -> Vec<String> {
    let target = target_kind(&audit.recommendation.target);
    let scopes = crate::migrate::scopes_for(inv, audit).join(" ");
    let org = inv
        .organisation
        .as_deref()
        .unwrap_or("the client's organisation");
    let mut s = vec![
        "Sign in at https://developer.xero.com/app/manage as a user who can manage the client's apps (a dedicated user is best).".to_owned(),
    ];
    match target {
        TargetKind::CustomConnection => {
            s.push("Click New app. Choose the integration type Custom connection.".into());
            s.push(format!("App name: \"{} (OAuth 2.0)\".", inv.name));
            s.push(format!("Scopes: tick {scopes}."));
            s.push(format!("Authorising user: a user of {org}; Xero emails them to accept, and the connection is billed to the organisation."));
            s.push("Click Save and connect. When the user has accepted, open Configuration: copy the Client id, click Generate a secret and copy it (Xero shows it once).".into());
        }
        TargetKind::Web | TargetKind::Pkce | TargetKind::ThirdParty => {
            let kind = match target {
                TargetKind::Pkce => "Mobile or desktop app (auth code with PKCE)",
                _ => "Web app",
            };
            s.push(format!("Click New app. Integration type: {kind}."));
            s.push(format!("App name: \"{} (OAuth 2.0)\".", inv.name));
            let company = match (
                target,
                inv.target.as_ref().and_then(|t| t.platform.as_deref()),
            ) {
                (TargetKind::ThirdParty, Some(p)) => format!("the client's {p} address"),
                _ => "the client's or vendor's website".into(),
            };
            s.push(format!("Company or application URL: {company}."));
            if target == TargetKind::ThirdParty {
                let uri = inv
                    .target
                    .as_ref()
                    .and_then(|t| t.redirect_uri.as_deref())
                    .unwrap_or("(the platform's)");
                s.push(format!("Redirect URI: {uri} (the platform's), and a second one, {redirect_uri}, so that oauth1to2 can find the tenant and verify the scopes."));
            } else {
                s.push(format!("Redirect URI: {redirect_uri} (exactly; Xero compares it character by character)."));
            }
            s.push("Tick the terms and click Create app.".into());
            if target == TargetKind::Pkce {
                s.push(
                    "Open Configuration and copy the Client id (a PKCE app has no secret).".into(),
                );
            } else {
                s.push("Open Configuration: copy the Client id, click Generate a secret and copy it (Xero shows it once).".into());
            }
            s.push(format!(
                "oauth1to2 will ask for these scopes when it connects: {scopes}."
            ));
        }
    }
    s.push("Keep the secret out of mail and chat: put it in an environment variable or a 0600 file, or paste it when oauth1to2 asks (it is not echoed).".into());
    s
}
