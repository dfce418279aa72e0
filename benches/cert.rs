//! Criterion benchmarks of the certificate library, in-process, with a peer measured in the same
//! run: pyca/cryptography parsing the same certificate and reading the same fields, timed inside
//! Python so process start-up is left out on both sides. Prints the ratio at the end.
//!
//! `cargo bench` (uses .venv/bin/python if scripts/test made it, else python3).
//! Whole-process comparisons with openssl are in scripts/bench.
#![allow(clippy::disallowed_macros)] // tests, benches and the build script report on stderr

use criterion::{black_box, criterion_group, Criterion};
use oauth1to2::cert::{analyse, load_certificates, paste, CheckOptions};
use std::time::Instant;

const OPMETRIX: &[u8] = include_bytes!("../fixtures/opmetrix/publickey.cer");
const MANGLED: &[u8] = include_bytes!("../fixtures/pastes/word-processor.txt");

fn inspect_one(bytes: &[u8]) -> usize {
    let loaded = load_certificates("bench", bytes, None).unwrap();
    let options = CheckOptions::now();
    loaded
        .certificates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            analyse("bench", i + 1, d, &loaded.repairs, &options)
                .unwrap()
                .findings
                .len()
        })
        .sum()
}

fn benches(c: &mut Criterion) {
    c.bench_function("inspect: load + report + lint (Opmetrix PEM)", |b| {
        b.iter(|| inspect_one(black_box(OPMETRIX)))
    });
    c.bench_function("paste repair (word-processor fixture)", |b| {
        b.iter(|| paste::repair(black_box(MANGLED)).unwrap())
    });
}

criterion_group!(group, benches);

const PYCA: &str = r#"
import sys, time, statistics
from cryptography import x509
from cryptography.hazmat.primitives import hashes
data = open(sys.argv[1], "rb").read()
def once():
    c = x509.load_pem_x509_certificate(data)
    c.subject.rfc4514_string(); c.issuer.rfc4514_string(); c.serial_number
    c.not_valid_before_utc; c.not_valid_after_utc; c.public_key().key_size
    c.signature_algorithm_oid; c.fingerprint(hashes.SHA1()); c.fingerprint(hashes.SHA256())
    [e.value for e in c.extensions]
    c.public_key().verify(c.signature, c.tbs_certificate_bytes, __import__("cryptography.hazmat.primitives.asymmetric.padding", fromlist=["x"]).PKCS1v15(), c.signature_hash_algorithm)
samples = []
for _ in range(30):
    t = time.perf_counter()
    for _ in range(200): once()
    samples.append((time.perf_counter() - t) / 200)
print(statistics.median(samples))
"#;

fn peer_ratio() {
    let ours = {
        let mut samples = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            for _ in 0..200 {
                black_box(inspect_one(black_box(OPMETRIX)));
            }
            samples.push(t.elapsed().as_secs_f64() / 200.0);
        }
        samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
        samples[samples.len() / 2]
    };
    let py = if std::path::Path::new(".venv/bin/python").exists() {
        ".venv/bin/python"
    } else {
        "python3"
    };
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/opmetrix/publickey.cer"
    );
    match std::process::Command::new(py)
        .args(["-c", PYCA, path])
        .output()
    {
        Ok(o) if o.status.success() => {
            let peer: f64 = String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse()
                .unwrap_or(f64::NAN);
            println!(
                "\npeer comparison, one certificate parsed, reported and self-verified in-process:\n  oauth1to2: {:.1} us   pyca/cryptography: {:.1} us   ratio pyca/ours: {:.2}x",
                ours * 1e6, peer * 1e6, peer / ours
            );
        }
        _ => println!(
            "\npeer comparison skipped: {py} cannot import cryptography (run scripts/test first)"
        ),
    }
}

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    peer_ratio();
}
