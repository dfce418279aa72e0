//! What `cert inspect` does with an input: detect the format, repair, parse, report and lint.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::cert::{analyse, analyse_partial, load_certificates, CheckOptions};
use oauth1to2::secret::Password;

fuzz_target!(|data: &[u8]| {
    let pw = Password::new("fuzz");
    if let Ok(loaded) = load_certificates("fuzz", data, Some(&pw)) {
        let options = CheckOptions::now();
        for (i, der) in loaded.certificates.iter().enumerate() {
            let _ = analyse("fuzz", i + 1, der, &loaded.repairs, &options);
            // What is read of a certificate x509-parser refuses.
            let _ = analyse_partial("fuzz", i + 1, der, "fuzz");
        }
    }
    // The partial reader on raw bytes too (its own DER walker).
    let _ = analyse_partial("fuzz", 1, data, "fuzz");
});
