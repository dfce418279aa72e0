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
    let found = walk::Found {
        files: files.to_vec(),
        in_folder: vec![false; files.len()],
        skipped: Vec::new(),
    };
    audit_found(&found, options, progress).map(|(audits, _)| audits)
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
    let seen = audit_found_each(found, options, progress, &mut |a| {
        audits.push(a);
        Ok(())
    })?;
    Ok((audits, seen.unusable))
}

/// What [`audit_found_each`] handed on: how many audits, how many with error findings, and
/// the files found in a folder that could not be audited.
#[derive(Debug, Default)]
pub struct Seen {
    /// Audits handed on.
    pub audited: usize,
    /// Of them, those with error findings.
    pub with_errors: usize,
    /// Files found in a folder that are not usable inventories.
    pub unusable: Vec<Unusable>,
}

/// [`audit_found`], handing each audit to `each` in order as soon as its group of 64 is done
/// and keeping none: memory stays that of one group however many inventories there are (a
/// report written as it goes). An error from `each` stops the walk and is returned.
pub fn audit_found_each(
    found: &walk::Found,
    options: &AuditOptions,
    progress: &mut dyn FnMut(usize, &std::path::Path),
    each: &mut dyn FnMut(IntegrationAudit) -> Result<(), InventoryError>,
) -> Result<Seen, InventoryError> {
    use rayon::prelude::*;
    let mut seen = Seen::default();
    let mut done = 0;
    for (chunk, in_folder) in found.files.chunks(64).zip(found.in_folder.chunks(64)) {
        let results: Vec<Result<IntegrationAudit, InventoryError>> = chunk
            .par_iter()
            .map(|f| audit(&inventory::load(f)?, options))
            .collect();
        for (r, folder) in results.into_iter().zip(in_folder) {
            match r {
                Ok(a) => {
                    seen.audited += 1;
                    seen.with_errors += usize::from(a.status == "errors");
                    each(a)?;
                }
                Err(e) if *folder => seen.unusable.push(Unusable {
                    file: e.file.display().to_string(),
                    hint: e.hint(),
                    message: e.to_string(),
                }),
                Err(e) => return Err(e),
            }
        }
        done += chunk.len();
        if let Some(last) = chunk.last() {
            progress(done, last);
        }
    }
    Ok(seen)
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
