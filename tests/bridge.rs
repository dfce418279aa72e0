//! The bridge against real peers: oauthlib signs as the legacy client (RSA-SHA1, HMAC-SHA1,
//! HMAC-SHA256), the bridge checks and forwards, and the upstream (tests/peers/oidc_peer.mjs)
//! checks each bearer by introspection at oidc-provider, which issued it. Two bridges share
//! nonces and one token renewal through Debian's redis-server, started here.

mod common;

use common::desk::*;
use common::*;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TENANT: &str = "70784a63-d24b-46a9-a4db-0e70a274b056";
const HMAC_SECRET: &str = "hmac-consumer-secret-4e1f9a";
const TOKEN_SECRET: &str = "hmac-token-secret-77c2d0";
/// What the clients sign: the public address a load balancer would have.
const PUBLIC: &str = "http://bridge.test:8080";

/// A running `oauth1to2 bridge`, its log lines (stderr, one JSON object each) collected.
struct Bridge {
    child: Option<Child>,
    listen: String,
    ops: String,
    log: Arc<Mutex<Vec<String>>>,
    /// The `listening` line.
    listening: serde_json::Value,
}

impl Bridge {
    fn start(desk: &Desk, config: &Path) -> Bridge {
        let mut child = desk
            .cmd()
            .args(["bridge", "--config"])
            .arg(config)
            .env("HMAC_SECRET", HMAC_SECRET)
            .env("TOKEN_SECRET", TOKEN_SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = std::io::BufReader::new(child.stderr.take().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let l2 = log.clone();
        std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                if line.contains("\"event\":\"listening\"") {
                    let _ = tx.send(line.clone());
                }
                l2.lock().unwrap().push(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("the bridge did not start: {:?}", log.lock().unwrap())
            });
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        Bridge {
            child: Some(child),
            listen: format!(
                "{}://{}",
                v["scheme"].as_str().unwrap(),
                v["listen"].as_str().unwrap()
            ),
            ops: format!("http://{}", v["operations"].as_str().unwrap()),
            log,
            listening: v,
        }
    }

    /// The names of the bridge process's threads (Linux).
    fn thread_names(&self) -> Vec<String> {
        let pid = self.child.as_ref().unwrap().id();
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .unwrap()
            .map(|t| std::fs::read_to_string(t.unwrap().path().join("comm")).unwrap())
            .map(|n| n.trim().to_owned())
            .collect()
    }

    fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Whether `needle` shows in the log within 10 s: an event loop writes its request lines
    /// when it has nothing else to do, and a thread reads them from the bridge's stderr.
    fn log_shows(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.log_text().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// SIGTERM, then the exit status within 60 s.
    fn stop(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        wait_within(&mut child, Duration::from_secs(60))
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A plain HTTP GET on loopback: status and body.
fn get(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    std::io::Read::read_to_string(&mut s, &mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The value of `name{labels}` in a Prometheus text page.
fn metric(page: &str, series: &str) -> u64 {
    page.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(|| panic!("{series} not in:\n{page}"))
}

/// Runs tests/peers/bridge_client.py with `job`; its results.
fn client(python: &Path, job: serde_json::Value) -> Vec<Vec<serde_json::Value>> {
    let mut child = Command::new(python)
        .arg(root().join("tests/peers/bridge_client.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(job.to_string().as_bytes())
        .unwrap();
    let o = finish_child(child, "bridge_client.py", Duration::from_secs(300));
    assert!(o.status.success(), "bridge_client.py: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    serde_json::from_value(v["results"].clone()).unwrap()
}

fn upstream_stats(desk: &Desk) -> serde_json::Value {
    oauth1to2::oauth2::http::HttpClient::new(Default::default(), Some(&desk.peer.ca_file))
        .unwrap()
        .get_json(&format!("{}/__upstream/stats", desk.peer.upstream))
        .unwrap()
}

/// An RSA key pair made by openssl: the legacy client's private key and the certificate that
/// was pasted into the provider.
fn rsa_pair(dir: &Path, name: &str, bits: u32) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.pem"));
    let cer = dir.join(format!("{name}.cer"));
    let o = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            &format!("rsa:{bits}"),
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=legacy client",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cer)
        .finish();
    assert!(o.status.success(), "openssl: {}", stderr(&o));
    (key, cer)
}

fn connect_cc(desk: &Desk) {
    let o = desk
        .cmd()
        .args(desk.connect_args("cc", "cc-app"))
        .env("BROWSER", "false")
        .finish();
    desk.record(&o);
    assert!(o.status.success(), "connect: {}", stderr(&o));
}

fn config(dir: &Path, upstream: &str, state: &str, cer: &Path) -> PathBuf {
    let text = format!(
        r#"listen = "127.0.0.1:0"
{state}
[operations]
listen = "127.0.0.1:0"

[[route]]
prefix = "/api.xro/2.0/"
profile = "cc"
upstream = "{upstream}"
tenant = "{TENANT}"
public_base_url = "{PUBLIC}"
[route.inbound]
signature_method = "RSA-SHA1"
consumer_key = "XEROPRIVATEKEY0000000000000000"
certificate = "{cer}"

[[route]]
prefix = "/hmac1/"
profile = "cc"
upstream = "{upstream}"
tenant = "{TENANT}"
public_base_url = "{PUBLIC}"
[route.inbound]
signature_method = "HMAC-SHA1"
consumer_key = "hmac-consumer"
consumer_secret_env = "HMAC_SECRET"
token = "hmac-token"
token_secret_env = "TOKEN_SECRET"

[[route]]
prefix = "/hmac256/"
profile = "cc"
upstream = "{upstream}"
tenant = "{TENANT}"
public_base_url = "{PUBLIC}"
require_body_hash = true
[route.inbound]
signature_method = "HMAC-SHA256"
consumer_key = "hmac256-consumer"
consumer_secret_env = "HMAC_SECRET"

# No public_base_url: clients sign the address they call (the Host header).
[[route]]
prefix = "/direct/"
profile = "cc"
upstream = "{upstream}"
[route.inbound]
signature_method = "HMAC-SHA1"
consumer_key = "direct-consumer"
consumer_secret_env = "HMAC_SECRET"
"#,
        cer = cer.file_name().unwrap().to_str().unwrap(),
    );
    let p = dir.join("bridge.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn rsa_item(key: &Path, path: &str, targets: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "sign": {"url": format!("{PUBLIC}{path}"), "method": "GET", "signature_method": "RSA-SHA1",
                 "consumer_key": "XEROPRIVATEKEY0000000000000000", "token": "XEROPRIVATEKEY0000000000000000",
                 "rsa_key_file": key},
        "send_to": targets,
    })
}

fn hmac_item(
    path: &str,
    method: &str,
    body: Option<&str>,
    content_type: Option<&str>,
    targets: &[&str],
) -> serde_json::Value {
    serde_json::json!({
        "sign": {"url": format!("{PUBLIC}{path}"), "method": method, "signature_method": "HMAC-SHA1",
                 "consumer_key": "hmac-consumer", "consumer_secret": HMAC_SECRET,
                 "token": "hmac-token", "token_secret": TOKEN_SECRET, "body": body, "content_type": content_type},
        "send_to": targets,
    })
}

/// A request to the /direct/ route, signed for the address it is sent to.
fn direct_item(base: &str, path: &str) -> serde_json::Value {
    serde_json::json!({
        "sign": {"url": format!("{base}{path}"), "method": "GET", "signature_method": "HMAC-SHA1",
                 "consumer_key": "direct-consumer", "consumer_secret": HMAC_SECRET},
        "send_to": [base],
    })
}

/// Revokes `token` at the provider (RFC 7009), as the app cc-app.
fn revoke(desk: &Desk, token: &str) {
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("cc-app:{CC_SECRET}"));
    let r = oauth1to2::oauth2::http::HttpClient::new(Default::default(), Some(&desk.peer.ca_file))
        .unwrap()
        .send(
            "POST",
            &format!("{}/token/revocation", desk.peer.issuer),
            &[
                ("authorization", &format!("Basic {basic}")),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            Some(format!("token={token}").into_bytes()),
        )
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
}

fn problem(r: &serde_json::Value) -> String {
    r["body"]
        .as_str()
        .unwrap()
        .split('&')
        .find_map(|p| p.strip_prefix("oauth_problem="))
        .unwrap_or("")
        .to_owned()
}

fn upstream_saw(r: &serde_json::Value) -> serde_json::Value {
    assert_eq!(r["status"], 200, "{r}");
    serde_json::from_str(r["body"].as_str().unwrap()).unwrap()
}

#[test]
fn a_legacy_client_reaches_an_oauth2_api_unchanged_and_forgeries_do_not() {
    let Some(desk) = Desk::new(0) else { return };
    let Some(python) = python_with("oauthlib") else {
        return;
    };
    connect_cc(&desk);
    let dir = tempfile::tempdir().unwrap();
    // A 1024-bit key, as Xero's own instructions made them.
    let (key, cer) = rsa_pair(dir.path(), "legacy", 1024);
    let (wrong_key, _) = rsa_pair(dir.path(), "other", 2048);
    let conf = config(dir.path(), &desk.peer.upstream, "", &cer);

    let check = desk
        .cmd()
        .args(["bridge", "--check", "--json", "--config"])
        .arg(&conf)
        .env("HMAC_SECRET", HMAC_SECRET)
        .env("TOKEN_SECRET", TOKEN_SECRET)
        .finish();
    desk.record(&check);
    assert!(check.status.success(), "{}", stderr(&check));
    let v: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(
        v["routes"][0]["token"], "XEROPRIVATEKEY0000000000000000",
        "{v}"
    );
    assert_eq!(
        v["routes"][0]["token_from"],
        "the xero-private style (oauth_token = consumer key)"
    );
    assert_eq!(
        v["routes"][0]["tenant_header"],
        format!("xero-tenant-id: {TENANT}")
    );
    assert!(
        v["routes"][0]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("1024 bits"),
        "{v}"
    );
    assert!(v["routes"][2]["token"].is_null());

    let mut bridge = Bridge::start(&desk, &conf);
    // docs/architecture.md: one event loop per CPU, each a thread of its own.
    let cpus = std::thread::available_parallelism().unwrap().get();
    assert_eq!(
        bridge.listening["event_loops"], cpus,
        "{}",
        bridge.listening
    );
    let loops = bridge
        .thread_names()
        .iter()
        .filter(|n| n.starts_with("bridge-loop-"))
        .count();
    assert_eq!(loops, cpus, "{:?}", bridge.thread_names());
    let b = bridge.listen.clone();
    let form = "Name=Acme+Ltd&Note=caf%C3%A9+%26+co";
    let json = r#"{"Contacts":[{"Name":"Acme"}]}"#;
    let results = client(
        &python,
        serde_json::json!({"requests": [
            rsa_item(&key, "/api.xro/2.0/Organisation?where=Name%3D%22Acme%22", &[&b]),
            hmac_item("/hmac1/Contacts", "POST", Some(form), Some("application/x-www-form-urlencoded"), &[&b]),
            hmac_item("/hmac1/Contacts", "PUT", Some(json), Some("application/json"), &[&b]),
            {"sign": {"url": format!("{PUBLIC}/hmac256/Invoices?page=2"), "method": "GET", "signature_method": "HMAC-SHA256",
                      "consumer_key": "hmac256-consumer", "consumer_secret": HMAC_SECRET, "signature_type": "QUERY"},
             "send_to": [&b]},
        ]}),
    );
    let seen = upstream_saw(&results[0][0]);
    assert_eq!(seen["path"], "/api.xro/2.0/Organisation");
    assert_eq!(seen["query"], "?where=Name%3D%22Acme%22");
    assert_eq!(
        seen["client_id"], "cc-app",
        "the upstream's introspection names the profile's client"
    );
    assert_eq!(seen["tenant"], TENANT);
    assert_eq!(
        seen["oauth1_header"], false,
        "the client's OAuth 1.0a Authorization was stripped"
    );
    let seen = upstream_saw(&results[1][0]);
    assert_eq!(seen["method"], "POST");
    assert_eq!(
        seen["body_text"], form,
        "the signed form body arrives as sent"
    );
    let seen = upstream_saw(&results[2][0]);
    assert_eq!(seen["method"], "PUT");
    assert_eq!(
        seen["body_text"], json,
        "a JSON body (with oauth_body_hash) arrives as sent"
    );
    let seen = upstream_saw(&results[3][0]);
    assert!(
        seen["query"]
            .as_str()
            .unwrap()
            .starts_with("?page=2&oauth_"),
        "{seen}"
    );
    let accepted = upstream_stats(&desk)["accepted"].as_u64().unwrap();
    assert_eq!(accepted, 4);

    // Forgeries and replays: each refused with the legacy provider's problem, none forwarded.
    let mut replay = hmac_item("/hmac1/Contacts", "GET", None, None, &[&b, &b]);
    replay["sign"]["nonce"] = serde_json::json!("n-replayed-once");
    let mut stale = hmac_item("/hmac1/Contacts", "GET", None, None, &[&b]);
    stale["sign"]["timestamp"] = serde_json::json!((oauth1to2::oauth2::now() - 3600).to_string());
    let mut tampered = hmac_item("/hmac1/Contacts", "GET", None, None, &[&b]);
    tampered["tamper"] = serde_json::json!({"query": "where=everything"});
    let mut body_swapped = hmac_item(
        "/hmac1/Contacts",
        "PUT",
        Some(json),
        Some("application/json"),
        &[&b],
    );
    body_swapped["tamper"] = serde_json::json!({"body": r#"{"Contacts":[{"Name":"Mallory"}]}"#});
    let mut wrong_consumer = hmac_item("/hmac1/Contacts", "GET", None, None, &[&b]);
    wrong_consumer["sign"]["consumer_key"] = serde_json::json!("someone-else");
    let mut wrong_secret = hmac_item("/hmac1/Contacts", "GET", None, None, &[&b]);
    wrong_secret["sign"]["consumer_secret"] = serde_json::json!("guessed");
    let mut hmac_on_rsa = hmac_item("/api.xro/2.0/Organisation", "GET", None, None, &[&b]);
    hmac_on_rsa["sign"]["consumer_key"] = serde_json::json!("XEROPRIVATEKEY0000000000000000");
    let mut bare_header = hmac_item(
        "/hmac256/Invoices",
        "POST",
        Some(json),
        Some("application/json"),
        &[&b],
    );
    bare_header["sign"]["signature_method"] = serde_json::json!("HMAC-SHA256");
    bare_header["sign"]["consumer_key"] = serde_json::json!("hmac256-consumer");
    bare_header["sign"]["token"] = serde_json::Value::Null;
    bare_header["tamper"] = serde_json::json!({"header": {"Authorization": "OAuth oauth_consumer_key=\"hmac256-consumer\""}});
    let results = client(
        &python,
        serde_json::json!({"requests": [
            replay, stale, tampered, body_swapped, wrong_consumer, wrong_secret,
            rsa_item(&wrong_key, "/api.xro/2.0/Organisation", &[&b]), hmac_on_rsa, bare_header,
        ]}),
    );
    assert_eq!(
        results[0][0]["status"], 200,
        "the first use of a nonce is forwarded"
    );
    assert_eq!(
        (results[0][1]["status"].as_u64(), problem(&results[0][1])),
        (Some(401), "nonce_used".into())
    );
    assert_eq!(
        (results[1][0]["status"].as_u64(), problem(&results[1][0])),
        (Some(401), "timestamp_refused".into())
    );
    assert!(
        results[1][0]["body"]
            .as_str()
            .unwrap()
            .contains("oauth_acceptable_timestamps="),
        "{}",
        results[1][0]
    );
    assert!(
        results[1][0]["date"].is_string(),
        "a stale timestamp's answer carries the server's clock"
    );
    assert_eq!(problem(&results[2][0]), "signature_invalid");
    assert_eq!(
        problem(&results[3][0]),
        "signature_invalid",
        "a swapped JSON body fails its oauth_body_hash"
    );
    assert_eq!(
        (results[4][0]["status"].as_u64(), problem(&results[4][0])),
        (Some(401), "consumer_key_unknown".into())
    );
    assert_eq!(problem(&results[5][0]), "signature_invalid");
    assert_eq!(
        problem(&results[6][0]),
        "signature_invalid",
        "another key than the certificate's"
    );
    assert_eq!(
        (results[7][0]["status"].as_u64(), problem(&results[7][0])),
        (Some(400), "signature_method_rejected".into())
    );
    assert_eq!(
        (results[8][0]["status"].as_u64(), problem(&results[8][0])),
        (Some(400), "parameter_absent".into())
    );
    for r in results.iter().flatten().skip(1) {
        assert!(
            r["www_authenticate"]
                .as_str()
                .is_some_and(|w| w.starts_with("OAuth ")),
            "{r}"
        );
    }
    assert_eq!(
        upstream_stats(&desk)["accepted"].as_u64().unwrap(),
        accepted + 1,
        "only the replay's first use reached the upstream"
    );

    // A forged request does not burn the nonce of the real one that follows.
    let mut forged = hmac_item("/hmac1/Contacts", "GET", None, None, &[&b]);
    forged["sign"]["nonce"] = serde_json::json!("n-forged-first");
    forged["sign"]["token_secret"] = serde_json::json!("guessed");
    let mut genuine = hmac_item("/hmac1/Contacts", "GET", None, None, &[&b]);
    genuine["sign"]["nonce"] = serde_json::json!("n-forged-first");
    // Signed for the address called, with no public base URL configured; a redirect passed
    // back, not followed.
    let r = client(
        &python,
        serde_json::json!({"requests": [forged, genuine, direct_item(&b, "/direct/Items?x=1"), hmac_item("/hmac1/Redirect", "GET", None, None, &[&b])]}),
    );
    assert_eq!(problem(&r[0][0]), "signature_invalid");
    assert_eq!(r[1][0]["status"], 200, "{}", r[1][0]);
    assert_eq!(upstream_saw(&r[2][0])["path"], "/direct/Items");
    assert_eq!(r[3][0]["status"], 302);
    assert_eq!(r[3][0]["location"], format!("{}/__stats", desk.peer.issuer));

    // The provider revokes the bridge's token: a GET is retried once with a new token; a POST,
    // which may have done something, is not.
    let grants = desk.peer.count("client_credentials:success");
    revoke(&desk, desk.tokens("cc")["access_token"].as_str().unwrap());
    let r = client(
        &python,
        serde_json::json!({"requests": [hmac_item("/hmac1/Contacts", "GET", None, None, &[&b])]}),
    );
    assert_eq!(r[0][0]["status"], 200, "{}", r[0][0]);
    assert_eq!(desk.peer.count("client_credentials:success"), grants + 1);
    revoke(&desk, desk.tokens("cc")["access_token"].as_str().unwrap());
    let r = client(
        &python,
        serde_json::json!({"requests": [hmac_item("/hmac1/Contacts", "POST", Some("a=1"), Some("application/x-www-form-urlencoded"), &[&b])]}),
    );
    assert_eq!(r[0][0]["status"], 401, "{}", r[0][0]);
    assert!(r[0][0]["body"].as_str().unwrap().contains("invalid_token"));
    assert_eq!(desk.peer.count("client_credentials:success"), grants + 1);

    let (status, page) = get(&format!("{}/metrics", bridge.ops));
    assert_eq!(status, 200);
    assert_eq!(
        metric(
            &page,
            "oauth1to2_bridge_upstream_retries_total{route=\"/hmac1/\"}"
        ),
        1
    );
    assert_eq!(
        metric(
            &page,
            "oauth1to2_bridge_token_renewals_total{profile=\"cc\"}"
        ),
        1
    );
    assert_eq!(
        metric(
            &page,
            "oauth1to2_bridge_refusals_total{reason=\"signature_invalid\"}"
        ),
        5
    );
    assert_eq!(
        metric(
            &page,
            "oauth1to2_bridge_refusals_total{reason=\"nonce_used\"}"
        ),
        1
    );
    assert_eq!(
        metric(
            &page,
            "oauth1to2_bridge_requests_total{route=\"/hmac1/\",outcome=\"forwarded\"}"
        ),
        7
    );
    assert_eq!(get(&format!("{}/healthz", bridge.ops)).0, 200);
    // Eleven upstream exchanges: every forwarded request, and the retried GET twice.
    assert_eq!(metric(&page, "oauth1to2_bridge_upstream_seconds_count"), 11);

    assert!(bridge.stop().success(), "{}", bridge.log_text());
    let log = bridge.log_text();
    assert!(log.contains("\"event\":\"stopped\""), "{log}");
    assert!(log.contains("\"event\":\"token_renewed\""), "{log}");
    assert!(
        !log.contains("where=Name"),
        "a request's query is not logged"
    );
    let refusals: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["outcome"] == "refused")
        .collect();
    assert_eq!(refusals.len(), 10, "{log}");
    assert!(
        refusals.iter().any(|v| v["reason"]
            .as_str()
            .unwrap()
            .contains("base string GET&http%3A%2F%2Fbridge.test%3A8080")),
        "{log}"
    );
    let tokens = desk.tokens("cc");
    let mut secrets = secrets_in(&tokens);
    secrets.extend([
        HMAC_SECRET.to_owned(),
        TOKEN_SECRET.to_owned(),
        CC_SECRET.to_owned(),
    ]);
    for s in &secrets {
        assert!(!log.contains(s.as_str()), "a secret is in the bridge's log");
    }
}

/// A free loopback port (held only until returned: redis-server binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Redis(Child);

impl Redis {
    fn start(port: u16) -> Option<Redis> {
        let Ok(child) = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
        else {
            return missing(
                "redis-server",
                "it is not installed (apt-get install redis-server)",
            )
            .map(|_| unreachable!());
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Redis(child))
    }

    fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn two_bridges_share_nonces_and_one_renewal_through_redis() {
    let Some(desk) = Desk::new(0) else { return };
    let Some(python) = python_with("oauthlib") else {
        return;
    };
    let port = free_port();
    let Some(redis) = Redis::start(port) else {
        return;
    };
    connect_cc(&desk);
    let dir = tempfile::tempdir().unwrap();
    let (_, cer) = rsa_pair(dir.path(), "legacy", 2048);
    let conf = config(
        dir.path(),
        &desk.peer.upstream,
        &format!("[state]\nredis = \"redis://127.0.0.1:{port}/\""),
        &cer,
    );
    // The stored token is good for 64 more seconds: the bridges renew 60 s before expiry, so
    // it goes stale 4 s from now, in the middle of the burst below.
    desk.expire_in("cc", 64);
    let stale_at = Instant::now() + Duration::from_secs(4);
    let grants = desk.peer.count("client_credentials:success");
    let one = Bridge::start(&desk, &conf);
    let two = Bridge::start(&desk, &conf);

    // 1,000 requests at about 170 a second, alternating between the bridges, over the token's
    // expiry.
    let items: Vec<serde_json::Value> = (0..1000)
        .map(|i| {
            hmac_item(
                "/hmac1/Invoices",
                "GET",
                None,
                None,
                &[if i % 2 == 0 { &one.listen } else { &two.listen }],
            )
        })
        .collect();
    assert!(
        Instant::now() < stale_at,
        "the bridges took too long to start"
    );
    let results = client(
        &python,
        serde_json::json!({"requests": items, "workers": 32, "spread_ms": 6}),
    );
    assert!(Instant::now() > stale_at, "the burst outlasted the token");
    let ok = results
        .iter()
        .flatten()
        .filter(|r| r["status"] == 200)
        .count();
    assert_eq!(
        ok,
        1000,
        "{:?}",
        results.iter().flatten().find(|r| r["status"] != 200)
    );
    assert_eq!(
        desk.peer.count("client_credentials:success"),
        grants + 1,
        "exactly one renewal between the two bridges"
    );
    let renewals: u64 = [&one, &two]
        .iter()
        .map(|b| {
            metric(
                &get(&format!("{}/metrics", b.ops)).1,
                "oauth1to2_bridge_token_renewals_total{profile=\"cc\"}",
            )
        })
        .sum();
    assert_eq!(renewals, 1);
    let seen = upstream_stats(&desk);
    assert_eq!(
        seen["tokens"].as_object().unwrap().len(),
        2,
        "the old token, then the one renewal's: {seen}"
    );

    // A replay sent to the other bridge is refused there.
    let mut replay = hmac_item(
        "/hmac1/Contacts",
        "GET",
        None,
        None,
        &[&one.listen, &two.listen],
    );
    replay["sign"]["nonce"] = serde_json::json!("n-across-bridges");
    let r = client(&python, serde_json::json!({"requests": [replay]}));
    assert_eq!(r[0][0]["status"], 200);
    assert_eq!(problem(&r[0][1]), "nonce_used", "{}", r[0][1]);

    // Redis gone: refused (503), never forwarded unchecked; then back.
    let accepted = upstream_stats(&desk)["accepted"].as_u64().unwrap();
    redis.kill();
    let r = client(
        &python,
        serde_json::json!({"requests": [hmac_item("/hmac1/Contacts", "GET", None, None, &[&one.listen, &two.listen])]}),
    );
    assert_eq!(
        (r[0][0]["status"].as_u64(), r[0][1]["status"].as_u64()),
        (Some(503), Some(503)),
        "{r:?}"
    );
    assert_eq!(get(&format!("{}/healthz", one.ops)).0, 503);
    assert_eq!(
        upstream_stats(&desk)["accepted"].as_u64().unwrap(),
        accepted
    );
    assert!(
        one.log_shows("cannot record the nonce"),
        "{}",
        one.log_text()
    );
    let _redis = Redis::start(port).expect("redis-server again");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = client(
            &python,
            serde_json::json!({"requests": [hmac_item("/hmac1/Contacts", "GET", None, None, &[&one.listen])]}),
        );
        if r[0][0]["status"] == 200 {
            break;
        }
        assert_eq!(r[0][0]["status"], 503, "{r:?}");
        assert!(
            Instant::now() < deadline,
            "the bridge did not recover when Redis came back"
        );
    }
    // The other bridge's health check comes back too, once it has reconnected.
    while get(&format!("{}/healthz", two.ops)).0 != 200 {
        assert!(
            Instant::now() < deadline,
            "the second bridge did not recover"
        );
    }
}

#[test]
fn a_bad_configuration_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        ("listen = \"127.0.0.1:80800\"\n", "line 1", "not an address and port"),
        ("listen = \"127.0.0.1:0\"\n\n[[route]]\nprefix = \"api/\"\nprofile = \"p\"\n[route.inbound]\nsignature_method = \"HMAC-SHA1\"\nconsumer_key = \"k\"\nconsumer_secret_env = \"S\"\n", "line 4", "must be a path that starts and ends with '/'"),
        ("[[route]]\nprefix = \"/a/\"\nprofile = \"p\"\n[route.inbound]\nsignature_method = \"PLAINTEXT\"\nconsumer_key = \"k\"\n", "line 5", "not one the bridge verifies"),
        ("[[route]]\nprefix = \"/a/\"\nprofile = \"p\"\n[route.inbound]\nsignature_method = \"HMAC-SHA1\"\nconsumer_key = \"k\"\nconsumer_secret_env = \"OAUTH1TO2_TEST_UNSET_VARIABLE\"\n", "line 7", "which is not set"),
        ("[[route]]\nprefix = \"/a/\"\nprofile = \"p\"\nupstream = \"http://api.example.com\"\n[route.inbound]\nsignature_method = \"HMAC-SHA1\"\nconsumer_key = \"k\"\n", "line 4", "the bearer token may not travel there"),
        ("[[route]]\nprefix = \"/a/\"\nprofile = \"p\"\n[route.inbound]\nsignature_method = \"RSA-SHA1\"\nconsumer_key = \"k\"\ncertificate = \"missing.cer\"\n", "line 7", "cannot read the certificate"),
        ("[[route]]\nprefix = \"/a/\"\nprofile = \"p\"\nupsteam = \"https://x\"\n", "line 4", "unknown field"),
        ("[state]\nredis = \"http://localhost\"\n", "line 2", "redis:// URL"),
    ];
    for (i, (text, line, message)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&p, text).unwrap();
        let o = bin()
            .env("OAUTH1TO2_HOME", home.path())
            .args(["bridge", "--check", "--config"])
            .arg(&p)
            .finish();
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains(&format!("bad{i}.toml {line}:")) && e.contains(message),
            "{text}\n{e}"
        );
    }
    // A good file whose profile is not there: the route's line and what to do.
    let p = dir.path().join("noprofile.toml");
    std::fs::write(&p, "\n[[route]]\nprefix = \"/a/\"\nprofile = \"nosuch\"\n[route.inbound]\nsignature_method = \"HMAC-SHA1\"\nconsumer_key = \"k\"\nconsumer_secret_env = \"HOME\"\n").unwrap();
    let o = bin()
        .env("OAUTH1TO2_HOME", home.path())
        .args(["bridge", "--check", "--config"])
        .arg(&p)
        .finish();
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("noprofile.toml line 2: profile \"nosuch\""),
        "{}",
        stderr(&o)
    );
}

/// A raw HTTP/1.1 exchange on loopback: the status.
fn raw_status(addr: &str, request: &[u8]) -> u16 {
    let mut s = std::net::TcpStream::connect(addr.strip_prefix("http://").unwrap()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = std::io::Read::read_to_end(&mut s, &mut out);
    String::from_utf8_lossy(&out)
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn limits_hold_and_sigterm_lets_a_request_in_flight_finish() {
    let Some(desk) = Desk::new(0) else { return };
    let Some(python) = python_with("oauthlib") else {
        return;
    };
    connect_cc(&desk);
    let dir = tempfile::tempdir().unwrap();
    let (_, cer) = rsa_pair(dir.path(), "legacy", 2048);
    let conf = config(
        dir.path(),
        &desk.peer.upstream,
        "[limits]\nmax_body_bytes = 4096\nmax_header_bytes = 8192\nmax_connections = 1\nheader_timeout_seconds = 1\n",
        &cer,
    );
    let mut bridge = Bridge::start(&desk, &conf);
    // One connection at a time: while an idle one holds the only slot, the next waits until
    // the idle one's header timeout closes it.
    let idle =
        std::net::TcpStream::connect(bridge.listen.strip_prefix("http://").unwrap()).unwrap();
    let t = Instant::now();
    let status = raw_status(
        &bridge.listen,
        b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 404);
    // A path that would leave its route's prefix once resolved is not forwarded.
    for path in ["/hmac1/../admin", "/hmac1/%2e%2E/admin", "/hmac1/./x"] {
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assert_eq!(raw_status(&bridge.listen, req.as_bytes()), 400, "{path}");
    }
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "served while the only slot was held: {:?}",
        t.elapsed()
    );
    drop(idle);
    let accepted = upstream_stats(&desk)["accepted"].as_u64().unwrap();
    // Headers past the limit: 431, before any check. A body declared past it: 413.
    let big = format!(
        "GET /hmac1/x HTTP/1.1\r\nHost: bridge.test:8080\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    assert_eq!(raw_status(&bridge.listen, big.as_bytes()), 431);
    let body = "GET /hmac1/x HTTP/1.1\r\nHost: bridge.test:8080\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n";
    assert_eq!(raw_status(&bridge.listen, body.as_bytes()), 413);
    // A form body longer than declared limits: refused, not read without end.
    let form = hmac_item(
        "/hmac1/Contacts",
        "POST",
        Some(&"a=b&".repeat(2000)),
        Some("application/x-www-form-urlencoded"),
        &[&bridge.listen],
    );
    let r = client(&python, serde_json::json!({"requests": [form]}));
    assert_eq!(r[0][0]["status"], 413, "{:?}", r);
    assert_eq!(
        upstream_stats(&desk)["accepted"].as_u64().unwrap(),
        accepted,
        "nothing over a limit was forwarded"
    );

    // A request the upstream holds for 1.5 s; SIGTERM while it is in flight.
    let slow = hmac_item(
        "/hmac1/Slow?delay_ms=1500",
        "GET",
        None,
        None,
        &[&bridge.listen],
    );
    let py = python.clone();
    let waiting = std::thread::spawn(move || client(&py, serde_json::json!({"requests": [slow]})));
    let deadline = Instant::now() + Duration::from_secs(30);
    while upstream_stats(&desk)["in_flight"] != 1 {
        assert!(
            Instant::now() < deadline,
            "the slow request never reached the upstream"
        );
    }
    let status = bridge.stop();
    let r = waiting.join().unwrap();
    assert_eq!(
        r[0][0]["status"], 200,
        "the request in flight finished: {r:?}"
    );
    assert!(status.success());
    let log = bridge.log_text();
    assert!(
        log.contains("\"event\":\"stopped\",\"finished_in_flight\":true")
            || log.contains("\"finished_in_flight\":true"),
        "{log}"
    );
    // Stopped: nothing listens any more.
    assert!(std::net::TcpStream::connect(bridge.listen.strip_prefix("http://").unwrap()).is_err());
}

#[test]
fn a_tls_listener_serves_clients_that_signed_its_https_address() {
    let Some(desk) = Desk::new(0) else { return };
    let Some(python) = python_with("oauthlib") else {
        return;
    };
    connect_cc(&desk);
    let dir = tempfile::tempdir().unwrap();
    let (_, cer) = rsa_pair(dir.path(), "legacy", 2048);
    // The peer's server certificate for 127.0.0.1, issued by the test CA.
    let pki = desk.peer.ca_file.parent().unwrap();
    let tls = format!(
        "[tls]\ncertificate = \"{}\"\nkey = \"{}\"\n",
        pki.join("leaf.pem").display(),
        pki.join("leaf.key").display()
    );
    let conf = config(dir.path(), &desk.peer.upstream, &tls, &cer);
    let bridge = Bridge::start(&desk, &conf);
    assert!(
        bridge.listen.starts_with("https://127.0.0.1:"),
        "{}",
        bridge.listen
    );
    let r = client(
        &python,
        serde_json::json!({"ca_file": desk.peer.ca_file, "requests": [direct_item(&bridge.listen, "/direct/Items")]}),
    );
    assert_eq!(upstream_saw(&r[0][0])["path"], "/direct/Items");
    // Signed for http:// but sent over TLS: the scheme is part of what was signed.
    let mut wrong = direct_item(&bridge.listen, "/direct/Items");
    wrong["sign"]["url"] = serde_json::json!(format!(
        "{}/direct/Items",
        bridge.listen.replace("https://", "http://")
    ));
    let r = client(
        &python,
        serde_json::json!({"ca_file": desk.peer.ca_file, "requests": [wrong]}),
    );
    assert_eq!(problem(&r[0][0]), "signature_invalid");

    // The tenant chosen for the profile is the default tenant header.
    let o = desk.run(&["tenants", "use", "-p", "cc", TENANT]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bridge2 = {
        let conf2 = config(dir.path(), &desk.peer.upstream, "", &cer);
        Bridge::start(&desk, &conf2)
    };
    let r = client(
        &python,
        serde_json::json!({"requests": [direct_item(&bridge2.listen, "/direct/Items")]}),
    );
    assert_eq!(upstream_saw(&r[0][0])["tenant"], TENANT);

    // Another bridge on an address in use: exit 3, nothing else happens.
    let taken = dir.path().join("taken.toml");
    let text = std::fs::read_to_string(dir.path().join("bridge.toml"))
        .unwrap()
        .replacen(
            "listen = \"127.0.0.1:0\"",
            &format!(
                "listen = \"{}\"",
                bridge2.listen.trim_start_matches("http://")
            ),
            1,
        );
    std::fs::write(&taken, text).unwrap();
    let o = desk
        .cmd()
        .args(["bridge", "--config"])
        .arg(&taken)
        .env("HMAC_SECRET", HMAC_SECRET)
        .env("TOKEN_SECRET", TOKEN_SECRET)
        .finish();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot listen on"), "{}", stderr(&o));

    // A profile with no tokens: exit 6, and what to do.
    std::fs::remove_file(desk.token_file("cc")).unwrap();
    let o = desk
        .cmd()
        .args(["bridge", "--check", "--config"])
        .arg(&taken)
        .env("HMAC_SECRET", HMAC_SECRET)
        .env("TOKEN_SECRET", TOKEN_SECRET)
        .finish();
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(stderr(&o).contains("connect"), "{}", stderr(&o));
}

#[test]
fn a_redis_that_cannot_be_reached_at_start_stops_the_bridge_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let refused = refused_port();
    let p = dir.path().join("b.toml");
    std::fs::write(&p, format!("[state]\nredis = \"redis://127.0.0.1:{}/\"\n[[route]]\nprefix = \"/a/\"\nprofile = \"p\"\n[route.inbound]\nsignature_method = \"HMAC-SHA1\"\nconsumer_key = \"k\"\nconsumer_secret_env = \"HOME\"\n", refused.port)).unwrap();
    let o = bin()
        .env("OAUTH1TO2_HOME", home.path())
        .args(["bridge", "--config"])
        .arg(&p)
        .finish();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("Redis"), "{}", stderr(&o));
}
