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
    let out = child.wait_with_output().unwrap();
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
