//! How a policy directory is laid out, as apparmor_parser reads it: the
//! directory entries it skips, the subdirectories that hold no policy, and
//! the files written to be included rather than loaded (fragments).
//!
//! apparmor_parser given a directory loads each regular file in it and
//! descends into none of its subdirectories. aaprof also checks what lies
//! below, so that abstractions and tunables are checked too, but each file
//! as what it is: a profile file as policy, an abstraction, a `local/`
//! file or a file of a `*.d` include folder as the body of a profile, a
//! tunables file as a preamble; kernel feature files (`abi/`) and the
//! `disable/` and `force-complain/` link folders are no policy at all.

use super::SearchPath;
use crate::vfs::Vfs;
use std::path::{Path, PathBuf};

/// Why a directory entry is skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Skipped without a word: dot files, README, package managers' files
    /// in flux (`.dpkg-new`, `.pacsave`...).
    Silent,
    /// Skipped, and apparmor_parser says so ("Ignoring"): backups and
    /// patch leftovers (`.rpmnew`, `.orig`, `~`...).
    Noted,
}

/// Whether apparmor_parser skips this directory entry when a directory is
/// included or loaded, and how.
pub fn skipped(name: &str) -> Option<Skip> {
    const SILENT: &[&str] = &[
        ".dpkg-new",
        ".dpkg-old",
        ".dpkg-dist",
        ".dpkg-bak",
        ".dpkg-remove",
        ".pacsave",
        ".pacnew",
    ];
    const NOTED: &[&str] = &[".rpmnew", ".rpmsave", ".orig", ".rej", "~"];
    if name.is_empty()
        || name.starts_with('.')
        || name == "README"
        || SILENT.iter().any(|s| name.ends_with(s))
    {
        Some(Skip::Silent)
    } else if NOTED.iter().any(|s| name.ends_with(s)) {
        Some(Skip::Noted)
    } else {
        None
    }
}

/// Whether apparmor_parser skips this directory entry (see [`skipped`]).
pub fn is_skipped(name: &str) -> bool {
    skipped(name).is_some()
}

/// Subdirectories of a policy tree that hold no policy, with what they hold.
const NOT_POLICY: &[(&str, &str)] = &[
    ("abi", "kernel feature ABI files"),
    ("disable", "links to disabled profiles"),
    (
        "force-complain",
        "links to profiles forced into complain mode",
    ),
    ("cache", "compiled policy"),
];

/// What a subdirectory named `name` holds, when it holds no policy.
pub fn not_policy_dir(name: &str) -> Option<&'static str> {
    NOT_POLICY
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, what)| what)
}

/// The files of a directory tree that hold policy, in name order.
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<PathBuf>,
    /// Entries skipped that apparmor_parser mentions (backups and the like).
    pub noted: Vec<PathBuf>,
    /// Directories, or entries, that could not be read, with why.
    pub failed: Vec<(PathBuf, std::io::Error)>,
}

/// Every file under `dir` that holds policy or a fragment of it, going on
/// past what cannot be read: the entries apparmor_parser skips are left
/// out, and so are the subdirectories that hold no policy (`abi/`,
/// `disable/`, `force-complain/`, `cache/`) below `dir` itself.
pub fn walk(dir: &Path) -> Walk {
    let mut out = Walk::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                out.failed.push((d, e));
                continue;
            }
        };
        for e in entries {
            let e = match e {
                Ok(e) => e,
                Err(err) => {
                    out.failed.push((d.clone(), err));
                    continue;
                }
            };
            let name = e.file_name();
            let Some(n) = name.to_str() else { continue };
            let p = e.path();
            match skipped(n) {
                Some(Skip::Silent) => continue,
                Some(Skip::Noted) => {
                    out.noted.push(p);
                    continue;
                }
                None => {}
            }
            match e.file_type() {
                Ok(ft) if ft.is_dir() => {
                    if not_policy_dir(n).is_none() {
                        stack.push(p);
                    }
                }
                Ok(_) if p.is_file() => out.files.push(p),
                Ok(_) => {}
                Err(err) => out.failed.push((p, err)),
            }
        }
    }
    out.files.sort();
    out.noted.sort();
    out.failed.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The version of a tree's text: a digest of each file's path (relative
/// to the tree) and its bytes, in path order, as 16 hex digits. The loader
/// on a node and `aaprof k8s loader`, which puts the tree in a ConfigMap,
/// compute it alike, so a node can say which version it has loaded.
pub fn version(files: &[(String, Vec<u8>)]) -> String {
    use std::hash::{Hash, Hasher};
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h = crate::digest::hasher();
    for (name, bytes) in sorted {
        name.hash(&mut h);
        bytes.hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

/// What a file written to be included is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FragmentDir {
    /// Under `tunables/`: variables, aliases and includes of a preamble.
    Preamble,
    /// Under `abstractions/`, `local/` or a `*.d` include folder: rules of
    /// a profile's body (or, for a hat file, hats of it).
    Body,
}

/// Whether a directory is the top of a policy tree (a base such as
/// `/etc/apparmor.d`): it holds `abstractions/` or `tunables/`.
fn is_policy_root(fs: &Vfs, dir: &Path) -> bool {
    fs.is_dir(&dir.join("abstractions")) || fs.is_dir(&dir.join("tunables"))
}

fn dir_name(dir: &Path) -> &str {
    dir.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// Whether the file at `path` lies where files written to be included
/// live, and as what they are read. The folders that say so are those
/// between the file and the top of its policy tree: `tunables/`,
/// `abstractions/` and `local/` at any depth, an include directory of the
/// search path (`-I`), and a `*.d` folder holding the file itself (a
/// directory include reads only the files of that folder) unless that
/// folder is itself the top of a policy tree, as `/etc/apparmor.d` is.
pub fn fragment_dir(path: Option<&Path>, search: &SearchPath) -> Option<FragmentDir> {
    let parent = path?.parent()?;
    let fs = &search.fs;
    let parent = fs
        .canonicalize(parent)
        .unwrap_or_else(|_| parent.to_path_buf());
    let include_dirs: Vec<PathBuf> = search
        .include_dirs
        .iter()
        .filter_map(|d| fs.canonicalize(d).ok())
        .collect();
    let mut found = None;
    for d in parent.ancestors() {
        if is_policy_root(fs, d) {
            break;
        }
        match dir_name(d) {
            "tunables" => return Some(FragmentDir::Preamble),
            "abstractions" | "local" => found = found.or(Some(FragmentDir::Body)),
            n if d == parent && n.len() > 2 && n.ends_with(".d") => found = Some(FragmentDir::Body),
            _ => {}
        }
        if include_dirs.iter().any(|i| i == d) {
            return found.or(Some(FragmentDir::Body));
        }
    }
    found
}

#[cfg(test)]
mod tests;
