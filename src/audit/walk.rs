//! Finding the inventories in the folders a consultant names: every `*.toml` below them, in
//! sorted order. The walk never follows a symbolic link to a folder (two `..` links would make
//! it endless), reads only regular files (a FIFO named `x.toml` would block it), and stops at a
//! depth and a count no client folder reaches.

use std::path::{Path, PathBuf};

/// How deep below a named folder the walk goes.
pub const MAX_DEPTH: usize = 32;
/// How many inventories one walk collects.
pub const MAX_INVENTORIES: usize = 10_000;

/// What the walk found.
#[derive(Debug, Default)]
pub struct Found {
    /// The inventories, in order: each named file, then each folder's `*.toml`, sorted.
    pub files: Vec<PathBuf>,
    /// For each of `files`, whether it was found in a folder (rather than named): a file found
    /// in a client's folder that is not a usable inventory is reported, not fatal.
    pub in_folder: Vec<bool>,
    /// What was passed over, with why (a linked folder, a `*.toml` that is not a regular file).
    pub skipped: Vec<(PathBuf, &'static str)>,
}

/// Why the walk stopped.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// A folder could not be read.
    #[error("cannot read the folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// More inventories than [`MAX_INVENTORIES`].
    #[error("more than {MAX_INVENTORIES} inventories under {0}")]
    TooMany(PathBuf),
}

impl WalkError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            WalkError::Folder { .. } => "check the path and its permissions",
            WalkError::TooMany(_) => "name a smaller folder: one client's, or one integration's",
        }
    }
}

/// The inventories `inputs` name: a file as it is (it is read later, and its errors are its
/// own), a folder walked as described in the module docs.
pub fn find_inventories(inputs: &[PathBuf]) -> Result<Found, WalkError> {
    let mut found = Found::default();
    for p in inputs {
        // A folder named on the command line is walked even through a link: the person chose it.
        if p.is_dir() {
            walk(p, p, 0, &mut found)?;
        } else {
            found.files.push(p.clone());
        }
        found.in_folder.resize(found.files.len(), p.is_dir());
    }
    Ok(found)
}

fn walk(root: &Path, dir: &Path, depth: usize, found: &mut Found) -> Result<(), WalkError> {
    let folder_error = |source| WalkError::Folder {
        path: dir.to_owned(),
        source,
    };
    let mut entries: Vec<(PathBuf, std::fs::FileType)> = std::fs::read_dir(dir)
        .map_err(folder_error)?
        .filter_map(|e| {
            let e = e.ok()?;
            Some((e.path(), e.file_type().ok()?))
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in entries {
        let is_toml = path.extension().is_some_and(|e| e == "toml");
        if kind.is_dir() {
            if depth + 1 >= MAX_DEPTH {
                found.skipped.push((path, "deeper than the walk goes"));
            } else {
                walk(root, &path, depth + 1, found)?;
            }
        } else if kind.is_symlink() {
            // A link to a regular file is read; a link to a folder is not followed.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() && is_toml => found.files.push(path),
                Ok(m) if m.is_dir() => found
                    .skipped
                    .push((path, "a link to a folder (not followed)")),
                Ok(_) if is_toml => found.skipped.push((path, "not a regular file")),
                Err(_) if is_toml => found.skipped.push((path, "a link to nothing")),
                _ => {}
            }
        } else if is_toml {
            if kind.is_file() {
                found.files.push(path);
            } else {
                found.skipped.push((path, "not a regular file"));
            }
        }
        if found.files.len() > MAX_INVENTORIES {
            return Err(WalkError::TooMany(root.to_owned()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_to_folders_are_not_followed_and_fifos_not_read() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        std::fs::create_dir_all(a.join("b")).unwrap();
        std::fs::write(a.join("one.toml"), "").unwrap();
        std::fs::write(a.join("b/two.toml"), "").unwrap();
        std::fs::write(a.join("notes.txt"), "").unwrap();
        // Two links that make a loop, a link to a file, and a FIFO named like an inventory.
        symlink("..", a.join("b/up")).unwrap();
        symlink("../a", a.join("loop")).unwrap();
        symlink("one.toml", a.join("same.toml")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(a.join("pipe.toml"))
            .status()
            .unwrap();
        assert!(made.success());
        let found = find_inventories(std::slice::from_ref(&a)).unwrap();
        let names: Vec<_> = found
            .files
            .iter()
            .map(|p| p.strip_prefix(&a).unwrap().to_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["b/two.toml", "one.toml", "same.toml"]);
        let skipped: Vec<_> = found
            .skipped
            .iter()
            .map(|(p, why)| (p.strip_prefix(&a).unwrap().to_str().unwrap(), *why))
            .collect();
        assert_eq!(
            skipped,
            [
                ("b/up", "a link to a folder (not followed)"),
                ("loop", "a link to a folder (not followed)"),
                ("pipe.toml", "not a regular file"),
            ]
        );
    }

    #[test]
    fn the_walk_stops_at_its_depth_and_count() {
        let d = tempfile::tempdir().unwrap();
        let mut deep = d.path().to_path_buf();
        for i in 0..MAX_DEPTH + 2 {
            deep = deep.join(format!("d{i}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("deep.toml"), "").unwrap();
        let found = find_inventories(&[d.path().to_path_buf()]).unwrap();
        assert!(found.files.is_empty());
        assert_eq!(found.skipped.len(), 1);
        assert_eq!(found.skipped[0].1, "deeper than the walk goes");

        let many = tempfile::tempdir().unwrap();
        for i in 0..=MAX_INVENTORIES {
            std::fs::write(many.path().join(format!("{i}.toml")), "").unwrap();
        }
        let e = find_inventories(&[many.path().to_path_buf()]).unwrap_err();
        assert!(matches!(e, WalkError::TooMany(_)), "{e}");
        std::fs::remove_file(many.path().join("0.toml")).unwrap();
        assert_eq!(
            find_inventories(&[many.path().to_path_buf()])
                .unwrap()
                .files
                .len(),
            MAX_INVENTORIES
        );
    }
}
