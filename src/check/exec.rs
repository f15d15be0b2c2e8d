//! Exec transitions whose patterns overlap: the reference parser refuses a
//! profile when two rules with different exec modes (or targets) can match
//! the same executable, because the kernel could not tell which to apply
//! ("conflicting x modifiers"). A rule without wildcards (alternations
//! allowed) takes precedence over wildcard rules, so conflicts arise between
//! two wildcard rules or two exact rules; two rules written with the very
//! same path are compared in [`super::file`].

use super::file::{ExecBase, ExecMode, parse_perms};
use crate::aare::{self, Literals, Pattern};
use crate::diag::{Diagnostic, code};
use crate::syntax::ast::{Elem, PrefixItem, Qualifier, Rule, WordKind};
use std::cell::OnceCell;

/// Which halves of the permission table a rule sets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Halves {
    user: bool,
    other: bool,
}

struct Exec<'a> {
    rule: &'a Rule,
    path: String,
    mode: ExecMode,
    target: Option<String>,
    halves: Halves,
    /// `priority=N`: a higher priority rule overrides, it does not conflict
    priority: i64,
}

fn exec_of(rule: &Rule) -> Option<Exec<'_>> {
    let mut deny = false;
    let mut priority = 0;
    let mut halves = Halves {
        user: true,
        other: true,
    };
    for p in &rule.prefix {
        match p {
            PrefixItem::Qualifier(Qualifier::Deny, _) => deny = true,
            PrefixItem::Qualifier(Qualifier::Owner, _) => {
                halves = Halves {
                    user: true,
                    other: false,
                }
            }
            PrefixItem::Qualifier(Qualifier::Other, _) => {
                halves = Halves {
                    user: false,
                    other: true,
                }
            }
            PrefixItem::Priority { value, .. } => priority = value.text.parse().unwrap_or(0),
            _ => {}
        }
    }
    if deny {
        return None;
    }
    let mut path = None;
    let mut mode: Option<ExecMode> = None;
    let mut target = None;
    let mut safety = None;
    for e in &rule.elems {
        match e {
            Elem::Word(w) if w.kind == WordKind::Mode => {
                mode = parse_perms(&w.text).ok().and_then(|p| p.exec_mode)
            }
            Elem::Word(w) if w.is_key("safe") || w.is_key("unsafe") => {
                safety = Some(w.text == "unsafe")
            }
            Elem::Word(w)
                if matches!(w.kind, WordKind::Id | WordKind::SetVar) && path.is_none() =>
            {
                path = Some(w.text.clone())
            }
            Elem::Word(w) if w.kind == WordKind::Key && w.text != "file" && w.text != "subset" => {
                return None;
            }
            Elem::Arrow {
                target: Some(t), ..
            } => target = Some(t.text.clone()),
            _ => {}
        }
    }
    let mut mode = mode?;
    match safety {
        Some(true) if mode.base != ExecBase::Inherit => mode.unsafe_ = true,
        Some(false) => mode.unsafe_ = false,
        _ => {}
    }
    Some(Exec {
        rule,
        path: path?,
        mode,
        target,
        halves,
        priority,
    })
}

/// Report overlapping glob rules of one profile with different exec modes;
/// `parse` reads a rule's path as [`Pattern::parse`] does and `overlap`
/// decides whether two patterns share a path (and gives one), as
/// [`aare::overlap`] does (a caller may remember the answers of both).
pub fn check_overlapping_exec(
    rules: &[std::sync::Arc<Rule>],
    diags: &mut Vec<Diagnostic>,
    parse: &dyn Fn(&str) -> Option<std::sync::Arc<Pattern>>,
    overlap: &dyn Fn(&Pattern, &Pattern) -> Option<String>,
) {
    let execs: Vec<Exec> = rules.iter().filter_map(|r| exec_of(r)).collect();
    // what the texts say is worked out for the rules the cheap tests leave,
    // the automata only for pairs whose literals may overlap: most exec
    // rules are never compared that far
    let shapes: Vec<OnceCell<Option<(bool, Literals)>>> =
        execs.iter().map(|_| OnceCell::new()).collect();
    let shape = |i: usize| {
        shapes[i]
            .get_or_init(|| {
                Pattern::literal_text(&execs[i].path).map(|l| (l, Literals::of(&execs[i].path)))
            })
            .as_ref()
    };
    let patterns: Vec<OnceCell<Option<std::sync::Arc<Pattern>>>> =
        execs.iter().map(|_| OnceCell::new()).collect();
    let pattern = |i: usize| patterns[i].get_or_init(|| parse(&execs[i].path)).clone();
    for (j, b) in execs.iter().enumerate() {
        for (i, a) in execs[..j].iter().enumerate() {
            let shares = (a.halves.user && b.halves.user) || (a.halves.other && b.halves.other);
            if !shares
                || a.priority != b.priority
                || a.mode.same_transition(&a.target, &b.mode, &b.target)
                // two rules written for the very same path are reported
                // by the file rule checks
                || a.path == b.path
            {
                continue;
            }
            // An exact match takes precedence over a wildcard match.
            let (Some((la, lita)), Some((lb, litb))) = (shape(i), shape(j)) else {
                continue;
            };
            if la != lb || !lita.may_overlap(litb) {
                continue;
            }
            let (Some(pa), Some(pb)) = (pattern(i), pattern(j)) else {
                continue;
            };
            if let Some(w) = overlap(&pa, &pb) {
                let describe = |e: &Exec| match &e.target {
                    Some(t) => format!("{} -> {t}", e.mode.letters()),
                    None => e.mode.letters(),
                };
                diags.push(
                    Diagnostic::error(
                        code::CONFLICTING_EXEC,
                        b.rule.span,
                        format!(
                            "conflicting exec modes: `{}` here and `{}` for `{}` both match `{w}`",
                            describe(b),
                            describe(a),
                            a.path
                        ),
                    )
                    .label(a.rule.span, "the other rule")
                    .note(format!("both rules match the path `{w}`, so the kernel could not choose a transition"))
                    .help("give both rules the same exec mode, or narrow the patterns so they do not overlap"),
                );
                break; // one report per rule
            }
        }
    }
}

/// A `change_profile [safe|unsafe] EXEC [-> TARGET],` rule with an exec
/// condition.
struct Onexec<'a> {
    rule: &'a Rule,
    unsafe_: bool,
    priority: i64,
    exec: Pattern,
    /// `None`: no `->`, any target.
    target: Option<Pattern>,
}

fn onexec_of(rule: &Rule) -> Option<Onexec<'_>> {
    let mut priority = 0;
    for p in &rule.prefix {
        match p {
            PrefixItem::Qualifier(Qualifier::Deny, _) => return None,
            PrefixItem::Priority { value, .. } => priority = value.text.parse().unwrap_or(0),
            _ => {}
        }
    }
    let mut elems = rule.elems.iter();
    if !matches!(elems.next(), Some(Elem::Word(w)) if w.is_key("change_profile")) {
        return None;
    }
    let mut unsafe_ = false;
    let mut exec = None;
    let mut target = None;
    for e in elems {
        match e {
            Elem::Word(w) if w.is_key("safe") || w.is_key("unsafe") => unsafe_ = w.text == "unsafe",
            Elem::Word(w) if exec.is_none() => exec = Some(Pattern::parse(&w.text).ok()?),
            Elem::Arrow {
                target: Some(t), ..
            } => target = Some(Pattern::parse(&t.text).ok()?),
            _ => {}
        }
    }
    Some(Onexec {
        rule,
        unsafe_,
        priority,
        exec: exec?,
        target,
    })
}

/// Report `safe` and `unsafe` change_profile rules of one profile that the
/// kernel could not tell apart. The reference compiles each rule's exec
/// path and target into one automaton entry: two rules conflict when both
/// can match the same program and the same target, with the same
/// precedence (both without wildcards in path and target, or both with
/// some; a rule without `->` allows any target, a wildcard) and the same
/// priority. Different targets for one program do not conflict.
pub fn check_change_profile_safety(rules: &[std::sync::Arc<Rule>], diags: &mut Vec<Diagnostic>) {
    let rules: Vec<Onexec> = rules.iter().filter_map(|r| onexec_of(r)).collect();
    let exact =
        |r: &Onexec| r.exec.is_literal() && r.target.as_ref().is_some_and(Pattern::is_literal);
    for (i, b) in rules.iter().enumerate() {
        for a in &rules[..i] {
            if a.unsafe_ == b.unsafe_ || a.priority != b.priority || exact(a) != exact(b) {
                continue;
            }
            let Some(program) = aare::overlap(&a.exec, &b.exec) else {
                continue;
            };
            let target = match (&a.target, &b.target) {
                (Some(x), Some(y)) => aare::overlap(x, y),
                (Some(x), None) | (None, Some(x)) => aare::example(x),
                (None, None) => Some("any profile".to_string()),
            };
            let Some(target) = target else { continue };
            let (safe, unsafe_) = if a.unsafe_ { (b, a) } else { (a, b) };
            diags.push(
                Diagnostic::error(
                    code::CONFLICTING_EXEC,
                    b.rule.span,
                    format!(
                        "`{program}` may change to `{target}` both safely and unsafely",
                    ),
                )
                .label(a.rule.span, "the other rule")
                .note(format!(
                    "`{}` and `{}` both match program `{program}` and target `{target}`",
                    safe.rule_text(),
                    unsafe_.rule_text()
                ))
                .help("use the same `safe`/`unsafe` keyword on both rules, or give them different targets"),
            );
            break; // one report per rule
        }
    }
}

impl Onexec<'_> {
    fn rule_text(&self) -> String {
        let safety = if self.unsafe_ { "unsafe" } else { "safe" };
        match &self.target {
            Some(t) => format!(
                "change_profile {safety} {} -> {}",
                self.exec.text(),
                t.text()
            ),
            None => format!("change_profile {safety} {}", self.exec.text()),
        }
    }
}
