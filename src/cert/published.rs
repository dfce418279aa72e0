//! The catalogue of certificates vendors published on public pages
//! (`fixtures/published-certs/`, compiled in by `build.rs`).

use sha2::{Digest, Sha256};
use std::sync::LazyLock;

include!(concat!(env!("OUT_DIR"), "/published.rs"));

/// A certificate known to have been published, so its private key is shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedCertificate {
    /// The catalogue file it comes from.
    pub file: &'static str,
    /// Who published it.
    pub vendor: String,
    /// Where it was published.
    pub source: String,
    /// SHA-256 of its DER, lower-case hex.
    pub sha256_fingerprint: String,
}

static CATALOGUE: LazyLock<Vec<PublishedCertificate>> = LazyLock::new(|| {
    ENTRIES
        .iter()
        .filter_map(|(file, text)| {
            let header = |key: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_owned()))
                    .unwrap_or_default()
            };
            let block = pem::parse(text.as_bytes()).ok()?;
            Some(PublishedCertificate {
                file,
                vendor: header("Vendor:"),
                source: header("Source:"),
                sha256_fingerprint: hex::encode(Sha256::digest(block.contents())),
            })
        })
        .collect()
});

/// The catalogue entry with this SHA-256 fingerprint (lower-case hex), if any.
pub fn published_certificate(sha256_hex: &str) -> Option<&'static PublishedCertificate> {
    CATALOGUE
        .iter()
        .find(|p| p.sha256_fingerprint == sha256_hex)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_catalogue_entry_parses_and_names_its_source() {
        assert_eq!(super::CATALOGUE.len(), super::ENTRIES.len());
        for p in super::CATALOGUE.iter() {
            assert!(!p.vendor.is_empty(), "{} lacks Vendor:", p.file);
            assert!(!p.source.is_empty(), "{} lacks Source:", p.file);
        }
    }
}
