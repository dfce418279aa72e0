//! What NetSuite's integrations are handed: `NETSUITE_*` shell variables (the account, the
//! client id, the assertion's Certificate ID and key file, the scopes).

use crate::handoff::Handoff;
use crate::text::shell as sh_quote;

/// The account, the client id, and the assertion's key id and key file.
pub fn env(h: &Handoff) -> String {
    // NetSuite: the account, the client id, and the assertion's key id and key file.
    let mut s = String::new();
    for (name, value) in [
        ("NETSUITE_ACCOUNT_ID", h.account.as_deref()),
        ("NETSUITE_CLIENT_ID", Some(h.client_id.as_str())),
        ("NETSUITE_CERTIFICATE_ID", h.certificate_id.as_deref()),
        ("NETSUITE_PRIVATE_KEY_FILE", h.private_key_file.as_deref()),
        ("NETSUITE_SCOPES", Some(h.scopes.as_str())),
    ] {
        if let Some(v) = value {
            s.push_str(&format!("export {name}={}\n", sh_quote(v)));
        }
    }
    if let Some(l) = &h.client_secret_location {
        s.push_str(&format!(
            "# NETSUITE_CLIENT_SECRET: not exported; it is in {l}\n"
        ));
    }
    s
}
