//! The claims of docs/architecture.md that code can check: where providers are named, what the
//! protocol layers import, the registry and the provider folders, the size of CLI files, and
//! hints that name no flag. Read from the source tree, not run.

mod common;

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A file's code lines before its first `#[cfg(test)]`, comments left out: `(line, text)`.
fn code_lines(p: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(p).unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let s = line.trim();
        if s.starts_with("#[cfg(test)]") {
            break;
        }
        if s.is_empty() || s.starts_with("//") || s.starts_with("/*") || s.starts_with('*') {
            continue;
        }
        out.push((i + 1, s.to_owned()));
    }
    out
}

fn src() -> PathBuf {
    common::root().join("src")
}

fn rel(p: &Path) -> String {
    p.strip_prefix(common::root())
        .unwrap()
        .display()
        .to_string()
}

/// The names of the providers the registry knows that are not the generic one, and of those
/// the roadmap brings next.
fn provider_names() -> Vec<String> {
    let mut names: Vec<String> = oauth1to2::provider::named_providers()
        .into_iter()
        .map(str::to_owned)
        .collect();
    for n in ["salesforce", "garmin", "tumblr", "successfactors"] {
        names.push(n.to_owned());
    }
    names
}

fn names_provider(line: &str, name: &str) -> bool {
    let low = line.to_ascii_lowercase();
    // A name of one or two letters (`x`) is an ordinary word in code: only a path to its
    // folder or the id as a string literal names it.
    if name.len() <= 2 {
        return low.contains(&format!("provider::{name}::"))
            || low.contains(&format!("provider::{name};"))
            || low.contains(&format!("\"{name}\""));
    }
    let bytes = low.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric();
    let mut from = 0;
    while let Some(i) = low[from..].find(name).map(|i| i + from) {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + name.len()).copied();
        let starts = before.is_none_or(|c| !word(c) || c == b'_') || low[..i].ends_with("::");
        let ends = after.is_none_or(|c| !word(c) || c == b'_');
        if (starts && ends) || before == Some(b'_') || after == Some(b'_') {
            return true;
        }
        from = i + name.len();
    }
    false
}

#[test]
fn no_code_outside_the_provider_folders_and_the_cli_names_a_provider() {
    let names = provider_names();
    assert!(names.iter().any(|n| n == "xero") && names.iter().any(|n| n == "netsuite"));
    let mut found = Vec::new();
    for p in rust_files(&src()) {
        let r = rel(&p);
        if r.starts_with("src/provider/") || r.starts_with("src/cli/") {
            continue;
        }
        for (n, line) in code_lines(&p) {
            if names.iter().any(|name| names_provider(&line, name)) {
                found.push(format!("{r}:{n}: {line}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    // The check sees a provider's name where there is one.
    assert!(names_provider("use crate::provider::xero::SCOPES;", "xero"));
    assert!(names_provider("let p = by_id(\"x\");", "x"));
    assert!(names_provider("crate::provider::x::PROVIDER", "x"));
    assert!(!names_provider("if let Some(x) = v.exposure {", "x"));
    assert!(names_provider("let netsuite = true;", "netsuite"));
    assert!(names_provider("XERO_TENANT_ID", "xero"));
    assert!(!names_provider("let zeroes = 0;", "xero"));
}

#[test]
fn the_protocol_layers_import_neither_each_other_nor_a_provider() {
    for (layer, forbidden) in [
        (
            "oauth1",
            ["crate::oauth2", "crate::provider", "crate::session"],
        ),
        (
            "oauth2",
            ["crate::oauth1", "crate::provider", "crate::session"],
        ),
    ] {
        for p in rust_files(&src().join(layer)) {
            for (n, line) in code_lines(&p) {
                for f in forbidden {
                    assert!(!line.contains(f), "{}:{n}: {line}", rel(&p));
                }
            }
        }
    }
}

#[test]
fn the_model_imports_no_provider_but_the_inventory_reader_does_to_check_a_record() {
    for f in [
        "audit/model.rs",
        "audit/scopes.rs",
        "audit/scope_check.rs",
        "handoff.rs",
        "migrate/batch.rs",
    ] {
        for (n, line) in code_lines(&src().join(f)) {
            assert!(!line.contains("crate::provider"), "src/{f}:{n}: {line}");
        }
    }
}

#[test]
fn every_provider_folder_is_in_the_registry_and_every_entry_has_its_folder() {
    let mut folders: Vec<String> = std::fs::read_dir(src().join("provider"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut ids: Vec<String> = oauth1to2::provider::REGISTRY
        .iter()
        .map(|p| p.id.to_owned())
        .collect();
    ids.sort();
    assert_eq!(folders, ids);
    assert!(!src().join("xero").exists(), "src/xero/ is gone");
    let registry = std::fs::read_to_string(src().join("provider/mod.rs")).unwrap();
    assert_eq!(
        registry.matches("pub static REGISTRY").count(),
        1,
        "one registry"
    );
}

#[test]
fn no_cli_file_is_over_350_lines() {
    for p in rust_files(&src().join("cli")) {
        let n = std::fs::read_to_string(&p).unwrap().lines().count();
        assert!(n <= 350, "{} has {n} lines", rel(&p));
    }
}

/// Library text that names a flag of ours (`--name`) is report content that quotes a whole
/// command, in the files listed here; curl's flags are read in the capture parser. Anything
/// else, an error hint in particular, says what to do in words.
#[test]
fn no_library_hint_names_a_flag() {
    let report_content = [
        "src/oauth1/capture.rs",
        "src/oauth1/verify.rs",
        "src/audit/model.rs",
        "src/cert/lint.rs",
        "src/provider/xero/audit.rs",
        "src/provider/xero/oauth2_app.rs",
        "src/provider/xero/keys.rs",
        "src/provider/netsuite/audit.rs",
        "src/provider/netsuite/keys.rs",
        "src/provider/salesforce/keys.rs",
        "src/provider/salesforce/audit.rs",
    ];
    let flag = regex::Regex::new(r"(^|[\s`(])--[a-z][a-z0-9-]+").unwrap();
    let mut found = Vec::new();
    for p in rust_files(&src()) {
        let r = rel(&p);
        if r.starts_with("src/cli/") || report_content.contains(&r.as_str()) {
            continue;
        }
        for (n, line) in code_lines(&p) {
            if line.contains('"') && flag.is_match(&line) {
                found.push(format!("{r}:{n}: {line}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_readme_lists_every_provider_in_the_registry() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let section = readme
        .split("## Providers")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Providers section");
    for p in oauth1to2::provider::REGISTRY {
        assert!(
            section.contains(&format!("- `{}`:", p.id)),
            "{} is not in the README's list",
            p.id
        );
    }
}
