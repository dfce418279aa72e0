//! The certificates Xero's OAuth 1.0a private and partner apps took: RSA only (Xero verified
//! RSA-SHA1 signatures with them), any size `cert new` makes, written as `privatekey.pem` and
//! `publickey.cer`, the names Xero's instructions used.

use crate::cert::policy::{finding, KeyFacts, KeyPolicy};
use crate::cert::{Finding, Severity};

/// Xero's private and partner apps.
pub static PRIVATE_APP: KeyPolicy = KeyPolicy {
    id: "xero-private-app",
    about: "A certificate uploaded to a Xero private or partner app",
    ec: false,
    rsa_bits: &[],
    default_rsa_bits: 2048,
    default_days: 1825,
    max_days: None,
    file_prefix: "",
    no_ec: "a Xero private app signs RSA-SHA1 and needs an RSA key",
    rsa_bits_refused: "",
    days_refused: "",
    next_steps: &[
        "Xero retired OAuth 1.0a private apps on 30 September 2021: it no longer takes this certificate, and no new private app can be made. For Xero itself, move to OAuth 2.0 (`oauth1to2 audit`, `oauth1to2 migrate`).",
        "What the keypair is still for: replacing a published or weak certificate in a legacy client or test rig, signing and checking OAuth 1.0a requests against a service that still takes RSA-SHA1 (`oauth1to2 oauth1 sign --key privatekey.pem`, `oauth1 verify --cert publickey.cer`).",
        "For NetSuite's OAuth 2.0 machine-to-machine mapping, make a certificate with --for netsuite-m2m instead; for another provider's JWT client assertions, pass privatekey.pem to `oauth1to2 connect --assertion-key`.",
    ],
    lints,
    published: (
        "whoever holds its private key can sign API requests as every Xero organisation that pasted it",
        "treat every organisation that uploaded it as exposed: delete the private app in Xero's developer portal (My Apps) and reconnect the integration with OAuth 2.0 credentials of its own",
    ),
};

fn lints(k: &KeyFacts<'_>, out: &mut Vec<Finding>) {
    if k.algorithm != "RSA" {
        out.push(finding(
            "not-rsa",
            Severity::Error,
            format!("the key is {}, but Xero's OAuth 1.0a apps verified RSA-SHA1 signatures and accepted only RSA certificates", k.algorithm),
            "make an RSA keypair with `oauth1to2 cert new`, or check it with the `generic` rule set if it is not for a Xero app",
        ));
    }
}
