//! One bulk exchange, as a caller asks for it: the provider, the app's credentials, the list
//! of users, where the output and the journal go, and how fast. [`plan`] checks it all and
//! says what a run would do, sending nothing (`--dry-run`); [`execute`] runs it and writes the
//! output from the journal. The one entry point the command (or any other caller) needs.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::input::{self, UserToken};
use super::journal::{self, Index, Journal, Last, Record};
use super::lock::UserLocks;
use super::rate::Budget;
use super::run::{Report, Run, Settings, Source, SourceError, SystemClock};
use super::spec::{App, ExchangeSpec};
use crate::provider::Provider;
use crate::secret::Password;

/// Where the users are.
#[derive(Debug, Clone)]
pub enum Users {
    /// A CSV or JSON-lines file.
    File(PathBuf),
    /// A PostgreSQL table, leased a batch at a time (see [`super::postgres`]).
    Table(super::postgres::TableConfig),
}

/// A bulk exchange.
#[derive(Debug)]
pub struct Job {
    /// The provider.
    pub provider: &'static Provider,
    /// The OAuth 1.0a consumer key.
    pub consumer_key: Option<String>,
    /// The OAuth 1.0a consumer secret.
    pub consumer_secret: Option<Password>,
    /// The OAuth 2.0 client id.
    pub client_id: Option<String>,
    /// The OAuth 2.0 client secret.
    pub client_secret: Option<Password>,
    /// The users.
    pub users: Users,
    /// The output CSV (a file of users only; a table is written back row by row).
    pub out: Option<PathBuf>,
    /// Whether the output may replace an existing file.
    pub replace_out: bool,
    /// The journal; next to the output (`OUT.journal`) when not given.
    pub journal: Option<PathBuf>,
    /// The exchange endpoint, if not the provider's (a test server, a proxy).
    pub endpoint: Option<String>,
    /// The base of the provider's other calls, if not its own.
    pub api_base: Option<String>,
    /// The rate budget, if not the provider's default; `None` and `unlimited` for none at all.
    pub rate: Option<Budget>,
    /// No rate limit (a benchmark against a local server).
    pub unlimited: bool,
    /// Workers.
    pub workers: usize,
    /// Scopes to ask for, where the provider takes a subset.
    pub scope: Option<String>,
    /// The per-user locks' folder, shared by the runs on this machine.
    pub locks_dir: Option<PathBuf>,
    /// Tries per user for "not now" answers.
    pub attempts: u32,
}

/// Why a job cannot run, with what to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    /// What is wrong, naming the input.
    pub message: String,
    /// What to do, in words.
    pub hint: String,
    /// Whether it is the input (rather than the journal, a table or the disk).
    pub input: bool,
}

impl JobError {
    fn input(message: impl Into<String>, hint: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            hint: hint.into(),
            input: true,
        }
    }
    fn other(message: impl Into<String>, hint: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            hint: hint.into(),
            input: false,
        }
    }
}

/// What a run would do (and, after it, what it was set to do).
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The provider's id.
    pub provider: String,
    /// The exchange endpoint.
    pub endpoint: String,
    /// Users in the list (for a table: `None`, it is leased as it goes).
    pub users: Option<usize>,
    /// Rows refused, with their line and why (never a token): the first
    /// [`BAD_ROWS_LISTED`].
    pub bad_rows: Vec<BadRowNote>,
    /// How many rows were refused.
    pub bad_row_count: usize,
    /// The list's own columns, passed through to the output.
    pub extra_columns: Vec<String>,
    /// Users the journal says are settled (a pair kept, or re-consent).
    pub settled: usize,
    /// Users a request went out for and no answer was kept (a crash).
    pub interrupted: usize,
    /// Users to ask.
    pub to_ask: Option<usize>,
    /// The rate budget, as `CALLS/SECONDS`, or `unlimited`.
    pub rate: String,
    /// Where the default budget comes from.
    pub rate_source: &'static str,
    /// Seconds the users to ask take at that rate.
    pub eta_secs: Option<u64>,
    /// Workers.
    pub workers: usize,
    /// The journal.
    pub journal: PathBuf,
    /// The output.
    pub out: Option<PathBuf>,
    /// What a request lost to a crash means there.
    pub after_crash: &'static str,
    /// What is not confirmed about this exchange.
    pub unconfirmed: &'static [&'static str],
    /// The lines that list a user again (a run skips them without a digest per user).
    #[serde(skip)]
    pub duplicate_lines: Vec<usize>,
}

/// A row of the list that was skipped.
#[derive(Debug, Clone, Serialize)]
pub struct BadRowNote {
    /// Its first line.
    pub line: usize,
    /// Why (never a token).
    pub reason: String,
}

/// A user, and why it is listed.
#[derive(Debug, Clone, Serialize)]
pub struct UserNote {
    /// The user's id in the list.
    pub user_id: String,
    /// Why.
    pub reason: String,
}

fn notes(v: Vec<(String, String)>) -> Vec<UserNote> {
    v.into_iter()
        .map(|(user_id, reason)| UserNote { user_id, reason })
        .collect()
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The plan it ran.
    pub plan: Plan,
    /// Users exchanged in this run.
    pub exchanged: usize,
    /// Users settled by an earlier run.
    pub already: usize,
    /// Users who must consent again, with why.
    pub reconsent: Vec<UserNote>,
    /// Users not exchanged, with why; the next run tries them again.
    pub failed: Vec<UserNote>,
    /// Why the run stopped early, if it did.
    pub stopped: Option<String>,
    /// Whether the stop was the provider refusing the app.
    pub app_refused: bool,
}

/// A list file, read a row at a time as workers ask (bad rows were reported by the plan).
struct FileSource(std::sync::Mutex<input::Rows<std::io::BufReader<std::fs::File>>>);

impl Source for FileSource {
    fn next(&self) -> Result<Option<UserToken>, SourceError> {
        let mut rows = self.0.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match rows.next_row() {
                Ok(Some(Ok(u))) => return Ok(Some(u)),
                Ok(Some(Err(_))) => continue,
                Ok(None) => return Ok(None),
                Err(e) => {
                    return Err(SourceError {
                        source_name: e.file.clone(),
                        message: e.message.clone(),
                        hint: e.hint(),
                    })
                }
            }
        }
    }
    fn settled(&self, _: &UserToken, _: &Record) -> Result<(), SourceError> {
        Ok(())
    }
}

fn spec_of(p: &'static Provider) -> Result<&'static ExchangeSpec, JobError> {
    p.exchange.ok_or_else(|| {
        let with: Vec<&str> = crate::provider::REGISTRY
            .iter()
            .filter(|p| p.exchange.is_some())
            .map(|p| p.id)
            .collect();
        JobError::input(
            format!("{} has no per-user token exchange", p.name),
            format!("the providers with one are: {}", with.join(", ")),
        )
    })
}

impl Job {
    fn journal_path(&self) -> Result<PathBuf, JobError> {
        if let Some(j) = &self.journal {
            return Ok(j.clone());
        }
        match &self.out {
            Some(o) => {
                let mut s = o.as_os_str().to_owned();
                s.push(".journal");
                Ok(PathBuf::from(s))
            }
            None => Err(JobError::input(
                "no journal: a run needs one, next to its output or named",
                "name the output file, or the journal",
            )),
        }
    }

    fn budget(&self, spec: &ExchangeSpec) -> Option<Budget> {
        if self.unlimited {
            return None;
        }
        Some(
            self.rate
                .unwrap_or_else(|| spec.budget.at(spec.budget_percent)),
        )
    }

    fn check_credentials(&self, spec: &ExchangeSpec) -> Result<(), JobError> {
        let name = self.provider.name;
        if spec.needs_consumer_secret {
            if self.consumer_key.as_deref().unwrap_or("").is_empty() {
                return Err(JobError::input(
                    format!("{name}'s exchange is signed by the OAuth 1.0a app: its consumer key is missing"),
                    "give the consumer key of the app the users' tokens were issued to",
                ));
            }
            if self.consumer_secret.is_none() {
                return Err(JobError::input(
                    format!("{name}'s exchange is signed by the OAuth 1.0a app: its consumer secret is missing"),
                    "give the consumer secret from an environment variable or a file",
                ));
            }
        }
        if spec.needs_client_id && self.client_id.as_deref().unwrap_or("").is_empty() {
            return Err(JobError::input(
                format!("{name}'s exchange is made by the OAuth 2.0 app: its client id is missing"),
                "give the OAuth 2.0 client id (and its secret, for a confidential client)",
            ));
        }
        for (what, url) in [
            ("the exchange endpoint", self.endpoint.as_deref()),
            ("the API base", self.api_base.as_deref()),
        ] {
            if let Some(reason) = url.and_then(crate::net::insecure_reason) {
                return Err(JobError::input(
                    format!(
                        "{what} {}: {reason}",
                        crate::net::strip_query(url.unwrap_or(""))
                    ),
                    "use https (plain http only to a loopback address, for a test server)",
                ));
            }
        }
        Ok(())
    }

    fn app(&self, spec: &ExchangeSpec) -> Result<App, JobError> {
        let http = crate::net::client_builder(super::spec::TIMEOUTS)
            .pool_max_idle_per_host(self.workers.max(1))
            .build()
            .map_err(|e| JobError::other(format!("cannot set up HTTP: {e}"), "report this"))?;
        Ok(App {
            http,
            endpoint: self
                .endpoint
                .clone()
                .unwrap_or_else(|| spec.endpoint.to_owned()),
            api_base: self
                .api_base
                .clone()
                .unwrap_or_else(|| spec.api_base.to_owned()),
            consumer_key: self.consumer_key.clone().unwrap_or_default(),
            consumer_secret: self.consumer_secret.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            scope: self.scope.clone(),
        })
    }
}

fn journal_error(e: journal::JournalError) -> JobError {
    JobError::other(e.to_string(), e.hint())
}

fn input_error(e: input::InputError) -> JobError {
    JobError::input(e.to_string(), e.hint())
}

/// The most bad rows a plan lists one by one (the rest are counted).
pub const BAD_ROWS_LISTED: usize = 1000;

/// What one reading of a list found, against the journal's index.
struct ListScan {
    users: usize,
    bad_rows: Vec<BadRowNote>,
    bad_count: usize,
    settled: usize,
    interrupted: usize,
    extra_columns: Vec<String>,
    duplicates: Vec<usize>,
}

fn scan_list(path: &Path, index: &Index) -> Result<ListScan, JobError> {
    // Read without a map of users: each user's digest and line go in a list, sorted after the
    // reading to find the repeated ones (20 bytes a user, not a hash table's 40 or more).
    let mut rows = input::open(path)
        .map_err(input_error)?
        .knowing_duplicates(Vec::new());
    let mut s = ListScan {
        users: 0,
        bad_rows: Vec::new(),
        bad_count: 0,
        settled: 0,
        interrupted: 0,
        extra_columns: Vec::new(),
        duplicates: Vec::new(),
    };
    let mut keys: Vec<([u8; 16], u32)> = Vec::new();
    let mut bad: Vec<BadRowNote> = Vec::new();
    while let Some(row) = rows.next_row().map_err(input_error)? {
        match row {
            Ok(u) => {
                keys.push((
                    input::digest(&u.user_id),
                    u32::try_from(u.line).unwrap_or(u32::MAX),
                ));
                if keys.len() > input::MAX_USERS {
                    return Err(JobError::input(
                        format!(
                            "{} lists more than {} users",
                            path.display(),
                            input::MAX_USERS
                        ),
                        "split the list, or read the users from a database table",
                    ));
                }
            }
            Err(b) => {
                s.bad_count += 1;
                if bad.len() < BAD_ROWS_LISTED {
                    bad.push(BadRowNote {
                        line: b.line,
                        reason: b.reason,
                    });
                }
            }
        }
    }
    s.extra_columns = rows.extra_columns().to_vec();
    drop(rows);
    keys.sort_unstable();
    for w in keys.chunk_by(|a, b| a.0 == b.0) {
        for (_, line) in &w[1..] {
            s.duplicates.push(*line as usize);
            s.bad_count += 1;
            bad.push(BadRowNote {
                line: *line as usize,
                reason: input::listed_again(w[0].1 as usize),
            });
        }
    }
    s.duplicates.sort_unstable();
    s.users = keys.len() - s.duplicates.len();
    drop(keys);
    bad.sort_by_key(|b| b.line);
    bad.truncate(BAD_ROWS_LISTED);
    s.bad_rows = bad;
    // Settled users, against the journal, in a second reading that skips the repeated rows.
    if !index.is_empty() {
        let mut rows = input::open(path)
            .map_err(input_error)?
            .knowing_duplicates(s.duplicates.clone());
        while let Some(row) = rows.next_row().map_err(input_error)? {
            if let Ok(u) = row {
                match index.get(&u.user_id) {
                    Some(Last::Received(_) | Last::Reconsent(_)) => s.settled += 1,
                    Some(Last::InFlight) => s.interrupted += 1,
                    _ => {}
                }
            }
        }
    }
    Ok(s)
}

/// Checks the job and says what a run would do; sends nothing, writes nothing.
pub fn plan(job: &Job) -> Result<Plan, JobError> {
    let spec = spec_of(job.provider)?;
    job.check_credentials(spec)?;
    let journal = job.journal_path()?;
    let index = Index::of(&journal).map_err(journal_error)?;
    let list = match &job.users {
        Users::File(p) => Some(scan_list(p, &index)?),
        Users::Table(t) => {
            t.check()
                .map_err(|e| JobError::input(e.message.clone(), e.hint.clone()))?;
            None
        }
    };
    Ok(plan_of(job, spec, list.as_ref(), journal))
}

fn plan_of(job: &Job, spec: &ExchangeSpec, list: Option<&ListScan>, journal: PathBuf) -> Plan {
    let users = list.map(|l| l.users);
    let settled = list.map_or(0, |l| l.settled);
    let interrupted = list.map_or(0, |l| l.interrupted);
    let to_ask = users.map(|n| n - settled);
    let budget = job.budget(spec);
    Plan {
        provider: job.provider.id.to_owned(),
        endpoint: crate::net::strip_query(job.endpoint.as_deref().unwrap_or(spec.endpoint)),
        users,
        bad_rows: list.map(|l| l.bad_rows.clone()).unwrap_or_default(),
        bad_row_count: list.map_or(0, |l| l.bad_count),
        extra_columns: list.map(|l| l.extra_columns.clone()).unwrap_or_default(),
        settled,
        interrupted,
        to_ask,
        rate: budget
            .map(|b| format!("{}/{}", b.calls, b.per_secs))
            .unwrap_or_else(|| "unlimited".into()),
        rate_source: spec.budget_source,
        eta_secs: match (budget, to_ask) {
            (Some(b), Some(n)) => Some(b.time_for(n as u64).as_secs()),
            (None, Some(_)) => Some(0),
            _ => None,
        },
        workers: job.workers.max(1),
        journal,
        out: job.out.clone(),
        after_crash: spec.after_crash,
        unconfirmed: spec.unconfirmed,
        duplicate_lines: list.map(|l| l.duplicates.clone()).unwrap_or_default(),
    }
}

/// Runs the job: the journal first, then every user, then the output (for a file of users),
/// written from the journal. `planned` is the job's [`plan`] if the caller has just made it
/// (the list is then not read once more to plan); `progress` is told the report after each
/// user.
pub fn execute(
    job: &Job,
    planned: Option<Plan>,
    progress: Option<&(dyn Fn(&Report) + Sync)>,
) -> Result<Outcome, JobError> {
    let spec = spec_of(job.provider)?;
    job.check_credentials(spec)?;
    let journal_path = job.journal_path()?;
    if let (Users::File(_), None) = (&job.users, &job.out) {
        return Err(JobError::input(
            "no output file: a file of users is answered with an output CSV",
            "name the output file",
        ));
    }
    // The output is refused before anything is sent, not after.
    if let Some(out) = &job.out {
        if out.exists() && !job.replace_out && !journal_path.exists() {
            return Err(JobError::input(
                format!(
                    "{} exists and this is not a run to resume (no journal)",
                    out.display()
                ),
                "name another output file, or allow it to be replaced",
            ));
        }
    }
    let (journal, prior) = Journal::open(&journal_path).map_err(journal_error)?;
    let locks = match &job.locks_dir {
        Some(d) => Some(
            UserLocks::new(
                d,
                job.provider.id,
                job.client_id
                    .as_deref()
                    .unwrap_or(job.consumer_key.as_deref().unwrap_or("")),
            )
            .map_err(|e| JobError::other(format!("{}: {e}", d.display()), "check the folder"))?,
        ),
        None => None,
    };
    let exchanger = (spec.exchanger)(job.app(spec)?);
    let settings = Settings {
        budget: job.budget(spec).unwrap_or(Budget {
            calls: u32::MAX,
            per_secs: 1,
        }),
        attempts: job.attempts.max(1),
        backoff: std::time::Duration::from_secs(1),
        backoff_cap: std::time::Duration::from_secs(60),
        workers: job.workers.max(1),
        refused_in_a_row: 5,
    };
    let plan = match (planned, &job.users) {
        (Some(p), _) => p,
        (None, Users::File(p)) => plan_of(
            job,
            spec,
            Some(&scan_list(p, &prior)?),
            journal_path.clone(),
        ),
        (None, Users::Table(_)) => plan_of(job, spec, None, journal_path.clone()),
    };
    let source: Box<dyn Source> = match &job.users {
        Users::File(p) => Box::new(FileSource(std::sync::Mutex::new(
            input::open(p)
                .map_err(input_error)?
                .knowing_duplicates(plan.duplicate_lines.clone()),
        ))),
        Users::Table(t) => Box::new(
            super::postgres::TableSource::connect(t)
                .map_err(|e| JobError::other(e.to_string(), e.hint.clone()))?,
        ),
    };
    // The requests an earlier run made within the budget's window count against it.
    let spent = match job.budget(spec) {
        Some(b) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            journal::attempts_since(&journal_path, now - i64::from(b.per_secs))
                .map_err(journal_error)?
        }
        None => 0,
    };
    let report = Run {
        source: source.as_ref(),
        spent,
        exchanger: exchanger.as_ref(),
        settings,
        clock: &SystemClock,
        locks: locks.as_ref(),
        progress,
    }
    .go(&journal, &prior)
    .map_err(|e| JobError::other(e.to_string(), e.hint()))?;
    drop(journal);
    if let (Users::File(input), Some(out)) = (&job.users, &job.out) {
        let duplicates = plan.duplicate_lines.clone();
        super::output::write_streaming(
            out,
            input,
            &journal_path,
            &plan.extra_columns,
            duplicates,
            true,
        )
        .map_err(|e| JobError::other(e.message, e.hint))?;
    }
    Ok(Outcome {
        plan,
        exchanged: report.exchanged,
        already: report.already,
        reconsent: notes(report.reconsent),
        failed: notes(report.failed),
        stopped: report.stopped,
        app_refused: report.app_refused,
    })
}
