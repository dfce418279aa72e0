//! The bridge's parsers on arbitrary input: its configuration file (first byte 0), and the
//! checks of a legacy client's request (any other first byte: method, URL, Authorization
//! header and form body, one per line) against an HMAC-SHA1 route and an RSA-SHA1 route.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::bridge::{config, inbound};
use oauth1to2::oauth1::verify::CapturedRequest;
use std::path::Path;

const ROUTES: &str = r#"
[[route]]
prefix = "/hmac/"
profile = "p"
[route.inbound]
signature_method = "HMAC-SHA1"
consumer_key = "key"
consumer_secret_env = "SECRET"
token = "token"
token_secret_env = "SECRET"

[[route]]
prefix = "/rsa/"
profile = "p"
[route.inbound]
signature_method = "RSA-SHA1"
consumer_key = "key"
certificate = "keys/publickey.cer"
"#;

fuzz_target!(|data: &[u8]| {
    let fixtures = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures"));
    let env = |_: &str| Some("secret".to_owned());
    let Some((first, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    if *first == 0 {
        let _ = config::parse(&text, Path::new("fuzz.toml"), fixtures, &env);
        return;
    }
    let conf = config::parse(ROUTES, Path::new("fuzz.toml"), fixtures, &env).expect("routes");
    let mut lines = text.splitn(4, '\n');
    let method = lines.next().unwrap_or("GET").to_owned();
    let url = format!("http://bridge.test{}", lines.next().unwrap_or("/"));
    let authorization = lines.next().map(str::to_owned);
    let body = lines.next().unwrap_or("");
    let form = oauth1to2::oauth1::parse_params(body, "form body").unwrap_or_default();
    let req = CapturedRequest { method, url, authorization, form };
    for route in &conf.routes {
        let signed = inbound::Signed {
            request: &req,
            body: Some(body.as_bytes()),
            form_body: *first % 2 == 0,
            has_body: !body.is_empty(),
        };
        let _ = inbound::check(&route.inbound, &signed, 300, *first % 3 == 0, 1_800_000_000);
    }
});
