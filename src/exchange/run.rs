//! The exchange loop: several workers take users from a [`Source`] and, for each user not
//! settled by the journal, wait for the shared rate budget, take the user's lock, journal the
//! attempt, ask the provider, and journal what came back before anything else; only then is the
//! outcome handed back to the source (a database row is updated after the journal has it). A
//! user whose token the provider refuses goes to the re-consent list; 429, 5xx and network
//! failures are retried with backoff (a `Retry-After` shuts the bucket for every worker); an
//! answer that says the app itself is refused stops the run at once, before it burns the list.
//!
//! The provider's side is the [`Exchanger`] trait (its request, its answers, what a request lost
//! to a crash means there); time is the [`Clock`] trait, so the loop is tested without waiting.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::input::{TokenList, UserToken};
use super::journal::{Index, Journal, JournalError, Last, Record};
use super::lock::UserLocks;
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
        /// The rest of the answer (and [`PROVIDER_USER_ID`] where the provider names the user
        /// another way).
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

/// The key in a received pair's other fields for the provider's own id of the user, where the
/// new token no longer identifies the user (Garmin's `userId`); the output has a column for it.
pub const PROVIDER_USER_ID: &str = "provider_user_id";

/// What a request lost to a crash (journalled, no answer kept) means at a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterCrash {
    /// Exchange again: it is safe there (X: a second exchange returns a new pair and the first
    /// dies with the crash that lost it), or the old token was found unspent.
    ExchangeAgain,
    /// Do not exchange again: the user goes to the re-consent list with this reason (Tumblr: a
    /// successful exchange spends the OAuth 1.0a token, so the pair may be lost).
    Reconsent(String),
    /// It could not be told now (the check failed): leave the user for the next run.
    NotNow(String),
}

/// A provider's exchange. Workers share it.
pub trait Exchanger: Send + Sync {
    /// Exchanges one user's token.
    fn exchange(&self, user: &UserToken) -> Answer;
    /// What a request lost to a crash means for `user`.
    fn after_crash(&self, user: &UserToken) -> AfterCrash;
}

/// The time: now, and waiting.
pub trait Clock: Send + Sync {
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

/// A source could not give a user or take an outcome back.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct SourceError {
    /// The source (a file, a table).
    pub source_name: String,
    /// What happened.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// Where the users come from and where their outcomes go back to. Workers share it.
pub trait Source: Send + Sync {
    /// The next user to exchange; `None` at the end.
    fn next(&self) -> Result<Option<UserToken>, SourceError>;
    /// `user`'s outcome, once the journal has it (a pair, or why not). A source that is written
    /// back (a table) writes it; a list does nothing (the output is written from the journal).
    fn settled(&self, user: &UserToken, record: &Record) -> Result<(), SourceError>;
    /// Whether outcomes are written back to it (then a user settled by an earlier run is
    /// handed to it again, in case a crash came between the journal and the source).
    fn writes_back(&self) -> bool {
        false
    }
}

/// A list read from a file, in its order.
#[derive(Debug)]
pub struct ListSource<'a> {
    list: &'a TokenList,
    next: Mutex<usize>,
}

impl<'a> ListSource<'a> {
    /// The users of `list`.
    pub fn new(list: &'a TokenList) -> ListSource<'a> {
        ListSource {
            list,
            next: Mutex::new(0),
        }
    }
}

impl Source for ListSource<'_> {
    fn next(&self) -> Result<Option<UserToken>, SourceError> {
        let mut i = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let u = self.list.users.get(*i).cloned();
        *i += 1;
        Ok(u)
    }
    fn settled(&self, _: &UserToken, _: &Record) -> Result<(), SourceError> {
        Ok(())
    }
}

/// How the loop runs.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The rate budget, shared by every worker.
    pub budget: Budget,
    /// Tries per user for answers that say "not now", the first included.
    pub attempts: u32,
    /// The first backoff.
    pub backoff: Duration,
    /// The longest backoff.
    pub backoff_cap: Duration,
    /// Workers (requests in flight at once), at least one.
    pub workers: usize,
    /// Stop when the run's first this many answers all refuse the user and none gave a pair:
    /// at a provider whose refusal does not say whether the user's token or the app's
    /// credentials were refused, that is the app. Those users are then left for the next run,
    /// not put on the re-consent list. Zero turns the check off.
    pub refused_in_a_row: usize,
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Users exchanged in this run.
    pub exchanged: usize,
    /// Users settled by an earlier run (a pair kept, or a re-consent), not asked again.
    pub already: usize,
    /// Users who must consent again, with why.
    pub reconsent: Vec<(String, String)>,
    /// Users not exchanged after every try, with why; the next run tries them again.
    pub failed: Vec<(String, String)>,
    /// Why the run stopped before the end of the list, if it did.
    pub stopped: Option<String>,
    /// Whether it stopped because the provider refused the app.
    pub app_refused: bool,
}

impl Report {
    /// Users the run has dealt with so far.
    pub fn done(&self) -> usize {
        self.exchanged + self.already + self.reconsent.len() + self.failed.len()
    }
}

/// Why a run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The journal could not be written: the run stops, since nothing may be done that is not
    /// in it.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The source could not be read or written back.
    #[error(transparent)]
    Source(#[from] SourceError),
}

impl RunError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            RunError::Journal(e) => e.hint(),
            RunError::Source(e) => e.hint.clone(),
        }
    }
}

/// A run: what it reads, what it asks, how.
pub struct Run<'a> {
    /// The users.
    pub source: &'a dyn Source,
    /// The provider.
    pub exchanger: &'a dyn Exchanger,
    /// How.
    pub settings: Settings,
    /// The time.
    pub clock: &'a dyn Clock,
    /// Calls made in the budget's current window before this run began (by the run a crash
    /// stopped): they count against the bucket.
    pub spent: u32,
    /// Per-user locks shared with other runs on this machine, if any.
    pub locks: Option<&'a UserLocks>,
    /// Told the report so far after each user (a progress bar); never given a secret.
    pub progress: Option<&'a (dyn Fn(&Report) + Sync)>,
}

/// What a worker holds in common with the others.
struct Shared<'j> {
    journal: &'j Journal,
    bucket: Mutex<Bucket>,
    report: Mutex<Report>,
    stop: AtomicBool,
    /// The users refused since the run began, while no pair has come; `None` once one has.
    refused: Mutex<Option<Vec<UserToken>>>,
    /// Each user's last word in the journal before this run.
    prior: &'j Index,
}

fn now_secs(clock: &dyn Clock) -> i64 {
    clock.now() as i64
}

/// How long a worker waits for a user's lock that another run holds (one request's time).
const LOCK_WAIT: Duration = Duration::from_secs(60);

impl Run<'_> {
    /// Runs the exchange with `journal` (opened, and `prior` its records).
    pub fn go(&self, journal: &Journal, prior: &Index) -> Result<Report, RunError> {
        let shared = Shared {
            journal,
            bucket: Mutex::new({
                let mut b = Bucket::new(self.settings.budget, self.clock.now());
                b.spent(self.spent);
                b
            }),
            report: Mutex::new(Report::default()),
            stop: AtomicBool::new(false),
            refused: Mutex::new(Some(Vec::new())),
            prior,
        };
        let workers = self.settings.workers.max(1);
        let results: Vec<Result<(), RunError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|_| s.spawn(|| self.worker(&shared)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        for r in results {
            r?;
        }
        Ok(shared
            .report
            .into_inner()
            .unwrap_or_else(|e| e.into_inner()))
    }

    fn worker(&self, sh: &Shared<'_>) -> Result<(), RunError> {
        let stop = |sh: &Shared<'_>| {
            sh.stop.store(true, Ordering::SeqCst);
        };
        while !sh.stop.load(Ordering::SeqCst) {
            let user = match self.source.next() {
                Ok(Some(u)) => u,
                Ok(None) => break,
                Err(e) => {
                    stop(sh);
                    return Err(e.into());
                }
            };
            if let Err(e) = self.one(sh, &user) {
                stop(sh);
                return Err(e);
            }
            if let Some(p) = self.progress {
                p(&sh.report.lock().unwrap_or_else(|e| e.into_inner()));
            }
        }
        Ok(())
    }

    fn append(&self, sh: &Shared<'_>, record: &Record) -> Result<(), RunError> {
        sh.journal.append(record)?;
        Ok(())
    }

    fn report(&self, sh: &Shared<'_>, f: impl FnOnce(&mut Report)) {
        f(&mut sh.report.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Journals `user`'s outcome (`reconsent` or `failed`), hands it to the source and lists it.
    fn settle(
        &self,
        sh: &Shared<'_>,
        user: &UserToken,
        status: &str,
        reason: String,
    ) -> Result<(), RunError> {
        let record = Record::Outcome {
            user: user.user_id.clone(),
            at: now_secs(self.clock),
            status: status.into(),
            reason: reason.clone(),
        };
        self.append(sh, &record)?;
        self.source.settled(user, &record)?;
        let entry = (user.user_id.clone(), reason);
        self.report(sh, |r| {
            if status == "reconsent" {
                r.reconsent.push(entry)
            } else {
                r.failed.push(entry)
            }
        });
        Ok(())
    }

    /// A user refused: re-consent, unless every answer of the run so far was a refusal and
    /// there are `refused_in_a_row` of them, which stops the run and leaves them for the next.
    fn refused(&self, sh: &Shared<'_>, user: &UserToken, reason: String) -> Result<(), RunError> {
        let n = self.settings.refused_in_a_row;
        let tripped = {
            let mut r = sh.refused.lock().unwrap_or_else(|e| e.into_inner());
            match r.as_mut() {
                Some(list) if n > 0 => {
                    list.push(user.clone());
                    (list.len() >= n).then(|| std::mem::take(list))
                }
                _ => None,
            }
        };
        self.settle(sh, user, "reconsent", reason.clone())?;
        let Some(users) = tripped else {
            return Ok(());
        };
        sh.stop.store(true, Ordering::SeqCst);
        let why = format!(
            "the first {n} users were all refused ({reason}): that is the app's credentials, not {n} users; check the consumer key and secret (or the client) and run again"
        );
        for u in &users {
            let record = Record::Outcome {
                user: u.user_id.clone(),
                at: now_secs(self.clock),
                status: "failed".into(),
                reason:
                    "not judged: the run stopped because every user before was refused the same way"
                        .into(),
            };
            self.append(sh, &record)?;
            self.source.settled(u, &record)?;
        }
        self.report(sh, |r| {
            for u in &users {
                if let Some(i) = r.reconsent.iter().position(|(id, _)| *id == u.user_id) {
                    let (id, _) = r.reconsent.remove(i);
                    r.failed.push((id, "not judged: the run stopped".into()));
                }
            }
            if r.stopped.is_none() {
                r.stopped = Some(why);
                r.app_refused = true;
            }
        });
        Ok(())
    }

    fn one(&self, sh: &Shared<'_>, user: &UserToken) -> Result<(), RunError> {
        match sh.prior.get(&user.user_id) {
            Some(Last::Received(at) | Last::Reconsent(at)) => {
                // Settled before: handed to the source again (a crash may have come between
                // the journal and a table), never asked again.
                if self.source.writes_back() {
                    let r = sh.journal.read_at(at)?;
                    self.source.settled(user, &r)?;
                }
                self.report(sh, |r| r.already += 1);
                return Ok(());
            }
            Some(Last::InFlight) => match self.exchanger.after_crash(user) {
                AfterCrash::ExchangeAgain => {}
                AfterCrash::Reconsent(reason) => {
                    return self.settle(sh, user, "reconsent", reason);
                }
                AfterCrash::NotNow(reason) => {
                    // Left in flight: the next run asks again.
                    self.report(sh, |r| r.failed.push((user.user_id.clone(), reason)));
                    return Ok(());
                }
            },
            Some(Last::Failed(_)) | None => {}
        }
        let _guard = match self.locks {
            Some(l) => match l.lock(&user.user_id, LOCK_WAIT) {
                Ok(Some(g)) => Some(g),
                Ok(None) | Err(_) => {
                    let reason = "another run held this user's lock for a minute; it is left for the next run".to_owned();
                    self.report(sh, |r| r.failed.push((user.user_id.clone(), reason)));
                    return Ok(());
                }
            },
            None => None,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let wait = sh
                .bucket
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(self.clock.now());
            self.clock.sleep(wait);
            if sh.stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            self.append(
                sh,
                &Record::Attempt {
                    user: user.user_id.clone(),
                    at: now_secs(self.clock),
                },
            )?;
            match self.exchanger.exchange(user) {
                Answer::Pair {
                    access_token,
                    refresh_token,
                    expires_in,
                    scope,
                    other,
                } => {
                    let at = now_secs(self.clock);
                    let record = Record::Received {
                        user: user.user_id.clone(),
                        at,
                        access_token,
                        refresh_token,
                        expires_at: expires_in
                            .map(|s| at.saturating_add(i64::try_from(s).unwrap_or(i64::MAX))),
                        scope,
                        other,
                    };
                    // Kept before anything else is done with it.
                    self.append(sh, &record)?;
                    self.source.settled(user, &record)?;
                    self.report(sh, |r| r.exchanged += 1);
                    *sh.refused.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    return Ok(());
                }
                Answer::UserRefused(reason) => {
                    return self.refused(sh, user, reason);
                }
                a @ (Answer::AppRefused(_) | Answer::Unexpected(_)) => {
                    let app = matches!(a, Answer::AppRefused(_));
                    let (Answer::AppRefused(reason) | Answer::Unexpected(reason)) = a else {
                        return Ok(());
                    };
                    sh.stop.store(true, Ordering::SeqCst);
                    self.settle(sh, user, "failed", reason.clone())?;
                    self.report(sh, |r| {
                        if r.stopped.is_none() {
                            r.stopped = Some(reason);
                            r.app_refused = app;
                        }
                    });
                    return Ok(());
                }
                Answer::TryLater {
                    retry_after,
                    reason,
                } => {
                    if let Some(s) = retry_after {
                        sh.bucket
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .shut_until(self.clock.now() + s as f64);
                    }
                    if attempt >= self.settings.attempts {
                        return self.settle(sh, user, "failed", reason);
                    }
                    let jitter = f64::from(rand::random::<u8>()) / 255.0;
                    self.clock.sleep(
                        backoff(
                            attempt,
                            self.settings.backoff,
                            self.settings.backoff_cap,
                            jitter,
                        )
                        .as_secs_f64(),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::input::{parse, Format};
    use std::sync::Mutex as RefCell;

    /// Time that passes only when slept.
    #[derive(Default)]
    struct FakeClock(Mutex<f64>, Mutex<Vec<f64>>);

    impl Clock for FakeClock {
        fn now(&self) -> f64 {
            *self.0.lock().unwrap()
        }
        fn sleep(&self, secs: f64) {
            if secs > 0.0 {
                self.1.lock().unwrap().push(secs);
                *self.0.lock().unwrap() += secs;
            }
        }
    }

    fn run(
        list: &TokenList,
        journal: &Journal,
        prior: &Index,
        exchanger: &dyn Exchanger,
        settings: &Settings,
        clock: &dyn Clock,
    ) -> Result<Report, RunError> {
        Run {
            source: &ListSource::new(list),
            exchanger,
            settings: *settings,
            clock,
            spent: 0,
            locks: None,
            progress: None,
        }
        .go(journal, prior)
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
            self.asked.lock().unwrap().push(user.user_id.clone());
            let mut a = self.answers.lock().unwrap();
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
            workers: 1,
            refused_in_a_row: 3,
        }
    }

    #[test]
    fn pairs_are_journalled_refused_users_listed_and_the_rate_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let (j, prior) = Journal::open(&path).unwrap();
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
            &j,
            &prior,
            &script,
            &settings(),
            &clock,
        )
        .unwrap();
        assert_eq!(r.exchanged, 2);
        assert_eq!(r.reconsent, [("u2".into(), "invalid_grant".into())]);
        assert!(r.stopped.is_none() && r.failed.is_empty());
        // Two a window of ten seconds: the third waited five.
        assert_eq!(*clock.1.lock().unwrap(), [5.0]);
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
        let (j, prior) = Journal::open(&dir.path().join("j")).unwrap();
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
            &j,
            &prior,
            &script,
            &settings(),
            &clock,
        )
        .unwrap();
        assert_eq!(r.exchanged, 1);
        assert_eq!(r.stopped.as_deref(), Some("invalid_client"));
        assert_eq!(
            *script.asked.lock().unwrap(),
            ["u1", "u1", "u2"],
            "u3 never asked"
        );
        // The retry waited for Retry-After, not only the backoff.
        let slept: f64 = clock.1.lock().unwrap().iter().sum();
        assert!(slept >= 30.0, "{:?}", clock.1.lock().unwrap());
    }

    #[test]
    fn a_resumed_run_skips_settled_users_and_follows_the_providers_rule_after_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        {
            let (j, _) = Journal::open(&path).unwrap();
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
        for (again, asked, exchanged, reconsent) in
            [(true, vec!["u2", "u3"], 2, 0), (false, vec!["u3"], 1, 1)]
        {
            let copy = dir.path().join(format!("j-{again}"));
            std::fs::copy(&path, &copy).unwrap();
            let (j, prior) = Journal::open(&copy).unwrap();
            let script = Script::new(
                again,
                vec![("u2", vec![pair("a2")]), ("u3", vec![pair("a3")])],
            );
            let r = run(
                &list(&["u1", "u2", "u3"]),
                &j,
                &prior,
                &script,
                &settings(),
                &FakeClock::default(),
            )
            .unwrap();
            assert_eq!(r.already, 1, "u1's pair is never asked for again");
            assert_eq!(*script.asked.lock().unwrap(), asked);
            assert_eq!(r.exchanged, exchanged);
            assert_eq!(r.reconsent.len(), reconsent);
        }
    }

    #[test]
    fn refusals_from_the_start_stop_the_run_and_are_left_for_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let (j, prior) = Journal::open(&path).unwrap();
        let no = || vec![Answer::UserRefused("HTTP 401".into())];
        let script = Script::new(
            true,
            vec![
                ("u1", no()),
                ("u2", no()),
                ("u3", no()),
                ("u4", vec![pair("a4")]),
            ],
        );
        let r = run(
            &list(&["u1", "u2", "u3", "u4"]),
            &j,
            &prior,
            &script,
            &settings(),
            &FakeClock::default(),
        )
        .unwrap();
        assert!(
            r.stopped
                .as_deref()
                .unwrap()
                .contains("the first 3 users were all refused"),
            "{r:?}"
        );
        assert!(r.reconsent.is_empty(), "{r:?}");
        assert_eq!(r.failed.len(), 3);
        assert_eq!(
            *script.asked.lock().unwrap(),
            ["u1", "u2", "u3"],
            "u4 never asked"
        );
        drop(j);
        // The next run asks them again.
        let index = Index::of(&path).unwrap();
        assert!(matches!(index.get("u1"), Some(Last::Failed(_))));
        // Once a pair has come, a refusal is the user's.
        let (j2, prior2) = Journal::open(&dir.path().join("j2")).unwrap();
        let script = Script::new(
            true,
            vec![
                ("u4", vec![pair("a4")]),
                ("u1", no()),
                ("u2", no()),
                ("u3", no()),
            ],
        );
        let r = run(
            &list(&["u4", "u1", "u2", "u3"]),
            &j2,
            &prior2,
            &script,
            &settings(),
            &FakeClock::default(),
        )
        .unwrap();
        assert!(r.stopped.is_none());
        assert_eq!(r.reconsent.len(), 3);
    }
}
