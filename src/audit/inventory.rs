//! The inventory file: one legacy OAuth 1.0a integration described in TOML (docs/inventory.md).
//! Errors name the file, the line and the fix. Secrets are only ever referenced (an environment
//! variable or a file); a secret written into the file is read, kept out of every report, and
//! reported as a finding.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A bad inventory file.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}", file.display(), line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct InventoryError {
    /// The file.
    pub file: PathBuf,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl InventoryError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        self.hint.clone()
    }
}

/// A reference to a secret, or (wrongly) the secret itself.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretField {
    /// `{ env = "VAR" }` or `{ file = "path" }`.
    Reference(SecretReference),
    /// A literal string: a finding, never shown.
    Inline(String),
}

/// Every string inside a TOML value, in order.
fn strings_in(v: &toml::Value, out: &mut Vec<String>) {
    match v {
        toml::Value::String(s) => out.push(s.clone()),
        toml::Value::Array(a) => a.iter().for_each(|v| strings_in(v, out)),
        toml::Value::Table(t) => t.values().for_each(|v| strings_in(v, out)),
        _ => {}
    }
}

// By hand, not `untagged`: serde reads a struct from a sequence too, so `["s3cret"]` would have
// become `{ env = "s3cret" }`. A reference is a table with only `env` and `file`; a string in
// any other shape (a bare string, an array, a table with other keys) is a secret written
// inline; anything else is the wrong type.
impl<'de> Deserialize<'de> for SecretField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = toml::Value::deserialize(d)?;
        if let toml::Value::Table(t) = &v {
            let only_refs = !t.is_empty()
                && t.iter()
                    .all(|(k, v)| (k == "env" || k == "file") && v.is_str());
            if only_refs {
                return Ok(SecretField::Reference(SecretReference {
                    env: t.get("env").and_then(|v| v.as_str()).map(str::to_owned),
                    file: t.get("file").and_then(|v| v.as_str()).map(PathBuf::from),
                }));
            }
        }
        let mut found = Vec::new();
        strings_in(&v, &mut found);
        if found.is_empty() {
            return Err(D::Error::custom(format!(
                "a secret must be given as {{ env = \"VAR\" }} or {{ file = \"path\" }}, not a {}",
                v.type_str()
            )));
        }
        Ok(SecretField::Inline(found.join("\n")))
    }
}

impl std::fmt::Debug for SecretField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretField::Reference(r) => r.fmt(f),
            SecretField::Inline(_) => f.write_str("Inline([REDACTED])"),
        }
    }
}

/// Where a secret is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretReference {
    /// An environment variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// A file (relative to the inventory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

/// The certificate: a path, or a block pasted into the file.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateSource {
    /// A file, relative to the inventory.
    pub path: Option<PathBuf>,
    /// The certificate pasted in (any state `cert check` can repair).
    pub pem: Option<String>,
}

// A pasted block may wrongly hold a private key: Debug shows only its size.
impl std::fmt::Debug for CertificateSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateSource")
            .field("path", &self.path)
            .field(
                "pem",
                &self.pem.as_ref().map(|p| format!("[{} bytes]", p.len())),
            )
            .finish()
    }
}

/// The private key the client still holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySource {
    /// A file, relative to the inventory.
    pub path: PathBuf,
}

/// The calls the integration makes, or the evidence to derive them from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallEvidence {
    /// `["GET Invoices", "POST Contacts", ...]`.
    #[serde(default)]
    pub calls: Vec<String>,
    /// A HAR file of its traffic.
    pub har: Option<PathBuf>,
    /// An HTTP access log of its traffic.
    pub log: Option<PathBuf>,
}

/// The target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// What to move to, as the provider names it; when absent, the audit recommends one.
    pub kind: Option<String>,
    /// When the new OAuth 2.0 app was or will be created (`2026-05-01`); decides granular
    /// scopes. Default: today.
    pub app_created: Option<toml::value::Datetime>,
    /// Third-party: the platform's name.
    pub platform: Option<String>,
    /// Third-party (or a hosted web app): the redirect URI to register on the Xero app.
    pub redirect_uri: Option<String>,
    /// Third-party: the scopes the platform asks for.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Third-party: the name under which the platform stores the tenant id.
    pub tenant_variable: Option<String>,
    /// The new app's client id (Salesforce: the External Client App's consumer key), once the
    /// app exists: `migrate` uses it instead of asking, and a folder's migration needs it.
    pub client_id: Option<String>,
}

/// One legacy integration, as the consultant described it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyIntegration {
    /// A short name ("Opmetrix").
    pub name: String,
    /// The provider, by the name the registry knows it by (`crate::provider::REGISTRY`); when
    /// absent, the registry's first. [`parse`] stores the resolved name.
    #[serde(default)]
    pub provider: String,
    /// NetSuite: the account id, in either spelling.
    pub account: Option<String>,
    /// NetSuite TBA: the token id (an identifier; its secret is `token_secret`).
    pub token_id: Option<String>,
    /// NetSuite TBA: the token secret, by reference.
    pub token_secret: Option<SecretField>,
    /// NetSuite TBA: the signature method the integration's code uses (`HMAC-SHA256`).
    pub signature_method: Option<String>,
    /// Who built it.
    pub vendor: Option<String>,
    /// The app type, as the provider names it (its entry lists them).
    pub app_type: String,
    /// The Xero organisation it connects to (Salesforce: the org's name).
    pub organisation: Option<String>,
    /// Salesforce: the login URL the integration logs in at (production, a sandbox's, or the
    /// org's My Domain URL).
    pub login_url: Option<String>,
    /// Salesforce: the API user it logs in as (a username; its password is never written here).
    pub username: Option<String>,
    /// Salesforce: where the API user's password is, by reference (inline is a finding).
    pub password: Option<SecretField>,
    /// Salesforce SOAP `login()`: the API version of the client's SOAP endpoint (`58.0`).
    pub api_version: Option<String>,
    /// Salesforce: Login History exports or `ApiTotalUsage` event log files (CSV), relative
    /// to the inventory.
    #[serde(default)]
    pub login_history: Vec<PathBuf>,
    /// Where the organisation is (`AU`, `NZ`, `UK`, `US`, ...): Custom Connections are sold in
    /// AU, NZ, UK and US only.
    pub region: Option<String>,
    /// The OAuth 1.0a consumer key (an identifier, not a secret).
    pub consumer_key: Option<String>,
    /// The consumer secret, by reference.
    pub consumer_secret: Option<SecretField>,
    /// The certificate uploaded to Xero.
    pub certificate: Option<CertificateSource>,
    /// The private key, if the client holds it.
    pub private_key: Option<KeySource>,
    /// An OAuth 2.0 app's client id (an identifier, not a secret).
    pub client_id: Option<String>,
    /// When an OAuth 2.0 app was created (`2024-05-14`): decides whether Xero still grants it
    /// broad scopes.
    pub app_created: Option<toml::value::Datetime>,
    /// The scopes an OAuth 2.0 app requests today.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Whether it runs without a user present (default: yes, as integrations do); then it
    /// needs `offline_access`.
    pub unattended: Option<bool>,
    /// An OAuth 2.0 app's registered redirect URI (for the re-consent link).
    pub redirect_uri: Option<String>,
    /// What it calls.
    #[serde(default)]
    pub endpoints: CallEvidence,
    /// Where it goes.
    pub target: Option<Target>,
    /// The file it was read from (set by [`load`]).
    #[serde(skip)]
    pub file: PathBuf,
    /// Where some fields are in the file, for errors found later (a file that cannot be read).
    #[serde(skip)]
    pub lines: FieldLines,
}

/// 1-based lines of the fields that name other files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldLines {
    /// `[certificate]` `path` or `pem`.
    pub certificate: Option<usize>,
    /// `[private_key]` `path`.
    pub private_key: Option<usize>,
    /// `[endpoints]` `har`.
    pub har: Option<usize>,
    /// `[endpoints]` `log`.
    pub log: Option<usize>,
    /// `[endpoints]` `calls`.
    pub calls: Option<usize>,
    /// `login_history`.
    pub login_history: Option<usize>,
}

/// The line of `key` inside `[table]`.
fn line_in_table(text: &str, table: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            current = t.trim_matches(|c| c == '[' || c == ']').trim().to_owned();
            continue;
        }
        if current == table {
            if let Some((k, _)) = t.split_once('=') {
                if k.trim() == key {
                    return Some(i + 1);
                }
            }
        }
    }
    None
}

impl LegacyIntegration {
    /// An error about a field that names a file, at that field's line.
    pub fn field_error(&self, line: Option<usize>, message: String, hint: &str) -> InventoryError {
        InventoryError {
            file: self.file.clone(),
            line,
            message,
            hint: hint.into(),
        }
    }
}

impl LegacyIntegration {
    /// A path from the file, relative to the file's folder.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.file.parent().unwrap_or(Path::new(".")).join(p)
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    // Bytes, not a str slice: an offset inside a multi-byte character must not panic.
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// What to do about a TOML or field error, by what the message says.
fn hint_for(message: &str) -> String {
    if message.contains("unknown field") {
        "check the spelling against docs/inventory.md; the known fields are listed there".into()
    } else if message.contains("missing field") {
        "add the field; `oauth1to2 init` writes a complete file".into()
    } else if message.contains("unknown variant") {
        "use one of the values the message lists".into()
    } else {
        "fix the line shown (TOML syntax: key = \"value\"); docs/inventory.md has a complete example"
            .into()
    }
}

/// A region as the audit compares it: a two-letter code, upper case, with the United Kingdom as
/// `UK` (Xero's word; ISO's `GB` too), from a code or a country's name in English. `None` for
/// anything else.
pub fn region_code(region: &str) -> Option<String> {
    let r = region.trim();
    let named = match r.to_ascii_lowercase().as_str() {
        "australia" => Some("AU"),
        "new zealand" | "aotearoa" => Some("NZ"),
        "united kingdom" | "great britain" | "britain" | "england" | "scotland" | "wales"
        | "northern ireland" | "gb" | "uk" => Some("UK"),
        "united states" | "united states of america" | "usa" | "us" => Some("US"),
        _ => None,
    };
    if let Some(code) = named {
        return Some(code.into());
    }
    (r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic())).then(|| r.to_ascii_uppercase())
}

/// Parses an inventory from text; `file` names it in errors and anchors relative paths.
pub fn parse(file: &Path, text: &str) -> Result<LegacyIntegration, InventoryError> {
    let mut inv: LegacyIntegration = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_owned();
        InventoryError {
            file: file.to_path_buf(),
            line: e.span().map(|s| line_of(text, s.start)),
            hint: hint_for(&message),
            message,
        }
    })?;
    inv.file = file.to_path_buf();
    inv.lines = FieldLines {
        certificate: line_in_table(text, "certificate", "path")
            .or_else(|| line_in_table(text, "certificate", "pem")),
        private_key: line_in_table(text, "private_key", "path"),
        har: line_in_table(text, "endpoints", "har"),
        log: line_in_table(text, "endpoints", "log"),
        calls: line_in_table(text, "endpoints", "calls"),
        login_history: line_in_table(text, "", "login_history"),
    };
    let field_line = |key: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(key))
            .map(|i| i + 1)
    };
    let err = |key: &str, message: String, hint: &str| InventoryError {
        file: file.to_path_buf(),
        line: field_line(key),
        message,
        hint: hint.into(),
    };
    if inv.name.trim().is_empty() {
        return Err(err(
            "name",
            "name is empty".into(),
            "give the integration a short name, e.g. name = \"Opmetrix\"",
        ));
    }
    if let Some(r) = inv.region.take() {
        inv.region = Some(region_code(&r).ok_or_else(|| {
            err(
                "region",
                format!("region {:?} is not a country oauth1to2 knows", crate::text::term(&r)),
                "write its ISO 3166 two-letter code (AU, NZ, GB or UK, US, IE, ZA, ...) or one of: Australia, New Zealand, United Kingdom (or Great Britain, England, Scotland, Wales, Northern Ireland), United States",
            )
        })?);
    }
    if let Some(c) = &inv.certificate {
        match (&c.path, &c.pem) {
            (Some(_), Some(_)) => return Err(err("[certificate]", "[certificate] has both path and pem".into(), "keep one: path = \"publickey.cer\" or pem = \"\"\"...\"\"\"")),
            (None, None) => return Err(err("[certificate]", "[certificate] has neither path nor pem".into(), "add path = \"publickey.cer\" (relative to this file) or paste the block as pem = \"\"\"...\"\"\"")),
            _ => {}
        }
    }
    for (key, field) in [
        ("consumer_secret", &inv.consumer_secret),
        ("token_secret", &inv.token_secret),
    ] {
        if let Some(SecretField::Reference(r)) = field {
            if r.env.is_some() == r.file.is_some() {
                return Err(err(
                    key,
                    format!("{key} must name exactly one of env or file"),
                    &format!(
                        "write {key} = {{ env = \"VAR\" }} or {key} = {{ file = \"secret.txt\" }}"
                    ),
                ));
            }
        }
    }
    // The provider's own rules: its name, its app types and targets, and its fields.
    let provider = match inv.provider.as_str() {
        "" => crate::provider::REGISTRY[0],
        id => crate::provider::by_id(id).ok_or_else(|| {
            err(
                "provider",
                format!(
                    "provider {:?} is not one oauth1to2 knows",
                    crate::text::term(id)
                ),
                &format!(
                    "write one of: {}",
                    crate::provider::inventory_providers().join(", ")
                ),
            )
        })?,
    };
    inv.provider = provider.id.to_owned();
    let Some(legacy) = provider.legacy else {
        return Err(err(
            "provider",
            format!(
                "{} has no legacy integrations oauth1to2 audits",
                provider.name
            ),
            &format!(
                "write one of: {}",
                crate::provider::inventory_providers().join(", ")
            ),
        ));
    };
    if legacy.app_type(&inv.app_type).is_none() {
        let elsewhere = crate::provider::REGISTRY.iter().find(|p| {
            p.legacy
                .is_some_and(|l| l.app_type(&inv.app_type).is_some())
        });
        return Err(match elsewhere {
            Some(other) => err(
                if provider.id == crate::provider::REGISTRY[0].id {
                    "provider"
                } else {
                    "app_type"
                },
                format!(
                    "app_type = \"{}\" does not go with provider = \"{}\"",
                    crate::text::term(&inv.app_type),
                    provider.id
                ),
                &format!(
                    "app_type = \"{}\" is {}'s: write provider = \"{}\"; {}'s app types are {}",
                    crate::text::term(&inv.app_type),
                    other.name,
                    other.id,
                    provider.name,
                    legacy.app_type_names().join(", ")
                ),
            ),
            None => err(
                "app_type",
                format!(
                    "unknown app_type `{}`, expected one of {}",
                    crate::text::term(&inv.app_type),
                    legacy.app_type_names().join(", ")
                ),
                "use one of the values the message lists",
            ),
        });
    }
    if let Some(kind) = inv.target.as_ref().and_then(|t| t.kind.as_deref()) {
        if legacy.target(kind).is_none() {
            return Err(err(
                "kind",
                format!(
                    "[target] kind = \"{}\" is not a {} target",
                    crate::text::term(kind),
                    provider.name
                ),
                &format!(
                    "a {} integration moves to kind = {}",
                    provider.name,
                    legacy
                        .targets
                        .iter()
                        .map(|t| format!("\"{}\"", t.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    if inv.account.is_some() && provider.account_model().is_none() {
        return Err(err(
            "account",
            format!("{} has no accounts in its endpoints", provider.name),
            "remove account, or name the provider whose endpoints are per account",
        ));
    }
    if let Err(p) = (legacy.check)(&inv) {
        return Err(err(p.field, p.message, &p.hint));
    }
    if let Some(t) = &inv.target {
        let platform = t
            .kind
            .as_deref()
            .and_then(|k| legacy.target(k))
            .is_some_and(|k| k.platform);
        if platform && t.redirect_uri.is_none() {
            return Err(err("kind", "a third-party target needs the platform's redirect_uri".into(), "copy the redirect URI from the platform's setup guide into [target] redirect_uri = \"https://...\""));
        }
        if let Some(u) = &t.redirect_uri {
            if !(u.starts_with("https://")
                || u.starts_with("http://localhost")
                || u.starts_with("http://127.0.0.1"))
            {
                return Err(err(
                    "redirect_uri",
                    format!("redirect_uri {u:?} is neither https nor a localhost address"),
                    "write an https redirect URI; plain http is accepted only for localhost",
                ));
            }
        }
    }
    if inv.endpoints.calls.is_empty() && inv.endpoints.har.is_none() && inv.endpoints.log.is_none()
    {
        // Allowed: the audit says it cannot plan scopes without evidence.
    }
    Ok(inv)
}

/// Reads and parses an inventory file.
pub fn load(file: &Path) -> Result<LegacyIntegration, InventoryError> {
    let text = crate::files::read_text_limited(file, crate::files::MAX_FILE).map_err(|e| {
        InventoryError {
            file: file.to_path_buf(),
            line: None,
            message: format!("cannot read it: {e}"),
            hint: "check the path; an inventory is a .toml file (see docs/inventory.md)".into(),
        }
    })?;
    parse(file, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<LegacyIntegration, InventoryError> {
        parse(Path::new("inv.toml"), text)
    }

    #[test]
    fn errors_name_the_line_and_the_fix() {
        let e = p("name = \"X\"\napp_type = \"privat\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("privat"), "{e}");
        let e = p("name = \"X\"\napp_type = \"private\"\nconsumer_kee = \"a\"\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.hint.contains("docs/inventory.md"));
        let e = p("app_type = \"private\"\n").unwrap_err();
        assert!(e.message.contains("name"), "{e}");
        let e = p("name = \"X\"\napp_type = \"private\"\n[certificate]\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        let e = p("name = \"X\"\napp_type = \"private\"\n[target]\nkind = \"third-party\"\n")
            .unwrap_err();
        assert!(e.message.contains("redirect_uri"));
    }

    #[test]
    fn a_secret_inline_in_any_shape_is_inline_and_a_wrong_type_is_an_error() {
        for shape in [
            "[\"PLAINSECRET\"]",
            "{ value = \"PLAINSECRET\" }",
            "{ env = \"VAR\", value = \"PLAINSECRET\" }",
            "[[\"PLAINSECRET\"]]",
        ] {
            let inv = p(&format!(
                "name = \"X\"\napp_type = \"private\"\nconsumer_secret = {shape}\n"
            ))
            .unwrap_or_else(|e| panic!("{shape}: {e:?}"));
            assert!(
                matches!(&inv.consumer_secret, Some(SecretField::Inline(s)) if s.contains("PLAINSECRET")),
                "{shape}"
            );
            assert!(!format!("{inv:?}").contains("PLAINSECRET"));
        }
        for wrong in ["12345678", "true", "[1, 2]", "{}"] {
            assert!(
                p(&format!(
                    "name = \"X\"\napp_type = \"private\"\nconsumer_secret = {wrong}\n"
                ))
                .is_err(),
                "{wrong}"
            );
        }
        let inv =
            p("name = \"X\"\napp_type = \"private\"\nconsumer_secret = { env = \"V\" }\n").unwrap();
        assert!(matches!(
            inv.consumer_secret,
            Some(SecretField::Reference(_))
        ));
    }

    #[test]
    fn inline_secrets_are_read_but_never_shown() {
        let inv = p("name = \"X\"\napp_type = \"private\"\nconsumer_secret = \"hunter2hunter2\"\n")
            .unwrap();
        assert!(matches!(inv.consumer_secret, Some(SecretField::Inline(_))));
        assert!(!format!("{inv:?}").contains("hunter2"));
    }
}
