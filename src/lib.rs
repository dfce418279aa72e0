//! oauth1to2: tools for consultants who inherit a legacy Xero OAuth 1.0a integration.
//!
//! The library does the work and returns values and typed errors; it never prints, prompts or
//! exits. The `oauth1to2` binary (in `src/cli/`) parses arguments, calls this library and renders
//! the results as human text or JSON.
//!
//! Modules are split by domain. [`cert`] owns keypairs and X.509 certificates: generation, paste
//! repair, inspection, lints and format conversion. [`files`] owns how we write files (atomically,
//! and private material with mode 0600). [`oauth1`] owns RFC 5849 signature base strings,
//! signing and verification. [`secret`] holds the wrapper that keeps passwords out of
//! `Debug` output.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// The library never prints: it returns values and errors, and talks to a person only through
// its caller. clippy.toml's disallowed-macros says the same for the whole package (the CLI,
// tests and benches allow it).
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

pub mod api;
pub mod audit;
pub mod bridge;
pub mod cert;
pub mod connect;
pub mod exchange;
pub mod files;
pub mod form;
pub mod handoff;
pub mod har;
pub mod interact;
pub mod migrate;
pub mod net;
pub mod oauth1;
pub mod oauth2;
pub mod provider;
pub mod reconsent;
pub mod records;
pub mod secret;
pub mod session;
pub mod tenants;
pub mod text;

// The public API's main entry points, by name (the modules above hold the rest).
pub use cert::{
    analyse, analyse_partial, generate, load_certificates, load_private_key, CertificateReport,
    Finding, PartialReport, PrivateKey, Severity,
};
pub use connect::{
    connect_profile, fresh_tokens, prompt_secret_to_file, BrowserOptions, Connected,
};
pub use interact::{AuthorizePrompt, Interaction, Level};
pub use oauth1::{verify_request, ProtocolParams, SignatureMethod, Signer};
pub use oauth2::Oauth2Error;
pub use provider::{Provider, ProviderId};
