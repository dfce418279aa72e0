//! Paste repair on arbitrary bytes: must never panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = oauth1to2::cert::paste::repair(data) {
        // Whatever was recovered re-encodes.
        let _ = p.to_pem();
    }
});
