//! How the library talks to a person: the [`Interaction`] trait, in the manner of age's
//! `Callbacks`. The library never prints, prompts, opens a browser or exits; a flow that needs
//! a person (a secret, a choice, the browser step, a notice) asks its `Interaction`. The command
//! line implements it once for a terminal (and for runs without one); tests implement it with
//! scripted answers.

use std::net::SocketAddr;
use std::sync::mpsc::Receiver;

use crate::cert::Severity;
use crate::connect::Connected;
use crate::secret::Password;

/// How much a notice matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Progress, or something worth knowing.
    Info,
    /// Something went wrong but the flow goes on (a forged callback was ignored, ...).
    Warning,
}

/// What the person needs for the browser step of an authorization.
#[derive(Debug, Clone)]
pub struct AuthorizePrompt<'a> {
    /// The URL to open to sign in and allow access.
    pub url: &'a str,
    /// The redirect URI in the request (to register on the app).
    pub redirect_uri: &'a str,
    /// Whether the redirect URI has a fixed port, so registering it exactly makes sense.
    pub fixed_port: bool,
    /// Where the loopback listener waits.
    pub listening: &'a [SocketAddr],
    /// How long it waits, in seconds.
    pub timeout_secs: u64,
    /// Open the URL in a browser here. When false (over SSH), offer to paste the address the
    /// browser ends on instead.
    pub open_browser: bool,
}

/// How a long flow (the steps of a migration, a batch) is getting on. A terminal shows each
/// kind in its own way; [`Progress`]'s `Display` is a plain one-line form.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// Step `number` of `total`, called `name`: what it did.
    Step {
        /// 1-based.
        number: usize,
        /// How many steps there are.
        total: usize,
        /// The step's name.
        name: &'a str,
        /// What it did.
        text: &'a str,
    },
    /// A line of the current step's report.
    Line(&'a str),
    /// A finding of the current step, with its severity.
    Finding {
        /// How much it matters.
        severity: Severity,
        /// Its stable id.
        id: &'a str,
        /// What was found.
        message: &'a str,
    },
    /// Item `number` of a numbered list under the current step (instructions, a checklist).
    Item {
        /// 1-based.
        number: usize,
        /// The item.
        text: &'a str,
    },
    /// A profile was connected.
    Connected(&'a Connected),
    /// A line about the whole flow (where it resumes, what a batch holds).
    Heading(&'a str),
    /// A batch: `done` of `total` items finished; `current` is the one under way.
    Batch {
        /// Finished so far.
        done: usize,
        /// In all.
        total: usize,
        /// The item under way, if any (none once the batch is over).
        current: Option<&'a str>,
    },
}

impl std::fmt::Display for Progress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Progress::Step {
                number,
                total,
                name,
                text,
            } => write!(f, "[{number}/{total} {name}] {text}"),
            Progress::Line(t) | Progress::Heading(t) => f.write_str(t),
            Progress::Finding {
                severity,
                id,
                message,
            } => write!(f, "{severity} {id}: {message}"),
            Progress::Item { number, text } => write!(f, "{number}. {text}"),
            Progress::Connected(c) => write!(f, "connected profile {} ({})", c.profile, c.grant),
            Progress::Batch {
                done,
                total,
                current,
            } => match current {
                Some(c) => write!(f, "{done}/{total}: {c}"),
                None => write!(f, "{done}/{total}"),
            },
        }
    }
}

/// Everything a flow may ask of a person. Text passed in may come from a server or a file:
/// an implementation that shows it on a terminal escapes it (`crate::text::term`).
pub trait Interaction {
    /// Tells the person something. Never carries a secret.
    fn notice(&self, level: Level, message: &str);

    /// Asks for a secret, not echoed. `None` when there is no way to ask (no terminal) or the
    /// person gave nothing.
    fn ask_secret(&self, prompt: &str) -> Option<Password>;

    /// Asks for one line of text. `None` when there is no way to ask.
    fn ask(&self, prompt: &str) -> Option<String>;

    /// The browser step: shows the URL, and opens it in a browser when `open_browser` says so.
    /// Otherwise it offers to paste the final redirect URL and returns the channel the pasted
    /// lines arrive on. The loopback listener waits for the browser either way.
    fn authorize(&self, prompt: &AuthorizePrompt<'_>) -> Option<Receiver<String>>;

    /// Asks the person to pick one of `options` (a tenant among several); the index chosen.
    /// `None` when there is no way to ask or no valid answer came.
    fn choose(&self, question: &str, options: &[String]) -> Option<usize> {
        let _ = (question, options);
        None
    }

    /// Asks a yes/no question; `false` when there is no way to ask or the answer is not yes.
    fn confirm(&self, question: &str) -> bool {
        let _ = question;
        false
    }

    /// Shows how a long flow is getting on. By default, an [`Level::Info`] notice.
    fn progress(&self, event: &Progress<'_>) {
        if !matches!(event, Progress::Batch { .. }) {
            self.notice(Level::Info, &event.to_string());
        }
    }
}
