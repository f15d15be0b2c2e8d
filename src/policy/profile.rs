//! A profile's header flags, decoded once: its mode, `audit`, the path
//! flags and the values some flags carry.

/// The profile's mode, as the kernel numbers it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProfileMode {
    #[default]
    Enforce,
    Complain,
    Kill,
    Unconfined,
    Prompt,
    /// `default_allow`: loaded as `unconfined` until the kernel has it.
    DefaultAllow,
}

impl ProfileMode {
    /// The kernel's packed mode number.
    pub fn packed(self) -> u32 {
        match self {
            ProfileMode::Enforce => 0,
            ProfileMode::Complain => 1,
            ProfileMode::Kill => 2,
            ProfileMode::Unconfined | ProfileMode::DefaultAllow => 3,
            ProfileMode::Prompt => 4,
        }
    }
}

/// Path flags, as the reference's front end keeps them.
pub mod path {
    pub const CHROOT_REL: u32 = 0x8;
    pub const NS_REL: u32 = 0x10;
    pub const MEDIATE_DELETED: u32 = 0x10000;
    pub const DELEGATE_DELETED: u32 = 0x20000;
    pub const ATTACH: u32 = 0x4000;
    pub const NO_ATTACH: u32 = 0x8000;
    pub const CHROOT_NSATTACH: u32 = 0x10_0000;
    pub const CHROOT_NO_ATTACH: u32 = 0x20_0000;
    pub const IPC_ATTACH: u32 = 0x40_0000;
}

/// Everything `flags=(...)` says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileFlags {
    pub mode: ProfileMode,
    pub audit: bool,
    /// `debug` and `interruptible`, as the kernel gets them: the
    /// reference keeps these only when written first in the list.
    pub debug: bool,
    pub interruptible: bool,
    /// [`path`] bits.
    pub path: u32,
    /// `attach_disconnected.path=`.
    pub disconnected_path: Option<String>,
    /// `attach_disconnected.ipc=`.
    pub disconnected_ipc: Option<String>,
    /// `kill.signal=`, as written.
    pub kill_signal: Option<String>,
    /// `error=`, as written.
    pub error: Option<String>,
}

impl ProfileFlags {
    /// Decode the flags of a header (the checks have validated them;
    /// unknown words are ignored here).
    pub fn of(flags: &[String]) -> ProfileFlags {
        let mut f = ProfileFlags::default();
        for (i, s) in flags.iter().enumerate() {
            let (name, value) = match s.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (s.as_str(), None),
            };
            match (name, value) {
                ("enforce", None) => f.mode = ProfileMode::Enforce,
                ("complain", None) => f.mode = ProfileMode::Complain,
                ("kill", None) => f.mode = ProfileMode::Kill,
                ("unconfined", None) => f.mode = ProfileMode::Unconfined,
                ("prompt", None) => f.mode = ProfileMode::Prompt,
                ("default_allow", None) => f.mode = ProfileMode::DefaultAllow,
                ("debug", None) => f.debug = i == 0,
                ("audit", None) => f.audit = true,
                ("interruptible", None) => f.interruptible = i == 0,
                ("chroot_relative", None) => f.path |= path::CHROOT_REL,
                ("namespace_relative", None) => f.path |= path::NS_REL,
                ("mediate_deleted", None) => f.path |= path::MEDIATE_DELETED,
                ("delegate_deleted", None) => f.path |= path::DELEGATE_DELETED,
                ("attach_disconnected", None) => f.path |= path::ATTACH,
                ("no_attach_disconnected", None) => f.path |= path::NO_ATTACH,
                ("chroot_attach", None) => f.path |= path::CHROOT_NSATTACH,
                ("chroot_no_attach", None) => f.path |= path::CHROOT_NO_ATTACH,
                ("attach_disconnected.path", Some(v)) => {
                    f.path |= path::ATTACH;
                    f.disconnected_path = Some(v.to_string());
                }
                ("attach_disconnected.ipc", v) => {
                    f.path |= path::IPC_ATTACH;
                    f.disconnected_ipc = v.map(str::to_string);
                }
                ("kill.signal", Some(v)) => f.kill_signal = Some(v.to_string()),
                ("error", Some(v)) => f.error = Some(v.to_string()),
                _ => {}
            }
        }
        f
    }

    /// The kernel's `path_flags` word.
    pub fn kernel_path_flags(&self) -> u32 {
        let mut k = 0;
        for (ours, kernel) in [
            (path::CHROOT_REL, 0x8),
            (path::MEDIATE_DELETED, 0x10000),
            (path::ATTACH, 0x4),
            (path::CHROOT_NSATTACH, 0x10),
            (path::IPC_ATTACH, 0x20),
        ] {
            if self.path & ours != 0 {
                k |= kernel;
            }
        }
        k
    }
}
