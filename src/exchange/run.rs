//! The exchange loop, one worker: for each user not settled by the journal, wait for the rate
//! budget, journal the attempt, ask the provider, and journal what came back before anything
//! else. A user whose token the provider refuses goes to the re-consent list; 429, 5xx and
//! network failures are retried with backoff (a `Retry-After` shuts the bucket); an answer that
//! says the app itself is refused stops the run at once, before it burns the list.
//!
//! The provider's side is the [`Exchanger`] trait (its request, its answers, what a request lost
//! to a crash means there); time is the [`Clock`] trait, so the loop is tested without waiting.

use std::time::Duration;

use super::input::{TokenList, UserToken};
use super::journal::{Journal, JournalError, Record, UserState};
use super::rate::{backoff, Bucket, Budget};
use crate::secret::Token;

/// What the provider answered one exchange.
pub enum Answer {
    /// A new pair, with every other field the provider sent.
    Pair {
        /// The access token.
        access_token: Token,
        /// The refresh token, if one came.
        refresh_token: Option<Token>,
        /// Its lifetime in seconds, if said.
        expires_in: Option<u64>,
        /// The scopes, as written.
        scope: Option<String>,
        /// The rest of the answer.
        other: serde_json::Map<String, serde_json::Value>,
    },
    /// The user's token was refused (revoked, expired, not this app's): the user must consent
    /// again.
    UserRefused(String),
    /// The app itself was refused (its credentials, or OAuth 2.0 not enabled for it): every
    /// further call would fail the same way.
    AppRefused(String),
    /// Not now (429, 5xx, a timeout): retry, no sooner than `retry_after` seconds if given.
    TryLater {
        /// The provider's `Retry-After`, in seconds.
        retry_after: Option<u64>,
        /// What happened.
        reason: String,
    },
    /// An answer this version does not understand: stop and report it.
    Unexpected(String),
}

/// What a request lost to a crash (journalled, no answer kept) means at a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterCrash {
    /// Exchange again: it is safe there (X: a second exchange returns a new pair and the first
    /// dies with the crash that lost it).
    ExchangeAgain,
    /// Do not exchange again: the user goes to the re-consent list with this reason (Tumblr: a
    /// successful exchange spends the OAuth 1.0a token, so the pair may be lost).
    Reconsent(String),
}

/// A provider's exchange.
pub trait Exchanger {
    /// Exchanges one user's token.
    fn exchange(&self, user: &UserToken) -> Answer;
    /// What a request lost to a crash means for `user`.
    fn after_crash(&self, user: &UserToken) -> AfterCrash;
}

/// The time: now, and waiting.
pub trait Clock {
    /// Now, in Unix seconds (fractional).
    fn now(&self) -> f64;
    /// Waits `secs` seconds.
    fn sleep(&self, secs: f64);
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    }
    fn sleep(&self, secs: f64) {
        if secs > 0.0 {
            std::thread::sleep(Duration::from_secs_f64(secs));
        }
    }
}

/// How the loop runs.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The rate budget.
    pub budget: Budget,
    /// Tries per user for answers that say "not now", the first included.
    pub attempts: u32,
    /// The first backoff.
    pub backoff: Duration,
    /// The longest backoff.
    pub backoff_cap: Duration,
}

/// What a run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Users exchanged in this run.
    pub exchanged: Vec<String>,
    /// Users settled by an earlier run (a pair kept, or a re-consent), not asked again.
    pub already: usize,
    /// Users who must consent again, with why.
    pub reconsent: Vec<(String, String)>,
    /// Users not exchanged after every try, with why; the next run tries them again.
    pub failed: Vec<(String, String)>,
    /// Why the run stopped before the end of the list, if it did.
    pub stopped: Option<String>,
}

fn now_secs(clock: &dyn Clock) -> i64 {
    clock.now() as i64
}

/// Journals `user`'s outcome (`reconsent` or `failed`) and lists it in `into`.
fn settle(
    journal: &mut Journal,
    clock: &dyn Clock,
    user: &str,
    status: &str,
    reason: String,
    into: &mut Vec<(String, String)>,
) -> Result<(), JournalError> {
    journal.append(&Record::Outcome {
        user: user.to_owned(),
        at: now_secs(clock),
        status: status.into(),
        reason: reason.clone(),
    })?;
    into.push((user.to_owned(), reason));
    Ok(())
}

/// Runs the exchange over `list`, with `journal` (opened, and `prior` its records).
pub fn run(
    list: &TokenList,
    journal: &mut Journal,
    prior: &[Record],
    exchanger: &dyn Exchanger,
    settings: &Settings,
    clock: &dyn Clock,
) -> Result<Report, JournalError> {
    let states = super::journal::states(prior);
    let mut report = Report::default();
    let mut bucket = Bucket::new(settings.budget, clock.now());
    for user in &list.users {
        match states.get(&user.user_id) {
            Some(UserState::Received | UserState::Reconsent(_)) => {
                report.already += 1;
                continue;
            }
            Some(UserState::InFlight) => {
                if let AfterCrash::Reconsent(reason) = exchanger.after_crash(user) {
                    settle(
                        journal,
                        clock,
                        &user.user_id,
                        "reconsent",
                        reason,
                        &mut report.reconsent,
                    )?;
                    continue;
                }
            }
            Some(UserState::Failed(_)) | None => {}
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            clock.sleep(bucket.take(clock.now()));
            journal.append(&Record::Attempt {
                user: user.user_id.clone(),
                at: now_secs(clock),
            })?;
            match exchanger.exchange(user) {
                Answer::Pair {
                    access_token,
                    refresh_token,
                    expires_in,
                    scope,
                    other,
                } => {
                    let at = now_secs(clock);
                    // Kept before anything else is done with it.
                    journal.append(&Record::Received {
                        user: user.user_id.clone(),
                        at,
                        access_token,
                        refresh_token,
                        expires_at: expires_in
                            .map(|s| at.saturating_add(i64::try_from(s).unwrap_or(i64::MAX))),
                        scope,
                        other,
                    })?;
                    report.exchanged.push(user.user_id.clone());
                    break;
                }
                Answer::UserRefused(reason) => {
                    settle(
                        journal,
                        clock,
                        &user.user_id,
                        "reconsent",
                        reason,
                        &mut report.reconsent,
                    )?;
                    break;
                }
                Answer::AppRefused(reason) | Answer::Unexpected(reason) => {
                    settle(
                        journal,
                        clock,
                        &user.user_id,
                        "failed",
                        reason.clone(),
                        &mut report.failed,
                    )?;
                    report.stopped = Some(reason);
                    return Ok(report);
                }
                Answer::TryLater {
                    retry_after,
                    reason,
                } => {
                    if let Some(s) = retry_after {
                        bucket.shut_until(clock.now() + s as f64);
                    }
                    if attempt >= settings.attempts {
                        settle(
                            journal,
                            clock,
                            &user.user_id,
                            "failed",
                            reason,
                            &mut report.failed,
                        )?;
                        break;
                    }
                    let jitter = f64::from(rand::random::<u8>()) / 255.0;
                    clock.sleep(
                        backoff(attempt, settings.backoff, settings.backoff_cap, jitter)
                            .as_secs_f64(),
                    );
                }
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::input::{parse, Format};
    use std::cell::{Cell, RefCell};

    /// Time that passes only when slept.
    #[derive(Default)]
    struct FakeClock(Cell<f64>, RefCell<Vec<f64>>);

    impl Clock for FakeClock {
        fn now(&self) -> f64 {
            self.0.get()
        }
        fn sleep(&self, secs: f64) {
            if secs > 0.0 {
                self.1.borrow_mut().push(secs);
                self.0.set(self.0.get() + secs);
            }
        }
    }

    /// Answers from a script per user, in order; records who was asked.
    struct Script {
        answers: RefCell<std::collections::HashMap<String, Vec<Answer>>>,
        asked: RefCell<Vec<String>>,
        again: bool,
    }

    impl Script {
        fn new(again: bool, answers: Vec<(&str, Vec<Answer>)>) -> Script {
            Script {
                answers: RefCell::new(
                    answers
                        .into_iter()
                        .map(|(u, a)| (u.to_owned(), a))
                        .collect(),
                ),
                asked: RefCell::default(),
                again,
            }
        }
    }

    impl Exchanger for Script {
        fn exchange(&self, user: &UserToken) -> Answer {
            self.asked.borrow_mut().push(user.user_id.clone());
            let mut a = self.answers.borrow_mut();
            let list = a.get_mut(&user.user_id).expect("a scripted user");
            assert!(!list.is_empty(), "{} asked once too often", user.user_id);
            list.remove(0)
        }
        fn after_crash(&self, _: &UserToken) -> AfterCrash {
            if self.again {
                AfterCrash::ExchangeAgain
            } else {
                AfterCrash::Reconsent("a request was lost to a crash".into())
            }
        }
    }

    fn pair(t: &str) -> Answer {
        Answer::Pair {
            access_token: Token::new(t),
            refresh_token: Some(Token::new(format!("r{t}"))),
            expires_in: Some(7200),
            scope: Some("offline.access".into()),
            other: serde_json::Map::new(),
        }
    }

    fn list(users: &[&str]) -> TokenList {
        let mut csv = String::from("user_id,oauth_token,oauth_token_secret\n");
        for u in users {
            csv.push_str(&format!("{u},t-{u},s-{u}\n"));
        }
        parse("users.csv", &csv, Format::Csv).unwrap()
    }

    fn settings() -> Settings {
        Settings {
            budget: Budget::parse("2/10").unwrap(),
            attempts: 3,
            backoff: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(8),
        }
    }

    #[test]
    fn pairs_are_journalled_refused_users_listed_and_the_rate_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let (mut j, prior) = Journal::open(&path).unwrap();
        let script = Script::new(
            true,
            vec![
                ("u1", vec![pair("a1")]),
                ("u2", vec![Answer::UserRefused("invalid_grant".into())]),
                ("u3", vec![pair("a3")]),
            ],
        );
        let clock = FakeClock::default();
        let r = run(
            &list(&["u1", "u2", "u3"]),
            &mut j,
            &prior,
            &script,
            &settings(),
            &clock,
        )
        .unwrap();
        assert_eq!(r.exchanged, ["u1", "u3"]);
        assert_eq!(r.reconsent, [("u2".into(), "invalid_grant".into())]);
        assert!(r.stopped.is_none() && r.failed.is_empty());
        // Two a window of ten seconds: the third waited five.
        assert_eq!(*clock.1.borrow(), [5.0]);
        drop(j);
        let records = super::super::journal::replay(&path).unwrap();
        let kinds: Vec<String> = records
            .iter()
            .map(|r| format!("{} {}", r.user(), serde_json::to_value(r).unwrap()["kind"]))
            .collect();
        assert_eq!(
            kinds,
            [
                "u1 \"attempt\"",
                "u1 \"received\"",
                "u2 \"attempt\"",
                "u2 \"outcome\"",
                "u3 \"attempt\"",
                "u3 \"received\""
            ]
        );
    }

    #[test]
    fn retry_after_is_honoured_and_an_app_refusal_stops_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, prior) = Journal::open(&dir.path().join("j")).unwrap();
        let script = Script::new(
            true,
            vec![
                (
                    "u1",
                    vec![
                        Answer::TryLater {
                            retry_after: Some(30),
                            reason: "429".into(),
                        },
                        pair("a1"),
                    ],
                ),
                ("u2", vec![Answer::AppRefused("invalid_client".into())]),
                ("u3", vec![pair("never")]),
            ],
        );
        let clock = FakeClock::default();
        let r = run(
            &list(&["u1", "u2", "u3"]),
            &mut j,
            &prior,
            &script,
            &settings(),
            &clock,
        )
        .unwrap();
        assert_eq!(r.exchanged, ["u1"]);
        assert_eq!(r.stopped.as_deref(), Some("invalid_client"));
        assert_eq!(*script.asked.borrow(), ["u1", "u1", "u2"], "u3 never asked");
        // The retry waited for Retry-After, not only the backoff.
        let slept: f64 = clock.1.borrow().iter().sum();
        assert!(slept >= 30.0, "{:?}", clock.1.borrow());
    }

    #[test]
    fn a_resumed_run_skips_settled_users_and_follows_the_providers_rule_after_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        {
            let (mut j, _) = Journal::open(&path).unwrap();
            for r in [
                Record::Attempt {
                    user: "u1".into(),
                    at: 1,
                },
                Record::Received {
                    user: "u1".into(),
                    at: 1,
                    access_token: Token::new("a1"),
                    refresh_token: None,
                    expires_at: None,
                    scope: None,
                    other: serde_json::Map::new(),
                },
                // Killed after this line: u2's answer was lost.
                Record::Attempt {
                    user: "u2".into(),
                    at: 2,
                },
            ] {
                j.append(&r).unwrap();
            }
        }
        for (again, asked, exchanged, reconsent) in [
            (true, vec!["u2", "u3"], vec!["u2", "u3"], 0),
            (false, vec!["u3"], vec!["u3"], 1),
        ] {
            let copy = dir.path().join(format!("j-{again}"));
            std::fs::copy(&path, &copy).unwrap();
            let (mut j, prior) = Journal::open(&copy).unwrap();
            let script = Script::new(
                again,
                vec![("u2", vec![pair("a2")]), ("u3", vec![pair("a3")])],
            );
            let r = run(
                &list(&["u1", "u2", "u3"]),
                &mut j,
                &prior,
                &script,
                &settings(),
                &FakeClock::default(),
            )
            .unwrap();
            assert_eq!(r.already, 1, "u1's pair is never asked for again");
            assert_eq!(*script.asked.borrow(), asked);
            assert_eq!(r.exchanged, exchanged);
            assert_eq!(r.reconsent.len(), reconsent);
        }
    }
}
