//! Per-user token exchange: trading each user's OAuth 1.0a token for an OAuth 2.0 pair without a
//! new consent, in bulk and resumably (issue 20). So far: the list of users ([`input`]), the
//! journal every pair is kept in before anything else ([`journal`]) and the rate budget
//! ([`rate`]).

pub mod input;
pub mod journal;
pub mod rate;
