//! What the words of the language mean, in one line each: the rule
//! keywords and qualifiers, capabilities, file permission letters, the
//! permission words of the other rule families and profile flags. The language server shows these on hover and beside its
//! completions; every name here is one the tables of [`crate::vocab`]
//! accept (a test checks that each table is covered).

use crate::vocab::PermFamily;

/// The meaning of a rule keyword, qualifier or other reserved word.
pub fn keyword(word: &str) -> Option<&'static str> {
    Some(match word {
        "profile" => {
            "Defines a profile: the confinement a task runs under, named, optionally with the executables it attaches to and flags."
        }
        "hat" | "^" => {
            "Defines a hat: a subprofile a task switches to with change_hat and back, within its profile."
        }
        "include" => {
            "Reads another file's rules in here; `<name>` is searched in the include path, `\"name\"` relative to this file; `if exists` makes a missing file no error."
        }
        "abi" => {
            "Names the kernel features file the policy was written for: the parser compiles only what those features mediate."
        }
        "alias" => "`alias /from -> /to,`: every file rule under /from is also granted under /to.",
        "capability" => {
            "Grants the listed POSIX capabilities (all of them when none is listed); the task still needs the capability in its credentials."
        }
        "network" => {
            "Mediates sockets by address family, socket type and protocol (and, with fine-grained network mediation, addresses and ports)."
        }
        "unix" => {
            "Mediates UNIX domain sockets: type, address, peer label and the socket operations."
        }
        "dbus" => "Mediates D-Bus messages: bus, path, interface, member and peer name and label.",
        "signal" => {
            "Mediates sending and receiving signals: which signals, to or from which peer profiles."
        }
        "ptrace" => {
            "Mediates ptrace: tracing (trace, read) and being traced (tracedby, readby) by peer profiles."
        }
        "mount" => "Mediates mount(2): filesystem type, options, source and mount point.",
        "remount" => "Mediates remounting a mount point with new options.",
        "umount" | "unmount" => "Mediates unmounting a mount point.",
        "pivot_root" => {
            "Mediates pivot_root(2): the new root, the put-old directory and the profile to change to."
        }
        "change_profile" => {
            "Allows the task to change (now, or at its next exec with `exec`) to the named profiles."
        }
        "rlimit" => {
            "`set rlimit NAME <= VALUE,`: sets a resource limit for the tasks the profile confines."
        }
        "set" => "Used in `set rlimit`: sets a resource limit.",
        "userns" => "Mediates creating user namespaces.",
        "io_uring" => "Mediates io_uring: overriding credentials and creating an SQPOLL thread.",
        "mqueue" => "Mediates POSIX and System V message queues.",
        "all" => "Allows everything every rule family can mediate.",
        "file" => "Mediates files by path; written alone it allows every file access.",
        "link" => {
            "`link /new -> /target,`: allows making a hard link at /new to /target (`subset`: only with no more permissions than the target's)."
        }
        "subset" => {
            "In a link rule: the link may only be made where its permissions are a subset of the target's."
        }
        "audit" => "Qualifier: log every access this rule decides, allowed or denied.",
        "deny" => {
            "Qualifier: refuse the access (and do not log it unless audited), whatever allow rules say."
        }
        "allow" => "Qualifier: allow the access (the default for a rule).",
        "prompt" => "Qualifier: ask a user-space agent whether to allow the access.",
        "owner" => "Qualifier: the rule applies only to files the task's fsuid owns.",
        "other" => "Qualifier: the rule applies only to files the task's fsuid does not own.",
        "priority" => {
            "`priority=N` before a rule: rules of higher priority override the others on the paths both match."
        }
        "exec" => "In change_profile: the change happens at the next exec.",
        "safe" | "unsafe" => {
            "In change_profile: whether the environment is scrubbed (safe) or kept (unsafe) when changing at exec."
        }
        "if" | "else" => {
            "A conditional: its rules are read only when the boolean or defined-variable expression holds."
        }
        "defined" => "In a conditional: true when the variable is defined.",
        _ => return None,
    })
}

/// The meaning of a capability name (without `CAP_`).
pub fn capability(name: &str) -> Option<&'static str> {
    Some(match name {
        "chown" => "Change the owner and group of any file.",
        "dac_override" => "Bypass file read, write and execute permission checks.",
        "dac_read_search" => "Bypass file read checks and directory read and search checks.",
        "fowner" => {
            "Bypass checks that need the file's owner to be the caller (chmod, utime, ...)."
        }
        "fsetid" => {
            "Keep set-user-ID and set-group-ID bits when a file is modified; set the set-group-ID bit for another group."
        }
        "kill" => "Send signals to processes of other users.",
        "setgid" => "Change group IDs and supplementary groups arbitrarily.",
        "setuid" => "Change user IDs arbitrarily.",
        "setpcap" => "Change capability bounding sets and inheritable capabilities.",
        "linux_immutable" => "Set the immutable and append-only file attributes.",
        "net_bind_service" => "Bind sockets to ports below 1024.",
        "net_broadcast" => "Make socket broadcasts and listen to multicasts.",
        "net_admin" => "Administer networks: interfaces, routing, firewall, socket options.",
        "net_raw" => "Use raw and packet sockets.",
        "ipc_lock" => "Lock memory (mlock, mlockall, huge pages).",
        "ipc_owner" => "Bypass permission checks on System V IPC objects.",
        "sys_module" => "Load and unload kernel modules.",
        "sys_rawio" => "Perform raw I/O (ioperm, iopl, /dev/mem, /dev/kmem).",
        "sys_chroot" => "Use chroot(2) and change mount namespaces with setns.",
        "sys_ptrace" => "Trace and inspect any process (ptrace, process_vm_readv).",
        "sys_pacct" => "Turn process accounting on and off.",
        "sys_admin" => {
            "A wide range of system administration: mount, sethostname, namespaces, quotas and more."
        }
        "sys_boot" => "Reboot and load a new kernel (kexec).",
        "sys_nice" => "Raise priorities and set scheduling policies of any process.",
        "sys_resource" => "Exceed resource limits and quotas.",
        "sys_time" => "Set the system clock and the real-time clock.",
        "sys_tty_config" => "Configure terminals (vhangup and privileged ioctls).",
        "mknod" => "Create device special files with mknod(2).",
        "lease" => "Take leases on files the caller does not own.",
        "audit_write" => "Write records to the kernel's audit log.",
        "audit_control" => "Configure kernel auditing: rules, status and filters.",
        "setfcap" => "Set file capabilities.",
        "mac_override" => "Override mandatory access control (not used by AppArmor itself).",
        "mac_admin" => "Administer mandatory access control: load and change AppArmor policy.",
        "syslog" => "Use privileged syslog(2) operations and see kernel addresses.",
        "wake_alarm" => "Set timers that wake the system from suspend.",
        "block_suspend" => "Block system suspend (epoll wakeups).",
        "audit_read" => "Read the audit log over a multicast netlink socket.",
        "perfmon" => "Use performance monitoring (perf_event_open and related).",
        "bpf" => "Use privileged BPF operations: maps, programs and BTF.",
        "checkpoint_restore" => {
            "Checkpoint and restore: set PIDs, read other processes' map files."
        }
        _ => return None,
    })
}

/// The meaning of each permission in a file rule's mode, in the order
/// written: the exec modes as one entry (`Px`, `cix`, ...), the other
/// letters one each. Unknown letters are left out.
pub fn file_mode(mode: &str) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let b = mode.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // an exec mode: an optional inherit fallback then `x`
        if let Some(len) = exec_len(&b[i..]) {
            let m = &mode[i..i + len];
            if let Some(meaning) = exec(m) {
                out.push((m.to_string(), meaning));
            }
            i += len;
            continue;
        }
        let meaning = match b[i] {
            b'r' => Some("read"),
            b'w' => Some("write (create, truncate, append, delete, rename)"),
            b'a' => Some("append only"),
            b'l' => Some("create hard links to the file"),
            b'k' => Some("lock the file"),
            b'm' => Some("map the file executable (mmap PROT_EXEC)"),
            _ => None,
        };
        if let Some(meaning) = meaning {
            out.push((mode[i..=i].to_string(), meaning));
        }
        i += 1;
    }
    out
}

/// The length of the exec mode that starts `b`, if one does.
fn exec_len(b: &[u8]) -> Option<usize> {
    (1..=3).rev().find(|&n| {
        b.len() >= n
            && b[n - 1] == b'x'
            && std::str::from_utf8(&b[..n]).is_ok_and(|m| exec(m).is_some())
    })
}

fn exec(m: &str) -> Option<&'static str> {
    Some(match m {
        "x" => "execute (in a deny rule: any exec mode)",
        "ix" => "execute, inheriting the current profile",
        "px" => {
            "execute under the profile that attaches to the program, keeping the environment; fails if there is none"
        }
        "Px" => {
            "execute under the profile that attaches to the program, with the environment scrubbed; fails if there is none"
        }
        "cx" => "execute under a child profile of this profile, keeping the environment",
        "Cx" => "execute under a child profile of this profile, with the environment scrubbed",
        "ux" => "execute unconfined, keeping the environment",
        "Ux" => "execute unconfined, with the environment scrubbed",
        "pix" | "Pix" => {
            "execute under the program's profile, or inherit this one when there is none (Pix scrubs the environment)"
        }
        "pux" | "PUx" | "Pux" | "pUx" => {
            "execute under the program's profile, or unconfined when there is none"
        }
        "cix" | "Cix" => {
            "execute under a child profile, or inherit this one when there is none (Cix scrubs the environment)"
        }
        "cux" | "CUx" | "Cux" | "cUx" => {
            "execute under a child profile, or unconfined when there is none"
        }
        _ => return None,
    })
}

/// The meaning of a profile flag (a `name=value` flag by its name).
/// What a permission word of a rule family (`signal send`, `dbus bind`,
/// `unix connect`...) allows.
pub fn access(family: PermFamily, perm: &str) -> Option<&'static str> {
    use PermFamily as F;
    Some(match (family, perm) {
        (F::Dbus, "r" | "read") => "The same as `receive`.",
        (F::Dbus, "w" | "write") => "The same as `send`.",
        (F::Dbus, "rw" | "wr") => "The same as `send receive`.",
        (F::Dbus, "send") => "Send messages (method calls, signals, replies) to the peer.",
        (F::Dbus, "receive") => "Receive messages from the peer.",
        (F::Dbus, "bind") => "Own (bind) a well-known bus name.",
        (F::Dbus, "eavesdrop") => "Monitor messages addressed to others on the bus.",
        (F::Signal, "send" | "w" | "write") => "Send the signals to the peer.",
        (F::Signal, "receive" | "r" | "read") => "Receive the signals from the peer.",
        (F::Signal, "rw" | "wr") => "Send and receive the signals.",
        (F::Ptrace, "trace" | "w" | "write") => {
            "Trace the peer: attach to it, read and change its memory and registers."
        }
        (F::Ptrace, "read" | "r") => {
            "Read the peer's state (as /proc/PID/ files give it), without tracing it."
        }
        (F::Ptrace, "tracedby") => "Be traced by the peer.",
        (F::Ptrace, "readby") => "Have the peer read this task's state.",
        (F::Ptrace, "rw" | "wr") => "Trace and read the peer.",
        (F::Network | F::Unix, p) => match p {
            "create" => "Create sockets.",
            "bind" => "Bind a socket to a local address.",
            "listen" => "Listen for connections on a socket.",
            "accept" => "Accept connections.",
            "connect" => "Connect to a peer.",
            "shutdown" => "Shut down a socket's reading or writing side.",
            "getattr" => "Read a socket's attributes (its address, the peer's credentials).",
            "setattr" => "Change a socket's attributes.",
            "getopt" => "Read socket options (getsockopt).",
            "setopt" => "Set socket options (setsockopt).",
            "send" | "w" | "write" => "Send data on a socket.",
            "receive" | "r" | "read" => "Receive data from a socket.",
            "rw" | "wr" => "Send and receive data.",
            _ => return None,
        },
        (F::Mqueue, p) => match p {
            "create" => "Create message queues.",
            "open" => "Open message queues.",
            "delete" => "Delete (unlink) message queues.",
            "getattr" => "Read a queue's attributes.",
            "setattr" => "Change a queue's attributes.",
            "read" | "r" => "Receive messages from a queue.",
            "write" | "w" => "Send messages to a queue.",
            "rw" | "wr" => "Send and receive messages.",
            _ => return None,
        },
        (F::IoUring, "sqpoll") => {
            "Create an io_uring with a kernel thread that polls its submission queue."
        }
        (F::IoUring, "override_creds") => {
            "Submit io_uring operations under other credentials (a registered personality)."
        }
        (F::Userns, "create") => "Create user namespaces.",
        _ => return None,
    })
}

pub fn flag(name: &str) -> Option<&'static str> {
    let name = name.split_once('=').map_or(name, |(n, _)| n);
    Some(match name {
        "enforce" => "Mode: deny what the profile does not allow (the default).",
        "complain" => "Mode: allow everything, logging what the profile would deny.",
        "kill" => "Mode: kill the task on an access the profile denies.",
        "unconfined" => {
            "Mode: no confinement, but the profile still gives transitions and stacking."
        }
        "prompt" => "Mode: ask a user-space agent about accesses the profile does not decide.",
        "default_allow" => "Mode: allow what no deny rule refuses.",
        "debug" => "Ask the kernel for debug output about this profile.",
        "audit" => "Log every access the profile decides.",
        "interruptible" => "Prompts may be interrupted by signals.",
        "chroot_relative" => "Paths are relative to the task's chroot.",
        "namespace_relative" => "Paths are relative to the task's mount namespace (the default).",
        "mediate_deleted" => "Mediate files that have been deleted by their path as it was.",
        "delegate_deleted" => "Delegate the decision on deleted files to the file's opener.",
        "attach_disconnected" => {
            "Paths outside the task's namespace are made relative to its root instead of failing."
        }
        "no_attach_disconnected" => "Disconnected paths fail to resolve (the default).",
        "chroot_attach" => "Paths outside a chroot are attached to the chroot's root.",
        "chroot_no_attach" => "Paths outside a chroot fail to resolve.",
        "attach_disconnected.path" => {
            "The prefix given to disconnected paths (implies attach_disconnected)."
        }
        "attach_disconnected.ipc" => {
            "Disconnected IPC paths (unix sockets, mqueues) are attached, optionally under a prefix."
        }
        "kill.signal" => "The signal sent in kill mode (SIGKILL by default).",
        "error" => "The errno returned for denied accesses (EACCES by default).",
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
