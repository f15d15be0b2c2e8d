//! Atomic file replacement: the new content goes to a temporary file in
//! the same directory, which is then renamed over the original, so a reader
//! (or a crash) sees either the old file or the new one, never a part.

use std::io::Write;
use std::path::Path;

/// Replace `path` with `text`, keeping the file's permissions. A symlink
/// is followed: its target is replaced, the link stays.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    write_bytes(path, text.as_bytes())
}

/// Replace `path` with `bytes` as [`write`] does; a file that does not
/// exist yet is created.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if !path.exists() {
        std::fs::write(path, b"")?;
    }
    let resolved;
    let path = if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        resolved = std::fs::canonicalize(path)?;
        resolved.as_path()
    } else {
        path
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let perms = std::fs::metadata(path)?.permissions();
    let tmp = dir.join(format!(".{name}.aaprof-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, perms)?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
