//! Shared helpers for the integration tests: the binary, and the real peers.
//!
//! Peers (openssl, the Python packages) are required when OAUTH1TO2_REQUIRE_PEERS=1, which
//! `scripts/test` (the README test command, and so CI) sets: a missing peer fails the test.
//! Under a bare `cargo test` a missing peer skips the test and says so on stderr.
#![allow(dead_code)]
#![allow(clippy::disallowed_macros)] // tests, benches and the build script report on stderr

pub mod desk;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oauth1to2"));
    c.env_remove("NO_COLOR");
    c
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

fn peers_required() -> bool {
    std::env::var("OAUTH1TO2_REQUIRE_PEERS").is_ok_and(|v| v == "1")
}

/// Returns `None` (after saying so) when a peer is missing and peers are optional; under
/// OAUTH1TO2_REQUIRE_PEERS=1 (the README's test command) it fails the test instead.
pub fn missing(peer: &str, why: &str) -> Option<()> {
    if peers_required() {
        panic!("peer `{peer}` is required (OAUTH1TO2_REQUIRE_PEERS=1) but {why}; run `bash scripts/test` to install it");
    }
    // Written to stderr directly, not with eprintln!, so libtest's capture does not hide it.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: peer `{peer}` not available ({why}); run `bash scripts/test` to include it"
    );
    None
}

/// The openssl CLI, if present.
pub fn openssl() -> Option<PathBuf> {
    match try_output_within(
        Command::new("openssl").arg("version"),
        Duration::from_secs(60),
    ) {
        Ok(o) if o.status.success() => Some(PathBuf::from("openssl")),
        _ => missing("openssl", "`openssl version` failed").map(|_| PathBuf::new()),
    }
}

/// A Python interpreter that can import `module`.
pub fn python_with(module: &str) -> Option<PathBuf> {
    let py = std::env::var("OAUTH1TO2_PYTHON").unwrap_or_else(|_| {
        let venv = root().join(".venv/bin/python");
        if venv.exists() {
            venv.display().to_string()
        } else {
            "python3".into()
        }
    });
    match try_output_within(
        Command::new(&py).args(["-c", &format!("import {module}")]),
        Duration::from_secs(120),
    ) {
        Ok(o) if o.status.success() => Some(PathBuf::from(py)),
        _ => missing(module, &format!("`{py}` cannot import it")).map(|_| PathBuf::new()),
    }
}

/// A loopback port that refuses connections, for as long as the value lives: the local end of
/// a loopback connection held open here. Nothing listens on it, and nothing else can listen
/// on it meanwhile, so there is no bind-then-close race and no fixed port.
pub struct RefusedPort {
    pub port: u16,
    _held: (
        std::net::TcpListener,
        std::net::TcpStream,
        std::net::TcpStream,
    ),
}

pub fn refused_port() -> RefusedPort {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (server, _) = l.accept().unwrap();
    RefusedPort {
        port: client.local_addr().unwrap().port(),
        _held: (l, client, server),
    }
}

/// Waits for a child the test spawned itself, at most `limit`; kills its process group and
/// fails the test if it is still running then.
pub fn wait_within(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() >= deadline {
            let running = processes();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "a command did not exit within {} s and was killed; processes:\n{running}",
                limit.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.finish()
}

/// The longest any one command a test runs may take. Every command the tool runs on the
/// network has its own timeouts (at most a minute in the tests), so this only trips on a hang.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(240);

/// `Command::output`, bounded: a command still running after [`COMMAND_LIMIT`] is killed with
/// everything it started, and the test fails with what it printed and what was running.
pub trait Finish {
    fn finish(&mut self) -> Output;
}

impl Finish for Command {
    fn finish(&mut self) -> Output {
        output_within(self, COMMAND_LIMIT)
    }
}

/// Runs `cmd` as `Command::output` does (stdin empty unless set, stdout and stderr captured),
/// in a process group of its own, and fails the test if it has not finished within `limit`,
/// or if, after it exited, something it started still holds its output open.
pub fn output_within(cmd: &mut Command, limit: Duration) -> Output {
    let what = format!("{cmd:?}");
    try_output_within(cmd, limit).unwrap_or_else(|e| panic!("cannot start {what}: {e}"))
}

/// [`output_within`], but a command that cannot be started (not installed) is an `Err`, for
/// the checks that find out whether a peer is there.
pub fn try_output_within(cmd: &mut Command, limit: Duration) -> std::io::Result<Output> {
    use std::os::unix::process::CommandExt;
    let what = format!("{cmd:?}");
    // As `output` does: a test that needs to write to stdin spawns the command itself.
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    Ok(finish_child(child, &what, limit))
}

/// `Child::wait_with_output`, bounded: for a child a test spawned itself (to write to its
/// stdin first). After `limit` it is killed (with its process group when it leads one) and the
/// test fails with what it printed.
pub fn finish_child(mut child: std::process::Child, what: &str, limit: Duration) -> Output {
    use std::io::Read;
    let readers = [
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    ]
    .map(|r| {
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&shared);
        std::thread::spawn(move || {
            if let Some(mut r) = r {
                let mut buf = [0u8; 8192];
                while let Ok(n) = r.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            }
            let _ = tx.send(());
        });
        (rx, shared)
    });
    let deadline = Instant::now() + limit;
    let so_far = |readers: &[Reader; 2]| {
        readers
            .iter()
            .map(|(_, b)| String::from_utf8_lossy(&b.lock().unwrap()).into_owned())
            .collect::<Vec<_>>()
    };
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let running = processes();
            // SAFETY: kill(2) with a negative pid signals the process group the child leads.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.kill();
            let _ = child.wait();
            let [out, err] = so_far(&readers).try_into().unwrap();
            panic!(
                "{what} did not finish within {} s and was killed.\nstdout so far:\n{out}\nstderr so far:\n{err}\nprocesses at the time:\n{running}",
                limit.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The output is complete once both pipes are closed, which a process the command left
    // running would prevent.
    let grace = Instant::now() + Duration::from_secs(20);
    for (done, _) in &readers {
        if done
            .recv_timeout(grace.saturating_duration_since(Instant::now()))
            .is_err()
        {
            let running = processes();
            // SAFETY: as above; the group outlived its leader.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            panic!("{what} exited ({status}), but a process it started still holds its output open.\nprocesses:\n{running}");
        }
    }
    let [stdout, stderr] = readers.map(|(_, b)| std::mem::take(&mut *b.lock().unwrap()));
    Output {
        status,
        stdout,
        stderr,
    }
}

/// A pipe's reader thread: a message when it reached the end, and what it has read so far.
type Reader = (
    std::sync::mpsc::Receiver<()>,
    std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
);

/// The running processes (`ps`), for a hang's report.
pub fn processes() -> String {
    Command::new("ps")
        .args(["-eo", "pid,ppid,pgid,etime,args", "--forest"])
        .stdin(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|e| format!("(ps: {e})"))
}

/// Fails the whole test binary, with a report, if the test that made it is still running after
/// `limit`: libtest has no timeout of its own, and a hung test would otherwise hold CI until it
/// is stopped from outside. Dropping it (the test ended) disarms it.
pub struct Watchdog(Option<std::sync::mpsc::Sender<()>>);

impl Watchdog {
    pub fn arm(limit: Duration, logs: Vec<PathBuf>) -> Watchdog {
        let test = std::thread::current().name().unwrap_or("a test").to_owned();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                let mut report = format!(
                    "\nWATCHDOG: {test} has run for {} s, far longer than it should; stopping the test binary.\nprocesses:\n{}",
                    limit.as_secs(),
                    processes()
                );
                for log in &logs {
                    let text = std::fs::read_to_string(log).unwrap_or_default();
                    let tail: String = text
                        .chars()
                        .rev()
                        .take(4000)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    report.push_str(&format!("\n--- {} (end):\n{tail}", log.display()));
                }
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "{report}");
                std::process::exit(124);
            }
        });
        Watchdog(Some(tx))
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// openssl's SHA-256 fingerprint of a PEM or DER certificate file, lower-case hex.
pub fn openssl_sha256(openssl: &Path, cert: &Path, inform: &str) -> Option<String> {
    let o = Command::new(openssl)
        .args([
            "x509",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-inform",
            inform,
            "-in",
        ])
        .arg(cert)
        .finish();
    if !o.status.success() {
        return None;
    }
    let s = String::from_utf8_lossy(&o.stdout);
    let hex = s
        .trim()
        .split('=')
        .nth(1)?
        .replace(':', "")
        .to_ascii_lowercase();
    Some(hex)
}

/// Runs openssl in `dir` with `env` set, asserts success, returns stdout.
pub fn openssl_stdout(openssl: &Path, args: &[&str], dir: &Path, env: (&str, &str)) -> String {
    let o = Command::new(openssl)
        .args(args)
        .current_dir(dir)
        .env(env.0, env.1)
        .finish();
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The oauthlib peer server (tests/peers/oauthlib_peer.py serve) on 127.0.0.1, killed and
/// reaped on drop.
pub struct OauthlibServer {
    child: std::process::Child,
    pub port: u16,
}

impl Drop for OauthlibServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OauthlibServer {
    /// The server's counters and every request that arrived (`arrived`: method, path,
    /// oauth_token, oauth_nonce, oauth_timestamp, valid, replay).
    pub fn stats(&self) -> serde_json::Value {
        oauth1to2::oauth2::http::HttpClient::new(Default::default(), None)
            .unwrap()
            .get_json(&format!("http://127.0.0.1:{}/__stats", self.port))
            .unwrap()
    }

    /// The requests that arrived, in order.
    pub fn arrived(&self) -> Vec<serde_json::Value> {
        self.stats()["arrived"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// Starts the oauthlib peer server verifying against fixtures/keys/publickey.cer.
pub fn start_oauthlib_server(python: &Path) -> OauthlibServer {
    let mut cmd = Command::new(python);
    cmd.arg(root().join("tests/peers/oauthlib_peer.py"))
        .arg("serve")
        .arg(fixture("keys/publickey.cer"));
    spawn_peer_server(cmd)
}

/// Starts the NetSuite stub for `account` (oauthlib verifying TBA with these secrets).
pub fn start_netsuite_stub(
    python: &Path,
    account: &str,
    consumer_secret: &str,
    token_secret: &str,
) -> OauthlibServer {
    let mut cmd = Command::new(python);
    cmd.arg(root().join("tests/peers/oauthlib_peer.py"))
        .args(["serve-netsuite", account])
        .env("OAUTHLIB_CONSUMER_SECRET", consumer_secret)
        .env("OAUTHLIB_TOKEN_SECRET", token_secret);
    spawn_peer_server(cmd)
}

/// Starts the exchange stubs (tests/peers/exchange_stub.py) with the app and users in `conf`
/// (a JSON file).
pub fn start_exchange_stub(python: &Path, conf: &Path) -> OauthlibServer {
    let mut cmd = Command::new(python);
    cmd.arg(root().join("tests/peers/exchange_stub.py"))
        .arg(conf);
    spawn_peer_server(cmd)
}

/// Spawns a peer server that takes a port file as its last argument, and waits for its port.
fn spawn_peer_server(mut cmd: Command) -> OauthlibServer {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let port_file = dir.path().join("port");
    let mut server = OauthlibServer {
        child: cmd
            .arg(&port_file)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
        port: 0,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.port == 0 {
        if let Some(p) = std::fs::read_to_string(&port_file)
            .ok()
            .and_then(|p| p.trim().parse().ok())
        {
            server.port = p;
        } else {
            // On failure the server is killed and reaped by Drop.
            assert!(
                Instant::now() < deadline,
                "the oauthlib server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    server
}

/// oidc-provider (node, tests/peers/node_modules) and Chromium, for the OAuth 2.0 tests.
pub fn oidc_peers() -> Option<()> {
    let node_ok = try_output_within(
        Command::new("node").arg("--version"),
        Duration::from_secs(60),
    )
    .is_ok_and(|o| o.status.success());
    if !node_ok {
        return missing("node", "`node --version` failed");
    }
    for m in ["oidc-provider", "playwright-core"] {
        if !root().join("tests/peers/node_modules").join(m).exists() {
            return missing(
                m,
                "tests/peers/node_modules has no copy (npm ci in tests/peers)",
            );
        }
    }
    if !Path::new(&chromium()).exists() {
        return missing("chromium", "/usr/bin/chromium is not installed");
    }
    openssl().map(|_| ())
}

/// keyctl (Debian's keyutils): reads the kernel keyring that the keyring token store uses.
pub fn keyctl() -> Option<()> {
    let ok = try_output_within(
        Command::new("keyctl").arg("--version"),
        Duration::from_secs(60),
    )
    .is_ok_and(|o| o.status.success());
    if ok {
        Some(())
    } else {
        missing(
            "keyctl",
            "`keyctl --version` failed (apt-get install keyutils)",
        )
    }
}

pub fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// A running oidc-provider over HTTPS (see tests/peers/oidc_peer.mjs), killed on drop.
pub struct OidcPeer {
    pub issuer: String,
    /// The Salesforce org's instance (its REST API), a second server of the same process.
    pub sf_instance: String,
    /// The bridge's upstream: an API that checks bearers by introspection at the provider.
    pub upstream: String,
    pub ca_file: PathBuf,
    /// Keys for the `private_key_jwt` clients (openssl-made): `assert-rsa.pem` (the jwt-ps256 and
    /// jwt-rs256 clients' key), `assert-ec.pem` (jwt-es256's) and `assert-wrong.pem` (nobody's).
    pub assertion_keys: PathBuf,
    child: std::process::Child,
    _dir: tempfile::TempDir,
    /// The test that started the provider ends within [`TEST_LIMIT`], or the binary stops.
    _watchdog: Watchdog,
}

/// The longest a test with a provider may run: the slowest takes under a minute.
pub const TEST_LIMIT: Duration = Duration::from_secs(600);

pub const WEB_SECRET: &str = "web-secret-5f1c9a0e7d3b42c8a6e1";
pub const CC_SECRET: &str = "cc-secret-91d4e2b7a0c34f6e8b2d";
/// The Salesforce client credentials app's secret, and the one pre-authorised user of the
/// peer's External Client Apps.
pub const SF_CC_SECRET: &str = "sf-cc-secret-0a7e33c94b1d4f2a";
pub const SF_USER: &str = "integration@acme.example";

impl OidcPeer {
    /// Starts the provider. `grace_secs` is how long a used refresh token is accepted again.
    pub fn start(grace_secs: u64) -> OidcPeer {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // A throwaway CA and a server certificate for 127.0.0.1, made by openssl.
        let sh = |args: &[&str]| {
            let o = Command::new("openssl").args(args).current_dir(d).finish();
            assert!(o.status.success(), "openssl {args:?}: {}", stderr(&o));
        };
        sh(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=oauth1to2 test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ]);
        sh(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        std::fs::write(d.join("ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n").unwrap();
        sh(&[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "ext",
        ]);
        // The provider's own signing key (id tokens): made here, not by Node.js (see
        // oidc_peer.mjs).
        sh(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "provider-signing.pem",
        ]);
        // Keys for the private_key_jwt clients; the provider registers their public halves.
        for (name, args) in [
            (
                "assert-rsa.pem",
                &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
            ),
            (
                "assert-wrong.pem",
                &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
            ),
            (
                "assert-ec.pem",
                &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
            ),
        ] {
            let mut a = vec!["genpkey"];
            a.extend_from_slice(args);
            a.extend_from_slice(&["-out", name]);
            sh(&a);
            let public = name.replace(".pem", ".pub.pem");
            sh(&["pkey", "-in", name, "-pubout", "-out", &public]);
        }
        let mut child = Command::new("node")
            .arg(root().join("tests/peers/oidc_peer.mjs"))
            .env("JWT_KEYS_DIR", d)
            // The provider fetches a client's jwks_uri from itself (ns-migrate).
            .env("NODE_EXTRA_CA_CERTS", d.join("ca.pem"))
            .env("SIGNING_KEY", d.join("provider-signing.pem"))
            .env("TLS_KEY", d.join("leaf.key"))
            .env("TLS_CERT", d.join("leaf.pem"))
            .env("WEB_SECRET", WEB_SECRET)
            .env("CC_SECRET", CC_SECRET)
            .env("SF_CC_SECRET", SF_CC_SECRET)
            .env("SF_USERS", SF_USER)
            .env("REFRESH_GRACE_SECONDS", grace_secs.to_string())
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(d.join("provider.log")).unwrap())
            .spawn()
            .expect("start node tests/peers/oidc_peer.mjs");
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let log_file = d.join("provider.out");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = out.read_line(&mut line);
            let _ = tx.send(line);
            // Keep reading: the provider's development pages log to stdout, and a closed pipe
            // would kill it with EPIPE in the middle of a login.
            let mut log = std::fs::File::create(log_file).unwrap();
            std::io::copy(&mut out, &mut log)
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!(
                    "oidc_peer.mjs printed nothing within 60 s.\n{}",
                    std::fs::read_to_string(d.join("provider.log")).unwrap_or_default()
                )
            });
        let v: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("oidc_peer.mjs did not start: {line:?}"));
        OidcPeer {
            issuer: v["issuer"].as_str().unwrap().to_owned(),
            sf_instance: v["sf_instance"].as_str().unwrap().to_owned(),
            upstream: v["upstream"].as_str().unwrap().to_owned(),
            ca_file: d.join("ca.pem"),
            assertion_keys: d.to_path_buf(),
            _watchdog: Watchdog::arm(
                TEST_LIMIT,
                vec![d.join("provider.out"), d.join("provider.log")],
            ),
            child,
            _dir: dir,
        }
    }

    fn http(&self) -> oauth1to2::oauth2::http::HttpClient {
        oauth1to2::oauth2::http::HttpClient::new(Default::default(), Some(&self.ca_file)).unwrap()
    }

    /// The provider's counters (successful and failed token requests per grant type, Xero calls).
    pub fn stats(&self) -> serde_json::Value {
        self.http()
            .get_json(&format!("{}/__stats", self.issuer))
            .unwrap()
    }

    pub fn count(&self, key: &str) -> u64 {
        self.stats()[key].as_u64().unwrap_or(0)
    }

    /// The next `n` Xero API calls answer 429 with Retry-After `secs`.
    pub fn rate_limit(&self, n: u32, secs: u32) {
        let r = self
            .http()
            .send(
                "POST",
                &format!("{}/__xero/ratelimit?n={n}&retry_after={secs}", self.issuer),
                &[],
                None,
            )
            .unwrap();
        assert_eq!(r.status, 200);
    }
}

impl Drop for OidcPeer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = ["provider.out", "provider.log"]
                .map(|f| std::fs::read_to_string(self._dir.path().join(f)).unwrap_or_default())
                .join("");
            let exited = self.child.try_wait().ok().flatten();
            eprintln!("oidc_peer.mjs (exited: {exited:?}) printed:\n{}", log);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed certificate (PEM) with the given subject attributes, signed with the fixture
/// RSA key by rcgen: for tests that need a subject no real CA would issue.
pub fn certificate_with_subject(attrs: &[(rcgen::DnType, &str)]) -> String {
    let key_pem = std::fs::read_to_string(fixture("keys/privatekey-pkcs8.pem")).unwrap();
    let key = rcgen::KeyPair::from_pem(&key_pem).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    for (t, v) in attrs {
        params.distinguished_name.push(t.clone(), *v);
    }
    params.self_signed(&key).unwrap().pem()
}
