//! Per-user token exchange: trading each user's OAuth 1.0a token for an OAuth 2.0 pair without a
//! new consent, in bulk and resumably (issue 20). So far: the list of users ([`input`]) and the
//! journal every pair is kept in before anything else ([`journal`]).

pub mod input;
pub mod journal;
