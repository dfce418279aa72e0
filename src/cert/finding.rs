//! What a check found: shared by the report (which carries findings) and the lints (which make
//! them), so neither depends on the other for it.

use serde::Serialize;

/// How bad a finding is. Only `error` makes `cert check` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Notice,
    /// Should be fixed.
    Warning,
    /// Will not work, or is unsafe.
    Error,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Severity::Notice => "notice",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable identifier, e.g. `weak-signature-hash`.
    pub id: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// What is wrong with this certificate.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}
