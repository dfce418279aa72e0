//! What bridge instances share: the nonces seen within the window, the tokens and the renewal
//! lock. In one process by default; in Redis with `[state] redis = "redis://..."`, so that
//! several bridges behind a load balancer refuse a replay sent to any of them and renew a
//! token once between them.
//!
//! A nonce is recorded with `SET key 1 NX PX ttl`: the check and the write are one atomic step
//! in Redis. When Redis cannot be reached the answer is an error, never "first use": the
//! bridge then refuses the request (503) rather than accept one that may be a replay.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::oauth2::store::{fresh_under, Notice, Protocol, TokenBackend, TokenSet, LOCK_WAIT};
use crate::oauth2::Oauth2Error;

/// Nonces one process keeps at most (about 100 bytes each); past that, requests are refused
/// until the window moves on, never accepted unchecked.
pub const MAX_LOCAL_NONCES: usize = 2_000_000;
/// How long one Redis command may take before the request is refused.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the renewal lock in Redis lasts if its holder dies (a renewal takes one token
/// request, itself bounded by the HTTP client's timeouts).
pub const REDIS_LOCK_TTL: Duration = Duration::from_secs(120);

/// Why the shared state could not answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct StateError(pub String);

/// Where nonces are recorded.
pub enum Nonces {
    /// In this process.
    Local(Mutex<Generations>),
    /// In Redis.
    Redis(SharedRedis),
}

/// The Redis that holds nonces: a connection made at start (which proves it answers, and
/// serves `/healthz`), and what each event loop needs to open its own. A connection's
/// answers are read by a task on the runtime that opened it, so a loop sharing the first
/// connection would hand every nonce over to another thread and back.
pub struct SharedRedis {
    id: usize,
    first: redis::aio::ConnectionManager,
    client: redis::Client,
    config: redis::aio::ConnectionManagerConfig,
}

/// Each [`SharedRedis`]'s number, for [`CONNECTIONS`].
static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

thread_local! {
    /// This thread's connection to each shared Redis (by number).
    static CONNECTIONS: std::cell::RefCell<Vec<(usize, redis::aio::ConnectionManager)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

impl SharedRedis {
    /// This thread's connection, opened on first use.
    async fn connection(&self) -> Result<redis::aio::ConnectionManager, StateError> {
        let mine = CONNECTIONS.with(|c| {
            c.borrow()
                .iter()
                .find(|(id, _)| *id == self.id)
                .map(|(_, m)| m.clone())
        });
        if let Some(m) = mine {
            return Ok(m);
        }
        let m = open(self.client.clone(), self.config.clone()).await?;
        CONNECTIONS.with(|c| c.borrow_mut().push((self.id, m.clone())));
        Ok(m)
    }
}

/// A connection to Redis that reconnects by itself, or why none could be made in time.
async fn open(
    client: redis::Client,
    config: redis::aio::ConnectionManagerConfig,
) -> Result<redis::aio::ConnectionManager, StateError> {
    tokio::time::timeout(
        REDIS_TIMEOUT * 2,
        redis::aio::ConnectionManager::new_with_config(client, config),
    )
    .await
    .map_err(|_| StateError("Redis did not answer in time".into()))?
    .map_err(|e| StateError(format!("cannot reach Redis: {e}")))
}

/// Two generations of nonces: each kept for between one and two TTLs, with no sweep. A nonce
/// is kept as the first 128 bits of its key (16 bytes, not a 64-character text): two different
/// requests taken for one has a chance of 2^-128.
pub struct Generations {
    current: HashSet<u128>,
    previous: HashSet<u128>,
    rotated: Instant,
}

impl Nonces {
    /// Nonces in this process.
    pub fn local() -> Nonces {
        Nonces::Local(Mutex::new(Generations {
            current: HashSet::new(),
            previous: HashSet::new(),
            rotated: Instant::now(),
        }))
    }

    /// Nonces in the Redis at `url`; fails when it cannot be reached now.
    pub async fn redis(url: &str) -> Result<Nonces, StateError> {
        let client = redis::Client::open(url).map_err(|e| StateError(format!("Redis URL: {e}")))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let first = open(client.clone(), config.clone()).await?;
        Ok(Nonces::Redis(SharedRedis {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            first,
            client,
            config,
        }))
    }

    /// Records `key` for `ttl`: `true` the first time, `false` if it was recorded before.
    pub async fn first_use(&self, key: &[u8; 32], ttl: Duration) -> Result<bool, StateError> {
        match self {
            Nonces::Local(g) => local_first_use(g, key, ttl),
            // Boxed: the Redis round trip's state would otherwise make every request's future
            // (moved whole between hyper's hands) that much larger, local nonces included.
            Nonces::Redis(r) => Box::pin(redis_first_use(r, key, ttl)).await,
        }
    }

    /// Whether the state answers now (for `/healthz`).
    pub async fn healthy(&self) -> Result<(), StateError> {
        match self {
            Nonces::Local(_) => Ok(()),
            Nonces::Redis(r) => {
                let mut conn = r.first.clone();
                let cmd = redis::cmd("PING");
                answer(cmd.query_async::<String>(&mut conn))
                    .await
                    .map(|_| ())
            }
        }
    }
}

/// A profile's tokens in Redis, shared by every bridge that names the same Redis: one key holds
/// the token set (the file store's JSON), a second is the renewal lock (`SET NX PX` with a
/// random value, released by a script only by its holder). The renewal protocol is the file
/// store's ([`fresh_under`]), so a rotated refresh token is written to Redis before anyone
/// uses the new access token. Blocking: call it off the async workers.
pub struct RedisTokens {
    client: redis::Client,
    profile: String,
    key: String,
    lock_key: String,
}

impl std::fmt::Debug for RedisTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTokens")
            .field("key", &self.key)
            .finish()
    }
}

struct RedisLock {
    client: redis::Client,
    key: String,
    holder: String,
}

impl Drop for RedisLock {
    fn drop(&mut self) {
        let script = redis::Script::new(
            r#"if redis.call("get",KEYS[1]) == ARGV[1] then return redis.call("del",KEYS[1]) else return 0 end"#,
        );
        if let Ok(mut c) = self.client.get_connection_with_timeout(REDIS_TIMEOUT) {
            let _ = script
                .key(&self.key)
                .arg(&self.holder)
                .invoke::<i64>(&mut c);
        }
    }
}

impl RedisTokens {
    /// Profile `profile`'s tokens in the Redis at `url`.
    pub fn new(url: &str, profile: &str) -> Result<RedisTokens, StateError> {
        let client = redis::Client::open(url).map_err(|e| StateError(format!("Redis URL: {e}")))?;
        let id = hex::encode(sha2::Digest::finalize(sha2::Digest::chain_update(
            sha2::Sha256::default(),
            profile.as_bytes(),
        )));
        Ok(RedisTokens {
            client,
            profile: profile.to_owned(),
            key: format!("oauth1to2:tokens:{}", &id[..32]),
            lock_key: format!("oauth1to2:lock:{}", &id[..32]),
        })
    }

    fn error(&self, e: impl std::fmt::Display) -> Oauth2Error {
        Oauth2Error::Io {
            path: format!("redis {}", self.key).into(),
            message: e.to_string(),
        }
    }

    fn conn(&self) -> Result<redis::Connection, Oauth2Error> {
        let c = self
            .client
            .get_connection_with_timeout(REDIS_TIMEOUT)
            .map_err(|e| self.error(format!("cannot reach Redis: {e}")))?;
        let _ = c.set_read_timeout(Some(REDIS_TIMEOUT));
        let _ = c.set_write_timeout(Some(REDIS_TIMEOUT));
        Ok(c)
    }

    /// Copies `from`'s tokens into Redis if Redis holds none for the profile yet (the first
    /// bridge to start seeds it; the others find it seeded). `true` when this call seeded it.
    pub fn seed_from(&self, from: &dyn TokenBackend) -> Result<bool, Oauth2Error> {
        let Some(tokens) = from.load()? else {
            return Ok(false);
        };
        let json = serde_json::to_string(&tokens).map_err(|e| self.error(e))?;
        let set: Option<String> = redis::cmd("SET")
            .arg(&self.key)
            .arg(json)
            .arg("NX")
            .query(&mut self.conn()?)
            .map_err(|e| self.error(e))?;
        Ok(set.is_some())
    }

    fn lock(&self) -> Result<RedisLock, Oauth2Error> {
        let holder = hex::encode(rand::random::<[u8; 16]>());
        let deadline = Instant::now() + LOCK_WAIT;
        let mut conn = self.conn()?;
        loop {
            let got: Option<String> = redis::cmd("SET")
                .arg(&self.lock_key)
                .arg(&holder)
                .arg("NX")
                .arg("PX")
                .arg(REDIS_LOCK_TTL.as_millis() as u64)
                .query(&mut conn)
                .map_err(|e| self.error(e))?;
            if got.is_some() {
                return Ok(RedisLock {
                    client: self.client.clone(),
                    key: self.lock_key.clone(),
                    holder,
                });
            }
            if Instant::now() >= deadline {
                return Err(self.error(format!(
                    "another bridge has held the renewal lock for {} seconds",
                    LOCK_WAIT.as_secs()
                )));
            }
            // Waiting for another holder's renewal (one token request) to finish.
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl TokenBackend for RedisTokens {
    fn location(&self) -> String {
        format!("Redis key {}", self.key)
    }

    fn load(&self) -> Result<Option<TokenSet>, Oauth2Error> {
        let text: Option<String> = redis::cmd("GET")
            .arg(&self.key)
            .query(&mut self.conn()?)
            .map_err(|e| self.error(e))?;
        match text {
            Some(t) => serde_json::from_str(&t)
                .map(Some)
                .map_err(|e| self.error(format!("not a token set: {e}"))),
            None => Ok(None),
        }
    }

    fn replace(&self, new: &TokenSet) -> Result<(), Oauth2Error> {
        let json = serde_json::to_string(new).map_err(|e| self.error(e))?;
        redis::cmd("SET")
            .arg(&self.key)
            .arg(json)
            .query::<()>(&mut self.conn()?)
            .map_err(|e| self.error(e))
    }

    fn remove(&self) -> Result<bool, Oauth2Error> {
        let n: i64 = redis::cmd("DEL")
            .arg(&self.key)
            .query(&mut self.conn()?)
            .map_err(|e| self.error(e))?;
        Ok(n > 0)
    }

    fn fresh_with(
        &self,
        margin: i64,
        force: bool,
        now: &dyn Fn() -> i64,
        renew: &mut dyn FnMut(&TokenSet) -> Result<TokenSet, Oauth2Error>,
    ) -> Result<(TokenSet, Vec<Notice>), Oauth2Error> {
        fresh_under(
            &Protocol {
                load: &|| self.load(),
                save: &|t| self.replace(t),
                lock: &|| self.lock().map(|l| Box::new(l) as Box<dyn std::any::Any>),
                not_connected: &|| Oauth2Error::NotConnected {
                    profile: self.profile.clone(),
                },
            },
            margin,
            force,
            now,
            renew,
        )
    }
}

/// [`Nonces::first_use`] in this process.
fn local_first_use(
    g: &Mutex<Generations>,
    key: &[u8; 32],
    ttl: Duration,
) -> Result<bool, StateError> {
    let mut short = [0u8; 16];
    short.copy_from_slice(&key[..16]);
    let key = u128::from_be_bytes(short);
    let mut g = g.lock().unwrap_or_else(|p| p.into_inner());
    if g.rotated.elapsed() >= ttl {
        let old = std::mem::take(&mut g.current);
        g.previous = old;
        g.rotated = Instant::now();
    }
    if g.previous.contains(&key) || g.current.contains(&key) {
        return Ok(false);
    }
    if g.current.len() + g.previous.len() >= MAX_LOCAL_NONCES {
        return Err(StateError(format!(
            "{MAX_LOCAL_NONCES} nonces within the window; refusing until it moves on"
        )));
    }
    g.current.insert(key);
    Ok(true)
}

/// [`Nonces::first_use`] in Redis: `SET NX` with the TTL.
async fn redis_first_use(
    r: &SharedRedis,
    key: &[u8; 32],
    ttl: Duration,
) -> Result<bool, StateError> {
    let mut conn = r.connection().await?;
    let mut cmd = redis::cmd("SET");
    cmd.arg(format!("oauth1to2:nonce:{}", hex::encode(key)))
        .arg(1)
        .arg("NX")
        .arg("PX")
        .arg(ttl.as_millis() as u64);
    let set = answer(cmd.query_async::<Option<String>>(&mut conn)).await?;
    Ok(set.is_some())
}

/// Redis's answer to a command, within [`REDIS_TIMEOUT`].
async fn answer<T>(
    command: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, StateError> {
    match tokio::time::timeout(REDIS_TIMEOUT, command).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(e)) => Err(StateError(format!("Redis: {e}"))),
        Err(_) => Err(StateError("Redis did not answer in time".into())),
    }
}
