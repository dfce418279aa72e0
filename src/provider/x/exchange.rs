//! X's exchange: `POST https://api.x.com/2/oauth2/token` with RFC 8693's grant, the user's
//! OAuth 1.0a token as the subject token (X's type `urn:x:params:oauth:token-type:oauth1_token`)
//! and its secret as `oauth_token_secret`; a confidential client authenticates with HTTP Basic
//! (its OAuth 2.0 client id and secret), a public one names its `client_id` in the body. The
//! OAuth 1.0a consumer key is not used. A second exchange for a user returns a new pair and
//! invalidates the first, so after a crash the user is exchanged again: the pair the crash lost
//! dies, the new one is kept. Source: xdevplatform/docs, "OAuth 1.0a token exchange"
//! (fundamentals/authentication/oauth-2-0/oauth-1-0a-token-exchange.mdx, pull request #438).

use crate::exchange::input::UserToken;
use crate::exchange::rate::Budget;
use crate::exchange::run::{AfterCrash, Answer, Exchanger};
use crate::exchange::spec::{self, App, ExchangeSpec};
use crate::form::percent_encode;

/// RFC 8693's grant type.
const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// X's subject token type for an OAuth 1.0a access token.
const SUBJECT_TYPE: &str = "urn:x:params:oauth:token-type:oauth1_token";

/// The spec.
pub static SPEC: ExchangeSpec = ExchangeSpec {
    endpoint: "https://api.x.com/2/oauth2/token",
    api_base: "https://api.x.com",
    budget: Budget {
        calls: 10_000,
        per_secs: 900,
    },
    budget_percent: 80,
    budget_source: "X: 10,000 exchanges per 15 minutes per app and source IP (documented)",
    needs_consumer_secret: false,
    needs_client_id: true,
    after_crash: "exchanged again: X returns a new pair and the one the crash lost stops working",
    unconfirmed: &[
        "X's page on the exchange was a pull request (xdevplatform/docs #438), not merged when read",
        "X has announced no date for the end of OAuth 1.0a",
    ],
    sources: &[
        "xdevplatform/docs: fundamentals/authentication/oauth-2-0/oauth-1-0a-token-exchange.mdx (pull request #438, September 2026)",
        "https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token",
    ],
    exchanger: |app| Box::new(XExchange(app)),
};

struct XExchange(App);

impl Exchanger for XExchange {
    fn exchange(&self, user: &UserToken) -> Answer {
        let app = &self.0;
        let mut form: Vec<(String, String)> = vec![
            ("grant_type".into(), GRANT.into()),
            ("subject_token".into(), user.token.expose().into()),
            ("subject_token_type".into(), SUBJECT_TYPE.into()),
            (
                "oauth_token_secret".into(),
                user.token_secret.expose().into(),
            ),
        ];
        if let Some(s) = &app.scope {
            form.push(("scope".into(), s.clone()));
        }
        let mut req = app
            .http
            .post(&app.endpoint)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json");
        let id = app.client_id.clone().unwrap_or_default();
        match &app.client_secret {
            // RFC 6749 section 2.3.1: each part form-encoded, then Basic.
            Some(secret) => {
                req = req.basic_auth(percent_encode(&id), Some(percent_encode(secret.expose())))
            }
            None => form.push(("client_id".into(), id)),
        }
        let sent = spec::send(req.body(spec::form_body(&form).as_bytes().to_vec()));
        let reply = match spec::read(sent, user) {
            Ok(answer) => return answer,
            Err(reply) => reply,
        };
        let code = spec::error_of(&reply.body).unwrap_or_default();
        let code = code.split(':').next().unwrap_or("");
        let said = spec::said(&reply, user);
        match (reply.status, code) {
            (400, "invalid_grant") => Answer::UserRefused(format!(
                "{said}: X refuses this user's token (revoked, invalid, or not this app's)"
            )),
            (_, "invalid_client" | "unauthorized_client") | (401, _) => Answer::AppRefused(format!(
                "{said}: X refuses the app: check the OAuth 2.0 client id and secret, and that OAuth 2.0 is on for the app"
            )),
            _ => Answer::Unexpected(format!(
                "{said}: an answer oauth1to2 does not expect from X's exchange (a request or scope it refuses)"
            )),
        }
    }

    fn after_crash(&self, _: &UserToken) -> AfterCrash {
        AfterCrash::ExchangeAgain
    }
}
