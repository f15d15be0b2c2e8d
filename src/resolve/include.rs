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

pub use super::tree::is_skipped;

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
