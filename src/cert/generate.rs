//! `cert new`: an RSA keypair and a self-signed X.509 v3 certificate of the kind a Xero private
//! app needed.
//!
//! rcgen's defaults are wrong for us (validity 1975-4096, a fixed subject, a serial derived from
//! the key, no key usage), so every field is set here on purpose: SHA-256 signature, a random
//! positive 127-bit serial, `basicConstraints CA:FALSE` and `keyUsage digitalSignature` (both
//! critical), subject and authority key identifiers (RFC 5280 method 1), and the subject and validity the user chose. The key is
//! made by aws-lc-rs through rcgen, which also signs the certificate.

use rcgen::{
    CertificateParams, DistinguishedName, DnType, DnValue, IsCa, KeyIdMethod, KeyPair,
    KeyUsagePurpose, RsaKeySize, SanType, SerialNumber,
};
use rsa::pkcs8::DecodePrivateKey;
use rsa::RsaPrivateKey;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::{Error, PrivateKey};

/// Key sizes `cert new` offers.
pub const ALLOWED_BITS: [usize; 3] = [2048, 3072, 4096];

/// One attribute of a subject name, in the order it will appear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectPart {
    /// C: two-letter country code.
    Country(String),
    /// ST.
    State(String),
    /// L.
    Locality(String),
    /// O.
    Organization(String),
    /// OU.
    OrganizationalUnit(String),
    /// CN.
    CommonName(String),
    /// emailAddress (PKCS#9), as Xero's old openssl prompts asked for it.
    Email(String),
}

/// A subject name for a new certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject(pub Vec<SubjectPart>);

impl Subject {
    /// Parses `C=NZ, O=Example Ltd, CN=app` (or openssl's `/C=NZ/O=Example Ltd/CN=app`).
    pub fn parse(text: &str) -> Result<Subject, Error> {
        let err = |detail: String| Error::Subject { detail };
        let trimmed = text.trim();
        let pieces: Vec<&str> = if let Some(rest) = trimmed.strip_prefix('/') {
            rest.split('/').collect()
        } else {
            trimmed.split(',').collect()
        };
        let mut parts = Vec::new();
        for piece in pieces.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            let (k, v) = piece
                .split_once('=')
                .ok_or_else(|| err(format!("`{piece}` is not KEY=VALUE")))?;
            let v = v.trim().to_owned();
            parts.push(match k.trim().to_ascii_uppercase().as_str() {
                "C" => SubjectPart::Country(v),
                "ST" | "S" => SubjectPart::State(v),
                "L" => SubjectPart::Locality(v),
                "O" => SubjectPart::Organization(v),
                "OU" => SubjectPart::OrganizationalUnit(v),
                "CN" => SubjectPart::CommonName(v),
                "E" | "EMAIL" | "EMAILADDRESS" => SubjectPart::Email(v),
                other => {
                    return Err(err(format!(
                        "unknown attribute `{other}`; use C, ST, L, O, OU, CN or emailAddress"
                    )))
                }
            });
        }
        let s = Subject(parts);
        s.validate()?;
        Ok(s)
    }

    /// Checks each value against RFC 5280's encodings and upper bounds.
    pub fn validate(&self) -> Result<(), Error> {
        let err = |detail: String| Error::Subject { detail };
        if !self
            .0
            .iter()
            .any(|p| matches!(p, SubjectPart::CommonName(_) | SubjectPart::Organization(_)))
        {
            return Err(err(
                "the subject needs a common name (CN) or an organisation (O)".into(),
            ));
        }
        for p in &self.0 {
            let (name, value, max) = match p {
                SubjectPart::Country(v) => {
                    if v.len() != 2 || !v.chars().all(|c| c.is_ascii_uppercase()) {
                        return Err(err(format!(
                            "country `{v}` must be a two-letter upper-case ISO 3166 code such as NZ, AU, GB or US"
                        )));
                    }
                    ("C", v, 2)
                }
                SubjectPart::State(v) => ("ST", v, 128),
                SubjectPart::Locality(v) => ("L", v, 128),
                SubjectPart::Organization(v) => ("O", v, 64),
                SubjectPart::OrganizationalUnit(v) => ("OU", v, 64),
                SubjectPart::CommonName(v) => ("CN", v, 64),
                SubjectPart::Email(v) => {
                    if !v.is_ascii() || !v.contains('@') {
                        return Err(err(format!("email `{v}` is not an ASCII e-mail address")));
                    }
                    ("emailAddress", v, 255)
                }
            };
            if value.is_empty() {
                return Err(err(format!("{name} is empty")));
            }
            if value.chars().count() > max {
                return Err(err(format!(
                    "{name} is {} characters; RFC 5280 allows at most {max}",
                    value.chars().count()
                )));
            }
        }
        Ok(())
    }

    fn to_rcgen(&self) -> Result<DistinguishedName, Error> {
        let mut dn = DistinguishedName::new();
        for p in &self.0 {
            match p {
                SubjectPart::Country(v) => dn.push(
                    DnType::CountryName,
                    DnValue::PrintableString(v.as_str().try_into().map_err(|_| {
                        Error::Subject {
                            detail: format!("country `{v}` is not printable"),
                        }
                    })?),
                ),
                SubjectPart::State(v) => dn.push(DnType::StateOrProvinceName, v.as_str()),
                SubjectPart::Locality(v) => dn.push(DnType::LocalityName, v.as_str()),
                SubjectPart::Organization(v) => dn.push(DnType::OrganizationName, v.as_str()),
                SubjectPart::OrganizationalUnit(v) => {
                    dn.push(DnType::OrganizationalUnitName, v.as_str())
                }
                SubjectPart::CommonName(v) => dn.push(DnType::CommonName, v.as_str()),
                SubjectPart::Email(v) => dn.push(
                    DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
                    DnValue::Ia5String(v.as_str().try_into().map_err(|_| Error::Subject {
                        detail: format!("email `{v}` is not IA5 (ASCII)"),
                    })?),
                ),
            }
        }
        Ok(dn)
    }
}

/// An EC curve `cert new` offers (NetSuite's machine-to-machine mapping takes all three).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (secp256r1), signing ES256.
    P256,
    /// NIST P-384 (secp384r1), signing ES384.
    P384,
    /// NIST P-521 (secp521r1), signing ES512.
    P521,
}

impl Curve {
    /// The name openssl and the certificate report use (`P-256`).
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The key size in bits, as the report counts it.
    pub fn bits(self) -> usize {
        match self {
            Curve::P256 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
        }
    }

    fn rcgen(self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            Curve::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            Curve::P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            Curve::P521 => &rcgen::PKCS_ECDSA_P521_SHA512,
        }
    }
}

/// The kind of key to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// RSA with this modulus size: 2048, 3072 or 4096.
    Rsa(usize),
    /// ECDSA on this curve.
    Ec(Curve),
}

impl KeyType {
    /// How people say it: `3072-bit RSA`, `EC P-256`.
    pub fn describe(self) -> String {
        match self {
            KeyType::Rsa(bits) => format!("{bits}-bit RSA"),
            KeyType::Ec(c) => format!("EC {}", c.name()),
        }
    }
}

/// A new private key: RSA (held like any key read from a file), or EC (its PKCS#8). Its
/// `Debug` shows nothing of the key.
pub enum NewKey {
    /// An RSA key.
    Rsa(Box<PrivateKey>),
    /// An EC key, as PKCS#8 DER.
    Ec {
        /// The curve.
        curve: Curve,
        /// The key, PKCS#8 DER.
        pkcs8: Zeroizing<Vec<u8>>,
    },
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NewKey::Rsa(k) => k.fmt(f),
            NewKey::Ec { curve, .. } => f
                .debug_struct("NewKey::Ec")
                .field("curve", curve)
                .finish_non_exhaustive(),
        }
    }
}

impl NewKey {
    /// The key as PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        match self {
            NewKey::Rsa(k) => k.to_pkcs8_der(),
            NewKey::Ec { pkcs8, .. } => Ok(pkcs8.clone()),
        }
    }

    /// The key as PKCS#8 PEM (`PRIVATE KEY`).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        match self {
            NewKey::Rsa(k) => k.to_pkcs8_pem(),
            NewKey::Ec { pkcs8, .. } => Ok(Zeroizing::new(super::der_to_pem(pkcs8, "PRIVATE KEY"))),
        }
    }

    /// The RSA key, when it is one (PKCS#12 and OAuth 1.0a signing want RSA).
    pub fn rsa(&self) -> Option<&PrivateKey> {
        match self {
            NewKey::Rsa(k) => Some(k),
            NewKey::Ec { .. } => None,
        }
    }
}

/// What to make.
#[derive(Debug, Clone)]
pub struct NewCertificate {
    /// The key: RSA 2048, 3072 or 4096, or EC P-256, P-384 or P-521.
    pub key_type: KeyType,
    /// Days of validity from `now`.
    pub days: u32,
    /// The subject (also the issuer: the certificate is self-signed).
    pub subject: Subject,
    /// The start of validity.
    pub now: OffsetDateTime,
}

/// A new keypair and its certificate.
#[derive(Debug)]
pub struct GeneratedIdentity {
    /// The private key (its `Debug` is redacted).
    pub key: NewKey,
    /// The certificate, DER.
    pub certificate_der: Vec<u8>,
    /// The certificate, PEM, ready to paste.
    pub certificate_pem: String,
}

/// Checks a request before any expensive work, so errors come at once.
pub fn validate(request: &NewCertificate) -> Result<(), Error> {
    if let KeyType::Rsa(bits) = request.key_type {
        if !ALLOWED_BITS.contains(&bits) {
            return Err(Error::KeySize { bits });
        }
    }
    if request.days == 0 || request.days > 36_500 {
        return Err(Error::Validity {
            detail: format!("{} days is outside 1..=36500", request.days),
        });
    }
    request.subject.validate()
}

/// Makes the keypair and the self-signed certificate.
pub fn generate(request: &NewCertificate) -> Result<GeneratedIdentity, Error> {
    validate(request)?;
    let gen_err = |e: &dyn std::fmt::Display| Error::Generate {
        detail: e.to_string(),
    };
    // aws-lc-rs makes the key (as fast as openssl, and constant-time). An RSA key is then held
    // by the rsa crate, for matching and signing like any key read from a file.
    let (key_pair, key) = match request.key_type {
        KeyType::Rsa(bits) => {
            let size = match bits {
                2048 => RsaKeySize::_2048,
                3072 => RsaKeySize::_3072,
                _ => RsaKeySize::_4096,
            };
            let key_pair = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, size)
                .map_err(|e| gen_err(&e))?;
            let pkcs8 = Zeroizing::new(key_pair.serialized_der().to_vec());
            let rsa_key = RsaPrivateKey::from_pkcs8_der(&pkcs8).map_err(|e| gen_err(&e))?;
            (
                key_pair,
                NewKey::Rsa(Box::new(PrivateKey::new(rsa_key, "new key"))),
            )
        }
        KeyType::Ec(curve) => {
            let key_pair = KeyPair::generate_for(curve.rcgen()).map_err(|e| gen_err(&e))?;
            let pkcs8 = Zeroizing::new(key_pair.serialized_der().to_vec());
            (key_pair, NewKey::Ec { curve, pkcs8 })
        }
    };
    let certificate_der = sign(&key_pair, request)?;
    let certificate_pem = super::der_to_pem(&certificate_der, "CERTIFICATE");
    Ok(GeneratedIdentity {
        key,
        certificate_der,
        certificate_pem,
    })
}

fn sign(key_pair: &KeyPair, request: &NewCertificate) -> Result<Vec<u8>, Error> {
    let gen_err = |e: rcgen::Error| Error::Generate {
        detail: e.to_string(),
    };
    let mut params = CertificateParams::default();
    // Seconds only: certificates carry no fractions, and a round start time reads better.
    let start = request.now.replace_nanosecond(0).unwrap_or(request.now);
    params.not_before = start;
    params.not_after = start + Duration::days(i64::from(request.days));
    params.serial_number = Some(random_serial());
    params.distinguished_name = request.subject.to_rcgen()?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = Vec::new();
    // RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (RSA: the PKCS#1
    // RSAPublicKey; EC: the point). pkilint recognises it; rcgen's truncated SHA-256 draws an
    // "unknown method" notice.
    params.key_identifier_method = KeyIdMethod::PreSpecified({
        use sha1::{Digest, Sha1};
        Sha1::digest(key_pair.public_key_raw()).to_vec()
    });
    // Self-signed certificates may omit the AKI, but linters (pkilint) want it; it equals the SKI.
    params.use_authority_key_identifier_extension = true;
    // An e-mail in the subject must also be in subjectAltName (RFC 5280 4.1.2.6).
    params.subject_alt_names = request
        .subject
        .0
        .iter()
        .filter_map(|p| match p {
            SubjectPart::Email(e) => e.as_str().try_into().ok().map(SanType::Rfc822Name),
            _ => None,
        })
        .collect();
    let cert = params.self_signed(key_pair).map_err(gen_err)?;
    Ok(cert.der().to_vec())
}

/// 16 random bytes with the top bit clear (positive) and the next bit set (no leading zero
/// byte, so always 16 bytes on the wire): 126 bits of randomness, above RFC 5280's 64.
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_parse_in_both_styles() {
        let a = Subject::parse("C=NZ, O=Example Ltd, CN=Xero app").unwrap();
        let b = Subject::parse("/C=NZ/O=Example Ltd/CN=Xero app").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.0[0], SubjectPart::Country("NZ".into()));
    }

    #[test]
    fn bad_subjects_are_refused_with_the_reason() {
        let e = Subject::parse("C=New Zealand, CN=x").unwrap_err();
        assert!(e.to_string().contains("two-letter"), "{e}");
        let e = Subject::parse("C=NZ").unwrap_err();
        assert!(e.to_string().contains("common name"), "{e}");
        let e = Subject::parse("CN").unwrap_err();
        assert!(e.to_string().contains("KEY=VALUE"), "{e}");
    }

    #[test]
    fn small_keys_are_refused_before_any_work() {
        let req = NewCertificate {
            key_type: KeyType::Rsa(1024),
            days: 1825,
            subject: Subject::parse("CN=x").unwrap(),
            now: OffsetDateTime::now_utc(),
        };
        assert!(matches!(validate(&req), Err(Error::KeySize { bits: 1024 })));
    }

    #[test]
    fn the_subject_key_identifier_is_the_sha1_of_the_public_key_bits() {
        use sha1::{Digest, Sha1};
        // RSA: rcgen's raw public key is the PKCS#1 RSAPublicKey, as the rsa crate encodes it.
        let kp = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048).unwrap();
        let pkcs8 = kp.serialized_der().to_vec();
        let rsa_key = PrivateKey::new(RsaPrivateKey::from_pkcs8_der(&pkcs8).unwrap(), "t");
        assert_eq!(kp.public_key_raw(), rsa_key.public_pkcs1_der().as_slice());
        // EC: the uncompressed point (0x04, x, y) of 65 bytes for P-256.
        let req = NewCertificate {
            key_type: KeyType::Ec(Curve::P256),
            days: 30,
            subject: Subject::parse("CN=x").unwrap(),
            now: OffsetDateTime::now_utc(),
        };
        let id = generate(&req).unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(&id.certificate_der).unwrap();
        let point = cert.public_key().subject_public_key.data.to_vec();
        assert_eq!((point.len(), point[0]), (65, 4));
        let ski = cert
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => {
                    Some(k.0.to_vec())
                }
                _ => None,
            })
            .unwrap();
        assert_eq!(ski, Sha1::digest(&point).to_vec());
        assert!(id.key.rsa().is_none());
        assert_eq!(format!("{:?}", id.key), "NewKey::Ec { curve: P256, .. }");
    }
}
