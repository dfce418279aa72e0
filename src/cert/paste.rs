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

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use regex::Regex;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::LazyLock;

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
            PasteError::NotACertificate { .. } => "pass a certificate (publickey.cer); a private key goes to --key",
            PasteError::Truncated { .. } => "the copy lost its end: copy the whole block again, from the BEGIN line to the END line",
            PasteError::TrailingData { glued: true, .. } => "put each certificate between its own -----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- lines, split at the point shown",
            PasteError::TrailingData { .. } => "remove what follows the certificate, or copy the block again",
            PasteError::NotDer { .. } => "the block is damaged beyond repair: copy it again from the original source",
            PasteError::TooLarge { .. } => "check that this is the certificate file; a certificate is a few KB",
        }
    }
}

/// Labels we read as a certificate. `X509 CERTIFICATE` is an old OpenSSL/Netscape label;
/// `TRUSTED CERTIFICATE` is OpenSSL's certificate with trust settings appended.
const CERT_LABELS: &[&str] = &["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"];

static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(-*)[ \t]*\b(BEGIN|END)[ \t]+(X509 CERTIFICATE|TRUSTED CERTIFICATE|NEW CERTIFICATE REQUEST|CERTIFICATE REQUEST|CERTIFICATE|ENCRYPTED PRIVATE KEY|RSA PRIVATE KEY|EC PRIVATE KEY|DSA PRIVATE KEY|OPENSSH PRIVATE KEY|PRIVATE KEY|RSA PUBLIC KEY|PUBLIC KEY|PKCS7|X509 CRL|[A-Z0-9][A-Z0-9 ]*[A-Z0-9])[ \t]*(-*)",
    )
    .expect("static regex")
});

static HTML_BREAK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<br\s*/?>|</?p(\s[^>]*)?>|</?div(\s[^>]*)?>|</li>|</pre>|</tr>")
        .expect("static regex")
});
static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)</?[a-z][a-z0-9]*(\s[^<>]{0,400})?/?>").expect("static regex")
});
static HTML_ENTITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});").expect("static regex")
});

const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// A base64 character other than padding, by byte.
fn is_b64_body_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

fn is_b64(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='
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

/// Bytes to text: UTF-8 (with or without BOM), UTF-16 with a BOM, or Latin-1 as a last resort.
fn decode_text<'a>(input: &'a [u8], notes: &mut Vec<RepairNote>) -> Cow<'a, str> {
    if let Some(rest) = input.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        note(notes, "removed-bom", "removed a byte-order mark");
        return String::from_utf8_lossy(rest);
    }
    let utf16 = |le: bool, rest: &[u8]| -> String {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = input.strip_prefix(&[0xFF, 0xFE]) {
        note(
            notes,
            "decoded-utf16",
            "read the text as UTF-16 (little-endian)",
        );
        return Cow::Owned(utf16(true, rest));
    }
    if let Some(rest) = input.strip_prefix(&[0xFE, 0xFF]) {
        note(
            notes,
            "decoded-utf16",
            "read the text as UTF-16 (big-endian)",
        );
        return Cow::Owned(utf16(false, rest));
    }
    match std::str::from_utf8(input) {
        Ok(s) => Cow::Borrowed(s),
        // Latin-1: every byte is a character, so nothing is lost and base64 survives.
        Err(_) => Cow::Owned(input.iter().map(|&b| b as char).collect()),
    }
}

fn normalise<'a>(text: &'a str, notes: &mut Vec<RepairNote>) -> Cow<'a, str> {
    // Most input is clean: borrow it, and copy only when something must change.
    let needs_work = !text.is_ascii()
        || text.contains(['\r', '<', '&'])
        || text.contains("\\n")
        || text.contains("\\r");
    if !needs_work {
        return Cow::Borrowed(text);
    }
    let mut text = text.to_owned();

    if text.contains('\r') {
        text = text.replace("\r\n", "\n").replace('\r', "\n");
        note(notes, "line-endings", "converted CRLF line endings");
    }

    // JSON, YAML or source-code strings: "-----BEGIN CERTIFICATE-----\nMII...".
    if text.contains("\\n") || text.contains("\\r") {
        let looks_escaped = text.contains("-\\n")
            || text.contains("\\nMI")
            || text.contains("\\n-")
            || text.contains("\\r\\n");
        if looks_escaped {
            text = text
                .replace("\\r\\n", "\n")
                .replace("\\n", "\n")
                .replace("\\r", "\n")
                .replace("\\/", "/")
                .replace("\\u002B", "+")
                .replace("\\u002b", "+")
                .replace("\\u003D", "=")
                .replace("\\u003d", "=");
            note(
                notes,
                "json-escapes",
                "turned escaped \\n sequences (from JSON or code) into line breaks",
            );
        }
    }

    if text.contains('<') && (HTML_BREAK.is_match(&text) || HTML_TAG.is_match(&text)) {
        let breaks = HTML_BREAK.find_iter(&text).count();
        text = HTML_BREAK.replace_all(&text, "\n").into_owned();
        text = HTML_TAG.replace_all(&text, "").into_owned();
        if breaks > 0 {
            note(
                notes,
                "html-markup",
                format!(
                    "converted {} to line breaks and removed HTML tags",
                    plural(breaks, "HTML line break", "HTML line breaks")
                ),
            );
        } else {
            note(notes, "html-markup", "removed HTML tags");
        }
    }

    if text.contains('&') && HTML_ENTITY.is_match(&text) {
        let mut count = 0;
        let replaced = HTML_ENTITY
            .replace_all(&text, |caps: &regex::Captures<'_>| {
                let name = &caps[1];
                match decode_entity(name) {
                    Some(c) => {
                        count += 1;
                        c.to_string()
                    }
                    None => caps[0].to_string(),
                }
            })
            .into_owned();
        if count > 0 {
            text = replaced;
            note(
                notes,
                "html-entities",
                format!("decoded {}", plural(count, "HTML entity", "HTML entities")),
            );
        }
    }

    // Plain ASCII has no invisible spaces or typographic dashes: skip the character pass.
    if text.is_ascii() {
        return Cow::Owned(text);
    }
    let mut invisible = 0usize;
    let mut dashes = 0usize;
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // Zero-width space/joiners, word joiner, BOM in the middle, soft hyphen.
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => {
                invisible += 1
            }
            // Non-breaking and other typographic spaces.
            '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
                invisible += 1;
                cleaned.push(' ');
            }
            // Hyphens and dashes that word processors substitute for '-'.
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
                dashes += 1;
                cleaned.push('-');
            }
            _ => cleaned.push(c),
        }
    }
    if invisible > 0 {
        note(
            notes,
            "invisible-spaces",
            format!(
                "removed {}",
                plural(
                    invisible,
                    "non-breaking or zero-width space",
                    "non-breaking or zero-width spaces"
                )
            ),
        );
    }
    if dashes > 0 {
        note(
            notes,
            "typographic-dashes",
            format!(
                "turned {} back into hyphens",
                plural(dashes, "en/em dash", "en/em dashes")
            ),
        );
    }
    Cow::Owned(cleaned)
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse().ok()?
        };
        return char::from_u32(code);
    }
    Some(match name.to_ascii_lowercase().as_str() {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{00A0}',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "minus" => '\u{2212}',
        "hyphen" | "dash" => '-',
        "plus" => '+',
        "sol" => '/',
        "equals" => '=',
        _ => return None,
    })
}

/// A BEGIN or END line found in the text.
struct Marker {
    begin: bool,
    label: String,
    start: usize,
    end: usize,
    /// The line was not written exactly as `-----BEGIN LABEL-----`.
    irregular: bool,
}

fn find_markers(text: &str) -> Vec<Marker> {
    let mut out = Vec::new();
    for found in MARKER.find_iter(text) {
        let Some(caps) = MARKER.captures(found.as_str()) else {
            continue;
        };
        let whole = found;
        let before = caps[1].len();
        let after = caps[4].len();
        let label_raw = &caps[3];
        let label = label_raw.to_ascii_uppercase();
        let known = MARKER_KNOWN.contains(&label.as_str());
        // Prose such as "begin with the certificate" must not count: ask for dashes on at least
        // one side, or an exactly written upper-case known label.
        let exact_word = &caps[2] == "BEGIN" || &caps[2] == "END";
        if before + after == 0 && !(known && exact_word && label_raw == label) {
            continue;
        }
        if !known && (before == 0 || after == 0) {
            continue;
        }
        let irregular = before != 5 || after != 5 || label_raw != label || !exact_word;
        out.push(Marker {
            begin: caps[2].eq_ignore_ascii_case("BEGIN"),
            label,
            start: whole.start(),
            end: whole.end(),
            irregular,
        });
    }
    out
}

const MARKER_KNOWN: &[&str] = &[
    "X509 CERTIFICATE",
    "TRUSTED CERTIFICATE",
    "NEW CERTIFICATE REQUEST",
    "CERTIFICATE REQUEST",
    "CERTIFICATE",
    "ENCRYPTED PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "DSA PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "PRIVATE KEY",
    "RSA PUBLIC KEY",
    "PUBLIC KEY",
    "PKCS7",
    "X509 CRL",
];

/// How a block was delimited in the paste.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ends {
    Both,
    HeaderOnly,
    FooterOnly,
    Neither,
}

fn extract(text: &str, out: &mut PastedCertificate) -> Result<(), PasteError> {
    let markers = find_markers(text);
    let mut outside_text = false;
    let mut cursor = 0usize;
    let mut i = 0usize;
    let mut found_any_block = false;

    while i < markers.len() {
        let m = &markers[i];
        if m.begin {
            outside_text |= has_words(&text[cursor..m.start]);
            // The block runs to the matching END, or to the next BEGIN / end of text.
            let (body_end, footer, next_cursor, next_i) = match markers.get(i + 1) {
                Some(n) if !n.begin => (n.start, Some(n), n.end, i + 2),
                Some(n) => (n.start, None, n.start, i + 1),
                None => (text.len(), None, text.len(), i + 1),
            };
            found_any_block = true;
            let ends = if footer.is_some() {
                Ends::Both
            } else {
                Ends::HeaderOnly
            };
            // On mismatched labels the header's label decides.
            let consumed = handle_block(
                &m.label,
                &text[m.end..body_end],
                ends,
                m.irregular || footer.is_some_and(|f| f.irregular),
                out,
            )?;
            if ends == Ends::HeaderOnly {
                // Whatever followed the certificate is prose, not part of it.
                outside_text |= has_words(&text[m.end + consumed..body_end]);
                cursor = body_end;
            } else {
                cursor = next_cursor;
            }
            i = next_i;
        } else {
            // An END without a BEGIN: the header was lost. The body starts at the first
            // certificate-looking base64 before it.
            found_any_block = true;
            let region = &text[cursor..m.start];
            let Some(start) = find_der_start(region) else {
                return Err(PasteError::NoCertificate);
            };
            outside_text |= has_words(&region[..start]);
            handle_block(
                &m.label,
                &region[start..],
                Ends::FooterOnly,
                m.irregular,
                out,
            )?;
            cursor = m.end;
            i += 1;
        }
    }

    if !found_any_block {
        // No BEGIN or END line at all: look for bare base64.
        let Some(start) = find_der_start(text) else {
            return Err(PasteError::NoCertificate);
        };
        outside_text |= has_words(&text[..start]);
        let consumed = handle_block("CERTIFICATE", &text[start..], Ends::Neither, false, out)?;
        outside_text |= has_words(&text[start + consumed..]);
    } else {
        outside_text |= has_words(&text[cursor..]);
    }

    if outside_text {
        note(
            &mut out.repairs,
            "surrounding-text",
            "ignored the text around the certificate block",
        );
    }
    Ok(())
}

fn is_cert_label(label: &str) -> bool {
    CERT_LABELS.contains(&label)
}

/// True if `s` holds anything but whitespace and punctuation.
fn has_words(s: &str) -> bool {
    s.chars().any(|c| c.is_alphanumeric())
}

/// Finds where bare base64 for a DER SEQUENCE starts: a run of at least 20 base64 characters
/// beginning "MI" (a SEQUENCE with a long-form length, which every certificate has).
fn find_der_start(text: &str) -> Option<usize> {
    // One pass: each byte is looked at a bounded number of times (a run is measured only up
    // to 20 characters, and only where a run starts), so a hostile `aMIMIMI...` stays linear.
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find("MI") {
        let at = i + pos;
        let boundary = at == 0 || !is_b64(bytes[at - 1] as char);
        if boundary {
            let run = bytes[at..]
                .iter()
                .take(20)
                .take_while(|&&b| is_b64(b as char))
                .count();
            if run >= 20 {
                return Some(at);
            }
        }
        i = at + 2;
    }
    None
}

/// Cuts one certificate out of `body` (the text after its header, or from where its base64
/// starts). Returns how many bytes of `body` belong to the certificate, so the caller can treat
/// the rest as prose when the footer is missing.
fn handle_block(
    label: &str,
    body: &str,
    ends: Ends,
    irregular_marker: bool,
    out: &mut PastedCertificate,
) -> Result<usize, PasteError> {
    if !is_cert_label(label) {
        out.skipped.push(SkippedBlock {
            label: label.to_owned(),
        });
        return Ok(body.len());
    }
    let notes = &mut out.repairs;
    let collected = collect_base64(body, ends);
    let b64 = &collected.chars;

    // Bare base64 with no BEGIN/END line may be a private key (it starts "MII" too): its
    // content is never quoted in an error.
    let may_be_key = ends == Ends::Neither;
    let quote = |s: String| (!may_be_key).then_some(s);
    let near_start = quote(b64.chars().take(16).collect());
    if b64.len() < 8 {
        return Err(PasteError::NotDer {
            detail: "the block holds almost no base64".into(),
            near: near_start,
        });
    }
    let head = B64.decode(&b64[..8]).map_err(|e| PasteError::NotDer {
        detail: format!("invalid base64 ({e})"),
        near: near_start.clone(),
    })?;
    let total = der_total_len(&head).ok_or_else(|| PasteError::NotDer {
        detail: "it does not start with a DER SEQUENCE of definite length".into(),
        near: near_start.clone(),
    })?;
    // A certificate's SEQUENCE opens with another SEQUENCE (tbsCertificate); a PKCS#1 or
    // PKCS#8 private key's opens with INTEGER 0 (its version).
    let header_len = 2 + usize::from(head[1] & 0x7f) * usize::from(head[1] & 0x80 != 0);
    if may_be_key && head.get(header_len) == Some(&0x02) {
        return Err(PasteError::NotDer {
            detail: "it looks like a private key (its DER starts with a version number), not a certificate; its contents are not shown".into(),
            near: None,
        });
    }
    let needed = total.div_ceil(3) * 4 - pad_count(total);

    if b64.len() < needed {
        let found = b64.len() * 3 / 4;
        let near = quote(b64[b64.len().saturating_sub(16)..].to_owned());
        return Err(PasteError::Truncated {
            expected: total,
            found,
            near,
        });
    }
    let trusted = label == "TRUSTED CERTIFICATE";
    if b64.len() > needed && !trusted && matches!(ends, Ends::Both | Ends::FooterOnly) {
        let extra = &b64[needed..];
        let near = quote(format!(
            "{}|{}",
            &b64[needed.saturating_sub(12)..needed],
            &extra[..extra.len().min(12)]
        ));
        return Err(PasteError::TrailingData {
            glued: extra.starts_with("MI"),
            expected: total,
            near,
        });
    }
    let der = B64.decode(&b64[..needed]).map_err(|e| PasteError::NotDer {
        detail: format!("invalid base64 ({e})"),
        near: near_start.clone(),
    })?;

    // Tell the user what we fixed, in the order they would see it.
    match ends {
        Ends::Both => {}
        Ends::HeaderOnly => note(notes, "restored-footer", "restored the missing END line"),
        Ends::FooterOnly => note(notes, "restored-header", "restored the missing BEGIN line"),
        Ends::Neither => note(
            notes,
            "restored-header-footer",
            "restored the missing BEGIN and END lines",
        ),
    }
    if label != "CERTIFICATE" {
        note(
            notes,
            "legacy-label",
            format!("read the legacy label \"{label}\" as CERTIFICATE"),
        );
    } else if irregular_marker {
        note(
            notes,
            "marker-lines",
            "rewrote damaged BEGIN/END lines (dashes, spacing or case)",
        );
    }
    if trusted && b64.len() > needed {
        note(
            notes,
            "trust-settings",
            "dropped the OpenSSL trust settings that followed the certificate",
        );
    }
    if collected.prefixed_lines > 0 {
        note(
            notes,
            "line-prefixes",
            format!(
                "removed indentation, bullets or quote marks from {}",
                plural(collected.prefixed_lines, "line", "lines")
            ),
        );
    }
    if collected.quoted {
        note(notes, "quoting", "removed quoting around the base64");
    }
    if collected.inner_spaces > 0 {
        note(
            notes,
            "inner-spaces",
            format!(
                "removed {} inside the base64",
                plural(collected.inner_spaces, "space", "spaces")
            ),
        );
    }
    if collected.blank_lines > 0 {
        note(
            notes,
            "blank-lines",
            format!(
                "removed {} inside the block",
                plural(collected.blank_lines, "blank line", "blank lines")
            ),
        );
    }
    if !collected.regular_layout {
        if collected.lines <= 1 {
            note(
                notes,
                "rejoined-lines",
                format!(
                    "split one {}-character line into 64-character lines",
                    needed
                ),
            );
        } else {
            note(
                notes,
                "rejoined-lines",
                format!("rejoined {} lines", collected.lines),
            );
        }
    }
    if collected.had_padding_chars < pad_count(total) && !trusted {
        note(notes, "padding", "restored the missing base64 padding");
    }

    out.certificates.push(RecoveredCertificate {
        der,
        label: label.to_owned(),
    });
    Ok(collected.consumed_for(needed))
}

fn pad_count(total: usize) -> usize {
    match total % 3 {
        0 => 0,
        1 => 2,
        _ => 1,
    }
}

/// Length of a DER TLV from its first bytes, if it is a SEQUENCE with a definite length.
pub(crate) fn der_total_len(head: &[u8]) -> Option<usize> {
    if head.len() < 2 || head[0] != 0x30 {
        return None;
    }
    let first = head[1] as usize;
    if first < 0x80 {
        return Some(2 + first);
    }
    let n = first & 0x7f;
    if n == 0 || n > 4 || head.len() < 2 + n {
        return None;
    }
    let len = head[2..2 + n]
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | b as usize);
    Some(2 + n + len)
}

struct Collected {
    /// The base64 characters, without padding.
    chars: String,
    /// For each base64 character, the byte offset just past it in the body (open-ended blocks
    /// only: elsewhere the block's end is known).
    offsets: Vec<usize>,
    had_padding_chars: usize,
    lines: usize,
    prefixed_lines: usize,
    blank_lines: usize,
    inner_spaces: usize,
    quoted: bool,
    regular_layout: bool,
}

impl Collected {
    fn consumed_for(&self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.offsets.get(n - 1).copied().unwrap_or(0)
        }
    }
}

fn collect_base64(body: &str, ends: Ends) -> Collected {
    let open_ended = matches!(ends, Ends::HeaderOnly | Ends::Neither);
    let mut c = Collected {
        chars: String::with_capacity(body.len()),
        offsets: Vec::new(),
        had_padding_chars: 0,
        lines: 0,
        prefixed_lines: 0,
        blank_lines: 0,
        inner_spaces: 0,
        quoted: false,
        regular_layout: true,
    };
    let mut line_lengths = Vec::new();
    let mut pending_blank = 0usize;
    let mut needed: Option<usize> = None;
    let mut offset = 0usize;
    let mut seen_padding = false;

    for raw_line in body.split_inclusive('\n') {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches('\n');
        // The common case first: a clean line of base64 (no padding) inside a closed block.
        if !open_ended && !line.is_empty() && line.bytes().all(is_b64_body_byte) {
            if pending_blank > 0 {
                c.blank_lines += pending_blank;
                pending_blank = 0;
            }
            if seen_padding {
                seen_padding = false;
                c.had_padding_chars = 0;
            }
            c.chars.push_str(line);
            line_lengths.push(line.len());
            c.lines += 1;
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if c.lines > 0 {
                pending_blank += 1;
            }
            continue;
        }
        // Strip a prefix of non-base64 characters (indentation, bullets, '>' quotes, quotes)
        // and the same kind of suffix (closing quotes, commas, backslashes).
        let lead = line.len() - line.trim_start_matches(|ch: char| !is_b64(ch)).len();
        let content = &line[lead..];
        let content_trimmed = content.trim_end_matches(|ch: char| !is_b64(ch));
        let prefix = &line[..lead];
        let suffix = &content[content_trimmed.len()..];
        let inner = content_trimmed;
        if inner.is_empty() {
            continue;
        }
        // A line with characters outside base64 in its middle is prose.
        let inner_is_b64 = inner
            .chars()
            .all(|ch| is_b64(ch) || ch == ' ' || ch == '\t');
        if !inner_is_b64 {
            if c.lines > 0 && open_ended {
                break;
            }
            continue;
        }
        // In an open-ended block, a line of several short words is prose ("Click the green Save
        // button") rather than base64 split by spaces.
        if open_ended && c.lines > 0 {
            let words: Vec<&str> = inner.split_whitespace().collect();
            if words.len() > 1 && words.iter().all(|w| w.len() < 16) {
                break;
            }
        }
        if pending_blank > 0 {
            c.blank_lines += pending_blank;
            pending_blank = 0;
        }
        if prefix.contains(['"', '\'', '`']) || suffix.contains(['"', '\'', '`']) {
            c.quoted = true;
        } else if !(prefix.is_empty() || line_start == 0 && prefix.trim().is_empty()) {
            // (Spaces right after a BEGIN line on the same line are not indentation.)
            c.prefixed_lines += 1;
        }
        let mut line_len = 0;
        for (i, ch) in inner.char_indices() {
            match ch {
                '=' => {
                    seen_padding = true;
                    c.had_padding_chars += 1;
                }
                ' ' | '\t' => c.inner_spaces += 1,
                _ => {
                    if seen_padding {
                        // Padding in the middle: a second certificate glued on. Keep collecting;
                        // the length check reports it.
                        seen_padding = false;
                        c.had_padding_chars = 0;
                    }
                    c.chars.push(ch);
                    if open_ended {
                        c.offsets.push(line_start + lead + i + 1);
                    }
                    line_len += 1;
                }
            }
        }
        line_lengths.push(line_len);
        c.lines += 1;
        if needed.is_none() && c.chars.len() >= 8 {
            needed = B64
                .decode(&c.chars[..8])
                .ok()
                .and_then(|h| der_total_len(&h))
                .map(|t| t.div_ceil(3) * 4 - pad_count(t));
        }
        if open_ended {
            if let Some(n) = needed {
                if c.chars.len() >= n {
                    break;
                }
            }
        }
    }
    // The standard layout: 64 characters a line, the last one shorter (76 from MIME is fine too).
    if let Some((last, rest)) = line_lengths.split_last() {
        let width = rest.first().copied().unwrap_or(*last);
        let total: usize = line_lengths.iter().sum();
        c.regular_layout = (width == 64 || width == 76)
            && rest.iter().all(|&l| l == width)
            && *last <= width
            && *last > 0
            && !(rest.is_empty() && total > 76);
        if rest.is_empty() && *last <= 64 {
            c.regular_layout = true;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLEAN: &str = include_str!("../../fixtures/opmetrix/publickey.cer");

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

    const CLEAN: &str = include_str!("../../fixtures/opmetrix/publickey.cer");

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
