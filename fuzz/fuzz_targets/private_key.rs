//! Private key loading (PKCS#1, PKCS#8, encrypted PKCS#8, PKCS#12) on arbitrary bytes, and the
//! JWT client assertion's key loading (every algorithm) and signing with what loads.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::oauth2::assertion::{self, AssertionAlg, AssertionKey, Claims};
use oauth1to2::secret::Password;

fuzz_target!(|data: &[u8]| {
    let pw = Password::new("fuzz");
    let _ = oauth1to2::cert::load_private_key("fuzz", data, Some(&pw));
    for alg in [
        AssertionAlg::PS256,
        AssertionAlg::ES256,
        AssertionAlg::ES384,
        AssertionAlg::RS256,
    ] {
        if let Ok(key) = AssertionKey::from_pem(std::path::Path::new("fuzz.pem"), data, alg) {
            let text = String::from_utf8_lossy(data);
            let _ = assertion::make(
                &key,
                &text,
                Some(&text),
                &Claims {
                    client_id: &text,
                    audience: "https://example.com/token",
                    scope: Some(&text),
                    now: i64::MAX,
                    lifetime: i64::MAX,
                },
            );
        }
    }
});
