//! Regression tests for the second outside review (issue 18): a token stays with its provider,
//! pasted steps cannot run code, text from servers and inventories is escaped where it goes,
//! and hostile input costs linear time and bounded memory. None needs a network or a peer; the
//! peer-backed parts are in tests/oauth2_peers.rs and tests/migrate_peers.rs.

mod common;

use common::*;

fn both(o: &std::process::Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

#[test]
fn a_stand_in_api_needs_an_issuer_and_an_api_base() {
    let home = tempfile::tempdir().unwrap();
    for extra in [
        &["--api", "xero"][..],
        &["--api", "xero", "--issuer", "https://login.example.com"][..],
        &["--api", "xero", "--api-base", "https://api.example.com"][..],
    ] {
        let o = run(bin()
            .env("OAUTH1TO2_HOME", home.path())
            .args([
                "connect",
                "-p",
                "x",
                "--client-id",
                "ABC",
                "--scopes",
                "openid",
            ])
            .args(extra));
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", both(&o));
        assert!(stderr(&o).contains("--api"), "{}", stderr(&o));
    }
    assert!(!home.path().join("config.toml").exists());
}

/// The commands in a checklist line (after `oauth1to2 `), cut where the shell word ends: an
/// unquoted ` (`, ` ...`, `)`, `;`, `.` at the end, or a backquote.
fn commands_in(report: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in report.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("oauth1to2 ") {
            let tail = &rest[at..];
            let (mut quoted, mut end) = (false, tail.len());
            let b = tail.as_bytes();
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b'\\' if !quoted => i += 1,
                    b'\'' => quoted = !quoted,
                    b'`' | b';' | b')' if !quoted => {
                        end = i;
                        break;
                    }
                    b' ' if !quoted && matches!(b.get(i + 1), Some(b'(' | b'.')) => {
                        end = i;
                        break;
                    }
                    b'.' if !quoted && matches!(b.get(i + 1), None | Some(b' ')) => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            out.push(tail[..end].to_owned());
            rest = &tail[end..];
            if rest.len() == tail.len() {
                break;
            }
        }
    }
    out
}

/// Runs each pasted command in sh with `oauth1to2` a function that prints its arguments, one a
/// line; returns every argument seen. Fails if a command made a file.
fn paste_into_shell(dir: &std::path::Path, commands: &[String]) -> Vec<String> {
    let mut args = Vec::new();
    for c in commands {
        let script =
            format!("oauth1to2() {{ for a in \"$@\"; do printf '%s\\n' \"$a\"; done; }}\n{c}\n");
        let o = run(std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .current_dir(dir));
        assert!(o.status.success(), "{c}: {}", stderr(&o));
        args.extend(stdout(&o).lines().map(String::from));
    }
    let made: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("PWNED"))
        .collect();
    assert!(
        made.is_empty(),
        "a pasted step ran code: {made:?} from {commands:#?}"
    );
    args
}

#[test]
fn checklist_commands_keep_hostile_names_as_one_word() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let name = "Harbour'$(touch PWNED1)'`touch PWNED2`";
    let record = "x'$(touch${IFS}PWNED3)'";
    std::fs::write(
        d.join("ns.toml"),
        format!(
            "name = {name:?}\nprovider = \"netsuite\"\napp_type = \"tba\"\norganisation = \"$(touch PWNED4)\"\n\
             account = \"1234567_SB1\"\nconsumer_key = \"ck\"\nconsumer_secret = {{ env = \"CS\" }}\n\
             token_id = \"tok\"\ntoken_secret = {{ env = \"TS\" }}\nsignature_method = \"HMAC-SHA256\"\n\
             [endpoints]\nhar = \"t.har\"\n"
        ),
    )
    .unwrap();
    let har = serde_json::json!({"log": {"entries": [{"request": {
        "method": "GET",
        "url": format!("https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/{record}/1"),
        "headers": [], "queryString": []}, "response": {"status": 200}}]}});
    std::fs::write(d.join("t.har"), har.to_string()).unwrap();
    let org = "Maple \"$(touch PWNED5)\" Florist's";
    std::fs::write(
        d.join("xero.toml"),
        format!(
            "name = {name:?}\napp_type = \"private\"\norganisation = {org:?}\nregion = \"NZ\"\n\
             consumer_key = \"CK\"\n[endpoints]\ncalls = [\"GET Contacts\"]\n[target]\nkind = \"web\"\n"
        ),
    )
    .unwrap();
    let mut seen = Vec::new();
    for inv in ["ns.toml", "xero.toml"] {
        let o = run(bin().arg("audit").arg(d.join(inv)).current_dir(d));
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", both(&o));
        let commands = commands_in(&stdout(&o));
        assert!(commands.len() >= 3, "{inv}: {commands:#?}\n{}", stdout(&o));
        seen.extend(paste_into_shell(d, &commands));
    }
    // The hostile values arrive whole, as the arguments they were meant to be.
    for want in [
        name.to_owned(),
        format!("/record/v1/{record}?limit=1"),
        org.to_owned(),
    ] {
        assert!(seen.contains(&want), "{want:?} not among {seen:#?}");
    }
}

#[test]
fn a_tenant_id_is_escaped_wherever_it_is_shown() {
    let home = tempfile::tempdir().unwrap();
    let hostile = "70784a63\u{1b}]0;owned\u{7}\u{1b}[2J";
    let config = "[profiles.acme]\nclient_id = \"ABC\"\nscopes = [\"openid\"]\n\
                  tenant_id = \"70784a63\\u001B]0;owned\\u0007\\u001B[2J\"\n";
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    let show = |args: &[&str]| {
        let o = run(bin().env("OAUTH1TO2_HOME", home.path()).args(args));
        assert!(o.status.success(), "{args:?}: {}", both(&o));
        let out = both(&o);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{args:?}: {out:?}"
        );
        assert!(out.contains("70784a63\\1B]0;owned\\07"), "{args:?}: {out}");
    };
    show(&["profile", "show", "acme"]);
    show(&["export", "-p", "acme", "--format", "oomnitza"]);
    // The env export quotes it for the shell instead (nothing in quotes is run).
    let o = run(bin()
        .env("OAUTH1TO2_HOME", home.path())
        .args(["export", "-p", "acme", "--format", "env"]));
    assert!(
        stdout(&o).contains(&format!("export XERO_TENANT_ID='{hostile}'")),
        "{}",
        both(&o)
    );
}

#[test]
fn the_html_report_escapes_control_characters_for_a_terminal_too() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("acme.toml");
    std::fs::write(
        &inv,
        "name = \"Acme\\u001B]52;c;cm0gLXJmIH4K\\u0007\\u001B[2J <b>\"\napp_type = \"private\"\n\
         region = \"NZ\"\nconsumer_key = \"CK\"\n[endpoints]\ncalls = [\"GET Contacts\"]\n",
    )
    .unwrap();
    for format in ["html", "markdown", "text"] {
        let o = run(bin().args(["audit", "--format", format]).arg(&inv));
        let out = stdout(&o);
        assert!(out.contains("Acme"), "{format}: {}", both(&o));
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{format}: {out:?}"
        );
        let shown = match format {
            "markdown" => "\\1B\\]52;c;cm0gLXJmIH4K\\07",
            _ => "\\1B]52;c;cm0gLXJmIH4K\\07",
        };
        assert!(out.contains(shown), "{format}: {out}");
        if format == "html" {
            assert!(out.contains("&lt;b&gt;") && !out.contains("<b>"), "{out}");
        }
    }
}

/// Runs the binary with its address space capped at `mib` MiB (`ulimit -v`), so a reader that
/// holds a hostile input whole, many times over, fails instead of passing.
fn run_capped(mib: u64, args: &[&str]) -> std::process::Output {
    let line = std::iter::once(env!("CARGO_BIN_EXE_oauth1to2"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ");
    run(std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {}; exec {line}", mib * 1024)))
}

#[test]
fn millions_of_parameters_are_refused_by_count_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw.txt");
    let auth = "OAuth oauth_consumer_key=\"k\", oauth_signature_method=\"RSA-SHA1\", oauth_signature=\"YQ%3D%3D\", oauth_nonce=\"n\", oauth_timestamp=\"1\", oauth_token=\"k\"";
    // 14 MB, under the 16 MiB input cap: 3.5 million form parameters.
    std::fs::write(
        &raw,
        format!(
            "POST /api.xro/2.0/Contacts HTTP/1.1\r\nHost: api.xero.com\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {auth}\r\n\r\n{}",
            "a=1&".repeat(3_500_000)
        ),
    )
    .unwrap();
    let cert = fixture("keys/publickey.cer");
    let cert = cert.to_str().unwrap();
    let t = std::time::Instant::now();
    let o = run_capped(
        300,
        &[
            "oauth1",
            "verify",
            "--cert",
            cert,
            "--raw",
            raw.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(
        stderr(&o).contains("the form body has 3500000 parameters; oauth1to2 reads at most 10000"),
        "{}",
        stderr(&o)
    );
    assert!(
        t.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        t.elapsed()
    );
    // The same in the query and in the header.
    let url = format!(
        "https://api.xero.com/api.xro/2.0/Contacts?{}",
        "a=1&".repeat(20_000)
    );
    let o = run_capped(
        300,
        &[
            "oauth1",
            "verify",
            "--cert",
            cert,
            "GET",
            &url,
            "--authorization",
            auth,
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(
        stderr(&o).contains("the query has 20000 parameters"),
        "{}",
        stderr(&o)
    );
    let header = format!("{auth}{}", ", a=\"1\"".repeat(11_000));
    let o = run_capped(
        300,
        &[
            "oauth1",
            "verify",
            "--cert",
            cert,
            "GET",
            "https://api.xero.com/",
            "--authorization",
            &header,
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(
        stderr(&o).contains("Authorization header has 11006 parameters"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_har_of_many_large_entries_is_read_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let har = dir.path().join("big.har");
    // 40 MB: 40,000 API calls, each with a 1 KB response body the reader never needs.
    let body = "x".repeat(1000);
    let entries: Vec<String> = (0..40_000)
        .map(|i| format!(
            r#"{{"request":{{"method":"GET","url":"https://api.xero.com/api.xro/2.0/Invoices?page={i}","headers":[{{"name":"Accept","value":"application/json"}}]}},"response":{{"status":200,"content":{{"text":"{body}"}}}}}}"#
        ))
        .collect();
    std::fs::write(
        &har,
        format!(r#"{{"log":{{"entries":[{}]}}}}"#, entries.join(",")),
    )
    .unwrap();
    // Parsed whole into JSON values, this took over 300 MB; typed, it takes the file and little more.
    let o = run_capped(
        250,
        &[
            "scopes",
            "plan",
            "--from-har",
            har.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", both(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["plan"]["scopes"][1]["scope"], "accounting.invoices.read",
        "{v}"
    );
    // Past the entry cap, it is refused while reading, with what to do.
    let many = format!(r#"{{"log":{{"entries":[{}{{}}]}}}}"#, "{},".repeat(200_000));
    std::fs::write(&har, many).unwrap();
    let o = run_capped(
        250,
        &["scopes", "plan", "--from-har", har.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(
        stderr(&o).contains("more than 200000 entries"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn audit_of_a_folder_with_link_loops_and_a_fifo_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("client");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::copy(
        fixture("opmetrix/integration.toml"),
        d.join("sub/opmetrix.toml"),
    )
    .unwrap();
    std::fs::copy(
        fixture("opmetrix/publickey.cer"),
        d.join("sub/publickey.cer"),
    )
    .unwrap();
    std::os::unix::fs::symlink("..", d.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("../client", d.join("again")).unwrap();
    let fifo = d.join("pipe.toml");
    assert!(run(std::process::Command::new("mkfifo").arg(&fifo))
        .status
        .success());
    let o = run(bin()
        .args(["audit", "--json", "--at", "2026-12-01"])
        .arg(&d));
    // 1: the Opmetrix certificate has error findings (a 1024-bit key).
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    let err = stderr(&o);
    assert!(err.contains("pipe.toml: not a regular file"), "{err}");
    assert!(
        err.contains("again: a link to a folder (not followed)"),
        "{err}"
    );
    // Named on its own, the FIFO is refused at once instead of waited on.
    let o = run(bin().arg("audit").arg(&fifo));
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
}

#[test]
fn secret_password_ca_and_token_files_are_read_up_to_a_cap() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_str().unwrap();
    let pfx = fixture("keys/public_privatekey.pfx");
    let key = fixture("keys/privatekey-pkcs8.pem");
    let cases: Vec<Vec<String>> = vec![
        vec![
            "cert".into(),
            "inspect".into(),
            pfx.display().to_string(),
            "--pfx-password-file".into(),
            "/dev/zero".into(),
        ],
        vec![
            "oauth1".into(),
            "sign".into(),
            "--as".into(),
            "generic".into(),
            "--consumer-key".into(),
            "ck".into(),
            "--signature-method".into(),
            "HMAC-SHA1".into(),
            "--consumer-secret-file".into(),
            "/dev/zero".into(),
            "GET".into(),
            "https://api.xero.com/".into(),
        ],
        vec![
            "oauth1".into(),
            "renew".into(),
            "--consumer-key".into(),
            "ck".into(),
            "--key".into(),
            key.display().to_string(),
            "--token-file".into(),
            "/dev/zero".into(),
        ],
        vec![
            "connect".into(),
            "-p".into(),
            "x".into(),
            "--client-id".into(),
            "ABC".into(),
            "--scopes".into(),
            "openid".into(),
            "--issuer".into(),
            "https://login.example.com".into(),
            "--ca-file".into(),
            "/dev/zero".into(),
            "--timeout".into(),
            "5".into(),
        ],
    ];
    for args in cases {
        let mut all = vec![
            "env".to_owned(),
            format!("OAUTH1TO2_HOME={h}"),
            env!("CARGO_BIN_EXE_oauth1to2").into(),
        ];
        all.extend(args.iter().cloned());
        let line = all
            .iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ");
        let t = std::time::Instant::now();
        let o = run(std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -v {}; exec {line} </dev/null", 300 * 1024)));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", both(&o));
        let err = stderr(&o);
        assert!(
            err.contains("/dev/zero") && err.contains("larger than"),
            "{args:?}: {err}"
        );
        assert!(t.elapsed() < std::time::Duration::from_secs(20), "{args:?}");
    }
}

/// A loopback HTTP server on a free port that answers every request with the JSON `body` makes
/// of its own base URL, and keeps every request it got.
fn json_server(
    body: impl Fn(&str) -> String,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", l.local_addr().unwrap().port());
    let body = body(&base);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let mut s = s;
            let _ = s.set_read_timeout(Some(std::time::Duration::from_millis(500)));
            let mut got = Vec::new();
            let mut buf = [0u8; 8192];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got);
                if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if rest.len() >= length {
                        break;
                    }
                }
            }
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&got).into_owned());
            let _ = s.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    (base, seen)
}

#[test]
fn a_discovery_document_naming_a_plain_http_endpoint_exits_2() {
    let home = tempfile::tempdir().unwrap();
    // The issuer is loopback (allowed); the token endpoint it names is not.
    let (issuer, _) = json_server(|issuer| {
        serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/auth"),
            "token_endpoint": "http://idp.example.com/token",
        })
        .to_string()
    });
    let o = run(bin()
        .env("OAUTH1TO2_HOME", home.path())
        .env("SECRET_VAR", "s3cret-value-123")
        .args([
            "connect",
            "-p",
            "x",
            "--client-id",
            "ABC",
            "--scopes",
            "openid",
        ])
        .args([
            "--grant",
            "client-credentials",
            "--client-secret-env",
            "SECRET_VAR",
        ])
        .args(["--issuer", &issuer]));
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    let err = stderr(&o);
    assert!(
        err.contains("the token endpoint http://idp.example.com/token is refused"),
        "{err}"
    );
    assert!(!both(&o).contains("s3cret-value-123"));
}

#[test]
fn token_revoke_accepts_a_loopback_http_revocation_endpoint() {
    let home = tempfile::tempdir().unwrap();
    let (issuer, seen) = json_server(|issuer| {
        serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/auth"),
            "token_endpoint": format!("{issuer}/token"),
            "revocation_endpoint": format!("{issuer}/revoke"),
        })
        .to_string()
    });
    std::fs::write(
        home.path().join("config.toml"),
        format!("[profiles.x]\nprovider = \"oidc\"\nissuer = \"{issuer}\"\nclient_id = \"ABC\"\nscopes = [\"openid\", \"offline_access\"]\n"),
    )
    .unwrap();
    let tokens = home.path().join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    std::fs::write(
        tokens.join("x.json"),
        r#"{"token_type":"bearer","access_token":"at-1234567890","refresh_token":"rt-1234567890","obtained_at":1}"#,
    )
    .unwrap();
    let o = run(bin()
        .env("OAUTH1TO2_HOME", home.path())
        .args(["token", "revoke", "-p", "x"]));
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let requests = seen.lock().unwrap().clone();
    let revoke = requests
        .iter()
        .find(|r| r.starts_with("POST /revoke "))
        .unwrap_or_else(|| panic!("no revocation request: {requests:#?}"));
    assert!(
        revoke.contains("token=rt-1234567890&token_type_hint=refresh_token&client_id=ABC"),
        "{revoke}"
    );
    assert!(!tokens.join("x.json").exists());
}

#[test]
fn an_unusable_har_gets_a_hint_that_says_what_to_do_wherever_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("cut.har"), r#"{"log": {"entries": [{"request": {"#).unwrap();
    std::fs::write(d.join("not.har"), r#"{"some": "json"}"#).unwrap();
    std::fs::write(
        d.join("ns.toml"),
        "name = \"x\"\nprovider = \"netsuite\"\napp_type = \"tba\"\naccount = \"1234567\"\n[endpoints]\nhar = \"cut.har\"\n",
    )
    .unwrap();
    let cert = fixture("keys/publickey.cer");
    let cert = cert.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["scopes", "plan", "--from-har", "cut.har"],
            "hint: export the HAR again",
        ),
        (
            &["scopes", "plan", "--from-har", "not.har"],
            "hint: this is JSON but not a HAR export",
        ),
        (&["audit", "ns.toml"], "hint: export the HAR again"),
        (
            &["oauth1", "verify", "--har", "not.har", "--cert", cert],
            "the HAR file has no log.entries",
        ),
    ];
    for (args, want) in cases {
        let o = run(bin().args(args).current_dir(d));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", both(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn a_missing_or_misplaced_subcommand_is_an_error_with_a_hint() {
    let cases: [(&[&str], &str, &str); 7] = [
        (
            &["cert", "inspect", "--format", "json", "x.cer"],
            "error: unexpected argument '--format' found",
            "hint: this command prints JSON with --json",
        ),
        (
            &["cert", "check", "--format=json", "x.cer"],
            "error: unexpected argument '--format' found",
            "hint: this command prints JSON with --json",
        ),
        (
            &[],
            "error: `oauth1to2` needs a subcommand",
            "hint: one of: cert, oauth1, connect, token",
        ),
        (
            &["cert"],
            "error: `oauth1to2 cert` needs a subcommand",
            "hint: one of: new, inspect, check, repair, convert; `oauth1to2 cert --help`",
        ),
        (
            &["scopes"],
            "error: `oauth1to2 scopes` needs a subcommand",
            "hint: one of: plan, check, upgrade, link;",
        ),
        (
            &["check", "x.cer"],
            "error: unrecognized subcommand 'check'",
            "hint: did you mean `oauth1to2 cert check` or `oauth1to2 scopes check`?",
        ),
        (
            &["sign"],
            "error: unrecognized subcommand 'sign'",
            "hint: did you mean `oauth1to2 oauth1 sign`?",
        ),
    ];
    for (args, error, hint) in cases {
        let o = run(bin().args(args));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", both(&o));
        let err = stderr(&o);
        assert!(stdout(&o).is_empty(), "{args:?}: the help went to stdout");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{args:?}: {err}");
        assert_eq!(lines[0], error, "{args:?}");
        assert!(lines[1].starts_with(hint), "{args:?}: {err}");
    }
}

#[test]
fn oauth1_sign_json_names_every_hmac_method_it_signed_with() {
    for method in ["HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "PLAINTEXT"] {
        let o = run(bin()
            .env("CS_VAR", "consumer-secret-1")
            .env("TS_VAR", "token-secret-1")
            .args([
                "oauth1",
                "sign",
                "--as",
                "generic",
                "--json",
                "--consumer-key",
                "ck",
            ])
            .args([
                "--token",
                "tok",
                "--consumer-secret-env",
                "CS_VAR",
                "--token-secret-env",
                "TS_VAR",
            ])
            .args([
                "--signature-method",
                method,
                "GET",
                "https://api.example.com/x",
            ]));
        assert!(o.status.success(), "{method}: {}", both(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["signature_method"], method, "{v}");
        assert!(
            v["authorization"]
                .as_str()
                .unwrap()
                .contains(&format!("oauth_signature_method=\"{method}\"")),
            "{v}"
        );
    }
}

/// README: "oauth1to2 audit fixtures/netsuite/integration.toml  # SOAP calls, record types, scopes".
#[test]
fn the_readme_netsuite_line_finds_what_it_says() {
    let o = run(bin()
        .args(["audit", "--json"])
        .arg(fixture("netsuite/integration.toml")));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let a = &v[0];
    let ids: Vec<&str> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"soap-call"), "{ids:?}");
    assert_eq!(a["scopes"]["scope_string"], "rest_webservices restlets");
    let checklist = a["checklist"].to_string();
    for record in [
        "/record/v1/customer?limit=1",
        "/record/v1/salesOrder?limit=1",
    ] {
        assert!(checklist.contains(record), "{checklist}");
    }
}

#[test]
fn partner_renewal_and_migrate_partner_refuse_plain_http_to_other_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let key = fixture("keys/privatekey-pkcs1.pem");
    let token_file = dir.path().join("partner-token.json");
    let token = serde_json::json!({"oauth_token": "T", "oauth_token_secret": "S", "oauth_session_handle": "H", "expires_at": 1});
    std::fs::write(&token_file, token.to_string()).unwrap();
    let o = run(bin()
        .args(["oauth1", "renew", "--consumer-key", "CK", "--key"])
        .arg(&key)
        .arg("--token-file")
        .arg(&token_file)
        .args([
            "--access-token-url",
            "http://xero.example/oauth/AccessToken",
        ]));
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(
        stderr(&o).contains("http://xero.example/oauth/AccessToken"),
        "{}",
        stderr(&o)
    );

    let inv = dir.path().join("partner.toml");
    std::fs::write(
        &inv,
        format!(
            "name = \"P\"\napp_type = \"partner\"\nconsumer_key = \"CK\"\n[private_key]\npath = \"{}\"\n[endpoints]\ncalls = [\"GET Contacts\"]\n",
            key.display()
        ),
    )
    .unwrap();
    let batch = dir.path().join("tokens.json");
    let tokens = r#"[{"label": "A", "oauth_token": "T", "oauth_session_handle": "H", "expires_at": 9999999999}]"#;
    std::fs::write(&batch, tokens).unwrap();
    for (flag, url) in [
        ("--migrate-url", "http://xero.example/oauth/migrate"),
        (
            "--access-token-url",
            "http://xero.example/oauth/AccessToken",
        ),
    ] {
        let o = run(bin()
            .arg("migrate")
            .arg(&inv)
            .arg("--partner")
            .arg(&batch)
            .args([
                "--client-id",
                "C",
                "--client-secret-env",
                "PSECRET",
                flag,
                url,
            ])
            .env("PSECRET", "partner-secret-123"));
        assert_eq!(o.status.code(), Some(2), "{flag}: {}", both(&o));
        assert!(stderr(&o).contains(url), "{flag}: {}", stderr(&o));
        assert!(!both(&o).contains("partner-secret-123"));
        assert_eq!(
            std::fs::read_to_string(&batch).unwrap(),
            tokens,
            "nothing was rewritten"
        );
    }
}

/// SECURITY.md: `--timeout` 1 to 86,400 s, `--max-wait` up to 3,600 s; out of range is exit 2.
#[test]
fn duration_flags_take_their_documented_range_and_no_more() {
    let home = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str, u64, u64); 4] = [
        // An issuer that is refused before anything listens or connects.
        (
            &[
                "connect",
                "-p",
                "x",
                "--client-id",
                "A",
                "--scopes",
                "openid",
                "--issuer",
                "http://idp.example.com",
            ],
            "--timeout",
            1,
            86_400,
        ),
        (
            &["migrate", "fixtures/opmetrix/integration.toml", "--dry-run"],
            "--timeout",
            1,
            86_400,
        ),
        (
            &[
                "scopes",
                "upgrade",
                "-p",
                "nobody",
                "--to",
                "accounting.contacts.read",
            ],
            "--timeout",
            1,
            86_400,
        ),
        (
            &["api", "-p", "nobody", "GET", "/connections"],
            "--max-wait",
            0,
            3_600,
        ),
    ];
    for (args, flag, low, high) in cases {
        for (value, in_range) in [(low, true), (high, true), (high + 1, false)] {
            let value = value.to_string();
            let o = run(bin()
                .env("OAUTH1TO2_HOME", home.path())
                .current_dir(root())
                .args(args)
                .args([flag, &value])
                .stdin(std::process::Stdio::null()));
            let err = stderr(&o);
            let refused = err.contains(&format!("invalid value '{value}' for '{flag}"));
            assert_eq!(!refused, in_range, "{args:?} {flag} {value}: {err}");
            if !in_range {
                assert_eq!(o.status.code(), Some(2), "{err}");
            }
        }
    }
    let o = run(bin().env("OAUTH1TO2_HOME", home.path()).args([
        "connect",
        "-p",
        "x",
        "--client-id",
        "A",
        "--timeout",
        "0",
    ]));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("invalid value '0' for '--timeout"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_region_is_read_as_a_code_or_a_country_name_and_an_unknown_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let audit = |region: &str| {
        let inv = dir.path().join("r.toml");
        std::fs::write(
            &inv,
            format!("name = \"R\"\napp_type = \"private\"\nregion = {region:?}\nconsumer_key = \"CK\"\n[endpoints]\ncalls = [\"GET Contacts\"]\n"),
        )
        .unwrap();
        run(bin().args(["audit", "--json"]).arg(&inv))
    };
    for region in [
        "GB",
        "UK",
        "United Kingdom",
        "england",
        "Australia",
        "nz",
        "New Zealand",
        "USA",
    ] {
        let o = audit(region);
        let v: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{region}: {}", both(&o)));
        assert_eq!(
            v[0]["recommendation"]["target"], "custom-connection",
            "{region}: {v}"
        );
    }
    let o = audit("ZA");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["recommendation"]["target"], "web");
    assert!(
        v[0]["recommendation"]["reason"]
            .as_str()
            .unwrap()
            .contains("not sold in ZA"),
        "{v}"
    );
    let o = audit("Narnia");
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    let err = stderr(&o);
    assert!(
        err.contains("region \"Narnia\" is not a country oauth1to2 knows"),
        "{err}"
    );
    assert!(
        err.contains("hint: write its ISO 3166 two-letter code"),
        "{err}"
    );
}

/// The checklist's verifying call is one the planned scopes allow: Oomnitza plans
/// `offline_access assets.read`, which cannot read the Organisation.
#[test]
fn the_checklist_verifies_with_a_call_the_planned_scopes_allow() {
    for (fixture_name, scopes, call) in [
        (
            "oomnitza/integration.toml",
            "offline_access assets.read",
            "GET /assets.xro/1.0/AssetTypes.",
        ),
        (
            "opmetrix/integration.toml",
            "accounting.settings.read",
            "GET /api.xro/2.0/Organisation.",
        ),
    ] {
        let o = run(bin().args(["audit", "--json"]).arg(fixture(fixture_name)));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            v[0]["scopes"]["scope_string"]
                .as_str()
                .unwrap()
                .contains(scopes),
            "{v}"
        );
        let verify: Vec<&str> = v[0]["checklist"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s.as_str())
            .filter(|s| s.starts_with("Verify with a read call"))
            .collect();
        assert_eq!(verify.len(), 1, "{verify:?}");
        assert!(verify[0].ends_with(call), "{fixture_name}: {}", verify[0]);
    }
}

/// `man --out-dir` writes every page the main page names, and each page's references exist.
#[test]
fn every_man_page_named_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let o = run(bin().args(["man", "--out-dir"]).arg(&out));
    assert!(o.status.success(), "{}", both(&o));
    let mut named = std::collections::BTreeSet::new();
    let main = stdout(&run(bin().arg("man")));
    let mut texts = vec![main];
    for e in std::fs::read_dir(&out).unwrap() {
        texts.push(std::fs::read_to_string(e.unwrap().path()).unwrap());
    }
    for text in &texts {
        let mut rest = text.as_str();
        while let Some(at) = rest.find("oauth1to2\\-") {
            let tail = &rest[at..];
            let name_len = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '\\'))
                .unwrap_or(tail.len());
            if tail[name_len..].starts_with("(1)") {
                named.insert(tail[..name_len].replace("\\-", "-"));
            }
            rest = &tail[1..];
        }
    }
    assert!(named.len() > 20, "{named:?}");
    for page in &named {
        assert!(
            out.join(format!("{page}.1")).exists(),
            "{page}(1) is named but was not written"
        );
    }
    assert!(out.join("oauth1to2.1").exists());
}

/// Help examples stay copyable: an example that goes on to a second line ends its first line
/// with `\`.
#[test]
fn help_examples_that_wrap_end_their_lines_with_a_backslash() {
    let top = [
        "cert",
        "oauth1",
        "connect",
        "token",
        "tenants",
        "api",
        "profile",
        "init",
        "audit",
        "migrate",
        "export",
        "scopes",
        "completions",
        "man",
    ];
    let mut commands: Vec<Vec<String>> = Vec::new();
    for t in top {
        commands.push(vec![t.to_owned()]);
        let help = stdout(&run(bin().args([t, "--help"])));
        let subs: Vec<String> = help
            .lines()
            .skip_while(|l| l.trim() != "Commands:")
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next().map(String::from))
            .filter(|s| s != "help")
            .collect();
        for s in subs {
            commands.push(vec![t.to_owned(), s]);
        }
    }
    assert!(commands.len() > 30, "{commands:?}");
    for c in &commands {
        let o = run(bin().args(c).arg("--help").env("COLUMNS", "100"));
        let help = stdout(&o);
        let Some((_, examples)) = help
            .split_once("Examples:\n")
            .or_else(|| help.split_once("Example:\n"))
        else {
            continue;
        };
        let mut previous: Option<&str> = None;
        for line in examples.lines().take_while(|l| !l.trim().is_empty()) {
            // A line that starts with an option, a quoted argument or a pipe goes on from the
            // line before: that line must end with `\`.
            let continues = line.trim_start().starts_with(['-', '\'', '"', '|']);
            if continues {
                let p = previous.unwrap_or("");
                assert!(
                    p.trim_end().ends_with('\\'),
                    "{c:?}: a wrapped example breaks a copy-paste:\n{p}\n{line}"
                );
            }
            previous = Some(line);
        }
    }
}

/// A file that exists is not replaced: each command's hint names its own flags.
#[test]
fn an_existing_output_gets_the_commands_own_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.der");
    std::fs::write(&out, "there").unwrap();
    let o = run(bin()
        .args(["cert", "convert", "--to", "der", "-o"])
        .arg(&out)
        .arg(fixture("keys/publickey.cer")));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("hint: choose another -o/--out (or --key-out)"),
        "{err}"
    );
    assert!(!err.contains("--out-dir"), "{err}");
}

/// Hints name the flag to use, and never send a user to a profile that does not exist yet.
#[test]
fn hints_name_the_flag_and_no_profile_that_does_not_exist() {
    let home = tempfile::tempdir().unwrap();
    let o = run(bin()
        .env("OAUTH1TO2_HOME", home.path())
        .env_remove("NOPE_VAR")
        .args([
            "connect",
            "-p",
            "new",
            "--client-id",
            "A",
            "--grant",
            "client-credentials",
        ])
        .args([
            "--client-secret-env",
            "NOPE_VAR",
            "--scopes",
            "x",
            "--timeout",
            "5",
        ]));
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    let err = stderr(&o);
    assert!(err.contains("NOPE_VAR"), "{err}");
    assert!(!err.contains("profile show"), "{err}");
    assert!(
        !home.path().join("config.toml").exists(),
        "the profile was saved: {err}"
    );
    // migrate with no terminal to ask for the client id: the hint names --client-id.
    let dir = tempfile::tempdir().unwrap();
    for f in ["integration.toml", "publickey.cer"] {
        std::fs::copy(fixture("opmetrix").join(f), dir.path().join(f)).unwrap();
    }
    let o = run(bin()
        .env("OAUTH1TO2_HOME", home.path())
        .arg("migrate")
        .arg(dir.path().join("integration.toml")));
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    let err = stderr(&o);
    assert!(err.contains("hint: give --client-id ID"), "{err}");
    assert!(!err.contains("oauth1to2 connect"), "{err}");
}

/// One broken or foreign `.toml` in a client's folder does not stop the audit of the others: it
/// is named, with what is wrong, and the run exits 1. Named on its own, it is still exit 2.
#[test]
fn a_broken_toml_in_a_folder_is_reported_and_the_others_audited() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        fixture("oomnitza/integration.toml"),
        d.join("oomnitza.toml"),
    )
    .unwrap();
    std::fs::write(d.join("broken.toml"), "name = \"x\"\napp_type = \n").unwrap();
    std::fs::write(
        d.join("Cargo.toml"),
        "[package]\nname = \"other\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    for format in ["text", "markdown", "html", "json"] {
        let o = run(bin().args(["audit", "--format", format]).arg(d));
        assert_eq!(o.status.code(), Some(1), "{format}: {}", both(&o));
        let (out, err) = (stdout(&o), stderr(&o));
        assert!(out.contains("Oomnitza"), "{format}: {out}");
        for f in ["broken.toml", "Cargo.toml"] {
            assert!(
                err.contains(&format!("warning: not audited: {}", d.join(f).display())),
                "{format}: {err}"
            );
            if format != "json" {
                assert!(
                    out.contains(f) && out.contains("inventory-unusable"),
                    "{format}: {out}"
                );
            }
        }
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
        }
    }
    let o = run(bin().arg("audit").arg(d.join("broken.toml")));
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
}

/// `scopes check --granted` works offline on a vendor's published list: no profile, no tokens.
#[test]
fn scopes_check_granted_works_offline_without_a_profile() {
    let home = tempfile::tempdir().unwrap();
    let o = run(bin()
        .env("OAUTH1TO2_HOME", home.path())
        .args([
            "scopes",
            "check",
            "--json",
            "--granted",
            "offline_access, accounting.transactions",
        ])
        .args(["--endpoints", "GET Invoices,GET Contacts"]));
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["granted_from"], "given");
    assert_eq!(
        v["granted"],
        serde_json::json!(["offline_access", "accounting.transactions"])
    );
    assert_eq!(
        v["deprecated"][0]["scope"], "accounting.transactions",
        "{v}"
    );
    assert!(
        v["add"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "accounting.contacts.read"),
        "{v}"
    );
    // Nothing was read or written in the home folder.
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0);
    // A granular list that covers the calls: nothing to do, exit 0.
    let o = run(bin()
        .env("OAUTH1TO2_HOME", home.path())
        .args([
            "scopes",
            "check",
            "--granted",
            "accounting.invoices.read accounting.contacts.read",
        ])
        .args(["--endpoints", "GET Invoices,GET Contacts"]));
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    assert!(stdout(&o).contains("Nothing to do"), "{}", stdout(&o));
}

/// Published certificates can be added from files, in the catalogue's own format, without
/// rebuilding: `published-certs/*.pem` beside the config file.
#[test]
fn published_certificate_entries_can_be_added_from_files() {
    let home = tempfile::tempdir().unwrap();
    let cert = fixture("keys/publickey.cer");
    let check = || {
        run(bin()
            .env("OAUTH1TO2_HOME", home.path())
            .args(["cert", "check", "--json", "--at", "2027-01-01"])
            .arg(&cert))
    };
    let ids = |o: &std::process::Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["certificates"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Control: not in the built-in catalogue.
    assert!(!ids(&check()).contains(&"published-certificate".to_owned()));
    let dir = home.path().join("published-certs");
    std::fs::create_dir(&dir).unwrap();
    let pem = std::fs::read_to_string(&cert).unwrap();
    std::fs::write(
        dir.join("acme-widgets.pem"),
        format!("Vendor: Acme Widgets Ltd\nSource: Acme's setup guide, page 4\n\n{pem}"),
    )
    .unwrap();
    std::fs::write(dir.join("notes.pem"), format!("just a note\n\n{pem}")).unwrap();
    let o = check();
    assert!(
        ids(&o).contains(&"published-certificate".to_owned()),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains(
            "published by Acme Widgets Ltd on a public page (Acme's setup guide, page 4)"
        ),
        "{}",
        stdout(&o)
    );
    let err = stderr(&o);
    assert!(
        err.contains("notes.pem: not a published-certificate entry (it has no Vendor: line"),
        "{err}"
    );
}

/// `audit --for-client`: the report a consultant hands over. No tool commands, no local paths,
/// the published certificate first as an exposure, the vendor's name, one portal path.
#[test]
fn the_client_report_has_no_commands_or_paths_and_leads_with_the_exposure() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["integration.toml", "publickey.cer"] {
        std::fs::copy(fixture("opmetrix").join(f), dir.path().join(f)).unwrap();
    }
    let inv = dir.path().join("integration.toml");
    for format in ["markdown", "html"] {
        let o = run(bin()
            .args([
                "audit",
                "--for-client",
                "--at",
                "2026-12-01",
                "--format",
                format,
            ])
            .arg(&inv));
        assert_eq!(o.status.code(), Some(1), "{format}: {}", both(&o));
        let out = stdout(&o);
        assert!(!out.contains("oauth1to2 "), "{format}: a command: {out}");
        assert!(
            !out.contains(dir.path().to_str().unwrap()) && !out.contains("integration.toml"),
            "{format}: a path: {out}"
        );
        assert!(
            out.contains("Opmetrix \\(I.T. Link Limited\\)")
                || out.contains("Opmetrix (I.T. Link Limited)"),
            "{format}: {out}"
        );
        let exposure = out
            .find("Exposure")
            .unwrap_or_else(|| panic!("{format}: no exposure: {out}"));
        let found = out.find("What we found").unwrap();
        assert!(exposure < found, "{format}: the exposure comes first");
        assert!(
            out.contains("My Apps") && !out.contains("Connected apps"),
            "{format}: one portal path"
        );
        assert!(
            out.contains("Decommission: delete the private app"),
            "{format}: {out}"
        );
    }
    // The consultant's report is unchanged: it keeps its commands.
    let o = run(bin()
        .args(["audit", "--at", "2026-12-01", "--format", "markdown"])
        .arg(&inv));
    assert!(stdout(&o).contains("oauth1to2 connect"), "{}", stdout(&o));
    // Text and JSON are the consultant's formats.
    let o = run(bin().args(["audit", "--for-client"]).arg(&inv));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("add --format markdown or --format html"),
        "{}",
        stderr(&o)
    );
}
