//! Moving a connected profile from Xero's broad scopes to granular ones, end to end: oidc-provider
//! (with Xero's scope names) grants the scopes, Chromium does each consent, and the test server
//! beside it answers the Accounting API's reads with Xero's scope rules.

mod common;

use common::desk::*;
use common::*;
use std::process::Stdio;
use std::time::Duration;

const BROAD: &str = "openid email offline_access accounting.transactions accounting.settings.read";
const CALLS: &str = "GET Invoices,POST Invoices,GET Contacts,GET Organisation";

/// A desk whose profile `acme` is connected (PKCE, Chromium) with broad scopes and uses the
/// Maple Florist tenant.
fn broad_desk() -> Option<Desk> {
    let desk = Desk::new(0)?;
    let mut args: Vec<String> = vec!["connect".into(), "-p".into(), "acme".into()];
    args.extend(desk.provider_args());
    args.extend(["--client-id", "pkce-app", "--scopes", BROAD].map(String::from));
    let mut cmd = desk.cmd();
    cmd.args(&args);
    let o = desk.consenting(&mut cmd, "approve").finish();
    desk.record(&o);
    assert!(o.status.success(), "connect: {}", stderr(&o));
    let o = desk.run(&["tenants", "use", "-p", "acme", "Maple Florist"]);
    assert!(o.status.success(), "{}", stderr(&o));
    Some(desk)
}

fn upgrade(desk: &Desk, extra: &[&str]) -> std::process::Command {
    let mut cmd = desk.cmd();
    cmd.args(["scopes", "upgrade", "-p", "acme", "--timeout", "60"])
        .args(extra);
    desk.consenting(&mut cmd, "approve");
    cmd
}

fn profile_scopes(desk: &Desk) -> serde_json::Value {
    let o = desk.run(&["profile", "show", "acme", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["scopes"].clone()
}

#[test]
fn broad_scopes_are_found_upgraded_and_then_clean() {
    let Some(desk) = broad_desk() else { return };

    // What was granted is kept, with the deprecated broad scope named.
    let o = desk.run(&["token", "status", "-p", "acme", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let st: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        st["granted"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "accounting.transactions"),
        "{st}"
    );
    assert_eq!(st["granted_from"], "response");
    assert_eq!(
        st["deprecated"],
        serde_json::json!(["accounting.transactions"])
    );
    assert_eq!(st["deprecated_until"], "September 2027");
    assert!(st["consented_at"].is_string());
    let o = desk.run(&["token", "status", "-p", "acme"]);
    assert!(
        stdout(&o)
            .contains("deprecated: accounting.transactions (broad scopes, until September 2027"),
        "{}",
        stdout(&o)
    );

    // The check fails, naming the broad scope and what the calls need instead.
    let o = desk.run(&["scopes", "check", "-p", "acme", "--endpoints", CALLS]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("deprecated: accounting.transactions"), "{out}");
    assert!(out.contains("the calls need: accounting.invoices"), "{out}");
    assert!(
        out.contains("add:     accounting.contacts.read accounting.invoices"),
        "{out}"
    );
    assert!(out.contains("cannot:  GET /api.xro/2.0/Contacts"), "{out}");
    let o = desk.run(&[
        "scopes",
        "check",
        "-p",
        "acme",
        "--endpoints",
        CALLS,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // The fields docs/json.md lists, and no others.
    let mut keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "add",
            "consented_at",
            "deadline",
            "deprecated",
            "evidence",
            "granted",
            "granted_from",
            "granular_only_app",
            "missing",
            "needed",
            "past_deadline",
            "profile",
            "target",
            "unmapped",
            "unused"
        ]
    );
    assert_eq!(
        c["missing"][0]["allowed_by"],
        serde_json::json!(["accounting.contacts", "accounting.contacts.read"])
    );
    assert_eq!(
        c["target"],
        serde_json::json!([
            "openid",
            "email",
            "offline_access",
            "accounting.contacts.read",
            "accounting.invoices",
            "accounting.settings.read"
        ])
    );

    // The upgrade re-consents in Chromium, reads with the new grant, then switches.
    let o = upgrade(&desk, &["--endpoints", CALLS]).finish();
    desk.record(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("Switched profile acme"), "{err}");
    assert!(
        err.contains("accounting.invoices: GET /api.xro/2.0/Invoices answered 200"),
        "{err}"
    );
    assert!(
        err.contains("accounting.contacts.read: GET /api.xro/2.0/Contacts answered 200"),
        "{err}"
    );
    assert_eq!(desk.peer.count("authorization_code:success"), 2);
    assert_eq!(desk.peer.count("xero:invoices"), 1);
    assert_eq!(desk.peer.count("xero:contacts"), 1);
    assert_eq!(
        profile_scopes(&desk),
        serde_json::json!([
            "openid",
            "email",
            "offline_access",
            "accounting.contacts.read",
            "accounting.invoices",
            "accounting.settings.read"
        ])
    );
    assert_eq!(mode(&desk.token_file("acme")), 0o600);
    assert!(
        !desk.home.path().join("tokens/acme.previous.json").exists(),
        "the copy of the old grant is gone after the switch"
    );

    // Now nothing needs doing, and the new grant works for the calls.
    let o = desk.run(&["scopes", "check", "-p", "acme", "--endpoints", CALLS]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("Nothing to do"), "{}", stdout(&o));
    let o = desk.run(&["api", "-p", "acme", "GET", "/api.xro/2.0/Contacts"]);
    assert!(o.status.success(), "{}", stderr(&o));

    desk.assert_nothing_leaked(&secrets_in(&desk.tokens("acme")));
}

#[test]
fn a_refused_scope_leaves_the_old_grant_in_place() {
    let Some(desk) = broad_desk() else { return };
    let before = std::fs::read(desk.token_file("acme")).unwrap();
    // The provider does not offer accounting.payments to this app.
    let o = upgrade(&desk, &["--to", "accounting.invoices accounting.payments"]).finish();
    desk.record(&o);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("accounting.payments"), "{err}");
    assert!(err.contains("old grant is still in place"), "{err}");
    assert_eq!(
        std::fs::read(desk.token_file("acme")).unwrap(),
        before,
        "the stored tokens are untouched"
    );
    assert_eq!(
        profile_scopes(&desk),
        serde_json::json!(BROAD.split(' ').collect::<Vec<_>>())
    );
    // The old grant still works.
    let o = desk.run(&["token", "refresh", "-p", "acme"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_kill_before_the_switch_leaves_the_old_tokens_usable() {
    let Some(desk) = broad_desk() else { return };
    let before = std::fs::read(desk.token_file("acme")).unwrap();
    let mark = desk.home.path().join("checked");
    let mut child = upgrade(&desk, &["--endpoints", CALLS])
        .env("OAUTH1TO2_TEST_PAUSE_BEFORE_SWITCH", &mark)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let reached = wait_for_file(&mark, Duration::from_secs(90)).is_some();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(reached, "the hook after the new grant's checks was reached");
    assert_eq!(
        desk.peer.count("authorization_code:success"),
        2,
        "a new grant was made"
    );
    assert_eq!(std::fs::read(desk.token_file("acme")).unwrap(), before);
    assert_eq!(
        profile_scopes(&desk),
        serde_json::json!(BROAD.split(' ').collect::<Vec<_>>())
    );
    // The old refresh token still works, and the old grant still reads.
    let o = desk.run(&["token", "refresh", "-p", "acme"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = desk.run(&["api", "-p", "acme", "GET", "/api.xro/2.0/Invoices"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn the_link_for_an_admin_names_the_apps_own_redirect_and_the_new_scopes() {
    let Some(desk) = broad_desk() else { return };
    let o = desk.run(&[
        "scopes",
        "link",
        "-p",
        "acme",
        "--endpoints",
        CALLS,
        "--redirect-uri",
        "https://app.example.com/xero/callback",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let l: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let url = l["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/", desk.peer.issuer)), "{url}");
    assert!(url.contains("client_id=pkce-app"), "{url}");
    assert!(
        url.contains("redirect_uri=https%3A%2F%2Fapp.example.com%2Fxero%2Fcallback"),
        "{url}"
    );
    assert!(url.contains("accounting.invoices"), "{url}");
    assert!(!url.contains("accounting.transactions"), "{url}");
    assert!(
        !url.contains("code_challenge"),
        "the app's backend exchanges the code: {url}"
    );
    assert!(url.contains(&format!("state={}", l["state"].as_str().unwrap())));
    // A plain-http redirect URI to another host would carry the code in clear.
    let o = desk.run(&[
        "scopes",
        "link",
        "-p",
        "acme",
        "--to",
        "accounting.invoices",
        "--redirect-uri",
        "http://app.example.com/cb",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // ...but plain http to a loopback address is allowed (a front-end on the same machine).
    let o = desk.run(&[
        "scopes",
        "link",
        "-p",
        "acme",
        "--to",
        "accounting.invoices",
        "--redirect-uri",
        "http://127.0.0.1:8080/cb",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb"));
    // No tokens went anywhere: one consent so far (the connect).
    assert_eq!(desk.peer.count("authorization_code:success"), 1);
}

#[test]
fn a_custom_connection_is_asked_again_and_its_grant_checked() {
    let Some(desk) = Desk::new(0) else { return };
    let o = desk.run(
        &desk
            .connect_args("cc", "cc-app")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // A scope the connection allows: granted, no browser, no tenant to read with.
    let o = desk.run(&[
        "scopes",
        "upgrade",
        "-p",
        "cc",
        "--to",
        "accounting.contacts.read",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let u: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        u["granted"],
        serde_json::json!(["accounting.contacts.read"])
    );
    assert_eq!(
        u["unverified"],
        serde_json::json!(["accounting.contacts.read"])
    );
    assert_eq!(desk.peer.count("client_credentials:success"), 2);
    let before = std::fs::read(desk.token_file("cc")).unwrap();
    // A scope the connection does not allow: refused with the scope parameter (invalid_scope),
    // asked again without one; the answer does not say what it grants and there is no tenant
    // to read with, so nothing confirms it: the old token stays.
    let o = desk.run(&[
        "scopes",
        "upgrade",
        "-p",
        "cc",
        "--to",
        "accounting.invoices",
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("asking again without one"), "{err}");
    assert!(err.contains("did not say what it granted"), "{err}");
    assert!(err.contains("old grant is still in place"), "{err}");
    assert_eq!(std::fs::read(desk.token_file("cc")).unwrap(), before);
    assert_eq!(desk.peer.count("client_credentials:error"), 1);
}

#[test]
fn a_read_call_the_new_grant_cannot_make_stops_the_switch() {
    let Some(desk) = broad_desk() else { return };
    // The profile's tenant (Maple Florist) is disconnected behind its back, as when an admin
    // removes the app in Xero: Xero answers 403 to any read for it.
    let o = desk.run(&["tenants", "use", "-p", "acme", "Opmetrix Demo Ltd"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = desk.run(&[
        "tenants",
        "disconnect",
        "-p",
        "acme",
        "Maple Florist",
        "--yes",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let config = desk.home.path().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "70784a63-d24b-46a9-a4db-0e70a274b056",
        "9a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b",
    );
    std::fs::write(&config, text).unwrap();
    let before = std::fs::read(desk.token_file("acme")).unwrap();
    let o = upgrade(&desk, &["--to", "accounting.invoices"]).finish();
    desk.record(&o);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("could not make GET /api.xro/2.0/Invoices (HTTP 403)"),
        "{err}"
    );
    assert_eq!(std::fs::read(desk.token_file("acme")).unwrap(), before);
    // With no tokens at all, the check says so (exit 6).
    std::fs::remove_file(desk.token_file("acme")).unwrap();
    let o = desk.run(&["scopes", "check", "-p", "acme"]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
}
