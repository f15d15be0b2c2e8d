//! ## What it does
//! Flags allow rules that reach files holding secrets or controlling the
//! system: password hashes (`/etc/shadow`, `/etc/gshadow`), sudo rules, SSH
//! and GnuPG private keys, kernel memory (`/dev/mem`, `/dev/kmem`,
//! `/proc/kcore`, `/proc/*/mem`), and — for writing — the AppArmor policy,
//! the boot loader and kernels, `/etc/passwd`, `/etc/ld.so.preload` and
//! the policy interface in securityfs. Matching is exact: the rule's
//! pattern is run against a representative path of each.
//!
//! ## Why is this bad?
//! Read access to these leaks credentials; write access gives root or
//! turns confinement off. A wide rule (`/etc/* r`, `owner @{HOME}/** r`)
//! often grants them by accident.
//!
//! ## Example
//! ```apparmor
//! /etc/* r,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! /etc/myapp.conf r,
//! ```

use crate::diag::Diagnostic;
use crate::lint::{Context, finding};

rule!("L208", "sensitive-path", Security, Warning, true, None);

/// (representative path, what it is, needs write to be dangerous)
const SENSITIVE: &[(&str, &str, bool)] = &[
    ("/etc/shadow", "password hashes", false),
    ("/etc/gshadow", "group password hashes", false),
    ("/etc/sudoers", "sudo rules", false),
    ("/etc/sudoers.d/local", "sudo rules", false),
    ("/home/user/.ssh/id_ed25519", "SSH private keys", false),
    ("/root/.ssh/id_ed25519", "SSH private keys", false),
    ("/home/user/.gnupg/private-keys-v1.d/key.key", "GnuPG private keys", false),
    ("/etc/ssh/ssh_host_ed25519_key", "SSH host keys", false),
    ("/dev/mem", "physical memory", false),
    ("/dev/kmem", "kernel memory", false),
    ("/proc/kcore", "kernel memory", false),
    ("/proc/1/mem", "another process's memory", false),
    ("/etc/passwd", "the user database", true),
    ("/etc/ld.so.preload", "libraries preloaded into every program", true),
    ("/etc/apparmor.d/local/profile", "the AppArmor policy", true),
    ("/sys/kernel/security/apparmor/.replace", "the loaded AppArmor policy", true),
    ("/boot/vmlinuz", "kernels and the boot loader", true),
    ("/etc/sudoers.d/local", "sudo rules", true),
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    cx.per_profile(&RULE, out, |pf, out| {
        for f in pf.files.iter().filter(|f| f.local && !f.deny) {
            let writes = f.perms.write || f.perms.append;
            let hit = SENSITIVE.iter().find(|(path, _, need_write)| {
                (if *need_write { writes } else { f.perms.read || writes })
                    && f.may_match(path)
                    && f.pattern().is_some_and(|p| p.matches(path))
            });
            // a deny rule of the profile that takes the path away again
            let denied = hit.is_some_and(|(path, _, _)| {
                pf.files.iter().any(|d| {
                    d.deny
                        && (d.perms.read || !f.perms.read)
                        && d.may_match(path)
                        && d.pattern().is_some_and(|p| p.matches(path))
                })
            });
            if denied {
                continue;
            }
            if let Some((path, what, need_write)) = hit {
                let verb = if *need_write || !f.perms.read { "write" } else { "read" };
                out.push(
                    finding(
                        &RULE,
                        f.path.span,
                        format!("`{}` lets the program {verb} {what} (it matches `{path}`)", cx.written(f.path)),
                    )
                    .help("narrow the rule so that it does not match this path, or deny the path explicitly"),
                );
            }
        }
    });
}
