//! ## What it does
//! Flags an allow rule that a `deny` rule of the same profile cancels,
//! completely or in part: the deny covers every path the allow matches
//! (compared exactly, as automata) and denies some or all of the
//! permissions it grants. A partial cancel names the permissions denied, on
//! an example path of the allow rule, and points at both rules. For other
//! rule classes, a bare `deny CLASS,` cancels every allow rule of that
//! class, and a denied capability cancels the same capability.
//!
//! A deny that covers only some of the allow rule's paths (`deny
//! /etc/myapp/secret/* r,` in `/etc/myapp/** r,`) is what deny rules are
//! for, carving an exception out of a wider grant, and is not flagged;
//! neither is one that shares no permission with the allow rule.
//!
//! ## Why is this bad?
//! Deny rules win over allow rules whatever their order, so the allow rule
//! does nothing, or less than it says — silently. `/srv/app/settings.ini
//! rw,` beside `deny /srv/app/** w,` reads as a grant to write the file,
//! and the program is refused when it tries. Usually the deny was meant to
//! carve out a part of a wider grant and was written wider than intended,
//! or the allow was added later by someone who did not see the deny.
//!
//! ## Example
//! ```apparmor
//! deny /etc/** w,
//! /etc/myapp/state w,
//! deny /srv/app/** w,
//! /srv/app/settings.ini rw,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! deny /etc/{passwd,shadow} w,
//! /etc/myapp/state w,
//! deny /srv/app/** w,
//! /srv/app/settings.ini r,
//! ```

use crate::check::file::Perms;
use crate::check::{Family, family};
use crate::diag::Diagnostic;
use crate::lint::facts::{FileRule, qualifiers};
use crate::lint::{Context, finding};
use crate::syntax::ast::{Elem, Rule, WordKind};

rule!("L102", "deny-shadows-allow", Correctness, Warning, true, None);

/// Whether `deny` applies to every access `allow` grants, permissions
/// aside: it is a deny of at least the allow's priority, its `owner` and
/// `other` qualifiers do not narrow it below the allow's, and its path
/// covers every path the allow matches.
fn covers(deny: &FileRule, allow: &FileRule) -> bool {
    deny.deny
        && !allow.deny
        && deny.priority >= allow.priority
        && (!deny.owner || allow.owner)
        && (!deny.other || allow.other)
        && deny.covers_paths(allow)
}

/// For each letter of the allow rule's permissions as written, whether
/// `deny` denies it (`w` denies `a` too; `x` denies every exec mode).
fn denied_letters(deny: &Perms, mode: &str) -> Vec<bool> {
    mode.chars()
        .map(|c| match c.to_ascii_lowercase() {
            'r' => deny.read,
            'w' => deny.write,
            'a' => deny.append || deny.write,
            'l' => deny.link,
            'k' => deny.lock,
            'm' => deny.mmap,
            _ => deny.exec,
        })
        .collect()
}

/// The letters of `mode` where `pick` is `want`.
fn letters(mode: &str, pick: &[bool], want: bool) -> String {
    mode.chars()
        .zip(pick)
        .filter(|(_, p)| **p == want)
        .map(|(c, _)| c)
        .collect()
}

/// The file rules: allow rules that deny rules cancel.
fn file_rules(cx: &Context, pf: &crate::lint::facts::ProfileFacts, out: &mut Vec<Diagnostic>) {
    // few rules deny: each allow rule is held against them all
    let deny_rules: Vec<&FileRule> = pf.files.iter().filter(|f| f.deny).collect();
    if deny_rules.is_empty() {
        return;
    }
    for allow in pf.files.iter().filter(|f| f.local && !f.deny) {
        let mode = allow.mode_text();
        // (deny rule, which of the allow's letters it denies)
        let mut denies: Vec<(&FileRule, Vec<bool>)> = Vec::new();
        for &d in &deny_rules {
            let denied = denied_letters(&d.perms, mode);
            if denied.contains(&true) && covers(d, allow) {
                denies.push((d, denied));
            }
        }
        if denies.is_empty() {
            continue;
        }
        if let Some((deny, _)) = denies.iter().find(|(_, l)| l.iter().all(|x| *x)) {
            out.push(
                finding(
                    &RULE,
                    allow.rule.span,
                    format!(
                        "this rule has no effect: `deny` at {} denies `{mode}` on every path it matches",
                        cx.locate(deny.rule.span),
                    ),
                )
                .label(deny.rule.span, "this deny rule cancels it")
                .note("deny rules take precedence over allow rules, whatever their order")
                .help("narrow the deny rule, or remove this rule"),
            );
            continue;
        }
        let all: Vec<bool> = (0..mode.chars().count())
            .map(|i| denies.iter().any(|(_, l)| l[i]))
            .collect();
        let cancelled = letters(mode, &all, true);
        let kept = letters(mode, &all, false);
        let at: Vec<String> = denies.iter().map(|(d, _)| cx.locate(d.rule.span)).collect();
        let (by, verb) = match at.len() {
            1 => (format!("the deny rule at {}", at[0]), "denies"),
            _ => (format!("the deny rules at {}", at.join(" and ")), "deny"),
        };
        // the paths, named by a witness when the rule matches more than one
        let on = match allow.example() {
            Some(e) if e == allow.norm => format!("on `{e}`"),
            Some(e) => format!("on every path this rule matches (`{e}`, for one)"),
            None => "on every path this rule matches".to_string(),
        };
        let message = if kept.is_empty() {
            format!("this rule has no effect: {by} together deny `{mode}` {on}")
        } else {
            format!("{by} {verb} `{cancelled}` {on}: this rule grants only `{kept}`")
        };
        let mut d = finding(&RULE, allow.rule.span, message);
        if let Some(p) = d.primary.as_mut() {
            p.message = if kept.is_empty() {
                "everything this rule grants is denied".to_string()
            } else {
                format!("`{cancelled}` of `{mode}` is denied")
            };
        }
        for (deny, l) in &denies {
            d = d.label(deny.rule.span, format!("this deny rule cancels `{}`", letters(mode, l, true)));
        }
        let help = if kept.is_empty() {
            "narrow the deny rules, or remove this rule".to_string()
        } else {
            format!("if the deny is meant, write `{kept}` here; otherwise narrow the deny rule")
        };
        out.push(
            d.note("deny rules take precedence over allow rules, whatever their order")
                .help(help),
        );
    }
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
    cx.per_profile(&RULE, out, |pf, out| file_rules(cx, pf, out));
    for pf in &cx.facts().profiles {
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
