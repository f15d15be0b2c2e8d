//! ## What it does
//! Flags file permissions not written in the canonical order `m r w a l k`
//! followed by the exec mode (`rwlk`, not `rwkl`; `mr`, not `rm`), and the
//! deprecated upper-case forms of `r`, `w`, `l` and `m`.
//!
//! ## Why is this bad?
//! The order does not change the meaning, but one order makes rules easy
//! to compare and grep, and it is what `aaprof fmt` and the apparmor.d
//! checks expect. Upper-case `R`, `W`, `L`, `M` are deprecated.
//!
//! ## Example
//! ```apparmor
//! /var/lib/foo/** rwkl,
//! /usr/lib/foo.so RM,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! /var/lib/foo/** rwlk,
//! /usr/lib/foo.so mr,
//! ```
//!
//! ## Fix safety
//! Safe: the permissions are the same.

use crate::diag::Diagnostic;
use crate::fmt::canonical_mode;
use crate::lint::facts::ast_rules;
use crate::lint::fix::edit;
use crate::lint::{Context, finding};
use crate::syntax::ast::{Elem, WordKind};

rule!("L307", "perm-order", Style, Warning, false, Safe);

/// The canonical spelling of a permission string.
pub fn canonical(mode: &str) -> String {
    let lowered: String = mode
        .chars()
        .map(|c| match c {
            'R' | 'W' | 'L' | 'M' => c.to_ascii_lowercase(),
            c => c,
        })
        .collect();
    canonical_mode(&lowered)
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for r in ast_rules(&cx.ast.items) {
        for e in &r.elems {
            let Elem::Word(w) = e else { continue };
            if w.kind != WordKind::Mode || cx.slice(w.span) != w.text {
                continue;
            }
            let want = canonical(&w.text);
            if want == w.text {
                continue;
            }
            let mut d = finding(&RULE, w.span, format!("permissions `{}` are not in canonical order", w.text))
                .help(format!("write `{want}`"));
            d.fix = Some(edit::safe(format!("write `{want}`"), vec![edit::replace(w.span, want)]));
            out.push(d);
        }
    }
}
