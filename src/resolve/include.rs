//! Finding include targets: the search path, `<>` vs `""`, directory
//! includes and the files apparmor_parser skips.

use std::path::{Path, PathBuf};

/// Where includes are searched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchPath {
    /// `-I DIR`, in order.
    pub include_dirs: Vec<PathBuf>,
    /// `-b DIR` (default `/etc/apparmor.d`), searched after the `-I` dirs.
    pub base_dir: PathBuf,
    /// Relative `""` includes resolve against this directory.
    pub cwd: PathBuf,
}

impl Default for SearchPath {
    fn default() -> SearchPath {
        SearchPath {
            include_dirs: Vec::new(),
            base_dir: PathBuf::from("/etc/apparmor.d"),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        }
    }
}

impl SearchPath {
    /// The path an include names, if it exists.
    pub fn find(&self, name: &str, angle: bool) -> Option<PathBuf> {
        let p = Path::new(name);
        if angle {
            if p.is_absolute() {
                return p.exists().then(|| p.to_path_buf());
            }
            self.include_dirs
                .iter()
                .chain(std::iter::once(&self.base_dir))
                .map(|d| d.join(p))
                .find(|c| c.exists())
        } else {
            let c = if p.is_absolute() {
                p.to_path_buf()
            } else {
                self.cwd.join(p)
            };
            c.exists().then_some(c)
        }
    }
}

/// Whether apparmor_parser skips this directory entry when a directory is
/// included or checked: dot files, README, and backup or package-manager
/// leftovers.
pub fn is_skipped(name: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        ".dpkg-new",
        ".dpkg-old",
        ".dpkg-dist",
        ".dpkg-bak",
        ".dpkg-remove",
        ".pacsave",
        ".pacnew",
        ".rpmnew",
        ".rpmsave",
        ".orig",
        ".rej",
        "~",
    ];
    name.is_empty()
        || name.starts_with('.')
        || name == "README"
        || SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// The regular files of a directory include, as apparmor_parser processes
/// them (it reads them in reverse name order). Subdirectories are not
/// descended into.
pub fn dir_entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_skipped(name) {
            continue;
        }
        let path = e.path();
        if path.is_file() {
            out.push(path);
        }
    }
    out.sort();
    out.reverse();
    Ok(out)
}

impl SearchPath {
    /// The versioned abi files (`abi/3.0`, `abi/4.0`, ...) an `abi <...>`
    /// rule can name here, newest first, as `abi/VERSION`: the `abi/`
    /// folders of the `-I` dirs and the base, searched as an include is.
    /// Kernel-specific files (`abi/kernel-5.4-vanilla`) and variants
    /// (`abi/4.0-ip`) are not versions and are left out.
    pub fn abi_versions(&self) -> Vec<String> {
        let version = |name: &str| -> Option<Vec<u32>> {
            name.split('.').map(|n| n.parse::<u32>().ok()).collect()
        };
        let mut found: Vec<(Vec<u32>, String)> = Vec::new();
        for dir in self
            .include_dirs
            .iter()
            .chain(std::iter::once(&self.base_dir))
        {
            let Ok(rd) = std::fs::read_dir(dir.join("abi")) else {
                continue;
            };
            for e in rd.flatten() {
                let name = e.file_name();
                let Some(name) = name.to_str() else { continue };
                let Some(v) = version(name) else { continue };
                let abi = format!("abi/{name}");
                // the file an `abi <abi/NAME>,` rule reads is a regular file
                if found.iter().all(|(_, a)| *a != abi)
                    && self.find(&abi, true).is_some_and(|p| p.is_file())
                {
                    found.push((v, abi));
                }
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0));
        found.into_iter().map(|(_, a)| a).collect()
    }
}
