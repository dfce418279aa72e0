//! A request's log line, written straight to JSON text: one is written for every request, and
//! building a `serde_json::Value` first cost more than the check of the request's signature.

use std::fmt::Write as _;

/// A value in a log line.
#[derive(Clone, Copy)]
pub(super) enum Field<'a> {
    /// A string, escaped as JSON.
    Str(&'a str),
    /// Text whose `Display` needs no JSON escaping (an address), written as a string.
    Display(&'a std::net::SocketAddr),
    /// A whole number, written without going through floating point.
    Int(u64),
    /// A duration in milliseconds, to the microsecond (`0.403`), written without floating point.
    Millis(std::time::Duration),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A JSON object being written.
pub(super) struct Line(String);

impl Line {
    pub fn new() -> Line {
        let mut s = String::with_capacity(256);
        s.push('{');
        Line(s)
    }

    /// Adds `key` (a name written in this crate, never escaped) and its value.
    pub fn field(&mut self, key: &str, value: Field<'_>) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push('"');
        self.0.push_str(key);
        self.0.push_str("\":");
        match value {
            Field::Str(s) => string(&mut self.0, s),
            Field::Display(a) => {
                let _ = write!(self.0, "\"{a}\"");
            }
            Field::Null => self.0.push_str("null"),
            Field::Int(n) => {
                let _ = write!(self.0, "{n}");
            }
            Field::Millis(d) => {
                let us = d.as_micros();
                let _ = write!(self.0, "{}.{:03}", us / 1000, us % 1000);
            }
            Field::Bool(b) => self.0.push_str(if b { "true" } else { "false" }),
        }
    }

    /// The object's text, without a newline.
    pub fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// `s` as a JSON string: quotes, backslashes and control characters escaped, so a path or a
/// reason from a client cannot end the line or the string.
fn string(out: &mut String, s: &str) {
    out.push('"');
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f | 0x7f => "",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_back_to_what_was_written() {
        let addr: std::net::SocketAddr = "[::1]:8080".parse().unwrap();
        let hostile = "a\"b\\c\nd\re\tf\u{0}g\u{1b}[31mh\u{7f}é€😀";
        let mut l = Line::new();
        l.field("path", Field::Str(hostile));
        l.field("peer", Field::Display(&addr));
        l.field("ms", Field::Millis(std::time::Duration::from_micros(1250)));
        l.field("status", Field::Int(200));
        l.field("retried", Field::Bool(false));
        l.field(
            "upstream_ms",
            Field::Millis(std::time::Duration::from_nanos(12_345_678)),
        );
        l.field("code", Field::Int(401));
        l.field("route", Field::Null);
        let text = l.finish();
        assert!(!text.contains('\n') && !text.contains('\u{1b}'), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"path": hostile, "peer": "[::1]:8080", "ms": 1.25,
                "status": 200, "retried": false, "route": null,
                "upstream_ms": 12.345, "code": 401})
        );
    }

    #[test]
    fn an_empty_line_is_an_empty_object() {
        assert_eq!(Line::new().finish(), "{}");
    }
}
