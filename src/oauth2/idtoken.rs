//! OpenID Connect id token validation (Core 1.0 section 3.1.3.7): the RS256 signature against the
//! provider's JWKS, then `iss`, `aud` (and `azp` when there are several audiences), `exp`, `iat`
//! and `nonce`.
//!
//! Only RS256 is accepted: it is what Xero signs with and what OpenID Connect requires every
//! provider to support. `alg: none` and HMAC algorithms are refused outright. The signature check
//! is the `rsa` crate's PKCS#1 v1.5 verification, which does not touch the private-key timing
//! issue in SECURITY.md.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::{BigUint, RsaPublicKey};
use serde::Serialize;

/// How far clocks may disagree, in seconds.
pub const LEEWAY_SECS: i64 = 120;

/// The claims we report after a successful validation (no token material).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdClaims {
    /// `sub`.
    pub subject: String,
    /// `email`, when the provider sent it.
    pub email: Option<String>,
    /// `exp`.
    pub expires_at: i64,
}

/// What the token must match.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The issuer.
    pub issuer: &'a str,
    /// The client id.
    pub client_id: &'a str,
    /// The nonce sent in the authorization request.
    pub nonce: Option<&'a str>,
    /// Now, in Unix seconds.
    pub now: i64,
}

/// Validates `token` with the keys in `jwks` (the JSON of the provider's `jwks_uri`).
pub fn validate(
    token: &str,
    jwks: &serde_json::Value,
    expected: &Expected<'_>,
) -> Result<IdClaims, String> {
    let mut parts = token.split('.');
    let (h, p, s) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => (h, p, s),
        _ => return Err("it is not a JWS in compact form (three dot-separated parts)".into()),
    };
    let header: serde_json::Value = decode_json(h, "header")?;
    let alg = header.get("alg").and_then(|a| a.as_str()).unwrap_or("");
    if alg != "RS256" {
        return Err(format!(
            "signing algorithm {alg:?} is not accepted (only RS256)"
        ));
    }
    let kid = header.get("kid").and_then(|k| k.as_str());
    let key = find_key(jwks, kid)?;
    let sig = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| "the signature is not base64url".to_string())?;
    let sig = Signature::try_from(sig.as_slice()).map_err(|e| format!("bad signature: {e}"))?;
    let verifier = VerifyingKey::<sha2::Sha256>::new(key);
    let signed = &token[..h.len() + 1 + p.len()];
    verifier
        .verify(signed.as_bytes(), &sig)
        .map_err(|_| "the signature does not verify with the provider's key".to_string())?;

    let claims: serde_json::Value = decode_json(p, "payload")?;
    let str_claim = |k: &str| claims.get(k).and_then(|v| v.as_str());
    let int_claim = |k: &str| claims.get(k).and_then(|v| v.as_i64());
    let iss = str_claim("iss").ok_or("no iss claim")?;
    if iss.trim_end_matches('/') != expected.issuer.trim_end_matches('/') {
        return Err(format!("iss is {iss:?}, expected {:?}", expected.issuer));
    }
    let auds: Vec<&str> = match claims.get("aud") {
        Some(serde_json::Value::String(a)) => vec![a.as_str()],
        Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
        _ => return Err("no aud claim".into()),
    };
    if !auds.contains(&expected.client_id) {
        return Err(format!("aud {auds:?} does not include this client id"));
    }
    if auds.len() > 1 && str_claim("azp") != Some(expected.client_id) {
        return Err("several audiences and azp is not this client id".into());
    }
    let exp = int_claim("exp").ok_or("no exp claim")?;
    if exp.saturating_add(LEEWAY_SECS) < expected.now {
        return Err(format!(
            "it expired {} seconds ago",
            expected.now.saturating_sub(exp)
        ));
    }
    if let Some(iat) = int_claim("iat") {
        if iat.saturating_sub(LEEWAY_SECS) > expected.now {
            return Err("it was issued in the future (check this machine's clock)".into());
        }
    }
    if let Some(nonce) = expected.nonce {
        match str_claim("nonce") {
            Some(n) if super::loopback::constant_time_eq(n.as_bytes(), nonce.as_bytes()) => {}
            Some(_) => return Err("the nonce does not match the one sent".into()),
            None => return Err("no nonce claim, but one was sent".into()),
        }
    }
    Ok(IdClaims {
        subject: str_claim("sub").ok_or("no sub claim")?.to_owned(),
        email: str_claim("email").map(str::to_owned),
        expires_at: exp,
    })
}

fn decode_json(part: &str, what: &str) -> Result<serde_json::Value, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| format!("the {what} is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| format!("the {what} is not JSON"))
}

/// Picks the RSA signing key: by `kid` when the token names one, else the only RSA key.
fn find_key(jwks: &serde_json::Value, kid: Option<&str>) -> Result<RsaPublicKey, String> {
    let keys = jwks
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("the JWKS has no keys array")?;
    let rsa_keys: Vec<&serde_json::Value> = keys
        .iter()
        .filter(|k| k.get("kty").and_then(|v| v.as_str()) == Some("RSA"))
        .filter(|k| k.get("use").and_then(|v| v.as_str()).unwrap_or("sig") == "sig")
        .collect();
    let key = match kid {
        Some(kid) => rsa_keys
            .iter()
            .find(|k| k.get("kid").and_then(|v| v.as_str()) == Some(kid))
            .ok_or_else(|| format!("no RSA key with kid {kid:?} in the provider's JWKS"))?,
        None if rsa_keys.len() == 1 => &rsa_keys[0],
        None => return Err("the token names no kid and the JWKS has several RSA keys".into()),
    };
    let field = |k: &str| -> Result<BigUint, String> {
        let s = key
            .get(k)
            .and_then(|v| v.as_str())
            .ok_or(format!("the JWK has no {k}"))?;
        let b = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| format!("the JWK's {k} is not base64url"))?;
        Ok(BigUint::from_bytes_be(&b))
    };
    RsaPublicKey::new(field("n")?, field("e")?).map_err(|e| format!("unusable JWK: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::SigningKey;
    use rsa::signature::{SignatureEncoding, Signer};
    use rsa::traits::PublicKeyParts;

    fn key() -> rsa::RsaPrivateKey {
        let pem = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/keys/privatekey-pkcs1.pem"
        ))
        .unwrap();
        rsa::pkcs1::DecodeRsaPrivateKey::from_pkcs1_pem(&pem).unwrap()
    }

    fn jwt(key: &rsa::RsaPrivateKey, header: &str, claims: &serde_json::Value) -> String {
        let h = URL_SAFE_NO_PAD.encode(header);
        let p = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing = SigningKey::<sha2::Sha256>::new(key.clone());
        let s = signing.sign(format!("{h}.{p}").as_bytes());
        format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(s.to_bytes()))
    }

    #[test]
    fn checks_signature_and_claims() {
        let k = key();
        let pubk = k.to_public_key();
        let jwks = serde_json::json!({"keys": [{
            "kty": "RSA", "kid": "k1",
            "n": URL_SAFE_NO_PAD.encode(pubk.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(pubk.e().to_bytes_be()),
        }]});
        let claims = serde_json::json!({"iss": "https://id.example", "aud": "cid", "sub": "u1",
            "exp": 2000, "iat": 1000, "nonce": "n1"});
        let header = r#"{"alg":"RS256","kid":"k1"}"#;
        let good = Expected {
            issuer: "https://id.example",
            client_id: "cid",
            nonce: Some("n1"),
            now: 1500,
        };
        let t = jwt(&k, header, &claims);
        assert_eq!(validate(&t, &jwks, &good).unwrap().subject, "u1");
        let wrong = |e: Expected| validate(&t, &jwks, &e).unwrap_err();
        assert!(wrong(Expected {
            issuer: "https://other",
            ..good.clone()
        })
        .contains("iss"));
        assert!(wrong(Expected {
            client_id: "x",
            ..good.clone()
        })
        .contains("aud"));
        assert!(wrong(Expected {
            nonce: Some("n2"),
            ..good.clone()
        })
        .contains("nonce"));
        assert!(wrong(Expected {
            now: 5000,
            ..good.clone()
        })
        .contains("expired"));
        // A changed payload breaks the signature.
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(claims.to_string().replace("u1", "u2"));
        parts[1] = &forged;
        assert!(validate(&parts.join("."), &jwks, &good)
            .unwrap_err()
            .contains("signature"));
        // alg none and HS256 are refused before any key is looked at.
        let none = jwt(&k, r#"{"alg":"none"}"#, &claims);
        assert!(validate(&none, &jwks, &good)
            .unwrap_err()
            .contains("not accepted"));
        let unknown_kid = jwt(&k, r#"{"alg":"RS256","kid":"k9"}"#, &claims);
        assert!(validate(&unknown_kid, &jwks, &good)
            .unwrap_err()
            .contains("kid"));
    }
}
