//! ## What it does
//! Flags an allow rule that a `deny` rule of the same profile cancels
//! completely: the deny covers every path (compared exactly, as automata)
//! and every permission the allow grants. For other rule classes, a bare
//! `deny CLASS,` cancels every allow rule of that class, and a denied
//! capability cancels the same capability.
//!
//! ## Why is this bad?
//! Deny rules win over allow rules whatever their order, so the allow rule
//! does nothing — silently. Usually the deny was meant to carve out a part
//! of a wider grant and was written wider than intended, or the allow was
//! added later by someone who did not see the deny.
//!
//! ## Example
//! ```apparmor
//! deny /etc/** w,
//! /etc/myapp/state w,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! deny /etc/{passwd,shadow} w,
//! /etc/myapp/state w,
//! ```

use crate::check::{Family, family};
use crate::diag::Diagnostic;
use crate::lint::facts::{FileRule, perms_cover, qualifiers};
use crate::lint::{Context, finding};
use crate::syntax::ast::{Elem, Rule, WordKind};

rule!("L102", "deny-shadows-allow", Correctness, Warning, true, None);

fn cancels(deny: &FileRule, allow: &FileRule) -> bool {
    deny.deny
        && !allow.deny
        && deny.priority >= allow.priority
        && (!deny.owner || allow.owner)
        && (!deny.other || allow.other)
        && perms_cover(&deny.perms, &allow.perms)
        && deny.covers_paths(allow)
}

/// The words after a rule's keyword (capability names, ...).
fn operands(r: &Rule) -> Vec<&str> {
    r.elems
        .iter()
        .skip(1)
        .filter_map(|e| match e {
            Elem::Word(w) if w.kind != WordKind::Key || !w.text.is_empty() => Some(w.text.as_str()),
            _ => None,
        })
        .collect()
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for pf in &cx.facts().profiles {
        let any_deny = pf.files.iter().any(|f| f.deny);
        for allow in pf.files.iter().filter(|f| any_deny && f.local && !f.deny) {
            let found = pf
                .candidates(allow)
                .map(|i| &pf.files[i])
                .find(|d| cancels(d, allow));
            if let Some(deny) = found {
                out.push(
                    finding(
                        &RULE,
                        allow.rule.span,
                        format!(
                            "this rule has no effect: `deny` at {} denies `{}` on every path it matches",
                            cx.locate(deny.rule.span),
                            allow.mode_text()
                        ),
                    )
                    .label(deny.rule.span, "this deny rule cancels it")
                    .note("deny rules take precedence over allow rules, whatever their order")
                    .help("narrow the deny rule, or remove this rule"),
                );
            }
        }
        for allow in pf.others.iter().filter(|r| cx.is_local(r.span)) {
            if qualifiers(&allow.prefix).0 {
                continue;
            }
            let fam = family(allow);
            if matches!(fam, Family::File | Family::Link) {
                continue;
            }
            let cancelled_by = pf.others.iter().find(|d| {
                let (deny, _, _, _, prio) = qualifiers(&d.prefix);
                if !deny || family(d) != fam || prio < qualifiers(&allow.prefix).4 {
                    return false;
                }
                if d.elems.len() == 1 {
                    return true; // `deny CLASS,`
                }
                let dops = operands(d);
                fam == Family::Capability && d.elems.len() == dops.len() + 1 && {
                    let aops = operands(allow);
                    !aops.is_empty() && aops.iter().all(|c| dops.contains(c))
                }
            });
            if let Some(d) = cancelled_by {
                out.push(
                    finding(
                        &RULE,
                        allow.span,
                        format!(
                            "this rule has no effect: the deny rule at {} cancels it",
                            cx.locate(d.span)
                        ),
                    )
                    .label(d.span, "this deny rule cancels it")
                    .note("deny rules take precedence over allow rules, whatever their order")
                    .help("narrow the deny rule, or remove this rule"),
                );
            }
        }
    }
}
