//! Paste repair: recovering certificates from whatever a web page, a word processor, a mail
//! client, a chat tool or a JSON config did to a PEM block.
//!
//! The repair runs in two stages. First the text is normalised (byte-order mark, UTF-16, CRLF,
//! JSON `\n` escapes, HTML tags and entities, invisible spaces, typographic dashes). Then each
//! block is cut out: header and footer lines are found with a forgiving pattern, line prefixes
//! (indentation, bullets, quote markers) are dropped, and the base64 is collected. The DER length
//! in the first bytes of the certificate says exactly how much base64 belongs to it, which is what
//! lets us restore a missing footer, ignore prose after the block, and tell a truncated paste from
//! two certificates glued together.
//!
//! Every change is recorded as a [`RepairNote`], so the user is told what was fixed.

mod extract;
mod normalise;

use serde::Serialize;

pub(crate) use extract::der_total_len;
use extract::extract;
use normalise::{decode_text, normalise};

/// One thing the repair changed, with a stable `id` and a message for humans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairNote {
    /// Stable identifier, e.g. `rejoined-lines`. Listed in `docs/json.md`.
    pub id: &'static str,
    /// What was done, e.g. "rejoined 22 lines".
    pub message: String,
}

/// A certificate recovered from the input, as DER.
#[derive(Debug, Clone)]
pub struct RecoveredCertificate {
    /// The DER bytes of the certificate.
    pub der: Vec<u8>,
    /// The PEM label it was found under (`CERTIFICATE` when there was none).
    pub label: String,
}

/// A PEM block that is not a certificate. Its contents are never decoded or shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedBlock {
    /// The PEM label, e.g. `PRIVATE KEY`.
    pub label: String,
}

impl SkippedBlock {
    /// True for any kind of private key block.
    pub fn is_private_key(&self) -> bool {
        self.label.contains("PRIVATE KEY")
    }
}

/// The result of repairing a paste.
#[derive(Debug, Clone, Default)]
pub struct PastedCertificate {
    /// Certificates in the order they appear.
    pub certificates: Vec<RecoveredCertificate>,
    /// Every repair made, in the order made. Empty for a clean PEM file.
    pub repairs: Vec<RepairNote>,
    /// Blocks that were not certificates (keys, requests, ...).
    pub skipped: Vec<SkippedBlock>,
}

impl PastedCertificate {
    /// The certificates re-encoded as clean PEM, ready to paste.
    pub fn to_pem(&self) -> String {
        self.certificates
            .iter()
            .map(|c| super::der_to_pem(&c.der, "CERTIFICATE"))
            .collect()
    }
}

/// Why a paste could not be repaired. Each variant says where the paste breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasteError {
    /// Nothing that looks like a certificate was found.
    #[error("no certificate found: there is no BEGIN CERTIFICATE line and no base64 that starts like a certificate (\"MII...\")")]
    NoCertificate,
    /// Only a private key (or other non-certificate blocks) was found.
    #[error("this holds a {label} block, not a certificate")]
    NotACertificate {
        /// The label of the first block found.
        label: String,
    },
    /// The base64 ends before the certificate does.
    #[error("the certificate is cut short: its header says {expected} bytes but the paste holds only {found}{}", near.as_deref().map(|n| format!(" (the base64 ends with `{n}`)")).unwrap_or_default())]
    Truncated {
        /// Bytes the DER header announces.
        expected: usize,
        /// Bytes the paste actually holds.
        found: usize,
        /// The last base64 characters present; `None` when the block may be a private key
        /// (bare base64 with no BEGIN/END line), whose content is never quoted.
        near: Option<String>,
    },
    /// There is more base64 after the certificate ends.
    #[error("{}", trailing_message(*glued, *expected, near.as_deref()))]
    TrailingData {
        /// Whether what follows starts like a second certificate.
        glued: bool,
        /// Bytes the first certificate's header announces.
        expected: usize,
        /// The base64 where the certificate ends and the extra begins (`None` as for
        /// `Truncated`).
        near: Option<String>,
    },
    /// The base64 decodes to something that is not DER.
    #[error("the block does not decode to a certificate: {detail}{}", near.as_deref().map(|n| format!(" (near `{n}`)")).unwrap_or_default())]
    NotDer {
        /// What is wrong.
        detail: String,
        /// The first base64 characters of the block (`None` as for `Truncated`).
        near: Option<String>,
    },
    /// The input is larger than [`MAX_INPUT`].
    #[error("the input is {size} bytes; pastes and certificate files are read up to {} MiB", MAX_INPUT >> 20)]
    TooLarge {
        /// Its size (at least `MAX_INPUT + 1` when read from a stream).
        size: usize,
    },
}

/// The largest input [`repair`] reads: 16 MiB. A certificate is a few KB and a large CA bundle
/// a few hundred; anything bigger is the wrong file (or `/dev/zero`).
pub const MAX_INPUT: usize = 16 << 20;

fn trailing_message(glued: bool, expected: usize, near: Option<&str>) -> String {
    let at = near.map(|n| format!(", at `{n}`,")).unwrap_or_default();
    if glued {
        format!("two certificates are glued together: the first ends after {expected} bytes{at} and a second one starts right after it without END/BEGIN lines")
    } else {
        format!("the block holds more data than one certificate: the certificate ends after {expected} bytes{at} but more base64 follows")
    }
}

impl PasteError {
    /// What the user should do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            PasteError::NoCertificate => "copy the whole block, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----, and try again",
            PasteError::NotACertificate { .. } => "pass a certificate (publickey.cer); a private key is given as the key, not as the certificate",
            PasteError::Truncated { .. } => "the copy lost its end: copy the whole block again, from the BEGIN line to the END line",
            PasteError::TrailingData { glued: true, .. } => "put each certificate between its own -----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- lines, split at the point shown",
            PasteError::TrailingData { .. } => "remove what follows the certificate, or copy the block again",
            PasteError::NotDer { .. } => "the block is damaged beyond repair: copy it again from the original source",
            PasteError::TooLarge { .. } => "check that this is the certificate file; a certificate is a few KB",
        }
    }
}
/// Repairs `input` (text or bytes from a file, stdin or a paste) and returns every certificate
/// found in it. Binary DER is not handled here; see [`super::load_certificates`].
pub fn repair(input: &[u8]) -> Result<PastedCertificate, PasteError> {
    if input.len() > MAX_INPUT {
        return Err(PasteError::TooLarge { size: input.len() });
    }
    let mut out = PastedCertificate::default();
    let text = decode_text(input, &mut out.repairs);
    let text = normalise(&text, &mut out.repairs);
    extract_in_parallel(&text, &mut out)?;
    if out.certificates.is_empty() {
        if let Some(first) = out.skipped.first() {
            return Err(PasteError::NotACertificate {
                label: first.label.clone(),
            });
        }
        return Err(PasteError::NoCertificate);
    }
    Ok(out)
}

/// Large bundles (a CA store, thousands of certificates) are cut at BEGIN lines into pieces
/// repaired on all cores. A cut sits right before a `-----BEGIN ` line, where every block before
/// it has already ended, so the pieces give the same blocks as one pass; identical repair notes
/// from several pieces are reported once.
fn extract_in_parallel(text: &str, out: &mut PastedCertificate) -> Result<(), PasteError> {
    use rayon::prelude::*;
    const PIECE: usize = 256 * 1024;
    let pieces = text.len() / PIECE;
    if pieces < 2 {
        return extract(text, out);
    }
    let mut cuts = vec![0];
    for k in 1..pieces {
        let from = (k * text.len() / pieces).max(*cuts.last().expect("non-empty"));
        if let Some(pos) = text[from..].find("\n-----BEGIN ") {
            let cut = from + pos + 1;
            if cut > *cuts.last().expect("non-empty") {
                cuts.push(cut);
            }
        }
    }
    cuts.push(text.len());
    let parts: Vec<Result<PastedCertificate, PasteError>> = cuts
        .par_windows(2)
        .map(|w| {
            let mut part = PastedCertificate::default();
            extract(&text[w[0]..w[1]], &mut part).map(|_| part)
        })
        .collect();
    for part in parts {
        let part = part?;
        out.certificates.extend(part.certificates);
        out.skipped.extend(part.skipped);
        for n in part.repairs {
            if !out.repairs.contains(&n) {
                out.repairs.push(n);
            }
        }
    }
    Ok(())
}

fn note(notes: &mut Vec<RepairNote>, id: &'static str, message: impl Into<String>) {
    notes.push(RepairNote {
        id,
        message: message.into(),
    });
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLEAN: &str = include_str!("../../../fixtures/opmetrix/publickey.cer");

    fn der_of_clean() -> Vec<u8> {
        let p = repair(CLEAN.as_bytes()).unwrap();
        assert!(p.repairs.is_empty(), "{:?}", p.repairs);
        p.certificates[0].der.clone()
    }

    #[test]
    fn a_clean_pem_needs_no_repair() {
        assert_eq!(der_of_clean().len(), 758);
    }

    #[test]
    fn all_on_one_line_is_rejoined() {
        let one: String = CLEAN.lines().collect::<Vec<_>>().join(" ");
        let p = repair(one.as_bytes()).unwrap();
        assert_eq!(p.certificates[0].der, der_of_clean());
        assert!(p.repairs.iter().any(|n| n.id == "rejoined-lines"));
    }

    #[test]
    fn truncated_paste_says_where_it_breaks() {
        let cut = &CLEAN[..CLEAN.len() - 200];
        let err = repair(format!("{cut}\n-----END CERTIFICATE-----\n").as_bytes()).unwrap_err();
        assert!(
            matches!(err, PasteError::Truncated { expected: 758, .. }),
            "{err}"
        );
    }

    #[test]
    fn glued_certificates_are_refused() {
        let body: String = CLEAN
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("\n");
        let glued =
            format!("-----BEGIN CERTIFICATE-----\n{body}\n{body}\n-----END CERTIFICATE-----\n");
        let err = repair(glued.as_bytes()).unwrap_err();
        assert!(
            matches!(err, PasteError::TrailingData { glued: true, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_private_key_is_named_not_shown() {
        let key = "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----\n";
        let err = repair(key.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            PasteError::NotACertificate {
                label: "PRIVATE KEY".into()
            }
        );
        assert!(!err.to_string().contains("MIIB"));
    }

    #[test]
    fn large_bundles_repaired_in_pieces_match_one_pass() {
        // Over 512 KiB, so the text is cut into pieces; mixed with prose, a key block, a
        // header-only block and a footer-only block near the cuts.
        let body: String = CLEAN
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut text = String::from("Bundle for the Xero apps:\n");
        for i in 0..900 {
            match i % 7 {
                0 => {
                    text.push_str("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                }
                3 => text.push_str(&format!(
                    "-----BEGIN CERTIFICATE-----\n{body}\nThen click Save.\n"
                )),
                5 => text.push_str(&format!("Copy this:\n{body}\n-----END CERTIFICATE-----\n")),
                _ => text.push_str(CLEAN),
            }
        }
        assert!(text.len() > 512 * 1024);
        let mut serial = PastedCertificate::default();
        extract(&text, &mut serial).unwrap();
        let mut pieces = PastedCertificate::default();
        extract_in_parallel(&text, &mut pieces).unwrap();
        assert_eq!(serial.certificates.len(), pieces.certificates.len());
        assert!(serial
            .certificates
            .iter()
            .zip(&pieces.certificates)
            .all(|(a, b)| a.der == b.der));
        assert_eq!(serial.skipped, pieces.skipped);
        let ids = |p: &PastedCertificate| {
            let mut v: Vec<_> = p.repairs.iter().map(|n| n.id).collect();
            v.dedup();
            v.sort();
            v.dedup();
            v
        };
        assert_eq!(ids(&serial), ids(&pieces));
    }

    #[test]
    fn der_lengths() {
        assert_eq!(der_total_len(&[0x30, 0x82, 0x02, 0xf2]), Some(758));
        assert_eq!(der_total_len(&[0x30, 0x05]), Some(7));
        assert_eq!(der_total_len(&[0x31, 0x05]), None);
        assert_eq!(der_total_len(&[0x30, 0x80]), None);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    const CLEAN: &str = include_str!("../../../fixtures/opmetrix/publickey.cer");

    fn clean_der() -> Vec<u8> {
        repair(CLEAN.as_bytes()).unwrap().certificates[0]
            .der
            .clone()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Arbitrary bytes never panic.
        #[test]
        fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = repair(&bytes);
        }

        /// Random damage to the clean block (flipped, dropped or inserted characters) never
        /// panics, whatever the outcome.
        #[test]
        fn random_damage_never_panics(edits in proptest::collection::vec((0usize..1100, any::<char>(), 0u8..3), 1..8)) {
            let mut s: Vec<char> = CLEAN.chars().collect();
            for (pos, c, op) in edits {
                let p = pos % (s.len() + 1);
                match op {
                    0 if p < s.len() => { s[p] = c; }
                    1 if p < s.len() => { s.remove(p); }
                    _ => s.insert(p, c),
                }
            }
            let text: String = s.into_iter().collect();
            let _ = repair(text.as_bytes());
        }

        /// Any mix of the layout damage pastes suffer comes back as the same certificate:
        /// any line width, indentation, bullets, quote marks, CRLF, blank lines, non-breaking
        /// and zero-width spaces, and prose before and after.
        #[test]
        fn layout_damage_is_always_repaired(
            width in 1usize..200,
            indent in prop::sample::select(vec!["", "  ", "\t", "> ", "\u{2022} ", "\u{a0}\u{a0}", "    "]),
            crlf in any::<bool>(),
            blank in any::<bool>(),
            zw in any::<bool>(),
            prose in any::<bool>(),
        ) {
            let body: String = CLEAN.lines().filter(|l| !l.starts_with("-----")).collect();
            let nl = if crlf { "\r\n" } else { "\n" };
            let sep = if blank { format!("{nl}{nl}") } else { nl.to_string() };
            let chunks: Vec<String> = body
                .as_bytes()
                .chunks(width)
                .map(|c| {
                    let s = std::str::from_utf8(c).unwrap();
                    let s = if zw && s.len() > 2 { format!("{}\u{200b}{}", &s[..1], &s[1..]) } else { s.to_owned() };
                    format!("{indent}{s}")
                })
                .collect();
            let mut text = String::new();
            if prose { text.push_str(&format!("Paste this into Xero:{nl}")); }
            text.push_str(&format!("{indent}-----BEGIN CERTIFICATE-----{sep}"));
            text.push_str(&chunks.join(&sep));
            text.push_str(&format!("{sep}{indent}-----END CERTIFICATE-----{nl}"));
            if prose { text.push_str(&format!("Then click Save.{nl}")); }
            let got = repair(text.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(&got.certificates[0].der, &clean_der());
        }
    }
}
