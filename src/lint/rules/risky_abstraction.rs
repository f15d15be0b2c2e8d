//! ## What it does
//! Flags includes of abstractions that grant much more than most programs
//! need, when a narrower one exists: `abstractions/nameservice` (use
//! `nameservice-strict`), `abstractions/dbus-session` and
//! `abstractions/dbus` (use the `-strict` forms), and `abstractions/user-tmp`.
//!
//! ## Why is this bad?
//! `nameservice` grants every NSS backend's files and sockets,
//! `dbus-session` lets the program talk to every service on the session
//! bus, and `user-tmp` grants read and write on all of `/tmp`. The strict
//! forms grant the connection only, leaving the program's own needs to be
//! spelled out.
//!
//! ## Example
//! ```apparmor
//! include <abstractions/nameservice>
//! ```
//!
//! ## Use instead
//! ```apparmor
//! include <abstractions/nameservice-strict>
//! ```
//!
//! ## Fix safety
//! Unsafe: the strict abstraction grants less, which the program may need.
//! Offered only when the `-strict` file exists in the include path.

use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::{Context, finding};
use crate::lint::facts::ast_includes;

rule!("L209", "risky-abstraction", Security, Warning, true, Unsafe);

const RISKY: &[(&str, &str)] = &[
    ("abstractions/nameservice", "every name-service backend's files and sockets"),
    ("abstractions/dbus-session", "talking to every service on the session bus"),
    ("abstractions/dbus", "talking to every service on the system bus"),
    ("abstractions/user-tmp", "read and write on all of /tmp"),
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (inc, item) in ast_includes(&cx.ast.items) {
        let Some((_, what)) = RISKY.iter().find(|(p, _)| *p == inc.path) else {
            continue;
        };
        let span = cx.stmt_span(item);
        let strict = format!("{}-strict", inc.path);
        let has_strict = inc.angle && cx.search.find(&strict, true).is_some();
        let mut d = finding(&RULE, span, format!("<{}> grants {what}", inc.path));
        if has_strict {
            d = d.help(format!("include <{strict}> and add what the program needs"));
            let text = cx.slice(span);
            if let Some(at) = text.find(&inc.path) {
                let s = span.start as usize + at + inc.path.len();
                d.fix = Some(edit::unsafe_(
                    format!("use <{strict}>"),
                    vec![edit::replace(cx.span(s, s), "-strict")],
                ));
            }
        } else {
            d = d.help("grant the program's own needs instead");
        }
        out.push(d);
    }
}
