//! The library's flows driven through the `Interaction` trait, with no CLI process: a scripted
//! person answers, and the real peers (oidc-provider over HTTPS, Chromium doing the consent)
//! play their parts.

mod common;

use common::*;
use std::cell::RefCell;
use std::sync::mpsc::Receiver;

use oauth1to2::connect::{connect_profile, prompt_secret_to_file, BrowserOptions};
use oauth1to2::interact::{AuthorizePrompt, Interaction, Level, Progress};
use oauth1to2::migrate::{self, Migration, Options, RunError, Step};
use oauth1to2::oauth2::profile::{Config, Grant, Paths, Profile};
use oauth1to2::secret::Password;

/// A person who answers from a script and approves the consent in Chromium.
struct Scripted {
    secret: Option<&'static str>,
    /// What `ask` answers (the client id), and which organisation `choose` picks.
    answer: Option<&'static str>,
    pick: Option<&'static str>,
    /// The options `choose` was shown, and the progress lines.
    shown_options: RefCell<Vec<String>>,
    progress: RefCell<Vec<String>>,
    notices: RefCell<Vec<(Level, String)>>,
    urls: RefCell<Vec<String>>,
    browsers: RefCell<Vec<std::process::Child>>,
}

impl Drop for Scripted {
    /// The browser processes end by themselves once the consent is done; reap them.
    fn drop(&mut self) {
        for mut b in self.browsers.take() {
            let _ = wait_within(&mut b, std::time::Duration::from_secs(120));
        }
    }
}

impl Scripted {
    fn new(secret: Option<&'static str>) -> Scripted {
        Scripted {
            secret,
            answer: None,
            pick: None,
            shown_options: RefCell::default(),
            progress: RefCell::default(),
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
        self.answer.map(str::to_owned)
    }

    fn choose(&self, _question: &str, options: &[String]) -> Option<usize> {
        self.shown_options.borrow_mut().extend_from_slice(options);
        let pick = self.pick?;
        options.iter().position(|o| o.starts_with(pick))
    }

    fn progress(&self, event: &Progress<'_>) {
        self.progress.borrow_mut().push(event.to_string());
    }

    fn authorize(&self, p: &AuthorizePrompt<'_>) -> Option<Receiver<String>> {
        assert!(p.open_browser);
        assert!(!p.listening.is_empty() && p.listening.iter().all(|a| a.ip().is_loopback()));
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
    oauth1to2::provider::use_issuer(&mut p, &peer.issuer);
    p.api_base = Some(peer.issuer.clone());
    // The test provider stands in for Xero's identity server: its API is Xero's.
    p.api = Some(oauth1to2::provider::ProviderId::new("xero"));
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
    connect_profile(name, p, &options, paths, ui).expect("connected")
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

/// The Opmetrix example moved to a Web app, for an organisation the provider does not have by
/// that name (so the tenant must be chosen).
fn inventory(dir: &std::path::Path) -> std::path::PathBuf {
    let text = format!(
        r#"name = "Opmetrix"
app_type = "private"
organisation = "Someone Else Ltd"
consumer_key = "PLACEHOLDER0CONSUMER0KEY0OPMETRIX0000"

[certificate]
path = "{}"

[endpoints]
calls = ["GET Contacts", "GET Invoices", "POST Invoices", "GET Accounts"]

[target]
kind = "web"
"#,
        root().join("fixtures/opmetrix/publickey.cer").display()
    );
    let p = dir.join("integration.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// A migration of `inv` with nothing given: each test says what it gives.
fn options_for(inv: &std::path::Path) -> Options {
    Options {
        inventory: inv.to_path_buf(),
        dry_run: false,
        restart: false,
        profile: None,
        client_id: None,
        client_secret: None,
        tenant: None,
        browser: BrowserOptions {
            no_browser: true,
            timeout: 5,
        },
        overrides: Default::default(),
        token_batch: None,
        assertion_key: None,
        certificate_id: None,
        certificate_uploaded: false,
    }
}

fn steps(inv: &std::path::Path) -> Vec<String> {
    let state = migrate::load_state(&migrate::state_path(inv))
        .unwrap()
        .expect("a state file");
    state
        .steps
        .iter()
        .map(|s| s.step.as_str().to_owned())
        .collect()
}

#[test]
fn a_migration_through_the_trait_stops_where_a_person_is_missing_and_resumes() {
    if oidc_peers().is_none() {
        return;
    }
    let peer = OidcPeer::start(0);
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    let inv = inventory(home.path());
    let secret_file = home.path().join("web.secret");
    std::fs::write(&secret_file, format!("{WEB_SECRET}\n")).unwrap();
    let mut options = Options {
        client_secret: Some(oauth1to2::oauth2::profile::SecretRef::File(secret_file)),
        browser: BrowserOptions {
            no_browser: false,
            timeout: 60,
        },
        overrides: oauth1to2::oauth2::profile::Overrides {
            issuer: Some(peer.issuer.clone()),
            api_base: Some(peer.issuer.clone()),
            api: Some(oauth1to2::provider::ProviderId::new("xero")),
            ca_file: Some(peer.ca_file.clone()),
            port: Some(0),
            redirect_host: Some("127.0.0.1".into()),
            ..Default::default()
        },
        ..options_for(&inv)
    };

    // 1. No client id and no one to ask: audit and plan are saved, then it stops.
    let nobody = Scripted::new(None);
    let err = migrate::migrate(&options, &paths, &nobody).unwrap_err();
    assert!(matches!(err, RunError::NotGiven("client id")), "{err}");
    assert_eq!(steps(&inv), ["audit", "plan"]);
    let shown = nobody.progress.borrow().join("\n");
    assert!(
        shown.contains("[1/8 audit] Opmetrix (private app)"),
        "{shown}"
    );
    assert!(
        shown.contains("[2/8 plan] create the new Xero app"),
        "{shown}"
    );
    assert!(nobody.urls.borrow().is_empty(), "no consent yet");

    // 2. The client id is answered; the consent runs in Chromium, then the organisation's
    // name matches no connected one and no one chooses: it stops after `connect`.
    let mut person = Scripted::new(None);
    person.answer = Some("web-app");
    let err = migrate::migrate(&options, &paths, &person).unwrap_err();
    let RunError::TenantNotChosen { several, list, .. } = &err else {
        panic!("{err}")
    };
    assert!(!several);
    assert!(
        list.contains("Maple Florist") && list.contains("Opmetrix Demo Ltd"),
        "{list}"
    );
    assert_eq!(steps(&inv), ["audit", "plan", "credentials", "connect"]);
    assert_eq!(person.urls.borrow().len(), 1);
    assert!(
        person
            .shown_options
            .borrow()
            .iter()
            .any(|o| o.starts_with("Maple Florist (")),
        "{:?}",
        person.shown_options.borrow()
    );
    let shown = person.progress.borrow().join("\n");
    assert!(
        shown.contains("Resuming the migration of Opmetrix at step 3"),
        "{shown}"
    );
    drop(person);

    // 3. The person picks Opmetrix Demo Ltd: it goes on from the tenant, with no second
    // consent, and finishes.
    let mut person = Scripted::new(None);
    person.pick = Some("Opmetrix Demo Ltd");
    options.client_id = Some("ignored-now".into());
    let Migration::Steps(out) = migrate::migrate(&options, &paths, &person).expect("finished")
    else {
        panic!("not a partner batch")
    };
    assert!(out.complete);
    assert_eq!(
        out.steps.iter().map(|s| s.step).collect::<Vec<_>>(),
        Step::ALL
    );
    assert!(person.urls.borrow().is_empty(), "no second consent");
    assert_eq!(peer.count("authorization_code:success"), 1);
    assert!(
        peer.count("xero:organisation") >= 1,
        "the verification call was made"
    );
    let state = migrate::load_state(&migrate::state_path(&inv))
        .unwrap()
        .unwrap();
    assert_eq!(
        state.client_id.as_deref(),
        Some("web-app"),
        "the saved id is kept"
    );
    assert_eq!(state.tenant_name.as_deref(), Some("Opmetrix Demo Ltd"));
    let config = Config::load(&paths.config_file).unwrap();
    let p = config.get("opmetrix").unwrap();
    assert_eq!(p.tenant_id, state.tenant_id);
    assert_eq!(p.grant, Grant::AuthorizationCode);
    assert!(inv.with_file_name("integration.handoff.env").exists());
    assert!(inv
        .with_file_name("integration.migration-record.md")
        .exists());
}

/// A long-running caller holds one `Session` and uses it from several threads at once: the
/// expired token is renewed exactly once (under the store's lock), every thread's call goes
/// through with the renewed token, and the rotated refresh token is the one kept.
#[test]
fn one_session_serves_several_threads_and_renews_once() {
    if oidc_peers().is_none() {
        return;
    }
    let peer = OidcPeer::start(0);
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    let ui = Scripted::new(None);
    let mut p = profile(&peer, "pkce-app", Grant::Pkce);
    p.tenant_id = Some("70784a63-d24b-46a9-a4db-0e70a274b056".into());
    connect("acme", p, &paths, &ui);
    drop(ui);
    let session = oauth1to2::session::Session::open("acme", &paths).expect("opened");
    assert_eq!(session.provider.id, "oidc");
    assert_eq!(session.api.id, "xero", "the API it stands in for");
    // The access token is about to expire: every caller needs a new one.
    let mut t = session.tokens.load().unwrap().unwrap();
    let old_refresh = t.refresh_token.as_ref().unwrap().expose().to_owned();
    t.expires_at = Some(oauth1to2::oauth2::now() + 5);
    session.tokens.replace(&t).unwrap();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let ui = Scripted::new(None);
                    session
                        .api_call(
                            &oauth1to2::api::ApiRequest {
                                method: "GET",
                                path: "/api.xro/2.0/Organisation",
                                body: None,
                                tenant_id: session.profile.tenant_id.as_deref(),
                                max_wait: std::time::Duration::from_secs(5),
                            },
                            &ui,
                        )
                        .expect("the call went through")
                        .response
                        .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses, [200, 200, 200, 200]);
    assert_eq!(peer.count("refresh_token:success"), 1, "renewed once");
    assert_eq!(peer.count("refresh_token:error"), 0);
    assert_eq!(peer.count("xero:organisation"), 4);
    let kept = session.tokens.load().unwrap().unwrap();
    assert_ne!(
        kept.refresh_token.as_ref().unwrap().expose(),
        old_refresh,
        "the rotated refresh token is the one kept"
    );
}

/// The NetSuite TBA example moved to machine-to-machine through the library alone: the key and
/// certificate are made, the run stops for the Certificate ID when no one can give it, and
/// finishes once it is given (the certificate uploaded: here, served to oidc-provider from its
/// jwks_uri), with a REST read per record type through the session.
#[test]
fn a_netsuite_migration_through_the_trait() {
    if oidc_peers().is_none() {
        return;
    }
    let peer = OidcPeer::start(0);
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    let dir = home.path().join("harbour");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["integration.toml", "traffic.har"] {
        std::fs::copy(root().join("fixtures/netsuite").join(f), dir.join(f)).unwrap();
    }
    let inv = dir.join("integration.toml");
    let mut options = Options {
        client_id: Some("ns-migrate".into()),
        overrides: oauth1to2::oauth2::profile::Overrides {
            token_endpoint: Some(format!("{}/token", peer.issuer)),
            api_base: Some(format!("{}/services/rest", peer.issuer)),
            ca_file: Some(peer.ca_file.clone()),
            ..Default::default()
        },
        ..options_for(&inv)
    };

    // 1. No one to give the Certificate ID: the key and certificate are made, then it stops.
    let nobody = Scripted::new(None);
    let err = migrate::migrate(&options, &paths, &nobody).unwrap_err();
    assert!(matches!(err, RunError::NotGiven("certificate id")), "{err}");
    let shown = nobody.progress.borrow().join("\n");
    assert!(
        shown.contains("create the new NetSuite integration record"),
        "{shown}"
    );
    let cert = dir.join("integration.m2m/netsuite-publickey.cer");
    assert!(cert.exists() && dir.join("integration.m2m/netsuite-privatekey.pem").exists());
    assert_eq!(steps(&inv), ["audit", "plan"]);

    // 2. The certificate is uploaded (the provider reads it from its jwks_uri), its id given.
    std::fs::copy(&cert, peer.assertion_keys.join("ns-migrate.cer")).unwrap();
    std::fs::write(peer.assertion_keys.join("ns-migrate.kid"), "ns-cert-1").unwrap();
    options.certificate_id = Some("ns-cert-1".into());
    let person = Scripted::new(None);
    let Migration::Steps(out) = migrate::migrate(&options, &paths, &person).expect("finished")
    else {
        panic!("not a partner batch")
    };
    assert!(out.complete);
    assert_eq!(
        out.steps.iter().map(|s| s.step).collect::<Vec<_>>(),
        Step::ALL
    );
    assert!(person.urls.borrow().is_empty(), "no browser for M2M");
    assert_eq!(peer.count("client_credentials:success"), 1);
    assert_eq!(peer.count("netsuite:record:customer"), 1);
    assert_eq!(peer.count("netsuite:record:salesOrder"), 1);
    let last = &peer.stats()["last_assertion"];
    assert_eq!(last["header"]["kid"], "ns-cert-1", "{last}");
    assert_eq!(last["claims"]["iss"], "ns-migrate", "{last}");
    // The profile is NetSuite's, with the account; a session on it finds no tenants to pick.
    let session =
        oauth1to2::session::Session::open(&out.profile, &paths).expect("the migrated profile");
    assert_eq!(session.provider.id, "netsuite");
    assert!(session.api.tenants.is_none());
    assert_eq!(session.profile.account.as_deref(), Some("1234567_SB1"));
    let handoff = std::fs::read_to_string(dir.join("integration.handoff.env")).unwrap();
    assert!(
        handoff.contains("export NETSUITE_CERTIFICATE_ID=ns-cert-1"),
        "{handoff}"
    );
}
