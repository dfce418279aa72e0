//! The xero-partner profile: a 30-minute token in a file, renewed through /oauth/AccessToken
//! with the session handle and written back atomically. The renewal endpoint is Xero-only, so a
//! stub on the oauthlib test server answers it in Xero's documented shape, after oauthlib has
//! checked the renewal request's signature for real.

mod common;
use common::*;

fn token_file(dir: &std::path::Path, handle: &str, expires_at: i64) -> std::path::PathBuf {
    let p = dir.join("partner-token.json");
    std::fs::write(&p, serde_json::json!({"oauth_token": "OLDTOKEN", "oauth_token_secret": "x", "oauth_session_handle": handle, "expires_at": expires_at}).to_string()).unwrap();
    p
}

fn partner(port: u16, tf: &std::path::Path, args: &[&str]) -> std::process::Output {
    run(bin()
        .args(args)
        .args(["--consumer-key", "PARTNERCONSUMERKEY", "--key"])
        .arg(fixture("keys/privatekey-pkcs1.pem"))
        .arg("--token-file")
        .arg(tf)
        .args([
            "--access-token-url",
            &format!("http://127.0.0.1:{port}/oauth/AccessToken"),
        ]))
}

#[test]
fn an_expired_partner_token_is_renewed_saved_and_used() {
    let Some(python) = python_with("oauthlib.oauth1") else {
        return;
    };
    let server = start_oauthlib_server(&python);
    let dir = tempfile::tempdir().unwrap();
    let tf = token_file(dir.path(), "HANDLE0", 1_000);
    let url = format!("http://127.0.0.1:{}/api.xro/2.0/Organisation", server.port);
    let o = partner(
        server.port,
        &tf,
        &["oauth1", "request", "--as", "xero-partner", "GET", &url],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("renewed the partner token"),
        "{}",
        stderr(&o)
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&tf).unwrap()).unwrap();
    assert_eq!(saved["oauth_token"], "NEWTOKEN1");
    assert_eq!(saved["oauth_session_handle"], "HANDLE1");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&tf).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The renewed token is the one the API request carried, and oauthlib verified it.
    let arrived = server.arrived();
    let api: Vec<&serde_json::Value> = arrived
        .iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with("api.xro/"))
        .collect();
    assert_eq!(api.len(), 1, "{arrived:?}");
    assert_eq!(api[0]["oauth_token"], "NEWTOKEN1", "{arrived:?}");
    assert_eq!(api[0]["valid"], true);
    // The token is fresh now: a second request does not renew.
    let o = partner(
        server.port,
        &tf,
        &["oauth1", "request", "--as", "xero-partner", "GET", &url],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("renewed"), "{}", stderr(&o));
    // Neither the old nor the new token was printed.
    assert!(!stdout(&o).contains("NEWTOKEN") && !stderr(&o).contains("NEWTOKEN"));
    // Explicit renewal uses the new session handle.
    let o = partner(server.port, &tf, &["oauth1", "renew", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains("NEWTOKEN"));
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&tf).unwrap()).unwrap();
    assert_eq!(saved["oauth_token"], "NEWTOKEN2");
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "temporary files left behind");
}

#[test]
fn a_refused_renewal_keeps_the_old_token_file() {
    let Some(python) = python_with("oauthlib.oauth1") else {
        return;
    };
    let server = start_oauthlib_server(&python);
    let dir = tempfile::tempdir().unwrap();
    let tf = token_file(dir.path(), "REVOKED", 1_000);
    let before = std::fs::read(&tf).unwrap();
    let o = partner(server.port, &tf, &["oauth1", "renew"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("oauth_problem=token_rejected"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("hint: "), "{}", stderr(&o));
    assert_eq!(std::fs::read(&tf).unwrap(), before);
}
