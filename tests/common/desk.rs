//! One consultant's machine for the OAuth 2.0 and migrate tests: an OAUTH1TO2_HOME, a running
//! oidc-provider (with the Xero-only endpoints), Chromium as the browser, and every byte the
//! tool printed, for the leak checks.

use super::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const SCOPES: &str = "openid email offline_access accounting.settings.read";

/// One consultant's machine: an OAUTH1TO2_HOME, the provider, and every byte the tool printed.
pub struct Desk {
    pub home: tempfile::TempDir,
    pub peer: OidcPeer,
    pub printed: std::cell::RefCell<Vec<u8>>,
}

impl Desk {
    pub fn new(grace: u64) -> Option<Desk> {
        oidc_peers()?;
        Some(Desk {
            home: tempfile::tempdir().unwrap(),
            peer: OidcPeer::start(grace),
            printed: Default::default(),
        })
    }

    /// A desk whose profile `acme` is connected through the PKCE flow in Chromium.
    pub fn connected(grace: u64) -> Option<Desk> {
        let desk = Desk::new(grace)?;
        let (o, _) = desk.connect("acme", "pkce-app", "approve");
        assert!(o.status.success(), "connect: {}", stderr(&o));
        Some(desk)
    }

    pub fn cmd(&self) -> Command {
        let mut c = bin();
        c.env("OAUTH1TO2_HOME", self.home.path())
            .env("WEB_SECRET_VAR", WEB_SECRET)
            .env("CHROMIUM", chromium())
            .env_remove("OAUTH1TO2_PROFILE")
            .env_remove("BROWSER")
            .current_dir(root());
        c
    }

    pub fn record(&self, o: &Output) {
        let mut p = self.printed.borrow_mut();
        p.extend_from_slice(&o.stdout);
        p.extend_from_slice(&o.stderr);
    }

    /// Runs a command and records its output for the secrets check.
    pub fn run(&self, args: &[&str]) -> Output {
        let o = self.cmd().args(args).finish();
        self.record(&o);
        o
    }

    /// The flags that point `connect` or `migrate` at this desk's provider and test server.
    pub fn provider_args(&self) -> Vec<String> {
        let mut v: Vec<String> = [
            "--issuer",
            &self.peer.issuer,
            "--api-base",
            &self.peer.issuer,
            // The test provider stands in for Xero's identity server; its API is Xero's.
            "--api",
            "xero",
            "--port",
            "0",
            "--redirect-host",
            "127.0.0.1",
            "--timeout",
            "60",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(["--ca-file".into(), self.peer.ca_file.display().to_string()]);
        v
    }

    /// Makes Chromium, driven by consent.mjs, the browser `cmd` opens.
    pub fn consenting<'c>(&self, cmd: &'c mut Command, action: &str) -> &'c mut Command {
        cmd.env(
            "BROWSER",
            format!("node {}", root().join("tests/peers/consent.mjs").display()),
        )
        .env("CONSENT_ACTION", action)
        .stdin(Stdio::null())
    }

    pub fn connect_args(&self, profile: &str, client: &str) -> Vec<String> {
        let mut v: Vec<String> = vec!["connect".into(), "-p".into(), profile.into()];
        v.extend(self.provider_args());
        v.extend(["--client-id".into(), client.into()]);
        match client {
            "web-app" => v.extend(
                [
                    "--grant",
                    "authorization-code",
                    "--client-secret-env",
                    "WEB_SECRET_VAR",
                    "--scopes",
                    SCOPES,
                ]
                .map(String::from),
            ),
            "cc-app" => {
                // A Custom Connection: its secret in a file, as a consultant would keep it.
                let secret_file = self.home.path().join("cc.secret");
                std::fs::write(&secret_file, format!("{CC_SECRET}\n")).unwrap();
                v.extend(
                    [
                        "--grant",
                        "client-credentials",
                        "--scopes",
                        "accounting.settings.read",
                        "--client-secret-file",
                    ]
                    .map(String::from),
                );
                v.push(secret_file.display().to_string());
            }
            _ => v.extend(["--scopes", SCOPES].map(String::from)),
        }
        v
    }

    /// `connect` with Chromium as the browser. Returns the output and the final page.
    pub fn connect(
        &self,
        profile: &str,
        client: &str,
        action: &str,
    ) -> (Output, Option<serde_json::Value>) {
        let result = self.home.path().join(format!("consent-{profile}.json"));
        let shot = self.home.path().join(format!("consent-{profile}.png"));
        let mut cmd = self.cmd();
        cmd.args(self.connect_args(profile, client));
        let o = self
            .consenting(&mut cmd, action)
            .env("CONSENT_RESULT", &result)
            .env("CONSENT_SCREENSHOT", &shot)
            .finish();
        self.record(&o);
        // The browser process finishes writing after oauth1to2 has its callback.
        let page = wait_for_file(&result, Duration::from_secs(30))
            .map(|t| serde_json::from_str(&t).unwrap());
        (o, page)
    }

    pub fn tokens(&self, profile: &str) -> serde_json::Value {
        let t = std::fs::read_to_string(self.token_file(profile)).unwrap();
        serde_json::from_str(&t).unwrap()
    }

    pub fn token_file(&self, profile: &str) -> PathBuf {
        self.home
            .path()
            .join("tokens")
            .join(format!("{profile}.json"))
    }

    /// Makes the stored access token expire in `secs` seconds.
    pub fn expire_in(&self, profile: &str, secs: i64) {
        let mut t = self.tokens(profile);
        t["expires_at"] = serde_json::json!(oauth1to2::oauth2::now() + secs);
        std::fs::write(
            self.token_file(profile),
            serde_json::to_vec_pretty(&t).unwrap(),
        )
        .unwrap();
    }

    /// Asserts that no secret in `secrets` appears in anything the tool printed.
    pub fn assert_nothing_leaked(&self, secrets: &[String]) {
        let printed = String::from_utf8_lossy(&self.printed.borrow()).into_owned();
        assert!(!printed.is_empty());
        for s in secrets {
            assert!(s.len() >= 8, "too short to search for: {s:?}");
            assert!(
                !printed.contains(s.as_str()),
                "a secret was printed: {}...",
                &s[..4]
            );
        }
    }
}

pub fn wait_for_file(p: &Path, within: Duration) -> Option<String> {
    let end = Instant::now() + within;
    while Instant::now() < end {
        if let Ok(t) = std::fs::read_to_string(p) {
            if !t.is_empty() {
                return Some(t);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

pub fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

pub fn secrets_in(t: &serde_json::Value) -> Vec<String> {
    ["access_token", "refresh_token", "id_token"]
        .iter()
        .filter_map(|k| t[k].as_str().map(str::to_owned))
        .collect()
}
