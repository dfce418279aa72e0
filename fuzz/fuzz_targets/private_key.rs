//! Private key loading (PKCS#1, PKCS#8, encrypted PKCS#8, PKCS#12) on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::secret::Password;

fuzz_target!(|data: &[u8]| {
    let pw = Password::new("fuzz");
    let _ = oauth1to2::cert::load_private_key("fuzz", data, Some(&pw));
});
