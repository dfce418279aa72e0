//! Every paste fixture (fixtures/pastes/, made by scripts/make-paste-fixtures.py) must come out
//! as the clean Opmetrix certificate: the SHA-256 fingerprint openssl computes for
//! fixtures/opmetrix/publickey.cer, with the repairs MANIFEST.tsv says its damage needs. The
//! broken ones must fail with exit 2 and an error that says where the paste breaks.

mod common;
use common::*;

struct Case {
    file: String,
    expect: String,
    description: String,
}

fn manifest() -> Vec<Case> {
    let text = std::fs::read_to_string(fixture("pastes/MANIFEST.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            Case {
                file: f.next().unwrap().into(),
                expect: f.next().unwrap().into(),
                description: f.next().unwrap_or("").into(),
            }
        })
        .collect()
}

#[test]
fn every_paste_fixture_repairs_to_the_clean_certificate() {
    let Some(openssl) = openssl() else { return };
    let expected = openssl_sha256(&openssl, &fixture("opmetrix/publickey.cer"), "PEM").unwrap();
    let cases = manifest();
    let repairable: Vec<_> = cases
        .iter()
        .filter(|c| !c.expect.starts_with("error:"))
        .collect();
    assert!(
        repairable.len() >= 15,
        "the issue asks for at least 15 paste fixtures"
    );
    for case in repairable {
        let o = run(bin()
            .args(["cert", "check", "--json", "--at", "2026-01-01"])
            .arg(fixture(&format!("pastes/{}", case.file))));
        // The Opmetrix certificate has a 1024-bit key: exit 1 (problems), never 2.
        assert_eq!(
            o.status.code(),
            Some(1),
            "{} ({}): {}",
            case.file,
            case.description,
            stderr(&o)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            v["certificates"][0]["sha256_fingerprint"],
            expected.as_str(),
            "{}",
            case.file
        );
        let got: Vec<&str> = v["repairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        if case.expect == "-" {
            assert!(
                got.is_empty(),
                "{}: expected no repairs, got {got:?}",
                case.file
            );
        } else {
            for id in case.expect.split(',') {
                assert!(
                    got.contains(&id),
                    "{} ({}): expected repair `{id}`, got {got:?}",
                    case.file,
                    case.description
                );
            }
        }
        // --pem gives back a block openssl reads, with the same fingerprint.
        let o = run(bin()
            .args(["cert", "check", "--pem"])
            .arg(fixture(&format!("pastes/{}", case.file))));
        let dir = tempfile::tempdir().unwrap();
        let clean = dir.path().join("clean.pem");
        std::fs::write(&clean, &o.stdout).unwrap();
        assert_eq!(
            openssl_sha256(&openssl, &clean, "PEM").as_deref(),
            Some(expected.as_str()),
            "{} --pem",
            case.file
        );
    }
}

#[test]
fn broken_pastes_say_where_they_break() {
    for case in manifest().iter().filter(|c| c.expect.starts_with("error:")) {
        let o = run(bin()
            .args(["cert", "check"])
            .arg(fixture(&format!("pastes/{}", case.file))));
        assert_eq!(o.status.code(), Some(2), "{}", case.file);
        let err = stderr(&o);
        assert!(err.starts_with("error: "), "{}: {err}", case.file);
        assert!(err.contains("\nhint: "), "{}: {err}", case.file);
        let needle = match case.expect.as_str() {
            "error:truncated" => "cut short",
            "error:glued" => "glued together",
            "error:not-a-certificate" => "PRIVATE KEY block, not a certificate",
            "error:no-certificate" => "no certificate found",
            other => panic!("unknown expectation {other}"),
        };
        assert!(err.contains(needle), "{}: {err}", case.file);
        // Truncated and glued errors point at the base64 where it breaks.
        if matches!(case.expect.as_str(), "error:truncated" | "error:glued") {
            assert!(err.contains('`'), "{}: no location in {err}", case.file);
        }
        // The private-key case must not echo the key.
        assert!(
            !err.contains("MIIBVQ"),
            "{}: echoed key material",
            case.file
        );
    }
}
