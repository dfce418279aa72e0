//! NetSuite's certificate conditions for the OAuth 2.0 client-credentials (machine-to-machine)
//! mapping (docs.oracle.com, NetSuite help, subsect_162755332391 "Certificate Conditions"):
//! RSA 3072 or 4096 bits, or EC P-256, P-384 or P-521; valid for two years at most (NetSuite
//! shortens a longer validity).

use crate::cert::policy::{finding, KeyFacts, KeyPolicy};
use crate::cert::{Finding, Severity};

const PAGE: &str = "NetSuite's certificate conditions (help topic subsect_162755332391)";

/// The machine-to-machine mapping's certificate.
pub static M2M: KeyPolicy = KeyPolicy {
    id: "netsuite-m2m",
    about: "A certificate for NetSuite's OAuth 2.0 machine-to-machine mapping",
    ec: true,
    rsa_bits: &[3072, 4096],
    default_rsa_bits: 3072,
    default_days: 730,
    max_days: Some(730),
    file_prefix: "netsuite-",
    no_ec: "",
    rsa_bits_refused: "NetSuite's machine-to-machine mapping takes RSA keys of 3072 or 4096 bits",
    days_refused: "NetSuite shortens any certificate to two years, so it would stop working before the date it carries",
    next_steps: &[
        "In NetSuite, go to Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup > Create New: choose the entity, the role and the integration record (one with the Client Credentials grant), and upload netsuite-publickey.cer. One certificate serves one integration record, role and entity.",
        "NetSuite shows a Certificate ID: keep it with the integration record's client id. The JWT client assertions are signed with netsuite-privatekey.pem and carry the Certificate ID as kid.",
        "Keep netsuite-privatekey.pem secret (mode 0600); it is never uploaded. The certificate is valid for two years at most: NetSuite mails administrators two months before it expires.",
    ],
    lints,
    published: crate::cert::policy::GENERIC.published,
};

fn lints(k: &KeyFacts<'_>, out: &mut Vec<Finding>) {
    let accepted = match k.algorithm {
        "RSA" => matches!(k.bits, 3072 | 4096),
        "EC" => matches!(k.bits, 256 | 384 | 521),
        _ => false,
    };
    if !accepted {
        out.push(finding(
            "netsuite-key-not-accepted",
            Severity::Error,
            format!("the key is {} {} bits; NetSuite's machine-to-machine mapping takes RSA 3072 or 4096 bits, or EC 256, 384 or 521 bits ({PAGE})", k.algorithm, k.bits),
            "make one that fits with `oauth1to2 cert new --for netsuite-m2m` (RSA 3072 by default)",
        ));
    }
    if k.lifetime_days > 731 {
        out.push(finding(
            "netsuite-validity-over-two-years",
            Severity::Warning,
            format!("the certificate is valid for {} days; NetSuite shortens any longer validity to two years, so it stops working before the date it carries ({PAGE})", k.lifetime_days),
            "make one valid for 730 days or less (`oauth1to2 cert new --for netsuite-m2m` does), and plan its rotation",
        ));
    }
}
