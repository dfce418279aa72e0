//! The arithmetic of `scopes check` (granted against needed against deprecated), table-driven.
//! Every expected value is worked out by hand from src/provider/xero/scopes.tsv:
//! - `accounting.transactions` (rows Invoices to ManualJournals) is replaced by
//!   `accounting.invoices`, `accounting.payments`, `accounting.banktransactions` and
//!   `accounting.manualjournals`, in that row order; `.read` likewise;
//! - `accounting.reports.read` is replaced by the per-report `.read` scopes;
//! - Contacts, Organisation and the settings rows keep their scopes (`=`).

use oauth1to2::audit::scope_check::{check, deprecated_scopes, CheckInput, ScopeCheck};
use oauth1to2::audit::scopes;
use oauth1to2::provider::xero::SCOPES as XERO;
use time::macros::date;
use time::Date;

struct Case {
    what: &'static str,
    granted: &'static str,
    calls: Option<&'static str>,
    today: Date,
    deprecated: &'static [(&'static str, &'static [&'static str])],
    add: &'static str,
    unused: &'static str,
    missing: &'static [(&'static str, &'static str)],
    target: &'static str,
    needs_doing: bool,
    past_deadline: bool,
}

const TODAY: Date = date!(2026 - 12 - 01);
const TRANSACTIONS: &str =
    "accounting.invoices accounting.payments accounting.banktransactions accounting.manualjournals";

const CASES: &[Case] = &[
    Case {
        what: "a broad grant, no evidence: replace with every replacement",
        granted: "openid offline_access accounting.transactions accounting.settings.read",
        calls: None,
        today: TODAY,
        deprecated: &[("accounting.transactions", &[])],
        add: "",
        unused: "",
        missing: &[],
        target: "openid offline_access accounting.invoices accounting.payments accounting.banktransactions accounting.manualjournals accounting.settings.read",
        needs_doing: true,
        past_deadline: false,
    },
    Case {
        what: "the same grant with evidence: only what the calls need; Contacts was never granted",
        granted: "openid offline_access accounting.transactions accounting.settings.read",
        calls: Some("GET Invoices,POST Invoices,GET Contacts,GET Organisation"),
        today: TODAY,
        deprecated: &[("accounting.transactions", &["accounting.invoices"])],
        add: "accounting.contacts.read accounting.invoices",
        unused: "",
        missing: &[(
            "GET /api.xro/2.0/Contacts",
            "accounting.contacts accounting.contacts.read",
        )],
        target: "openid offline_access accounting.contacts.read accounting.invoices accounting.settings.read",
        needs_doing: true,
        past_deadline: false,
    },
    Case {
        what: "after the upgrade: nothing to do",
        granted: "openid offline_access accounting.contacts.read accounting.invoices accounting.settings.read",
        calls: Some("GET Invoices,POST Invoices,GET Contacts,GET Organisation"),
        today: TODAY,
        deprecated: &[],
        add: "",
        unused: "",
        missing: &[],
        target: "openid offline_access accounting.contacts.read accounting.invoices accounting.settings.read",
        needs_doing: false,
        past_deadline: false,
    },
    Case {
        what: "reports: the per-report scope, and a write scope nothing uses",
        granted: "accounting.reports.read accounting.contacts",
        calls: Some("GET Reports/BalanceSheet"),
        today: TODAY,
        deprecated: &[(
            "accounting.reports.read",
            &["accounting.reports.balancesheet.read"],
        )],
        add: "accounting.reports.balancesheet.read",
        unused: "accounting.contacts",
        missing: &[],
        target: "accounting.reports.balancesheet.read",
        needs_doing: true,
        past_deadline: false,
    },
    Case {
        what: "a read-only broad grant cannot write: the write is missing",
        granted: "offline_access accounting.transactions.read",
        calls: Some("POST Invoices"),
        today: TODAY,
        deprecated: &[("accounting.transactions.read", &[])],
        add: "accounting.invoices",
        unused: "",
        missing: &[("POST /api.xro/2.0/Invoices", "accounting.invoices")],
        target: "offline_access accounting.invoices",
        needs_doing: true,
        past_deadline: false,
    },
    Case {
        what: "a write scope covers its read: nothing to add",
        granted: "accounting.contacts",
        calls: Some("GET Contacts"),
        today: TODAY,
        deprecated: &[],
        add: "",
        unused: "",
        missing: &[],
        target: "accounting.contacts.read",
        needs_doing: false,
        past_deadline: false,
    },
    Case {
        what: "the last day of September 2027 is still allowed",
        granted: "accounting.transactions",
        calls: None,
        today: date!(2027 - 09 - 30),
        deprecated: &[("accounting.transactions", &[])],
        add: "",
        unused: "",
        missing: &[],
        target: TRANSACTIONS,
        needs_doing: true,
        past_deadline: false,
    },
    Case {
        what: "October 2027 is past the deadline",
        granted: "accounting.transactions",
        calls: None,
        today: date!(2027 - 10 - 01),
        deprecated: &[("accounting.transactions", &[])],
        add: "",
        unused: "",
        missing: &[],
        target: TRANSACTIONS,
        needs_doing: true,
        past_deadline: true,
    },
];

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

fn run(c: &Case) -> ScopeCheck {
    let granted = words(c.granted);
    let calls = c.calls.map(|l| scopes::from_list(&XERO, l).unwrap().calls);
    check(&CheckInput {
        catalogue: &XERO,
        granted: &granted,
        calls: calls.as_deref(),
        app_created: None,
        today: c.today,
    })
    .unwrap()
}

#[test]
fn the_check_matches_the_catalogue_worked_by_hand() {
    for c in CASES {
        let r = run(c);
        let deprecated: Vec<(String, Vec<String>)> = r
            .deprecated
            .iter()
            .map(|d| (d.scope.clone(), d.needed_replacements.clone()))
            .collect();
        let want: Vec<(String, Vec<String>)> = c
            .deprecated
            .iter()
            .map(|(s, n)| (s.to_string(), n.iter().map(|x| x.to_string()).collect()))
            .collect();
        assert_eq!(deprecated, want, "{}: deprecated", c.what);
        assert_eq!(r.add, words(c.add), "{}: add", c.what);
        assert_eq!(r.unused, words(c.unused), "{}: unused", c.what);
        let missing: Vec<(String, Vec<String>)> = r
            .missing
            .iter()
            .map(|m| (m.call.clone(), m.allowed_by.clone()))
            .collect();
        let want: Vec<(String, Vec<String>)> = c
            .missing
            .iter()
            .map(|(call, by)| (call.to_string(), words(by)))
            .collect();
        assert_eq!(missing, want, "{}: missing", c.what);
        assert_eq!(r.target, words(c.target), "{}: target", c.what);
        assert_eq!(r.needs_doing(), c.needs_doing, "{}: needs doing", c.what);
        assert_eq!(r.past_deadline, c.past_deadline, "{}: deadline", c.what);
        assert_eq!(r.deadline, "September 2027");
    }
}

#[test]
fn the_deprecated_scopes_are_the_three_broad_ones() {
    let d = deprecated_scopes(&XERO).unwrap();
    let names: Vec<&str> = d.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "accounting.transactions",
            "accounting.transactions.read",
            "accounting.reports.read"
        ]
    );
    assert_eq!(d[0].1, words(TRANSACTIONS));
    assert_eq!(
        d[1].1,
        words("accounting.invoices.read accounting.payments.read accounting.banktransactions.read accounting.manualjournals.read")
    );
    assert_eq!(
        d[2].1,
        words("accounting.reports.aged.read accounting.reports.balancesheet.read accounting.reports.profitandloss.read accounting.reports.trialbalance.read accounting.reports.banksummary.read accounting.reports.budgetsummary.read accounting.reports.executivesummary.read accounting.reports.taxreports.read")
    );
}

#[test]
fn an_app_created_on_or_after_2_march_2026_is_granular_only() {
    let granted = words("accounting.transactions");
    for (created, only) in [
        (date!(2026 - 03 - 01), false),
        (date!(2026 - 03 - 02), true),
    ] {
        let r = check(&CheckInput {
            catalogue: &XERO,
            granted: &granted,
            calls: None,
            app_created: Some(created),
            today: TODAY,
        })
        .unwrap();
        assert_eq!(r.granular_only_app, only, "{created}");
    }
}
