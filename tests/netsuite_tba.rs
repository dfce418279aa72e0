//! NetSuite Token-Based Authentication (OAuth 1.0 with HMAC-SHA256 and a realm) against Python
//! oauthlib (tests/peers/oauthlib_peer.py), both ways: 200 requests of the shapes NetSuite
//! serves (REST records and RESTlets, production and sandbox accounts, queries and bodies),
//! each signed by one side and checked by the other, plus a tampered copy of each.

mod common;
use common::*;
use std::io::Write;
use std::process::{Command, Stdio};

const CK: &str = "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4";
const TOKEN: &str = "2c8c5eb8b4f4ee3c2a83b1e2ba9a8bd92b7b1fdea0bfd5d3f0c1d2e3f4a5b6c7";
const CS: &str = "d1f5a9b3c7e2048a6f1b3d5e7f9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a";
const TS: &str = "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b";

/// One request NetSuite might see.
struct Spec {
    account: &'static str,
    method: &'static str,
    url: String,
}

/// 200 requests, from a fixed seed: REST record reads and writes with queries, and RESTlet
/// calls with script, deploy and custom parameters (reserved and non-ASCII characters too).
fn specs() -> Vec<Spec> {
    let mut seed: u64 = 0x5eed_2027;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let accounts = [
        ("1234567", "1234567"),
        ("1234567_SB1", "1234567-sb1"),
        ("TSTDRV2", "tstdrv2"),
    ];
    let records = [
        "customer",
        "salesorder",
        "invoice",
        "employee",
        "customrecord_acme_sync",
    ];
    let queries = [
        "",
        "?limit=10&offset=20",
        "?q=companyName%20IS%20%22Acme%20Ltd%22",
        "?fields=id,entityid&expandSubResources=true",
        "?q=email%20START_WITH%20caf%C3%A9",
    ];
    let customs = [
        "",
        "&customParam=someValue",
        "&name=A%2BB%20C",
        "&when=2026-12-01T10%3A00%3A00Z",
    ];
    let mut out = Vec::new();
    for i in 0..200 {
        let (account, host) = accounts[next(3) as usize];
        if i % 2 == 0 {
            let method = ["GET", "POST", "PATCH", "DELETE"][next(4) as usize];
            let id = if method == "POST" {
                String::new()
            } else {
                format!("/{}", 100 + next(90_000))
            };
            out.push(Spec {
                account,
                method,
                url: format!(
                    "https://{host}.suitetalk.api.netsuite.com/services/rest/record/v1/{}{id}{}",
                    records[next(5) as usize],
                    queries[next(5) as usize]
                ),
            });
        } else {
            out.push(Spec {
                account,
                method: ["GET", "POST", "PUT", "DELETE"][next(4) as usize],
                url: format!(
                    "https://{host}.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script={}&deploy={}{}",
                    next(2000) + 1,
                    next(9) + 1,
                    customs[next(4) as usize]
                ),
            });
        }
    }
    out
}

fn peer(python: &std::path::Path, args: &[&str], lines: &[String]) -> Vec<String> {
    let mut child = Command::new(python)
        .arg(root().join("tests/peers/oauthlib_peer.py"))
        .args(args)
        .env("OAUTHLIB_CONSUMER_SECRET", CS)
        .env("OAUTHLIB_TOKEN_SECRET", TS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        for l in lines {
            writeln!(stdin, "{l}").unwrap();
        }
    }
    let out = finish_child(child, "a child the test fed", COMMAND_LIMIT);
    assert!(out.status.success(), "oauthlib failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn sign(s: &Spec) -> String {
    let o = run(bin()
        .args(["oauth1", "sign", "--as", "netsuite", "--account", s.account])
        .args(["--consumer-key", CK, "--token", TOKEN])
        .args([
            "--consumer-secret-env",
            "NS_CS",
            "--token-secret-env",
            "NS_TS",
        ])
        .env("NS_CS", CS)
        .env("NS_TS", TS)
        .args([s.method, s.url.as_str()]));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{} {}: {}",
        s.method,
        s.url,
        stderr(&o)
    );
    stdout(&o).trim().to_owned()
}

#[test]
fn oauthlib_accepts_netsuite_tba_signatures_and_refuses_tampered_ones() {
    let Some(python) = python_with("oauthlib.oauth1") else {
        return;
    };
    let specs = specs();
    assert_eq!(specs.len(), 200);
    let mut good = Vec::new();
    let mut tampered = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let auth = sign(s);
        assert!(auth.starts_with(&format!(
            "OAuth realm=\"{}\", ",
            s.account.to_ascii_uppercase()
        )));
        assert!(
            auth.contains("oauth_signature_method=\"HMAC-SHA256\""),
            "{auth}"
        );
        let req = serde_json::json!({"method": s.method, "url": s.url, "headers": {"Authorization": auth}});
        good.push(req.to_string());
        let mut t = req;
        match i % 3 {
            0 => {
                t["headers"]["Authorization"] = auth
                    .replacen("oauth_signature=\"", "oauth_signature=\"A", 1)
                    .into()
            }
            1 => {
                t["url"] = s
                    .url
                    .replacen("/services/rest/", "/services/rest/x", 1)
                    .replacen("hosting/restlet.nl", "hosting/restlet.nl2", 1)
                    .into()
            }
            _ => {
                t["headers"]["Authorization"] =
                    auth.replacen(TOKEN, &TOKEN.replace('2', "3"), 1).into()
            }
        }
        tampered.push(t.to_string());
    }
    let verdicts = peer(&python, &["verify-hmac"], &good);
    assert_eq!(verdicts.len(), good.len());
    let refused: Vec<_> = specs
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| *v != "true")
        .map(|(s, _)| format!("{} {}", s.method, s.url))
        .collect();
    assert!(refused.is_empty(), "oauthlib refused: {refused:?}");
    let verdicts = peer(&python, &["verify-hmac"], &tampered);
    assert_eq!(verdicts.len(), tampered.len());
    assert!(
        verdicts.iter().all(|v| v == "false"),
        "oauthlib accepted a tampered request"
    );
}

/// A HAR with one entry per request: method, URL and Authorization header.
fn har(requests: &[(String, String, String)]) -> String {
    let entries: Vec<serde_json::Value> = requests
        .iter()
        .map(|(m, u, a)| {
            serde_json::json!({"request": {"method": m, "url": u, "headers": [{"name": "Authorization", "value": a}]}, "response": {"status": 200}})
        })
        .collect();
    serde_json::json!({"log": {"version": "1.2", "entries": entries}}).to_string()
}

/// `oauth1 verify --json` on a HAR of `requests`: its exit code and its reports.
fn verify_har_run(requests: &[(String, String, String)]) -> (Option<i32>, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tba.har");
    std::fs::write(&file, har(requests)).unwrap();
    let o = run(bin()
        .args([
            "oauth1",
            "verify",
            "--json",
            "--max-skew",
            "100000000000",
            "--har",
        ])
        .arg(&file)
        .args([
            "--consumer-secret-env",
            "NS_CS",
            "--token-secret-env",
            "NS_TS",
        ])
        .env("NS_CS", CS)
        .env("NS_TS", TS));
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    (o.status.code(), v.as_array().unwrap().clone())
}

fn verify_har(requests: &[(String, String, String)]) -> Vec<serde_json::Value> {
    verify_har_run(requests).1
}

#[test]
fn we_accept_what_oauthlib_signs_for_netsuite_and_name_each_mistake() {
    let Some(python) = python_with("oauthlib.oauth1") else {
        return;
    };
    let specs = specs();
    for (realm, method) in [
        ("1234567_SB1", "HMAC-SHA256"),
        ("1234567_SB1", "HMAC-SHA512"),
    ] {
        let lines: Vec<String> = specs
            .iter()
            .map(|s| serde_json::json!({"method": s.method, "url": s.url}).to_string())
            .collect();
        let signed = peer(&python, &["sign-hmac", CK, TOKEN, realm, method], &lines);
        assert_eq!(signed.len(), 200);
        let mut good = Vec::new();
        let mut bad = Vec::new();
        for (i, l) in signed.iter().enumerate() {
            let r: serde_json::Value = serde_json::from_str(l).unwrap();
            let (m, u, a) = (
                r["method"].as_str().unwrap().to_owned(),
                r["url"].as_str().unwrap().to_owned(),
                r["authorization"].as_str().unwrap().to_owned(),
            );
            assert!(a.contains(&format!("realm=\"{realm}\"")), "{a}");
            let tampered = if i % 2 == 0 {
                a.replacen("oauth_nonce=\"", "oauth_nonce=\"x", 1)
            } else {
                a.replacen(TOKEN, &TOKEN.replace('c', "d"), 1)
            };
            bad.push((m.clone(), u.clone(), tampered));
            good.push((m, u, a));
        }
        let verdicts = verify_har(&good);
        assert_eq!(verdicts.len(), 200);
        let invalid: Vec<_> = verdicts
            .iter()
            .filter(|v| v["valid"] != true)
            .map(|v| v["request"].to_string())
            .collect();
        assert!(invalid.is_empty(), "{method}: we refused {invalid:?}");
        let verdicts = verify_har(&bad);
        assert_eq!(verdicts.len(), 200);
        assert!(verdicts.iter().all(|v| v["valid"] == false), "{method}");
        // Nothing reproduces a tampered request: the secrets are named first among the causes.
        for v in &verdicts {
            assert_eq!(v["outcome"], "no_match", "{method}");
            assert!(v["likely_causes"][0].as_str().unwrap().contains("secret"));
        }
    }

    // Three mistakes a NetSuite client makes, each signed by oauthlib's own functions: each is
    // named.
    let lines: Vec<String> = specs[..30]
        .iter()
        .map(|s| serde_json::json!({"method": s.method, "url": s.url}).to_string())
        .collect();
    let made = peer(&python, &["mistakes", CK, TOKEN, "1234567_SB1"], &lines);
    for (kind, expect) in [
        ("realm_in_base", "put realm into the base string"),
        (
            "sha1_digest",
            "computed HMAC-SHA1 while declaring HMAC-SHA256",
        ),
        ("no_token_secret", "left the token secret out of the key"),
    ] {
        let requests: Vec<(String, String, String)> = specs[..30]
            .iter()
            .zip(&made)
            .map(|(s, l)| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    s.method.to_owned(),
                    s.url.clone(),
                    v[kind].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for v in verify_har(&requests) {
            assert_eq!(v["valid"], false, "{kind}");
            assert!(
                v["cause"].as_str().is_some_and(|c| c.contains(expect)),
                "{kind}: {}",
                v["cause"]
            );
        }
    }
}

#[test]
fn generic_hmac_sha512_signs_too_and_a_mismatched_account_is_refused() {
    let Some(python) = python_with("oauthlib.oauth1") else {
        return;
    };
    let lines: Vec<String> = specs()[..20]
        .iter()
        .map(|s| {
            let o = run(bin()
                .args(["oauth1", "sign", "--as", "generic", "--signature-method", "HMAC-SHA512"])
                .args(["--consumer-key", CK, "--token", TOKEN, "--realm", "1234567"])
                .args(["--consumer-secret-env", "NS_CS", "--token-secret-env", "NS_TS"])
                .env("NS_CS", CS)
                .env("NS_TS", TS)
                .args([s.method, s.url.as_str()]));
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            let auth = stdout(&o).trim().to_owned();
            assert!(auth.contains("oauth_signature_method=\"HMAC-SHA512\""));
            serde_json::json!({"method": s.method, "url": s.url, "headers": {"Authorization": auth}})
                .to_string()
        })
        .collect();
    let verdicts = peer(&python, &["verify-hmac"], &lines);
    assert_eq!(verdicts.len(), lines.len());
    assert!(
        !verdicts.is_empty() && verdicts.iter().all(|v| v == "true"),
        "{verdicts:?}"
    );
    // A realm for one account and a URL for another: refused before anything is signed.
    let o = run(bin()
        .args(["oauth1", "sign", "--as", "netsuite", "--account", "1234567"])
        .args([
            "--consumer-key",
            CK,
            "--token",
            TOKEN,
            "--consumer-secret-env",
            "NS_CS",
        ])
        .env("NS_CS", CS)
        .args([
            "GET",
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/customer",
        ]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("1234567-sb1") || stderr(&o).contains("not the one the URL names"));
    // HMAC-SHA1 with --as netsuite: refused, with why.
    let o = run(bin()
        .args(["oauth1", "sign", "--as", "netsuite", "--account", "1234567", "--signature-method", "HMAC-SHA1"])
        .args(["--consumer-key", CK, "--token", TOKEN, "--consumer-secret-env", "NS_CS"])
        .env("NS_CS", CS)
        .args(["GET", "https://1234567.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=1&deploy=1"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("2023.1"), "{}", stderr(&o));
}

/// `oauth1 request --as netsuite` against a stub of NetSuite's REST record API and a RESTlet
/// that verifies every TBA signature with oauthlib and answers in NetSuite's documented shapes:
/// good requests get the record, refused ones get NetSuite's error explained.
#[test]
fn oauth1_request_as_netsuite_is_verified_by_oauthlib_and_its_errors_are_explained() {
    let Some(python) = python_with("oauthlib") else {
        return;
    };
    let stub = start_netsuite_stub(&python, "1234567_SB1", CS, TS);
    let base = format!("http://127.0.0.1:{}", stub.port);
    let request = |account: &str, token_secret: &str, url: &str, json: bool| {
        let mut cmd = bin();
        cmd.args([
            "oauth1",
            "request",
            "--as",
            "netsuite",
            "--account",
            account,
        ])
        .args(["--consumer-key", CK, "--token", TOKEN])
        .args([
            "--consumer-secret-env",
            "NS_CS",
            "--token-secret-env",
            "NS_TS",
        ])
        .env("NS_CS", CS)
        .env("NS_TS", token_secret);
        if json {
            cmd.arg("--json");
        }
        run(cmd.args(["GET", url]))
    };
    let record = format!("{base}/services/rest/record/v1/customer/107");
    let restlet = format!("{base}/app/site/hosting/restlet.nl?script=6&deploy=1");

    // Accepted: the record, and the RESTlet's answer.
    let o = request("1234567-sb1", TS, &record, false);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Maple Florist"), "{}", stdout(&o));
    let o = request("1234567_SB1", TS, &restlet, false);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(r#""script": "6""#), "{}", stdout(&o));

    // A wrong token secret: NetSuite says only INVALID_LOGIN; the hint says where the reason is.
    let o = request("1234567_SB1", "not-the-token-secret", &record, false);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("error: NetSuite answered INVALID_LOGIN (Invalid login attempt."),
        "{err}"
    );
    assert!(
        err.contains("Login Audit Trail") && err.contains("oauth1 verify"),
        "{err}"
    );
    assert!(
        !err.contains("not-the-token-secret") && !err.contains(CS),
        "{err}"
    );
    // The same from a RESTlet, in its own shape, and as JSON.
    let o = request("1234567_SB1", "not-the-token-secret", &restlet, true);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], 401);
    assert_eq!(v["service_error"]["service"], "NetSuite");
    assert_eq!(v["service_error"]["code"], "INVALID_LOGIN_ATTEMPT");
    assert!(v["service_error"]["hint"]
        .as_str()
        .unwrap()
        .contains("Login Audit Trail"));
    // A realm for another account: the signature is right, the login is not.
    let o = request("7654321", TS, &record, false);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    // A role without the permission, and a record that does not exist.
    let o = request(
        "1234567_SB1",
        TS,
        &format!("{base}/services/rest/record/v1/employee/107"),
        false,
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("INSUFFICIENT_PERMISSION") && stderr(&o).contains("role"),
        "{}",
        stderr(&o)
    );
    let o = request(
        "1234567_SB1",
        TS,
        &format!("{base}/services/rest/record/v1/customer/9"),
        false,
    );
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(stderr(&o).contains("NONEXISTENT_ID"), "{}", stderr(&o));

    // What the stub saw: every request signed HMAC-SHA256 with the account's realm, and the
    // reasons NetSuite would have logged.
    let arrived = stub.arrived();
    let logins: Vec<&str> = arrived
        .iter()
        .map(|a| a["login"].as_str().unwrap())
        .collect();
    assert_eq!(
        logins,
        [
            "Success",
            "Success",
            "InvalidSignature",
            "InvalidSignature",
            "InvalidRealm",
            "Success",
            "Success"
        ]
    );
    assert_eq!(arrived.len(), 7);
    assert!(arrived
        .iter()
        .all(|a| a["signature_method"] == "HMAC-SHA256"));
    assert_eq!(arrived[4]["realm"], "7654321");
}

/// Realm is not in the base string, so a wrong one leaves the signature valid; `oauth1 verify`
/// still says NetSuite would refuse it, and exits 1.
#[test]
fn verify_names_a_realm_netsuite_would_refuse_though_the_signature_is_valid() {
    let spec = Spec {
        account: "1234567_SB1",
        method: "GET",
        url: "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/customer/107"
            .into(),
    };
    let header = sign(&spec);
    let header = header.trim_start_matches("Authorization: ").to_owned();
    assert!(header.contains(r#"realm="1234567_SB1""#), "{header}");
    let cases = [
        (header.clone(), None),
        (
            header.replace(r#"realm="1234567_SB1""#, r#"realm="1234567_sb1""#),
            Some("not in upper case"),
        ),
        (
            header.replace(r#"realm="1234567_SB1""#, r#"realm="1234567""#),
            Some("names another account than the host"),
        ),
        (
            header.replace(r#"realm="1234567_SB1", "#, ""),
            Some("there is no realm"),
        ),
    ];
    for (authorization, says) in cases {
        let (code, v) =
            verify_har_run(&[(spec.method.into(), spec.url.clone(), authorization.clone())]);
        assert_eq!(v[0]["valid"], true, "{authorization}: {v:?}");
        match says {
            None => {
                assert_eq!(code, Some(0), "{v:?}");
                assert_eq!(v[0]["refused_anyway"], serde_json::json!([]));
            }
            Some(text) => {
                assert_eq!(code, Some(1), "{authorization}: {v:?}");
                let w = v[0]["warnings"][0].as_str().unwrap();
                assert!(w.contains(text) && w.contains(r#""1234567_SB1""#), "{w}");
            }
        }
    }
}
