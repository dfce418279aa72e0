//! The user list of a bulk token exchange (CSV or JSON lines): any bytes give a list or a clear
//! error, never a panic, and every user kept has the three fields.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::exchange::input::{parse, Format};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for format in [Format::Csv, Format::JsonLines] {
        if let Ok(list) = parse("fuzz", &text, format) {
            for u in &list.users {
                assert!(!u.user_id.is_empty());
                assert!(!u.token.expose().is_empty());
            }
        }
    }
});
