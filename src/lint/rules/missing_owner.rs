//! ## What it does
//! Flags a rule granting write access (`w`, `a`, `l`, `k`) under a per-user
//! location — `@{HOME}`, `/home/*/`, `@{user_*_dirs}`, `/tmp/`, `@{run}/user/`
//! — without the `owner` qualifier.
//!
//! ## Why is this bad?
//! Without `owner`, the program may write files there that belong to other
//! users (any file the Unix permissions let it reach, which for a root
//! service is every user's). `owner` limits the rule to files the process
//! owns.
//!
//! ## Example
//! ```apparmor
//! @{HOME}/.config/myapp/** rw,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! owner @{HOME}/.config/myapp/** rw,
//! ```
//!
//! ## Fix safety
//! Unsafe: `owner` narrows the rule, which a program running for several
//! users may need.

use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::{Context, finding};

rule!("L206", "missing-owner", Security, Info, true, Unsafe);

const PER_USER: &[&str] = &[
    "@{HOME}", "@{HOMEDIRS}", "@{user_", "/home/", "@{tmp}", "/tmp/", "/var/tmp/", "@{run}/user/",
    "/run/user/", "@{XDG_",
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for pf in &cx.facts().profiles {
        for f in pf.files.iter().filter(|f| f.local && !f.deny && !f.owner && !f.other) {
            let p = &f.perms;
            if !(p.write || p.append || p.link || p.lock) {
                continue;
            }
            let written = cx.slice(f.path.span).trim_start_matches('"');
            if !PER_USER.iter().any(|u| written.starts_with(u)) {
                continue;
            }
            // after `audit`, `allow` and `priority=`, before the rule's words
            let start = f.rule.elems.first().map_or(f.rule.span.start, |e| e.span().start) as usize;
            let mut d = finding(
                &RULE,
                f.path.span,
                format!("`{written}` is a per-user path written without `owner`"),
            )
            .help("add `owner` so that only the process's own files are granted");
            d.fix = Some(edit::unsafe_(
                "add `owner`",
                vec![edit::replace(cx.span(start, start), "owner ")],
            ));
            out.push(d);
        }
    }
}
