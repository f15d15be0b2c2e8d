//! Exec transitions whose patterns overlap: the reference parser refuses a
//! profile when two rules with different exec modes (or targets) can match
//! the same executable, because the kernel could not tell which to apply
//! ("conflicting x modifiers"). A rule without wildcards (alternations
//! allowed) takes precedence over wildcard rules, so conflicts arise between
//! two wildcard rules or two exact rules; two rules written with the very
//! same path are compared in [`super::file`].

use super::file::{ExecBase, ExecMode, parse_perms};
use crate::aare::{self, Pattern};
use crate::diag::{Diagnostic, code};
use crate::syntax::ast::{Elem, PrefixItem, Qualifier, Rule, WordKind};

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

/// Report overlapping glob rules of one profile with different exec modes.
pub fn check_overlapping_exec(rules: &[Rule], diags: &mut Vec<Diagnostic>) {
    let execs: Vec<(Exec, Pattern)> = rules
        .iter()
        .filter_map(exec_of)
        .filter_map(|e| Pattern::parse(&e.path).ok().map(|p| (e, p)))
        .collect();
    for (i, (b, pb)) in execs.iter().enumerate() {
        for (a, pa) in &execs[..i] {
            let shares = (a.halves.user && b.halves.user) || (a.halves.other && b.halves.other);
            if !shares || a.priority != b.priority || (a.mode == b.mode && a.target == b.target) {
                continue;
            }
            // An exact match takes precedence over a wildcard match; two
            // rules written for the very same path are reported by the file
            // rule checks.
            if pa.is_literal() != pb.is_literal() || a.path == b.path {
                continue;
            }
            if let Some(w) = aare::overlap(pa, pb) {
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
