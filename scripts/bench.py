"""Whole-process benchmarks of oauth1to2 against openssl and pyca/cryptography, same run.

Each benchmark alternates ours and the peer's command, takes the median of each, and prints the
ratio peer/ours (above 1 means we are faster). Called by scripts/bench.
"""
import json
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
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    # Exit 1 means "problems found" for cert check and audit: the run itself succeeded.
    if r.returncode not in (0, 1):
        raise subprocess.CalledProcessError(r.returncode, cmd)
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


DISTINCT_GEN = r'''
# 10,000 distinct certificates, as a real estate holds them: a mix of RSA-2048/3072 and
# P-256/P-384 keys, half self-signed, half issued by one of four CAs; every certificate has its
# own serial, subject and validity. Keys come from a pool (generating 10,000 RSA keys would take
# minutes); certificates never repeat.
import datetime, random, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa, ec
n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20261201)
def key(kind):
    if kind == "rsa2048": return rsa.generate_private_key(65537, 2048)
    if kind == "rsa3072": return rsa.generate_private_key(65537, 3072)
    if kind == "p256": return ec.generate_private_key(ec.SECP256R1())
    return ec.generate_private_key(ec.SECP384R1())
kinds = ["rsa2048", "rsa3072", "p256", "p384"]
pool = {k: [key(k) for _ in range({"rsa2048": 24, "rsa3072": 12, "p256": 24, "p384": 12}[k])] for k in kinds}
now = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
def name(cn, o):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "NZ"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, o), x509.NameAttribute(NameOID.COMMON_NAME, cn)])
def build(subject, issuer, pub, signer, ca, days, i):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(pub)
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=rng.randrange(0, 800)))
         .not_valid_after(now + datetime.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False))
    if not ca:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(f"host{i}.client{i % 97}.example")]), critical=False)
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
    h = hashes.SHA384() if isinstance(signer, ec.EllipticCurvePrivateKey) and signer.curve.key_size == 384 else hashes.SHA256()
    return b.sign(signer, h)
cas = []
for j, k in enumerate(kinds):
    ck = key(k)
    cn = name(f"Bench CA {j} ({k})", "oauth1to2 bench CAs")
    cas.append((ck, cn, build(cn, cn, ck.public_key(), ck, True, 3650, j)))
with open(out, "w") as f:
    for i in range(n):
        # Pairs (i, i+1) share a key kind, so self-signed (even i) and CA-issued (odd i)
        # certificates each cover all four kinds.
        k = kinds[(i // 2) % 4]
        sk = rng.choice(pool[k])
        subject = name(f"integration {i}", f"Client {i % 1000} Ltd")
        if i % 2 == 0:
            c = build(subject, subject, sk.public_key(), sk, False, rng.choice([365, 825, 1825]), i)
        else:
            ck, cn, _ = cas[(i // 2) % 4]
            c = build(subject, cn, sk.public_key(), ck, False, rng.choice([365, 825, 1825]), i)
        f.write(c.public_bytes(serialization.Encoding.PEM).decode())
'''


def distinct_bundle(tmp, n=10000):
    """Makes (once, cached under target/bench-data/) a bundle of n distinct certificates."""
    cache = ROOT / "target" / "bench-data" / f"distinct-{n}.pem"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        gen = tmp / "gen_distinct.py"
        gen.write_text(DISTINCT_GEN)
        t = time.perf_counter()
        subprocess.run([sys.executable, str(gen), str(n), str(cache) + ".tmp"], check=True)
        os.replace(str(cache) + ".tmp", cache)
        print(f"made {cache} in {time.perf_counter() - t:.0f} s")
    return cache


def bench_distinct(tmp):
    bundle = distinct_bundle(tmp)
    text = bundle.read_text()
    n = text.count("BEGIN CERTIFICATE")
    dump = tmp / "pyca_dump.py"
    dump.write_text(PYCA_DUMP)
    size = bundle.stat().st_size
    print(f"bundle: {n} distinct certificates, {size / 1e6:.1f} MB (RSA-2048/3072, P-256/P-384; half self-signed)")
    cmds = {
        "oauth1to2 cert inspect (text)": [OURS, "cert", "inspect", "--at", "2026-12-01", str(bundle)],
        "oauth1to2 cert inspect --json": [OURS, "cert", "inspect", "--json", "--at", "2026-12-01", str(bundle)],
        "openssl storeutl -noout -text -certs": ["openssl", "storeutl", "-noout", "-text", "-certs", str(bundle)],
        "pyca/cryptography field dump (JSON)": [sys.executable, str(dump), str(bundle)],
    }
    med = alternate(f"cert inspect on {n} distinct certificates", cmds, 5)
    ours = med["oauth1to2 cert inspect (text)"]
    ossl = med["openssl storeutl -noout -text -certs"]
    print(f"  time ours/openssl (text):   {ours / ossl:6.3f}   (goal: <= 0.08)")
    print(f"  ratio openssl/ours (text):  {ossl / ours:6.1f}x")
    print(f"  ratio pyca/ours (json):     {med['pyca/cryptography field dump (JSON)'] / med['oauth1to2 cert inspect --json']:6.1f}x")
    # How many cores ours keeps busy: user+sys CPU time over wall time, from one more run.
    t0 = os.times()
    w = time.perf_counter()
    subprocess.run(cmds["oauth1to2 cert inspect (text)"], stdout=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - w
    t1 = os.times()
    cpu = (t1.children_user - t0.children_user) + (t1.children_system - t0.children_system)
    print(f"  ours: cpu {cpu * 1000:.0f} ms over wall {wall * 1000:.0f} ms = {cpu / wall:.2f} cores busy (of {os.cpu_count()})")


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


def make_inventories(tmp, n):
    """n inventories, each with its own self-signed certificate (openssl, a few shared keys),
    an endpoint list and a target; returns (folder, bundle of all the certificates)."""
    keys = []
    for i, bits in enumerate([2048, 2048, 1024, 3072]):
        k = tmp / f"key{i}.pem"
        subprocess.run(["openssl", "genrsa", "-out", str(k), str(bits)], check=True, capture_output=True)
        keys.append(k)
    root = tmp / f"inventories-{n}"
    root.mkdir()
    bundle = tmp / f"bundle-{n}.pem"
    calls = ['"GET Contacts"', '"POST Invoices"', '"GET Items"', '"GET Reports/BalanceSheet"', '"GET Accounts"', '"PUT Payments"']
    targets = ["web", "pkce", "custom-connection"]
    with open(bundle, "w") as out:
        for i in range(n):
            d = root / f"client{i:04d}"
            d.mkdir()
            cert = d / "publickey.cer"
            days = ["365", "1825", "36500"][i % 3]
            digest = ["-sha256", "-sha1"][i % 2]
            subprocess.run(["openssl", "req", "-x509", "-new", "-key", str(keys[i % len(keys)]), digest, "-days", days,
                            "-subj", f"/C=NZ/O=Client {i} Ltd/CN=client{i} xero app", "-out", str(cert)],
                           check=True, capture_output=True)
            out.write(cert.read_text())
            (d / "integration.toml").write_text(
                f'name = "Client {i} sync"\napp_type = "private"\norganisation = "Client {i} Ltd"\n'
                f'region = "{["NZ", "AU", "FR"][i % 3]}"\nconsumer_key = "CK{i:030d}"\n'
                f'consumer_secret = {{ env = "CLIENT{i}_SECRET" }}\n\n[certificate]\npath = "publickey.cer"\n\n'
                f'[endpoints]\ncalls = [{", ".join(calls[: 2 + i % 5])}]\n\n[target]\nkind = "{targets[i % 3]}"\n')
    return root, bundle


def bench_audit(tmp):
    sizes = [100, 300, 1000]
    made = {}
    t = time.perf_counter()
    for n in sizes:
        made[n] = make_inventories(tmp, n)
    print(f"made {sum(sizes)} inventories with their certificates in {time.perf_counter() - t:.1f} s (openssl)")
    per = {}
    for n in sizes:
        root, bundle = made[n]
        med = alternate(f"audit of {n} inventories, one run", {
            f"oauth1to2 audit DIR --json ({n})": [OURS, "audit", str(root), "--json"],
            f"oauth1to2 cert check bundle ({n} certs)": [OURS, "cert", "check", "--json", str(bundle)],
            f"openssl storeutl -noout -text ({n} certs)": ["openssl", "storeutl", "-noout", "-text", "-certs", str(bundle)],
        }, 5 if n < 1000 else 3)
        ours = med[f"oauth1to2 audit DIR --json ({n})"]
        check = med[f"oauth1to2 cert check bundle ({n} certs)"]
        peer = med[f"openssl storeutl -noout -text ({n} certs)"]
        per[n] = ours / n
        print(f"  audit: {ours*1000:.0f} ms total, {ours/n*1e6:.0f} us per inventory; cert check on the same certificates: {check*1000:.0f} ms ({check/n*1e6:.0f} us each)")
        print(f"  ratio openssl/ours (audit vs openssl's text dump of the certificates): {peer/ours:5.2f}x")
    growth = per[1000] / per[100]
    print(f"\n  per-inventory time at 1000 / at 100: {growth:.2f} (linear means about 1; goal <= 1.5) -> {'linear' if growth <= 1.5 else 'NOT LINEAR'}")


GRANULAR_PEER = r'''
import json, pathlib, sys, urllib.parse
# A floor for the same job: read every inventory's HAR and collect the distinct API calls
# (method and path), as any tool must before it can map them to scopes.
calls = 0
for har in sorted(pathlib.Path(sys.argv[1]).rglob("*.har")):
    seen = set()
    for e in json.loads(har.read_text())["log"]["entries"]:
        r = e["request"]
        u = urllib.parse.urlsplit(r["url"])
        if u.hostname == "api.xero.com":
            seen.add((r["method"], u.path))
    calls += len(seen)
print(calls)
'''


def make_oauth2_inventories(tmp, n, entries=200):
    """n existing OAuth 2.0 apps (web, pkce, custom-connection), each with its own HAR of
    `entries` requests (distinct ids in the paths, a mix of resources) and broad scopes."""
    root = tmp / f"oauth2-inventories-{n}"
    root.mkdir()
    resources = [("GET", "Invoices"), ("POST", "Invoices"), ("GET", "Contacts"), ("GET", "Items"),
                 ("PUT", "Payments"), ("GET", "Reports/ProfitAndLoss"), ("GET", "BankTransactions"),
                 ("GET", "Journals"), ("POST", "ManualJournals"), ("GET", "Accounts")]
    kinds = ["web", "pkce", "custom-connection"]
    for i in range(n):
        d = root / f"client{i:04d}"
        d.mkdir()
        rows = []
        for j in range(entries):
            m, r = resources[(i + j * 7) % len(resources)]
            rows.append({"request": {"method": m, "url": f"https://api.xero.com/api.xro/2.0/{r}/{i:04d}{j:04d}-aaaa-4bbb-8ccc-{i*entries+j:012d}?page={j % 5}", "headers": []},
                         "response": {"status": 200}})
        (d / "traffic.har").write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "bench"}, "entries": rows}}))
        (d / "integration.toml").write_text(
            f'name = "Client {i} app"\napp_type = "{kinds[i % 3]}"\napp_created = 202{4 + i % 3}-0{1 + i % 9}-15\n'
            f'client_id = "CID{i:029d}"\nredirect_uri = "https://client{i}.example/xero/callback"\n'
            f'scopes = ["openid", "offline_access", "accounting.transactions", "accounting.contacts", "accounting.settings", "accounting.reports.read"]\n\n'
            f'[endpoints]\nhar = "traffic.har"\n')
    return root


def bench_granular(tmp):
    sizes = [100, 1000]
    per = {}
    t = time.perf_counter()
    made = {n: make_oauth2_inventories(tmp, n) for n in sizes}
    print(f"\nmade {sum(sizes)} OAuth 2.0 app inventories, each with its own 200-request HAR, in {time.perf_counter() - t:.1f} s")
    peer_script = tmp / "granular_peer.py"
    peer_script.write_text(GRANULAR_PEER)
    py = ".venv/bin/python" if os.path.exists(".venv/bin/python") else "python3"
    for n in sizes:
        root = made[n]
        med = alternate(f"granular-scopes audit of {n} OAuth 2.0 apps", {
            f"oauth1to2 audit DIR --json ({n})": [OURS, "audit", str(root), "--json"],
            f"python: read the HARs, collect the calls ({n})": [py, str(peer_script), str(root)],
        }, 5 if n < 1000 else 3)
        ours = med[f"oauth1to2 audit DIR --json ({n})"]
        peer = med[f"python: read the HARs, collect the calls ({n})"]
        per[n] = ours / n
        print(f"  audit: {ours*1000:.0f} ms total, {ours/n*1e6:.0f} us per app (HAR read, scopes planned and checked, report)")
        print(f"  ratio python-floor/ours: {peer/ours:5.2f}x (python only reads the HARs)")
    growth = per[1000] / per[100]
    print(f"\n  per-app time at 1000 / at 100: {growth:.2f} (linear means about 1; goal <= 1.5) -> {'linear' if growth <= 1.5 else 'NOT LINEAR'}")


HOSTILE_PEER = r'''
import json, sys, urllib.parse
# The floor for reading a HAR: Python's json module parses it whole and collects the calls.
har = json.load(open(sys.argv[1]))
seen = set()
for e in har["log"]["entries"]:
    r = e["request"]
    seen.add((r["method"], urllib.parse.urlsplit(r["url"]).path))
print(len(seen))
'''


def timed_rss(cmd, tmp):
    """Wall time and the peak resident memory (KiB) of one run of `cmd`, as GNU time measures
    it (a child of this Python process would report this process's own peak: Linux carries it
    over exec)."""
    out = tmp / "rss"
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(out)] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode not in (0, 1):
        raise subprocess.CalledProcessError(r.returncode, cmd)
    return time.perf_counter() - t, int(out.read_text().split()[-1])


def bench_hostile(tmp):
    """Hostile and oversized input (issue 18): a 40 MB HAR whose responses the reader must skip,
    and NetSuite SOAP bodies of nothing but '<' (quadratic once), each against a floor."""
    py = ".venv/bin/python" if os.path.exists(".venv/bin/python") else "python3"
    peer = tmp / "har_peer.py"
    peer.write_text(HOSTILE_PEER)
    body = "x" * 1000
    rows = [{"request": {"method": "GET", "url": f"https://api.xero.com/api.xro/2.0/Invoices?page={i}", "headers": [{"name": "Accept", "value": "application/json"}]},
             "response": {"status": 200, "content": {"text": body}}} for i in range(40000)]
    har = tmp / "big.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": rows}}))
    print(f"\n## a {har.stat().st_size / 1e6:.0f} MB HAR of 40,000 calls with 1 KB responses (5 alternating runs, medians)")
    ours, theirs = [], []
    for _ in range(5):
        ours.append(timed_rss([OURS, "scopes", "plan", "--from-har", str(har), "--json"], tmp))
        theirs.append(timed_rss([py, str(peer), str(har)], tmp))
    (ot, orss), (pt, prss) = [(statistics.median(t for t, _ in r), max(m for _, m in r)) for r in (ours, theirs)]
    print(f"  oauth1to2 scopes plan --from-har          {ot*1000:8.0f} ms, peak {orss/1024:6.0f} MiB")
    print(f"  python json.load + collect the calls      {pt*1000:8.0f} ms, peak {prss/1024:6.0f} MiB")
    print(f"  ratio python/ours: time {pt/ot:5.2f}x, memory {prss/orss:5.2f}x")
    # SOAP: a NetSuite TBA inventory whose HAR posts bodies of '<' to SuiteTalk.
    per_byte = {}
    for size in (256 << 10, 1 << 20):
        d = tmp / f"soap-{size}"
        d.mkdir()
        entries = [{"request": {"method": "POST", "url": "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2023_2",
                                "headers": [], "postData": {"mimeType": "text/xml", "text": "<" * size}}, "response": {"status": 200}} for _ in range(8)]
        (d / "t.har").write_text(json.dumps({"log": {"entries": entries}}))
        (d / "integration.toml").write_text('name = "S"\nprovider = "netsuite"\napp_type = "tba"\naccount = "1234567_SB1"\n[endpoints]\nhar = "t.har"\n')
        med = alternate(f"NetSuite audit of 8 SOAP bodies of {size >> 10} KiB of '<'", {
            f"oauth1to2 audit ({size >> 10} KiB bodies)": [OURS, "audit", "--json", str(d / "integration.toml")],
            f"python json.load of the same HAR ({size >> 10} KiB)": [py, str(peer), str(d / "t.har")],
        }, 5)
        o = med[f"oauth1to2 audit ({size >> 10} KiB bodies)"]
        p = med[f"python json.load of the same HAR ({size >> 10} KiB)"]
        per_byte[size] = o / size
        print(f"  ratio python/ours: {p/o:5.2f}x")
    growth = per_byte[1 << 20] / per_byte[256 << 10]
    print(f"\n  SOAP scan time per byte at 1 MiB / at 256 KiB: {growth:.2f} (linear means about 1 or less; quadratic about 4) -> {'linear' if growth <= 1.5 else 'NOT LINEAR'}")


SF_PEER = r'''
import csv, sys, pathlib
# The floor for reading Login History: Python's csv module reads every file and counts the
# password-flow and SOAP rows by user, application and version (the same rules, no report).
groups = {}
for f in sorted(pathlib.Path(sys.argv[1]).rglob("*.csv")):
    with open(f, newline="") as fh:
        for row in csv.DictReader(fh):
            sub = (row.get("LoginSubType") or "").lower()
            api = (row.get("ApiType") or "").lower()
            if "username-password" in sub:
                way = "password"
            elif "soap" in api and not sub.startswith("oauth"):
                way = "soap"
            else:
                continue
            k = (row["Username"], row["Application"], way, row.get("ApiVersion"))
            groups[k] = groups.get(k, 0) + 1
print(len(groups))
'''


def make_salesforce_estate(tmp, n, rows=10000):
    """n orgs, each an inventory (password-flow) with its own Login History export of `rows`
    logins: mostly browser and web-server logins, some password-flow and SOAP logins by a few
    integration users, with a pool of 200 users per org."""
    root = tmp / f"salesforce-{n}"
    root.mkdir()
    head = "UserId,Username,LoginTime,LoginType,LoginSubType,ApiType,ApiVersion,Application,SourceIp,Status\n"
    kinds = [
        ("Application", "", "", "", "Browser"),
        ("Remote Access 2.0", "OAuth Web Server", "", "", "Salesforce for Outlook"),
        ("Remote Access 2.0", "OAuth Username-Password", "", "", "Nightly ETL"),
        ("Other Apex API", "", "Soap Enterprise", "45.0", "DataLoaderBulkUI/"),
        ("Remote Access 2.0", "OAuth Refresh Token", "", "", "Mobile"),
    ]
    weights = [12, 4, 2, 1, 1]
    pick = [k for k, w in zip(kinds, weights) for _ in range(w)]
    for i in range(n):
        d = root / f"org{i:04d}"
        d.mkdir()
        lines = [head]
        for j in range(rows):
            lt, sub, api, ver, app = pick[(i * 7 + j) % len(pick)]
            u = (j * 13 + i) % 200
            status = "Success" if j % 50 else "Failed: Invalid Password"
            lines.append(f"005{i:05d}{u:07d}AAA,user{u}@org{i}.example,2026-11-{1 + j % 28:02d}T{j % 24:02d}:{j % 60:02d}:00.000+0000,"
                         f"{lt},{sub},{api},{ver},{app},192.0.2.{j % 250},{status}\n")
        (d / "login-history.csv").write_text("".join(lines))
        (d / "integration.toml").write_text(
            f'name = "Org {i} ETL"\nprovider = "salesforce"\napp_type = "password-flow"\n'
            f'username = "user2@org{i}.example"\nlogin_url = "https://org{i}.my.salesforce.com"\n'
            f'login_history = ["login-history.csv"]\n')
    return root


def bench_salesforce(tmp):
    """Issue 21: the audit of a Salesforce estate, each org with a Login History export of
    10,000 rows, at 10, 100 and 1,000 orgs: time per file (linear), peak memory (flat), and
    Python's csv module reading the same files as the floor."""
    sizes = [10, 100, 1000]
    t = time.perf_counter()
    made = {n: make_salesforce_estate(tmp, n) for n in sizes}
    mb = sum(f.stat().st_size for f in made[1000].rglob("*.csv")) / 1e6
    print(f"\nmade {sum(sizes)} Salesforce inventories with 10,000-row Login History exports ({mb:.0f} MB at 1,000) in {time.perf_counter() - t:.1f} s")
    py = ".venv/bin/python" if os.path.exists(".venv/bin/python") else "python3"
    peer = tmp / "sf_peer.py"
    peer.write_text(SF_PEER)
    per, peaks = {}, {}
    for n in sizes:
        runs = 5 if n < 1000 else 3
        ours, theirs = [], []
        for _ in range(runs):
            ours.append(timed_rss([OURS, "audit", str(made[n]), "--json"], tmp))
            theirs.append(timed_rss([py, str(peer), str(made[n])], tmp))
        (ot, orss), (pt, prss) = [(statistics.median(t for t, _ in r), max(m for _, m in r)) for r in (ours, theirs)]
        per[n], peaks[n] = ot / n, orss
        print(f"\n## audit of {n} orgs x 10,000 Login History rows ({runs} alternating runs, medians)")
        print(f"  oauth1to2 audit DIR --json        {ot*1000:9.0f} ms, {ot/n*1000:7.1f} ms per file, {n*10000/ot:11,.0f} rows/s, peak {orss/1024:6.1f} MiB")
        print(f"  python csv, same files and rules  {pt*1000:9.0f} ms, {pt/n*1000:7.1f} ms per file, {n*10000/pt:11,.0f} rows/s, peak {prss/1024:6.1f} MiB")
        print(f"  ratio python/ours: {pt/ot:5.2f}x")
    growth = per[1000] / per[10]
    print(f"\n  per-file time at 1000 / at 10: {growth:.2f} (linear means about 1; goal <= 1.5) -> {'linear' if growth <= 1.5 else 'NOT LINEAR'}")
    print(f"  peak memory at 10 / 100 / 1000 files: {peaks[10]/1024:.1f} / {peaks[100]/1024:.1f} / {peaks[1000]/1024:.1f} MiB")


# ---- the bridge (issue 22) ------------------------------------------------------------------
# Pre-signed requests for wrk: oauthlib signs N requests (each its own nonce) into a file, one a line;
# each wrk thread sends its own share, in order, so no request is sent twice.
SIGN_REQUESTS = r"""
import sys
from concurrent.futures import ProcessPoolExecutor
import functools
import oauthlib.oauth1
import oauthlib.oauth1.rfc5849.signature as signature
from oauthlib.oauth1 import Client

# oauthlib parses the PEM key again for every signature (about 20 ms for RSA 2048, with its
# consistency checks); the signing itself stays oauthlib's, only the parsed key is kept.
signature._prepare_key_plus = functools.lru_cache(maxsize=4)(signature._prepare_key_plus)

def chunk(args):
    method, start, n, key_file = args
    rsa_key = open(key_file).read() if key_file else None
    out = []
    for i in range(start, start + n):
        if method == "RSA-SHA1":
            # As a Xero private app signed: its consumer key sent as the token too.
            c = Client("bench-rsa", resource_owner_key="bench-rsa", signature_method=oauthlib.oauth1.SIGNATURE_RSA_SHA1, rsa_key=rsa_key)
            prefix = "/rsa/"
        else:
            c = Client("bench-hmac", client_secret="bench-consumer-secret", resource_owner_key="bench-token",
                       resource_owner_secret="bench-token-secret", signature_method=oauthlib.oauth1.SIGNATURE_HMAC_SHA1)
            prefix = "/hmac/"
        uri, headers, _ = c.sign(f"http://bridge.test:8080{prefix}Invoices/{i}?page=1", http_method="GET")
        out.append((uri[len("http://bridge.test:8080"):], headers["Authorization"]))
    return out

method, n, key_file, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
parts = 8
size = (n + parts - 1) // parts
with ProcessPoolExecutor() as ex:
    rows = [r for c in ex.map(chunk, [(method, i * size, size, key_file if key_file != "-" else None) for i in range(parts)]) for r in c]
with open(out, "w") as f:
    # One request a line, path and Authorization separated by a tab (a Lua table literal of
    # more than about 100,000 entries is too big for wrk's LuaJIT to load).
    for path, auth in rows[:n]:
        f.write("%s\t%s\n" % (path, auth))
"""

WRK_SCRIPT = r"""
local reqs = nil
local file = nil
local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "0")
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  reqs = {}
  for line in io.lines(os.getenv("WRK_REQUESTS")) do
    local tab = line:find("\t", 1, true)
    reqs[#reqs + 1] = {line:sub(1, tab - 1), line:sub(tab + 1)}
  end
  threads = tonumber(os.getenv("WRK_THREADS"))
  i = id
end
function request()
  local r = reqs[i]
  if r == nil then r = reqs[#reqs] end
  i = i + threads
  return wrk.format("GET", r[1], {["Host"] = "bridge.test:8080", ["Authorization"] = r[2]})
end
if delay_ms > 0 then
  function delay() return delay_ms end
end
"""


def wrk(target, requests, threads, conns, secs, delay_ms=0):
    env = dict(os.environ, WRK_REQUESTS=str(requests), WRK_THREADS=str(threads), WRK_DELAY_MS=str(delay_ms))
    script = pathlib.Path(requests).with_suffix(".wrk.lua")
    script.write_text(WRK_SCRIPT)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{secs}s", "--latency", "-s", str(script), target],
                         capture_output=True, text=True, env=env, check=True).stdout
    res = {"rps": 0.0, "non2xx": 0, "p50": None, "p99": None, "requests": 0}
    for line in out.splitlines():
        t = line.split()
        if line.startswith("Requests/sec:"):
            res["rps"] = float(t[1])
        elif "Non-2xx or 3xx responses:" in line:
            res["non2xx"] = int(t[-1])
        elif "requests in" in line:
            res["requests"] = int(t[0])
        elif len(t) == 2 and t[0] in ("50%", "99%"):
            v = t[1]
            unit = 1e-3 if v.endswith("us") else 1.0 if v.endswith("ms") else 1000.0
            res["p" + t[0][:-1]] = float(v.rstrip("usm")) * unit
    return res


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, proc, what):
    import socket
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited: {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{what} did not listen on {port}")


def bench_bridge(tmp):
    """Issue 22: the bridge against nginx as a plain reverse proxy to the same local upstream
    (an nginx server answering 200), both driven by wrk with the same pre-signed requests:
    throughput, and p50/p99 at about 1,000 requests a second, added over calling the upstream
    directly; HMAC-SHA1 and RSA-SHA1; then the same with the nonces in Redis."""
    for tool in ("nginx", "wrk", "redis-server"):
        if subprocess.run(["sh", "-c", f"command -v {tool} || test -x /usr/sbin/{tool}"], capture_output=True).returncode:
            raise SystemExit(f"bench bridge needs {tool} (apt-get install nginx wrk redis-server)")
    nginx_bin = "nginx" if subprocess.run(["sh", "-c", "command -v nginx"], capture_output=True).returncode == 0 else "/usr/sbin/nginx"
    py = ".venv/bin/python" if os.path.exists(".venv/bin/python") else "python3"
    up, proxy, bridge_port, ops, rport = (free_port() for _ in range(5))
    ng = tmp / "nginx"
    (ng / "logs").mkdir(parents=True)
    (ng / "nginx.conf").write_text(f"""
worker_processes 2;
pid {ng}/nginx.pid;
error_log {ng}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {ng}/body; proxy_temp_path {ng}/proxy; fastcgi_temp_path {ng}/fcgi;
  uwsgi_temp_path {ng}/uwsgi; scgi_temp_path {ng}/scgi;
  upstream api {{ server 127.0.0.1:{up}; keepalive 128; }}
  # The API: one small JSON answer.
  server {{ listen 127.0.0.1:{up}; location / {{ default_type application/json; return 200 '{{"ok":true}}'; }} }}
  # nginx as a plain reverse proxy: the Authorization replaced, as the bridge does, nothing checked.
  server {{
    listen 127.0.0.1:{proxy};
    location / {{
      proxy_pass http://api; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer bench-access-token";
    }}
  }}
}}
""")
    nginx = subprocess.Popen([nginx_bin, "-c", str(ng / "nginx.conf"), "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    procs = [nginx]
    try:
        wait_port(up, nginx, "nginx")
        wait_port(proxy, nginx, "nginx")
        # A profile with a token good for a day, as `connect` leaves one.
        home = tmp / "home"
        (home / "tokens").mkdir(parents=True, mode=0o700)
        (home / "config.toml").write_text('[profiles.bench]\nclient_id = "bench"\ngrant = "client_credentials"\n')
        now = int(time.time())
        tok = home / "tokens" / "bench.json"
        tok.write_text(json.dumps({"token_type": "Bearer", "access_token": "bench-access-token", "expires_at": now + 86400, "scopes": [], "obtained_at": now}))
        os.chmod(tok, 0o600)
        os.chmod(home / "config.toml", 0o600)
        key = tmp / "client.pem"
        cer = tmp / "client.cer"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bench",
                        "-keyout", str(key), "-out", str(cer)], check=True, capture_output=True)

        def conf(name, state):
            c = tmp / f"{name}.toml"
            c.write_text(f"""listen = "127.0.0.1:{bridge_port}"
{state}
[operations]
listen = "127.0.0.1:{ops}"
[limits]
max_connections = 4096
[[route]]
prefix = "/hmac/"
profile = "bench"
upstream = "http://127.0.0.1:{up}"
public_base_url = "http://bridge.test:8080"
[route.inbound]
signature_method = "HMAC-SHA1"
consumer_key = "bench-hmac"
consumer_secret_env = "BENCH_CS"
token = "bench-token"
token_secret_env = "BENCH_TS"
[[route]]
prefix = "/rsa/"
profile = "bench"
upstream = "http://127.0.0.1:{up}"
public_base_url = "http://bridge.test:8080"
[route.inbound]
signature_method = "RSA-SHA1"
consumer_key = "bench-rsa"
certificate = "{cer}"
""")
            return c

        def start_bridge(c):
            env = dict(os.environ, OAUTH1TO2_HOME=str(home), BENCH_CS="bench-consumer-secret", BENCH_TS="bench-token-secret")
            log = open(tmp / "bridge.log", "ab")
            p = subprocess.Popen([OURS, "bridge", "--config", str(c)], env=env, stderr=log, stdout=subprocess.DEVNULL)
            wait_port(bridge_port, p, "the bridge")
            return p

        signer = tmp / "sign.py"
        signer.write_text(SIGN_REQUESTS)
        made = {}

        def signed(method, n, label):
            out = tmp / f"{label}.txt"
            t = time.perf_counter()
            subprocess.run([py, str(signer), method, str(n), str(key) if method == "RSA-SHA1" else "-", str(out)], check=True)
            made[label] = time.perf_counter() - t
            return out

        secs = int(os.environ.get("OAUTH1TO2_BENCH_BRIDGE_SECS", "5"))
        n_hmac = int(os.environ.get("OAUTH1TO2_BENCH_BRIDGE_REQUESTS", "200000"))
        # Enough for the RSA run (at most 3 s) at 40,000/s: wrk's two threads each take half
        # the list, and one that runs out of its half repeats nonces, which the bridge refuses
        # (and the run stops below).
        n_rsa = 40000 * min(secs, 3)
        print(f"\nsigning requests with oauthlib (HMAC-SHA1 {n_hmac} per run, RSA-SHA1 2048-bit {n_rsa} per run) ...")
        plan = {}
        for state in ("local", "redis"):
            plan[(state, "HMAC-SHA1", "load")] = signed("HMAC-SHA1", n_hmac, f"{state}-hmac-load")
            plan[(state, "HMAC-SHA1", "rate")] = signed("HMAC-SHA1", 12000, f"{state}-hmac-rate")
            plan[(state, "RSA-SHA1", "load")] = signed("RSA-SHA1", n_rsa, f"{state}-rsa-load")
            plan[(state, "RSA-SHA1", "rate")] = signed("RSA-SHA1", 8000, f"{state}-rsa-rate")
        print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in made.items()))
        any_hmac = plan[("local", "HMAC-SHA1", "rate")]
        # About 1,000 requests a second: two connections, each waiting 2 ms between requests.
        direct = wrk(f"http://127.0.0.1:{up}", any_hmac, 2, 2, secs, delay_ms=2)
        # Throughput on 2 shared cores moves by 10-15% from one run to the next, so nginx and
        # the bridge (HMAC, local nonces) take turns for several rounds, each bridge round on a
        # fresh bridge (its nonces start empty, so the same request list serves every round),
        # and the round with the median ratio is the one reported.
        rounds = max(1, int(os.environ.get("OAUTH1TO2_BENCH_BRIDGE_ROUNDS", "3")))
        hmac_list = plan[("local", "HMAC-SHA1", "load")]
        turns = []
        for _ in range(rounds):
            ng_load = wrk(f"http://127.0.0.1:{proxy}", hmac_list, 2, 64, secs)
            b = start_bridge(conf("bridge-local", ""))
            try:
                br_load = wrk(f"http://127.0.0.1:{bridge_port}", hmac_list, 2, 64, secs)
            finally:
                b.terminate()
                b.wait(timeout=60)
            turns.append((br_load["rps"] / ng_load["rps"], ng_load, br_load))
        turns.sort(key=lambda t: t[0])
        _, nginx_load, median_load = turns[len(turns) // 2]
        nginx_rate = wrk(f"http://127.0.0.1:{proxy}", any_hmac, 2, 2, secs, delay_ms=2)
        print(f"\n## the bridge vs nginx (plain reverse proxy), the same upstream and wrk, {secs} s per run, 2 cores shared by all")
        print(f"  upstream alone at {direct['rps']:.0f}/s: p50 {direct['p50']:.3f} ms, p99 {direct['p99']:.3f} ms")
        print(f"  HMAC-SHA1, local nonces, {rounds} rounds of nginx then the bridge: " + ", ".join(f"{n['rps']:.0f} vs {b['rps']:.0f} ({r:.2f}x)" for r, n, b in turns) + "; the median round below")
        print(f"  nginx proxy: {nginx_load['rps']:9.0f} requests/s (64 connections); at {nginx_rate['rps']:.0f}/s: p50 {nginx_rate['p50']:.3f} ms, p99 {nginx_rate['p99']:.3f} ms (added p99 {nginx_rate['p99'] - direct['p99']:+.3f} ms)")
        results = {}
        for state in ("local", "redis"):
            redis = None
            if state == "redis":
                redis = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
                procs.append(redis)
                wait_port(rport, redis, "redis-server")
                c = conf("bridge-redis", f'[state]\nredis = "redis://127.0.0.1:{rport}/"')
            else:
                c = conf("bridge-local", "")
            b = start_bridge(c)
            try:
                for method in ("HMAC-SHA1", "RSA-SHA1"):
                    # The latency first: right after a load run, Redis can still be growing
                    # its key table (a load run leaves 100,000+ nonces), which showed as up to
                    # 1.7 ms more at p99 in the run that followed.
                    rate = wrk(f"http://127.0.0.1:{bridge_port}", plan[(state, method, "rate")], 2, 2, secs, delay_ms=2)
                    if (state, method) == ("local", "HMAC-SHA1"):
                        load = median_load
                    else:
                        load = wrk(f"http://127.0.0.1:{bridge_port}", plan[(state, method, "load")], 2, 64, secs if method == "HMAC-SHA1" else min(secs, 3))
                    results[(state, method)] = (load, rate)
                    bad = load["non2xx"] + rate["non2xx"]
                    print(f"  bridge, {method:<9} nonces {state:<5}: {load['rps']:9.0f} requests/s = {load['rps'] / nginx_load['rps']:.2f}x nginx; at {rate['rps']:.0f}/s: p50 {rate['p50']:.3f} ms, p99 {rate['p99']:.3f} ms (added p99 {rate['p99'] - direct['p99']:+.3f} ms){'' if bad == 0 else f'  !! {bad} non-2xx answers'}")
            finally:
                b.terminate()
                b.wait(timeout=60)
                if redis:
                    redis.terminate()
                    redis.wait(timeout=30)
        refused = sum(load["non2xx"] + rate["non2xx"] for load, rate in results.values()) + sum(b["non2xx"] for _, _, b in turns)
        if refused:
            # A refusal is cheaper than a forwarded request: figures with refusals in them flatter
            # the bridge (a request list run out, so that nonces repeat, shows up here).
            raise SystemExit(f"bench bridge: {refused} requests were not forwarded; the figures above are not valid")
        hl, hr = results[("local", "HMAC-SHA1")]
        rl, _ = results[("redis", "HMAC-SHA1")]
        print(f"\n  goals: HMAC throughput >= 0.8x nginx -> {hl['rps'] / nginx_load['rps']:.2f}x; added p99 at ~1,000/s < 1 ms -> {hr['p99'] - direct['p99']:+.3f} ms")
        print(f"  the cost of sharing nonces in Redis (HMAC): {rl['rps']:.0f} vs {hl['rps']:.0f} requests/s ({(rl['rps'] / hl['rps'] - 1) * 100:+.0f}%)")
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(timeout=30)


def main():
    which = sys.argv[1:] or ["distinct", "bundle", "new", "one", "audit", "granular", "hostile", "salesforce"]
    print(f"machine: {os.cpu_count()} cores; {subprocess.run(['openssl', 'version'], capture_output=True, text=True).stdout.strip()}")
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        for w in which:
            {"distinct": bench_distinct, "bundle": bench_bundle, "new": bench_new, "one": bench_one, "audit": bench_audit, "granular": bench_granular, "hostile": bench_hostile, "salesforce": bench_salesforce, "bridge": bench_bridge}[w](tmp)


if __name__ == "__main__":
    main()
