//! ## What it does
//! Flags capabilities that amount to full control of the machine — those
//! AppArmor's own severity scale rates at the top: `sys_admin`,
//! `sys_module`, `sys_rawio`, `sys_ptrace`, `mac_admin`, `mac_override`,
//! `dac_override`, `dac_read_search`, `setuid`, `setgid`, `setpcap`,
//! `setfcap`, `sys_boot`, `bpf`, `chown`, `fowner`, `linux_immutable`,
//! `mknod`, `sys_chroot`, `net_admin` and `perfmon`.
//!
//! ## Why is this bad?
//! Each of these lets a compromised program escape or disable confinement:
//! load kernel modules, write raw devices, bypass file permissions, change
//! the AppArmor policy itself, or become another user. Grant them only
//! when the program really needs them, and say why in a comment (and
//! suppress this finding there).
//!
//! ## Example
//! ```apparmor
//! capability sys_admin,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! capability net_bind_service,
//! ```

use crate::diag::Diagnostic;
use crate::lint::facts::qualifiers;
use crate::lint::{Context, finding};
use crate::syntax::ast::Elem;

rule!("L207", "dangerous-capability", Security, Warning, true, None);

const DANGEROUS: &[(&str, &str)] = &[
    ("sys_admin", "nearly every administrative operation: mounts, namespaces, devices"),
    ("sys_module", "loading kernel modules"),
    ("sys_rawio", "raw I/O on devices and memory"),
    ("sys_ptrace", "tracing and reading the memory of any process"),
    ("mac_admin", "changing the AppArmor policy"),
    ("mac_override", "overriding mandatory access control"),
    ("dac_override", "bypassing file read, write and execute permission checks"),
    ("dac_read_search", "bypassing file read and directory search permission checks"),
    ("setuid", "becoming any user"),
    ("setgid", "becoming any group"),
    ("setpcap", "changing process capabilities"),
    ("setfcap", "setting file capabilities"),
    ("sys_boot", "rebooting and loading new kernels"),
    ("bpf", "loading BPF programs"),
    ("chown", "changing the owner of any file"),
    ("fowner", "bypassing owner checks on any file"),
    ("linux_immutable", "changing immutable and append-only files"),
    ("mknod", "creating device nodes"),
    ("sys_chroot", "changing the root directory"),
    ("net_admin", "reconfiguring the network"),
    ("perfmon", "system-wide performance monitoring"),
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for pf in &cx.facts().profiles {
        for r in pf.others.iter().filter(|r| cx.is_local(r.span)) {
            if qualifiers(&r.prefix).0 || crate::check::family(r) != crate::check::Family::Capability {
                continue;
            }
            for e in r.elems.iter().skip(1) {
                let Elem::Word(w) = e else { continue };
                if let Some((_, what)) = DANGEROUS.iter().find(|(c, _)| *c == w.text) {
                    out.push(
                        finding(&RULE, w.span, format!("capability `{}` allows {what}", w.text))
                            .help("grant it only if the program needs it, and say why in a comment"),
                    );
                }
            }
        }
    }
}
