//! Percent-encoding (RFC 3986, as RFC 5849 section 3.6 and form bodies use it) and reading
//! `a=1&b=2` pairs: shared by both OAuth halves and the loopback listener.

/// RFC 3986 percent-encoding as RFC 5849 §3.6 wants it: everything but the unreserved set
/// (`A-Z a-z 0-9 - . _ ~`), UTF-8, upper-case hex.
pub fn percent_encode(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    percent_encode_into(&mut out, s);
    // Only ASCII was pushed.
    String::from_utf8(out).unwrap_or_default()
}

/// [`percent_encode`] appended to `out`, without a String of its own (the HMAC key is built
/// this way, in one zeroized buffer).
#[inline(always)]
pub(crate) fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Appends `s` percent-encoded: runs of unreserved bytes are copied whole.
#[inline(always)]
pub(crate) fn percent_encode_into(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !unreserved(b) {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(&[b'%', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

/// The length of `s` percent-encoded.
#[inline(always)]
pub(crate) fn percent_encoded_len(s: &str) -> usize {
    s.bytes().map(|b| if unreserved(b) { 1 } else { 3 }).sum()
}

/// Decodes `%XX` escapes, and `+` as a space when `plus_is_space` (form and query encoding).
/// Invalid escapes are kept as they are, as servers do.
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    if !bytes
        .iter()
        .any(|&b| b == b'%' || (plus_is_space && b == b'+'))
    {
        return s.to_owned();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Splits `a=1&b=&c` into decoded pairs (`+` is a space). Empty segments are skipped.
pub fn parse_urlencoded(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(p, true), String::new()),
        })
        .collect()
}
