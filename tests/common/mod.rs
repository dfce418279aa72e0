//! Shared helpers for the integration tests: the binary, and the real peers.
//!
//! Peers (openssl, the Python packages) are required when OAUTH1TO2_REQUIRE_PEERS=1, which
//! `scripts/test` (the README test command, and so CI) sets: a missing peer fails the test.
//! Under a bare `cargo test` a missing peer skips the test and says so on stderr.
#![allow(dead_code)]

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

/// Starts the oauthlib peer server verifying against fixtures/keys/publickey.cer.
pub fn start_oauthlib_server(python: &Path) -> OauthlibServer {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let port_file = dir.path().join("port");
    let mut server = OauthlibServer {
        child: Command::new(python)
            .arg(root().join("tests/peers/oauthlib_peer.py"))
            .arg("serve")
            .arg(fixture("keys/publickey.cer"))
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
