//! The generic OpenID provider (`src/provider/oidc/`): any server found by discovery from its
//! issuer, with `private_key_jwt` client authentication (RFC 7523 section 2.2) on the
//! authorization code, its refresh and client credentials, against oidc-provider (the client
//! `jwt-code`, registered with the public half of an openssl-made RSA key). The profile names no
//! other provider's API: its token goes nowhere but the provider.

mod common;

use common::desk::*;
use common::*;

/// The flags that point a profile at the peer as a plain OpenID provider (no `--api`, no
/// `--api-base`).
fn generic_args(desk: &Desk, profile: &str, grant: &str, scopes: &str) -> Vec<String> {
    let mut v: Vec<String> = [
        "connect",
        "-p",
        profile,
        "--issuer",
        &desk.peer.issuer,
        "--port",
        "0",
        "--redirect-host",
        "127.0.0.1",
        "--timeout",
        "60",
        "--grant",
        grant,
        "--client-id",
        "jwt-code",
        "--scopes",
        scopes,
        "--assertion-kid",
        "rsa-kid",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(["--ca-file".into(), desk.peer.ca_file.display().to_string()]);
    v.push("--assertion-key".into());
    v.push(
        desk.peer
            .assertion_keys
            .join("assert-rsa.pem")
            .display()
            .to_string(),
    );
    v
}

/// The peer's token endpoint, from its discovery document.
fn token_endpoint(desk: &Desk) -> String {
    let http =
        oauth1to2::oauth2::http::HttpClient::new(Default::default(), Some(&desk.peer.ca_file))
            .unwrap();
    let d = http
        .get_json(&format!(
            "{}/.well-known/openid-configuration",
            desk.peer.issuer
        ))
        .unwrap();
    d["token_endpoint"].as_str().unwrap().to_owned()
}

/// What the peer says the last accepted assertion was, checked against what RFC 7523 asks of a
/// client assertion: `iss` and `sub` the client id, `aud` the token endpoint, our key's `kid`.
fn assert_last_assertion(desk: &Desk, token_endpoint: &str) -> String {
    let last = &desk.peer.stats()["last_assertion"];
    assert_eq!(last["header"]["kid"], "rsa-kid", "{last}");
    assert_eq!(last["header"]["alg"], "PS256", "{last}");
    assert_eq!(last["claims"]["iss"], "jwt-code", "{last}");
    assert_eq!(last["claims"]["sub"], "jwt-code", "{last}");
    assert_eq!(last["claims"]["aud"], token_endpoint, "{last}");
    last["claims"]["jti"].as_str().unwrap().to_owned()
}

#[test]
fn private_key_jwt_on_the_code_its_refresh_and_client_credentials() {
    let Some(desk) = Desk::new(0) else { return };
    let token_endpoint = token_endpoint(&desk);

    // 1. The authorization code, a user consenting in Chromium; the code exchanged with a
    //    signed assertion, no secret.
    let mut cmd = desk.cmd();
    cmd.args(generic_args(
        &desk,
        "gen",
        "authorization-code",
        "openid email offline_access",
    ));
    let result = desk.home.path().join("consent-gen.json");
    let o = desk
        .consenting(&mut cmd, "approve")
        .env("CONSENT_RESULT", &result)
        .finish();
    desk.record(&o);
    assert!(o.status.success(), "connect: {}", stderr(&o));
    assert_eq!(desk.peer.count("authorization_code:success"), 1);
    let first = assert_last_assertion(&desk, &token_endpoint);
    let tokens = desk.tokens("gen");
    assert!(tokens["refresh_token"].is_string(), "{tokens}");

    // The profile is the generic provider's, with no API base of another provider's.
    let o = desk.run(&["profile", "show", "gen", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(p["provider"], "oidc", "{p}");
    assert_eq!(p["assertion"]["kid"], "rsa-kid", "{p}");
    assert!(p["client_secret"].is_null(), "{p}");
    let o = desk.run(&["api", "-p", "gen", "GET", "/anything"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(&desk.peer.issuer) && stderr(&o).contains("API base"),
        "{}",
        stderr(&o)
    );

    // 2. The refresh, authenticated with a new assertion (a new jti: an assertion is used once).
    let o = desk.run(&["token", "refresh", "-p", "gen"]);
    assert!(o.status.success(), "refresh: {}", stderr(&o));
    assert_eq!(desk.peer.count("refresh_token:success"), 1);
    let second = assert_last_assertion(&desk, &token_endpoint);
    assert_ne!(first, second, "each request signs a new assertion");
    let refreshed = desk.tokens("gen");
    assert_ne!(
        refreshed["refresh_token"], tokens["refresh_token"],
        "the rotated refresh token is kept"
    );

    // 3. Client credentials with the same client and key.
    let o = desk.run(
        &generic_args(&desk, "gen-cc", "client-credentials", "api.read")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(o.status.success(), "client credentials: {}", stderr(&o));
    assert_eq!(desk.peer.count("client_credentials:success"), 1);
    let third = assert_last_assertion(&desk, &token_endpoint);
    assert_ne!(third, second);

    // The handoff names the key's file and id in the generic variables, never a key or token.
    let o = desk.run(&["export", "-p", "gen-cc"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("export OAUTH2_CLIENT_ID=jwt-code\n"), "{out}");
    assert!(
        out.contains("export OAUTH2_CERTIFICATE_ID=rsa-kid\n"),
        "{out}"
    );
    assert!(out.contains("OAUTH2_PRIVATE_KEY_FILE="), "{out}");
    assert!(!out.contains("PRIVATE KEY-----"), "{out}");

    // A PKCE app is public: a key is refused for it, before anything is sent.
    let before = desk.peer.count("authorization_code:success");
    let mut args = generic_args(&desk, "pub", "pkce", "openid");
    args.retain(|a| a != "--grant" && a != "pkce");
    let o = desk.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("PKCE app is public"), "{}", stderr(&o));
    assert_eq!(desk.peer.count("authorization_code:success"), before);

    // Nothing printed a token or the key.
    let printed = String::from_utf8_lossy(&desk.printed.borrow()).into_owned();
    for t in [&tokens, &refreshed] {
        for field in ["access_token", "refresh_token"] {
            let v = t[field].as_str().unwrap();
            assert!(!printed.contains(v), "{field} was printed");
        }
    }
}
