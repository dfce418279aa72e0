//! Keypairs and X.509 certificates of legacy Xero OAuth 1.0a apps.
//!
//! What this module owns:
//! - reading certificates from PEM, DER, PKCS#12 and mangled pastes ([`load_certificates`],
//!   [`paste`]);
//! - describing a certificate ([`CertificateReport`]) and linting it ([`Finding`]);
//! - reading private keys in the formats Xero integrations kept them in ([`PrivateKey`]);
//! - making a new keypair and self-signed certificate ([`generate()`]);
//! - converting between formats ([`pkcs12`], [`der_to_pem`]).

mod error;
mod finding;
pub mod generate;
mod key;
mod lint;
mod names;
pub mod paste;
pub mod pkcs12;
pub mod policy;
mod published;
mod report;

pub use error::Error;
pub use generate::{generate, GeneratedIdentity, NewCertificate, Subject};
pub use key::{
    load_private_key, rsa_public_key_from_pem, rsa_public_key_of_certificate, PrivateKey,
};
pub use lint::{CheckOptions, Finding, Severity};
pub use paste::{PasteError, PastedCertificate, RepairNote, SkippedBlock};
pub use policy::KeyPolicy;
pub use published::{add_entries_from, published_certificate, PublishedCertificate};
pub use report::{
    analyse_partial, BasicConstraintsInfo, CertificateReport, Extensions, PartialReport,
    PublicKeyInfo,
};

use crate::secret::Password;

/// Builds the report for one DER certificate: fields, fingerprints, extensions, the
/// self-signature check and the lint findings for `options`.
pub fn analyse(
    input: &str,
    index: usize,
    der: &[u8],
    repairs: &[RepairNote],
    options: &CheckOptions<'_>,
) -> Result<CertificateReport, Error> {
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).map_err(|e| {
        Error::Unparseable {
            input: input.to_owned(),
            index,
            detail: e.to_string(),
        }
    })?;
    let facts = report::Facts::of(&cert);
    let mut out = report::build(input, index, der, &cert, &facts, repairs, options.now);
    out.findings = lint::run(&cert, &out, &facts, options);
    Ok(out)
}

/// How the input was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// PEM text, possibly repaired.
    Pem,
    /// Binary DER.
    Der,
    /// A PKCS#12 (`.pfx`/`.p12`) file.
    Pkcs12,
}

/// Certificates read from one input, with what was repaired on the way.
#[derive(Debug)]
pub struct LoadedCertificates {
    /// The input's name as the user gave it (`-` for stdin).
    pub input: String,
    /// How the input was encoded.
    pub format: InputFormat,
    /// Each certificate's DER, in input order.
    pub certificates: Vec<Vec<u8>>,
    /// Repairs made to pasted text.
    pub repairs: Vec<RepairNote>,
    /// Non-certificate blocks that were skipped (never decoded or shown).
    pub skipped: Vec<SkippedBlock>,
    /// The private key, when the input was a PKCS#12 file holding one.
    pub private_key: Option<PrivateKey>,
}

/// Reads every certificate in `bytes`: PEM (repairing pastes), DER (one or several
/// concatenated) or PKCS#12. `input` names the source in errors.
///
/// A PKCS#12 file needs `pfx_password`; without one the error is
/// [`Error::PasswordNeeded`], so a caller can ask for it and try again.
pub fn load_certificates(
    input: &str,
    bytes: &[u8],
    pfx_password: Option<&Password>,
) -> Result<LoadedCertificates, Error> {
    let input_name = input.to_owned();
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::Empty { input: input_name });
    }
    if bytes[0] == 0x30 {
        if let Some(ders) = split_der_certificates(bytes) {
            return Ok(LoadedCertificates {
                input: input_name,
                format: InputFormat::Der,
                certificates: ders,
                repairs: Vec::new(),
                skipped: Vec::new(),
                private_key: None,
            });
        }
        if pkcs12::looks_like_pkcs12(bytes) {
            let password = pfx_password.ok_or_else(|| Error::PasswordNeeded {
                input: input_name.clone(),
            })?;
            let contents = pkcs12::read(input, bytes, password)?;
            if contents.certificates.is_empty() {
                return Err(Error::NoCertificateInPkcs12 { input: input_name });
            }
            return Ok(LoadedCertificates {
                input: input_name,
                format: InputFormat::Pkcs12,
                certificates: contents.certificates,
                repairs: Vec::new(),
                skipped: Vec::new(),
                private_key: contents.private_key,
            });
        }
        if is_binary(bytes) {
            return Err(Error::UnknownBinary { input: input_name });
        }
    }
    if is_binary(bytes) && !bytes.starts_with(&[0xFF, 0xFE]) && !bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Error::UnknownBinary { input: input_name });
    }
    let pasted = paste::repair(bytes).map_err(|source| Error::Paste {
        input: input_name.clone(),
        source,
    })?;
    Ok(LoadedCertificates {
        input: input_name,
        format: InputFormat::Pem,
        certificates: pasted.certificates.into_iter().map(|c| c.der).collect(),
        repairs: pasted.repairs,
        skipped: pasted.skipped,
        private_key: None,
    })
}

/// Binary data has control bytes that text never has (NUL and friends).
fn is_binary(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .take(4096)
        .any(|&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
}

/// Splits concatenated DER certificates; `None` if the bytes are not exactly that.
fn split_der_certificates(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let len = paste::der_total_len(rest)?;
        if len > rest.len() {
            return None;
        }
        let (one, tail) = rest.split_at(len);
        // A certificate is SEQUENCE { SEQUENCE tbs, SEQUENCE alg, BIT STRING sig }.
        x509_parser::parse_x509_certificate(one).ok()?;
        out.push(one.to_vec());
        rest = tail;
    }
    Some(out)
}

/// Encodes DER as PEM with 64-character lines and `\n` line endings.
pub fn der_to_pem(der: &[u8], label: &str) -> String {
    let p = pem::Pem::new(label, der.to_vec());
    pem::encode_config(
        &p,
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// Lower-case hex without separators, as in `--json` fingerprints.
pub fn hex_lower(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Upper-case hex with colons, as openssl prints fingerprints.
pub fn hex_colons(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}
