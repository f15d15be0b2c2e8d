//! ## What it does
//! Flags a rule path that names a directory without the trailing `/`: one
//! that ends in a directory variable, or a literal path that the same
//! profile also uses as a directory.
//!
//! - a path that ends in a directory variable — one whose every value ends
//!   in `/`, such as `@{HOME}` or `@{user_cache_dirs}`;
//! - a literal path (no wildcards once variables are expanded) that the
//!   same profile also uses as a directory: another of its rules, in the
//!   file or an include, names a path below it (`/var/cache/app r,` beside
//!   `/var/cache/app/*.dat w,`). Not flagged when a rule of the profile
//!   grants the directory itself (`/var/cache/app/`) the same permissions
//!   as well.
//!
//! ## Why is this bad?
//! In AppArmor a path ending in `/` names a directory, and one without it
//! names a file: the kernel looks a directory up with its trailing `/`.
//! `/var/cache/app r,` therefore grants nothing on the directory
//! `/var/cache/app/`, and listing it is refused. `owner @{HOME} r,` does
//! grant the directory, but only because of how the variable happens to be
//! defined; readers (and tools that match rules textually) take it for a
//! file rule. Writing the `/` makes the rule say what it grants.
//!
//! ## Example
//! ```apparmor
//! owner @{HOME} r,
//! /var/cache/app r,
//! /var/cache/app/*.dat w,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! owner @{HOME}/ r,
//! /var/cache/app/ r,
//! /var/cache/app/*.dat w,
//! ```
//!
//! ## Fix safety
//! For a directory variable, safe when the variable has one value: it
//! already ends in `/`, and repeated slashes are one slash to AppArmor, so
//! the rule matches the same paths. For a variable with several values the
//! fix is unsafe: the parser expands `@{v}/` differently from `@{v}` (it
//! drops the values' trailing slashes into the written one), which can
//! widen a `*` to match an empty name.
//!
//! For a literal path the fix is unsafe: the rule then grants the
//! directory instead of a file of that name, which is what the profile's
//! other rules say it is. Rules that execute, map or link the path are
//! about a file by nature and are not flagged.

use crate::diag::Diagnostic;
use crate::lint::facts::{FileRule, ProfileFacts, ast_rules, perms_cover};
use crate::lint::fix::edit;
use crate::lint::{Context, finding};
use crate::resolve::vars::{ByName, SetVar};
use crate::syntax::ast::{Elem, WordKind};

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
fn is_dir_var(name: &str, vars: &ByName<SetVar>, depth: usize) -> bool {
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
    dir_vars(cx, out);
    cx.per_profile(&RULE, out, |pf, out| literal_dirs(cx, pf, out));
}

/// Paths that end in a directory variable.
fn dir_vars(cx: &Context, out: &mut Vec<Diagnostic>) {
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

/// Whether a path (variables expanded) is a single literal path.
fn is_literal(norm: &str) -> bool {
    !norm.is_empty() && !norm.contains(['*', '?', '[', ']', '{', '}', '\\'])
}

/// Literal paths without `/` that rules of the same profile use as
/// directories.
fn literal_dirs(cx: &Context, pf: &ProfileFacts, out: &mut Vec<Diagnostic>) {
    for f in pf.files.iter().filter(|f| f.local) {
        // executing, mapping or linking are about files: such a rule is
        // some other mistake if the path is a directory
        let p = &f.perms;
        if !is_literal(f.norm) || f.norm.ends_with('/') || p.exec || p.mmap || p.link {
            continue;
        }
        let dir = format!("{}/", f.norm);
        let below = |g: &FileRule| {
            g.info()
                .literals.prefixes
                .iter()
                .any(|(p, complete)| p.starts_with(&dir) && !(*complete && *p == dir))
        };
        let mut used: Option<&FileRule> = None;
        let mut granted = false;
        for g in pf.candidates(f).map(|i| &pf.files[i]) {
            if !g.deny
                && perms_cover(&g.perms, &f.perms)
                && g.may_match(&dir)
                && g.pattern().is_some_and(|p| p.matches(&dir))
            {
                granted = true;
                break;
            }
            if used.is_none() && below(g) {
                used = Some(g);
            }
        }
        let Some(g) = used.filter(|_| !granted) else {
            continue;
        };
        let shown = cx.written(f.path).trim_matches('"').to_string();
        let mut d = finding(
            &RULE,
            f.path.span,
            format!(
                "`{shown}` names a file, but this profile uses it as a directory (`{}` at {})",
                cx.written(g.path).trim_matches('"'),
                cx.locate(g.rule.span)
            ),
        )
        .label(g.rule.span, "used as a directory here")
        .note("a directory is looked up with its trailing `/`: this rule does not grant it")
        .help(format!("write `{shown}/` to grant the directory"));
        let written = cx.slice(f.path.span);
        let at = if written.ends_with('"') {
            f.path.span.end as usize - 1
        } else {
            f.path.span.end as usize
        };
        d.fix = Some(edit::unsafe_(
            "add the trailing `/`",
            vec![edit::replace(cx.span(at, at), "/")],
        ));
        out.push(d);
    }
}
