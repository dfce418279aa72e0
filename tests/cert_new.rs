//! `cert new`: the files it writes, checked by openssl and pkilint, by our own `cert check`, and
//! for permissions and no-overwrite.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn new_in(dir: &Path, extra: &[&str]) -> std::process::Output {
    run(bin()
        .args([
            "cert",
            "new",
            "--cn",
            "Acme Xero integration",
            "--org",
            "Acme Ltd",
            "--country",
            "NZ",
        ])
        .args(["--email", "ops@acme.example", "--out-dir"])
        .arg(dir)
        .args(extra)
        .env("PFX_PW", "correct horse battery staple"))
}

fn openssl_ok(openssl: &Path, args: &[&str], dir: &Path) -> String {
    openssl_stdout(
        openssl,
        args,
        dir,
        ("PFX_PW", "correct horse battery staple"),
    )
}

/// pkilint's findings for a certificate, `(severity, code)`. pkilint exits 1 both when it finds
/// something and when it cannot read the file (writing only to stderr), so this asserts it
/// decoded the certificate: its JSON report parses, and it walked the extensions far enough to
/// identify the subject key identifier (every certificate `cert new` makes has one).
fn pkilint(python: &Path, cert: &Path) -> Vec<(String, String)> {
    let o = Command::new(python)
        .args([
            "-m",
            "pkilint.bin.lint_pkix_cert",
            "lint",
            "-s",
            "INFO",
            "-f",
            "JSON",
        ])
        .arg(cert)
        .finish();
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
        panic!(
            "pkilint did not decode {}: {}",
            cert.display(),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let found: Vec<(String, String)> = report["results"]
        .as_array()
        .expect("pkilint's JSON has results")
        .iter()
        .flat_map(|r| {
            r["finding_descriptions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or("").to_owned(),
                f["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        found
            .iter()
            .any(|(_, c)| c.starts_with("pkix.subject_key_identifier")),
        "pkilint did not reach the extensions of {}: {found:?}",
        cert.display()
    );
    found
}

/// The ERROR and FATAL findings among pkilint's.
/// The certificate's validity in whole days, as openssl reads its dates.
fn validity_days(openssl: &Path, cert: &Path, dir: &Path) -> i64 {
    let dates = openssl_ok(
        openssl,
        &[
            "x509",
            "-noout",
            "-startdate",
            "-enddate",
            "-in",
            cert.to_str().unwrap(),
        ],
        dir,
    );
    let parse = |k: &str| {
        let line = dates.lines().find(|l| l.starts_with(k)).unwrap();
        time::PrimitiveDateTime::parse(
            line.split_once('=')
                .unwrap()
                .1
                .trim()
                .trim_end_matches(" GMT"),
            &time::macros::format_description!(
                "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year]"
            ),
        )
        .unwrap()
    };
    (parse("notAfter") - parse("notBefore")).whole_days()
}

/// openssl finds the same RSA modulus in the key and the certificate.
fn assert_key_belongs(openssl: &Path, key: &Path, cert: &Path, dir: &Path) {
    let m1 = openssl_ok(
        openssl,
        &["x509", "-noout", "-modulus", "-in", cert.to_str().unwrap()],
        dir,
    );
    let m2 = openssl_ok(
        openssl,
        &["rsa", "-noout", "-modulus", "-in", key.to_str().unwrap()],
        dir,
    );
    assert_eq!(m1, m2);
}

fn pkilint_errors(python: &Path, cert: &Path) -> Vec<(String, String)> {
    pkilint(python, cert)
        .into_iter()
        .filter(|(sev, _)| sev == "ERROR" || sev == "FATAL")
        .collect()
}

#[test]
fn a_new_certificate_satisfies_openssl_pkilint_and_our_own_check() {
    let Some(openssl) = openssl() else { return };
    let Some(python) = python_with("pkilint") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let o = new_in(
        dir.path(),
        &["--pfx", "--pfx-password-env", "PFX_PW", "--pk8", "--json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = dir.path();

    // openssl parses it, and says what the issue asks for.
    let text = openssl_ok(
        &openssl,
        &["x509", "-in", "publickey.cer", "-noout", "-text"],
        d,
    );
    assert!(text.contains("Version: 3 (0x2)"), "{text}");
    assert!(text.contains("Signature Algorithm: sha256WithRSAEncryption"));
    assert!(text.contains("Public-Key: (2048 bit)"));
    assert!(
        text.contains("X509v3 Basic Constraints: critical\n                CA:FALSE"),
        "{text}"
    );
    assert!(
        text.contains("X509v3 Key Usage: critical\n                Digital Signature\n"),
        "{text}"
    );
    assert!(text.contains("X509v3 Subject Key Identifier"));
    assert!(text.contains("Subject: C = NZ, O = Acme Ltd, CN = Acme Xero integration, emailAddress = ops@acme.example"), "{text}");
    let serial = openssl_ok(
        &openssl,
        &["x509", "-in", "publickey.cer", "-noout", "-serial"],
        d,
    );
    let serial = serial.trim().trim_start_matches("serial=");
    assert!(serial.len() * 4 >= 64, "serial {serial} under 64 bits");
    assert!(
        u8::from_str_radix(&serial[..2], 16).unwrap() < 0x80,
        "serial must be positive"
    );
    // 1825 days of validity, as openssl reads the dates.
    let dates = openssl_ok(
        &openssl,
        &[
            "x509",
            "-in",
            "publickey.cer",
            "-noout",
            "-startdate",
            "-enddate",
            "-dateopt",
            "iso_8601",
        ],
        d,
    );
    let parse = |k: &str| {
        let s = dates
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .unwrap()
            .replacen(' ', "T", 1);
        time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339).unwrap()
    };
    assert_eq!(
        (parse("notAfter=") - parse("notBefore=")).whole_days(),
        1825
    );

    // openssl verify accepts it against itself, and the key matches the certificate.
    let verify = openssl_ok(
        &openssl,
        &["verify", "-CAfile", "publickey.cer", "publickey.cer"],
        d,
    );
    assert!(verify.contains("publickey.cer: OK"), "{verify}");
    let cert_mod = openssl_ok(
        &openssl,
        &["x509", "-in", "publickey.cer", "-noout", "-modulus"],
        d,
    );
    let key_mod = openssl_ok(
        &openssl,
        &["rsa", "-in", "privatekey.pem", "-noout", "-modulus"],
        d,
    );
    assert_eq!(cert_mod, key_mod);
    let pk8_mod = openssl_ok(
        &openssl,
        &[
            "rsa",
            "-inform",
            "DER",
            "-in",
            "privatekey.pk8",
            "-noout",
            "-modulus",
        ],
        d,
    );
    assert_eq!(cert_mod, pk8_mod);
    let key_pem = std::fs::read_to_string(d.join("privatekey.pem")).unwrap();
    assert!(
        key_pem.starts_with("-----BEGIN PRIVATE KEY-----"),
        "PKCS#8 expected"
    );

    // The .pfx opens with the password and holds the same certificate; modern by default.
    let info = openssl_ok(
        &openssl,
        &[
            "pkcs12",
            "-info",
            "-in",
            "public_privatekey.pfx",
            "-nokeys",
            "-passin",
            "env:PFX_PW",
        ],
        d,
    );
    assert!(info.contains("BEGIN CERTIFICATE"));
    let o = Command::new(&openssl)
        .args([
            "pkcs12",
            "-info",
            "-in",
            "public_privatekey.pfx",
            "-noout",
            "-passin",
            "env:PFX_PW",
        ])
        .current_dir(d)
        .env("PFX_PW", "correct horse battery staple")
        .finish();
    let info_err = String::from_utf8_lossy(&o.stderr);
    assert!(info_err.contains("AES-256-CBC"), "{info_err}");

    // pkilint decoded it and found no ERROR or FATAL.
    let errors = pkilint_errors(&python, &d.join("publickey.cer"));
    assert!(errors.is_empty(), "pkilint: {errors:?}");
    // ...and the same reading finds errors in the Opmetrix certificate.
    let control = Command::new(&python)
        .args(["-m", "pkilint.bin.lint_pkix_cert", "lint", "-f", "JSON"])
        .arg(fixture("opmetrix/publickey.cer"))
        .finish();
    assert!(
        String::from_utf8_lossy(&control.stdout).contains("\"ERROR\""),
        "pkilint did not run: {}",
        String::from_utf8_lossy(&control.stderr)
    );

    // Our own check: clean.
    let o = run(bin()
        .args(["cert", "check", "--json", "--key"])
        .arg(d.join("privatekey.pem"))
        .arg(d.join("publickey.cer")));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(c["certificates"][0]["findings"], serde_json::json!([]));
    assert_eq!(c["key_matches"], true);
    // What `new` reported is what openssl computes.
    let fp = openssl_sha256(&openssl, &d.join("publickey.cer"), "PEM").unwrap();
    assert_eq!(v["certificate"]["sha256_fingerprint"], fp.as_str());
}

#[test]
fn the_legacy_pfx_uses_3des_and_sha1() {
    let Some(openssl) = openssl() else { return };
    let dir = tempfile::tempdir().unwrap();
    let o = new_in(
        dir.path(),
        &["--pfx-legacy", "--pfx-password-env", "PFX_PW"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = Command::new(&openssl)
        .args([
            "pkcs12",
            "-info",
            "-in",
            "public_privatekey.pfx",
            "-noout",
            "-passin",
            "env:PFX_PW",
        ])
        .current_dir(dir.path())
        .env("PFX_PW", "correct horse battery staple")
        .finish();
    let info = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{info}");
    assert!(info.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "{info}");
    assert!(info.contains("MAC: sha1"), "{info}");
}

#[test]
fn private_files_are_0600_and_never_overwritten_without_force() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let o = new_in(
        dir.path(),
        &["--pk8", "--pfx", "--pfx-password-env", "PFX_PW"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mode = |f: &str| {
        std::fs::metadata(dir.path().join(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("privatekey.pem"), 0o600);
    assert_eq!(mode("privatekey.pk8"), 0o600);
    assert_eq!(mode("public_privatekey.pfx"), 0o600);
    assert_eq!(
        mode("publickey.cer") & 0o077 & !0o044,
        0,
        "certificate is public but not writable by others"
    );

    let before = std::fs::read(dir.path().join("privatekey.pem")).unwrap();
    let o = new_in(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(dir.path().join("privatekey.pem")).unwrap(),
        before
    );

    let o = new_in(dir.path(), &["--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_ne!(
        std::fs::read(dir.path().join("privatekey.pem")).unwrap(),
        before
    );
    assert_eq!(mode("privatekey.pem"), 0o600);
    // No temporary files left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn small_keys_and_bad_subjects_are_refused_before_any_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(bin()
        .args(["cert", "new", "--bits", "1024", "--cn", "x", "--out-dir"])
        .arg(dir.path()));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("1024-bit RSA keys are not offered"), "{err}");
    assert!(err.contains("hint: ") && err.contains("2048"), "{err}");
    let o = run(bin()
        .args([
            "cert",
            "new",
            "--country",
            "New Zealand",
            "--cn",
            "x",
            "--out-dir",
        ])
        .arg(dir.path()));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("two-letter"));
    let o = run(bin().args(["cert", "new", "--out-dir"]).arg(dir.path()));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("common name"), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn the_pfx_password_is_never_taken_from_the_command_line_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    // Without a terminal and without a source, it refuses rather than hangs.
    let o = run(bin()
        .args(["cert", "new", "--cn", "x", "--pfx", "--out-dir"])
        .arg(dir.path())
        .stdin(std::process::Stdio::null()));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--pfx-password-env"), "{}", stderr(&o));
    let o = new_in(
        dir.path(),
        &["--pfx", "--pfx-password-env", "PFX_PW", "--json"],
    );
    // It ran (so the password was read and used), and wrote the .pfx.
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.path().join("public_privatekey.pfx").exists());
    assert!(!stdout(&o).contains("correct horse") && !stderr(&o).contains("correct horse"));
}

/// `cert new --for netsuite-m2m`: RSA 3072, 730 days, files named for what to upload and what to
/// keep; openssl and pkilint read the certificate; `cert check --for netsuite-m2m` passes it and
/// flags what NetSuite's certificate conditions refuse.
#[test]
fn a_netsuite_m2m_certificate_meets_netsuites_conditions() {
    let Some(openssl) = openssl() else { return };
    let Some(python) = python_with("pkilint") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("ns");
    let o = new_in(&d, &["--for", "netsuite-m2m", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let key = d.join("netsuite-privatekey.pem");
    let cert = d.join("netsuite-publickey.cer");
    assert_eq!(desk_mode(&key), 0o600);
    assert!(v["next_steps"][0]
        .as_str()
        .unwrap()
        .contains("OAuth 2.0 Client Credentials (M2M) Setup"));
    // openssl: a 3072-bit RSA key, valid 730 days, and the key belongs to the certificate.
    let text = openssl_ok(
        &openssl,
        &["x509", "-noout", "-text", "-in", cert.to_str().unwrap()],
        &d,
    );
    assert!(text.contains("Public-Key: (3072 bit)"), "{text}");
    assert_eq!(validity_days(&openssl, &cert, &d), 730);
    assert_key_belongs(&openssl, &key, &cert, &d);
    // pkilint decoded it and found no ERROR or FATAL.
    let errors = pkilint_errors(&python, &cert);
    assert!(errors.is_empty(), "pkilint: {errors:?}");
    // Our check with NetSuite's rules: nothing NetSuite refuses.
    let o = run(bin()
        .args(["cert", "check", "--for", "netsuite-m2m", "--json"])
        .arg(&cert));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = c["certificates"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().all(|i| !i.starts_with("netsuite-")), "{ids:?}");
    // A Xero-style certificate (2048 bits, five years) is refused for NetSuite, with why.
    let x = dir.path().join("xero");
    assert!(new_in(&x, &[]).status.success());
    let o = run(bin()
        .args(["cert", "check", "--for", "netsuite-m2m", "--json"])
        .arg(x.join("publickey.cer")));
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("netsuite-key-not-accepted") && out.contains("RSA 2048 bits"),
        "{out}"
    );
    assert!(out.contains("netsuite-validity-over-two-years"), "{out}");
    // The rule sets, as docs/lints.md lists them: the default runs no netsuite-* lint and
    // generic drops not-rsa; netsuite-m2m runs the netsuite-* lints instead of not-rsa.
    let ids_for = |rules: &str, cert: &Path| -> Vec<String> {
        let o = run(bin()
            .args(["cert", "check", "--for", rules, "--json"])
            .arg(cert));
        let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        c["certificates"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let xero_cert = x.join("publickey.cer");
    let default = ids_for("xero-private-app", &xero_cert);
    assert!(
        default.iter().all(|i| !i.starts_with("netsuite-")),
        "{default:?}"
    );
    let m2m = ids_for("netsuite-m2m", &xero_cert);
    assert!(
        m2m.contains(&"netsuite-validity-over-two-years".to_owned()),
        "{m2m:?}"
    );
    let ec = dir.path().join("ec");
    assert!(
        new_in(&ec, &["--for", "netsuite-m2m", "--key-type", "ec-p256"])
            .status
            .success()
    );
    let ec_cert = ec.join("netsuite-publickey.cer");
    assert!(ids_for("xero-private-app", &ec_cert).contains(&"not-rsa".to_owned()));
    assert!(!ids_for("generic", &ec_cert).contains(&"not-rsa".to_owned()));
    let ec_m2m = ids_for("netsuite-m2m", &ec_cert);
    assert!(
        !ec_m2m
            .iter()
            .any(|i| i == "not-rsa" || i.starts_with("netsuite-")),
        "{ec_m2m:?}"
    );
    // And `cert new` refuses what NetSuite would refuse, before writing anything.
    for (extra, why) in [
        (&["--bits", "2048"][..], "3072 or 4096"),
        (&["--days", "731"][..], "two years"),
    ] {
        let e = dir.path().join("refused");
        let mut args = vec!["--for", "netsuite-m2m"];
        args.extend_from_slice(extra);
        let o = new_in(&e, &args);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(why), "{}", stderr(&o));
        assert!(!e.exists());
    }
}

fn desk_mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// NetSuite takes EC keys of 256, 384 and 521 bits too: certificates openssl makes with each
/// curve pass `cert check --for netsuite-m2m`, and a P-224 one does not.
#[test]
fn netsuite_m2m_checks_take_the_ec_curves_netsuite_takes() {
    let Some(openssl) = openssl() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (curve, accepted) in [
        ("prime256v1", true),
        ("secp384r1", true),
        ("secp521r1", true),
        ("secp224r1", false),
    ] {
        let cert = dir.path().join(format!("{curve}.pem"));
        let key = dir.path().join(format!("{curve}.key"));
        let o = Command::new(&openssl)
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .arg(format!("ec_paramgen_curve:{curve}"))
            .args(["-nodes", "-days", "365", "-subj", "/CN=ns m2m", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .finish();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = run(bin()
            .args(["cert", "check", "--for", "netsuite-m2m", "--json"])
            .arg(&cert));
        let refused = stdout(&o).contains("netsuite-key-not-accepted");
        assert_eq!(!refused, accepted, "{curve}: {}", stdout(&o));
        // An accepted curve passes (exit 0); the refusal is an error finding (exit 1).
        let want = if accepted { 0 } else { 1 };
        assert_eq!(o.status.code(), Some(want), "{curve}: {}", stdout(&o));
    }
}

/// `cert new --for netsuite-m2m --key-type ec-*`: openssl reads each curve's certificate and
/// key and finds them a pair; pkilint finds no error; `cert check --for netsuite-m2m` passes it;
/// the key signs the assertion algorithm of its curve.
#[test]
fn netsuite_m2m_ec_keys_are_made_on_each_curve_netsuite_takes() {
    let Some(openssl) = openssl() else { return };
    let Some(python) = python_with("pkilint") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (flag, openssl_name, alg) in [
        ("ec-p256", "prime256v1", "ES256"),
        ("ec-p384", "secp384r1", "ES384"),
        ("ec-p521", "secp521r1", "ES512"),
    ] {
        let d = dir.path().join(flag);
        let o = new_in(&d, &["--for", "netsuite-m2m", "--key-type", flag]);
        assert!(o.status.success(), "{flag}: {}", stderr(&o));
        assert!(stdout(&o).contains("Created an EC P-"), "{}", stdout(&o));
        let key = d.join("netsuite-privatekey.pem");
        let cert = d.join("netsuite-publickey.cer");
        assert_eq!(desk_mode(&key), 0o600);
        let text = openssl_ok(
            &openssl,
            &["x509", "-noout", "-text", "-in", cert.to_str().unwrap()],
            &d,
        );
        assert!(
            text.contains(&format!("ASN1 OID: {openssl_name}")),
            "{text}"
        );
        assert!(text.contains("ecdsa-with-SHA"), "{text}");
        let from_cert = openssl_ok(
            &openssl,
            &["x509", "-noout", "-pubkey", "-in", cert.to_str().unwrap()],
            &d,
        );
        let from_key = openssl_ok(
            &openssl,
            &["pkey", "-pubout", "-in", key.to_str().unwrap()],
            &d,
        );
        assert_eq!(
            from_cert, from_key,
            "{flag}: the key and the certificate are a pair"
        );
        let errors = pkilint_errors(&python, &cert);
        assert!(errors.is_empty(), "{flag}: pkilint: {errors:?}");
        let o = run(bin()
            .args(["cert", "check", "--for", "netsuite-m2m", "--json"])
            .arg(&cert));
        assert_eq!(o.status.code(), Some(0), "{flag}: {}", stdout(&o));
        let k = oauth1to2::oauth2::assertion::AssertionKey::load_any(&key).unwrap();
        assert_eq!(k.alg().as_str(), alg);
    }
    // EC is for NetSuite; a Xero private app signs RSA-SHA1. And no .pfx for an EC key.
    for (args, why) in [
        (&["--key-type", "ec-p256"][..], "RSA-SHA1"),
        (
            &["--for", "netsuite-m2m", "--key-type", "ec-p256", "--pfx"][..],
            "RSA keys only",
        ),
    ] {
        let e = dir.path().join("refused");
        let o = new_in(&e, args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(why), "{}", stderr(&o));
        assert!(!e.exists());
    }
}

#[test]
fn under_umask_000_a_new_out_dir_is_0700_its_keys_0600_and_its_certificate_0644() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fresh");
    let o = run(std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_oauth1to2"))
        .args([
            "cert",
            "new",
            "--cn",
            "Acme",
            "--pk8",
            "--pfx",
            "--pfx-password-env",
            "PFX_PW",
            "--out-dir",
        ])
        .arg(&out)
        .env("PFX_PW", "correct horse battery staple"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), 0o700);
    for private in ["privatekey.pem", "privatekey.pk8", "public_privatekey.pfx"] {
        assert_eq!(mode(&out.join(private)), 0o600, "{private}");
    }
    assert_eq!(mode(&out.join("publickey.cer")), 0o644);
}

/// Xero's private apps are retired: `cert new` does not send anyone to paste the certificate
/// into Xero, and says what the keypair is still for.
#[test]
fn a_new_xero_style_certificate_says_what_it_is_still_for() {
    let dir = tempfile::tempdir().unwrap();
    let o = new_in(dir.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains("paste the certificate above into"), "{out}");
    assert!(out.contains("it no longer takes this certificate"), "{out}");
    assert!(out.contains("What the keypair is still for"), "{out}");
    assert!(out.contains("--for netsuite-m2m"), "{out}");
}

/// `cert new --for salesforce`: what Salesforce's own walk-through makes (RSA 2048, SHA-256, 365
/// days), with file names that say which file is uploaded; openssl and pkilint read it; `cert
/// check --for salesforce` passes it and flags keys that are not RSA or under 2048 bits.
#[test]
fn a_salesforce_certificate_is_what_salesforces_walk_through_makes() {
    let Some(openssl) = openssl() else { return };
    let Some(python) = python_with("pkilint") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("sf");
    let o = new_in(&d, &["--for", "salesforce", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let key = d.join("salesforce-privatekey.pem");
    let cert = d.join("salesforce-publickey.cer");
    assert_eq!(desk_mode(&key), 0o600);
    assert!(v["next_steps"][0]
        .as_str()
        .unwrap()
        .contains("upload salesforce-publickey.cer"));
    let text = openssl_ok(
        &openssl,
        &["x509", "-noout", "-text", "-in", cert.to_str().unwrap()],
        &d,
    );
    assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    assert!(
        text.contains("Signature Algorithm: sha256WithRSAEncryption"),
        "{text}"
    );
    assert_eq!(validity_days(&openssl, &cert, &d), 365);
    assert_key_belongs(&openssl, &key, &cert, &d);
    let errors = pkilint_errors(&python, &cert);
    assert!(errors.is_empty(), "pkilint: {errors:?}");
    let ids_for = |cert: &Path| -> (Option<i32>, Vec<String>) {
        let o = run(bin()
            .args(["cert", "check", "--for", "salesforce", "--json"])
            .arg(cert));
        let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let ids = c["certificates"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        (o.status.code(), ids)
    };
    let (code, ids) = ids_for(&cert);
    assert_eq!(code, Some(0), "{ids:?}");
    assert!(ids.iter().all(|i| !i.starts_with("salesforce-")), "{ids:?}");
    // An EC key, and the 1024-bit Opmetrix certificate: refused, with why.
    let ec = dir.path().join("ec");
    assert!(
        new_in(&ec, &["--for", "netsuite-m2m", "--key-type", "ec-p256"])
            .status
            .success()
    );
    let (code, ids) = ids_for(&ec.join("netsuite-publickey.cer"));
    assert_eq!(code, Some(1));
    assert!(
        ids.contains(&"salesforce-key-not-rsa".to_owned()),
        "{ids:?}"
    );
    let (code, ids) = ids_for(&common::fixture("opmetrix/publickey.cer"));
    assert_eq!(code, Some(1));
    assert!(
        ids.contains(&"salesforce-key-too-small".to_owned()),
        "{ids:?}"
    );
    // `cert new` refuses an EC key for Salesforce before writing anything.
    let refused = dir.path().join("refused");
    let o = new_in(&refused, &["--for", "salesforce", "--key-type", "ec-p256"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("RS256"), "{}", stderr(&o));
    assert!(!refused.join("salesforce-privatekey.pem").exists());
}
