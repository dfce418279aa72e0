//! `cert convert`: every file it writes must be read by openssl.

mod common;
use common::*;
use std::path::Path;

fn openssl_reads(openssl: &Path, args: &[&str], dir: &Path) -> String {
    openssl_stdout(openssl, args, dir, ("PW", "fixture-password"))
}

fn convert(dir: &Path, args: &[&str]) -> std::process::Output {
    run(bin()
        .current_dir(dir)
        .args(["cert", "convert"])
        .args(args)
        .env("PW", "fixture-password"))
}

#[test]
fn every_conversion_is_read_by_openssl() {
    let Some(openssl) = openssl() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cert = fixture("keys/publickey.cer").display().to_string();
    let key = fixture("keys/privatekey-pkcs1.pem").display().to_string();
    let pfx = fixture("keys/public_privatekey.pfx").display().to_string();
    let expected_fp = openssl_sha256(&openssl, Path::new(&cert), "PEM").unwrap();
    let expected_mod = openssl_reads(&openssl, &["x509", "-in", &cert, "-noout", "-modulus"], d);

    // PEM -> DER -> PEM.
    assert!(convert(d, &[&cert, "--to", "der", "-o", "c.der"])
        .status
        .success());
    assert_eq!(
        openssl_sha256(&openssl, &d.join("c.der"), "DER").unwrap(),
        expected_fp
    );
    assert!(convert(d, &["c.der", "--to", "pem", "-o", "c.pem"])
        .status
        .success());
    assert_eq!(
        openssl_sha256(&openssl, &d.join("c.pem"), "PEM").unwrap(),
        expected_fp
    );

    // A pasted (damaged) certificate to clean PEM on stdout.
    let o = convert(
        d,
        &[
            fixture("pastes/bullets.txt").to_str().unwrap(),
            "--to",
            "pem",
        ],
    );
    assert!(o.status.success());
    std::fs::write(d.join("repaired.pem"), &o.stdout).unwrap();
    let opm = openssl_sha256(&openssl, &fixture("opmetrix/publickey.cer"), "PEM").unwrap();
    assert_eq!(
        openssl_sha256(&openssl, &d.join("repaired.pem"), "PEM").unwrap(),
        opm
    );

    // Key to PKCS#8 DER for Java.
    assert!(convert(d, &[&key, "--to", "pk8", "-o", "privatekey.pk8"])
        .status
        .success());
    assert_eq!(
        openssl_reads(
            &openssl,
            &[
                "rsa",
                "-inform",
                "DER",
                "-in",
                "privatekey.pk8",
                "-noout",
                "-modulus"
            ],
            d
        ),
        expected_mod
    );
    // PKCS#1 PEM to PKCS#8 PEM.
    assert!(convert(d, &[&key, "--to", "pem", "-o", "key8.pem"])
        .status
        .success());
    assert!(std::fs::read_to_string(d.join("key8.pem"))
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(
        openssl_reads(
            &openssl,
            &["rsa", "-in", "key8.pem", "-noout", "-modulus"],
            d
        ),
        expected_mod
    );

    // Key + certificate to PKCS#12, modern and legacy.
    for (name, legacy) in [("modern.pfx", false), ("legacy.pfx", true)] {
        let mut args = vec![
            cert.as_str(),
            "--key",
            key.as_str(),
            "--to",
            "pfx",
            "-o",
            name,
            "--pfx-password-env",
            "PW",
        ];
        if legacy {
            args.push("--pfx-legacy");
        }
        let o = convert(d, &args);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = openssl_reads(
            &openssl,
            &["pkcs12", "-in", name, "-nodes", "-passin", "env:PW"],
            d,
        );
        assert!(out.contains("BEGIN CERTIFICATE") && out.contains("BEGIN PRIVATE KEY"));
        std::fs::write(d.join("from-pfx.pem"), &out).unwrap();
        assert_eq!(
            openssl_sha256(&openssl, &d.join("from-pfx.pem"), "PEM").unwrap(),
            expected_fp
        );
    }

    // PKCS#12 (made by openssl) back to PEM, with its key.
    let o = convert(
        d,
        &[
            &pfx,
            "--to",
            "pem",
            "-o",
            "pfx-cert.pem",
            "--key-out",
            "pfx-key.pem",
            "--pfx-password-env",
            "PW",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        openssl_sha256(&openssl, &d.join("pfx-cert.pem"), "PEM").unwrap(),
        expected_fp
    );
    assert_eq!(
        openssl_reads(
            &openssl,
            &["rsa", "-in", "pfx-key.pem", "-noout", "-modulus"],
            d
        ),
        expected_mod
    );

    use std::os::unix::fs::PermissionsExt;
    for private in [
        "privatekey.pk8",
        "key8.pem",
        "modern.pfx",
        "legacy.pfx",
        "pfx-key.pem",
    ] {
        let mode = std::fs::metadata(d.join(private))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{private}");
    }
}

#[test]
fn conversions_refuse_what_would_be_unsafe_or_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cert = fixture("keys/publickey.cer").display().to_string();
    // Private material never goes to stdout.
    let o = convert(
        d,
        &[
            fixture("keys/privatekey-pkcs1.pem").to_str().unwrap(),
            "--to",
            "pk8",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("-o FILE"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    // A key that does not belong to the certificate is not bundled.
    let o = convert(
        d,
        &[
            &cert,
            "--key",
            fixture("keys/other-privatekey.pem").to_str().unwrap(),
            "--to",
            "pfx",
            "-o",
            "x.pfx",
            "--pfx-password-env",
            "PW",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not belong"), "{}", stderr(&o));
    assert!(!d.join("x.pfx").exists());
    // Existing files are kept without --force.
    std::fs::write(d.join("c.der"), b"keep").unwrap();
    let o = convert(d, &[&cert, "--to", "der", "-o", "c.der"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(d.join("c.der")).unwrap(), b"keep");
}
