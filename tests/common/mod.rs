//! Shared helpers for the integration tests: the binary, and the real peers.
//!
//! Peers (openssl, the Python packages) are required when OAUTH1TO2_REQUIRE_PEERS=1, which
//! `scripts/test` (the README test command, and so CI) sets: a missing peer fails the test.
//! Under a bare `cargo test` a missing peer skips the test and says so on stderr.
#![allow(dead_code)]
#![allow(clippy::disallowed_macros)] // tests, benches and the build script report on stderr

pub mod desk;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// Returns `None` (after saying so) when a peer is missing and peers are optional.
fn missing(peer: &str, why: &str) -> Option<()> {
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
    match Command::new("openssl").arg("version").output() {
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
    match Command::new(&py)
        .args(["-c", &format!("import {module}")])
        .output()
    {
        Ok(o) if o.status.success() => Some(PathBuf::from(py)),
        _ => missing(module, &format!("`{py}` cannot import it")).map(|_| PathBuf::new()),
    }
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("spawn")
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
        .output()
        .ok()?;
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
        .output()
        .unwrap();
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
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
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
    let ok = Command::new("keyctl")
        .arg("--version")
        .output()
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
    pub ca_file: PathBuf,
    /// Keys for the `private_key_jwt` clients (openssl-made): `assert-rsa.pem` (the jwt-ps256 and
    /// jwt-rs256 clients' key), `assert-ec.pem` (jwt-es256's) and `assert-wrong.pem` (nobody's).
    pub assertion_keys: PathBuf,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

pub const WEB_SECRET: &str = "web-secret-5f1c9a0e7d3b42c8a6e1";
pub const CC_SECRET: &str = "cc-secret-91d4e2b7a0c34f6e8b2d";

impl OidcPeer {
    /// Starts the provider. `grace_secs` is how long a used refresh token is accepted again.
    pub fn start(grace_secs: u64) -> OidcPeer {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // A throwaway CA and a server certificate for 127.0.0.1, made by openssl.
        let sh = |args: &[&str]| {
            let o = Command::new("openssl")
                .args(args)
                .current_dir(d)
                .output()
                .unwrap();
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
            .env("TLS_KEY", d.join("leaf.key"))
            .env("TLS_CERT", d.join("leaf.pem"))
            .env("WEB_SECRET", WEB_SECRET)
            .env("CC_SECRET", CC_SECRET)
            .env("REFRESH_GRACE_SECONDS", grace_secs.to_string())
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(d.join("provider.log")).unwrap())
            .spawn()
            .expect("start node tests/peers/oidc_peer.mjs");
        let mut line = String::new();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // Keep reading: the provider's development pages log to stdout, and a closed pipe
        // would kill it with EPIPE in the middle of a login.
        let mut log = std::fs::File::create(d.join("provider.out")).unwrap();
        std::thread::spawn(move || std::io::copy(&mut out, &mut log));
        let v: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("oidc_peer.mjs did not start: {line:?}"));
        OidcPeer {
            issuer: v["issuer"].as_str().unwrap().to_owned(),
            ca_file: d.join("ca.pem"),
            assertion_keys: d.to_path_buf(),
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
