//! JWT client assertions (`private_key_jwt`, RFC 7523) against real peers: oidc-provider as the
//! token endpoint with clients registered by the public halves of openssl-made keys (PS256,
//! ES256, RS256), and PyJWT decoding what we sign.

mod common;

use common::desk::*;
use common::*;
use oauth1to2::oauth2::assertion::{self, AssertionAlg, AssertionKey, Claims};

/// `connect` of a client-credentials profile with a JWT assertion: `key` in the peer's key folder,
/// and `extra` flags after the common ones.
fn connect_with(
    desk: &Desk,
    profile: &str,
    client: &str,
    key: &str,
    kid: &str,
    extra: &[&str],
) -> std::process::Command {
    let mut cmd = desk.cmd();
    cmd.args(["connect", "-p", profile])
        .args(desk.provider_args())
        .args(["--grant", "client-credentials", "--client-id", client])
        .args([
            "--scopes",
            "accounting.settings.read",
            "--assertion-kid",
            kid,
        ])
        .args(extra)
        .arg("--assertion-key")
        .arg(desk.peer.assertion_keys.join(key));
    cmd
}

fn connect(
    desk: &Desk,
    profile: &str,
    client: &str,
    key: &str,
    kid: &str,
    alg: &str,
) -> std::process::Output {
    let o = connect_with(desk, profile, client, key, kid, &["--assertion-alg", alg]).finish();
    desk.record(&o);
    o
}

#[test]
fn assertions_signed_ps256_es256_and_rs256_are_accepted_and_renewed() {
    let Some(desk) = Desk::new(0) else { return };
    for (profile, client, key, kid, alg) in [
        ("ps", "jwt-ps256", "assert-rsa.pem", "rsa-kid", "PS256"),
        ("es", "jwt-es256", "assert-ec.pem", "ec-kid", "ES256"),
        ("rs", "jwt-rs256", "assert-rsa.pem", "rsa-kid", "RS256"),
    ] {
        let o = connect(&desk, profile, client, key, kid, alg);
        assert!(o.status.success(), "{alg}: {}", stderr(&o));
        let o = desk.run(&["profile", "show", profile, "--json"]);
        let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(p.to_string().contains(kid), "{p}");
    }
    assert_eq!(desk.peer.count("client_credentials:success"), 3);
    // --assertion-x5t stores the certificate's x5t#S256 (openssl's SHA-256 of the Opmetrix
    // certificate, in base64url: tests/cert_keys.rs checks the same value against openssl).
    let o = connect_with(
        &desk,
        "x5t",
        "jwt-ps256",
        "assert-rsa.pem",
        "rsa-kid",
        &["--assertion-x5t", "fixtures/opmetrix/publickey.cer"],
    )
    .finish();
    desk.record(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = desk.run(&["profile", "show", "x5t", "--json"]);
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        p["assertion"]["x5t_s256"],
        "c5XpPBl3zpHbuficyuhZ-TrbldC5tqUETuD5ycXk-Rw"
    );
    assert_eq!(p["assertion"]["alg"], "PS256", "the default algorithm");
    assert_eq!(desk.peer.count("client_credentials:success"), 4);
    // No refresh token: an expiring token is renewed with a new assertion, under the lock.
    desk.expire_in("ps", 5);
    let o = desk.run(&["token", "get", "-p", "ps"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(desk.peer.count("client_credentials:success"), 5);
    // The key never reaches the output.
    let key = std::fs::read_to_string(desk.peer.assertion_keys.join("assert-rsa.pem")).unwrap();
    let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    desk.assert_nothing_leaked(&[body[..40].to_owned()]);
}

#[test]
fn a_wrong_kid_a_wrong_key_and_an_expired_assertion_are_refused_and_explained() {
    let Some(desk) = Desk::new(0) else { return };
    for (what, key, kid, offset) in [
        ("wrong kid", "assert-rsa.pem", "no-such-kid", "0"),
        ("wrong key", "assert-wrong.pem", "rsa-kid", "0"),
        ("expired", "assert-rsa.pem", "rsa-kid", "-3600"),
    ] {
        let o = connect_with(&desk, "x", "jwt-ps256", key, kid, &[])
            .env("OAUTH1TO2_TEST_CLOCK_OFFSET", offset)
            .finish();
        desk.record(&o);
        assert_eq!(o.status.code(), Some(4), "{what}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("invalid_client"), "{what}: {err}");
        // The provider says only invalid_client; what can be told apart here is the clock,
        // from its Date header.
        if what == "expired" {
            assert!(
                err.contains("hint: the provider's clock (its Date header) is 3")
                    && err.contains("s ahead of this machine's, so it judges the assertion's iat and exp expired"),
                "{what}: {err}"
            );
        } else {
            assert!(
                err.contains("this machine's clock agrees with the provider's")
                    && err.contains("the kid names the key it holds")
                    && err.contains("the key is the one whose public half"),
                "{what}: {err}"
            );
        }
    }
    assert_eq!(desk.peer.count("client_credentials:success"), 0);
    assert_eq!(desk.peer.count("client_credentials:error"), 3);
}

#[test]
fn a_replayed_assertion_is_refused() {
    let Some(desk) = Desk::new(0) else { return };
    let key = AssertionKey::load(
        &desk.peer.assertion_keys.join("assert-rsa.pem"),
        AssertionAlg::PS256,
    )
    .unwrap();
    let token_endpoint = format!("{}/token", desk.peer.issuer);
    let jwt = assertion::make(
        &key,
        "rsa-kid",
        None,
        &Claims {
            client_id: "jwt-ps256",
            audience: &token_endpoint,
            scope: None,
            now: oauth1to2::oauth2::now(),
            lifetime: assertion::LIFETIME,
        },
    )
    .unwrap();
    let http =
        oauth1to2::oauth2::http::HttpClient::new(Default::default(), Some(&desk.peer.ca_file))
            .unwrap();
    let body = format!(
        "grant_type=client_credentials&client_id=jwt-ps256&client_assertion_type={}&client_assertion={jwt}",
        assertion::ASSERTION_TYPE.replace(':', "%3A")
    );
    let send = || {
        http.send(
            "POST",
            &token_endpoint,
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(body.clone().into_bytes()),
        )
        .unwrap()
    };
    assert_eq!(send().status, 200, "the first use is accepted");
    let again = send();
    assert_eq!(again.status, 401, "the same jti again is refused");
    assert!(String::from_utf8_lossy(&again.body).contains("invalid_client"));
}

#[test]
fn pyjwt_decodes_our_assertions_with_the_public_key() {
    let Some(python) = python_with("jwt") else {
        return;
    };
    let Some(desk) = Desk::new(0) else { return };
    for (file, alg, kid) in [
        ("assert-rsa", AssertionAlg::PS256, "rsa-kid"),
        ("assert-rsa", AssertionAlg::RS256, "rsa-kid"),
        ("assert-ec", AssertionAlg::ES256, "ec-kid"),
    ] {
        let dir = &desk.peer.assertion_keys;
        let now = oauth1to2::oauth2::now();
        // Made as a profile's connect makes it: NetSuite's policy (the scopes inside, comma
        // separated) where NetSuite takes the algorithm, RFC 7523's (no scope) for RS256.
        let mut profile = oauth1to2::oauth2::profile::Profile::new("client-1");
        profile.scopes = vec!["rest_webservices".into(), "restlets".into()];
        let policy = match alg {
            AssertionAlg::RS256 => assertion::AssertionPolicy::RFC7523,
            _ => oauth1to2::provider::netsuite::ASSERTIONS,
        };
        let jwt = oauth1to2::oauth2::flow::client_assertion(
            &profile,
            &assertion::AssertionRef {
                key: dir.join(format!("{file}.pem")),
                kid: kid.into(),
                alg,
                x5t_s256: Some("c5XpPBl3zpHbuficyuhZ-TrbldC5tqUETuD5ycXk-Rw".into()),
            },
            "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
            &policy,
            now,
        )
        .unwrap();
        let script = r#"
import json, sys, jwt
token, pub, alg = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
claims = jwt.decode(token, pub, algorithms=[alg], audience=sys.argv[4])
print(json.dumps({"header": jwt.get_unverified_header(token), "claims": claims}))
"#;
        let o = run(std::process::Command::new(&python)
            .args(["-c", script, &jwt])
            .arg(dir.join(format!("{file}.pub.pem")))
            .args([
                alg.as_str(),
                "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
            ]));
        assert!(o.status.success(), "{}: {}", alg.as_str(), stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["header"]["alg"], alg.as_str());
        assert_eq!(v["header"]["kid"], kid);
        assert_eq!(v["header"]["typ"], "JWT");
        assert_eq!(
            v["header"]["x5t#S256"],
            "c5XpPBl3zpHbuficyuhZ-TrbldC5tqUETuD5ycXk-Rw"
        );
        let c = &v["claims"];
        assert_eq!(c["iss"], "client-1");
        assert_eq!(c["sub"], "client-1");
        match alg {
            AssertionAlg::RS256 => assert!(c.get("scope").is_none(), "{c}"),
            _ => assert_eq!(c["scope"], "rest_webservices,restlets"),
        }
        assert_eq!(c["iat"], now);
        assert_eq!(c["exp"], now + 300);
        assert_eq!(c["jti"].as_str().unwrap().len(), 32);
        // The wrong public key does not verify it.
        let o = run(std::process::Command::new(&python)
            .args(["-c", script, &jwt])
            .arg(dir.join("assert-wrong.pub.pem"))
            .args([
                alg.as_str(),
                "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
            ]));
        if alg != AssertionAlg::ES256 {
            assert!(
                !o.status.success(),
                "{}: a wrong key verified",
                alg.as_str()
            );
        }
    }
}

#[test]
fn a_key_that_does_not_fit_the_algorithm_is_refused_before_anything_is_sent() {
    let Some(desk) = Desk::new(0) else { return };
    let o = connect(
        &desk,
        "bad",
        "jwt-es256",
        "assert-rsa.pem",
        "ec-kid",
        "ES256",
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ES256 needs a P-256 key"),
        "{}",
        stderr(&o)
    );
    assert_eq!(desk.peer.count("client_credentials:success"), 0);
    assert_eq!(desk.peer.count("client_credentials:error"), 0);
}

/// `connect` of a NetSuite machine-to-machine profile: the provider entry builds the endpoints
/// from the account; the token request goes to the peer (`--token-endpoint`).
fn netsuite(
    desk: &Desk,
    profile: &str,
    client: &str,
    key: &str,
    kid: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut cmd = desk.cmd();
    cmd.args(["connect", "-p", profile, "--provider", "netsuite"])
        .args(["--account", "1234567-sb1"])
        .args(if extra.contains(&"--token-endpoint") {
            vec![]
        } else {
            vec![
                "--token-endpoint".to_owned(),
                format!("{}/token", desk.peer.issuer),
            ]
        })
        .arg("--ca-file")
        .arg(&desk.peer.ca_file)
        .args(["--grant", "client-credentials", "--client-id", client])
        .args(["--scopes", "rest_webservices restlets", "--assertion-kid"])
        .arg(kid)
        .arg("--assertion-key")
        .arg(desk.peer.assertion_keys.join(key))
        .args(extra);
    let o = cmd.finish();
    desk.record(&o);
    o
}

#[test]
fn a_netsuite_profile_signs_the_scope_into_the_assertion_and_refuses_rs256() {
    let Some(desk) = Desk::new(0) else { return };
    for (profile, client, key, kid, alg) in [
        ("ns", "ns-ps256", "assert-rsa.pem", "rsa-kid", "PS256"),
        ("ns-ec", "ns-es256", "assert-ec.pem", "ec-kid", "ES256"),
    ] {
        // No --assertion-alg: the key decides.
        let o = netsuite(&desk, profile, client, key, kid, &[]);
        assert!(o.status.success(), "{alg}: {}", stderr(&o));
        let last = &desk.peer.stats()["last_assertion"];
        assert_eq!(last["header"]["alg"], alg, "{last}");
        // NetSuite reads the scopes inside the JWT, separated by a comma (Oracle's "The
        // Request Token Structure"), and none go in the body.
        assert_eq!(
            last["claims"]["scope"], "rest_webservices,restlets",
            "{last}"
        );
        assert_eq!(last["claims"]["iss"], client);
        assert_eq!(last["claims"]["aud"], format!("{}/token", desk.peer.issuer));
        assert_eq!(last["scope_param"], serde_json::Value::Null, "{last}");
    }
    let o = desk.run(&["profile", "show", "ns", "--json"]);
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(p["provider"], "netsuite");
    assert_eq!(p["account"], "1234567_SB1", "stored in the realm spelling");
    assert_eq!(
        p["api_base"],
        "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"
    );
    assert_eq!(p["assertion"]["alg"], "PS256");
    assert_eq!(p["token_endpoint"], format!("{}/token", desk.peer.issuer));
    // A token endpoint in plain http to a host that is not loopback is refused.
    let o = netsuite(
        &desk,
        "ns-http",
        "ns-ps256",
        "assert-rsa.pem",
        "rsa-kid",
        &["--token-endpoint", "http://proxy.example.com/token"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("--token-endpoint") && err.contains("http"),
        "{err}"
    );
    assert!(!err.contains("more than once"), "{err}");
    // No refresh token: a new assertion when the token is about to expire.
    desk.expire_in("ns", 5);
    let o = desk.run(&["token", "get", "-p", "ns"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(desk.peer.count("client_credentials:success"), 3);

    // RS256 is refused before anything is signed or sent, even though this peer would take it.
    let o = netsuite(
        &desk,
        "ns-rs",
        "ns-rs256",
        "assert-rsa.pem",
        "rsa-kid",
        &["--assertion-alg", "RS256"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("NetSuite refuses RS256"),
        "{}",
        stderr(&o)
    );
    // Without an account there are no endpoints.
    let mut cmd = desk.cmd();
    let o = cmd
        .args(["connect", "-p", "ns-none", "--provider", "netsuite"])
        .args(["--grant", "client-credentials", "--client-id", "ns-ps256"])
        .args(["--assertion-kid", "rsa-kid", "--assertion-key"])
        .arg(desk.peer.assertion_keys.join("assert-rsa.pem"))
        .finish();
    desk.record(&o);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("account id"), "{}", stderr(&o));
    assert_eq!(desk.peer.count("client_credentials:success"), 3);
    assert_eq!(desk.peer.count("client_credentials:error"), 0);

    // A wrong kid: NetSuite's hint names the Certificate ID and where it is shown.
    let o = netsuite(
        &desk,
        "ns-bad",
        "ns-ps256",
        "assert-rsa.pem",
        "no-such-kid",
        &[],
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("invalid_client"), "{err}");
    assert!(err.contains("Certificate ID"), "{err}");
    assert!(
        err.contains("OAuth 2.0 Client Credentials (M2M) Setup"),
        "{err}"
    );
}
