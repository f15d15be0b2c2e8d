//! ## What it does
//! Flags a profile in `unconfined` mode (`flags=(unconfined)`) or with
//! `default_allow`.
//!
//! ## Why is this bad?
//! Such a profile names a program without confining it: every access is
//! allowed. That is sometimes the point (a profile that exists only to
//! attach `userns` permission or to transition children), but then it
//! deserves a comment and a suppression; by accident it turns confinement
//! off.
//!
//! ## Example
//! ```apparmor
//! profile foo /usr/bin/foo flags=(unconfined) {
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo /usr/bin/foo {
//!   include <abstractions/base>
//! }
//! ```

use crate::diag::Diagnostic;
use crate::lint::{Context, finding};
use crate::lint::facts::all_profiles;

rule!("L211", "unconfined-profile", Security, Warning, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for p in all_profiles(cx.policy) {
        // upstream's profiles that exist only to grant `userns` are meant so
        let grants_userns = p
            .rules
            .iter()
            .any(|r| crate::check::family(r) == crate::check::Family::Userns);
        if !cx.is_local(p.span) || grants_userns {
            continue;
        }
        if let Some(f) = p.flags.iter().find(|f| *f == "unconfined" || *f == "default_allow") {
            out.push(
                finding(
                    &RULE,
                    cx.flag_span(p.span, f),
                    format!("profile `{}` is `{f}`: it does not confine the program", p.name),
                )
                .help("remove the flag and list what the program needs"),
            );
        }
    }
}
