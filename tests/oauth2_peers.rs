//! The OAuth 2.0 commands against real peers: node oidc-provider (over HTTPS, with the Xero-only
//! endpoints beside it) and a person played by headless Chromium through playwright-core.
//! See tests/peers/oidc_peer.mjs and tests/peers/consent.mjs.
#![allow(clippy::disallowed_macros)] // tests, benches and the build script report on stderr

mod common;

use common::desk::*;
use common::*;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[test]
fn pkce_flow_in_chromium_then_refresh_rotation() {
    let Some(desk) = Desk::new(0) else { return };
    let (o, page) = desk.connect("acme", "pkce-app", "approve");
    assert!(o.status.success(), "connect: {}", stderr(&o));
    let page = page.expect("the browser reached the callback page");
    // What the person sees: a plain success page, without the code or any token.
    assert!(
        page["text"].as_str().unwrap().contains("Connected"),
        "{page}"
    );
    let url = page["url"].as_str().unwrap();
    let code = url
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(code.len() > 10);
    let html = page["html"].as_str().unwrap();
    assert!(!html.contains(code));
    let t1 = desk.tokens("acme");
    for s in secrets_in(&t1) {
        assert!(!html.contains(&s));
    }
    assert_eq!(mode(&desk.token_file("acme")), 0o600);
    assert!(
        t1["refresh_token"].is_string(),
        "offline_access gives a refresh token"
    );
    assert_eq!(desk.peer.count("authorization_code:success"), 1);
    // The PKCE verifier was checked by the provider (pkce.required); the id token was validated
    // (signature against the JWKS, iss, aud, exp, nonce): the summary names the subject.
    assert!(
        stderr(&o).contains("signed in as:  consultant"),
        "{}",
        stderr(&o)
    );

    // A forced refresh rotates the refresh token, and the new one is on disk.
    let before = std::fs::read(desk.token_file("acme")).unwrap();
    let o = desk.run(&["token", "refresh", "-p", "acme"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t2 = desk.tokens("acme");
    assert_ne!(t1["refresh_token"], t2["refresh_token"]);
    assert_ne!(t1["access_token"], t2["access_token"]);
    assert_eq!(desk.peer.count("refresh_token:success"), 1);

    // The old refresh token is rejected afterwards: put the old file back and try it.
    std::fs::write(desk.token_file("acme"), &before).unwrap();
    let o = desk.run(&["token", "refresh", "-p", "acme"]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("invalid_grant"), "{err}");
    // The desk's provider is a generic OpenID provider: the hint explains rotation without
    // Xero's 30 minutes (that is Xero's rule, in its provider entry).
    assert!(
        err.contains("used already") && err.contains("Connect the profile again"),
        "the hint explains rotation: {err}"
    );
    assert!(!err.contains("30 minutes"), "{err}");
    assert_eq!(desk.peer.count("refresh_token:error"), 1);

    let mut secrets = secrets_in(&t1);
    secrets.extend(secrets_in(&t2));
    desk.assert_nothing_leaked(&secrets);
}

#[test]
fn web_app_tenants_api_revoke_and_no_secret_printed() {
    let Some(desk) = Desk::new(0) else { return };
    let (o, _) = desk.connect("web", "web-app", "approve");
    assert!(o.status.success(), "connect: {}", stderr(&o));
    let t = desk.tokens("web");
    let mut secrets = secrets_in(&t);
    secrets.push(WEB_SECRET.into());
    // The config holds the variable's name, not the secret.
    let config = std::fs::read_to_string(desk.home.path().join("config.toml")).unwrap();
    assert!(config.contains("WEB_SECRET_VAR") && !config.contains(WEB_SECRET));

    let o = desk.run(&["profile", "show", "web", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["client_secret"], "environment variable WEB_SECRET_VAR");
    let o = desk.run(&["token", "show", "-p", "web", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["access_token"], "[redacted: use --reveal]");
    assert_eq!(
        v["scopes"],
        serde_json::json!(SCOPES.split(' ').collect::<Vec<_>>())
    );
    assert!(desk.run(&["token", "status", "-p", "web"]).status.success());
    // The other reporting commands, human and JSON, all go into the leak check below.
    for args in [
        &["profile", "list"][..],
        &["profile", "list", "--json"],
        &["profile", "show", "web"],
        &["token", "show", "-p", "web"],
        &["token", "status", "-p", "web", "--json"],
        &["tenants", "list", "-p", "web"],
    ] {
        let o = desk.run(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    }

    // Tenants from GET /connections, then one chosen by name.
    let o = desk.run(&["tenants", "list", "-p", "web", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[1]["tenantName"], "Maple Florist");
    let maple = list[1]["tenantId"].as_str().unwrap().to_owned();
    let o = desk.run(&["tenants", "use", "-p", "web", "maple florist"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // The API call carries the tenant; without it Xero's 403 comes back with a hint.
    let o = desk.run(&["api", "-p", "web", "GET", "/api.xro/2.0/Organisation"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let org: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(org["Organisations"][0]["OrganisationID"], maple.as_str());
    let o = desk.run(&[
        "api",
        "-p",
        "web",
        "GET",
        "/api.xro/2.0/Organisation",
        "--no-tenant",
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stdout(&o).contains("AuthenticationUnsuccessful"));
    assert!(stderr(&o).contains("xero-tenant-id"), "{}", stderr(&o));

    // A 429 is waited out when Retry-After fits the bounded wait, reported when it does not.
    desk.peer.rate_limit(1, 1);
    let o = desk.run(&["api", "-p", "web", "GET", "/api.xro/2.0/Organisation"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("waited 1 s"), "{}", stderr(&o));
    desk.peer.rate_limit(1, 30);
    let o = desk.run(&[
        "api",
        "-p",
        "web",
        "GET",
        "/api.xro/2.0/Organisation",
        "--max-wait",
        "5",
    ]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(stderr(&o).contains("rate limit"));

    // Disconnect asks first; without a terminal it refuses unless --yes.
    let o = desk.run(&["tenants", "disconnect", "-p", "web", &maple]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(desk.peer.count("xero:delete"), 0);
    let o = desk.run(&["tenants", "disconnect", "-p", "web", &maple, "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(desk.peer.count("xero:delete"), 1);
    let o = desk.run(&["tenants", "list", "-p", "web", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    // token get prints the access token by design; everything else must not.
    let o = desk.cmd().args(["token", "get", "-p", "web"]).finish();
    assert_eq!(stdout(&o).trim(), t["access_token"].as_str().unwrap());
    let o = desk
        .cmd()
        .args(["token", "show", "-p", "web", "--reveal"])
        .finish();
    assert!(
        stdout(&o).contains(t["refresh_token"].as_str().unwrap()),
        "--reveal reveals"
    );

    // Revocation through the revocation endpoint; the refresh token is dead afterwards.
    let saved = std::fs::read(desk.token_file("web")).unwrap();
    let o = desk.run(&["token", "revoke", "-p", "web"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!desk.token_file("web").exists());
    assert_eq!(
        desk.run(&["token", "status", "-p", "web"]).status.code(),
        Some(6)
    );
    std::fs::write(desk.token_file("web"), saved).unwrap();
    let o = desk.run(&["token", "refresh", "-p", "web"]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(stderr(&o).contains("invalid_grant"));

    desk.assert_nothing_leaked(&secrets);
}

#[test]
fn client_credentials_need_no_browser() {
    let Some(desk) = Desk::new(0) else { return };
    let args = desk.connect_args("cc", "cc-app");
    // A browser that fails: it must not be needed.
    let o = desk.cmd().args(&args).env("BROWSER", "false").finish();
    desk.record(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(desk.peer.count("client_credentials:success"), 1);
    let t = desk.tokens("cc");
    assert!(t["refresh_token"].is_null());
    assert_eq!(mode(&desk.token_file("cc")), 0o600);
    let o = desk.run(&[
        "api",
        "-p",
        "cc",
        "GET",
        "/api.xro/2.0/Organisation",
        "--tenant",
        "70784a63-d24b-46a9-a4db-0e70a274b056",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Expiring: `token get` asks for a new token with the same grant.
    desk.expire_in("cc", 10);
    let o = desk.cmd().args(["token", "get", "-p", "cc"]).finish();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(stdout(&o).trim(), t["access_token"].as_str().unwrap());
    assert_eq!(desk.peer.count("client_credentials:success"), 2);
    let mut secrets = secrets_in(&t);
    secrets.push(CC_SECRET.into());
    desk.assert_nothing_leaked(&secrets);
}

/// `keyctl session - ...`: runs in a new session keyring, as each login gets one. What the
/// keyring store writes outlives it through the user's persistent keyring, linked from there.
fn in_session(cmd: &Command) -> Command {
    let mut c = Command::new("keyctl");
    c.args(["session", "-"]).arg(cmd.get_program());
    c.args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c.current_dir(root());
    c
}

/// A shell line that finds the profile's entry: `$id` is its key id.
fn find_entry(desk: &Desk, profile: &str) -> String {
    format!(
        "keyctl get_persistent @s >/dev/null && id=$(keyctl search @s user 'keyring-rs:{profile} in {}@oauth1to2' 2>/dev/null)",
        desk.home.path().join("tokens").display()
    )
}

/// The entry's text, read by keyctl from the kernel keyring; `None` if there is none.
fn keyring_entry(desk: &Desk, profile: &str) -> Option<String> {
    let mut sh = Command::new("sh");
    sh.arg("-c").arg(format!(
        "{} && keyctl pipe \"$id\"",
        find_entry(desk, profile)
    ));
    let o = in_session(&sh).finish();
    o.status.success().then(|| stdout(&o))
}

#[test]
fn tokens_can_live_in_the_os_keyring() {
    let Some(desk) = Desk::new(0) else { return };
    if keyctl().is_none() {
        return;
    }
    let mut args = desk.connect_args("cc", "cc-app");
    args.extend(["--token-store".into(), "keyring".into()]);
    let mut connect = desk.cmd();
    connect.args(&args);
    let o = in_session(&connect).finish();
    desk.record(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("the OS keyring"), "{}", stderr(&o));
    // Nothing on disk but the config (which names the store, not the tokens).
    assert!(!desk.token_file("cc").exists());
    let config = std::fs::read_to_string(desk.home.path().join("config.toml")).unwrap();
    assert!(config.contains("token_store = \"keyring\""), "{config}");
    // keyctl finds the entry in the kernel keyring, and it holds the token `token get` prints.
    let entry: serde_json::Value =
        serde_json::from_str(&keyring_entry(&desk, "cc").expect("the entry")).unwrap();
    let mut get = desk.cmd();
    get.args(["token", "get", "-p", "cc"]);
    let o = in_session(&get).finish();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), entry["access_token"].as_str().unwrap());
    assert_eq!(desk.peer.count("client_credentials:success"), 1);

    // An expiring token is renewed and the entry replaced.
    let mut expiring = entry.clone();
    expiring["expires_at"] = serde_json::json!(oauth1to2::oauth2::now() + 5);
    let mut update = Command::new("sh");
    update
        .arg("-c")
        .arg(format!(
            "{} && printf %s \"$1\" | keyctl pupdate \"$id\"",
            find_entry(&desk, "cc")
        ))
        .arg("sh")
        .arg(expiring.to_string());
    assert!(in_session(&update).finish().status.success());
    // (Not recorded for the leak check: printing the token is what `token get` is for.)
    let o = in_session(&get).finish();
    assert!(o.status.success(), "{}", stderr(&o));
    let renewed: serde_json::Value =
        serde_json::from_str(&keyring_entry(&desk, "cc").unwrap()).unwrap();
    assert_ne!(renewed["access_token"], entry["access_token"]);
    assert_eq!(stdout(&o).trim(), renewed["access_token"].as_str().unwrap());
    assert_eq!(desk.peer.count("client_credentials:success"), 2);

    // `profile show` tells where the tokens are and reveals nothing.
    let mut show = desk.cmd();
    show.args(["profile", "show", "cc", "--json"]);
    let o = in_session(&show).finish();
    desk.record(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["token_store"], "keyring");
    assert_eq!(v["tokens"], true);

    // Removing the profile deletes the entry.
    let mut remove = desk.cmd();
    remove.args(["profile", "remove", "cc", "--yes"]);
    let o = in_session(&remove).finish();
    desk.record(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(keyring_entry(&desk, "cc").is_none());

    let mut secrets = secrets_in(&entry);
    secrets.extend(secrets_in(&renewed));
    secrets.push(CC_SECRET.into());
    desk.assert_nothing_leaked(&secrets);
}

#[test]
fn access_denied_when_the_user_cancels() {
    let Some(desk) = Desk::new(0) else { return };
    let (o, page) = desk.connect("acme", "pkce-app", "deny");
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(stderr(&o).contains("access_denied"), "{}", stderr(&o));
    assert!(page.unwrap()["text"]
        .as_str()
        .unwrap()
        .contains("Authorization failed"));
    assert!(!desk.token_file("acme").exists());
    assert!(
        !desk.home.path().join("config.toml").exists(),
        "a failed connect saves nothing"
    );
}

/// Starts `connect --no-browser` and reads stderr until the URL appears.
struct Pending {
    child: Child,
    url: String,
    port: u16,
    stderr: std::sync::mpsc::Receiver<String>,
}

fn start_no_browser(desk: &Desk) -> Pending {
    start_no_browser_with(desk, &[])
}

/// `connect --no-browser`, with flags replaced: `("--timeout", "3")` swaps the value given by
/// `Desk::connect_args`.
fn start_no_browser_with(desk: &Desk, replace: &[(&str, &str)]) -> Pending {
    let mut args = desk.connect_args("acme", "pkce-app");
    for (flag, value) in replace {
        let i = args
            .iter()
            .position(|a| a == flag)
            .expect("flag in connect_args");
        args[i + 1] = value.to_string();
    }
    let mut child = desk
        .cmd()
        .args(args)
        .arg("--no-browser")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (mut url, mut port) = (None, None);
    while url.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("connect prints the URL");
        if let Some(rest) = line.strip_prefix("Listening on 127.0.0.1:") {
            // "8742 and [::1]:8742 for the callback (300 s)."
            port = rest.split(' ').next().unwrap().parse().ok();
        }
        if line.trim_start().starts_with("https://") {
            url = Some(line.trim().to_owned());
        }
    }
    Pending {
        child,
        url: url.unwrap(),
        port: port.unwrap(),
        stderr: rx,
    }
}

/// Waits for `connect` to exit (it gives up by itself after --timeout 60); kills it at 90 s so
/// that a bug cannot hang the suite.
fn finish(mut p: Pending) -> (Option<i32>, String) {
    let end = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(s) = p.child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > end {
            let _ = p.child.kill();
            panic!("connect did not exit within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut all: Vec<String> = Vec::new();
    while let Ok(l) = p.stderr.recv_timeout(Duration::from_millis(500)) {
        all.push(l);
    }
    (status.code(), all.join("\n"))
}

fn browse(url: &str, env: &[(&str, &Path)], block: bool) -> bool {
    let mut c = Command::new("node");
    c.arg(root().join("tests/peers/consent.mjs"))
        .arg(url)
        .env("CHROMIUM", chromium());
    for (k, v) in env {
        c.env(k, v);
    }
    // The callback is blocked by a proxy that refuses every connection.
    let refusing = block.then(refused_port);
    if let Some(r) = &refusing {
        c.env("CONSENT_BLOCK_CALLBACK", r.port.to_string());
    }
    c.finish().status.success()
}

/// Opens connections that send nothing, as an idle or hostile local program would.
fn idle_connections(port: u16, n: usize) -> Vec<std::net::TcpStream> {
    (0..n)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect()
}

#[test]
fn a_forged_callback_is_ignored_and_idle_connections_do_not_block_the_real_one() {
    let Some(desk) = Desk::new(0) else { return };
    let mut p = start_no_browser(&desk);
    // Bound to 127.0.0.1, not 0.0.0.0: /proc/net/tcp lists the listening socket's address.
    let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let needle = format!("0100007F:{:04X} 00000000:0000 0A", p.port);
    assert!(
        tcp.contains(&needle),
        "listener on 127.0.0.1:{} not found",
        p.port
    );
    assert!(!tcp.contains(&format!("00000000:{:04X} 00000000:0000 0A", p.port)));
    // Idle connections first: each is served on its own, so none holds up what follows.
    let _idle = idle_connections(p.port, 10);
    // /favicon.ico gets a 404 and the listener keeps waiting.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", p.port)).unwrap();
    s.write_all(b"GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    // The provider sends back whatever state it was given: forge one.
    let state = p
        .url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let forged = p
        .url
        .replace(&format!("state={state}"), "state=forged-state-value");
    let result = desk.home.path().join("wrong-state.json");
    assert!(browse(&forged, &[("CONSENT_RESULT", &result)], false));
    let page: serde_json::Value =
        serde_json::from_str(&wait_for_file(&result, Duration::from_secs(10)).unwrap()).unwrap();
    assert!(
        page["text"].as_str().unwrap().contains("Not this login"),
        "{page}"
    );
    // The forged callback did not end the login.
    let warned = (0..100).any(|_| {
        p.stderr
            .recv_timeout(Duration::from_millis(100))
            .is_ok_and(|l| l.contains("warning: ignored a callback whose state"))
    });
    assert!(warned, "no warning for the forged callback");
    assert!(
        p.child.try_wait().unwrap().is_none(),
        "connect ended on a forged callback"
    );
    assert_eq!(desk.peer.count("authorization_code:success"), 0);
    // The real login still completes.
    let real = desk.home.path().join("real.json");
    assert!(browse(&p.url.clone(), &[("CONSENT_RESULT", &real)], false));
    let (code, err) = finish(p);
    assert_eq!(code, Some(0), "{err}");
    assert!(desk.tokens("acme")["refresh_token"].is_string());
    assert_eq!(desk.peer.count("authorization_code:success"), 1);
}

#[test]
fn the_timeout_bounds_the_whole_wait_even_with_idle_connections() {
    let Some(desk) = Desk::new(0) else { return };
    let p = start_no_browser_with(&desk, &[("--timeout", "3")]);
    let _idle = idle_connections(p.port, 20);
    // One that trickles a byte at a time.
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", p.port)).unwrap();
    std::thread::spawn(move || {
        for b in b"GET /callback?state=x HTTP/1.1\r\n"
            .iter()
            .cycle()
            .take(200)
        {
            if slow.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let started = Instant::now();
    let (code, err) = finish(p);
    assert_eq!(code, Some(7), "{err}");
    assert!(
        err.contains("no callback arrived within 3 seconds"),
        "{err}"
    );
    // finish() kills at 90 s; a wait that idle connections could stretch would get there.
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(!desk.token_file("acme").exists());
}

#[test]
fn a_localhost_redirect_listens_on_both_loopback_addresses() {
    let Some(desk) = Desk::new(0) else { return };
    let p = start_no_browser_with(
        &desk,
        &[("--redirect-host", "localhost"), ("--timeout", "5")],
    );
    let tcp6 = std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    let v6 = format!(
        "00000000000000000000000001000000:{:04X} 00000000000000000000000000000000:0000 0A",
        p.port
    );
    let has_v6_loopback = std::fs::read_to_string("/proc/net/if_inet6")
        .unwrap_or_default()
        .contains("00000000000000000000000000000001");
    // Under the README's test command a machine without it fails here; a bare `cargo test`
    // says it checked 127.0.0.1 only.
    let checked_v6 =
        has_v6_loopback || missing("IPv6 loopback", "this machine has no ::1 on lo").is_some();
    if checked_v6 {
        assert!(tcp6.contains(&v6), "no listener on [::1]:{}", p.port);
        // And nothing on the IPv6 wildcard.
        assert!(!tcp6.contains(&format!(
            "00000000000000000000000000000000:{:04X} 00000000000000000000000000000000:0000 0A",
            p.port
        )));
    }
    let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap();
    assert!(tcp.contains(&format!("0100007F:{:04X} 00000000:0000 0A", p.port)));
    let (code, err) = finish(p);
    assert_eq!(code, Some(7), "{err}");
}

#[test]
fn the_redirect_url_can_be_pasted_on_stdin() {
    let Some(desk) = Desk::new(0) else { return };
    let mut p = start_no_browser(&desk);
    let result = desk.home.path().join("pasted.json");
    // The browser is elsewhere (an SSH session): it never reaches the listener.
    assert!(browse(&p.url, &[("CONSENT_RESULT", &result)], true));
    let page: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&result).unwrap()).unwrap();
    let redirect = page["url"].as_str().unwrap();
    assert!(redirect.contains("code="));
    // The browser never reached the listener, so connect is still waiting for the paste.
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        p.child.try_wait().unwrap().is_none(),
        "connect ended before the paste"
    );
    let mut stdin = p.child.stdin.take().unwrap();
    writeln!(stdin, "{redirect}").unwrap();
    drop(stdin);
    let (code, err) = finish(p);
    assert_eq!(code, Some(0), "{err}");
    assert!(desk.tokens("acme")["refresh_token"].is_string());
}

#[test]
fn eight_processes_refresh_once() {
    let Some(desk) = Desk::connected(0) else {
        return;
    };
    desk.expire_in("acme", 20);
    let old = desk.tokens("acme");
    let children: Vec<Child> = (0..8)
        .map(|_| {
            desk.cmd()
                .args(["token", "get", "-p", "acme"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| finish_child(c, "token get", COMMAND_LIMIT))
        .collect();
    let new = desk.tokens("acme");
    assert_ne!(old["access_token"], new["access_token"]);
    for o in &outs {
        assert!(o.status.success(), "{}", stderr(o));
        assert_eq!(stdout(o).trim(), new["access_token"].as_str().unwrap());
    }
    assert_eq!(
        desk.peer.count("refresh_token:success"),
        1,
        "exactly one refresh reached the provider"
    );
    assert_eq!(desk.peer.count("refresh_token:error"), 0);
    // And the token they printed works.
    let o = desk.run(&["api", "-p", "acme", "GET", "/connections", "--no-tenant"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn sigkill_between_refresh_response_and_write_loses_nothing() {
    // The provider accepts a used refresh token again for 30 minutes, as Xero does.
    let Some(desk) = Desk::connected(1800) else {
        return;
    };
    desk.expire_in("acme", 5);
    let before = desk.tokens("acme");
    let pause = desk.home.path().join("paused");
    let mut child = desk
        .cmd()
        .args(["token", "get", "-p", "acme"])
        .env("OAUTH1TO2_TEST_PAUSE_AFTER_REFRESH", &pause)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        wait_for_file(&pause, Duration::from_secs(30)).is_some(),
        "the hook was reached"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The provider rotated the token, but the file still has the old one, marked in flight.
    assert_eq!(desk.peer.count("refresh_token:success"), 1);
    let after_kill = desk.tokens("acme");
    assert_eq!(after_kill["refresh_token"], before["refresh_token"]);
    assert!(after_kill["refresh_started_at"].is_i64());
    // The next run says what happened and recovers with the old refresh token.
    let o = desk.run(&["token", "get", "-p", "acme"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("never completed"), "{}", stderr(&o));
    let recovered = desk.tokens("acme");
    assert_ne!(recovered["refresh_token"], before["refresh_token"]);
    assert!(recovered["refresh_started_at"].is_null());
    assert_eq!(
        stdout(&o).trim(),
        recovered["access_token"].as_str().unwrap()
    );
    // And the chain goes on.
    let o = desk.run(&["token", "refresh", "-p", "acme"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(desk.peer.count("refresh_token:success"), 3);
}

#[test]
fn a_server_that_echoes_the_bearer_token_gets_it_redacted() {
    let Some(desk) = Desk::connected(0) else {
        return;
    };
    let token = desk.tokens("acme")["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = desk.run(&[
        "api",
        "-p",
        "acme",
        "--no-tenant",
        "GET",
        "/api.xro/2.0/EchoTest",
    ]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let all = format!("{}{}", stdout(&o), stderr(&o));
    // The server did echo it: the redaction marker stands where the token was.
    assert!(all.contains("authorization=Bearer [REDACTED]"), "{all}");
    assert!(!all.contains(&token), "the bearer token was printed");
}

#[test]
fn under_umask_000_every_folder_is_0700_and_every_file_0600() {
    let Some(desk) = Desk::new(0) else { return };
    let home = desk.home.path().join("fresh-home");
    let args = desk.connect_args("cc", "cc-app");
    let o = Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_oauth1to2"))
        .args(&args)
        .env("OAUTH1TO2_HOME", &home)
        .env_remove("OAUTH1TO2_PROFILE")
        .current_dir(root())
        .finish();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut seen = 0;
    let mut stack = vec![home.clone()];
    while let Some(dir) = stack.pop() {
        assert_eq!(mode(&dir), 0o700, "{} under umask 000", dir.display());
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                assert_eq!(mode(&p), 0o600, "{} under umask 000", p.display());
                seen += 1;
            }
        }
    }
    // config.toml, the token file (and its lock), the discovery cache.
    assert!(seen >= 3, "only {seen} files");
    assert!(home.join("cache").is_dir() && home.join("tokens").is_dir());
}

#[test]
fn an_id_token_that_fails_validation_in_a_real_flow_exits_8_and_stores_nothing() {
    let Some(desk) = Desk::new(0) else { return };
    // oidc-provider's id tokens live an hour; with this process's clock two hours ahead, the
    // real id token from the real flow is expired when connect checks it.
    let result = desk.home.path().join("consent.json");
    let mut cmd = desk.cmd();
    cmd.args(desk.connect_args("acme", "pkce-app"))
        .env("OAUTH1TO2_TEST_CLOCK_OFFSET", "7200")
        .env("CONSENT_RESULT", &result);
    let o = desk.consenting(&mut cmd, "approve").finish();
    desk.record(&o);
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the id token failed validation"),
        "{}",
        stderr(&o)
    );
    // The code was exchanged (the flow was real), and nothing was kept.
    assert_eq!(desk.peer.count("authorization_code:success"), 1);
    assert!(!desk.token_file("acme").exists());
    assert!(!desk.home.path().join("config.toml").exists());
}

#[test]
fn moving_a_profile_between_stores_deletes_the_old_copy() {
    let Some(desk) = Desk::new(0) else { return };
    if keyctl().is_none() {
        return;
    }
    let connect = |store: &str| {
        let mut args = desk.connect_args("cc", "cc-app");
        args.extend(["--token-store".into(), store.into()]);
        let mut c = desk.cmd();
        c.args(&args);
        let o = in_session(&c).finish();
        desk.record(&o);
        assert!(o.status.success(), "{store}: {}", stderr(&o));
    };
    connect("file");
    assert!(desk.token_file("cc").exists());
    connect("keyring");
    assert!(keyring_entry(&desk, "cc").is_some());
    assert!(
        !desk.token_file("cc").exists(),
        "the file copy outlived the move"
    );
    connect("file");
    assert!(desk.token_file("cc").exists());
    assert!(
        keyring_entry(&desk, "cc").is_none(),
        "the keyring copy outlived the move"
    );
}

#[test]
fn a_prompted_client_secret_is_kept_in_a_0600_file() {
    let Some(desk) = Desk::new(0) else { return };
    // `script` gives connect a terminal to ask on; the secret is typed into it.
    let mut args: Vec<String> = vec!["connect".into(), "-p".into(), "cc".into()];
    args.extend(desk.provider_args());
    args.extend(
        [
            "--client-id",
            "cc-app",
            "--grant",
            "client-credentials",
            "--scopes",
            "accounting.settings.read",
            "--client-secret-prompt",
        ]
        .map(String::from),
    );
    let line = std::iter::once(env!("CARGO_BIN_EXE_oauth1to2").to_owned())
        .chain(args)
        .map(|a| shell_quote(&a))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = desk_env(&desk, Command::new("script"))
        .arg("-qec")
        .arg(line)
        .arg("/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    // Type only once the prompt is up (echo is off then): text typed ahead would be echoed by
    // the terminal itself.
    let mut out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !String::from_utf8_lossy(&seen).contains("Client secret for profile cc") {
        assert!(
            Instant::now() < deadline,
            "no prompt: {}",
            String::from_utf8_lossy(&seen)
        );
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.extend(chunk);
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{CC_SECRET}\n").as_bytes())
        .unwrap();
    let status = wait_within(&mut child, Duration::from_secs(120));
    drop(stdin);
    while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(500)) {
        seen.extend(chunk);
    }
    let mut o = finish_child(child, "a child the test fed", COMMAND_LIMIT);
    o.stdout = seen;
    assert!(status.success(), "{}{}", stdout(&o), stderr(&o));
    let file = desk.home.path().join("secrets").join("cc.secret");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), CC_SECRET);
    // The terminal showed the prompt, not the secret.
    let shown = format!("{}{}", stdout(&o), stderr(&o));
    assert!(shown.contains("Client secret for profile cc"), "{shown}");
    assert!(!shown.contains(CC_SECRET));
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `cmd` with the desk's environment (home, no profile or browser from the caller's).
fn desk_env(desk: &Desk, mut cmd: Command) -> Command {
    cmd.env("OAUTH1TO2_HOME", desk.home.path())
        .env_remove("OAUTH1TO2_PROFILE")
        .env_remove("BROWSER")
        .current_dir(root());
    cmd
}

#[test]
fn a_secret_without_a_grant_means_a_web_app_and_scope_is_an_alias() {
    let Some(desk) = Desk::new(0) else { return };
    // As a new user types it: a secret, no --grant, and --scope (singular).
    let mut args = desk.connect_args("web", "web-app");
    let g = args.iter().position(|a| a == "--grant").unwrap();
    args.drain(g..g + 2);
    let s = args.iter().position(|a| a == "--scopes").unwrap();
    args[s] = "--scope".into();
    let result = desk.home.path().join("consent.json");
    let mut cmd = desk.cmd();
    cmd.args(&args).env("CONSENT_RESULT", &result);
    let o = desk.consenting(&mut cmd, "approve").finish();
    desk.record(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Connected profile web (authorization_code)"),
        "{}",
        stderr(&o)
    );
    let config = std::fs::read_to_string(desk.home.path().join("config.toml")).unwrap();
    assert!(
        config.contains("grant = \"authorization_code\""),
        "{config}"
    );
    // A secret with --grant pkce is refused before any browser step.
    let mut args = desk.connect_args("web2", "web-app");
    let g = args.iter().position(|a| a == "--grant").unwrap();
    args[g + 1] = "pkce".into();
    let o = desk.cmd().args(&args).env("BROWSER", "false").finish();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--grant pkce takes no client secret"),
        "{}",
        stderr(&o)
    );
    assert_eq!(desk.peer.count("authorization_code:success"), 1);
}

#[test]
fn an_untrusted_server_certificate_is_explained() {
    let Some(desk) = Desk::new(0) else { return };
    // Without --ca-file the test provider's self-made CA is unknown to this machine.
    let mut args = desk.connect_args("cc", "cc-app");
    let i = args.iter().position(|a| a == "--ca-file").unwrap();
    args.drain(i..i + 2);
    let o = desk.cmd().args(&args).finish();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("not signed by a certificate authority this machine trusts"),
        "{err}"
    );
    assert!(err.contains("hint:") && err.contains("--ca-file"), "{err}");
    assert!(!err.contains("UnknownIssuer"), "{err}");
}

#[test]
fn the_browser_gets_the_whole_url_as_one_argument_without_a_shell() {
    use std::os::unix::fs::PermissionsExt;
    let Some(desk) = Desk::new(0) else { return };
    // A "browser" that records the arguments it was started with.
    let record = desk.home.path().join("argv.txt");
    let script = desk.home.path().join("record-browser");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > '{}'\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut args = desk.connect_args("acme", "pkce-app");
    let t = args.iter().position(|a| a == "--timeout").unwrap();
    args[t + 1] = "3".into();
    let o = desk.cmd().args(&args).env("BROWSER", &script).finish();
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    let url = stderr(&o)
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("https://"))
        .unwrap()
        .to_owned();
    assert!(url.contains('&'), "{url}");
    let got = wait_for_file(&record, Duration::from_secs(10)).unwrap();
    let lines: Vec<&str> = got.lines().collect();
    // One argument, the URL exactly, '&' and all: no shell split or ran any part of it.
    assert_eq!(lines, vec!["1", url.as_str()], "{got}");
}

#[test]
fn a_generic_openid_profile_sends_its_token_to_no_other_providers_api() {
    let Some(desk) = Desk::new(0) else { return };
    // A profile connected with --issuer only: no API base, no stand-in for Xero.
    let mut args = desk.connect_args("generic", "cc-app");
    for flag in ["--api-base", "--api"] {
        let at = args.iter().position(|a| a == flag).unwrap();
        args.drain(at..at + 2);
    }
    let o = desk.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "connect: {}", stderr(&o));

    let o = desk.run(&["api", "-p", "generic", "GET", "/connections"]);
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("the OpenID provider at {}", desk.peer.issuer))
            && err.contains("has no API base"),
        "{err}"
    );
    assert!(
        err.contains("hint: connect the profile again with its provider's API base"),
        "{err}"
    );
    assert!(!both(&o).contains("api.xero.com"), "{}", both(&o));

    let o = desk.run(&["tenants", "list", "-p", "generic"]);
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(stderr(&o).contains("has no tenants"), "{}", stderr(&o));

    // The stored token type is lower case, whatever the server's case ("Bearer" here).
    let o = desk.run(&["token", "show", "-p", "generic", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["token_type"], "bearer", "{v}");
    // profile show says where the token may go: nowhere yet.
    let o = desk.run(&["profile", "show", "generic", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["api_base"], serde_json::Value::Null, "{v}");

    // With an API base of its own (and no --api), its token goes there, still with no tenants.
    args.extend(["--api-base".into(), desk.peer.issuer.clone()]);
    let o = desk.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "connect: {}", stderr(&o));
    let o = desk.run(&["tenants", "list", "-p", "generic"]);
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    let o = desk.run(&["api", "-p", "generic", "GET", "/connections"]);
    assert!(o.status.success(), "{}", both(&o));
}

fn both(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

#[test]
fn a_flood_of_trickling_connections_cannot_keep_out_the_real_callback() {
    let Some(desk) = Desk::new(0) else { return };
    let p = start_no_browser(&desk);
    // 150 local connections, more than the listener serves at once, each sending a byte every
    // 1.5 s and opening again whenever it is closed, for as long as the test runs.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let port = p.port;
    let flood: Vec<_> = (0..150)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
                        continue;
                    };
                    for b in b"GET /callback?state=x HTTP/1.1\r\n".iter().cycle() {
                        if stop.load(std::sync::atomic::Ordering::Relaxed)
                            || s.write_all(&[*b]).is_err()
                        {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(1500));
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let real = desk.home.path().join("real.json");
    assert!(browse(&p.url.clone(), &[("CONSENT_RESULT", &real)], false));
    let (code, err) = finish(p);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in flood {
        let _ = t.join();
    }
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(desk.peer.count("authorization_code:success"), 1);
    // Said once, not once per connection.
    assert_eq!(err.matches("too many connections").count(), 1, "{err}");
}

#[test]
fn a_pasted_callback_from_another_address_is_refused_whatever_its_state() {
    let Some(desk) = Desk::new(0) else { return };
    let mut p = start_no_browser(&desk);
    let state = p
        .url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let stdin = p.child.stdin.as_mut().unwrap();
    writeln!(
        stdin,
        "https://elsewhere.example/anything?code=stolen&state={state}"
    )
    .unwrap();
    let (code, err) = finish(p);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not this login's redirect URI"), "{err}");
    assert!(err.contains("https://elsewhere.example/anything"), "{err}");
    assert_eq!(desk.peer.count("authorization_code:success"), 0);
}

#[test]
fn api_redacts_the_client_secret_and_refresh_token_a_server_echoes() {
    let Some(desk) = Desk::new(0) else { return };
    let (o, _) = desk.connect("web", "web-app", "approve");
    assert!(o.status.success(), "connect: {}", stderr(&o));
    let refresh = desk.tokens("web")["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // A server that echoes what it is sent (here the URL, carrying both) gets neither printed.
    let path = format!("/api.xro/2.0/EchoTest?s={WEB_SECRET}&r={refresh}");
    let o = desk.run(&["api", "-p", "web", "--no-tenant", "GET", &path]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        all.contains("url=/api.xro/2.0/EchoTest?s=[REDACTED]&r=[REDACTED]"),
        "{all}"
    );
    assert!(
        !all.contains(WEB_SECRET) && !all.contains(&refresh),
        "{all}"
    );
}

#[test]
fn ca_file_adds_a_ca_and_the_system_roots_stay_trusted() {
    let Some(desk) = Desk::new(0) else { return };
    let openssl = openssl().unwrap();
    // Another CA, which signed nothing the provider shows.
    let other = desk.home.path().join("other-ca.pem");
    let o = Command::new(&openssl)
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args([
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=unrelated test CA",
            "-keyout",
        ])
        .arg(desk.home.path().join("other-ca.key"))
        .arg("-out")
        .arg(&other)
        .finish();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut args = desk.connect_args("cc", "cc-app");
    let at = args.iter().position(|a| a == "--ca-file").unwrap();
    args[at + 1] = other.display().to_string();
    let connect = |system_roots: Option<&Path>| {
        let mut c = desk.cmd();
        c.args(&args);
        // The system's roots, as rustls-native-certs reads them (SSL_CERT_FILE names the file).
        match system_roots {
            Some(f) => c.env("SSL_CERT_FILE", f),
            None => c.env("SSL_CERT_FILE", desk.home.path().join("no-such-roots.pem")),
        };
        let o = c.finish();
        desk.record(&o);
        o
    };
    // Control: the provider's CA is in neither the system roots nor --ca-file: refused.
    let o = connect(None);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    // With the provider's CA among the system roots, --ca-file adds to them: it connects.
    let o = connect(Some(&desk.peer.ca_file));
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Two `connect`s at once on one config file: one waits in the browser step while the other
/// finishes and saves its profile. Both profiles survive (the config is re-read under a lock
/// when each saves).
#[test]
fn two_racing_connects_keep_both_profiles() {
    let Some(desk) = Desk::new(0) else { return };
    // The first waits for its callback (pasted later).
    let mut waiting = start_no_browser(&desk);
    // The second connects and saves while the first waits.
    let o = desk.run(
        &desk
            .connect_args("cc", "cc-app")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The first finishes.
    let result = desk.home.path().join("racing.json");
    assert!(browse(&waiting.url, &[("CONSENT_RESULT", &result)], true));
    let page: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&result).unwrap()).unwrap();
    let mut stdin = waiting.child.stdin.take().unwrap();
    writeln!(stdin, "{}", page["url"].as_str().unwrap()).unwrap();
    drop(stdin);
    let (code, err) = finish(waiting);
    assert_eq!(code, Some(0), "{err}");
    let o = desk.run(&["profile", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"acme") && names.contains(&"cc"),
        "a profile was lost: {names:?}"
    );
}
