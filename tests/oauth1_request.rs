//! `oauth1to2 oauth1 request` against a real verifier: oauthlib's SignatureOnlyEndpoint behind a
//! small HTTP server on 127.0.0.1 (tests/peers/oauthlib_peer.py serve). Every request must be
//! accepted. Xero's own oauth_problem answers come from a stub path of the same server, in the
//! shape Xero documented.

mod common;
use common::*;
use std::time::Duration;

fn request(args: &[&str]) -> std::process::Output {
    run(bin()
        .args([
            "oauth1",
            "request",
            "--consumer-key",
            "PRIVATEAPPCONSUMERKEY0123456789",
            "--timeout",
            "10",
            "--key",
        ])
        .arg(fixture("keys/privatekey-pkcs1.pem"))
        .args(args))
}

#[test]
fn oauthlib_accepts_300_requests_sent_by_oauth1_request() {
    let Some(python) = python_with("oauthlib.oauth1") else {
        return;
    };
    let server = start_oauthlib_server(&python);
    let base = format!("http://127.0.0.1:{}", server.port);
    let json_body = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(json_body.path(), r#"{"Invoices":[{"Type":"ACCREC"}]}"#).unwrap();
    let paths = [
        "/api.xro/2.0/Invoices",
        "/api.xro/2.0/Contacts/caf%C3%A9",
        "/p/a%20b/(x)!*'@:$,;=",
        "/",
        "/%E2%98%83/snow",
    ];
    let queries = [
        "",
        "?a=1&a=2",
        "?empty=&x=1",
        "?q=a+b&z=%2B",
        "?where=Name%3D%22A%20B%22&order=Name%20DESC",
        "?%C3%A9=%E2%82%AC",
        "?a=%2F%3F%26",
        "?x=1&X=2",
    ];
    // The explicit port of the local server, and an upper-case scheme the signer must lower-case.
    let host_forms = [base.clone(), base.replace("http://", "HTTP://")];
    let mut sent = 0;
    let mut refused = Vec::new();
    for method in ["GET", "POST", "PUT", "DELETE"] {
        for host in &host_forms {
            for p in paths {
                for (qi, q) in queries.iter().enumerate() {
                    let url = format!("{host}{p}{q}");
                    let mut args: Vec<String> = Vec::new();
                    if matches!(method, "POST" | "PUT") {
                        if qi % 2 == 0 {
                            args.extend([
                                "-d".into(),
                                "Name=Acme Ltd+Co".into(),
                                "-d".into(),
                                "tag=a".into(),
                                "-d".into(),
                                "tag=b".into(),
                            ]);
                        } else {
                            args.extend([
                                "--body-file".into(),
                                json_body.path().display().to_string(),
                            ]);
                        }
                    }
                    args.extend([method.to_string(), url.clone()]);
                    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
                    let o = request(&argv);
                    sent += 1;
                    if o.status.code() != Some(0) {
                        refused.push(format!(
                            "{method} {url}: exit {:?} {}",
                            o.status.code(),
                            stderr(&o)
                        ));
                    }
                }
            }
        }
    }
    assert!(sent >= 300, "only {sent} requests");
    // Every request arrived with its own nonce and a current timestamp (serve mode checks both).
    let arrived = server.arrived();
    assert_eq!(arrived.len(), sent);
    let nonces: std::collections::HashSet<&str> = arrived
        .iter()
        .map(|r| r["oauth_nonce"].as_str().unwrap())
        .collect();
    assert_eq!(nonces.len(), sent, "a nonce was sent twice");
    assert_eq!(server.stats()["replays"], 0);
    assert!(
        refused.is_empty(),
        "{} of {sent} refused:\n{}",
        refused.len(),
        refused.join("\n")
    );
}

#[test]
fn xero_oauth_problems_are_explained_and_rate_limits_not_retried() {
    let Some(python) = python_with("oauthlib.oauth1") else {
        return;
    };
    let server = start_oauthlib_server(&python);
    let base = format!("http://127.0.0.1:{}", server.port);
    let o = request(&[
        "GET",
        &format!("{base}/__xero/401/signature_invalid/Failed%20to%20validate%20signature"),
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("error: oauth_problem=signature_invalid (Failed to validate signature)"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("hint: ") && stderr(&o).contains("cert check`, given the key"),
        "{}",
        stderr(&o)
    );
    // A server's advice holding terminal controls (a clipboard write, a fake line) is escaped.
    let o = request(&[
        "GET",
        &format!("{base}/__xero/401/signature_invalid/%1B%5D52%3Bc%3BaGk%3D%07%0AResult%3A%20ok"),
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("(\\1B]52;c;aGk=\\07\\0AResult: ok)"), "{err}");
    let o = request(&[
        "--json",
        "GET",
        &format!("{base}/__xero/401/timestamp_refused/x"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["oauth_problem"]["code"], "timestamp_refused");
    assert!(v["oauth_problem"]["hint"]
        .as_str()
        .unwrap()
        .contains("clock"));
    let o = request(&[
        "GET",
        &format!("{base}/__xero/503/rate%20limit%20exceeded/please%20wait"),
    ]);
    assert_eq!(o.status.code(), Some(5));
    assert!(
        stderr(&o).contains("rate limit was exceeded"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("not retried"), "{}", stderr(&o));
}

#[test]
fn an_unreachable_server_is_a_network_error() {
    // A port nothing listens on, held so that nothing else can take it meanwhile.
    let refusing = refused_port();
    let o = request(&["GET", &format!("http://127.0.0.1:{}/x", refusing.port)]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("could not connect"), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("oauth_signature"),
        "the signature leaked into the error"
    );
}

/// Sends one request over a plain socket, returns the status code.
/// Sends a request as given; the status, and whether the server found its nonce spent already
/// (`None` when the answer says nothing of it).
fn send_raw_verdict(
    port: u16,
    method: &str,
    target: &str,
    auth: &str,
    body: Option<&str>,
) -> (u16, Option<bool>) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = body.unwrap_or("");
    let ct = if body.is_empty() {
        String::new()
    } else {
        "Content-Type: application/x-www-form-urlencoded\r\n".into()
    };
    write!(s, "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {auth}\r\n{ct}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let replay = resp
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str::<serde_json::Value>(b).ok())
        .and_then(|v| v["replay"].as_bool());
    (status, replay)
}

#[test]
fn the_same_requests_with_one_altered_byte_are_refused() {
    let Some(python) = python_with("oauthlib.oauth1") else {
        return;
    };
    let server = start_oauthlib_server(&python);
    let base = format!("http://127.0.0.1:{}", server.port);
    let targets = [
        "/api.xro/2.0/Invoices?a=1&a=2",
        "/api.xro/2.0/Contacts/caf%C3%A9?q=a+b",
        "/p/a%20b/(x)!*'@:$,;=?empty=&x=1",
        "/?where=Name%3D%22A%20B%22",
    ];
    let mut checked = 0;
    for method in ["GET", "POST", "PUT", "DELETE"] {
        for t in targets {
            let form = matches!(method, "POST" | "PUT");
            // Each signing has a fresh nonce, so each tampered copy below is refused for its
            // signature alone, never as a replay of a spent nonce.
            let sign = || {
                let mut cmd = bin();
                cmd.args([
                    "oauth1",
                    "sign",
                    "--consumer-key",
                    "PRIVATEAPPCONSUMERKEY0123456789",
                    "--key",
                ])
                .arg(fixture("keys/privatekey-pkcs1.pem"));
                if form {
                    cmd.args(["-d", "Name=Acme Ltd"]);
                }
                let o = run(cmd.args([method, &format!("{base}{t}")]));
                stdout(&o).trim().to_owned()
            };
            let body = form.then_some("Name=Acme+Ltd");
            // Untouched: accepted (the control that makes the refusals below meaningful).
            let auth = sign();
            assert_eq!(
                send_raw_verdict(server.port, method, t, &auth, body),
                (200, Some(false)),
                "{method} {t}"
            );
            // The same request again is a replay: the server is strict about nonces.
            assert_eq!(
                send_raw_verdict(server.port, method, t, &auth, body),
                (401, Some(true)),
                "replay {method} {t}"
            );
            // One byte altered in the path, in a parameter, in the signature, in the body,
            // each on a request signed afresh: refused, and not as a replay.
            let path_altered = format!("/X{}", &t[1..]);
            let param_altered = if t.contains('=') {
                t.replacen('=', "=9", 1)
            } else {
                format!("{t}?z=1")
            };
            let mut tampered: Vec<(&str, String, String, Option<String>)> = vec![
                ("path", path_altered, sign(), body.map(String::from)),
                ("param", param_altered, sign(), body.map(String::from)),
                (
                    "signature",
                    t.to_owned(),
                    sign().replacen("oauth_signature=\"", "oauth_signature=\"B", 1),
                    body.map(String::from),
                ),
            ];
            if let Some(b) = body {
                tampered.push(("body", t.to_owned(), sign(), Some(b.replace('A', "B"))));
            }
            for (what, target, auth, body) in tampered {
                assert_eq!(
                    send_raw_verdict(server.port, method, &target, &auth, body.as_deref()),
                    (401, Some(false)),
                    "{what} {method} {t}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 16);
}
