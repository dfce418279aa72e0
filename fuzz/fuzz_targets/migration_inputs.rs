//! What `audit`, `scopes plan` and `migrate` read from the consultant's files: inventories
//! (TOML, and an OAuth 2.0 app's scopes checked against its calls), endpoint lists, HAR files
//! and access logs (then planned), the partner token batch,
//! the results file and the migration state. The first byte picks the parser.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::audit::{inventory, scopes};
use oauth1to2::provider::xero::SCOPES as XERO;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let plan = |e: Result<scopes::Evidence, scopes::EvidenceError>| {
        if let Ok(e) = e {
            for created in [None, Some(time::macros::date!(2025 - 01 - 01))] {
                let _ = scopes::plan(
                    &XERO,
                    &e.calls,
                    &scopes::PlanOptions {
                        app_created: created,
                        today: time::macros::date!(2026 - 11 - 23),
                        offline_access: true,
                    },
                );
            }
        }
    };
    match mode % 6 {
        0 => {
            if let Ok(inv) = inventory::parse(Path::new("fuzz.toml"), &text) {
                let _ = format!("{inv:?}");
                let _ = oauth1to2::audit::recommend(&inv);
                let _ = oauth1to2::audit::profile_name(&inv);
                // An OAuth 2.0 app's scopes against its listed calls.
                if let Ok(e) = scopes::from_list(&XERO, &inv.endpoints.calls.join(",")) {
                    let _ = oauth1to2::audit::scope_check::check(
                        &oauth1to2::audit::scope_check::CheckInput {
                            catalogue: &XERO,
                            granted: &inv.scopes,
                            calls: Some(&e.calls),
                            app_created: None,
                            today: time::macros::date!(2027 - 10 - 01),
                        },
                    );
                }
            }
        }
        1 => plan(scopes::from_list(&XERO, &text)),
        2 => plan(scopes::from_har(&XERO, "fuzz.har", &text)),
        3 => plan(scopes::from_log(&XERO, "fuzz.log", &text)),
        4 => {
            let _ = serde_json::from_slice::<Vec<oauth1to2::provider::xero::token_migration::BatchEntry>>(rest);
            let _ = serde_json::from_slice::<oauth1to2::provider::xero::token_migration::MigrationResult>(rest);
        }
        _ => {
            let _ = serde_json::from_slice::<oauth1to2::migrate::MigrationState>(rest);
            let _ = serde_json::from_slice::<oauth1to2::provider::xero::token_migration::MigratedTokens>(rest);
        }
    }
});
