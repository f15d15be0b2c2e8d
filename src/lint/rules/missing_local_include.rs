//! ## What it does
//! Flags a profile whose last line is not `include if exists <local/NAME>`.
//! With the `upstream` preset only top-level profiles need one; with
//! `apparmor.d`, child profiles too (`<local/PARENT_CHILD>`).
//!
//! ## Why is this bad?
//! The local include is how administrators add rules without editing the
//! packaged profile (which an upgrade would overwrite). It must come last,
//! so that what they add is not shadowed by, or mistaken for, the
//! packaged rules.
//!
//! ## Example
//! ```apparmor
//! profile foo /usr/bin/foo {
//!   include <abstractions/base>
//! }
//! ```
//!
//! ## Use instead
//! ```apparmor
//! profile foo /usr/bin/foo {
//!   include <abstractions/base>
//!
//!   include if exists <local/foo>
//! }
//! ```
//!
//! ## Fix safety
//! Unsafe: if the local file exists, its rules start to apply.

use crate::diag::Diagnostic;
use crate::lint::fix::edit;
use crate::lint::{Context, Preset, finding};
use crate::syntax::ast::{Item, Profile, ProfileKeyword};

rule!("L303", "missing-local-include", Style, Info, false, Unsafe);

fn has_local_last(p: &Profile) -> bool {
    let last = p
        .items
        .iter()
        .rev()
        .find(|i| !matches!(i, Item::Profile(c) if c.keyword != ProfileKeyword::Bare));
    matches!(last, Some(Item::Include { inc, .. }) if inc.if_exists && inc.path.starts_with("local/"))
}

fn walk(cx: &Context, items: &[Item], parent: Option<&str>, depth: usize, out: &mut Vec<Diagnostic>) {
    for i in items {
        let Item::Profile(p) = i else { continue };
        let base = p.name.text.rsplit('/').next().unwrap_or(&p.name.text).to_string();
        let local = match parent {
            None => cx
                .name
                .rsplit('/')
                .next()
                .filter(|n| *n != "-" && !n.is_empty())
                .unwrap_or(&base)
                .to_string(),
            Some(par) => format!("{par}_{base}"),
        };
        let wanted = parent.is_none() || cx.preset == Preset::ApparmorD;
        if wanted && !matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret) && !has_local_last(p) {
            let at = p.close.start as usize;
            let indent = "  ".repeat(depth + 1);
            let line_start = cx.text[..at].rfind('\n').map_or(0, |n| n + 1);
            let only_blank = cx.text[line_start..at].trim().is_empty();
            let (s, text) = if only_blank {
                (line_start, format!("\n{indent}include if exists <local/{local}>\n"))
            } else {
                (at, format!("\n{indent}include if exists <local/{local}>\n"))
            };
            let mut d = finding(
                &RULE,
                p.name.span,
                format!("profile `{}` does not end with `include if exists <local/{local}>`", p.name.text),
            )
            .help(format!("add `include if exists <local/{local}>` as the profile's last line"));
            d.fix = Some(edit::unsafe_(
                "add the local include",
                vec![edit::replace(cx.span(s, s), text)],
            ));
            out.push(d);
        }
        walk(cx, &p.items, Some(&local), depth + 1, out);
    }
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    walk(cx, &cx.ast.items, None, 0, out);
}
