//! What the NetSuite half reads from servers and from people: NetSuite's error answers (status,
//! `WWW-Authenticate` and body), account ids in either spelling, the JWT client assertion
//! builder's inputs (client id, kid, audience and scopes, which end up in the JWT's JSON), and
//! the audit's evidence: HAR files (with SOAP envelopes), access logs, SOAP envelopes alone and
//! hand-written call lists.
//!
//! The first byte picks how the rest is used.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::oauth2::assertion::{self, AssertionAlg, AssertionKey};
use oauth1to2::provider::netsuite;
use std::sync::OnceLock;

fn key() -> &'static AssertionKey {
    static KEY: OnceLock<AssertionKey> = OnceLock::new();
    KEY.get_or_init(|| {
        AssertionKey::from_pem(
            std::path::Path::new("fixture"),
            include_bytes!("../../fixtures/keys/privatekey-pkcs8.pem"),
            AssertionAlg::PS256,
        )
        .expect("fixture key")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match mode % 4 {
        0 => {
            // status (2 bytes), then the header and the body split at the first newline.
            let status = u16::from_le_bytes([
                rest.first().copied().unwrap_or(0),
                rest.get(1).copied().unwrap_or(0),
            ]);
            let tail = String::from_utf8_lossy(rest.get(2..).unwrap_or_default());
            let (header, body) = tail.split_once('\n').unwrap_or(("", &tail));
            let _ = netsuite::read_error(status, Some(header), body);
            let _ = netsuite::read_error(status % 600, None, &tail);
        }
        1 => {
            if let Ok(a) = netsuite::Account::parse(&text) {
                let _ = a.endpoints();
                let _ = a.matches_host(&format!("https://{}.restlets.api.netsuite.com/", a.host));
                assert_eq!(
                    netsuite::Account::parse(&a.realm).map(|b| b.host),
                    Ok(a.host.clone())
                );
            }
        }
        3 => {
            use netsuite::calls;
            let e = calls::envelope(&text);
            assert!(e.action.as_ref().is_none_or(|a| a.chars().count() <= calls::MAX_FIELD));
            let _ = calls::from_har(&text);
            let _ = calls::from_log(&text);
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            let _ = calls::from_list(&lines);
            let _ = calls::classify("POST", &text, Some(&text), Some(&text), Some(&text));
            // A SOAP request in a HAR, with the fuzzed envelope as its body.
            let har = serde_json::json!({"log": {"entries": [{"request": {
                "method": "POST",
                "url": "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2023_2",
                "headers": [],
                "postData": {"text": text},
            }}]}});
            if let Ok((found, _)) = calls::from_har(&har.to_string()) {
                for c in found {
                    let _ = c.realm_mismatch();
                }
            }
        }
        _ => {
            let mut parts = text.splitn(4, '\n');
            let (client, kid, aud, scopes) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            let jwt = assertion::make(
                key(),
                kid,
                None,
                &assertion::Claims {
                    client_id: client,
                    audience: aud,
                    scope: Some(scopes),
                    now: 1_700_000_000,
                    lifetime: assertion::LIFETIME,
                },
            )
            .expect("signing never fails on any claims");
            assert_eq!(jwt.matches('.').count(), 2);
        }
    }
});
