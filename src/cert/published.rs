//! The catalogue of certificates vendors published on public pages
//! (`fixtures/published-certs/`, compiled in by `build.rs`), and entries a consultant adds from
//! files of the same format without rebuilding ([`add_entries_from`]).

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, RwLock};

include!(concat!(env!("OUT_DIR"), "/published.rs"));

/// A certificate known to have been published, so its private key is shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedCertificate {
    /// The catalogue file it comes from.
    pub file: String,
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
        .filter_map(|(file, text)| parse_entry(file, text).ok())
        .collect()
});

/// Entries added at run time, from files.
static EXTRA: RwLock<Vec<PublishedCertificate>> = RwLock::new(Vec::new());

/// Reads one catalogue entry: `Vendor:` and `Source:` header lines (and optional notes), then
/// the certificate as published (PEM). Why not, when it is not one.
pub fn parse_entry(file: &str, text: &str) -> Result<PublishedCertificate, String> {
    let header = |key: &str| {
        text.lines()
            .take_while(|l| !l.starts_with("-----BEGIN"))
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_owned()))
            .filter(|v| !v.is_empty())
    };
    let vendor = header("Vendor:").ok_or("it has no Vendor: line before the certificate")?;
    let source = header("Source:").ok_or("it has no Source: line before the certificate")?;
    let block = pem::parse(text.as_bytes()).map_err(|e| format!("no PEM certificate: {e}"))?;
    if block.tag() != "CERTIFICATE" {
        return Err(format!(
            "its PEM block is a {}, not a CERTIFICATE",
            block.tag()
        ));
    }
    Ok(PublishedCertificate {
        file: file.to_owned(),
        vendor,
        source,
        sha256_fingerprint: hex::encode(Sha256::digest(block.contents())),
    })
}

/// Adds every `*.pem` entry in `dir` to the catalogue (the same format as
/// `fixtures/published-certs/`, each read up to 1 MiB). A missing folder adds nothing; each
/// file that is not an entry is returned with why, and the others are still added.
pub fn add_entries_from(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut problems = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return problems;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pem"))
        .collect();
    paths.sort();
    let mut added = Vec::new();
    for path in paths {
        let read = crate::files::read_text_limited(&path, 1 << 20).map_err(|e| e.to_string());
        match read.and_then(|text| parse_entry(&path.display().to_string(), &text)) {
            Ok(entry) => added.push(entry),
            Err(why) => problems.push((path, why)),
        }
    }
    EXTRA
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .extend(added);
    problems
}

/// The catalogue entry with this SHA-256 fingerprint (lower-case hex), if any: built in, or
/// added from a file.
pub fn published_certificate(sha256_hex: &str) -> Option<PublishedCertificate> {
    CATALOGUE
        .iter()
        .find(|p| p.sha256_fingerprint == sha256_hex)
        .cloned()
        .or_else(|| {
            EXTRA
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .find(|p| p.sha256_fingerprint == sha256_hex)
                .cloned()
        })
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
