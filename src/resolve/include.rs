//! Finding include targets: the search path, `<>` vs `""`, directory
//! includes and the files apparmor_parser skips.

use crate::vfs::Vfs;
use std::path::{Path, PathBuf};

/// Where includes are searched, and the file system they are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchPath {
    /// `-I DIR`, in order.
    pub include_dirs: Vec<PathBuf>,
    /// `-b DIR` (default `/etc/apparmor.d`), searched after the `-I` dirs.
    pub base_dir: PathBuf,
    /// Relative `""` includes resolve against this directory.
    pub cwd: PathBuf,
    /// Where every include, directory entry and abi file is read.
    pub fs: Vfs,
}

impl Default for SearchPath {
    fn default() -> SearchPath {
        SearchPath {
            include_dirs: Vec::new(),
            base_dir: PathBuf::from("/etc/apparmor.d"),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            fs: Vfs::disk(),
        }
    }
}

impl SearchPath {
    /// The path an include names, if it exists.
    pub fn find(&self, name: &str, angle: bool) -> Option<PathBuf> {
        let p = Path::new(name);
        if angle {
            if p.is_absolute() {
                return self.fs.exists(p).then(|| p.to_path_buf());
            }
            self.include_dirs
                .iter()
                .chain(std::iter::once(&self.base_dir))
                .map(|d| d.join(p))
                .find(|c| self.fs.exists(c))
        } else {
            let c = if p.is_absolute() {
                p.to_path_buf()
            } else {
                self.cwd.join(p)
            };
            self.fs.exists(&c).then_some(c)
        }
    }
}

impl SearchPath {
    /// The text of the file an include names (an `abi` rule's features
    /// file, say), if it is found and readable text.
    pub fn read_found(&self, name: &str, angle: bool) -> Option<String> {
        let path = self.find(name, angle)?;
        self.fs.read_text(&path, super::MAX_FILE_SIZE).ok()
    }
}

pub use super::tree::is_skipped;

/// The regular files of a directory include, as apparmor_parser processes
/// them (it reads them in reverse name order). Subdirectories are not
/// descended into.
pub fn dir_entries(fs: &Vfs, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = fs
        .read_dir(dir)?
        .into_iter()
        .filter(|name| !is_skipped(name))
        .map(|name| dir.join(name))
        .filter(|path| fs.is_file(path))
        .collect();
    out.sort();
    out.reverse();
    Ok(out)
}

impl SearchPath {
    /// The directories an include is looked up in, in order (each once).
    fn roots(&self, angle: bool) -> Vec<&Path> {
        let mut out: Vec<&Path> = Vec::new();
        let dirs: Vec<&Path> = if angle {
            self.include_dirs
                .iter()
                .chain(std::iter::once(&self.base_dir))
                .map(PathBuf::as_path)
                .collect()
        } else {
            vec![self.cwd.as_path()]
        };
        for d in dirs {
            if !out.contains(&d) {
                out.push(d);
            }
        }
        out
    }

    /// For an include that is not found, the closest name that is: each
    /// component of `name` that names nothing in the search path is
    /// replaced by the closest entry of the directories reached so far
    /// (`abstraction/bas` → `abstractions/base`). `None` when some
    /// component has no close match, or when the name is absolute.
    pub fn suggest(&self, name: &str, angle: bool) -> Option<String> {
        if Path::new(name).is_absolute() || name.is_empty() {
            return None;
        }
        let parts: Vec<&str> = name.split('/').filter(|p| !p.is_empty()).collect();
        // the directories the path so far names, under every root
        let mut dirs: Vec<PathBuf> = self
            .roots(angle)
            .into_iter()
            .map(Path::to_path_buf)
            .collect();
        let mut out: Vec<String> = Vec::new();
        let mut changed = false;
        for part in parts {
            let here: Vec<PathBuf> = dirs.iter().map(|d| d.join(part)).collect();
            let chosen = if here.iter().any(|p| self.fs.exists(p)) {
                part.to_string()
            } else {
                let mut names: Vec<String> = Vec::new();
                for d in &dirs {
                    let Ok(rd) = self.fs.read_dir(d) else {
                        continue;
                    };
                    names.extend(rd.into_iter().filter(|n| !is_skipped(n)));
                }
                let m = crate::suggest::did_you_mean(part, names.iter().map(String::as_str))?;
                changed = true;
                m.to_string()
            };
            dirs = dirs
                .iter()
                .map(|d| d.join(&chosen))
                .filter(|p| self.fs.exists(p))
                .collect();
            out.push(chosen);
        }
        let joined = out.join("/");
        (changed && self.find(&joined, angle).is_some()).then_some(joined)
    }
}

/// Whether an include is optional by convention: a `local/` override
/// file (Debian's and upstream's `include if exists <local/NAME>`), which
/// a site may or may not create. Only for these does `include if exists`
/// make sense as advice; an abstraction or tunable a profile needs must be
/// found.
pub fn is_optional(name: &str) -> bool {
    name.split('/').any(|c| c == "local")
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
            let Ok(rd) = self.fs.read_dir(&dir.join("abi")) else {
                continue;
            };
            for name in rd {
                let Some(v) = version(&name) else { continue };
                let abi = format!("abi/{name}");
                // the file an `abi <abi/NAME>,` rule reads is a regular file
                if found.iter().all(|(_, a)| *a != abi)
                    && self.find(&abi, true).is_some_and(|p| self.fs.is_file(&p))
                {
                    found.push((v, abi));
                }
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0));
        found.into_iter().map(|(_, a)| a).collect()
    }
}
