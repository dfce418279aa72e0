//! PKCS#12 (`.pfx`) files, the format Xero's instructions gave .NET users
//! (`public_privatekey.pfx`). Reading and writing go through the `p12-keystore` crate.
//!
//! We write modern files by default (PBES2: PBKDF2-HMAC-SHA256 with AES-256-CBC, HMAC-SHA256
//! MAC), which is what OpenSSL 3 writes. Old .NET Framework readers need the legacy profile
//! (3DES with SHA-1 and a SHA-1 MAC): ask for it with `legacy`.

use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, Pkcs12ImportPolicy,
    PrivateKeyChain,
};
use rsa::pkcs8::DecodePrivateKey;

use super::{Error, PrivateKey};
use crate::secret::Password;

/// What a `.pfx` file held.
#[derive(Debug, Default)]
pub struct Pkcs12Contents {
    /// The private key, if there was one.
    pub private_key: Option<PrivateKey>,
    /// Certificates: the key's chain first (entity certificate first), then any others.
    pub certificates: Vec<Vec<u8>>,
}

/// Cheap structural test: PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, ... }.
pub fn looks_like_pkcs12(bytes: &[u8]) -> bool {
    let Some(total) = super::paste::der_total_len(bytes) else {
        return false;
    };
    if total > bytes.len() {
        return false;
    }
    let header = if bytes[1] < 0x80 {
        2
    } else {
        2 + (bytes[1] & 0x7f) as usize
    };
    bytes.get(header..header + 3) == Some(&[0x02, 0x01, 0x03])
}

/// Opens a `.pfx` file.
pub fn read(input: &str, bytes: &[u8], password: &Password) -> Result<Pkcs12Contents, Error> {
    let store = KeyStore::from_pkcs12(bytes, password.expose(), Pkcs12ImportPolicy::Relaxed)
        .map_err(|e| classify(input, e))?;
    let mut out = Pkcs12Contents::default();
    if let Some((_, chain)) = store.private_key_chain() {
        let key = rsa::RsaPrivateKey::from_pkcs8_der(chain.key().as_der()).map_err(|_| {
            Error::NotRsa {
                input: input.to_owned(),
                algorithm: "non-RSA".into(),
            }
        })?;
        out.private_key = Some(PrivateKey::new(key, input));
        out.certificates
            .extend(chain.certs().iter().map(|c| c.as_der().to_vec()));
    }
    for (_, entry) in store.entries() {
        if let KeyStoreEntry::Certificate(c) = entry {
            let der = c.as_der().to_vec();
            if !out.certificates.contains(&der) {
                out.certificates.push(der);
            }
        }
    }
    Ok(out)
}

fn classify(input: &str, e: p12_keystore::error::Error) -> Error {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    if lower.contains("mac") || lower.contains("password") || lower.contains("decrypt") {
        Error::WrongPassword {
            input: input.to_owned(),
        }
    } else {
        Error::Pkcs12 {
            input: input.to_owned(),
            detail: text,
        }
    }
}

/// Writes a `.pfx` holding `key` and its certificate, protected by `password`.
pub fn write(
    key: &PrivateKey,
    certificate_der: &[u8],
    password: &Password,
    legacy: bool,
) -> Result<Vec<u8>, Error> {
    let gen_err = |detail: String| Error::Generate { detail };
    let pkcs8 = key.to_pkcs8_der()?;
    let key = p12_keystore::PrivateKey::from_der(&pkcs8).map_err(|e| gen_err(e.to_string()))?;
    let cert = Certificate::from_der(certificate_der).map_err(|e| gen_err(e.to_string()))?;
    // The local key id ties the key bag to its certificate bag; openssl uses the SHA-1 of the
    // certificate, and so do we.
    let local_key_id = {
        use sha1::{Digest, Sha1};
        Sha1::digest(certificate_der).to_vec()
    };
    let mut store = KeyStore::new();
    // The entry's alias (friendly name); readers ignore it.
    store.add_entry(
        "oauth1to2",
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, [cert])),
    );
    let writer = store.writer(password.expose());
    let writer = if legacy {
        writer
            .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
            .mac_algorithm(MacAlgorithm::HmacSha1)
    } else {
        writer
            .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
            .mac_algorithm(MacAlgorithm::HmacSha256)
    };
    writer
        .encryption_iterations(2048)
        .mac_iterations(2048)
        .write()
        .map_err(|e| gen_err(e.to_string()))
}
