//! `oauth1to2 audit` on the worked examples, on inventories written in the test, and on broken
//! ones; the HTML report rendered in headless Chromium.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// The date every audit here is run as of.
const AT: &str = "2026-12-01";

fn audit_json(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let o = run(bin()
        .current_dir(root())
        .arg("audit")
        .args(args)
        // A fixed date: the fixture certificates' validity findings change with time.
        .args(["--at", AT])
        .arg("--json"));
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code(), v, stderr(&o))
}

fn ids(a: &serde_json::Value) -> Vec<String> {
    a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Writes an inventory into `dir` with the fixture keys' absolute paths filled in.
fn inventory(dir: &Path, name: &str, body: &str) -> PathBuf {
    let keys = root().join("fixtures/keys");
    let text = body.replace("KEYS", &keys.display().to_string());
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_opmetrix_example_is_a_published_weak_certificate_for_a_custom_connection() {
    let (code, v, err) = audit_json(&["fixtures/opmetrix/integration.toml"]);
    assert_eq!(code, Some(1), "{err}");
    let a = &v[0];
    assert_eq!(a["status"], "errors");
    assert_eq!(a["app_type"], "private");
    assert!(a["oauth1_status"].as_str().unwrap().contains("2021-09-30"));
    let ids = ids(a);
    for id in [
        "published-certificate",
        "rsa-key-too-small",
        "weak-signature-hash",
    ] {
        assert!(ids.contains(&id.to_owned()), "{id} missing from {ids:?}");
    }
    // One organisation in NZ: a Custom Connection, without offline_access.
    assert_eq!(a["recommendation"]["target"], "custom-connection");
    assert!(a["recommendation"]["reason"]
        .as_str()
        .unwrap()
        .contains("NZ"));
    assert_eq!(
        a["scopes"]["scope_string"],
        "accounting.contacts.read accounting.invoices accounting.settings.read"
    );
    // The checklist ends with decommissioning.
    let steps: Vec<&str> = a["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let tail = steps[steps.len() - 3..].join("\n");
    assert!(
        tail.contains("delete the private app \"Opmetrix\""),
        "{tail}"
    );
    assert!(
        tail.contains("Retire the certificate and private key"),
        "{tail}"
    );
    assert!(tail.contains("consumer key"), "{tail}");
}

#[test]
fn the_oomnitza_example_goes_to_the_platforms_own_flow() {
    let (code, v, err) = audit_json(&["fixtures/oomnitza/integration.toml"]);
    assert_eq!(code, Some(0), "{err}");
    let a = &v[0];
    assert_eq!(a["recommendation"]["target"], "third-party");
    let steps = a["checklist"].to_string();
    assert!(steps.contains("https://generic-oauth2-proxy.oomnitza.com/oauth2/redirect_url"));
    assert!(steps.contains("Xero.Tenant Id"));
    assert!(steps.contains("openid profile assets assets.read"));
    assert!(ids(a).contains(&"platform-scopes-wider".to_owned()));
}

#[test]
fn a_key_is_checked_against_the_certificate_and_inline_secrets_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let good = inventory(dir.path(), "good.toml", "name = \"Acme sync\"\napp_type = \"private\"\nregion = \"FR\"\n[certificate]\npath = \"KEYS/publickey.cer\"\n[private_key]\npath = \"KEYS/privatekey-pkcs1.pem\"\n");
    let (code, v, err) = audit_json(&[good.to_str().unwrap()]);
    assert_eq!(v[0]["key_matches"], true, "{err}");
    assert_eq!(code, Some(0), "{err}: {v}");
    // No Custom Connection in France.
    assert_eq!(v[0]["recommendation"]["target"], "web");
    assert!(v[0]["recommendation"]["reason"]
        .as_str()
        .unwrap()
        .contains("FR"));

    let secret = "s3cr3t-consumer-value-9d1e";
    let bad = inventory(dir.path(), "bad.toml", &format!("name = \"Acme sync\"\napp_type = \"private\"\nconsumer_secret = \"{secret}\"\n[certificate]\npath = \"KEYS/publickey.cer\"\n[private_key]\npath = \"KEYS/other-privatekey.pem\"\n"));
    let (code, v, _) = audit_json(&[bad.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert_eq!(v[0]["key_matches"], false);
    let ids = ids(&v[0]);
    assert!(ids.contains(&"key-mismatch".to_owned()), "{ids:?}");
    assert!(ids.contains(&"inline-secret".to_owned()), "{ids:?}");
    // The secret itself appears in no format.
    for format in ["text", "json", "markdown", "html"] {
        let o = run(bin().args([
            "audit",
            bad.to_str().unwrap(),
            "--at",
            AT,
            "--format",
            format,
        ]));
        assert!(
            !stdout(&o).contains(secret) && !stderr(&o).contains(secret),
            "{format}"
        );
    }
}

#[test]
fn bad_inventories_name_the_file_the_line_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        // (file body, expected "FILE line N", a word of the message)
        ("name = \"X\"\n", "line", "app_type"),
        ("name = \"X\"\napp_type = \"privat\"\n", "line 2", "privat"),
        ("name = \"X\"\napp_type = \"private\"\nregion = 64\n", "line 3", "string"),
        ("name = \"X\"\napp_type = \"private\"\n\n[certificate]\npath = \"nowhere.cer\"\n", "line 5", "nowhere.cer"),
        ("name = \"X\"\napp_type = \"private\"\n[certificate]\npath = \"KEYS/password.txt\"\n", "line 4", "certificate is unusable"),
        ("name = \"X\"\napp_type = \"private\"\n[endpoints]\ncalls = [\"FETCH Invoices\"]\n", "line 4", "FETCH"),
        ("name = \"X\"\napp_type = \"private\"\n[endpoints]\nhar = \"missing.har\"\n", "line 4", "missing.har"),
        ("name = \"X\"\napp_type = \"private\"\nconsumer_secret = { env = \"A\", file = \"b\" }\n", "line 3", "exactly one"),
    ];
    for (i, (body, at, word)) in cases.iter().enumerate() {
        let name = format!("case{i}.toml");
        let p = inventory(dir.path(), &name, body);
        let o = run(bin().args(["audit", p.to_str().unwrap()]));
        assert_eq!(o.status.code(), Some(2), "case {i}");
        let err = stderr(&o);
        let first = err.lines().next().unwrap_or("");
        assert!(
            first.contains(&name) && first.contains(at),
            "case {i}: {err}"
        );
        assert!(first.contains(word), "case {i}: {err}");
        assert!(
            err.lines().nth(1).is_some_and(|l| l.starts_with("hint: ")),
            "case {i}: {err}"
        );
    }
}

#[test]
fn the_html_report_is_self_contained_and_carries_every_finding() {
    if oidc_peers().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("audit.html");
    let o = run(bin()
        .current_dir(root())
        .args([
            "audit",
            "fixtures/opmetrix/integration.toml",
            "fixtures/oomnitza/integration.toml",
            "--at",
            AT,
            "--format",
            "html",
            "-o",
        ])
        .arg(&html));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let (_, v, _) = audit_json(&[
        "fixtures/opmetrix/integration.toml",
        "fixtures/oomnitza/integration.toml",
    ]);
    let shot = dir.path().join("audit.png");
    let o = run(std::process::Command::new("node")
        .arg(root().join("tests/peers/render.mjs"))
        .arg(&html)
        .arg(&shot)
        .env("CHROMIUM", chromium()));
    assert!(o.status.success(), "{}", stderr(&o));
    let page: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        page["requests"],
        serde_json::json!([]),
        "the page fetched something"
    );
    assert_eq!(page["title"], "OAuth 1.0a to OAuth 2.0 audit");
    let text = page["text"].as_str().unwrap();
    for a in v.as_array().unwrap() {
        assert!(text.contains(a["name"].as_str().unwrap()));
        for f in a["findings"].as_array().unwrap() {
            assert!(text.contains(f["id"].as_str().unwrap()), "{}", f["id"]);
            // The message as the browser shows it (entities decoded).
            assert!(
                text.contains(f["message"].as_str().unwrap()),
                "{}",
                f["message"]
            );
        }
    }
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot"
    );
}

#[test]
fn init_writes_an_inventory_that_audit_reads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acme.toml");
    let cert = root().join("fixtures/keys/publickey.cer");
    let o = run(bin()
        .arg("init")
        .arg(&file)
        .args([
            "--name",
            "Acme \"stock\" sync",
            "--app-type",
            "private",
            "--organisation",
            "Acme Ltd",
        ])
        .args([
            "--region",
            "au",
            "--consumer-secret-env",
            "ACME_SECRET",
            "--certificate",
        ])
        .arg(&cert)
        .args(["--calls", "GET Contacts, POST Invoices", "--target", "pkce"])
        .stdin(std::process::Stdio::null()));
    assert!(o.status.success(), "{}", stderr(&o));
    let (code, v, err) = audit_json(&[file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(v[0]["name"], "Acme \"stock\" sync");
    assert_eq!(v[0]["recommendation"]["target"], "pkce");
    assert_eq!(
        v[0]["scopes"]["scope_string"],
        "offline_access accounting.contacts.read accounting.invoices"
    );
    // It never overwrites without --force, and without a terminal it needs the required flags.
    let o = run(bin()
        .arg("init")
        .arg(&file)
        .args(["--name", "x", "--app-type", "public"])
        .stdin(std::process::Stdio::null()));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"));
    let o = run(bin()
        .arg("init")
        .arg(dir.path().join("b.toml"))
        .stdin(std::process::Stdio::null()));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--name"), "{}", stderr(&o));
}

#[test]
fn init_asks_on_a_terminal() {
    // `script` (util-linux, essential on Debian) gives init a terminal; the answers are typed
    // into it line by line.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("asked.toml");
    let cert = root().join("fixtures/keys/publickey.cer");
    let bin_path = env!("CARGO_BIN_EXE_oauth1to2");
    let mut child = std::process::Command::new("script")
        .arg("-qec")
        .arg(format!("{bin_path} init {}", file.display()))
        .arg("/dev/null")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            format!(
                "Acme sync\n\nprivate\nAcme Ltd\nnz\n{}\nGET Contacts, GET Items\n",
                cert.display()
            )
            .as_bytes(),
        )
        .unwrap();
    let o = finish_child(child, "a child the test fed", COMMAND_LIMIT);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("Integration name"), "{}", stdout(&o));
    let (code, v, err) = audit_json(&[file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(v[0]["organisation"], "Acme Ltd");
    assert_eq!(v[0]["recommendation"]["target"], "custom-connection");
    assert_eq!(
        v[0]["scopes"]["scope_string"],
        "accounting.contacts.read accounting.settings.read"
    );
}

/// The worked example's findings, worked out by hand from src/provider/xero/scopes.tsv
/// (fixtures/granular/README.md).
const GRANULAR: &str = "fixtures/granular/integration.toml";

#[test]
fn an_oauth2_web_app_with_broad_scopes_gets_its_findings_and_re_consent_checklist() {
    let (code, v, err) = audit_json(&[GRANULAR]);
    assert_eq!(code, Some(1), "{err}");
    let a = &v[0];
    assert_eq!(a["app_type"], "web");
    assert_eq!(a["protocol"], "OAuth 2.0");
    let found: Vec<(String, String, String)> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = [
        (
            "scope-missing",
            "error",
            "GET /api.xro/2.0/Journals needs accounting.journals.read",
        ),
        (
            "broad-scope-deprecated",
            "warning",
            "accounting.transactions is a broad scope Xero retires by September 2027",
        ),
        (
            "broad-scope-deprecated",
            "warning",
            "accounting.reports.read is a broad scope Xero retires by September 2027",
        ),
        (
            "scope-unused",
            "notice",
            "accounting.attachments is requested",
        ),
    ];
    assert_eq!(found.len(), expect.len(), "{found:?}");
    for ((id, sev, msg), (eid, esev, emsg)) in found.iter().zip(expect) {
        assert_eq!((id.as_str(), sev.as_str()), (eid, esev));
        assert!(msg.starts_with(emsg), "{msg}");
    }
    // The hint for the broad scope names what the calls need from it.
    assert!(a["findings"][1]["hint"]
        .as_str()
        .unwrap()
        .starts_with("request accounting.invoices accounting.payments instead"));
    assert_eq!(
        a["scopes"]["scope_string"],
        "offline_access accounting.contacts.read accounting.invoices accounting.journals.read accounting.payments accounting.reports.profitandloss.read accounting.settings.read"
    );
    // The checklist: the scopes, the authorise link from the client id and redirect URI, the
    // consultant's own re-consent, the check.
    let steps: Vec<&str> = a["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(steps[1].contains("Every connected organisation must authorise again"));
    assert!(steps[1].contains("https://login.xero.com/identity/connect/authorize?response_type=code&client_id=8F3C1D2E4B5A69788796A5B4C3D2E1F0&redirect_uri=https%3A%2F%2Fsync.harbour.example%2Fxero%2Fcallback&scope=openid+profile+email+offline_access+accounting.contacts.read+accounting.invoices"), "{}", steps[1]);
    assert!(steps[2].starts_with(
        "Re-consent your own connection: oauth1to2 scopes upgrade -p harbour-stock-sync --to '"
    ));
    assert!(steps
        .iter()
        .any(|s| s.contains("oauth1to2 scopes check -p harbour-stock-sync")));

    // Text and Markdown say the same, with the protocol named.
    for (format, protocol) in [("text", "OAuth 2.0:"), ("markdown", "**OAuth 2.0:**")] {
        let o = run(bin()
            .current_dir(root())
            .args(["audit", GRANULAR, "--at", AT, "--format", format]));
        assert_eq!(o.status.code(), Some(1));
        let out = stdout(&o);
        assert!(out.contains(protocol), "{format}: {out}");
        for (id, _, msg) in &found {
            assert!(out.contains(id.as_str()), "{format}: {id}");
            let shown = if format == "markdown" {
                msg.replace('.', "\\.").replace('_', "\\_")
            } else {
                msg.clone()
            };
            assert!(
                out.contains(&shown) || out.contains(msg.as_str()),
                "{format}: {msg}\n{out}"
            );
        }
        assert!(out.contains("must authorise again"), "{format}");
    }
}

#[test]
fn the_html_report_of_an_oauth2_app_carries_every_finding() {
    if oidc_peers().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("audit.html");
    let o = run(bin()
        .current_dir(root())
        .args(["audit", GRANULAR, "--at", AT, "--format", "html", "-o"])
        .arg(&html));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let (_, v, _) = audit_json(&[GRANULAR]);
    let o = run(std::process::Command::new("node")
        .arg(root().join("tests/peers/render.mjs"))
        .arg(&html)
        .arg(dir.path().join("audit.png"))
        .env("CHROMIUM", chromium()));
    assert!(o.status.success(), "{}", stderr(&o));
    let page: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(page["requests"], serde_json::json!([]));
    let text = page["text"].as_str().unwrap();
    assert!(text.contains("OAuth 2.0"));
    let findings = v[0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 4);
    for f in findings {
        assert!(text.contains(f["id"].as_str().unwrap()), "{}", f["id"]);
        assert!(
            text.contains(f["message"].as_str().unwrap()),
            "{}",
            f["message"]
        );
    }
    assert!(text.contains("must authorise again"));
}

#[test]
fn oauth2_inventories_find_a_missing_offline_access_and_a_late_custom_connection() {
    let dir = tempfile::tempdir().unwrap();
    let web = inventory(
        dir.path(),
        "web.toml",
        r#"name = "Night Sync"
app_type = "pkce"
scopes = ["openid", "accounting.contacts.read"]
[endpoints]
calls = ["GET Contacts"]
"#,
    );
    let (code, v, err) = audit_json(&[web.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(ids(&v[0]), ["offline-access-missing"]);
    // Not when a user signs in for every run.
    let attended = inventory(
        dir.path(),
        "attended.toml",
        r#"name = "Desk Tool"
app_type = "pkce"
unattended = false
scopes = ["openid", "accounting.contacts.read"]
[endpoints]
calls = ["GET Contacts"]
"#,
    );
    let (code, v, _) = audit_json(&[attended.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert!(ids(&v[0]).is_empty(), "{:?}", ids(&v[0]));
    // A Custom Connection created in June 2026 with a broad scope: refused now, an error.
    let cc = inventory(
        dir.path(),
        "cc.toml",
        r#"name = "Ledger Feed"
app_type = "custom-connection"
app_created = 2026-06-10
scopes = ["accounting.transactions.read"]
[endpoints]
calls = ["GET Invoices"]
"#,
    );
    let (code, v, _) = audit_json(&[cc.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert_eq!(ids(&v[0]), ["custom-connection-broad-scope"]);
    assert!(v[0]["findings"][0]["hint"]
        .as_str()
        .unwrap()
        .contains("accounting.invoices.read"));
    // The day the rule starts (our reading: 1 May 2026), and the day before.
    for (day, id) in [
        ("2026-05-01", "custom-connection-broad-scope"),
        ("2026-04-30", "broad-scope-deprecated"),
    ] {
        let text = std::fs::read_to_string(&cc)
            .unwrap()
            .replace("2026-06-10", day);
        let p = inventory(dir.path(), &format!("cc-{day}.toml"), &text);
        let (_, v, _) = audit_json(&[p.to_str().unwrap()]);
        assert_eq!(ids(&v[0]), [id], "{day}");
    }
    // An OAuth 2.0 app whose scopes are not given.
    let bare = inventory(
        dir.path(),
        "bare.toml",
        "name = \"Bare\"\napp_type = \"web\"\n[endpoints]\ncalls = [\"GET Contacts\"]\n",
    );
    let (_, v, _) = audit_json(&[bare.to_str().unwrap()]);
    assert!(
        ids(&v[0]).contains(&"no-scopes".to_owned()),
        "{:?}",
        ids(&v[0])
    );
    // The same one created in 2025: only the deadline warning; after September 2027, an error.
    let old = std::fs::read_to_string(&cc)
        .unwrap()
        .replace("2026-06-10", "2025-06-10");
    std::fs::write(&cc, old).unwrap();
    let (code, v, _) = audit_json(&[cc.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert_eq!(v[0]["findings"][0]["id"], "broad-scope-deprecated");
    assert_eq!(v[0]["findings"][0]["severity"], "warning");
    let o = run(bin().current_dir(root()).args([
        "audit",
        cc.to_str().unwrap(),
        "--at",
        "2027-10-01",
        "--json",
    ]));
    let late: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(late[0]["findings"][0]["severity"], "error");
    assert!(late[0]["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("retired in September 2027"));
    // migrate refuses an OAuth 2.0 app and says where to go instead.
    let o = run(bin().arg("migrate").arg(&cc).arg("--dry-run"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("scopes upgrade"), "{}", stderr(&o));
}

#[test]
fn an_inventory_naming_an_endless_file_is_refused_without_reading_it_through() {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        (
            "cert.toml",
            "name = \"Z\"\napp_type = \"private\"\n[certificate]\npath = \"/dev/zero\"\n",
        ),
        (
            "har.toml",
            "name = \"Z\"\napp_type = \"web\"\nscopes = [\"openid\"]\n[endpoints]\nhar = \"/dev/zero\"\n",
        ),
    ] {
        let p = inventory(dir.path(), name, body);
        // Read through, /dev/zero would never end: the cap refuses it after 16 MiB.
        let o = run(bin().current_dir(root()).arg("audit").arg(&p));
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("/dev/zero") && err.contains("MiB"), "{name}: {err}");
    }
}

/// The NetSuite example: TBA's status, the calls sorted into NetSuite's API families from the
/// HAR (SOAP included, from its envelope), the scopes machine-to-machine needs, and NetSuite's
/// plan with its decommissioning.
#[test]
fn the_netsuite_example_is_a_tba_integration_moving_to_machine_to_machine() {
    let (code, v, err) = audit_json(&["fixtures/netsuite/integration.toml"]);
    assert_eq!(code, Some(0), "{err}");
    let a = &v[0];
    assert_eq!(a["app_type"], "tba");
    assert_eq!(a["protocol"], "OAuth 1.0");
    assert!(a["oauth1_status"].as_str().unwrap().contains("2027.1"));
    assert_eq!(ids(a), ["soap-call"]);
    assert!(a["findings"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("SOAP search (1 call)"));
    assert_eq!(a["recommendation"]["target"], "m2m");
    let plan = &a["scopes"];
    assert_eq!(plan["scope_string"], "rest_webservices restlets");
    assert_eq!(
        plan["scopes"][0]["needed_by"],
        serde_json::json!([
            "GET REST record customer",
            "GET REST record salesOrder",
            "POST REST record salesOrder",
            "POST REST SuiteQL query"
        ])
    );
    assert_eq!(
        plan["scopes"][1]["needed_by"],
        serde_json::json!(["POST RESTlet script 612 deploy 1"])
    );
    assert_eq!(plan["unmapped"][0]["call"], "SOAP search");
    let steps: Vec<&str> = a["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    // The SOAP move first, then NetSuite's six steps.
    assert!(
        steps[0].starts_with("Move the SOAP operations"),
        "{steps:?}"
    );
    assert!(steps[1].contains("Client Credentials (Machine to Machine) Grant"));
    assert!(steps[2].contains("cert new --for netsuite-m2m"));
    assert!(steps[3].contains("OAuth 2.0 Client Credentials (M2M) Setup"));
    assert!(steps[4].contains("--provider netsuite --account 1234567_SB1"));
    assert!(steps[5].contains("/record/v1/customer?limit=1"));
    assert!(steps[6].contains("/record/v1/salesOrder?limit=1"));
    assert!(steps
        .iter()
        .any(|s| s.starts_with("Revoke the TBA access token")));
    assert!(steps
        .iter()
        .any(|s| s.starts_with("Block the old integration record")));
    // Markdown carries the same, with the protocol named.
    let o = run(bin().current_dir(root()).args([
        "audit",
        "fixtures/netsuite/integration.toml",
        "--format",
        "markdown",
    ]));
    let md = stdout(&o);
    assert!(
        md.contains("`soap-call`") && md.contains(r"rest\_webservices restlets"),
        "{md}"
    );
    // migrate --dry-run prints NetSuite's plan and writes nothing.
    let dir = tempfile::tempdir().unwrap();
    for f in ["integration.toml", "traffic.har"] {
        std::fs::copy(root().join("fixtures/netsuite").join(f), dir.path().join(f)).unwrap();
    }
    let o = run(bin()
        .arg("migrate")
        .arg(dir.path().join("integration.toml"))
        .arg("--dry-run")
        .env("OAUTH1TO2_HOME", dir.path().join("home")));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The plan is the dry run's output, on stdout.
    let err = stdout(&o);
    assert!(
        err.contains("create the new NetSuite integration record"),
        "{err}"
    );
    assert!(err.contains("OAuth 1.0: in use"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "nothing written: {left:?}");
    // Step 3 sends nothing: a key left without its certificate is refused, not replaced.
    let m2m = dir.path().join("integration.m2m");
    std::fs::create_dir(&m2m).unwrap();
    std::fs::write(m2m.join("netsuite-privatekey.pem"), "kept as it is").unwrap();
    let o = run(bin()
        .arg("migrate")
        .arg(dir.path().join("integration.toml"))
        .args(["--client-id", "CLIENT"])
        .env("OAUTH1TO2_HOME", dir.path().join("home"))
        .stdin(std::process::Stdio::null()));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("netsuite-privatekey.pem is there, but")
            && err.contains("netsuite-publickey.cer is not"),
        "{err}"
    );
    assert!(err.contains("move the folder away"), "{err}");
    assert_eq!(
        std::fs::read_to_string(m2m.join("netsuite-privatekey.pem")).unwrap(),
        "kept as it is"
    );
}

/// What stops a TBA integration today: HMAC-SHA1 (in the inventory or on the wire), a realm for
/// another account than the host, a secret written into the inventory; and a user-present
/// integration goes to the authorization code grant.
#[test]
fn tba_findings_come_from_the_inventory_and_the_wire() {
    let dir = tempfile::tempdir().unwrap();
    let auth = |realm: &str, method: &str| {
        format!(
            r#"OAuth realm=\"{realm}\", oauth_consumer_key=\"ck\", oauth_token=\"t\", oauth_signature_method=\"{method}\", oauth_timestamp=\"1\", oauth_nonce=\"n\", oauth_version=\"1.0\", oauth_signature=\"x\""#
        )
    };
    let entry = |url: &str, authorization: String| {
        format!(
            r#"{{"request": {{"method": "GET", "url": "{url}", "headers": [{{"name": "authorization", "value": "{authorization}"}}]}}}}"#
        )
    };
    let har = format!(
        r#"{{"log": {{"entries": [{}, {}, {}]}}}}"#,
        entry(
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/customer/1",
            auth("1234567_SB1", "HMAC-SHA1")
        ),
        entry(
            "https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=6&deploy=1",
            auth("1234567", "HMAC-SHA256")
        ),
        entry("https://api.xero.com/connections", auth("x", "HMAC-SHA256")),
    );
    std::fs::write(dir.path().join("t.har"), har).unwrap();
    let inv = inventory(
        dir.path(),
        "ns.toml",
        r#"name = "Old sync"
provider = "netsuite"
app_type = "tba"
account = "1234567-sb1"
consumer_key = "ck"
token_id = "t"
token_secret = "hunter2-token-secret"
signature_method = "HMAC-SHA1"
unattended = false

[endpoints]
har = "t.har"
"#,
    );
    let (code, v, err) = audit_json(&[inv.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    let a = &v[0];
    let found = ids(a);
    for id in ["tba-hmac-sha1", "tba-realm-mismatch", "inline-secret"] {
        assert!(found.contains(&id.to_owned()), "{id}: {found:?}");
    }
    let text = a.to_string();
    assert!(
        text.contains("the inventory's signature_method, 1 call in the evidence"),
        "{text}"
    );
    assert!(
        text.contains(
            r#"signed with realm \"1234567\" went to the host of account \"1234567-sb1\""#
        ),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "the secret is never shown");
    assert_eq!(a["recommendation"]["target"], "authorization-code");
    assert_eq!(a["scopes"]["scope_string"], "rest_webservices restlets");
    // A target chosen in the inventory is followed, with the audit's own choice noted.
    let p = inventory(
        dir.path(),
        "chosen.toml",
        "name = \"x\"\nprovider = \"netsuite\"\napp_type = \"tba\"\naccount = \"1234567\"\nunattended = false\n[target]\nkind = \"m2m\"\n",
    );
    let (_, v, err) = audit_json(&[p.to_str().unwrap()]);
    let r = &v[0]["recommendation"];
    assert_eq!(r["target"], "m2m", "{err}");
    assert!(r["differs_from_inventory"]
        .as_str()
        .unwrap()
        .contains("the audit would choose authorization-code"));
    // The client's reports say so too.
    for (format, label) in [
        ("markdown", "**Chosen in the inventory:**"),
        ("html", "<em>Chosen in the inventory:</em>"),
        ("text", "note:"),
    ] {
        let o = run(bin().args(["audit", "--format", format]).arg(&p));
        let out = stdout(&o);
        let line = out
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("{format}: no {label}\n{out}"));
        assert!(
            line.contains("the audit would choose authorization-code"),
            "{format}: {line}"
        );
    }
    // The same traffic for an inventory naming another account, and for one naming none.
    for (account, id, message) in [
        (
            "account = \"7654321\"\n",
            "tba-realm-mismatch",
            "the evidence has calls to account 1234567-sb1 but the inventory names 7654321",
        ),
        ("", "no-account", "does not name the NetSuite account"),
    ] {
        let p = inventory(
            dir.path(),
            "other.toml",
            &format!("name = \"x\"\nprovider = \"netsuite\"\napp_type = \"tba\"\n{account}[endpoints]\nhar = \"t.har\"\n"),
        );
        let (_, v, err) = audit_json(&[p.to_str().unwrap()]);
        let f = v[0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id && f["severity"] == "warning")
            .unwrap_or_else(|| panic!("{id}: {v} {err}"));
        assert!(f["message"].as_str().unwrap().contains(message), "{f}");
    }
    // A NetSuite inventory must say so both ways, and move to a NetSuite target.
    for (body, why) in [
        ("name = \"x\"\napp_type = \"tba\"\n", "does not go with provider = \"xero\""),
        ("name = \"x\"\nprovider = \"netsuite\"\napp_type = \"private\"\n", "does not go with provider = \"netsuite\""),
        ("name = \"x\"\nprovider = \"netsuite\"\napp_type = \"tba\"\n[target]\nkind = \"web\"\n", "not a NetSuite target"),
        ("name = \"x\"\nprovider = \"netsuite\"\napp_type = \"tba\"\naccount = \"12/34\"\n", "not a NetSuite account id"),
        ("name = \"x\"\nprovider = \"netsuite\"\napp_type = \"tba\"\nsignature_method = \"PLAINTEXT\"\n", "not one TBA has used"),
        ("name = \"x\"\napp_type = \"private\"\naccount = \"1234567\"\n", "Xero has no accounts in its endpoints"),
        ("name = \"x\"\nprovider = \"nosuch\"\napp_type = \"tba\"\n", "provider \"nosuch\" is not one oauth1to2 knows"),
        ("name = \"x\"\nprovider = \"xero\"\napp_type = \"tba\"\n", "does not go with provider = \"xero\""),
    ] {
        let p = inventory(dir.path(), "bad.toml", body);
        let (code, _, err) = audit_json(&[p.to_str().unwrap()]);
        assert_eq!(code, Some(2), "{body}: {err}");
        assert!(err.contains(why), "{body}: {err}");
    }
}

/// `init` covers every provider in the registry: a NetSuite TBA inventory written from flags is
/// one `audit` reads as NetSuite's, and an app type of another provider's is refused, naming it.
#[test]
fn init_writes_a_netsuite_inventory_too() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("harbour.toml");
    let o = run(bin()
        .arg("init")
        .arg(&file)
        .args([
            "--provider",
            "netsuite",
            "--name",
            "Harbour",
            "--app-type",
            "tba",
        ])
        .args(["--account", "1234567_SB1", "--token-id", "2c8c5eb8b4"])
        .stdin(std::process::Stdio::null()));
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, v, err) = audit_json(&[file.to_str().unwrap()]);
    assert_eq!(v[0]["app_type"], "tba", "{err}");
    assert_eq!(v[0]["recommendation"]["target"], "m2m", "{v}");
    let o = run(bin()
        .arg("init")
        .arg(dir.path().join("wrong.toml"))
        .args([
            "--provider",
            "netsuite",
            "--name",
            "H",
            "--app-type",
            "private",
        ])
        .stdin(std::process::Stdio::null()));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("\"private\" is Xero's"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("wrong.toml").exists());
}
