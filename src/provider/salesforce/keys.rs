//! The certificate of a Salesforce External Client App (or Connected App) that uses the OAuth 2.0
//! JWT bearer flow: a self-signed X.509 certificate uploaded to the app, whose RSA key signs each
//! assertion with RS256. Salesforce's own walk-through (Salesforce DX Developer Guide, "Create a
//! Private Key and Self-Signed Digital Certificate") makes an RSA 2048-bit key and a SHA-256
//! certificate valid 365 days; the assertion is signed with RSA and SHA-256 (help.salesforce.com,
//! "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"). That an EC key or a key under
//! 2048 bits is refused is said by third parties only (docs.withampersand.com, "Salesforce JWT"):
//! our reading, marked so in the findings.

use crate::cert::policy::{finding, KeyFacts, KeyPolicy};
use crate::cert::{Finding, Severity};

/// The JWT bearer flow's certificate.
pub static JWT_BEARER: KeyPolicy = KeyPolicy {
    id: "salesforce",
    about: "A certificate for a Salesforce External Client App's JWT bearer flow",
    ec: false,
    rsa_bits: &[2048, 3072, 4096],
    default_rsa_bits: 2048,
    default_days: 365,
    max_days: None,
    file_prefix: "salesforce-",
    no_ec: "Salesforce's JWT bearer flow signs its assertions with RS256, which needs an RSA key",
    rsa_bits_refused: "",
    days_refused: "",
    next_steps: &[
        "In Salesforce Setup, open the External Client App that replaces the password login (create one in the External Client App Manager), turn on OAuth with the JWT bearer flow, and upload salesforce-publickey.cer as its certificate.",
        "Give the app the scopes the integration needs (api at least), let only admin-approved users in, and pre-authorize the integration user by its profile or a permission set.",
        "Keep salesforce-privatekey.pem secret (mode 0600) in the client's vault; it is never uploaded. Note the certificate's expiry date: the app stops taking assertions when it passes.",
    ],
    lints,
    published: crate::cert::policy::GENERIC.published,
};

/// The most a certificate uploaded to the app may be, as a mirror of Salesforce's set-up text
/// says (third party: unconfirmed); the same text suggests DER when PEM is over it.
pub const MAX_UPLOAD: usize = 4096;

fn lints(k: &KeyFacts<'_>, out: &mut Vec<Finding>) {
    // PEM is base64 of the DER (4 characters per 3 bytes) with a line end every 64 characters
    // and the two marker lines.
    let pem_len = k.der_len.div_ceil(3) * 4 * 65 / 64 + 56;
    if pem_len > MAX_UPLOAD {
        out.push(finding(
            "salesforce-certificate-over-4kb",
            if k.der_len > MAX_UPLOAD {
                Severity::Error
            } else {
                Severity::Warning
            },
            format!(
                "the certificate is {} bytes as DER and about {pem_len} as PEM; Salesforce's upload is reported to take at most 4 KB (a third party's copy of its set-up text: unconfirmed)",
                k.der_len
            ),
            if k.der_len > MAX_UPLOAD {
                "make a smaller one: fewer subject fields and extensions, or `oauth1to2 cert new --for salesforce`"
            } else {
                "upload it as DER (`oauth1to2 cert convert --to der`), or make a smaller one"
            },
        ));
    }
    if k.algorithm != "RSA" {
        out.push(finding(
            "salesforce-key-not-rsa",
            Severity::Error,
            format!("the key is {}; Salesforce's JWT bearer flow signs with RS256, which needs an RSA key (that other keys are refused is said by third parties, not Salesforce)", k.algorithm),
            "make an RSA key with `oauth1to2 cert new --for salesforce` (RSA 2048 by default)",
        ));
    } else if k.bits < 2048 {
        out.push(finding(
            "salesforce-key-too-small",
            Severity::Error,
            format!("the key is RSA {} bits; Salesforce's own walk-through makes 2048 bits, and keys below it are refused (said by third parties, not Salesforce)", k.bits),
            "make a 2048-bit or larger key with `oauth1to2 cert new --for salesforce`",
        ));
    }
}
