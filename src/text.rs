//! Text that came from a certificate, a file or a server, made safe to show.
//!
//! [`term`] is for a terminal: it escapes C0 and C1 control characters (ESC, BEL, CR, newline,
//! tab, ...), DEL, and the Unicode bidirectional overrides as `\XX` (or `\u{XXXX}`), as
//! `openssl x509 -nameopt esc_ctrl` does, so that a hostile subject cannot move the cursor,
//! print a fake result line, set the window title or write the clipboard (OSC 52). A field that
//! holds a newline shows `\0A` and stays on its line. JSON output never goes through it: JSON
//! keeps the exact text, escaped by JSON's own rules.
//!
//! [`markdown`] is for the Markdown report: the same, plus Markdown and HTML punctuation.
//!
//! [`html`] is for the HTML report and the callback page: HTML's five characters as entities,
//! and control characters as for a terminal.
//!
//! [`shell`] is for a value inside a command the user may paste into a POSIX shell.

use std::borrow::Cow;
use std::fmt::Write;

fn needs_escape(c: char) -> bool {
    matches!(c as u32, 0x00..=0x1F | 0x7F..=0x9F | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
}

fn push_escaped(out: &mut String, c: char) {
    let n = c as u32;
    if n < 0x100 {
        let _ = write!(out, "\\{n:02X}");
    } else {
        let _ = write!(out, "\\u{{{n:04X}}}");
    }
}

/// `s` with every control character escaped, for a terminal (see the module docs).
pub fn term(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A body a server sent, for showing on a terminal: each line escaped as by [`term`] (the line
/// breaks themselves are kept).
pub fn term_lines(s: &str) -> String {
    s.lines()
        .map(|l| term(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `s` for a Markdown document: control characters as in [`term`], and the characters that
/// Markdown or inline HTML would interpret (`\ ` `` ` `` `* _ [ ] < > | # ! ~ &`) backslash-escaped
/// or as entities, so a certificate subject cannot add a link, an image, a heading or HTML.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            c if needs_escape(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// `s` as a Markdown code span: in backquotes when it holds no backquote and no control
/// character, else escaped as by [`markdown`] (a backquote in a code span would end it).
pub fn markdown_code(s: &str) -> String {
    if s.is_empty() || s.contains('`') || s.chars().any(needs_escape) {
        markdown(s)
    } else {
        format!("`{s}`")
    }
}

/// `s` for HTML text or a quoted attribute: `& < > " '` as entities, and control characters
/// escaped as by [`term`], so a page printed to a terminal instead of opened in a browser
/// cannot drive the terminal either.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if needs_escape(c) && c != '\n' => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// `s` as one word of a POSIX shell command: as it is when it holds only characters no shell
/// reads specially (letters, digits, `-_./:=@,+%`, not starting with `=`), else in single quotes, each `'` written
/// `'\''`. Inside single quotes nothing is expanded (no `$(...)`, no backquote, no glob), so
/// a value from a client's file or a server cannot run code when the command is pasted.
pub fn shell(s: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c);
    // zsh expands a word that starts with `=` (`=ls` is ls's path).
    if !s.is_empty() && s.chars().all(plain) && !s.starts_with('=') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(format!("'{}'", s.replace('\'', "'\\''")))
}

/// Replaces every occurrence of each secret in `text` with `[REDACTED]`. Secrets shorter than
/// 4 characters are left alone (they would match ordinary text, and no real one is that short).
/// For text that came from a server, which may echo the request it was sent.
pub fn redact<'a>(text: &'a str, secrets: &[&str]) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(*s) {
            out = Cow::Owned(out.replace(*s, "[REDACTED]"));
        }
    }
    out
}

/// `body` with every copy of `secret` (4 bytes or more) replaced by `[REDACTED]`, byte for byte
/// elsewhere (a linear-time search: the body can be large and need not be UTF-8).
pub fn redact_bytes(body: &[u8], secret: &str) -> Vec<u8> {
    if secret.len() < 4 {
        return body.to_vec();
    }
    match regex::bytes::Regex::new(&regex::escape(secret)) {
        Ok(re) => re.replace_all(body, &b"[REDACTED]"[..]).into_owned(),
        Err(_) => body.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shell_words_cannot_run_code_when_pasted() {
        assert_eq!(shell("acme-ltd"), "acme-ltd");
        assert_eq!(shell("/record/v1/customer"), "/record/v1/customer");
        assert_eq!(shell(""), "''");
        assert_eq!(shell("a b"), "'a b'");
        assert_eq!(shell("$(touch x)"), "'$(touch x)'");
        assert_eq!(shell("O'Brien; rm -rf ~"), "'O'\\''Brien; rm -rf ~'");
        assert_eq!(shell("`id`"), "'`id`'");
        assert_eq!(shell("=ls"), "'=ls'");
        assert_eq!(shell("*"), "'*'");
    }

    use super::*;

    #[test]
    fn terminal_controls_are_escaped_like_openssl() {
        assert_eq!(term("CN=Acme Ltd"), "CN=Acme Ltd");
        assert!(matches!(term("plain"), Cow::Borrowed(_)));
        assert_eq!(term("a\x1b[2Jb"), "a\\1B[2Jb");
        assert_eq!(term("x\nResult: ok"), "x\\0AResult: ok");
        assert_eq!(term("\x1b]52;c;aGk=\x07"), "\\1B]52;c;aGk=\\07");
        assert_eq!(term("\u{9b}31m"), "\\9B31m");
        assert_eq!(term("\u{202e}evil"), "\\u{202E}evil");
        assert_eq!(term("Zürich 東京"), "Zürich 東京");
        assert_eq!(term("tab\there\r"), "tab\\09here\\0D");
        assert_eq!(term_lines("ok\n\x1b[2Jx\nend"), "ok\n\\1B[2Jx\nend");
    }

    #[test]
    fn markdown_cannot_add_links_html_or_rows() {
        let m = markdown("CN=x](https://evil)<img src=x>|row\n# head");
        assert!(!m.contains("<img"));
        assert!(!m.contains("](https"));
        assert!(!m.contains('\n'));
        assert!(m.contains("\\|row"));
        assert_eq!(markdown("Acme Ltd, NZ"), "Acme Ltd, NZ");
    }

    #[test]
    fn redaction_replaces_every_copy() {
        let t = "invalid_grant: refresh_token=rt-SECRET-1 was used; rt-SECRET-1";
        assert_eq!(
            redact(t, &["rt-SECRET-1", "", "ab"]),
            "invalid_grant: refresh_token=[REDACTED] was used; [REDACTED]"
        );
        assert!(matches!(redact("nothing", &["zzzz"]), Cow::Borrowed(_)));
    }
}
