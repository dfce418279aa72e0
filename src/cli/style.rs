//! Colour for the human output: the severities and the result line. Styled text is written
//! through `anstream`, which drops the colour when the stream is not a terminal, under
//! `NO_COLOR`, or where the console cannot show it. Text from a certificate, a file or a server
//! is escaped (`oauth1to2::text::term`) before it gets here, so the only escape sequences in the
//! output are these.

use anstyle::{AnsiColor, Style};
use oauth1to2::cert::Severity;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const NOTICE: Style = AnsiColor::Cyan.on_default();
const OK: Style = AnsiColor::Green.on_default().bold();

/// The severity word, padded to 8 columns, coloured.
pub fn severity(s: Severity) -> String {
    let style = match s {
        Severity::Error => ERROR,
        Severity::Warning => WARNING,
        Severity::Notice => NOTICE,
    };
    format!("{style}{s:<8}{style:#}")
}

/// A result line: red when there are errors, green otherwise.
pub fn result(text: &str, errors: bool) -> String {
    let style = if errors { ERROR } else { OK };
    format!("{style}{text}{style:#}")
}

/// Standard output, with colour only where it can be shown.
pub fn stdout() -> anstream::AutoStream<std::io::Stdout> {
    anstream::AutoStream::auto(std::io::stdout())
}

/// Standard error, likewise.
pub fn stderr() -> anstream::AutoStream<std::io::Stderr> {
    anstream::AutoStream::auto(std::io::stderr())
}
