//! The files policy is read from. Every read that resolving, checking,
//! linting, emitting and compiling make of the include tree (an include's
//! target, a directory include's entries, an abi file, the names offered
//! when an include is not found) goes through the [`Vfs`] of the search
//! path: the disk itself, the disk seen only below some directories (the
//! fuzz targets, which must not read the host's files through an absolute
//! include such as `include "/dev/zero"`), or the disk under an editor's
//! unsaved buffers (the language server: an abstraction being edited is
//! read as the editor has it).

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// What a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    /// A device, a pipe, a socket.
    Other,
}

/// A file system policy is read from.
pub trait FileSystem: Send + Sync {
    /// What `path` names, symbolic links followed; `None` when nothing.
    fn kind(&self, path: &Path) -> Option<Kind>;
    /// The first `limit + 1` bytes of the file at `path` at most (so that
    /// a caller sees a file past its limit without reading all of it).
    fn read(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>>;
    /// The names in the directory `path` (those that are not UTF-8 left
    /// out: no include can name them).
    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>>;
    /// The path with symbolic links and `.`/`..` resolved.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
}

/// The disk, as the operating system shows it.
struct Disk;

impl FileSystem for Disk {
    fn kind(&self, path: &Path) -> Option<Kind> {
        let m = std::fs::metadata(path).ok()?;
        Some(if m.is_file() {
            Kind::File
        } else if m.is_dir() {
            Kind::Dir
        } else {
            Kind::Other
        })
    }

    fn read(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        std::fs::File::open(path)?
            .take(limit.saturating_add(1))
            .read_to_end(&mut out)?;
        Ok(out)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(path)? {
            if let Ok(name) = e?.file_name().into_string() {
                out.push(name);
            }
        }
        Ok(out)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        path.canonicalize()
    }
}

/// The disk below some directories only: any other path (after symbolic
/// links are followed) names nothing.
struct Confined {
    roots: Vec<PathBuf>,
}

impl Confined {
    fn inside(&self, path: &Path) -> bool {
        path.canonicalize()
            .is_ok_and(|c| self.roots.iter().any(|r| c.starts_with(r)))
    }

    fn outside() -> io::Error {
        io::Error::new(io::ErrorKind::NotFound, "outside the directories read")
    }
}

impl FileSystem for Confined {
    fn kind(&self, path: &Path) -> Option<Kind> {
        self.inside(path).then(|| Disk.kind(path)).flatten()
    }

    fn read(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        if !self.inside(path) {
            return Err(Confined::outside());
        }
        Disk.read(path, limit)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        if !self.inside(path) {
            return Err(Confined::outside());
        }
        Disk.read_dir(path)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        if !self.inside(path) {
            return Err(Confined::outside());
        }
        path.canonicalize()
    }
}

/// A file system with some files' text replaced: those paths read as the
/// text given, whether or not the file system below has them.
struct Overlay {
    below: Vfs,
    files: HashMap<PathBuf, Arc<str>>,
}

impl FileSystem for Overlay {
    fn kind(&self, path: &Path) -> Option<Kind> {
        if self.files.contains_key(path) {
            return Some(Kind::File);
        }
        self.below.kind(path)
    }

    fn read(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        match self.files.get(path) {
            Some(text) => {
                let n = text
                    .len()
                    .min(usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX));
                Ok(text.as_bytes()[..n].to_vec())
            }
            None => self.below.0.read(path, limit),
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let mine = self
            .files
            .keys()
            .filter(|p| p.parent() == Some(path))
            .filter_map(|p| p.file_name()?.to_str().map(str::to_string));
        let mut names = match self.below.read_dir(path) {
            Ok(names) => names,
            Err(e) if !self.files.keys().any(|p| p.parent() == Some(path)) => return Err(e),
            Err(_) => Vec::new(),
        };
        for n in mine {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        Ok(names)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        match self.below.canonicalize(path) {
            Err(_) if self.files.contains_key(path) => Ok(path.to_path_buf()),
            r => r,
        }
    }
}

/// A shared file system. Two are equal when they are the same one (so a
/// search path compares equal to its clones, and the session's caches,
/// kept per search path, are kept).
#[derive(Clone)]
pub struct Vfs(Arc<dyn FileSystem>);

impl Vfs {
    /// The disk (one value, shared by every search path that reads it).
    pub fn disk() -> Vfs {
        static DISK: OnceLock<Vfs> = OnceLock::new();
        DISK.get_or_init(|| Vfs(Arc::new(Disk))).clone()
    }

    /// The disk seen only below `roots`; a root that does not exist
    /// confines to nothing.
    pub fn confined(roots: &[PathBuf]) -> Vfs {
        let roots = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
        Vfs(Arc::new(Confined { roots }))
    }

    /// `self` with the files of `files` (path to text) replaced by that
    /// text.
    pub fn overlay(&self, files: HashMap<PathBuf, Arc<str>>) -> Vfs {
        Vfs(Arc::new(Overlay {
            below: self.clone(),
            files,
        }))
    }

    /// Another file system.
    pub fn new(fs: impl FileSystem + 'static) -> Vfs {
        Vfs(Arc::new(fs))
    }

    pub fn kind(&self, path: &Path) -> Option<Kind> {
        self.0.kind(path)
    }

    pub fn exists(&self, path: &Path) -> bool {
        self.kind(path).is_some()
    }

    pub fn is_file(&self, path: &Path) -> bool {
        self.kind(path) == Some(Kind::File)
    }

    pub fn is_dir(&self, path: &Path) -> bool {
        self.kind(path) == Some(Kind::Dir)
    }

    pub fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        self.0.read_dir(path)
    }

    pub fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.0.canonicalize(path)
    }

    /// The text of the file at `path`: an error (as a reason to show) for
    /// a directory, a file over `limit` bytes, or one that is not UTF-8.
    pub fn read_text(&self, path: &Path, limit: u64) -> Result<String, String> {
        if self.kind(path) == Some(Kind::Dir) {
            return Err("is a directory".into());
        }
        let bytes = self.0.read(path, limit).map_err(|e| e.to_string())?;
        if bytes.len() as u64 > limit {
            return Err(format!("file is larger than the {limit} byte limit"));
        }
        String::from_utf8(bytes).map_err(|_| "file is not valid UTF-8 text".to_string())
    }

    /// The bytes of the file at `path`, if it can be read and is at most
    /// `limit` bytes.
    pub fn read_bytes(&self, path: &Path, limit: u64) -> Option<Vec<u8>> {
        let bytes = self.0.read(path, limit).ok()?;
        (bytes.len() as u64 <= limit).then_some(bytes)
    }
}

impl Default for Vfs {
    fn default() -> Vfs {
        Vfs::disk()
    }
}

impl PartialEq for Vfs {
    fn eq(&self, other: &Vfs) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.0), Arc::as_ptr(&other.0))
    }
}

impl Eq for Vfs {}

impl std::fmt::Debug for Vfs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if *self == Vfs::disk() {
            f.write_str("Vfs(disk)")
        } else {
            f.write_str("Vfs(..)")
        }
    }
}

#[cfg(test)]
mod tests;
