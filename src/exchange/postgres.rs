//! The users in a PostgreSQL table, shared by workers on many machines without a coordinator of
//! our own: each worker leases a batch of rows at a time (`UPDATE ... WHERE key IN (SELECT ...
//! FOR UPDATE SKIP LOCKED)`, marking them `in-flight` and its own), exchanges them with its own
//! journal, and writes each outcome back to its row after the journal has it. A row leased by a
//! worker stays that worker's: if it crashes, the same worker (the same journal) takes its
//! `in-flight` rows back first and settles them from its journal, so no row is exchanged by two
//! workers and no pair is lost between the journal and the table.
//!
//! The table needs these columns (the names can be mapped): `user_id`, `oauth_token`,
//! `oauth_token_secret` (text, read), and `status`, `worker`, `access_token`, `refresh_token`,
//! `scope`, `reason`, `provider_user_id` (text) and `expires_at` (bigint, Unix seconds),
//! written. A row whose `status` is NULL or `pending` is to be exchanged; `failed` rows are
//! left alone until someone sets them back to `pending`.
//!
//! The connection is a local socket or a loopback address (the rows hold tokens, and this
//! client speaks no TLS); the password comes from `PGPASSWORD`, never the URL.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::input::UserToken;
use super::journal::Record;
use super::run::{Source, SourceError};
use crate::secret::{Password, Token};

/// The logical columns, in the order `--columns` names them.
pub const COLUMNS: [&str; 11] = [
    "user_id",
    "oauth_token",
    "oauth_token_secret",
    "status",
    "worker",
    "access_token",
    "refresh_token",
    "expires_at",
    "scope",
    "reason",
    "provider_user_id",
];

/// Rows leased at a time.
pub const BATCH: i64 = 100;

/// Where the users are and what their columns are called.
#[derive(Clone)]
pub struct TableConfig {
    /// The connection URL or `key=value` string (no password in it).
    pub url: String,
    /// The table (`name` or `schema.name`).
    pub table: String,
    /// `(logical column, the table's column)` for every one of [`COLUMNS`].
    pub columns: Vec<(String, String)>,
    /// This worker's name, written to the rows it leases; stable across its restarts.
    pub worker: String,
    /// The database password (from `PGPASSWORD`).
    pub password: Option<Password>,
}

impl std::fmt::Debug for TableConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableConfig")
            .field("table", &self.table)
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

fn error(message: impl Into<String>, hint: impl Into<String>) -> SourceError {
    SourceError {
        source_name: "the PostgreSQL table".into(),
        message: message.into(),
        hint: hint.into(),
    }
}

/// Whether `s` is a plain SQL name (`name` or `schema.name`, letters, digits, `_`).
fn plain_name(s: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.len() <= 63
            && p.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() <= 2 && parts.iter().all(|p| part(p))
}

fn quoted(s: &str) -> String {
    s.split('.')
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(".")
}

impl TableConfig {
    /// The table and its columns as given, with `mapping` (`name=column,...`) over the default
    /// names; refused when a name is not a plain SQL name.
    pub fn new(
        url: &str,
        table: &str,
        mapping: Option<&str>,
        worker: String,
        password: Option<Password>,
    ) -> Result<TableConfig, SourceError> {
        let mut columns: Vec<(String, String)> = COLUMNS
            .iter()
            .map(|c| ((*c).to_owned(), (*c).to_owned()))
            .collect();
        for pair in mapping
            .unwrap_or("")
            .split(',')
            .filter(|p| !p.trim().is_empty())
        {
            let (k, v) = pair.split_once('=').ok_or_else(|| {
                error(
                    format!(
                        "column mapping {:?} is not NAME=COLUMN",
                        pair.chars().take(80).collect::<String>()
                    ),
                    format!(
                        "write NAME=COLUMN pairs separated by commas; the names are {}",
                        COLUMNS.join(", ")
                    ),
                )
            })?;
            let slot = columns
                .iter_mut()
                .find(|(n, _)| n == k.trim())
                .ok_or_else(|| {
                    error(
                        format!(
                            "{:?} is not a column oauth1to2 reads or writes",
                            k.trim().chars().take(80).collect::<String>()
                        ),
                        format!("the names are {}", COLUMNS.join(", ")),
                    )
                })?;
            slot.1 = v.trim().to_owned();
        }
        let config = TableConfig {
            url: url.to_owned(),
            table: table.to_owned(),
            columns,
            worker,
            password,
        };
        config.check()?;
        Ok(config)
    }

    /// Checks the names and the connection string, connecting to nothing.
    pub fn check(&self) -> Result<(), SourceError> {
        if !plain_name(&self.table) {
            return Err(error(
                format!(
                    "table name {:?} is not a plain SQL name",
                    self.table.chars().take(80).collect::<String>()
                ),
                "name the table with letters, digits and _ (schema.table allowed)",
            ));
        }
        for (n, c) in &self.columns {
            if !plain_name(c) || c.contains('.') {
                return Err(error(
                    format!(
                        "column {:?} (for {n}) is not a plain SQL name",
                        c.chars().take(80).collect::<String>()
                    ),
                    "name columns with letters, digits and _",
                ));
            }
        }
        self.pg_config().map(|_| ())
    }

    fn col(&self, name: &str) -> String {
        let c = self
            .columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.as_str())
            .unwrap_or(name);
        quoted(c)
    }

    fn pg_config(&self) -> Result<postgres::Config, SourceError> {
        let mut cfg: postgres::Config = self.url.parse().map_err(|e| {
            error(
                format!("the connection string is not one PostgreSQL reads: {e}"),
                "write postgresql://USER@/DATABASE?host=/socket/folder or postgresql://USER@127.0.0.1:PORT/DATABASE",
            )
        })?;
        if cfg.get_password().is_some() {
            return Err(error(
                "the connection string holds a password, which the command line shows to every user of the machine",
                "take it out and set PGPASSWORD in the environment instead",
            ));
        }
        for h in cfg.get_hosts() {
            if let postgres::config::Host::Tcp(name) = h {
                let loopback = name == "localhost"
                    || name
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|a| a.is_loopback());
                if !loopback {
                    return Err(error(
                        format!("{name} is not this machine, and this client speaks no TLS: the rows' tokens would cross the network in clear"),
                        "connect over a local socket or a loopback address (an SSH tunnel to the database reaches it as 127.0.0.1)",
                    ));
                }
            }
        }
        if let Some(p) = &self.password {
            cfg.password(p.expose());
        }
        cfg.connect_timeout(std::time::Duration::from_secs(10));
        Ok(cfg)
    }
}

/// A table being exchanged by this worker.
pub struct TableSource {
    config: TableConfig,
    client: Mutex<postgres::Client>,
    queue: Mutex<VecDeque<UserToken>>,
    done: Mutex<bool>,
}

impl std::fmt::Debug for TableSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableSource")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn db(e: postgres::Error) -> SourceError {
    // A database error names the table or column; it never holds a row's values.
    let detail = e
        .as_db_error()
        .map(|d| d.message().to_owned())
        .unwrap_or_else(|| e.to_string());
    error(
        detail,
        "check the connection, the table and its columns (docs/exchange.md lists them)",
    )
}

impl TableSource {
    /// Connects, and queues the rows this worker leased before a crash (they come first).
    pub fn connect(config: &TableConfig) -> Result<TableSource, SourceError> {
        let cfg = config.pg_config()?;
        let mut client = cfg.connect(postgres::NoTls).map_err(db)?;
        let sql = format!(
            "SELECT {uid}, {tok}, {sec} FROM {t} WHERE {status} = 'in-flight' AND {worker} = $1 ORDER BY {uid}",
            uid = config.col("user_id"),
            tok = config.col("oauth_token"),
            sec = config.col("oauth_token_secret"),
            t = quoted(&config.table),
            status = config.col("status"),
            worker = config.col("worker"),
        );
        let rows = client.query(&sql, &[&config.worker]).map_err(db)?;
        let queue = rows
            .iter()
            .map(user_of)
            .collect::<Result<VecDeque<_>, _>>()?;
        Ok(TableSource {
            config: config.clone(),
            client: Mutex::new(client),
            queue: Mutex::new(queue),
            done: Mutex::new(false),
        })
    }

    fn lease(&self) -> Result<Vec<UserToken>, SourceError> {
        let c = &self.config;
        let sql = format!(
            "UPDATE {t} SET {status} = 'in-flight', {worker} = $1 WHERE {uid} IN (\
             SELECT {uid} FROM {t} WHERE {status} IS NULL OR {status} = 'pending' \
             ORDER BY {uid} LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING {uid}, {tok}, {sec}",
            t = quoted(&c.table),
            status = c.col("status"),
            worker = c.col("worker"),
            uid = c.col("user_id"),
            tok = c.col("oauth_token"),
            sec = c.col("oauth_token_secret"),
        );
        let mut client = self.client.lock().unwrap_or_else(|e| e.into_inner());
        let rows = client.query(&sql, &[&c.worker, &BATCH]).map_err(db)?;
        let mut users = rows.iter().map(user_of).collect::<Result<Vec<_>, _>>()?;
        users.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        Ok(users)
    }
}

fn user_of(row: &postgres::Row) -> Result<UserToken, SourceError> {
    let get = |i: usize| -> Result<String, SourceError> {
        row.try_get::<_, Option<String>>(i)
            .map_err(db)
            .map(Option::unwrap_or_default)
    };
    Ok(UserToken {
        line: 0,
        user_id: get(0)?,
        token: Token::new(get(1)?),
        token_secret: Password::new(get(2)?),
        extra: Vec::new(),
    })
}

impl Source for TableSource {
    fn writes_back(&self) -> bool {
        true
    }

    fn next(&self) -> Result<Option<UserToken>, SourceError> {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.is_empty() {
            let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
            if *done {
                return Ok(None);
            }
            let batch = self.lease()?;
            if batch.is_empty() {
                *done = true;
                return Ok(None);
            }
            q.extend(batch);
        }
        Ok(q.pop_front())
    }

    fn settled(&self, user: &UserToken, record: &Record) -> Result<(), SourceError> {
        let c = &self.config;
        let sql = format!(
            "UPDATE {t} SET {status} = $1, {acc} = $2, {refr} = $3, {exp} = $4, {scope} = $5, {reason} = $6, {puid} = $7 \
             WHERE {uid} = $8 AND {worker} = $9",
            t = quoted(&c.table),
            status = c.col("status"),
            acc = c.col("access_token"),
            refr = c.col("refresh_token"),
            exp = c.col("expires_at"),
            scope = c.col("scope"),
            reason = c.col("reason"),
            puid = c.col("provider_user_id"),
            uid = c.col("user_id"),
            worker = c.col("worker"),
        );
        let none = None::<String>;
        let mut client = self.client.lock().unwrap_or_else(|e| e.into_inner());
        let n = match record {
            Record::Received {
                access_token,
                refresh_token,
                expires_at,
                scope,
                other,
                ..
            } => {
                let puid = other.get(super::run::PROVIDER_USER_ID).map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    v => v.to_string(),
                });
                client.execute(
                    &sql,
                    &[
                        &"exchanged",
                        &access_token.expose(),
                        &refresh_token.as_ref().map(|t| t.expose().to_owned()),
                        expires_at,
                        scope,
                        &none,
                        &puid,
                        &user.user_id,
                        &c.worker,
                    ],
                )
            }
            Record::Outcome { status, reason, .. } => client.execute(
                &sql,
                &[
                    status,
                    &none,
                    &none,
                    &None::<i64>,
                    &none,
                    reason,
                    &none,
                    &user.user_id,
                    &c.worker,
                ],
            ),
            Record::Attempt { .. } => return Ok(()),
        }
        .map_err(db)?;
        if n != 1 {
            return Err(error(
                format!("row {} is no longer leased to this worker ({})", crate::text::term(&user.user_id), c.worker),
                "another worker or a person changed it: check the table; the pair is kept in this worker's journal",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_connection_strings_are_checked_before_connecting() {
        let ok = TableConfig::new(
            "postgresql://me@/db?host=/tmp/pg",
            "partner.users",
            Some("user_id=uid, oauth_token=tok"),
            "w1".into(),
            None,
        )
        .unwrap();
        assert_eq!(ok.col("user_id"), "\"uid\"");
        assert_eq!(ok.col("scope"), "\"scope\"");
        for (url, table, map, want) in [
            (
                "postgresql://me@/db?host=/tmp",
                "users; drop table x",
                None,
                "plain SQL name",
            ),
            (
                "postgresql://me@/db?host=/tmp",
                "users",
                Some("user_id=a\"b"),
                "plain SQL name",
            ),
            (
                "postgresql://me@/db?host=/tmp",
                "users",
                Some("nope=a"),
                "not a column",
            ),
            (
                "postgresql://me:pw@/db?host=/tmp",
                "users",
                None,
                "PGPASSWORD",
            ),
            ("postgresql://me@db.example.com/db", "users", None, "no TLS"),
        ] {
            let e = TableConfig::new(url, table, map, "w".into(), None).unwrap_err();
            assert!(
                e.message.contains(want) || e.hint.contains(want),
                "{url} {table}: {e:?}"
            );
            assert!(!e.message.contains("pw@"), "no password echoed: {e:?}");
        }
    }
}
