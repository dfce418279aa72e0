//! `oauth1to2 audit` of Salesforce integrations: the worked example in fixtures/salesforce (an
//! ETL job on the username-password flow, a Data Loader script on SOAP login() 38.0, the org's
//! Login History and an ApiTotalUsage file), inventories written here for each SOAP version
//! rule, and hostile Login History files.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn audit_json(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let o = run(bin()
        .current_dir(root())
        .arg("audit")
        .args(args)
        .arg("--json"));
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code(), v, stderr(&o))
}

fn by_name<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v.as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no audit of {name}: {v}"))
}

fn findings<'a>(a: &'a serde_json::Value, id: &str) -> Vec<&'a str> {
    a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == id)
        .map(|f| f["message"].as_str().unwrap())
        .collect()
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn the_worked_example_finds_the_password_and_soap_logins_with_their_dates() {
    let (code, v, err) = audit_json(&["fixtures/salesforce"]);
    assert_eq!(code, Some(1), "{err}");
    let etl = by_name(&v, "Acme nightly ETL");
    assert_eq!(etl["status"], "errors");
    assert_eq!(etl["recommendation"]["target"], "jwt-bearer");
    let retires = findings(etl, "password-flow-retires");
    assert!(retires[0].contains("Winter '27"), "{retires:?}");
    let pw = findings(etl, "login-history-password-flow");
    assert_eq!(pw.len(), 2, "{pw:?}");
    assert!(
        pw[0].starts_with(
            "3 login(s) (1 failed) by etl@acme.example (the inventory's API user) through Acme ETL"
        ),
        "{}",
        pw[0]
    );
    assert!(
        pw[0].ends_with("last 2026-11-04T01:00:05.000+0000"),
        "{}",
        pw[0]
    );
    // A quoted application name with a comma is one field.
    assert!(
        pw[1].contains("bi@acme.example (another user) through Reporting, Inc. connector"),
        "{}",
        pw[1]
    );
    let soap = findings(etl, "login-history-soap-login");
    assert_eq!(soap.len(), 1);
    assert!(
        soap[0].contains("loader@acme.example") && soap[0].contains("API 38.0"),
        "{}",
        soap[0]
    );
    // The browser and web-server logins are not legacy logins.
    let all = etl["findings"].to_string();
    assert!(!all.contains("jo@acme.example"), "{all}");
    // The checklist: certificate, app, pre-authorisation, connect, handoff, decommissioning.
    let steps = etl["checklist"].as_array().unwrap();
    let text = |i: usize| steps[i].as_str().unwrap();
    assert!(text(0).contains("cert new --for salesforce"));
    assert!(steps.iter().any(|s| s
        .as_str()
        .unwrap()
        .contains("Admin approved users are pre-authorized")));
    assert!(steps
        .iter()
        .any(|s| s.as_str().unwrap().contains("--grant jwt-bearer")
            && s.as_str().unwrap().contains("--username etl@acme.example")));
    assert!(steps
        .iter()
        .any(|s| s.as_str().unwrap().contains("SF_INSTANCE_URL")));
    assert!(steps.iter().any(|s| s
        .as_str()
        .unwrap()
        .contains("turn off username-password flows")));

    let dl = by_name(&v, "Acme Data Loader export");
    let r = findings(dl, "soap-login-retires");
    assert!(
        r[0].contains("API 38.0") && r[0].contains("Summer '27"),
        "{r:?}"
    );
    assert_eq!(findings(dl, "soap-version-deprecated").len(), 1);
    assert!(findings(dl, "soap-jwt-access-token")[0].contains("68.0"));
    assert_eq!(findings(dl, "no-login-url").len(), 1);
    // The ApiTotalUsage file has user ids only; its REST and query rows are not logins.
    let s = findings(dl, "login-history-soap-login");
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(
        s[0].starts_with("1 login(s) by 005000000000002AAA (a user id"),
        "{}",
        s[0]
    );
    assert!(dl["checklist"].to_string().contains("65.0 or later"));
}

#[test]
fn each_soap_version_gets_its_rule() {
    let dir = tempfile::tempdir().unwrap();
    for (version, id, other) in [
        (Some("66.0"), "soap-login-gone", None),
        (Some("64.0"), "soap-login-retires", None),
        (
            Some("31.0"),
            "soap-login-retires",
            Some("soap-version-deprecated"),
        ),
        (Some("29.0"), "soap-version-retired", None),
        (None, "soap-version-unknown", None),
    ] {
        let line = version
            .map(|v| format!("api_version = \"{v}\"\n"))
            .unwrap_or_default();
        let p = write(
            dir.path(),
            "s.toml",
            &format!("name = \"S\"\nprovider = \"salesforce\"\napp_type = \"soap-login\"\nusername = \"u@acme.example\"\n{line}"),
        );
        let (_, v, err) = audit_json(&[p.to_str().unwrap()]);
        let a = &v[0];
        assert_eq!(findings(a, id).len(), 1, "{version:?}: {a} {err}");
        if let Some(o) = other {
            assert_eq!(findings(a, o).len(), 1, "{version:?}");
        }
        assert_eq!(
            findings(a, "soap-jwt-access-token").len(),
            // Every version here is below 68.0.
            usize::from(version.is_some()),
            "{version:?}"
        );
    }
    // Moved already: no retirement finding, the certificate checked with Salesforce's lints.
    let p = write(
        dir.path(),
        "m.toml",
        "name = \"M\"\nprovider = \"salesforce\"\napp_type = \"jwt-bearer\"\nusername = \"u@acme.example\"\nlogin_url = \"https://test.salesforce.com\"\n",
    );
    let (code, v, _) = audit_json(&[p.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(findings(&v[0], "no-certificate").len(), 1, "{v}");
    assert!(findings(&v[0], "password-flow-retires").is_empty());
}

#[test]
fn bad_inventories_and_hostile_login_history_are_reported_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An inline password: a finding, and the value never printed.
    let p = write(d, "inline.toml", "name = \"I\"\nprovider = \"salesforce\"\napp_type = \"password-flow\"\nusername = \"u@acme.example\"\npassword = \"Hunter2-sf-9f8e7d\"\n");
    let o = run(bin().arg("audit").arg(&p));
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert!(out.contains("inline-secret"), "{out}");
    assert!(!out.contains("Hunter2-sf-9f8e7d"), "{out}");
    // A login URL over plain http, an API version that is not one.
    for (field, body) in [
        ("login_url", "login_url = \"http://login.salesforce.com\""),
        ("api_version", "api_version = \"fifty\""),
    ] {
        let p = write(
            d,
            "bad.toml",
            &format!(
                "name = \"B\"\nprovider = \"salesforce\"\napp_type = \"soap-login\"\n{body}\n"
            ),
        );
        let o = run(bin().arg("audit").arg(&p));
        assert_eq!(o.status.code(), Some(2), "{field}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(field) && stderr(&o).contains("line 4"),
            "{}",
            stderr(&o)
        );
    }
    // A Login History file with no column that tells how a login was made.
    write(d, "wrong.csv", "Name,Email\na,b\n");
    let p = write(d, "w.toml", "name = \"W\"\nprovider = \"salesforce\"\napp_type = \"password-flow\"\nlogin_history = [\"wrong.csv\"]\n");
    let o = run(bin().arg("audit").arg(&p));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("wrong.csv") && e.contains("LoginSubType") && e.contains("line 4"),
        "{e}"
    );
    // Hostile values: a terminal escape in a username, a record far over the cap, a quote
    // never closed. Escaped, skipped and counted; the audit finishes.
    let mut csv = String::from("Username,LoginSubType,ApiType,Application\n");
    csv.push_str("\"evil\x1b]0;pwned\x07@acme.example\",OAuth Username-Password,,App\n");
    csv.push_str(&format!("x,{},,App\n", "y".repeat(200_000)));
    csv.push_str("ok@acme.example,OAuth Username-Password,,App\n");
    csv.push_str("<script>alert(1)</script>|x*y*@acme.example,OAuth Username-Password,,App\n");
    csv.push_str("\"never closed,OAuth Username-Password,,App\n");
    write(d, "hostile.csv", &csv);
    let p = write(d, "h.toml", "name = \"H\"\nprovider = \"salesforce\"\napp_type = \"password-flow\"\nlogin_history = [\"hostile.csv\"]\n");
    let o = run(bin().arg("audit").arg(&p));
    let text = stdout(&o);
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    assert!(text.contains("ok@acme.example"), "{text}");
    assert!(text.contains("login-history-skipped"), "{text}");
    let (_, v, _) = audit_json(&[p.to_str().unwrap()]);
    assert_eq!(
        findings(&v[0], "login-history-password-flow").len(),
        3,
        "{v}"
    );
    // The same values in the HTML and Markdown reports: escaped for each.
    for (format, file) in [("html", "r.html"), ("markdown", "r.md")] {
        let out = d.join(file);
        let o = run(bin()
            .args(["audit", "--format", format, "-o"])
            .arg(&out)
            .arg(&p));
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let r = std::fs::read_to_string(&out).unwrap();
        assert!(!r.contains("<script>alert(1)</script>"), "{format}: {r}");
        assert!(!r.contains('\x1b'), "{format}");
        assert!(r.contains("ok@acme.example"), "{format}");
        if format == "markdown" {
            assert!(!r.contains("|x*y*@"), "{r}");
        }
    }
}

#[test]
fn the_remaining_findings_each_have_their_case() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // No username, no Login History: both said; a new app is an External Client App.
    let p = write(
        d,
        "bare.toml",
        "name = \"Bare\"\nprovider = \"salesforce\"\napp_type = \"password-flow\"\n",
    );
    let (_, v, _) = audit_json(&[p.to_str().unwrap()]);
    for id in [
        "no-username",
        "no-login-history",
        "new-apps-are-external-client-apps",
        "no-login-url",
    ] {
        assert_eq!(findings(&v[0], id).len(), 1, "{id}: {v}");
    }
    // Login History with only browser logins: clean, with the count.
    write(d, "clean.csv", "Username,LoginType,LoginSubType,ApiType,Application\na@x.example,Application,,,Browser\nb@x.example,Remote Access 2.0,OAuth Web Server,,App\n");
    let p = write(d, "clean.toml", "name = \"Clean\"\nprovider = \"salesforce\"\napp_type = \"password-flow\"\nusername = \"a@x.example\"\nlogin_history = [\"clean.csv\"]\n");
    let (_, v, _) = audit_json(&[p.to_str().unwrap()]);
    assert_eq!(
        findings(&v[0], "login-history-clean"),
        ["no password or SOAP logins in 2 login record(s)"]
    );
    // More user and application pairs than are kept: the rest counted without names, and only
    // the first twenty written out one by one.
    let mut csv = String::from("Username,LoginSubType,ApiType,Application\n");
    for i in 0..10_005 {
        csv.push_str(&format!("u{i}@x.example,OAuth Username-Password,,App\n"));
    }
    write(d, "many.csv", &csv);
    let p = write(d, "many.toml", "name = \"Many\"\nprovider = \"salesforce\"\napp_type = \"password-flow\"\nlogin_history = [\"many.csv\"]\n");
    let (_, v, _) = audit_json(&[p.to_str().unwrap()]);
    let t = findings(&v[0], "login-history-truncated");
    assert_eq!(t.len(), 1, "{v}");
    assert!(
        t[0].starts_with("5 login(s) past the first 10000"),
        "{}",
        t[0]
    );
    let pw = findings(&v[0], "login-history-password-flow");
    assert_eq!(pw.len(), 21);
    assert!(
        pw[20].starts_with("and 9980 more login(s) password-flow by 9980 other"),
        "{}",
        pw[20]
    );
}

#[test]
fn a_folder_refuses_two_inventories_that_would_share_a_profile_and_the_single_flags() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for f in ["a.toml", "b.toml"] {
        write(d, f, "name = \"Same ETL\"\nprovider = \"salesforce\"\napp_type = \"password-flow\"\nusername = \"u@acme.example\"\n");
    }
    let home = tempfile::tempdir().unwrap();
    let o = run(bin()
        .env("OAUTH1TO2_HOME", home.path())
        .arg("migrate")
        .arg(d)
        .args(["--dry-run", "--json"]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{v}");
    assert_eq!(items[0]["profile"], "same-etl");
    assert!(
        items[1]["error"].as_str().unwrap().contains("the same as"),
        "{v}"
    );
    for flag in [["--profile", "x"], ["--client-id", "x"]] {
        let o = run(bin()
            .env("OAUTH1TO2_HOME", home.path())
            .arg("migrate")
            .arg(d)
            .args(flag));
        assert_eq!(o.status.code(), Some(2), "{flag:?}");
        assert!(stderr(&o).contains("[target] client_id"), "{}", stderr(&o));
    }
}

#[test]
fn a_dry_run_over_a_folder_plans_each_and_exits_0() {
    let home = tempfile::tempdir().unwrap();
    let o = run(bin()
        .env("OAUTH1TO2_HOME", home.path())
        .current_dir(root())
        .args(["migrate", "fixtures/salesforce", "--dry-run", "--json"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["dry_run"], true);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{v}");
    assert!(
        items
            .iter()
            .all(|i| i["error"].is_null() && i["complete"] == false),
        "{v}"
    );
    assert!(
        stderr(&o).contains("External Client App Manager"),
        "{}",
        stderr(&o)
    );
    // One inventory, as the README shows it: the plan on stdout.
    let o = run(bin()
        .env("OAUTH1TO2_HOME", home.path())
        .current_dir(root())
        .args(["migrate", "fixtures/salesforce/etl.toml", "--dry-run"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("enable the JWT Bearer Flow and upload salesforce-publickey.cer"),
        "{}",
        stdout(&o)
    );
    // Nothing was written beside the inventories.
    assert!(!root()
        .join("fixtures/salesforce/etl.migration.json")
        .exists());
    assert!(!root().join("fixtures/salesforce/etl.m2m").exists());
}

#[test]
fn the_streamed_json_report_is_byte_for_byte_what_the_library_serialises() {
    let files: Vec<PathBuf> = [
        "fixtures/salesforce/dataloader.toml",
        "fixtures/salesforce/etl.toml",
        "fixtures/netsuite/integration.toml",
    ]
    .iter()
    .map(|f| root().join(f))
    .collect();
    let at = time::macros::datetime!(2026-12-01 00:00 UTC);
    let audits = oauth1to2::audit::audit_files(
        &files,
        &oauth1to2::audit::AuditOptions { now: at },
        &mut |_, _| {},
    )
    .unwrap();
    let want = serde_json::to_string_pretty(&audits).unwrap() + "\n";
    let o = run(bin()
        .arg("audit")
        .args(&files)
        .args(["--at", "2026-12-01", "--json"]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), want);
    // The same into a file, and an empty folder's report is an empty array.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let o = run(bin()
        .arg("audit")
        .args(&files)
        .args(["--at", "2026-12-01", "--json", "-o"])
        .arg(&out));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), want);
    // An unusable inventory named after good ones: an error, and no half of a report.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"B\"\nprovider = \"salesforce\"\napp_type = \"nosuch\"\n",
    )
    .unwrap();
    let o = run(bin().arg("audit").args(&files).arg(&bad).arg("--json"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "nothing on stdout");
    assert!(stderr(&o).contains("bad.toml"), "{}", stderr(&o));
    // A folder whose only .toml is not an inventory: an empty array, the file on stderr.
    let empty = dir.path().join("none");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("other-tool.toml"), "[package]\nname = \"x\"\n").unwrap();
    let o = run(bin().arg("audit").arg(&empty).arg("--json"));
    assert_eq!(stdout(&o), "[]\n", "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not audited") && stderr(&o).contains("other-tool.toml"));
    // And the text report ends with the count.
    let o = run(bin().arg("audit").args(&files).args(["--at", "2026-12-01"]));
    let errors = audits.iter().filter(|a| a.status == "errors").count();
    assert_eq!(errors, 2);
    assert!(
        stdout(&o).ends_with(&format!(
            "3 integrations audited, {errors} with error findings\n"
        )),
        "{}",
        stdout(&o)
    );
}

#[test]
fn init_writes_a_salesforce_inventory_that_audit_reads() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("sf.toml");
    let o = run(bin()
        .arg("init")
        .arg(&f)
        .args([
            "--provider",
            "salesforce",
            "--name",
            "Acme loader",
            "--app-type",
            "soap-login",
        ])
        .args(["--username", "loader@acme.example", "--api-version", "45.0"])
        .args(["--login-url", "https://test.salesforce.com"])
        .stdin(std::process::Stdio::null()));
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(
        text.contains("username = \"loader@acme.example\"")
            && text.contains("api_version = \"45.0\""),
        "{text}"
    );
    let (_, v, err) = audit_json(&[f.to_str().unwrap()]);
    assert_eq!(findings(&v[0], "soap-login-retires").len(), 1, "{v} {err}");
    assert!(findings(&v[0], "no-login-url").is_empty());
    assert!(v[0]["checklist"]
        .to_string()
        .contains("https://test.salesforce.com"));
    // A login URL over http is refused before anything is written.
    let g = dir.path().join("bad.toml");
    let o = run(bin()
        .arg("init")
        .arg(&g)
        .args([
            "--provider",
            "salesforce",
            "--name",
            "B",
            "--app-type",
            "password-flow",
        ])
        .args([
            "--username",
            "u@acme.example",
            "--login-url",
            "http://login.salesforce.com",
        ])
        .stdin(std::process::Stdio::null()));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("login_url"), "{}", stderr(&o));
    assert!(!g.exists());
}

#[test]
fn a_certificate_too_large_for_salesforces_upload_is_flagged() {
    let key_pem = std::fs::read_to_string(fixture("keys/privatekey-pkcs8.pem")).unwrap();
    let key = rcgen::KeyPair::from_pem(&key_pem).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ids = |sans: usize| -> (Vec<String>, usize) {
        let names: Vec<String> = (0..sans)
            .map(|i| format!("host-{i:04}.integration.acme.example"))
            .collect();
        let params = rcgen::CertificateParams::new(names).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let der_len = cert.der().len();
        let p = dir.path().join(format!("c{sans}.pem"));
        std::fs::write(&p, cert.pem()).unwrap();
        let o = run(bin()
            .args(["cert", "check", "--for", "salesforce", "--json"])
            .arg(&p));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let found = v["certificates"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["id"] == "salesforce-certificate-over-4kb")
            .map(|f| f["severity"].as_str().unwrap().to_owned())
            .collect();
        (found, der_len)
    };
    // A small one: nothing. PEM over 4 KB but DER under: a warning. DER over 4 KB: an error.
    let (f, _) = ids(2);
    assert!(f.is_empty(), "{f:?}");
    let (f, der) = ids(70);
    assert!(der < 4096 && der * 4 / 3 > 4096, "{der}");
    assert_eq!(f, ["warning"], "{der}");
    let (f, der) = ids(140);
    assert!(der > 4096, "{der}");
    assert_eq!(f, ["error"]);
}
