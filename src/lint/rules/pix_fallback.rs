//! ## What it does
//! Flags `Pix`/`pix` and `Cix`/`cix`: transitions to another profile that
//! fall back to inheriting the current one when that profile is missing.
//!
//! ## Why is this bad?
//! What runs — and with which permissions — then depends on which profiles
//! happen to be installed on the machine. The program is confined either
//! way, but by a profile that was not written for it, so it either fails or
//! quietly gains the parent's permissions. The apparmor.d project forbids
//! `Pix` for this reason.
//!
//! ## Example
//! ```apparmor
//! @{bin}/foo Pix,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! @{bin}/foo Px,
//! ```

use crate::check::file::ExecBase;
use crate::diag::Diagnostic;
use crate::lint::{Context, finding};

rule!("L202", "pix-fallback", Security, Warning, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for pf in &cx.facts().profiles {
        for f in pf.files.iter().filter(|f| f.local && !f.deny) {
            let Some(m) = f.perms.exec_mode else { continue };
            if m.fallback != Some(ExecBase::Inherit) {
                continue;
            }
            let letters = m.letters();
            let at = f.mode.map_or(f.rule.span, |w| w.span);
            out.push(
                finding(
                    &RULE,
                    at,
                    format!(
                        "`{letters}` on `{}`: the profile it runs under depends on which profiles are installed",
                        cx.written(f.path)
                    ),
                )
                .help(format!(
                    "choose one: `{}` (its own profile) or `ix` (this profile)",
                    if m.base == ExecBase::Child { "Cx" } else { "Px" }
                )),
            );
        }
    }
}
