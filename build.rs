//! Compiles the published-certificate catalogue (`fixtures/published-certs/*.pem`) into the binary.
#![allow(clippy::disallowed_macros)] // tests, benches and the build script report on stderr
use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new("fixtures/published-certs");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("fixtures/published-certs exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pem"))
        .collect();
    entries.sort();
    let mut code = String::from("/// (file name, contents) of each catalogue entry.\npub(crate) static ENTRIES: &[(&str, &str)] = &[\n");
    for p in entries {
        println!("cargo:rerun-if-changed={}", p.display());
        let abs = fs::canonicalize(&p).expect("canonical path");
        code.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            p.file_name().unwrap().to_string_lossy(),
            abs.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("published.rs");
    fs::write(out, code).expect("write published.rs");
}
