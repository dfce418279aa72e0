#!/usr/bin/env python3
"""Builds fixtures/pastes/ from the clean Opmetrix certificate.

Each fixture is the certificate from fixtures/opmetrix/publickey.cer (copied verbatim from the
Opmetrix Service Desk page "Xero Integration: OAuth Credentials, Opmetrix Cloud, Interface with
Bridge") damaged the way one real tool damages
a PEM block. MANIFEST.tsv lists, for each file, the repair ids the damage must produce (written
here from how the fixture is made, not from what oauth1to2 prints) and what was done.

Files under broken/ cannot be repaired; MANIFEST.tsv gives the error each must produce.

Re-run after changing this script:  python3 scripts/make-paste-fixtures.py
(`openssl` is needed for the TRUSTED CERTIFICATE case.)
"""
import base64
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLEAN = (ROOT / "fixtures/opmetrix/publickey.cer").read_text()
OUT = ROOT / "fixtures/pastes"
SEED_PAGE_PREFIX = """Xero Integration

OAuth Credentials, Opmetrix Cloud, Interface with Bridge

  \u2022 Pick the Xero organisation to link to Opmetrix (if you have more than one)

  \u2022 Copy-paste the data in the box below to X509 Public Key Certificate

"""
SEED_PAGE_SUFFIX = """

  \u2022 Click the green Save button

  \u2022 After saved, you will then be redirected to "My Applications".
"""

lines = CLEAN.strip("\n").split("\n")
HEADER, FOOTER = lines[0], lines[-1]
BODY = lines[1:-1]
B64 = "".join(BODY)

cases = []  # (name, bytes, expected repair ids, description)


def add(name, text, repairs, description, encoding="utf-8"):
    data = text if isinstance(text, bytes) else text.encode(encoding)
    cases.append((name, data, repairs, description))


add("clean.txt", CLEAN, [], "the certificate exactly as published; needs no repair")
add("one-line.txt", HEADER + "".join(BODY) + FOOTER + "\n", ["rejoined-lines"],
    "everything on one line, no spaces (a config field that strips newlines)")
add("lost-line-breaks.txt", HEADER + "\n" + B64 + "\n" + FOOTER + "\n", ["rejoined-lines"],
    "the base64 joined into one long line between intact BEGIN/END lines")
add("space-joined.txt", " ".join(lines) + "\n", ["rejoined-lines", "inner-spaces"],
    "line breaks turned into spaces (a single-line form field)")
add("doubled-line-breaks.txt", "\n\n".join(lines) + "\n", ["blank-lines"],
    "a blank line after every line (copied from a web page with <p> per line)")
add("crlf.txt", CLEAN.replace("\n", "\r\n"), ["line-endings"], "Windows CRLF line endings")
add("indented.txt", "".join("    " + l + "\n" for l in lines), ["line-prefixes"],
    "every line indented by four spaces (Markdown code block, YAML)")
add("bullets.txt", "".join("  \u2022 " + l + "\n" for l in lines), ["line-prefixes"],
    "every line turned into a bullet point by a help-centre editor")
add("email-quoted.txt", "On Tue, the vendor wrote:\n" + "".join("> " + l + "\n" for l in lines),
    ["line-prefixes", "surrounding-text"], "quoted in an e-mail reply ('> ' prefixes)")
add("html-br.html", "<div class=\"article\"><p>" + "<br>".join(lines) + "</p></div>\n",
    ["html-markup"], "copied from page source: lines joined with <br>, wrapped in <p>/<div>")
add("html-entities.html",
    "<pre>" + "\n".join(lines).replace("+", "&#43;").replace("/", "&#x2F;") + "</pre>\n",
    ["html-markup", "html-entities"], "'+' and '/' escaped as HTML entities inside <pre>")
add("nbsp-zero-width.txt",
    "".join("\u00a0\u00a0" + l[:20] + "\u200b" + l[20:] + "\n" for l in lines),
    ["invisible-spaces"], "non-breaking-space indentation and zero-width spaces inside lines (rich-text editor)")
add("bom.txt", "\ufeff" + CLEAN, ["removed-bom"], "a UTF-8 byte-order mark (Windows Notepad)")
add("utf16.txt", ("\ufeff" + CLEAN.replace("\n", "\r\n")).encode("utf-16-le"),
    ["decoded-utf16", "line-endings"], "saved as 'Unicode' (UTF-16LE with BOM) by Notepad")
add("em-dashes.txt",
    CLEAN.replace("-----", "\u2014\u2013-"),
    ["typographic-dashes", "marker-lines"], "a word processor turned runs of hyphens into em/en dashes")
add("lowercase-label.txt", CLEAN.replace("BEGIN CERTIFICATE", "begin certificate").replace("END CERTIFICATE", "end certificate"),
    ["marker-lines"], "BEGIN/END lines lower-cased")
add("x509-label.txt", CLEAN.replace("CERTIFICATE", "X509 CERTIFICATE"), ["legacy-label"],
    "the old 'X509 CERTIFICATE' label")
add("missing-header.txt", "\n".join(lines[1:]) + "\n", ["restored-header"],
    "the BEGIN line was not selected when copying")
add("missing-footer.txt", SEED_PAGE_PREFIX + "\n".join(lines[:-1]) + SEED_PAGE_SUFFIX,
    ["restored-footer", "surrounding-text"],
    "the END line was lost and the page's next bullet follows the base64")
add("missing-both.txt", "\n".join(BODY) + "\n", ["restored-header-footer"],
    "only the base64 lines were copied")
add("missing-padding.txt", CLEAN.replace("=\n-----END", "\n-----END"), ["padding"],
    "the trailing '=' padding was dropped")
add("json-escaped.json",
    json.dumps({"xero": {"consumer_key": "PLACEHOLDER", "certificate": CLEAN}}, indent=2) + "\n",
    ["json-escapes", "surrounding-text"], "inside a JSON config string, with \\n escapes")
add("quoting.txt", HEADER + "\n" + "".join('"' + l + '"\n' for l in BODY) + FOOTER + "\n",
    ["quoting"], "each base64 line wrapped in double quotes, as copied from a string literal in source code")
add("chat-code-fence.txt", "here's the cert for the Xero app:\n```\n" + CLEAN + "```\n",
    ["surrounding-text"], "posted in a chat tool inside a ``` code fence")
add("vendor-page.txt", SEED_PAGE_PREFIX + CLEAN + SEED_PAGE_SUFFIX, ["surrounding-text"],
    "the help page's text around an intact block")
add("word-processor.txt",
    "\n\n".join("\u00a0" + l.replace("-----", "\u2014\u2014") for l in lines) + "\n",
    ["typographic-dashes", "invisible-spaces", "blank-lines", "marker-lines"],
    "pasted through a word processor: em dashes, non-breaking spaces, paragraph spacing")

# OpenSSL's TRUSTED CERTIFICATE: the certificate followed by trust settings.
trusted = subprocess.run(
    ["openssl", "x509", "-in", str(ROOT / "fixtures/opmetrix/publickey.cer"),
     "-addtrust", "clientAuth", "-trustout"],
    check=True, capture_output=True, text=True).stdout
add("trusted-label.txt", trusted, ["legacy-label", "trust-settings"],
    "OpenSSL 'TRUSTED CERTIFICATE' with trust settings (openssl x509 -addtrust clientAuth -trustout)")

broken = [
    ("broken/truncated.txt", "\n".join(lines[:8]) + "\n" + FOOTER + "\n", "truncated",
     "the copy stopped after seven base64 lines"),
    ("broken/glued.txt", HEADER + "\n" + "\n".join(BODY) + "\n" + "\n".join(BODY) + "\n" + FOOTER + "\n",
     "glued", "two certificates with the END/BEGIN lines between them lost"),
    ("broken/private-key-only.txt",
     "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAplaceholder\n-----END PRIVATE KEY-----\n",
     "not-a-certificate", "a private key block (a placeholder, not a real key) where a certificate was expected"),
    ("broken/prose-only.txt", "Copy the certificate from the box below.\n", "no-certificate",
     "the instructions were copied but not the box"),
]

OUT.mkdir(parents=True, exist_ok=True)
(OUT / "broken").mkdir(exist_ok=True)
manifest = ["# file\texpected repair ids (comma-separated; '-' for none) or error\tdescription"]
for name, data, repairs, desc in cases:
    (OUT / name).write_bytes(data)
    manifest.append(f"{name}\t{','.join(repairs) or '-'}\t{desc}")
for name, text, err, desc in broken:
    (OUT / name).write_text(text)
    manifest.append(f"{name}\terror:{err}\t{desc}")
(OUT / "MANIFEST.tsv").write_text("\n".join(manifest) + "\n")
print(f"wrote {len(cases)} repairable and {len(broken)} broken fixtures to {OUT}")
