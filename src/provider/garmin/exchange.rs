//! Garmin's exchange, in two signed calls per user (OAuth 1.0a HMAC-SHA1, the app's consumer and
//! the user's token): first `GET /wellness-api/rest/user/id` for the user's `userId` (after the
//! exchange the access token no longer identifies the user, and Garmin asks partners to fetch
//! every userId first), then `POST /partner-gateway/rest/user/token-exchange`. The userId is
//! kept with the pair (the output's `provider_user_id`).
//!
//! Unconfirmed (Garmin's guide is behind its portal's login): the exchange's body (sent empty
//! and signed, as one public migration script does; another sends a form body), its answer's
//! fields (read as an OAuth 2.0 token answer, every field kept), its rate limit, and whether it
//! spends the OAuth 1.0a token. Until known, a request a crash interrupted is treated as if it
//! did: the old token is probed with the userId call, and a refusal means re-consent.

use crate::exchange::input::UserToken;
use crate::exchange::rate::Budget;
use crate::exchange::run::{AfterCrash, Answer, Exchanger, PROVIDER_USER_ID};
use crate::exchange::spec::{self, App, ExchangeSpec};

/// The spec.
pub static SPEC: ExchangeSpec = ExchangeSpec {
    endpoint: "https://apis.garmin.com/partner-gateway/rest/user/token-exchange",
    api_base: "https://apis.garmin.com",
    // Not documented: one public script goes one user at a time with 500 ms pauses.
    budget: Budget {
        calls: 2,
        per_secs: 1,
    },
    budget_percent: 100,
    budget_source: "Garmin: not documented; 2 a second, as one public migration script paces itself (our guess: raise the rate once Garmin says what it allows)",
    needs_consumer_secret: true,
    needs_client_id: false,
    after_crash: "not exchanged again until the old token is probed (the userId call); if Garmin refuses it, the user must consent again",
    unconfirmed: &[
        "the exchange's request body (sent empty and signed; one public script sends a form body)",
        "the answer's fields (read as an OAuth 2.0 token answer; every field is kept)",
        "the rate limit of the exchange",
        "whether a successful exchange spends the OAuth 1.0a token, and whether a second is allowed",
        "Garmin's own announcement is behind its portal's login; the end date (2026-12-31) is from Garmin's e-mail to partners, quoted in public issues",
    ],
    sources: &[
        "Garmin's e-mail to partners (October 2025), quoted in stoufa06/php-garmin-connect-api#23 and marazt/garmin-connect-client#11",
        "public Garmin integrations' code for GET /wellness-api/rest/user/id and POST /partner-gateway/rest/user/token-exchange",
    ],
    exchanger: |app| Box::new(GarminExchange(app)),
};

struct GarminExchange(App);

enum UserId {
    Found(String),
    Refused(String),
    Other(Answer),
}

impl GarminExchange {
    fn user_id(&self, user: &UserToken) -> UserId {
        let app = &self.0;
        let url = format!(
            "{}/wellness-api/rest/user/id",
            app.api_base.trim_end_matches('/')
        );
        let reply = match spec::oauth1_request(app, "GET", &url, &[], user).and_then(spec::send) {
            Ok(r) => r,
            Err(e) => return UserId::Other(spec::network(e)),
        };
        if reply.status == 200 {
            let id = serde_json::from_str::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|v| match v.get("userId") {
                    Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
                    Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                });
            return match id {
                Some(id) => UserId::Found(id),
                None => UserId::Other(Answer::Unexpected(
                    "Garmin's user id answer has no userId".into(),
                )),
            };
        }
        if let Some(a) = spec::not_now(&reply, user) {
            return UserId::Other(a);
        }
        let said = spec::said(&reply, user);
        match reply.status {
            401 | 403 => UserId::Refused(format!(
                "{said}: Garmin refuses this user's token for the userId call (revoked, or the user left the app)"
            )),
            _ => UserId::Other(Answer::Unexpected(format!(
                "{said}: an answer oauth1to2 does not expect from Garmin's userId call"
            ))),
        }
    }
}

impl Exchanger for GarminExchange {
    fn exchange(&self, user: &UserToken) -> Answer {
        let id = match self.user_id(user) {
            UserId::Found(id) => id,
            UserId::Refused(why) => return Answer::UserRefused(why),
            UserId::Other(a) => return a,
        };
        let app = &self.0;
        let sent = spec::oauth1_request(app, "POST", &app.endpoint, &[], user).and_then(spec::send);
        let reply = match spec::read(sent, user) {
            Ok(mut answer) => {
                if let Answer::Pair { other, .. } = &mut answer {
                    other.insert(PROVIDER_USER_ID.into(), id.into());
                }
                return answer;
            }
            Err(reply) => reply,
        };
        let said = spec::said(&reply, user);
        match reply.status {
            // The same signature was just taken for the userId: the app is not converted.
            401 | 403 => Answer::AppRefused(format!(
                "{said}: Garmin refused the exchange though it took the same signature for the userId: Garmin has not converted this app to OAuth 2.0 yet (e-mail connect-support@developer.garmin.com with the consumer key)"
            )),
            _ => Answer::Unexpected(format!(
                "{said}: an answer oauth1to2 does not expect from Garmin's exchange"
            )),
        }
    }

    fn after_crash(&self, user: &UserToken) -> AfterCrash {
        match self.user_id(user) {
            UserId::Found(_) => AfterCrash::ExchangeAgain,
            UserId::Refused(_) => AfterCrash::Reconsent(
                "a crash lost the answer to this user's exchange, and Garmin now refuses the old token: the exchange happened, its pair is lost".into(),
            ),
            UserId::Other(Answer::TryLater { reason, .. } | Answer::Unexpected(reason)) => {
                AfterCrash::NotNow(format!(
                    "could not tell whether the exchange a crash interrupted happened: {reason}"
                ))
            }
            UserId::Other(_) => AfterCrash::NotNow(
                "could not tell whether the exchange a crash interrupted happened".into(),
            ),
        }
    }
}
