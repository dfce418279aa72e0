//! Private keys in the shapes legacy Xero integrations kept them: PKCS#1 PEM
//! (`BEGIN RSA PRIVATE KEY`, what `openssl genrsa` wrote), PKCS#8 PEM or DER (the `.pk8` Java
//! users made), encrypted PKCS#8, and `.pfx` files for .NET.
//!
//! [`PrivateKey`] never shows its material: `Debug` prints only where it came from and its size.

use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;

use super::{pkcs12, Error};
use crate::secret::Password;

/// An RSA private key and where it came from.
#[derive(Clone)]
pub struct PrivateKey {
    key: RsaPrivateKey,
    source: String,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("source", &self.source)
            .field("bits", &self.bits())
            .field("material", &"[REDACTED]")
            .finish()
    }
}

impl PrivateKey {
    /// Wraps a key made in this process.
    pub fn new(key: RsaPrivateKey, source: impl Into<String>) -> Self {
        PrivateKey {
            key,
            source: source.into(),
        }
    }

    /// Where the key came from (a file name, or `new key`).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.key.size() * 8
    }

    /// The RSA key, for signing.
    pub fn rsa(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// The public half.
    pub fn public_key(&self) -> RsaPublicKey {
        self.key.to_public_key()
    }

    /// PKCS#1 DER of the public key (what `openssl rsa -pubout -RSAPublicKey_out` writes).
    pub fn public_pkcs1_der(&self) -> Vec<u8> {
        self.public_key()
            .to_pkcs1_der()
            .map(|d| d.as_bytes().to_vec())
            .unwrap_or_default()
    }

    /// True if this key's public half has this modulus and exponent (big-endian bytes).
    pub fn matches_rsa_public(&self, modulus: &[u8], exponent: &[u8]) -> bool {
        self.key.n().to_bytes_be() == modulus && self.key.e().to_bytes_be() == exponent
    }

    /// Unencrypted PKCS#8 DER. Zeroized when dropped.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let doc = self.key.to_pkcs8_der().map_err(|e| Error::Key {
            input: self.source.clone(),
            detail: format!("cannot encode the key as PKCS#8: {e}"),
        })?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// Unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`). Zeroized when dropped.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        let der = self.to_pkcs8_der()?;
        Ok(Zeroizing::new(super::der_to_pem(&der, "PRIVATE KEY")))
    }
}

/// Reads a private key from `bytes` (PEM or DER, PKCS#1 or PKCS#8, encrypted PKCS#8, or
/// PKCS#12). `input` names the source in errors; `password` opens encrypted forms.
pub fn load_private_key(
    input: &str,
    bytes: &[u8],
    password: Option<&Password>,
) -> Result<PrivateKey, Error> {
    let key_err = |detail: &str| Error::Key {
        input: input.to_owned(),
        detail: detail.to_owned(),
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::Empty {
            input: input.to_owned(),
        });
    }
    let text = std::str::from_utf8(bytes).ok();
    if let Some(text) = text.filter(|t| t.contains("-----BEGIN")) {
        let blocks = pem::parse_many(text.replace("\r\n", "\n")).map_err(|_| {
            key_err("the PEM block is damaged (check the BEGIN/END lines and that nothing was cut)")
        })?;
        if text.contains("Proc-Type: 4,ENCRYPTED") {
            return Err(key_err("this key uses OpenSSL's legacy PEM encryption (Proc-Type: 4,ENCRYPTED), which we do not read; convert it once with `openssl pkcs8 -topk8 -in KEY -out key-pkcs8.pem` and use that"));
        }
        let Some(block) = blocks.iter().find(|b| b.tag().contains("PRIVATE KEY")) else {
            let labels: Vec<&str> = blocks.iter().map(|b| b.tag()).collect();
            return Err(key_err(&format!(
                "there is no private key here, only {}",
                if labels.is_empty() {
                    "text".to_owned()
                } else {
                    labels.join(", ")
                }
            )));
        };
        let der = Zeroizing::new(block.contents().to_vec());
        return match block.tag() {
            "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_der(&der)
                .map(|k| PrivateKey::new(k, input))
                .map_err(|_| key_err("the RSA PRIVATE KEY block is not a valid PKCS#1 key")),
            "PRIVATE KEY" => from_pkcs8(input, &der),
            "ENCRYPTED PRIVATE KEY" => from_encrypted_pkcs8(input, &der, password),
            other => Err(Error::NotRsa {
                input: input.to_owned(),
                algorithm: other.trim_end_matches(" PRIVATE KEY").to_owned(),
            }),
        };
    }
    // Binary: PKCS#8, PKCS#1, encrypted PKCS#8, then PKCS#12.
    if let Ok(k) = RsaPrivateKey::from_pkcs8_der(bytes) {
        return Ok(PrivateKey::new(k, input));
    }
    if let Ok(k) = RsaPrivateKey::from_pkcs1_der(bytes) {
        return Ok(PrivateKey::new(k, input));
    }
    if pkcs8::EncryptedPrivateKeyInfo::try_from(bytes).is_ok() {
        return from_encrypted_pkcs8(input, bytes, password);
    }
    if pkcs12::looks_like_pkcs12(bytes) {
        let password = password.ok_or_else(|| Error::PasswordNeeded {
            input: input.to_owned(),
        })?;
        let contents = pkcs12::read(input, bytes, password)?;
        return contents.private_key.ok_or_else(|| {
            key_err("this .pfx file holds no private key (it was exported without one)")
        });
    }
    if pkcs8::PrivateKeyInfo::try_from(bytes).is_ok() {
        return from_pkcs8(input, bytes);
    }
    Err(key_err("this is not a private key we can read"))
}

fn from_pkcs8(input: &str, der: &[u8]) -> Result<PrivateKey, Error> {
    match RsaPrivateKey::from_pkcs8_der(der) {
        Ok(k) => Ok(PrivateKey::new(k, input)),
        Err(_) => {
            let algorithm = pkcs8::PrivateKeyInfo::try_from(der)
                .map(|info| super::names::key_algorithm_name(&info.algorithm.oid.to_string()))
                .unwrap_or_else(|_| "unreadable".into());
            if algorithm == "RSA" {
                Err(Error::Key {
                    input: input.to_owned(),
                    detail: "the PKCS#8 key says RSA but its contents are damaged".into(),
                })
            } else {
                Err(Error::NotRsa {
                    input: input.to_owned(),
                    algorithm,
                })
            }
        }
    }
}

fn from_encrypted_pkcs8(
    input: &str,
    der: &[u8],
    password: Option<&Password>,
) -> Result<PrivateKey, Error> {
    let password = password.ok_or_else(|| Error::PasswordNeeded {
        input: input.to_owned(),
    })?;
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der).map_err(|_| Error::Key {
        input: input.to_owned(),
        detail: "the ENCRYPTED PRIVATE KEY block is damaged".into(),
    })?;
    let doc = info
        .decrypt(password.expose())
        .map_err(|_| Error::WrongPassword {
            input: input.to_owned(),
        })?;
    from_pkcs8(input, doc.as_bytes())
}

/// The RSA public key in a bare PEM public key (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`),
/// for checking RSA-SHA1 signatures; `None` when `text` holds no public-key block.
pub fn rsa_public_key_from_pem(
    input: &str,
    text: &str,
) -> Option<Result<rsa::RsaPublicKey, Error>> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    if !text.contains("-----BEGIN PUBLIC KEY-----")
        && !text.contains("-----BEGIN RSA PUBLIC KEY-----")
    {
        return None;
    }
    let t = text.trim();
    Some(
        rsa::RsaPublicKey::from_public_key_pem(t)
            .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(t))
            .map_err(|_| Error::VerifyingKey {
                input: input.to_owned(),
                detail: "it holds a public key that is not a readable RSA key".into(),
            }),
    )
}

/// The RSA public key of a certificate (DER), for checking RSA-SHA1 signatures.
pub fn rsa_public_key_of_certificate(input: &str, der: &[u8]) -> Result<rsa::RsaPublicKey, Error> {
    let bad = |detail: String| Error::VerifyingKey {
        input: input.to_owned(),
        detail,
    };
    let (_, parsed) = x509_parser::parse_x509_certificate(der).map_err(|e| bad(e.to_string()))?;
    match parsed.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(k)) => rsa::RsaPublicKey::new_with_max_size(
            rsa::BigUint::from_bytes_be(k.modulus),
            rsa::BigUint::from_bytes_be(k.exponent),
            16384,
        )
        .map_err(|e| bad(format!("unusable RSA key: {e}"))),
        _ => Err(bad(format!(
            "it holds a {} key; OAuth 1.0a RSA-SHA1 needs an RSA certificate",
            super::names::key_algorithm_name(
                &parsed.public_key().algorithm.algorithm.to_id_string()
            )
        ))),
    }
}
