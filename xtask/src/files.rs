//! The set of files a generator run owns: compared with disk, or written atomically.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Generated files by path (relative to the workspace root), and the directories whose
/// every file is generated (anything else found there is stale).
#[derive(Debug, Default)]
pub struct FileSet {
    files: BTreeMap<PathBuf, String>,
    owned_dirs: Vec<PathBuf>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub written: usize,
    pub removed: usize,
    pub unchanged: usize,
}

impl FileSet {
    pub fn insert(&mut self, path: impl Into<PathBuf>, contents: String) {
        self.files.insert(path.into(), contents);
    }

    /// Declares `dir` wholly generated.
    pub fn own_dir(&mut self, dir: impl Into<PathBuf>) {
        self.owned_dirs.push(dir.into());
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(Path::new(path)).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.files.iter().map(|(p, c)| (p.as_path(), c.as_str()))
    }

    /// Files present in an owned directory that this set does not contain.
    fn stale(&self, root: &Path) -> Vec<PathBuf> {
        let mut stale = Vec::new();
        for dir in &self.owned_dirs {
            collect_files(root, dir, &mut stale);
        }
        stale.retain(|path| !self.files.contains_key(path));
        stale.sort();
        stale
    }

    /// Every difference between this set and the disk, one line each.
    pub fn check(&self, root: &Path) -> Vec<String> {
        let mut problems = Vec::new();
        for (path, contents) in &self.files {
            match fs::read_to_string(root.join(path)) {
                Ok(on_disk) if &on_disk == contents => {}
                Ok(_) => problems.push(format!("{}: differs from the spec", path.display())),
                Err(_) => problems.push(format!("{}: missing", path.display())),
            }
        }
        for path in self.stale(root) {
            problems.push(format!("{}: should not exist", path.display()));
        }
        problems
    }

    /// Writes changed files (each through a temporary file and a rename) and removes
    /// stale ones. All temporary files are written before any rename, so a failure
    /// leaves the previous generation in place.
    pub fn write(&self, root: &Path) -> io::Result<Outcome> {
        let mut pending = Vec::new();
        let mut unchanged = 0;
        for (path, contents) in &self.files {
            let target = root.join(path);
            if fs::read_to_string(&target).is_ok_and(|on_disk| &on_disk == contents) {
                unchanged += 1;
                continue;
            }
            let temporary = temporary_path(&target);
            let written = target
                .parent()
                .map_or(Ok(()), fs::create_dir_all)
                .and_then(|()| fs::write(&temporary, contents));
            if let Err(error) = written {
                for (_, temp) in &pending {
                    let _ = fs::remove_file(temp);
                }
                let _ = fs::remove_file(&temporary);
                return Err(io::Error::new(
                    error.kind(),
                    format!("cannot write {}: {error}", target.display()),
                ));
            }
            pending.push((target, temporary));
        }
        let written = pending.len();
        for (target, temporary) in pending {
            fs::rename(&temporary, &target)?;
        }
        let stale = self.stale(root);
        for path in &stale {
            fs::remove_file(root.join(path))?;
        }
        Ok(Outcome {
            written,
            removed: stale.len(),
            unchanged,
        })
    }
}

fn temporary_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".xtask-tmp");
    target.with_file_name(name)
}

fn collect_files(root: &Path, relative: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(root.join(relative)) else {
        return;
    };
    for entry in entries.flatten() {
        let path = relative.join(entry.file_name());
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect_files(root, &path, out),
            Ok(_) => out.push(path),
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("paysmith-files-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn check_reports_differences_missing_and_stale_files() {
        let root = scratch("check");
        fs::create_dir_all(root.join("gen")).unwrap();
        fs::write(root.join("gen/a.rs"), "old").unwrap();
        fs::write(root.join("gen/leftover.rs"), "x").unwrap();
        let mut set = FileSet::default();
        set.own_dir("gen");
        set.insert("gen/a.rs", "new".into());
        set.insert("gen/b.rs", "b".into());
        let problems = set.check(&root);
        assert_eq!(
            problems,
            vec![
                "gen/a.rs: differs from the spec",
                "gen/b.rs: missing",
                "gen/leftover.rs: should not exist",
            ]
        );
        let outcome = set.write(&root).unwrap();
        assert_eq!(
            outcome,
            Outcome {
                written: 2,
                removed: 1,
                unchanged: 0
            }
        );
        assert!(set.check(&root).is_empty());
        assert_eq!(set.write(&root).unwrap().unchanged, 2);
        fs::remove_dir_all(root).unwrap();
    }
}
