//! ## What it does
//! Flags a file rule whose every path and permission is already granted by
//! another rule of the same profile — written in the same file or brought
//! in by an include. Paths are compared exactly, as automata: `/usr/bin/*`
//! covers `/usr/bin/foo`, `/usr/{lib,share}/**` covers `/usr/share/x/*`,
//! and `@{bin}/foo` is compared after `@{bin}` is expanded.
//!
//! The covering rule must have the same `deny`, `audit` and `priority`,
//! be no narrower in `owner`/`other`, grant every permission the rule
//! grants, and give the same exec mode and target.
//!
//! ## Why is this bad?
//! A redundant rule does nothing, yet readers take it for a grant that
//! matters, and it hides what the profile really allows. Often it is left
//! over from a wider rule added later, or from an abstraction that already
//! grants it.
//!
//! ## Example
//! ```apparmor
//! /usr/bin/* r,
//! /usr/bin/foo r,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! /usr/bin/* r,
//! ```
//!
//! ## Fix safety
//! The fix deletes the redundant rule (a trailing comment stays). The
//! permissions the kernel enforces are the same with and without it. It is
//! safe when the covering rule has the very same path after expansion and
//! the same `owner`/`other`: the compiler merges the two, and the binary
//! policy is byte for byte the same. Otherwise (a wider pattern, or the
//! same paths written another way, such as `@{HOME}` and `@{HOME}/`) the
//! compiler builds its automaton from other expressions, and the policy it
//! writes, though it grants the same, may differ in its bytes: the fix is
//! then unsafe.

use crate::diag::Diagnostic;
use crate::lint::facts::{FileRule, perms_cover};
use crate::lint::fix::edit;
use crate::lint::{Context, finding};

rule!("L101", "redundant-rule", Correctness, Info, true, Safe);

/// Whether rule `a` grants everything rule `b` grants.
pub fn covers(a: &FileRule, b: &FileRule) -> bool {
    a.deny == b.deny
        && a.audit == b.audit
        && a.priority == b.priority
        && (!a.owner || b.owner)
        && (!a.other || b.other)
        && perms_cover(&a.perms, &b.perms)
        && (!b.perms.exec || a.perms.exec_mode == b.perms.exec_mode)
        && (b.target.is_none() && a.target.is_none() || a.target == b.target)
        && a.covers_paths(b)
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    cx.per_profile(&RULE, out, |pf, out| {
        let files = &pf.files;
        for (bi, b) in files.iter().enumerate() {
            if !b.local {
                continue;
            }
            let found = pf.candidates(b).find(|&ai| {
                let a = &files[ai];
                ai != bi && covers(a, b)
                // of two equivalent rules of this file, the later is reported
                && !(a.local && ai > bi && covers(b, a))
            });
            let Some(a) = found.map(|ai| &files[ai]) else { continue };
            let span = b.rule.span;
            let same = a.norm == b.norm;
            let how = if same {
                "for the same path".to_string()
            } else {
                format!("on every path `{}` matches", cx.written(b.path))
            };
            let what = if b.mode_text().is_empty() {
                String::new()
            } else {
                format!("`{}` ", b.mode_text())
            };
            let d = finding(
                &RULE,
                span,
                format!(
                    "redundant rule: {} already grants {what}{how}",
                    cx.locate(a.rule.span)
                ),
            )
            .label(a.rule.span, "this rule already grants it")
            .note(format!("in profile `{}`", pf.full_name))
            .help("remove this rule");
            let edits = vec![edit::replace(edit::delete_statement(cx.text, span), "")];
            let merged = a.path.text == b.path.text && a.owner == b.owner && a.other == b.other;
            let fix = if merged {
                edit::safe("remove the redundant rule", edits)
            } else {
                edit::unsafe_("remove the redundant rule", edits)
            };
            out.push(Diagnostic {
                fix: Some(fix),
                ..d
            });
        }
    });
}
