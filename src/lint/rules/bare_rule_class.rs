//! ## What it does
//! Flags a rule that grants a whole rule class with no restriction:
//! `capability,`, `network,`, `mount,`, `remount,`, `umount,`,
//! `pivot_root,`, `ptrace,`, `signal,`, `dbus,`, `unix,`, `mqueue,`,
//! `io_uring,`, `change_profile,` and `all,`.
//!
//! ## Why is this bad?
//! `capability,` is every capability, `mount,` any mount anywhere,
//! `ptrace,` tracing any process. The profile stops confining that class
//! altogether; a bare rule is almost always a placeholder that should list
//! what the program does.
//!
//! ## Example
//! ```apparmor
//! capability,
//! network,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! capability net_bind_service,
//! network inet stream,
//! ```

use crate::diag::Diagnostic;
use crate::lint::facts::qualifiers;
use crate::lint::{Context, finding};
use crate::syntax::ast::Elem;

rule!("L210", "bare-rule-class", Security, Warning, true, None);

const CLASSES: &[&str] = &[
    "capability", "network", "mount", "remount", "umount", "unmount", "pivot_root", "ptrace",
    "signal", "dbus", "unix", "mqueue", "io_uring", "change_profile", "all",
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for pf in &cx.facts().profiles {
        for r in pf.others.iter().filter(|r| cx.is_local(r.span)) {
            if qualifiers(&r.prefix).0 {
                continue;
            }
            let [Elem::Word(w)] = r.elems.as_slice() else { continue };
            if w.kind != crate::syntax::ast::WordKind::Key || !CLASSES.contains(&w.text.as_str()) {
                continue;
            }
            out.push(
                finding(
                    &RULE,
                    r.span,
                    format!("`{},` grants every {} permission without restriction", w.text, w.text),
                )
                .help(format!("list what the program needs, e.g. `{}`", example(&w.text))),
            );
        }
    }
}

fn example(class: &str) -> &'static str {
    match class {
        "capability" => "capability net_bind_service,",
        "network" => "network inet stream,",
        "mount" | "remount" | "umount" | "unmount" => "mount fstype=tmpfs -> /run/myapp/,",
        "pivot_root" => "pivot_root oldroot=/mnt/old/ /mnt/,",
        "ptrace" => "ptrace (read) peer=myapp//helper,",
        "signal" => "signal (send) set=(term) peer=myapp//helper,",
        "dbus" => "dbus send bus=session path=/org/example/App,",
        "unix" => "unix (connect) type=stream peer=(addr=@/tmp/.X11-unix/*),",
        "mqueue" => "mqueue (read) /myapp.queue,",
        "io_uring" => "io_uring sqpoll,",
        "change_profile" => "change_profile -> myapp//helper,",
        _ => "the rules of each class it uses",
    }
}
