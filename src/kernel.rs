//! The running kernel's AppArmor interface in securityfs: whether AppArmor
//! is on, its features, the profiles it has loaded, and the files that
//! load, replace and remove policy.
//!
//! The kernel's rules (see `docs/POLICY-FORMAT.md`, "Kernel interface"):
//! policy goes to `.load`, `.replace` or `.remove` under the AppArmor
//! directory in one write at offset 0; `.load` refuses a profile that
//! exists (EEXIST), `.remove` one that does not (ENOENT) and takes a
//! NUL-terminated name; writing needs CAP_MAC_ADMIN and an unlocked
//! policy (EACCES or EPERM otherwise); a record the kernel cannot unpack
//! fails with EPROTO, and the kernel says why in an audit message (its
//! `info=` string), which [`Interface::write`] reads back from the
//! kernel log.

use crate::features::Features;
use crate::k8s::profiles::Loaded;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Where securityfs is mounted on a usual system.
pub const SECURITYFS: &str = "/sys/kernel/security";

/// What a write to the kernel does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Add profiles that are not loaded (`.load`).
    Load,
    /// Add profiles, or replace those loaded under the same names
    /// (`.replace`).
    Replace,
    /// Remove a profile by its name (`.remove`).
    Remove,
}

impl Op {
    fn file(self) -> &'static str {
        match self {
            Op::Load => ".load",
            Op::Replace => ".replace",
            Op::Remove => ".remove",
        }
    }
}

/// Why the kernel's interface could not be used, each with what to do.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error(
        "AppArmor is not enabled in this kernel ({0} is missing or not `Y`): boot with `apparmor=1 security=apparmor` (or add apparmor to `lsm=`) on a kernel built with AppArmor"
    )]
    Disabled(PathBuf),
    #[error(
        "securityfs is not mounted: {0} does not exist; mount it with `mount -t securityfs securityfs {SECURITYFS}`"
    )]
    NotMounted(PathBuf),
    #[error(
        "permission denied writing {0}: changing the kernel's policy needs root (CAP_MAC_ADMIN), and the caller must not itself be confined; run it with sudo"
    )]
    NotPermitted(PathBuf),
    #[error(
        "permission denied reading {0}: reading what the kernel has loaded needs root (CAP_MAC_ADMIN); run it with sudo"
    )]
    NotPermittedToRead(PathBuf),
    #[error(
        "the kernel's policy is locked ({0} is `Y`): no profile can be loaded, replaced or removed until the next boot"
    )]
    Locked(PathBuf),
    #[error(
        "the kernel refused to load {0}: a profile of that name is already loaded, and nothing was loaded; use `aaprof replace` to replace it"
    )]
    Exists(String),
    #[error("`{0}` is not loaded")]
    NotLoaded(String),
    #[error("the kernel rejected {what}: {reason}")]
    Rejected { what: String, reason: String },
    #[error("cannot {what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The kernel's AppArmor interface, under a securityfs mount.
#[derive(Clone, Debug)]
pub struct Interface {
    /// The AppArmor directory (`<securityfs>/apparmor`).
    dir: PathBuf,
    /// The module's parameters (`enabled`, `lock_policy`).
    params: PathBuf,
}

impl Default for Interface {
    fn default() -> Interface {
        Interface::at(Path::new(SECURITYFS))
    }
}

impl Interface {
    /// The interface under securityfs mounted at `securityfs`.
    pub fn at(securityfs: &Path) -> Interface {
        Interface {
            dir: securityfs.join("apparmor"),
            params: PathBuf::from("/sys/module/apparmor/parameters"),
        }
    }

    /// The AppArmor directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether AppArmor is on and its interface is there to use.
    pub fn probe(&self) -> Result<(), KernelError> {
        if self.dir.is_dir() {
            return Ok(());
        }
        let enabled = self.params.join("enabled");
        let on = std::fs::read_to_string(&enabled).is_ok_and(|t| t.trim() == "Y");
        if !on {
            return Err(KernelError::Disabled(enabled));
        }
        Err(KernelError::NotMounted(self.dir.clone()))
    }

    /// The kernel's features, as `-M` files write them.
    pub fn features(&self) -> Result<Features, KernelError> {
        self.probe()?;
        let dir = self.dir.join("features");
        Features::from_dir(&dir).map_err(|source| KernelError::Io {
            what: "read",
            path: dir,
            source,
        })
    }

    /// Whether the kernel loads several profiles written at once as one
    /// set: all of them or none.
    pub fn loads_sets(&self) -> bool {
        self.dir.join("features/policy/set_load").exists()
    }

    /// The profiles loaded, with their modes.
    pub fn loaded(&self) -> Result<Loaded, KernelError> {
        self.probe()?;
        let path = self.dir.join("profiles");
        let text = std::fs::read_to_string(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::PermissionDenied {
                KernelError::NotPermittedToRead(path.clone())
            } else {
                KernelError::Io {
                    what: "read",
                    path: path.clone(),
                    source,
                }
            }
        })?;
        Loaded::parse(&path.display().to_string(), &text).map_err(|reason| KernelError::Io {
            what: "read the profiles in",
            path,
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, reason),
        })
    }

    /// The policy the kernel keeps of each loaded profile (`raw_data`, the
    /// buffer it was loaded from), by profile name, where the kernel
    /// exposes it.
    pub fn raw_data(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        let mut out = std::collections::BTreeMap::new();
        // a profile's children and hats are in its own `profiles/`, named
        // there by their own part of the name
        let mut dirs = vec![(self.dir.join("policy/profiles"), String::new())];
        while let Some((dir, parent)) = dirs.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.flatten() {
                let d = e.path();
                let Ok(name) = std::fs::read_to_string(d.join("name")) else {
                    continue;
                };
                let name = match parent.as_str() {
                    "" => name.trim_end().to_string(),
                    p => format!("{p}//{}", name.trim_end()),
                };
                dirs.push((d.join("profiles"), name.clone()));
                if let Ok(raw) = std::fs::read(d.join("raw_data")) {
                    out.insert(name, raw);
                }
            }
        }
        out
    }

    /// Write `buf` to the file of `op` in one write at offset 0; `what`
    /// names it in messages. A rejection comes back with the kernel's
    /// reason, read from its log.
    pub fn write(&self, op: Op, buf: &[u8], what: &str) -> Result<(), KernelError> {
        self.probe()?;
        let path = self.dir.join(op.file());
        let mut log = KernelLog::open();
        let mut file = match std::fs::OpenOptions::new().write(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KernelError::NotMounted(path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(self.denied(path));
            }
            Err(source) => {
                return Err(KernelError::Io {
                    what: "open",
                    path,
                    source,
                });
            }
        };
        let written = file.write(buf);
        let e = match written {
            Ok(n) if n == buf.len() => return Ok(()),
            Ok(n) => {
                return Err(KernelError::Rejected {
                    what: what.to_string(),
                    reason: format!("the kernel took {n} of {} bytes in one write", buf.len()),
                });
            }
            Err(e) => e,
        };
        let errno = e.raw_os_error().unwrap_or_default();
        Err(match errno {
            libc::EACCES | libc::EPERM => self.denied(path),
            libc::EEXIST if op == Op::Load => KernelError::Exists(what.to_string()),
            libc::ENOENT if op == Op::Remove => KernelError::NotLoaded(what.to_string()),
            _ => {
                let said = log.as_mut().and_then(KernelLog::reason);
                KernelError::Rejected {
                    what: what.to_string(),
                    reason: match said {
                        Some(r) => format!("{r} ({e})"),
                        None => match errno {
                            libc::ENOENT => format!(
                                "{e}: the kernel says so when a child profile's parent (`a` of `a//b`) is neither loaded nor in the same set (its log gave no reason)"
                            ),
                            libc::EPROTO => format!(
                                "{e}: the kernel could not unpack the record; was it compiled for features this kernel lacks? (its log gave no reason)"
                            ),
                            _ => format!("{e} (the kernel log gave no reason)"),
                        },
                    },
                }
            }
        })
    }

    /// Why writing `path` was refused: the policy is locked, or the
    /// caller may not change it.
    fn denied(&self, path: PathBuf) -> KernelError {
        let lock = self.params.join("lock_policy");
        if std::fs::read_to_string(&lock).is_ok_and(|t| t.trim() == "Y") {
            KernelError::Locked(lock)
        } else {
            KernelError::NotPermitted(path)
        }
    }

    /// Remove the profile named `name` (fully qualified).
    pub fn remove(&self, name: &str) -> Result<(), KernelError> {
        let mut buf = name.as_bytes().to_vec();
        buf.push(0);
        self.write(Op::Remove, &buf, name)
    }
}

/// The kernel log from now on: where the kernel says why it refused a
/// policy (`apparmor="STATUS" operation="profile_load" info="..."`).
struct KernelLog(std::fs::File);

impl KernelLog {
    /// `/dev/kmsg` from its end, if it can be read (root can).
    fn open() -> Option<KernelLog> {
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open("/dev/kmsg")
            .ok()?;
        f.seek(SeekFrom::End(0)).ok()?;
        Some(KernelLog(f))
    }

    /// Why the kernel refused, from the AppArmor `info`s given since the
    /// log was opened, each with the profile it names; waits a little for
    /// them (the kernel's audit thread logs after the write has failed),
    /// until the log has been quiet for a moment.
    fn reason(&mut self) -> Option<String> {
        let mut found: Vec<(bool, String)> = Vec::new();
        for _ in 0..25 {
            let before = found.len();
            self.read_infos(&mut found);
            if !found.is_empty() && found.len() == before {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // in a refused set the kernel also logs each good profile
        // ("valid profile in failed atomic policy load"): the others say why
        let causes: Vec<&str> = found
            .iter()
            .filter(|(bystander, _)| !bystander)
            .map(|(_, r)| r.as_str())
            .collect();
        if causes.is_empty() {
            found.pop().map(|(_, r)| r)
        } else {
            Some(causes.join("; "))
        }
    }

    /// Read the AppArmor `info`s logged since the last read into `found`
    /// (whether it is a bystander's, and the reason in words).
    fn read_infos(&mut self, found: &mut Vec<(bool, String)>) {
        const BYSTANDER: &str = "valid profile in failed atomic policy load";
        let mut buf = vec![0u8; 8192];
        // each read is one record; none left is EAGAIN
        while let Ok(n) = self.0.read(&mut buf) {
            if n == 0 {
                break;
            }
            let line = String::from_utf8_lossy(&buf[..n]);
            if !line.contains("apparmor=") {
                continue;
            }
            let field = |key: &str| {
                let at = line.find(&format!(" {key}=\""))? + key.len() + 3;
                let end = line[at..].find('"')?;
                Some(line[at..at + end].to_string())
            };
            if let Some(info) = field("info") {
                let offset = line
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("offset="))
                    .map(|o| format!(", at byte {o} of its record"));
                let name = field("name").map(|n| format!(" in profile `{n}`"));
                found.push((
                    info == BYSTANDER,
                    format!(
                        "{info}{}{}",
                        name.unwrap_or_default(),
                        offset.unwrap_or_default()
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interface_that_is_not_there_says_what_to_do() {
        let i = Interface::at(Path::new("/nonexistent-securityfs"));
        let e = i.probe().expect_err("no interface there");
        let msg = e.to_string();
        assert!(
            msg.contains("mount -t securityfs") || msg.contains("apparmor=1"),
            "{msg}"
        );
    }
}
