//! Stage two of paste repair: clean text to certificates. Finds the BEGIN/END lines (however
//! damaged), cuts each block, collects its base64 (dropping prefixes, quotes, spaces and blank
//! lines), checks the DER length it announces, and says what it repaired or where the paste
//! breaks. Bare base64 with no BEGIN/END line may be a private key: it is never quoted.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use regex::Regex;
use std::sync::LazyLock;

use super::{note, plural, PasteError, PastedCertificate, RecoveredCertificate, SkippedBlock};

/// Labels we read as a certificate. `X509 CERTIFICATE` is an old OpenSSL/Netscape label;
/// `TRUSTED CERTIFICATE` is OpenSSL's certificate with trust settings appended.
pub(super) const CERT_LABELS: &[&str] = &["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"];

pub(super) static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(-*)[ \t]*\b(BEGIN|END)[ \t]+(X509 CERTIFICATE|TRUSTED CERTIFICATE|NEW CERTIFICATE REQUEST|CERTIFICATE REQUEST|CERTIFICATE|ENCRYPTED PRIVATE KEY|RSA PRIVATE KEY|EC PRIVATE KEY|DSA PRIVATE KEY|OPENSSH PRIVATE KEY|PRIVATE KEY|RSA PUBLIC KEY|PUBLIC KEY|PKCS7|X509 CRL|[A-Z0-9][A-Z0-9 ]*[A-Z0-9])[ \t]*(-*)",
    )
    .expect("static regex")
});

pub(super) const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// A base64 character other than padding, by byte.
pub(super) fn is_b64_body_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

pub(super) fn is_b64(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='
}

/// A BEGIN or END line found in the text.
pub(super) struct Marker {
    pub(super) begin: bool,
    pub(super) label: String,
    pub(super) start: usize,
    pub(super) end: usize,
    /// The line was not written exactly as `-----BEGIN LABEL-----`.
    pub(super) irregular: bool,
}

pub(super) fn find_markers(text: &str) -> Vec<Marker> {
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

pub(super) const MARKER_KNOWN: &[&str] = &[
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
pub(super) enum Ends {
    Both,
    HeaderOnly,
    FooterOnly,
    Neither,
}

pub(super) fn extract(text: &str, out: &mut PastedCertificate) -> Result<(), PasteError> {
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

pub(super) fn is_cert_label(label: &str) -> bool {
    CERT_LABELS.contains(&label)
}

/// True if `s` holds anything but whitespace and punctuation.
pub(super) fn has_words(s: &str) -> bool {
    s.chars().any(|c| c.is_alphanumeric())
}

/// Finds where bare base64 for a DER SEQUENCE starts: a run of at least 20 base64 characters
/// beginning "MI" (a SEQUENCE with a long-form length, which every certificate has).
pub(super) fn find_der_start(text: &str) -> Option<usize> {
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
pub(super) fn handle_block(
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

pub(super) fn pad_count(total: usize) -> usize {
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

pub(super) struct Collected {
    /// The base64 characters, without padding.
    pub(super) chars: String,
    /// For each base64 character, the byte offset just past it in the body (open-ended blocks
    /// only: elsewhere the block's end is known).
    pub(super) offsets: Vec<usize>,
    pub(super) had_padding_chars: usize,
    pub(super) lines: usize,
    pub(super) prefixed_lines: usize,
    pub(super) blank_lines: usize,
    pub(super) inner_spaces: usize,
    pub(super) quoted: bool,
    pub(super) regular_layout: bool,
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

pub(super) fn collect_base64(body: &str, ends: Ends) -> Collected {
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
