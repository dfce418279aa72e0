"""Stubs of the three providers' per-user token exchange endpoints, for oauth1to2's tests.

  python exchange_stub.py USERS.json PORTFILE

USERS.json: {"consumer_key", "consumer_secret", "client_id", "client_secret",
             "users": {OAUTH_TOKEN: OAUTH_TOKEN_SECRET, ...}, "revoked": [OAUTH_TOKEN, ...]}

Each endpoint answers in the shape the provider documents (docs/exchange.md has the sources)
and checks what the provider checks:

- Tumblr  POST /v2/oauth2/exchange, GET /v2/user/info: oauthlib verifies the OAuth 1.0a
  HMAC-SHA1 signature (consumer secret and the user's token secret, oauthlib's timestamp window,
  no nonce twice). A successful exchange spends the token: it is refused (401) from then on,
  for the exchange and for /v2/user/info alike.
- Garmin  GET /wellness-api/rest/user/id, POST /partner-gateway/rest/user/token-exchange: the
  same verification; the exchange is refused (409, counted as a double exchange) for a user whose
  userId was not asked first, and spends the token as Tumblr's does (our assumption: Garmin's
  behaviour is not documented).
- X       POST /2/oauth2/token: RFC 8693 as X documents it: a form body, grant_type
  token-exchange, subject_token_type urn:x:params:oauth:token-type:oauth1_token, the token's
  secret as oauth_token_secret, HTTP Basic with the OAuth 2.0 client id and secret, no OAuth 1.0a
  signature; a scope beyond the old grant is invalid_scope. A second exchange for a user returns
  a new pair and invalidates the previous one; the token stays valid.

Faults, set with POST /__fault {"status": 429|500, "count": N, "retry_after": "S"} (the next N
exchange requests get that answer), {"die_after": K} (the process exits at once after K more
pairs are issued), {"app": "not-converted"} (Garmin refuses the exchange of an app it has not
converted) or {"app": "public"} (X's app is a public client: no secret, client_id in the body). GET /__count: the pairs issued so far. GET /__state: per token, the number of exchanges, whether it is spent, the
access tokens issued and the one still valid; and the counters.
"""
import base64
import json
import os
import secrets
import string
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint

X_SUBJECT_TYPE = "urn:x:params:oauth:token-type:oauth1_token"
X_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
X_READ = "tweet.read users.read follows.read offline.access"


class Validator(RequestValidator):
    """oauthlib's checks for live traffic (600-second timestamp window, no nonce twice), with
    the secrets of the app and the users."""

    enforce_ssl = False
    client_key_length = (1, 200)
    access_token_length = (1, 200)
    nonce_length = (1, 200)
    timestamp_lifetime = 600
    allowed_signature_methods = ("HMAC-SHA1",)

    def __init__(self, conf):
        super().__init__()
        self.conf = conf
        self.spent_nonces = set()
        self.lock = threading.Lock()

    @property
    def safe_characters(self):
        return set(string.ascii_letters + string.digits + "-_")

    def check_client_key(self, key):
        return bool(key)

    def check_access_token(self, token):
        return bool(token)

    def check_nonce(self, nonce):
        return bool(nonce)

    def validate_client_key(self, client_key, request):
        return client_key == self.conf["consumer_key"]

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, request_token=None, access_token=None):
        with self.lock:
            key = (client_key, nonce, access_token)
            if key in self.spent_nonces:
                return False
            self.spent_nonces.add(key)
            return True

    def get_client_secret(self, client_key, request):
        return self.conf["consumer_secret"]

    def get_access_token_secret(self, client_key, token, request):
        return self.conf["users"].get(token, "dummy")

    @property
    def dummy_client(self):
        return "dummy"

    @property
    def dummy_access_token(self):
        return "dummy"


def main(conf_path, port_file):
    conf = json.load(open(conf_path))
    revoked = set(conf.get("revoked", []))
    endpoint = SignatureOnlyEndpoint(Validator(conf))
    lock = threading.Lock()
    state = {"tokens": {}, "faults": [], "die_after": None, "counts": {"exchange": 0, "refused": 0, "double": 0, "bad_signature": 0, "probe": 0, "user_id": 0}}

    def tok(t):
        return state["tokens"].setdefault(t, {"exchanges": 0, "spent": False, "issued": [], "valid": None, "asked_user_id": False})

    def pair(t, expires_in, scope, extra=None):
        access = "at-" + secrets.token_urlsafe(24)
        refresh = "rt-" + secrets.token_urlsafe(24)
        s = tok(t)
        s["exchanges"] += 1
        s["issued"].append(access)
        s["valid"] = access
        state["counts"]["exchange"] += 1
        body = {"access_token": access, "refresh_token": refresh, "expires_in": expires_in, "token_type": "bearer", "scope": scope}
        body.update(extra or {})
        return body

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without this, Nagle and the delayed ACK add
        # 40 ms to every answer on a kept-alive connection.
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def answer(self, status, body, headers=None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

        def read(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n).decode() if n else ""

        def signed(self, body):
            """oauthlib's verdict on the request's OAuth 1.0a signature, and its token."""
            url = "http://%s%s" % (self.headers["Host"], self.path)
            headers = {k: v for k, v in self.headers.items()}
            ok, req = endpoint.validate_request(url, http_method=self.command, body=body or None, headers=headers)
            return ok, (req.resource_owner_key if req is not None else None)

        def fault(self):
            """A fault set by /__fault, if one is due: answered here."""
            with lock:
                if state["faults"]:
                    f = state["faults"][0]
                    f["count"] -= 1
                    if f["count"] <= 0:
                        state["faults"].pop(0)
                    headers = {"Retry-After": f["retry_after"]} if f.get("retry_after") else {}
                    self.answer(f["status"], {"error": "rate_limited" if f["status"] == 429 else "temporarily_unavailable"}, headers)
                    return True
            return False

        def issued(self, status, body):
            self.answer(status, body)
            with lock:
                if state["die_after"] is not None:
                    state["die_after"] -= 1
                    if state["die_after"] <= 0:
                        os._exit(0)

        def do_GET(self):
            if self.path == "/__count":
                with lock:
                    return self.answer(200, state["counts"]["exchange"])
            if self.path == "/__state":
                with lock:
                    return self.answer(200, state)
            if self.path in ("/v2/user/info", "/wellness-api/rest/user/id"):
                ok, t = self.signed("")
                with lock:
                    key = "probe" if self.path.startswith("/v2") else "user_id"
                    state["counts"][key] += 1
                    if not ok:
                        state["counts"]["bad_signature"] += 1
                    if not ok or t in revoked or tok(t)["spent"]:
                        return self.answer(401, {"meta": {"status": 401, "msg": "Unauthorized"}, "response": []})
                    if self.path.startswith("/v2"):
                        return self.answer(200, {"meta": {"status": 200, "msg": "OK"}, "response": {"user": {"name": "u"}}})
                    tok(t)["asked_user_id"] = True
                    return self.answer(200, {"userId": "g-" + t[-12:]})
            self.answer(404, {"error": "not_found"})

        def do_POST(self):
            body = self.read()
            if self.path == "/__fault":
                f = json.loads(body)
                with lock:
                    if "die_after" in f:
                        state["die_after"] = f["die_after"]
                    elif "app" in f:
                        state["app"] = f["app"]
                    else:
                        state["faults"].append(f)
                return self.answer(200, {})
            if self.path in ("/v2/oauth2/exchange", "/partner-gateway/rest/user/token-exchange"):
                if self.fault():
                    return
                ok, t = self.signed(body)
                with lock:
                    if not ok:
                        state["counts"]["bad_signature"] += 1
                    if not ok or t in revoked:
                        state["counts"]["refused"] += 1
                        return self.answer(401, {"meta": {"status": 401, "msg": "Unauthorized"}, "response": []})
                    s = tok(t)
                    if s["spent"]:
                        # An exchange of a spent token: what the engine must never send.
                        state["counts"]["double"] += 1
                        state["counts"]["refused"] += 1
                        return self.answer(401, {"meta": {"status": 401, "msg": "Unauthorized"}, "response": []})
                    if self.path.startswith("/partner") and state.get("app") == "not-converted":
                        # Garmin has not converted the app: the same signature that got the
                        # userId is refused here.
                        state["counts"]["refused"] += 1
                        return self.answer(401, {"errorMessage": "Unauthorized"})
                    if self.path.startswith("/partner") and not s["asked_user_id"]:
                        state["counts"]["double"] += 1
                        return self.answer(409, {"error": "the userId step was skipped"})
                    s["spent"] = True
                    if self.path.startswith("/v2"):
                        out = pair(t, 2520, "basic write")
                    else:
                        out = pair(t, 86400, "", {"refresh_token_expires_in": 7775998})
                        del out["scope"]
                return self.issued(200, out)
            if self.path == "/2/oauth2/token":
                if self.fault():
                    return
                return self.x_exchange(body)
            self.answer(404, {"error": "not_found"})

        def x_exchange(self, body):
            if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                return self.answer(400, {"error": "invalid_request", "error_description": "form body expected"})
            if "OAuth " in self.headers.get("Authorization", ""):
                return self.answer(400, {"error": "invalid_request", "error_description": "no OAuth 1.0a signature here"})
            form = dict(parse_qsl(body, keep_blank_values=True))
            auth = self.headers.get("Authorization", "")
            if state.get("app") == "public":
                # A public client: no secret, its client_id in the body.
                if auth or form.get("client_id") != conf["client_id"]:
                    return self.answer(401, {"error": "invalid_client"})
            elif not auth.startswith("Basic "):
                return self.answer(401, {"error": "invalid_client"})
            else:
                cid, _, csec = base64.b64decode(auth[6:]).decode().partition(":")
                if unquote(cid) != conf["client_id"] or unquote(csec) != conf["client_secret"]:
                    return self.answer(401, {"error": "invalid_client", "error_description": "client authentication failed"})
            for k, v in (("grant_type", X_GRANT), ("subject_token_type", X_SUBJECT_TYPE)):
                if form.get(k) != v:
                    return self.answer(400, {"error": "invalid_request", "error_description": "%s must be %s" % (k, v)})
            t = form.get("subject_token", "")
            scope = form.get("scope") or X_READ
            if not set(scope.split()) <= set(X_READ.split()):
                return self.answer(400, {"error": "invalid_scope"})
            with lock:
                if t not in conf["users"] or t in revoked or form.get("oauth_token_secret") != conf["users"][t]:
                    state["counts"]["refused"] += 1
                    return self.answer(400, {"error": "invalid_grant", "error_description": "Value passed for the token was invalid."})
                if tok(t)["exchanges"] > 0:
                    state["counts"]["double"] += 1
                out = pair(t, 7200, scope)
            self.issued(200, out)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            # A client killed mid-request (the crash tests do it on purpose) resets its
            # connection: nothing to report.
            if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), H)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, port_file)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
