//! pyca's cryptography-vectors x509 corpus (1,774 real and malformed files) against openssl.
//!
//! For every file openssl's `x509` command parses, `cert inspect --json` must report the same
//! subject, issuer, serial, dates and SHA-256 fingerprint for the first certificate. For every
//! other file we must give a clean error (exit 2) or an honest report, never a panic (exit 101).
//! The counts are printed so the note on the issue can quote them.
#![allow(clippy::disallowed_macros)] // tests, benches and the build script report on stderr

mod common;
use common::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

struct OpensslView {
    subject: String,
    issuer: String,
    serial: String,
    not_before: String,
    not_after: String,
    sha256: String,
}

fn openssl_view(openssl: &Path, file: &Path) -> Option<OpensslView> {
    for inform in ["PEM", "DER"] {
        let o = Command::new(openssl)
            .args([
                "x509", "-noout", "-inform", inform, "-subject", "-issuer", "-serial",
            ])
            .args([
                "-startdate",
                "-enddate",
                "-dateopt",
                "iso_8601",
                "-fingerprint",
                "-sha256",
            ])
            .args([
                "-nameopt",
                "sep_comma_plus_space,sname,utf8,dump_unknown,dump_nostr",
            ])
            .arg("-in")
            .arg(file)
            .output()
            .ok()?;
        if !o.status.success() {
            continue;
        }
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        if text.contains("Bad time value") {
            // openssl loads it but cannot read a date either (badasn1time.pem): count it as
            // refused; we must still answer cleanly.
            return None;
        }
        let field = |prefix: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or("")
                .to_owned()
        };
        let date = |s: String| s.replacen(' ', "T", 1);
        return Some(OpensslView {
            subject: field("subject="),
            issuer: field("issuer="),
            serial: field("serial=").to_ascii_lowercase(),
            not_before: date(field("notBefore=")),
            not_after: date(field("notAfter=")),
            sha256: field("sha256 Fingerprint=")
                .replace(':', "")
                .to_ascii_lowercase(),
        });
    }
    None
}

fn corpus(python: &Path) -> PathBuf {
    let o = Command::new(python)
        .args(["-c", "import cryptography_vectors, os; print(os.path.dirname(cryptography_vectors.__file__))"])
        .finish();
    PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()).join("x509")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Serial comparison: openssl prints negative serials as `-XX` and zero as `00`; both sides are
/// lower-cased hex without leading zero bytes.
fn norm_serial(s: &str) -> String {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    let trimmed = digits.trim_start_matches('0');
    let t = if trimmed.is_empty() { "0" } else { trimmed };
    format!("{}{}", if neg { "-" } else { "" }, t)
}

#[test]
fn inspect_agrees_with_openssl_on_the_pyca_corpus() {
    let Some(openssl) = openssl() else { return };
    let Some(python) = python_with("cryptography_vectors") else {
        return;
    };
    let mut files = Vec::new();
    walk(&corpus(&python), &mut files);
    assert!(files.len() > 1000, "corpus too small: {}", files.len());

    // Ours, in batches; the reports say which input they came from.
    let mut ours: HashMap<String, serde_json::Value> = HashMap::new();
    let mut exit_codes: HashMap<String, i32> = HashMap::new();
    for batch in files.chunks(150) {
        let o = run(bin()
            .args([
                "cert",
                "inspect",
                "--json",
                "--for",
                "generic",
                "--at",
                "2026-01-01",
            ])
            .args(batch));
        let code = o.status.code().unwrap_or(-1);
        if code == 101 || code < 0 {
            // Find the culprit.
            for f in batch {
                let o = run(bin().args(["cert", "inspect", "--json"]).arg(f));
                assert_ne!(
                    o.status.code(),
                    Some(101),
                    "panic on {}: {}",
                    f.display(),
                    stderr(&o)
                );
                assert!(o.status.code().is_some(), "killed on {}", f.display());
            }
        }
        assert!(
            matches!(code, 0 | 2),
            "unexpected exit {code}: {}",
            stderr(&o)
        );
        let arr: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).expect("JSON array");
        for r in arr {
            let input = r["input"].as_str().unwrap().to_owned();
            if r["index"] == 1 {
                ours.insert(input.clone(), r);
            }
            exit_codes.insert(input, code);
        }
    }

    let (mut openssl_ok, mut agree, mut refused, mut refused_clean, mut refused_partial) =
        (0, 0, 0, 0, 0);
    let mut disagreements = Vec::new();
    // openssl is one process per file: run them on a few threads.
    let views: Vec<Option<OpensslView>> = std::thread::scope(|scope| {
        let chunks: Vec<_> = files
            .chunks(files.len().div_ceil(4))
            .map(|chunk| {
                scope.spawn(|| {
                    chunk
                        .iter()
                        .map(|f| openssl_view(&openssl, f))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    for (f, view) in files.iter().zip(views) {
        let key = f.display().to_string();
        match view {
            Some(view) => {
                openssl_ok += 1;
                let Some(r) = ours.get(&key) else {
                    let o = run(bin().args(["cert", "inspect", "--json"]).arg(f));
                    disagreements.push(format!(
                        "{key}: openssl parses it, we refused: {}",
                        stderr(&o).trim()
                    ));
                    continue;
                };
                let mut diffs = Vec::new();
                let s = |k: &str| r[k].as_str().unwrap_or("").to_owned();
                if s("subject") != view.subject {
                    diffs.push(format!(
                        "subject ours={:?} openssl={:?}",
                        s("subject"),
                        view.subject
                    ));
                }
                if s("issuer") != view.issuer {
                    diffs.push(format!(
                        "issuer ours={:?} openssl={:?}",
                        s("issuer"),
                        view.issuer
                    ));
                }
                if norm_serial(&s("serial")) != norm_serial(&view.serial) {
                    diffs.push(format!(
                        "serial ours={} openssl={}",
                        s("serial"),
                        view.serial
                    ));
                }
                if s("not_before") != view.not_before {
                    diffs.push(format!(
                        "not_before ours={} openssl={}",
                        s("not_before"),
                        view.not_before
                    ));
                }
                if s("not_after") != view.not_after {
                    diffs.push(format!(
                        "not_after ours={} openssl={}",
                        s("not_after"),
                        view.not_after
                    ));
                }
                if s("sha256_fingerprint") != view.sha256 {
                    diffs.push("sha256".into());
                }
                if diffs.is_empty() {
                    agree += 1
                } else {
                    disagreements.push(format!("{key}: {}", diffs.join("; ")))
                }
            }
            None => {
                refused += 1;
                // Never a panic (checked above); either a clean error or an honest report.
                if ours.contains_key(&key) {
                    refused_partial += 1
                } else {
                    refused_clean += 1
                }
            }
        }
    }
    eprintln!(
        "pyca corpus: {} files; openssl parses {openssl_ok}, we agree on {agree}; openssl refuses {refused} (we: {refused_clean} clean errors, {refused_partial} reports)",
        files.len()
    );
    for d in &disagreements {
        eprintln!("DISAGREE {d}");
    }
    // A floor, so that an openssl that rejects a flag (every file then "refused") cannot pass
    // with no comparison made: openssl 3.0 reads 533 of the corpus's files.
    assert!(
        openssl_ok >= 500 && agree >= 500,
        "only {openssl_ok} files read by openssl and {agree} compared: is the openssl command line right?"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements with openssl (listed above)",
        disagreements.len()
    );
}

/// x509-parser refuses badasn1time.pem (a malformed date) where openssl reads the rest: the
/// partial report must agree with openssl on every field it gives.
#[test]
fn a_certificate_only_openssl_reads_gets_an_honest_partial_report() {
    let Some(openssl) = openssl() else { return };
    let Some(python) = python_with("cryptography_vectors") else {
        return;
    };
    let file = corpus(&python).join("badasn1time.pem");
    let o = run(bin().args(["cert", "inspect", "--json"]).arg(&file));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = &v[0];
    assert_eq!(p["partial"], true, "{v}");
    assert!(p["malformed"].as_str().unwrap().contains("validity"), "{v}");
    let ossl = Command::new(&openssl)
        .args([
            "x509",
            "-noout",
            "-subject",
            "-issuer",
            "-serial",
            "-fingerprint",
            "-sha256",
        ])
        .args([
            "-nameopt",
            "sep_comma_plus_space,sname,utf8,dump_unknown,dump_nostr",
            "-in",
        ])
        .arg(&file)
        .finish();
    let text = String::from_utf8_lossy(&ossl.stdout).into_owned();
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("openssl gave no {prefix}: {text}"))
            .to_owned()
    };
    assert_eq!(p["subject"], field("subject="));
    assert_eq!(p["issuer"], field("issuer="));
    assert_eq!(
        norm_serial(p["serial"].as_str().unwrap()),
        norm_serial(&field("serial=").to_ascii_lowercase())
    );
    assert_eq!(
        p["sha256_fingerprint"],
        field("sha256 Fingerprint=")
            .replace(':', "")
            .to_ascii_lowercase()
    );
    // The human report says the same, and names the malformed field.
    let o = run(bin().args(["cert", "inspect"]).arg(&file));
    assert!(stdout(&o).contains("PARTIAL"), "{}", stdout(&o));
    assert!(stdout(&o).contains("Malformed:           the validity dates"));
}
