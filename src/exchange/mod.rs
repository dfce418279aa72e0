//! Per-user token exchange: trading each user's OAuth 1.0a token for an OAuth 2.0 pair without a
//! new consent, in bulk and resumably (issue 20). So far: the list of users ([`input`]), the
//! journal every pair is kept in before anything else ([`journal`]), the rate budget
//! ([`rate`]), the loop of one worker over a provider's [`run::Exchanger`] ([`run`]) and the
//! output written from the journal ([`output`]), and the per-user locks workers take
//! ([`lock`]). Not yet: the providers' exchangers, several workers in the loop, the command.

pub mod input;
pub mod journal;
pub mod lock;
pub mod output;
pub mod rate;
pub mod run;
pub mod spec;
