//! ## What it does
//! Flags a profile file with no `abi` rule.
//!
//! ## Why is this bad?
//! Without `abi`, the parser compiles the policy for whatever kernel
//! features it assumes by default, which differs between AppArmor releases
//! and distributions: the same profile then enforces different rules on
//! different machines. The parser itself warns about it.
//!
//! ## Example
//! ```apparmor
//! include <tunables/global>
//! profile foo { }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! abi <abi/4.0>,
//! include <tunables/global>
//! profile foo { }
//! ```
//!
//! ## Fix safety
//! Unsafe: pinning an ABI can change which rules are enforced. Offered
//! when the ABI file (`abi/4.0`, or `abi/5.0` for the apparmor.d preset)
//! is in the include path.

use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::{Context, Preset, finding};
use crate::syntax::ast::Item;

rule!("L406", "missing-abi", Portability, Info, true, Unsafe);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if !cx.has_profiles() || cx.ast.items.iter().any(|i| matches!(i, Item::Abi { .. })) {
        return;
    }
    let Some(first) = cx.ast.items.first() else { return };
    let at = cx.stmt_start(first) as usize;
    let mut d = finding(&RULE, cx.span(at, at), "no `abi` rule: the kernel features compiled for depend on the parser")
        .help("add `abi <abi/4.0>,` before the first rule");
    let want = match cx.preset {
        Preset::ApparmorD => ["abi/5.0", "abi/4.0"],
        Preset::Upstream => ["abi/4.0", "abi/4.0"],
    };
    if let Some(abi) = want.iter().find(|a| cx.search.find(a, true).is_some()) {
        d.fix = Some(edit::unsafe_(
            format!("add `abi <{abi}>,`"),
            vec![edit::replace(cx.span(at, at), format!("abi <{abi}>,\n\n"))],
        ));
    }
    out.push(d);
}
