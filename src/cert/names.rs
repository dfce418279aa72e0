//! Names for OIDs and distinguished names, spelled the way openssl spells them, so a consultant
//! can compare our output with `openssl x509 -text` line by line.

use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::x509::X509Name;

/// openssl's short name for a name attribute OID, or the dotted OID.
fn attribute_short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.13" => "description",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "2.5.4.41" => "name",
        "2.5.4.42" => "GN",
        "2.5.4.43" => "initials",
        "2.5.4.44" => "generationQualifier",
        "2.5.4.45" => "x500UniqueIdentifier",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.65" => "pseudonym",
        "2.5.4.97" => "organizationIdentifier",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.2.840.113549.1.9.2" => "unstructuredName",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        // Russian registration numbers, common in the corpus and in Russian PKI.
        "1.2.643.100.1" => "OGRN",
        "1.2.643.100.3" => "SNILS",
        "1.2.643.100.5" => "OGRNIP",
        "1.2.643.3.131.1.1" => "INN",
        _ => return None,
    })
}

/// Decodes an attribute value of any ASN.1 string type to text. Bytes that are not valid in the
/// declared type are shown as `\xNN`; values that are not strings as `#HEX`.
fn attribute_text(tag: Tag, data: &[u8]) -> String {
    match tag {
        Tag::BmpString => {
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        Tag::UniversalString => data
            .chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                char::from_u32(u32::from_be_bytes(b)).unwrap_or('\u{FFFD}')
            })
            .collect(),
        // T61/Teletex: openssl treats it as Latin-1.
        Tag::T61String => data.iter().map(|&b| b as char).collect(),
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => match std::str::from_utf8(data) {
            Ok(s) => s.to_owned(),
            Err(_) => data
                .iter()
                .map(|&b| {
                    if b.is_ascii() {
                        (b as char).to_string()
                    } else {
                        format!("\\x{b:02X}")
                    }
                })
                .collect(),
        },
        // Not a string: hex of the content, as openssl's `dump_nostr` shows it (a BIT STRING
        // without its unused-bits byte).
        Tag::BitString => format!("#{}", hex::encode_upper(data.get(1..).unwrap_or_default())),
        _ => format!("#{}", hex::encode_upper(data)),
    }
}

/// Formats a name in certificate order, `C=NZ, ST=Canterbury, O=Example`, with `+` joining the
/// attributes of a multi-valued RDN.
pub(crate) fn format_name(name: &X509Name<'_>) -> String {
    let mut out = String::new();
    for (i, rdn) in name.iter_rdn().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        for (j, attr) in rdn.iter().enumerate() {
            if j > 0 {
                out.push_str(" + ");
            }
            let oid = attr.attr_type().to_id_string();
            out.push_str(attribute_short_name(&oid).unwrap_or(&oid));
            out.push('=');
            let value = attr.attr_value();
            out.push_str(&attribute_text(value.tag(), value.data));
        }
    }
    out
}

/// openssl's name for a signature algorithm OID.
pub(crate) fn signature_algorithm_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.3.14.3.2.29" => "sha1WithRSA",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsaWithSHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa_with_SHA256",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        _ => return oid.to_owned(),
    }
    .to_owned()
}

/// The hash a signature algorithm uses, for the weak-hash lint.
pub(crate) fn signature_hash(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.113549.1.1.2" => "MD2",
        "1.2.840.113549.1.1.4" => "MD5",
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => {
            "SHA-1"
        }
        _ => return None,
    })
}

/// The name of a public key algorithm OID.
pub(crate) fn key_algorithm_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.1" => "RSA",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10045.2.1" => "EC",
        "1.2.840.10040.4.1" => "DSA",
        "1.3.101.110" => "X25519",
        "1.3.101.111" => "X448",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        _ => return oid.to_owned(),
    }
    .to_owned()
}

/// The name of a named elliptic curve OID.
pub(crate) fn curve_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.3.132.0.10" => "secp256k1",
        "1.2.840.10045.3.1.1" => "P-192",
        "1.3.132.0.33" => "P-224",
        _ => return None,
    })
}

/// openssl's name for an extended key usage OID.
pub(crate) fn eku_name(oid: &str) -> String {
    match oid {
        "1.3.6.1.5.5.7.3.1" => "serverAuth",
        "1.3.6.1.5.5.7.3.2" => "clientAuth",
        "1.3.6.1.5.5.7.3.3" => "codeSigning",
        "1.3.6.1.5.5.7.3.4" => "emailProtection",
        "1.3.6.1.5.5.7.3.8" => "timeStamping",
        "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
        "2.5.29.37.0" => "anyExtendedKeyUsage",
        _ => return oid.to_owned(),
    }
    .to_owned()
}
