//! A key policy: what a provider takes in a key and certificate it is given (key types and
//! sizes, the longest validity), what `cert new` makes for it by default (and the file names),
//! and the lints it adds to every certificate check. Providers hold theirs (`crate::provider`
//! lists them); [`GENERIC`] is plain X.509.

use super::finding::{Finding, Severity};
use super::generate::KeyType;

/// What a provider takes, makes and checks.
#[derive(Debug)]
pub struct KeyPolicy {
    /// Its name for `--for` (`generic`, or the provider's).
    pub id: &'static str,
    /// What it is for, in a few words (for help).
    pub about: &'static str,
    /// Whether EC keys are taken (RSA always is, at the sizes below).
    pub ec: bool,
    /// The RSA sizes taken; empty: any size `cert new` makes (2048, 3072, 4096).
    pub rsa_bits: &'static [usize],
    /// The RSA size made by default.
    pub default_rsa_bits: usize,
    /// The days of validity made by default.
    pub default_days: u32,
    /// The longest validity taken, in days.
    pub max_days: Option<u32>,
    /// The start of the file names `cert new` writes (`{prefix}privatekey.pem`,
    /// `{prefix}publickey.cer`).
    pub file_prefix: &'static str,
    /// Why an EC key is refused, when it is.
    pub no_ec: &'static str,
    /// Why an RSA size is refused, when one is.
    pub rsa_bits_refused: &'static str,
    /// Why a longer validity is refused.
    pub days_refused: &'static str,
    /// What the person does next with what `cert new` made, one step per line.
    pub next_steps: &'static [&'static str],
    /// Its own lints, added to the plain X.509 ones.
    pub lints: fn(&KeyFacts<'_>, &mut Vec<Finding>),
    /// What a published certificate means for it: `(who may be impersonated, what to do)`.
    pub published: (&'static str, &'static str),
}

/// What a policy's lints look at.
#[derive(Debug)]
pub struct KeyFacts<'a> {
    /// `RSA`, `EC`, `Ed25519`, ...
    pub algorithm: &'a str,
    /// The key's size in bits.
    pub bits: usize,
    /// The certificate's whole validity, in days.
    pub lifetime_days: i64,
    /// The certificate's size, DER, in bytes.
    pub der_len: usize,
}

/// Why a request for a new key does not fit a policy.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct PolicyError {
    /// What does not fit.
    pub message: String,
    /// What to do, in words.
    pub hint: String,
}

impl KeyPolicy {
    /// Whether it takes a new key of `key_type` valid for `days`, and why not.
    pub fn check(&self, key_type: KeyType, days: u32) -> Result<(), PolicyError> {
        match key_type {
            KeyType::Ec(_) if !self.ec => {
                return Err(PolicyError {
                    message: format!("an EC key is not for {}: {}", self.id, self.no_ec),
                    hint:
                        "make an RSA key, or choose the rule set of a provider that takes EC keys"
                            .into(),
                })
            }
            KeyType::Rsa(bits) if !self.rsa_bits.is_empty() && !self.rsa_bits.contains(&bits) => {
                return Err(PolicyError {
                    message: format!(
                        "an RSA key of {bits} bits is not for {}: {}",
                        self.id, self.rsa_bits_refused
                    ),
                    hint: format!(
                        "make one of {} bits ({} is the default){}",
                        self.rsa_bits
                            .iter()
                            .map(usize::to_string)
                            .collect::<Vec<_>>()
                            .join(" or "),
                        self.default_rsa_bits,
                        if self.ec { ", or an EC key" } else { "" }
                    ),
                })
            }
            _ => {}
        }
        if let Some(max) = self.max_days.filter(|m| days > *m) {
            return Err(PolicyError {
                message: format!(
                    "{days} days of validity is not for {}: {}",
                    self.id, self.days_refused
                ),
                hint: format!(
                    "make it valid for {max} days or less ({} is the default)",
                    self.default_days
                ),
            });
        }
        Ok(())
    }

    /// The key file `cert new` writes.
    pub fn key_file(&self) -> String {
        format!("{}privatekey.pem", self.file_prefix)
    }

    /// The certificate file `cert new` writes.
    pub fn certificate_file(&self) -> String {
        format!("{}publickey.cer", self.file_prefix)
    }
}

/// Plain X.509: no lints of its own.
pub static GENERIC: KeyPolicy = KeyPolicy {
    id: "generic",
    about: "Plain X.509 lints only",
    ec: true,
    rsa_bits: &[],
    default_rsa_bits: 2048,
    default_days: 1825,
    max_days: None,
    file_prefix: "",
    no_ec: "",
    rsa_bits_refused: "",
    days_refused: "",
    next_steps: &[
        "Keep privatekey.pem secret (mode 0600); it is never uploaded.",
        "Give publickey.cer to the service that checks the signatures.",
    ],
    lints: no_lints,
    published: (
        "whoever holds its private key can sign as every party that trusts it",
        "treat every party that trusts it as exposed: remove it where it was uploaded, and give the integration a key and certificate of its own",
    ),
};

fn no_lints(_: &KeyFacts<'_>, _: &mut Vec<Finding>) {}

/// A finding of a policy's lint.
pub fn finding(id: &'static str, severity: Severity, message: String, hint: &str) -> Finding {
    super::lint::finding(id, severity, message, hint)
}
