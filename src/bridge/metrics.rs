//! The bridge's counters, served in Prometheus' text format on the operations listener.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Upper bounds (seconds) of the upstream latency histogram's buckets.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The `oauth_problem` codes counted, and the bridge's own refusals.
pub const REASONS: [&str; 12] = [
    "parameter_absent",
    "parameter_rejected",
    "version_rejected",
    "consumer_key_unknown",
    "signature_method_rejected",
    "token_rejected",
    "timestamp_refused",
    "signature_invalid",
    "nonce_used",
    "state_unavailable",
    "body_too_large",
    "no_route",
];

/// Counters for one route.
#[derive(Default)]
pub struct RouteCounters {
    /// Requests forwarded upstream.
    pub forwarded: AtomicU64,
    /// Requests refused.
    pub refused: AtomicU64,
    /// Requests that failed after they were accepted (no token, upstream unreachable).
    pub failed: AtomicU64,
    /// Retries after an upstream 401.
    pub retried: AtomicU64,
}

/// Every counter.
pub struct Metrics {
    /// Per route, in the configuration's order, with the prefix.
    pub routes: Vec<(String, RouteCounters)>,
    /// Refusals by reason, as [`REASONS`].
    pub refusals: [AtomicU64; REASONS.len()],
    /// Token renewals this process made, per profile.
    pub renewals: Vec<(String, AtomicU64)>,
    /// Upstream latency: per bucket, then the count and the sum in microseconds.
    pub upstream: [AtomicU64; BUCKETS.len()],
    upstream_count: AtomicU64,
    upstream_micros: AtomicU64,
}

impl Metrics {
    /// Counters for these route prefixes and profiles.
    pub fn new(prefixes: &[String], profiles: &[String]) -> Metrics {
        Metrics {
            routes: prefixes
                .iter()
                .map(|p| (p.clone(), RouteCounters::default()))
                .collect(),
            refusals: Default::default(),
            renewals: profiles
                .iter()
                .map(|p| (p.clone(), AtomicU64::new(0)))
                .collect(),
            upstream: Default::default(),
            upstream_count: AtomicU64::new(0),
            upstream_micros: AtomicU64::new(0),
        }
    }

    /// Counts a refusal for `reason` (one of [`REASONS`]).
    pub fn refused(&self, reason: &str) {
        if let Some(i) = REASONS.iter().position(|r| *r == reason) {
            self.refusals[i].fetch_add(1, Relaxed);
        }
    }

    /// Counts a renewal of `profile`'s token.
    pub fn renewed(&self, profile: &str) {
        if let Some((_, c)) = self.renewals.iter().find(|(p, _)| p == profile) {
            c.fetch_add(1, Relaxed);
        }
    }

    /// Records one upstream exchange's time.
    pub fn upstream_time(&self, d: std::time::Duration) {
        let s = d.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if s <= *b {
                self.upstream[i].fetch_add(1, Relaxed);
            }
        }
        self.upstream_count.fetch_add(1, Relaxed);
        self.upstream_micros
            .fetch_add(d.as_micros() as u64, Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "# HELP oauth1to2_bridge_requests_total Requests by route and outcome."
        );
        let _ = writeln!(o, "# TYPE oauth1to2_bridge_requests_total counter");
        for (prefix, c) in &self.routes {
            let p = label(prefix);
            for (outcome, v) in [
                ("forwarded", &c.forwarded),
                ("refused", &c.refused),
                ("failed", &c.failed),
            ] {
                let _ = writeln!(
                    o,
                    "oauth1to2_bridge_requests_total{{route=\"{p}\",outcome=\"{outcome}\"}} {}",
                    v.load(Relaxed)
                );
            }
        }
        let _ = writeln!(o, "# HELP oauth1to2_bridge_upstream_retries_total Requests sent again after an upstream 401 and a renewed token.");
        let _ = writeln!(o, "# TYPE oauth1to2_bridge_upstream_retries_total counter");
        for (prefix, c) in &self.routes {
            let _ = writeln!(
                o,
                "oauth1to2_bridge_upstream_retries_total{{route=\"{}\"}} {}",
                label(prefix),
                c.retried.load(Relaxed)
            );
        }
        let _ = writeln!(o, "# HELP oauth1to2_bridge_refusals_total Refused requests by reason (the oauth_problem sent, or the bridge's own).");
        let _ = writeln!(o, "# TYPE oauth1to2_bridge_refusals_total counter");
        for (i, r) in REASONS.iter().enumerate() {
            let _ = writeln!(
                o,
                "oauth1to2_bridge_refusals_total{{reason=\"{r}\"}} {}",
                self.refusals[i].load(Relaxed)
            );
        }
        let _ = writeln!(o, "# HELP oauth1to2_bridge_token_renewals_total OAuth 2.0 token renewals this bridge made.");
        let _ = writeln!(o, "# TYPE oauth1to2_bridge_token_renewals_total counter");
        for (p, c) in &self.renewals {
            let _ = writeln!(
                o,
                "oauth1to2_bridge_token_renewals_total{{profile=\"{}\"}} {}",
                label(p),
                c.load(Relaxed)
            );
        }
        let _ = writeln!(o, "# HELP oauth1to2_bridge_upstream_seconds Time from sending a request upstream to its answer's headers.");
        let _ = writeln!(o, "# TYPE oauth1to2_bridge_upstream_seconds histogram");
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                o,
                "oauth1to2_bridge_upstream_seconds_bucket{{le=\"{b}\"}} {}",
                self.upstream[i].load(Relaxed)
            );
        }
        let count = self.upstream_count.load(Relaxed);
        let _ = writeln!(
            o,
            "oauth1to2_bridge_upstream_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            o,
            "oauth1to2_bridge_upstream_seconds_sum {}",
            self.upstream_micros.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(o, "oauth1to2_bridge_upstream_seconds_count {count}");
        o
    }
}

/// A label value escaped as the text format wants it (backslash, quote, line break).
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
