//! Salesforce's login evidence (a Login History export or an ApiTotalUsage event log file, CSV):
//! any bytes give counts or a clear error, never a panic, and every count is of a record read.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::provider::salesforce::login_history::Tally;

fuzz_target!(|data: &[u8]| {
    let mut t = Tally::default();
    if t.read("fuzz.csv", data).is_ok() {
        let e = t.finish();
        let rows: u64 = e.files.iter().map(|f| f.rows).sum();
        let counted: u64 = e.uses.iter().map(|u| u.logins).sum::<u64>() + e.other_logins;
        assert!(counted <= rows);
        for u in &e.uses {
            assert!(u.failed <= u.logins);
            assert!(u.user.chars().count() <= 200);
        }
    }
});
