//! The rate budget of a bulk exchange: a token bucket per provider (X allows 10,000 exchanges
//! per 15 minutes per app and source IP), the time a list takes at that rate, `Retry-After` in
//! either of its forms, and the backoff between retries. Time is passed in, never read here, so
//! every rule is tested without waiting.

use std::time::Duration;

/// How many calls in how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Calls allowed...
    pub calls: u32,
    /// ...in this many seconds.
    pub per_secs: u32,
}

/// A budget written as `N/SECONDS` that is not one.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{given:?} is not a rate: write CALLS/SECONDS, e.g. 10000/900")]
pub struct BudgetError {
    /// What was given.
    pub given: String,
}

impl Budget {
    /// Reads `N/SECONDS` (`10000/900`), both whole numbers above zero.
    pub fn parse(s: &str) -> Result<Budget, BudgetError> {
        let err = || BudgetError {
            given: s.chars().take(40).collect(),
        };
        let (n, secs) = s.trim().split_once('/').ok_or_else(err)?;
        let calls: u32 = n.trim().parse().map_err(|_| err())?;
        let per_secs: u32 = secs.trim().parse().map_err(|_| err())?;
        if calls == 0 || per_secs == 0 {
            return Err(err());
        }
        Ok(Budget { calls, per_secs })
    }

    /// The same budget used up to `percent` of it (a margin below the provider's limit), at
    /// least one call.
    pub fn at(self, percent: u32) -> Budget {
        let calls = (u64::from(self.calls) * u64::from(percent.min(100)) / 100).max(1);
        Budget {
            calls: u32::try_from(calls).unwrap_or(self.calls),
            per_secs: self.per_secs,
        }
    }

    /// Calls a second.
    pub fn per_second(self) -> f64 {
        f64::from(self.calls) / f64::from(self.per_secs)
    }

    /// How long `n` calls take at this rate, the first window's burst included.
    pub fn time_for(self, n: u64) -> Duration {
        let beyond_burst = n.saturating_sub(u64::from(self.calls));
        Duration::try_from_secs_f64(beyond_burst as f64 / self.per_second())
            .unwrap_or(Duration::MAX)
    }
}

/// A token bucket: full at the start (a window's worth of calls), refilled at the budget's
/// rate, and held shut until a `Retry-After` has passed.
#[derive(Debug, Clone)]
pub struct Bucket {
    budget: Budget,
    tokens: f64,
    last: f64,
    shut_until: f64,
}

impl Bucket {
    /// A full bucket at time `now` (seconds).
    pub fn new(budget: Budget, now: f64) -> Bucket {
        Bucket {
            budget,
            tokens: f64::from(budget.calls),
            last: now,
            shut_until: f64::NEG_INFINITY,
        }
    }

    fn refill(&mut self, now: f64) {
        if now > self.last {
            self.tokens = (self.tokens + (now - self.last) * self.budget.per_second())
                .min(f64::from(self.budget.calls));
            self.last = now;
        }
    }

    /// Takes one call's token at `now`: how many seconds to wait before making the call (0
    /// when it may go at once). The token is spent either way: the caller waits, then calls.
    pub fn take(&mut self, now: f64) -> f64 {
        self.refill(now);
        let shut = (self.shut_until - now).max(0.0);
        self.tokens -= 1.0;
        let empty = if self.tokens >= 0.0 {
            0.0
        } else {
            -self.tokens / self.budget.per_second()
        };
        shut.max(empty)
    }

    /// Counts `calls` already made in the current window (by an earlier run of the same list,
    /// before a crash): a restarted run does not get a full window's burst again.
    pub fn spent(&mut self, calls: u32) {
        self.tokens -= f64::from(calls.min(self.budget.calls));
    }

    /// The provider said to wait until `until` (seconds): no call before then.
    pub fn shut_until(&mut self, until: f64) {
        self.shut_until = self.shut_until.max(until);
    }
}

/// `Retry-After` as seconds from `now` (Unix seconds): a number of seconds, or an HTTP date
/// (RFC 9110 section 10.2.3). `None` for anything else.
pub fn retry_after(value: &str, now: i64) -> Option<u64> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs);
    }
    crate::net::parse_http_date(v).map(|at| u64::try_from(at - now).unwrap_or(0))
}

/// The wait before retry number `attempt` (1 for the first retry): doubling from `base`, at most
/// `cap`, less a share of itself given by `jitter` (0 to 1, random per call), so that many
/// workers do not retry in step.
pub fn backoff(attempt: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let doubled = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let d = doubled.min(cap);
    d.mul_f64(1.0 - 0.5 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_read_and_refused_clearly() {
        assert_eq!(
            Budget::parse("10000/900").unwrap(),
            Budget {
                calls: 10_000,
                per_secs: 900
            }
        );
        for bad in ["10000", "0/900", "10/0", "ten/900", "-1/9", ""] {
            assert!(Budget::parse(bad).is_err(), "{bad}");
        }
        let x = Budget::parse("10000/900").unwrap();
        assert_eq!(x.at(80).calls, 8_000);
        assert_eq!(Budget::parse("1/60").unwrap().at(10).calls, 1);
        // 100,000 users at 8,000 per 15 minutes: the first 8,000 at once, then 92,000 at 8.89/s.
        let t = x.at(80).time_for(100_000).as_secs();
        assert_eq!(t, 92_000 * 900 / 8_000);
        // A list too long for the budget to say is the longest wait, not a panic.
        let slow = Budget::parse(&format!("1/{}", u32::MAX)).unwrap();
        assert_eq!(slow.time_for(u64::MAX), Duration::MAX);
    }

    #[test]
    fn the_bucket_lets_a_window_through_then_paces_and_honours_retry_after() {
        let mut b = Bucket::new(Budget::parse("3/3").unwrap(), 0.0);
        let waits: Vec<f64> = (0..5).map(|_| b.take(0.0)).collect();
        assert_eq!(waits[..3], [0.0, 0.0, 0.0]);
        assert!(
            (waits[3] - 1.0).abs() < 1e-9 && (waits[4] - 2.0).abs() < 1e-9,
            "{waits:?}"
        );
        // Refilled by the time passed, never beyond a window.
        let mut b = Bucket::new(Budget::parse("3/3").unwrap(), 0.0);
        for _ in 0..3 {
            b.take(0.0);
        }
        assert_eq!(b.take(100.0), 0.0);
        assert_eq!(b.take(100.0), 0.0);
        assert_eq!(b.take(100.0), 0.0);
        assert!(b.take(100.0) > 0.0);
        // A Retry-After shuts it whatever the tokens say.
        let mut b = Bucket::new(Budget::parse("100/1").unwrap(), 0.0);
        b.shut_until(30.0);
        assert_eq!(b.take(10.0), 20.0);
        assert_eq!(b.take(31.0), 0.0);
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        assert_eq!(retry_after("120", 0), Some(120));
        let now = crate::net::parse_http_date("Wed, 02 Dec 2026 19:30:00 GMT").unwrap();
        assert_eq!(retry_after("Wed, 02 Dec 2026 19:31:30 GMT", now), Some(90));
        assert_eq!(retry_after("Wed, 02 Dec 2026 19:29:00 GMT", now), Some(0));
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn backoff_doubles_to_its_cap_and_jitter_only_shortens_it() {
        let (base, cap) = (Duration::from_secs(1), Duration::from_secs(30));
        let waits: Vec<u64> = (1..=7)
            .map(|a| backoff(a, base, cap, 0.0).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(backoff(3, base, cap, 1.0), Duration::from_secs(2));
        assert_eq!(backoff(40, base, cap, 0.0), cap);
    }

    #[test]
    fn calls_made_before_a_restart_count_against_the_window() {
        let b = Budget::parse("10/10").unwrap();
        let mut fresh = Bucket::new(b, 0.0);
        let mut restarted = Bucket::new(b, 0.0);
        restarted.spent(8);
        let waits = |k: &mut Bucket| (0..10).filter(|_| k.take(0.0) > 0.0).count();
        assert_eq!(waits(&mut fresh), 0, "a fresh window's burst");
        assert_eq!(waits(&mut restarted), 8, "only two left in the window");
        // Never more than a window's worth is counted.
        let mut over = Bucket::new(b, 0.0);
        over.spent(1000);
        assert_eq!(over.take(0.0), 1.0, "one call's time past an empty bucket");
    }
}
