//! Salesforce's External Client App flows against real peers: oidc-provider as the login host
//! with a registered JWT bearer grant (tests/peers/oidc_peer.mjs: the assertion verified with
//! the certificate `cert new --for salesforce` made, iss, aud, exp and a pre-authorised sub, as
//! Salesforce's flow page lists them), its client credentials flow, the org's REST API at the
//! instance URL the token answer names, and PyJWT decoding what we sign.

mod common;

use common::desk::*;
use common::*;
use std::path::{Path, PathBuf};

/// A certificate and key for the app, made by `cert new --for salesforce` in `dir`; with
/// `upload`, the certificate is copied to where the peer reads the app's certificate.
fn app_certificate(desk: &Desk, dir: &Path, upload: bool) -> PathBuf {
    let o = run(bin()
        .args([
            "cert",
            "new",
            "--for",
            "salesforce",
            "--cn",
            "Acme Salesforce integration",
        ])
        .arg("--out-dir")
        .arg(dir));
    assert!(o.status.success(), "cert new: {}", stderr(&o));
    if upload {
        std::fs::copy(
            dir.join("salesforce-publickey.cer"),
            desk.peer.assertion_keys.join("sf-app.cer"),
        )
        .unwrap();
    }
    dir.join("salesforce-privatekey.pem")
}

/// `connect` of a JWT bearer profile against the peer, with `extra` flags.
fn connect_jwt(
    desk: &Desk,
    profile: &str,
    key: &Path,
    user: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut cmd = desk.cmd();
    cmd.args([
        "connect",
        "-p",
        profile,
        "--provider",
        "salesforce",
        "--grant",
        "jwt-bearer",
    ])
    .args([
        "--client-id",
        "sf-eca",
        "--username",
        user,
        "--login-url",
        &desk.peer.issuer,
    ])
    .arg("--ca-file")
    .arg(&desk.peer.ca_file)
    .arg("--assertion-key")
    .arg(key)
    .args(extra);
    let o = cmd.finish();
    desk.record(&o);
    o
}

fn end_sessions(desk: &Desk) {
    let http =
        oauth1to2::oauth2::http::HttpClient::new(Default::default(), Some(&desk.peer.ca_file))
            .unwrap();
    let r = http
        .send(
            "POST",
            &format!("{}/__sf/end-sessions", desk.peer.issuer),
            &[],
            None,
        )
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn the_jwt_bearer_grant_connects_and_the_api_is_called_at_the_instance_url() {
    let Some(desk) = Desk::new(0) else { return };
    let keys = tempfile::tempdir().unwrap();
    let key = app_certificate(&desk, keys.path(), true);
    let before = oauth1to2::oauth2::now();
    let o = connect_jwt(&desk, "acme-sf", &key, SF_USER, &["--json"]);
    assert!(o.status.success(), "connect: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["grant"], "jwt_bearer");
    assert_eq!(v["refresh_token"], false);
    // The token answer's instance_url, not the login URL, is where the API is.
    assert_eq!(v["api_base"], desk.peer.sf_instance.as_str());
    assert_ne!(desk.peer.sf_instance, desk.peer.issuer);

    // What the peer verified and decoded: Salesforce's four claims, RS256, nothing else.
    let stats = desk.peer.stats();
    assert_eq!(stats["sf:bearer:ok"], 1, "{stats}");
    let b = &stats["last_bearer"];
    assert_eq!(b["header"], serde_json::json!({"alg": "RS256"}));
    let mut names: Vec<&str> = b["claims"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["aud", "exp", "iss", "sub"]);
    assert_eq!(b["claims"]["iss"], "sf-eca");
    assert_eq!(b["claims"]["sub"], SF_USER);
    assert_eq!(b["claims"]["aud"], desk.peer.issuer.as_str());
    let exp = b["claims"]["exp"].as_i64().unwrap();
    assert!(
        exp >= before + 120 && exp <= oauth1to2::oauth2::now() + 120,
        "exp {exp}, now {before}"
    );

    // Stored as a profile calling the instance, with no refresh token and an assumed expiry.
    let t = desk.tokens("acme-sf");
    assert!(t.get("refresh_token").is_none(), "{t}");
    assert_eq!(t["expiry_assumed"], true);
    let ttl = t["expires_at"].as_i64().unwrap() - t["obtained_at"].as_i64().unwrap();
    assert_eq!(ttl, 15 * 60);
    assert_eq!(mode(&desk.token_file("acme-sf")), 0o600);
    let o = desk.run(&["profile", "show", "acme-sf", "--json"]);
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(p["api_base"], desk.peer.sf_instance.as_str(), "{p}");
    let o = desk.run(&["token", "show", "-p", "acme-sf", "--json"]);
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["expiry_assumed"], true, "{s}");
    assert_eq!(s["has_refresh_token"], false);
    // The handoff of a profile connected by hand: the same SF_* variables migrate writes.
    let o = desk.run(&["export", "-p", "acme-sf", "--format", "env"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let env = stdout(&o);
    for line in [
        "export SF_CLIENT_ID=sf-eca".to_owned(),
        format!("export SF_USERNAME={SF_USER}"),
        format!("export SF_LOGIN_URL={}", desk.peer.issuer),
        format!("export SF_INSTANCE_URL={}", desk.peer.sf_instance),
        format!("export SF_JWT_KEY_FILE={}", key.display()),
    ] {
        assert!(env.lines().any(|l| l == line), "{line} not in:\n{env}");
    }
    let o = desk.run(&["token", "show", "-p", "acme-sf"]);
    assert!(
        stdout(&o).contains("taken to expire (the provider gave no lifetime)"),
        "{}",
        stdout(&o)
    );

    // A read at the instance.
    let limits = |desk: &Desk| {
        let o = desk.run(&["api", "-p", "acme-sf", "GET", "/services/data/v65.0/limits"]);
        assert!(o.status.success(), "api: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["DailyApiRequests"]["Max"], 15000, "{v}");
        assert_eq!(v["user"], SF_USER);
    };
    limits(&desk);
    assert_eq!(desk.peer.count("sf:api:limits"), 1);
    assert_eq!(
        desk.peer.count("sf:bearer:ok"),
        1,
        "a good token was renewed"
    );

    // An old token: a new assertion is signed (there is no refresh token).
    desk.expire_in("acme-sf", 30);
    limits(&desk);
    assert_eq!(desk.peer.count("sf:bearer:ok"), 2);
    let again = desk.tokens("acme-sf");
    assert_ne!(again["access_token"], t["access_token"]);

    // Salesforce ends the session early (INVALID_SESSION_ID): one new assertion, one retry.
    end_sessions(&desk);
    limits(&desk);
    assert_eq!(desk.peer.count("sf:api:401"), 1);
    assert_eq!(desk.peer.count("sf:bearer:ok"), 3);
    let last = desk.tokens("acme-sf");
    let mut secrets = secrets_in(&t);
    secrets.extend(secrets_in(&again));
    secrets.extend(secrets_in(&last));
    desk.assert_nothing_leaked(&secrets);
}

#[test]
fn refusals_are_explained_and_nothing_is_stored() {
    let Some(desk) = Desk::new(0) else { return };
    let keys = tempfile::tempdir().unwrap();
    let key = app_certificate(&desk, keys.path(), true);
    let other = tempfile::tempdir().unwrap();
    let not_uploaded = app_certificate(&desk, other.path(), false);

    // A user the app does not pre-authorise.
    let o = connect_jwt(&desk, "sf", &key, "someone@acme.example", &[]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("user hasn't approved this consumer"), "{e}");
    assert!(e.contains("pre-authorise"), "{e}");

    // A key whose certificate is not the app's.
    let o = connect_jwt(&desk, "sf", &not_uploaded, SF_USER, &[]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("invalid assertion") && e.contains("certificate uploaded"),
        "{e}"
    );

    // The assertion addressed to the sandbox's login URL while the token request goes here.
    let token = format!("{}/services/oauth2/token", desk.peer.issuer);
    let mut cmd = desk.cmd();
    cmd.args([
        "connect",
        "-p",
        "sf",
        "--provider",
        "salesforce",
        "--grant",
        "jwt-bearer",
    ])
    .args(["--client-id", "sf-eca", "--username", SF_USER])
    .args([
        "--login-url",
        "https://test.salesforce.com",
        "--token-endpoint",
        &token,
    ])
    .arg("--ca-file")
    .arg(&desk.peer.ca_file)
    .arg("--assertion-key")
    .arg(&key);
    let o = cmd.finish();
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("audience is invalid"), "{e}");
    assert!(
        e.contains("https://login.salesforce.com") && e.contains("My Domain"),
        "{e}"
    );
    assert_eq!(desk.peer.count("sf:bearer:ok"), 0);
    let refused = desk.peer.stats();
    let n = |k: &str| {
        refused[format!("sf:bearer:refused:{k}")]
            .as_u64()
            .unwrap_or(0)
    };
    assert_eq!(n("user hasn't approved this consumer"), 1, "{refused}");
    assert_eq!(n("invalid assertion"), 1, "{refused}");
    assert_eq!(n("audience is invalid"), 1, "{refused}");

    // Refused before anything is sent: an EC key, PS256, no username.
    let ec = desk.peer.assertion_keys.join("assert-ec.pem");
    let o = connect_jwt(&desk, "sf", &ec, SF_USER, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("RS256"), "{}", stderr(&o));
    let o = connect_jwt(&desk, "sf", &key, SF_USER, &["--assertion-alg", "PS256"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Salesforce refuses PS256"),
        "{}",
        stderr(&o)
    );
    let mut cmd = desk.cmd();
    cmd.args([
        "connect",
        "-p",
        "sf",
        "--provider",
        "salesforce",
        "--grant",
        "jwt-bearer",
    ])
    .args(["--client-id", "sf-eca", "--login-url", &desk.peer.issuer])
    .arg("--assertion-key")
    .arg(&key);
    let o = cmd.finish();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("username"), "{}", stderr(&o));
    let stats = desk.peer.stats();
    let sent: u64 = stats
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("sf:bearer:"))
        .map(|(_, v)| v.as_u64().unwrap_or(0))
        .sum();
    assert_eq!(
        sent, 3,
        "only the three refused above reached the peer: {stats}"
    );
    assert!(!desk.token_file("sf").exists());
    let o = desk.run(&["profile", "list", "--json"]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("\"sf\""));
}

#[test]
fn the_client_credentials_variant_calls_the_instance_too() {
    let Some(desk) = Desk::new(0) else { return };
    let mut cmd = desk.cmd();
    cmd.env("SF_SECRET", SF_CC_SECRET)
        .args(["connect", "-p", "acme-cc", "--provider", "salesforce"])
        .args(["--grant", "client-credentials", "--client-id", "sf-eca-cc"])
        .args([
            "--client-secret-env",
            "SF_SECRET",
            "--login-url",
            &desk.peer.issuer,
        ])
        .arg("--ca-file")
        .arg(&desk.peer.ca_file)
        .arg("--json");
    let o = cmd.finish();
    desk.record(&o);
    assert!(o.status.success(), "connect: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["grant"], "client_credentials");
    assert_eq!(v["api_base"], desk.peer.sf_instance.as_str());
    assert_eq!(desk.peer.count("client_credentials:success"), 1);
    let o = desk
        .cmd()
        .env("SF_SECRET", SF_CC_SECRET)
        .args(["api", "-p", "acme-cc", "GET", "/services/data/v65.0/limits"])
        .finish();
    desk.record(&o);
    assert!(o.status.success(), "api: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["DailyApiRequests"]["Remaining"], 14999);
    let mut secrets = secrets_in(&desk.tokens("acme-cc"));
    secrets.push(SF_CC_SECRET.into());
    desk.assert_nothing_leaked(&secrets);
}

#[test]
fn pyjwt_decodes_a_salesforce_assertion_with_the_certificate() {
    let Some(python) = python_with("jwt") else {
        return;
    };
    let Some(openssl) = openssl() else { return };
    let dir = tempfile::tempdir().unwrap();
    let o = run(bin()
        .args(["cert", "new", "--for", "salesforce", "--cn", "Acme"])
        .arg("--out-dir")
        .arg(dir.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    let key = dir.path().join("salesforce-privatekey.pem");
    // The public key from the certificate, by openssl.
    let o = run(std::process::Command::new(&openssl)
        .args(["x509", "-noout", "-pubkey", "-in"])
        .arg(dir.path().join("salesforce-publickey.cer")));
    assert!(o.status.success(), "{}", stderr(&o));
    let public = dir.path().join("public.pem");
    std::fs::write(&public, &o.stdout).unwrap();

    use oauth1to2::oauth2::assertion::{make_bearer, AssertionAlg, AssertionKey, BearerClaims};
    let k = AssertionKey::load(&key, AssertionAlg::RS256).unwrap();
    let now = oauth1to2::oauth2::now();
    let policy = oauth1to2::provider::salesforce::BEARER;
    let jwt = make_bearer(
        &k,
        None,
        &policy,
        &BearerClaims {
            issuer: "3MVG9consumerkey",
            subject: "integration@acme.com",
            audience: "https://test.salesforce.com",
            now,
        },
    )
    .unwrap();
    let script = r#"
import json, sys, jwt
token, pub = sys.argv[1], open(sys.argv[2]).read()
claims = jwt.decode(token, pub, algorithms=["RS256"], audience=sys.argv[3], issuer=sys.argv[4], options={"require": ["exp", "iss", "sub", "aud"]})
print(json.dumps({"header": jwt.get_unverified_header(token), "claims": claims}))
"#;
    let o = run(std::process::Command::new(&python)
        .args(["-c", script, &jwt])
        .arg(&public)
        .args(["https://test.salesforce.com", "3MVG9consumerkey"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["header"], serde_json::json!({"alg": "RS256"}));
    assert_eq!(
        v["claims"],
        serde_json::json!({"iss": "3MVG9consumerkey", "sub": "integration@acme.com", "aud": "https://test.salesforce.com", "exp": now + 120})
    );
    // PyJWT refuses it for the production login URL.
    let o = run(std::process::Command::new(&python)
        .args(["-c", script, &jwt])
        .arg(&public)
        .args(["https://login.salesforce.com", "3MVG9consumerkey"]));
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("InvalidAudienceError"),
        "{}",
        stderr(&o)
    );
    // More than Salesforce's three minutes is refused before signing.
    let long = oauth1to2::oauth2::assertion::BearerPolicy {
        lifetime: 181,
        ..policy
    };
    let e = make_bearer(
        &k,
        None,
        &long,
        &BearerClaims {
            issuer: "a",
            subject: "b",
            audience: "c",
            now,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("at most 180 s"), "{e}");
}

#[test]
fn migrate_moves_a_password_login_to_the_jwt_bearer_flow_and_hands_it_over() {
    let Some(desk) = Desk::new(0) else { return };
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("etl.toml");
    std::fs::write(
        &inv,
        format!("name = \"Acme ETL\"\nprovider = \"salesforce\"\napp_type = \"password-flow\"\nusername = \"{SF_USER}\"\npassword = {{ env = \"ETL_PW\" }}\n"),
    )
    .unwrap();
    let migrate = |extra: &[&str]| {
        let mut cmd = desk.cmd();
        cmd.arg("migrate")
            .arg(&inv)
            .args(["--client-id", "sf-eca", "--login-url", &desk.peer.issuer])
            .arg("--ca-file")
            .arg(&desk.peer.ca_file)
            .args(extra)
            .stdin(std::process::Stdio::null());
        let o = cmd.finish();
        desk.record(&o);
        o
    };
    // No terminal to say the certificate is uploaded: it stops after making it, and says how
    // to go on.
    let o = migrate(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--uploaded"), "{}", stderr(&o));
    let made = dir.path().join("etl.m2m");
    let cert = made.join("salesforce-publickey.cer");
    let key = made.join("salesforce-privatekey.pem");
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(&made), 0o700);
    assert_eq!(desk.peer.count("sf:bearer:ok"), 0);
    // The person uploads it; the run goes on from there, keeping the same key.
    std::fs::copy(&cert, desk.peer.assertion_keys.join("sf-app.cer")).unwrap();
    let before = std::fs::read(&key).unwrap();
    let o = migrate(&["--uploaded", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&key).unwrap(),
        before,
        "the key was made again"
    );
    assert_eq!(desk.peer.count("sf:bearer:ok"), 1);
    assert_eq!(
        desk.peer.count("sf:api:limits"),
        1,
        "the verify step reads the limits"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["complete"], true, "{v}");
    // The handoff: the variables an integration needs, the key's path, never the key.
    let handoff = std::fs::read_to_string(dir.path().join("etl.handoff.env")).unwrap();
    assert_eq!(mode(&dir.path().join("etl.handoff.env")), 0o600);
    for line in [
        "export SF_CLIENT_ID=sf-eca".to_owned(),
        format!("export SF_USERNAME={SF_USER}"),
        format!("export SF_LOGIN_URL={}", desk.peer.issuer),
        format!("export SF_INSTANCE_URL={}", desk.peer.sf_instance),
        format!("export SF_JWT_KEY_FILE={}", key.display()),
    ] {
        assert!(
            handoff.lines().any(|l| l == line),
            "{line} not in:\n{handoff}"
        );
    }
    assert!(!handoff.contains("PRIVATE KEY"));
    let profile = v["profile"].as_str().unwrap();
    let o = desk.run(&["api", "-p", profile, "GET", "/services/data/v65.0/limits"]);
    assert!(o.status.success(), "{}", stderr(&o));
    desk.assert_nothing_leaked(&secrets_in(&desk.tokens(profile)));
}

#[test]
fn a_folder_of_orgs_is_migrated_one_by_one_and_resumes_where_each_stopped() {
    let Some(desk) = Desk::new(0) else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Two orgs' integrations, each with the new app's consumer key; the second's user is not
    // pre-authorised yet.
    let later = "reports@acme.example";
    for (file, name, user) in [
        ("a-etl.toml", "Acme ETL", SF_USER),
        ("b-reports.toml", "Beta reports", later),
    ] {
        std::fs::write(
            d.join(file),
            format!("name = \"{name}\"\nprovider = \"salesforce\"\napp_type = \"soap-login\"\napi_version = \"45.0\"\nusername = \"{user}\"\n\n[target]\nclient_id = \"sf-eca\"\n"),
        )
        .unwrap();
    }
    let run = || {
        let mut cmd = desk.cmd();
        cmd.arg("migrate")
            .arg(d)
            .args(["--uploaded", "--json", "--login-url", &desk.peer.issuer])
            .arg("--ca-file")
            .arg(&desk.peer.ca_file)
            .stdin(std::process::Stdio::null());
        let o = cmd.finish();
        desk.record(&o);
        o
    };
    // Each inventory makes its own key; both are "uploaded" as the one app's certificate is
    // here: the peer's app holds the first one's, so copy it over the second's.
    let o = run();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{v}");
    // The peer holds no certificate yet: both stop at connect.
    for i in items {
        assert_eq!(i["complete"], false, "{i}");
        assert_eq!(i["next_step"], "connect", "{i}");
        assert!(
            i["error"].as_str().unwrap().contains("invalid assertion"),
            "{i}"
        );
    }
    std::fs::copy(
        d.join("a-etl.m2m/salesforce-publickey.cer"),
        desk.peer.assertion_keys.join("sf-app.cer"),
    )
    .unwrap();
    for f in ["salesforce-privatekey.pem", "salesforce-publickey.cer"] {
        std::fs::copy(d.join("a-etl.m2m").join(f), d.join("b-reports.m2m").join(f)).unwrap();
    }
    let o = run();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["items"][0]["complete"], true, "{v}");
    assert_eq!(v["items"][1]["complete"], false, "{v}");
    let e = v["items"][1]["error"].as_str().unwrap();
    assert!(e.contains("user hasn't approved this consumer"), "{e}");
    assert!(stderr(&o).contains("pre-authorise"), "{}", stderr(&o));
    // The admin pre-authorises the second user; the run finishes it and leaves the first.
    let http =
        oauth1to2::oauth2::http::HttpClient::new(Default::default(), Some(&desk.peer.ca_file))
            .unwrap();
    let r = http
        .send(
            "POST",
            &format!("{}/__sf/preauthorise?user={later}", desk.peer.issuer),
            &[],
            None,
        )
        .unwrap();
    assert_eq!(r.status, 200);
    let tokens_before = desk.peer.count("sf:bearer:ok");
    let o = run();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["complete"] == true),
        "{v}"
    );
    assert_eq!(
        desk.peer.count("sf:bearer:ok"),
        tokens_before + 1,
        "only the second connected"
    );
    for (f, user) in [
        ("a-etl.handoff.env", SF_USER),
        ("b-reports.handoff.env", later),
    ] {
        let h = std::fs::read_to_string(d.join(f)).unwrap();
        assert!(h.contains(&format!("export SF_USERNAME={user}\n")), "{h}");
        assert!(
            h.contains(&format!(
                "export SF_INSTANCE_URL={}\n",
                desk.peer.sf_instance
            )),
            "{h}"
        );
    }
}
