//! `audit`: what a consultant is dealing with before touching anything. For one legacy
//! integration (an inventory file, see [`inventory`]) it gathers the app type and its OAuth 1.0a
//! status, every certificate finding, the key/certificate match, secrets written into the
//! inventory, the recommended OAuth 2.0 target with its reason, the planned scopes, and a
//! numbered checklist that ends with decommissioning. [`render`] turns it into text, Markdown
//! or one self-contained HTML page.

pub mod client;
pub mod draft;
pub mod inventory;
pub mod model;
pub mod render;
pub mod scope_check;
pub mod scopes;
pub mod walk;

use inventory::{InventoryError, LegacyIntegration};

pub use model::*;

/// Loads and audits every inventory in `files`, on all cores, in their order. `progress` is
/// called on the calling thread as each group finishes, with how many are done. The first
/// unusable inventory (in `files` order) is the error.
pub fn audit_files(
    files: &[std::path::PathBuf],
    options: &AuditOptions,
    progress: &mut dyn FnMut(usize, &std::path::Path),
) -> Result<Vec<IntegrationAudit>, InventoryError> {
    audit_each(files, options, progress).into_iter().collect()
}

/// An inventory found in a client's folder that could not be used (a TOML error, another
/// tool's `.toml`), reported beside the audits of the others.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unusable {
    /// The file.
    pub file: String,
    /// What is wrong, with the line when known.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// Audits what a walk found. A file named on its own that is unusable is the error (as in
/// [`audit_files`]); one found in a folder is reported in the second list and the others are
/// audited, so one broken or foreign `.toml` does not hide a client's whole estate.
pub fn audit_found(
    found: &walk::Found,
    options: &AuditOptions,
    progress: &mut dyn FnMut(usize, &std::path::Path),
) -> Result<(Vec<IntegrationAudit>, Vec<Unusable>), InventoryError> {
    let mut audits = Vec::new();
    let mut unusable = Vec::new();
    let results = audit_each(&found.files, options, progress);
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(a) => audits.push(a),
            Err(e) if found.in_folder.get(i).copied().unwrap_or(false) => unusable.push(Unusable {
                file: e.file.display().to_string(),
                hint: e.hint(),
                message: e.to_string(),
            }),
            Err(e) => return Err(e),
        }
    }
    Ok((audits, unusable))
}

fn audit_each(
    files: &[std::path::PathBuf],
    options: &AuditOptions,
    progress: &mut dyn FnMut(usize, &std::path::Path),
) -> Vec<Result<IntegrationAudit, InventoryError>> {
    use rayon::prelude::*;
    let mut out = Vec::with_capacity(files.len());
    for chunk in files.chunks(64) {
        let done: Vec<Result<IntegrationAudit, InventoryError>> = chunk
            .par_iter()
            .map(|f| audit(&inventory::load(f)?, options))
            .collect();
        out.extend(done);
        if let Some(last) = chunk.last() {
            progress(out.len(), last);
        }
    }
    out
}

/// Audits one integration, as its provider does. A file the inventory names that cannot be
/// read (certificate, key, HAR, log) is an error naming the inventory's line; everything else
/// is a finding.
pub fn audit(
    inv: &LegacyIntegration,
    options: &AuditOptions,
) -> Result<IntegrationAudit, InventoryError> {
    (crate::provider::legacy_of(inv)?.audit)(inv, options)
}

/// The target the integration's provider recommends, and why.
pub fn recommend(inv: &LegacyIntegration) -> Result<Recommendation, InventoryError> {
    Ok((crate::provider::legacy_of(inv)?.recommend)(inv))
}
