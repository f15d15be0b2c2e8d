//! ## What it does
//! Flags an exec permission granted on a pattern that matches a whole
//! directory of programs: a path ending in `*` or containing `**`, such as
//! `@{bin}/* Px` or `/** ix`.
//!
//! ## Why is this bad?
//! Every program in the directory — including ones installed later — may
//! be run, and with `ix` each runs with the profile's permissions. Exec
//! rules should name the programs the application really runs.
//!
//! ## Example
//! ```apparmor
//! /usr/bin/* ix,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! /usr/bin/{sed,grep} ix,
//! ```

use crate::diag::Diagnostic;
use crate::lint::{Context, finding};

rule!("L203", "wide-exec-glob", Security, Warning, true, None);

/// Whether a path's last component is a bare wildcard, or the path holds a
/// `**`.
pub fn is_wide(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or(path);
    path.contains("**") || last == "*" || last == "*{,.*}" || last == "[^.]*"
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for pf in &cx.facts().profiles {
        for f in pf.files.iter().filter(|f| f.local && !f.deny && f.perms.exec) {
            if !is_wide(f.norm) {
                continue;
            }
            out.push(
                finding(
                    &RULE,
                    f.path.span,
                    format!(
                        "`{}` allows executing every program that `{}` matches",
                        f.mode_text(),
                        cx.written(f.path)
                    ),
                )
                .help("name the programs the application runs"),
            );
        }
    }
}
