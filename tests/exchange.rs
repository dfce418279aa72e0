//! `oauth1to2 exchange` against the providers' exchange stubs (tests/peers/exchange_stub.py):
//! oauthlib verifies every OAuth 1.0a signature (Garmin, Tumblr), the X stub checks every RFC
//! 8693 parameter and the Basic client authentication, and each stub counts what the engine must
//! never do (a spent token exchanged again, a user exchanged twice). The runs are killed with
//! SIGKILL at random moments and resumed.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{bin, output_within, start_exchange_stub, stderr, stdout, OauthlibServer};

const CK: &str = "ck-partner-app";
const CS: &str = "cs-consumer-secret-9f2";
const CLIENT: &str = "x-client-id";
const CLIENT_SECRET: &str = "x-client-secret-77a";

struct Bench {
    dir: tempfile::TempDir,
    stub: OauthlibServer,
    /// user id -> (token, secret)
    users: Vec<(String, String, String)>,
}

fn token_of(provider: &str, i: usize) -> (String, String, String) {
    (
        format!("user-{i:05}"),
        format!("{provider}-tok-{i:05}-{}", hex(i * 7919)),
        format!("{provider}-sec-{i:05}-{}", hex(i * 104729)),
    )
}

fn hex(n: usize) -> String {
    format!("{:08x}", n.wrapping_mul(2654435761))
}

/// A stub for `provider`'s app with `n` users (`revoked` of them revoked), and the list.
fn bench(provider: &str, n: usize, revoked: &[usize]) -> Option<Bench> {
    let python = common::python_with("oauthlib")?;
    let dir = tempfile::tempdir().unwrap();
    let users: Vec<_> = (0..n).map(|i| token_of(provider, i)).collect();
    let conf = serde_json::json!({
        "consumer_key": CK, "consumer_secret": CS,
        "client_id": CLIENT, "client_secret": CLIENT_SECRET,
        "users": users.iter().map(|(_, t, s)| (t.clone(), s.clone())).collect::<HashMap<_, _>>(),
        "revoked": revoked.iter().map(|i| users[*i].1.clone()).collect::<Vec<_>>(),
    });
    let conf_path = dir.path().join("stub.json");
    std::fs::write(&conf_path, conf.to_string()).unwrap();
    let mut csv = String::from("user_id,oauth_token,oauth_token_secret,email\n");
    for (u, t, s) in &users {
        csv.push_str(&format!("{u},{t},{s},{u}@example.com\n"));
    }
    std::fs::write(dir.path().join("users.csv"), csv).unwrap();
    let stub = start_exchange_stub(&python, &conf_path);
    Some(Bench { dir, stub, users })
}

impl Bench {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.stub.port)
    }

    fn endpoint(&self, provider: &str) -> String {
        let path = match provider {
            "x" => "/2/oauth2/token",
            "tumblr" => "/v2/oauth2/exchange",
            _ => "/partner-gateway/rest/user/token-exchange",
        };
        format!("{}{path}", self.base())
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("exchanged.csv")
    }

    fn cmd(&self, provider: &str, extra: &[&str]) -> Command {
        let mut c = bin();
        c.env("OAUTH1TO2_HOME", self.dir.path().join("home"))
            .env("CS", CS)
            .env("XS", CLIENT_SECRET)
            .args(["exchange", "--provider", provider])
            .args([
                "--tokens",
                self.dir.path().join("users.csv").to_str().unwrap(),
            ])
            .args(["--out", self.out().to_str().unwrap()])
            .args(["--token-endpoint", &self.endpoint(provider)])
            .args(["--api-base", &self.base()]);
        if provider == "x" {
            c.args(["--client-id", CLIENT, "--client-secret-env", "XS"]);
        } else {
            c.args(["--consumer-key", CK, "--consumer-secret-env", "CS"]);
        }
        c.args(extra);
        c
    }

    fn run(&self, provider: &str, extra: &[&str]) -> Output {
        output_within(&mut self.cmd(provider, extra), Duration::from_secs(300))
    }

    fn state(&self) -> serde_json::Value {
        oauth1to2::oauth2::http::HttpClient::new(Default::default(), None)
            .unwrap()
            .get_json(&format!("{}/__state", self.base()))
            .unwrap()
    }

    /// The pairs the stub has issued so far.
    fn count(&self) -> u64 {
        oauth1to2::oauth2::http::HttpClient::new(Default::default(), None)
            .unwrap()
            .get_json(&format!("{}/__count", self.base()))
            .unwrap()
            .as_u64()
            .unwrap()
    }

    fn fault(&self, f: serde_json::Value) {
        let r = reqwest::blocking::Client::new()
            .post(format!("{}/__fault", self.base()))
            .body(f.to_string())
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    /// The output, by user id: the row as a map.
    fn rows(&self) -> HashMap<String, HashMap<String, String>> {
        let mut r = csv::Reader::from_path(self.out()).unwrap();
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        r.records()
            .map(|rec| {
                let rec = rec.unwrap();
                let row: HashMap<String, String> = header
                    .iter()
                    .cloned()
                    .zip(rec.iter().map(String::from))
                    .collect();
                (row["user_id"].clone(), row)
            })
            .collect()
    }

    fn assert_no_secret_in(&self, o: &Output) {
        let text = format!("{}{}", stdout(o), stderr(o));
        for (_, t, s) in &self.users {
            assert!(
                !text.contains(t.as_str()) && !text.contains(s.as_str()),
                "a user's secret was printed"
            );
        }
        assert!(!text.contains(CS) && !text.contains(CLIENT_SECRET));
        assert!(
            !text.contains("at-") && !text.contains("rt-"),
            "a new token was printed:\n{text}"
        );
    }
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn each_provider_exchanges_a_list_and_lists_who_must_consent_again() {
    for provider in ["garmin", "x", "tumblr"] {
        let Some(b) = bench(provider, 40, &[7]) else {
            return;
        };
        let o = b.run(provider, &["--rate", "unlimited", "--concurrency", "4"]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{provider}: one user must consent again\n{}{}",
            stdout(&o),
            stderr(&o)
        );
        b.assert_no_secret_in(&o);
        assert_eq!(
            stderr(&o),
            "",
            "no progress bar when stderr is not a terminal"
        );
        assert!(stdout(&o).contains("exchanged now: 39"), "{}", stdout(&o));
        // The per-user locks: a few shared files under the data folder, no user id in a name.
        let locks: Vec<String> = std::fs::read_dir(b.dir.path().join("home/exchange-locks"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!locks.is_empty() && locks.len() <= 40, "{}", locks.len());
        assert!(locks.iter().all(|n| !n.contains("user")));
        assert!(
            stdout(&o).contains("user-00007"),
            "the re-consent list names the user"
        );
        let st = b.state();
        assert_eq!(
            st["counts"]["double"], 0,
            "{provider}: nothing exchanged twice"
        );
        assert_eq!(
            st["counts"]["bad_signature"], 0,
            "{provider}: oauthlib took every signature"
        );
        let rows = b.rows();
        assert_eq!(rows.len(), 40);
        for (u, t, _) in &b.users {
            let row = &rows[u];
            assert_eq!(row["email"], format!("{u}@example.com"), "passed through");
            if u == "user-00007" {
                assert_eq!(row["status"], "reconsent");
                assert!(row["access_token"].is_empty());
                continue;
            }
            assert_eq!(row["status"], "exchanged", "{provider} {u}");
            // The pair in the output is the one the provider issued, and still valid there.
            assert_eq!(
                row["access_token"],
                st["tokens"][t]["valid"].as_str().unwrap()
            );
            assert_eq!(st["tokens"][t]["exchanges"], 1);
            assert!(row["refresh_token"].starts_with("rt-"));
            let expires: i64 = row["expires_at"].parse().unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            let lifetime = match provider {
                "x" => 7200,
                "tumblr" => 2520,
                _ => 86400,
            };
            assert!(
                (expires - now - lifetime).abs() < 120,
                "{provider}: expires_at {expires}"
            );
            match provider {
                "garmin" => {
                    assert_eq!(row["provider_user_id"], format!("g-{}", &t[t.len() - 12..]))
                }
                "tumblr" => assert_eq!(row["scope"], "basic write"),
                _ => assert!(row["scope"].contains("offline.access")),
            }
        }
        assert_eq!(mode(&b.out()), 0o600);
        let journal = b.dir.path().join("exchanged.csv.journal");
        assert_eq!(mode(&journal), 0o600);
        // The same command again asks for nobody.
        let again = b.run(provider, &["--rate", "unlimited"]);
        assert!(
            stdout(&again).contains("exchanged now: 0; earlier: 40"),
            "{}",
            stdout(&again)
        );
        assert_eq!(b.state()["counts"]["exchange"], 39);
    }
}

#[test]
fn a_refused_app_stops_the_run_before_it_burns_the_list() {
    // X says the client is refused: the first answer stops the run.
    let Some(b) = bench("x", 30, &[]) else { return };
    let mut c = b.cmd("x", &["--rate", "unlimited", "--concurrency", "1"]);
    c.env("XS", "wrong-secret");
    let o = output_within(&mut c, Duration::from_secs(120));
    assert_eq!(o.status.code(), Some(4), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("X refuses the app"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("wrong-secret"));
    assert_eq!(b.state()["counts"]["exchange"], 0);
    // A scope beyond the old grant: X says invalid_scope, a request to fix, and the run stops.
    std::fs::remove_file(b.out()).unwrap();
    std::fs::remove_file(b.dir.path().join("exchanged.csv.journal")).unwrap();
    let o = b.run(
        "x",
        &[
            "--rate",
            "unlimited",
            "--concurrency",
            "1",
            "--scope",
            "dm.write",
        ],
    );
    assert_eq!(o.status.code(), Some(5), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("invalid_scope"), "{}", stdout(&o));
    // A new run (its journal gone) does not overwrite an output it did not write, unless told.
    std::fs::remove_file(b.dir.path().join("exchanged.csv.journal")).unwrap();
    let o = b.run("x", &["--rate", "unlimited"]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("exists"), "{}", stderr(&o));
    let o = b.run("x", &["--rate", "unlimited", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // Tumblr cannot tell a refused app from a refused user: five refusals in a row from the
    // start stop the run, and those users are left for the next run, not put on the list.
    let Some(b) = bench("tumblr", 30, &[]) else {
        return;
    };
    let mut c = b.cmd("tumblr", &["--rate", "unlimited", "--concurrency", "1"]);
    c.env("CS", "wrong-consumer-secret");
    let o = output_within(&mut c, Duration::from_secs(120));
    assert_eq!(o.status.code(), Some(4), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("the first 5 users were all refused"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        b.state()["counts"]["bad_signature"],
        5,
        "five requests, not thirty"
    );
    let rows = b.rows();
    assert!(rows.values().all(|r| r["status"] != "reconsent"));
    // Put right, the same command exchanges everyone.
    let o = b.run("tumblr", &["--rate", "unlimited"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(b.rows().values().all(|r| r["status"] == "exchanged"));
}

#[test]
fn rate_limits_and_server_errors_are_retried_honouring_retry_after() {
    let Some(b) = bench("tumblr", 3, &[]) else {
        return;
    };
    b.fault(serde_json::json!({"status": 429, "count": 1, "retry_after": "2"}));
    b.fault(serde_json::json!({"status": 500, "count": 1}));
    let t0 = Instant::now();
    let o = b.run("tumblr", &["--rate", "unlimited", "--concurrency", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        t0.elapsed() >= Duration::from_secs(2),
        "Retry-After: 2 was waited for"
    );
    assert_eq!(b.state()["counts"]["exchange"], 3);
    // A server that keeps failing: the user is failed after --attempts, and retried next run.
    let Some(b2) = bench("x", 2, &[]) else { return };
    b2.fault(serde_json::json!({"status": 503, "count": 4}));
    let o = b2.run(
        "x",
        &[
            "--rate",
            "unlimited",
            "--concurrency",
            "1",
            "--attempts",
            "2",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("failed: 2"), "{}", stdout(&o));
    let o = b2.run("x", &["--rate", "unlimited", "--resume"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn a_dry_run_checks_and_plans_and_sends_nothing() {
    let Some(b) = bench("x", 25_000, &[]) else {
        return;
    };
    let o = b.run("x", &["--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("25000 users") && out.contains("to ask: 25000"),
        "{out}"
    );
    // 8,000 of X's 10,000 per 900 s: the first 8,000 at once, then 17,000 at 8.9 a second.
    assert!(
        out.contains("rate: 8000/900") && out.contains("about 32 min"),
        "{out}"
    );
    assert!(out.contains("nothing was sent"));
    assert!(!b.out().exists());
    assert_eq!(b.state()["counts"]["exchange"], 0);
    let j = b.run("x", &["--dry-run", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    assert_eq!(v["to_ask"], 25000);
    assert_eq!(v["eta_secs"], 17000 * 900 / 8000);
    // A list without a required column is refused as a whole, naming it.
    std::fs::write(b.dir.path().join("bad.csv"), "user_id,token\nu1,t\n").unwrap();
    let mut c = bin();
    c.env("XS", "s")
        .args([
            "exchange",
            "--provider",
            "x",
            "--client-id",
            "c",
            "--client-secret-env",
            "XS",
        ])
        .args([
            "--tokens",
            b.dir.path().join("bad.csv").to_str().unwrap(),
            "--out",
            "o.csv",
            "--dry-run",
        ]);
    let o = output_within(&mut c, Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("oauth_token, oauth_token_secret columns"),
        "{}",
        stderr(&o)
    );
    // A missing secret is named with the flags that give it.
    let mut c = b.cmd("tumblr", &["--dry-run"]);
    c.env_remove("CS");
    let o = output_within(&mut c, Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("CS"), "{}", stderr(&o));
    // A plain-http endpoint off this machine is refused before anything is read.
    let mut c = bin();
    c.env("XS", "s")
        .args([
            "exchange",
            "--provider",
            "x",
            "--client-id",
            "c",
            "--client-secret-env",
            "XS",
        ])
        .args([
            "--tokens",
            b.dir.path().join("users.csv").to_str().unwrap(),
            "--out",
            "o.csv",
        ])
        .args([
            "--token-endpoint",
            "http://api.example.com/2/oauth2/token",
            "--dry-run",
        ]);
    let o = output_within(&mut c, Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("plain http"), "{}", stderr(&o));
}

#[test]
fn a_server_that_dies_mid_run_loses_no_pair() {
    let Some(b) = bench("garmin", 20, &[]) else {
        return;
    };
    b.fault(serde_json::json!({"die_after": 6}));
    let o = b.run(
        "garmin",
        &[
            "--rate",
            "unlimited",
            "--concurrency",
            "1",
            "--attempts",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let rows = b.rows();
    let exchanged = rows.values().filter(|r| r["status"] == "exchanged").count();
    assert_eq!(
        exchanged, 6,
        "every pair the server sent before it died is in the output"
    );
    assert!(rows.values().all(|r| r["status"] != "reconsent"));
}

/// SIGKILL at random moments, 20 times, then a run to the end: every pair the provider issued
/// is in the output, and no user is exchanged twice (Tumblr: a spent token is never sent again;
/// a pair lost to the kill shows as re-consent, from the probe of the old token). For X, a user
/// exchanged again after a kill holds the newest pair, the only valid one.
#[test]
fn killed_twenty_times_no_pair_is_lost_and_no_user_is_exchanged_twice() {
    for provider in ["tumblr", "x"] {
        let Some(b) = bench(provider, 400, &[]) else {
            return;
        };
        let mut rng = 0x9e3779b97f4a7c15u64 ^ std::process::id() as u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let count = || b.count();
        let mut mid_run = 0;
        for _ in 0..20 {
            let before = count();
            let mut child = b
                .cmd(provider, &["--rate", "10/1", "--concurrency", "4"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            // Once the run is exchanging, a random moment later: SIGKILL.
            let t0 = Instant::now();
            while count() == before
                && child.try_wait().unwrap().is_none()
                && t0.elapsed() < Duration::from_secs(60)
            {
                std::thread::sleep(Duration::from_millis(2));
            }
            let at = Duration::from_millis(next() % 300);
            let t1 = Instant::now();
            while t1.elapsed() < at && child.try_wait().unwrap().is_none() {
                std::thread::sleep(Duration::from_millis(2));
            }
            let running = child.try_wait().unwrap().is_none();
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
            let after = count();
            if running && after > before && after < 400 {
                mid_run += 1;
            }
        }
        assert!(
            mid_run >= 15,
            "{provider}: only {mid_run} kills landed mid-run"
        );
        let o = b.run(provider, &["--rate", "unlimited"]);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{}{}",
            stdout(&o),
            stderr(&o)
        );
        let st = b.state();
        let again: u64 = b
            .users
            .iter()
            .map(|(_, t, _)| {
                st["tokens"][t]["exchanges"]
                    .as_u64()
                    .unwrap_or(0)
                    .saturating_sub(1)
            })
            .sum();
        assert_eq!(st["counts"]["double"].as_u64(), Some(again));
        if provider == "tumblr" {
            assert_eq!(again, 0, "no spent token was sent again");
        }
        let rows = b.rows();
        let mut lost = 0;
        for (u, t, _) in &b.users {
            let row = &rows[u];
            let s = &st["tokens"][t];
            match row["status"].as_str() {
                "exchanged" => assert_eq!(
                    row["access_token"],
                    s["valid"].as_str().unwrap(),
                    "{provider} {u}: the valid pair"
                ),
                "reconsent" => {
                    assert_eq!(provider, "tumblr", "X never needs re-consent after a crash");
                    assert!(row["reason"].contains("crash"), "{}", row["reason"]);
                    assert_eq!(s["exchanges"], 1, "lost: issued once, never again");
                    lost += 1;
                }
                other => panic!("{provider} {u}: {other} {}", row["reason"]),
            }
            if provider == "tumblr" {
                assert_eq!(s["exchanges"], 1, "{u}: exchanged exactly once");
            }
        }
        assert!(
            lost <= 20 * 4,
            "at most the requests in flight at each kill are lost: {lost}"
        );
        #[allow(clippy::disallowed_macros)]
        {
            eprintln!(
                "{provider}: {mid_run} kills mid-run, {lost} pairs lost in flight (re-consent)"
            );
        }
        // Every pair the journal received is in the output.
        let journal = std::fs::read_to_string(b.dir.path().join("exchanged.csv.journal")).unwrap();
        let mut last: HashMap<String, String> = HashMap::new();
        for l in journal.lines().filter(|l| !l.is_empty()) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
                continue;
            };
            if v["kind"] == "received" {
                last.insert(
                    v["user"].as_str().unwrap().into(),
                    v["access_token"].as_str().unwrap().into(),
                );
            }
        }
        assert_eq!(
            last.len(),
            rows.values().filter(|r| r["status"] == "exchanged").count()
        );
        for (u, at) in &last {
            assert_eq!(&rows[u]["access_token"], at);
        }
    }
}

#[test]
fn bad_and_repeated_rows_are_skipped_by_line_and_the_rest_exchanged() {
    let Some(b) = bench("tumblr", 4, &[]) else {
        return;
    };
    let u = &b.users;
    let csv = format!(
        "user_id,oauth_token,oauth_token_secret,email\n\
         {},{},{},a@example.com\n\
         {},,{},b@example.com\n\
         {},{},{},c@example.com\n\
         {},{},{},again@example.com\n\
         {},{},{},\"multi\nline\"\n",
        u[0].0,
        u[0].1,
        u[0].2,
        u[1].0,
        u[1].2,
        u[2].0,
        u[2].1,
        u[2].2,
        u[0].0,
        u[0].1,
        u[0].2,
        u[3].0,
        u[3].1,
        u[3].2,
    );
    std::fs::write(b.dir.path().join("users.csv"), csv).unwrap();
    let o = b.run("tumblr", &["--rate", "unlimited"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(
        out.contains("line 3 skipped: user \"user-00001\": oauth_token is empty"),
        "{out}"
    );
    assert!(
        out.contains("line 5 skipped: its user_id is listed again (first on line 2)"),
        "{out}"
    );
    assert!(out.contains("exchanged now: 3"), "{out}");
    b.assert_no_secret_in(&o);
    let rows = b.rows();
    assert_eq!(
        rows.len(),
        3,
        "one row per user listed well, the first of a repeated one"
    );
    assert_eq!(rows["user-00000"]["email"], "a@example.com");
    assert_eq!(
        rows["user-00003"]["email"], "multi\nline",
        "a quoted field over two lines"
    );
    assert_eq!(b.state()["counts"]["exchange"], 3);
}

/// New users connect with the ordinary PKCE `connect`, sent to the provider's own
/// authorization endpoint (the step stops there: the providers cannot be reached from here).
#[test]
fn new_users_connect_at_each_providers_authorization_endpoint_with_pkce() {
    for (provider, endpoint) in [
        ("garmin", "https://connect.garmin.com/oauth2Confirm?"),
        ("x", "https://x.com/i/oauth2/authorize?"),
        ("tumblr", "https://www.tumblr.com/oauth2/authorize?"),
    ] {
        let home = tempfile::tempdir().unwrap();
        let o = output_within(
            bin()
                .env("OAUTH1TO2_HOME", home.path())
                .args(["connect", "--provider", provider, "--client-id", "new-app"])
                .args([
                    "--scopes",
                    "offline.access",
                    "--no-browser",
                    "--port",
                    "0",
                    "--timeout",
                    "2",
                ])
                .stdin(std::process::Stdio::null()),
            Duration::from_secs(60),
        );
        assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
        let text = format!("{}{}", stdout(&o), stderr(&o));
        let url = text
            .split_whitespace()
            .find(|w| w.starts_with(endpoint))
            .unwrap_or_else(|| panic!("{provider}: no URL at {endpoint} in:\n{text}"));
        let query: HashMap<String, String> =
            oauth1to2::form::parse_urlencoded(url.split_once('?').unwrap().1)
                .into_iter()
                .collect();
        assert_eq!(query["client_id"], "new-app");
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(query["code_challenge"].len(), 43);
        assert!(query["redirect_uri"].starts_with("http://localhost:"));
        // Without scopes: the hint does not quote another provider's.
        let o = output_within(
            bin().env("OAUTH1TO2_HOME", home.path().join("2")).args([
                "connect",
                "--provider",
                provider,
                "--client-id",
                "new-app",
                "--no-browser",
            ]),
            Duration::from_secs(60),
        );
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("has no scopes") && !stderr(&o).contains("accounting"),
            "{}",
            stderr(&o)
        );
    }
}

/// docs/exchange.md's table of providers says what `exchange --dry-run` prints by default.
#[test]
fn the_documented_endpoints_and_rates_are_the_defaults() {
    let doc = std::fs::read_to_string(common::root().join("docs/exchange.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("users.csv"),
        "user_id,oauth_token,oauth_token_secret\nu1,t1,s1\n",
    )
    .unwrap();
    let mut seen = 0;
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        let (provider, endpoint, rate, after) = (cells[1], cells[2], cells[3], cells[4]);
        if !["garmin", "x", "tumblr"].contains(&provider) {
            continue;
        }
        seen += 1;
        let o = output_within(
            bin()
                .env("OAUTH1TO2_HOME", dir.path().join("home"))
                .env("S", "secret")
                .args(["exchange", "--provider", provider, "--consumer-key", "ck"])
                .args([
                    "--consumer-secret-env",
                    "S",
                    "--client-id",
                    "c",
                    "--client-secret-env",
                    "S",
                ])
                .args(["--tokens", dir.path().join("users.csv").to_str().unwrap()])
                .args([
                    "--out",
                    dir.path().join("o.csv").to_str().unwrap(),
                    "--dry-run",
                    "--json",
                ]),
            Duration::from_secs(60),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["endpoint"], endpoint, "{provider}");
        assert_eq!(v["rate"], rate, "{provider}");
        let rule = v["after_crash"].as_str().unwrap();
        match after {
            "exchange again" => assert!(rule.starts_with("exchanged again"), "{rule}"),
            _ => assert!(
                rule.contains("probed") && rule.contains("consent again"),
                "{rule}"
            ),
        }
    }
    assert_eq!(seen, 3, "the table lists the three providers");
}

#[test]
fn the_bundled_list_is_planned_with_its_bad_rows() {
    let home = tempfile::tempdir().unwrap();
    let o = output_within(
        bin()
            .env("OAUTH1TO2_HOME", home.path())
            .env("TUMBLR_SECRET", "s")
            .args(["exchange", "--provider", "tumblr", "--consumer-key", "CK"])
            .args(["--consumer-secret-env", "TUMBLR_SECRET", "--tokens"])
            .arg(common::fixture("exchange/users.csv"))
            .args([
                "--out",
                home.path().join("exchanged.csv").to_str().unwrap(),
                "--dry-run",
            ]),
        Duration::from_secs(60),
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("3 users"), "{out}");
    assert!(
        out.contains("line 4 skipped: user \"1043\": oauth_token is empty"),
        "{out}"
    );
    assert!(
        out.contains("line 6 skipped: its user_id is listed again (first on line 3)"),
        "{out}"
    );
    assert!(!out.contains("tok-1041") && !out.contains("sec-1041"));
}

/// A run restarted within the rate window counts the requests its journal records there: it
/// does not get a second burst.
#[test]
fn a_restarted_run_counts_the_requests_already_made_in_the_window() {
    let Some(b) = bench("x", 12, &[]) else { return };
    let count = || b.count();
    // 5 an hour: five at once, then one every 12 minutes.
    let run_for = |secs: u64| {
        let mut child = b
            .cmd("x", &["--rate", "5/3600", "--concurrency", "2"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        while count() < 5 && t0.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let t1 = Instant::now();
        while t1.elapsed() < Duration::from_secs(secs) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    };
    run_for(1);
    assert_eq!(count(), 5, "the first window's burst");
    run_for(2);
    assert_eq!(
        count(),
        5,
        "the restart waited for the window instead of a second burst"
    );
}

/// Garmin refusing the exchange right after it took the same signature for the userId: the
/// app is not converted yet, and the run stops at once. X's public client names its client id
/// in the body and sends no secret.
#[test]
fn an_unconverted_garmin_app_stops_the_run_and_a_public_x_client_sends_no_secret() {
    let Some(b) = bench("garmin", 10, &[]) else {
        return;
    };
    b.fault(serde_json::json!({"app": "not-converted"}));
    let o = b.run("garmin", &["--rate", "unlimited", "--concurrency", "1"]);
    assert_eq!(o.status.code(), Some(4), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("has not converted this app"),
        "{}",
        stdout(&o)
    );
    assert_eq!(b.state()["counts"]["refused"], 1, "one request, not ten");
    let Some(b) = bench("x", 3, &[]) else { return };
    b.fault(serde_json::json!({"app": "public"}));
    let mut c = bin();
    c.env("OAUTH1TO2_HOME", b.dir.path().join("home"))
        .args(["exchange", "--provider", "x", "--client-id", CLIENT])
        .args(["--tokens", b.dir.path().join("users.csv").to_str().unwrap()])
        .args(["--out", b.out().to_str().unwrap()])
        .args(["--token-endpoint", &b.endpoint("x"), "--rate", "unlimited"]);
    let o = output_within(&mut c, Duration::from_secs(120));
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(b.count(), 3);
}
