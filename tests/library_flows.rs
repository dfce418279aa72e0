//! The library's flows driven through the `Interaction` trait, with no CLI process: a scripted
//! person answers, and the real peers (oidc-provider over HTTPS, Chromium doing the consent)
//! play their parts.

mod common;

use common::*;
use std::cell::RefCell;
use std::sync::mpsc::Receiver;

use oauth1to2::connect::{connect_profile, prompt_secret_to_file, BrowserOptions};
use oauth1to2::interact::{AuthorizePrompt, Interaction, Level};
use oauth1to2::oauth2::profile::{Config, Grant, Paths, Profile};
use oauth1to2::secret::Password;

/// A person who answers from a script and approves the consent in Chromium.
struct Scripted {
    secret: Option<&'static str>,
    notices: RefCell<Vec<(Level, String)>>,
    urls: RefCell<Vec<String>>,
    browsers: RefCell<Vec<std::process::Child>>,
}

impl Drop for Scripted {
    /// The browser processes end by themselves once the consent is done; reap them.
    fn drop(&mut self) {
        for mut b in self.browsers.take() {
            let _ = b.wait();
        }
    }
}

impl Scripted {
    fn new(secret: Option<&'static str>) -> Scripted {
        Scripted {
            secret,
            notices: RefCell::default(),
            urls: RefCell::default(),
            browsers: RefCell::default(),
        }
    }
}

impl Interaction for Scripted {
    fn notice(&self, level: Level, message: &str) {
        self.notices.borrow_mut().push((level, message.to_owned()));
    }

    fn ask_secret(&self, _prompt: &str) -> Option<Password> {
        self.secret.map(|s| Password::new(s.to_owned()))
    }

    fn ask(&self, _prompt: &str) -> Option<String> {
        None
    }

    fn authorize(&self, p: &AuthorizePrompt<'_>) -> Option<Receiver<String>> {
        assert!(p.open_browser);
        assert!(p.listening.iter().all(|a| a.ip().is_loopback()));
        self.urls.borrow_mut().push(p.url.to_owned());
        // The browser, as `connect` would start it: Chromium through consent.mjs, in the
        // background, while the library's listener waits.
        let browser = std::process::Command::new("node")
            .arg(root().join("tests/peers/consent.mjs"))
            .arg(p.url)
            .env("CHROMIUM", chromium())
            .env("CONSENT_ACTION", "approve")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("node runs consent.mjs");
        self.browsers.borrow_mut().push(browser);
        None
    }
}

fn profile(peer: &OidcPeer, client: &str, grant: Grant) -> Profile {
    let mut p = Profile::new(client);
    p.use_issuer(&peer.issuer);
    p.api_base = Some(peer.issuer.clone());
    p.ca_file = Some(peer.ca_file.clone());
    p.redirect_port = 0;
    p.redirect_host = "127.0.0.1".into();
    p.grant = grant;
    p.scopes = desk::SCOPES.split(' ').map(String::from).collect();
    p
}

/// The library's whole connect for `name`, browser opened, a minute to finish.
fn connect(name: &str, p: Profile, paths: &Paths, ui: &Scripted) -> oauth1to2::Connected {
    let options = BrowserOptions {
        no_browser: false,
        timeout: 60,
    };
    connect_profile(name, p, &options, paths, Config::default(), ui).expect("connected")
}

#[test]
fn a_whole_pkce_connect_through_the_interaction_trait() {
    if oidc_peers().is_none() {
        return;
    }
    let peer = OidcPeer::start(0);
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    let ui = Scripted::new(None);
    let out = connect("acme", profile(&peer, "pkce-app", Grant::Pkce), &paths, &ui);
    assert_eq!(out.profile, "acme");
    assert_eq!(out.grant, "pkce");
    assert!(out.refresh_token);
    assert!(out.id_token_subject.is_some(), "the id token was checked");
    assert_eq!(ui.urls.borrow().len(), 1);
    assert!(ui.urls.borrow()[0].contains("code_challenge_method=S256"));
    // Saved: the profile in the config, the tokens in a 0600 file.
    let config = Config::load(&paths.config_file).unwrap();
    assert_eq!(config.get("acme").unwrap().client_id, "pkce-app");
    let tokens = paths.token_file("acme");
    assert_eq!(desk::mode(&tokens), 0o600);
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&tokens).unwrap()).unwrap();
    assert!(t["refresh_token"].is_string());
    assert_eq!(peer.count("authorization_code:success"), 1);
    assert!(ui.notices.borrow().is_empty(), "{:?}", ui.notices.borrow());
}

#[test]
fn a_prompted_secret_and_client_credentials_through_the_trait() {
    if oidc_peers().is_none() {
        return;
    }
    let peer = OidcPeer::start(0);
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    let ui = Scripted::new(Some(CC_SECRET));
    let mut p = profile(&peer, "cc-app", Grant::ClientCredentials);
    p.scopes = vec!["accounting.settings.read".into()];
    p.client_secret = Some(prompt_secret_to_file("cc", &paths, &ui).unwrap());
    let out = connect("cc", p, &paths, &ui);
    assert_eq!(out.grant, "client_credentials");
    assert!(!out.refresh_token);
    assert!(
        ui.urls.borrow().is_empty(),
        "no browser for client credentials"
    );
    assert_eq!(peer.count("client_credentials:success"), 1);
    let secret_file = home.path().join("secrets/cc.secret");
    assert_eq!(desk::mode(&secret_file), 0o600);
    // No one to ask: a clear error, nothing written.
    let nobody = Scripted::new(None);
    let err = prompt_secret_to_file("other", &paths, &nobody).unwrap_err();
    assert!(err.to_string().contains("no terminal"), "{err}");
    assert!(!home.path().join("secrets/other.secret").exists());
}
