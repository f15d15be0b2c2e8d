//! ## What it does
//! Flags a hard-coded path prefix for which a tunable variable is defined:
//! `/home/*/` (`@{HOME}/`), `/proc/` (`@{PROC}/`), `/sys/` (`@{sys}/`),
//! `/run/` (`@{run}/`), `/proc/[0-9]*/` (`@{pid}`-based paths) and
//! `/{usr/,}bin/` or `/{,usr/}bin/` (`@{bin}/`). Only variables the policy defines are
//! suggested.
//!
//! ## Why is this bad?
//! Tunables are how distributions and administrators adapt profiles to
//! their layout (home directories elsewhere than `/home`, a different
//! `/run`). A hard-coded path ignores that adaptation.
//!
//! ## Example
//! ```apparmor
//! owner /home/*/.config/foo/** rw,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! owner @{HOME}/.config/foo/** rw,
//! ```
//!
//! ## Fix safety
//! Unsafe: the variable's value may differ from the hard-coded path.

use crate::diag::Diagnostic;
use crate::lint::facts::ast_rules;
use crate::lint::fix::edit;
use crate::lint::{Context, finding};
use crate::syntax::ast::{Elem, WordKind};

rule!("L312", "prefer-tunable", Style, Info, false, Unsafe);

/// (hard-coded prefix, variable, replacement)
const TUNABLES: &[(&str, &str, &str)] = &[
    ("/home/*/", "HOME", "@{HOME}/"),
    ("/proc/[0-9]*/", "pid", "@{PROC}/@{pid}/"),
    ("/proc/", "PROC", "@{PROC}/"),
    ("/sys/", "sys", "@{sys}/"),
    ("/run/", "run", "@{run}/"),
    ("/{usr/,}bin/", "bin", "@{bin}/"),
    ("/{,usr/}bin/", "bin", "@{bin}/"),
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for r in ast_rules(&cx.ast.items) {
        for e in &r.elems {
            let Elem::Word(w) = e else { continue };
            if w.kind != WordKind::Id {
                continue;
            }
            let written = cx.slice(w.span);
            let Some((prefix, var, with)) = TUNABLES
                .iter()
                .find(|(p, v, _)| written.starts_with(p) && cx.policy.vars.contains_key(*v))
            else {
                continue;
            };
            if *var == "pid" && !cx.policy.vars.contains_key("PROC") {
                continue;
            }
            let s = w.span.start as usize;
            let mut d = finding(
                &RULE,
                w.span,
                format!("hard-coded `{prefix}`: the tunable `@{{{var}}}` exists"),
            )
            .help(format!("write `{with}`"));
            d.fix = Some(edit::unsafe_(
                format!("use `{with}`"),
                vec![edit::replace(cx.span(s, s + prefix.len()), *with)],
            ));
            out.push(d);
        }
    }
}
