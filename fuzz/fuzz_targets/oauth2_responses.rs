//! What the OAuth 2.0 half reads from servers and from its own files: token responses (with
//! `expires_in` as a number or a string), discovery documents, Xero's connection lists, id
//! tokens against a JWKS, the token store's JSON and the profiles file, and the `scope` claim
//! of a JWT access token (read for information only).
//!
//! The first byte picks how the rest is used. Modes 5 and 6 sign the fuzzed claims with the
//! fixture key, so that the claim checks behind the signature are reached too.
#![no_main]
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use oauth1to2::oauth2::{endpoints, flow, idtoken, profile, store};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use std::sync::OnceLock;

fn key() -> &'static (rsa::RsaPrivateKey, serde_json::Value) {
    static KEY: OnceLock<(rsa::RsaPrivateKey, serde_json::Value)> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(include_str!(
            "../../fixtures/keys/privatekey-pkcs1.pem"
        ))
        .expect("fixture key");
        let b64 = |n: &rsa::BigUint| URL_SAFE_NO_PAD.encode(n.to_bytes_be());
        let jwks = serde_json::json!({"keys": [{
            "kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
            "n": b64(key.n()), "e": b64(key.e()),
        }]});
        (key, jwks)
    })
}

fn signed(header: &str, claims: &[u8]) -> String {
    let signing = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key().0.clone());
    let head = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let sig = signing.sign(head.as_bytes()).to_bytes();
    format!("{head}.{}", URL_SAFE_NO_PAD.encode(sig))
}

fn expected() -> idtoken::Expected<'static> {
    idtoken::Expected {
        issuer: "https://identity.xero.com",
        client_id: "client",
        nonce: Some("nonce"),
        now: 1_800_000_000,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match mode % 7 {
        0 => {
            if let Ok(r) = serde_json::from_slice::<flow::TokenResponse>(rest) {
                let first = r.clone().into_token_set(1_800_000_000, None, &["openid".into()]);
                let _ = r.into_token_set(i64::MAX, Some(&first), &[]);
                let _ = first.valid_for(i64::MIN, i64::MAX);
            }
        }
        1 => {
            if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(rest) {
                let _ = endpoints::parse_discovery(&doc, "https://identity.xero.com");
            }
        }
        2 => {
            let _ = oauth1to2::provider::xero::connections::parse_list(rest);
        }
        3 => {
            if let Ok(t) = serde_json::from_slice::<store::TokenSet>(rest) {
                let _ = t.valid_for(1_800_000_000, 60);
                let _ = format!("{t:?}");
            }
            let _ = profile::Config::parse(&text);
        }
        4 => {
            // The text as an id token, against the fixture JWKS.
            let _ = idtoken::validate(&text, &key().1, &expected());
        }
        5 => {
            // Fuzzed claims behind a good signature.
            let token = signed(r#"{"alg":"RS256","kid":"k1"}"#, rest);
            let _ = idtoken::validate(&token, &key().1, &expected());
        }
        _ => {
            // A fuzzed JWKS for a token signed by the fixture key.
            if let Ok(jwks) = serde_json::from_slice::<serde_json::Value>(rest) {
                let claims = br#"{"iss":"https://identity.xero.com","aud":"client","exp":1800000100,"iat":1800000000,"nonce":"nonce","sub":"s"}"#;
                let token = signed(r#"{"alg":"RS256","kid":"k1"}"#, claims);
                let _ = idtoken::validate(&token, &jwks, &expected());
            }
        }
    }
});
