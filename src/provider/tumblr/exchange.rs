//! Tumblr's exchange: `POST https://api.tumblr.com/v2/oauth2/exchange`, signed with OAuth 1.0a
//! HMAC-SHA1 (the only method Tumblr takes) in the `Authorization` header, no parameters. 200
//! carries the pair; 401 means the signature or a token was refused. A successful exchange
//! spends the old token, so a request whose answer a crash lost is not sent again: the old
//! token is probed with one signed `GET /v2/user/info`, and a refusal there puts the user on the
//! re-consent list. Source: tumblr/docs, api.md ("OAuth 2", "Exchanging OAuth1 credentials").

use crate::exchange::input::UserToken;
use crate::exchange::rate::Budget;
use crate::exchange::run::{AfterCrash, Answer, Exchanger};
use crate::exchange::spec::{self, App, ExchangeSpec};

/// The spec.
pub static SPEC: ExchangeSpec = ExchangeSpec {
    endpoint: "https://api.tumblr.com/v2/oauth2/exchange",
    api_base: "https://api.tumblr.com",
    budget: Budget {
        calls: 1_000,
        per_secs: 3_600,
    },
    budget_percent: 80,
    budget_source: "Tumblr: 1,000 calls an hour per consumer key (documented for the API; whether the exchange counts is not)",
    needs_consumer_secret: true,
    needs_client_id: false,
    after_crash: "not exchanged again: the old token is probed (GET /v2/user/info); if Tumblr refuses it, the exchange happened and its pair was lost, so the user must consent again",
    unconfirmed: &[
        "whether the exchange counts against Tumblr's API limits",
        "no end date for Tumblr's OAuth 1.0a has been announced",
    ],
    sources: &["tumblr/docs: api.md, \"OAuth 2\" (https://github.com/tumblr/docs/blob/master/api.md)"],
    exchanger: |app| Box::new(TumblrExchange(app)),
};

struct TumblrExchange(App);

impl Exchanger for TumblrExchange {
    fn exchange(&self, user: &UserToken) -> Answer {
        let app = &self.0;
        let sent = spec::oauth1_request(app, "POST", &app.endpoint, &[], user).and_then(spec::send);
        let reply = match spec::read(sent, user) {
            Ok(answer) => return answer,
            Err(reply) => reply,
        };
        let said = spec::said(&reply, user);
        match reply.status {
            // Tumblr does not tell a refused user token from a refused consumer: the run's
            // check of refusals in a row stops it when it is the app.
            401 => Answer::UserRefused(format!(
                "{said}: Tumblr refuses this user's token (revoked, or already exchanged)"
            )),
            _ => Answer::Unexpected(format!(
                "{said}: an answer oauth1to2 does not expect from Tumblr's exchange (400: the request was not OAuth 1.0a)"
            )),
        }
    }

    fn after_crash(&self, user: &UserToken) -> AfterCrash {
        let app = &self.0;
        let url = format!("{}/v2/user/info", app.api_base.trim_end_matches('/'));
        match spec::oauth1_request(app, "GET", &url, &[], user).and_then(spec::send) {
            Ok(r) if r.status == 200 => AfterCrash::ExchangeAgain,
            Ok(r) if r.status == 401 => AfterCrash::Reconsent(
                "a crash lost the answer to this user's exchange, and Tumblr now refuses the old token: the exchange happened, its pair is lost".into(),
            ),
            Ok(r) => AfterCrash::NotNow(format!(
                "could not tell whether the exchange a crash interrupted happened: {}",
                spec::said(&r, user)
            )),
            Err(e) => AfterCrash::NotNow(format!(
                "could not tell whether the exchange a crash interrupted happened: {e}"
            )),
        }
    }
}
