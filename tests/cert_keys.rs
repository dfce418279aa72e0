//! `cert check --key` with the key in every form Xero integrations kept it
//! (fixtures/keys/, made with openssl by scripts/make-key-fixtures.sh).

mod common;
use common::*;

fn check_with_key(key: &str, extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let o = run(bin()
        .args(["cert", "check", "--json", "--at", "2027-01-01", "--key"])
        .arg(fixture(&format!("keys/{key}")))
        .args(extra)
        .arg(fixture("keys/publickey.cer")));
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code(), v, stderr(&o))
}

#[test]
fn the_matching_key_is_recognised_in_every_form() {
    let pw = fixture("keys/password.txt").display().to_string();
    for (key, extra) in [
        ("privatekey-pkcs1.pem", vec![]),
        ("privatekey-pkcs8.pem", vec![]),
        ("privatekey.pk8", vec![]),
        (
            "privatekey-encrypted.pem",
            vec!["--key-password-file", pw.as_str()],
        ),
        (
            "public_privatekey.pfx",
            vec!["--key-password-file", pw.as_str()],
        ),
    ] {
        let (code, v, err) = check_with_key(key, &extra);
        // openssl req -x509 marks the certificate CA:TRUE: a warning, not an error.
        assert_eq!(code, Some(0), "{key}: {err} {v}");
        assert_eq!(v["key_matches"], true, "{key}");
    }
}

#[test]
fn the_key_password_may_come_from_an_env_var() {
    let o = run(bin()
        // --at: the fixture expires on 2031-11-22, and this test must not.
        .args(["cert", "check", "--at", "2027-01-01", "--key"])
        .arg(fixture("keys/privatekey-encrypted.pem"))
        .args(["--key-password-env", "FIXTURE_PW"])
        .env("FIXTURE_PW", "fixture-password")
        .arg(fixture("keys/publickey.cer")));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("matches the certificate"));
}

#[test]
fn a_wrong_key_is_xeros_signature_invalid() {
    let (code, v, _) = check_with_key("other-privatekey.pem", &[]);
    assert_eq!(code, Some(1));
    assert_eq!(v["key_matches"], false);
    let ids: Vec<_> = v["certificates"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].clone())
        .collect();
    assert!(ids.contains(&"key-mismatch".into()), "{ids:?}");
    assert!(v.to_string().contains("signature_invalid"));
}

#[test]
fn encrypted_keys_without_a_password_fail_cleanly_and_say_how() {
    let (code, _, err) = check_with_key("privatekey-encrypted.pem", &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("password"), "{err}");
    assert!(err.contains("--key-password-env"), "{err}");
}

#[test]
fn a_wrong_password_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("pw");
    std::fs::write(&bad, "not-it\n").unwrap();
    let (code, _, err) = check_with_key(
        "privatekey-encrypted.pem",
        &["--key-password-file", bad.to_str().unwrap()],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("the password does not open"), "{err}");
    assert!(!err.contains("not-it"), "password echoed: {err}");
}

#[test]
fn an_ec_key_is_refused_with_the_reason() {
    let (code, _, err) = check_with_key("ec-privatekey.pem", &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("RSA"), "{err}");
}

#[test]
fn key_material_never_reaches_the_output() {
    let key_text = std::fs::read_to_string(fixture("keys/privatekey-pkcs1.pem")).unwrap();
    let body_line = key_text.lines().nth(3).unwrap();
    for args in [vec!["--json"], vec![]] {
        let o = run(bin()
            .args(["cert", "check", "--at", "2027-01-01"])
            .args(&args)
            .arg("--key")
            .arg(fixture("keys/privatekey-pkcs1.pem"))
            .arg(fixture("keys/publickey.cer")));
        // The check ran to the end (exit 0: the key matches), so the output is the full report.
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).contains("matches"), "{args:?}: {}", stdout(&o));
        assert!(!stdout(&o).contains(body_line) && !stderr(&o).contains(body_line));
    }
    // A key passed where a certificate belongs is named, not printed.
    let o = run(bin()
        .args(["cert", "inspect"])
        .arg(fixture("keys/privatekey-pkcs1.pem")));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("RSA PRIVATE KEY block, not a certificate"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains(body_line));
}

#[test]
fn inspect_reads_pkcs12_and_der_like_openssl() {
    let Some(openssl) = openssl() else { return };
    let expected = openssl_sha256(&openssl, &fixture("keys/publickey.cer"), "PEM").unwrap();
    let o = run(bin()
        .args(["cert", "inspect", "--json", "--pfx-password-file"])
        .arg(fixture("keys/password.txt"))
        .arg(fixture("keys/public_privatekey.pfx")));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["sha256_fingerprint"], expected.as_str());

    let dir = tempfile::tempdir().unwrap();
    let der = dir.path().join("c.der");
    let s = std::process::Command::new(&openssl)
        .args(["x509", "-outform", "DER", "-in"])
        .arg(fixture("keys/publickey.cer"))
        .arg("-out")
        .arg(&der)
        .finish()
        .status;
    assert!(s.success());
    let o = run(bin().args(["cert", "inspect", "--json"]).arg(&der));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["sha256_fingerprint"], expected.as_str());
}

/// `x5t` and `x5t#S256` are the SHA-1 and SHA-256 of the DER in base64url without padding:
/// checked against openssl's digests of each published certificate, converted by the shell's
/// base64 and tr, not by us.
#[test]
fn x5t_thumbprints_match_openssl_for_every_published_certificate() {
    let Some(_openssl) = openssl() else { return };
    let mut seen = 0;
    let files = ["fixtures/published-certs", "fixtures/keys"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap())
        .map(|e| e.unwrap().path());
    for p in files {
        let text = std::fs::read(&p).unwrap_or_default();
        if !String::from_utf8_lossy(&text).contains("BEGIN CERTIFICATE") {
            continue;
        }
        let o = run(bin().args(["cert", "inspect", "--json"]).arg(&p));
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for (digest, field) in [("sha1", "x5t"), ("sha256", "x5t#S256")] {
            let sh = format!(
                "openssl x509 -in '{}' -outform DER | openssl dgst -{digest} -binary | base64 | tr '+/' '-_' | tr -d '=\\n'",
                p.display()
            );
            let o = run(std::process::Command::new("sh").args(["-c", &sh]));
            let expected = stdout(&o);
            assert_eq!(expected.len(), if digest == "sha1" { 27 } else { 43 });
            assert_eq!(v[0][field], expected.as_str(), "{} {field}", p.display());
        }
        seen += 1;
    }
    assert!(seen >= 2, "{seen}");
}
