//! OAuth 1.0a RSA-SHA1 signing and verification per second with a 2048-bit key, in-process:
//! the whole oauth1to2 path (base string + oauth1-request signer; header parse + base string +
//! verify) against the raw operation it wraps (the `rsa` crate for signing, aws-lc-rs for
//! verifying), and `openssl speed rsa2048` measured in the same run; then NetSuite TBA's
//! HMAC-SHA256 and HMAC-SHA512 against raw aws-lc-rs and `openssl speed -hmac`.
//! `cargo bench --bench oauth1` (or `bash scripts/bench oauth1`).
#![allow(clippy::disallowed_macros)] // tests, benches and the build script report on stderr

use criterion::black_box;
use oauth1to2::oauth1::{self, CapturedRequest, SignatureMethod, Signer};
use rsa::Pkcs1v15Sign;
use sha1::{Digest, Sha1};
use std::time::Instant;

const KEY: &[u8] = include_bytes!("../fixtures/keys/privatekey-pkcs1.pem");
const URL: &str =
    "https://api.xero.com/api.xro/2.0/Invoices?where=Status%3D%22AUTHORISED%22&page=2";

/// Operations per second: the median of 7 batches of `n`.
fn rate(n: u32, mut f: impl FnMut()) -> f64 {
    f();
    let mut rates: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            n as f64 / t.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rates[3]
}

/// Operations per second of `a` and of `b`, each the median of 9 batches of `n`, the batches
/// taken in turn (a, b, a, b, ...).
fn rates_alternating(n: u32, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    a();
    b();
    let mut ra = Vec::new();
    let mut rb = Vec::new();
    for _ in 0..9 {
        for (f, out) in [(&mut a as &mut dyn FnMut(), &mut ra), (&mut b, &mut rb)] {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            out.push(n as f64 / t.elapsed().as_secs_f64());
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(|x, y| x.partial_cmp(y).unwrap());
        v[v.len() / 2]
    };
    (median(ra), median(rb))
}

fn oauth_params() -> Vec<(String, String)> {
    [
        ("oauth_consumer_key", "PRIVATEAPPCONSUMERKEY0123456789"),
        ("oauth_token", "PRIVATEAPPCONSUMERKEY0123456789"),
        ("oauth_signature_method", "RSA-SHA1"),
        ("oauth_timestamp", "1700000000"),
        ("oauth_nonce", "bench-nonce"),
        ("oauth_version", "1.0"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}

fn openssl_speed() -> Option<(f64, f64)> {
    let o = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "3", "rsa2048"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&o.stdout);
    // "rsa 2048 bits 0.000452s 0.000013s   2212.4  76923.1"
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("rsa 2048 bits"))?;
    let nums: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    Some((nums[nums.len() - 2], nums[nums.len() - 1]))
}

/// `openssl speed -hmac sha256` (or sha512) on 256-byte blocks, as operations per second.
fn openssl_hmac(digest: &str) -> Option<f64> {
    let o = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "2", "-mr", "-hmac", digest])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&o.stdout);
    // "+F:9:hmac(sha256):<16>:<64>:<256>:<1024>:<8192>:<16384>" in bytes per second.
    let line = text.lines().find(|l| l.starts_with("+F:"))?;
    let bytes_per_sec: f64 = line.split(':').nth(5)?.parse().ok()?;
    Some(bytes_per_sec / 256.0)
}

/// NetSuite TBA: HMAC-SHA256 and HMAC-SHA512 over a RESTlet base string (about 300 bytes),
/// ours (key encoding, HMAC, base64) against the raw aws-lc-rs HMAC on the same key and text,
/// and openssl speed in the same run.
fn hmac_section() {
    let ck = "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4";
    let params: Vec<(String, String)> = [
        ("oauth_consumer_key", ck),
        (
            "oauth_token",
            "2c8c5eb8b4f4ee3c2a83b1e2ba9a8bd92b7b1fdea0bfd5d3f0c1d2e3f4a5b6c7",
        ),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_timestamp", "1700000000"),
        ("oauth_nonce", "bench-nonce-0123456789"),
        ("oauth_version", "1.0"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let url = "https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=644&deploy=1&customParam=someValue";
    let base = oauth1::base_string("POST", url, &[], &params).unwrap();
    let (cs, ts) = (
        "d1f5a9b3c7e2048a6f1b3d5e7f9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a",
        "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
    );
    let secrets = Signer::Secrets {
        consumer_secret: cs,
        token_secret: ts,
    };
    println!(
        "\nNetSuite TBA HMAC over a {}-byte base string, one core, in-process:",
        base.text.len()
    );
    for (method, alg, digest) in [
        (
            SignatureMethod::HmacSha256,
            aws_lc_rs::hmac::HMAC_SHA256,
            "sha256",
        ),
        (
            SignatureMethod::HmacSha512,
            aws_lc_rs::hmac::HMAC_SHA512,
            "sha512",
        ),
    ] {
        let key_text = format!("{cs}&{ts}");
        // Ours and the raw primitive in alternating batches, so that a change of clock speed
        // during the run falls on both alike.
        let (ours, raw) = rates_alternating(
            100_000,
            || {
                black_box(oauth1::sign(method, black_box(&base.text), &secrets).unwrap());
            },
            || {
                let k = aws_lc_rs::hmac::Key::new(alg, key_text.as_bytes());
                black_box(aws_lc_rs::hmac::sign(&k, black_box(base.text.as_bytes())));
            },
        );
        let whole = rate(20_000, || {
            let b = oauth1::base_string("POST", url, &[], &params).unwrap();
            black_box(oauth1::sign(method, &b.text, &secrets).unwrap());
        });
        print!(
            "  {}: oauth1to2 {ours:9.0}/s   raw aws-lc-rs {raw:9.0}/s   overhead {:+.1}%   (with the base string: {whole:.0}/s)",
            method.as_str(),
            (raw / ours - 1.0) * 100.0
        );
        match openssl_hmac(digest) {
            Some(o) => println!("   openssl speed -hmac {digest} (256-byte blocks, key set once): {o:.0}/s, ratio ours/openssl {:.2}x", ours / o),
            None => println!("   openssl speed: not available"),
        }
    }
    println!("  goal: overhead <= 10% over the primitive (the raw figure sets its key each time, as a signer must)");
}

/// `openssl speed` sign rates for rsa2048 (PKCS#1 v1.5) and ecdsap256, for scale.
fn openssl_sign_rates() -> (Option<f64>, Option<f64>) {
    let rsa = openssl_speed().map(|(s, _)| s);
    let ec = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "2", "ecdsap256"])
        .output()
        .ok()
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            let line = text
                .lines()
                .find(|l| l.contains("ecdsa (nistp256)"))?
                .to_owned();
            let nums: Vec<f64> = line
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            nums.get(nums.len().checked_sub(2)?).copied()
        });
    (rsa, ec)
}

/// JWT assertions: client assertions (PS256 with the 2048-bit fixture key, ES256 with the P-256
/// fixture key) and a Salesforce JWT bearer grant's (RS256, the same RSA key, Salesforce's four
/// claims): ours (claims, JSON, base64url, signature) against the raw aws-lc-rs signature over
/// the same signing input, and openssl speed in the same run.
fn assertion_section() {
    use oauth1to2::oauth2::assertion::{self, AssertionAlg, AssertionKey, BearerClaims, Claims};
    let claims = Claims {
        client_id: "8f1c2b4e-client-id",
        audience: "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
        scope: Some("rest_webservices restlets"),
        now: 1_800_000_000,
        lifetime: assertion::LIFETIME,
    };
    let bearer = BearerClaims {
        issuer: "3MVG9A2kN3Bn17hsWsLDatw3pHnQaRUpf0P3rMqRwx5bmgJwxqGZoZd2TqW8vAk4CsK1uEXAMPLE",
        subject: "integration@acme.com",
        audience: "https://login.salesforce.com",
        now: 1_800_000_000,
    };
    let sf = oauth1to2::provider::salesforce::BEARER;
    println!("\nJWT assertions, one core, in-process:");
    let (o_rsa, o_ec) = openssl_sign_rates();
    for (file, alg, what, peer) in [
        (
            "fixtures/keys/privatekey-pkcs1.pem",
            AssertionAlg::PS256,
            "client assertion",
            o_rsa,
        ),
        (
            "fixtures/keys/ec-privatekey.pem",
            AssertionAlg::ES256,
            "client assertion",
            o_ec,
        ),
        (
            "fixtures/keys/privatekey-pkcs1.pem",
            AssertionAlg::RS256,
            "Salesforce JWT bearer grant",
            o_rsa,
        ),
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let key = AssertionKey::load(&path, alg).unwrap();
        let make = || match alg {
            AssertionAlg::RS256 => assertion::make_bearer(&key, None, &sf, &bearer).unwrap(),
            _ => assertion::make(&key, "kid", None, &claims).unwrap(),
        };
        let jwt = make();
        let input = jwt.rsplit_once('.').unwrap().0.to_owned();
        let rsa = alg != AssertionAlg::ES256;
        let ours = rate(if rsa { 200 } else { 2000 }, || {
            black_box(make());
        });
        let pem = std::fs::read(&path).unwrap();
        let der = pem::parse(&pem).unwrap().into_contents();
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let raw = if rsa {
            let k = aws_lc_rs::signature::RsaKeyPair::from_der(&der).unwrap();
            let padding: &dyn aws_lc_rs::signature::RsaEncoding = match alg {
                AssertionAlg::RS256 => &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                _ => &aws_lc_rs::signature::RSA_PSS_SHA256,
            };
            let mut out = vec![0u8; k.public_modulus_len()];
            rate(200, || {
                k.sign(padding, &rng, input.as_bytes(), &mut out).unwrap();
                black_box(&out);
            })
        } else {
            let k = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
                &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &der,
            )
            .or_else(|_| {
                aws_lc_rs::signature::EcdsaKeyPair::from_private_key_der(
                    &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &der,
                )
            })
            .unwrap();
            rate(2000, || {
                black_box(k.sign(&rng, input.as_bytes()).unwrap());
            })
        };
        print!(
            "  {} ({what}): oauth1to2 {ours:8.0}/s   raw aws-lc-rs {raw:8.0}/s   overhead {:+.1}%",
            alg.as_str(),
            (raw / ours - 1.0) * 100.0
        );
        match peer {
            Some(p) => println!(
                "   openssl speed (same run, {}): {p:.0}/s, ratio ours/openssl {:.2}x",
                if rsa { "rsa2048 PKCS#1" } else { "ecdsap256" },
                ours / p
            ),
            None => println!("   openssl speed: not available"),
        }
    }
    println!("  goal: overhead <= 10% over the primitive");
}

/// The bridge's whole inbound check (`bridge::inbound::check`: parameters, consumer key,
/// method, token, window, signature) per second, one core, for each method it accepts, next
/// to the raw aws-lc-rs verification and `openssl speed rsa2048` in the same run.
fn bridge_section() {
    use oauth1to2::bridge::{config, inbound};
    let dir = std::env::temp_dir().join(format!("oauth1to2-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = oauth1to2::cert::load_private_key("bench", KEY, None).unwrap();
    let small = oauth1to2::cert::load_private_key(
        "bench",
        include_bytes!("../fixtures/oauth1/wiki-rsa-sha1-test-key.pem"),
        None,
    )
    .unwrap();
    use rsa::pkcs8::EncodePublicKey;
    for (name, k) in [("k2048.pem", &key), ("k1024.pem", &small)] {
        let pem = k
            .public_key()
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap();
        std::fs::write(dir.join(name), pem).unwrap();
    }
    let text = r#"
[[route]]
prefix = "/a/"
profile = "p"
[route.inbound]
signature_method = "RSA-SHA1"
consumer_key = "ck"
certificate = "k2048.pem"
[[route]]
prefix = "/b/"
profile = "p"
[route.inbound]
signature_method = "RSA-SHA1"
consumer_key = "ck"
certificate = "k1024.pem"
[[route]]
prefix = "/c/"
profile = "p"
[route.inbound]
signature_method = "HMAC-SHA1"
consumer_key = "ck"
consumer_secret_env = "S"
token = "tk"
token_secret_env = "T"
[[route]]
prefix = "/d/"
profile = "p"
[route.inbound]
signature_method = "HMAC-SHA256"
consumer_key = "ck"
consumer_secret_env = "S"
token = "tk"
token_secret_env = "T"
"#;
    let env = |n: &str| Some(format!("bench-secret-{n}"));
    let conf = config::parse(text, std::path::Path::new("bench.toml"), &dir, &env).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let now = 1_700_000_000;
    let request = |method: SignatureMethod, signer: &Signer<'_>, token: Option<&str>| {
        let url =
            "https://bridge.example/api.xro/2.0/Invoices?where=Status%3D%22AUTHORISED%22&page=2";
        let mut params: Vec<(String, String)> = vec![
            ("oauth_consumer_key".into(), "ck".into()),
            ("oauth_signature_method".into(), method.as_str().into()),
            ("oauth_timestamp".into(), now.to_string()),
            ("oauth_nonce".into(), "bench-nonce".into()),
            ("oauth_version".into(), "1.0".into()),
        ];
        if let Some(t) = token {
            params.push(("oauth_token".into(), t.into()));
        }
        let base = oauth1::base_string("GET", url, &[], &params).unwrap();
        params.push((
            "oauth_signature".into(),
            oauth1::sign_base_string(method, &base, signer).unwrap(),
        ));
        (
            CapturedRequest {
                method: "GET".into(),
                url: url.into(),
                authorization: Some(oauth1::authorization_header(None, &params)),
                form: vec![],
            },
            base.text,
        )
    };
    let secrets = Signer::Secrets {
        consumer_secret: "bench-secret-S",
        token_secret: "bench-secret-T",
    };
    let cases = [
        (
            "RSA-SHA1, 2048-bit",
            0,
            request(SignatureMethod::RsaSha1, &Signer::Rsa(&key), None),
        ),
        (
            "RSA-SHA1, 1024-bit",
            1,
            request(SignatureMethod::RsaSha1, &Signer::Rsa(&small), None),
        ),
        (
            "HMAC-SHA1",
            2,
            request(SignatureMethod::HmacSha1, &secrets, Some("tk")),
        ),
        (
            "HMAC-SHA256",
            3,
            request(SignatureMethod::HmacSha256, &secrets, Some("tk")),
        ),
    ];
    println!("The bridge's inbound check per second, one core, in-process (median of 7 batches):");
    let mut ours = Vec::new();
    for (label, route, (req, _)) in &cases {
        let inbound = &conf.routes[*route].inbound;
        let signed = inbound::Signed {
            request: req,
            body: None,
            form_body: false,
            has_body: false,
        };
        assert!(
            inbound::check(inbound, &signed, 300, false, now).is_ok(),
            "{label}"
        );
        let r = rate(2000, || {
            black_box(inbound::check(inbound, &signed, 300, false, now).is_ok());
        });
        println!("  {label:<20} {r:9.0}/s");
        ours.push(r);
    }
    // The raw operation under the 2048-bit case: aws-lc-rs PKCS#1 v1.5 SHA-1 verification.
    let (req, base) = &cases[0].2;
    let sig_b64 = oauth1::parse_authorization(req.authorization.as_deref().unwrap())
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == "oauth_signature")
        .unwrap()
        .1;
    let sig = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, sig_b64).unwrap();
    let public = key.public_key();
    let (n, e) = {
        use rsa::traits::PublicKeyParts;
        (public.n().to_bytes_be(), public.e().to_bytes_be())
    };
    // The key parsed once, as the bridge holds it.
    let parsed = aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .to_parsed_public_key(&aws_lc_rs::signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY)
        .unwrap();
    assert!(parsed.verify_sig(base.as_bytes(), &sig).is_ok());
    let raw = rate(2000, || {
        black_box(parsed.verify_sig(base.as_bytes(), &sig).is_ok());
    });
    println!("  raw aws-lc-rs RSA-SHA1 2048 verify {raw:9.0}/s   (the whole check costs {:+.1}% over it)", (raw / ours[0] - 1.0) * 100.0);
    match openssl_speed() {
        Some((_, v)) => {
            println!("  openssl speed rsa2048 verify (same run): {v:.0}/s");
            println!(
                "  ratio bridge RSA-SHA1 2048 check / openssl verify: {:.2}x (goal >= 0.7x)",
                ours[0] / v
            );
        }
        None => println!("  openssl speed rsa2048: not available"),
    }
}

fn main() {
    match only().as_deref() {
        Some("bridge") => return bridge_section(),
        Some("hmac") => return hmac_section(),
        Some("assertions") => return assertion_section(),
        _ => {}
    }
    let key = oauth1to2::cert::load_private_key("bench", KEY, None).unwrap();
    let public = key.public_key();
    let base = oauth1::base_string("GET", URL, &[], &oauth_params()).unwrap();
    let digest = Sha1::digest(base.text.as_bytes());

    let raw_sign = rate(200, || {
        black_box(
            key.rsa()
                .sign(Pkcs1v15Sign::new::<Sha1>(), &digest)
                .unwrap(),
        );
    });
    let ours_sign = rate(200, || {
        let b = oauth1::base_string("GET", URL, &[], &oauth_params()).unwrap();
        black_box(
            oauth1::sign_base_string(SignatureMethod::RsaSha1, &b, &Signer::Rsa(&key)).unwrap(),
        );
    });

    let sig_b64 =
        oauth1::sign_base_string(SignatureMethod::RsaSha1, &base, &Signer::Rsa(&key)).unwrap();
    let sig = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &sig_b64).unwrap();
    let mut params = oauth_params();
    params.push(("oauth_signature".into(), sig_b64));
    let req = CapturedRequest {
        method: "GET".into(),
        url: URL.into(),
        authorization: Some(oauth1::authorization_header(None, &params)),
        form: vec![],
    };
    let raw_verify = rate(2000, || {
        black_box(
            public
                .verify(Pkcs1v15Sign::new::<Sha1>(), &digest, &sig)
                .is_ok(),
        );
    });
    // The operation oauth1to2's verification now runs on: aws-lc-rs, RSA PKCS#1 v1.5 SHA-1.
    let (n, e) = {
        use rsa::traits::PublicKeyParts;
        (public.n().to_bytes_be(), public.e().to_bytes_be())
    };
    let aws_verify = rate(2000, || {
        black_box(
            aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
                .verify(
                    &aws_lc_rs::signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
                    base.text.as_bytes(),
                    &sig,
                )
                .is_ok(),
        );
    });
    let ours_verify = rate(2000, || {
        black_box(oauth1::verify_request(&req, &public, 1_700_000_000).unwrap());
    });

    println!("OAuth 1.0a RSA-SHA1, 2048-bit key, one core, in-process (median of 7 batches):");
    println!(
        "  sign:   oauth1to2 {ours_sign:8.0}/s   raw rsa crate {raw_sign:8.0}/s   overhead {:+.1}%",
        (raw_sign / ours_sign - 1.0) * 100.0
    );
    println!(
        "  verify: oauth1to2 {ours_verify:8.0}/s   raw aws-lc-rs {aws_verify:8.0}/s   overhead {:+.1}%   (raw rsa crate {raw_verify:.0}/s)",
        (aws_verify / ours_verify - 1.0) * 100.0
    );
    match openssl_speed() {
        Some((s, v)) => {
            println!("  openssl speed rsa2048 (same run): sign {s:.0}/s, verify {v:.0}/s");
            println!(
                "  ratio ours/openssl: sign {:.2}x, verify {:.2}x",
                ours_sign / s,
                ours_verify / v
            );
        }
        None => println!("  openssl speed rsa2048: not available"),
    }
    println!("  goal: >= 0.7x openssl for both. Verification runs on aws-lc-rs; signing stays on the rsa");
    println!("  crate (aws-lc-rs has no RSA-SHA1 signing in its public API), so sign is the rsa crate's speed");
    hmac_section();
    assertion_section();
    bridge_section();
}

/// `OAUTH1TO2_BENCH=hmac` (or `assertions`, or `bridge`) runs that section alone.
fn only() -> Option<String> {
    std::env::var("OAUTH1TO2_BENCH")
        .ok()
        .filter(|s| !s.is_empty())
}
