//! How the library talks to a person: the [`Interaction`] trait, in the manner of age's
//! `Callbacks`. The library never prints, prompts, opens a browser or exits; a flow that needs
//! a person (a secret, a choice, the browser step, a notice) asks its `Interaction`. The command
//! line implements it once for a terminal (and for runs without one); tests implement it with
//! scripted answers.

use std::net::SocketAddr;
use std::sync::mpsc::Receiver;

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
}
