//! What a bulk exchange reads from providers and from its own journal: an exchange endpoint's
//! answer (`exchange::spec::pair_of`, `error_of`) and journal lines replayed after a crash
//! (`exchange::journal::scan_reader`): any bytes give a pair, a clear refusal or a clear error,
//! never a panic, and no stray token field is kept among a pair's other fields.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::exchange::journal::scan_reader;
use oauth1to2::exchange::run::Answer;
use oauth1to2::exchange::spec::{error_of, pair_of};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Answer::Pair { access_token, other, .. } = pair_of(&text) {
        assert!(!access_token.expose().is_empty());
        assert!(!other.contains_key("access_token") && !other.contains_key("refresh_token"));
    }
    let _ = error_of(&text);
    let mut users = 0usize;
    let _ = scan_reader(data, std::path::Path::new("fuzz"), |_, r| {
        let _ = r.user();
        users += 1;
    });
    assert!(users <= data.len());
});
