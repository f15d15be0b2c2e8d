//! ## What it does
//! Flags a rule of a class that the ABI the file declares (`abi
//! <abi/3.0>,`) does not mediate — `io_uring`, `mqueue` and `userns` rules
//! under an ABI older than 4.0, say. The ABI file is read from the include
//! path, in the features-file format.
//!
//! ## Why is this bad?
//! The parser compiles the policy for the declared ABI and drops rules the
//! ABI lacks (with a "not enforced" warning at best): the rule is written
//! but does nothing, on every kernel.
//!
//! ## Example
//! ```apparmor
//! abi <abi/3.0>,
//! profile foo {
//!   userns,
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! abi <abi/4.0>,
//! profile foo {
//!   userns,
//! }
//! ```

use crate::check::{Family, family};
use crate::diag::Diagnostic;
use crate::features::Features;
use crate::lint::{Context, finding};
use crate::syntax::ast::Item;

rule!("L401", "abi-missing-feature", Portability, Warning, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some((name, angle, span)) = cx.ast.items.iter().find_map(|i| match i {
        Item::Abi { path, angle, span } => Some((path.text.clone(), *angle, *span)),
        _ => None,
    }) else {
        return;
    };
    let Some(text) = cx.search.read_found(&name, angle) else { return };
    let Ok(features) = Features::parse(&text) else { return };
    let mut reported: Vec<Family> = Vec::new();
    for pf in &cx.facts().profiles {
        for r in pf.others.iter().filter(|r| cx.is_local(r.span)) {
            let fam = family(r);
            if crate::check::family_supported(&features, fam) || reported.contains(&fam) {
                continue;
            }
            reported.push(fam);
            let fname = crate::check::prefix::family_name(fam);
            // name a newer abi only if the include path holds one that
            // mediates the class
            let newer = cx.search.abi_versions().into_iter().find(|a| {
                cx.search
                    .read_found(a, true)
                    .is_some_and(|t| crate::check::family_supported(&Features::parse_lossy(&t).0, fam))
            });
            let help = match newer {
                Some(a) => format!("declare `abi <{a}>,`, or remove the rule"),
                None => format!(
                    "remove the rule: no abi in the include path mediates {fname} rules"
                ),
            };
            out.push(
                finding(
                    &RULE,
                    r.span,
                    format!("abi `{name}` does not mediate {fname} rules: this rule is not enforced"),
                )
                .label(span, "the abi declared here")
                .note("further rules of this kind in the file are not reported")
                .help(help),
            );
        }
    }
}
