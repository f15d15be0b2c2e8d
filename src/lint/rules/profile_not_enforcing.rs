//! ## What it does
//! Flags a profile in complain (or prompt) mode: `flags=(complain)`.
//!
//! ## Why is this bad?
//! A complain-mode profile only logs what it would deny. That is right
//! while a profile is being written, but a profile shipped that way
//! protects nothing. The apparmor.d project keeps the mode out of the
//! profile (in its build's flag lists) for this reason.
//!
//! ## Example
//! ```apparmor
//! profile foo /usr/bin/foo flags=(complain) {
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo /usr/bin/foo {
//! }
//! ```

use crate::diag::Diagnostic;
use crate::lint::facts::all_profiles;
use crate::lint::{Context, finding};

rule!("L214", "profile-not-enforcing", Security, Info, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for p in all_profiles(cx.policy).into_iter().filter(|p| cx.is_local(p.span)) {
        if let Some(f) = p.flags.iter().find(|f| *f == "complain" || *f == "prompt") {
            out.push(
                finding(
                    &RULE,
                    cx.flag_span(p.span, f),
                    format!("profile `{}` is in {f} mode: it logs but does not deny", p.name),
                )
                .help("remove the flag once the profile is complete"),
            );
        }
    }
}
