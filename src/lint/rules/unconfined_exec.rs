//! ## What it does
//! Flags exec transitions that can leave confinement: `ux`, `Ux` (run
//! unconfined) and the fallbacks `pux`, `PUx`, `cux`, `CUx` (run unconfined
//! when no profile is found). Plain `ux` is an error; the others are
//! warnings.
//!
//! ## Why is this bad?
//! Whatever the profile protects, an unconfined child can do anything the
//! user can. Lower-case `ux` is worse still: the environment is not
//! scrubbed, so `LD_PRELOAD` and friends pass from a possibly compromised
//! parent into the unconfined program.
//!
//! ## Example
//! ```apparmor
//! /usr/bin/helper ux,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! /usr/bin/helper Px,
//! ```

use crate::check::file::ExecBase;
use crate::diag::{Diagnostic, Severity};
use crate::lint::{Context, finding};

rule!("L201", "unconfined-exec", Security, Warning, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for pf in &cx.facts().profiles {
        for f in pf.files.iter().filter(|f| f.local && !f.deny) {
            let Some(m) = f.perms.exec_mode else { continue };
            let plain = m.base == ExecBase::Unconfined;
            if !plain && m.fallback != Some(ExecBase::Unconfined) {
                continue;
            }
            let letters = m.letters();
            let at = f.mode.map_or(f.rule.span, |w| w.span);
            let mut d = if plain {
                finding(
                    &RULE,
                    at,
                    format!("`{letters}` runs `{}` unconfined", cx.written(f.path)),
                )
            } else {
                finding(
                    &RULE,
                    at,
                    format!(
                        "`{letters}` runs `{}` unconfined when no profile is found for it",
                        cx.written(f.path)
                    ),
                )
            };
            if plain && m.unsafe_ {
                d = d
                    .with_severity(Severity::Error)
                    .note("lower-case `ux` also keeps the environment: LD_PRELOAD and similar variables reach the unconfined program");
            }
            out.push(d.help("confine the program: `Px` (its own profile), `Cx` (a child profile) or `ix`"));
        }
    }
}
