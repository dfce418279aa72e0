//! What reaches `connect` from outside while it waits: the loopback listener's HTTP request head
//! (anything a local process or browser sends to 127.0.0.1:PORT), a pasted redirect URL, and the
//! callback parameters they yield, checked against a state and an issuer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::oauth2::loopback;

fuzz_target!(|data: &[u8]| {
    if let Some(Some(params)) = loopback::classify_request_head(data) {
        let _ = loopback::check_callback(&params, "expected-state", Some("https://identity.xero.com"));
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(params) = loopback::parse_pasted(&text) {
        let _ = loopback::check_callback(&params, "expected-state", None);
    }
    let _ = loopback::page(&text, &text, data.first().is_some_and(|b| b & 1 == 1));
});
