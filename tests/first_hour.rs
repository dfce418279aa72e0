//! What a new user trips on in the first hour (issue 10): the main job's headline, JSON from
//! every reporting command, a folder that does not exist yet, a repair that a pipeline can
//! use, the handoff's missing tenant, completions and a man page, and colour only on a terminal.

mod common;

use common::*;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_main_job_shows_every_finding_most_important_first_with_the_oauth1_status() {
    let o = run(bin().current_dir(root()).args([
        "migrate",
        "fixtures/opmetrix/integration.toml",
        "--dry-run",
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The plan is the command's output: on stdout, so `> plan.txt` keeps it; stderr has only
    // the closing note.
    assert!(
        stderr(&o).starts_with("Dry run: nothing was written.") && stderr(&o).lines().count() == 1,
        "{}",
        stderr(&o)
    );
    let err = stdout(&o);
    assert!(err.starts_with("[1/8 audit] Opmetrix"), "{err}");
    assert!(err.contains("[2/8 plan] create the new Xero app:"), "{err}");
    assert!(err.contains("1 error, 3 warnings, 1 notice"), "{err}");
    assert!(!err.contains("(s)"), "{err}");
    assert!(err.contains("OAuth 1.0a: retired on 2021-09-30"), "{err}");
    // The published-certificate warning is the story of this example.
    let at = |id: &str| {
        err.find(id)
            .unwrap_or_else(|| panic!("{id} missing: {err}"))
    };
    assert!(at("rsa-key-too-small") < at("published-certificate"));
    assert!(at("published-certificate") < at("long-validity"));
    for id in ["weak-signature-hash", "ca-signing-certificate"] {
        assert!(
            at("rsa-key-too-small") < at(id) && at(id) < at("long-validity"),
            "{id}"
        );
    }
    // Nothing was written.
    assert!(!root()
        .join("fixtures/opmetrix/integration.migration.json")
        .exists());
}

#[test]
fn migrate_dry_run_and_export_speak_json() {
    let o = run(bin().current_dir(root()).args([
        "migrate",
        "fixtures/opmetrix/integration.toml",
        "--dry-run",
        "--json",
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["complete"], false);
    assert_eq!(v["profile"], "opmetrix");
    assert_eq!(v["audit"]["recommendation"]["target"], "custom-connection");
    let ids: Vec<&str> = v["audit"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"published-certificate"), "{ids:?}");
    assert!(v["plan"].as_array().unwrap().len() >= 5);
    assert_eq!(
        v["scopes"],
        serde_json::json!([
            "accounting.contacts.read",
            "accounting.invoices",
            "accounting.settings.read"
        ])
    );
    assert!(!v["checklist"].as_array().unwrap().is_empty());

    // export --json, and the env format says when the tenant is missing.
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        "[profiles.acme]\nclient_id = \"ABC123\"\ngrant = \"authorization_code\"\nscopes = [\"openid\", \"offline_access\", \"accounting.contacts.read\"]\nclient_secret = { env = \"ACME_SECRET\" }\n",
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let export = |args: &[&str]| {
        run(bin()
            .env("OAUTH1TO2_HOME", home.path())
            .env("ACME_SECRET", "do-not-print-me-1")
            .args(["export", "-p", "acme"])
            .args(args))
    };
    let o = export(&["--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["client_id"], "ABC123");
    assert_eq!(
        v["scopes"],
        "openid offline_access accounting.contacts.read"
    );
    assert_eq!(
        v["client_secret_location"],
        "environment variable ACME_SECRET"
    );
    let o = export(&["--format", "env"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let env = stdout(&o);
    assert!(
        env.contains("export XERO_CLIENT_ID='ABC123'")
            || env.contains("export XERO_CLIENT_ID=ABC123"),
        "{env}"
    );
    assert!(
        env.contains("# XERO_TENANT_ID: not exported; no tenant is chosen yet"),
        "{env}"
    );
    assert!(!env.contains("do-not-print-me-1") && !stderr(&o).contains("do-not-print-me-1"));
}

#[test]
fn cert_new_creates_a_missing_out_dir_0700() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/keys");
    let o = run(bin()
        .args(["cert", "new", "--cn", "Acme", "--out-dir"])
        .arg(&out));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(mode(&out), 0o700);
    assert_eq!(mode(&out.join("privatekey.pem")), 0o600);
    assert!(out.join("publickey.cer").exists());
    // A file in the way is a clear error.
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let o = run(bin()
        .args(["cert", "new", "--cn", "Acme", "--out-dir"])
        .arg(&file));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is a file, not a folder"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn cert_repair_prints_clean_pem_and_exits_0_for_a_weak_certificate() {
    let Some(openssl) = openssl() else { return };
    let dir = tempfile::tempdir().unwrap();
    // A mangled paste of a certificate with error findings (1024-bit, SHA-1).
    let o = run(bin()
        .args(["cert", "repair"])
        .arg(fixture("pastes/bullets.txt")));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("repaired: removed indentation, bullets"),
        "{}",
        stderr(&o)
    );
    let clean = dir.path().join("clean.cer");
    std::fs::write(&clean, &o.stdout).unwrap();
    // stdout is only the certificate: openssl reads it, and it is the published one.
    assert!(stdout(&o).starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert_eq!(
        openssl_sha256(&openssl, &clean, "PEM"),
        openssl_sha256(&openssl, &fixture("opmetrix/publickey.cer"), "PEM")
    );
    // From stdin too; and an unrepairable paste is exit 2 with nothing on stdout.
    let mut child = bin()
        .args(["cert", "repair", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(fixture("pastes/broken/truncated.txt")).unwrap())
        .unwrap();
    let o = finish_child(child, "a child the test fed", COMMAND_LIMIT);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("cut short"), "{}", stderr(&o));
}

#[test]
fn completions_and_the_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run(bin().args(["completions", shell]));
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let s = stdout(&o);
        // Every top-level command is offered.
        for cmd in ["cert", "connect", "migrate", "audit", "export"] {
            assert!(s.contains(cmd), "{shell} lacks {cmd}");
        }
    }
    // bash parses the bash script.
    let o = run(bin().args(["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.bash");
    std::fs::write(&f, &o.stdout).unwrap();
    let st = std::process::Command::new("bash")
        .arg("-n")
        .arg(&f)
        .finish()
        .status;
    assert!(st.success());
    let o = run(bin().arg("man"));
    assert_eq!(o.status.code(), Some(0));
    let m = stdout(&o);
    assert!(m.contains(".TH oauth1to2 1"), "{}", &m[..m.len().min(300)]);
    assert!(m.contains("migrate"));
}

#[test]
fn colour_only_on_a_terminal_and_never_under_no_color() {
    let cert = fixture("opmetrix/publickey.cer");
    let bin_path = env!("CARGO_BIN_EXE_oauth1to2");
    let on_tty = |no_color: bool| {
        let mut c = std::process::Command::new("script");
        c.arg("-qec")
            .arg(format!(
                "{bin_path} cert check --at 2026-12-01 {}",
                cert.display()
            ))
            .arg("/dev/null")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env("TERM", "xterm-256color");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        c.stdin(std::process::Stdio::null()).finish()
    };
    let o = on_tty(false);
    let text = stdout(&o);
    assert!(
        text.contains("\u{1b}[31") || text.contains("\u{1b}[1m\u{1b}[31"),
        "no red on a terminal: {text:?}"
    );
    assert!(text.contains("Result:"), "{text}");
    let o = on_tty(true);
    assert!(!stdout(&o).contains('\u{1b}'), "colour under NO_COLOR");
    // Piped: none.
    let o = run(bin()
        .args(["cert", "check", "--at", "2026-12-01"])
        .arg(&cert));
    assert!(!stdout(&o).contains('\u{1b}'));
    // The audit's findings too, on a terminal only.
    let inv = fixture("opmetrix/integration.toml");
    let o = std::process::Command::new("script")
        .arg("-qec")
        .arg(format!(
            "{bin_path} audit --at 2026-12-01 {}",
            inv.display()
        ))
        .arg("/dev/null")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm-256color")
        .stdin(std::process::Stdio::null())
        .finish();
    assert!(
        stdout(&o).contains("\u{1b}[") && stdout(&o).contains("rsa-key-too-small"),
        "{:?}",
        stdout(&o)
    );
    let o = run(bin().args(["audit", "--at", "2026-12-01"]).arg(&inv));
    assert!(!stdout(&o).contains('\u{1b}') && stdout(&o).contains("rsa-key-too-small"));
}

#[test]
fn a_closed_pipe_ends_quietly_with_141() {
    use std::io::Read;
    // Enough output to outlast the pipe's buffer: the published certificate 3,000 times.
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("many.pem");
    let one = std::fs::read_to_string(fixture("opmetrix/publickey.cer")).unwrap();
    std::fs::write(&bundle, one.repeat(3000)).unwrap();
    for command in ["inspect", "check"] {
        let mut child = bin()
            .args(["cert", command, "--at", "2026-12-01"])
            .arg(&bundle)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Read a little, as `head` would, then go away.
        let mut first = [0u8; 64];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let status = wait_within(&mut child, std::time::Duration::from_secs(120));
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!(status.code(), Some(141), "cert {command}: {err}");
        assert!(err.is_empty(), "cert {command}: {err}");
    }
}
