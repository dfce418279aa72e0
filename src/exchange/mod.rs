//! Per-user token exchange: trading each user's OAuth 1.0a token for an OAuth 2.0 pair without a
//! new consent, in bulk and resumably. [`job`] is the entry point (a plan for `--dry-run`, and
//! the run); the list of users comes from a file ([`input`]) or a PostgreSQL table
//! ([`postgres`]); every pair is kept in the [`journal`] before anything else; the workers of
//! [`run`] share the rate budget ([`rate`]) and take per-user locks ([`lock`]); a provider's
//! side is its [`spec::ExchangeSpec`] (in its folder); [`output`] writes the CSV from the
//! journal.

pub mod input;
pub mod job;
pub mod journal;
pub mod lock;
pub mod output;
pub mod postgres;
pub mod rate;
pub mod run;
pub mod spec;
