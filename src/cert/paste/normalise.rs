//! Stage one of paste repair: bytes to clean text. Decodes UTF-8, UTF-16 or Latin-1, then
//! undoes what web pages, mail, chat, JSON and word processors do to a PEM block (markup,
//! entities, escapes, typographic dashes, invisible spaces, line endings), noting each repair.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

use super::{note, plural, RepairNote};

pub(super) static HTML_BREAK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<br\s*/?>|</?p(\s[^>]*)?>|</?div(\s[^>]*)?>|</li>|</pre>|</tr>")
        .expect("static regex")
});
pub(super) static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)</?[a-z][a-z0-9]*(\s[^<>]{0,400})?/?>").expect("static regex")
});
pub(super) static HTML_ENTITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});").expect("static regex")
});

/// Bytes to text: UTF-8 (with or without BOM), UTF-16 with a BOM, or Latin-1 as a last resort.
pub(super) fn decode_text<'a>(input: &'a [u8], notes: &mut Vec<RepairNote>) -> Cow<'a, str> {
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

pub(super) fn normalise<'a>(text: &'a str, notes: &mut Vec<RepairNote>) -> Cow<'a, str> {
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

pub(super) fn decode_entity(name: &str) -> Option<char> {
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
