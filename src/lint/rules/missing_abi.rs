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
//! The abi suggested is the newest versioned abi file (`abi/3.0`,
//! `abi/4.0`, ...) that exists in the include search path (the `-I` dirs,
//! then the base), so that following the advice never names a file the
//! parser cannot find: on a system whose `abi/` holds only `3.0`, that is
//! `abi <abi/3.0>,`. With no abi file in the search path nothing is
//! suggested.
//!
//! ## Fix safety
//! Unsafe: pinning an ABI can change which rules are enforced. Offered
//! only when the suggested ABI file is in the include path and mediates
//! every rule class the file uses (pinning an older ABI would silently
//! stop enforcing the others).

use crate::check::{Family, family};
use crate::diag::Diagnostic;
use crate::features::Features;
use crate::lint::fix::edit;
use crate::lint::{Context, finding};
use crate::syntax::ast::Item;

rule!("L406", "missing-abi", Portability, Info, true, Unsafe);

/// The rule classes of the file's own rules that `abi` does not mediate.
fn unmediated(cx: &Context, abi: &str) -> Vec<&'static str> {
    let Some(text) = cx.search.read_found(abi, true) else {
        return Vec::new();
    };
    let (features, _) = Features::parse_lossy(&text);
    let mut out: Vec<Family> = Vec::new();
    for pf in &cx.facts().profiles {
        for r in pf.others.iter().filter(|r| cx.is_local(r.span)) {
            let fam = family(r);
            if !crate::check::family_supported(&features, fam) && !out.contains(&fam) {
                out.push(fam);
            }
        }
    }
    out.into_iter()
        .map(crate::check::prefix::family_name)
        .collect()
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if !cx.has_profiles() || cx.ast.items.iter().any(|i| matches!(i, Item::Abi { .. })) {
        return;
    }
    let Some(first) = cx.ast.items.first() else { return };
    let at = cx.stmt_start(first) as usize;
    let mut d = finding(&RULE, cx.span(at, at), "no `abi` rule: the kernel features compiled for depend on the parser");
    let Some(abi) = cx.search.abi_versions().into_iter().next() else {
        out.push(d.help(
            "no abi file is in the include path (`abi/` of the -I dirs and the base): \
             once one is installed, pin it with `abi <abi/VERSION>,`",
        ));
        return;
    };
    let missing = unmediated(cx, &abi);
    if !missing.is_empty() {
        out.push(d.help(format!(
            "the newest abi in the include path, `{abi}`, does not mediate the {} rules of this file: \
             install a newer abi file and pin that",
            missing.join(", ")
        )));
        return;
    }
    d = d.help(format!("add `abi <{abi}>,` before the first rule (the newest abi in the include path)"));
    d.fix = Some(edit::unsafe_(
        format!("add `abi <{abi}>,`"),
        vec![edit::replace(cx.span(at, at), format!("abi <{abi}>,\n\n"))],
    ));
    out.push(d);
}
