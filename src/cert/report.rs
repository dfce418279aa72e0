//! [`CertificateReport`]: everything a consultant needs to know about one certificate, built from
//! its DER with x509-parser. The JSON field names are a stable interface (`docs/json.md`).

use serde::Serialize;
use sha1::{Digest, Sha1};
use sha2::Sha256;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use super::finding::Finding;
use super::names;
use super::paste::RepairNote;

/// What one certificate is, and what is wrong with it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateReport {
    /// The input it came from (`-` for stdin).
    pub input: String,
    /// 1-based position within that input.
    pub index: usize,
    /// Subject, in certificate order: `C=NZ, O=Example, CN=...`.
    pub subject: String,
    /// Issuer, same form.
    pub issuer: String,
    /// Serial number, lower-case hex (a leading `-` for negative serials).
    pub serial: String,
    /// X.509 version (1, 2 or 3).
    pub version: u32,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// Whole days from the check time to `not_after` (negative once expired).
    pub days_left: i64,
    /// The subject public key.
    pub public_key: PublicKeyInfo,
    /// openssl's name for the signature algorithm, e.g. `sha256WithRSAEncryption`.
    pub signature_algorithm: String,
    /// SHA-1 of the DER, lower-case hex without separators.
    pub sha1_fingerprint: String,
    /// SHA-256 of the DER, lower-case hex without separators.
    pub sha256_fingerprint: String,
    /// SHA-1 of the DER in base64url without padding: the JOSE `x5t` header (and Entra's
    /// thumbprint form).
    pub x5t: String,
    /// SHA-256 of the DER in base64url without padding: the JOSE `x5t#S256` header.
    #[serde(rename = "x5t#S256")]
    pub x5t_s256: String,
    /// The extensions we report on.
    pub extensions: Extensions,
    /// Issuer and subject are the same name.
    pub self_signed: bool,
    /// For a self-signed certificate, whether its signature verifies with its own key;
    /// `null` when not self-signed or the algorithm is not supported.
    pub self_signature_valid: Option<bool>,
    /// Lint findings (see `docs/lints.md`).
    pub findings: Vec<Finding>,
    /// Repairs made to the input text on the way to this certificate.
    pub repairs: Vec<RepairNote>,
}

/// Public key algorithm and size.
#[derive(Debug, Clone, Serialize)]
pub struct PublicKeyInfo {
    /// `RSA`, `EC`, `Ed25519`, `DSA`, ... or the dotted OID.
    pub algorithm: String,
    /// Key size in bits (the modulus size for RSA).
    pub bits: usize,
    /// The named curve, for EC keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
}

/// The extensions `cert inspect` reports. Absent extensions are `null` (or empty lists).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Extensions {
    /// basicConstraints.
    pub basic_constraints: Option<BasicConstraintsInfo>,
    /// keyUsage bits by openssl name (`digitalSignature`, `keyCertSign`, ...).
    pub key_usage: Option<Vec<String>>,
    /// extendedKeyUsage purposes.
    pub extended_key_usage: Option<Vec<String>>,
    /// subjectAltName entries as `DNS:...`, `email:...`, `IP:...`, `URI:...`.
    pub subject_alt_names: Vec<String>,
    /// subjectKeyIdentifier, lower-case hex.
    pub subject_key_identifier: Option<String>,
    /// authorityKeyIdentifier keyIdentifier, lower-case hex.
    pub authority_key_identifier: Option<String>,
}

/// basicConstraints.
#[derive(Debug, Clone, Serialize)]
pub struct BasicConstraintsInfo {
    /// `CA:TRUE`.
    pub ca: bool,
    /// pathLenConstraint, if any.
    pub path_len: Option<u32>,
    /// Marked critical.
    pub critical: bool,
}

/// Builds the report for one DER certificate: fields, fingerprints, extensions and the
/// self-signature check, with no findings yet (the lints add them: [`super::analyse`]).
pub fn build(
    input: &str,
    index: usize,
    der: &[u8],
    cert: &X509Certificate<'_>,
    facts: &Facts,
    repairs: &[RepairNote],
    now: OffsetDateTime,
) -> CertificateReport {
    let validity = cert.validity();
    let not_before = validity.not_before.to_datetime();
    let not_after = validity.not_after.to_datetime();
    // Rounded to the nearest day, so a fresh 1825-day certificate shows 1825, not 1824.
    let days_left = ((not_after - now).whole_seconds() + 43_200).div_euclid(86_400);

    let self_signed = cert.subject().as_raw() == cert.issuer().as_raw();
    let self_signature_valid = if self_signed {
        verify_own_signature(cert, facts)
    } else {
        None
    };

    CertificateReport {
        input: input.to_owned(),
        index,
        subject: names::format_name(cert.subject()),
        issuer: names::format_name(cert.issuer()),
        serial: serial_hex(cert.raw_serial()),
        version: cert.version().0 + 1,
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        days_left,
        public_key: facts.public_key.clone(),
        signature_algorithm: names::signature_algorithm_name(&facts.signature_oid),
        sha1_fingerprint: hex::encode(Sha1::digest(der)),
        sha256_fingerprint: hex::encode(Sha256::digest(der)),
        x5t: b64url(&Sha1::digest(der)),
        x5t_s256: b64url(&Sha256::digest(der)),
        extensions: extensions(cert),
        self_signed,
        self_signature_valid,
        findings: Vec::new(),
        repairs: repairs.to_vec(),
    }
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What can be read of a certificate that x509-parser refuses (openssl may still read it, as
/// it does the pyca corpus's `badasn1time.pem`): the fingerprints, which come from the DER
/// bytes alone, each field of the tbsCertificate that parses on its own, and the first one that
/// does not.
#[derive(Debug, Clone, Serialize)]
pub struct PartialReport {
    /// The input it came from (`-` for stdin).
    pub input: String,
    /// 1-based position within that input.
    pub index: usize,
    /// Always true: tells this object from a full [`CertificateReport`] in JSON.
    pub partial: bool,
    /// The first field that could not be read, in words.
    pub malformed: String,
    /// The parser's own words for the failure.
    pub parser_error: String,
    /// Subject, if it could be read.
    pub subject: Option<String>,
    /// Issuer, if it could be read.
    pub issuer: Option<String>,
    /// Serial number, lower-case hex.
    pub serial: Option<String>,
    /// Signature algorithm, if it could be read.
    pub signature_algorithm: Option<String>,
    /// Public key algorithm, if it could be read.
    pub public_key_algorithm: Option<String>,
    /// SHA-1 of the DER, lower-case hex.
    pub sha1_fingerprint: String,
    /// SHA-256 of the DER, lower-case hex.
    pub sha256_fingerprint: String,
}

/// One DER element: `(tag, whole element, contents)`. Definite lengths only.
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    let whole = b.get(..end)?;
    Some((tag, whole, &whole[header..]))
}

/// Reads what it can of a certificate that does not parse; `parser_error` is why it did not.
pub fn analyse_partial(input: &str, index: usize, der: &[u8], parser_error: &str) -> PartialReport {
    use x509_parser::prelude::{AlgorithmIdentifier, SubjectPublicKeyInfo, Validity, X509Name};
    let mut r = PartialReport {
        input: input.to_owned(),
        index,
        partial: true,
        malformed: String::new(),
        parser_error: parser_error.to_owned(),
        subject: None,
        issuer: None,
        serial: None,
        signature_algorithm: None,
        public_key_algorithm: None,
        sha1_fingerprint: hex::encode(Sha1::digest(der)),
        sha256_fingerprint: hex::encode(Sha256::digest(der)),
    };
    let fields = tlv(der)
        .and_then(|(_, _, outer)| tlv(outer))
        .filter(|(tag, _, _)| *tag == 0x30)
        .map(|(_, _, tbs)| {
            let mut v = Vec::new();
            let mut rest = tbs;
            while let Some((tag, whole, contents)) = tlv(rest) {
                v.push((tag, whole, contents));
                rest = &rest[whole.len()..];
            }
            v
        });
    let Some(mut fields) = fields else {
        r.malformed =
            "the certificate's outer structure (it is not a DER SEQUENCE holding a tbsCertificate)"
                .into();
        return r;
    };
    if fields.first().is_some_and(|f| f.0 == 0xa0) {
        fields.remove(0); // [0] version
    }
    let mut it = fields.into_iter();
    let missing = |what: &str, r: &mut PartialReport| {
        if r.malformed.is_empty() {
            r.malformed = what.to_owned();
        }
    };
    match it.next() {
        Some((0x02, _, c)) => r.serial = Some(serial_hex(c)),
        _ => missing("the serial number", &mut r),
    }
    match it.next().map(|f| AlgorithmIdentifier::from_der(f.1)) {
        Some(Ok((_, a))) => {
            r.signature_algorithm =
                Some(names::signature_algorithm_name(&a.algorithm.to_id_string()))
        }
        _ => missing("the signature algorithm", &mut r),
    }
    match it.next().map(|f| X509Name::from_der(f.1)) {
        Some(Ok((_, n))) => r.issuer = Some(names::format_name(&n)),
        _ => missing("the issuer name", &mut r),
    }
    match it.next().map(|f| Validity::from_der(f.1)) {
        Some(Ok(_)) => {}
        _ => missing("the validity dates (notBefore / notAfter)", &mut r),
    }
    match it.next().map(|f| X509Name::from_der(f.1)) {
        Some(Ok((_, n))) => r.subject = Some(names::format_name(&n)),
        _ => missing("the subject name", &mut r),
    }
    match it.next().map(|f| SubjectPublicKeyInfo::from_der(f.1)) {
        Some(Ok((_, k))) => {
            r.public_key_algorithm = Some(names::key_algorithm_name(
                &k.algorithm.algorithm.to_id_string(),
            ))
        }
        _ => missing("the public key", &mut r),
    }
    missing("the extensions or the signature", &mut r);
    r
}

/// What lints need beyond the report's printable fields.
pub(crate) struct Facts {
    pub public_key: PublicKeyInfo,
    pub signature_oid: String,
    /// RSA modulus and exponent, big-endian without leading zeros.
    pub rsa: Option<(Vec<u8>, Vec<u8>)>,
}

impl Facts {
    pub(crate) fn of(cert: &X509Certificate<'_>) -> Facts {
        let spki = cert.public_key();
        let alg_oid = spki.algorithm.algorithm.to_id_string();
        let mut rsa = None;
        let (bits, curve) = match spki.parsed() {
            Ok(PublicKey::RSA(k)) => {
                rsa = Some((
                    strip_zeros(k.modulus).to_vec(),
                    strip_zeros(k.exponent).to_vec(),
                ));
                (k.key_size(), None)
            }
            Ok(PublicKey::EC(point)) => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string());
                let name = curve.as_deref().and_then(names::curve_name);
                let bits = match name {
                    Some("P-256") | Some("secp256k1") => 256,
                    Some("P-384") => 384,
                    Some("P-521") => 521,
                    Some("P-192") => 192,
                    Some("P-224") => 224,
                    _ => point.key_size(),
                };
                (bits, name.map(str::to_owned).or(curve))
            }
            Ok(PublicKey::DSA(_)) => (dsa_bits(spki), None),
            Ok(other) => match alg_oid.as_str() {
                "1.3.101.112" | "1.3.101.110" => (256, None),
                "1.3.101.113" => (456, None),
                "1.3.101.111" => (448, None),
                _ => (other.key_size(), None),
            },
            Err(_) => (0, None),
        };
        Facts {
            public_key: PublicKeyInfo {
                algorithm: names::key_algorithm_name(&alg_oid),
                bits,
                curve,
            },
            signature_oid: cert.signature_algorithm.algorithm.to_id_string(),
            rsa,
        }
    }
}

fn dsa_bits(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> usize {
    // Dss-Parms ::= SEQUENCE { p INTEGER, q INTEGER, g INTEGER }: the size of p.
    use x509_parser::der_parser::ber::parse_ber_sequence;
    spki.algorithm
        .parameters
        .as_ref()
        .and_then(|p| parse_ber_sequence(p.as_bytes()).ok())
        .and_then(|(_, seq)| {
            seq.as_sequence()
                .ok()
                .and_then(|items| items.first().and_then(|p| p.as_slice().ok()))
                .map(|p| strip_zeros(p).len() * 8)
        })
        .unwrap_or(0)
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[first..]
}

/// RFC 3339 in UTC with seconds, e.g. `2012-04-02T21:47:23Z`.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// Serial as lower-case hex, from the raw DER integer content. Negative serials (invalid, but
/// they exist) are shown with a minus sign, as openssl does.
fn serial_hex(raw: &[u8]) -> String {
    if raw.is_empty() {
        return "00".into();
    }
    if raw[0] & 0x80 != 0 {
        // Two's complement magnitude.
        let mut mag = raw.to_vec();
        for b in mag.iter_mut() {
            *b = !*b;
        }
        for b in mag.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
        let s = hex::encode(strip_zeros(&mag));
        return format!("-{}", if s.is_empty() { "00".into() } else { s });
    }
    let s = hex::encode(strip_zeros(raw));
    if s.is_empty() {
        "00".into()
    } else {
        s
    }
}

fn extensions(cert: &X509Certificate<'_>) -> Extensions {
    let mut ext = Extensions::default();
    for e in cert.iter_extensions() {
        match e.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => {
                ext.basic_constraints = Some(BasicConstraintsInfo {
                    ca: bc.ca,
                    path_len: bc.path_len_constraint,
                    critical: e.critical,
                })
            }
            ParsedExtension::KeyUsage(ku) => {
                ext.key_usage = Some(
                    ku.to_string()
                        .split(", ")
                        .filter(|s| !s.is_empty())
                        .map(|s| lower_first(s.trim()))
                        .collect(),
                )
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let mut v = Vec::new();
                let flags = [
                    (eku.any, "2.5.29.37.0"),
                    (eku.server_auth, "1.3.6.1.5.5.7.3.1"),
                    (eku.client_auth, "1.3.6.1.5.5.7.3.2"),
                    (eku.code_signing, "1.3.6.1.5.5.7.3.3"),
                    (eku.email_protection, "1.3.6.1.5.5.7.3.4"),
                    (eku.time_stamping, "1.3.6.1.5.5.7.3.8"),
                    (eku.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
                ];
                for (set, oid) in flags {
                    if set {
                        v.push(names::eku_name(oid));
                    }
                }
                v.extend(eku.other.iter().map(|o| names::eku_name(&o.to_id_string())));
                ext.extended_key_usage = Some(v);
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                ext.subject_alt_names = san.general_names.iter().map(general_name).collect();
            }
            ParsedExtension::SubjectKeyIdentifier(ki) => {
                ext.subject_key_identifier = Some(hex::encode(ki.0));
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                ext.authority_key_identifier =
                    aki.key_identifier.as_ref().map(|k| hex::encode(k.0));
            }
            _ => {}
        }
    }
    ext
}

fn lower_first(s: &str) -> String {
    // x509-parser prints "Digital Signature"-style or camelCase names depending on version;
    // normalise to openssl's camelCase spelling.
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() == 1 {
        let mut c = s.chars();
        return match c.next() {
            Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
            None => String::new(),
        };
    }
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        let mut c = w.chars();
        if let Some(f) = c.next() {
            if i == 0 {
                out.extend(f.to_lowercase());
            } else {
                out.extend(f.to_uppercase());
            }
            out.push_str(c.as_str());
        }
    }
    out
}

fn general_name(g: &GeneralName<'_>) -> String {
    match g {
        GeneralName::DNSName(s) => format!("DNS:{s}"),
        GeneralName::RFC822Name(s) => format!("email:{s}"),
        GeneralName::URI(s) => format!("URI:{s}"),
        GeneralName::IPAddress(b) => match b.len() {
            4 => format!("IP:{}", std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3])),
            16 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                format!("IP:{}", std::net::Ipv6Addr::from(a))
            }
            _ => format!("IP:#{}", hex::encode(b)),
        },
        GeneralName::DirectoryName(n) => format!("DirName:{}", names::format_name(n)),
        GeneralName::RegisteredID(o) => format!("RID:{}", o.to_id_string()),
        GeneralName::OtherName(o, _) => format!("othername:{}", o.to_id_string()),
        other => format!("{other:?}"),
    }
}

/// Checks a self-signed certificate's signature with its own key. ring (through x509-parser)
/// handles the common algorithms fast; RSA keys outside ring's 1024..8192-bit window go through
/// the `rsa` crate. `None` when the algorithm is one we cannot check (MD5, MD2, DSA, ...).
fn verify_own_signature(cert: &X509Certificate<'_>, facts: &Facts) -> Option<bool> {
    let sig_oid = facts.signature_oid.as_str();
    let rsa_small = facts.rsa.is_some() && !(1024..=8192).contains(&facts.public_key.bits);
    if rsa_small {
        return verify_rsa_with_rsa_crate(cert, facts);
    }
    match cert.verify_signature(None) {
        Ok(()) => Some(true),
        Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm) => {
            verify_rsa_with_rsa_crate(cert, facts)
        }
        Err(_) => {
            // ring refuses some valid-but-unusual encodings; give the rsa crate a second look
            // before calling the signature bad.
            if facts.rsa.is_some() && signature_hash_for_rsa(sig_oid).is_some() {
                verify_rsa_with_rsa_crate(cert, facts)
            } else if x509_supported(sig_oid) {
                Some(false)
            } else {
                None
            }
        }
    }
}

fn x509_supported(oid: &str) -> bool {
    matches!(
        oid,
        "1.2.840.10045.4.3.2" | "1.2.840.10045.4.3.3" | "1.3.101.112"
    )
}

#[derive(Clone, Copy)]
enum RsaHash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

fn signature_hash_for_rsa(oid: &str) -> Option<RsaHash> {
    Some(match oid {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => RsaHash::Sha1,
        "1.2.840.113549.1.1.14" => RsaHash::Sha224,
        "1.2.840.113549.1.1.11" => RsaHash::Sha256,
        "1.2.840.113549.1.1.12" => RsaHash::Sha384,
        "1.2.840.113549.1.1.13" => RsaHash::Sha512,
        _ => return None,
    })
}

fn verify_rsa_with_rsa_crate(cert: &X509Certificate<'_>, facts: &Facts) -> Option<bool> {
    use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
    let (n, e) = facts.rsa.as_ref()?;
    let hash = signature_hash_for_rsa(&facts.signature_oid)?;
    let key = RsaPublicKey::new_with_max_size(
        BigUint::from_bytes_be(n),
        BigUint::from_bytes_be(e),
        16384,
    )
    .ok()?;
    let tbs = cert.tbs_certificate.as_ref();
    let sig = cert.signature_value.as_ref();
    let result = match hash {
        RsaHash::Sha1 => key.verify(Pkcs1v15Sign::new::<Sha1>(), &Sha1::digest(tbs), sig),
        RsaHash::Sha224 => key.verify(
            Pkcs1v15Sign::new::<sha2::Sha224>(),
            &sha2::Sha224::digest(tbs),
            sig,
        ),
        RsaHash::Sha256 => key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(tbs), sig),
        RsaHash::Sha384 => key.verify(
            Pkcs1v15Sign::new::<sha2::Sha384>(),
            &sha2::Sha384::digest(tbs),
            sig,
        ),
        RsaHash::Sha512 => key.verify(
            Pkcs1v15Sign::new::<sha2::Sha512>(),
            &sha2::Sha512::digest(tbs),
            sig,
        ),
    };
    Some(result.is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_print_like_openssl() {
        assert_eq!(serial_hex(&[0x00, 0xdb, 0xd0]), "dbd0");
        assert_eq!(serial_hex(&[0x01]), "01");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[0xff]), "-01");
        assert_eq!(serial_hex(&[0x80]), "-80");
    }

    #[test]
    fn key_usage_names_are_camel_case() {
        assert_eq!(lower_first("Digital Signature"), "digitalSignature");
        assert_eq!(lower_first("Key Cert Sign"), "keyCertSign");
    }
}
