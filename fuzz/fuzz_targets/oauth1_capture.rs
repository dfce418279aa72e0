//! The OAuth 1.0a request parsers on arbitrary text: the Authorization header, curl command
//! lines, raw HTTP requests, HAR files, URL normalisation, and verification of what they yield
//! (RSA-SHA1 with a key, HMAC with secrets).
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::oauth1::{self, capture};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = oauth1::parse_authorization(&text);
    let _ = oauth1::normalise_url(&text);
    let _ = oauth1::parse_urlencoded(&text);
    let _ = capture::from_har(&text);
    let key = oauth1to2::cert::load_private_key(
        "fuzz",
        include_bytes!("../../fixtures/oauth1/wiki-rsa-sha1-test-key.pem"),
        None,
    )
    .expect("fixture key")
    .public_key();
    for req in [
        capture::from_curl(&text).ok(),
        capture::from_raw_http(data, "https").ok(),
    ]
    .into_iter()
    .flatten()
    {
        let _ = oauth1::verify_request(&req, &key, 0);
        // HMAC verification (NetSuite TBA) and its search for the mistake.
        let _ = oauth1::verify::verify_hmac_request(
            &req,
            &oauth1::verify::Secrets {
                consumer: "consumer-secret",
                token: "token-secret",
            },
            0,
        );
    }
});
