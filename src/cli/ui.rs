//! The one implementation of the library's `Interaction` for a terminal (and for runs without
//! one): notices and prompts on stderr, secrets without echo, the browser opened with the
//! `webbrowser` crate (no shell), and pasted redirect URLs read from stdin. Everything shown
//! that came from elsewhere is escaped first.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::sync::mpsc::{self, Receiver};

use oauth1to2::connect::Connected;
use oauth1to2::interact::{AuthorizePrompt, Interaction, Level, Progress};
use oauth1to2::oauth2::profile::Grant;
use oauth1to2::secret::Password;
use oauth1to2::text::term;

/// The terminal. A batch's progress bar lives here while the batch runs (only when stderr is
/// a terminal).
#[derive(Debug, Default)]
pub struct Terminal {
    bar: RefCell<Option<indicatif::ProgressBar>>,
    /// The steps, findings and plan are the command's output (`migrate --dry-run`): on
    /// stdout, so `> plan.txt` keeps them; notices and prompts stay on stderr.
    plan_on_stdout: bool,
}

impl Terminal {
    /// A terminal whose step-by-step output goes to stdout (see `plan_on_stdout`).
    pub fn plan_on_stdout() -> Terminal {
        Terminal {
            plan_on_stdout: true,
            ..Terminal::default()
        }
    }

    fn show(&self, line: &str) {
        if self.plan_on_stdout {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
}

impl Interaction for Terminal {
    fn notice(&self, level: Level, message: &str) {
        match level {
            Level::Info => eprintln!("note: {}", term(message)),
            Level::Warning => eprintln!("warning: {}", term(message)),
        }
    }

    fn ask_secret(&self, prompt: &str) -> Option<Password> {
        rpassword::prompt_password(prompt).ok().map(Password::new)
    }

    fn ask(&self, prompt: &str) -> Option<String> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        super::session::read_answer(&format!("{}: ", term(prompt)))
            .ok()
            .flatten()
    }

    fn authorize(&self, p: &AuthorizePrompt<'_>) -> Option<Receiver<String>> {
        if p.fixed_port {
            eprintln!(
                "Redirect URI (register exactly this on the app): {}",
                p.redirect_uri
            );
        }
        let addresses: Vec<String> = p.listening.iter().map(|a| a.to_string()).collect();
        eprintln!(
            "Listening on {} for the callback ({} s).",
            addresses.join(" and "),
            p.timeout_secs
        );
        eprintln!(
            "Open this URL to sign in and allow access:\n\n  {}\n",
            term(p.url)
        );
        if p.open_browser {
            if let Err(e) = webbrowser::open(p.url) {
                eprintln!("note: could not open a browser ({e}); open the URL above yourself");
            }
            return None;
        }
        eprintln!(
            "Or paste here the address your browser ends on ({}?...):",
            p.redirect_uri
        );
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).unwrap_or(0) > 0 {
                if tx.send(std::mem::take(&mut line)).is_err() {
                    break;
                }
            }
        });
        Some(rx)
    }

    fn choose(&self, question: &str, options: &[String]) -> Option<usize> {
        if !std::io::stdin().is_terminal() || options.is_empty() {
            return None;
        }
        eprintln!("{}", term(question));
        for (i, o) in options.iter().enumerate() {
            eprintln!("  {}. {}", i + 1, term(o));
        }
        for _ in 0..3 {
            let answer = super::session::read_answer("Number: ").ok().flatten()?;
            match answer.parse::<usize>().ok().and_then(|n| n.checked_sub(1)) {
                Some(i) if i < options.len() => return Some(i),
                _ => eprintln!(
                    "{} is not one of the numbers 1 to {}.",
                    term(&answer),
                    options.len()
                ),
            }
        }
        None
    }

    fn confirm(&self, question: &str) -> bool {
        super::session::confirm(&term(question)).unwrap_or(false)
    }

    fn progress(&self, event: &Progress<'_>) {
        const INDENT: &str = "      ";
        match event {
            Progress::Step {
                number,
                total,
                name,
                text,
            } => self.show(&format!("[{number}/{total} {name}] {}", term(text))),
            Progress::Line(t) => self.show(&format!("{INDENT}{}", term(t))),
            Progress::Finding {
                severity,
                id,
                message,
            } => self.show(&format!(
                "{INDENT}{} {id}: {}",
                if self.plan_on_stdout {
                    super::style::severity(*severity)
                } else {
                    super::style::severity_err(*severity)
                },
                term(message)
            )),
            Progress::Item { number, text } => {
                self.show(&format!("{INDENT}{number}. {}", term(text)))
            }
            Progress::Connected(c) => print_connected(c),
            Progress::Heading(t) => self.show(&term(t)),
            Progress::Batch {
                done,
                total,
                current,
            } => {
                let mut bar = self.bar.borrow_mut();
                match current {
                    Some(label) => {
                        if bar.is_none() {
                            *bar = super::common::progress_bar(*total);
                        }
                        if let Some(b) = bar.as_ref() {
                            b.set_position(*done as u64);
                            b.set_message(term(label).into_owned());
                        }
                    }
                    None => {
                        if let Some(b) = bar.take() {
                            b.finish_and_clear();
                        }
                    }
                }
            }
        }
    }
}

/// The summary `connect` prints on stderr.
pub fn print_connected(out: &Connected) {
    let name = &out.profile;
    eprintln!("Connected profile {name} ({}).", out.grant);
    if let Some(s) = &out.id_token_subject {
        eprintln!(
            "  signed in as:  {}{}",
            term(out.id_token_email.as_deref().unwrap_or("")),
            if out.id_token_email.is_some() {
                format!(" (sub {})", term(s))
            } else {
                term(s).into_owned()
            }
        );
    }
    eprintln!("  scopes:        {}", term(&out.scopes.join(" ")));
    eprintln!(
        "  access token:  expires {}",
        out.expires_at.as_deref().unwrap_or("(no expiry given)")
    );
    eprintln!(
        "  refresh token: {}",
        if out.refresh_token {
            "stored (rotates on every use)"
        } else if out.grant == Grant::ClientCredentials.as_str() {
            "none (client credentials: `token get` asks for a new token when needed)"
        } else if out.grant == Grant::JwtBearer.as_str() {
            "none (JWT bearer: `token get` signs a new assertion when the token is old)"
        } else {
            "none (ask for offline_access to get one)"
        }
    );
    eprintln!("  stored in:     {}", out.stored_in);
    if let Some(b) = &out.api_base {
        eprintln!("  API base:      {}", term(b));
    }
    if out.tenants && out.grant != Grant::ClientCredentials.as_str() {
        eprintln!("Next: `oauth1to2 tenants list -p {name}` and `oauth1to2 tenants use -p {name} TENANT`.");
    } else if out.api_base.is_some() {
        eprintln!("Next: `oauth1to2 api -p {name} GET PATH` calls the API there.");
    }
}
