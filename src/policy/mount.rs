//! `mount`, `remount`, `umount` and `pivot_root` rules.
//!
//! Mount options are kept as the mount flag bits the check decodes
//! ([`crate::vocab::MOUNT_FLAGS`]), so that synonyms (`ro`, `r`,
//! `read-only`) and the order of a list do not make values differ. The
//! defaults the reference fills in for rules without options are given by
//! [`MountConds::flags`].

use super::{list_word, path_word, word};
use crate::vocab::{self, MS_ALL_FLAGS, MS_REMOUNT, MS_REMOUNT_FLAGS};
use std::collections::BTreeSet;
use std::fmt;

/// One `options=(...)` list: the flags it requires set and those it
/// requires clear (`rw` requires `MS_RDONLY` clear).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MountOptions {
    /// Flags that must be set (for `remount` rules, with `MS_REMOUNT`).
    pub set: u32,
    /// Flags that must be clear.
    pub clear: u32,
}

/// The conditionals of a `mount`, `remount` or `umount` rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MountConds {
    /// `fstype=`/`vfstype=` values (patterns) of every such conditional;
    /// empty for any filesystem type.
    pub fstypes: BTreeSet<String>,
    /// Each `options=`/`option=` conditional: every listed option
    /// required. Several conditionals are alternatives.
    pub options: Vec<MountOptions>,
    /// Each `options in (...)` conditional: the flags that may be set
    /// (the bits an option sets or clears).
    pub options_in: Vec<u32>,
}

/// `mount [CONDS] [SOURCE] [-> MOUNTPOINT],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub conds: MountConds,
    /// The device or directory mounted (a pattern); `None` for any.
    pub source: Option<String>,
    /// Where it is mounted (a pattern); `None` for anywhere.
    pub mountpoint: Option<String>,
}

/// `remount [CONDS] [MOUNTPOINT],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remount {
    pub conds: MountConds,
    /// The mount point remounted (a pattern); `None` for any.
    pub mountpoint: Option<String>,
}

/// `umount [CONDS] [MOUNTPOINT],`
#[derive(Clone, Debug, PartialEq, Eq)]
///
/// The reference encodes an umount rule by its mount point only; its
/// conditionals decide which mount rules it merges with (a `mount` of the
/// same conditionals and mount point lends it its permission, and takes
/// the umount permission in turn).
pub struct Umount {
    pub conds: MountConds,
    /// The mount point unmounted (a pattern); `None` for any.
    pub mountpoint: Option<String>,
}

/// `pivot_root [oldroot=OLD] [NEWROOT] [-> PROFILE],`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PivotRoot {
    /// `oldroot=`: where the old root is put (the first value of the last
    /// conditional, the only one the reference reads).
    pub oldroot: Option<String>,
    /// The new root (a pattern); `None` for any.
    pub newroot: Option<String>,
    /// `-> PROFILE`: the profile to change to.
    pub target: Option<String>,
}

impl MountConds {
    /// The required and the optional flag sets the rule is compiled with,
    /// with the reference's defaults for rules written without options:
    /// every flag for `mount`, `MS_REMOUNT` plus any remount flag for
    /// `remount`.
    pub fn flags(&self, remount: bool) -> (Vec<u32>, Vec<u32>) {
        let mut flagsv: Vec<u32> = self.options.iter().map(|o| o.set).collect();
        let mut opt_flagsv = self.options_in.clone();
        if flagsv.is_empty() && opt_flagsv.is_empty() {
            if remount {
                flagsv.push(MS_REMOUNT);
                opt_flagsv.push(MS_REMOUNT_FLAGS & !MS_REMOUNT);
            } else {
                flagsv.push(MS_ALL_FLAGS);
                opt_flagsv.push(MS_ALL_FLAGS);
            }
        } else if flagsv.is_empty() {
            flagsv.push(if remount { MS_REMOUNT } else { 0 });
        } else if opt_flagsv.is_empty() {
            opt_flagsv.push(0);
        }
        (flagsv, opt_flagsv)
    }
}

/// Option names standing for `bits`, each option setting (`clear` false)
/// or clearing bits of it, options of several bits first.
fn option_names(bits: u32, clear: bool) -> Vec<&'static str> {
    let mut infos: Vec<&vocab::MountFlagInfo> = vocab::MOUNT_FLAGS
        .iter()
        .filter(|f| {
            let (on, off) = if clear {
                (f.clear, f.set)
            } else {
                (f.set, f.clear)
            };
            on != 0 && off == 0 && on & !bits == 0
        })
        .collect();
    let of = |f: &vocab::MountFlagInfo| if clear { f.clear } else { f.set };
    infos.sort_by_key(|f| std::cmp::Reverse(of(f).count_ones()));
    let mut covered = 0;
    let mut names = Vec::new();
    for f in infos {
        if of(f) & !covered != 0 {
            covered |= of(f);
            names.push(f.name);
        }
    }
    names
}

fn list(f: &mut fmt::Formatter, head: &str, items: &[String]) -> fmt::Result {
    write!(f, " {head}({})", items.join(" "))
}

impl fmt::Display for MountConds {
    /// The conditionals, each preceded by a space.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if !self.fstypes.is_empty() {
            let v: Vec<String> = self.fstypes.iter().map(|t| list_word(t)).collect();
            list(f, "fstype=", &v)?;
        }
        for o in &self.options {
            let mut v: Vec<String> = option_names(o.set, false)
                .into_iter()
                .map(String::from)
                .collect();
            v.extend(option_names(o.clear, true).into_iter().map(String::from));
            list(f, "options=", &v)?;
        }
        for &o in &self.options_in {
            let v: Vec<String> = option_names(o, false)
                .into_iter()
                .map(String::from)
                .collect();
            list(f, "options in ", &v)?;
        }
        Ok(())
    }
}

impl fmt::Display for Mount {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "mount{}", self.conds)?;
        if let Some(s) = &self.source {
            write!(f, " {}", path_word(s))?;
        }
        if let Some(m) = &self.mountpoint {
            write!(f, " -> {}", word(m))?;
        }
        Ok(())
    }
}

impl fmt::Display for Remount {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "remount{}", self.conds)?;
        if let Some(m) = &self.mountpoint {
            write!(f, " {}", path_word(m))?;
        }
        Ok(())
    }
}

impl fmt::Display for Umount {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "umount{}", self.conds)?;
        if let Some(m) = &self.mountpoint {
            write!(f, " {}", path_word(m))?;
        }
        Ok(())
    }
}

impl fmt::Display for PivotRoot {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("pivot_root")?;
        if let Some(o) = &self.oldroot {
            write!(f, " oldroot={}", word(o))?;
        }
        if let Some(n) = &self.newroot {
            write!(f, " {}", path_word(n))?;
        }
        if let Some(t) = &self.target {
            write!(f, " -> {}", word(t))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RuleKind;
    use crate::vocab::{MS_BIND, MS_NODEV, MS_NOSUID, MS_RDONLY, MS_REC};

    use crate::policy::lower_one as lower;

    #[test]
    fn mount_values() {
        let (k, t) = lower("mount fstype=ext4 options=(ro, nosuid, dev) /dev/sda1 -> /mnt/,");
        let RuleKind::Mount(m) = k else { panic!() };
        assert_eq!(m.conds.fstypes, BTreeSet::from(["ext4".to_string()]));
        assert_eq!(
            m.conds.options,
            [MountOptions {
                set: MS_RDONLY | MS_NOSUID,
                clear: MS_NODEV
            }]
        );
        assert_eq!(m.source.as_deref(), Some("/dev/sda1"));
        assert_eq!(m.mountpoint.as_deref(), Some("/mnt/"));
        assert_eq!(
            t,
            "mount fstype=(ext4) options=(ro nosuid dev) /dev/sda1 -> /mnt/"
        );
        let (k, t) = lower("mount options in (rbind, ro) /a/ -> /b/,");
        let RuleKind::Mount(m) = k else { panic!() };
        assert_eq!(m.conds.options_in, [MS_BIND | MS_REC | MS_RDONLY]);
        assert_eq!(t, "mount options in (rbind ro) /a/ -> /b/");
        let (k, _) = lower("mount,");
        let RuleKind::Mount(m) = k else { panic!() };
        assert_eq!(
            m.conds.flags(false),
            (vec![MS_ALL_FLAGS], vec![MS_ALL_FLAGS])
        );
    }

    #[test]
    fn remount_umount_pivot_root_values() {
        let (k, _) = lower("remount options=ro /,");
        let RuleKind::Remount(r) = k else { panic!() };
        assert_eq!(r.conds.options[0].set, MS_RDONLY | MS_REMOUNT);
        assert_eq!(r.mountpoint.as_deref(), Some("/"));
        let (k, t) = lower("umount options=ro fstype=ext4 /mnt/**,");
        let RuleKind::Umount(u) = k else { panic!() };
        assert_eq!(u.mountpoint.as_deref(), Some("/mnt/**"));
        assert_eq!(u.conds.fstypes.iter().collect::<Vec<_>>(), ["ext4"]);
        assert_eq!(t, "umount fstype=(ext4) options=(ro) /mnt/**");
        let (k, t) = lower("pivot_root oldroot=/old/ /new/ -> child,");
        let RuleKind::PivotRoot(p) = k else { panic!() };
        assert_eq!(p.oldroot.as_deref(), Some("/old/"));
        assert_eq!(p.newroot.as_deref(), Some("/new/"));
        assert_eq!(p.target.as_deref(), Some("child"));
        assert_eq!(t, "pivot_root oldroot=/old/ /new/ -> child");
    }

    #[test]
    fn printed_rules_lower_back_the_same() {
        for rule in [
            "mount fstype=(ext2, \"a,b\") /x -> /y,",
            "mount options=(rw, rbind) /a/ -> /x/,",
            "mount options=(rw nosuid) options=(ro) fstype=tmpfs tmpfs -> /t/,",
            "mount options in (ro) options=(nosuid) \"{/a,/b}\" -> /mnt/,",
            "mount options=(bind, rprivate) /a/ -> /b/,",
            "mount options=make-rslave -> /x/,",
            "mount -> /x/,",
            "remount options=(remount, ro) /,",
            "remount options in (rw nosuid),",
            "umount options=ro \"{/a,/b}/c\",",
            "umount,",
            "pivot_root,",
            "pivot_root oldroot=/a/ oldroot=/o/ /x{a,b} -> \"p q\",",
        ] {
            let (k, t) = lower(rule);
            let (back, again) = lower(&format!("{t},"));
            assert_eq!(k, back, "{rule} printed as {t}");
            assert_eq!(t, again);
        }
    }
}
