//! The scope planner over hand-written HAR and log fixtures (fixtures/scopes/README.md). The
//! expected scopes are worked out by hand from src/provider/xero/scopes.tsv, row by row.

mod common;

use common::*;

struct Case {
    args: &'static [&'static str],
    scopes: &'static str,
    unmapped: &'static [&'static str],
    ignored: u64,
    confirm: &'static [&'static str],
    code: i32,
}

const CASES: &[Case] = &[
    // Reads of Contacts (contacts.read) and Items (settings.read); Invoices both written and
    // read (the write scope covers both); an attachment upload; Setup is in no row.
    Case {
        args: &["--from-har", "fixtures/scopes/field-sales.har"],
        scopes: "offline_access accounting.attachments accounting.contacts.read accounting.invoices accounting.settings.read",
        unmapped: &["GET /api.xro/2.0/Setup"],
        ignored: 2,
        confirm: &[],
        code: 1,
    },
    // The same traffic for an app created before 2 March 2026: broad scopes.
    Case {
        args: &["--from-har", "fixtures/scopes/field-sales.har", "--app-created", "2025-01-15"],
        scopes: "offline_access accounting.attachments accounting.contacts.read accounting.settings.read accounting.transactions",
        unmapped: &["GET /api.xro/2.0/Setup"],
        ignored: 2,
        confirm: &[],
        code: 1,
    },
    // GETs only: every scope is a .read variant; the report gets its granular report scope.
    Case {
        args: &["--from-log", "fixtures/scopes/payroll-readonly.log", "--no-offline-access"],
        scopes: "accounting.reports.balancesheet.read payroll.employees.read payroll.payruns.read payroll.payslip.read",
        unmapped: &[],
        ignored: 2,
        confirm: &[],
        code: 0,
    },
    // A read of BankTransactions and a write of BankTransfers share accounting.banktransactions
    // (the BankTransfers row is inferred, so the plan asks to confirm it).
    Case {
        args: &["--from-log", "fixtures/scopes/mixed.log"],
        scopes: "offline_access accounting.banktransactions accounting.manualjournals accounting.settings.read",
        unmapped: &[],
        ignored: 1,
        confirm: &["accounting.banktransactions"],
        code: 0,
    },
    // A list: a bare name may write; Receipts has no granular scope for a new app.
    Case {
        args: &["--endpoints", "Contacts, GET Reports/AgedReceivablesByContact, GET Receipts"],
        scopes: "offline_access accounting.contacts accounting.reports.aged.read",
        unmapped: &["GET /api.xro/2.0/Receipts"],
        ignored: 0,
        confirm: &[],
        code: 1,
    },
];

#[test]
fn plans_match_the_catalogue_worked_by_hand() {
    for case in CASES {
        let o = run(bin()
            .current_dir(root())
            .args(["scopes", "plan", "--json"])
            .args(case.args));
        assert_eq!(
            o.status.code(),
            Some(case.code),
            "{:?}: {}",
            case.args,
            stderr(&o)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["plan"]["scope_string"], case.scopes, "{:?}", case.args);
        let unmapped: Vec<&str> = v["plan"]["unmapped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["call"].as_str().unwrap())
            .collect();
        assert_eq!(unmapped, case.unmapped, "{:?}", case.args);
        assert_eq!(v["ignored"], case.ignored, "{:?}", case.args);
        let confirm: Vec<&str> = v["plan"]["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["confirm"] == true)
            .map(|s| s["scope"].as_str().unwrap())
            .collect();
        assert_eq!(confirm, case.confirm, "{:?}", case.args);
        // Every scope is explained by the calls that need it (offline_access by the target).
        for s in v["plan"]["scopes"].as_array().unwrap() {
            assert!(
                s["scope"] == "offline_access" || !s["needed_by"].as_array().unwrap().is_empty(),
                "{s}"
            );
        }
    }
}

#[test]
fn the_human_output_prints_the_scopes_alone_on_stdout() {
    let o = run(bin().current_dir(root()).args([
        "scopes",
        "plan",
        "--from-log",
        "fixtures/scopes/payroll-readonly.log",
        "--app-created",
        "2024-07-01",
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "offline_access accounting.reports.read payroll.employees.read payroll.payruns.read payroll.payslip.read"
    );
    let err = stderr(&o);
    assert!(err.contains("September 2027"), "{err}");
    assert!(
        err.contains("move to: accounting.reports.balancesheet.read"),
        "{err}"
    );
}

#[test]
fn bad_evidence_is_refused_with_the_input_named() {
    let dir = tempfile::tempdir().unwrap();
    let not_har = dir.path().join("capture.har");
    std::fs::write(&not_har, "{\"log\": [").unwrap();
    let quiet = dir.path().join("quiet.log");
    std::fs::write(&quiet, "GET /healthz 200\nnothing else\n").unwrap();
    for (args, needle) in [
        (
            vec!["--endpoints".to_owned(), "FETCH Invoices".to_owned()],
            "FETCH Invoices",
        ),
        (
            vec!["--from-har".to_owned(), not_har.display().to_string()],
            "capture.har",
        ),
        (
            vec!["--from-log".to_owned(), quiet.display().to_string()],
            "no call to api.xero.com found in",
        ),
        (
            vec![
                "--from-log".to_owned(),
                dir.path().join("missing.log").display().to_string(),
            ],
            "missing.log",
        ),
    ] {
        let o = run(bin().args(["scopes", "plan"]).args(&args));
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(err.contains("hint:"), "{err}");
    }
}

/// `scopes upgrade` on a Xero Custom Connection prints the portal steps before it does anything
/// else; here there are no tokens yet, so it stops right after them (exit 6), with no network.
#[test]
fn a_xero_custom_connection_upgrade_shows_the_portal_steps_first() {
    use oauth1to2::oauth2::profile::{Config, Grant, Paths, Profile, SecretRef};
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    let mut p = Profile::new("CC-CLIENT-7");
    p.grant = Grant::ClientCredentials;
    p.client_secret = Some(SecretRef::Env("CC_SECRET_VAR".into()));
    p.scopes = vec!["accounting.transactions".into()];
    let mut config = Config::default();
    config.profiles.insert("cc".into(), p);
    config.save(&paths.config_file).unwrap();
    let o = run(bin().env("OAUTH1TO2_HOME", home.path()).args([
        "scopes",
        "upgrade",
        "-p",
        "cc",
        "--to",
        "accounting.invoices",
    ]));
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("A Custom Connection's scopes are set in the portal"),
        "{err}"
    );
    assert!(
        err.contains("the Custom Connection whose client id is CC-CLIENT-7"),
        "{err}"
    );
    assert!(
        err.contains("select exactly: accounting.invoices;"),
        "{err}"
    );
    let steps = err.find("portal").unwrap();
    let error = err.find("error:").unwrap();
    assert!(steps < error, "the steps come first: {err}");
}
