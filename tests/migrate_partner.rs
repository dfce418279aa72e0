//! `migrate --partner`: a partner app's OAuth 1.0a tokens moved with POST /oauth/migrate, against
//! a stub of that Xero-only endpoint on the oauthlib server, where oauthlib checks each call's
//! RSA-SHA1 signature for real. The batch has an expired token (renewed first), a server error
//! in the middle, and a practice tenant; a re-run skips what is done.

mod common;
use common::*;

const CLIENT_SECRET: &str = "partner-client-secret-4b1d";

fn stats(port: u16) -> serde_json::Value {
    oauth1to2::oauth2::http::HttpClient::new(Default::default(), None)
        .unwrap()
        .get_json(&format!("http://127.0.0.1:{port}/__stats"))
        .unwrap()
}

#[test]
fn a_batch_with_an_expired_token_and_a_server_error_finishes_on_a_rerun() {
    let Some(python) = python_with("oauthlib.oauth1") else {
        return;
    };
    let server = start_oauthlib_server(&python);
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("partner.toml");
    std::fs::write(
        &inv,
        format!(
            "name = \"Acme partner app\"\napp_type = \"partner\"\nconsumer_key = \"PARTNERCONSUMERKEY\"\n[private_key]\npath = \"{}\"\n[endpoints]\ncalls = [\"GET Contacts\", \"GET Invoices\"]\n",
            fixture("keys/privatekey-pkcs1.pem").display()
        ),
    )
    .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let batch = dir.path().join("tokens.json");
    std::fs::write(
        &batch,
        serde_json::json!([
            {"label": "Acme Ltd", "oauth_token": "TOKENACME", "oauth_session_handle": "H-A", "expires_at": now + 1200},
            {"label": "Stale Ltd", "oauth_token": "STALE1", "oauth_session_handle": "H-S", "expires_at": now - 4000},
            {"label": "Flaky Ltd", "oauth_token": "FAIL500X", "oauth_session_handle": "H-F", "expires_at": now + 1200},
            {"label": "Books & Co (practice)", "tenant_type": "PRACTICE", "oauth_token": "TOKENPRAC", "oauth_session_handle": "H-P", "expires_at": now + 1200}
        ])
        .to_string(),
    )
    .unwrap();
    let migrate = || {
        run(bin()
            .arg("migrate")
            .arg(&inv)
            .arg("--partner")
            .arg(&batch)
            .args([
                "--client-id",
                "partner-client",
                "--client-secret-env",
                "PSECRET",
            ])
            .env("PSECRET", CLIENT_SECRET)
            .args([
                "--migrate-url",
                &format!("http://127.0.0.1:{}/oauth/migrate", server.port),
            ])
            .args([
                "--access-token-url",
                &format!("http://127.0.0.1:{}/oauth/AccessToken", server.port),
            ]))
    };
    let results = dir.path().join("partner.partner-results.jsonl");
    let lines = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(&results)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };

    let o = migrate();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("Migrated 3, failed 1"), "{err}");
    assert!(err.contains("Flaky Ltd: HTTP 500"), "{err}");
    let r = lines();
    assert_eq!(r.len(), 4);
    // The batch file was rewritten with the renewed token: still 0600 (it holds session handles).
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&batch).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The expired token was renewed (the batch file keeps the new one) and then migrated; the
    // stub refuses STALE tokens, so migrating it unrenewed would have failed.
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&batch).unwrap()).unwrap();
    assert_eq!(saved[1]["oauth_token"], "NEWTOKEN1");
    assert_eq!(saved[1]["oauth_session_handle"], "HANDLE1");
    assert_eq!(r[1]["label"], "Stale Ltd");
    assert_eq!(r[1]["status"], "migrated");
    assert!(stats(server.port).get("migrate:STALE1").is_none());
    // Tokens, tenant ids and expiry (expires_in came as the string "1800").
    for l in r.iter().filter(|l| l["status"] == "migrated") {
        assert!(l["access_token"].as_str().unwrap().starts_with("AT."));
        assert!(l["refresh_token"].as_str().unwrap().starts_with("RT."));
        assert_eq!(l["xero_tenant_id"].as_str().unwrap().len(), 36);
        let exp = l["expires_at"].as_i64().unwrap();
        assert!((exp - now - 1800).abs() < 120, "{exp}");
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&results).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Nothing secret reached the terminal.
    let printed = format!("{}{}", stdout(&o), err);
    assert!(!printed.contains(CLIENT_SECRET));
    for l in &r {
        for k in ["access_token", "refresh_token"] {
            if let Some(t) = l[k].as_str() {
                assert!(!printed.contains(t));
            }
        }
    }

    // The practice tenant's call asked for it in the (signed) query; the others did not.
    let arrived = server.arrived();
    let migrate_calls: Vec<&serde_json::Value> = arrived
        .iter()
        .filter(|a| a["path"].as_str().unwrap().starts_with("oauth/migrate"))
        .collect();
    let practice: Vec<&&serde_json::Value> = migrate_calls
        .iter()
        .filter(|a| a["path"].as_str().unwrap().contains("tenantType=PRACTICE"))
        .collect();
    assert_eq!(practice.len(), 1, "{migrate_calls:?}");
    assert_eq!(practice[0]["oauth_token"], "TOKENPRAC");
    assert_eq!(practice[0]["valid"], true);
    assert!(migrate_calls
        .iter()
        .filter(|a| a["oauth_token"] != "TOKENPRAC")
        .all(|a| !a["path"].as_str().unwrap().contains("tenantType")));

    // The re-run retries only the failed one.
    let o = migrate();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("3 already migrated"), "{}", stderr(&o));
    let s = stats(server.port);
    assert_eq!(s["migrate:TOKENACME"], 1, "{s}");
    assert_eq!(s["migrate:TOKENPRAC"], 1, "{s}");
    assert_eq!(s["migrate:FAIL500X"], 2, "{s}");
    let r = lines();
    assert_eq!(r.len(), 5);
    assert_eq!(r[4]["label"], "Flaky Ltd");
    assert_eq!(r[4]["status"], "migrated");

    // A third run has nothing to do.
    let o = migrate();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stats(server.port)["migrated"], 4);
}

#[test]
fn partner_mode_refuses_a_private_app_and_a_broken_batch() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("private.toml");
    std::fs::write(&inv, "name = \"X\"\napp_type = \"private\"\n").unwrap();
    let batch = dir.path().join("tokens.json");
    std::fs::write(&batch, "[]").unwrap();
    let o = run(bin()
        .arg("migrate")
        .arg(&inv)
        .arg("--partner")
        .arg(&batch)
        .args(["--client-id", "c", "--client-secret-env", "NOPE"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("partner apps"), "{}", stderr(&o));

    std::fs::write(&inv, format!("name = \"X\"\napp_type = \"partner\"\nconsumer_key = \"K\"\n[private_key]\npath = \"{}\"\n", fixture("keys/privatekey-pkcs1.pem").display())).unwrap();
    std::fs::write(&batch, "[{\"label\": \"a\"}]").unwrap();
    let o = run(bin()
        .arg("migrate")
        .arg(&inv)
        .arg("--partner")
        .arg(&batch)
        .args(["--client-id", "c", "--client-secret-env", "PS"])
        .env("PS", "x"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("tokens.json") && err.contains("not a partner token batch"),
        "{err}"
    );
}
