"""A legacy OAuth 1.0a client for the bridge tests: oauthlib signs, urllib sends.

Reads one JSON object on stdin and prints one JSON object:
  {"requests": [ITEM, ...], "workers": N, "spread_ms": S}
Each ITEM:
  "sign": {"url", "method", "body", "content_type", "signature_method" (HMAC-SHA1, HMAC-SHA256,
           RSA-SHA1), "consumer_key", "consumer_secret", "token", "token_secret", "rsa_key_file",
           "timestamp", "nonce", "realm", "signature_type" (AUTH_HEADER, QUERY, BODY)}
  "send_to": [base URLs]  the signed request goes to each in turn, unchanged but for the
           connection's address (the Host header stays the one signed: the signed URL's);
  "tamper": {"query": "x=1"} appended to the path after signing, {"body": "..."} replacing
           the body after signing, or {"header": {...}} replacing headers.
"ca_file": the CA that https targets' certificates chain to.
With "workers" > 1 the items run concurrently; with "spread_ms", item i starts i * spread_ms
after the first (a load at a steady rate).
Answer: {"results": [[{"status", "body", "www_authenticate", "date"} per target] per item]}.
"""

import json
import sys
import time
import http.client
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import oauthlib.oauth1
from oauthlib.oauth1 import Client

METHODS = {
    "HMAC-SHA1": oauthlib.oauth1.SIGNATURE_HMAC_SHA1,
    "HMAC-SHA256": oauthlib.oauth1.SIGNATURE_HMAC_SHA256,
    "RSA-SHA1": oauthlib.oauth1.SIGNATURE_RSA_SHA1,
}
TYPES = {
    "AUTH_HEADER": oauthlib.oauth1.SIGNATURE_TYPE_AUTH_HEADER,
    "QUERY": oauthlib.oauth1.SIGNATURE_TYPE_QUERY,
    "BODY": oauthlib.oauth1.SIGNATURE_TYPE_BODY,
}


def sign(s):
    rsa_key = None
    if s.get("rsa_key_file"):
        with open(s["rsa_key_file"]) as f:
            rsa_key = f.read()
    client = Client(
        s["consumer_key"],
        client_secret=s.get("consumer_secret"),
        resource_owner_key=s.get("token"),
        resource_owner_secret=s.get("token_secret"),
        signature_method=METHODS[s["signature_method"]],
        signature_type=TYPES[s.get("signature_type", "AUTH_HEADER")],
        rsa_key=rsa_key,
        timestamp=s.get("timestamp"),
        nonce=s.get("nonce"),
        realm=s.get("realm"),
    )
    headers = {}
    body = s.get("body")
    if s.get("content_type"):
        headers["Content-Type"] = s["content_type"]
    uri, headers, body = client.sign(s["url"], http_method=s.get("method", "GET"), body=body, headers=headers)
    return uri, headers, body


def send(base, uri, method, headers, body):
    target = urllib.parse.urlsplit(base)
    signed = urllib.parse.urlsplit(uri)
    path = signed.path + (("?" + signed.query) if signed.query else "")
    if target.scheme == "https":
        import ssl
        ctx = ssl.create_default_context(cafile=CA_FILE)
        conn = http.client.HTTPSConnection(target.hostname, target.port, timeout=30, context=ctx)
    else:
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    try:
        hdrs = dict(headers)
        hdrs["Host"] = signed.netloc
        data = body.encode() if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        return {
            "status": r.status,
            "body": text,
            "www_authenticate": r.getheader("WWW-Authenticate"),
            "date": r.getheader("Date"),
            "location": r.getheader("Location"),
        }
    finally:
        conn.close()


def run(item, start):
    if start is not None:
        delay = start - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # the load's schedule, not a lock
    s = item["sign"]
    uri, headers, body = sign(s)
    tamper = item.get("tamper") or {}
    if "query" in tamper:
        uri += ("&" if "?" in uri else "?") + tamper["query"]
    if "body" in tamper:
        body = tamper["body"]
    if "header" in tamper:
        headers.update(tamper["header"])
    return [send(b, uri, s.get("method", "GET"), headers, body) for b in item["send_to"]]


CA_FILE = None


def main():
    global CA_FILE
    job = json.load(sys.stdin)
    CA_FILE = job.get("ca_file")
    items = job["requests"]
    workers = job.get("workers", 1)
    spread = job.get("spread_ms")
    t0 = time.monotonic() + 0.05
    starts = [t0 + i * spread / 1000.0 if spread else None for i in range(len(items))]
    if workers <= 1:
        results = [run(i, s) for i, s in zip(items, starts)]
    else:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            results = list(ex.map(run, items, starts))
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
