//! ## What it does
//! Flags `change_profile` rules that let the program move to any profile
//! or to `unconfined`: `change_profile -> **`, `change_profile ->
//! unconfined`, or a target made only of wildcards.
//!
//! ## Why is this bad?
//! A confined program that may change to any profile may change to the
//! least confining one — or leave confinement — whenever it likes, which
//! voids the profile.
//!
//! ## Example
//! ```apparmor
//! change_profile -> **,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! change_profile -> myapp//sandbox,
//! ```

use crate::check::{Family, family};
use crate::diag::Diagnostic;
use crate::lint::facts::qualifiers;
use crate::lint::{Context, finding};
use crate::syntax::ast::Elem;

rule!("L212", "change-profile-any", Security, Warning, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for pf in &cx.facts().profiles {
        for r in pf.others.iter().filter(|r| cx.is_local(r.span)) {
            if qualifiers(&r.prefix).0 || family(r) != Family::ChangeProfile {
                continue;
            }
            for e in &r.elems {
                let Elem::Arrow { target: Some(t), .. } = e else { continue };
                let any = t.text == "unconfined"
                    || t.text.chars().all(|c| matches!(c, '*' | '/' | '?' | ':'));
                if any {
                    out.push(
                        finding(
                            &RULE,
                            t.span,
                            format!("`change_profile -> {}` lets the program leave its confinement", t.text),
                        )
                        .help("name the profiles the program may change to"),
                    );
                }
            }
        }
    }
}
