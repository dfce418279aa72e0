"""Whole-process benchmarks of oauth1to2 against openssl and pyca/cryptography, same run.

Each benchmark alternates ours and the peer's command, takes the median of each, and prints the
ratio peer/ours (above 1 means we are faster). Called by scripts/bench.
"""
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
OURS = str(ROOT / "target/release/oauth1to2")
CA_STORE = "/etc/ssl/certs/ca-certificates.crt"

PYCA_DUMP = r'''
import hashlib, json, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa, ec
data = open(sys.argv[1], "rb").read()
out = []
for c in x509.load_pem_x509_certificates(data):
    pk = c.public_key()
    exts = {}
    for e in c.extensions:
        exts[e.oid.dotted_string] = str(e.value)
    out.append({
        "subject": c.subject.rfc4514_string(), "issuer": c.issuer.rfc4514_string(),
        "serial": format(c.serial_number, "x"),
        "not_before": c.not_valid_before_utc.isoformat(), "not_after": c.not_valid_after_utc.isoformat(),
        "public_key": {"algorithm": type(pk).__name__, "bits": getattr(pk, "key_size", None)},
        "signature_algorithm": c.signature_algorithm_oid._name,
        "sha1_fingerprint": c.fingerprint(hashes.SHA1()).hex(),
        "sha256_fingerprint": c.fingerprint(hashes.SHA256()).hex(),
        "extensions": exts,
    })
json.dump(out, sys.stdout)
'''


def timed(cmd, **kw):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t


def alternate(name, commands, pairs):
    """commands: {label: argv}; runs them alternately `pairs` times; returns medians."""
    times = {k: [] for k in commands}
    for _ in range(pairs):
        for label, cmd in commands.items():
            times[label].append(timed(cmd))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n## {name} ({pairs} alternating runs each, medians)")
    for label, m in med.items():
        print(f"  {label:<48} {m*1000:10.1f} ms   (min {min(times[label])*1000:.1f}, max {max(times[label])*1000:.1f})")
    return med


def bench_bundle(tmp):
    store = pathlib.Path(CA_STORE).read_text()
    n = store.count("BEGIN CERTIFICATE")
    copies = -(-10000 // n)
    bundle = tmp / "bundle.pem"
    bundle.write_text(store * copies)
    total = n * copies
    dump = tmp / "pyca_dump.py"
    dump.write_text(PYCA_DUMP)
    print(f"bundle: {total} certificates ({n} from {CA_STORE} x {copies})")
    med = alternate(f"cert inspect on {total} certificates", {
        "oauth1to2 cert inspect (text)": [OURS, "cert", "inspect", str(bundle)],
        "oauth1to2 cert inspect --json": [OURS, "cert", "inspect", "--json", str(bundle)],
        "openssl storeutl -noout -text -certs": ["openssl", "storeutl", "-noout", "-text", "-certs", str(bundle)],
        "pyca/cryptography field dump (JSON)": [sys.executable, str(dump), str(bundle)],
    }, 5)
    ours = med["oauth1to2 cert inspect (text)"]
    print(f"  ratio openssl/ours (text):  {med['openssl storeutl -noout -text -certs']/ours:6.1f}x   (goal: >= 20x)")
    print(f"  ratio pyca/ours (json):     {med['pyca/cryptography field dump (JSON)']/med['oauth1to2 cert inspect --json']:6.1f}x")
    print("  note: the bundle repeats each certificate; oauth1to2 analyses identical certificates once")
    print("        (openssl and pyca do not), so the unique-certificate run below is the fair per-certificate figure")
    unique = tmp / "unique.pem"
    unique.write_text(store)
    med = alternate(f"cert inspect on the {n} unique certificates", {
        "oauth1to2 cert inspect (text)": [OURS, "cert", "inspect", str(unique)],
        "openssl storeutl -noout -text -certs": ["openssl", "storeutl", "-noout", "-text", "-certs", str(unique)],
        "pyca/cryptography field dump (JSON)": [sys.executable, str(dump), str(unique)],
    }, 11)
    ours = med["oauth1to2 cert inspect (text)"]
    print(f"  ratio openssl/ours (text):  {med['openssl storeutl -noout -text -certs']/ours:6.1f}x")
    print(f"  ratio pyca/ours:            {med['pyca/cryptography field dump (JSON)']/ours:6.1f}x")


def bench_new(tmp):
    med = alternate("2048-bit RSA keypair", {
        "oauth1to2 cert new --bits 2048 --force": [OURS, "cert", "new", "--bits", "2048", "--cn", "bench", "--force", "--out-dir", str(tmp)],
        "openssl genrsa 2048": ["openssl", "genrsa", "-out", str(tmp / "genrsa.pem"), "2048"],
    }, 21)
    r = med["openssl genrsa 2048"] / med["oauth1to2 cert new --bits 2048 --force"]
    print(f"  ratio openssl/ours: {r:5.2f}x   (goal: >= 1.0, no slower than openssl)")
    print("  note: key generation time varies a lot from run to run (prime search); medians of 21 pairs")


def bench_one(tmp):
    cert = str(ROOT / "fixtures/opmetrix/publickey.cer")
    med = alternate("inspect one certificate, whole process", {
        "oauth1to2 cert inspect": [OURS, "cert", "inspect", cert],
        "openssl x509 -noout -text": ["openssl", "x509", "-noout", "-text", "-in", cert],
    }, 51)
    r = med["openssl x509 -noout -text"] / med["oauth1to2 cert inspect"]
    print(f"  ratio openssl/ours: {r:5.2f}x   (goal: >= 1.0)")


def main():
    which = sys.argv[1:] or ["bundle", "new", "one"]
    print(f"machine: {os.cpu_count()} cores; {subprocess.run(['openssl', 'version'], capture_output=True, text=True).stdout.strip()}")
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        for w in which:
            {"bundle": bench_bundle, "new": bench_new, "one": bench_one}[w](tmp)


if __name__ == "__main__":
    main()
