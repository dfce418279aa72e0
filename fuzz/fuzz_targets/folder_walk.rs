//! `audit DIR`'s folder walk over a tree the fuzzer builds: folders, inventories, links to
//! anything (`..`, a sibling, a loop, nothing) and sockets named like inventories. The walk must
//! end, list each inventory once, and list only regular files (or links to them).
#![no_main]
use libfuzzer_sys::fuzz_target;
use oauth1to2::audit::walk;
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let Ok(root) = tempfile_dir() else { return };
    let names = ["a", "b", "x.toml", "y.toml", "..", "."];
    let mut dirs: Vec<PathBuf> = vec![root.clone()];
    let mut sockets = Vec::new();
    for op in data.chunks(3).take(64) {
        let (kind, at, name) = (op[0] % 5, op.get(1).copied().unwrap_or(0), op.get(2).copied().unwrap_or(0));
        let dir = dirs[at as usize % dirs.len()].clone();
        let name = names[name as usize % 4];
        let path = dir.join(name);
        match kind {
            0 => {
                if std::fs::create_dir(&path).is_ok() {
                    dirs.push(path);
                }
            }
            1 => {
                let _ = std::fs::write(&path, "name = \"x\"\n");
            }
            2 => {
                let target = names[op.get(2).copied().unwrap_or(0) as usize % names.len()];
                let _ = std::os::unix::fs::symlink(target, &path);
            }
            3 => {
                if let Ok(s) = std::os::unix::net::UnixListener::bind(&path) {
                    sockets.push(s);
                }
            }
            _ => {
                let _ = std::os::unix::fs::symlink(&root, &path);
            }
        }
    }
    if let Ok(found) = walk::find_inventories(&[root.clone()]) {
        let mut seen = std::collections::HashSet::new();
        for f in &found.files {
            assert!(seen.insert(f.clone()), "{} listed twice", f.display());
            assert!(std::fs::metadata(f).is_ok_and(|m| m.is_file()), "{} is not a regular file", f.display());
            assert!(f.extension().is_some_and(|e| e == "toml"));
        }
    }
    let _ = std::fs::remove_dir_all(&root);
});

fn tempfile_dir() -> std::io::Result<PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let p = std::env::temp_dir().join(format!(
        "oauth1to2-walk-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir(&p)?;
    Ok(p)
}
