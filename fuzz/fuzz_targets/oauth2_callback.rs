//! What reaches `connect` from outside while it waits: the loopback listener's HTTP request head
//! (anything a local process or browser sends to 127.0.0.1:PORT), a pasted redirect URL, and the
//! callback parameters they yield, checked against a state and an issuer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::oauth2::loopback;

fuzz_target!(|data: &[u8]| {
    // The invariant: a callback is accepted only when its (first) state is the one we sent.
    let state_matched = |params: &[(String, String)]| {
        params
            .iter()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.as_str())
            == Some("expected-state")
    };
    if let Some(Some(params)) = loopback::classify_request_head(data) {
        if loopback::check_callback(&params, "expected-state", Some("https://identity.xero.com"))
            .is_ok()
        {
            assert!(
                state_matched(&params),
                "accepted a callback with another state"
            );
        }
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(params) = loopback::parse_pasted(&text, "http://localhost:8742/callback") {
        assert!(
            text.trim()
                .to_ascii_lowercase()
                .starts_with("http://localhost:8742/callback?"),
            "accepted a pasted URL that is not the redirect URI"
        );
        if loopback::check_callback(&params, "expected-state", None).is_ok() {
            assert!(
                state_matched(&params),
                "accepted a pasted URL with another state"
            );
        }
    }
    let _ = loopback::page(&text, &text, data.first().is_some_and(|b| b & 1 == 1));
});
