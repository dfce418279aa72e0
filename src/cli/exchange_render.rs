//! `exchange`'s text: the plan (a dry run, and the head of a run's summary) and the outcome.
//! Every value from the input or a server is escaped for the terminal.

use oauth1to2::exchange::job::{Outcome, Plan};
use oauth1to2::text::term;

pub fn print_plan(p: &Plan, dry: bool) {
    let users = p
        .users
        .map(|n| format!("{n} users"))
        .unwrap_or_else(|| "the table's users, leased as the run goes".into());
    println!(
        "{}exchange with {} at {}: {users}",
        if dry { "dry run: " } else { "" },
        term(&p.provider),
        term(&p.endpoint)
    );
    for b in &p.bad_rows {
        println!("  line {} skipped: {}", b.line, term(&b.reason));
    }
    if p.bad_row_count > p.bad_rows.len() {
        println!(
            "  ... and {} more rows skipped",
            p.bad_row_count - p.bad_rows.len()
        );
    }
    if p.settled > 0 || p.interrupted > 0 {
        println!(
            "  journal {}: {} settled by an earlier run, {} interrupted by a crash",
            term(&p.journal.display().to_string()),
            p.settled,
            p.interrupted
        );
    }
    if let Some(n) = p.to_ask {
        println!("  to ask: {n}");
    }
    println!(
        "  rate: {} ({}), {} at once",
        p.rate, p.rate_source, p.workers
    );
    if let Some(s) = p.eta_secs {
        println!("  time at that rate: about {}", duration(s));
    }
    println!("  after a crash: {}", p.after_crash);
    for u in p.unconfirmed {
        println!("  unconfirmed: {u}");
    }
    if dry {
        println!("nothing was sent");
    }
}

fn duration(s: u64) -> String {
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s.div_ceil(60)),
        _ => format!("{:.1} h", s as f64 / 3600.0),
    }
}

pub fn print_outcome(o: &Outcome) {
    print_plan(&o.plan, false);
    println!(
        "exchanged now: {}; earlier: {}; must consent again: {}; failed: {}",
        o.exchanged,
        o.already,
        o.reconsent.len(),
        o.failed.len()
    );
    if let Some(out) = &o.plan.out {
        println!("output: {} (0600)", term(&out.display().to_string()));
    }
    if !o.reconsent.is_empty() {
        println!("must consent again:");
        for n in &o.reconsent {
            println!("  {}  {}", term(&n.user_id), term(&n.reason));
        }
    }
    if !o.failed.is_empty() {
        println!("failed (run the same command again to retry them):");
        for n in &o.failed {
            println!("  {}  {}", term(&n.user_id), term(&n.reason));
        }
    }
    if let Some(s) = &o.stopped {
        println!("stopped: {}", term(s));
    }
}
