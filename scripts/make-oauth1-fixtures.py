#!/usr/bin/env python3
"""Builds fixtures/oauth1/captured/: requests signed by oauthlib (a real third-party signer) with
the throwaway key in fixtures/keys/, saved the ways a consultant captures them.

  good.curl            a GET signed correctly, as a curl command line
  good-form.http       a POST with a form body, signed correctly, as a raw HTTP request
  body-left-out.http   the signer signed the POST without its form body, then sent the body
                       (the mistake oauth1to2 oauth1 verify must name)
  session.har          the three requests above in one HAR file

Run with the .venv that scripts/test makes:  .venv/bin/python scripts/make-oauth1-fixtures.py
"""
import json
import pathlib
import shlex

from oauthlib.oauth1 import Client, SIGNATURE_RSA

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures/oauth1/captured"
KEY = (ROOT / "fixtures/keys/privatekey-pkcs8.pem").read_text()
CK = "FIXTURECONSUMERKEY00000000000000"
client = Client(CK, resource_owner_key=CK, signature_method=SIGNATURE_RSA, rsa_key=KEY,
                timestamp="1600000000", nonce="fixture-nonce-1")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

get_url = "https://api.xero.com/api.xro/2.0/Contacts?where=Name.StartsWith(%22Acme%22)&page=1"
uri, h, _ = client.sign(get_url, http_method="GET")
good = {"method": "GET", "url": uri, "headers": {"Authorization": h["Authorization"]}, "body": None}

post_url = "https://api.xero.com/api.xro/2.0/Invoices?summarizeErrors=false"
body = "xml=%3CInvoices%3E%3CInvoice%3E%3CType%3EACCREC%3C%2FType%3E%3C%2FInvoice%3E%3C%2FInvoices%3E"
client.nonce = "fixture-nonce-2"
uri, h, b = client.sign(post_url, http_method="POST", body=body, headers=FORM)
good_form = {"method": "POST", "url": uri, "headers": {"Authorization": h["Authorization"], **FORM}, "body": b}

client.nonce = "fixture-nonce-3"
uri, h, _ = client.sign(post_url, http_method="POST")  # signed without the body
bad = {"method": "POST", "url": uri, "headers": {"Authorization": h["Authorization"], **FORM}, "body": body}


def raw(r):
    rest = r["url"].split("://", 1)[1]
    host, _, path = rest.partition("/")
    lines = [f"{r['method']} /{path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in r["headers"].items()]
    return "\r\n".join(lines) + "\r\n\r\n" + (r["body"] or "")


OUT.mkdir(parents=True, exist_ok=True)
(OUT / "good.curl").write_text("curl " + " ".join(
    ["-H", shlex.quote("Authorization: " + good["headers"]["Authorization"]), shlex.quote(good["url"])]) + "\n")
(OUT / "good-form.http").write_text(raw(good_form))
(OUT / "body-left-out.http").write_text(raw(bad))
har = {"log": {"version": "1.2", "creator": {"name": "make-oauth1-fixtures.py", "version": "1"}, "entries": [
    {"request": {"method": r["method"], "url": r["url"],
                 "headers": [{"name": k, "value": v} for k, v in r["headers"].items()],
                 **({"postData": {"mimeType": FORM["Content-Type"], "text": r["body"]}} if r["body"] else {})}}
    for r in (good, good_form, bad)]}}
(OUT / "session.har").write_text(json.dumps(har, indent=2) + "\n")
print("wrote", sorted(p.name for p in OUT.iterdir()))
