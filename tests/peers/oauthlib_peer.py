"""oauthlib as a real OAuth 1.0a peer for the oauth1to2 tests.

  python oauthlib_peer.py verify CERT.pem   < requests.jsonl   -> one line per request: true/false
  python oauthlib_peer.py sign KEY.pem CK   < specs.jsonl      -> one JSON line per request, signed
  python oauthlib_peer.py verify-hmac        < requests.jsonl   -> the same, for HMAC-SHA256/512
       (and HMAC-SHA1) signatures, with the secrets in OAUTHLIB_CONSUMER_SECRET and
       OAUTHLIB_TOKEN_SECRET (NetSuite's Token-Based Authentication)
  python oauthlib_peer.py sign-hmac CK TOKEN REALM METHOD < specs.jsonl -> signed by oauthlib's
       Client with those secrets, the realm in the header
  python oauthlib_peer.py mistakes CK TOKEN REALM < specs.jsonl -> per request, headers signed
       three wrong ways (realm in the base string, an SHA-1 digest, no token secret)
  python oauthlib_peer.py serve CERT.pem PORTFILE               -> HTTP server on 127.0.0.1 that
       answers 200 when oauthlib's SignatureOnlyEndpoint accepts a request and 401 otherwise;
       writes its port to PORTFILE; stops after GET /__stop. Paths under /__xero/STATUS/CODE/ADVICE
       are a stub of Xero's own oauth_problem answers (a Xero-only shape, not oauthlib's).
  python oauthlib_peer.py serve-netsuite ACCOUNT PORTFILE      -> a stub of NetSuite's REST record
       API and a RESTlet for one account, in NetSuite's documented answer shapes; oauthlib verifies
       each TBA signature (HMAC-SHA256, secrets from the environment as for verify-hmac)

Verification uses oauthlib's endpoint classes with a RequestValidator whose defaults are widened
for test vectors: no SSL enforcement (the server is on loopback), longer keys and nonces, our
nonce alphabet, and (verify mode only, for fixed-timestamp vectors) no timestamp window. Serve
mode, which takes live traffic, is strict: oauthlib's 600-second timestamp window and no nonce
used twice. GET /__stats lists every request that arrived, with its OAuth parameters.
"""
import json
import string
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from oauthlib.oauth1 import Client, RequestValidator, SignatureOnlyEndpoint, SIGNATURE_RSA, SIGNATURE_TYPE_AUTH_HEADER


class Validator(RequestValidator):
    def __init__(self, cert_pem):
        super().__init__()
        self.cert_pem = cert_pem

    enforce_ssl = False
    client_key_length = (1, 200)
    nonce_length = (1, 200)
    timestamp_lifetime = 10**10
    allowed_signature_methods = (SIGNATURE_RSA,)

    @property
    def safe_characters(self):
        return set(string.ascii_letters + string.digits + "-_")

    def check_client_key(self, key):
        return bool(key)

    def check_nonce(self, nonce):
        return bool(nonce)

    def validate_client_key(self, client_key, request):
        return True

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, request_token=None, access_token=None):
        return True

    def get_rsa_key(self, client_key, request):
        return self.cert_pem

    @property
    def dummy_client(self):
        return "dummy"


class StrictValidator(Validator):
    """Serve mode takes live traffic, so oauthlib's own checks apply: a timestamp within
    oauthlib's default window (600 s) and no nonce used twice. A nonce is spent only by a request
    that verified, so a tampered copy of a good request fails on its signature, not as a replay."""

    timestamp_lifetime = 600

    def __init__(self, cert_pem):
        super().__init__(cert_pem)
        import threading
        self.spent = set()
        self.lock = threading.Lock()

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, request_token=None, access_token=None):
        with self.lock:
            # RFC 5849 section 3.3: unique per consumer key and timestamp.
            return (client_key, timestamp, nonce) not in self.spent

    def spend(self, client_key, timestamp, nonce):
        with self.lock:
            self.spent.add((client_key, timestamp, nonce))


class HmacValidator(Validator):
    """The same widened validator for HMAC signatures: the consumer and token secrets come from
    the environment, as NetSuite's four TBA credentials would."""

    allowed_signature_methods = ("HMAC-SHA256", "HMAC-SHA512", "HMAC-SHA1")

    def __init__(self):
        super().__init__(None)
        import os
        self.client_secret = os.environ["OAUTHLIB_CONSUMER_SECRET"]
        self.token_secret = os.environ["OAUTHLIB_TOKEN_SECRET"]

    def check_access_token(self, token):
        return bool(token)

    def validate_access_token(self, client_key, token, request):
        return True

    def get_client_secret(self, client_key, request):
        return self.client_secret

    def get_access_token_secret(self, client_key, token, request):
        return self.token_secret

    @property
    def dummy_access_token(self):
        return "dummy"


def verify_hmac():
    ep = SignatureOnlyEndpoint(HmacValidator())
    for line in sys.stdin:
        r = json.loads(line)
        ok, _ = ep.validate_request(r["url"], http_method=r["method"], body=r.get("body") or None, headers=r.get("headers") or {})
        print("true" if ok else "false", flush=True)


def sign_hmac(consumer_key, token, realm, method):
    import os
    client = Client(consumer_key, client_secret=os.environ["OAUTHLIB_CONSUMER_SECRET"], resource_owner_key=token,
                    resource_owner_secret=os.environ["OAUTHLIB_TOKEN_SECRET"], signature_method=method,
                    signature_type=SIGNATURE_TYPE_AUTH_HEADER, realm=realm)
    for line in sys.stdin:
        r = json.loads(line)
        headers = {"Content-Type": r["content_type"]} if r.get("content_type") else {}
        uri, headers, body = client.sign(r["url"], http_method=r["method"], body=r.get("body") or None, headers=headers)
        print(json.dumps({"method": r["method"], "url": uri, "authorization": headers["Authorization"], "body": body, "content_type": r.get("content_type")}), flush=True)


def mistakes(consumer_key, token, realm):
    """For each request, three signatures made the wrong way with oauthlib's own base-string
    functions, as a careless NetSuite client would: realm put into the base string, an HMAC-SHA1
    digest under a declared HMAC-SHA256, and the token secret left out of the key."""
    import base64, hashlib, hmac, os, time
    from oauthlib.common import generate_nonce
    from oauthlib.oauth1.rfc5849 import signature as sig
    from oauthlib.oauth1.rfc5849.utils import escape
    cs, ts = os.environ["OAUTHLIB_CONSUMER_SECRET"], os.environ["OAUTHLIB_TOKEN_SECRET"]
    for line in sys.stdin:
        r = json.loads(line)
        out = {}
        for kind in ("realm_in_base", "sha1_digest", "no_token_secret"):
            params = [("oauth_consumer_key", consumer_key), ("oauth_token", token), ("oauth_nonce", generate_nonce()),
                      ("oauth_timestamp", str(int(time.time()))), ("oauth_signature_method", "HMAC-SHA256"), ("oauth_version", "1.0")]
            collected = list(params) + sig.collect_parameters(uri_query=r["url"].split("?", 1)[1] if "?" in r["url"] else "")
            if kind == "realm_in_base":
                collected.append(("realm", realm))
            base = sig.signature_base_string(r["method"], sig.base_string_uri(r["url"]), sig.normalize_parameters(collected))
            key = escape(cs) + "&" + ("" if kind == "no_token_secret" else escape(ts))
            digest = hashlib.sha1 if kind == "sha1_digest" else hashlib.sha256
            value = base64.b64encode(hmac.new(key.encode(), base.encode(), digest).digest()).decode()
            header = "OAuth " + ", ".join([f'realm="{realm}"'] + [f'{k}="{escape(v)}"' for k, v in params] + [f'oauth_signature="{escape(value)}"'])
            out[kind] = header
        print(json.dumps(out), flush=True)


class NetsuiteValidator(HmacValidator):
    """NetSuite's TBA as a live server checks it: HMAC-SHA256 only (HMAC-SHA1 ended in 2023.1),
    oauthlib's timestamp window, and no nonce used twice."""

    allowed_signature_methods = ("HMAC-SHA256",)
    timestamp_lifetime = 300

    def __init__(self):
        super().__init__()
        import threading
        self.spent = set()
        self.lock = threading.Lock()

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, request_token=None, access_token=None):
        with self.lock:
            return (client_key, timestamp, nonce) not in self.spent

    def spend(self, client_key, timestamp, nonce):
        with self.lock:
            self.spent.add((client_key, timestamp, nonce))


def serve_netsuite(account, port_file):
    """A stub of NetSuite's REST record API and a RESTlet (NetSuite-only endpoints), for one
    account. oauthlib verifies each TBA signature for real; the realm must name the account.
    Answers are in NetSuite's documented shapes: a record as REST web services return it
    (links, id, fields), errors as `o:errorDetails` (REST web services, NetSuite help
    section_156570709583) or `{"error": {"code", "message"}}` (RESTlets). A refused login says
    no more than NetSuite does (INVALID_LOGIN); the stub keeps the reason in /__stats, as
    NetSuite keeps it in its Login Audit Trail."""
    from urllib.parse import unquote, urlparse, parse_qs
    validator = NetsuiteValidator()
    ep = SignatureOnlyEndpoint(validator)
    stats = {"arrived": []}

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status, obj):
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.end_headers()
            self.wfile.write(json.dumps(obj).encode())

        def _handle(self):
            if self.path == "/__stats":
                return self._answer(200, stats)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else None
            headers = {k: v for k, v in self.headers.items()}
            url = f"http://{self.headers.get('Host')}{self.path}"
            auth = self.headers.get("Authorization") or ""
            params = {k.strip(): unquote(v.strip().strip('"')) for k, v in (p.strip().split("=", 1) for p in auth[len("OAuth "):].split(",") if "=" in p)}
            ok, _ = ep.validate_request(url, http_method=self.command, body=body, headers=headers)
            reason = None
            if not ok:
                reason = "InvalidSignature"
            elif params.get("realm") != account:
                reason = "InvalidRealm"
            elif params.get("oauth_token") == "REVOKED":
                reason = "InvalidToken"
            if ok:
                validator.spend(params.get("oauth_consumer_key"), params.get("oauth_timestamp"), params.get("oauth_nonce"))
            parsed = urlparse(self.path)
            restlet = parsed.path == "/app/site/hosting/restlet.nl"
            stats["arrived"].append({"method": self.command, "path": parsed.path, "realm": params.get("realm"),
                                     "signature_method": params.get("oauth_signature_method"), "login": reason or "Success"})
            if reason:
                if restlet:
                    return self._answer(401, {"error": {"code": "INVALID_LOGIN_ATTEMPT", "message": "Invalid login attempt."}})
                return self._answer(401, {"type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2", "title": "Unauthorized", "status": 401,
                                          "o:errorDetails": [{"detail": "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.", "o:errorCode": "INVALID_LOGIN"}]})
            if restlet:
                q = parse_qs(parsed.query)
                return self._answer(200, {"script": q.get("script", [""])[0], "deploy": q.get("deploy", [""])[0], "received": json.loads(body) if body else None})
            parts = parsed.path.strip("/").split("/")
            # /services/rest/record/v1/{type}/{id}
            if len(parts) == 6 and parts[:4] == ["services", "rest", "record", "v1"]:
                rtype, rid = parts[4], parts[5]
                if rtype == "employee":
                    return self._answer(403, {"type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.4", "title": "Forbidden", "status": 403,
                                              "o:errorDetails": [{"detail": "Permission Violation: You need  the 'Lists -> Employees' permission to access this page.", "o:errorCode": "INSUFFICIENT_PERMISSION"}]})
                if rid != "107":
                    return self._answer(404, {"type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5", "title": "Not Found", "status": 404,
                                              "o:errorDetails": [{"detail": f"The record instance does not exist. Provide a valid record instance ID.", "o:errorCode": "NONEXISTENT_ID"}]})
                return self._answer(200, {"links": [{"rel": "self", "href": f"http://{self.headers.get('Host')}{parsed.path}"}], "id": rid, "companyName": "Maple Florist", "email": "orders@maple.example"})
            return self._answer(404, {"type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5", "title": "Not Found", "status": 404,
                                      "o:errorDetails": [{"detail": "Record type not found.", "o:errorCode": "NONEXISTENT_ID"}]})

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


def public_key_pem(cert_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    cert = x509.load_pem_x509_certificate(open(cert_path, "rb").read())
    return cert.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def endpoint(cert_path):
    return SignatureOnlyEndpoint(Validator(public_key_pem(cert_path)))


def verify(cert_path):
    ep = endpoint(cert_path)
    for line in sys.stdin:
        r = json.loads(line)
        ok, _ = ep.validate_request(r["url"], http_method=r["method"], body=r.get("body") or None, headers=r.get("headers") or {})
        print("true" if ok else "false", flush=True)


def sign(key_path, consumer_key):
    key = open(key_path).read()
    client = Client(consumer_key, resource_owner_key=consumer_key, signature_method=SIGNATURE_RSA, rsa_key=key, signature_type=SIGNATURE_TYPE_AUTH_HEADER)
    for line in sys.stdin:
        r = json.loads(line)
        headers = {"Content-Type": r["content_type"]} if r.get("content_type") else {}
        uri, headers, body = client.sign(r["url"], http_method=r["method"], body=r.get("body") or None, headers=headers)
        print(json.dumps({"method": r["method"], "url": uri, "authorization": headers["Authorization"], "body": body, "content_type": r.get("content_type")}), flush=True)


def serve(cert_path, port_file):
    validator = StrictValidator(public_key_pem(cert_path))
    ep = SignatureOnlyEndpoint(validator)
    counter = {"renewals": 0, "arrived": [], "replays": 0}

    def check(url, method, body, headers):
        # oauthlib's verdict; a verified request spends its nonce. Every request is recorded,
        # with its OAuth parameters, so tests can see what arrived.
        from urllib.parse import unquote
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        params = {k: unquote(v.strip().strip('"')) for k, v in (p.strip().split("=", 1) for p in auth[len("OAuth "):].split(",") if "=" in p)}
        key = (params.get("oauth_consumer_key"), params.get("oauth_timestamp"), params.get("oauth_nonce"))
        replay = key in validator.spent
        ok, _ = ep.validate_request(url, http_method=method, body=body, headers=headers)
        if ok:
            validator.spend(*key)
        if replay:
            counter["replays"] += 1
        counter["arrived"].append({"method": method, "path": url.split("/", 3)[3] if url.count("/") >= 3 else "",
                                   "oauth_token": params.get("oauth_token"), "oauth_nonce": params.get("oauth_nonce"),
                                   "oauth_timestamp": params.get("oauth_timestamp"), "valid": ok, "replay": replay})
        params["__replay"] = replay
        return ok, params

    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            if self.path == "/__stop":
                self.send_response(200)
                self.end_headers()
                threading_stop()
                return
            if self.path.startswith("/__xero/"):
                return self._xero_stub()
            if self.path == "/oauth/AccessToken":
                return self._access_token()
            if self.path.split("?")[0] == "/oauth/migrate":
                return self._migrate()
            if self.path == "/__stats":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(counter).encode())
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else None
            host = self.headers.get("Host")
            url = f"http://{host}{self.path}"
            headers = {k: v for k, v in self.headers.items()}
            ok, params = check(url, self.command, body, headers)
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            # Whether the nonce had been spent already, so a test can tell a replay from a
            # refused signature.
            self.wfile.write(json.dumps({"valid": ok, "replay": params["__replay"]}).encode())

        def _signed(self, body):
            # oauthlib's verdict on the request's OAuth 1.0a signature, and its OAuth parameters.
            host = self.headers.get("Host")
            headers = {k: v for k, v in self.headers.items()}
            return check(f"http://{host}{self.path}", self.command, body, headers)

        def _access_token(self):
            # Stub of Xero's partner token renewal (a Xero-only endpoint), answering in Xero's
            # documented form encoding. The signature is checked by oauthlib for real.
            ok, params = self._signed(None)
            handle = params.get("oauth_session_handle", "")
            if not ok or not handle or handle == "REVOKED":
                self.send_response(401)
                self.end_headers()
                self.wfile.write(b"oauth_problem=token_rejected&oauth_problem_advice=Token%20rejected")
                return
            counter["renewals"] += 1
            n = counter["renewals"]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(f"oauth_token=NEWTOKEN{n}&oauth_token_secret=S{n}&oauth_expires_in=1800&oauth_session_handle=HANDLE{n}&oauth_authorization_expires_in=31536000".encode())

        def _migrate(self):
            # Stub of Xero's partner token migration (a Xero-only endpoint), in the shape
            # developer.xero.com/documentation/oauth2/migrate documents: JSON in, JSON out with expires_in as a string. oauthlib checks
            # the OAuth 1.0a signature for real (the query's tenantType is in the base string;
            # the JSON body is not).
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            ok, params = self._signed(body)
            token = params.get("oauth_token", "")
            counter[f"migrate:{token}"] = counter.get(f"migrate:{token}", 0) + 1

            def answer(status, obj, ctype="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.end_headers()
                self.wfile.write(obj.encode() if isinstance(obj, str) else json.dumps(obj).encode())

            if not ok:
                return answer(401, "oauth_problem=signature_invalid&oauth_problem_advice=Failed%20to%20validate%20signature", "text/html")
            if token.startswith("STALE"):
                # An OAuth 1.0a token past its 30 minutes: the caller had to renew it first.
                return answer(401, "oauth_problem=token_expired&oauth_problem_advice=The%20access%20token%20has%20expired", "text/html")
            if token.startswith("FAIL500") and counter[f"migrate:{token}"] == 1:
                # A server error mid-batch, once: a re-run succeeds.
                return answer(500, {"Title": "An error occurred", "Detail": "Internal server error", "Status": 500})
            try:
                req = json.loads(body)
            except ValueError:
                return answer(400, {"error": "invalid_request"})
            if "offline_access" not in str(req.get("scope", "")).split() or not req.get("client_id") or req.get("client_secret") != "partner-client-secret-4b1d":
                return answer(400, {"error": "invalid_request"})
            tenant_type = "PRACTICE" if "tenantType=PRACTICE" in self.path else "ORGANISATION"
            import hashlib
            h = hashlib.sha256(token.encode()).hexdigest()
            tenant = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"
            counter["migrated"] = counter.get("migrated", 0) + 1
            return answer(200, {"access_token": f"AT.{h[:24]}", "refresh_token": f"RT.{h[24:48]}", "expires_in": "1800",
                                "token_type": "Bearer", "xero_tenant_id": tenant, "tenant_type": tenant_type})

        def _xero_stub(self):
            # Xero-only answers (allowed as a stub): the form-encoded oauth_problem bodies the
            # accounting API sent, e.g. /__xero/401/signature_invalid/Failed to validate signature
            from urllib.parse import unquote, quote
            _, _, status, code, advice = self.path.split("/", 4)
            body = f"oauth_problem={quote(unquote(code))}&oauth_problem_advice={quote(unquote(advice))}"
            self.send_response(int(status))
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def threading_stop():
        import threading
        threading.Thread(target=server.shutdown).start()

    with open(port_file, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "verify":
        verify(sys.argv[2])
    elif mode == "sign":
        sign(sys.argv[2], sys.argv[3])
    elif mode == "serve":
        serve(sys.argv[2], sys.argv[3])
    elif mode == "verify-hmac":
        verify_hmac()
    elif mode == "mistakes":
        mistakes(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == "serve-netsuite":
        serve_netsuite(sys.argv[2], sys.argv[3])
    elif mode == "sign-hmac":
        sign_hmac(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        sys.exit(f"unknown mode {mode}")
