//! ## What it does
//! Flags a rule path that ends in a directory variable — one whose every
//! value ends in `/`, such as `@{HOME}` or `@{user_cache_dirs}` — without
//! writing the trailing `/` itself.
//!
//! ## Why is this bad?
//! In AppArmor a path ending in `/` names a directory, and one without it
//! names a file. `owner @{HOME} r,` does grant the directory, but only
//! because of how the variable happens to be defined; readers (and tools
//! that match rules textually) take it for a file rule. Writing the `/`
//! makes the rule say what it grants.
//!
//! ## Example
//! ```apparmor
//! owner @{HOME} r,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! owner @{HOME}/ r,
//! ```
//!
//! ## Fix safety
//! Safe when the variable has one value: it already ends in `/`, and
//! repeated slashes are one slash to AppArmor, so the rule matches the same
//! paths. For a variable with several values the fix is unsafe: the parser
//! expands `@{v}/` differently from `@{v}` (it drops the values' trailing
//! slashes into the written one), which can widen a `*` to match an empty
//! name.

use crate::diag::Diagnostic;
use crate::lint::facts::ast_rules;
use crate::lint::fix::edit;
use crate::lint::{Context, finding};
use crate::resolve::vars::SetVar;
use crate::syntax::ast::{Elem, WordKind};
use std::collections::HashMap;

rule!("L104", "dir-without-slash", Correctness, Warning, true, Safe);

/// The name of the variable a text ends with (`...@{name}`).
pub fn trailing_var(text: &str) -> Option<&str> {
    let body = text.strip_suffix('}')?;
    let open = body.rfind("@{")?;
    let name = &body[open + 2..];
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(name)
}

/// Whether every value of a variable ends in `/` (following references).
fn is_dir_var(name: &str, vars: &HashMap<String, SetVar>, depth: usize) -> bool {
    let Some(v) = vars.get(name) else {
        return false;
    };
    depth < 16
        && !v.values.is_empty()
        && v.values.iter().all(|x| {
            x.ends_with('/')
                || trailing_var(x).is_some_and(|n| is_dir_var(n, vars, depth + 1))
        })
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for r in ast_rules(&cx.ast.items) {
        if !matches!(crate::check::family(r), crate::check::Family::File) {
            continue;
        }
        let Some(w) = r.elems.iter().find_map(|e| match e {
            Elem::Word(w) if matches!(w.kind, WordKind::Id | WordKind::SetVar) => Some(w),
            _ => None,
        }) else {
            continue;
        };
        let Some(name) = trailing_var(&w.text) else {
            continue;
        };
        if !is_dir_var(name, &cx.policy.vars, 0) {
            continue;
        }
        let written = cx.slice(w.span);
        let at = if written.ends_with('"') {
            w.span.end as usize - 1
        } else {
            w.span.end as usize
        };
        let d = finding(
            &RULE,
            w.span,
            format!(
                "`{}` names a directory (`@{{{name}}}` ends in `/`) but the rule does not end in `/`",
                w.text
            ),
        )
        .help(format!("write `{}/`", w.text));
        let single = cx.policy.vars.get(name).is_some_and(|v| v.values.len() == 1);
        let edits = vec![edit::replace(cx.span(at, at), "/")];
        out.push(Diagnostic {
            fix: Some(if single {
                edit::safe("add the trailing `/`", edits)
            } else {
                edit::unsafe_("add the trailing `/`", edits)
            }),
            ..d
        });
    }
}
