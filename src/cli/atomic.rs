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
/// exist yet is created. What is not a regular file (`/dev/null`, a
/// pipe, a terminal) is written to, never replaced.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if !path.exists() {
        std::fs::write(path, b"")?;
    }
    if !std::fs::metadata(path)?.is_file() {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)?
            .write_all(bytes);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_is_written_to_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = std::env::temp_dir().join(format!("aaprof-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("pipe");
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_bytes(&fifo, b"policy").unwrap();
        assert_eq!(reader.join().unwrap(), b"policy");
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "the pipe was replaced: {kind:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_regular_file_is_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("aaprof-atomic-r-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("f");
        std::fs::write(&f, "a longer old text").unwrap();
        write_bytes(&f, b"new").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"new");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
