//! ## What it does
//! Flags, once per profile, the first rule written after rules of a class
//! that should come later. With the `apparmor.d` preset the order is the
//! project's: include, rlimit, userns, capability, network, mount,
//! remount, umount, pivot_root, change_profile, mqueue, signal, ptrace,
//! unix, io_uring, dbus, file, deny rules of any class, then the local
//! include. With `upstream`:
//! includes, capabilities and network rules before everything else.
//!
//! ## Why is this bad?
//! A profile in a known order can be read and reviewed at a glance: one
//! looks in one place for its capabilities. The order does not change
//! what the profile grants.
//!
//! ## Example
//! ```apparmor
//! profile foo {
//!   /etc/hosts r,
//!   capability chown,
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo {
//!   capability chown,
//!   /etc/hosts r,
//! }
//! ```

use crate::check::{Family, family};
use crate::diag::Diagnostic;
use crate::lint::{Context, Preset, finding};
use crate::syntax::ast::{Item, Profile};

rule!("L308", "rule-order", Style, Info, false, None);

/// (rank, class name) of an item, `None` for items not ordered.
fn rank(i: &Item, preset: Preset) -> Option<(usize, &'static str)> {
    let fam = match i {
        Item::Include { inc, .. } if inc.if_exists && inc.path.starts_with("local/") => return None,
        Item::Include { .. } => return Some((0, "include")),
        // a rule that did not parse as any class is not ordered
        Item::Rule(r) if unknown_class(r) => return None,
        // the apparmor.d project keeps deny rules last, whatever their class
        Item::Rule(r)
            if preset == Preset::ApparmorD && crate::lint::facts::qualifiers(&r.prefix).0 =>
        {
            return Some((17, "deny"));
        }
        Item::Rule(r) => family(r),
        _ => return None,
    };
    let name = crate::check::prefix::family_name(fam);
    let r = match preset {
        Preset::ApparmorD => match fam {
            Family::Rlimit => 1,
            Family::Userns => 2,
            Family::Capability => 3,
            Family::Network => 4,
            Family::Mount => 5,
            Family::Remount => 6,
            Family::Umount => 7,
            Family::PivotRoot => 8,
            Family::ChangeProfile => 9,
            Family::Mqueue => 10,
            Family::Signal => 11,
            Family::Ptrace => 12,
            Family::Unix => 13,
            Family::IoUring => 14,
            Family::Dbus => 15,
            Family::File | Family::Link | Family::All => 16,
        },
        Preset::Upstream => match fam {
            Family::Capability => 1,
            Family::Network => 2,
            _ => 3,
        },
    };
    Some((r, name))
}

/// A rule starting with a word that is neither a keyword nor a path (a
/// misspelt keyword: the front end reports it).
fn unknown_class(r: &crate::syntax::ast::Rule) -> bool {
    use crate::syntax::ast::{Elem, WordKind};
    matches!(r.elems.first(), Some(Elem::Word(w))
        if w.kind == WordKind::Id && w.text.starts_with(|c: char| c.is_ascii_alphabetic()))
}

fn profile(cx: &Context, p: &Profile, out: &mut Vec<Diagnostic>) {
    let mut max: Option<(usize, &'static str, crate::source::Span)> = None;
    let mut reported = false;
    for i in &p.items {
        if let Item::Profile(c) = i {
            profile(cx, c, out);
            continue;
        }
        let Some((r, name)) = rank(i, cx.preset) else { continue };
        if reported {
            continue;
        }
        match max {
            Some((m, mname, mspan)) if r < m => {
                reported = true;
                out.push(
                    finding(&RULE, cx.stmt_span(i), format!("{name} rule after {mname} rules"))
                        .label(mspan, format!("the first {mname} rule"))
                        .help(format!("move {name} rules before {mname} rules ({} order)", cx.preset.as_str())),
                );
            }
            Some((m, _, _)) if r <= m => {}
            _ => max = Some((r, name, cx.stmt_span(i))),
        }
    }
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for i in &cx.ast.items {
        if let Item::Profile(p) = i {
            profile(cx, p, out);
        }
    }
}
