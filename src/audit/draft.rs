//! A new inventory, drafted from what the caller knows and what a person answers through the
//! [`Interaction`] trait: the provider (the registry's first unless named), the app type (one of
//! the provider's), the provider's own questions (its [`Question`]s), then the calls. The draft
//! is checked by the same parser `audit` uses before it is handed back, and never holds a
//! secret: secrets are only ever referenced.

use std::path::{Path, PathBuf};

use super::inventory::{self, SecretReference};
use crate::interact::Interaction;
use crate::provider::legacy::{Field, Question};

/// What is known of the integration; `None` is asked for (when someone can answer) or left out.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// The provider, by its registry name.
    pub provider: Option<String>,
    /// A short name.
    pub name: Option<String>,
    /// Who built it.
    pub vendor: Option<String>,
    /// The app type, as the provider names it.
    pub app_type: Option<String>,
    /// The organisation it connects to.
    pub organisation: Option<String>,
    /// The organisation's country.
    pub region: Option<String>,
    /// The account, where the provider's endpoints are per account.
    pub account: Option<String>,
    /// The login URL (Salesforce).
    pub login_url: Option<String>,
    /// The API user (Salesforce).
    pub username: Option<String>,
    /// A SOAP client's API version (Salesforce).
    pub api_version: Option<String>,
    /// The token id, where the app signs with a token the provider issued.
    pub token_id: Option<String>,
    /// The consumer key (an identifier).
    pub consumer_key: Option<String>,
    /// Where the consumer secret is.
    pub consumer_secret: Option<SecretReference>,
    /// Where the token secret is.
    pub token_secret: Option<SecretReference>,
    /// The certificate (a path, relative to the inventory).
    pub certificate: Option<PathBuf>,
    /// The private key, if the client holds it.
    pub private_key: Option<PathBuf>,
    /// API calls, comma-separated.
    pub calls: Option<String>,
    /// A HAR file of its traffic.
    pub har: Option<PathBuf>,
    /// An access log of its traffic.
    pub log: Option<PathBuf>,
    /// The target, as the provider names it.
    pub target: Option<String>,
    /// Third-party: the platform's name.
    pub platform: Option<String>,
    /// Third-party: the platform's redirect URI.
    pub redirect_uri: Option<String>,
}

/// Why no inventory could be drafted.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct DraftError {
    /// The field that is missing or wrong (the inventory's name for it).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
    /// What to do, in words.
    pub hint: String,
}

/// Asks `question` until answered; `None` when it is optional and skipped, or when no one can
/// answer.
fn ask(ui: &dyn Interaction, question: &str, required: bool) -> Option<String> {
    let prompt = if required {
        question.to_owned()
    } else {
        format!("{question} (Enter to skip)")
    };
    loop {
        match ui.ask(&prompt).map(|a| a.trim().to_owned()) {
            Some(t) if !t.is_empty() => return Some(t),
            None => return None,
            Some(_) if !required => return None,
            Some(_) => {}
        }
    }
}

impl Draft {
    /// Asks `ui` for what is missing: the name, the provider (Enter keeps the default), the
    /// app type, the provider's questions, and the calls when no evidence is named.
    pub fn ask_missing(&mut self, ui: &dyn Interaction) {
        if self.name.is_none() {
            self.name = ask(ui, "Integration name (e.g. Opmetrix)", true);
        }
        let providers = crate::provider::inventory_providers();
        if self.provider.is_none() && providers.len() > 1 {
            self.provider = ask(
                ui,
                &format!(
                    "Provider: {} (Enter for {})",
                    providers.join(", "),
                    providers[0]
                ),
                false,
            );
        }
        let Ok(legacy) = self.legacy() else { return };
        if self.app_type.is_none() {
            let legacy_types: Vec<&str> = legacy
                .app_types
                .iter()
                .filter(|t| !t.oauth2)
                .map(|t| t.id)
                .collect();
            self.app_type = ask(ui, &format!("App type: {}", legacy_types.join(", ")), true);
        }
        for q in legacy.questions {
            if self.field(q.field).is_none() {
                let answer = ask(ui, q.ask, q.required);
                self.set(q, answer);
            }
        }
        if !legacy.calls_question.is_empty()
            && self.calls.is_none()
            && self.har.is_none()
            && self.log.is_none()
        {
            self.calls = ask(ui, legacy.calls_question, false);
        }
    }

    fn legacy(&self) -> Result<&'static crate::provider::legacy::Legacy, DraftError> {
        let id = self
            .provider
            .clone()
            .unwrap_or_else(|| crate::provider::REGISTRY[0].id.to_owned());
        crate::provider::by_id(&id)
            .and_then(|p| p.legacy)
            .ok_or_else(|| DraftError {
                field: "provider",
                message: format!("{id:?} is not a provider whose integrations oauth1to2 audits"),
                hint: format!(
                    "name one of: {}",
                    crate::provider::inventory_providers().join(", ")
                ),
            })
    }

    fn field(&self, f: Field) -> Option<&str> {
        match f {
            Field::Organisation => self.organisation.as_deref(),
            Field::Region => self.region.as_deref(),
            Field::Account => self.account.as_deref(),
            Field::TokenId => self.token_id.as_deref(),
            Field::Certificate => self.certificate.as_deref().and_then(Path::to_str),
            Field::LoginUrl => self.login_url.as_deref(),
            Field::Username => self.username.as_deref(),
            Field::ApiVersion => self.api_version.as_deref(),
        }
    }

    fn set(&mut self, q: &Question, answer: Option<String>) {
        match q.field {
            Field::Organisation => self.organisation = answer,
            Field::Region => self.region = answer,
            Field::Account => self.account = answer,
            Field::TokenId => self.token_id = answer,
            Field::Certificate => self.certificate = answer.map(PathBuf::from),
            Field::LoginUrl => self.login_url = answer,
            Field::Username => self.username = answer,
            Field::ApiVersion => self.api_version = answer,
        }
    }

    /// The inventory's text, checked by the parser `audit` uses (as if it were `file`).
    pub fn to_toml(&self, file: &Path) -> Result<String, DraftError> {
        let legacy = self.legacy()?;
        let name = self.name.as_deref().ok_or_else(|| DraftError {
            field: "name",
            message: "the integration has no name".into(),
            hint: "give it a short name, e.g. Acme stock sync".into(),
        })?;
        let app_type = self.app_type.as_deref().ok_or_else(|| DraftError {
            field: "app_type",
            message: "the app type is not given".into(),
            hint: format!("give one of: {}", legacy.app_type_names().join(", ")),
        })?;
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let path = |p: &Path| q(&p.display().to_string());
        let mut t = String::from("# Inventory of a legacy OAuth 1.0a integration (docs/inventory.md).\n# Written by `oauth1to2 init`; check it with `oauth1to2 audit`.\n");
        t.push_str(&format!("name = {}\n", q(name)));
        if let Some(p) = &self.provider {
            t.push_str(&format!("provider = {}\n", q(p)));
        }
        if let Some(v) = &self.vendor {
            t.push_str(&format!("vendor = {}\n", q(v)));
        }
        t.push_str(&format!("app_type = {}\n", q(app_type)));
        for (key, value) in [
            ("organisation", self.organisation.clone()),
            (
                "region",
                self.region.as_deref().map(str::to_ascii_uppercase),
            ),
            ("account", self.account.clone()),
            ("login_url", self.login_url.clone()),
            ("username", self.username.clone()),
            ("api_version", self.api_version.clone()),
            ("token_id", self.token_id.clone()),
            ("consumer_key", self.consumer_key.clone()),
        ] {
            if let Some(v) = value {
                t.push_str(&format!("{key} = {}\n", q(&v)));
            }
        }
        for (key, r) in [
            ("consumer_secret", &self.consumer_secret),
            ("token_secret", &self.token_secret),
        ] {
            match r {
                Some(SecretReference { env: Some(v), .. }) => {
                    t.push_str(&format!("{key} = {{ env = {} }}\n", q(v)))
                }
                Some(SecretReference { file: Some(f), .. }) => {
                    t.push_str(&format!("{key} = {{ file = {} }}\n", path(f)))
                }
                _ => {}
            }
        }
        if let Some(c) = &self.certificate {
            t.push_str(&format!("\n[certificate]\npath = {}\n", path(c)));
        }
        if let Some(k) = &self.private_key {
            t.push_str(&format!("\n[private_key]\npath = {}\n", path(k)));
        }
        if self.calls.is_some() || self.har.is_some() || self.log.is_some() {
            t.push_str("\n[endpoints]\n");
            if let Some(c) = &self.calls {
                let list: Vec<String> = c
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(q)
                    .collect();
                t.push_str(&format!("calls = [{}]\n", list.join(", ")));
            }
            if let Some(h) = &self.har {
                t.push_str(&format!("har = {}\n", path(h)));
            }
            if let Some(l) = &self.log {
                t.push_str(&format!("log = {}\n", path(l)));
            }
        }
        if let Some(target) = &self.target {
            t.push_str(&format!("\n[target]\nkind = {}\n", q(target)));
            if let Some(p) = &self.platform {
                t.push_str(&format!("platform = {}\n", q(p)));
            }
            if let Some(r) = &self.redirect_uri {
                t.push_str(&format!("redirect_uri = {}\n", q(r)));
            }
        }
        // The same parser `audit` uses: an inventory drafted here is one audit can read.
        inventory::parse(file, &t).map_err(|e| DraftError {
            field: "inventory",
            message: format!("the inventory would not be valid: {}", e.message),
            hint: e.hint,
        })?;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interact::{AuthorizePrompt, Level};
    use crate::secret::Password;
    use std::cell::RefCell;

    /// Answers from a list, in order, and records the questions.
    struct Answers(RefCell<Vec<&'static str>>, RefCell<Vec<String>>);

    impl Interaction for Answers {
        fn notice(&self, _: Level, _: &str) {}
        fn ask_secret(&self, _: &str) -> Option<Password> {
            None
        }
        fn ask(&self, prompt: &str) -> Option<String> {
            self.1.borrow_mut().push(prompt.to_owned());
            let mut a = self.0.borrow_mut();
            (!a.is_empty()).then(|| a.remove(0).to_owned())
        }
        fn authorize(&self, _: &AuthorizePrompt<'_>) -> Option<std::sync::mpsc::Receiver<String>> {
            None
        }
    }

    #[test]
    fn every_provider_in_the_registry_can_be_drafted_through_the_trait() {
        for provider in crate::provider::REGISTRY
            .iter()
            .filter(|p| p.legacy.is_some())
        {
            let legacy = provider.legacy.unwrap();
            let app_type = legacy.app_types.iter().find(|t| !t.oauth2).unwrap().id;
            let mut answers = vec!["Acme sync", provider.id, app_type];
            for q in legacy.questions {
                answers.push(match q.field {
                    Field::Account => "1234567_SB1",
                    Field::Region => "nz",
                    Field::Certificate => "",
                    Field::LoginUrl => "https://test.salesforce.com",
                    Field::ApiVersion => "58.0",
                    _ => "an answer",
                });
            }
            if !legacy.calls_question.is_empty() {
                answers.push("");
            }
            let ui = Answers(RefCell::new(answers), RefCell::default());
            let mut d = Draft::default();
            d.ask_missing(&ui);
            let text = d
                .to_toml(Path::new("/c/acme.toml"))
                .unwrap_or_else(|e| panic!("{}: {e}", provider.id));
            let inv = inventory::parse(Path::new("/c/acme.toml"), &text).unwrap();
            assert_eq!(inv.provider, provider.id);
            assert_eq!(inv.app_type, app_type);
            assert!(
                ui.0.borrow().is_empty(),
                "{}: every answer asked for",
                provider.id
            );
            let asked = ui.1.borrow();
            assert!(asked[1].contains(provider.id), "{asked:?}");
            assert!(asked[2].contains(app_type), "{asked:?}");
        }
    }

    #[test]
    fn nothing_to_ask_and_nothing_given_is_an_error_naming_the_field() {
        let e = Draft::default().to_toml(Path::new("x.toml")).unwrap_err();
        assert_eq!(e.field, "name");
        let d = Draft {
            name: Some("x".into()),
            provider: Some("nosuch".into()),
            ..Draft::default()
        };
        assert_eq!(
            d.to_toml(Path::new("x.toml")).unwrap_err().field,
            "provider"
        );
    }
}
