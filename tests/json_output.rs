//! JSON output compared as JSON (through serde), not as text: trycmd's snapshot matching
//! normalises `\` to `/`, so a text snapshot could not catch an escaping regression. The expected
//! documents in tests/json/ were reviewed by hand against docs/json.md; after an intended change,
//! regenerate one with the command in its case and review the diff.

mod common;

use common::*;

fn case(args: &[&str], expected_file: &str, code: i32) {
    let o = run(bin().current_dir(root()).args(args));
    assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{args:?}: {}", stderr(&o));
    let got: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/json").join(expected_file)).unwrap(),
    )
    .unwrap();
    assert_eq!(
        got, want,
        "{args:?} differs from tests/json/{expected_file}"
    );
}

#[test]
fn cert_check_json_on_the_opmetrix_certificate() {
    case(
        &[
            "cert",
            "check",
            "--json",
            "--at",
            "2026-11-23",
            "fixtures/opmetrix/publickey.cer",
        ],
        "check-opmetrix.json",
        1,
    );
}

#[test]
fn cert_inspect_json_on_the_opmetrix_certificate() {
    case(
        &[
            "cert",
            "inspect",
            "--json",
            "--at",
            "2026-11-23",
            "fixtures/opmetrix/publickey.cer",
        ],
        "inspect-opmetrix.json",
        0,
    );
}

#[test]
fn a_backslash_and_a_quote_in_a_subject_survive_json_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.cer");
    std::fs::write(
        &p,
        certificate_with_subject(&[(rcgen::DnType::CommonName, r#"C:\Apps\Xero "Live""#)]),
    )
    .unwrap();
    let o = run(bin().args(["cert", "inspect", "--json"]).arg(&p));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["subject"], r#"CN=C:\Apps\Xero "Live""#);
}
