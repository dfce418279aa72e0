//! `oauth1to2 migrate` end to end: the consent in headless Chromium against oidc-provider
//! (standing in for Xero's identity server), the Xero-only endpoints from the test server
//! beside it, a SIGKILL after every step, and the outputs at the end.

mod common;

use common::desk::*;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

const MAPLE: &str = "9a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b";

/// The Opmetrix example, moved to a Web app, in a client folder of the desk.
fn inventory(desk: &Desk) -> PathBuf {
    let dir = desk.home.path().join("clients/maple");
    std::fs::create_dir_all(&dir).unwrap();
    let cert = root().join("fixtures/opmetrix/publickey.cer");
    let text = format!(
        r#"name = "Opmetrix"
vendor = "Opmetrix (I.T. Link Limited)"
app_type = "private"
organisation = "Maple Florist"
region = "NZ"
consumer_key = "PLACEHOLDER0CONSUMER0KEY0OPMETRIX0000"
consumer_secret = {{ env = "OPMETRIX_CONSUMER_SECRET" }}

[certificate]
path = "{}"

[endpoints]
calls = ["GET Contacts", "GET Items", "GET Invoices", "POST Invoices", "GET TaxRates", "GET Accounts"]

[target]
kind = "web"
"#,
        cert.display()
    );
    let p = dir.join("integration.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn migrate_cmd(desk: &Desk, inv: &Path) -> std::process::Command {
    let mut c = desk.cmd();
    c.arg("migrate")
        .arg(inv)
        .args([
            "--client-id",
            "web-app",
            "--client-secret-env",
            "WEB_SECRET_VAR",
        ])
        .args(desk.provider_args());
    desk.consenting(&mut c, "approve");
    c
}

fn state(inv: &Path) -> serde_json::Value {
    let file = inv.with_file_name("integration.migration.json");
    // It names where the secret is and the tenant: 0600, every time it is written.
    assert_eq!(mode(&file), 0o600, "{}", file.display());
    let t = std::fs::read_to_string(&file).unwrap();
    serde_json::from_str(&t).unwrap()
}

fn steps_done(inv: &Path) -> Vec<String> {
    state(inv)["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_owned())
        .collect()
}

const STEPS: [&str; 8] = [
    "audit",
    "plan",
    "credentials",
    "connect",
    "tenant",
    "verify",
    "outputs",
    "checklist",
];

#[test]
fn a_migration_killed_after_every_step_resumes_and_finishes() {
    let Some(desk) = Desk::new(0) else { return };
    let inv = inventory(&desk);

    // The dry run prints the plan and writes nothing.
    let o = desk.run(&[
        "migrate",
        inv.to_str().unwrap(),
        "--dry-run",
        "--client-id",
        "web-app",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The plan is the dry run's output, on stdout.
    assert!(
        stdout(&o).contains("Redirect URI: http://"),
        "{}",
        stdout(&o)
    );
    let listing: Vec<_> = std::fs::read_dir(inv.parent().unwrap()).unwrap().collect();
    assert_eq!(listing.len(), 1, "the dry run wrote nothing");

    // Kill the process (SIGKILL) right after each step is saved; the next run resumes.
    for (i, step) in STEPS[..7].iter().enumerate() {
        let mark = desk.home.path().join(format!("paused-{step}"));
        let mut child = migrate_cmd(&desk, &inv)
            .env(
                "OAUTH1TO2_TEST_PAUSE_AFTER_STEP",
                format!("{step}:{}", mark.display()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let reached = wait_for_file(&mark, Duration::from_secs(90)).is_some();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(reached, "step {step} was not reached");
        assert_eq!(steps_done(&inv), STEPS[..=i], "after a kill at {step}");
    }
    // The last run finishes, without a second consent, and sums up in JSON on stdout.
    let o = migrate_cmd(&desk, &inv).arg("--json").finish();
    desk.record(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON summary");
    assert_eq!(summary["complete"], true);
    assert_eq!(summary["dry_run"], false);
    let done: Vec<&str> = summary["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(done, STEPS);
    assert!(
        stderr(&o).contains("Resuming the migration"),
        "{}",
        stderr(&o)
    );
    assert_eq!(steps_done(&inv), STEPS);
    assert_eq!(
        desk.peer.count("authorization_code:success"),
        1,
        "one consent"
    );
    assert!(
        desk.peer.count("xero:organisation") >= 1,
        "the verification call was made"
    );

    // The state: the client id, the secret by reference, the tenant, the verifying call.
    let st = state(&inv);
    assert_eq!(st["client_id"], "web-app");
    assert_eq!(
        st["client_secret"],
        serde_json::json!({"env": "WEB_SECRET_VAR"})
    );
    assert_eq!(st["tenant_id"], MAPLE);
    assert_eq!(st["tenant_name"], "Maple Florist");
    assert_eq!(st["verified_with"], "GET /api.xro/2.0/Organisation");

    // The profile and tokens.
    let o = desk.run(&["profile", "show", "opmetrix", "--json"]);
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(p["tenant_id"], MAPLE);
    assert_eq!(p["grant"], "authorization_code");
    assert_eq!(
        p["scopes"],
        serde_json::json!([
            "offline_access",
            "accounting.contacts.read",
            "accounting.invoices",
            "accounting.settings.read"
        ])
    );
    let tokens = desk.tokens("opmetrix");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(desk.token_file("opmetrix"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    // The record and the handoff: what happened, the tenant, no secret.
    let record =
        std::fs::read_to_string(inv.with_file_name("integration.migration-record.md")).unwrap();
    let handoff = std::fs::read_to_string(inv.with_file_name("integration.handoff.env")).unwrap();
    assert!(
        record.contains("Maple Florist") && record.contains(MAPLE),
        "{record}"
    );
    for step in STEPS[..7].iter() {
        assert!(
            record.contains(&format!("| {step} |")),
            "{step} missing from\n{record}"
        );
    }
    assert!(
        handoff.contains(&format!("export XERO_TENANT_ID={MAPLE}")),
        "{handoff}"
    );
    assert!(
        handoff.contains("export XERO_CLIENT_ID=web-app"),
        "{handoff}"
    );
    let mut secrets = secrets_in(&tokens);
    secrets.push(WEB_SECRET.into());
    for s in &secrets {
        assert!(!record.contains(s.as_str()) && !handoff.contains(s.as_str()));
        assert!(!serde_json::to_string(&st).unwrap().contains(s.as_str()));
    }
    // The handoff for a platform: the tenant under Oomnitza's variable name, no secret...
    let o = desk.run(&["export", "-p", "opmetrix", "--format", "oomnitza"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(&format!("Xero.Tenant Id: {MAPLE}")), "{out}");
    assert!(out.contains("Scopes: offline_access accounting.contacts.read accounting.invoices accounting.settings.read"), "{out}");
    assert!(
        out.contains("https://generic-oauth2-proxy.oomnitza.com/oauth2/redirect_url"),
        "{out}"
    );
    // ...unless it goes to a new 0600 file...
    let secret_file = desk.home.path().join("handoff-secret.txt");
    let o = desk.run(&[
        "export",
        "-p",
        "opmetrix",
        "--format",
        "json",
        "--secret-out",
        secret_file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["tenant_id"], MAPLE);
    assert!(v["client_secret_location"]
        .as_str()
        .unwrap()
        .contains("handoff-secret.txt"));
    assert_eq!(
        std::fs::read_to_string(&secret_file).unwrap().trim(),
        WEB_SECRET
    );
    let mode = std::fs::metadata(&secret_file)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let o = desk.run(&[
        "export",
        "-p",
        "opmetrix",
        "--secret-out",
        secret_file.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an existing secret file is not replaced"
    );
    desk.assert_nothing_leaked(&secrets);
    // ...or --reveal asks for it.
    let o = desk
        .cmd()
        .args(["export", "-p", "opmetrix", "--reveal"])
        .finish();
    assert!(
        stdout(&o).contains(&format!("export XERO_CLIENT_SECRET={WEB_SECRET}")),
        "{}",
        stdout(&o)
    );

    // Running it again changes nothing and says it is complete.
    let o = migrate_cmd(&desk, &inv).finish();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(desk.peer.count("authorization_code:success"), 1);
}

#[test]
fn an_ambiguous_organisation_asks_for_the_tenant() {
    let Some(desk) = Desk::new(0) else { return };
    let inv = inventory(&desk);
    let text = std::fs::read_to_string(&inv)
        .unwrap()
        .replace("Maple Florist", "Someone Else Ltd");
    std::fs::write(&inv, text).unwrap();
    // No terminal: the error lists the organisations and asks for --tenant.
    let o = migrate_cmd(&desk, &inv).finish();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("Maple Florist") && err.contains("Opmetrix Demo Ltd"),
        "{err}"
    );
    assert!(err.contains("--tenant"), "{err}");
    // On the error line itself, without a literal "\0A" where a line break was.
    assert!(!err.contains("\\0A"), "{err}");
    let line = err.lines().find(|l| l.starts_with("error:")).unwrap();
    assert!(line.contains("1. ") && line.contains("; 2. "), "{err}");
    assert_eq!(steps_done(&inv), STEPS[..4]);
    // Given the tenant, it carries on from there.
    let o = migrate_cmd(&desk, &inv)
        .args(["--tenant", "70784a63-d24b-46a9-a4db-0e70a274b056"])
        .finish();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(state(&inv)["tenant_name"], "Opmetrix Demo Ltd");
    assert_eq!(desk.peer.count("authorization_code:success"), 1);
}

/// `migrate` of the NetSuite TBA example: NetSuite's plan through the same resumable steps. The
/// token endpoint is oidc-provider with a `private_key_jwt` client whose key it reads from a
/// jwks_uri (the key is made during the migration); the REST record reads go to the test
/// server's stand-in for NetSuite's REST API, which takes only the tokens oidc-provider issued.
#[test]
fn a_netsuite_tba_integration_moves_to_machine_to_machine() {
    let Some(desk) = Desk::new(0) else { return };
    let dir = desk.home.path().join("clients/harbour");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["integration.toml", "traffic.har"] {
        std::fs::copy(root().join("fixtures/netsuite").join(f), dir.join(f)).unwrap();
    }
    let inv = dir.join("integration.toml");
    let run = |extra: &[&str]| {
        let mut c = desk.cmd();
        c.arg("migrate")
            .arg(&inv)
            .args(["--client-id", "ns-migrate"])
            .args(["--token-endpoint", &format!("{}/token", desk.peer.issuer)])
            .args(["--api-base", &format!("{}/services/rest", desk.peer.issuer)])
            .arg("--ca-file")
            .arg(&desk.peer.ca_file)
            .args(extra)
            .stdin(Stdio::null());
        let o = c.finish();
        desk.record(&o);
        o
    };

    // First run: the plan, then the key and certificate, then it stops for the Certificate ID
    // (no one to ask), with the certificate ready to upload.
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("create the new NetSuite integration record"),
        "{err}"
    );
    assert!(
        err.contains("Client Credentials (Machine to Machine) Grant"),
        "{err}"
    );
    assert!(err.contains("certificate id: not given"), "{err}");
    assert!(err.contains("--certificate-id"), "{err}");
    let m2m = dir.join("integration.m2m");
    let key = m2m.join("netsuite-privatekey.pem");
    let cert = m2m.join("netsuite-publickey.cer");
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(&m2m), 0o700);
    let o = common::run(
        bin()
            .args(["cert", "check", "--for", "netsuite-m2m"])
            .arg(&cert),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let state_file = dir.join("integration.migration.json");
    let steps = std::fs::read_to_string(&state_file).unwrap();
    assert!(
        steps.contains("\"plan\"") && !steps.contains("\"credentials\""),
        "{steps}"
    );

    // The consultant uploads the certificate; NetSuite (here: the provider's jwks_uri) now
    // knows it under its Certificate ID.
    std::fs::copy(&cert, desk.peer.assertion_keys.join("ns-migrate.cer")).unwrap();
    std::fs::write(desk.peer.assertion_keys.join("ns-migrate.kid"), "ns-cert-1").unwrap();
    let before = std::fs::read(&key).unwrap();
    let o = run(&["--certificate-id", "ns-cert-1"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}
{}",
        stderr(&o),
        desk.peer.stats()
    );
    assert_eq!(
        std::fs::read(&key).unwrap(),
        before,
        "the key made before is kept"
    );
    let err = stderr(&o);
    assert!(
        err.contains("keeping the key and certificate made before"),
        "{err}"
    );
    // One assertion, with NetSuite's claims: kid = the Certificate ID, the scopes inside.
    let last = &desk.peer.stats()["last_assertion"];
    assert_eq!(last["header"]["kid"], "ns-cert-1", "{last}");
    assert_eq!(last["header"]["alg"], "PS256", "{last}");
    assert_eq!(
        last["claims"]["scope"], "rest_webservices,restlets",
        "{last}"
    );
    assert_eq!(last["claims"]["iss"], "ns-migrate");
    // A REST read for each record type the HAR shows, with the new token.
    assert_eq!(desk.peer.count("netsuite:record:customer"), 1);
    assert_eq!(desk.peer.count("netsuite:record:salesOrder"), 1);
    assert_eq!(desk.peer.count("netsuite:401"), 0);
    // The account stands where the tenant would; the checklist ends with the decommissioning.
    assert!(err.contains("account 1234567_SB1"), "{err}");
    assert!(err.contains("Revoke the TBA access token"), "{err}");
    assert!(err.contains("Block the old integration record"), "{err}");
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    let done: Vec<&str> = state["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(done, STEPS);
    assert_eq!(state["assertion"]["kid"], "ns-cert-1");
    // The handoff: what the integration needs, by name and path; never the key.
    let handoff = std::fs::read_to_string(dir.join("integration.handoff.env")).unwrap();
    for line in [
        "export NETSUITE_ACCOUNT_ID=1234567_SB1",
        "export NETSUITE_CLIENT_ID=ns-migrate",
        "export NETSUITE_CERTIFICATE_ID=ns-cert-1",
        "export NETSUITE_SCOPES='rest_webservices restlets'",
    ] {
        assert!(handoff.contains(line), "{line}: {handoff}");
    }
    assert!(handoff.contains("NETSUITE_PRIVATE_KEY_FILE="), "{handoff}");
    let record = std::fs::read_to_string(dir.join("integration.migration-record.md")).unwrap();
    assert!(record.contains("From: OAuth 1.0 tba app"), "{record}");
    // The connection renews itself with a new assertion: one more client-credentials grant at
    // the provider, and a new access token stored.
    let old_token = desk.tokens("harbour-order-sync")["access_token"].clone();
    let grants = desk.peer.count("client_credentials:success");
    desk.expire_in("harbour-order-sync", 5);
    let o = desk.run(&["token", "get", "-p", "harbour-order-sync"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(desk.peer.count("client_credentials:success"), grants + 1);
    let after = desk.tokens("harbour-order-sync")["access_token"].clone();
    assert_ne!(after, old_token, "the token was not renewed");
    assert_eq!(stdout(&o).trim(), after.as_str().unwrap());
    // `export --format json` carries the same NetSuite fields.
    let o = desk.run(&["export", "-p", "harbour-order-sync", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(e["account"], "1234567_SB1");
    assert_eq!(e["certificate_id"], "ns-cert-1");
    assert!(e["private_key_file"]
        .as_str()
        .unwrap()
        .ends_with("integration.m2m/netsuite-privatekey.pem"));
    // A key made already (--assertion-key): no key is made beside the inventory.
    let other = desk.home.path().join("clients/harbour2");
    std::fs::create_dir_all(&other).unwrap();
    for f in ["integration.toml", "traffic.har"] {
        std::fs::copy(root().join("fixtures/netsuite").join(f), other.join(f)).unwrap();
    }
    let mut c = desk.cmd();
    c.arg("migrate")
        .arg(other.join("integration.toml"))
        .args(["-p", "harbour2", "--client-id", "ns-ps256"])
        .arg("--assertion-key")
        .arg(desk.peer.assertion_keys.join("assert-rsa.pem"))
        .args(["--certificate-id", "rsa-kid"])
        .args(["--token-endpoint", &format!("{}/token", desk.peer.issuer)])
        .args(["--api-base", &format!("{}/services/rest", desk.peer.issuer)])
        .arg("--ca-file")
        .arg(&desk.peer.ca_file)
        .stdin(Stdio::null());
    let o = c.finish();
    desk.record(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!other.join("integration.m2m").exists());
    assert_eq!(
        desk.peer.stats()["last_assertion"]["header"]["kid"],
        "rsa-kid"
    );
    let key_text = String::from_utf8(before).unwrap();
    let body: String = key_text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    desk.assert_nothing_leaked(&[body[..40].to_owned()]);
}

/// A refusal in the middle of a migration says to run the migration again, not `connect`.
#[test]
fn a_declined_consent_in_migrate_points_back_to_migrate() {
    let Some(desk) = Desk::new(0) else { return };
    let inv = inventory(&desk);
    let mut c = migrate_cmd(&desk, &inv);
    desk.consenting(&mut c, "deny");
    let o = c.finish();
    desk.record(&o);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("access_denied") || err.contains("declined"),
        "{err}"
    );
    assert!(
        err.contains(
            "hint: run the same `oauth1to2 migrate` command again: it resumes at this step"
        ),
        "{err}"
    );
    assert!(!err.contains("run connect again"), "{err}");
}
