//! Colour for the human output: the severities and the result line, only where it can be
//! shown. Whether it can is decided once per stream, the way `anstream` decides it (a terminal,
//! no `NO_COLOR`, `CLICOLOR_FORCE` honoured); when it cannot, no escape sequence is produced at
//! all, so piped output needs no stripping pass. Text from a certificate, a file or a server is
//! escaped (`oauth1to2::text::term`) before it gets here, so the only escape sequences in the
//! output are these.

use anstyle::{AnsiColor, Style};
use oauth1to2::cert::Severity;
use std::sync::OnceLock;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const NOTICE: Style = AnsiColor::Cyan.on_default();
const OK: Style = AnsiColor::Green.on_default().bold();

fn enabled(choice: anstream::ColorChoice) -> bool {
    !matches!(choice, anstream::ColorChoice::Never)
}

/// Whether stdout gets colour.
pub fn stdout_colour() -> bool {
    static C: OnceLock<bool> = OnceLock::new();
    *C.get_or_init(|| enabled(anstream::AutoStream::choice(&std::io::stdout())))
}

/// Whether stderr gets colour.
pub fn stderr_colour() -> bool {
    static C: OnceLock<bool> = OnceLock::new();
    *C.get_or_init(|| enabled(anstream::AutoStream::choice(&std::io::stderr())))
}

fn paint(style: Style, text: &str, on: bool) -> String {
    if on {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Error => ERROR,
        Severity::Warning => WARNING,
        Severity::Notice => NOTICE,
    }
}

/// The severity word, padded to 8 columns, for stdout.
pub fn severity(s: Severity) -> String {
    paint(severity_style(s), &format!("{s:<8}"), stdout_colour())
}

/// The severity word, padded to 8 columns, for stderr.
pub fn severity_err(s: Severity) -> String {
    paint(severity_style(s), &format!("{s:<8}"), stderr_colour())
}

/// A result line for stdout: red when there are errors, green otherwise.
pub fn result(text: &str, errors: bool) -> String {
    paint(if errors { ERROR } else { OK }, text, stdout_colour())
}

/// The same, for stderr (`cert check --pem` reports there).
pub fn result_err(text: &str, errors: bool) -> String {
    paint(if errors { ERROR } else { OK }, text, stderr_colour())
}
